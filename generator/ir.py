"""The intermediate model: frozen dataclasses holding structure, not text.

``generator.build`` makes an ``Api`` from a validated document; the templates
(through ``generator.typemap`` and the filters of ``generator.render``) turn it
into code. Types are nodes, imports are (module, name) pairs, names are settled
(``generator.names``) and recorded with the identity they stand for.
"""

from __future__ import annotations

import dataclasses
from typing import TypeAlias

JsonScalar: TypeAlias = str | int | float | bool | None

# ---------------------------------------------------------------- type nodes


@dataclasses.dataclass(frozen=True, slots=True)
class Scalar:
    """A leaf type. ``kind``: str, int, float, bool, date, datetime, uuid, bytes,
    file (an upload), object (a JSON object kept as a dict), any, none."""

    kind: str


@dataclasses.dataclass(frozen=True, slots=True)
class ListOf:
    item: TypeNode


@dataclasses.dataclass(frozen=True, slots=True)
class MapOf:
    """A JSON object whose values all have one type (``additionalProperties: {schema}``)."""

    value: TypeNode


@dataclasses.dataclass(frozen=True, slots=True)
class Nullable:
    inner: TypeNode


@dataclasses.dataclass(frozen=True, slots=True)
class ModelRef:
    """A generated model class, by its Python name."""

    name: str


@dataclasses.dataclass(frozen=True, slots=True)
class LiteralOf:
    """An enum or const: ``Literal[...]`` (kept open when decoding unless strict).

    A named enum (``Enum``) is referred to by its alias ``name``, defined in the
    models package's module ``module``; the two do not take part in equality, so
    a type is the same whether its enum is named or written out.
    """

    values: tuple[str | int | bool, ...]
    name: str = dataclasses.field(default="", compare=False)
    module: str = dataclasses.field(default="", compare=False)


@dataclasses.dataclass(frozen=True, slots=True)
class Discriminator:
    property: str
    mapping: tuple[tuple[str, str], ...]  # (tag, model name), sorted by tag


@dataclasses.dataclass(frozen=True, slots=True)
class UnionOf:
    options: tuple[TypeNode, ...]
    discriminator: Discriminator | None = None


TypeNode: TypeAlias = Scalar | ListOf | MapOf | Nullable | ModelRef | LiteralOf | UnionOf

ANY = Scalar("any")
NONE = Scalar("none")
STR = Scalar("str")
OBJECT = Scalar("object")


def nullable(node: TypeNode) -> TypeNode:
    """``node | None`` (unchanged when it already admits None)."""
    if isinstance(node, Nullable) or node in (ANY, NONE):
        return node
    return Nullable(node)


def models_in(node: TypeNode) -> frozenset[str]:
    """The model names a type refers to."""
    if isinstance(node, ModelRef):
        return frozenset({node.name})
    if isinstance(node, ListOf):
        return models_in(node.item)
    if isinstance(node, MapOf):
        return models_in(node.value)
    if isinstance(node, Nullable):
        return models_in(node.inner)
    if isinstance(node, UnionOf):
        return frozenset().union(*(models_in(o) for o in node.options))
    return frozenset()


# ---------------------------------------------------------------- models


@dataclasses.dataclass(frozen=True, slots=True)
class Field:
    name: str
    wire: str
    type: TypeNode
    required: bool
    doc: str = ""
    default: JsonScalar = None  # shown in the docstring only (``has_default``)
    has_default: bool = False
    side: str = ""  # "read" / "write" for readOnly / writeOnly properties


@dataclasses.dataclass(frozen=True, slots=True)
class Model:
    name: str
    module: str
    identity: str  # what the model stands for: "#/components/schemas/Pet", or where an inline schema sits
    doc: str
    fields: tuple[Field, ...]
    closed: bool = False  # additionalProperties: false
    extra: TypeNode | None = None  # additionalProperties: {schema}


@dataclasses.dataclass(frozen=True, slots=True)
class Enum:
    """A named enum: a ``Literal`` type alias of the models package, with its decoder."""

    name: str
    module: str
    identity: str  # as for ``Model``
    doc: str
    values: tuple[str | int | bool, ...]


# ---------------------------------------------------------------- operations


@dataclasses.dataclass(frozen=True, slots=True)
class Param:
    name: str
    wire: str
    location: str  # path, query, header, cookie
    type: TypeNode
    required: bool
    doc: str = ""
    style: str = ""  # "" when the location's default
    explode: bool | None = None  # None when the style's default
    deprecated: bool = False


@dataclasses.dataclass(frozen=True, slots=True)
class Body:
    name: str
    kind: str  # json, form, multipart, bytes, text, ndjson
    content_type: str
    type: TypeNode
    required: bool
    doc: str = ""
    location: str = "body"  # so that a body reads like a parameter
    wire: str = ""


@dataclasses.dataclass(frozen=True, slots=True)
class Response:
    key: str  # "200", "4XX", "default"
    kind: str  # json, text, bytes, ndjson, none
    type: TypeNode | None  # the body's type (None: no body)
    success: bool
    error: str = ""  # the typed error class of a documented error body ("" otherwise)
    description: str = ""
    headers: tuple[tuple[str, str], ...] = ()  # (lower-case name, JSON type) the spec declares


