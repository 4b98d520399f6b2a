"""Small shared types: the ``Unset`` sentinel and the raw response wrapper."""

from __future__ import annotations

import dataclasses
from typing import IO, Any, Final, Generic, Literal, TypeAlias, TypeVar

import httpx

__all__ = ["UNSET", "ApiResponse", "File", "Unset"]

T = TypeVar("T")


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


@dataclasses.dataclass(frozen=True, slots=True)
class ApiResponse(Generic[T]):
    """A successful response: status, headers, the parsed body and the httpx response."""

    status_code: int
    headers: httpx.Headers
    parsed: T
    http_response: httpx.Response = dataclasses.field(repr=False, compare=False)

    @property
    def content(self) -> bytes:
        """The raw body."""
        return self.http_response.content

    def json(self) -> Any:
        """The body decoded as JSON, without the spec's model."""
        return self.http_response.json()
