"""examples/oauth_connect runs end to end, offline, for every scenario of its local stand-in
(it vendors generated/instantly_client and waits with its ``wait_for_oauth_session``)."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from .generated import ROOT

APP = ROOT / "examples" / "oauth_connect" / "app.py"


def run_app(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "INSTANTLY_API_KEY"}
    return subprocess.run([sys.executable, str(APP), *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize(
    ("scenario", "status", "last_line", "error", "counts"),
    [
        ("success", 0, "connected: ada@example.com (Ada Lovelace)", "", "1 init request(s), 0 rate-limited, 3 poll(s)"),
        ("pending", 2, "", "not connected: still pending after 1 s", "1 init request(s), 0 rate-limited, "),
        ("expired", 1, "", "not connected: session expired: The OAuth session expired before it was completed", "1 init request(s), 0 rate-limited, 2 poll(s)"),
        ("rate-limited", 0, "connected: ada@example.com (Ada Lovelace)", "", "2 init request(s), 1 rate-limited, 3 poll(s)"),
    ],
)
def test_example_app_runs_the_oauth_flow(scenario: str, status: int, last_line: str, error: str, counts: str) -> None:
    result = run_app("--scenario", scenario, "--timeout", "1", "--interval", "0.05")
    assert result.returncode == status, (result.stdout, result.stderr)
    lines = result.stdout.splitlines()
    assert re.fullmatch(rf"stand-in for api\.instantly\.ai on http://127\.0\.0\.1:\d+ \(scenario: {scenario}\)", lines[0])
    assert lines[1].startswith("session: sess_4f1c2b")
    assert lines[2] == "open this URL to authorize: https://accounts.google.com/o/oauth2/v2/auth?state=sess_4f1c2b"
    assert lines[3] == "waiting for the session (up to 1 s, polling every 0.05 s) ..."
    assert lines[-1].startswith(f"stand-in saw {counts}")
    if last_line:
        assert lines[-2] == last_line
    assert result.stderr.strip() == error
    # The rate-limited run waited for Retry-After (1 s) before the retried init succeeded.
    assert ("after waiting 1 s for the rate limit" in lines[1]) == (scenario == "rate-limited")


def test_example_app_microsoft_and_help() -> None:
    result = run_app("--provider", "microsoft", "--interval", "0.05")
    assert result.returncode == 0, result.stderr
    assert "connected: ada@example.com (Ada Lovelace)" in result.stdout
    help_text = run_app("--help")
    assert help_text.returncode == 0
    assert "--scenario {success,pending,expired,rate-limited}" in help_text.stdout
