"""An operation's responses: what a success returns, and a typed error per documented error body."""

from __future__ import annotations

import dataclasses
import http
from typing import Any

from generator import naming
from generator.build import media
from generator.build.context import Context, Where, mapping, text
from generator.build.drafts import Site
from generator.build.schemas import Schemas, join
from generator.ir import ANY, NONE, STR, ListOf, ModelRef, Scalar, TypeNode

_NO_BODY = frozenset({"204", "205", "304"})
_HEADER_KINDS = frozenset({"string", "integer", "number", "boolean"})


@dataclasses.dataclass
class ResponseDraft:
    key: str
    kind: str
    type: TypeNode | None
    success: bool
    description: str
    headers: tuple[tuple[str, str], ...]

    @property
    def error_identity(self) -> str:
        """The typed error class this response raises ("" when it raises a runtime status class)."""
        if self.success or not isinstance(self.type, ModelRef):
            return ""
        return f"{self.key} {self.type.name}"


def phrase(key: str) -> str:
    """``429`` -> ``TooManyRequests``; ``4XX`` -> ``Status4XX``; ``default`` -> ``Default``."""
    if key.isdigit():
        try:
            return naming.pascal(http.HTTPStatus(int(key)).phrase, "Status")
        except ValueError:
            return f"Status{key}"
    if key == "default":
        return "Default"
    return naming.pascal("Status " + key.upper(), "Status")


def _headers(ctx: Context, response: dict[str, Any], at: Where) -> tuple[tuple[str, str], ...]:
    declared = response.get("headers")
    if not isinstance(declared, dict):
        return ()
    entries = []
    for name in sorted(declared, key=lambda n: str(n).lower()):
        if str(name).lower() == "content-type":
            continue  # OpenAPI ignores a declared Content-Type header
        header, header_at = ctx.deref(declared[name], [*at, "headers", str(name)])
        schema = header.get("schema") if isinstance(header, dict) else None
        if isinstance(schema, dict):
            schema, _ = ctx.deref(schema, [*header_at, "schema"])
        kind = schema.get("type") if isinstance(schema, dict) else None
        if isinstance(kind, list):
            kind = next((k for k in kind if k != "null"), None)
        entries.append((str(name).lower(), kind if kind in _HEADER_KINDS else "string"))
    return tuple(entries)


def responses(ctx: Context, schemas: Schemas, op: dict[str, Any], where: Where, identity: str, hint: str) -> tuple[list[ResponseDraft], TypeNode, str]:
    """The drafts (sorted by key), the success return type, and the Accept header."""
    raw = mapping(op, "responses")
    keys = sorted(str(k) for k in raw if not str(k).startswith("x-"))
    has_success = any(k.startswith("2") for k in keys)
    drafts: list[ResponseDraft] = []
    accept: list[str] = []
    for raw_key in keys:
        key = raw_key.upper() if raw_key.upper().endswith("XX") else raw_key
        response, at = ctx.deref(raw[raw_key], [*where, "responses", raw_key])
        if not isinstance(response, dict):
            raise ctx.fail(at, "a response must be an object")
        success = key.startswith("2") or (key == "default" and not has_success)
        content = mapping(response, "content")
        media_type = None if key in _NO_BODY else media.pick(content)
        kind = "none" if media_type is None else media.kind(media_type)
        if success and media_type is not None and media.base(media_type) not in accept:
            accept.append(media.base(media_type) or "*/*")
        body: TypeNode | None = None
        if kind in ("json", "ndjson") and media_type is not None:
            entry = content[media_type]
            schema = entry.get("schema") if isinstance(entry, dict) else None
            if schema is None:
                body = ANY
            else:
                if success:
                    site = Site(f"{identity} response {key}", hint + ("Response" if key in ("200", "201", "2XX", "default") else f"Response{key}"))
                else:
                    stem = phrase(key).removesuffix("Error")
                    site = Site(f"{identity} response {key}", stem + "ErrorBody", hint + stem + "ErrorBody")
                body = schemas.type_of(schema, [*at, "content", media_type, "schema"], site)
                if kind == "ndjson":
                    body = ListOf(body.item if isinstance(body, ListOf) else body)
        elif kind == "text":
            body = STR
        elif kind == "bytes":
            body = Scalar("bytes")
        drafts.append(ResponseDraft(key, kind, body, success, naming.clean_text(text(response, "description")), _headers(ctx, response, at)))
    success_types = [d.type if d.type is not None else NONE for d in drafts if d.success]
    returns = join(success_types) if success_types else NONE
    return drafts, returns, ", ".join(accept) or "application/json"
