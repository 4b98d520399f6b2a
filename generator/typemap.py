"""The one place that turns type nodes into Python: annotations, decoders, and what they import.

Imports are (module, name) pairs; a module starting with ``.`` is relative to the
generated package's root (``._codec``), and ``generator.imports`` writes it
relative to the importing module.
"""

from __future__ import annotations

from generator.ir import (
    ListOf,
    LiteralOf,
    MapOf,
    ModelRef,
    Nullable,
    Scalar,
    TypeNode,
)
from generator.naming import literal

Import = tuple[str, str]  # (module, name); name "" means ``import module``

# kind -> (annotation, decoder, the import the annotation needs)
_SCALARS: dict[str, tuple[str, str, Import | None]] = {
    "str": ("str", "d_str", None),
    "int": ("int", "d_int", None),
    "float": ("float", "d_float", None),
    "bool": ("bool", "d_bool", None),
    "date": ("datetime.date", "d_date", ("datetime", "")),
    "datetime": ("datetime.datetime", "d_datetime", ("datetime", "")),
    "uuid": ("uuid.UUID", "d_uuid", ("uuid", "")),
    "bytes": ("bytes", "d_any", None),
    "file": ("File", "d_any", ("._types", "File")),
    "object": ("dict[str, Any]", "d_object", ("typing", "Any")),
    "any": ("Any", "d_any", ("typing", "Any")),
    "none": ("None", "d_none", None),
}

# Generic error classes of the runtime, by status.
STATUS_BASES = {400: "BadRequestError", 401: "AuthenticationError", 403: "PermissionDeniedError", 404: "NotFoundError",
                409: "ConflictError", 422: "UnprocessableEntityError", 429: "RateLimitError"}
BASE_ERRORS = ("ApiConnectionError", "ApiDeadlineError", "ApiDecodeError", "ApiError", "ApiStatusError", "ApiTimeoutError",
               "AuthenticationError", "BadRequestError", "ClientRateLimitError", "ConflictError", "NotFoundError",
               "PermissionDeniedError", "RateLimitError", "ResponseTooLargeError", "ServerError", "UnexpectedStatusError",
               "UnprocessableEntityError", "WaiterError", "WaiterFailedError", "WaiterTimeoutError")


def status_base(key: str) -> str:
    """The runtime class a documented error status derives from."""
    if key.isdigit():
        code = int(key)
        if code in STATUS_BASES:
            return STATUS_BASES[code]
        return "ServerError" if 500 <= code <= 599 else "UnexpectedStatusError"
    if key.upper() == "5XX":
        return "ServerError"
    return "ApiStatusError"


ENUM_DECODER = "decode"  # the name each named enum's module gives its decoder (templates/models/enum.py.jinja)


def enum_decoder(module: str) -> str:
    """How a module that decodes a named enum binds the decoder of the enum's module."""
    return f"_d_{module}"


def annotation(node: TypeNode) -> str:
    if isinstance(node, Scalar):
        return _SCALARS[node.kind][0]
    if isinstance(node, ModelRef):
        return node.name
    if isinstance(node, ListOf):
        return f"list[{annotation(node.item)}]"
    if isinstance(node, MapOf):
        return f"dict[str, {annotation(node.value)}]"
    if isinstance(node, Nullable):
        return f"{annotation(node.inner)} | None"
    if isinstance(node, LiteralOf):
        return node.name or "Literal[" + ", ".join(literal(v) for v in node.values) + "]"
    return " | ".join(annotation(o) for o in node.options)


def decoder(node: TypeNode) -> str:
    """An expression of the runtime's decoders (``_codec``), models through the lazy ``_m`` package."""
    if isinstance(node, Scalar):
        return _SCALARS[node.kind][1]
    if isinstance(node, ModelRef):
        return f"_m.{node.name}.from_dict"
    if isinstance(node, ListOf):
        return f"d_list({decoder(node.item)})"
    if isinstance(node, MapOf):
        return f"d_dict({decoder(node.value)})"
    if isinstance(node, Nullable):
        return f"d_nullable({decoder(node.inner)})"
    if isinstance(node, LiteralOf):
        return enum_decoder(node.module) if node.name else "d_lit(" + ", ".join(literal(v) for v in node.values) + ")"
    union = "d_union(" + ", ".join(decoder(o) for o in node.options) + ")"
    if node.discriminator is None:
        return union
    table = "{" + ", ".join(f"{literal(tag)}: _m.{model}.from_dict" for tag, model in node.discriminator.mapping) + "}"
    return f"d_tagged({literal(node.discriminator.property)}, {table}, {union})"


def annotation_imports(node: TypeNode) -> set[Import]:
    """What an annotation needs imported; models as ``(".models", Name)``."""
    if isinstance(node, Scalar):
        found = _SCALARS[node.kind][2]
        return {found} if found else set()
    if isinstance(node, ModelRef):
        return {(".models", node.name)}
    if isinstance(node, ListOf):
        return annotation_imports(node.item)
    if isinstance(node, MapOf):
        return annotation_imports(node.value)
    if isinstance(node, Nullable):
        return annotation_imports(node.inner)
    if isinstance(node, LiteralOf):
        return {(".models", node.name)} if node.name else {("typing", "Literal")}
    return set().union(*(annotation_imports(o) for o in node.options))


def decoder_imports(node: TypeNode) -> set[Import]:
    """What a decoder expression needs imported: ``_codec`` functions, and ``_m`` for models."""
    if isinstance(node, Scalar):
        return {("._codec", _SCALARS[node.kind][1])}
    if isinstance(node, ModelRef):
        return {(".", "models as _m")}
    if isinstance(node, ListOf):
        return {("._codec", "d_list")} | decoder_imports(node.item)
    if isinstance(node, MapOf):
        return {("._codec", "d_dict")} | decoder_imports(node.value)
    if isinstance(node, Nullable):
        return {("._codec", "d_nullable")} | decoder_imports(node.inner)
    if isinstance(node, LiteralOf):
        return {(f".models.{node.module}", f"{ENUM_DECODER} as {enum_decoder(node.module)}")} if node.name else {("._codec", "d_lit")}
    found = {("._codec", "d_union")}.union(*(decoder_imports(o) for o in node.options))
    if node.discriminator is not None:
        found |= {("._codec", "d_tagged"), (".", "models as _m")}
    return found
