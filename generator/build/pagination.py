"""Which list operations page, and how: from ``[tool.generator.pagination]`` or by their shape.

Detected shapes (``auto``, on by default), checked on the operation's first 2xx
response model and its parameters:

- ``cursor``: a query parameter or JSON body field such as ``starting_after``,
  ``cursor`` or ``page_token``, and a response object holding an array (``items``,
  ``data``, ``results`` ...) and the next cursor (``next_starting_after``,
  ``next_cursor``, ``next_page_token`` ...): Instantly's lists, among others;
- ``link``: a ``page`` parameter and a declared ``Link`` response header (GitHub);
- ``offset``: ``offset`` (or ``skip``) and ``limit`` parameters;
- ``page``: a ``page`` parameter, and the items as the response or one of its arrays.

The config names operations by operationId and fields by their wire names; a
name that does not exist is an error pointing at the config.
"""

from __future__ import annotations

import dataclasses

from generator.build.context import Context
from generator.build.operations import OperationDraft
from generator.build.schemas import Schemas
from generator.errors import SpecError
from generator.ir import ListOf, ModelRef, Nullable, Scalar, TypeNode
from generator.settings import PaginationSettings

CURSOR_PARAMS = ("starting_after", "cursor", "after", "page_token", "pageToken", "next_token", "nextToken", "continuation_token", "continuationToken")
NEXT_FIELDS = ("next_starting_after", "next_cursor", "nextCursor", "next_page_token", "nextPageToken", "next_token", "nextToken", "continuation_token", "cursor", "next")
ITEMS_FIELDS = ("items", "data", "results", "records", "entries", "values")
LIMIT_PARAMS = ("limit", "per_page", "page_size", "pageSize", "perPage", "take", "count")


@dataclasses.dataclass(frozen=True)
class Plan:
    """A paginated operation, in wire names (``finish`` turns them into Python names)."""

    style: str
    items: str  # the response field holding the items ("": the response is the list)
    item_type: TypeNode
    cursor: str = ""  # the parameter or body field taking the cursor / offset / page
    location: str = "query"
    next: str = ""
    limit: str = ""


def _list_item(node: TypeNode | None) -> TypeNode | None:
    if isinstance(node, Nullable):
        node = node.inner
    return node.item if isinstance(node, ListOf) else None


def _page_fields(schemas: Schemas, op: OperationDraft) -> dict[str, TypeNode] | None:
    """The fields of the success response's model (wire name -> type), or None when it is not a model."""
    returns = op.returns.inner if isinstance(op.returns, Nullable) else op.returns
    if not isinstance(returns, ModelRef) or returns.name not in schemas.models:
        return None
    return {f.wire: f.type for f in schemas.models[returns.name].fields}


def _body_fields(schemas: Schemas, op: OperationDraft) -> dict[str, TypeNode]:
    body = op.body
    if body is None or body.kind != "json" or not isinstance(body.type, ModelRef) or body.type.name not in schemas.models:
        return {}
    return {f.wire: f.type for f in schemas.models[body.type.name].fields}


def _items(fields: dict[str, TypeNode] | None, op: OperationDraft, wanted: str = "") -> tuple[str, TypeNode] | None:
    """The items: a named array field, else the one array field, else the response itself."""
    if fields is None:
        item = _list_item(op.returns)
        return ("", item) if item is not None and not wanted else None
    if wanted:
        item = _list_item(fields.get(wanted))
        return (wanted, item) if item is not None else None
    arrays = {wire: _list_item(t) for wire, t in fields.items() if _list_item(t) is not None}
    for name in ITEMS_FIELDS:
        if name in arrays:
            return name, arrays[name]  # type: ignore[return-value]
    if len(arrays) == 1:
        wire, item = next(iter(arrays.items()))
        return wire, item  # type: ignore[return-value]
    return None


