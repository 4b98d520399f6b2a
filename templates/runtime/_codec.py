# pyright: reportPrivateUsage=false
# (reads the ``_renamed``, ``_closed`` and ``_decoders`` tables generated models declare)
"""Decoding JSON into typed values and encoding values back to JSON.

A decoder is a callable ``decode(value, strict=False) -> T`` that checks the
JSON value it is given and raises ``DecodeFailure`` naming the place in the
document, so a body that is not what the spec says never turns into a
half-built model. A generated model lists the decoder of each field
(``_decoders``); ``ModelBase.from_dict(data, strict=False)`` runs them and
passes ``strict`` on; the client passes its own ``strict`` setting to the
response's decoder. No state is kept anywhere
else: the same decoder may run in any thread, task or mode at once.

``strict`` makes three things errors that are otherwise kept as received
(because live APIs drift from their specs): a value an enum (or ``const``) does
not list, a property a closed object (``additionalProperties: false``) does not
name, and a string whose ``format`` (date, date-time, uuid) does not parse.

Unions (``d_union``, and ``d_tagged`` when the tag is not in its mapping) pick
one branch by looking at the top two levels of the value: first the branches
that match it exactly (every const/enum value listed, every required property
there, formats parse); then, unless strict, the branches that match it
leniently. Within each group the branch leaving the fewest properties unnamed
wins, then the first in the spec's order. The chosen branch alone decodes the
whole value, and its failure is the union's: decoding never backtracks through
a deep value, so its time stays linear in the size of the body.
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
import io
import re
import sys
import uuid
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple, Protocol, TypeVar, cast

from ._types import UNSET

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = [
    "DecodeFailure",
    "Decoder",
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
    "to_jsonable",
]

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


class Decoder(Protocol[T_co]):
    """``decode(value, strict=False)``: the typed value, or ``DecodeFailure``."""

    def __call__(self, value: Any, strict: bool = ..., /) -> T_co: ...


_MISSING: Any = object()


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


def d_any(value: Any, strict: bool = False) -> Any:
    """Any JSON value, kept as it is."""
    return value


def d_none(value: Any, strict: bool = False) -> None:
    if value is not None:
        raise DecodeFailure("null", value)


def d_str(value: Any, strict: bool = False) -> str:
    if isinstance(value, str):
        return value
    raise DecodeFailure("string", value)


def d_int(value: Any, strict: bool = False) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise DecodeFailure("integer", value)


def d_float(value: Any, strict: bool = False) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    raise DecodeFailure("number", value)


def d_bool(value: Any, strict: bool = False) -> bool:
    if isinstance(value, bool):
        return value
    raise DecodeFailure("boolean", value)


def d_object(value: Any, strict: bool = False) -> dict[str, Any]:
    if isinstance(value, dict):
        return cast("dict[str, Any]", value)
    raise DecodeFailure("object", value)


# ``d_lit(...)`` is called inside every ``from_dict``: memoized (``typed``, so ``1``
# and ``True`` stay apart) since the decoder it builds is pure.
@functools.lru_cache(maxsize=None, typed=True)
def d_lit(*members: object) -> Decoder[Any]:
    """An enum or const: the JSON type of its members is checked; a value it does
    not list is kept, unless decoding is strict."""
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
    allowed = frozenset(_member(m) for m in members)
    listed = ", ".join(repr(m) for m in members)

    def decode(value: Any, strict: bool = False) -> Any:
        result = base(value)
        if strict and _member(result) not in allowed:
            raise DecodeFailure(f"one of {listed}", value)
        return result

    return decode


def _member(value: object) -> tuple[str, object]:
    """A value as an enum compares it: True is not 1, 1.0 is 1, arrays match nothing."""
    if isinstance(value, bool):
        return ("boolean", value)
    if isinstance(value, (int, float)):
        return ("number", value)
    if isinstance(value, (str, type(None))):
        return ("scalar", value)
    return ("other", id(value))


def _unparsed(text: str, expected: str, strict: bool) -> Any:
    """A string whose format does not parse: kept as is, unless decoding is strict."""
    if strict:
        raise DecodeFailure(expected, text)
    return text


_FRACTION = re.compile(r"(\.\d+)")
_FAST_ISO = sys.version_info >= (3, 11)


def d_datetime(value: Any, strict: bool = False) -> datetime.datetime:
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
        return cast(datetime.datetime, _unparsed(text, "date-time string", strict))


def d_date(value: Any, strict: bool = False) -> datetime.date:
    text = d_str(value)
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        return cast(datetime.date, _unparsed(text, "date string", strict))


def d_uuid(value: Any, strict: bool = False) -> uuid.UUID:
    text = d_str(value)
    try:
        return uuid.UUID(text)
    except ValueError:
        return cast(uuid.UUID, _unparsed(text, "uuid string", strict))


def as_object(value: Any) -> Mapping[str, Any]:
    """The JSON object a model is decoded from."""
    if isinstance(value, dict):
        return cast("dict[str, Any]", value)
    raise DecodeFailure("object", value)


def d_list(item: Decoder[T]) -> Decoder[list[T]]:
    def decode(value: Any, strict: bool = False) -> list[T]:
        if not isinstance(value, list):
            raise DecodeFailure("array", value)
        out: list[T] = []
        for index, element in enumerate(cast("list[object]", value)):
            try:
                out.append(item(element, strict))
            except DecodeFailure as exc:
                raise exc.at(index) from None
        return out

    return decode


def d_dict(item: Decoder[T]) -> Decoder[dict[str, T]]:
    def decode(value: Any, strict: bool = False) -> dict[str, T]:
        if not isinstance(value, dict):
            raise DecodeFailure("object", value)
        out: dict[str, T] = {}
        for key, element in cast("dict[str, Any]", value).items():
            try:
                out[key] = item(element, strict)
            except DecodeFailure as exc:
                raise exc.at(key) from None
        return out

    return decode


def d_nullable(item: Decoder[T]) -> Decoder[T | None]:
    def decode(value: Any, strict: bool = False) -> T | None:
        return None if value is None else item(value, strict)

    return decode


# ----------------------------------------------------------------- unions

_PROBE_LEVELS = 2
"""How many levels of a value a union looks at to choose its branch."""


class _Hollow(dict):  # type: ignore[type-arg]
    """An object below the levels a union looks at: every property counts as there."""

    __slots__ = ()


_HOLLOW = _Hollow()
_EMPTY: list[Any] = []


def _shallow(value: Any, levels: int) -> Any:
    """``value`` down to ``levels`` levels; objects below are hollow, arrays empty."""
    if type(value) is _Hollow:
        return value
    if isinstance(value, dict):
        if levels == 0:
            return _HOLLOW
        pairs = cast("dict[str, Any]", value).items()
        return {k: _shallow(v, levels - 1) for k, v in pairs}
    if isinstance(value, list):
        if levels == 0:
            return _EMPTY
        return [_shallow(v, levels - 1) for v in cast("list[object]", value)]
    return value


def _unknown(result: Any) -> int:
    """How many properties a decoded value left unnamed (0 for non-models)."""
    extras = getattr(result, "additional_properties", None)
    return len(cast("dict[str, Any]", extras)) if isinstance(extras, dict) else 0


def _best(
    options: tuple[Decoder[Any], ...], probe: Any, strict: bool, failures: list[str]
) -> int | None:
    """The index of the branch that matches ``probe`` best in this mode, if any."""
    best: tuple[int, int] | None = None
    for index, option in enumerate(options):
        try:
            unknown = _unknown(option(probe, strict))
        except DecodeFailure as exc:
            failures.append(str(exc))
            continue
        if unknown == 0:
            return index  # nothing better can come
        if best is None or unknown < best[0]:
            best = (unknown, index)
    return None if best is None else best[1]


def d_union(*options: Decoder[Any]) -> Decoder[Any]:
    """A ``oneOf``/``anyOf``: the branch that matches the value best (module docstring)."""

    def decode(value: Any, strict: bool = False) -> Any:
        probe = _shallow(value, _PROBE_LEVELS)
        failures: list[str] = []
        index = _best(options, probe, True, failures)
        if index is None and not strict:
            failures.clear()
            index = _best(options, probe, False, failures)
        if index is None:
            raise DecodeFailure("one of: " + "; ".join(failures), value)
        # The chosen branch checks what the look at the top levels could not; its
        # failure is the union's (no other branch is tried on the same value).
        return options[index](value, strict)

    return decode


def d_tagged(
    tag: str, variants: Mapping[str, Decoder[Any]], fallback: Decoder[Any]
) -> Decoder[Any]:
    """A ``oneOf``/``anyOf`` with a discriminator: a tag in the mapping picks the
    branch, whatever the others would make of the value; any other value goes to
    ``fallback`` (the union of all branches)."""

    def decode(value: Any, strict: bool = False) -> Any:
        if isinstance(value, dict):
            key = cast("dict[str, Any]", value).get(tag)
            if isinstance(key, str):
                chosen = variants.get(key)
                if chosen is not None:
                    return chosen(value, strict)
        return fallback(value, strict)

    return decode


# ----------------------------------------------------------------- models


def extra(
    data: Mapping[str, Any],
    known: frozenset[str],
    closed: bool = False,
    decode: Decoder[Any] | None = None,
    strict: bool = False,
) -> dict[str, Any]:
    """Properties the spec does not name (``known``: the wire names it does), kept so
    nothing the server sent is lost.

    ``closed`` (``additionalProperties: false``) makes them an error when strict;
    ``decode`` (``additionalProperties`` is a schema) decodes each value."""
    out = {k: v for k, v in data.items() if k not in known}
    if out and closed and strict:
        first = sorted(out)[0]
        # "at $.x: expected no such property (the object is closed), got string"
        raise DecodeFailure("no such property (the object is closed)", out[first]).at(
            first
        )
    if decode is not None:
        for key, value in out.items():
            try:
                out[key] = decode(value, strict)
            except DecodeFailure as exc:
                raise exc.at(key) from None
    return out


def is_file(value: object) -> bool:
    """Bytes, a binary file object, or a ``(filename, content[, content_type])`` tuple."""
    if isinstance(value, (bytes, bytearray, io.IOBase)):
        return True
    return (
        isinstance(value, tuple)
        and len(cast("tuple[object, ...]", value)) in (2, 3)
        and (value[0] is None or isinstance(value[0], str))
        and isinstance(value[1], (bytes, bytearray, io.IOBase))
    )


def to_jsonable(value: Any) -> Any:
    """Turn models, dates, UUIDs and containers into plain JSON values."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    to_dict: Callable[[], Any] | None = getattr(value, "to_dict", None)
    if to_dict is not None:
        return to_dict()
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, (datetime.date, uuid.UUID)):
        return str(value)
    if is_file(value):
        return value  # sent as a file part; JSON bodies cannot hold raw bytes
    if isinstance(value, Mapping):
        pairs = cast("Mapping[object, object]", value).items()
        return {str(k): to_jsonable(v) for k, v in pairs if v is not UNSET}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in cast("list[object]", value)]
    raise TypeError(f"cannot encode {type(value).__name__} as JSON")


