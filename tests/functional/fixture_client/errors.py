"""Errors raised by the client: the shared hierarchy, plus one class per documented error body."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._errors import (
    ApiConnectionError,
    ApiDeadlineError,
    ApiDecodeError,
    ApiError,
    ApiStatusError,
    ApiTimeoutError,
    AuthenticationError,
    BadRequestError,
    ClientRateLimitError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ResponseTooLargeError,
    ServerError,
    UnexpectedStatusError,
    UnprocessableEntityError,
    WaiterError,
    WaiterFailedError,
    WaiterTimeoutError,
)

if TYPE_CHECKING:
    from .models import ErrorBody, Job, Problem

__all__ = [
    "ApiConnectionError",
    "ApiDeadlineError",
    "ApiDecodeError",
    "ApiError",
    "ApiStatusError",
    "ApiTimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ClientError",
    "ClientRateLimitError",
    "ConflictError",
    "JobFailedError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "ResponseTooLargeError",
    "ServerError",
    "ServiceUnavailableError",
    "TooManyRequestsError",
    "UnexpectedStatusError",
    "UnprocessableEntityError",
    "WaiterError",
    "WaiterFailedError",
    "WaiterTimeoutError",
]


class ClientError(ApiStatusError):
    """A client error.

    4XX response documented by the API, with its body parsed as ``Problem``.
    """

    body: Problem


class JobFailedError(WaiterFailedError):
    """``get_job`` reported a failure while ``wait_for_job`` waited: its ``status`` is 'failed'.

    ``state`` holds that value and ``body`` the response; ``error`` is copied from it (None when absent).
    """

    body: Job
    error: str | None


class ServiceUnavailableError(ServerError):
    """Upstream unavailable.

    503 response documented by the API, with its body parsed as ``ErrorBody``.
    """

    body: ErrorBody


class TooManyRequestsError(RateLimitError):
    """Rate limit exceeded.

    429 response documented by the API, with its body parsed as ``ErrorBody``.
    """

    body: ErrorBody
