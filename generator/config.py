"""The one configuration object, read from ``[tool.generator]`` in ``pyproject.toml``."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import keyword
import sys
from pathlib import Path
from typing import Any

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

from generator.settings import (  # noqa: E402  (re-exported: the settings tables are part of Config)
    PaginationSettings,
    RateLimitSettings,
    RetrySettings,
    WaiterSettings,
    parse_pagination,
    parse_rate_limits,
    parse_retries,
    parse_waiters,
)


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
    retries: RetrySettings = dataclasses.field(default_factory=RetrySettings)
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
    import tomllib

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
        retries=parse_retries(merged["retries"], source),
        rate_limits=parse_rate_limits(merged["rate_limits"], source),
        waiters=parse_waiters(merged["waiters"], source),
        paginate_auto=parse_pagination(merged["pagination"], source)[0],
        pagination=parse_pagination(merged["pagination"], source)[1],
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
