"""Which parts of a document passed the validator before: a digest for each part, so that a
changed document is validated again only where it changed (``generator.validate``).

A part is a path item, or an entry of a ``components`` section (the security schemes
excepted: they belong to the rest). The validator checks each one on its own, with the
rest of the document and what its references reach, but for one thing: that every
operationId is unique, which ``duplicate_operation_ids`` checks over the whole document.
So a part's digest covers:

- the validator (its version and its schema backend's),
- the rest of the document: every top-level field but ``paths`` and ``components``, the
  security schemes, and which top-level fields there are,
- the part itself, under its key,
- every part its references reach, followed transitively (any ``$ref`` in it, wherever
  it stands). A reference to anything else (the whole document, another file, a field
  of the rest) makes the digest cover the whole document.

The lock keeps the digests of the last document that passed; a document whose parts
all passed has nothing left to validate but its operationIds, and one with changed
parts is validated as the part of it that holds them (``selection.part_holding``,
under the whole document's pointers).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import Any

from generator.resolve import split_ref
from generator.selection import HTTP_METHODS, part_holding, target

Unit = tuple[str, ...]  # ("paths", path) or ("components", section, name)
_REST = ("securitySchemes",)  # components sections that belong with the rest of the document


def digests(doc: dict[str, Any], validator: str) -> dict[Unit, str]:
    """Each part of ``doc`` and its digest (empty when the document is not plain JSON data)."""
    try:
        return _Digests(doc, validator).all()
    except (TypeError, ValueError, RecursionError):  # not JSON data (a YAML date...), or too deep
        return {}


def unchecked_part(doc: dict[str, Any], found: dict[Unit, str], passed: frozenset[str]) -> dict[str, Any] | None:
    """What of ``doc`` is left to validate: None when every part passed before, ``doc`` itself
    when none did, else the part holding those that did not."""
    left = [unit for unit, digest in found.items() if digest not in passed]
    if found and not left:
        return None
    if not found or len(left) == len(found):
        return doc
    return part_holding(doc, {u[1] for u in left if u[0] == "paths"}, {(u[1], u[2]) for u in left if u[0] == "components"})


def duplicate_operation_ids(doc: dict[str, Any]) -> list[tuple[str, str]]:
    """(pointer, message) for each operation whose operationId an earlier one has, in the
    validator's words; the validator, given parts of a document, sees only theirs."""
    from generator.errors import pointer

    seen: set[str] = set()
    found: list[tuple[str, str]] = []
    paths = doc.get("paths")
    for url, item in paths.items() if isinstance(paths, dict) else ():
        operations = target(doc, item)  # a path item that is a reference: the operations it leads to
        for method, op in operations.items() if isinstance(operations, dict) else ():
            if method not in HTTP_METHODS or not isinstance(op, dict) or not isinstance(op.get("operationId"), str):
                continue
            op_id = op["operationId"]
            if op_id in seen:
                where = ["paths", url, method, "operationId"] if operations is item else ["paths", url]
                found.append((pointer(where), f"Operation ID '{op_id}' for '{method}' in '{url}' is not unique"))
            seen.add(op_id)
    return found


def _hash(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, allow_nan=True)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _refs(node: Any) -> Iterator[str]:
    """Every ``$ref`` string in ``node``, wherever it stands."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, dict):
            ref = current.get("$ref")
            if isinstance(ref, str):
                yield ref
            stack.extend(v for v in current.values() if isinstance(v, (dict, list)))
        elif isinstance(current, list):
            stack.extend(v for v in current if isinstance(v, (dict, list)))


class _Digests:
    """The parts of one document, and what goes into each digest."""

    def __init__(self, doc: dict[str, Any], validator: str) -> None:
        self.doc = doc
        self.units: dict[Unit, Any] = {}
        paths = doc.get("paths")
        for path, item in paths.items() if isinstance(paths, dict) else ():
            self.units[("paths", path)] = item
        components = doc.get("components")
        rest_components: dict[str, Any] = {}
        for section, entries in components.items() if isinstance(components, dict) else ():
            if section in _REST or not isinstance(entries, dict):
                rest_components[section] = entries
                continue
            for name, entry in entries.items():
                self.units[("components", section, name)] = entry
        rest = {k: v for k, v in doc.items() if k not in ("paths", "components")}
        self.base = _hash([validator, list(doc), rest, rest_components, sorted(components) if isinstance(components, dict) else None])
        self.whole: str | None = None
        self.named: dict[str, frozenset[Unit] | None] = {}

    def all(self) -> dict[Unit, str]:
        own = {unit: _hash([list(unit), value]) for unit, value in self.units.items()}
        edges = {unit: self._reached(value) for unit, value in self.units.items()}
        found: dict[Unit, str] = {}
        for unit in self.units:
            closure = self._closure(unit, edges)
            if closure is None:
                self.whole = self.whole or _hash(self.doc)
                parts = [self.base, self.whole]
            else:
                parts = [self.base, *(own[u] for u in sorted(closure))]
            found[unit] = hashlib.sha256("\n".join(parts).encode()).hexdigest()
        return found

    def _reached(self, value: Any) -> set[Unit] | None:
        """The parts the references in ``value`` name (None: something that is not a part)."""
        reached: set[Unit] = set()
        for ref in _refs(value):
            if ref not in self.named:
                self.named[ref] = self._named(ref)
            units = self.named[ref]
            if units is None:
                return None
            reached |= units
        return reached

    def _named(self, ref: str) -> frozenset[Unit] | None:
        """The parts one reference names (each reference is read once: documents repeat them)."""
        if not ref.startswith("#"):
            return None
        try:
            tokens = split_ref(ref)
        except ValueError:
            return None
        unit: Unit = tuple(tokens[:3]) if tokens[:1] == ["components"] else tuple(tokens[:2])
        if unit in self.units:
            return frozenset({unit})
        if tokens[:1] == ["components"] and len(tokens) == 2:  # a whole section
            return frozenset(u for u in self.units if u[:2] == ("components", tokens[1]))
        if tokens == ["paths"]:
            return frozenset(u for u in self.units if u[0] == "paths")
        if tokens[:1] == ["components"] and tokens[1:2] and tokens[1] in _REST:
            return frozenset()
        return None

    def _closure(self, start: Unit, edges: dict[Unit, set[Unit] | None]) -> set[Unit] | None:
        seen = {start}
        todo = [start]
        while todo:
            step = edges[todo.pop()]
            if step is None:
                return None
            for unit in step - seen:
                seen.add(unit)
                todo.append(unit)
        return seen
