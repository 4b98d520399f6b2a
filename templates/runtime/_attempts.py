# pyright: reportPrivateUsage=false
# (one unit with _base_client: this module reads the client's ``_``-named settings)
"""The attempt loop, written once for the sync and the async client.

``plan`` is a generator that makes every decision of a call (when to retry, how
long to wait, what is final) and yields the I/O it needs as small operations;
each client's driver performs them (blocking, or awaiting) and sends the result
back, or throws the exception back in:

================================  ===================================================
``("acquire", call)``             reserve a rate-limit slot in every bucket -> ``Slot``
``("send", request, slot)``       send, read the status and headers -> ``httpx.Response``
                                  (the slot is stamped when the request is written)
``("hop", request)``              the next request of a redirect: sent without the
                                  pool's own ``auth`` (as httpx's redirects are)
``("read", response, call)``      the decoded body, capped, deadline checked per chunk
                                  -> ``bytes``; the response is closed
``("close", response)``           close a response whose body is not wanted
``("sleep", seconds)``            wait before the next attempt
================================  ===================================================

**The deadline** (``Call.stop``) is one mechanism for both clients: it is checked
before each attempt, before each wait (a wait that would end past it is not
started: the last error is raised at once), and as each chunk of the body
arrives; the wait for a rate-limit slot is bounded by it; and each attempt's
connect, pool, write and read timeouts are cut to what is left of it when the
attempt starts, and the read timeout again when the body starts. So a body that
keeps dripping in ends with ``ApiDeadlineError`` at the first chunk after the
deadline; one that stops coming ends within one (cut) read timeout of it.

One DEBUG line per attempt goes to the package's logger (method, path, outcome,
attempt, wait), never a header, a query or a credential.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Generator, Mapping
from typing import Any, Protocol, cast

import httpx

from ._body import BodyTooLarge
from ._endpoint import Auth, Endpoint
from ._errors import (
    ApiConnectionError,
    ApiDeadlineError,
    ApiTimeoutError,
    ResponseTooLargeError,
)
from ._ratelimit import Bucket, Slot
from ._redact import redact_error, redacted_request
from ._request import redirect
from ._response import Received, status_error
from ._retry import RetryPolicy, transport_retryable

__all__ = ["Call", "Op", "plan"]

Op = tuple[Any, ...]
_log = logging.getLogger(__name__.rpartition(".")[0] or __name__)
_OPTIONS = frozenset(
    {
        "extra_headers",
        "extra_query",
        "timeout",
        "max_retries",
        "deadline",
        "max_response_bytes",
    }
)
_TIMEOUT_KINDS: tuple[tuple[type[httpx.TimeoutException], str], ...] = (
    (httpx.ConnectTimeout, "connect"),
    (httpx.ReadTimeout, "read"),
    (httpx.WriteTimeout, "write"),
    (httpx.PoolTimeout, "pool"),
)


class CallConfig(Protocol):
    """What a call reads from its client."""

    _retry_policy: RetryPolicy
    _deadline: float | None
    _max_response_bytes: int
    _rate_limit_wait: bool
    _strict: bool
    _auth: Auth
    _api_key: str

    def _buckets(self, endpoint: Endpoint[Any]) -> tuple[Bucket, ...]: ...

    def _redirect_limit(self) -> int: ...


def _positive(name: str, value: Any, integer: bool = False) -> None:
    kinds = (int,) if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, kinds) or not value > 0:
        what = "an integer" if integer else "a number of seconds"
        raise ValueError(f"{name} must be {what} > 0")


class Call:
    """One call in progress: its attempts, its deadline, and whether to retry."""

    __slots__ = (
        "attempt",
        "block",
        "buckets",
        "configured",
        "endpoint",
        "limit",
        "limit_wait",
        "policy",
        "request",
        "retries",
        "stop",
    )

    def __init__(
        self, client: CallConfig, endpoint: Endpoint[Any], options: Mapping[str, Any]
    ) -> None:
        unknown = options.keys() - _OPTIONS
        if unknown:
            raise TypeError(f"unexpected keyword argument {sorted(unknown)[0]!r}")
        self.endpoint = endpoint
        self.policy = client._retry_policy
        retries = options.get("max_retries", self.policy.max_retries)
        if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
            raise ValueError("max_retries must be an integer >= 0")
        self.retries: int = retries
        budget = options.get("deadline", client._deadline)
        if budget is not None:
            _positive("deadline", budget)
        self.stop = None if budget is None else time.monotonic() + budget
        self.limit: int = options.get("max_response_bytes", client._max_response_bytes)
        _positive("max_response_bytes", self.limit, integer=True)
        self.attempt = 0
        self.buckets = client._buckets(endpoint) if endpoint.limits else ()
        self.block = client._rate_limit_wait
        self.limit_wait = 0.0
        self.configured: dict[str, float | None] | None = None
        self.request: httpx.Request | None = None

    def remaining(self) -> float | None:
        """Seconds left before the deadline (None: no deadline)."""
        return None if self.stop is None else self.stop - time.monotonic()

    def deadline_error(self, request: httpx.Request) -> ApiDeadlineError:
        return ApiDeadlineError(
            f"deadline passed: {_where(request)} (after {self.attempt} attempt(s))",
            request=redacted_request(request),
        )

    def check(self) -> None:
        """Raise ``ApiDeadlineError`` once the deadline has passed."""
        if self.stop is not None and time.monotonic() >= self.stop:
            assert self.request is not None
            raise self.deadline_error(self.request)

    def begin(self, request: httpx.Request) -> None:
        """Count one more attempt; refuse it when the deadline has passed."""
        self.attempt += 1
        self.limit_wait = 0.0
        self.request = request
        if self.configured is None:
            self.configured = dict(request.extensions.get("timeout") or {})
        self.check()

    def fit(self, request: httpx.Request) -> None:
        """Cut the request's timeouts to what is left of the deadline."""
        left = self.remaining()
        if left is None or self.configured is None:
            return
        self.request = request
        if left <= 0:
            raise self.deadline_error(request)
        request.extensions["timeout"] = {
            kind: left if value is None else min(value, left)
            for kind, value in self.configured.items()
        }

    def too_large(self, status: int, request: httpx.Request) -> ResponseTooLargeError:
        return ResponseTooLargeError(
            f"{status}: the response body is over the {self.limit}-byte limit"
            f" (max_response_bytes): {_where(request)}",
            limit=self.limit,
            status_code=status,
            request=redacted_request(request),
        )

    def connection_error(
        self, exc: httpx.RequestError, request: httpx.Request
    ) -> ApiConnectionError:
        """The error for a failure to get a response (its request masked)."""
        if self._cut_short(exc, request):
            return self.deadline_error(request)
        safe = redacted_request(request)
        if isinstance(exc, httpx.TimeoutException):
            return ApiTimeoutError(
                f"timed out: {_where(request)} ({type(exc).__name__})", request=safe
            )
        # Transport errors, and the rest of httpx's RequestError family: a body
        # whose Content-Encoding does not decode, too many redirects.
        what = (
            "connection failed"
            if isinstance(exc, httpx.TransportError)
            else "no usable response"
        )
        return ApiConnectionError(
            f"{what}: {_where(request)} ({type(exc).__name__})", request=safe
        )

    def _cut_short(self, exc: httpx.RequestError, request: httpx.Request) -> bool:
        """Whether a timeout fired because the deadline had shortened it."""
        if self.stop is None or self.configured is None:
            return False
        applied = cast(
            "dict[str, float | None]", request.extensions.get("timeout") or {}
        )
        for cls, kind in _TIMEOUT_KINDS:
            if isinstance(exc, cls):
                used, configured = applied.get(kind), self.configured.get(kind)
                return used is not None and (configured is None or used < configured)
        return False

    def next_wait(
        self,
        request: httpx.Request,
        outcome: str,
        retryable: bool,
        retry_after: float | None = None,
    ) -> float | None:
        """Seconds to sleep before the next attempt, or None when this failure is final."""
        wait: float | None = None
        cap = self.policy.retry_after_cap
        if not retryable:
            why = "not retried"
        elif self.attempt > self.retries:
            why = "no retries left"
        elif retry_after is not None and retry_after > cap:
            why = f"Retry-After {retry_after:.0f}s is over the {cap:g}s cap"
        else:
            wait = retry_after
            if wait is None:
                wait = self.policy.backoff(self.attempt)
            left = self.remaining()
            why = f"retrying in {wait:.2f}s"
            if left is not None and wait >= left:
                why = f"a {wait:.2f}s wait would pass the deadline"
                wait = None
        self.log(request, outcome, why)
        return wait

    def log(self, request: httpx.Request, outcome: str, then: str = "") -> None:
        """One DEBUG line per attempt: method, path, outcome, attempt and waits."""
        if not _log.isEnabledFor(logging.DEBUG):
            return
        waited = ""
        if self.limit_wait > 0.0005:
            waited = f", waited {self.limit_wait:.2f}s for a rate-limit slot"
        _log.debug(
            "%s %s -> %s (attempt %d of %d%s)%s",
            request.method,
            request.url.path,
            outcome,
            self.attempt,
            self.retries + 1,
            waited,
            f"; {then}" if then else "",
        )


