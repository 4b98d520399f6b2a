"""From drafts to the IR: every Python name settled by ``generator.names``, then the parts assembled.

Namespaces, in the order they are settled (a later one reserves what earlier ones took):

- ``classes``: models, named enums and error classes (all exported from the package);
- ``model modules``: one file per model or named enum;
- ``resources``: the client attributes (``client.oauth``), which also name the resource modules;
- ``resource classes``: ``OAuth`` and ``AsyncOAuth``;
- ``methods <tag>``: the operation methods of one resource;
- ``params <METHOD path>`` and ``fields <model>``: arguments and attributes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from generator import naming, typemap
from generator.build.drafts import EnumDraft, ModelDraft
from generator.build.operations import OperationDraft
from generator.build.pagination import Plan
from generator.build.responses import ResponseDraft, phrase
from generator.build.schemas import Schemas
from generator.build.types import Names, rename
from generator.ir import (
    Body,
    Enum,
    ErrorClass,
    Field,
    Model,
    ModelRef,
    Nullable,
    Operation,
    Pagination,
    Param,
    Resource,
    Response,
)
from generator.names import Item, Settled, by_hash, settle

Pins = Mapping[str, Mapping[str, str]]

# Names the generated modules import or define beside spec-named classes.
RESERVED_CLASSES = frozenset(
    {"Any", "ClassVar", "Literal", "Mapping", "File", "Unset", "UNSET", "Endpoint", "Resp", "Param", "Body", "Paginate",
     "SyncResource", "AsyncResource", "ApiResponse", "Client", "AsyncClient", "DecodeFailure", "Auth", "ModelBase",
     "RequestOptions", "Unpack", "Iterator", "AsyncIterator", "TYPE_CHECKING", "Waiter", "RetryPolicy", "RateLimit",
     "SlidingWindowLimiter", "TypeAlias", "Iterable"} | set(typemap.BASE_ERRORS)
)
# Attributes of the generated clients and reserved module names: no resource may take them.
RESERVED_ATTRS = frozenset({"base_url", "timeout", "close", "with_options", "request", "aclose", "models", "errors", "resources"})


@dataclasses.dataclass
class Namer:
    """Settles namespaces with the lock's pins, and keeps what the next lock records."""

    pins: Pins
    record: dict[str, tuple[tuple[str, str], ...]] = dataclasses.field(default_factory=dict)
    warnings: list[str] = dataclasses.field(default_factory=list)

    def settle(self, namespace: str, items: list[Item], **options: object) -> Settled:
        settled = settle(namespace, items, pins=self.pins.get(namespace, {}), **options)  # type: ignore[arg-type]
        self.record[namespace] = settled.record()
        self.warnings.extend(settled.warnings)
        return settled


@dataclasses.dataclass(frozen=True)
class Parts:
    """What ``finish`` hands back: resources, models and errors with their settled names."""

    resources: tuple[Resource, ...]
    models: tuple[Model, ...]
    enums: tuple[Enum, ...]
    errors: tuple[ErrorClass, ...]
    namer: Namer


def error_candidate(key: str, prefix: str = "") -> str:
    """``TooManyRequestsError`` (``prefix``: an operation's name, to tell errors apart);
    ``NotFoundResponseError`` where the runtime has a class of that name."""
    stem = prefix + phrase(key).removesuffix("Error")
    name = stem + "Error"
    return stem + "ResponseError" if name in typemap.BASE_ERRORS else name


def _error_drafts(ops: list[OperationDraft], identities: Mapping[str, str]) -> dict[str, tuple[OperationDraft, ResponseDraft]]:
    """One typed error per (status key, body model): identity -> the operation (whose identity
    sorts first) and response that document it."""
    found: dict[str, tuple[OperationDraft, ResponseDraft]] = {}
    for op in ops:
        for response in op.responses:
            if response.success or not isinstance(response.type, ModelRef):
                continue
            identity = f"error {response.key} {identities[response.type.name]}"
            if identity not in found or op.identity < found[identity][0].identity:
                found[identity] = (op, response)
    return found


