"""``safe_text``: terminal-safe text and URLs without credentials."""

from __future__ import annotations

import pytest

from generator.safe_text import printable, redact_url


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("plain ASCII", "plain ASCII"),
        ("café, 日本語, emoji 🐍, Ω, non\u00a0breaking", "café, 日本語, emoji 🐍, Ω, non\u00a0breaking"),
        ("\x1b[2J\x1b[31mred", "\\x1b[2J\\x1b[31mred"),
        ("title\x1b]0;owned\x07", "title\\x1b]0;owned\\x07"),
        ("C1 \x9b31m and \x85 and DEL \x7f", "C1 \\x9b31m and \\x85 and DEL \\x7f"),
        ("abc\u202edcba", "abc\\u202edcba"),
        ("\u2066isolate\u2069 \u200e\u200f\u061c", "\\u2066isolate\\u2069 \\u200e\\u200f\\u061c"),
        ("zero\u200bwidth\ufeff", "zero\\u200bwidth\\ufeff"),
        ("line\nbreak\rreturn\ttab", "line\\nbreak\\rreturn\\ttab"),
        ("sep\u2028par\u2029", "sep\\u2028par\\u2029"),
        ("lone \ud800 surrogate", "lone \\ud800 surrogate"),
        ("tag \U000e0041", "tag \\U000e0041"),
    ],
)
def test_printable_escapes_controls_and_keeps_ordinary_unicode(text: str, shown: str) -> None:
    assert printable(text) == shown
    shown.encode("utf-8")  # printable output can always be written to a UTF-8 terminal


def test_printable_can_keep_line_feeds_and_tabs_for_reports() -> None:
    assert printable("a\n\tb\r\x1b[1A", newlines=True) == "a\n\tb\\r\\x1b[1A"


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://example.com/openapi.json", "https://example.com/openapi.json"),
        ("https://example.com/spec?v=2&format=json", "https://example.com/spec?v=2&format=json"),
        ("https://example.com/spec?access_token=secret&v=2", "https://example.com/spec?access_token=REDACTED&v=2"),
        ("https://example.com/s?token=a&key=b&api_key=c&apiKey=d&signature=e", "https://example.com/s?token=REDACTED&key=REDACTED&api_key=REDACTED&apiKey=REDACTED&signature=REDACTED"),
        (
            "https://b.s3.amazonaws.com/o?X-Amz-Algorithm=AWS4&X-Amz-Credential=AKIA%2F1&X-Amz-Signature=ff&X-Amz-Security-Token=tt",
            "https://b.s3.amazonaws.com/o?X-Amz-Algorithm=REDACTED&X-Amz-Credential=REDACTED&X-Amz-Signature=REDACTED&X-Amz-Security-Token=REDACTED",
        ),
        ("https://user:p%40ss@example.com:8443/x", "https://REDACTED@example.com:8443/x"),
        ("https://tokenonly@example.com/x", "https://REDACTED@example.com/x"),
        ("https://example.com/cb#access_token=secret&state=1", "https://example.com/cb#access_token=REDACTED&state=1"),
        ("http://[::1", "http://[::1"),
        ("http://u:secret@[::1/x?token=secret", "http://REDACTED@[::1/x"),
    ],
)
def test_redact_url(url: str, shown: str) -> None:
    assert redact_url(url) == shown
    assert "secret" not in redact_url(url)
