"""What generated code says about an operation: ``Param``, ``Body``, ``Resp``, ``Endpoint``, ``Auth``.

These are plain classes with ``__slots__``, not dataclasses: a generated
package makes hundreds of them at import time, and a dataclass costs more to
make. Everything an attempt needs to look up is worked out once, here.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from typing import Any, Generic, Literal, TypeVar

import httpx

from ._errors import ApiStatusError
from ._retry import IDEMPOTENT_METHODS

__all__ = ["Auth", "Body", "Endpoint", "Param", "Resp"]

T = TypeVar("T")
Location = Literal["path", "query", "header", "cookie"]
BodyKind = Literal["json", "ndjson", "form", "multipart", "bytes", "text"]
RespKind = Literal["json", "ndjson", "text", "bytes", "none"]
HeaderValue = str | int | float | bool | None

_STYLES: dict[str, tuple[str, ...]] = {
    "path": ("simple", "label", "matrix"),
    "query": ("form", "spaceDelimited", "pipeDelimited", "deepObject"),
    "header": ("simple",),
    "cookie": ("form",),
}
_CONTENT_TYPES: dict[str, str] = {
    "json": "application/json",
    "ndjson": "application/x-ndjson",
    "form": "application/x-www-form-urlencoded",
    "multipart": "multipart/form-data",
    "bytes": "application/octet-stream",
    "text": "text/plain; charset=utf-8",
}
_TEMPLATE = re.compile(r"\{([^{}]+)\}")


class Param:
    """One operation parameter: Python name, wire name, location, style, explode.

    ``style`` empty and ``explode`` None mean the location's defaults (``simple``
    for path and header, ``form`` for query and cookie; explode is true for
    ``form``, false otherwise).
    """

    __slots__ = ("explode", "location", "name", "style", "wire")

    def __init__(
        self,
        name: str,
        wire: str,
        location: Location,
        style: str = "",
        explode: bool | None = None,
    ) -> None:
        styles = _STYLES.get(location)
        if styles is None:
            raise ValueError(f"parameter {wire!r}: unknown location {location!r}")
        style = style or styles[0]
        if style not in styles:
            raise ValueError(
                f"parameter {wire!r}: style {style!r} is not for the {location}"
            )
        self.name = name
        self.wire = wire
        self.location = location
        self.style = style
        self.explode: bool = (
            style in ("form", "deepObject") if explode is None else explode
        )

    def __repr__(self) -> str:
        return f"Param({self.name!r}, {self.wire!r}, {self.location!r}, {self.style!r}, {self.explode!r})"


class Body:
    """The request body: its Python name, kind and the media type sent."""

    __slots__ = ("content_type", "kind", "name")

    def __init__(self, name: str, kind: BodyKind, content_type: str = "") -> None:
        if kind not in _CONTENT_TYPES:
            raise ValueError(f"unknown body kind {kind!r}")
        self.name = name
        self.kind = kind
        self.content_type = content_type or _CONTENT_TYPES[kind]

    def __repr__(self) -> str:
        return f"Body({self.name!r}, {self.kind!r}, {self.content_type!r})"


class Resp:
    """How to read one documented response: its body kind, decoder and error class."""

    __slots__ = ("decode", "error", "kind")

    def __init__(
        self,
        kind: RespKind,
        decode: Callable[[Any, bool], Any] | None = None,
        error: type[ApiStatusError] | None = None,
    ) -> None:
        self.kind = kind
        self.decode = decode
        self.error = error

    def __repr__(self) -> str:
        return f"Resp({self.kind!r}, {self.decode!r}, {self.error!r})"


class Endpoint(Generic[T]):
    """One operation: method, path template, parameters and documented responses.

    Response keys are status codes (``"200"``), ranges (``"4XX"``) or
    ``"default"``. ``idempotent``: None decides by method for failures after the
    request may have reached the server; True retries them for any method;
    False never repeats a request the server may have seen (no status retries
    either). ``limits``: names of the client's rate limits that every attempt
    takes a slot from. ``headers``: response key -> the headers the spec
    declares, as (lower-case name, JSON type). ``paginate``: kept for the
    pagination helpers.
    """

    __slots__ = (
        "_cookie",
        "_default",
        "_exact",
        "_header",
        "_path",
        "_query",
        "_ranges",
        "accept",
        "body",
        "headers",
        "idempotent",
        "limits",
        "method",
        "paginate",
        "params",
        "path",
        "responses",
    )

    def __init__(
        self,
        method: str,
        path: str,
        params: tuple[Param, ...],
        responses: Mapping[str, Resp],
        *,
        body: Body | None = None,
        accept: str = "application/json",
        idempotent: bool | None = None,
        limits: tuple[str, ...] = (),
        headers: Mapping[str, tuple[tuple[str, str], ...]] | None = None,
        paginate: object = None,
    ) -> None:
        self.method = method.upper()
        self.path = path
        self.params = params
        self.responses = responses
        self.body = body
        self.accept = accept
        self.idempotent = idempotent
        self.limits = limits
        self.headers: Mapping[str, tuple[tuple[str, str], ...]] = headers or {}
        self.paginate = paginate
        by_wire = {p.wire: p for p in params if p.location == "path"}
        pieces: list[str | Param] = []
        for i, piece in enumerate(_TEMPLATE.split(path)):
            if i % 2 == 0:
                pieces.append(piece)
            elif piece in by_wire:
                pieces.append(by_wire.pop(piece))
            else:
                raise ValueError(f"{path}: no path parameter {piece!r}")
        if by_wire:
            raise ValueError(
                f"{path}: path parameter {next(iter(by_wire))!r} is not in it"
            )
        self._path = tuple(p for p in pieces if p != "")
        self._query = tuple(p for p in params if p.location == "query")
        self._header = tuple(p for p in params if p.location == "header")
        self._cookie = tuple(p for p in params if p.location == "cookie")
        self._exact: dict[int, Resp] = {}
        self._ranges: dict[int, Resp] = {}
        self._default = responses.get("default")
        for key, resp in responses.items():
            if key.isdigit():
                self._exact[int(key)] = resp
            elif len(key) == 3 and key[0].isdigit() and key[1:].upper() == "XX":
                self._ranges[int(key[0])] = resp

    def __repr__(self) -> str:
        return f"Endpoint({self.method!r}, {self.path!r})"

    @property
    def resends(self) -> bool:
        """Whether a request that may have reached the server may be sent again."""
        if self.idempotent is None:
            return self.method in IDEMPOTENT_METHODS
        return self.idempotent

    def match(self, status: int) -> tuple[Resp | None, bool]:
        """The documented response for ``status``, and whether its key was that status."""
        found = self._exact.get(status)
        if found is not None:
            return found, True
        found = self._ranges.get(status // 100) or self._default
        if found is not None:
            return found, False
        if 200 <= status < 300:
            # An undocumented 2xx: read it like the documented success response.
            for code, resp in self._exact.items():
                if 200 <= code < 300:
                    return resp, True
            return self._ranges.get(2), True
        return None, True

    def declared_headers(
        self, status: int, headers: httpx.Headers
    ) -> dict[str, HeaderValue]:
        """The headers the spec declares for this status, parsed to their types."""
        if not self.headers:
            return {}
        keys = (str(status), f"{status // 100}XX", "default")
        key = next((k for k in keys if k in self.responses), None)
        declared = self.headers.get(key, ()) if key is not None else ()
        return {name: _header_value(headers, name, kind) for name, kind in declared}


def _header_value(headers: httpx.Headers, name: str, kind: str) -> HeaderValue:
    raw: str | None = headers.get(name)
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


class Auth:
    """Where the API key goes: ``bearer`` (Authorization header), ``basic`` (the
    key is ``user:password``), ``header``, ``query`` or ``cookie`` (named ``name``)."""

    __slots__ = ("kind", "name")

    def __init__(
        self,
        kind: Literal["bearer", "basic", "header", "query", "cookie", "none"],
        name: str = "",
    ) -> None:
        self.kind = kind
        self.name = name

    def __repr__(self) -> str:
        return f"Auth({self.kind!r}, {self.name!r})"
