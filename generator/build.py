"""Spec to intermediate model. Every decision about the output is made here."""

from __future__ import annotations

import dataclasses
import hashlib
import http
import json
import re
from typing import Any

from generator import GENERATOR_NAME, __version__, naming, runtime_config, typemap
from generator.config import Config
from generator.errors import SpecError, pointer
from generator.imports import Stmt, block
from generator.ir import (
    Api,
    ErrorClass,
    Field,
    Model,
    Operation,
    Param,
    Resource,
    ResponseEntry,
    TypeRef,
)
from generator.resolve import Resolver, split_ref

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_MEANINGLESS_KEY = re.compile(r"^(def|schema|model|type)?[-_]?\d+$", re.IGNORECASE)
Path = list[str | int]


@dataclasses.dataclass
class _ModelDraft:
    name: str
    schema: dict[str, Any]
    where: Path
    fields: list[Field] = dataclasses.field(default_factory=list)
    doc: str = ""
    extra: TypeRef | None = None  # the additionalProperties schema's type


class Builder:
    """Walks the document once and collects models, errors and operations."""

    def __init__(self, doc: dict[str, Any], name: str, config: Config, raw: bytes) -> None:
        self.doc = doc
        self.name = name
        self.config = config
        self.raw = raw
        self.resolver = Resolver(doc, name)
        self.models: dict[str, _ModelDraft] = {}
        self.model_keys: dict[str, str] = {}  # identity key -> model name
        self.class_names = naming.Names([*typemap.BASE_ERRORS, "Client", "AsyncClient", "ApiResponse", "Unset", *sorted(naming.RESERVED_CLASSES)])
        self.errors: dict[tuple[str, str], ErrorClass] = {}
        self.notes: list[str] = []
        self.warnings: list[str] = []

    # ---------------------------------------------------------------- errors
    def fail(self, where: Path, message: str) -> SpecError:
        return SpecError(self.name, pointer(where), message)

    # ---------------------------------------------------------------- types
    def model_name(self, hint: str) -> str:
        return naming.unique(naming.pascal(hint, "Model"), self.class_names)

    def component_hint(self, tokens: list[str], schema: dict[str, Any]) -> str:
        key = tokens[-1] if tokens else "Model"
        title = schema.get("title")
        if (_MEANINGLESS_KEY.match(key) or not naming.words(key)) and isinstance(title, str) and naming.words(title):
            return title
        return key

    def type_of(self, schema: Any, where: Path, hint: str) -> TypeRef:
        """The Python type for a schema found at ``where``; ``hint`` names inline models."""
        if isinstance(schema, bool):
            return typemap.ANY if schema else typemap.NONE
        if not isinstance(schema, dict):
            raise self.fail(where, "a schema must be an object")
        if isinstance(schema.get("$ref"), str):
            ref = schema["$ref"]
            target, target_where = self.resolver.deref(schema, where)
            if not isinstance(target, (dict, bool)):
                raise self.fail([*where, "$ref"], f"reference {ref!r} does not point to a schema")
            key = "ref:" + ref
            if key in self.model_keys:
                return self.model_ref(self.model_keys[key])
            tokens = split_ref(ref)
            if isinstance(target, dict) and self.is_model_schema(target):
                return self.new_model(key, target, target_where, self.component_hint(tokens, target))
            return self.type_of(target, target_where, self.component_hint(tokens, target if isinstance(target, dict) else {}))
        nullable = schema.get("nullable") is True
        types = schema.get("type")
        type_list = [types] if isinstance(types, str) else list(types) if isinstance(types, list) else []
        if "null" in type_list:
            nullable = True
            type_list = [t for t in type_list if t != "null"]
            if not type_list and not any(k in schema for k in ("const", "enum", "allOf", "oneOf", "anyOf")):
                return typemap.NONE  # {"type": "null"}, as in anyOf: [{$ref: ...}, {type: "null"}]
        result = self._type_inner(schema, type_list, where, hint)
        if nullable:
            result = result.nullable()
        return result

    def _type_inner(self, schema: dict[str, Any], type_list: list[Any], where: Path, hint: str) -> TypeRef:
        if "const" in schema:
            return self.literal_type([schema["const"]], where)
        if isinstance(schema.get("enum"), list) and schema["enum"]:
            values = schema["enum"]
            present = [v for v in values if v is not None]
            if not present:
                return typemap.NONE
            result = self.literal_type(present, [*where, "enum"])
            return result.nullable() if len(present) < len(values) else result
        if isinstance(schema.get("allOf"), list):
            return self.all_of(schema, where, hint)
        for keyword in ("oneOf", "anyOf"):
            if isinstance(schema.get(keyword), list) and schema[keyword]:
                return self.union([*where, keyword], schema[keyword], hint, schema.get("discriminator"))
        if len(type_list) > 1:
            variants = [self._type_inner({**schema, "type": t}, [t], where, hint) for t in type_list]
            return self.join(variants)
        kind = type_list[0] if type_list else ""
        if not kind:
            if "properties" in schema:
                kind = "object"
            elif "items" in schema:
                kind = "array"
            else:
                return typemap.ANY
        if kind == "array":
            item = self.type_of(schema.get("items", {}), [*where, "items"], hint + "Item")
            return dataclasses.replace(item, annotation=f"list[{item.annotation}]", decoder=f"d_list({item.decoder})", codecs=item.codecs | {"d_list"}, is_model=False)
        if kind == "object":
            if self.is_model_schema(schema):
                key = "inline:" + json.dumps(schema, sort_keys=True, default=str)
                if key in self.model_keys:
                    return self.model_ref(self.model_keys[key])
                return self.new_model(key, schema, where, hint)
            extra = schema.get("additionalProperties")
            if isinstance(extra, dict) and extra:
                value = self.type_of(extra, [*where, "additionalProperties"], hint + "Value")
                return dataclasses.replace(value, annotation=f"dict[str, {value.annotation}]", decoder=f"d_dict({value.decoder})", codecs=value.codecs | {"d_dict"}, is_model=False)
            return TypeRef("dict[str, Any]", "d_object", codecs=frozenset({"d_object"}), typing=frozenset({"Any"}))
        if kind == "null":
            return typemap.NONE
        found = typemap.scalar(kind, schema.get("format", "") if isinstance(schema.get("format"), str) else "")
        if found is None:
            raise self.fail([*where, "type"], f"unsupported schema type {kind!r}")
        return found

    @staticmethod
    def is_model_schema(schema: dict[str, Any]) -> bool:
        props = schema.get("properties")
        return isinstance(props, dict) and bool(props) and "allOf" not in schema

    def literal_type(self, values: list[Any], where: Path) -> TypeRef:
        for value in values:
            if isinstance(value, (dict, list)) or (isinstance(value, float) and value != value):
                return typemap.ANY
            if isinstance(value, float) and value in (float("inf"), float("-inf")):
                raise self.fail(where, "enum values must be finite numbers")
            if isinstance(value, int) and not isinstance(value, bool) and not -(2**63) < value < 2**63:
                # mypy cannot read such an int inside Literal[]: the enum is typed by its values' type.
                only_ints = all(isinstance(v, int) and not isinstance(v, bool) for v in values)
                return TypeRef("int", "d_int", codecs=frozenset({"d_int"})) if only_ints else typemap.ANY
        unique: list[Any] = []
        for value in values:
            if not any(type(value) is type(u) and value == u for u in unique):
                unique.append(value)
        args = ", ".join(naming.literal(v) for v in unique if not isinstance(v, float))
        floats = [v for v in unique if isinstance(v, float)]
        if floats:
            # Literal[] cannot hold floats: a float enum is a plain float.
            return TypeRef("float", "d_float", codecs=frozenset({"d_float"})) if not args else typemap.ANY
        return TypeRef(f"Literal[{args}]", f"d_lit({args})", codecs=frozenset({"d_lit"}), typing=frozenset({"Literal"}))

    def join(self, variants: list[TypeRef]) -> TypeRef:
        seen: dict[str, TypeRef] = {}
        for v in variants:
            seen.setdefault(v.annotation, v)
        unique = list(seen.values())
        if len(unique) == 1:
            return unique[0]
        if any(v.annotation == "Any" for v in unique):
            return typemap.ANY
        non_null = [v for v in unique if v.annotation != "None"]
        annotation = " | ".join(v.annotation for v in non_null)
        decoder = "d_union(" + ", ".join(v.decoder for v in non_null) + ")"
        result = TypeRef(
            annotation,
            decoder,
            frozenset().union(*(v.models for v in unique)),
            frozenset().union(*(v.codecs for v in unique)) | {"d_union"},
            frozenset().union(*(v.typing for v in unique)),
            frozenset().union(*(v.modules for v in unique)),
            runtime=frozenset().union(*(v.runtime for v in unique)),
        )
        return result.nullable() if len(non_null) < len(unique) else result

    def union(self, where: Path, options: list[Any], hint: str, discriminator: Any = None) -> TypeRef:
        variants = [self.type_of(option, [*where, i], f"{hint}Option{i + 1}" if len(options) > 1 else hint) for i, option in enumerate(options)]
        joined = self.join(variants)
        if not isinstance(discriminator, dict) or not isinstance(discriminator.get("propertyName"), str) or not joined.decoder.startswith("d_union("):
            return joined
        # The tag picks the variant: explicit mapping first, else the component names.
        by_ref: dict[str, TypeRef] = {}
        for option, variant in zip(options, variants, strict=True):
            if isinstance(option, dict) and isinstance(option.get("$ref"), str) and variant.is_model:
                by_ref[option["$ref"]] = variant
        tags: dict[str, str] = {}
        mapping = discriminator.get("mapping")
        if isinstance(mapping, dict):
            for tag, target in mapping.items():
                ref = target if isinstance(target, str) and target.startswith("#") else f"#/components/schemas/{target}"
                if ref in by_ref:
                    tags[str(tag)] = by_ref[ref].decoder
        for ref, variant in by_ref.items():
            tags.setdefault(ref.rsplit("/", 1)[-1], variant.decoder)
        if not tags:
            return joined
        table = "{" + ", ".join(f"{naming.literal(t)}: {d}" for t, d in sorted(tags.items())) + "}"
        decoder = f"d_tagged({naming.literal(discriminator['propertyName'])}, {table}, {joined.decoder})"
        return dataclasses.replace(joined, decoder=decoder, codecs=joined.codecs | {"d_tagged"})

    def all_of(self, schema: dict[str, Any], where: Path, hint: str) -> TypeRef:
        parts = schema["allOf"]
        # allOf: [{$ref: X}] (often beside a description or nullable) is X itself, not a copy of it.
        substantive = [(i, p) for i, p in enumerate(parts) if not _annotation_only(p)]
        if len(substantive) == 1 and not schema.get("properties"):
            index, part = substantive[0]
            result = self.type_of(part, [*where, "allOf", index], hint)
            return result.nullable() if any(isinstance(p, dict) and p.get("nullable") is True for p in parts) else result
        merged: dict[str, Any] = {"type": "object", "properties": {}, "required": []}
        for key in ("description", "title"):
            if key in schema:
                merged[key] = schema[key]
        objects = 0
        for index, part in enumerate(parts):
            resolved, _ = self.resolver.deref(part, [*where, "allOf", index])
            if not isinstance(resolved, dict):
                continue
            if isinstance(resolved.get("allOf"), list):
                resolved = self._flatten_all_of(resolved, [*where, "allOf", index])
            if isinstance(resolved.get("properties"), dict):
                objects += 1
                merged["properties"].update(resolved["properties"])
                merged["required"] += [r for r in resolved.get("required", []) if isinstance(r, str)]
            merged.setdefault("description", resolved.get("description"))
        if isinstance(schema.get("properties"), dict):
            merged["properties"].update(schema["properties"])
            merged["required"] += [r for r in schema.get("required", []) if isinstance(r, str)]
        if not merged.get("description"):
            merged.pop("description", None)
        if objects == 0 and not schema.get("properties"):
            if len(parts) == 1:
                return self.type_of(parts[0], [*where, "allOf", 0], hint)
            return typemap.ANY
        key = "inline:" + json.dumps(merged, sort_keys=True, default=str)
        if key in self.model_keys:
            return self.model_ref(self.model_keys[key])
        return self.new_model(key, merged, where, hint)

    def _flatten_all_of(self, schema: dict[str, Any], where: Path) -> dict[str, Any]:
        props: dict[str, Any] = dict(schema.get("properties") or {})
        required = list(schema.get("required") or [])
        for index, part in enumerate(schema["allOf"]):
            resolved, _ = self.resolver.deref(part, [*where, "allOf", index])
            if isinstance(resolved, dict):
                if isinstance(resolved.get("allOf"), list):
                    resolved = self._flatten_all_of(resolved, [*where, "allOf", index])
                props.update(resolved.get("properties") or {})
                required += resolved.get("required") or []
        return {"type": "object", "properties": props, "required": required}

    def model_ref(self, name: str) -> TypeRef:
        return TypeRef(name, f"_m.{name}.from_dict", models=frozenset({name}), is_model=True)

    def new_model(self, key: str, schema: dict[str, Any], where: Path, hint: str) -> TypeRef:
        name = self.model_name(hint)
        self.model_keys[key] = name
        draft = _ModelDraft(name, schema, where)
        self.models[name] = draft
        description = schema.get("description") or schema.get("title") or ""
        draft.doc = naming.clean_text(description) if isinstance(description, str) else ""
        try:
            self.fill_fields(draft)
        except SpecError:
            del self.models[name], self.model_keys[key]
            self.class_names.discard(name)
            raise
        return self.model_ref(name)

    def fill_fields(self, draft: _ModelDraft) -> None:
        schema = draft.schema
        required = set(r for r in schema.get("required", []) if isinstance(r, str)) if isinstance(schema.get("required"), list) else set()
        drafts: list[tuple[str, TypeRef, bool, str]] = []
        for wire, prop in schema.get("properties", {}).items():
            prop_where = [*draft.where, "properties", wire]
            ftype = self.type_of(prop, prop_where, draft.name + naming.pascal(wire, "Field"))
            doc = ""
            target, _ = self.resolver.deref(prop, prop_where) if isinstance(prop, dict) else (prop, prop_where)
            for source in (prop, target):
                if isinstance(source, dict) and isinstance(source.get("description"), str):
                    doc = source["description"]
                    break
            one_sided = isinstance(target, dict) and (target.get("readOnly") is True or target.get("writeOnly") is True)
            if isinstance(target, dict) and "default" in target and not isinstance(target["default"], (dict, list)):
                shown = naming.literal(target["default"]) if _finite(target["default"]) else ""
                doc = f"{doc}\n\nDefault: ``{shown}``." if shown and len(shown) < 80 else doc
            if one_sided:
                side = "read-only: sent by the server" if target.get("readOnly") is True else "write-only: sent by the client"
                doc = f"{doc}\n\n({side}; optional here because the same model is used both ways.)".strip()
            drafts.append((wire, ftype, wire in required and not one_sided, naming.clean_text(doc)))
        extra_schema = schema.get("additionalProperties")
        if isinstance(extra_schema, dict) and extra_schema:
            draft.extra = self.type_of(extra_schema, [*draft.where, "additionalProperties"], draft.name + "Value")
        # A field must not shadow a name the class body uses: `list: str` would turn the
        # annotation `list[str]` of a later field into an error, `dict` breaks default_factory.
        annotations = [f[1].annotation for f in drafts] + ([draft.extra.annotation] if draft.extra else [])
        used = naming.CLASS_BODY_NAMES.union(*(naming.annotation_names(a) for a in annotations))
        taken = set(naming.RESERVED_FIELDS)
        fields = []
        for wire, ftype, is_required, doc in drafts:
            base = naming.snake(wire, "field")
            name = naming.unique(base + "_" if base in used else base, taken)
            fields.append(Field(name, wire, ftype, is_required, doc))
        draft.fields = fields

    # ---------------------------------------------------------------- operations
    def build(self) -> Api:
        resources: dict[str, list[Operation]] = {}
        resource_docs: dict[str, str] = {}
        tag_docs = {t.get("name"): t.get("description", "") for t in self.doc.get("tags", []) if isinstance(t, dict)}
        op_names: dict[str, set[str]] = {}
        paths = self.doc.get("paths") or {}
        for path, item in paths.items():
            if not isinstance(item, dict) or str(path).startswith("x-"):
                continue
            item_where: Path = ["paths", path]
            item, item_where = self.resolver.deref(item, item_where)
            for method, op in item.items():
                if method not in HTTP_METHODS or not isinstance(op, dict):
                    continue
                tags = op.get("tags") or ["default"]
                tag = str(tags[0])
                op_id = op.get("operationId") or f"{method} {path}"
                if not self.selected(tag, str(op_id)):
                    continue
                key = naming.snake(tag, "default")
                taken = op_names.setdefault(key, {"close", "with_options"})
                resource_docs.setdefault(key, tag_docs.get(tag) or f"Operations tagged {tag}.")
                try:
                    operation = self.operation(path, method, op, item, [*item_where, method], str(op_id), taken, tag)
                except SpecError as exc:
                    if not self.config.lenient:
                        raise
                    self.warnings.append(f"{exc} (operation {op_id!r} skipped)")
                    continue
                resources.setdefault(key, []).append(operation)
        if any(isinstance(op, dict) and op.get("callbacks") for item in paths.values() if isinstance(item, dict) for op in item.values()):
            self.notes.append("callbacks are not generated (they are requests the API sends back, not calls a client makes)")
        if "webhooks" in self.doc:
            self.notes.append("webhooks are not generated (they are requests the API sends, not calls a client makes)")
        built_resources = []
        module_taken = naming.Names(["models", "errors", "client", "resources"])
        attr_taken: set[str] = {"base_url", "timeout", "request", "close", "with_options"}
        for key in sorted(resources):
            attr = naming.unique(key, attr_taken)
            module = naming.module_name(attr, module_taken, "resource")
            cls = naming.pascal(key, "Default")
            cls_name = naming.unique(cls + ("Resource" if cls in self.class_names else ""), self.class_names)
            async_name = naming.unique("Async" + cls_name, self.class_names)
            ops = tuple(resources[key])
            built_resources.append(Resource(attr, module, cls_name, async_name, naming.clean_text(resource_docs[key]), ops, *self.resource_imports(ops)))
        # Retries, rate limits, response headers and waiters from the config (generator/runtime_config.py).
        return runtime_config.apply(self, tuple(built_resources), self.finish)

    def resource_imports(self, ops: tuple[Operation, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
        params = [t for op in ops for t in op.annotation_types]
        annotations = [t.annotation for t in params] + [op.return_type for op in ops]
        models_used = sorted({m for t in params for m in t.models} | {m for a in annotations for m in _models_in(a, self.models)})
        codecs = sorted({c for op in ops for r in op.responses for c in re.findall(r"(?<![.\w])(d_[a-z_]+)\b", r.decoder)})
        modules = sorted({m for t in params for m in t.modules})
        typing_names = sorted({"TYPE_CHECKING"} | {n for t in params for n in t.typing} | ({"Any"} if any(re.search(r"\bAny\b", a) for a in annotations) else set()))
        stmts: list[Stmt] = [("__future__", "annotations", ""), ("collections.abc", "Mapping", "")]
        stmts += [(m, "", "") for m in modules] + [("typing", n, "") for n in typing_names]
        if any(r.error for op in ops for r in op.responses):
            stmts.append(("..", "errors", "_e"))
        if any("_m." in r.expr for op in ops for r in op.responses):
            stmts.append(("..", "models", "_m"))
        stmts += [(".._base_client", n, "") for n in ("AsyncResource", "Endpoint", "Resp", "SyncResource", "Timeout", "async_form", "async_raw_form", "raw_form")]
        stmts += [(".._codec", c, "") for c in codecs]
        stmts += [(".._types", n, "") for n in {"UNSET", "Unset"} | {n for t in params for n in t.runtime}]
        type_stmts: list[Stmt] = [("..models", m, "") for m in models_used]
        return tuple(block(stmts)), tuple(block(type_stmts, "    ")) or ("    pass",)

    def selected(self, tag: str, op_id: str) -> bool:
        c = self.config
        if c.include_tags and tag not in c.include_tags:
            return False
        if tag in c.exclude_tags:
            return False
        if c.include_operations and op_id not in c.include_operations:
            return False
        return op_id not in c.exclude_operations

    def parameters(self, op: dict[str, Any], item: dict[str, Any], where: Path, item_where: Path) -> list[tuple[dict[str, Any], Path]]:
        merged: dict[tuple[str, str], tuple[dict[str, Any], Path]] = {}
        for source, base in ((item.get("parameters") or [], [*item_where, "parameters"]), (op.get("parameters") or [], [*where, "parameters"])):
            for index, raw in enumerate(source):
                param, _ = self.resolver.deref(raw, [*base, index])
                if not isinstance(param, dict) or "name" not in param or "in" not in param:
                    raise self.fail([*base, index], "a parameter needs 'name' and 'in'")
                merged[(str(param["in"]), str(param["name"]))] = (param, [*base, index])
        return list(merged.values())

    def operation(self, path: str, method: str, op: dict[str, Any], item: dict[str, Any], where: Path, op_id: str, taken: set[str], tag: str) -> Operation:
        base = naming.snake(op_id, "call")
        name = naming.unique(base + "_" if base in naming.RESOURCE_BODY_NAMES else base, taken)
        raw_name = naming.unique(name.rstrip("_") + "_raw", taken)
        pascal_id = naming.pascal(op_id, "Call")
        params_taken = set(naming.RESERVED_PARAMS)
        positional: list[Param] = []
        keyword: list[Param] = []
        buckets: dict[str, list[tuple[str, str]]] = {"path": [], "query": [], "header": [], "cookie": []}
        arg_docs: list[tuple[str, str]] = []
        query_styles: list[str] = []
        item_where = where[:-1]
        for param, pwhere in self.parameters(op, item, where, item_where):
            location = str(param["in"])
            if location not in buckets:
                raise self.fail([*pwhere, "in"], f"parameter location {location!r} is not supported")
            wire = str(param["name"])
            if location == "header" and wire.lower() in ("accept", "content-type", "authorization"):
                continue
            schema = param.get("schema")
            if schema is None and isinstance(param.get("content"), dict) and param["content"]:
                schema = next(iter(param["content"].values())).get("schema")
            ptype = self.type_of(schema if schema is not None else {}, [*pwhere, "schema"], pascal_id + naming.pascal(wire, "Param"))
            required = bool(param.get("required")) or location == "path"
            pname = naming.unique(naming.snake(wire, "param"), params_taken)
            doc = naming.clean_text(param.get("description", "") if isinstance(param.get("description"), str) else "")
            entry = Param(pname, wire, location, ptype, required, doc)
            (positional if location == "path" else keyword).append(entry)
            style = param.get("style", "form")
            explode = param.get("explode", style == "form")
            if location == "query" and (style, explode) != ("form", True) and isinstance(style, str) and isinstance(explode, bool):
                query_styles.append(f"({naming.literal(wire)}, {naming.literal(style)}, {explode!r})")
            buckets[location].append((naming.literal(wire), pname))
            arg_docs.append((pname, doc))
        for name_in_path in re.findall(r"\{([^{}]+)\}", path):
            if not any(w == naming.literal(name_in_path) for w, _ in buckets["path"]):
                problem = self.fail(where, f"path parameter {{{name_in_path}}} is not declared")
                if not self.config.lenient:
                    raise problem
                self.warnings.append(f"{problem} (taken as a required string)")
                pname = naming.unique(naming.snake(name_in_path, "param"), params_taken)
                positional.append(Param(pname, name_in_path, "path", TypeRef("str", "d_str", codecs=frozenset({"d_str"})), True, ""))
                buckets["path"].append((naming.literal(name_in_path), pname))
        body_kind, body_arg = "none", ""
        if "requestBody" in op:
            body, bwhere = self.resolver.deref(op["requestBody"], [*where, "requestBody"])
            content = body.get("content") or {} if isinstance(body, dict) else {}
            media = _pick_media(content)
            if media is None:
                raise self.fail([*bwhere, "content"], f"request body media types {sorted(content)} are not supported yet")
            schema = (content[media] or {}).get("schema", {})
            body_kind = _body_kind(media)
            if body_kind in ("json", "form", "multipart"):
                btype = self.type_of(schema, [*bwhere, "content", media, "schema"], pascal_id + "Body")
            elif body_kind == "bytes":
                btype = TypeRef("File", "d_any", runtime=frozenset({"File"}))
            else:
                btype = TypeRef("str", "d_str")
            required = bool(body.get("required"))
            doc = naming.clean_text(body.get("description", "") if isinstance(body.get("description"), str) else "") or "The request body."
            entry = Param("body", "body", "body", btype, required, doc)
            keyword.append(entry)
            arg_docs.append(("body", doc))
            body_arg = "body"
        keyword.sort(key=lambda p: not p.required)
        responses, return_type, raises = self.responses(op, where, pascal_id)
        annotation_types = tuple(p.type for p in (*positional, *keyword)) + tuple(self._return_refs)
        summary: str = op["summary"] if isinstance(op.get("summary"), str) else ""
        description: str = op["description"] if isinstance(op.get("description"), str) else ""
        lines = [naming.clean_text(summary).strip() or f"{method.upper()} {path}"]
        if description and description.strip() != summary.strip():
            lines += ["", naming.clean_text(description).strip()]
        lines += ["", f"``{method.upper()} {naming.clean_text(path)}``"]
        if op.get("deprecated"):
            lines += ["", "Deprecated: the API marks this operation as deprecated."]
        if arg_docs:
            lines += ["", "Args:"] + [f"    {n}: {(_indent_rest(d) if d else 'See the API reference.')}" for n, d in arg_docs]
        lines += ["", "Returns:", f"    {return_type}"]
        lines += ["", "Raises:"] + [f"    {cls}: {_indent_rest(text)}" for cls, text in raises]
        lines += ["    ApiStatusError: any other non-2xx status.", "    ApiDecodeError: a 2xx body that is not what the spec documents.", "    ApiConnectionError: the request could not be sent; ApiTimeoutError when it timed out."]
        doc = "\n".join(lines)
        return Operation(
            name=name, raw_name=raw_name, const="_" + naming.constant(name), method=method.upper(), path=path,
            body_kind=body_kind, doc=doc, positional=tuple(positional), keyword=tuple(keyword),
            return_type=return_type, responses=responses,
            path_args=tuple((naming.literal(p.wire), p.name) for p in positional),
            query_args=tuple(buckets["query"]), header_args=tuple(buckets["header"]), cookie_args=tuple(buckets["cookie"]),
            body_arg=body_arg, annotation_types=annotation_types, query_styles=tuple(query_styles),
            accept="" if self._accept in ([], ["application/json"]) else ", ".join(self._accept),
        )

    def responses(self, op: dict[str, Any], where: Path, pascal_id: str) -> tuple[tuple[ResponseEntry, ...], str, list[tuple[str, str]]]:
        raw = op.get("responses") or {}
        entries: list[ResponseEntry] = []
        success_types: list[str] = []
        self._return_refs: list[TypeRef] = []
        self._accept: list[str] = []
        raises: list[tuple[str, str]] = []
        for key in sorted((k for k in raw if not str(k).startswith("x-")), key=str):
            key_s = str(key).upper() if str(key).upper().endswith("XX") else str(key)
            rwhere: Path = [*where, "responses", str(key)]
            response, rwhere = self.resolver.deref(raw[key], rwhere)
            if not isinstance(response, dict):
                raise self.fail(rwhere, "a response must be an object")
            is_success = key_s.startswith("2")
            content = response.get("content") or {}
            media = None if key_s in ("204", "205", "304") else _pick_media(content, response_side=True)
            kind = "none" if media is None else _body_kind(media)
            if is_success and media is not None and media.split(";")[0].strip() not in self._accept:
                self._accept.append(media.split(";")[0].strip())
            description = naming.clean_text(response.get("description", "") if isinstance(response.get("description"), str) else "")
            decoder, annotation = "", "None"
            body_type: TypeRef | None = None
            if kind == "json":
                schema = (content[media] or {}).get("schema")
                if schema is None:
                    annotation = "Any"
                else:
                    if is_success:
                        hint = pascal_id + ("Response" if key_s in ("200", "201", "2XX") else f"Response{key_s}")
                    else:
                        hint = _phrase(key_s) + "ErrorBody"
                    body_type = self.type_of(schema, [*rwhere, "content", media or "", "schema"], hint)
                    decoder, annotation = body_type.decoder, body_type.annotation
            elif kind == "text":
                annotation = "str"
            elif kind == "bytes":
                annotation = "bytes"
            if is_success or (key_s == "default" and not any(k.startswith("2") for k in map(str, raw))):
                entries.append(ResponseEntry(key_s, kind, decoder, "", _resp_expr(kind, decoder, "")))
                success_types.append(annotation)
                if body_type is not None:
                    self._return_refs.append(body_type)
                continue
            error = ""
            if body_type is not None and body_type.is_model:
                error_cls = self.error_class(key_s, body_type.annotation, description)
                error = "_e." + error_cls
                raises.append((error_cls, f"{key_s}: {description}".strip()))
            else:
                raises.append((typemap.status_base(key_s), f"{key_s}: {description}".strip()))
            entries.append(ResponseEntry(key_s, kind, decoder, error, _resp_expr(kind, decoder, error)))
        unique_types = list(dict.fromkeys(success_types)) or ["None"]
        if "Any" in unique_types:
            unique_types = ["Any"]
        return tuple(entries), " | ".join(unique_types), raises

    def error_class(self, key: str, body: str, description: str) -> str:
        found = self.errors.get((key, body))
        if found is not None:
            return found.name
        phrase = _phrase(key)
        candidate = phrase + "Error"
        if candidate in self.class_names:
            candidate = phrase + "ResponseError"
        if candidate in self.class_names:
            candidate = body + "Error"
        name = naming.unique(candidate, self.class_names)
        doc = f"{key} response documented by the API, with its body parsed as ``{body}``."
        if description:
            doc = f"{description}\n\n{doc}"
        self.errors[(key, body)] = ErrorClass(name, typemap.status_base(key), body, doc)
        return name

    # ---------------------------------------------------------------- output
    def finish(self, resources: tuple[Resource, ...]) -> Api:
        module_taken = naming.Names()
        models = []
        for name in sorted(self.models):
            draft = self.models[name]
            module = naming.module_name(name, module_taken, "model")
            codecs = {"as_object", "extra", "ModelBase"}
            typing_names = {"Any"} | ({"ClassVar"} if any(f.name != f.wire for f in draft.fields) else set())
            modules: set[str] = set()
            referenced: set[str] = set()
            runtime: set[str] = set()
            for f in draft.fields:
                codecs |= f.codecs
            if draft.extra:
                codecs |= draft.extra.codecs
            for t in [f.type for f in draft.fields] + ([draft.extra] if draft.extra else []):
                typing_names |= t.typing
                modules |= t.modules
                referenced |= t.models
                runtime |= t.runtime
            stmts: list[Stmt] = [("__future__", "annotations", ""), ("dataclasses", "", "")]
            stmts += [(m, "", "") for m in modules] + [("typing", n, "") for n in typing_names | ({"TYPE_CHECKING"} if referenced - {name} else set())]
            stmts += [(".._codec", c, "") for c in codecs]
            if any(not f.required for f in draft.fields):
                runtime |= {"UNSET", "Unset"}
            stmts += [(".._types", n, "") for n in runtime]
            if referenced:
                stmts.append(("..", "models", "_m"))
            imports = block(stmts)
            models.append((name, module, draft, tuple(imports)))
        # module names are assigned in sorted order above; resolve type imports with the final table
        table = {name: module for name, module, *_ in models}
        built_models = tuple(
            Model(
                name, module, draft.doc, tuple(draft.fields), imports,
                tuple(block([(f".{table[m]}", m, "") for m in ({x for f in draft.fields for x in f.type.models} | (draft.extra.models if draft.extra else set())) - {name}], "    ")),
                draft.schema.get("additionalProperties") is False,
                draft.extra.annotation if draft.extra else "Any",
                draft.extra.decoder if draft.extra else "",
            )
            for name, module, draft, imports in models
        )
        errors = tuple(sorted(self.errors.values(), key=lambda e: e.name))
        error_type_imports = tuple(block([(".models", e.body_type, "") for e in errors], "    ")) or ("    pass",)
        info = self.doc.get("info") or {}
        title = str(info.get("title") or self.config.package)
        version = str(info.get("version") or "0")
        auth_kind, auth_name = self.auth()
        exports = [("__version__", "._meta"), ("AsyncClient", "._client"), ("Client", "._client"), ("ApiResponse", "._types"), ("UNSET", "._types"), ("Unset", "._types")]
        exports += [(e, ".errors") for e in typemap.BASE_ERRORS]
        exports += [(e.name, ".errors") for e in errors]
        exports += [(m.name, ".models") for m in built_models]
        return Api(
            package=self.config.package,
            title=naming.clean_text(title),
            version=version,
            doc=naming.clean_text(str(info.get("description") or "")),
            base_url=self.base_url(),
            auth_kind=auth_kind,
            auth_name=auth_name,
            key_env=self.config.key_env(),
            user_agent=f"{self.config.package}/{_safe_version(version)}",
            spec_sha256=hashlib.sha256(self.raw).hexdigest(),
            generator=GENERATOR_NAME,
            generator_version=__version__,
            resources=resources,
            models=built_models,
            errors=errors,
            error_type_imports=error_type_imports,
            base_errors=typemap.BASE_ERRORS,
            error_names=tuple(sorted([*typemap.BASE_ERRORS, *(e.name for e in errors)])),
            exports=tuple(sorted(exports)),
            # Models are star-imported for type checkers (one line per model costs import time).
            export_imports=tuple(block([(module, name, name) for name, module in exports if module != ".models"], "    ")),
            client_imports=tuple(block([(f".resources.{r.module}", n, "") for r in resources for n in (r.sync_class, r.async_class)], "    ")) or ("    pass",),
            notes=tuple(self.notes),
            warnings=tuple(self.warnings),
        )

    def base_url(self) -> str:
        servers = self.doc.get("servers") or []
        if servers and isinstance(servers[0], dict) and isinstance(servers[0].get("url"), str):
            url: str = servers[0]["url"]
            for var, spec in (servers[0].get("variables") or {}).items():
                if isinstance(spec, dict) and "default" in spec:
                    url = url.replace("{" + var + "}", str(spec["default"]))
            return url
        return ""

    def auth(self) -> tuple[str, str]:
        schemes = ((self.doc.get("components") or {}).get("securitySchemes")) or {}
        requirements = self.doc.get("security") or []
        names = [n for req in requirements if isinstance(req, dict) for n in req] or list(schemes)
        for scheme_name in names:
            scheme, _ = self.resolver.deref(schemes.get(scheme_name, {}), ["components", "securitySchemes", scheme_name])
            if not isinstance(scheme, dict):
                continue
            kind = scheme.get("type")
            if (kind == "http" and str(scheme.get("scheme", "")).lower() == "bearer") or kind in ("oauth2", "openIdConnect"):
                return "bearer", ""
            if kind == "apiKey" and scheme.get("in") in ("header", "query", "cookie"):
                return str(scheme["in"]), str(scheme.get("name", ""))
        return "none", ""


def _models_in(annotation: str, models: dict[str, Any]) -> set[str]:
    return {token for token in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", annotation) if token in models}


_ANNOTATIONS = frozenset({"description", "title", "nullable", "readOnly", "writeOnly", "deprecated", "default", "example", "examples", "externalDocs", "$comment"})


def _annotation_only(schema: Any) -> bool:
    """A schema that only describes (``{description: ...}``, ``{nullable: true}``) and constrains nothing."""
    return isinstance(schema, dict) and all(k in _ANNOTATIONS or k.startswith("x-") for k in schema)


def _finite(value: Any) -> bool:
    return not isinstance(value, float) or (value == value and value not in (float("inf"), float("-inf")))


def _resp_expr(kind: str, decoder: str, error: str) -> str:
    args = [naming.literal(kind)]
    if decoder or error:
        args.append(decoder or "None")
    if error:
        args.append(error)
    return f"Resp({', '.join(args)})"


def _indent_rest(text: str) -> str:
    return text.strip().replace("\n", "\n        ")


def _phrase(key: str) -> str:
    if key.isdigit():
        try:
            return naming.pascal(http.HTTPStatus(int(key)).phrase, "Status")
        except ValueError:
            return f"Status{key}"
    if key == "default":
        return "Default"
    return naming.pascal("Status " + key.upper(), "Status")  # "4XX" -> Status4XX


def _safe_version(version: str) -> str:
    return re.sub(r"[^A-Za-z0-9.+-]", "", version)[:40] or "0"


def _pick_media(content: dict[str, Any], *, response_side: bool = False) -> str | None:
    if not isinstance(content, dict) or not content:
        return None
    for media in content:
        base = media.split(";")[0].strip().lower()
        if base == "application/json" or base.endswith("+json"):
            return media
    for media in content:
        base = media.split(";")[0].strip().lower()
        if not response_side and base in ("multipart/form-data", "application/x-www-form-urlencoded"):
            return media
    for media in content:
        base = media.split(";")[0].strip().lower()
        if base.startswith("text/") or base in ("application/octet-stream", "*/*") or base.startswith(("image/", "audio/", "video/", "application/pdf", "application/zip")):
            return media
    return next(iter(content)) if response_side else None


def _body_kind(media: str) -> str:
    base = media.split(";")[0].strip().lower()
    if base == "application/json" or base.endswith("+json"):
        return "json"
    if base.startswith("text/"):
        return "text"
    if base == "multipart/form-data":
        return "multipart"
    if base == "application/x-www-form-urlencoded":
        return "form"
    return "bytes"


def build_api(doc: dict[str, Any], name: str, config: Config, raw: bytes) -> Api:
    """The intermediate model for a validated document."""
    return Builder(doc, name, config, raw).build()
