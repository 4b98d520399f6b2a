"""Read an OpenAPI document from a file: JSON or YAML, safely, into plain dicts."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml

from generator.errors import SpecError, pointer
from generator.paths import display
from generator.readfile import read_bounded

MAX_BYTES = 64 * 1024 * 1024
# Limits enforced before the document is built (YAML: on the event stream, so a deep or
# self-multiplying document never reaches the recursive composer or the validator).
MAX_DEPTH = 128
MAX_NODES = 2_000_000  # nodes after expanding YAML aliases
MAX_EXPANDED_CHARS = 2 * MAX_BYTES  # scalar text after expanding YAML aliases
MAX_INT = 2**64  # integers beyond +/- this are rejected (int64/uint64 bounds fit)

_YAML = "tag:yaml.org,2002:"
_PLAIN_TAGS = frozenset(_YAML + t for t in ("str", "int", "float", "bool", "null", "map", "seq"))
_YAML12_BOOL = frozenset({"true", "True", "TRUE", "false", "False", "FALSE"})
_YAML12_INT = re.compile(r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+")
_YAML12_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")


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


def _yaml11_number(text: str, is_int: bool) -> bool:
    """A plain scalar only YAML 1.1 reads as a number: ``0755`` (octal), ``18:00`` (base 60), ``1_000``."""
    digits = text.lstrip("+-")
    if is_int:
        return (len(digits) > 1 and digits[0] == "0" and digits[1].isdigit()) or not _YAML12_INT.fullmatch(text)
    return not _YAML12_FLOAT.fullmatch(text) and digits.lower() not in (".inf", ".nan")


def _construct_int(loader: _Loader, node: yaml.ScalarNode) -> Any:
    # Kept as text, as YAML 1.2 and the author read it (``example: 18:00`` is a time, not 1080).
    return node.value if not node.style and _yaml11_number(node.value, True) else loader.construct_yaml_int(node)


def _construct_float(loader: _Loader, node: yaml.ScalarNode) -> Any:
    return node.value if not node.style and _yaml11_number(node.value, False) else loader.construct_yaml_float(node)


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)
_Loader.add_constructor("tag:yaml.org,2002:float", _construct_float)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_str)


def parse(text: str, name: str, *, yaml_ok: bool = True) -> Any:
    """Parse JSON (when the text looks like JSON) or YAML."""
    stripped = text.lstrip("\ufeff \t\r\n")
    if stripped.startswith(("{", "[")) or not yaml_ok:
        try:
            doc = json.loads(stripped, object_pairs_hook=_unique_pairs, parse_constant=_reject_constant, parse_int=_json_int, parse_float=_json_float)
        except json.JSONDecodeError as exc:
            raise SpecError(name, None, f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None
        except RecursionError:
            raise SpecError(name, None, f"invalid JSON: the document nests more than {MAX_DEPTH} levels") from None
        except ValueError as exc:
            raise SpecError(name, None, f"invalid JSON: {exc}") from None
        check_values(doc, name)
        return doc
    try:
        _prescan(stripped, name)
        doc = yaml.load(stripped, Loader=_Loader)  # _Loader is a SafeLoader
        check_values(doc, name)
        return doc
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f" at line {mark.line + 1} column {mark.column + 1}" if mark else ""
        raise SpecError(name, None, f"invalid YAML{where}: {exc.problem or exc.context}") from None
    except (yaml.YAMLError, RecursionError, ValueError) as exc:
        raise SpecError(name, None, f"invalid YAML: {exc}") from None


def read_spec(path: Path, *, wait: float | None = None) -> bytes:
    """The document's exact bytes (for the spec hash), refused when too large, not a file or unreadable.

    Bounded before reading: a regular file by its size; a pipe or FIFO by reading at most one
    byte past ``MAX_BYTES`` and waiting at most ``wait`` seconds for data (default: ``readfile.PIPE_WAIT``).
    """
    name = display(path)
    if wait is None:
        return read_bounded(path, name, limit=MAX_BYTES)
    return read_bounded(path, name, limit=MAX_BYTES, wait=wait)


def parse_spec(raw: bytes, name: str) -> dict[str, Any]:
    """The document read from ``raw``, which must be UTF-8 JSON or YAML holding a mapping."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SpecError(name, None, f"not UTF-8 text (byte {exc.start})") from None
    doc = parse(text, name)
    if not isinstance(doc, dict):
        raise SpecError(name, "#", "the document is not an object (mapping)")
    return doc


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
            raise SpecError(name, pointer(_path(entry)[:MAX_DEPTH]), f"the document nests more than {MAX_DEPTH} levels")
        if isinstance(node, dict):
            stack.extend((v, depth + 1, entry, k) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend((v, depth + 1, entry, i) for i, v in enumerate(node))
        elif isinstance(node, bool) or node is None or isinstance(node, str):
            continue
        elif isinstance(node, int):
            if abs(node) > MAX_INT:
                raise SpecError(name, pointer(_path(entry)), "integer is too large (limit: 2**64)")
        elif isinstance(node, float):
            if node != node or node in (float("inf"), float("-inf")):
                raise SpecError(name, pointer(_path(entry)), f"{node!r} is not a JSON number (NaN and Infinity are not allowed)")
        else:
            raise SpecError(name, pointer(_path(entry)), f"a {type(node).__name__} value is not JSON (only strings, numbers, booleans, null, lists and mappings)")


class _Frame:
    __slots__ = ("anchor", "chars", "expect_key", "height", "index", "is_map", "key", "nodes")

    def __init__(self, is_map: bool, anchor: str | None) -> None:
        self.is_map = is_map
        self.anchor = anchor
        self.key: str | int = ""
        self.index = 0
        self.expect_key = True
        self.nodes = 1
        self.chars = 0
        self.height = 1


def _prescan(text: str, name: str) -> None:
    """Check a YAML text on its event stream, before anything is composed.

    Enforces ``MAX_DEPTH``, ``MAX_NODES`` and ``MAX_EXPANDED_CHARS`` counting every alias as
    the nodes it expands to (an alias bomb fails here, in linear time); refuses recursive
    aliases, tags that are not plain JSON types, plain scalars that YAML 1.1 reads as
    booleans but YAML 1.2 as text (``NO``, ``yes``, ``on``) and ``openapi: 3.1`` (a number).
    Numbers only YAML 1.1 has (``0755``, ``18:00``, ``1_000``) are kept as text by the loader.
    """
    resolver = yaml.resolver.Resolver()
    anchors: dict[str, tuple[int, int, int]] = {}  # name -> (nodes, chars, height)
    open_anchors: set[str] = set()
    stack: list[_Frame] = []
    total_nodes = 0
    total_chars = 0

    def where(extra: str | int | None = None) -> str:
        parts: list[str | int] = []
        for frame in stack:
            parts.append(frame.key if frame.is_map else frame.index)
        if stack and (stack[-1].is_map and stack[-1].expect_key):
            parts.pop()
        return pointer(parts if extra is None else [*parts, extra])

    def fail(message: str) -> SpecError:
        return SpecError(name, where(), message)

    def add(nodes: int, chars: int, height: int) -> None:
        nonlocal total_nodes, total_chars
        total_nodes += nodes
        total_chars += chars
        if total_nodes > MAX_NODES:
            raise fail(f"the document expands to more than {MAX_NODES} values (YAML aliases included)")
        if total_chars > MAX_EXPANDED_CHARS:
            raise fail(f"the document expands to more than {MAX_EXPANDED_CHARS // (1024 * 1024)} MiB of text (YAML aliases included)")
        if len(stack) + height > MAX_DEPTH + 1:
            raise fail(f"the document nests more than {MAX_DEPTH} levels")
        if stack:
            parent = stack[-1]
            parent.nodes += nodes
            parent.chars += chars
            parent.height = max(parent.height, height + 1)

    def advance(key_text: str | None) -> None:
        if not stack:
            return
        frame = stack[-1]
        if frame.is_map:
            if frame.expect_key:
                frame.key = key_text if key_text is not None else "?"
            frame.expect_key = not frame.expect_key
        else:
            frame.index += 1

    def check_tag(tag: str | None) -> None:
        if tag is not None and tag not in ("!", *_PLAIN_TAGS):
            raise fail(f"YAML tag {tag!r} is not supported: a spec holds plain JSON values")

    def in_example() -> bool:
        # Examples are documentation: nothing in them reaches code, so a value that
        # YAML 1.1 reads oddly there (Redocly's museum has `example: 18:00`) is fine.
        return any(frame.is_map and frame.key in ("example", "examples") for frame in stack[:-1]) or bool(
            stack and stack[-1].is_map and not stack[-1].expect_key and stack[-1].key in ("example", "examples")
        )

    def check_plain(value: str) -> None:
        tag = resolver.resolve(yaml.ScalarNode, value, (True, False))
        if in_example() and len(value) <= 24:
            return
        if tag == _YAML + "bool" and value not in _YAML12_BOOL:
            raise fail(f"{value!r} is read as a boolean by YAML 1.1 (not by YAML 1.2): quote it")
        if len(stack) == 1 and stack[0].is_map and stack[0].key == "openapi" and not stack[0].expect_key and tag in (_YAML + "float", _YAML + "int"):
            raise fail(f"openapi: {value} is read as a number, not a version string: quote it (\"{value}.0\")")
        if tag == _YAML + "int" and len(value) > 24:
            raise fail(f"integer {value[:24]}... is too large (limit: 2**64)")

    try:
        for event in yaml.parse(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                check_tag(event.tag)
                if len(stack) >= MAX_DEPTH:
                    raise fail(f"the document nests more than {MAX_DEPTH} levels")
                if stack and stack[-1].is_map and stack[-1].expect_key:
                    raise fail("a mapping key must be text, not a list or mapping")
                if event.anchor:
                    open_anchors.add(event.anchor)
                stack.append(_Frame(isinstance(event, yaml.MappingStartEvent), event.anchor))
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                frame = stack.pop()
                if frame.anchor:
                    open_anchors.discard(frame.anchor)
                    anchors[frame.anchor] = (frame.nodes, frame.chars, frame.height)
                add(frame.nodes, frame.chars, frame.height)
                advance(None)
            elif isinstance(event, yaml.ScalarEvent):
                check_tag(event.tag)
                if event.tag is None and event.implicit[0]:
                    check_plain(event.value)
                if event.anchor:
                    anchors[event.anchor] = (1, len(event.value), 0)
                add(1, len(event.value), 0)
                advance(event.value)
            elif isinstance(event, yaml.AliasEvent):
                if event.anchor in open_anchors:
                    raise fail(f"alias *{event.anchor} refers to a node that contains it (a recursive structure)")
                if event.anchor not in anchors:
                    raise fail(f"alias *{event.anchor} refers to no anchor")
                nodes, chars, height = anchors[event.anchor]
                add(nodes, chars, height)
                advance("*" + str(event.anchor))
    except yaml.MarkedYAMLError:
        raise
    if stack:
        raise SpecError(name, None, "invalid YAML: the document ends inside a mapping or list")
