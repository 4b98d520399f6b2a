"""The text the templates show: docstrings, export lists, README and api.md rows, from the IR.

Pure functions of the IR, registered as Jinja globals and filters by
``generator.render``. Spec prose is already cleaned (``naming.clean_text``);
``naming.docstring`` and ``md`` make it safe where it lands.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from generator import GENERATOR_NAME, imports, naming, typemap
from generator.ir import Api, Body, Enum, Field, Model, Operation, Param, Waiter

# Runtime names every package exports, with the module that defines them.
RUNTIME_EXPORTS = (
    ("AsyncClient", "._client"), ("Client", "._client"), ("ApiResponse", "._types"), ("UNSET", "._types"), ("Unset", "._types"),
    ("RetryPolicy", "._retry"), ("RateLimit", "._ratelimit"), ("SlidingWindowLimiter", "._ratelimit"),
    ("with_raw_response", "._base_client"), ("__version__", "._meta"),
)


def model_doc(model: Model) -> str:
    return model.doc or model.name


def enum_doc(enum: Enum) -> str:
    return enum.doc or f"One of the {len(enum.values)} values the API documents."


def model_exports(api: Api) -> list[tuple[str, str]]:
    """What the models package exports: (name, module) of every model and named enum, sorted by name."""
    return sorted([(m.name, m.module) for m in api.models] + [(e.name, e.module) for e in api.enums])


def model_imports(api: Api) -> list[str]:
    """The models package's imports of its models (for type checkers: it loads them lazily)."""
    return imports.lines({("." + module, name) for name, module in model_exports(api)}, 0, "    ")


def field_doc(field: Field) -> str:
    doc = field.doc
    if (field.has_default and isinstance(field.default, (str, int, float, bool))) or (field.has_default and field.default is None):
        shown = naming.literal(field.default)
        if len(shown) < 80:
            doc = f"{doc}\n\nDefault: ``{shown}``." if doc else f"Default: ``{shown}``."
    if field.side:
        side = "read-only: sent by the server" if field.side == "read" else "write-only: sent by the client"
        doc = f"{doc}\n\n({side}; optional here because the same model is used both ways.)".strip()
    return doc


def renamed_fields(model: Model) -> list[Field]:
    return [f for f in model.fields if f.name != f.wire]


def _indent_rest(text: str) -> str:
    return text.strip().replace("\n", "\n        ")


def _arg_doc(p: Param | Body) -> str:
    doc = p.doc or "See the API reference."
    if isinstance(p, Param) and p.name != p.wire:
        doc += f" (``{p.wire}`` in the {p.location})"
    return _indent_rest(doc)


def raises(op: Operation) -> list[tuple[str, str]]:
    """(exception, when) for the operation's documented error responses, then the generic ones."""
    out = []
    for r in op.responses:
        if r.success:
            continue
        cls = r.error or typemap.status_base(r.key)
        out.append((cls, f"{r.key}: {r.description}".strip().rstrip(":")))
    out += [
        ("ApiStatusError", "any other non-2xx status."),
        ("ApiDecodeError", "a 2xx body that is not what the spec documents."),
        ("ApiConnectionError", "the request could not be sent; ApiTimeoutError when it timed out."),
    ]
    return out


def operation_doc(op: Operation) -> str:
    endpoint = f"``{op.method} {naming.clean_text(op.path)}``"
    lines = [op.summary or endpoint]
    if op.description and op.description.strip() != op.summary.strip():
        lines += ["", op.description]
    if op.summary:
        lines += ["", endpoint]
    if op.deprecated:
        lines += ["", "Deprecated: the API marks this operation as deprecated."]
    args = [*op.positional, *op.keyword]
    lines += ["", "Args:"]
    lines += [f"    {p.name}: {_arg_doc(p)}" for p in args]
    lines += ["    **options: per-call settings: ``timeout``, ``max_retries``, ``deadline``,", "        ``extra_headers``, ``extra_query`` (see ``RequestOptions``)."]
    lines += ["", "Returns:", f"    {typemap.annotation(op.returns)}", "", "Raises:"]
    lines += [f"    {cls}: {_indent_rest(text)}" for cls, text in raises(op)]
    return "\n".join(lines)


def iterator_doc(op: Operation, pages: bool, is_async: bool) -> str:
    """The docstring of a paginated operation's ``_iter`` or ``_pages`` method."""
    p = op.pagination
    assert p is not None
    each = "page (the whole response)" if pages else f"item ({typemap.annotation(p.item_type)})"
    how = {
        "cursor": f"passing each page's ``{'.'.join(p.next)}`` as ``{p.param}``",
        "offset": f"advancing ``{p.param}`` by the number of items received",
        "page": f"advancing ``{p.param}`` by one",
        "link": "following the ``Link: rel=\"next\"`` header",
    }[p.style]
    lines = [
        f"Every {each} of ``{op.name}``, {'as an async iterator, ' if is_async else ''}one request per page.",
        "",
        f"Pages are fetched {how}; iteration stops at an empty page, or when the next",
        "cursor is missing or repeats. Each request has the retries, rate limits and",
        "deadline of a single call.",
        "",
        "Args:",
        *(f"    {a.name}: {_arg_doc(a)}" for a in [*op.positional, *op.keyword]),
    ]
    if not pages:
        lines.append("    max_items: stop after this many items (None: no limit).")
    lines += ["    max_pages: stop after this many pages (None: no limit).", "    **options: per-request settings (see ``RequestOptions``)."]
    return "\n".join(lines)