class ModelBase:
    """Base of the generated models (dataclasses): their JSON decoding and encoding.

    A model's wire names are its field names, except those in ``_renamed``
    (field name -> wire name), where the spec's name is not a Python name. Its
    ``_decoders()`` gives each field's decoder (and, under ``additional_properties``,
    the decoder of each property the spec does not name, when the schema has one);
    ``_closed`` is ``additionalProperties: false``. A field without a default is required.
    """

    __slots__ = ()
    _renamed: ClassVar[dict[str, str]] = {}
    _closed: ClassVar[bool] = False
    additional_properties: dict[str, Any]

    @staticmethod
    def _decoders() -> dict[str, Decoder[Any]]:
        return {}

    @classmethod
    def from_dict(cls, data: Any, strict: bool = False) -> Self:
        """Decode a JSON object; raises ``DecodeFailure`` when it does not match the schema."""
        plan = _PLANS.get(cls) or _plan(cls)
        d = as_object(data)
        hollow = (
            type(d) is _Hollow
        )  # a union's look at the top levels: deeper is not checked
        values: dict[str, Any] = {}
        for name, key, decode, required in plan.fields:
            value = d.get(key, _MISSING)
            if value is _MISSING:
                if not required:
                    continue  # the field's default: UNSET
                if not hollow:
                    raise DecodeFailure(f"required property {key!r}")
                value = None
            else:
                try:
                    value = decode(value, strict)
                except DecodeFailure as exc:
                    raise exc.at(key) from None
            values[name] = value
        values["additional_properties"] = extra(
            d, plan.known, cls._closed, plan.extra, strict
        )
        return cast("Callable[..., Self]", cls)(**values)

    def to_dict(self) -> dict[str, Any]:
        """The JSON object for this model: its extra properties, then its set fields."""
        cls = type(self)
        plan = _PLANS.get(cls) or _plan(cls)
        out = {k: to_jsonable(v) for k, v in self.additional_properties.items()}
        for name, key, _, _ in plan.fields:
            value = getattr(self, name)
            if value is not UNSET:
                out[key] = to_jsonable(value)
        return out


class _Plan(NamedTuple):
    """How a model class decodes and encodes: (field name, wire name, decoder, required)
    per field, the wire names it knows, and the decoder of its unnamed properties."""

    fields: tuple[tuple[str, str, Decoder[Any], bool], ...]
    known: frozenset[str]
    extra: Decoder[Any] | None


# Per model class, made on first use, not at import: the decoders may name models
# that import this one.
_PLANS: dict[type, _Plan] = {}


def _plan(cls: type[ModelBase]) -> _Plan:
    decoders = cls._decoders()
    renamed = cls._renamed
    fields = tuple(
        (
            f.name,
            renamed.get(f.name, f.name),
            decoders[f.name],
            f.default is dataclasses.MISSING
            and f.default_factory is dataclasses.MISSING,
        )
        for f in dataclasses.fields(cast(Any, cls))
        if f.name != "additional_properties"
    )
    plan = _Plan(
        fields,
        frozenset(key for _, key, _, _ in fields),
        decoders.get("additional_properties"),
    )
    _PLANS[cls] = plan
    return plan
