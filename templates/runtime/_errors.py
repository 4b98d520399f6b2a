"""The exception hierarchy every generated client shares.

``ApiError``
 ├── ``ApiConnectionError``          the request never got a (whole) response
 │    └── ``ApiTimeoutError``
 │         └── ``ApiDeadlineError``  the call's deadline passed (all attempts)
 ├── ``ResponseTooLargeError``       the body was over ``max_response_bytes``
 ├── ``ClientRateLimitError``        a client-side rate limit had no free slot
 ├── ``WaiterError``                 a waiter saw a value it does not know
 │    ├── ``WaiterFailedError``      the watched field reached a failure value
 │    └── ``WaiterTimeoutError``     the waiter ran out of time
 ├── ``ApiDecodeError``              a 2xx body that is not what the spec says
 └── ``ApiStatusError``              any non-2xx status
      ├── ``BadRequestError`` (400), ``AuthenticationError`` (401),
      │   ``PermissionDeniedError`` (403), ``NotFoundError`` (404),
      │   ``ConflictError`` (409), ``UnprocessableEntityError`` (422),
      │   ``RateLimitError`` (429), ``ServerError`` (any 5xx)
      └── ``UnexpectedStatusError``  any other status (3xx, 402, 418 ...)

The generated ``errors`` module adds one subclass per documented error response,
carrying the parsed body as its typed ``body``. A response documented under a
range (``4XX``) or ``default`` raises an instance of that generated class which
is also an instance of the status's own class (a 404 is a ``NotFoundError``);
``range_error_class`` makes that class.

Every error pickles (for ``multiprocessing``). The requests and responses it
holds are copies with every credential masked; in a pickle they travel with no
request header at all (method and URL only). Its ``__cause__`` (the httpx
error) is not pickled, as for any exception.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any, cast

import httpx

from ._redact import redact
from ._retry import parse_retry_after

__all__ = [
    "ApiConnectionError",
    "ApiDeadlineError",
    "ApiDecodeError",
    "ApiError",
    "ApiStatusError",
    "ApiTimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ClientRateLimitError",
    "ConflictError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "ResponseTooLargeError",
    "ServerError",
    "UnexpectedStatusError",
    "UnprocessableEntityError",
    "WaiterError",
    "WaiterFailedError",
    "WaiterTimeoutError",
    "range_error_class",
    "status_error_class",
    "undecodable_class",
]

HeaderValue = str | int | float | bool | None


def _restore(origin: Any, args: tuple[Any, ...], state: dict[str, Any]) -> ApiError:
    """Rebuild a pickled error (``origin``: its class, or how ``range_error_class`` made it)."""
    cls = _FACTORIES[origin[0]](*origin[1:]) if isinstance(origin, tuple) else origin
    error: ApiError = cls.__new__(cls)
    error.args = args
    error.__dict__.update(state)
    return error


def _bare(value: Any) -> Any:
    """What of a request or response travels in a pickle: no request headers at all."""
    if isinstance(value, httpx.Request):
        return httpx.Request(value.method, value.url)
    if isinstance(value, httpx.Response):
        try:
            content = value.content
        except httpx.ResponseNotRead:
            content = b""
        request = _request_of(value)
        return httpx.Response(
            value.status_code,
            headers=value.headers,
            content=content,
            request=None if request is None else _bare(request),
        )
    return value


def _request_of(response: httpx.Response) -> httpx.Request | None:
    try:
        return response.request
    except RuntimeError:  # httpx: no request set
        return None


class ApiError(Exception):
    """Base class of every error the client raises."""

    def __reduce__(self) -> tuple[Any, ...]:
        cls = type(self)
        origin = cls.__dict__.get("_made_from", cls)
        state = {name: _bare(value) for name, value in self.__dict__.items()}
        return (_restore, (origin, self.args, state))


class ApiConnectionError(ApiError):
    """The request could not be sent or no (whole) response came back."""

    def __init__(self, message: str, *, request: httpx.Request | None = None) -> None:
        super().__init__(message)
        self.request = request
        """The request, with every credential masked."""


class ApiTimeoutError(ApiConnectionError):
    """The request timed out (connect, read, write or pool)."""


class ApiDeadlineError(ApiTimeoutError):
    """The call's deadline passed; it covers every attempt and every wait."""


