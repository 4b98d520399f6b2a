"""What changed for callers of the generated client between two IRs of a spec.

Every change is named as callers see it (``client.<resource>.<method>``, keyword
arguments, ``<Model>.<field>``, error classes) and classified as breaking
(callers' code may stop working, stop type-checking, or silently do something
else) or not; the report suggests a semver bump. The rules:

* a method, model, named enum, error class, parameter or field removed or renamed: breaking;
* a Python name bound to something else (a method to another HTTP method or
  path, a field or parameter to another wire name): breaking;
* the server URL changed (scheme, host, port or base path): breaking, and a
  security matter (the API key goes to the new server);
* inputs (parameters, request bodies and the models they take): a parameter
  made required or a required one added, a type that accepts less than before
  (enum values removed included): breaking;
* outputs (return types, the models they hold, error bodies): a type that can
  now hold what it could not (a field made optional, a type widened): breaking;
  enum values added to an output are not (the client keeps unknown values);
* additions are minor; documentation-only changes are patches.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from generator import typemap
from generator.diff_report import Change, Report, Side
from generator.ir import (
    ANY,
    NONE,
    Api,
    Body,
    Enum,
    ListOf,
    LiteralOf,
    MapOf,
    Model,
    Nullable,
    Operation,
    Param,
    Scalar,
    TypeNode,
    UnionOf,
    models_in,
)


def within(a: TypeNode, b: TypeNode, open_enums: bool = False) -> bool:
    """Every value of ``a`` is a value of ``b`` (``open_enums``: any enum fits any enum of the same base)."""
    if a == b or b == ANY:
        return True
    if a == ANY:
        return False
    if isinstance(a, UnionOf):
        return all(within(o, b, open_enums) for o in a.options)
    if isinstance(b, UnionOf):
        return any(within(a, o, open_enums) for o in b.options)
    if isinstance(b, Nullable):
        return a == NONE or within(a.inner if isinstance(a, Nullable) else a, b.inner, open_enums)
    if isinstance(a, Nullable) or a == NONE:
        return False
    if isinstance(a, LiteralOf) and isinstance(b, LiteralOf):
        return open_enums or set(a.values) <= set(b.values)
    if isinstance(a, LiteralOf) and isinstance(b, Scalar):
        return all(within(_scalar_of(v), b) for v in a.values)
    if isinstance(a, Scalar) and isinstance(b, Scalar):
        return (a.kind, b.kind) == ("int", "float")
    if isinstance(a, ListOf) and isinstance(b, ListOf):
        return within(a.item, b.item, open_enums)
    if isinstance(a, MapOf) and isinstance(b, MapOf):
        return within(a.value, b.value, open_enums)
    return False


def _scalar_of(value: object) -> TypeNode:
    if isinstance(value, bool):
        return Scalar("bool")
    if isinstance(value, int):
        return Scalar("int")
    return Scalar("str") if isinstance(value, str) else ANY


def _literals(node: TypeNode) -> tuple[str, tuple[object, ...]] | None:
    """(the shape around an enum, its values) when ``node`` is an enum, possibly in a list or nullable."""
    if isinstance(node, LiteralOf):
        return "", node.values
    if isinstance(node, (ListOf, Nullable)):
        inner = _literals(node.item if isinstance(node, ListOf) else node.inner)
        return (type(node).__name__ + inner[0], inner[1]) if inner else None
    return None


def describe(old: TypeNode, new: TypeNode) -> str:
    """A short account of a type change: the enum values added and removed, or the two annotations."""
    a, b = _literals(old), _literals(new)
    if a is not None and b is not None and a[0] == b[0]:
        added = [v for v in b[1] if v not in a[1]]
        removed = [v for v in a[1] if v not in b[1]]
        parts = ([f"values added: {', '.join(map(repr, added))}"] if added else []) + ([f"values removed: {', '.join(map(repr, removed))}"] if removed else [])
        return "enum " + "; ".join(parts)
    text = f"{typemap.annotation(old)} -> {typemap.annotation(new)}"
    return text if len(text) <= 240 else text[:237] + "..."


def _server(api: Api) -> tuple[str, str, int | None, str]:
    parts = urlsplit(api.base_url)
    try:
        port = parts.port
    except ValueError:
        port = None
    scheme = parts.scheme.lower()
    if port is None:
        port = {"http": 80, "https": 443}.get(scheme)  # the default port spelled out is the same server
    return scheme, parts.hostname or "", port, parts.path.rstrip("/")


def _explicit_port(url: str) -> bool:
    try:
        return urlsplit(url).port is not None
    except ValueError:
        return False


def _roles(api: Api) -> tuple[set[str], set[str]]:
    """Model names reachable from inputs and from outputs."""
    table = {m.name: m for m in api.models}

    def close(names: Iterable[str]) -> set[str]:
        seen: set[str] = set()
        stack = list(names)
        while stack:
            name = stack.pop()
            if name in seen or name not in table:
                continue
            seen.add(name)
            model = table[name]
            for node in [f.type for f in model.fields] + ([model.extra] if model.extra else []):
                stack.extend(models_in(node))
        return seen

    inputs: set[str] = set()
    outputs: set[str] = set()
    for op in api.operations:
        for p in op.params:
            inputs |= models_in(p.type)
        if op.body is not None:
            inputs |= models_in(op.body.type)
        outputs |= models_in(op.returns)
        for r in op.responses:
            if r.type is not None:
                outputs |= models_in(r.type)
    return close(inputs), close(outputs)


def _arguments(op: Operation) -> dict[str, Param | Body]:
    found: dict[str, Param | Body] = {p.name: p for p in op.params}
    if op.body is not None:
        found[op.body.name] = op.body
    return found


class _Differ:
    def __init__(self, old: Api, new: Api) -> None:
        self.old, self.new = old, new
        self.changes: list[Change] = []
        self.old_in, self.old_out = _roles(old)
        self.new_in, self.new_out = _roles(new)

    def add(self, kind: str, where: str, message: str, bump: str) -> None:
        self.changes.append(Change(kind, where, message, bump))

    def run(self) -> list[Change]:
        self.servers()
        self.resources()
        self.models()
        self.enums()
        self.errors()
        return self.changes

    def servers(self) -> None:
        old, new = _server(self.old), _server(self.new)
        if old != new:
            what = [n for n, a, b in zip(("scheme", "host", "port", "base path"), old, new, strict=True) if a != b]
            if "scheme" in what and not _explicit_port(self.old.base_url) and not _explicit_port(self.new.base_url):
                what.remove("port")  # each scheme's default port: the scheme is what changed
            self.add("server-changed", "Client base URL", f"{', '.join(what)} changed: {self.old.base_url!r} -> {self.new.base_url!r} (security: the API key is sent to the new server)", "major")

    def resources(self) -> None:
        old = {(r.attr, op.name): op for r in self.old.resources for op in r.operations}
        new = {(r.attr, op.name): op for r in self.new.resources for op in r.operations}
        new_by_identity = {op.identity: key for key, op in new.items()}
        for key in sorted(old.keys() - new.keys()):
            moved = new_by_identity.get(old[key].identity)
            message = f"method removed ({old[key].identity})" + (f"; that operation is now client.{moved[0]}.{moved[1]}" if moved else "")
            self.add("operation-removed", f"client.{key[0]}.{key[1]}", message, "major")
        for key in sorted(new.keys() - old.keys()):
            self.add("operation-added", f"client.{key[0]}.{key[1]}", f"method added ({new[key].identity})", "minor")
        for key in sorted(old.keys() & new.keys()):
            self.operation(f"client.{key[0]}.{key[1]}", old[key], new[key])

    def operation(self, where: str, old: Operation, new: Operation) -> None:
        if old.identity != new.identity:
            self.add("operation-rebound", where, f"now calls {new.identity} instead of {old.identity}", "major")
        old_params = _arguments(old)
        new_params = _arguments(new)
        if [p.name for p in old.positional] != [p.name for p in new.positional][: len(old.positional)] or len(new.positional) != len(old.positional):
            self.add("parameter-order-changed", where, f"positional arguments ({', '.join(p.name for p in old.positional)}) -> ({', '.join(p.name for p in new.positional)})", "major")
        for name in sorted(old_params.keys() - new_params.keys()):
            self.add("parameter-removed", f"{where}({name}=)", "parameter removed or renamed", "major")
        for name in sorted(new_params.keys() - old_params.keys()):
            required = new_params[name].required
            self.add("parameter-added", f"{where}({name}=)", "required parameter added" if required else "optional parameter added", "major" if required else "minor")
        for name in sorted(old_params.keys() & new_params.keys()):
            a, b = old_params[name], new_params[name]
            at = f"{where}({name}=)"
            if (a.location, a.wire) != (b.location, b.wire):
                self.add("parameter-rebound", at, f"now sent as {b.location} {b.wire!r} instead of {a.location} {a.wire!r}", "major")
            if b.required and not a.required:
                self.add("parameter-required-changed", at, "now required", "major")
            elif a.required and not b.required:
                self.add("parameter-required-changed", at, "now optional", "minor")
            self.typed("parameter-type-changed", at, a.type, b.type, input_side=True)
        self.typed("return-type-changed", f"{where}() ->", old.returns, new.returns, input_side=False)
        old_errors = {r.key: r.error for r in old.responses if not r.success}
        new_errors = {r.key: r.error for r in new.responses if not r.success}
        for key in sorted(old_errors.keys() & new_errors.keys()):
            if old_errors[key] and old_errors[key] != new_errors[key]:
                self.add("error-class-changed", where, f"a {key} response now raises {new_errors[key] or typemap.status_base(key)} instead of {old_errors[key]}", "major")
        if (old.pagination is None) != (new.pagination is None):
            added = new.pagination is not None
            self.add("pagination-added" if added else "pagination-removed", where, "pagination added" if added else "pagination removed", "minor" if added else "major")

    def typed(self, kind: str, where: str, old: TypeNode, new: TypeNode, *, input_side: bool) -> None:
        if old == new:
            return
        if input_side:
            breaking = not within(old, new)
        else:
            breaking = not within(new, old, open_enums=True)
        self.add(kind, where, describe(old, new), "major" if breaking else "minor")

    def named(self, kind: str, what: str, old: Iterable[Model | Enum], new: Iterable[Model | Enum]) -> list[str]:
        """Names callers import (models, named enums): removed (breaking; where its identity went,
        when it is still there) and added. The names in both, to compare further."""
        before = {item.name: item.identity for item in old}
        after = {item.name: item.identity for item in new}
        by_identity = {identity: name for name, identity in after.items()}
        for name in sorted(before.keys() - after.keys()):
            moved = by_identity.get(before[name])
            self.add(f"{kind}-removed", name, f"{what} removed" + (f"; it is now {moved}" if moved else ""), "major")
        for name in sorted(after.keys() - before.keys()):
            self.add(f"{kind}-added", name, f"{what} added", "minor")
        return sorted(before.keys() & after.keys())

    def models(self) -> None:
        old = {m.name: m for m in self.old.models}
        new = {m.name: m for m in self.new.models}
        for name in self.named("model", "model", self.old.models, self.new.models):
            self.model(name, old[name], new[name])

    def model(self, name: str, old: Model, new: Model) -> None:
        is_input = name in self.old_in or name in self.new_in
        is_output = name in self.old_out or name in self.new_out
        old_fields = {f.name: f for f in old.fields}
        new_fields = {f.name: f for f in new.fields}
        for field in sorted(old_fields.keys() - new_fields.keys()):
            self.add("field-removed", f"{name}.{field}", "field removed or renamed", "major")
        for field in sorted(new_fields.keys() - old_fields.keys()):
            required_input = is_input and new_fields[field].required
            self.add("field-added", f"{name}.{field}", "required field added (callers build this model)" if required_input else "field added", "major" if required_input else "minor")
        for field in sorted(old_fields.keys() & new_fields.keys()):
            a, b = old_fields[field], new_fields[field]
            at = f"{name}.{field}"
            if a.wire != b.wire:
                self.add("field-rebound", at, f"now reads the wire field {b.wire!r} instead of {a.wire!r}", "major")
            if a.required != b.required:
                breaking = (is_output and a.required) or (is_input and b.required)
                self.add("field-required-changed", at, "now required" if b.required else "now optional", "major" if breaking else "minor")
            if a.type != b.type:
                breaking = (is_input and not within(a.type, b.type)) or (is_output and not within(b.type, a.type, open_enums=True))
                self.add("field-type-changed", at, describe(a.type, b.type), "major" if breaking else "minor")

    def enums(self) -> None:
        """Named enums: their values are compared where they are used; here, the names callers import."""
        self.named("enum", "enum type", self.old.enums, self.new.enums)

    def errors(self) -> None:
        old = {e.name: e for e in self.old.errors}
        new = {e.name: e for e in self.new.errors}
        for name in sorted(old.keys() - new.keys()):
            self.add("error-removed", name, "error class removed", "major")
        for name in sorted(new.keys() - old.keys()):
            self.add("error-added", name, "error class added", "minor")
        for name in sorted(old.keys() & new.keys()):
            a, b = old[name], new[name]
            if a.body != b.body and a.body is not None and b.body is not None:
                self.add("error-body-changed", name, f"body {typemap.annotation(a.body)} -> {typemap.annotation(b.body)}", "major")


def _side(label: str, api: Api) -> Side:
    return Side(label, api.title, api.version, api.spec_sha256, api.operation_count, len(api.models))


def compare(old: Api, new: Api, old_label: str, new_label: str, notes: Iterable[str] = ()) -> Report:
    """The report of what changed for callers (``notes``: what settling the new names said)."""
    changes = _Differ(old, new).run()
    return Report(_side(old_label, old), _side(new_label, new), tuple(sorted(changes, key=Change.sort_key)), tuple(notes))