def detect(schemas: Schemas, op: OperationDraft) -> Plan | None:
    """The shape of a list operation the common conventions describe, or None."""
    if op.method not in ("GET", "POST"):
        return None
    query = {p.wire: p for p in op.params if p.location == "query"}
    fields = _page_fields(schemas, op)
    limit = next((name for name in LIMIT_PARAMS if name in query), "")
    cursor_in = "query"
    cursor = next((name for name in CURSOR_PARAMS if name in query), "")
    if not cursor and op.method == "POST":
        body = _body_fields(schemas, op)
        cursor, cursor_in = next((name for name in CURSOR_PARAMS if name in body), ""), "body"
    if cursor and fields is not None:
        nxt = next((name for name in NEXT_FIELDS if name in fields), "")
        items = _items(fields, op)
        if nxt and items and _is_scalar(fields[nxt]):
            return Plan("cursor", items[0], items[1], cursor, cursor_in, nxt, limit)
    if op.method != "GET":
        return None
    page = query.get("page")
    success = [r for r in op.responses if r.success]
    if page is not None and any(name == "link" for r in success for name, _ in r.headers):
        items = _items(fields, op)
        if items:
            return Plan("link", items[0], items[1], "page", "query", "", limit)
    offset = next((name for name in ("offset", "skip") if name in query), "")
    if offset and limit:
        items = _items(fields, op)
        if items:
            return Plan("offset", items[0], items[1], offset, "query", "", limit)
    if page is not None:
        items = _items(fields, op)
        if items:
            return Plan("page", items[0], items[1], "page", "query", "", limit)
    return None


def _is_scalar(node: TypeNode) -> bool:
    node = node.inner if isinstance(node, Nullable) else node
    return isinstance(node, Scalar) and node.kind in ("str", "int", "any")


def configured(ctx: Context, schemas: Schemas, op: OperationDraft, settings: PaginationSettings) -> Plan | None:
    """The plan the config describes, every name it gives checked against the operation."""
    where = f"[tool.generator.pagination.{settings.operation}]"

    def fail(message: str) -> SpecError:
        return SpecError(ctx.config.source, None, f"{where}: {message}")

    if settings.style == "none":
        return None
    query = {p.wire for p in op.params if p.location == "query"}
    fields = _page_fields(schemas, op)
    items = _items(fields, op, settings.items)
    if items is None:
        raise fail(f"the response of {settings.operation} has no array field {settings.items!r}" if settings.items else f"the response of {settings.operation} is not a list")
    if settings.limit and settings.limit not in query:
        raise fail(f"{settings.operation} has no query parameter {settings.limit!r}")
    if settings.style == "cursor":
        names = query if settings.cursor_in == "query" else set(_body_fields(schemas, op))
        if settings.cursor not in names:
            raise fail(f"{settings.operation} has no {settings.cursor_in} {'parameter' if settings.cursor_in == 'query' else 'field'} {settings.cursor!r}")
        if fields is None or settings.next not in fields:
            raise fail(f"the response of {settings.operation} has no field {settings.next!r}")
        return Plan("cursor", items[0], items[1], settings.cursor, settings.cursor_in, settings.next, settings.limit)
    param = settings.offset if settings.style == "offset" else settings.page or "page"
    if param not in query:
        raise fail(f"{settings.operation} has no query parameter {param!r}")
    return Plan(settings.style, items[0], items[1], param, "query", "", settings.limit)


def plans(ctx: Context, schemas: Schemas, ops: list[OperationDraft], every: dict[str, str]) -> dict[str, Plan]:
    """Operation identity -> its pagination, for the selected operations (``every``: operationId ->
    its resource tag, "" when not selected)."""
    by_id = {s.operation: s for s in ctx.config.pagination}
    for name in by_id:
        if name not in every:
            if not ctx.config.lenient:
                raise SpecError(ctx.config.source, None, f"[tool.generator.pagination.{name}]: the spec has no operation {name!r}")
            ctx.notes.append(f"[tool.generator.pagination.{name}]: the spec has no operation {name!r} (ignored: lenient)")
        elif not every[name]:
            ctx.notes.append(f"pagination of {name!r}: the operation is not generated")
    found: dict[str, Plan] = {}
    for op in ops:
        settings = by_id.get(op.operation_id or "")
        plan = configured(ctx, schemas, op, settings) if settings else detect(schemas, op) if ctx.config.paginate_auto else None
        if plan is not None:
            found[op.identity] = plan
    return found