def finish(
    schemas: Schemas, ops: list[OperationDraft], pins: Pins, tag_docs: Mapping[str, str],
    owned_classes: Mapping[str, str], owned_methods: Mapping[str, Mapping[str, str]], paging: Mapping[str, Plan],
) -> Parts:
    """``owned_classes``: class names the config gives (waiter errors), name -> identity;
    ``owned_methods``: per tag, method names the config gives (waiters)."""
    namer = Namer(pins)
    schemas.expand()
    drafts: dict[str, ModelDraft | EnumDraft] = {**schemas.models, **schemas.enums}
    identities = {key: d.site.identity for key, d in drafts.items()}
    errors = _error_drafts(ops, identities)
    qualified = {identities[k]: d.site.qualified or d.site.hint + ("Model" if k in schemas.models else "Enum") for k, d in drafts.items()}
    items = [Item(identities[k], d.site.hint, tuple(sorted({x.identity for x in d.resolved} - {identities[k]}))) for k, d in drafts.items()]
    for identity, (op, response) in errors.items():
        assert isinstance(response.type, ModelRef)
        body_aliases = {x.identity for x in schemas.models[response.type.name].resolved} - {identities[response.type.name]}
        items.append(Item(identity, error_candidate(response.key), tuple(sorted(f"error {response.key} {a}" for a in body_aliases))))
        qualified[identity] = error_candidate(response.key, op.hint)  # told apart by the operation that documents them
    classes = namer.settle(
        "classes", items, reserved=RESERVED_CLASSES, owned=owned_classes, fold=True,
        qualify=lambda candidate, identity: qualified.get(identity) or by_hash(candidate, identity),
    )
    class_names = {key: classes[identity] for key, identity in identities.items()}
    stable = {key: classes.stable(identity) for key, identity in identities.items()}  # as the lock pins them
    modules = namer.settle("model modules", [Item(stable[k], naming.module_name(class_names[k], "model")) for k in drafts], fold=True)
    names = Names(
        {k: class_names[k] for k in schemas.models}, {k: (class_names[k], modules[stable[k]]) for k in schemas.enums}
    )
    models = tuple(sorted((_model(namer, d, stable[k], names, modules[stable[k]]) for k, d in schemas.models.items()), key=lambda m: m.name))
    enums = tuple(sorted((Enum(class_names[k], modules[stable[k]], stable[k], d.doc, d.values) for k, d in schemas.enums.items()), key=lambda e: e.name))
    error_classes = tuple(sorted((_error(classes[i], r, names) for i, (_, r) in errors.items()), key=lambda e: e.name))
    error_names = {i: classes[i] for i in errors}

    tags = sorted({op.tag for op in ops})
    attrs = namer.settle("resources", [Item("tag " + t, naming.snake(t, "default")) for t in tags], reserved=RESERVED_ATTRS, fold=True)
    taken = set(RESERVED_CLASSES) | set(classes.names.values())
    resource_items = [Item("sync " + t, naming.pascal(t, "Default")) for t in tags]
    resource_items += [Item("async " + t, "Async" + naming.pascal(t, "Default")) for t in tags]
    resource_classes = namer.settle("resource classes", resource_items, reserved=taken, fold=True, qualify=lambda candidate, _: candidate + "Resource")
    resources = []
    for tag in tags:
        mine = [op for op in ops if op.tag == tag]
        methods = namer.settle(
            f"methods {tag}", [Item(op.identity, op.candidate) for op in mine], reserved=naming.RESERVED_METHODS,
            owned=owned_methods.get(tag, {}), qualify=lambda candidate, identity: f"{candidate}_{naming.snake(identity, 'call')}",
        )
        paged = [op for op in mine if op.identity in paging]
        iterators = namer.settle(
            f"iterators {tag}", [Item(f"{op.identity} {kind}", f"{methods[op.identity]}_{kind}") for op in paged for kind in ("iter", "pages")],
            reserved=set(methods.names.values()) | set(owned_methods.get(tag, {})) | naming.RESERVED_METHODS,
        )
        operations = []
        for op in mine:
            built = _operation(namer, op, methods[op.identity], names, error_names, identities)
            if op.identity in paging:
                built = _paginated(namer, built, paging[op.identity], names, iterators)
            operations.append(built)
        doc = tag_docs.get(tag) or f"Operations tagged {tag}."
        resources.append(Resource(attrs["tag " + tag], attrs["tag " + tag], resource_classes["sync " + tag], resource_classes["async " + tag], tag, doc, tuple(operations)))
    return Parts(tuple(sorted(resources, key=lambda r: r.attr)), models, enums, error_classes, namer)


