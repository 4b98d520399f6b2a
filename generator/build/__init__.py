"""Spec to IR: ``build_api(doc, name, config, spec_sha256, pins) -> Api``.

The selected operations are walked in spec order (``operations``), the schemas
they reach become models (``schemas``), every name is settled from identities
and the lock's pins (``finish``), and the config's run-time settings are applied
(``runtime``). Nothing here reads files or writes output.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from generator import __version__, naming
from generator.build import pagination, runtime
from generator.build.context import Context, mapping, sequence, text
from generator.build.finish import finish
from generator.build.operations import OperationDraft, operation
from generator.build.schemas import Schemas
from generator.config import Config
from generator.errors import SpecError
from generator.ir import Api, Auth, Server
from generator.selection import HTTP_METHODS, operation_identity, resource_tag

Pins = Mapping[str, Mapping[str, str]]


def _walk(ctx: Context, schemas: Schemas) -> tuple[list[OperationDraft], dict[str, str]]:
    """The selected operations' drafts in spec order, and every operationId of the spec (id -> tag or "")."""
    drafts: list[OperationDraft] = []
    every: dict[str, str] = {}
    paths = mapping(ctx.doc, "paths")
    for path, raw_item in paths.items():
        if str(path).startswith("x-"):
            continue
        item, item_where = ctx.deref(raw_item, ["paths", path])
        if not isinstance(item, dict):
            continue
        for method, op in item.items():
            if method not in HTTP_METHODS or not isinstance(op, dict):
                continue
            op_id, tags = operation_identity(str(path), method, op)
            tag = resource_tag(ctx.config, tags, op_id)
            every[op_id] = tag or ""
            if tag is None:
                continue
            try:
                drafts.append(operation(ctx, schemas, str(path), method, op, item, [*item_where, method], tag))
            except SpecError as exc:
                if not ctx.config.lenient:
                    raise
                ctx.warnings.append(f"{exc} (operation {op_id!r} skipped)")
        if any(isinstance(op, dict) and op.get("callbacks") for op in item.values()):
            note = "callbacks are not generated (they are requests the API sends back, not calls a client makes)"
            if note not in ctx.notes:
                ctx.notes.append(note)
    if "webhooks" in ctx.doc:
        ctx.notes.append("webhooks are not generated (they are requests the API sends, not calls a client makes)")
    return drafts, every


def _servers(doc: dict[str, Any]) -> tuple[Server, ...]:
    out = []
    for server in sequence(doc, "servers"):
        if not isinstance(server, dict) or not isinstance(server.get("url"), str):
            continue
        url: str = server["url"]
        variables = mapping(server, "variables")
        for var, spec in variables.items():
            if isinstance(spec, dict) and "default" in spec:
                url = url.replace("{" + str(var) + "}", str(spec["default"]))
        out.append(Server(url, naming.clean_text(text(server, "description"))))
    return tuple(out)


def _auth(ctx: Context) -> Auth:
    schemes = mapping(mapping(ctx.doc, "components"), "securitySchemes")
    requirements = sequence(ctx.doc, "security")
    names = [n for req in requirements if isinstance(req, dict) for n in req] or list(schemes)
    for scheme_name in names:
        scheme, _ = ctx.deref(schemes.get(scheme_name, {}), ["components", "securitySchemes", scheme_name])
        if not isinstance(scheme, dict):
            continue
        kind = scheme.get("type")
        http_scheme = str(scheme.get("scheme", "")).lower()
        if (kind == "http" and http_scheme == "bearer") or kind in ("oauth2", "openIdConnect"):
            return Auth("bearer")
        if kind == "http" and http_scheme == "basic":
            return Auth("basic")
        if kind == "apiKey" and scheme.get("in") in ("header", "query", "cookie") and isinstance(scheme.get("name"), str):
            return Auth(str(scheme["in"]), scheme["name"])
    return Auth("none")


def build_api(doc: dict[str, Any], name: str, config: Config, spec_sha256: str, pins: Pins | None = None) -> Api:
    """The IR of a validated document, for the operations ``config`` selects."""
    ctx = Context.of(doc, name, config)
    schemas = Schemas(ctx)
    drafts, every = _walk(ctx, schemas)
    plan = runtime.plan(ctx, drafts, every)
    tags = sequence(ctx.doc, "tags")
    tag_docs = {str(t.get("name")): naming.clean_text(text(t, "description")) for t in tags if isinstance(t, dict)}
    paging = pagination.plans(ctx, schemas, drafts, every)
    parts = finish(schemas, drafts, pins or {}, tag_docs, plan.owned_classes, plan.owned_methods, paging)
    paged = [f"{r.attr}.{op.name}" for r in parts.resources for op in r.operations if op.pagination]
    if paged:
        ctx.notes.append(f"paginated ({len(paged)}): " + ", ".join(paged[:8]) + (f" and {len(paged) - 8} more" if len(paged) > 8 else ""))
    info = mapping(ctx.doc, "info")
    api = Api(
        package=config.package,
        title=naming.clean_text(text(info, "title") or config.package),
        version=naming.clean_text(str(info.get("version") or "0")),
        doc=naming.clean_text(text(info, "description")),
        servers=_servers(ctx.doc),
        auth=_auth(ctx),
        key_env=config.key_env(),
        spec_sha256=spec_sha256,
        generator_version=__version__,
        resources=parts.resources,
        models=parts.models,
        enums=parts.enums,
        errors=parts.errors,
        retry=runtime.retry(config),
    )
    api = runtime.apply(ctx, api, plan)
    warnings = tuple(ctx.warnings + parts.namer.warnings)
    return dataclasses.replace(api, names=tuple(sorted(parts.namer.record.items())), notes=tuple(ctx.notes), warnings=warnings)
