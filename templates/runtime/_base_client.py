"""Request building, sending and response handling shared by every operation.

Generated resources describe each operation with an ``Endpoint`` constant and
call ``request``; everything generic (URLs, parameters, authentication, errors,
decoding, retries, deadlines, client-side rate limits) lives here, once, for both
the sync and the async client.

Each call runs attempts until one succeeds or the failure is final: an attempt
takes a slot from the rate limits its endpoint names, is sent with its timeouts
cut to what is left of the call's deadline, and on a retryable failure the call
sleeps (``Retry-After`` or backoff) if that still fits before the deadline. One
DEBUG line per attempt goes to the package's logger (method, path, outcome,
attempt, wait), never a header or the key.
"""

from __future__ import annotations

import contextvars
import dataclasses
import functools
import hashlib
import json
import logging
import math
import os
import platform
import threading
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterator, Mapping
from typing import (
    TYPE_CHECKING,
    Any,
    Concatenate,
    Generic,
    Literal,
    ParamSpec,
    TypedDict,
    TypeVar,
    cast,
)
from urllib.parse import quote

import httpx

from ._codec import STRICT, DecodeFailure, to_jsonable
from ._encode import FilePart, form_body, multipart_parts, param_text, query_pairs
from ._errors import (
    ApiConnectionError,
    ApiDeadlineError,
    ApiDecodeError,
    ApiError,
    ApiStatusError,
    ApiTimeoutError,
    describe,
    status_error_class,
)
from ._ratelimit import PROCESS_LIMITER, Bucket, RateLimit, SlidingWindowLimiter
from ._retry import IDEMPOTENT_METHODS, RetryPolicy, transport_retryable
from ._types import UNSET, ApiResponse, Unset

__all__ = [
    "AsyncBaseClient",
    "AsyncResource",
    "Auth",
    "Endpoint",
    "RateLimit",
    "Resp",
    "RetryPolicy",
    "SlidingWindowLimiter",
    "SyncBaseClient",
    "SyncResource",
    "Timeout",
    "async_form",
    "async_raw_form",
    "raw_form",
]

T = TypeVar("T")
P = ParamSpec("P")
S = TypeVar("S")
Timeout = float | httpx.Timeout | None
BodyKind = Literal["json", "text", "bytes", "form", "multipart", "none"]
DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=10.0)
HeaderValue = str | int | float | bool | None
_log = logging.getLogger(__name__.rpartition(".")[0] or __name__)
_CLOSED = "Cannot send a request, as the client has been closed."  # httpx's words


# Endpoint, Resp and Auth are plain classes, not dataclasses: making a dataclass
# runs generated code at import time, a few milliseconds each, on every import.
class Resp:
    """How to read one documented response: its body kind, decoder and error class."""

    __slots__ = ("decode", "error", "kind")

    def __init__(
        self,
        kind: BodyKind,
        decode: Callable[[Any], Any] | None = None,
        error: type[ApiStatusError] | None = None,
    ) -> None:
        self.kind = kind
        self.decode = decode
        self.error = error

    def __repr__(self) -> str:
        return f"Resp({self.kind!r}, {self.decode!r}, {self.error!r})"


