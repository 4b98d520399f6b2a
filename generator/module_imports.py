"""What each generated module imports, from the IR alone, as import statements.

Names needed only by annotations go under ``if TYPE_CHECKING:`` (every module has
``from __future__ import annotations``); names evaluated at import time are
imported for real. The runtime's names are looked up in ``RUNTIME``.
"""

from __future__ import annotations

import collections
from collections.abc import Iterable

from generator import imports, typemap
from generator.imports import Import
from generator.ir import Api, Model, Resource, Response, TypeNode

# Where each runtime name the templates use is defined (package-root-relative).
RUNTIME = {
    "Endpoint": "._base_client", "Param": "._base_client", "Body": "._base_client", "Resp": "._base_client",
    "SyncResource": "._base_client", "AsyncResource": "._base_client", "RequestOptions": "._base_client",
    "SyncBaseClient": "._base_client", "AsyncBaseClient": "._base_client", "Auth": "._base_client",
    "Paginate": "._base_client", "RetryPolicy": "._retry", "RateLimit": "._ratelimit", "Waiter": "._waiter",
    "ModelBase": "._codec", "Decoder": "._codec",
    "UNSET": "._types", "Unset": "._types", "File": "._types",
}


def _runtime(*names: str) -> set[Import]:
    return {(RUNTIME[n], n) for n in names}


def _types(nodes: Iterable[TypeNode | None]) -> set[Import]:
    found: set[Import] = set()
    for node in nodes:
        if node is not None:
            found |= typemap.annotation_imports(node)
    return found


def _decoders(nodes: Iterable[TypeNode | None]) -> set[Import]:
    found: set[Import] = set()
    for node in nodes:
        if node is not None:
            found |= typemap.decoder_imports(node)
    return found


def _split(runtime: set[Import], checking: set[Import], depth: int, own: str = "") -> list[str]:
    """The import block: real imports, then the TYPE_CHECKING block (minus what is imported for real
    and minus ``own``, a model's own name). Standard-library names are always imported for real
    (``typing.get_type_hints`` can then resolve them); only the package's own modules and names that
    do not exist at run time (``typing_extensions.Unpack``) wait for the type checker."""
    runtime = runtime | {pair for pair in checking if pair[0] in ("typing", "datetime", "uuid", "collections.abc")}
    checking = {pair for pair in checking if pair not in runtime and pair[1] != own}
    # Models are imported from the models package under TYPE_CHECKING.
    lines = imports.lines({("__future__", "annotations"), *runtime, *({("typing", "TYPE_CHECKING")} if checking else set())}, depth)
    if checking:
        lines += ["", "if TYPE_CHECKING:", *imports.lines(checking, depth, "    ")]
    return lines


def model_block(model: Model) -> list[str]:
    nodes = [f.type for f in model.fields] + [model.extra]
    runtime = {("dataclasses", ""), ("typing", "Any")} | _runtime("ModelBase") | _decoders(nodes)
    checking = _types(nodes) | _runtime("Decoder")
    if any(not f.required for f in model.fields):
        runtime |= _runtime("UNSET", "Unset")
    if model.closed or any(f.name != f.wire for f in model.fields):
        runtime.add(("typing", "ClassVar"))
    return _split(runtime, checking, 1, model.name)


def enum_block() -> list[str]:
    runtime = {("typing", "Literal"), ("typing", "TypeAlias"), ("typing", "get_args"), ("._codec", "d_lit")}
    return _split(runtime, set(), 1)


def _response_decoders(responses: Iterable[Response]) -> set[Import]:
    return _decoders(r.type for r in responses if r.kind in ("json", "ndjson"))


