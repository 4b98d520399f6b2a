"""Keeping credentials out of logs, reprs, error messages and pickles.

Every credential a client sends (an API key in a header, a query parameter or a
cookie, a bearer token, basic-auth user and password) is registered here when
the client is made, with the spellings it takes on the wire (percent-encoded,
base64 for basic auth). ``redact`` masks them in any text. The requests that
errors and raw responses carry are copies made by ``redacted_request``: same
method, URL and headers, with every registered credential (and any
``Authorization`` value) masked.

httpx logs each request's URL at INFO (query included) and httpcore logs
response headers at DEBUG. ``register`` attaches one ``logging.Filter`` to those
loggers (their public logging configuration, nothing else) that masks
registered credentials in the records before any handler sees them.
"""

from __future__ import annotations

import base64
import logging
import re
import threading
from collections.abc import Iterable
from urllib.parse import quote, quote_plus

import httpx

__all__ = ["MASK", "redact", "redacted_request", "register"]

MASK = "***"
# Headers whose value (after the scheme) is a credential, whatever it holds.
_AUTH_HEADERS = frozenset({"authorization", "proxy-authorization"})
_LOGGERS = (
    "httpx",
    "httpcore.connection",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
    "httpcore.socks",
)

_lock = threading.Lock()
_secrets: set[str] = set()
_pattern: re.Pattern[str] | None = None


_SHORTEST = 4
"""Shorter credentials are not masked: they cannot be told from ordinary text."""


def _spellings(secret: str) -> Iterable[str]:
    yield secret
    yield quote(secret, safe="")
    yield quote_plus(secret, safe="")
    yield quote(secret)


def register(*secrets: str, basic: bool = False) -> None:
    """Mask these credentials from now on (``basic``: ``user:password`` pairs)."""
    global _pattern
    forms: set[str] = set()
    for secret in secrets:
        if not secret:
            continue
        forms.update(_spellings(secret))
        if basic:
            forms.add(base64.b64encode(secret.encode()).decode("ascii"))
            password = secret.partition(":")[2]
            if password:
                forms.update(_spellings(password))
    forms = {form for form in forms if len(form) >= _SHORTEST}
    with _lock:
        if forms <= _secrets:
            return
        first = not _secrets
        _secrets.update(forms)
        ordered = sorted(_secrets, key=len, reverse=True)  # longest first
        _pattern = re.compile("|".join(re.escape(s) for s in ordered))
    if first:
        for name in _LOGGERS:
            logging.getLogger(name).addFilter(_FILTER)


def redact(text: str) -> str:
    """``text`` with every registered credential replaced by ``***``."""
    pattern = _pattern
    return text if pattern is None else pattern.sub(MASK, text)


def _header_value(name: str, value: str) -> str:
    lower = name.lower()
    if lower in _AUTH_HEADERS:
        scheme, space, _ = value.partition(" ")
        return f"{scheme} {MASK}" if space else MASK
    return redact(value)


def redacted_request(request: httpx.Request) -> httpx.Request:
    """A copy of ``request`` (no body) with its credentials masked."""
    url = request.url
    text = redact(str(url.copy_with(username=None, password=None)))
    headers = [(k, _header_value(k, v)) for k, v in request.headers.multi_items()]
    return httpx.Request(request.method, text, headers=headers)


def redact_error(exc: BaseException) -> None:
    """Replace the request an httpx error carries by its masked copy."""
    if isinstance(exc, httpx.RequestError):
        try:
            request = exc.request
        except RuntimeError:  # httpx raises this when none was set
            return
        exc.request = redacted_request(request)


class _RedactingFilter(logging.Filter):
    """Masks registered credentials in the records of httpx's and httpcore's loggers."""

    def filter(self, record: logging.LogRecord) -> bool:
        pattern = _pattern
        if pattern is None:
            return True
        try:
            message = record.getMessage()
        except (
            Exception
        ):  # a record that does not format is left to logging's own handling
            return True
        if pattern.search(message):
            record.msg = pattern.sub(MASK, message)
            record.args = None
        return True


_FILTER = _RedactingFilter()
