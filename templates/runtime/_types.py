"""Small shared types: the ``Unset`` sentinel, per-call options and the raw response."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import IO, Any, Final, Generic, Literal, TypeAlias, TypedDict, TypeVar

import httpx

__all__ = ["UNSET", "ApiResponse", "File", "RequestOptions", "Timeout", "Unset"]

T = TypeVar("T")

Timeout: TypeAlias = float | httpx.Timeout | None
"""Seconds for every phase, an ``httpx.Timeout``, or ``None`` for no timeout."""


class Unset:
    """Marks an argument or field that was not given (distinct from ``None``)."""

    __slots__ = ()
    _instance: Unset | None = None

    def __new__(cls) -> Unset:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __bool__(self) -> Literal[False]:
        return False

    def __repr__(self) -> str:
        return "UNSET"

    def __reduce__(self) -> str:
        return "UNSET"


UNSET: Final = Unset()

# A file to upload: bytes, a binary file object, or (filename, content[, content_type]).
File: TypeAlias = (
    bytes
    | IO[bytes]
    | tuple[str | None, bytes | IO[bytes]]
    | tuple[str | None, bytes | IO[bytes], str]
)


class RequestOptions(TypedDict, total=False):
    """Keyword arguments every operation method takes after its own parameters."""

    extra_headers: Mapping[str, str]
    """Headers added to the request (they win over the client's defaults)."""
    extra_query: Mapping[str, str]
    """Query parameters added to the request."""
    timeout: float | httpx.Timeout | None
    """The httpx timeout of each attempt (default: the client's)."""
    max_retries: int
    """Retries after the first attempt (default: the client's retry policy)."""
    deadline: float | None
    """Seconds the whole call may take, attempts and waits included (None: no limit)."""
    max_response_bytes: int
    """The most bytes a response body may have once decompressed."""


@dataclasses.dataclass(frozen=True, slots=True)
class ApiResponse(Generic[T]):
    """A successful response: status, headers, the parsed body and the httpx response.

    ``headers`` are the headers as received; ``http_response`` holds the body
    already read and decompressed (so its headers leave out ``Content-Encoding``)
    and a copy of the request with every credential masked.
    """

    status_code: int
    headers: httpx.Headers
    parsed: T
    http_response: httpx.Response = dataclasses.field(repr=False, compare=False)

    @property
    def content(self) -> bytes:
        """The raw body (decompressed)."""
        return self.http_response.content

    def json(self) -> Any:
        """The body decoded as JSON, without the spec's model."""
        return self.http_response.json()
