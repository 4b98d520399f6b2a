"""Request building, sending and response handling shared by every operation.

Generated resources describe each operation with an ``Endpoint`` constant and
call ``request``; everything generic (URLs, parameters, authentication, errors,
decoding) lives here, once, for both the sync and the async client.
"""

from __future__ import annotations

import contextvars
import dataclasses
import functools
import json
import os
import platform
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from typing import Any, Concatenate, Generic, Literal, ParamSpec, TypeVar
from urllib.parse import quote

import httpx

from ._codec import DecodeFailure, to_jsonable
from ._encode import FilePart, form_body, multipart_parts, query_pairs
from ._errors import (
    ApiConnectionError,
    ApiDecodeError,
    ApiError,
    ApiStatusError,
    ApiTimeoutError,
    describe,
    status_error_class,
)
from ._types import UNSET, ApiResponse, Unset

__all__ = [
    "AsyncBaseClient",
    "AsyncResource",
    "Auth",
    "Endpoint",
    "Resp",
    "SyncBaseClient",
    "SyncResource",
    "Timeout",
    "async_raw_form",
    "raw_form",
]

T = TypeVar("T")
P = ParamSpec("P")
S = TypeVar("S")
Timeout = float | httpx.Timeout | None
BodyKind = Literal["json", "text", "bytes", "form", "multipart", "none"]
DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=10.0)


@dataclasses.dataclass(frozen=True, slots=True)
class Resp:
    """How to read one documented response: its body kind, decoder and error class."""

    kind: BodyKind
    decode: Callable[[Any], Any] | None = None
    error: type[ApiStatusError] | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class Endpoint(Generic[T]):
    """One operation: HTTP method, path template and documented responses.

    Response keys are status codes (``"200"``), ranges (``"4XX"``) or ``"default"``.
    """

    method: str
    path: str
    responses: Mapping[str, Resp]
    body: BodyKind = "none"
    query_styles: tuple[tuple[str, str, bool], ...] = ()
    """(name, style, explode) of query parameters not in the default form style."""
    accept: str = "application/json"

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


@dataclasses.dataclass(frozen=True, slots=True)
class Auth:
    """Where the API key goes: ``bearer`` (Authorization header), ``header``, ``query`` or ``cookie``."""

    kind: Literal["bearer", "header", "query", "cookie", "none"]
    name: str = ""


class _Secret(str):
    """A string whose repr never shows its value."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "'***'"


def _sendable_key(key: str) -> bool:
    """Whether a key is visible ASCII, so it fits any header, query or cookie as is."""
    return all("!" <= char <= "~" for char in key)


def _param(value: Any) -> str:
    value = to_jsonable(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


class _Base:
    """State and pure logic shared by the sync and async clients."""

    _default_base_url: str = ""
    _api_key_env: str = ""
    _auth: Auth = Auth("none")
    _user_agent: str = "openapi-client"
    _owns_http: bool

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: Timeout = DEFAULT_TIMEOUT,
        default_headers: Mapping[str, str] | None = None,
    ) -> None:
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
        self._api_key = _Secret(api_key or "")
        self.base_url = (base_url or self._default_base_url).rstrip("/")
        self.timeout = timeout
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
        for name, value in (path or {}).items():
            text = _param(value)
            if not text:
                raise ValueError(f"path parameter {name!r} must not be empty")
            segment = quote(text, safe="")
            if not segment.strip("."):
                # "." and ".." are dot segments: the URL would be normalised to
                # a different path, so send the dots percent-encoded.
                segment = segment.replace(".", "%2E")
            url_path = url_path.replace("{" + name + "}", segment)
        styles = {
            name: (style, explode) for name, style, explode in endpoint.query_styles
        }
        params = query_pairs(query or {}, styles)
        all_headers = dict(self._headers)
        all_headers["Accept"] = endpoint.accept
        for key, value in (headers or {}).items():
            if value is not UNSET and value is not None:
                all_headers[key] = _param(value)
        jar = {
            k: _param(v)
            for k, v in (cookies or {}).items()
            if v is not UNSET and v is not None
        }
        auth = self._auth
        if auth.kind == "bearer":
            all_headers["Authorization"] = f"Bearer {self._api_key}"
        elif auth.kind == "header":
            all_headers[auth.name] = self._api_key
        elif auth.kind == "query":
            params.append((auth.name, self._api_key))
        elif auth.kind == "cookie":
            jar[auth.name] = self._api_key
        if jar:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in jar.items())
        all_headers.update(extra_headers or {})
        content: bytes | str | None = None
        files: list[tuple[str, FilePart]] | None = None
        if endpoint.body == "form" and body is not UNSET:
            content = form_body(body)
            all_headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        elif endpoint.body == "multipart" and body is not UNSET:
            files = multipart_parts(body)
        elif endpoint.body == "json" and body is not UNSET:
            content = json.dumps(
                to_jsonable(body), separators=(",", ":"), ensure_ascii=False
            ).encode()
            all_headers.setdefault("Content-Type", "application/json")
        elif endpoint.body == "bytes" and body is not UNSET:
            content = body
            all_headers.setdefault("Content-Type", "application/octet-stream")
        elif endpoint.body == "text" and body is not UNSET:
            content = str(body)
            all_headers.setdefault("Content-Type", "text/plain; charset=utf-8")
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

    @staticmethod
    def _fail(exc: httpx.RequestError, request: httpx.Request) -> ApiConnectionError:
        where = f"{request.method} {request.url.copy_with(query=None)}"
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

    @staticmethod
    def _handle(endpoint: Endpoint[T], response: httpx.Response) -> ApiResponse[T]:
        status = response.status_code
        spec = endpoint.match(status)
        if 200 <= status < 300:
            parsed = _decode_success(spec, response)
            return ApiResponse(status, response.headers, parsed, response)
        raise _status_error(spec, response)


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


def _status_error(spec: Resp | None, response: httpx.Response) -> ApiStatusError:
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
    ) -> None:
        super().__init__(
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            default_headers=default_headers,
        )
        self._owns_http = http_client is None
        self._http = http_client or httpx.Client()

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
    ) -> ApiResponse[T]:
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
        try:
            response = self._http.send(request)
        except httpx.RequestError as exc:
            raise self._fail(exc, request) from exc
        return _captured(self._handle(endpoint, response))

    def close(self) -> None:
        """Close the HTTP connection pool (unless it was passed in)."""
        if self._owns_http:
            self._http.close()

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
    ) -> None:
        super().__init__(
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            default_headers=default_headers,
        )
        self._owns_http = http_client is None
        self._http = http_client or httpx.AsyncClient()

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
    ) -> ApiResponse[T]:
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
        try:
            response = await self._http.send(request)
        except httpx.RequestError as exc:
            raise self._fail(exc, request) from exc
        return _captured(self._handle(endpoint, response))

    async def close(self) -> None:
        """Close the HTTP connection pool (unless it was passed in)."""
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self: _A) -> _A:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()


_C = TypeVar("_C", bound=SyncBaseClient)
_A = TypeVar("_A", bound=AsyncBaseClient)


class SyncResource:
    """Base of generated sync resource classes (``client.oauth`` ...)."""

    __slots__ = ("_client",)

    def __init__(self, client: SyncBaseClient) -> None:
        self._client = client


class AsyncResource:
    """Base of generated async resource classes."""

    __slots__ = ("_client",)

    def __init__(self, client: AsyncBaseClient) -> None:
        self._client = client


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
