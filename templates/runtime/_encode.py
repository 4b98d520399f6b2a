"""Request bodies: JSON, ``application/x-www-form-urlencoded``, ``multipart/form-data``.

JSON bodies refuse NaN and Infinity (JSON has no spelling for them): the call
raises ``ValueError`` naming where the value is, before anything is sent.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from typing import IO, Any, cast
from urllib.parse import urlencode

from ._codec import is_file, to_jsonable
from ._params import text
from ._types import UNSET

__all__ = ["FilePart", "form_body", "json_body", "multipart_parts", "ndjson_body"]


def _non_finite(value: Any, where: str = "$") -> str | None:
    """Where the first NaN or Infinity in a JSON value is, if any."""
    if isinstance(value, float) and not math.isfinite(value):
        return where
    if isinstance(value, dict):
        for key, item in cast("dict[str, Any]", value).items():
            found = _non_finite(item, f"{where}.{key}")
            if found:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(cast("list[object]", value)):
            found = _non_finite(item, f"{where}[{index}]")
            if found:
                return found
    return None


def _json_text(value: Any, where: str) -> str:
    data = to_jsonable(value)
    try:
        return json.dumps(
            data, separators=(",", ":"), ensure_ascii=False, allow_nan=False
        )
    except ValueError:
        found = _non_finite(data, where) or where
        raise ValueError(
            f"the request body holds NaN or Infinity at {found}, which JSON cannot"
            " carry; nothing was sent"
        ) from None


def json_body(value: Any) -> bytes:
    """The JSON text of a request body, UTF-8."""
    return _json_text(value, "$").encode()


def ndjson_body(values: Any) -> bytes:
    """An NDJSON request body: each value of ``values`` (a list, tuple or other
    iterable, but not text or a mapping) as one line of JSON, UTF-8."""
    kind = type(values).__name__
    if isinstance(values, (str, bytes, bytearray, Mapping)) or not hasattr(
        values, "__iter__"
    ):
        raise TypeError(
            f"an NDJSON body is a list of values (one per line), not {kind}"
        )
    items = cast("Iterable[object]", values)
    lines = [_json_text(v, f"$[{i}]") + "\n" for i, v in enumerate(items)]
    return "".join(lines).encode()


def _fields(body: Any) -> dict[str, Any]:
    if hasattr(body, "to_dict"):
        data: Any = body.to_dict()
    elif isinstance(body, Mapping):
        data = dict(cast("Mapping[object, object]", body))
    else:
        raise TypeError(
            f"a form body must be a model or a mapping, not {type(body).__name__}"
        )
    return {str(k): v for k, v in data.items() if v is not UNSET and v is not None}


def form_body(body: Any) -> bytes:
    """``application/x-www-form-urlencoded`` fields in order: arrays repeat, objects are JSON."""
    pairs: list[tuple[str, str]] = []
    for name, value in _fields(body).items():
        if isinstance(value, list):
            pairs.extend((name, text(v)) for v in cast("list[object]", value))
        else:
            pairs.append((name, text(value)))
    return urlencode(pairs).encode("ascii")


FilePart = (
    tuple[str | None, bytes | IO[bytes] | str]
    | tuple[str | None, bytes | IO[bytes] | str, str]
)


def multipart_parts(body: Any) -> list[tuple[str, FilePart]]:
    """``multipart/form-data`` parts: files as files, everything else as text fields."""
    parts: list[tuple[str, FilePart]] = []
    for name, value in _fields(body).items():
        items: list[Any] = [value]
        if isinstance(value, list):
            listed = cast("list[object]", value)
            if any(is_file(v) for v in listed):
                items = listed
        for item in items:
            if not is_file(item):
                parts.append((name, (None, text(item))))
            elif isinstance(item, tuple):
                parts.append((name, cast("FilePart", item)))
            else:
                parts.append((name, (name, item)))
    return parts
