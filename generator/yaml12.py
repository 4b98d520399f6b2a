"""YAML read by the YAML 1.2 core schema into plain JSON values, checked before it is built.

Plain scalars resolve as YAML 1.2 says (https://yaml.org/spec/1.2.2/#1032-tag-resolution):
only ``true``/``false`` (three spellings each) are booleans, ``null``/``~``/empty are null,
integers are decimal, ``0o17`` or ``0x1F``, floats are decimal (``.inf``/``.nan`` included,
refused later as JSON does). Everything else is a string: ``off``, ``no``, ``y``, ``0b101``,
``1_000``, ``18:00`` and ``2024-01-01`` among them. ``0755`` is the integer 755.

The text is first checked on its event stream (``Scan``), in one linear pass: depth,
size after expanding aliases, tags, duplicate keys (with the JSON pointer of their
mapping) and the values a YAML 1.1 reader would read differently (warnings).
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from generator.errors import SpecError, pointer
from generator.safe_text import printable

_YAML = "tag:yaml.org,2002:"
STR, INT, FLOAT, BOOL, NULL, MERGE = (_YAML + t for t in ("str", "int", "float", "bool", "null", "merge"))
_PLAIN_TAGS = frozenset((STR, INT, FLOAT, BOOL, NULL, _YAML + "map", _YAML + "seq"))
_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_BOOLS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT = re.compile(r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+")
_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)")
_NUMBER_START = frozenset("-+.0123456789")
# YAML 1.1 booleans that PyYAML's 1.1 resolver leaves out (the 1.1 type repository lists them).
_YAML11_YN = frozenset("yYnN")
MAX_INT_TEXT = 24  # digits beyond this cannot be within the 2**64 limit
MAX_WARNINGS = 20  # values read differently by YAML 1.1 that are named one by one
_TIMESTAMP = _YAML + "timestamp"


def plain_tag(value: str) -> str:
    """The tag YAML 1.2's core schema gives a plain (unquoted, untagged) scalar."""
    if value in _NULLS:
        return NULL
    if value in _BOOLS:
        return BOOL
    if value[0] in _NUMBER_START:
        if _INT.fullmatch(value):
            return INT
        if _FLOAT.fullmatch(value):
            return FLOAT
    return MERGE if value == "<<" else STR


def to_int(text: str) -> int:
    if text.startswith("0o"):
        return int(text[2:], 8)
    if text.startswith("0x"):
        return int(text[2:], 16)
    return int(text, 10)


def to_float(text: str) -> float:
    lowered = text.lower()
    if lowered.endswith(".inf"):
        return float("-inf") if text.startswith("-") else float("inf")
    return float("nan") if lowered == ".nan" else float(text)


class Loader(yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader):  # type: ignore[misc]
    """A safe loader (C when available) that resolves plain scalars by YAML 1.2's core schema."""

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is yaml.ScalarNode and implicit[0]:
            return plain_tag(value)
        return super().resolve(kind, value, (False, False))


def _fail(node: yaml.Node, message: str) -> yaml.constructor.ConstructorError:
    return yaml.constructor.ConstructorError(None, None, message, node.start_mark)


def _construct_int(loader: Loader, node: yaml.ScalarNode) -> int:
    text = loader.construct_scalar(node)
    if not _INT.fullmatch(text) or len(text) > MAX_INT_TEXT:
        raise _fail(node, f"{text[:MAX_INT_TEXT]!r} is not an integer YAML 1.2 reads within 2**64")
    return to_int(text)


def _construct_float(loader: Loader, node: yaml.ScalarNode) -> float:
    text = loader.construct_scalar(node)
    if not (_FLOAT.fullmatch(text) or _INT.fullmatch(text)):
        raise _fail(node, f"{text[:MAX_INT_TEXT]!r} is not a number in YAML 1.2")
    return to_float(text) if _FLOAT.fullmatch(text) else float(to_int(text))


def _construct_bool(loader: Loader, node: yaml.ScalarNode) -> bool:
    text = loader.construct_scalar(node)
    if text not in _BOOLS:
        raise _fail(node, f"{text[:MAX_INT_TEXT]!r} is not a boolean in YAML 1.2 (true or false)")
    return _BOOLS[text]


def _construct_mapping(loader: Loader, node: yaml.MappingNode, deep: bool = False) -> dict[str, Any]:
    """Keys as JSON has them (text); a merge (``<<: *base``) is overridden by the mapping's own keys."""
    explicit = sum(1 for key_node, _ in node.value if key_node.tag != MERGE)
    loader.flatten_mapping(node)
    merged = len(node.value) - explicit
    out: dict[str, Any] = {}
    own: set[str] = set()
    for index, (key_node, value_node) in enumerate(node.value):
        key = loader.construct_object(key_node, deep=deep)
        if isinstance(key, bool):
            key = "true" if key else "false"
        elif isinstance(key, int):
            key = str(key)
        elif not isinstance(key, str):
            raise _fail(key_node, f"unsupported key {key!r}: keys must be text")
        if index >= merged:
            if key in own:  # the scan reports these first, with a pointer; this is a backstop
                raise _fail(key_node, f"duplicate key {key!r}")
            own.add(key)
        out[key] = loader.construct_object(value_node, deep=deep)
    return out