class Endpoint(Generic[T]):
    """One operation: HTTP method, path template and documented responses.

    Response keys are status codes (``"200"``), ranges (``"4XX"``) or ``"default"``.
    ``query_styles``: (name, style, explode) of query parameters not in the default
    form style. ``idempotent``: safe to repeat once the request may have reached
    the server (None: by method). ``limits``: names of the client's rate limits
    that every attempt takes a slot from. ``headers``: response key -> the
    headers the spec declares, as (lower-case name, JSON type).
    """

    __slots__ = (
        "accept",
        "body",
        "headers",
        "idempotent",
        "limits",
        "method",
        "path",
        "query_styles",
        "responses",
        "style_map",
    )

    def __init__(
        self,
        method: str,
        path: str,
        responses: Mapping[str, Resp],
        body: BodyKind = "none",
        query_styles: tuple[tuple[str, str, bool], ...] = (),
        accept: str = "application/json",
        idempotent: bool | None = None,
        limits: tuple[str, ...] = (),
        headers: Mapping[str, tuple[tuple[str, str], ...]] | None = None,
    ) -> None:
        self.method = method
        self.path = path
        self.responses = responses
        self.body = body
        self.query_styles = query_styles
        self.accept = accept
        self.idempotent = idempotent
        self.limits = limits
        self.headers: Mapping[str, tuple[tuple[str, str], ...]] = headers or {}
        # Made once here; every request looks query styles up by name.
        self.style_map: dict[str, tuple[str, bool]] = {
            name: (style, explode) for name, style, explode in query_styles
        }

    def __repr__(self) -> str:
        return f"Endpoint({self.method!r}, {self.path!r})"

    @property
    def is_idempotent(self) -> bool:
        if self.idempotent is None:
            return self.method.upper() in IDEMPOTENT_METHODS
        return self.idempotent

    def declared_headers(self, response: httpx.Response) -> dict[str, HeaderValue]:
        """The headers the spec declares for this response's status, parsed to their types."""
        status = response.status_code
        keys = (str(status), f"{status // 100}XX", "default")
        key = next((k for k in keys if k in self.responses), None)
        declared = self.headers.get(key, ()) if key is not None else ()
        return {name: _header_value(response, name, kind) for name, kind in declared}

    def match(self, status: int) -> Resp | None:
        responses = self.responses
        found = (
            responses.get(str(status))
            or responses.get(f"{status // 100}XX")
            or responses.get("default")
        )
        if found is None and 200 <= status < 300:
            # An undocumented 2xx: read it like the documented success response.
            found = next((r for k, r in responses.items() if k[:1] == "2"), None)
        return found


class Auth:
    """Where the API key goes: ``bearer`` (Authorization header), ``header``, ``query`` or ``cookie``."""

    __slots__ = ("kind", "name")

    def __init__(
        self,
        kind: Literal["bearer", "header", "query", "cookie", "none"],
        name: str = "",
    ) -> None:
        self.kind = kind
        self.name = name

    def __repr__(self) -> str:
        return f"Auth({self.kind!r}, {self.name!r})"


