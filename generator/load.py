"""Read an OpenAPI document from a file: JSON or YAML, safely, into plain dicts."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import yaml

from generator.errors import SpecError

MAX_BYTES = 64 * 1024 * 1024


def display(path: Path) -> str:
    """The path as the user would type it: relative to the working folder when inside it."""
    try:
        return os.path.relpath(path) if path.is_absolute() and Path.cwd() in path.parents else str(path)
    except ValueError:
        return str(path)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate key {key!r}")
        out[key] = value
    return out


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """Safe YAML with duplicate keys refused and timestamps kept as strings."""


def _construct_mapping(loader: _Loader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    out: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if not isinstance(key, (str, int, bool)) or key is None:
            raise yaml.constructor.ConstructorError(None, None, f"unsupported key {key!r}", key_node.start_mark)
        key = str(key).lower() if isinstance(key, bool) else str(key)
        if key in out:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
        out[key] = loader.construct_object(value_node, deep=deep)
    return out


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_str)


def parse(text: str, name: str, *, yaml_ok: bool = True) -> Any:
    """Parse JSON (when the text looks like JSON) or YAML."""
    stripped = text.lstrip("\ufeff \t\r\n")
    if stripped.startswith(("{", "[")) or not yaml_ok:
        try:
            return json.loads(stripped, object_pairs_hook=_unique_pairs, parse_constant=_reject_constant)
        except json.JSONDecodeError as exc:
            raise SpecError(name, None, f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None
        except (ValueError, RecursionError) as exc:
            raise SpecError(name, None, f"invalid JSON: {exc}") from None
    try:
        return yaml.load(stripped, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f" at line {mark.line + 1} column {mark.column + 1}" if mark else ""
        raise SpecError(name, None, f"invalid YAML{where}: {exc.problem or exc.context}") from None
    except (yaml.YAMLError, RecursionError, ValueError) as exc:
        raise SpecError(name, None, f"invalid YAML: {exc}") from None


def load_file(path: Path) -> tuple[dict[str, Any], bytes]:
    """The document as a dict, and its exact bytes (for the spec hash)."""
    name = display(path)
    try:
        if path.stat().st_size > MAX_BYTES:
            raise SpecError(name, None, f"file is larger than {MAX_BYTES // (1024 * 1024)} MiB")
        raw = path.read_bytes()
    except FileNotFoundError:
        raise SpecError(name, None, "no such file") from None
    except IsADirectoryError:
        raise SpecError(name, None, "is a folder, not a file") from None
    except OSError as exc:
        raise SpecError(name, None, f"cannot read: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SpecError(name, None, f"not UTF-8 text (byte {exc.start})") from None
    doc = parse(text, name)
    if not isinstance(doc, dict):
        raise SpecError(name, "#", "the document is not an object (mapping)")
    return doc, raw