def resource_block(resource: Resource) -> list[str]:
    ops = resource.operations
    runtime = _runtime("AsyncResource", "Endpoint", "SyncResource")
    checking = {("typing_extensions", "Unpack")} | _runtime("RequestOptions")
    if any(op.responses for op in ops):
        runtime |= _runtime("Resp")
    if any(op.params for op in ops):
        runtime |= _runtime("Param")
    if any(op.body is not None for op in ops):
        runtime |= _runtime("Body")
    if any(not p.required for op in ops for p in op.keyword):
        runtime |= _runtime("UNSET", "Unset")
    for op in ops:
        runtime |= _response_decoders(op.responses)
        if any(r.error for r in op.responses):
            runtime.add((".", "errors as _e"))
        checking |= _types([op.returns, *(p.type for p in op.params), op.body.type if op.body else None])
    if any(op.pagination for op in ops):
        runtime |= _runtime("Paginate")
        checking |= {("collections.abc", "AsyncIterator"), ("collections.abc", "Iterator")}
        checking |= _types([op.pagination.item_type for op in ops if op.pagination])
    if resource.waiters:
        runtime |= _runtime("Waiter") | {(".", "errors as _e")}
        checking.add(("datetime", ""))
    return _split(runtime, checking, 1)


def errors_block(api: Api) -> list[str]:
    runtime = {("._errors", name) for name in sorted({e.base for e in api.errors} | set(typemap.BASE_ERRORS))}
    if any(e.body is not None for e in api.errors):
        runtime.add(("typing", "cast"))  # the ``body`` properties
    checking = _types([e.body for e in api.errors] + [t for e in api.errors for _, t in e.attributes])
    return _split(runtime, checking, 0)


def client_block(api: Api) -> list[str]:
    runtime = _runtime("AsyncBaseClient", "Auth", "RetryPolicy", "SyncBaseClient")
    if api.resources:
        runtime.add(("functools", "cached_property"))
    if api.rate_limits:
        runtime |= _runtime("RateLimit")
    checking = {(f".resources.{r.module}", cls) for r in api.resources for cls in (r.sync_class, r.async_class)}
    return _split(runtime, checking, 0)


def block(kind: str, obj: object = None) -> list[str]:
    """The import lines of one module: ``kind`` is model, enum, resource, errors or client."""
    if kind == "enum":
        return enum_block()
    if kind == "model":
        assert isinstance(obj, Model)
        return model_block(obj)
    if kind == "resource":
        assert isinstance(obj, Resource)
        return resource_block(obj)
    assert isinstance(obj, Api)
    return errors_block(obj) if kind == "errors" else client_block(obj)


def error_tables(resource: Resource) -> tuple[list[tuple[str, list[Response]]], dict[str, tuple[list[Response], str]]]:
    """Error responses several operations of a resource document alike, written once as module constants.

    Returns the tables (constant, responses) and, per operation constant, its own
    responses and the table it spreads ("" for none). Table names come from the
    responses they hold, so they do not depend on the operations' order.
    """
    def entry(r: Response) -> tuple[str, str, str, TypeNode | None]:
        return (r.key, r.kind, r.error, r.type)

    errors = [[r for r in op.responses if not r.success] for op in resource.operations]
    counts = collections.Counter(entry(r) for rs in errors for r in rs)
    shared = [tuple(r for r in rs if counts[entry(r)] > 1) for rs in errors]
    uses = collections.Counter(tuple(entry(r) for r in s) for s in shared if s)
    names: dict[tuple[tuple[str, str, str, TypeNode | None], ...], str] = {}
    for entries in sorted(uses, key=lambda e: [x[:3] for x in e]):
        if uses[entries] > 1:
            names[entries] = "_ERRORS" + ("" if not names else f"_{len(names) + 1}")
    tables: dict[str, list[Response]] = {}
    per_op: dict[str, tuple[list[Response], str]] = {}
    for op, s in zip(resource.operations, shared, strict=True):
        key = tuple(entry(r) for r in s)
        table = names.get(key, "") if s else ""
        if table:
            tables.setdefault(table, list(s))
        own = [r for r in op.responses if not (table and r in s)]
        per_op[op.const] = (own, table)
    return sorted(tables.items()), per_op