class _Secret(str):
    """A string whose repr never shows its value."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "'***'"


def _header_value(response: httpx.Response, name: str, kind: str) -> HeaderValue:
    raw: str | None = response.headers.get(name)
    if raw is None:
        return None
    text = raw.strip()
    try:
        if kind == "integer":
            return int(text)
        if kind == "number":
            number = float(text)
            return number if math.isfinite(number) else None
    except ValueError:
        return None  # not what the spec declares; the raw text stays in .headers
    if kind == "boolean":
        return {"true": True, "false": False}.get(text.lower())
    return text


def _sendable_key(key: str) -> bool:
    """Whether a key is visible ASCII, so it fits any header, query or cookie as is."""
    return all("!" <= char <= "~" for char in key)


class _Base:
    """State and pure logic shared by the sync and async clients."""

    _default_base_url: str = ""
    _api_key_env: str = ""
    _auth: Auth = Auth("none")
    _user_agent: str = "openapi-client"
    _retry: RetryPolicy = RetryPolicy()
    _rate_limits: tuple[RateLimit, ...] = ()
    _owns_http: bool
    _closed: bool = False
    """Whether ``close()`` was called (the httpx client is made on first use)."""

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: Timeout = DEFAULT_TIMEOUT,
        default_headers: Mapping[str, str] | None = None,
        max_retries: int | None = None,
        retry: RetryPolicy | None = None,
        deadline: float | None = None,
        rate_limit: Literal["wait", "raise"] = "wait",
        rate_limiter: SlidingWindowLimiter | None = None,
        strict: bool = False,
    ) -> None:
        # strict: unknown enum members, extra fields of closed objects and values
        # whose format does not parse raise ApiDecodeError instead of being kept.
        self._strict = strict
        if api_key is None and self._api_key_env:
            api_key = os.environ.get(self._api_key_env)
        if not api_key and self._auth.kind != "none":
            where = f" or set {self._api_key_env}" if self._api_key_env else ""
            raise ApiError(f"no API key: pass api_key=...{where}")
        if api_key and not _sendable_key(api_key):
            # Never echo the key: it would end up in logs and tracebacks.
            raise ApiError(
                "the API key cannot be sent: it contains whitespace, a line break"
                " or non-ASCII characters (a stray quote or trailing newline?)"
            )
        self._http_lock = threading.Lock()
        self._api_key = _Secret(api_key or "")
        self._bearer = _Secret(f"Bearer {self._api_key}")
        # Per-key rate-limit buckets are told apart by a digest, never the key.
        self._key_id = hashlib.sha256(self._api_key.encode()).hexdigest()
        self.base_url = (base_url or self._default_base_url).rstrip("/")
        self.timeout = timeout
        policy = retry or self._retry
        if max_retries is not None:
            policy = dataclasses.replace(policy, max_retries=max_retries)
        self._retry_policy: RetryPolicy = policy
        if deadline is not None and not deadline > 0:
            raise ValueError("deadline must be a number of seconds > 0, or None")
        # Seconds a call may take in all, attempts and waits included (None: no limit).
        self._deadline: float | None = deadline
        if rate_limit not in ("wait", "raise"):
            raise ValueError("rate_limit must be 'wait' or 'raise'")
        self._rate_limit_wait = rate_limit == "wait"
        self._limiter = rate_limiter or PROCESS_LIMITER
        self._limits = {limit.name: limit for limit in self._rate_limits}
        self._headers = {
            "User-Agent": f"{self._user_agent} Python/{platform.python_version()} httpx/{httpx.__version__}",
            "Accept": "application/json",
            **(default_headers or {}),
        }

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r})"

    def _build(
        self,
        endpoint: Endpoint[Any],
        path: Mapping[str, Any] | None,
        query: Mapping[str, Any] | None,
        headers: Mapping[str, Any] | None,
        cookies: Mapping[str, Any] | None,
        body: Any,
        extra_headers: Mapping[str, str] | None,
        timeout: Timeout | Unset,
        http: httpx.Client | httpx.AsyncClient,
    ) -> httpx.Request:
        url_path = endpoint.path
        if path:
            for name, value in path.items():
                text = value if type(value) is str else param_text(value)
                if not text:
                    raise ValueError(f"path parameter {name!r} must not be empty")
                segment = quote(text, safe="")
                if not segment.strip("."):
                    # "." and ".." are dot segments: the URL would be normalised to
                    # a different path, so send the dots percent-encoded.
                    segment = segment.replace(".", "%2E")
                url_path = url_path.replace("{" + name + "}", segment)
        params = query_pairs(query, endpoint.style_map) if query else []
        # The client's own pool already sends self._headers (it was made with
        # them): pass only what differs. A caller's pool gets them every time.
        defaults = self._headers
        own = self._owns_http
        all_headers = {} if own else dict(defaults)
        if not own or endpoint.accept != defaults.get("Accept"):
            all_headers["Accept"] = endpoint.accept
        if headers:
            for key, value in headers.items():
                if value is not UNSET and value is not None:
                    all_headers[key] = param_text(value)
        jar = (
            {
                k: param_text(v)
                for k, v in cookies.items()
                if v is not UNSET and v is not None
            }
            if cookies
            else {}
        )
        auth = self._auth
        if auth.kind == "bearer":
            all_headers["Authorization"] = self._bearer
        elif auth.kind == "header":
            all_headers[auth.name] = self._api_key
        elif auth.kind == "query":
            params.append((auth.name, self._api_key))
        elif auth.kind == "cookie":
            jar[auth.name] = self._api_key
        if jar:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in jar.items())
        if extra_headers:
            all_headers.update(extra_headers)
        content: bytes | str | None = None
        content_type = ""
        files: list[tuple[str, FilePart]] | None = None
        if endpoint.body == "form" and body is not UNSET:
            content = form_body(body)
            content_type = "application/x-www-form-urlencoded"
        elif endpoint.body == "multipart" and body is not UNSET:
            files = multipart_parts(body)
        elif endpoint.body == "json" and body is not UNSET:
            content = json.dumps(
                to_jsonable(body), separators=(",", ":"), ensure_ascii=False
            ).encode()
            content_type = "application/json"
        elif endpoint.body == "bytes" and body is not UNSET:
            content = body
            content_type = "application/octet-stream"
        elif endpoint.body == "text" and body is not UNSET:
            content = str(body)
            content_type = "text/plain; charset=utf-8"
        if (
            content_type
            and "Content-Type" not in all_headers
            and "Content-Type" not in defaults
        ):
            all_headers["Content-Type"] = content_type
        chosen = self.timeout if isinstance(timeout, Unset) else timeout
        return http.build_request(
            endpoint.method,
            self.base_url + url_path,
            params=params or None,
            headers=all_headers,
            content=content,
            files=files,
            timeout=chosen,
        )

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

    @staticmethod
    def _fail(
        exc: httpx.RequestError, request: httpx.Request, call: _Call | None = None
    ) -> ApiConnectionError:
        where = f"{request.method} {request.url.copy_with(query=None)}"
        if call is not None and call.cut_short(exc, request):
            return call.deadline_error(request)
        if isinstance(exc, httpx.TimeoutException):
            return ApiTimeoutError(
                f"timed out: {where} ({type(exc).__name__})", request=request
            )
        # Transport errors, and the rest of httpx's RequestError family: a body
        # whose Content-Encoding does not decode, too many redirects.
        what = (
            "connection failed"
            if isinstance(exc, httpx.TransportError)
            else "no usable response"
        )
        return ApiConnectionError(
            f"{what}: {where} ({type(exc).__name__})", request=request
        )

    def _handle(
        self, endpoint: Endpoint[T], response: httpx.Response
    ) -> ApiResponse[T]:
        token = STRICT.set(self._strict)
        try:
            status = response.status_code
            spec = endpoint.match(status)
            if 200 <= status < 300:
                parsed = _decode_success(spec, response)
                return ApiResponse(status, response.headers, parsed, response)
            raise _status_error(spec, response, endpoint.declared_headers(response))
        finally:
            STRICT.reset(token)


_TIMEOUT_KINDS: tuple[tuple[type[httpx.TimeoutException], str], ...] = (
    (httpx.ConnectTimeout, "connect"),
    (httpx.ReadTimeout, "read"),
    (httpx.WriteTimeout, "write"),
    (httpx.PoolTimeout, "pool"),
)


class _Call:
    """One call in progress: its attempts, its deadline, and whether to retry."""

    __slots__ = (
        "attempt",
        "block",
        "buckets",
        "configured",
        "endpoint",
        "limit_wait",
        "policy",
        "retries",
        "stop",
    )

    def __init__(
        self,
        client: _Base,
        endpoint: Endpoint[Any],
        max_retries: int | Unset,
        deadline: float | Unset | None,
    ) -> None:
        self.endpoint = endpoint
        self.policy = client._retry_policy
        retries = self.policy.max_retries
        if not isinstance(max_retries, Unset):
            retries = max_retries
        if isinstance(retries, bool) or retries < 0:
            raise ValueError("max_retries must be an integer >= 0")
        self.retries: int = retries
        budget = client._deadline if isinstance(deadline, Unset) else deadline
        if budget is not None and not budget > 0:
            raise ValueError("deadline must be a number of seconds > 0, or None")
        self.stop = None if budget is None else time.monotonic() + budget
        self.attempt = 0
        self.buckets = client._buckets(endpoint) if endpoint.limits else ()
        self.block = client._rate_limit_wait
        self.limit_wait = 0.0
        self.configured: dict[str, float | None] | None = None

    def remaining(self) -> float | None:
        """Seconds left before the deadline (None: no deadline)."""
        return None if self.stop is None else self.stop - time.monotonic()

    def deadline_error(self, request: httpx.Request) -> ApiDeadlineError:
        where = f"{request.method} {request.url.copy_with(query=None)}"
        return ApiDeadlineError(
            f"deadline passed: {where} (after {self.attempt} attempt(s))",
            request=request,
        )

    def begin(self, request: httpx.Request) -> None:
        """Count one more attempt; refuse it when the deadline has passed."""
        self.attempt += 1
        self.limit_wait = 0.0
        if self.stop is None:
            return  # no deadline: nothing to check or cut
        if self.configured is None:
            self.configured = dict(request.extensions.get("timeout") or {})
        if self.stop - time.monotonic() <= 0:
            raise self.deadline_error(request)

    def fit(self, request: httpx.Request) -> None:
        """Cut the attempt's timeouts to what is left of the deadline."""
        left = self.remaining()
        if left is None or self.configured is None:
            return
        if left <= 0:
            raise self.deadline_error(request)
        request.extensions["timeout"] = {
            kind: left if value is None else min(value, left)
            for kind, value in self.configured.items()
        }

    def cut_short(self, exc: httpx.RequestError, request: httpx.Request) -> bool:
        """Whether a timeout fired because the deadline had shortened it."""
        if self.stop is None or self.configured is None:
            return False
        applied = request.extensions.get("timeout") or {}
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


