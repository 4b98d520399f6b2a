"""Decoding JSON into typed values and encoding values back to JSON.

Generated models call these from their ``from_dict``/``to_dict`` methods; every
decoder checks the JSON type it is given and raises ``DecodeFailure`` naming the
place in the document, so a body that is not what the spec says never turns into
a half-built model.
"""

from __future__ import annotations

import contextvars
import dataclasses
import datetime
import functools
import io
import re
import sys
import uuid
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, TypeVar, cast

from ._types import UNSET, Unset

__all__ = [
    "STRICT",
    "DecodeFailure",
    "ModelBase",
    "as_object",
    "d_any",
    "d_bool",
    "d_date",
    "d_datetime",
    "d_dict",
    "d_float",
    "d_int",
    "d_list",
    "d_lit",
    "d_none",
    "d_nullable",
    "d_object",
    "d_str",
    "d_tagged",
    "d_union",
    "d_uuid",
    "extra",
    "is_file",
    "opt",
    "req",
    "to_jsonable",
]

T = TypeVar("T")
Decoder = Callable[[Any], T]

_MISSING = object()

# Strict decoding (the client's ``strict=True``): unknown enum members, unknown
# fields of closed objects and values whose format does not parse become errors.
# By default they are kept as received, because live APIs drift from their specs.
STRICT: contextvars.ContextVar[bool] = contextvars.ContextVar("STRICT", default=False)


class DecodeFailure(ValueError):
    """A JSON value does not have the shape the spec documents."""

    def __init__(self, expected: str, value: object = _MISSING) -> None:
        super().__init__(expected)
        self.expected = expected
        self.value = value
        self.path: list[str | int] = []

    def at(self, key: str | int) -> DecodeFailure:
        self.path.insert(0, key)
        return self

    def __str__(self) -> str:
        where = "$" + "".join(
            f"[{k}]" if isinstance(k, int) else f".{k}" for k in self.path
        )
        if self.value is _MISSING:
            return f"at {where}: missing {self.expected}"
        return f"at {where}: expected {self.expected}, got {_json_type(self.value)}"


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def d_any(value: Any) -> Any:
    """Any JSON value, kept as it is."""
    return value


def d_none(value: Any) -> None:
    if value is not None:
        raise DecodeFailure("null", value)


def d_str(value: Any) -> str:
    if isinstance(value, str):
        return value
    raise DecodeFailure("string", value)


