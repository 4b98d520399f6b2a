"""What changed for callers of the generated client between two versions of a spec.

Both documents go through the same load, validate and build path as ``generate``
(leniently: a history spec the validator dislikes is still compared), and the
comparison runs on the intermediate model, so every change is named as callers
see it: ``client.<resource>.<method>``, keyword arguments, ``models.<Class>.<field>``,
``errors.<Class>``. Each change is classified as breaking (callers' code may stop
working or stop type-checking) or not, and the report suggests a semver bump.

The rules, from the caller's side:

* an operation, model, error class or resource removed, a parameter or field
  removed or renamed, a required parameter added, a method's positional
  arguments reordered, a documented error now raised as another class: breaking;
* a parameter becoming required, or its type narrowing, or an enum value it
  accepts being removed: breaking (inputs);
* a field of a model the API returns becoming optional (``| Unset``) or its type
  widening: breaking (outputs); a field of a model callers build (request
  bodies) becoming required, or gaining a required field: breaking (inputs);
* additions (operations, optional parameters, fields, enum values, models,
  error classes, responses) are minor; a new path or HTTP method behind the
  same Python method, or a new wire name behind the same Python name, is a patch.

Enum values added to an output are not breaking: the client keeps a value the
spec did not list as it came.
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import json
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from generator.config import Config
from generator.ir import Api, Field, Model, Operation, Param

BUMPS = ("none", "patch", "minor", "major")
# Stable order of kinds inside one place, for a readable report.
_KIND_ORDER = {
    kind: i
    for i, kind in enumerate(
        (
            "resource-removed", "resource-added",
            "operation-removed", "operation-added", "operation-endpoint-changed",
            "parameter-removed", "parameter-renamed", "parameter-added", "parameter-order-changed",
            "parameter-required-changed", "parameter-type-changed", "parameter-enum-values-removed",
            "parameter-enum-values-added", "parameter-location-changed", "parameter-wire-name-changed",
            "return-type-changed", "return-enum-values-removed", "return-enum-values-added",
            "response-removed", "response-added", "error-class-changed",
            "model-removed", "model-renamed", "model-added",
            "field-removed", "field-renamed", "field-added", "field-required-changed", "field-type-changed",
            "field-enum-values-removed", "field-enum-values-added", "field-wire-name-changed",
            "error-removed", "error-added", "error-body-changed",
        )
    )
}


@dataclasses.dataclass(frozen=True)
class Change:
    kind: str
    where: str  # the Python name callers use
    message: str
    bump: str  # patch, minor or major
    details: tuple[tuple[str, Any], ...] = ()

    @property
    def breaking(self) -> bool:
        return self.bump == "major"

    def sort_key(self) -> tuple[int, str, int, str]:
        return (-BUMPS.index(self.bump), self.where, _KIND_ORDER.get(self.kind, 99), self.message)

    def as_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "where": self.where, "breaking": self.breaking, "bump": self.bump, "message": self.message, **dict(self.details)}


@dataclasses.dataclass(frozen=True)
class Side:
    label: str
    title: str
    version: str
    sha256: str
    operations: int
    models: int


@dataclasses.dataclass(frozen=True)
class Report:
    old: Side
    new: Side
    changes: tuple[Change, ...]

    @property
    def breaking(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.breaking)

    @property
    def bump(self) -> str:
        return max((c.bump for c in self.changes), key=BUMPS.index, default="none")

    def as_json(self) -> dict[str, Any]:
        def side(s: Side) -> dict[str, Any]:
            return dataclasses.asdict(s)

        return {
            "old": side(self.old),
            "new": side(self.new),
            "summary": {"breaking": len(self.breaking), "non_breaking": len(self.changes) - len(self.breaking), "suggested_bump": self.bump, "by_kind": self.by_kind()},
            "changes": [c.as_json() for c in self.changes],
        }

    def by_kind(self) -> dict[str, dict[str, int]]:
        """How many changes of each kind, breaking and not (kinds in a fixed order)."""
        out: dict[str, dict[str, int]] = {}
        for c in sorted(self.changes, key=lambda c: (_KIND_ORDER.get(c.kind, 99), c.kind)):
            counts = out.setdefault(c.kind, {"breaking": 0, "non_breaking": 0})
            counts["breaking" if c.breaking else "non_breaking"] += 1
        return out

    def to_json(self) -> str:
        return json.dumps(self.as_json(), indent=2, sort_keys=False, ensure_ascii=False) + "\n"

    def to_markdown(self) -> str:
        o, n = self.old, self.new
        lines = [
            f"# API changes: {o.label} → {n.label}",
            "",
            f"- old: {o.title} {o.version}, {o.operations} operations, {o.models} models, sha256 `{o.sha256[:12]}`",
            f"- new: {n.title} {n.version}, {n.operations} operations, {n.models} models, sha256 `{n.sha256[:12]}`",
            f"- suggested version bump: **{self.bump}** ({len(self.breaking)} breaking, {len(self.changes) - len(self.breaking)} non-breaking)",
        ]
        if not self.changes:
            lines += ["", "No changes for callers of the generated client."]
        else:
            lines += ["", "| change | breaking | non-breaking |", "|---|---:|---:|"]
            lines += [f"| {kind} | {n['breaking']} | {n['non_breaking']} |" for kind, n in self.by_kind().items()]
        for title, group in (("Breaking changes", self.breaking), ("Non-breaking changes", tuple(c for c in self.changes if not c.breaking))):
            if group:
                lines += ["", f"## {title}", ""]
                lines += [f"- `{c.where}`: {c.message}" for c in group]
        return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- annotations


def _literal_values(node: ast.Subscript) -> list[Any]:
    elts = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
    out: list[Any] = []
    for elt in elts:
        try:
            out.append(ast.literal_eval(elt))
        except ValueError:
            out.append(ast.unparse(elt))
    return out


class _Shape(ast.NodeTransformer):
    """Replace each ``Literal[...]`` by a numbered placeholder and keep its values."""

    def __init__(self) -> None:
        self.enums: list[list[Any]] = []

    def visit_Subscript(self, node: ast.Subscript) -> ast.AST:
        if isinstance(node.value, ast.Name) and node.value.id == "Literal":
            self.enums.append(_literal_values(node))
            return ast.Name(id=f"__enum{len(self.enums) - 1}__", ctx=ast.Load())
        self.generic_visit(node)
        return node


def _shape(annotation: str) -> tuple[str, list[list[Any]]]:
    try:
        tree = ast.parse(annotation, mode="eval")
    except SyntaxError:
        return annotation, []
    shaper = _Shape()
    tree = shaper.visit(tree)
    return ast.unparse(tree), shaper.enums


def _members(node: ast.expr) -> list[ast.expr]:
    """The members of a union (``A | B | None`` → [A, B, None])."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return _members(node.left) + _members(node.right)
    return [node]