class _DeadlineStream(httpx.SyncByteStream):
    """A response body that stops with ``ApiDeadlineError`` once the deadline passes."""

    def __init__(
        self,
        inner: httpx.SyncByteStream | httpx.AsyncByteStream,
        call: _Call,
        request: httpx.Request,
    ) -> None:
        self._inner = inner
        self._call = call
        self._request = request

    def __iter__(self) -> Iterator[bytes]:
        assert isinstance(self._inner, httpx.SyncByteStream)
        for chunk in self._inner:
            left = self._call.remaining()
            if left is not None and left <= 0:
                raise self._call.deadline_error(self._request)
            yield chunk

    def close(self) -> None:
        if isinstance(self._inner, httpx.SyncByteStream):
            self._inner.close()


def _read_body(kind: BodyKind, response: httpx.Response) -> Any:
    if kind == "bytes":
        return response.content
    if kind == "text":
        return response.text
    if kind == "none":
        return None
    return response.json()


def _decode_success(spec: Resp | None, response: httpx.Response) -> Any:
    if spec is None or spec.kind == "none":
        return None
    try:
        data = _read_body(spec.kind, response)
    except ValueError as exc:
        what = "an empty body" if not response.content else "a body that is not JSON"
        raise ApiDecodeError(
            f"{response.status_code}: expected JSON, got {what} ({exc})",
            response=response,
            raw=response.text,
        ) from None
    if spec.decode is None:
        return data
    try:
        return spec.decode(data)
    except DecodeFailure as exc:
        raise ApiDecodeError(
            f"{response.status_code}: the body does not match the spec: {exc}",
            response=response,
            raw=response.text,
        ) from None