@dataclasses.dataclass(frozen=True, slots=True)
class Pagination:
    """How to walk the pages of a list operation (see generator.build.pagination)."""

    style: str  # cursor, offset, page, link
    items: tuple[str, ...]  # attribute path to the items in the page model ("items",); () for a top-level list
    item_type: TypeNode
    param: str = ""  # Python name of the parameter (or body field) that takes the cursor / offset / page
    location: str = "query"  # query or body
    wire: str = ""  # the body field's (or the Link URL's query parameter's) wire name
    next: tuple[str, ...] = ()  # attribute path to the next cursor in the page (cursor style)
    limit: str = ""  # Python name of the page size parameter (offset style)


@dataclasses.dataclass(frozen=True, slots=True)
class Operation:
    name: str
    identity: str  # "POST /api/v2/oauth/microsoft/init"
    operation_id: str
    method: str  # upper case
    path: str
    tag: str
    summary: str
    description: str
    deprecated: bool
    params: tuple[Param, ...]  # path parameters first (in path order), then the rest
    body: Body | None
    responses: tuple[Response, ...]
    returns: TypeNode
    accept: str = "application/json"
    idempotent: bool | None = None  # None: by HTTP method
    limits: tuple[str, ...] = ()
    pagination: Pagination | None = None
    iter_name: str = ""  # the item iterator's method name when paginated
    pages_name: str = ""  # the page iterator's method name when paginated

    @property
    def const(self) -> str:
        """The module constant holding the operation's Endpoint (method names are unique lower-case identifiers)."""
        return "_" + self.name.upper()

    @property
    def positional(self) -> tuple[Param, ...]:
        return tuple(p for p in self.params if p.location == "path")

    @property
    def keyword(self) -> tuple[Param | Body, ...]:
        """Keyword-only arguments: required first, then optional, each in spec order."""
        rest: list[Param | Body] = [p for p in self.params if p.location != "path"]
        if self.body is not None:
            rest.append(self.body)
        return tuple(sorted(rest, key=lambda p: not p.required))


@dataclasses.dataclass(frozen=True, slots=True)
class Waiter:
    """A method that polls ``operation`` until a response field reaches a final value."""

    name: str
    const: str
    operation: Operation
    field: str  # Python attribute of the response model
    success: tuple[JsonScalar, ...]
    failure: tuple[JsonScalar, ...]
    pending: tuple[JsonScalar, ...]
    error: str  # the error class (in errors.py)
    details: tuple[str, ...]
    timeout: float
    interval: float


@dataclasses.dataclass(frozen=True, slots=True)
class Resource:
    attr: str  # client attribute: client.oauth
    module: str
    sync_class: str
    async_class: str
    tag: str
    doc: str
    operations: tuple[Operation, ...]
    waiters: tuple[Waiter, ...] = ()


@dataclasses.dataclass(frozen=True, slots=True)
class ErrorClass:
    name: str
    base: str  # a runtime status class (RateLimitError, ServerError, ApiStatusError ...)
    key: str  # the status key it documents ("429", "4XX", "default"); "" for waiter errors
    body: TypeNode | None
    doc: str
    attributes: tuple[tuple[str, TypeNode], ...] = ()  # waiter errors: fields copied from the response


@dataclasses.dataclass(frozen=True, slots=True)
class RetrySettings:
    max_retries: int
    statuses: tuple[int, ...]
    backoff_initial: float
    backoff_max: float
    retry_after_cap: float


@dataclasses.dataclass(frozen=True, slots=True)
class RateLimit:
    name: str
    per_key: int
    per_process: int
    window: float


@dataclasses.dataclass(frozen=True, slots=True)
class Server:
    url: str  # with variables' defaults filled in
    description: str = ""


@dataclasses.dataclass(frozen=True, slots=True)
class Auth:
    kind: str  # bearer, basic, header, query, cookie, none
    name: str = ""  # header, query parameter or cookie name


@dataclasses.dataclass(frozen=True, slots=True)
class Api:
    package: str
    title: str
    version: str
    doc: str
    servers: tuple[Server, ...]
    auth: Auth
    key_env: str
    spec_sha256: str
    generator_version: str
    resources: tuple[Resource, ...]
    models: tuple[Model, ...]
    errors: tuple[ErrorClass, ...]
    retry: RetrySettings
    rate_limits: tuple[RateLimit, ...] = ()
    notes: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    enums: tuple[Enum, ...] = ()
    # Every settled name: namespace -> ((Python name, identity), ...), sorted (recorded in the lock).
    names: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()

    @property
    def base_url(self) -> str:
        return self.servers[0].url if self.servers else ""

    @property
    def operations(self) -> tuple[Operation, ...]:
        return tuple(op for r in self.resources for op in r.operations)

    @property
    def operation_count(self) -> int:
        return sum(len(r.operations) for r in self.resources)

    def model(self, name: str) -> Model:
        for model in self.models:
            if model.name == name:
                return model
        raise KeyError(name)