def _where(request: httpx.Request) -> str:
    return f"{request.method} {request.url.copy_with(query=None, username=None, password=None)}"


def _attempt(
    client: CallConfig, call: Call, request: httpx.Request
) -> Generator[Op, Any, Received]:
    """One attempt: a slot, the request (and the redirects the caller's pool follows), the body."""
    slot: Slot | None = None
    if call.buckets:
        started = time.monotonic()
        slot = yield ("acquire", call)
        call.limit_wait = time.monotonic() - started
    try:
        call.fit(request)
        response: httpx.Response = yield ("send", request, slot)
        hops, limit = 0, client._redirect_limit()
        while limit and response.is_redirect:
            following = redirect(
                response.request, response, client._auth, client._api_key
            )
            if following is None:
                break
            yield ("close", response)
            hops += 1
            if hops > limit:
                raise httpx.TooManyRedirects("too many redirects", request=following)
            call.fit(following)
            response = yield ("hop", following)
        try:
            body: bytes = yield ("read", response, call)
        except BodyTooLarge:
            raise call.too_large(response.status_code, response.request) from None
    finally:
        if slot is not None:
            slot.release()  # no-op once it was sent
    return Received(response, body)


def plan(
    client: CallConfig, call: Call, request: httpx.Request
) -> Generator[Op, Any, Received]:
    """Attempts until one gets a 2xx or the failure is final (raised)."""
    endpoint = call.endpoint
    while True:
        call.begin(request)
        try:
            received = yield from _attempt(client, call, request)
        except httpx.RequestError as exc:
            failed = exc.request if _has_request(exc) else request
            error = call.connection_error(exc, failed)
            redact_error(exc)
            retryable = not isinstance(error, ApiDeadlineError) and (
                transport_retryable(exc, endpoint.resends)
            )
            wait = call.next_wait(request, type(exc).__name__, retryable)
            if wait is None:
                raise error from exc
        else:
            status = received.status
            if 200 <= status < 300:
                call.log(request, str(status))
                return received
            failure = status_error(endpoint, received, client._strict)
            retryable = (
                status in call.policy.statuses and endpoint.idempotent is not False
            )
            wait = call.next_wait(request, str(status), retryable, failure.retry_after)
            if wait is None:
                raise failure
        yield ("sleep", wait)


def _has_request(exc: httpx.RequestError) -> bool:
    try:
        exc.request  # noqa: B018  (httpx raises RuntimeError when none was set)
    except RuntimeError:
        return False
    return True