def _status_error(
    spec: Resp | None,
    response: httpx.Response,
    declared: Mapping[str, HeaderValue] | None = None,
) -> ApiStatusError:
    body: Any
    try:
        body = response.json() if response.content else None
    except ValueError:
        body = response.text
    cls = status_error_class(response.status_code)
    if spec is not None and spec.decode is not None and body is not None:
        try:
            body = spec.decode(body)
            if spec.error is not None:
                cls = spec.error
        except DecodeFailure:
            pass  # keep the generic class and the plain JSON body
    return cls(
        describe(response.status_code, response.reason_phrase, body),
        response=response,
        body=body,
        declared_headers=declared,
    )


class SyncBaseClient(_Base):
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
        deadline: float | None = None,
        rate_limit: Literal["wait", "raise"] = "wait",
        rate_limiter: SlidingWindowLimiter | None = None,
        strict: bool = False,
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
        )
        self._owns_http = http_client is None
        self._http_client: httpx.Client | None = http_client

    @property
    def _http(self) -> httpx.Client:
        """The caller's httpx client, or the client's own, made on first use."""
        http = self._http_client
        if http is None:
            with self._http_lock:  # threads racing to the first call make one
                http = self._http_client
                if http is None:
                    if self._closed:
                        raise RuntimeError(_CLOSED)
                    http = self._http_client = httpx.Client(headers=self._headers)
        return http

    def request(
        self,
        endpoint: Endpoint[T],
        *,
        path: Mapping[str, Any] | None = None,
        query: Mapping[str, Any] | None = None,
        headers: Mapping[str, Any] | None = None,
        cookies: Mapping[str, Any] | None = None,
        body: Any = UNSET,
        extra_headers: Mapping[str, str] | None = None,
        timeout: Timeout | Unset = UNSET,
        max_retries: int | Unset = UNSET,
        deadline: float | Unset | None = UNSET,
    ) -> ApiResponse[T]:
        """Send one operation, retrying per the client's policy; return the parsed response.

        ``max_retries`` and ``deadline`` (seconds for the whole call, attempts and
        waits included; None for none) override the client's for this call.
        """
        call = _Call(self, endpoint, max_retries, deadline)
        request = self._build(
            endpoint,
            path,
            query,
            headers,
            cookies,
            body,
            extra_headers,
            timeout,
            self._http,
        )
        while True:
            call.begin(request)
            if call.buckets:
                started = time.monotonic()
                self._limiter.acquire(
                    call.buckets, timeout=call.remaining(), block=call.block
                )
                call.limit_wait = time.monotonic() - started
            call.fit(request)
            try:
                response = self._send(request, call)
            except httpx.RequestError as exc:
                error = self._fail(exc, request, call)
                retryable = not isinstance(error, ApiDeadlineError) and (
                    transport_retryable(exc, endpoint.is_idempotent)
                )
                wait = call.next_wait(request, type(exc).__name__, retryable)
                if wait is None:
                    raise error from exc
            else:
                if response.is_success:
                    call.log(request, str(response.status_code))
                try:
                    return _captured(self._handle(endpoint, response))
                except ApiStatusError as error:
                    retryable = error.status_code in call.policy.statuses
                    outcome = str(error.status_code)
                    wait = call.next_wait(
                        request, outcome, retryable, error.retry_after
                    )
                    if wait is None:
                        raise
            time.sleep(wait)

    def _send(self, request: httpx.Request, call: _Call) -> httpx.Response:
        response = self._http.send(request, stream=True)
        try:
            if call.stop is not None:
                # Each read is bounded by the (cut) read timeout; this bounds a
                # body that keeps dribbling in.
                response.stream = _DeadlineStream(response.stream, call, request)
            response.read()
        finally:
            response.close()
        return response

    def close(self) -> None:
        """Close the HTTP connection pool (unless it was passed in)."""
        if self._owns_http:
            with self._http_lock:
                self._closed = True
                http = self._http_client
            if http is not None:
                http.close()

    def __enter__(self: _C) -> _C:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class AsyncBaseClient(_Base):
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
        deadline: float | None = None,
        rate_limit: Literal["wait", "raise"] = "wait",
        rate_limiter: SlidingWindowLimiter | None = None,
        strict: bool = False,
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
        )
        self._owns_http = http_client is None
        self._http_client: httpx.AsyncClient | None = http_client

    @property
    def _http(self) -> httpx.AsyncClient:
        """The caller's httpx client, or the client's own, made on first use."""
        http = self._http_client
        if http is None:
            with self._http_lock:  # threads racing to the first call make one
                http = self._http_client
                if http is None:
                    if self._closed:
                        raise RuntimeError(_CLOSED)
                    http = self._http_client = httpx.AsyncClient(headers=self._headers)
        return http

    async def request(
        self,
        endpoint: Endpoint[T],
        *,
        path: Mapping[str, Any] | None = None,
        query: Mapping[str, Any] | None = None,
        headers: Mapping[str, Any] | None = None,
        cookies: Mapping[str, Any] | None = None,
        body: Any = UNSET,
        extra_headers: Mapping[str, str] | None = None,
        timeout: Timeout | Unset = UNSET,
        max_retries: int | Unset = UNSET,
        deadline: float | Unset | None = UNSET,
    ) -> ApiResponse[T]:
        """Send one operation, retrying per the client's policy; return the parsed response.

        ``max_retries`` and ``deadline`` (seconds for the whole call, attempts and
        waits included; None for none) override the client's for this call.
        """
        call = _Call(self, endpoint, max_retries, deadline)
        request = self._build(
            endpoint,
            path,
            query,
            headers,
            cookies,
            body,
            extra_headers,
            timeout,
            self._http,
        )
        while True:
            call.begin(request)
            if call.buckets:
                started = time.monotonic()
                await self._limiter.acquire_async(
                    call.buckets, timeout=call.remaining(), block=call.block
                )
                call.limit_wait = time.monotonic() - started
            call.fit(request)
            try:
                response = await self._send(request, call)
            except httpx.RequestError as exc:
                error = self._fail(exc, request, call)
                retryable = not isinstance(error, ApiDeadlineError) and (
                    transport_retryable(exc, endpoint.is_idempotent)
                )
                wait = call.next_wait(request, type(exc).__name__, retryable)
                if wait is None:
                    raise error from exc
            else:
                if response.is_success:
                    call.log(request, str(response.status_code))
                try:
                    return _captured(self._handle(endpoint, response))
                except ApiStatusError as error:
                    retryable = error.status_code in call.policy.statuses
                    outcome = str(error.status_code)
                    wait = call.next_wait(
                        request, outcome, retryable, error.retry_after
                    )
                    if wait is None:
                        raise
            import asyncio  # here, not at the top: the sync client never loads it

            await asyncio.sleep(wait)

    async def _send(self, request: httpx.Request, call: _Call) -> httpx.Response:
        left = call.remaining()
        if left is None:
            return await self._http.send(request)
        import asyncio

        try:
            # The whole attempt (headers and body) ends at the deadline.
            return await asyncio.wait_for(self._http.send(request), left)
        except asyncio.TimeoutError:
            raise call.deadline_error(request) from None

    async def close(self) -> None:
        """Close the HTTP connection pool (unless it was passed in)."""
        if self._owns_http:
            with self._http_lock:
                self._closed = True
                http = self._http_client
            if http is not None:
                await http.aclose()

    async def __aenter__(self: _A) -> _A:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()


