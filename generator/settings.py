"""The run-time settings of the generated client in ``[tool.generator]``: retries, rate limits,
waiters and pagination, each table checked key by key (errors name the key)."""

from __future__ import annotations

import dataclasses
import keyword
import math
import re
from typing import Any

from generator.errors import SpecError

Scalar = str | int | float | bool


@dataclasses.dataclass(frozen=True)
class RetrySettings:
    """``[tool.generator.retries]``: the generated client's default retry policy."""

    max_retries: int = 2
    statuses: tuple[int, ...] = (408, 429, 502, 503, 504)
    backoff_initial: float = 0.5
    backoff_max: float = 8.0
    retry_after_cap: float = 60.0
    idempotent_operations: tuple[str, ...] = ()  # operationIds safe to repeat (beyond GET, PUT ...)
    non_idempotent_operations: tuple[str, ...] = ()  # operationIds never repeated, not even on 429/503


@dataclasses.dataclass(frozen=True)
class RateLimitSettings:
    """``[tool.generator.rate_limits.NAME]``: a client-side limit shared by some operations."""

    name: str
    operations: tuple[str, ...]
    per_key: int = 0
    per_process: int = 0
    window: float = 60.0


@dataclasses.dataclass(frozen=True)
class WaiterSettings:
    """``[tool.generator.waiters.NAME]``: a method that polls an operation until a field is final."""

    name: str  # the method's name
    operation: str  # operationId of the polled operation
    field: str  # wire name of the watched response field
    success: tuple[Scalar, ...]
    failure: tuple[Scalar, ...] = ()
    pending: tuple[Scalar, ...] = ()
    error_fields: tuple[str, ...] = ()  # response fields copied onto the failure error
    error_class: str = ""  # default: the method name in PascalCase + "Error"
    timeout: float = 600.0
    interval: float = 2.0


@dataclasses.dataclass(frozen=True)
class PaginationSettings:
    """``[tool.generator.pagination.OPERATION_ID]``: how one list operation pages (overrides detection)."""

    operation: str
    style: str  # cursor, offset, page, link, none
    cursor: str = ""  # cursor style: the parameter (or body field) that takes the cursor
    cursor_in: str = "query"  # query or body
    items: str = ""  # the response field holding the items ("" for a response that is the list)
    next: str = ""  # cursor style: the response field holding the next cursor
    offset: str = ""  # offset style: the parameter taking the offset
    page: str = ""  # page style: the parameter taking the page number
    limit: str = ""  # the page size parameter (offset style)


# Key -> kind, per table; the kinds are checked by _value.
_RETRY_KEYS = {"max_retries": "int", "statuses": "ints", "backoff_initial": "float", "backoff_max": "float",
               "retry_after_cap": "float", "idempotent_operations": "strings",
               "non_idempotent_operations": "strings"}
_RATE_LIMIT_KEYS = {"operations": "strings", "per_key": "int", "per_process": "int", "window": "float"}
_WAITER_KEYS = {"operation": "str", "field": "str", "success": "scalars", "failure": "scalars", "pending": "scalars",
                "error_fields": "strings", "error_class": "str", "timeout": "float", "interval": "float"}
_PAGINATION_KEYS = {"style": "str", "cursor": "str", "cursor_in": "str", "items": "str", "next": "str", "offset": "str", "page": "str", "limit": "str"}
_PAGINATION_STYLES = ("cursor", "offset", "page", "link", "none")
_KIND_TEXT = {"int": "an integer", "float": "a number", "str": "a string", "ints": "a list of integers",
              "strings": "a list of strings", "scalars": "a list of strings, numbers or booleans"}


def _value(value: Any, kind: str) -> bool:
    def number(v: Any) -> bool:
        return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)

    if kind == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "float":
        return number(value)
    if kind == "str":
        return isinstance(value, str)
    if not isinstance(value, list):
        return False
    if kind == "ints":
        return all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    if kind == "strings":
        return all(isinstance(v, str) for v in value)
    return all(isinstance(v, (str, bool)) or number(v) for v in value)


def _table(value: Any, where: str, keys: dict[str, str], file: str, required: tuple[str, ...] = ()) -> dict[str, Any]:
    """A sub-table checked against ``keys``: unknown keys and wrong types are errors naming the key."""
    if not isinstance(value, dict):
        raise SpecError(file, None, f"{where}: expected a table")
    for key, item in value.items():
        if key not in keys:
            raise SpecError(file, None, f"{where}.{key}: unknown key (known: {', '.join(sorted(keys))})")
        if not _value(item, keys[key]):
            raise SpecError(file, None, f"{where}.{key}: expected {_KIND_TEXT[keys[key]]}")
    for key in required:
        if key not in value:
            raise SpecError(file, None, f"{where}: {key!r} is required")
    return {k: tuple(v) if isinstance(v, list) else v for k, v in value.items()}


