"""The base clients and resources the generated ``Client``/``AsyncClient`` build on.

Generated resources describe each operation with an ``Endpoint`` constant and
call ``self._call(ENDPOINT, locals())``; everything generic lives in the
runtime, once for both clients: requests (``_request``), the attempt loop with
retries, deadlines and rate limits (``_attempts``), reading bodies (``_body``),
decoding and errors (``_response``). The clients here only hold the settings,
the connection pool, and the driver that performs the loop's I/O: blocking for
``SyncBaseClient``, awaiting for ``AsyncBaseClient``.

Defaults: a finite ``deadline`` of 300 s per call (attempts and waits
included; ``deadline=None`` for none), the httpx timeout of 10 s to connect and
60 s per read, 2 retries, and ``max_response_bytes`` of 64 MiB (decompressed;
``ResponseTooLargeError`` past it). All are settable per client and per call.

The client's own pool is made on first use, once even when threads race to it,
and made again in a process forked after it was used (so parent and child never
share a keep-alive connection). A pool passed as ``http_client`` is used as is
(never closed by the client, and the caller's to handle across ``fork``).
"""

from __future__ import annotations

import hashlib
import os
import platform
import threading
import time
from collections.abc import Generator, Mapping
from typing import Any, Generic, Literal, TypeVar, cast
from urllib.parse import urlsplit

import httpx

from ._attempts import Call, Op, plan
from ._body import DEFAULT_MAX_RESPONSE_BYTES, BodyReader
from ._endpoint import Auth, Body, Endpoint, Param, Resp
from ._errors import ApiError
from ._pagination import Paginate
from ._ratelimit import PROCESS_LIMITER, Bucket, RateLimit, SlidingWindowLimiter, Slot
from ._redact import register
from ._request import build_request
from ._resource import AsyncResource, SyncResource, with_raw_response
from ._response import Received, decode_success
from ._retry import RetryPolicy
from ._types import UNSET, ApiResponse, RequestOptions, Timeout, Unset
from ._waiter import Waiter

__all__ = [
    "DEFAULT_DEADLINE",
    "DEFAULT_MAX_RESPONSE_BYTES",
    "DEFAULT_TIMEOUT",
    "AsyncBaseClient",
    "AsyncResource",
    "Auth",
    "Body",
    "Endpoint",
    "Paginate",
    "Param",
    "RateLimit",
    "RequestOptions",
    "Resp",
    "RetryPolicy",
    "SlidingWindowLimiter",
    "SyncBaseClient",
    "SyncResource",
    "Timeout",
    "Waiter",
    "with_raw_response",
]

DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=10.0)
DEFAULT_DEADLINE = 300.0
"""Seconds a call may take by default, every attempt and wait included."""
_CLOSED = "Cannot send a request, as the client has been closed."  # httpx's words
_FORKS = [0]
"""How many times this process is a fork's child (pools made before are not used)."""


def _forked() -> None:
    _FORKS[0] += 1


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forked)


