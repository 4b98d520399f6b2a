"""The exception hierarchy every generated client shares.

``ApiError``
 ├── ``ApiConnectionError``          the request never got a response
 │    └── ``ApiTimeoutError``
 ├── ``ApiDecodeError``              a 2xx body that is not what the spec says
 └── ``ApiStatusError``              any non-2xx status
      ├── ``BadRequestError`` (400), ``AuthenticationError`` (401),
      │   ``PermissionDeniedError`` (403), ``NotFoundError`` (404),
      │   ``ConflictError`` (409), ``UnprocessableEntityError`` (422),
      │   ``RateLimitError`` (429), ``ServerError`` (any 5xx, 520 too)
      └── ``UnexpectedStatusError``  any other status (3xx, 402, 418 ...)

The generated ``errors`` module adds one subclass per documented error response,
carrying the parsed body as its typed ``body``.
"""

from __future__ import annotations

from typing import Any

import httpx

__all__ = [
    "ApiConnectionError",
    "ApiDecodeError",
    "ApiError",
    "ApiStatusError",
    "ApiTimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "ServerError",
    "UnexpectedStatusError",
    "UnprocessableEntityError",
    "status_error_class",
]


class ApiError(Exception):
    """Base class of every error the client raises."""


class ApiConnectionError(ApiError):
    """The request could not be sent or no response came back."""

    def __init__(self, message: str, *, request: httpx.Request | None = None) -> None:
        super().__init__(message)
        self.request = request


class ApiTimeoutError(ApiConnectionError):
    """The request timed out (connect, read, write or pool)."""


class ApiDecodeError(ApiError):
    """A successful response whose body is not what the spec documents."""

    def __init__(self, message: str, *, response: httpx.Response, raw: str) -> None:
        super().__init__(message)
        self.response = response
        self.status_code = response.status_code
        self.headers = response.headers
        self.raw = raw
        """The body as text, exactly as received."""


class ApiStatusError(ApiError):
    """The server answered with a status that is not 2xx."""

    body: object
    """The parsed model when the spec documents this response, else JSON or text."""

    def __init__(self, message: str, *, response: httpx.Response, body: object) -> None:
        super().__init__(message)
        self.response = response
        self.status_code: int = response.status_code
        self.headers: httpx.Headers = response.headers
        self.body = body

    @property
    def request(self) -> httpx.Request:
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


def describe(status: int, reason: str, body: Any) -> str:
    """A short message for a status error: status, reason and the server's message."""
    text = f"{status} {reason}".strip()
    detail: Any = None
    if isinstance(body, dict):
        detail = body.get("message") or body.get("error")
    elif body is not None and hasattr(body, "message"):
        detail = body.message
    elif isinstance(body, str):
        detail = body.strip()[:200]
    if isinstance(detail, str) and detail:
        text = f"{text}: {detail}"
    return text
