"""The intermediate model: frozen dataclasses that templates lay out without deciding anything.

Every name, annotation, decoder expression, import line and docstring text is
computed by ``generator.build`` and stored here.
"""

from __future__ import annotations

import collections
import dataclasses
import functools

from generator.layout import assigned_call, tuple_of
from generator.naming import literal, unique


@dataclasses.dataclass(frozen=True)
class TypeRef:
    """A Python type: how to write it, how to decode JSON into it, what it needs imported."""

    annotation: str
    decoder: str
    models: frozenset[str] = frozenset()
    codecs: frozenset[str] = frozenset()
    typing: frozenset[str] = frozenset()
    modules: frozenset[str] = frozenset()
    is_model: bool = False
    runtime: frozenset[str] = frozenset()  # names from the package's _types module

    def nullable(self) -> TypeRef:
        if self.annotation == "None" or self.annotation.endswith(" | None") or self.annotation == "Any":
            return self
        return dataclasses.replace(
            self,
            annotation=f"{self.annotation} | None",
            decoder=f"d_nullable({self.decoder})",
            codecs=self.codecs | {"d_nullable"},
            is_model=False,
        )


# Optional fields of these types decode with one runtime call (``_codec.opt_str`` ...).
FAST_OPTIONAL = {
    "d_str": "opt_str",
    "d_nullable(d_str)": "opt_nstr",
    "d_float": "opt_float",
    "d_nullable(d_float)": "opt_nfloat",
    "d_int": "opt_int",
    "d_nullable(d_int)": "opt_nint",
    "d_bool": "opt_bool",
    "d_nullable(d_bool)": "opt_nbool",
    "d_uuid": "opt_uuid",
    "d_nullable(d_uuid)": "opt_nuuid",
    "d_datetime": "opt_datetime",
    "d_nullable(d_datetime)": "opt_ndatetime",
}


def declaration(name: str, annotation: str, required: bool) -> str:
    """``name: T``, or ``name: T | Unset = UNSET`` when optional (model fields and keyword parameters)."""
    return f"{name}: {annotation}" + ("" if required else " | Unset = UNSET")


@dataclasses.dataclass(frozen=True)
class Field:
    name: str
    wire: str
    type: TypeRef
    required: bool
    doc: str

    @property
    def declaration(self) -> str:
        return declaration(self.name, self.type.annotation, self.required)

    @property
    def fast(self) -> str:
        """The one-call decoder of an optional field of a common type, or ""."""
        return "" if self.required else FAST_OPTIONAL.get(self.type.decoder, "")

    @property
    def decode(self) -> str:
        """The expression decoding this field from the JSON object ``d``."""
        if self.fast:
            return f"{self.fast}(d, {literal(self.wire)})"
        return f"{'req' if self.required else 'opt'}(d, {literal(self.wire)}, {self.type.decoder})"

    @property
    def codecs(self) -> frozenset[str]:
        """The ``_codec`` names ``decode`` uses."""
        if self.fast:
            return frozenset({self.fast})
        return self.type.codecs | {"req" if self.required else "opt"}


@dataclasses.dataclass(frozen=True)
class Model:
    name: str
    module: str
    doc: str
    fields: tuple[Field, ...]
    imports: tuple[str, ...]
    type_imports: tuple[str, ...]
    closed: bool = False  # additionalProperties: false
    extra_annotation: str = "Any"  # value type of additional_properties (additionalProperties: a schema)
    extra_decoder: str = ""  # its decoder, "" to keep values as received

    @property
    def extra_call(self) -> str:
        """The decoder call that collects ``additional_properties`` in ``from_dict``."""
        return "extra(d, cls" + (", closed=True" if self.closed else "") + (f", decode={self.extra_decoder}" if self.extra_decoder else "") + ")"

    @property
    def renamed_literal(self) -> str:
        """``{"field_name": "wire-name"}`` for fields whose Python name is not the wire name ("" if none)."""
        pairs = [f"{literal(f.name)}: {literal(f.wire)}" for f in self.fields if f.name != f.wire]
        return "{" + ", ".join(pairs) + "}" if pairs else ""


@dataclasses.dataclass(frozen=True)
class Param:
    name: str
    wire: str
    location: str  # path, query, header, cookie, body
    type: TypeRef
    required: bool
    doc: str

    @property
    def declaration(self) -> str:
        return declaration(self.name, self.type.annotation, self.required)


@dataclasses.dataclass(frozen=True)
class ResponseEntry:
    key: str  # "200", "4XX", "default"
    kind: str  # json, text, bytes, none
    decoder: str  # "" when the body is kept as read
    error: str  # "" for success responses, else the error class expression
    expr: str  # the ``Resp(...)`` expression in the resource module


