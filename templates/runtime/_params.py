"""Parameters on the wire, as OpenAPI's ``style`` and ``explode`` describe them.

======== ============================================= ========= ===============
location styles                                        default   explode default
======== ============================================= ========= ===============
path     simple, label, matrix                         simple    false
query    form, spaceDelimited, pipeDelimited, deepObject form     true for form
header   simple                                        simple    false
cookie   form                                          form      true
======== ============================================= ========= ===============

Scalars, arrays and objects (a dict or a model) are laid out per RFC 6570 as
OpenAPI's style table shows (``3,4,5``, ``.3.4.5``, ``;id=3;id=4``,
``id=3&id=4``, ``id=3%204``, ``id=3|4``, ``id[role]=admin``, ``role=admin``);
booleans are ``true``/``false``, dates ISO 8601, an array or object inside an
array is JSON text. Path, query and cookie values are percent-encoded (so a
``,``, ``;``, ``/`` or ``&`` in a value is never taken for a separator); header
values are sent as they are and must be visible ASCII (else ``ValueError``).

An argument that is ``UNSET`` is not sent. ``None`` (a nullable parameter given
null) is sent in the "empty" form of OpenAPI's table: ``id=`` (query form,
cookie), ``;id`` (matrix), ``.`` (label; ``%2E`` when it is the whole path
segment, which would otherwise be a dot segment), an empty header value; it is not sent
for the query styles whose table entry is "n/a" (spaceDelimited, pipeDelimited,
deepObject), and refused (``ValueError``) for a simple path parameter, whose
empty segment would change the route. An empty array or object is "undefined"
in RFC 6570: not sent in the query, a header or a cookie, and like ``None`` in
the path. NaN and Infinity are refused everywhere (``ValueError``), before
anything is sent.
"""

from __future__ import annotations

import datetime
import json
import math
import uuid
from collections.abc import Mapping
from typing import Any, cast
from urllib.parse import quote

from ._codec import to_jsonable
from ._types import UNSET

__all__ = ["cookie_items", "header_value", "path_segment", "query_items", "text"]

# Every cookie-octet of RFC 6265 stays as it is, but for the separators of this
# module (",", "=" is kept) and "%", which starts an escape.
_COOKIE_SAFE = "!#$&'()*+-./:<=>?@[]^_`{|}~"
_DELIMITERS = {"spaceDelimited": "%20", "pipeDelimited": "|"}


def _q(text: str) -> str:
    return quote(text, safe="")


def plain(value: Any) -> Any:
    """A model as its dict, any mapping as a dict (without UNSET values), a tuple as a list."""
    to_dict = getattr(value, "to_dict", None)
    if to_dict is not None:
        value = to_dict()
    if isinstance(value, Mapping):
        pairs = cast("Mapping[object, object]", value).items()
        return {str(k): v for k, v in pairs if v is not UNSET}
    if isinstance(value, tuple):
        return list(cast("tuple[object, ...]", value))
    return value


def _shape(value: Any) -> tuple[list[Any] | None, dict[str, Any] | None]:
    """``value`` (made ``plain``) as a list or as a dict: one of the two, or neither."""
    if isinstance(value, list):
        return cast("list[object]", value), None
    if isinstance(value, dict):
        return None, cast("dict[str, Any]", value)
    return None, None