def _model(namer: Namer, draft: ModelDraft, identity: str, names: Names, module: str) -> Model:
    fields = namer.settle(
        f"fields {identity}", [Item(f.wire, naming.snake(f.wire, "field")) for f in draft.fields], reserved=naming.RESERVED_FIELDS
    )
    built = tuple(
        Field(fields[f.wire], f.wire, rename(f.type, names), f.required, f.doc, f.default, f.has_default, f.side) for f in draft.fields
    )
    extra = rename(draft.extra, names) if draft.extra is not None else None
    return Model(names.models[draft.key], module, identity, draft.doc, built, draft.closed, extra)


def _error(name: str, response: ResponseDraft, names: Names) -> ErrorClass:
    assert isinstance(response.type, ModelRef)
    body = rename(response.type, names)
    doc = f"{response.key} response documented by the API, with its body parsed as ``{names.models[response.type.name]}``."
    if response.description:
        doc = f"{response.description}\n\n{doc}"
    return ErrorClass(name, typemap.status_base(response.key), response.key, body, doc)


def _operation(namer: Namer, op: OperationDraft, name: str, names: Names, errors: Mapping[str, str], identities: Mapping[str, str]) -> Operation:
    owned = {"body": "body"} if op.body is not None else {}
    params = namer.settle(
        f"params {op.identity}", [Item(p.identity, naming.snake(p.wire, "param")) for p in op.params], reserved=naming.RESERVED_PARAMS,
        owned=owned, qualify=lambda candidate, identity: f"{candidate}_{identity.split(' ', 1)[0]}",
    )
    built = tuple(
        Param(params[p.identity], p.wire, p.location, rename(p.type, names), p.required, p.doc, p.style, p.explode, p.deprecated) for p in op.params
    )
    body = None
    if op.body is not None:
        b = op.body
        body = Body("body", b.kind, b.content_type, rename(b.type, names), b.required, b.doc)
    responses = []
    for r in op.responses:
        error = ""
        if not r.success and isinstance(r.type, ModelRef):
            error = errors[f"error {r.key} {identities[r.type.name]}"]
        rtype = rename(r.type, names) if r.type is not None else None
        responses.append(Response(r.key, r.kind, rtype, r.success, error, r.description, r.headers))
    return Operation(
        name=name, identity=op.identity, operation_id=op.operation_id, method=op.method, path=op.path, tag=op.tag,
        summary=op.summary, description=op.description, deprecated=op.deprecated, params=built, body=body,
        responses=tuple(responses), returns=rename(op.returns, names), accept=op.accept,
    )


def _paginated(namer: Namer, op: Operation, plan: Plan, names: Names, iterators: Settled) -> Operation:
    """The operation with its pagination in Python names: parameters by their settled names, response
    fields by the page model's."""
    params = {(p.location, p.wire): p.name for p in op.params}
    page = op.returns.inner if isinstance(op.returns, Nullable) else op.returns
    fields = {}
    if isinstance(page, ModelRef):
        fields = dict((wire, name) for name, wire in ((n, w) for n, w in namer.record.get(f"fields {_model_identity(namer, page.name)}", ())))
    if plan.location == "body" and op.body is not None and isinstance(op.body.type, ModelRef):
        cursor = dict((w, n) for n, w in namer.record.get(f"fields {_model_identity(namer, op.body.type.name)}", ())).get(plan.cursor, plan.cursor)
    else:
        cursor = params.get((plan.location, plan.cursor), plan.cursor)
    pagination = Pagination(
        style=plan.style,
        items=(fields.get(plan.items, plan.items),) if plan.items else (),
        item_type=rename(plan.item_type, names),
        param=cursor,
        location=plan.location,
        next=(fields.get(plan.next, plan.next),) if plan.next else (),
        limit=params.get(("query", plan.limit), "") if plan.limit else "",
        wire=plan.cursor,
    )
    return dataclasses.replace(op, pagination=pagination, iter_name=iterators[f"{op.identity} iter"], pages_name=iterators[f"{op.identity} pages"])


def _model_identity(namer: Namer, name: str) -> str:
    """The identity a model's name is recorded with (its fields namespace is keyed by it)."""
    return dict(namer.record.get("classes", ())).get(name, "")