# A value of the key's type is also a value of each of these (as type checkers see it).
_SUPERTYPES = {"bool": {"int", "float"}, "int": {"float"}}


def _literal_base(values: list[Any]) -> str | None:
    for name, kind in (("bool", bool), ("int", int), ("str", str)):
        if all(isinstance(v, kind) and (kind is not int or not isinstance(v, bool)) for v in values):
            return name
    return None


def _within(a: ast.expr, b: ast.expr) -> bool:
    """Whether every value of type ``a`` is a value of type ``b`` (a conservative check)."""
    a_members, b_members = _members(a), _members(b)
    if len(a_members) > 1:
        return all(_within(m, b) for m in a_members)
    if len(b_members) > 1:
        return any(_within(a, m) for m in b_members)
    if ast.unparse(a) == ast.unparse(b):
        return True
    if isinstance(a, ast.Subscript) and isinstance(a.value, ast.Name) and a.value.id == "Literal":
        values = _literal_values(a)
        if isinstance(b, ast.Subscript) and isinstance(b.value, ast.Name) and b.value.id == "Literal":
            return all(v in _literal_values(b) for v in values)
        base = _literal_base(values)
        return base is not None and isinstance(b, ast.Name) and (b.id == base or b.id in _SUPERTYPES.get(base, set()))
    if isinstance(a, ast.Name) and isinstance(b, ast.Name):
        return b.id in _SUPERTYPES.get(a.id, set())
    if isinstance(a, ast.Subscript) and isinstance(b, ast.Subscript) and ast.unparse(a.value) == ast.unparse(b.value):
        a_args: list[ast.expr] = a.slice.elts if isinstance(a.slice, ast.Tuple) else [a.slice]
        b_args: list[ast.expr] = b.slice.elts if isinstance(b.slice, ast.Tuple) else [b.slice]
        return len(a_args) == len(b_args) and all(_within(x, y) for x, y in zip(a_args, b_args, strict=True))
    return False