@dataclasses.dataclass(frozen=True)
class Operation:
    name: str
    raw_name: str
    const: str
    method: str
    path: str
    body_kind: str
    doc: str
    positional: tuple[Param, ...]
    keyword: tuple[Param, ...]
    return_type: str
    responses: tuple[ResponseEntry, ...]
    path_args: tuple[tuple[str, str], ...]
    query_args: tuple[tuple[str, str], ...]
    header_args: tuple[tuple[str, str], ...]
    cookie_args: tuple[tuple[str, str], ...]
    body_arg: str
    query_styles: tuple[str, ...] = ()  # "(wire, style, explode)" literals for the Endpoint
    annotation_types: tuple[TypeRef, ...] = ()  # every type in the signature, for imports
    accept: str = ""  # the Accept header when it is not application/json
    # Run-time settings for the Endpoint, from generator.runtime_config:
    idempotent: bool = False  # safe to retry once sent (by HTTP method, or marked in the config)
    limits: tuple[str, ...] = ()  # names of the client-side rate limits it takes a slot from
    response_headers: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()  # (response key, ((name, JSON type), ...))

    @property
    def endpoint_open(self) -> tuple[tuple[str, ...], str, tuple[str, ...]]:
        """The module constant ``_X: Endpoint[T] = Endpoint(...)``: the lines before its
        arguments, their indentation, the lines after them (``layout.assigned_call``)."""
        return assigned_call(self.const, f"Endpoint[{self.return_type}]", "Endpoint")

    @property
    def query_styles_literal(self) -> str:
        return tuple_of(list(self.query_styles))

    @property
    def limits_literal(self) -> str:
        return tuple_of([literal(name) for name in self.limits])

    @property
    def headers_literal(self) -> str:
        """The Endpoint's ``headers=`` table: ``{"200": (("X-Limit", "integer"),)}``."""
        entries = (f"{literal(key)}: " + tuple_of([tuple_of([literal(n), literal(k)]) for n, k in declared]) for key, declared in self.response_headers)
        return "{" + ", ".join(entries) + "}"


@dataclasses.dataclass(frozen=True)
class Waiter:
    """A method that polls ``operation`` until the watched field reaches a final value."""

    name: str
    const: str  # module constant holding the runtime Waiter
    operation: Operation  # the polled operation: its parameters are the waiter's
    field: str  # attribute of the response model
    success: tuple[str | int | float | bool, ...]
    failure: tuple[str | int | float | bool, ...]
    pending: tuple[str | int | float | bool, ...]
    error: str  # error class expression, e.g. "_e.OAuthSessionError"
    details: tuple[str, ...]  # attributes copied from the response onto the error
    timeout: float
    interval: float
    doc: str

    def values_literal(self, which: str) -> str:
        """One of the tuples of the runtime Waiter (``success``, ``failure``, ``pending``, ``details``)."""
        values: tuple[str | int | float | bool, ...] = getattr(self, which)
        return tuple_of([literal(v) for v in values])


@dataclasses.dataclass(frozen=True)
class Resource:
    attr: str
    module: str
    sync_class: str
    async_class: str
    doc: str
    operations: tuple[Operation, ...]
    imports: tuple[str, ...]
    type_imports: tuple[str, ...]
    waiters: tuple[Waiter, ...] = ()

    @functools.cached_property
    def response_tables(self) -> ResponseTables:
        """Error responses several operations share, written once as module constants.

        An error response (status key and ``Resp``) that two or more operations of
        the module document goes into a shared table; operations with the same set
        of shared responses use the same table: ``{"200": Resp(...), **_ERRORS}``.
        """
        counts = collections.Counter((r.key, r.expr) for op in self.operations for r in op.responses if r.error)
        shared = {op.const: tuple((r.key, r.expr) for r in op.responses if r.error and counts[(r.key, r.expr)] > 1) for op in self.operations}
        uses = collections.Counter(entries for entries in shared.values() if entries)
        taken = {op.const for op in self.operations} | {w.const for w in self.waiters}
        names: dict[tuple[tuple[str, str], ...], str] = {}
        for op in self.operations:  # spec order: the first table is the first operation's
            entries = shared[op.const]
            if uses[entries] > 1 and entries not in names:
                names[entries] = unique("_ERRORS", taken)
        literals: dict[str, str] = {}
        for op in self.operations:
            table = names.get(shared[op.const], "")
            own = [f"{literal(r.key)}: {r.expr}" for r in op.responses if not (table and (r.key, r.expr) in shared[op.const])]
            literals[op.const] = "{" + ", ".join(own + ([f"**{table}"] if table else [])) + "}"
        tables = tuple((name, tuple((literal(key), expr) for key, expr in entries)) for entries, name in names.items())
        return ResponseTables(tables, literals)


@dataclasses.dataclass(frozen=True)
class ResponseTables:
    """A resource module's shared error tables and each operation's responses literal."""

    tables: tuple[tuple[str, tuple[tuple[str, str], ...]], ...]  # (constant, ((key literal, Resp expression), ...))
    literals: dict[str, str]  # operation constant -> the Endpoint's responses argument


@dataclasses.dataclass(frozen=True)
class ErrorClass:
    name: str
    base: str
    body_type: str
    doc: str
    attributes: tuple[tuple[str, str], ...] = ()  # (name, annotation) beyond body


@dataclasses.dataclass(frozen=True)
class Api:
    package: str
    title: str
    version: str
    doc: str
    base_url: str
    auth_kind: str
    auth_name: str
    key_env: str
    user_agent: str
    spec_sha256: str
    generator: str
    generator_version: str
    resources: tuple[Resource, ...]
    models: tuple[Model, ...]
    errors: tuple[ErrorClass, ...]
    error_type_imports: tuple[str, ...]
    base_errors: tuple[str, ...]
    error_names: tuple[str, ...]  # everything errors.py exports, sorted
    exports: tuple[tuple[str, str], ...]  # (name, submodule) for the package __init__
    export_imports: tuple[str, ...]
    client_imports: tuple[str, ...]
    notes: tuple[str, ...]
    warnings: tuple[str, ...]  # lenient mode: what was skipped and why
    # The generated clients' class attributes (retry policy, rate limits) and what they import.
    client_settings: tuple[str, ...] = ()
    client_base_names: tuple[str, ...] = ("AsyncBaseClient", "Auth", "SyncBaseClient")

    @property
    def operation_count(self) -> int:
        return sum(len(r.operations) for r in self.resources)
