"""Reading a response body: decompression, the size cap, the deadline, JSON.

``BodyReader`` is fed the body's raw chunks as they arrive (the sync and the
async client each iterate their own stream; everything else is here, once). It
undoes ``Content-Encoding`` itself (gzip, deflate), never producing more than
what is left of the cap at a time, so a compressed bomb costs no more memory
than the cap; it raises ``BodyTooLarge`` as soon as the decoded body would pass
the cap, and calls ``check`` before each chunk (the call's deadline).

``parse_json`` refuses JSON nested deeper than ``MAX_JSON_DEPTH`` levels before
any model decodes it, so neither the parser nor a model's decoders can run out
of stack.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable, Iterable, Iterator
from typing import Any, cast

import httpx

__all__ = [
    "DEFAULT_MAX_RESPONSE_BYTES",
    "MAX_JSON_DEPTH",
    "RAW_LIMIT",
    "BodyReader",
    "BodyTooLarge",
    "JsonTooDeep",
    "parse_json",
    "parse_ndjson",
    "raw_text",
]

DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024
"""The default cap on a response body, decompressed (64 MiB)."""
MAX_JSON_DEPTH = 100
"""Deeper JSON is refused before a model decodes it."""
RAW_LIMIT = 64 * 1024
"""Characters of an undecodable body kept on the error (``raw``, a text ``body``)."""


class BodyTooLarge(Exception):
    """The decoded body would pass the cap."""


class JsonTooDeep(ValueError):
    """JSON nested deeper than ``MAX_JSON_DEPTH``: refused undecoded."""


_PIECE = 256 * 1024
"""The most a decompressor produces at once."""


class _Inflate:
    """One ``Content-Encoding`` step (gzip or deflate), producing bounded pieces."""

    def __init__(self, coding: str) -> None:
        if coding in ("gzip", "x-gzip"):
            self._wbits = zlib.MAX_WBITS | 16
        elif coding == "deflate":
            self._wbits = zlib.MAX_WBITS  # zlib-wrapped, or raw when that fails
        else:
            raise httpx.DecodingError(f"unsupported Content-Encoding {coding!r}")
        self._zlib = zlib.decompressobj(self._wbits)
        self._started = False

    def feed(self, data: bytes, budget: int) -> Iterator[bytes]:
        """The decoded pieces of ``data``; ``BodyTooLarge`` past ``budget`` bytes."""
        made = 0
        while data and not self._zlib.eof:
            try:
                piece = self._zlib.decompress(data, min(_PIECE, budget - made + 1))
            except zlib.error as exc:
                if self._wbits == zlib.MAX_WBITS and not self._started:
                    # "deflate" sent without its zlib wrapper (as many servers do).
                    self._wbits = -zlib.MAX_WBITS
                    self._zlib = zlib.decompressobj(self._wbits)
                    continue
                raise httpx.DecodingError(f"the body does not decode: {exc}") from None
            self._started = True
            made += len(piece)
            if made > budget:
                raise BodyTooLarge
            if piece:
                yield piece
            data = self._zlib.unconsumed_tail

    def flush(self) -> bytes:
        try:
            return self._zlib.flush()  # at most what zlib holds back: its window
        except zlib.error as exc:
            raise httpx.DecodingError(f"the body does not decode: {exc}") from None


class BodyReader:
    """Collects one response body, decoded, within ``limit`` bytes.

    ``decoded``: the chunks are already decoded (a transport that read the body
    itself, as ``httpx.MockTransport`` does).
    """

    __slots__ = ("_check", "_parts", "_steps", "limit", "size")

    def __init__(
        self,
        headers: httpx.Headers,
        limit: int,
        check: Callable[[], None],
        decoded: bool = False,
    ) -> None:
        self.limit = limit
        self.size = 0
        self._check = check
        self._parts: list[bytes] = []
        encoding = length = b""
        for name, value in headers.raw:  # one pass over the raw headers: fast
            lower = name.lower()
            if lower == b"content-encoding":
                encoding += b"," + value
            elif lower == b"content-length":
                length = value.strip()
        codings = [c.strip().lower() for c in encoding.decode("latin-1").split(",")]
        self._steps = [
            _Inflate(c)
            for c in reversed(codings)
            if c and c != "identity" and not decoded
        ]
        declared = int(length) if length.isdigit() and len(length) < 20 else 0
        if not self._steps and declared > limit:
            raise BodyTooLarge

    def feed(self, chunk: bytes) -> None:
        """One chunk of the body as it came (still encoded)."""
        self._check()
        self._push(0, chunk)

    def _push(self, step: int, data: bytes) -> None:
        if step == len(self._steps):
            if data:
                self.size += len(data)
                if self.size > self.limit:
                    raise BodyTooLarge
                self._parts.append(data)
            return
        for piece in self._steps[step].feed(data, self.limit - self.size):
            self._push(step + 1, piece)

    def finish(self) -> bytes:
        """The whole decoded body (all of it came: the deadline no longer matters)."""
        for index, step in enumerate(self._steps):
            self._push(index + 1, step.flush())
        return b"".join(self._parts)


def _nests(value: Any) -> bool:
    return isinstance(value, (dict, list))


def too_deep(value: Any, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether a parsed JSON value nests arrays and objects deeper than ``limit``.

    Iterative (no recursion), one look at each value.
    """
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        children: Iterable[Any]
        if isinstance(node, dict):
            children = cast("dict[str, Any]", node).values()
        elif isinstance(node, list):
            children = cast("list[object]", node)
        else:
            continue  # a scalar (only the top value may be one)
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if _nests(child))
    return False


def parse_json(body: bytes) -> Any:
    """The JSON value of a body; ``ValueError`` when it is empty, not JSON, or too deep.

    The parser (C) stops with ``RecursionError`` long before the stack runs
    out; what it returns is refused when deeper than ``MAX_JSON_DEPTH``, before
    any decoder (Python, recursive) sees it.
    """
    if not body.strip():
        raise ValueError("expected JSON, got an empty body")
    too_deep_message = (
        f"the body nests JSON deeper than {MAX_JSON_DEPTH} levels (refused undecoded)"
    )
    try:
        value = json.loads(body)
    except RecursionError:
        raise JsonTooDeep(too_deep_message) from None
    except ValueError as exc:
        raise ValueError(
            f"expected JSON, got a body that is not JSON ({exc})"
        ) from None
    # A body with fewer brackets than the limit cannot nest deeper than it.
    brackets = body.count(b"[") + body.count(b"{")
    if brackets > MAX_JSON_DEPTH and too_deep(value):
        raise JsonTooDeep(too_deep_message)
    return value


def parse_ndjson(body: bytes) -> list[Any]:
    """The values of an NDJSON body (one JSON value per line; blank lines skipped).

    Each line is read as ``parse_json`` reads a body (the same depth cap); a
    line that is not JSON is a ``ValueError`` naming it.
    """
    values: list[Any] = []
    for number, line in enumerate(body.split(b"\n"), 1):
        if not line.strip():
            continue
        try:
            values.append(parse_json(line))
        except JsonTooDeep as exc:
            raise JsonTooDeep(f"line {number}: {exc}") from None
        except ValueError as exc:
            raise ValueError(f"line {number}: {exc}") from None
    return values


def raw_text(body: bytes) -> str:
    """The start of a body as text, for errors (at most ``RAW_LIMIT`` characters)."""
    return body[: RAW_LIMIT * 4].decode("utf-8", "replace")[:RAW_LIMIT]