Loader.add_constructor(_YAML + "map", _construct_mapping)
Loader.add_constructor(INT, _construct_int)
Loader.add_constructor(FLOAT, _construct_float)
Loader.add_constructor(BOOL, _construct_bool)
Loader.add_constructor(_YAML + "timestamp", Loader.construct_yaml_str)




def load(text: str, name: str, *, max_depth: int, max_nodes: int, max_chars: int) -> tuple[Any, list[str]]:
    """The document in ``text`` and the warnings about it; ``SpecError`` or a ``yaml.YAMLError`` if bad."""
    scan = Scan(name, max_depth, max_nodes, max_chars)
    scan.run(text)
    return yaml.load(text, Loader=Loader), scan.report()  # Loader is a SafeLoader


# ---------------------------------------------------------------- the scan of the event stream


class _Frame:
    __slots__ = ("anchor", "chars", "expect_key", "height", "index", "is_map", "key", "keys", "nodes")

    def __init__(self, is_map: bool, anchor: str | None) -> None:
        self.is_map = is_map
        self.anchor = anchor
        self.key: str | int = ""
        self.keys: set[str] = set()  # a mapping's keys so far, as the built dict will have them
        self.index = 0
        self.expect_key = True
        self.nodes = 1
        self.chars = 0
        self.height = 1


def _key_text(value: str, tag: str) -> str:
    """A scalar key as the built mapping holds it (``200`` -> ``"200"``, ``0x1F`` -> ``"31"``, ``true`` -> ``"true"``)."""
    if tag == INT and _INT.fullmatch(value) and len(value) <= MAX_INT_TEXT:
        return str(to_int(value))
    if tag == BOOL and value in _BOOLS:
        return "true" if _BOOLS[value] else "false"
    return value