_C = TypeVar("_C", bound=SyncBaseClient)
_A = TypeVar("_A", bound=AsyncBaseClient)


if TYPE_CHECKING:
    from typing_extensions import Unpack  # typing.Unpack is 3.11+; only mypy reads it


class RequestOptions(TypedDict, total=False):
    """The keyword arguments of ``request`` after the endpoint, as resources pass them."""

    path: Mapping[str, Any] | None
    query: Mapping[str, Any] | None
    headers: Mapping[str, Any] | None
    cookies: Mapping[str, Any] | None
    body: Any
    extra_headers: Mapping[str, str] | None
    timeout: Timeout | Unset
    max_retries: int | Unset
    deadline: float | Unset | None


class SyncResource:
    """Base of generated sync resource classes (``client.oauth`` ...)."""

    __slots__ = ("_client",)

    def __init__(self, client: SyncBaseClient) -> None:
        self._client = client

    def _call(self, endpoint: Endpoint[T], **options: Unpack[RequestOptions]) -> T:
        """Send the operation and return its parsed body (see ``SyncBaseClient.request``)."""
        return self._client.request(endpoint, **options).parsed


class AsyncResource:
    """Base of generated async resource classes.

    Their methods are the sync methods made awaitable by ``async_form``: a sync
    method's body returns ``self._call(...)``, which here is a coroutine.
    """

    __slots__ = ("_client",)

    def __init__(self, client: AsyncBaseClient) -> None:
        self._client = client

    async def _call(
        self, endpoint: Endpoint[T], **options: Unpack[RequestOptions]
    ) -> T:
        """Send the operation and return its parsed body (see ``AsyncBaseClient.request``)."""
        return (await self._client.request(endpoint, **options)).parsed


