"""One operation of the spec: its parameters, request body and responses, as drafts.

Names are not settled here (``generator.build.finish`` does that for all
namespaces at once): a draft carries each item's identity and candidate name.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from generator import naming
from generator.build import media
from generator.build.context import Context, Where, mapping, text
from generator.build.drafts import Site
from generator.build.responses import ResponseDraft, responses
from generator.build.schemas import Schemas
from generator.ir import STR, ListOf, Scalar, TypeNode

_SKIPPED_HEADERS = frozenset({"accept", "content-type", "authorization"})
_LOCATIONS = ("path", "query", "header", "cookie")


@dataclasses.dataclass
class ParamDraft:
    wire: str
    location: str
    type: TypeNode
    required: bool
    doc: str
    style: str
    explode: bool | None
    deprecated: bool

    @property
    def identity(self) -> str:
        return f"{self.location} {self.wire}"


@dataclasses.dataclass
class BodyDraft:
    kind: str
    content_type: str
    type: TypeNode
    required: bool
    doc: str


@dataclasses.dataclass
class OperationDraft:
    method: str
    path: str
    operation_id: str  # as in the spec ("" when absent)
    tag: str
    summary: str
    description: str
    deprecated: bool
    params: list[ParamDraft]
    body: BodyDraft | None
    responses: list[ResponseDraft]
    returns: TypeNode
    accept: str
    where: Where

    @property
    def identity(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def hint(self) -> str:
        """The prefix of the class names made for it: ``InitMicrosoftOAuth``."""
        return naming.pascal(self.operation_id or f"{self.method} {self.path}", "Call")

    @property
    def candidate(self) -> str:
        """The method name it would like: its operationId in snake case (without its resource's name
        when it starts with it: ``repos/get-content`` on ``client.repos`` is ``get_content``), else
        its method and path."""
        name = naming.snake(self.operation_id or f"{self.method} {self.path}", "call")
        prefix = naming.snake(self.tag, "default") + "_"
        if self.operation_id and name.startswith(prefix) and name[len(prefix):][:1].isalpha():
            name = name[len(prefix):]
        return name + "_" if name in naming.RESERVED_METHODS else name


def _parameters(ctx: Context, op: dict[str, Any], item: dict[str, Any], where: Where, item_where: Where) -> list[tuple[dict[str, Any], Where]]:
    """The operation's parameters merged over its path item's (same location and name: the operation's wins)."""
    merged: dict[tuple[str, str], tuple[dict[str, Any], Where]] = {}
    for source, base in ((item.get("parameters"), [*item_where, "parameters"]), (op.get("parameters"), [*where, "parameters"])):
        for index, raw in enumerate(source if isinstance(source, list) else []):
            param, _ = ctx.deref(raw, [*base, index])
            if not isinstance(param, dict) or not isinstance(param.get("name"), str) or not isinstance(param.get("in"), str):
                raise ctx.fail([*base, index], "a parameter needs a 'name' and an 'in'")
            merged[(param["in"], param["name"])] = (param, [*base, index])
    return list(merged.values())


def _param(ctx: Context, schemas: Schemas, param: dict[str, Any], at: Where, op_site: str, hint: str) -> ParamDraft | None:
    location, wire = param["in"], param["name"]
    if location not in _LOCATIONS:
        ctx.lenient_or_fail([*at, "in"], f"parameter location {location!r} is not supported", "parameter skipped")
        return None
    if location == "header" and wire.lower() in _SKIPPED_HEADERS:
        return None  # the client sets these itself
    schema = param.get("schema")
    schema_at = [*at, "schema"]
    content = param.get("content")
    if schema is None and isinstance(content, dict) and content:
        media_type = next(iter(content))
        schema = content[media_type].get("schema") if isinstance(content[media_type], dict) else None
        schema_at = [*at, "content", media_type, "schema"]
    site = Site(f"{op_site} param {location} {wire}", hint + naming.pascal(wire, "Param"))
    ptype = schemas.type_of(schema if schema is not None else {}, schema_at, site)
    style = text(param, "style")
    explode = param.get("explode") if isinstance(param.get("explode"), bool) else None
    default_style = "simple" if location in ("path", "header") else "form"
    if style == default_style:
        style = ""
    if explode is not None and explode == ((style or default_style) == "form"):
        explode = None  # the style's default
    required = bool(param.get("required")) or location == "path"
    doc = naming.clean_text(text(param, "description"))
    return ParamDraft(wire, location, ptype, required, doc, style, explode, param.get("deprecated") is True)


def operation(ctx: Context, schemas: Schemas, path: str, method: str, op: dict[str, Any], item: dict[str, Any], where: Where, tag: str) -> OperationDraft:
    op_id = text(op, "operationId")
    identity = f"{method.upper()} {path}"
    hint = naming.pascal(op_id or f"{method} {path}", "Call")
    params: list[ParamDraft] = []
    for param, at in _parameters(ctx, op, item, where, where[:-1]):
        draft = _param(ctx, schemas, param, at, identity, hint)
        if draft is not None:
            params.append(draft)
    declared = {p.wire for p in params if p.location == "path"}
    in_path = re.findall(r"\{([^{}]+)\}", path)
    for name in in_path:
        if name not in declared:
            ctx.lenient_or_fail(where, f"path parameter {{{name}}} is not declared", "taken as a required string")
            params.append(ParamDraft(name, "path", STR, True, "", "", None, False))
            declared.add(name)
    for name in sorted(declared - set(in_path)):
        ctx.lenient_or_fail(where, f"path parameter {name!r} is not in the path", "dropped: it has nowhere to go")
        params = [p for p in params if not (p.location == "path" and p.wire == name)]
    order = {name: index for index, name in enumerate(in_path)}
    params.sort(key=lambda p: (p.location != "path", order.get(p.wire, 0) if p.location == "path" else 0))
    body = _body(ctx, schemas, op, where, identity, hint)
    drafts, returns, accept = responses(ctx, schemas, op, where, identity, hint)
    return OperationDraft(
        method.upper(), path, op_id, tag, naming.clean_text(text(op, "summary")), naming.clean_text(text(op, "description")),
        op.get("deprecated") is True, params, body, drafts, returns, accept, where,
    )


def _body(ctx: Context, schemas: Schemas, op: dict[str, Any], where: Where, identity: str, hint: str) -> BodyDraft | None:
    if "requestBody" not in op:
        return None
    body, at = ctx.deref(op["requestBody"], [*where, "requestBody"])
    if not isinstance(body, dict):
        raise ctx.fail(at, "a request body must be an object")
    content = mapping(body, "content")
    media_type = media.pick(content, request=True)
    if media_type is None:
        return None
    kind = media.kind(media_type, request=True)
    entry = content.get(media_type)
    schema = entry.get("schema", {}) if isinstance(entry, dict) else {}
    schema_at = [*at, "content", media_type, "schema"]
    site = Site(f"{identity} body", hint + "Body")
    btype: TypeNode
    if kind in ("json", "form", "multipart"):
        btype = schemas.type_of(schema, schema_at, site)
    elif kind == "ndjson":
        item = schema.get("items", schema) if isinstance(schema, dict) and schema.get("type") == "array" else schema
        btype = ListOf(schemas.type_of(item, schema_at, site.child("items", "Item")))  # one value per line
    elif kind == "text":
        btype = STR
    else:
        btype = Scalar("file")
    doc = naming.clean_text(text(body, "description")) or "The request body."
    return BodyDraft(kind, media.content_type(media_type, kind), btype, body.get("required") is True, doc)