class ResponseTooLargeError(ApiError):
    """The response body was over the client's (or the call's) ``max_response_bytes``.

    Nothing past the limit was read or kept; the connection was closed.
    """

    def __init__(
        self,
        message: str,
        *,
        limit: int,
        status_code: int,
        request: httpx.Request | None = None,
    ) -> None:
        super().__init__(message)
        self.limit = limit
        self.status_code = status_code
        self.request = request


class ClientRateLimitError(ApiError):
    """A client-side rate limit had no free slot (nothing was sent)."""

    def __init__(self, message: str, *, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after: float = retry_after
        """Seconds until a slot frees up."""


class ApiDecodeError(ApiError):
    """A successful response whose body is not what the spec documents."""

    def __init__(
        self,
        message: str,
        *,
        response: httpx.Response,
        raw: str,
        headers: httpx.Headers | None = None,
    ) -> None:
        super().__init__(message)
        self.response = response
        self.status_code: int = response.status_code
        self.headers: httpx.Headers = response.headers if headers is None else headers
        self.raw = raw
        """The start of the body as text (at most 64 KiB of it)."""


class ApiStatusError(ApiError):
    """The server answered with a status that is not 2xx."""

    retry_after: float | None
    """Seconds the server asked to wait (``retry-after-ms`` or ``Retry-After``), else None."""
    declared_headers: dict[str, HeaderValue]
    """The response headers the spec declares for this status, parsed to their types."""

    def __init__(
        self,
        message: str,
        *,
        response: httpx.Response,
        body: object,
        declared_headers: Mapping[str, HeaderValue] | None = None,
        headers: httpx.Headers | None = None,
    ) -> None:
        ApiError.__init__(self, message)  # not super(): see undecodable_class
        self.response = response
        self.status_code: int = response.status_code
        self.headers: httpx.Headers = response.headers if headers is None else headers
        self._body = body
        self.retry_after = parse_retry_after(self.headers)
        self.declared_headers = dict(declared_headers or {})

    @property
    def body(self) -> object:
        """The parsed model when the spec documents this response, else JSON or text.

        The class generated for a documented error body narrows this to its model.
        """
        return self._body

    @property
    def request(self) -> httpx.Request:
        """The request, with every credential masked."""
        return self.response.request


class BadRequestError(ApiStatusError):
    """400 Bad Request."""


class AuthenticationError(ApiStatusError):
    """401 Unauthorized: the API key is missing or wrong."""


class PermissionDeniedError(ApiStatusError):
    """403 Forbidden."""


class NotFoundError(ApiStatusError):
    """404 Not Found."""


class ConflictError(ApiStatusError):
    """409 Conflict."""


class UnprocessableEntityError(ApiStatusError):
    """422 Unprocessable Entity."""


class RateLimitError(ApiStatusError):
    """429 Too Many Requests."""


class ServerError(ApiStatusError):
    """A 5xx status: the server failed."""


class UnexpectedStatusError(ApiStatusError):
    """A status with no class of its own (3xx, 402, 418 ...)."""


class WaiterError(ApiError):
    """A waiter stopped without reaching a success value."""

    def __init__(self, message: str, *, body: object = None) -> None:
        super().__init__(message)
        self._body = body

    @property
    def body(self) -> object:
        """The parsed body of the last poll (``None`` when no poll answered).

        The failure class generated for a waiter narrows this to its model.
        """
        return self._body


class WaiterFailedError(WaiterError):
    """The watched field reached one of the waiter's failure values.

    ``state`` is that value; the generated subclass of each waiter also copies
    the fields it names (for example ``error`` and ``error_description``) from
    the body onto the error, ``None`` when absent.
    """

    def __init__(
        self,
        message: str,
        *,
        state: object,
        body: object,
        response: httpx.Response | None = None,
        details: Mapping[str, object] | None = None,
    ) -> None:
        super().__init__(message, body=body)
        self.state = state
        self.response = response
        for name, value in (details or {}).items():
            setattr(self, name, value)


class WaiterTimeoutError(WaiterError):
    """The waiter's time ran out (its ``max_wait``, or the ``expires_at`` it was given)."""

    def __init__(self, message: str, *, body: object = None, expired: bool) -> None:
        super().__init__(message, body=body)
        self.expired = expired
        """True when the stop was ``expires_at`` rather than ``max_wait``."""


_BY_STATUS: dict[int, type[ApiStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def status_error_class(status: int) -> type[ApiStatusError]:
    """The generic error class for a status code."""
    cls = _BY_STATUS.get(status)
    if cls is not None:
        return cls
    if 500 <= status <= 599:
        return ServerError
    return UnexpectedStatusError


_MIXED: dict[tuple[type[ApiError], type[ApiError]], type[Any]] = {}
_MIXED_LOCK = threading.Lock()


def range_error_class(
    documented: type[ApiStatusError], status: int
) -> type[ApiStatusError]:
    """The class raised for ``status`` when it matched a range or ``default`` response.

    It subclasses both ``documented`` (the generated class of that response)
    and the status's own class, so ``except NotFoundError`` catches a 404 that
    the spec documents only under ``4XX``. One class per pair, made once.
    """
    own = status_error_class(status)
    if issubclass(documented, own):
        return documented
    key = (documented, own)
    cls = _MIXED.get(key)
    if cls is None:
        with _MIXED_LOCK:
            cls = _MIXED.get(key)
            if cls is None:
                namespace = {
                    "__doc__": documented.__doc__,
                    "__module__": documented.__module__,
                    "__qualname__": documented.__qualname__,
                    "_made_from": ("range", documented, status),
                }
                cls = _MIXED[key] = type(
                    documented.__name__, (documented, own), namespace
                )
    result: type[ApiStatusError] = cls
    return result


def undecodable_class(cls: type[ApiStatusError]) -> type[ApiStatusError]:
    """``cls``, made an ``ApiDecodeError`` too: for a JSON body refused undecoded.

    The status still decides what is retried and what ``except`` catches it; the
    body (nested deeper than the runtime decodes) is kept as ``raw`` text.
    """
    key = (cls, ApiDecodeError)
    made = _MIXED.get(key)
    if made is None:
        with _MIXED_LOCK:
            made = _MIXED.get(key)
            if made is None:
                namespace = {
                    "__doc__": cls.__doc__,
                    "__module__": cls.__module__,
                    "__qualname__": cls.__qualname__,
                    "_made_from": ("undecodable", cls),
                }
                made = _MIXED[key] = type(
                    cls.__name__, (cls, ApiDecodeError), namespace
                )
    result: type[ApiStatusError] = made
    return result


_FACTORIES: dict[str, Any] = {
    "range": range_error_class,
    "undecodable": undecodable_class,
}


def describe(status: int, reason: str, body: Any) -> str:
    """A short message for a status error: status, reason and the server's message."""
    text = f"{status} {reason}".strip()
    detail: Any = None
    if isinstance(body, dict):
        fields = cast("dict[str, Any]", body)
        detail = fields.get("message") or fields.get("error")
    elif body is not None and hasattr(body, "message"):
        detail = body.message
    elif isinstance(body, str):
        detail = body.strip()
    if isinstance(detail, str) and detail:
        # Masked before it is cut short, so no part of a credential survives the cut.
        text = f"{text}: {redact(detail[:4096])[:200]}"
    return text