def parse_retries(value: Any, file: str) -> RetrySettings:
    where = "[tool.generator.retries]"
    found = _table(value, where, _RETRY_KEYS, file)
    settings = RetrySettings(**found)
    problems = []
    if not 0 <= settings.max_retries <= 100:
        problems.append("max_retries: expected 0 to 100")
    if not all(400 <= s <= 599 for s in settings.statuses):
        problems.append("statuses: expected HTTP error statuses (400 to 599)")
    if not 0 <= settings.backoff_initial <= settings.backoff_max:
        problems.append("backoff_initial, backoff_max: expected 0 <= backoff_initial <= backoff_max")
    if settings.retry_after_cap < 0:
        problems.append("retry_after_cap: expected a number of seconds >= 0")
    both = [op for op in settings.non_idempotent_operations if op in settings.idempotent_operations]
    if both:
        problems.append(f"non_idempotent_operations: {both[0]!r} is also in idempotent_operations")
    if problems:
        raise SpecError(file, None, f"{where}.{problems[0]}")
    return dataclasses.replace(settings, statuses=tuple(sorted(set(settings.statuses))))


def parse_rate_limits(value: Any, file: str) -> tuple[RateLimitSettings, ...]:
    if not isinstance(value, dict):
        raise SpecError(file, None, "[tool.generator.rate_limits]: expected a table of named limits")
    limits = []
    for name, sub in value.items():
        where = f"[tool.generator.rate_limits.{name}]"
        if not re.fullmatch(r"[A-Za-z0-9_.-]+", name):
            raise SpecError(file, None, f"{where}: a limit's name may hold letters, digits, '_', '.' and '-'")
        found = _table(sub, where, _RATE_LIMIT_KEYS, file, ("operations",))
        limit = RateLimitSettings(name=name, **found)
        if not limit.operations:
            raise SpecError(file, None, f"{where}.operations: name at least one operationId")
        if limit.per_key < 0 or limit.per_process < 0 or not (limit.per_key or limit.per_process):
            raise SpecError(file, None, f"{where}: per_key and per_process must be >= 0 and one of them > 0")
        if not limit.window > 0:
            raise SpecError(file, None, f"{where}.window: expected a number of seconds > 0")
        limits.append(limit)
    return tuple(limits)


def parse_pagination(value: Any, file: str) -> tuple[bool, tuple[PaginationSettings, ...]]:
    """``auto`` (detect the common shapes; default true) and the per-operation settings."""
    if not isinstance(value, dict):
        raise SpecError(file, None, "[tool.generator.pagination]: expected a table")
    auto = value.get("auto", True)
    if not isinstance(auto, bool):
        raise SpecError(file, None, "[tool.generator.pagination].auto: expected true or false")
    found = []
    for name, sub in value.items():
        if name == "auto":
            continue
        where = f"[tool.generator.pagination.{name}]"
        table = _table(sub, where, _PAGINATION_KEYS, file, ("style",))
        settings = PaginationSettings(operation=name, **table)
        if settings.style not in _PAGINATION_STYLES:
            raise SpecError(file, None, f"{where}.style: expected one of {', '.join(_PAGINATION_STYLES)}")
        if settings.cursor_in not in ("query", "body"):
            raise SpecError(file, None, f"{where}.cursor_in: expected \"query\" or \"body\"")
        needed = {"cursor": ("cursor", "next"), "offset": ("offset",), "page": ("page",)}.get(settings.style, ())
        for key in needed:
            if not getattr(settings, key):
                raise SpecError(file, None, f"{where}: style {settings.style!r} needs {key!r}")
        found.append(settings)
    return auto, tuple(found)


def parse_waiters(value: Any, file: str) -> tuple[WaiterSettings, ...]:
    if not isinstance(value, dict):
        raise SpecError(file, None, "[tool.generator.waiters]: expected a table of named waiters")
    waiters = []
    for name, sub in value.items():
        where = f"[tool.generator.waiters.{name}]"
        if not name.isidentifier() or not name.isascii() or keyword.iskeyword(name) or name.startswith("_"):
            raise SpecError(file, None, f"{where}: the name becomes a method: it must be a Python identifier not starting with '_'")
        found = _table(sub, where, _WAITER_KEYS, file, ("operation", "field", "success"))
        waiter = WaiterSettings(name=name, **found)
        if not waiter.success:
            raise SpecError(file, None, f"{where}.success: name at least one value")
        groups = {"success": waiter.success, "failure": waiter.failure, "pending": waiter.pending}
        for first, second in (("success", "failure"), ("success", "pending"), ("failure", "pending")):
            both = [v for v in groups[first] if v in groups[second]]
            if both:
                raise SpecError(file, None, f"{where}: {both[0]!r} is both in {first} and in {second}")
        if waiter.error_class and (not waiter.error_class.isidentifier() or not waiter.error_class.isascii()
                                   or not waiter.error_class[0].isupper()):
            raise SpecError(file, None, f"{where}.error_class: expected a class name (CapWords)")
        if waiter.timeout < 0 or not waiter.interval > 0:
            raise SpecError(file, None, f"{where}: timeout must be >= 0 and interval > 0 seconds")
        waiters.append(waiter)
    return tuple(waiters)