class Scan:
    """One linear pass over the event stream, before anything is composed.

    Enforces the depth, node and text limits counting every alias as the nodes it
    expands to (an alias bomb fails here); refuses recursive aliases, tags that are not
    plain JSON types, duplicate keys (naming the mapping's pointer and the line) and
    ``openapi: 3.1`` (a number); notes plain scalars YAML 1.1 reads differently.
    """

    def __init__(self, name: str, max_depth: int, max_nodes: int, max_chars: int) -> None:
        self.name = name
        self.max_depth, self.max_nodes, self.max_chars = max_depth, max_nodes, max_chars
        self.anchors: dict[str, tuple[int, int, int]] = {}  # name -> (nodes, chars, height)
        self.anchor_keys: dict[str, str] = {}  # scalar anchors, as a key would read them
        self.open_anchors: set[str] = set()
        self.stack: list[_Frame] = []
        self.nodes = 0
        self.chars = 0
        self.warnings: list[str] = []
        self.unlisted = 0
        self.yaml11 = yaml.resolver.Resolver()
        self._old: yaml.SafeLoader | None = None

    def run(self, text: str) -> None:
        for event in yaml.parse(text, Loader=Loader):
            if isinstance(event, yaml.ScalarEvent):
                self.scalar(event)
            elif isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                self.check_tag(event.tag)
                if len(self.stack) >= self.max_depth:
                    raise self.fail(f"the document nests more than {self.max_depth} levels")
                if self.in_key():
                    raise self.fail("a mapping key must be text, not a list or mapping")
                if event.anchor:
                    self.open_anchors.add(event.anchor)
                self.stack.append(_Frame(isinstance(event, yaml.MappingStartEvent), event.anchor))
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                frame = self.stack.pop()
                if frame.anchor:
                    self.open_anchors.discard(frame.anchor)
                    self.anchors[frame.anchor] = (frame.nodes, frame.chars, frame.height)
                self.add(frame.nodes, frame.chars, frame.height)
                self.advance(None, event)
            elif isinstance(event, yaml.AliasEvent):
                self.alias(event)
        if self.stack:
            raise SpecError(self.name, None, "invalid YAML: the document ends inside a mapping or list")

    def report(self) -> list[str]:
        more = f"{self.name}: {self.unlisted} more plain values are read differently by YAML 1.1 readers (quote them to silence this)"
        return self.warnings + ([more] if self.unlisted else [])

    # -- where we are

    def in_key(self) -> bool:
        return bool(self.stack) and self.stack[-1].is_map and self.stack[-1].expect_key

    def where(self, key: str | None = None) -> str:
        """The pointer of the current value; in key position, of the mapping (or of ``key`` in it)."""
        parts: list[str | int] = [frame.key if frame.is_map else frame.index for frame in self.stack]
        if self.in_key():
            parts.pop()
            if key is not None:
                parts.append(key)
        return printable(pointer(parts))  # keys come from the spec: controls escaped

    def fail(self, message: str) -> SpecError:
        return SpecError(self.name, self.where(), message)

    # -- events

    def scalar(self, event: yaml.ScalarEvent) -> None:
        self.check_tag(event.tag)
        value = event.value
        if event.tag is None and event.implicit[0]:
            tag = plain_tag(value)
            self.check_plain(value, tag)
        else:
            tag = STR if event.tag in (None, "!") else event.tag
        key = _key_text(value, tag) if self.in_key() else None
        if event.anchor:
            self.anchors[event.anchor] = (1, len(value), 0)
            self.anchor_keys[event.anchor] = _key_text(value, tag)
        self.add(1, len(value), 0)
        self.advance(key, event, unique=tag != MERGE)

    def alias(self, event: yaml.AliasEvent) -> None:
        anchor = str(event.anchor)
        if anchor in self.open_anchors:
            raise self.fail(f"alias *{anchor} refers to a node that contains it (a recursive structure)")
        if anchor not in self.anchors:
            raise self.fail(f"alias *{anchor} refers to no anchor")
        key = None
        if self.in_key():
            key = self.anchor_keys.get(anchor)
            if key is None:
                raise self.fail("a mapping key must be text, not a list or mapping")
        self.add(*self.anchors[anchor])
        self.advance(key, event)

    def advance(self, key: str | None, event: yaml.Event, unique: bool = True) -> None:
        if not self.stack:
            return
        frame = self.stack[-1]
        if not frame.is_map:
            frame.index += 1
            return
        if frame.expect_key and key is not None:
            if unique:
                if key in frame.keys:
                    mark = event.start_mark
                    raise self.fail(f"duplicate key {key!r} at line {mark.line + 1} column {mark.column + 1}")
                frame.keys.add(key)
            frame.key = key
        frame.expect_key = not frame.expect_key

    # -- checks

    def add(self, nodes: int, chars: int, height: int) -> None:
        self.nodes += nodes
        self.chars += chars
        if self.nodes > self.max_nodes:
            raise self.fail(f"the document expands to more than {self.max_nodes} values (YAML aliases included)")
        if self.chars > self.max_chars:
            raise self.fail(f"the document expands to more than {self.max_chars // (1024 * 1024)} MiB of text (YAML aliases included)")
        if len(self.stack) + height > self.max_depth + 1:
            raise self.fail(f"the document nests more than {self.max_depth} levels")
        if self.stack:
            parent = self.stack[-1]
            parent.nodes += nodes
            parent.chars += chars
            parent.height = max(parent.height, height + 1)

    def check_tag(self, tag: str | None) -> None:
        if tag is not None and tag != "!" and tag not in _PLAIN_TAGS:
            raise self.fail(f"YAML tag {printable(tag)!r} is not supported: a spec holds plain JSON values")

    def check_plain(self, value: str, tag: str) -> None:
        if tag == INT and len(value) > MAX_INT_TEXT:
            raise self.fail(f"integer {value[:MAX_INT_TEXT]}... is too large (limit: 2**64)")
        top = self.stack[0] if len(self.stack) == 1 else None
        if top is not None and top.is_map and not top.expect_key and top.key == "openapi" and tag in (FLOAT, INT):
            raise self.fail(f'openapi: {value} is read as a number, not a version string: quote it ("{value}.0")')
        old = BOOL if value in _YAML11_YN else self.yaml11.resolve(yaml.ScalarNode, value, (True, False))
        if old != tag or (tag == INT and value.lstrip("+-")[:1] == "0" and value.lstrip("+-")[1:2].isdigit()):
            self.warn(value, tag, old)

    def warn(self, value: str, tag: str, old: str) -> None:
        seen = self.yaml11_reading(value, old)
        if seen is None:
            return
        if len(self.warnings) >= MAX_WARNINGS:
            self.unlisted += 1
            return
        if tag == STR:
            now = f"{value!r} is a string"
        elif tag == INT:
            now = f"{value} is the integer {to_int(value)}"
        elif tag == FLOAT:
            now = f"{value} is the number {to_float(value)!r}"
        else:
            now = f"{value} is {tag.removeprefix(_YAML)}"
        where = self.where(_key_text(value, tag))
        self.warnings.append(printable(str(SpecError(self.name, where, f"{now} in YAML 1.2 (YAML 1.1 readers see {seen})"))))

    def yaml11_reading(self, value: str, old: str) -> str | None:
        """What a YAML 1.1 reader makes of a plain scalar, in words (None: nothing worth a warning)."""
        if old == BOOL:
            return "true" if value.lower() in ("y", "yes", "true", "on") else "false"
        if old == STR:
            return "a string"
        if old == NULL:
            return "null"
        if old == _TIMESTAMP:
            return "a date" if len(value) == 10 else "a date and time"
        if old not in (INT, FLOAT):
            return None
        if self._old is None:
            self._old = yaml.SafeLoader("")
        node = yaml.ScalarNode(old, value)
        try:
            number = self._old.construct_yaml_int(node) if old == INT else self._old.construct_yaml_float(node)
        except (ValueError, yaml.YAMLError):
            return None
        return repr(number)