def async_doc(op: Operation, form: str, method: str) -> str:
    """The docstring of an async method: its summary, and where the full description is."""
    summary = op.summary or f"{op.method} {op.path}"
    return f"{summary}\n\n{form} ``{method}`` of the sync resource, with the same arguments, result and errors\n(``{op.method} {naming.clean_text(op.path)}``)."


def waiter_doc(w: Waiter) -> str:
    def values(items: tuple[Any, ...]) -> str:
        return " or ".join(repr(v) for v in items)

    lines = [f"Poll ``{w.operation.name}`` until ``{w.field}`` is final; return its response.", ""]
    lines.append(f"Returns the response once ``{w.field}`` is {values(w.success)}.")
    if w.failure:
        carried = f", carrying {', '.join(w.details)}" if w.details else ""
        lines.append(f"Raises ``{w.error}`` when it is {values(w.failure)}{carried}.")
    if w.pending:
        lines.append(f"While it is {values(w.pending)}, polls again every ``interval`` seconds")
        lines.append("(longer when the response carries ``Retry-After``).")
    lines += [
        "", "Args:",
        f"    max_wait: seconds to wait in all, polls included (default {w.timeout:g}).",
        f"    interval: seconds between polls (default {w.interval:g}).",
        "    expires_at: stop waiting at this time (for example the ``expires_at`` the",
        "        session was created with), if it comes before the timeout.",
        "    **options: per-poll settings (see ``RequestOptions``).",
        "", "Raises:",
        f"    {w.error}: {w.field} reached a failure value.",
        "    WaiterTimeoutError: max_wait passed or expires_at came (``expired`` tells which).",
        f"    WaiterError: a value of {w.field} the waiter does not know.",
        "    ApiError: a poll failed (after its retries).",
    ]
    return "\n".join(lines)


def response_headers(op: Operation) -> list[tuple[str, tuple[tuple[str, str], ...]]]:
    return [(r.key, r.headers) for r in op.responses if r.headers]


def client_doc(api: Api, is_async: bool) -> str:
    kind = "Asynchronous" if is_async else "Synchronous"
    return f"{kind} client for {api.title}.\n\nThe API key comes from ``api_key=`` or the ``{api.key_env}`` environment variable."


def exports(api: Api) -> list[tuple[str, str]]:
    """Everything the package exports (name, module), sorted by name."""
    taken = {m.name for m in api.models} | {e.name for e in api.enums} | {e.name for e in api.errors}
    found = [(name, module) for name, module in RUNTIME_EXPORTS if name not in taken]
    found += [(name, "._errors") for name in typemap.BASE_ERRORS if name not in taken]
    found += [(e.name, ".errors") for e in api.errors]
    found += [(name, ".models") for name, _ in model_exports(api)]
    return sorted(found)


def export_imports(api: Api) -> list[str]:
    pairs = {(module, name) for name, module in exports(api) if module != ".models"}  # re-exported by __all__
    return imports.lines(pairs, 0, "    ")


def error_names(api: Api) -> list[str]:
    return sorted({*typemap.BASE_ERRORS, *(e.name for e in api.errors)})


def pytuple(values: Any) -> str:
    """A tuple literal as black writes it: ``()``, ``(x,)``, ``(x, y)``."""
    items = [pytuple(v) if isinstance(v, tuple) else naming.literal(v) for v in values]
    if not items:
        return "()"
    return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"


_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029\ufeff\u202a-\u202e\u2066-\u2069]")


def toml(value: str) -> str:
    """A TOML basic string: quotes, backslashes and control characters escaped."""
    out = []
    for char in value:
        if char in '"\\':
            out.append("\\" + char)
        elif _CONTROL.match(char):
            out.append(f"\\u{ord(char):04X}" if ord(char) < 0x10000 and not 0xD800 <= ord(char) <= 0xDFFF else "")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def pep440(version: str) -> str:
    """The spec's version as a package version (``2.0.0``; anything else becomes ``0+<text>``)."""
    if re.fullmatch(r"\d+(\.\d+)*", version):
        return version
    local = re.sub(r"[^A-Za-z0-9]+", ".", version).strip(".")[:40]
    return f"0+{local}" if local else "0"


def md(text: str) -> str:
    """Spec text safe in a Markdown table cell or line."""
    text = _CONTROL.sub("", " ".join(str(text).split()))
    return re.sub(r"([\\`*_{}\[\]<>|#])", r"\\\1", text)


def code(text: str) -> str:
    """Text as a Markdown code span that is safe in a table cell."""
    text = _CONTROL.sub("", " ".join(str(text).split())).replace("|", "\\|")
    fence = "``" if "`" in text else "`"
    pad = " " if fence == "``" else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def pycomment(text: str) -> str:
    """Spec text at the end of a Python comment inside a Markdown code block: one line, as it is
    (no Markdown escapes: a code block shows them), without backticks (they could end the block)."""
    return _CONTROL.sub("", " ".join(str(text).split())).replace("`", "'")


