"""Enum and default values that break their own schema: converted when nothing is lost, else dropped.

A default only reaches the docstrings, so a wrong one is never an error: it is
converted (``"false"`` on a boolean becomes ``False``) or dropped, with a warning
naming its pointer. Enum values shape the generated types and decoders, so a
value that cannot be converted is an error unless ``--lenient`` (then dropped,
with a warning).
"""

from __future__ import annotations

import math
from typing import Any

from generator.build.context import Context, Where
from generator.errors import pointer

DROPPED = object()
_INT64 = 2**63


def _fits(value: Any, kind: str) -> bool:
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "integer":
        return (isinstance(value, int) and not isinstance(value, bool)) or (isinstance(value, float) and value.is_integer())
    if kind == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == "string":
        return isinstance(value, str)
    if kind == "null":
        return value is None
    if kind == "array":
        return isinstance(value, list)
    if kind == "object":
        return isinstance(value, dict)
    return True


def convert(value: Any, kind: str) -> tuple[bool, Any]:
    """``value`` as a value of the JSON type ``kind`` when the conversion loses nothing."""
    if isinstance(value, str):
        text = value.strip()
        if kind == "boolean" and text in ("true", "false"):
            return True, text == "true"
        if kind in ("integer", "number"):
            try:
                number = int(text)
            except ValueError:
                try:
                    as_float = float(text)
                except ValueError:
                    return False, None
                if not math.isfinite(as_float) or kind == "integer" or repr(as_float) != text:
                    return False, None
                return True, as_float
            return (True, number) if str(number) == text else (False, None)
    if kind == "string" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return True, str(value)
    if kind == "string" and isinstance(value, bool):
        return True, "true" if value else "false"
    if kind == "integer" and isinstance(value, float) and value.is_integer() and abs(value) < _INT64:
        return True, int(value)
    return False, None


def _types(schema_types: Any) -> list[str]:
    if isinstance(schema_types, str):
        return [schema_types]
    if isinstance(schema_types, list):
        return [t for t in schema_types if isinstance(t, str)]
    return []


def _in_range(value: Any, schema: dict[str, Any]) -> bool:
    if isinstance(value, int) and not isinstance(value, bool) and schema.get("format") == "int64":
        return -_INT64 <= value < _INT64
    if isinstance(value, int) and not isinstance(value, bool) and schema.get("format") == "int32":
        return -(2**31) <= value < 2**31
    return True


def default_value(ctx: Context, value: Any, where: Where, schema: dict[str, Any]) -> Any:
    """The default to document, converted or ``DROPPED`` (with a warning) when it breaks its schema."""
    kinds = _types(schema.get("type"))
    if (not kinds or any(_fits(value, k) for k in kinds)) and _in_range(value, schema):
        return value
    for kind in kinds:
        ok, converted = convert(value, kind)
        if ok and _in_range(converted, schema):
            ctx.warnings.append(f"{ctx.name}{pointer(where)}: default {value!r} is not a {kind}; read as {converted!r}")
            return converted
    ctx.warnings.append(f"{ctx.name}{pointer(where)}: default {value!r} does not match its schema ({'/'.join(kinds) or 'type'}); dropped")
    return DROPPED


def enum_values(ctx: Context, values: list[Any], where: Where, type_list: list[Any]) -> list[Any] | None:
    """The enum's values, converted to the schema's type where nothing is lost and dropped (with a
    warning) where they cannot be; None when some value is an object or array (typed ``Any``).

    When no value fits the type, the values are what the server sends and the ``type`` is wrong:
    the generated type would depend on that, so it is an error unless ``--lenient`` (typed by the
    values, with a warning)."""
    kinds = [k for k in type_list if isinstance(k, str) and k != "null"]
    kept: list[Any] = []
    wrong: list[tuple[int, Any]] = []

    def at(index: int) -> str:
        return pointer(where if where[-1:] == ["const"] else [*where, index])

    for index, value in enumerate(values):
        if isinstance(value, (dict, list)):
            return None
        if not kinds or any(_fits(value, k) for k in kinds):
            kept.append(int(value) if "integer" in kinds and isinstance(value, float) and value.is_integer() and abs(value) < _INT64 else value)
            continue
        for kind in kinds:
            ok, converted = convert(value, kind)
            if ok:
                ctx.warnings.append(f"{ctx.name}{at(index)}: enum value {value!r} is not a {kind}; read as {converted!r}")
                kept.append(converted)
                break
        else:
            wrong.append((index, value))
    if wrong and kept:
        for index, value in wrong:
            ctx.warnings.append(f"{ctx.name}{at(index)}: enum value {value!r} is not a {'/'.join(kinds)}; dropped")
    elif wrong:
        ctx.lenient_or_fail(where, f"no enum value is a {'/'.join(kinds)} (--lenient would type the enum by its values)", "typed by its values")
        return [value for _, value in wrong]
    return kept