def _parse(annotation: str) -> ast.expr | None:
    try:
        return ast.parse(annotation, mode="eval").body
    except SyntaxError:
        return None


def _rename(annotation: str, renames: dict[str, str]) -> str:
    if not renames:
        return annotation
    pattern = re.compile(r"\b(" + "|".join(re.escape(k) for k in sorted(renames, key=len, reverse=True)) + r")\b")
    return pattern.sub(lambda m: renames[m.group(1)], annotation)


def _fmt(values: Iterable[Any]) -> str:
    return ", ".join(json.dumps(v, ensure_ascii=False) if isinstance(v, str) else repr(v) for v in values)


@dataclasses.dataclass(frozen=True)
class _TypeDelta:
    """How one annotation changed: enum values per position, or the type itself."""

    enum_added: tuple[Any, ...] = ()
    enum_removed: tuple[Any, ...] = ()
    changed: bool = False  # not only enum values
    widened: bool = False
    narrowed: bool = False


def _type_delta(old: str, new: str) -> _TypeDelta:
    if old == new:
        return _TypeDelta()
    old_shape, old_enums = _shape(old)
    new_shape, new_enums = _shape(new)
    if old_shape == new_shape and len(old_enums) == len(new_enums):
        added: list[Any] = []
        removed: list[Any] = []
        for a, b in zip(old_enums, new_enums, strict=True):
            added += [v for v in b if v not in a and v not in added]
            removed += [v for v in a if v not in b and v not in removed]
        return _TypeDelta(tuple(added), tuple(removed))
    old_node, new_node = _parse(old), _parse(new)
    if old_node is None or new_node is None:
        return _TypeDelta(changed=True)
    forward, backward = _within(old_node, new_node), _within(new_node, old_node)
    return _TypeDelta(changed=True, widened=forward and not backward, narrowed=backward and not forward)


# ---------------------------------------------------------------- the comparison


def _op_params(op: Operation) -> tuple[Param, ...]:
    return (*op.positional, *op.keyword)


def _model_roles(api: Api) -> tuple[set[str], set[str]]:
    """Models callers build (reachable from parameters) and models the API returns."""
    models = {m.name: m for m in api.models}

    def reach(start: Iterable[str]) -> set[str]:
        seen: set[str] = set()
        stack = [n for n in start if n in models]
        while stack:
            name = stack.pop()
            if name in seen:
                continue
            seen.add(name)
            for f in models[name].fields:
                stack += [m for m in _names_in(f.type.annotation, models) | set(f.type.models) if m in models]
        return seen

    inputs = reach(n for r in api.resources for op in r.operations for p in _op_params(op) for n in _names_in(p.type.annotation, models) | set(p.type.models))
    outputs = reach([n for r in api.resources for op in r.operations for n in _names_in(op.return_type, models)] + [e.body_type for e in api.errors])
    return inputs, outputs


