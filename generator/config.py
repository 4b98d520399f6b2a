"""The one configuration object, read from ``[tool.generator]`` in ``pyproject.toml``."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import keyword
import math
import re
import sys
from pathlib import Path
from typing import Any

import tomllib

from generator.errors import SpecError

DEFAULTS: dict[str, Any] = {
    "spec": "",
    "source_url": "",
    "output": "generated",
    "package": "",
    "lock": "",
    "api_key_env": "",
    "templates": "",
    "lenient": False,
    "include_tags": [],
    "exclude_tags": [],
    "include_operations": [],
    "exclude_operations": [],
    # Run-time behaviour of the generated client (see RetrySettings and below).
    "retries": {},
    "rate_limits": {},
    "waiters": {},
    "pagination": {},
}

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
               "retry_after_cap": "float", "idempotent_operations": "strings"}
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


def _retries(value: Any, file: str) -> RetrySettings:
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
    if problems:
        raise SpecError(file, None, f"{where}.{problems[0]}")
    return dataclasses.replace(settings, statuses=tuple(sorted(set(settings.statuses))))


def _rate_limits(value: Any, file: str) -> tuple[RateLimitSettings, ...]:
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


def _pagination(value: Any, file: str) -> tuple[bool, tuple[PaginationSettings, ...]]:
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


def _waiters(value: Any, file: str) -> tuple[WaiterSettings, ...]:
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


@dataclasses.dataclass(frozen=True)
class Config:
    """Everything a run needs to know, passed in explicitly (never global).

    ``mode`` is ``project`` (read from ``[tool.generator]``; the lock is where the
    config says, beside the spec by default) or ``adhoc`` (``--spec`` and
    ``--output`` on the command line; the lock lives inside the output folder, and
    nothing is written outside it). ``package`` is "" until the spec is read when
    it is to be derived from the spec's title.
    """

    root: Path
    spec: Path
    output: Path
    package: str
    source: str = "command line"  # where the settings came from, for messages
    mode: str = "project"
    lock: Path | None = None
    source_url: str = ""
    api_key_env: str = ""
    templates: Path | None = None
    lenient: bool = False
    include_tags: tuple[str, ...] = ()
    exclude_tags: tuple[str, ...] = ()
    include_operations: tuple[str, ...] = ()
    exclude_operations: tuple[str, ...] = ()
    retries: RetrySettings = RetrySettings()
    rate_limits: tuple[RateLimitSettings, ...] = ()
    waiters: tuple[WaiterSettings, ...] = ()
    paginate_auto: bool = True
    pagination: tuple[PaginationSettings, ...] = ()

    @property
    def package_dir(self) -> Path:
        return self.output / self.package

    @property
    def lock_path(self) -> Path:
        return self.lock if self.lock is not None else self.output / LOCK_NAME

    def key_env(self) -> str:
        """The environment variable the client reads its API key from."""
        if self.api_key_env:
            return self.api_key_env
        stem = self.package.removesuffix("_client").removesuffix("_sdk") or self.package
        return f"{stem.upper()}_API_KEY"

    def fingerprint(self) -> str:
        """A hash of the settings that shape the output (not paths on this machine)."""
        shaped = {
            "package": self.package,
            "api_key_env": self.key_env(),
            "include_tags": self.include_tags,
            "exclude_tags": self.exclude_tags,
            "include_operations": self.include_operations,
            "exclude_operations": self.exclude_operations,
            "lenient": self.lenient,
            "runtime": repr((self.retries, self.rate_limits, self.waiters, self.paginate_auto, self.pagination)),
        }
        return hashlib.sha256(json.dumps(shaped, sort_keys=True).encode()).hexdigest()


LOCK_NAME = "openapi-typed-gen.lock.json"
# Top-level names a generated package may not take: it would shadow them for the app that vendors it.
_RUNTIME_DEPENDENCIES = frozenset({"httpx", "httpcore", "h11", "h2", "anyio", "sniffio", "idna", "certifi", "typing_extensions", "generator"})


def check_package(package: str, source: str) -> str:
    """``package`` when it is a usable, non-shadowing package name; a clear error otherwise."""
    if not package.isidentifier() or not package.isascii() or keyword.iskeyword(package) or package.startswith("_"):
        raise SpecError(source, None, f"package {package!r} is not a valid Python package name (letters, digits and '_')")
    if package in sys.stdlib_module_names or package in _RUNTIME_DEPENDENCIES:
        raise SpecError(source, None, f"package {package!r} would shadow the module of that name ({'standard library' if package in sys.stdlib_module_names else 'a dependency of the generated client'}): choose another name")
    return package


def package_from_title(title: str) -> str:
    """``Pet Store`` -> ``pet_store_client``: the ad-hoc package name when none is given."""
    from generator import naming

    base = "".join(c for c in naming.snake(title, "api") if c.isascii() and (c.isalnum() or c == "_")).strip("_") or "api"
    if base[0].isdigit():
        base = "api_" + base
    name = base if base.endswith("_client") else base + "_client"
    return name[:60].rstrip("_")


def _check(table: dict[str, Any], file: str) -> None:
    for key, value in table.items():
        where = f"[tool.generator].{key}"
        if key not in DEFAULTS:
            raise SpecError(file, None, f"{where}: unknown key (known: {', '.join(sorted(DEFAULTS))})")
        expected = type(DEFAULTS[key])
        if expected is list:
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise SpecError(file, None, f"{where}: expected a list of strings")
        elif not isinstance(value, expected) or (expected is str and isinstance(value, bool)):
            raise SpecError(file, None, f"{where}: expected a {expected.__name__}")


def read_table(pyproject: Path) -> dict[str, Any] | None:
    """``[tool.generator]`` of a pyproject.toml (None when the file has no such table)."""
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SpecError(str(pyproject), None, "no such file") from None
    except IsADirectoryError:
        raise SpecError(str(pyproject), None, "is a folder, not a file") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SpecError(str(pyproject), None, f"invalid TOML: {exc}") from None
    except OSError as exc:
        raise SpecError(str(pyproject), None, f"cannot read: {exc.strerror}") from None
    tool = data.get("tool")
    table = tool.get("generator") if isinstance(tool, dict) else None
    if table is None:
        return None
    if not isinstance(table, dict):
        raise SpecError(str(pyproject), None, "[tool.generator] must be a table")
    _check(table, str(pyproject))
    return table


def project_config(pyproject: Path, table: dict[str, Any], overrides: dict[str, Any] | None = None) -> Config:
    """Project mode: the settings of ``[tool.generator]`` (paths relative to the file's folder),
    with command-line ``overrides`` (paths relative to the working folder)."""
    source = str(pyproject)
    root = pyproject.resolve().parent
    merged = {**DEFAULTS, **table}
    if not merged["spec"]:
        raise SpecError(source, None, "[tool.generator].spec is not set: name the OpenAPI document (e.g. spec = \"specs/api.json\")")

    def path(value: str, base: Path = root) -> Path:
        p = Path(value)
        return p if p.is_absolute() else base / p

    overrides = {k: v for k, v in (overrides or {}).items() if v is not None}
    cwd = Path.cwd()
    package = overrides.get("package", merged["package"])
    return Config(
        root=root,
        spec=path(overrides["spec"], cwd) if "spec" in overrides else path(merged["spec"]),
        output=path(overrides["output"], cwd) if "output" in overrides else path(merged["output"]),
        package=check_package(package, "--package" if "package" in overrides else source) if package else "",
        source=source,
        mode="project",
        lock=path(merged["lock"]) if merged["lock"] else None if "spec" in overrides else path(merged["spec"]).with_suffix(".lock.json"),
        source_url=merged["source_url"],
        api_key_env=merged["api_key_env"],
        templates=path(overrides["templates"], cwd) if "templates" in overrides else path(merged["templates"]) if merged["templates"] else None,
        lenient=bool(overrides.get("lenient", merged["lenient"])),
        include_tags=tuple(merged["include_tags"]),
        exclude_tags=tuple(merged["exclude_tags"]),
        include_operations=tuple(merged["include_operations"]),
        exclude_operations=tuple(merged["exclude_operations"]),
        retries=_retries(merged["retries"], source),
        rate_limits=_rate_limits(merged["rate_limits"], source),
        waiters=_waiters(merged["waiters"], source),
        paginate_auto=_pagination(merged["pagination"], source)[0],
        pagination=_pagination(merged["pagination"], source)[1],
    )


def adhoc_config(spec: str, output: str | None, package: str | None, templates: str | None = None, lenient: bool = False) -> Config:
    """Ad-hoc mode: ``--spec X --output Y``; every setting at its default, the lock inside Y."""
    if not output:
        raise SpecError("--output", None, "an ad-hoc run (--spec without a [tool.generator] config) needs --output DIR: the folder that receives the package")
    cwd = Path.cwd()
    return Config(
        root=cwd,
        spec=cwd / spec,
        output=cwd / output,
        package=check_package(package, "--package") if package else "",
        source="command line",
        mode="adhoc",
        templates=cwd / templates if templates else None,
        lenient=lenient,
    )