class _Secret(str):
    """A string whose repr never shows its value."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "'***'"


def _check_key(key: str, auth: Auth) -> None:
    # Never echo the key: it would end up in logs and tracebacks.
    if not all("!" <= char <= "~" for char in key):
        raise ApiError(
            "the API key cannot be sent: it contains whitespace, a line break"
            " or non-ASCII characters (a stray quote or trailing newline?)"
        )
    if auth.kind == "cookie" and any(c in key for c in ';,"\\'):
        raise ApiError('the API key cannot be sent in a cookie: it holds ; , " or \\')
    if auth.kind == "basic" and ":" not in key:
        raise ApiError("basic authentication takes the key as 'user:password'")


def _check_base_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("base_url must be an http:// or https:// URL with a host")
    if "@" in parts.netloc:
        raise ValueError(
            "base_url must not hold credentials (user:password@): pass api_key"
        )
    if "?" in url or "#" in url:
        raise ValueError("base_url must not have a query (?) or a fragment (#)")
    return url.rstrip("/")


_H = TypeVar("_H", bound="httpx.Client | httpx.AsyncClient")
_NO_OPTIONS: Mapping[str, Any] = {}


class _BaseClient(Generic[_H]):
    """Settings and pure logic shared by the sync and async clients (``_H``: the pool's type)."""

    _default_base_url: str = ""
    _api_key_env: str = ""
    _auth: Auth = Auth("none")
    _user_agent: str = "openapi-client"
    _retry: RetryPolicy = RetryPolicy()
    _rate_limits: tuple[RateLimit, ...] = ()
    _default_deadline: float | None = DEFAULT_DEADLINE
    """The deadline of a call when neither the client nor the call gives one."""
    _owns_http: bool = True
    _closed: bool = False
    _http_client: _H | None = None
    base_url: str
    """The root URL every request path is joined to (no trailing slash)."""

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: Timeout = DEFAULT_TIMEOUT,
        default_headers: Mapping[str, str] | None = None,
        max_retries: int | None = None,
        retry: RetryPolicy | None = None,
        deadline: float | Unset | None = UNSET,
        rate_limit: Literal["wait", "raise"] = "wait",
        rate_limiter: SlidingWindowLimiter | None = None,
        strict: bool = False,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    ) -> None:
        self._strict = strict
        """Unknown enum members, extra fields of closed objects and values whose
        format does not parse raise ApiDecodeError instead of being kept."""
        if api_key is None and self._api_key_env:
            api_key = os.environ.get(self._api_key_env)
        if not api_key and self._auth.kind != "none":
            where = f" or set {self._api_key_env}" if self._api_key_env else ""
            raise ApiError(f"no API key: pass api_key=...{where}")
        if api_key:
            _check_key(api_key, self._auth)
            register(api_key, basic=self._auth.kind == "basic")
        self._api_key: str = _Secret(api_key or "")
        # Per-key rate-limit buckets are told apart by a digest, never the key.
        self._key_id = hashlib.sha256(self._api_key.encode()).hexdigest()
        self.base_url = _check_base_url(base_url or self._default_base_url)
        self.timeout = timeout
        policy = retry or self._retry
        if max_retries is not None:
            policy = RetryPolicy(
                max_retries,
                policy.statuses,
                policy.backoff_initial,
                policy.backoff_max,
                policy.retry_after_cap,
            )
        self._retry_policy: RetryPolicy = policy
        if isinstance(deadline, Unset):
            deadline = self._default_deadline
        if deadline is not None and (isinstance(deadline, bool) or not deadline > 0):
            raise ValueError("deadline must be a number of seconds > 0, or None")
        self._deadline: float | None = deadline
        if isinstance(max_response_bytes, bool) or not max_response_bytes > 0:
            raise ValueError("max_response_bytes must be an integer > 0")
        self._max_response_bytes = max_response_bytes
        if rate_limit not in ("wait", "raise"):
            raise ValueError("rate_limit must be 'wait' or 'raise'")
        self._rate_limit_wait = rate_limit == "wait"
        self._limiter = rate_limiter or PROCESS_LIMITER
        self._limits = {limit.name: limit for limit in self._rate_limits}
        self._headers = {
            "User-Agent": f"{self._user_agent} Python/{platform.python_version()} httpx/{httpx.__version__}",
            "Accept": "application/json",
            # Decoded by the runtime itself, within the size cap.
            "Accept-Encoding": "gzip, deflate",
            **(default_headers or {}),
        }
        self._http_lock = threading.Lock()
        self._pool_fork = _FORKS[0]

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r})"

    def _buckets(self, endpoint: Endpoint[Any]) -> tuple[Bucket, ...]:
        """The rate-limit buckets an attempt at ``endpoint`` takes a slot from."""
        buckets: list[Bucket] = []
        for name in endpoint.limits:
            limit = self._limits[name]
            where = (name, self.base_url)
            if limit.per_process:
                label = f"{name}: {limit.per_process} per {limit.window:g}s per process"
                buckets.append(
                    Bucket(("process", *where), limit.per_process, limit.window, label)
                )
            if limit.per_key:
                label = f"{name}: {limit.per_key} per {limit.window:g}s per API key"
                key = ("key", *where, self._key_id)
                buckets.append(Bucket(key, limit.per_key, limit.window, label))
        return tuple(buckets)

    def _redirect_limit(self) -> int:
        """How many redirects to follow: only when the caller's pool asks for it."""
        http = self._http_client
        if self._owns_http or http is None or not http.follow_redirects:
            return 0
        return max(http.max_redirects, 0)

    def _stale_pool(self) -> bool:
        """Whether the own pool was made before this process was forked."""
        if self._pool_fork != _FORKS[0]:
            self._http_lock = threading.Lock()  # the parent's may be held forever
            if not self._owns_http:
                self._pool_fork = _FORKS[0]  # the caller's pool is used as it is
            return self._owns_http
        return False


