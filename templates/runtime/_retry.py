"""When to retry a call, how long to wait first, and ``Retry-After``.

Pure logic, shared by the sync and the async client: ``RetryPolicy`` says which
failures are worth another attempt and how long to back off; ``parse_retry_after``
reads the server's own wish (``retry-after-ms``, ``Retry-After`` in seconds or as
an HTTP date).
"""

from __future__ import annotations

import dataclasses
import email.utils
import random
import re
import time
from collections.abc import Callable, Mapping

import httpx

__all__ = [
    "IDEMPOTENT_METHODS",
    "RetryPolicy",
    "parse_retry_after",
    "transport_retryable",
]

# Methods HTTP defines as idempotent: repeating them has the effect of sending once.
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE"})

# delta-seconds, in any length, with a fraction or an exponent ("1e12"): a wait
# that long is still a wait, which the cap then refuses. No sign, no "inf"/"nan".
_NUMBER = re.compile(r"[ \t]*(\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)[ \t]*")


def _seconds(text: str | None, scale: float) -> float | None:
    if text is None:
        return None
    match = _NUMBER.fullmatch(text)
    if match is None:
        return None
    return float(match.group(1)) * scale  # "1e999" is inf: over any cap


def _epoch(year: int, month: int, day: int, hh: int, mm: int, ss: int) -> int:
    """Seconds since 1970 of a UTC civil time, for any year (``datetime`` stops at 9999)."""
    year -= month <= 2
    era = year // 400
    yoe = year - era * 400
    doy = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return (era * 146097 + doe - 719468) * 86400 + hh * 3600 + mm * 60 + ss


def _http_date(value: str, now: float) -> float | None:
    try:
        parts = email.utils.parsedate_tz(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parts is None:
        return None
    year, month, day, hh, mm, ss = parts[:6]
    if not (1 <= month <= 12 and 1 <= day <= 31 and 0 <= hh <= 24 and 0 <= mm <= 59):
        return None
    if not 0 <= ss <= 60:
        return None
    delta = _epoch(year, month, day, hh, mm, ss) - (parts[9] or 0) - now
    return delta if delta >= 0 else None


def parse_retry_after(
    headers: Mapping[str, str], now: float | None = None
) -> float | None:
    """Seconds the server asks the client to wait, or ``None``.

    ``retry-after-ms`` (milliseconds) wins when valid; else ``Retry-After`` as
    delta-seconds or as an HTTP date (compared with ``now``, a ``time.time()``
    value). Any length counts (``1e12``, thirty digits, a date in the year
    20000): such a wait is over the cap, so the error is raised at once. Values
    that do not parse, negative values and dates in the past give ``None``.
    """
    milliseconds = _seconds(headers.get("retry-after-ms"), 0.001)
    if milliseconds is not None:
        return milliseconds
    value = headers.get("retry-after")
    seconds = _seconds(value, 1.0)
    if seconds is not None or value is None:
        return seconds
    return _http_date(value, time.time() if now is None else now)


def transport_retryable(exc: httpx.RequestError, idempotent: bool) -> bool:
    """Whether a failure to get a response may be retried.

    Failures before the request left (no connection, no pooled connection) are
    always safe to retry. Once it may have reached the server (read or write
    failure, timeout while waiting, a connection reset), only an idempotent
    operation is retried: the server may already have acted. Anything else
    (bad URL, undecodable body, redirects) will not get better by retrying.
    """
    if isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)):
        return True
    sent = (
        httpx.ReadError,
        httpx.ReadTimeout,
        httpx.WriteError,
        httpx.WriteTimeout,
        httpx.RemoteProtocolError,
    )
    return idempotent and isinstance(exc, sent)


@dataclasses.dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How a client retries: attempts, retried statuses, backoff and the ``Retry-After`` cap.

    ``max_retries`` retries follow the first attempt (``0`` disables retrying).
    ``statuses`` are retried for every method, unless the operation's Endpoint
    says ``idempotent=False`` (then nothing the server may have seen is
    repeated). Waits start at ``backoff_initial`` seconds and double up to
    ``backoff_max``, each with jitter (a random point between half and all of
    it), unless the response says how long to wait (``Retry-After``). A server
    asking for more than ``retry_after_cap`` seconds gets no retry: the error is
    raised at once, with its ``retry_after``.
    """

    max_retries: int = 2
    statuses: tuple[int, ...] = (408, 429, 502, 503, 504)
    backoff_initial: float = 0.5
    backoff_max: float = 8.0
    retry_after_cap: float = 60.0

    def __post_init__(self) -> None:
        if isinstance(self.max_retries, bool) or self.max_retries < 0:
            raise ValueError("max_retries must be an integer >= 0")
        if not 0 <= self.backoff_initial <= self.backoff_max:
            raise ValueError("need 0 <= backoff_initial <= backoff_max")
        if not self.retry_after_cap >= 0:
            raise ValueError("retry_after_cap must be >= 0")

    def backoff(self, retry: int, rand: Callable[[], float] = random.random) -> float:
        """Seconds to wait before retry number ``retry`` (1 for the first retry)."""
        ceiling = min(
            self.backoff_max, self.backoff_initial * 2.0 ** min(max(retry - 1, 0), 60)
        )
        return ceiling / 2 + rand() * ceiling / 2
