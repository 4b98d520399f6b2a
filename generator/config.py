"""The one configuration object, read from ``[tool.generator]`` in ``pyproject.toml``."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import keyword
from pathlib import Path
from typing import Any

import tomllib

from generator.errors import SpecError

DEFAULTS: dict[str, Any] = {
    "spec": "specs/api_v2.json",
    "source_url": "",
    "output": "generated",
    "package": "client",
    "api_key_env": "",
    "templates": "",
    "lenient": False,
    "include_tags": [],
    "exclude_tags": [],
    "include_operations": [],
    "exclude_operations": [],
}


@dataclasses.dataclass(frozen=True)
class Config:
    """Everything a run needs to know, passed in explicitly (never global)."""

    root: Path
    spec: Path
    output: Path
    package: str
    source_url: str = ""
    api_key_env: str = ""
    templates: Path | None = None
    lenient: bool = False
    include_tags: tuple[str, ...] = ()
    exclude_tags: tuple[str, ...] = ()
    include_operations: tuple[str, ...] = ()
    exclude_operations: tuple[str, ...] = ()

    @property
    def package_dir(self) -> Path:
        return self.output / self.package

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
        }
        return hashlib.sha256(json.dumps(shaped, sort_keys=True).encode()).hexdigest()


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


def load_config(pyproject: Path | None, overrides: dict[str, Any] | None = None) -> Config:
    """Read ``[tool.generator]`` (when the file exists) and apply command-line overrides."""
    table: dict[str, Any] = {}
    root = Path.cwd()
    if pyproject is not None and pyproject.is_file():
        root = pyproject.resolve().parent
        try:
            data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise SpecError(str(pyproject), None, f"invalid TOML: {exc}") from None
        table = data.get("tool", {}).get("generator", {})
        _check(table, str(pyproject))
    merged = {**DEFAULTS, **table, **{k: v for k, v in (overrides or {}).items() if v is not None}}
    package = merged["package"]
    if not isinstance(package, str) or not package.isidentifier() or not package.isascii() or keyword.iskeyword(package):
        source = "--package" if (overrides or {}).get("package") is not None else str(pyproject or "config")
        raise SpecError(source, None, f"package {package!r} is not a valid Python package name")

    def path(value: str) -> Path:
        p = Path(value)
        return p if p.is_absolute() else root / p

    return Config(
        root=root,
        spec=path(merged["spec"]),
        output=path(merged["output"]),
        package=package,
        source_url=merged["source_url"],
        api_key_env=merged["api_key_env"],
        templates=path(merged["templates"]) if merged["templates"] else None,
        lenient=bool(merged["lenient"]),
        include_tags=tuple(merged["include_tags"]),
        exclude_tags=tuple(merged["exclude_tags"]),
        include_operations=tuple(merged["include_operations"]),
        exclude_operations=tuple(merged["exclude_operations"]),
    )
