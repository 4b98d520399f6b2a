"""The one table from JSON Schema types and formats to Python types and decoders."""

from __future__ import annotations

from generator.ir import TypeRef

ANY = TypeRef("Any", "d_any", codecs=frozenset({"d_any"}), typing=frozenset({"Any"}))
NONE = TypeRef("None", "d_none", codecs=frozenset({"d_none"}))

# (type, format) -> (annotation, decoder, stdlib module the annotation needs)
_SCALARS: dict[tuple[str, str], tuple[str, str, str]] = {
    ("string", ""): ("str", "d_str", ""),
    ("string", "date-time"): ("datetime.datetime", "d_datetime", "datetime"),
    ("string", "date"): ("datetime.date", "d_date", "datetime"),
    ("string", "uuid"): ("uuid.UUID", "d_uuid", "uuid"),
    ("string", "byte"): ("str", "d_str", ""),
    ("string", "binary"): ("File", "d_any", "_types"),
    ("integer", ""): ("int", "d_int", ""),
    ("number", ""): ("float", "d_float", ""),
    ("boolean", ""): ("bool", "d_bool", ""),
}


def scalar(type_name: str, fmt: str) -> TypeRef | None:
    entry = _SCALARS.get((type_name, fmt)) or _SCALARS.get((type_name, ""))
    if entry is None:
        return None
    annotation, decoder, module = entry
    if module == "_types":
        return TypeRef(annotation, decoder, codecs=frozenset({decoder}), runtime=frozenset({annotation}))
    return TypeRef(annotation, decoder, codecs=frozenset({decoder}), modules=frozenset({module} - {""}))


# Generic error classes of the runtime, by status.
STATUS_BASES = {400: "BadRequestError", 401: "AuthenticationError", 403: "PermissionDeniedError",
                404: "NotFoundError", 409: "ConflictError", 422: "UnprocessableEntityError", 429: "RateLimitError"}
BASE_ERRORS = ("ApiConnectionError", "ApiDeadlineError", "ApiDecodeError", "ApiError", "ApiStatusError", "ApiTimeoutError",
               "AuthenticationError", "BadRequestError", "ClientRateLimitError", "ConflictError", "NotFoundError",
               "PermissionDeniedError", "RateLimitError", "ServerError", "UnexpectedStatusError", "UnprocessableEntityError",
               "WaiterError", "WaiterFailedError", "WaiterTimeoutError")


def status_base(key: str) -> str:
    if key.isdigit():
        code = int(key)
        if code in STATUS_BASES:
            return STATUS_BASES[code]
        return "ServerError" if 500 <= code <= 599 else "UnexpectedStatusError"
    if key.upper() == "5XX":
        return "ServerError"
    return "ApiStatusError"
