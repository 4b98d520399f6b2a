"""JSON Schema to type nodes, and the models and named enums the schemas need.

Models are found as the selected operations reach them (an unused component
schema generates nothing). A model stands for a component schema
(``#/components/schemas/Pet``) or for an inline object schema; identical inline
schemas share one model. Models are keyed here by ``key`` (the component
pointer, or ``inline:`` and a hash of the schema) and referred to by that key in
``ModelRef`` until ``generator.build.finish`` settles their Python names.

Enums get a name (a ``Literal`` type alias) when they are a component schema of
their own or have ``NAMED_ENUM_MIN`` members or more: keyed by the component
pointer, or ``enum:`` and a hash of the values (identical enums share one), and
referred to by that key in ``LiteralOf.name`` until their names are settled.
Smaller inline enums are written out where they are used.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from generator import naming
from generator.build import values
from generator.build.context import Context, Where, text
from generator.build.drafts import EnumDraft, FieldDraft, ModelDraft, Site
from generator.errors import SpecError, pointer
from generator.ir import (
    ANY,
    NONE,
    OBJECT,
    Discriminator,
    ListOf,
    LiteralOf,
    MapOf,
    ModelRef,
    Scalar,
    TypeNode,
    UnionOf,
    nullable,
)
from generator.resolve import split_ref

MAX_SITES = 64
NAMED_ENUM_MIN = 6
_MEANINGLESS_KEY = re.compile(r"^(def|schema|model|type)?[-_]?\d+$", re.IGNORECASE)
_ANNOTATIONS = frozenset({"description", "title", "nullable", "readOnly", "writeOnly", "deprecated", "default", "example", "examples", "externalDocs", "$comment"})
# (type, format) -> scalar kind
_SCALARS = {
    ("string", ""): "str", ("string", "date-time"): "datetime", ("string", "date"): "date", ("string", "uuid"): "uuid",
    ("string", "binary"): "file", ("integer", ""): "int", ("number", ""): "float", ("boolean", ""): "bool",
}


def _canonical(schema: Any) -> str:
    return json.dumps(schema, sort_keys=True, default=str, ensure_ascii=False)


def _annotation_only(schema: Any) -> bool:
    """A schema that only describes (``{description: ...}``, ``{nullable: true}``) and constrains nothing."""
    return isinstance(schema, dict) and all(k in _ANNOTATIONS or k.startswith("x-") for k in schema)


def is_model_schema(schema: dict[str, Any]) -> bool:
    props = schema.get("properties")
    return isinstance(props, dict) and bool(props) and "allOf" not in schema


class Schemas:
    """Turns schemas into type nodes, collecting the models they need."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.models: dict[str, ModelDraft] = {}
        self.enums: dict[str, EnumDraft] = {}

    # ------------------------------------------------------------ entry point
    def type_of(self, schema: Any, where: Where, site: Site) -> TypeNode:
        """The type for a schema found at ``where`` (``site``: how a model made here is named)."""
        if isinstance(schema, bool):
            return ANY if schema else NONE
        if not isinstance(schema, dict):
            raise self.ctx.fail(where, "a schema must be an object")
        ref = schema.get("$ref")
        if isinstance(ref, str):
            return self._reference(schema, ref, where)
        is_nullable = schema.get("nullable") is True
        types = schema.get("type")
        type_list = [types] if isinstance(types, str) else list(types) if isinstance(types, list) else []
        if "null" in type_list:
            is_nullable = True
            type_list = [t for t in type_list if t != "null"]
            if not type_list and not any(k in schema for k in ("const", "enum", "allOf", "oneOf", "anyOf", "properties", "items")):
                return NONE  # {"type": "null"}, as in anyOf: [{$ref: ...}, {type: "null"}]
        result = self._inner(schema, type_list, where, site)
        return nullable(result) if is_nullable else result

    def _reference(self, schema: dict[str, Any], ref: str, where: Where) -> TypeNode:
        target, target_where = self.ctx.deref(schema, where)
        if not isinstance(target, (dict, bool)):
            raise self.ctx.fail([*where, "$ref"], f"reference {ref!r} does not point to a schema")
        tokens = split_ref(ref)
        key = pointer(target_where)
        site = Site(key, self._component_hint(tokens, target if isinstance(target, dict) else {}))
        if key in self.models:
            return ModelRef(key)
        if isinstance(target, dict) and is_model_schema(target):
            return self._new_model(key, target, target_where, site)
        return self.type_of(target, target_where, site)

    @staticmethod
    def _component_hint(tokens: list[str], schema: dict[str, Any]) -> str:
        key = tokens[-1] if tokens else "Model"
        title = schema.get("title")
        if (_MEANINGLESS_KEY.match(key) or not naming.words(key)) and isinstance(title, str) and naming.words(title):
            key = title
        return naming.pascal(key, "Model")

    # ------------------------------------------------------------ kinds
    def _inner(self, schema: dict[str, Any], type_list: list[Any], where: Where, site: Site) -> TypeNode:
        if "const" in schema:
            return self._literal([schema["const"]], [*where, "const"], type_list)
        if isinstance(schema.get("enum"), list) and schema["enum"]:
            present = [v for v in schema["enum"] if v is not None]
            if not present:
                return NONE
            result = self._named(self._literal(present, [*where, "enum"], type_list), schema, where, site)
            return nullable(result) if len(present) < len(schema["enum"]) else result
        if isinstance(schema.get("allOf"), list):
            return self._all_of(schema, where, site)
        for keyword in ("oneOf", "anyOf"):
            options = schema.get(keyword)
            if isinstance(options, list) and options:
                return self._union([*where, keyword], options, site.child(keyword, ""), schema.get("discriminator"))
        if len(type_list) > 1:
            return join([self._inner({**schema, "type": t}, [t], where, site) for t in type_list])
        kind = type_list[0] if type_list else ""
        if not kind:
            if "properties" in schema:
                kind = "object"
            elif "items" in schema:
                kind = "array"
            else:
                return ANY
        if kind == "array":
            items = schema.get("items", {})
            if "prefixItems" in schema and "items" not in schema:
                items = {}
            return ListOf(self.type_of(items, [*where, "items"], site.child("items", "Item")))
        if kind == "object":
            return self._object(schema, where, site)
        if kind == "null":
            return NONE
        fmt = text(schema, "format")
        found = _SCALARS.get((str(kind), fmt)) or _SCALARS.get((str(kind), ""))
        if found is None:
            raise self.ctx.fail([*where, "type"], f"unsupported schema type {kind!r}")
        return Scalar(found)

    def _object(self, schema: dict[str, Any], where: Where, site: Site) -> TypeNode:
        if is_model_schema(schema):
            key = "inline:" + hashlib.sha256(_canonical(schema).encode("utf-8", "surrogatepass")).hexdigest()[:16]
            if key in self.models:
                if site not in self.models[key].sites:
                    self.models[key].sites.append(site)
                return ModelRef(key)
            return self._new_model(key, schema, where, site)
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict) and extra:
            return MapOf(self.type_of(extra, [*where, "additionalProperties"], site.child("additionalProperties", "Value")))
        return OBJECT

    def _literal(self, values_: list[Any], where: Where, type_list: list[Any]) -> TypeNode:
        kept = values.enum_values(self.ctx, values_, where, type_list)
        if kept is None:
            return ANY
        if not kept:
            return NONE
        if any(isinstance(v, float) for v in kept):
            return Scalar("float") if all(isinstance(v, float) for v in kept) else ANY
        if any(isinstance(v, int) and not isinstance(v, bool) and not -(2**63) < v < 2**63 for v in kept):
            # mypy cannot read such an int inside Literal[]: the enum is typed by its values' type.
            return Scalar("int") if all(isinstance(v, int) and not isinstance(v, bool) for v in kept) else ANY
        unique: list[str | int | bool] = []
        for value in kept:
            if not any(type(value) is type(u) and value == u for u in unique):
                unique.append(value)
        return LiteralOf(tuple(unique))

    def _named(self, node: TypeNode, schema: dict[str, Any], where: Where, site: Site) -> TypeNode:
        """An enum with its key in ``name`` when it is to be named (see the module's docstring)."""
        component = not site.parent and site.identity == pointer(where)
        if not isinstance(node, LiteralOf) or not (component or len(node.values) >= NAMED_ENUM_MIN):
            return node
        if component:
            key, doc = site.identity, naming.clean_text(text(schema, "description") or text(schema, "title"))
        else:  # the values' JSON tells 1, true and "1" apart
            key, doc = "enum:" + hashlib.sha256(json.dumps(node.values).encode()).hexdigest()[:16], ""
        draft = self.enums.setdefault(key, EnumDraft(key, [], node.values, doc))
        if site not in draft.sites:
            draft.sites.append(site)
        return LiteralOf(node.values, key)

    def _union(self, where: Where, options: list[Any], site: Site, discriminator: Any) -> TypeNode:
        variants = [self.type_of(option, [*where, i], site.child(str(i), f"Option{i + 1}" if len(options) > 1 else "")) for i, option in enumerate(options)]
        joined = join(variants)
        if not isinstance(joined, UnionOf) or not isinstance(discriminator, dict) or not isinstance(discriminator.get("propertyName"), str):
            return joined
        by_ref: dict[str, str] = {}
        for option, variant in zip(options, variants, strict=True):
            if isinstance(option, dict) and isinstance(option.get("$ref"), str) and isinstance(variant, ModelRef):
                by_ref[option["$ref"]] = variant.name
        tags: dict[str, str] = {}
        mapping = discriminator.get("mapping")
        if isinstance(mapping, dict):
            for tag, target in mapping.items():
                ref = target if isinstance(target, str) and target.startswith("#") else f"#/components/schemas/{target}"
                if ref in by_ref:
                    tags[str(tag)] = by_ref[ref]
        for ref, model in by_ref.items():
            tags.setdefault(ref.rsplit("/", 1)[-1], model)
        if not tags:
            return joined
        return UnionOf(joined.options, Discriminator(discriminator["propertyName"], tuple(sorted(tags.items()))))

    def _all_of(self, schema: dict[str, Any], where: Where, site: Site) -> TypeNode:
        parts = schema["allOf"]
        # allOf: [{$ref: X}] (often beside a description or nullable) is X itself, not a copy of it.
        substantive = [(i, p) for i, p in enumerate(parts) if not _annotation_only(p)]
        if len(substantive) == 1 and not schema.get("properties"):
            index, part = substantive[0]
            result = self.type_of(part, [*where, "allOf", index], site)
            return nullable(result) if any(isinstance(p, dict) and p.get("nullable") is True for p in parts) else result
        merged: dict[str, Any] = {"type": "object", "properties": {}, "required": []}
        for key in ("description", "title"):
            if key in schema:
                merged[key] = schema[key]
        objects = 0
        for index, part in enumerate(parts):
            resolved = self._flatten(part, [*where, "allOf", index])
            if resolved.get("properties"):
                objects += 1
                merged["properties"].update(resolved["properties"])
                merged["required"] += resolved["required"]
            if isinstance(resolved.get("description"), str):
                merged.setdefault("description", resolved["description"])
        if isinstance(schema.get("properties"), dict):
            merged["properties"].update(schema["properties"])
            merged["required"] += [r for r in schema.get("required", []) if isinstance(r, str)]
        if objects == 0 and not schema.get("properties"):
            return self.type_of(parts[0], [*where, "allOf", 0], site) if len(parts) == 1 else ANY
        return self._object(merged, where, site)

    def _flatten(self, part: Any, where: Where) -> dict[str, Any]:
        """An allOf part as one object schema: its properties and required names, its own allOf merged."""
        resolved, at = self.ctx.deref(part, where)
        if not isinstance(resolved, dict):
            return {"properties": {}, "required": []}
        props: dict[str, Any] = dict(resolved.get("properties") or {}) if isinstance(resolved.get("properties"), dict) else {}
        required = [r for r in resolved.get("required") or [] if isinstance(r, str)] if isinstance(resolved.get("required"), list) else []
        for index, sub in enumerate(resolved.get("allOf") or [] if isinstance(resolved.get("allOf"), list) else []):
            inner = self._flatten(sub, [*at, "allOf", index])
            props.update(inner["properties"])
            required += inner["required"]
        out: dict[str, Any] = {"properties": props, "required": required}
        if isinstance(resolved.get("description"), str):
            out["description"] = resolved["description"]
        return out

    # ------------------------------------------------------------ sites
    def expand(self) -> None:
        """Resolve every model's sites to absolute ones (at most ``MAX_SITES``, the least identities)."""
        memo: dict[str, list[Site]] = {}

        def absolute(key: str, chain: tuple[str, ...]) -> tuple[list[Site], bool]:
            if key in memo:
                return memo[key], False
            found: set[Site] = set()
            cut = False
            for site in self.models[key].sites:
                if not site.parent:
                    found.add(site)
                elif site.parent in chain or site.parent == key:
                    cut = True  # a model inside itself: that use names nothing new
                else:
                    parents, parent_cut = absolute(site.parent, (*chain, key))
                    cut = cut or parent_cut
                    found.update(site.under(p) for p in parents)
            result = sorted(found)[:MAX_SITES]
            if not cut:
                memo[key] = result
            return result, cut

        for key, draft in self.models.items():
            draft.resolved = absolute(key, ())[0]
        for key, enum in list(self.enums.items()):
            found = {s.under(p) for s in enum.sites if s.parent in self.models for p in self.models[s.parent].resolved}
            enum.resolved = sorted(found | {s for s in enum.sites if not s.parent})[:MAX_SITES]
            if not enum.resolved:  # used only inside a model that was dropped (--lenient)
                del self.enums[key]

    # ------------------------------------------------------------ models
    def _new_model(self, key: str, schema: dict[str, Any], where: Where, site: Site) -> TypeNode:
        draft = ModelDraft(key, [site], schema=schema, where=where)
        self.models[key] = draft
        description = text(schema, "description") or text(schema, "title")
        draft.doc = naming.clean_text(description)
        draft.closed = schema.get("additionalProperties") is False
        try:
            self._fill(draft)
        except SpecError:
            del self.models[key]
            raise
        return ModelRef(key)

    def _fill(self, draft: ModelDraft) -> None:
        schema = draft.schema
        required_list = schema.get("required")
        required = {r for r in required_list if isinstance(r, str)} if isinstance(required_list, list) else set()
        for wire, prop in schema.get("properties", {}).items():
            at = [*draft.where, "properties", wire]
            step = "properties/" + wire.replace("~", "~0").replace("/", "~1")
            ftype = self.type_of(prop, at, Site("/" + step, naming.pascal(wire, "Field"), parent=draft.key))
            target, target_at = self.ctx.deref(prop, at) if isinstance(prop, dict) else (prop, at)
            doc = text(prop, "description") or text(target, "description")
            side = ""
            if isinstance(target, dict) and target.get("readOnly") is True:
                side = "read"
            elif isinstance(target, dict) and target.get("writeOnly") is True:
                side = "write"
            field = FieldDraft(wire, ftype, wire in required and not side, naming.clean_text(doc), side=side)
            if isinstance(target, dict) and "default" in target:
                kept = values.default_value(self.ctx, target["default"], [*target_at, "default"], target)
                if kept is not values.DROPPED:
                    field.default, field.has_default = kept, True
            draft.fields.append(field)
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict) and extra:
            draft.extra = self.type_of(extra, [*draft.where, "additionalProperties"], Site("/additionalProperties", "Value", parent=draft.key))


def join(variants: list[TypeNode]) -> TypeNode:
    """The union of some types: duplicates dropped, ``Any`` absorbing, ``None`` as nullability."""
    unique: list[TypeNode] = []
    for v in variants:
        if v not in unique:
            unique.append(v)
    if len(unique) == 1:
        return unique[0]
    if ANY in unique:
        return ANY
    non_null = [v for v in unique if v != NONE]
    result: TypeNode = non_null[0] if len(non_null) == 1 else UnionOf(tuple(non_null))
    return nullable(result) if len(non_null) < len(unique) else result
