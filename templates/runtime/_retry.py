"""When to retry a call, how long to wait first, and ``Retry-After``.

Pure logic, shared by the sync and the async client: ``RetryPolicy`` says which
failures are worth another attempt and how long to back off; ``parse_retry_after``
reads the server's own wish (``retry-after-ms``, ``Retry-After`` in seconds or as
an HTTP date).
"""

from __future__ import annotations

import dataclasses
import datetime
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

_NUMBER = re.compile(r"[ \t]*(\d{1,30}(?:\.\d{1,30})?)[ \t]*")


def _seconds(text: str | None, scale: float) -> float | None:
    if text is None:
        return None
    match = _NUMBER.fullmatch(text)
    if match is None:
        return None  # garbage, a sign (negative), an exponent, "inf", "nan" ...
    return float(match.group(1)) * scale


def parse_retry_after(
    headers: Mapping[str, str], now: float | None = None
) -> float | None:
    """Seconds the server asks the client to wait, or ``None``.

    ``retry-after-ms`` (milliseconds) wins when valid; else ``Retry-After`` as
    delta-seconds or as an HTTP date (compared with ``now``, a ``time.time()``
    value). Values that do not parse, negative values and dates in the past are
    ignored (``None``).
    """
    milliseconds = _seconds(headers.get("retry-after-ms"), 0.001)
    if milliseconds is not None:
        return milliseconds
    value = headers.get("retry-after")
    seconds = _seconds(value, 1.0)
    if seconds is not None or value is None:
        return seconds
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:  # HTTP dates are always GMT
        when = when.replace(tzinfo=datetime.timezone.utc)
    delta = when.timestamp() - (time.time() if now is None else now)
    return delta if delta >= 0 else None


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
    Waits start at ``backoff_initial`` seconds and double up to ``backoff_max``,
    each with jitter (a random point between half and all of it), unless the
    response says how long to wait (``Retry-After``). A server asking for more
    than ``retry_after_cap`` seconds gets no retry: the error is raised at once.
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