def _already_read(response: httpx.Response, call: Call) -> bytes:
    """The body a transport read itself (httpx decoded it), within the cap."""
    reader = BodyReader(response.headers, call.limit, call.check, decoded=True)
    reader.feed(response.content)
    return reader.finish()


def _outcome(received: Received, call: Call, strict: bool, raw: bool) -> Any:
    spec = call.endpoint.match(received.status)[0]
    parsed = decode_success(spec, received, strict)
    if not raw:
        return parsed
    return ApiResponse(received.status, received.headers, parsed, received.response())


class SyncBaseClient(_BaseClient[httpx.Client]):
    """Base of the generated ``Client``."""

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: Timeout = DEFAULT_TIMEOUT,
        http_client: httpx.Client | None = None,
        default_headers: Mapping[str, str] | None = None,
        max_retries: int | None = None,
        retry: RetryPolicy | None = None,
        deadline: float | Unset | None = UNSET,
        rate_limit: Literal["wait", "raise"] = "wait",
        rate_limiter: SlidingWindowLimiter | None = None,
        strict: bool = False,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    ) -> None:
        super().__init__(
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            default_headers=default_headers,
            max_retries=max_retries,
            retry=retry,
            deadline=deadline,
            rate_limit=rate_limit,
            rate_limiter=rate_limiter,
            strict=strict,
            max_response_bytes=max_response_bytes,
        )
        self._owns_http = http_client is None
        self._http_client = http_client

    @property
    def _http(self) -> httpx.Client:
        """The caller's httpx client, or the client's own, made on first use."""
        http = self._http_client
        if http is None or self._stale_pool():
            with self._http_lock:  # threads racing to the first call make one
                http = self._http_client
                if http is None or (self._owns_http and self._pool_fork != _FORKS[0]):
                    if self._closed:
                        raise RuntimeError(_CLOSED)
                    http = self._http_client = self._make_pool()
                    self._pool_fork = _FORKS[0]
        return http

    def _make_pool(self) -> httpx.Client:
        """The client's own connection pool (requests carry every header themselves)."""
        return httpx.Client()

    def _request(
        self, endpoint: Endpoint[Any], args: Mapping[str, Any], raw: bool
    ) -> Any:
        options = args.get("options") or _NO_OPTIONS
        call = Call(self, endpoint, options)
        request = build_request(self, endpoint, args, options, self._http)
        received = self._drive(plan(self, call, request))
        return _outcome(received, call, self._strict, raw)

    def _drive(self, steps: Generator[Op, Any, Received]) -> Received:
        value: Any = None
        error: Exception | None = None
        try:
            while True:
                try:
                    op = steps.send(value) if error is None else steps.throw(error)
                except StopIteration as done:
                    return cast(Received, done.value)
                value = error = None
                try:
                    value = self._perform(op)
                except Exception as exc:
                    error = exc
        finally:
            steps.close()

    def _perform(self, op: Op) -> Any:
        kind = op[0]
        if kind == "send":
            return self._send(op[1], op[2])
        if kind == "hop":
            return self._http.send(
                op[1], stream=True, follow_redirects=False, auth=None
            )
        if kind == "read":
            return self._read(op[1], op[2])
        if kind == "acquire":
            call: Call = op[1]
            return self._limiter.acquire(
                call.buckets, timeout=call.remaining(), block=call.block
            )
        if kind == "sleep":
            time.sleep(op[1])
        elif kind == "close":
            op[1].close()
        return None

    def _send(self, request: httpx.Request, slot: Slot | None) -> httpx.Response:
        if slot is not None and slot.pending:

            def trace(name: str, info: Mapping[str, Any]) -> None:
                if name.endswith("send_request_headers.started"):
                    slot.sent()

            request.extensions["trace"] = trace
        response = self._http.send(request, stream=True, follow_redirects=False)
        if slot is not None:
            slot.sent()  # a transport that does not trace: counted now
        return response

    @staticmethod
    def _read(response: httpx.Response, call: Call) -> bytes:
        try:
            call.fit(response.request)  # the body's reads get what is left
            if response.is_stream_consumed:  # a transport that read it (MockTransport)
                return _already_read(response, call)
            reader = BodyReader(response.headers, call.limit, call.check)
            for chunk in response.iter_raw():
                reader.feed(chunk)
            return reader.finish()
        finally:
            response.close()

    def close(self) -> None:
        """Close the HTTP connection pool (unless it was passed in)."""
        if self._owns_http:
            with self._http_lock:
                self._closed = True
                http, self._http_client = self._http_client, None
            if http is not None and self._pool_fork == _FORKS[0]:
                http.close()

    def __enter__(self: _C) -> _C:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class AsyncBaseClient(_BaseClient[httpx.AsyncClient]):
    """Base of the generated ``AsyncClient``."""

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: Timeout = DEFAULT_TIMEOUT,
        http_client: httpx.AsyncClient | None = None,
        default_headers: Mapping[str, str] | None = None,
        max_retries: int | None = None,
        retry: RetryPolicy | None = None,
        deadline: float | Unset | None = UNSET,
        rate_limit: Literal["wait", "raise"] = "wait",
        rate_limiter: SlidingWindowLimiter | None = None,
        strict: bool = False,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    ) -> None:
        super().__init__(
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            default_headers=default_headers,
            max_retries=max_retries,
            retry=retry,
            deadline=deadline,
            rate_limit=rate_limit,
            rate_limiter=rate_limiter,
            strict=strict,
            max_response_bytes=max_response_bytes,
        )
        self._owns_http = http_client is None
        self._http_client = http_client

    @property
    def _http(self) -> httpx.AsyncClient:
        """The caller's httpx client, or the client's own, made on first use."""
        http = self._http_client
        if http is None or self._stale_pool():
            with self._http_lock:
                http = self._http_client
                if http is None or (self._owns_http and self._pool_fork != _FORKS[0]):
                    if self._closed:
                        raise RuntimeError(_CLOSED)
                    http = self._http_client = self._make_pool()
                    self._pool_fork = _FORKS[0]
        return http

    def _make_pool(self) -> httpx.AsyncClient:
        """The client's own connection pool (requests carry every header themselves)."""
        return httpx.AsyncClient()

    async def _request(
        self, endpoint: Endpoint[Any], args: Mapping[str, Any], raw: bool
    ) -> Any:
        options = args.get("options") or _NO_OPTIONS
        call = Call(self, endpoint, options)
        request = build_request(self, endpoint, args, options, self._http)
        received = await self._drive(plan(self, call, request))
        return _outcome(received, call, self._strict, raw)

    async def _drive(self, steps: Generator[Op, Any, Received]) -> Received:
        value: Any = None
        error: Exception | None = None
        try:
            while True:
                try:
                    op = steps.send(value) if error is None else steps.throw(error)
                except StopIteration as done:
                    return cast(Received, done.value)
                value = error = None
                try:
                    value = await self._perform(op)
                except Exception as exc:
                    error = exc
        finally:
            steps.close()

    async def _perform(self, op: Op) -> Any:
        kind = op[0]
        if kind == "send":
            return await self._send(op[1], op[2])
        if kind == "hop":
            http = self._http
            return await http.send(
                op[1], stream=True, follow_redirects=False, auth=None
            )
        if kind == "read":
            return await self._read(op[1], op[2])
        if kind == "acquire":
            call: Call = op[1]
            return await self._limiter.acquire_async(
                call.buckets, timeout=call.remaining(), block=call.block
            )
        if kind == "sleep":
            import asyncio  # here, not at the top: the sync client never loads it

            await asyncio.sleep(op[1])
        elif kind == "close":
            await op[1].aclose()
        return None

    async def _send(self, request: httpx.Request, slot: Slot | None) -> httpx.Response:
        if slot is not None and slot.pending:

            async def trace(name: str, info: Mapping[str, Any]) -> None:
                if name.endswith("send_request_headers.started"):
                    slot.sent()

            request.extensions["trace"] = trace
        response = await self._http.send(request, stream=True, follow_redirects=False)
        if slot is not None:
            slot.sent()
        return response

    @staticmethod
    async def _read(response: httpx.Response, call: Call) -> bytes:
        try:
            call.fit(response.request)
            if response.is_stream_consumed:
                return _already_read(response, call)
            reader = BodyReader(response.headers, call.limit, call.check)
            async for chunk in response.aiter_raw():
                reader.feed(chunk)
            return reader.finish()
        finally:
            await response.aclose()

    async def close(self) -> None:
        """Close the HTTP connection pool (unless it was passed in)."""
        if self._owns_http:
            with self._http_lock:
                self._closed = True
                http, self._http_client = self._http_client, None
            if http is not None and self._pool_fork == _FORKS[0]:
                await http.aclose()

    async def __aenter__(self: _A) -> _A:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()


_C = TypeVar("_C", bound=SyncBaseClient)
_A = TypeVar("_A", bound=AsyncBaseClient)