def d_int(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise DecodeFailure("integer", value)


def d_float(value: Any) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    raise DecodeFailure("number", value)


def d_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    raise DecodeFailure("boolean", value)


# Enum decoders check the JSON type only: a value the spec does not list is kept,
# so a server that adds an enum member never breaks an older client.
# ``d_lit(...)`` is called inside every ``from_dict``: memoized (``typed``, so ``1``
# and ``True`` stay apart) since the decoder it builds is pure.
@functools.lru_cache(maxsize=None, typed=True)
def d_lit(*members: object) -> Decoder[Any]:
    """An enum: the JSON type of its members is checked; unknown members are kept
    (they raise only when decoding is strict)."""
    base: Decoder[Any] = d_str
    kinds = {type(m) for m in members}
    if kinds == {bool}:
        base = d_bool
    elif kinds == {int}:
        base = d_int
    elif kinds <= {int, float} and kinds:
        base = d_float
    elif kinds != {str}:
        base = d_any
    allowed = frozenset(members)

    def decode(value: Any) -> Any:
        result = base(value)
        if result not in allowed and STRICT.get():
            listed = ", ".join(repr(m) for m in members)
            raise DecodeFailure(f"one of {listed}", value)
        return result

    return decode


def _unparsed(text: str, expected: str) -> Any:
    """A string whose format does not parse: kept as is, unless decoding is strict."""
    if STRICT.get():
        raise DecodeFailure(expected, text)
    return text


_FRACTION = re.compile(r"(\.\d+)")
_FAST_ISO = sys.version_info >= (3, 11)


def d_datetime(value: Any) -> datetime.datetime:
    text = d_str(value)
    if _FAST_ISO:
        # 3.11's fromisoformat reads "Z" and any number of fraction digits, giving
        # what the normalization below gives; anything else takes the slow path.
        try:
            return datetime.datetime.fromisoformat(text)
        except ValueError:
            pass
    iso = text.strip()
    if iso[-1:] in ("Z", "z"):
        iso = iso[:-1] + "+00:00"
    # Python 3.10's fromisoformat takes 3 or 6 fraction digits only.
    iso = _FRACTION.sub(lambda m: (m.group(1) + "000000")[:7], iso, count=1)
    try:
        return datetime.datetime.fromisoformat(iso)
    except ValueError:
        return cast(datetime.datetime, _unparsed(text, "date-time string"))


def d_date(value: Any) -> datetime.date:
    text = d_str(value)
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        return cast(datetime.date, _unparsed(text, "date string"))


def d_uuid(value: Any) -> uuid.UUID:
    text = d_str(value)
    try:
        return uuid.UUID(text)
    except ValueError:
        return cast(uuid.UUID, _unparsed(text, "uuid string"))


def d_object(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    raise DecodeFailure("object", value)


def as_object(value: Any) -> Mapping[str, Any]:
    """The JSON object a model is decoded from."""
    if isinstance(value, dict):
        return value
    raise DecodeFailure("object", value)


def d_list(item: Decoder[T]) -> Decoder[list[T]]:
    def decode(value: Any) -> list[T]:
        if not isinstance(value, list):
            raise DecodeFailure("array", value)
        out: list[T] = []
        for index, element in enumerate(value):
            try:
                out.append(item(element))
            except DecodeFailure as exc:
                raise exc.at(index) from None
        return out

    return decode


def d_dict(item: Decoder[T]) -> Decoder[dict[str, T]]:
    def decode(value: Any) -> dict[str, T]:
        if not isinstance(value, dict):
            raise DecodeFailure("object", value)
        out: dict[str, T] = {}
        for key, element in value.items():
            try:
                out[key] = item(element)
            except DecodeFailure as exc:
                raise exc.at(key) from None
        return out

    return decode


def d_nullable(item: Decoder[T]) -> Decoder[T | None]:
    def decode(value: Any) -> T | None:
        return None if value is None else item(value)

    return decode


def d_union(*options: Decoder[Any]) -> Decoder[Any]:
    """The first option that decodes the value, in the order the spec lists them."""

    def decode(value: Any) -> Any:
        failures: list[str] = []
        for option in options:
            try:
                return option(value)
            except DecodeFailure as exc:
                failures.append(str(exc))
        raise DecodeFailure("one of: " + "; ".join(failures), value)

    return decode


def d_tagged(
    tag: str, variants: Mapping[str, Decoder[Any]], fallback: Decoder[Any]
) -> Decoder[Any]:
    """A ``oneOf``/``anyOf`` with a discriminator: the tag picks the variant."""

    def decode(value: Any) -> Any:
        if isinstance(value, dict):
            chosen = variants.get(value.get(tag))  # type: ignore[arg-type]
            if chosen is not None:
                return chosen(value)
        return fallback(value)

    return decode


def opt(data: Mapping[str, Any], key: str, decode: Decoder[T]) -> T | Unset:
    """An optional property: ``UNSET`` when absent, else decoded."""
    if key not in data:
        return UNSET
    value = data[key]
    try:
        return decode(value)
    except DecodeFailure as exc:
        raise exc.at(key) from None


def req(data: Mapping[str, Any], key: str, decode: Decoder[T]) -> T:
    """A required property."""
    try:
        value = data[key]
    except KeyError:
        raise DecodeFailure(f"required property {key!r}") from None
    try:
        return decode(value)
    except DecodeFailure as exc:
        raise exc.at(key) from None


# One call per field for the commonest types: ``opt_str(d, "k")`` is
# ``opt(d, "k", d_str)`` without the two calls behind it (models spend most of
# their decoding time in those calls). Anything unusual takes the general path,
# so values, errors and strictness are exactly what ``opt`` gives.


def opt_str(data: Mapping[str, Any], key: str) -> str | Unset:
    value: str | Unset = data.get(key, UNSET)
    if value is UNSET or isinstance(value, str):
        return value
    return opt(data, key, d_str)


def opt_nstr(data: Mapping[str, Any], key: str) -> str | Unset | None:
    value: str | Unset | None = data.get(key, UNSET)
    if value is None or value is UNSET or isinstance(value, str):
        return value
    return opt(data, key, d_nullable(d_str))


def opt_float(data: Mapping[str, Any], key: str) -> float | Unset:
    value: float | Unset = data.get(key, UNSET)
    if value is UNSET or (
        isinstance(value, (int, float)) and not isinstance(value, bool)
    ):
        return value
    return opt(data, key, d_float)


def opt_nfloat(data: Mapping[str, Any], key: str) -> float | Unset | None:
    value: float | Unset | None = data.get(key, UNSET)
    if (
        value is None
        or value is UNSET
        or (isinstance(value, (int, float)) and not isinstance(value, bool))
    ):
        return value
    return opt(data, key, d_nullable(d_float))


def opt_int(data: Mapping[str, Any], key: str) -> int | Unset:
    value: int | Unset = data.get(key, UNSET)
    if value is UNSET or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    return opt(data, key, d_int)


def opt_nint(data: Mapping[str, Any], key: str) -> int | Unset | None:
    value: int | Unset | None = data.get(key, UNSET)
    if (
        value is None
        or value is UNSET
        or (isinstance(value, int) and not isinstance(value, bool))
    ):
        return value
    return opt(data, key, d_nullable(d_int))


def opt_bool(data: Mapping[str, Any], key: str) -> bool | Unset:
    value: bool | Unset = data.get(key, UNSET)
    if value is UNSET or isinstance(value, bool):
        return value
    return opt(data, key, d_bool)


def opt_nbool(data: Mapping[str, Any], key: str) -> bool | Unset | None:
    value: bool | Unset | None = data.get(key, UNSET)
    if value is None or value is UNSET or isinstance(value, bool):
        return value
    return opt(data, key, d_nullable(d_bool))


def opt_uuid(data: Mapping[str, Any], key: str) -> uuid.UUID | Unset:
    value = data.get(key)
    if isinstance(value, str):
        try:
            return uuid.UUID(value)
        except ValueError:
            pass
    return opt(data, key, d_uuid)


def opt_nuuid(data: Mapping[str, Any], key: str) -> uuid.UUID | Unset | None:
    if data.get(key) is None:
        return None if key in data else UNSET
    return opt_uuid(data, key)


def opt_datetime(data: Mapping[str, Any], key: str) -> datetime.datetime | Unset:
    value = data.get(key)
    if _FAST_ISO and isinstance(value, str):
        try:
            return datetime.datetime.fromisoformat(value)
        except ValueError:
            pass
    return opt(data, key, d_datetime)


def opt_ndatetime(
    data: Mapping[str, Any], key: str
) -> datetime.datetime | Unset | None:
    if data.get(key) is None:
        return None if key in data else UNSET
    return opt_datetime(data, key)


def extra(
    data: Mapping[str, Any],
    model: type[ModelBase],
    closed: bool = False,
    decode: Decoder[Any] | None = None,
) -> dict[str, Any]:
    """Properties the spec does not name, kept so nothing the server sent is lost.

    ``closed`` (``additionalProperties: false``) makes them an error when strict;
    ``decode`` (``additionalProperties`` is a schema) decodes each value."""
    known = _KNOWN.get(model)
    if known is None:
        known = _wire(model)[1]
    out = {k: v for k, v in data.items() if k not in known}
    if out and closed and STRICT.get():
        raise DecodeFailure("no property " + repr(sorted(out)[0])).at(sorted(out)[0])
    if decode is not None:
        for key, value in out.items():
            try:
                out[key] = decode(value)
            except DecodeFailure as exc:
                raise exc.at(key) from None
    return out


def is_file(value: object) -> bool:
    """Bytes, a binary file object, or a ``(filename, content[, content_type])`` tuple."""
    if isinstance(value, (bytes, bytearray, io.IOBase)):
        return True
    return (
        isinstance(value, tuple)
        and len(value) in (2, 3)
        and (value[0] is None or isinstance(value[0], str))
        and isinstance(value[1], (bytes, bytearray, io.IOBase))
    )


def to_jsonable(value: Any) -> Any:
    """Turn models, dates, UUIDs and containers into plain JSON values."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    to_dict = getattr(value, "to_dict", None)
    if to_dict is not None:
        return to_dict()
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, (datetime.date, uuid.UUID)):
        return str(value)
    if is_file(value):
        return value  # sent as a file part; JSON bodies cannot hold raw bytes
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items() if v is not UNSET}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    raise TypeError(f"cannot encode {type(value).__name__} as JSON")


class ModelBase:
    """Base of the generated models (dataclasses): their JSON encoding.

    A model's wire names are its field names, except those in ``_renamed``
    (field name -> wire name), where the spec's name is not a Python name.
    """

    __slots__ = ()
    _renamed: ClassVar[Mapping[str, str]] = {}
    additional_properties: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        """The JSON object for this model: its extra properties, then its set fields."""
        cls = type(self)
        pairs = _PAIRS.get(cls)
        if pairs is None:
            pairs = _wire(cls)[0]
        out = {k: to_jsonable(v) for k, v in self.additional_properties.items()}
        for name, key in pairs:
            value = getattr(self, name)
            if value is not UNSET:
                out[key] = to_jsonable(value)
        return out


# Per model class, computed on first use: (field name, wire name) in field order,
# and the set of wire names (what ``extra`` leaves out).
_PAIRS: dict[type, tuple[tuple[str, str], ...]] = {}
_KNOWN: dict[type, frozenset[str]] = {}


def _wire(cls: type[ModelBase]) -> tuple[tuple[tuple[str, str], ...], frozenset[str]]:
    renamed = cls._renamed
    pairs = tuple(
        (f.name, renamed.get(f.name, f.name))
        for f in dataclasses.fields(cast(Any, cls))
        if f.name != "additional_properties"
    )
    known = frozenset(key for _, key in pairs)
    _PAIRS[cls], _KNOWN[cls] = pairs, known
    return pairs, known
