"""Reading a response body: decompression, the size cap, the deadline, JSON.

``BodyReader`` is fed the body's raw chunks as they arrive (the sync and the
async client each iterate their own stream; everything else is here, once). It
undoes ``Content-Encoding`` itself (gzip, deflate), never producing more than
what is left of the cap at a time, so a compressed bomb costs no more memory
than the cap; it raises ``BodyTooLarge`` as soon as the decoded body would pass
the cap, and calls ``check`` before each chunk (the call's deadline).

``parse_json`` refuses JSON nested deeper than ``MAX_JSON_DEPTH`` levels before
parsing it, so neither the parser nor a model's decoders can run out of stack.
"""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Callable
from typing import Any

import httpx

__all__ = [
    "DEFAULT_MAX_RESPONSE_BYTES",
    "MAX_JSON_DEPTH",
    "RAW_LIMIT",
    "BodyReader",
    "BodyTooLarge",
    "parse_json",
    "raw_text",
]

DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024
"""The default cap on a response body, decompressed (64 MiB)."""
MAX_JSON_DEPTH = 100
"""Deeper JSON is refused before it is parsed."""
RAW_LIMIT = 64 * 1024
"""Characters of an undecodable body kept on the error (``raw``, a text ``body``)."""


class BodyTooLarge(Exception):
    """The decoded body would pass the cap."""


class _Inflate:
    """One ``Content-Encoding`` step (gzip or deflate), with bounded output."""

    def __init__(self, coding: str) -> None:
        if coding in ("gzip", "x-gzip"):
            self._wbits = zlib.MAX_WBITS | 16
        elif coding == "deflate":
            self._wbits = zlib.MAX_WBITS  # zlib-wrapped, or raw when that fails
        else:
            raise httpx.DecodingError(f"unsupported Content-Encoding {coding!r}")
        self._zlib = zlib.decompressobj(self._wbits)
        self._started = False

    def feed(self, data: bytes, budget: int) -> bytes:
        out: list[bytes] = []
        made = 0
        while data and not self._zlib.eof:
            try:
                piece = self._zlib.decompress(data, budget - made + 1)
            except zlib.error as exc:
                if self._wbits == zlib.MAX_WBITS and not self._started:
                    # "deflate" sent without its zlib wrapper (as many servers do).
                    self._wbits = -zlib.MAX_WBITS
                    self._zlib = zlib.decompressobj(self._wbits)
                    continue
                raise httpx.DecodingError(f"the body does not decode: {exc}") from None
            self._started = True
            made += len(piece)
            out.append(piece)
            if made > budget:
                raise BodyTooLarge
            data = self._zlib.unconsumed_tail
        return b"".join(out)

    def flush(self, budget: int) -> bytes:
        try:
            rest = self._zlib.flush()
        except zlib.error as exc:
            raise httpx.DecodingError(f"the body does not decode: {exc}") from None
        if len(rest) > budget:
            raise BodyTooLarge
        return rest


class BodyReader:
    """Collects one response body, decoded, within ``limit`` bytes."""

    __slots__ = ("_check", "_parts", "_steps", "limit", "size")

    def __init__(
        self, headers: httpx.Headers, limit: int, check: Callable[[], None]
    ) -> None:
        self.limit = limit
        self.size = 0
        self._check = check
        self._parts: list[bytes] = []
        codings = [
            c.strip().lower()
            for c in headers.get("content-encoding", "").split(",")
            if c.strip() and c.strip().lower() != "identity"
        ]
        self._steps = [_Inflate(c) for c in reversed(codings)]
        if not self._steps:
            declared = headers.get("content-length", "")
            if declared.isdigit() and len(declared) < 20 and int(declared) > limit:
                raise BodyTooLarge

    def feed(self, chunk: bytes) -> None:
        self._check()
        for step in self._steps:
            chunk = step.feed(chunk, self.limit - self.size)
        self._take(chunk)

    def _take(self, data: bytes) -> None:
        if data:
            self.size += len(data)
            if self.size > self.limit:
                raise BodyTooLarge
            self._parts.append(data)

    def finish(self) -> bytes:
        """The whole decoded body."""
        self._check()
        for index, step in enumerate(self._steps):
            rest = step.flush(self.limit - self.size)
            for later in self._steps[index + 1 :]:
                rest = later.feed(rest, self.limit - self.size)
            self._take(rest)
        return b"".join(self._parts)


_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_BRACKETS = bytes(c for c in range(256) if c not in b"[]{}")
_SQUARE = bytes.maketrans(b"{}", b"[]")


def _depth_over(marks: bytes, limit: int) -> bool | None:
    """Whether brackets ``marks`` nest deeper than ``limit``; None if they do not pair up."""
    for _ in range(limit):
        if not marks:
            return False
        shorter = marks.replace(b"[]", b"")  # one level less, everywhere
        if len(shorter) == len(marks):
            return None
        marks = shorter
    if not marks:
        return False
    return None if b"[]" not in marks else True


def too_deep(body: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether JSON text nests arrays and objects deeper than ``limit``."""
    if body.count(b"[") + body.count(b"{") <= limit:
        return False
    marks = body.translate(_SQUARE, _NOT_BRACKETS)
    verdict = _depth_over(marks, limit)
    if verdict is not False:
        # Brackets inside strings count too: count again without the strings.
        marks = _STRING.sub(b"", body).translate(_SQUARE, _NOT_BRACKETS)
        verdict = _depth_over(marks, limit)
    return bool(verdict)


def parse_json(body: bytes) -> Any:
    """The JSON value of a body; ``ValueError`` when it is empty, not JSON, or too deep."""
    if not body.strip():
        raise ValueError("expected JSON, got an empty body")
    if too_deep(body):
        raise ValueError(
            f"the body nests JSON deeper than {MAX_JSON_DEPTH} levels (refused unparsed)"
        )
    try:
        return json.loads(body)
    except RecursionError:
        raise ValueError("the body nests JSON too deeply to parse") from None
    except ValueError as exc:
        raise ValueError(
            f"expected JSON, got a body that is not JSON ({exc})"
        ) from None


def raw_text(body: bytes) -> str:
    """The start of a body as text, for errors (at most ``RAW_LIMIT`` characters)."""
    return body[: RAW_LIMIT * 4].decode("utf-8", "replace")[:RAW_LIMIT]