def _names_in(annotation: str, table: dict[str, Any]) -> set[str]:
    return {t for t in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", annotation) if t in table}


def _signature(model: Model) -> tuple[Any, ...]:
    return tuple(sorted((f.name, f.wire, f.required, f.type.annotation) for f in model.fields))


def _pair_renamed(removed: dict[str, Any], added: dict[str, Any], wire: Any, same: Any) -> list[tuple[str, str]]:
    """Pair removed and added items that are one item under a new Python name.

    First by identical wire name; then, when exactly one is left on each side and
    they look alike (``same``), those two.
    """
    pairs: list[tuple[str, str]] = []
    by_wire: dict[Any, list[str]] = {}
    for name in sorted(added):
        by_wire.setdefault(wire(added[name]), []).append(name)
    for name in sorted(removed):
        candidates = [c for c in by_wire.get(wire(removed[name]), []) if c not in {b for _, b in pairs}]
        if len(candidates) == 1:
            pairs.append((name, candidates[0]))
    left_old = [n for n in removed if n not in {a for a, _ in pairs}]
    left_new = [n for n in added if n not in {b for _, b in pairs}]
    if len(left_old) == 1 and len(left_new) == 1 and same(removed[left_old[0]], added[left_new[0]]):
        pairs.append((left_old[0], left_new[0]))
    return pairs


class _Differ:
    def __init__(self, old: Api, new: Api) -> None:
        self.old, self.new = old, new
        self.changes: list[Change] = []
        old_in, old_out = _model_roles(old)
        new_in, new_out = _model_roles(new)
        self.inputs = old_in | new_in
        self.outputs = old_out | new_out
        self.renames: dict[str, str] = {}  # old model name -> new model name

    def add(self, kind: str, where: str, message: str, bump: str, **details: Any) -> None:
        self.changes.append(Change(kind, where, message, bump, tuple(sorted(details.items()))))

    def run(self) -> tuple[Change, ...]:
        self.models()
        self.errors()
        self.resources()
        unique = {(c.kind, c.where, c.message): c for c in self.changes}
        return tuple(sorted(unique.values(), key=Change.sort_key))

    # ------------------------------------------------------------ models
    def models(self) -> None:
        old = {m.name: m for m in self.old.models}
        new = {m.name: m for m in self.new.models}
        removed = {n: old[n] for n in old.keys() - new.keys()}
        added = {n: new[n] for n in new.keys() - old.keys()}
        by_signature: dict[tuple[Any, ...], list[str]] = {}
        for name in sorted(added):
            by_signature.setdefault(_signature(added[name]), []).append(name)
        for name in sorted(removed):
            matches = by_signature.get(_signature(removed[name]), [])
            if len(matches) == 1 and removed[name].fields:
                self.renames[name] = matches.pop()
        for name in sorted(removed):
            if name in self.renames:
                target = self.renames[name]
                self.add("model-renamed", f"models.{name}", f"model renamed to `{target}` (same fields)", "major", old=name, new=target)
            else:
                self.add("model-removed", f"models.{name}", "model removed", "major")
        for name in sorted(added.keys() - set(self.renames.values())):
            self.add("model-added", f"models.{name}", f"model added ({len(new[name].fields)} fields)", "minor")
        for name in sorted(old.keys() & new.keys()):
            self.fields(name, old[name], new[name])

    def fields(self, model: str, old_model: Model, new_model: Model) -> None:
        old = {f.name: f for f in old_model.fields}
        new = {f.name: f for f in new_model.fields}
        is_input, is_output = model in self.inputs, model in self.outputs
        removed = {n: old[n] for n in old.keys() - new.keys()}
        added = {n: new[n] for n in new.keys() - old.keys()}
        pairs = _pair_renamed(removed, added, lambda f: f.wire, lambda a, b: a.required == b.required and _rename(a.type.annotation, self.renames) == b.type.annotation)
        base = f"models.{model}"
        for a, b in pairs:
            wires = json.dumps(new[b].wire) if old[a].wire == new[b].wire else f"{json.dumps(new[b].wire)}, was {json.dumps(old[a].wire)}"
            self.add("field-renamed", f"{base}.{a}", f"field renamed to `{b}` (wire name {wires})", "major", old=a, new=b)
            self.field(base, dataclasses.replace(old[a], wire=new[b].wire), new[b], is_input, is_output)
        renamed_old, renamed_new = {a for a, _ in pairs}, {b for _, b in pairs}
        for name in sorted(removed.keys() - renamed_old):
            self.add("field-removed", f"{base}.{name}", f"field removed (wire name {json.dumps(old[name].wire)})", "major")
        for name in sorted(added.keys() - renamed_new):
            f = new[name]
            if f.required and is_input:
                self.add("field-added", f"{base}.{name}", f"required field added: `{f.type.annotation}`; building `{model}` now needs it", "major", required=True, type=f.type.annotation)
            else:
                self.add("field-added", f"{base}.{name}", f"{'required' if f.required else 'optional'} field added: `{f.type.annotation}`", "minor", required=f.required, type=f.type.annotation)
        for name in sorted(old.keys() & new.keys()):
            self.field(base, old[name], new[name], is_input, is_output)

    def field(self, base: str, old: Field, new: Field, is_input: bool, is_output: bool) -> None:
        where = f"{base}.{new.name}"
        if old.wire != new.wire:
            self.add("field-wire-name-changed", where, f"wire name changed from {json.dumps(old.wire)} to {json.dumps(new.wire)}", "patch")
        if old.required != new.required:
            if new.required:
                bump = "major" if is_input else "minor"
                self.add("field-required-changed", where, "field is now required" + ("; building the model needs it" if is_input else ""), bump, required=True)
            else:
                bump = "major" if is_output else "minor"
                self.add("field-required-changed", where, "field is now optional" + ("; reading it may give UNSET" if is_output else ""), bump, required=False)
        self.type_change("field", where, _rename(old.type.annotation, self.renames), new.type.annotation, is_input, is_output)

    def type_change(self, what: str, where: str, old: str, new: str, is_input: bool, is_output: bool) -> None:
        delta = _type_delta(old, new)
        if delta.changed:
            if delta.widened:
                bump, how = ("major" if is_output else "minor"), "widened"
            elif delta.narrowed:
                bump, how = ("major" if is_input else "minor"), "narrowed"
            else:
                bump, how = "major", "changed"
            self.add(f"{what}-type-changed", where, f"type {how} from `{old}` to `{new}`", bump, old_type=old, new_type=new)
        if delta.enum_removed:
            self.add(f"{what}-enum-values-removed", where, f"enum values removed: {_fmt(delta.enum_removed)}", "major" if is_input else "minor", values=list(delta.enum_removed))
        if delta.enum_added:
            self.add(f"{what}-enum-values-added", where, f"enum values added: {_fmt(delta.enum_added)}", "minor", values=list(delta.enum_added))

    # ------------------------------------------------------------ errors
    def errors(self) -> None:
        old = {e.name: e for e in self.old.errors}
        new = {e.name: e for e in self.new.errors}
        for name in sorted(old.keys() - new.keys()):
            self.add("error-removed", f"errors.{name}", f"error class removed (was a `{old[name].base}` with body `{old[name].body_type}`)", "major")
        for name in sorted(new.keys() - old.keys()):
            self.add("error-added", f"errors.{name}", f"error class added (a `{new[name].base}` with body `{new[name].body_type}`)", "minor")
        for name in sorted(old.keys() & new.keys()):
            a, b = old[name], new[name]
            if a.base != b.base or _rename(a.body_type, self.renames) != b.body_type:
                self.add("error-body-changed", f"errors.{name}", f"now a `{b.base}` with body `{b.body_type}` (was a `{a.base}` with body `{a.body_type}`)", "major")

    # ------------------------------------------------------------ operations
    def resources(self) -> None:
        old = {r.attr: r for r in self.old.resources}
        new = {r.attr: r for r in self.new.resources}
        for attr in sorted(old.keys() - new.keys()):
            self.add("resource-removed", f"client.{attr}", f"resource removed (`{old[attr].sync_class}`, {len(old[attr].operations)} operations)", "major")
        for attr in sorted(new.keys() - old.keys()):
            self.add("resource-added", f"client.{attr}", f"resource added (`{new[attr].sync_class}`)", "minor")
        for attr in sorted(old.keys() | new.keys()):
            old_ops = {op.name: op for op in old[attr].operations} if attr in old else {}
            new_ops = {op.name: op for op in new[attr].operations} if attr in new else {}
            for name in sorted(old_ops.keys() - new_ops.keys()):
                op = old_ops[name]
                self.add("operation-removed", f"client.{attr}.{name}", f"operation removed ({op.method} {op.path})", "major", method=op.method, path=op.path)
            for name in sorted(new_ops.keys() - old_ops.keys()):
                op = new_ops[name]
                self.add("operation-added", f"client.{attr}.{name}", f"operation added ({op.method} {op.path})", "minor", method=op.method, path=op.path)
            for name in sorted(old_ops.keys() & new_ops.keys()):
                self.operation(f"client.{attr}.{name}", old_ops[name], new_ops[name])

    def operation(self, where: str, old: Operation, new: Operation) -> None:
        if (old.method, old.path) != (new.method, new.path):
            self.add("operation-endpoint-changed", where, f"now calls {new.method} {new.path} (was {old.method} {old.path})", "patch")
        old_params = {p.name: p for p in _op_params(old)}
        new_params = {p.name: p for p in _op_params(new)}
        removed = {n: old_params[n] for n in old_params.keys() - new_params.keys()}
        added = {n: new_params[n] for n in new_params.keys() - old_params.keys()}
        pairs = _pair_renamed(removed, added, lambda p: (p.location, p.wire), lambda a, b: a.location == b.location and a.required == b.required and _rename(a.type.annotation, self.renames) == b.type.annotation)
        for a, b in pairs:
            p, q = old_params[a], new_params[b]
            sent = f" (sent as {json.dumps(q.wire)}, was {json.dumps(p.wire)})" if p.wire != q.wire else ""
            self.add("parameter-renamed", where, f"parameter `{a}` renamed to `{b}`{sent}", "major", old=a, new=b)
            self.parameter(where, dataclasses.replace(p, wire=q.wire), q)
        for name in sorted(removed.keys() - {a for a, _ in pairs}):
            self.add("parameter-removed", where, f"parameter `{name}` removed ({old_params[name].location})", "major", parameter=name)
        for name in sorted(added.keys() - {b for _, b in pairs}):
            p = new_params[name]
            kind = "required" if p.required else "optional"
            self.add("parameter-added", where, f"{kind} parameter `{name}` added ({p.location}, `{p.type.annotation}`)", "major" if p.required else "minor", parameter=name, required=p.required, type=p.type.annotation)
        old_pos = [p.name for p in old.positional]
        new_pos = [p.name for p in new.positional]
        renamed = dict(pairs)
        if [renamed.get(n, n) for n in old_pos] != new_pos and len(old_pos) == len(new_pos):
            self.add("parameter-order-changed", where, f"positional parameters are now ({', '.join(new_pos)}), were ({', '.join(old_pos)})", "major")
        for name in sorted(old_params.keys() & new_params.keys()):
            self.parameter(where, old_params[name], new_params[name])
        self.type_change("return", where, _rename(old.return_type, self.renames), new.return_type, False, True)
        self.responses(where, old, new)

    def parameter(self, where: str, old: Param, new: Param) -> None:
        label = f"parameter `{new.name}`"
        if old.location != new.location:
            self.add("parameter-location-changed", where, f"{label} is now sent in the {new.location} (was {old.location})", "patch", parameter=new.name)
        elif old.wire != new.wire:
            self.add("parameter-wire-name-changed", where, f"{label} is now sent as {json.dumps(new.wire)} (was {json.dumps(old.wire)})", "patch", parameter=new.name)
        if old.required != new.required:
            if new.required:
                self.add("parameter-required-changed", where, f"{label} is now required", "major", parameter=new.name, required=True)
            else:
                self.add("parameter-required-changed", where, f"{label} is now optional", "minor", parameter=new.name, required=False)
        before = len(self.changes)
        self.type_change("parameter", where, _rename(old.type.annotation, self.renames), new.type.annotation, True, False)
        # Name the parameter in the messages type_change just added.
        for i in range(before, len(self.changes)):
            c = self.changes[i]
            self.changes[i] = dataclasses.replace(c, message=f"{label}: {c.message}", details=tuple(sorted({**dict(c.details), "parameter": new.name}.items())))

    def responses(self, where: str, old: Operation, new: Operation) -> None:
        old_r = {r.key: r for r in old.responses}
        new_r = {r.key: r for r in new.responses}
        for key in sorted(old_r.keys() - new_r.keys()):
            r = old_r[key]
            what = f"error response {key} no longer documented" if r.error or not key.startswith("2") else f"response {key} no longer documented"
            self.add("response-removed", where, what + (f" (was raised as `{r.error.removeprefix('_e.')}`)" if r.error else ""), "minor", status=key)
        for key in sorted(new_r.keys() - old_r.keys()):
            r = new_r[key]
            if r.error:
                self.add("response-added", where, f"error response {key} added: raises `{r.error.removeprefix('_e.')}`", "minor", status=key, error=r.error.removeprefix("_e."))
            else:
                self.add("response-added", where, f"response {key} added ({r.kind})", "minor", status=key)
        for key in sorted(old_r.keys() & new_r.keys()):
            a, b = old_r[key].error.removeprefix("_e."), new_r[key].error.removeprefix("_e.")
            if a != b:
                if a and b:
                    self.add("error-class-changed", where, f"{key} is now raised as `{b}` (was `{a}`)", "major", status=key)
                elif a:
                    self.add("error-class-changed", where, f"{key} is no longer raised as `{a}` (its body is no longer documented as a model)", "major", status=key)
                else:
                    self.add("error-class-changed", where, f"{key} is now raised as `{b}`", "minor", status=key)


def compare(old: Api, new: Api, old_label: str, new_label: str) -> Report:
    def side(api: Api, label: str) -> Side:
        return Side(label, api.title, api.version, api.spec_sha256, api.operation_count, len(api.models))

    return Report(side(old, old_label), side(new, new_label), _Differ(old, new).run())


# ---------------------------------------------------------------- loading and the command


def load_api(path: Path, config: Config, warnings: list[str]) -> Api:
    """One side of a diff, through the same path as ``generate`` (leniently)."""
    from generator.build import build_api
    from generator.pipeline import load_and_validate

    side = dataclasses.replace(config, spec=path, lenient=True)
    doc, raw, name = load_and_validate(side, warnings)
    api = build_api(doc, name, side, raw)
    warnings.extend(api.warnings)
    return api


def command(args: argparse.Namespace) -> int:
    from generator.config import load_config
    from generator.errors import SpecError
    from generator.paths import display

    if args.config is not None and not args.config.is_file():
        raise SpecError(str(args.config), None, "no such file")
    config = load_config(args.config or Path("pyproject.toml"))
    cwd = Path.cwd()
    warnings: list[str] = []
    old_path, new_path = cwd / args.old, cwd / args.new
    old = load_api(old_path, config, warnings)
    new = load_api(new_path, config, warnings)
    if not args.quiet:
        for warning in warnings:
            print(f"warning: {warning}", file=sys.stderr)
    report = compare(old, new, display(old_path), display(new_path))
    sys.stdout.write(report.to_json() if args.format == "json" else report.to_markdown())
    if args.fail_on_breaking and report.breaking:
        count = len(report.breaking)
        print(f"error: {count} breaking change{'' if count == 1 else 's'} (suggested bump: {report.bump})", file=sys.stderr)
        return 1
    return 0
