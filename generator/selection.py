"""What a config selects: one definition for the build and for validation.

``resource_tag`` decides whether an operation is selected (and where it goes);
``selected_part`` is the part of a document the client generated from it uses,
which is what gets validated when the config selects a subset:

- every top-level field as it is, but ``paths`` and ``components``;
- ``paths`` with only the path items that hold a selected operation, each with its
  own fields (``parameters``, ``servers``...) and its selected operations only (a
  path item that is a ``$ref`` stays whole);
- ``components`` with only what a ``$ref`` reaches from the above, followed
  transitively (every ``securitySchemes`` entry stays: the client's authentication
  comes from them).

It is built from the document's own objects under the same keys, so every JSON
pointer into it is the pointer into the whole document. Only references inside the
document (``#/...``) that resolve are followed: any other stays in the part as
written, for the validator to report as it would in the whole document.
"""

from __future__ import annotations

from typing import Any

from generator.config import Config
from generator.errors import SpecError
from generator.resolve import Resolver, iter_refs, lookup, split_ref

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

Where = list[str | int]


def operation_identity(path: str, method: str, op: dict[str, Any]) -> tuple[str, list[str]]:
    """An operation's id (its ``operationId``, else ``"<method> <path>"``) and its tags (``["default"]`` when untagged)."""
    op_id = op.get("operationId")
    tags = [str(t) for t in op.get("tags") or [] if isinstance(t, (str, int))] or ["default"]
    return (op_id if isinstance(op_id, str) and op_id else f"{method} {path}"), tags


def resource_tag(config: Config, tags: list[str], op_id: str) -> str | None:
    """The resource an operation goes to (its first selected tag), or None when it is not selected."""
    if config.include_operations and op_id not in config.include_operations:
        return None
    if op_id in config.exclude_operations:
        return None
    for tag in tags:
        if tag in config.exclude_tags:
            continue
        if config.include_tags and tag not in config.include_tags:
            continue
        return tag
    return None


def selects_subset(config: Config) -> bool:
    """Whether the config selects operations at all (without a selection every operation is generated)."""
    return bool(config.include_tags or config.exclude_tags or config.include_operations or config.exclude_operations)


def selected_part(doc: dict[str, Any], config: Config) -> dict[str, Any]:
    """The part of ``doc`` the client generated with ``config`` uses (``doc`` itself without a selection)."""
    paths = doc.get("paths")
    if not selects_subset(config) or not isinstance(paths, dict):
        return doc
    part = _Part(doc, paths)
    for path, item in paths.items():
        if not str(path).startswith("x-") and isinstance(item, dict):
            part.select(path, item, config)
    return part.build()


def part_holding(doc: dict[str, Any], paths: set[str], components: set[tuple[str, str]]) -> dict[str, Any]:
    """The part of ``doc`` (built as ``selected_part`` builds it) that holds the path items
    ``paths`` and the components entries ``components`` (section, name) whole."""
    found = doc.get("paths")
    part = _Part(doc, found if isinstance(found, dict) else {})
    for path in sorted(paths):
        part.keep_path(path, None)
    for section, name in sorted(components):
        part.keep_component([section, name])
    return part.build()


def target(doc: dict[str, Any], node: Any) -> Any:
    """What a (chain of) local reference(s) reaches, or None when it does not resolve."""
    try:
        return Resolver(doc, "").deref(node, [])[0]
    except (SpecError, KeyError, ValueError):  # a cycle, or a reference that leads nowhere
        return None


