"""Errors about the input, each pointing at a file and a JSON pointer inside it."""

from __future__ import annotations

from collections.abc import Iterable


def escape_token(token: str | int) -> str:
    """One JSON-pointer reference token (RFC 6901)."""
    return str(token).replace("~", "~0").replace("/", "~1")


def pointer(parts: Iterable[str | int]) -> str:
    """A JSON pointer fragment such as ``#/paths/~1pets/get``."""
    return "#" + "".join("/" + escape_token(p) for p in parts)


class SpecError(Exception):
    """Bad input: printed as one line, ``file#/pointer: message``; exit status 2."""

    def __init__(self, file: str, where: str | None, message: str) -> None:
        super().__init__(message)
        self.file = file
        self.where = where
        self.message = message

    def __str__(self) -> str:
        location = self.file + (self.where or "")
        return f"{location}: {_one_line(self.message)}"


class SpecErrors(Exception):
    """Several problems found at once (validation reports all of them)."""

    def __init__(self, errors: list[SpecError]) -> None:
        super().__init__(f"{len(errors)} problems")
        self.errors = errors


class GenerationError(Exception):
    """The generator produced something it cannot format or write (a bug or a bad template)."""


def _one_line(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= 500 else flat[:497] + "..."

