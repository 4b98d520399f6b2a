"""Read an OpenAPI document from a file: JSON or YAML, safely, into plain dicts.

* ``read_spec``: the exact bytes, every read bounded before it happens (``readfile``);
* ``parse_spec`` / ``parse_spec_with_warnings``: UTF-8 JSON, or YAML read by YAML 1.2's
  core schema (``yaml12``), with the values a YAML 1.1 reader sees differently as warnings;
  duplicate keys are refused naming the JSON pointer of their mapping;
* ``check_values``: only JSON values, within the limits below.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from generator import yaml12
from generator.errors import SpecError, pointer
from generator.paths import display
from generator.readfile import SPEC_LIMIT, read_bounded
from generator.safe_text import printable

MAX_BYTES = SPEC_LIMIT
# Limits enforced before the document is built (YAML: on the event stream, so a deep or
# self-multiplying document never reaches the recursive composer or the validator).
MAX_DEPTH = 128
MAX_NODES = 2_000_000  # nodes after expanding YAML aliases
MAX_EXPANDED_CHARS = 2 * MAX_BYTES  # scalar text after expanding YAML aliases
MAX_INT = 2**64  # integers beyond +/- this are rejected (int64/uint64 bounds fit)


def _at(parts: Any) -> str:
    """A JSON pointer to show: keys come from the spec, so controls in them are escaped."""
    return printable(pointer(parts))


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _json_int(text: str) -> int:
    if len(text.lstrip("-")) > 20 or abs(int(text)) > MAX_INT:
        raise ValueError(f"integer {text[:24]}{'...' if len(text) > 24 else ''} is too large (limit: 2**64)")
    return int(text)


def _json_float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError(f"number {text[:24]} is too large to be a finite float")
    return value


class _Duplicated(dict[str, Any]):
    """A JSON object that repeated a key: found after parsing, to name its pointer."""

    duplicate = ""


def _unique_pairs(pairs: list[tuple[str, Any]], found: list[bool]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) == len(pairs):
        return out
    found.append(True)
    marked = _Duplicated(out)
    seen: set[str] = set()
    marked.duplicate = next(key for key, _ in pairs if key in seen or seen.add(key))  # type: ignore[func-returns-value]
    return marked


def _first_duplicate(doc: Any) -> tuple[str, str] | None:
    """(pointer, key) of the first object, in document order, that repeated a key."""
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(doc, ())]
    while stack:
        node, path = stack.pop()
        if isinstance(node, _Duplicated):
            return _at(path), node.duplicate
        if isinstance(node, dict):
            stack.extend((value, (*path, key)) for key, value in reversed(node.items()))
        elif isinstance(node, list):
            stack.extend((value, (*path, index)) for index, value in reversed(list(enumerate(node))))
    return None


def _parse_json(text: str, name: str) -> Any:
    found: list[bool] = []  # set when an object repeats a key: then its pointer is looked for
    try:
        doc = json.loads(text, object_pairs_hook=lambda pairs: _unique_pairs(pairs, found), parse_constant=_reject_constant, parse_int=_json_int, parse_float=_json_float)
    except json.JSONDecodeError as exc:
        raise SpecError(name, None, f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    except RecursionError:
        raise SpecError(name, None, f"invalid JSON: the document nests more than {MAX_DEPTH} levels") from None
    except ValueError as exc:
        raise SpecError(name, None, f"invalid JSON: {printable(str(exc))}") from None
    duplicate = _first_duplicate(doc) if found else None
    if duplicate is not None:
        raise SpecError(name, duplicate[0], f"duplicate key {duplicate[1]!r}")
    return doc


def parse_with_warnings(text: str, name: str, *, yaml_ok: bool = True) -> tuple[Any, list[str]]:
    """JSON (when the text looks like JSON) or YAML 1.2, checked; and the warnings about it."""
    stripped = text.lstrip("\ufeff \t\r\n")
    if stripped.startswith(("{", "[")) or not yaml_ok:
        doc = _parse_json(stripped, name)
        check_values(doc, name)
        return doc, []
    try:
        doc, warnings = yaml12.load(stripped, name, max_depth=MAX_DEPTH, max_nodes=MAX_NODES, max_chars=MAX_EXPANDED_CHARS)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f" at line {mark.line + 1} column {mark.column + 1}" if mark else ""
        raise SpecError(name, None, f"invalid YAML{where}: {printable(str(exc.problem or exc.context))}") from None
    except (yaml.YAMLError, RecursionError, ValueError) as exc:
        raise SpecError(name, None, f"invalid YAML: {printable(str(exc))}") from None
    check_values(doc, name)
    return doc, warnings


def parse(text: str, name: str, *, yaml_ok: bool = True) -> Any:
    """Parse JSON (when the text looks like JSON) or YAML; see ``parse_with_warnings``."""
    return parse_with_warnings(text, name, yaml_ok=yaml_ok)[0]


def read_spec(path: Path, *, wait: float | None = None) -> bytes:
    """The document's exact bytes (for the spec hash), refused when too large, not a file or unreadable.

    Bounded before reading: a regular file by its size; a pipe or FIFO by reading at most one
    byte past ``MAX_BYTES`` and waiting at most ``wait`` seconds for data (default: ``readfile.PIPE_WAIT``).
    """
    name = display(path)
    if wait is None:
        return read_bounded(path, name, limit=MAX_BYTES)
    return read_bounded(path, name, limit=MAX_BYTES, wait=wait)


def _decode(raw: bytes, name: str) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SpecError(name, None, f"not UTF-8 text (byte {exc.start})") from None


def parse_spec_with_warnings(raw: bytes, name: str) -> tuple[dict[str, Any], list[str]]:
    """The document read from ``raw`` (UTF-8 JSON or YAML holding a mapping), and warnings
    (one line each, ``file#/pointer: message``) about values YAML 1.1 readers see differently."""
    doc, warnings = parse_with_warnings(_decode(raw, name), name)
    if not isinstance(doc, dict):
        raise SpecError(name, "#", "the document is not an object (mapping)")
    return doc, warnings


def parse_spec(raw: bytes, name: str) -> dict[str, Any]:
    """The document read from ``raw``, which must be UTF-8 JSON or YAML holding a mapping."""
    return parse_spec_with_warnings(raw, name)[0]


def load_file(path: Path) -> tuple[dict[str, Any], bytes]:
    """The document as a dict, and its exact bytes (for the spec hash)."""
    raw = read_spec(path)
    return parse_spec(raw, display(path)), raw


# A value being checked: (value, depth, the step of its parent, its key there). A value's
# path is only spelled out when it is reported, not copied for each value of the document.
_Step = tuple[Any, int, Any, "str | int"]


def _path(step: _Step) -> tuple[str | int, ...]:
    path: list[str | int] = []
    while step[2] is not None:
        path.append(step[3])
        step = step[2]
    return tuple(reversed(path))


def check_values(doc: Any, name: str) -> None:
    """Only JSON values, nested at most ``MAX_DEPTH`` deep, finite, with integers in range.

    Iterative, so it cannot overflow the stack itself; the pointer names the bad value.
    """
    stack: list[_Step] = [(doc, 0, None, "")]
    count = 0
    while stack:
        entry = stack.pop()
        node, depth = entry[0], entry[1]
        count += 1
        if count > MAX_NODES:
            raise SpecError(name, "#", f"the document has more than {MAX_NODES} values")
        if depth > MAX_DEPTH:
            raise SpecError(name, _at(_path(entry)[:MAX_DEPTH]), f"the document nests more than {MAX_DEPTH} levels")
        if isinstance(node, dict):
            stack.extend((v, depth + 1, entry, k) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend((v, depth + 1, entry, i) for i, v in enumerate(node))
        elif isinstance(node, bool) or node is None or isinstance(node, str):
            continue
        elif isinstance(node, int):
            if abs(node) > MAX_INT:
                raise SpecError(name, _at(_path(entry)), "integer is too large (limit: 2**64)")
        elif isinstance(node, float):
            if node != node or node in (float("inf"), float("-inf")):
                raise SpecError(name, _at(_path(entry)), f"{node!r} is not a JSON number (NaN and Infinity are not allowed)")
        else:
            raise SpecError(name, _at(_path(entry)), f"a {type(node).__name__} value is not JSON (only strings, numbers, booleans, null, lists and mappings)")