class _Part:
    """The regions of the document to keep, grown by following references from the selected operations."""

    def __init__(self, doc: dict[str, Any], paths: dict[str, Any]) -> None:
        self.doc = doc
        self.paths = paths
        self.items: dict[str, set[str] | None] = {}  # path -> the methods kept beside its own fields (None: all of it)
        self.sections: dict[str, set[str] | None] = {}  # components section -> the names kept (None: all)
        self.all_components = False
        self.whole = False  # a reference to the whole document
        self.walked: set[tuple[str | int, ...]] = set()
        self.todo: list[tuple[Any, Where]] = []

    def build(self) -> dict[str, Any]:
        self._walk([], {k: v for k, v in self.doc.items() if k not in ("paths", "components")})
        components = self.doc.get("components")
        if isinstance(components, dict) and "securitySchemes" in components:
            self.keep_component(["securitySchemes"])
        while self.todo and not self.whole:
            node, where = self.todo.pop()
            for _, ref in iter_refs(node, where):
                self._reach(ref)
        if self.whole:
            return self.doc
        part = {k: v for k, v in self.doc.items() if k not in ("paths", "components")}
        part["paths"] = {p: self._item(p) for p in self.paths if p in self.items}
        if isinstance(components, dict) and not self.all_components:
            kept = {k: self._section(k, v) for k, v in components.items() if k in self.sections}
            if kept:
                part["components"] = kept
        elif "components" in self.doc:
            part["components"] = components
        return {k: part[k] for k in self.doc if k in part}  # in the document's order

    def _walk(self, where: Where, node: Any) -> None:
        """Follow the references in ``node`` (at ``where``), once."""
        if tuple(where) not in self.walked:
            self.walked.add(tuple(where))
            self.todo.append((node, where))

    def select(self, path: str, item: dict[str, Any], config: Config) -> None:
        """Keep the operations of the path item that ``config`` selects."""
        operations = target(self.doc, item)
        if not isinstance(operations, dict):
            return
        for method, op in operations.items():
            if method in HTTP_METHODS and isinstance(op, dict):
                op_id, tags = operation_identity(path, method, op)
                if resource_tag(config, tags, op_id) is not None:
                    self.keep_path(path, method)  # a path item that is a reference: its own fields are the reference

    def keep_path(self, path: str, method: str | None) -> None:
        """Keep a path item's own fields and its operation ``method`` ("": none; None: the whole path item)."""
        item = self.paths[path]
        if path in self.items and self.items[path] is None:
            return
        if method is None or not isinstance(item, dict):
            self.items[path] = None
            self._walk(["paths", path], item)
            return
        kept = self.items.setdefault(path, set())
        if ("paths", path, "") not in self.walked:  # its own fields, once
            self.walked.add(("paths", path, ""))
            self.todo.append(({k: v for k, v in item.items() if k not in HTTP_METHODS}, ["paths", path]))
        if kept is not None and method and method in item:
            kept.add(method)
            self._walk(["paths", path, method], item[method])

    def keep_component(self, tokens: list[str]) -> None:
        """Keep the components entry ``tokens`` (a section and a name) leads to: all of them, or a section."""
        components = self.doc["components"]
        if self.all_components:
            return
        if not tokens or not isinstance(components, dict):
            self.all_components = True
            self._walk(["components"], components)
            return
        section = components[tokens[0]]
        if tokens[0] in self.sections and self.sections[tokens[0]] is None:
            return
        if len(tokens) == 1 or not isinstance(section, dict):
            self.sections[tokens[0]] = None
            if not isinstance(section, dict):
                self._walk(["components", tokens[0]], section)
            for name, entry in section.items() if isinstance(section, dict) else ():
                self._walk(["components", tokens[0], name], entry)  # each entry: a name is never a keyword
            return
        names = self.sections.setdefault(tokens[0], set())
        if names is not None:
            names.add(tokens[1])
            self._walk(["components", tokens[0], tokens[1]], section[tokens[1]])

    def _reach(self, ref: str) -> None:
        """Keep what a local reference points to, and follow the references inside it."""
        try:
            tokens = split_ref(ref)
            target = lookup(self.doc, tokens)
        except (KeyError, ValueError):
            return  # not followed: the reference stays where it is, for the validator to report
        if not tokens:
            self.whole = True
            return
        if tokens[0] == "paths":
            if len(tokens) == 1:
                for path in self.paths:
                    self.keep_path(path, None)
            else:
                self.keep_path(tokens[1], None if len(tokens) == 2 else tokens[2] if tokens[2] in HTTP_METHODS else "")
        elif tokens[0] == "components":
            self.keep_component(tokens[1:])
        self._walk(list(tokens), target)  # the target itself (a field kept as it is, or one inside a kept region)

    def _item(self, path: str) -> Any:
        item = self.paths[path]
        kept = self.items[path]
        if kept is None:
            return item
        return {k: v for k, v in item.items() if k not in HTTP_METHODS or k in kept}

    def _section(self, key: str, value: Any) -> Any:
        names = self.sections[key]
        if names is None or not isinstance(value, dict):
            return value
        return {n: v for n, v in value.items() if n in names}
