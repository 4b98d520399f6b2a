"""Encoding parameters and request bodies the way OpenAPI ``style``/``explode`` describe."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import IO, Any
from urllib.parse import urlencode

from ._codec import is_file, to_jsonable
from ._types import UNSET

__all__ = [
    "form_body",
    "form_fields",
    "is_file",
    "multipart_parts",
    "param_text",
    "query_pairs",
]

# (style, explode) for a query parameter; "form" with explode is the default.
Style = tuple[str, bool]
Pair = tuple[str, str | int | float | bool | None]


def param_text(value: Any) -> str:
    """One parameter value as text: booleans lowercase, objects and arrays as JSON."""
    value = to_jsonable(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return str(value)


def query_pairs(
    query: Mapping[str, Any], styles: Mapping[str, Style] | None = None
) -> list[Pair]:
    """Query parameters as (name, text) pairs; unset and None values are left out."""
    pairs: list[Pair] = []
    for name, raw in query.items():
        if raw is UNSET or raw is None:
            continue
        style, explode = (styles or {}).get(name, ("form", True))
        value = to_jsonable(raw)
        if isinstance(value, list):
            texts = [param_text(v) for v in value]
            if explode:
                pairs.extend((name, t) for t in texts)
            else:
                sep = {"spaceDelimited": " ", "pipeDelimited": "|"}.get(style, ",")
                pairs.append((name, sep.join(texts)))
        elif isinstance(value, dict):
            if style == "deepObject":
                pairs.extend((f"{name}[{k}]", param_text(v)) for k, v in value.items())
            elif explode:
                pairs.extend((k, param_text(v)) for k, v in value.items())
            else:
                flat = [x for k, v in value.items() for x in (k, param_text(v))]
                pairs.append((name, ",".join(flat)))
        else:
            pairs.append((name, param_text(value)))
    return pairs


def _fields(body: Any) -> dict[str, Any]:
    if hasattr(body, "to_dict"):
        data: Any = body.to_dict()
    elif isinstance(body, Mapping):
        data = dict(body)
    else:
        raise TypeError(
            f"a form body must be a model or a mapping, not {type(body).__name__}"
        )
    return {str(k): v for k, v in data.items() if v is not UNSET and v is not None}


def form_fields(body: Any) -> list[tuple[str, str]]:
    """``application/x-www-form-urlencoded`` fields: arrays repeat, objects are JSON."""
    out: list[tuple[str, str]] = []
    for name, value in _fields(body).items():
        if isinstance(value, list):
            out.extend((name, param_text(v)) for v in value)
        else:
            out.append((name, param_text(value)))
    return out


def form_body(body: Any) -> bytes:
    """The encoded ``application/x-www-form-urlencoded`` body, fields in order.

    (httpx's ``data=`` takes a mapping only; repeated fields need the pairs.)"""
    return urlencode(form_fields(body)).encode("ascii")


FilePart = (
    tuple[str | None, bytes | IO[bytes] | str]
    | tuple[str | None, bytes | IO[bytes] | str, str]
)


def multipart_parts(body: Any) -> list[tuple[str, FilePart]]:
    """``multipart/form-data`` parts: files as files, everything else as text fields."""
    parts: list[tuple[str, FilePart]] = []
    for name, value in _fields(body).items():
        items = (
            value
            if isinstance(value, list) and any(is_file(v) for v in value)
            else [value]
        )
        for item in items:
            if isinstance(item, tuple) and is_file(item):
                parts.append((name, item))
            elif is_file(item):
                parts.append((name, (name, item)))
            else:
                parts.append((name, (None, param_text(item))))
    return parts