def async_form(
    method: Callable[Concatenate[Any, P], T],
) -> Callable[Concatenate[AsyncResource, P], Coroutine[Any, Any, T]]:
    """The async method of an operation, made from its sync method.

    The sync method only gathers its arguments and returns ``self._call(...)``;
    called with an ``AsyncResource`` as ``self``, that is ``AsyncResource._call``,
    a coroutine, which this awaits.
    """

    @functools.wraps(method)
    async def call(self: AsyncResource, /, *args: P.args, **kwargs: P.kwargs) -> T:
        result: Any = method(self, *args, **kwargs)
        return await cast("Coroutine[Any, Any, T]", result)

    return call


# The raw form of a method (``client.oauth.init_microsoft_oauth_raw``) runs the
# method itself while this holds a list: ``request`` appends each ApiResponse.
_CAPTURE: contextvars.ContextVar[list[ApiResponse[Any]] | None] = (
    contextvars.ContextVar("_CAPTURE", default=None)
)


def _captured(response: ApiResponse[T]) -> ApiResponse[T]:
    box = _CAPTURE.get()
    if box is not None:
        box.append(response)
    return response


def raw_form(
    method: Callable[Concatenate[S, P], T],
) -> Callable[Concatenate[S, P], ApiResponse[T]]:
    """The same method, returning the status, headers and parsed body."""

    @functools.wraps(method)
    def raw(self: S, /, *args: P.args, **kwargs: P.kwargs) -> ApiResponse[T]:
        box: list[ApiResponse[Any]] = []
        token = _CAPTURE.set(box)
        try:
            method(self, *args, **kwargs)
        finally:
            _CAPTURE.reset(token)
        return box[-1]

    raw.__doc__ = f"Like ``{method.__name__}``, returning an ``ApiResponse``."
    return raw


def async_raw_form(
    method: Callable[Concatenate[S, P], Awaitable[T]],
) -> Callable[Concatenate[S, P], Coroutine[Any, Any, ApiResponse[T]]]:
    """The same async method, returning the status, headers and parsed body."""

    @functools.wraps(method)
    async def raw(self: S, /, *args: P.args, **kwargs: P.kwargs) -> ApiResponse[T]:
        box: list[ApiResponse[Any]] = []
        token = _CAPTURE.set(box)
        try:
            await method(self, *args, **kwargs)
        finally:
            _CAPTURE.reset(token)
        return box[-1]

    raw.__doc__ = f"Like ``{method.__name__}``, returning an ``ApiResponse``."
    return raw