def text(value: Any) -> str:
    """One scalar as text; an array or object here (inside an array) as JSON."""
    if isinstance(value, str):
        return value
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return ""
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(
                f"cannot send {value!r} as a parameter: not a finite number"
            )
        return repr(value)
    if isinstance(value, datetime.date):  # datetime too
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return json.dumps(
        to_jsonable(value), separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def _pairs(value: dict[str, Any], explode: bool, encode: Any, sep: str = ",") -> str:
    if explode:
        return sep.join(f"{encode(k)}={encode(text(v))}" for k, v in value.items())
    return sep.join(f"{encode(k)}{sep}{encode(text(v))}" for k, v in value.items())


def path_segment(wire: str, style: str, explode: bool, value: Any) -> str:
    """The text that replaces ``{wire}`` in the path template."""
    segment = _path_text(wire, style, explode, plain(value))
    if not segment.strip("."):
        # "." and ".." are dot segments: the URL would be normalised to a
        # different path, so the dots go percent-encoded.
        segment = segment.replace(".", "%2E")
    return segment


def _path_text(wire: str, style: str, explode: bool, value: Any) -> str:
    listed, mapped = _shape(value)
    empty = value is None or listed == [] or mapped == {}
    if style == "label":
        if empty:
            return "."
        sep = "." if explode else ","
        if listed is not None:
            return "." + sep.join(_q(text(v)) for v in listed)
        if mapped is not None:
            return "." + _pairs(mapped, explode, _q, sep)
        return "." + _q(text(value))
    if style == "matrix":
        name = _q(wire)
        if empty:
            return ";" + name
        if listed is not None:
            if explode:
                return "".join(f";{name}={_q(text(v))}" for v in listed)
            return f";{name}=" + ",".join(_q(text(v)) for v in listed)
        if mapped is not None:
            if explode:
                return ";" + _pairs(mapped, True, _q, ";")
            return f";{name}=" + _pairs(mapped, False, _q)
        item = _q(text(value))
        return f";{name}={item}" if item else ";" + name
    if listed and not empty:
        segment = ",".join(_q(text(v)) for v in listed)
    elif mapped and not empty:
        segment = _pairs(mapped, explode, _q)
    else:
        segment = "" if empty else _q(text(value))
    if not segment:
        raise ValueError(f"path parameter {wire!r} must not be empty")
    return segment


def _deep(prefix: str, value: dict[str, Any], out: list[str]) -> None:
    for key, item in value.items():
        name = f"{prefix}[{_q(key)}]"
        listed, mapped = _shape(plain(item))
        if mapped is not None:
            _deep(name, mapped, out)
        elif listed is not None:
            out.extend(f"{name}={_q(text(v))}" for v in listed)
        else:
            out.append(f"{name}={_q(text(item))}")


def query_items(wire: str, style: str, explode: bool, value: Any) -> list[str]:
    """``name=value`` items of the query string, percent-encoded."""
    value = plain(value)
    listed, mapped = _shape(value)
    name = _q(wire)
    if value is None:
        return [f"{name}="] if style == "form" else []
    if listed is not None:
        if not listed:
            return []
        items = [_q(text(v)) for v in listed]
        if explode or style == "deepObject":
            return [f"{name}={item}" for item in items]
        return [f"{name}=" + _DELIMITERS.get(style, ",").join(items)]
    if mapped is not None:
        if not mapped:
            return []
        if style == "deepObject":
            out: list[str] = []
            _deep(name, mapped, out)
            return out
        if explode:
            return [f"{_q(k)}={_q(text(v))}" for k, v in mapped.items()]
        sep = _DELIMITERS.get(style, ",")
        return [
            f"{name}="
            + sep.join(f"{_q(k)}{sep}{_q(text(v))}" for k, v in mapped.items())
        ]
    return [f"{name}={_q(text(value))}"]


def header_value(wire: str, explode: bool, value: Any) -> str | None:
    """The value of a header parameter (``None``: not sent)."""
    value = plain(value)
    listed, mapped = _shape(value)
    if listed is not None:
        result = ",".join(text(v) for v in listed) if listed else None
    elif mapped is not None:
        result = _pairs(mapped, explode, str) if mapped else None
    else:
        result = text(value)
    if result is not None and not all(" " <= c <= "~" or c == "\t" for c in result):
        raise ValueError(
            f"header parameter {wire!r}: a value must be visible ASCII"
            " (no line breaks or other control characters)"
        )
    return result


def _c(text: str) -> str:
    return quote(text, safe=_COOKIE_SAFE)


def cookie_items(wire: str, explode: bool, value: Any) -> list[str]:
    """``name=value`` pairs of the ``Cookie`` header."""
    value = plain(value)
    listed, mapped = _shape(value)
    if value is None:
        return [f"{wire}="]
    if listed is not None:
        if not listed:
            return []
        if explode:
            return [f"{wire}={_c(text(v))}" for v in listed]
        return [f"{wire}=" + ",".join(_c(text(v)) for v in listed)]
    if mapped is not None:
        if not mapped:
            return []
        if explode:
            return [f"{_c(k)}={_c(text(v))}" for k, v in mapped.items()]
        return [
            f"{wire}=" + ",".join(f"{_c(k)},{_c(text(v))}" for k, v in mapped.items())
        ]
    return [f"{wire}={_c(text(value))}"]