FILTERS: dict[str, Callable[..., Any]] = {"pytuple": pytuple, "toml": toml, "pep440": pep440, "md": md, "code": code, "pycomment": pycomment}
GLOBALS: dict[str, Any] = {
    "model_doc": model_doc, "enum_doc": enum_doc, "model_exports": model_exports, "model_imports": model_imports, "field_doc": field_doc, "renamed_fields": renamed_fields, "operation_doc": operation_doc,
    "waiter_doc": waiter_doc, "iterator_doc": iterator_doc, "async_doc": async_doc, "response_headers": response_headers, "client_doc": client_doc, "exports": exports,
    "export_imports": export_imports, "error_names": error_names, "raises": raises, "generator_name": GENERATOR_NAME,
}


def _example_value(p: Param | Body) -> str | None:
    """A placeholder argument of the parameter's type, or None when there is no simple one."""
    from generator.ir import ListOf, LiteralOf, MapOf, Nullable, Scalar

    node = p.type.inner if isinstance(p.type, Nullable) else p.type
    if isinstance(node, LiteralOf):
        return naming.literal(node.values[0])
    if isinstance(node, ListOf):
        return "[]"
    if isinstance(node, MapOf) or node == Scalar("object"):
        return "{}"
    if isinstance(node, Scalar):
        return {"str": naming.literal(f"<{p.name}>"), "int": "1", "float": "1.0", "bool": "True", "any": "None", "bytes": 'b""', "file": 'b""'}.get(node.kind)
    return None


def example_call(op: Operation, attr: str) -> str:
    """``client.<attr>.<method>(<placeholders>)`` when every required argument has a simple placeholder, else ""."""
    args = []
    for param in op.positional:
        value = _example_value(param)
        if value is None:
            return ""
        args.append(value)
    for p in op.keyword:
        if not p.required:
            continue
        value = _example_value(p)
        if value is None:
            return ""
        args.append(f"{p.name}={value}")
    return f"client.{attr}.{op.name}({', '.join(args)})"


def signature(op: Operation) -> str:
    """The method's parameters as text: ``(session_id: str, *, limit: int | Unset = UNSET, **options)``."""
    parts = [f"{p.name}: {typemap.annotation(p.type)}" for p in op.positional]
    if op.keyword:
        parts.append("*")
    parts += [f"{p.name}: {typemap.annotation(p.type)}" + ("" if p.required else " | Unset = UNSET") for p in op.keyword]
    parts.append("**options")
    return "(" + ", ".join(parts) + ")"


def waiter_signature(w: Waiter) -> str:
    """A waiter method's parameters as text: the polled operation's, then its own."""
    op = w.operation
    parts = [f"{p.name}: {typemap.annotation(p.type)}" for p in op.positional] + ["*"]
    parts += [f"{p.name}: {typemap.annotation(p.type)}" + ("" if p.required else " | Unset = UNSET") for p in op.keyword]
    parts += [f"max_wait: float = {w.timeout!r}", f"interval: float = {w.interval!r}", "expires_at: datetime.datetime | None = None", "**options"]
    return "(" + ", ".join(parts) + ")"


GLOBALS.update(example_call=example_call, signature=signature, waiter_signature=waiter_signature, annotation_of=typemap.annotation)


def auth_text(api: Api) -> str:
    auth = api.auth
    return {
        "bearer": "sent as an `Authorization: Bearer` header",
        "basic": "sent as HTTP basic authentication",
        "header": f"sent in the `{md(auth.name)}` header",
        "query": f"sent as the `{md(auth.name)}` query parameter",
        "cookie": f"sent as the `{md(auth.name)}` cookie",
    }.get(auth.kind, "not needed: the spec declares no authentication")


def examples_of(api: Api, limit: int = 3) -> list[tuple[str, Operation, str]]:
    """Up to ``limit`` operations whose required arguments all have simple placeholders."""
    found: list[tuple[str, Operation, str]] = []
    for resource in api.resources:
        for op in resource.operations:
            call = example_call(op, resource.attr)
            if call and len(found) < limit:
                found.append((resource.attr, op, call))
    return found


def waiters_of(api: Api) -> list[tuple[str, Waiter]]:
    return [(r.attr, w) for r in api.resources for w in r.waiters]


def paginated_of(api: Api) -> list[tuple[str, Operation, str]]:
    """Paginated operations with a call of their item iterator (``max_items=10``) when one can be written."""
    found = []
    for resource in api.resources:
        for op in resource.operations:
            call = example_call(op, resource.attr) if op.pagination else ""
            if call:
                head, _, args = call.partition("(")
                args = args.removesuffix(")")
                found.append((resource.attr, op, f"{head.removesuffix(op.name)}{op.iter_name}({args}{', ' if args else ''}max_items=10)"))
    return found


GLOBALS.update(auth_text=auth_text, examples_of=examples_of, waiters_of=waiters_of, paginated_of=paginated_of)
