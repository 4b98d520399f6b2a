"""The generated client's run-time behaviour, from the config and the built operations.

``[tool.generator.retries]``, ``[tool.generator.rate_limits.NAME]`` and
``[tool.generator.waiters.NAME]`` become IR values here, in one pass after the
operations are built and before the ``Api`` is finished:

- every ``Operation`` learns whether it is idempotent (by HTTP method, or listed
  in ``retries.idempotent_operations``), which rate limits it takes a slot from,
  and which response headers the spec declares (with their JSON types);
- every waiter becomes a ``Waiter`` on the resource of the operation it polls,
  with a typed error class (a ``WaiterFailedError``) registered for ``errors.py``;
- the generated ``Client`` gets its retry policy and rate limits as class
  attributes, and the package exports the runtime types a caller configures.

Config entries that name an operation the spec does not have are errors; ones
that name an operation the tag/operation filters left out are skipped (a note).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from generator import naming
from generator.config import Config, RateLimitSettings, WaiterSettings
from generator.errors import SpecError
from generator.imports import Stmt, block
from generator.ir import Api, ErrorClass, Field, Operation, Resource, Waiter

if TYPE_CHECKING:
    from generator.build import Builder

# Methods HTTP defines as idempotent (kept in step with the runtime's _retry.py).
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE"})
# Runtime types a caller passes to the client, exported from the package.
RUNTIME_EXPORTS = (("RateLimit", "._ratelimit"), ("RetryPolicy", "._retry"), ("SlidingWindowLimiter", "._ratelimit"))
# The waiter method's own parameters; an operation parameter may not take these names.
WAITER_PARAMS = ("timeout", "interval", "expires_at", "extra_headers", "request_timeout")
# Attributes every WaiterFailedError has: an error field may not shadow them.
_ERROR_ATTRS = frozenset({"args", "body", "state", "response", "with_traceback", "add_note", "__notes__"})
_HEADER_KINDS = frozenset({"string", "integer", "number", "boolean"})
_HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_IMPORT = re.compile(r"^(?:from (\S+) import (.+)|import (\S+))$")


def apply(builder: Builder, resources: tuple[Resource, ...], finish: Callable[[tuple[Resource, ...]], Api]) -> Api:
    """Annotate ``resources`` with the run-time settings, finish the ``Api``, add the client settings."""
    return _Apply(builder).run(resources, finish)


class _Apply:
    def __init__(self, builder: Builder) -> None:
        self.builder = builder
        self.config: Config = builder.config
        self.file = str(self.config.root / "pyproject.toml")
        self.ids = self._operation_ids()

    def fail(self, message: str) -> SpecError:
        return SpecError(self.file, None, message)

    # ------------------------------------------------------------ the spec's operations
    def _operation_ids(self) -> dict[tuple[str, str], tuple[str, dict[str, Any], list[str | int]]]:
        """(METHOD, path) -> (operationId as the builder names it, the operation, where it is)."""
        found: dict[tuple[str, str], tuple[str, dict[str, Any], list[str | int]]] = {}
        for path, item in (self.builder.doc.get("paths") or {}).items():
            if not isinstance(item, dict):
                continue
            item, where = self.builder.resolver.deref(item, ["paths", path])
            if not isinstance(item, dict):
                continue
            for method, op in item.items():
                if method in _HTTP_METHODS and isinstance(op, dict):
                    op_id = str(op.get("operationId") or f"{method} {path}")
                    found[(method.upper(), path)] = (op_id, op, [*where, method])
        return found

    def op_id(self, op: Operation) -> str:
        return self.ids[(op.method, op.path)][0]

    def check_known(self, names: Iterable[str], where: str) -> None:
        known = {op_id for op_id, _, _ in self.ids.values()}
        for name in names:
            if name not in known:
                raise self.fail(f"{where}: the spec has no operation {name!r}")

    # ------------------------------------------------------------ operations
    def run(self, resources: tuple[Resource, ...], finish: Callable[[tuple[Resource, ...]], Api]) -> Api:
        retries = self.config.retries
        self.check_known(retries.idempotent_operations, "[tool.generator.retries].idempotent_operations")
        for limit in self.config.rate_limits:
            self.check_known(limit.operations, f"[tool.generator.rate_limits.{limit.name}].operations")
        for waiter in self.config.waiters:
            self.check_known([waiter.operation], f"[tool.generator.waiters.{waiter.name}].operation")
        present = {self.op_id(op) for r in resources for op in r.operations}
        used_limits = [limit for limit in self.config.rate_limits if present & set(limit.operations)]
        for limit in self.config.rate_limits:
            if limit not in used_limits:
                self.builder.notes.append(f"rate limit {limit.name!r}: none of its operations is generated")
        resources = tuple(self.resource(r, used_limits) for r in resources)
        api = finish(resources)
        return self.client(api, used_limits)

    def resource(self, resource: Resource, limits: list[RateLimitSettings]) -> Resource:
        ops = tuple(self.operation(op, limits) for op in resource.operations)
        waiters = []
        for settings in self.config.waiters:
            polled = next((op for op in ops if self.op_id(op) == settings.operation), None)
            if polled is not None:
                waiters.append(self.waiter(settings, polled, resource))
        resource = dataclasses.replace(resource, operations=ops, waiters=tuple(waiters))
        if waiters:
            extra: list[Stmt] = [("datetime", "", ""), ("..", "errors", "_e")]
            extra += [(".._waiter", name, "") for name in ("Waiter", "async_wait", "wait")]
            resource = dataclasses.replace(resource, imports=tuple(block([*_parse_imports(resource.imports), *extra])))
        return resource

    def operation(self, op: Operation, limits: list[RateLimitSettings]) -> Operation:
        op_id = self.op_id(op)
        idempotent = op.method in IDEMPOTENT_METHODS or op_id in self.config.retries.idempotent_operations
        names = tuple(limit.name for limit in limits if op_id in limit.operations)
        return dataclasses.replace(op, idempotent=idempotent, limits=names, response_headers=self.headers(op))

    def headers(self, op: Operation) -> tuple[tuple[str, tuple[tuple[str, str], ...]], ...]:
        """The headers each response of ``op`` declares: (response key, ((lower-case name, JSON type), ...))."""
        resolver = self.builder.resolver
        _, spec_op, where = self.ids[(op.method, op.path)]
        found = spec_op.get("responses")
        responses: dict[Any, Any] = found if isinstance(found, dict) else {}
        out = []
        for key in sorted(responses, key=str):
            response, rwhere = resolver.deref(responses[key], [*where, "responses", str(key)])
            declared = response.get("headers") if isinstance(response, dict) else None
            if not isinstance(declared, dict) or not declared:
                continue
            entries = []
            for name in sorted(declared, key=lambda n: str(n).lower()):
                if str(name).lower() == "content-type":
                    continue  # OpenAPI ignores a declared Content-Type header
                header, hwhere = resolver.deref(declared[name], [*rwhere, "headers", str(name)])
                schema = header.get("schema") if isinstance(header, dict) else None
                if isinstance(schema, dict):
                    schema, _ = resolver.deref(schema, [*hwhere, "schema"])
                kind = schema.get("type") if isinstance(schema, dict) else None
                if isinstance(kind, list):
                    kind = next((k for k in kind if k != "null"), None)
                entries.append((str(name).lower(), kind if kind in _HEADER_KINDS else "string"))
            key_s = str(key).upper() if str(key).upper().endswith("XX") else str(key)
            if entries:
                out.append((key_s, tuple(entries)))
        return tuple(out)

    # ------------------------------------------------------------ waiters
    def waiter(self, settings: WaiterSettings, polled: Operation, resource: Resource) -> Waiter:
        where = f"[tool.generator.waiters.{settings.name}]"
        taken = {name for op in resource.operations for name in (op.name, op.raw_name)} | {"close", "with_options"}
        if settings.name in taken:
            raise self.fail(f"{where}: the resource already has a method {settings.name!r}")
        clash = [p.name for p in (*polled.positional, *polled.keyword) if p.name in WAITER_PARAMS]
        if clash:
            raise self.fail(f"{where}: the operation's parameter {clash[0]!r} clashes with the waiter's own")
        draft = self.builder.models.get(polled.return_type)
        if draft is None:
            raise self.fail(f"{where}: {settings.operation} must return an object (a model), not {polled.return_type}")
        fields = {f.wire: f for f in draft.fields}
        watched = self.field(fields, settings.field, f"{where}.field", settings.operation)
        enum = self.enum_values(draft.schema, watched.wire, draft.where)
        for group in ("success", "failure", "pending"):
            for value in getattr(settings, group):
                if enum is not None and value not in enum:
                    raise self.fail(f"{where}.{group}: {value!r} is not a value of {settings.field} ({', '.join(map(repr, enum))})")
        details = []
        for wire in settings.error_fields:
            found = self.field(fields, wire, f"{where}.error_fields", settings.operation)
            if found.name in _ERROR_ATTRS:
                raise self.fail(f"{where}.error_fields: {wire!r} would hide the error's own {found.name!r}")
            details.append(found)
        error = self.error_class(settings, polled, details)
        const = naming.unique("_" + naming.constant(settings.name), {op.const for op in resource.operations})
        return Waiter(
            name=settings.name,
            const=const,
            operation=polled,
            field=watched.name,
            success=settings.success,
            failure=settings.failure,
            pending=settings.pending,
            error="_e." + error,
            details=tuple(f.name for f in details),
            timeout=float(settings.timeout),
            interval=float(settings.interval),
            doc=self.waiter_doc(settings, polled, watched, error, [f.name for f in details]),
        )

    def field(self, fields: dict[str, Field], wire: str, where: str, operation: str) -> Field:
        if wire not in fields:
            raise self.fail(f"{where}: the response of {operation} has no field {wire!r} (it has: {', '.join(sorted(fields))})")
        return fields[wire]

    def enum_values(self, schema: dict[str, Any], wire: str, where: list[str | int]) -> list[Any] | None:
        prop = (schema.get("properties") or {}).get(wire)
        if not isinstance(prop, dict):
            return None
        prop, _ = self.builder.resolver.deref(prop, [*where, "properties", wire])
        values = prop.get("enum") if isinstance(prop, dict) else None
        return values if isinstance(values, list) else None

    def error_class(self, settings: WaiterSettings, polled: Operation, details: list[Field]) -> str:
        builder = self.builder
        candidate = settings.error_class or naming.pascal(settings.name, "Waiter") + "Error"
        name = naming.unique(candidate, builder.class_names)
        attributes = tuple((f.name, _optional(f)) for f in details)
        values = " or ".join(repr(v) for v in settings.failure) or "a failure value"
        doc = (
            f"``{polled.name}`` reported a failure while ``{settings.name}`` waited: its"
            f" ``{settings.field}`` is {values}.\n\n``state`` holds that value and ``body`` the response"
        )
        if attributes:
            doc += "; " + ", ".join(f"``{n}``" for n, _ in attributes) + " are copied from it (None when absent)"
        builder.errors[("waiter:" + settings.name, polled.return_type)] = ErrorClass(name, "WaiterFailedError", polled.return_type, doc + ".", attributes)
        return name

    @staticmethod
    def waiter_doc(settings: WaiterSettings, polled: Operation, watched: Field, error: str, details: list[str]) -> str:
        def values(items: tuple[Any, ...]) -> str:
            return " or ".join(repr(v) for v in items)

        lines = [f"Poll ``{polled.name}`` until ``{watched.name}`` is final; return its response.", ""]
        lines.append(f"Returns the response once ``{watched.name}`` is {values(settings.success)}.")
        if settings.failure:
            carried = f", carrying {', '.join(details)}" if details else ""
            lines.append(f"Raises ``{error}`` when it is {values(settings.failure)}{carried}.")
        if settings.pending:
            lines.append(f"While it is {values(settings.pending)}, polls again every ``interval`` seconds")
            lines.append("(longer when the response carries ``Retry-After``).")
        lines += [
            "",
            "Args:",
            f"    timeout: seconds to wait in all, polls included (default {settings.timeout:g}).",
            f"    interval: seconds between polls (default {settings.interval:g}).",
            "    expires_at: stop waiting at this time (for example the ``expires_at`` the",
            "        session was created with), if it comes before the timeout.",
            "    extra_headers: headers added to every poll.",
            "    request_timeout: the httpx timeout of each poll (default: the client's).",
            "",
            "Raises:",
            f"    {error}: {watched.name} reached a failure value.",
            "    WaiterTimeoutError: the timeout passed or expires_at came (``expired`` tells which).",
            "    WaiterError: a value of " + watched.name + " the waiter does not know.",
            "    ApiError: a poll failed (after its retries).",
        ]
        return "\n".join(lines)

    # ------------------------------------------------------------ the client
    def client(self, api: Api, limits: list[RateLimitSettings]) -> Api:
        r = self.config.retries
        settings = [
            f"_retry = RetryPolicy(max_retries={r.max_retries!r}, statuses={tuple(r.statuses)!r}, backoff_initial={float(r.backoff_initial)!r},"
            f" backoff_max={float(r.backoff_max)!r}, retry_after_cap={float(r.retry_after_cap)!r})"
        ]
        names = ["AsyncBaseClient", "Auth", "RetryPolicy", "SyncBaseClient"]
        if limits:
            items = ", ".join(
                f"RateLimit({naming.literal(limit.name)}, per_key={limit.per_key!r}, per_process={limit.per_process!r}, window={float(limit.window)!r})"
                for limit in limits
            )
            settings.append(f"_rate_limits = ({items},)")
            names.append("RateLimit")
        taken = {name for name, _ in api.exports}
        added = [(name, module) for name, module in RUNTIME_EXPORTS if name not in taken]
        for name, _ in RUNTIME_EXPORTS:
            if name in taken:
                self.builder.notes.append(f"{name} is not exported from the package: a model has that name")
        exports = tuple(sorted([*api.exports, *added]))
        return dataclasses.replace(
            api,
            client_settings=tuple(settings),
            client_base_names=tuple(sorted(names)),
            exports=exports,
            export_imports=tuple(block([(module, name, name) for name, module in exports if module != ".models"], "    ")),
            notes=tuple(self.builder.notes),
        )


def _optional(field: Field) -> str:
    """The annotation of a field copied onto an error: its type or None (``object`` when it needs imports)."""
    t = field.type
    if t.models or t.modules or t.typing or t.runtime:
        return "object"
    return t.annotation if t.annotation.endswith("| None") or t.annotation == "None" else f"{t.annotation} | None"


def _parse_imports(lines: Iterable[str]) -> list[Stmt]:
    """The statements behind import lines laid out by ``imports.block`` (to add to and lay out again)."""
    stmts: list[Stmt] = []
    for line in lines:
        if not line.strip():
            continue
        match = _IMPORT.match(line.strip())
        if match is None:
            raise ValueError(f"not an import line: {line!r}")
        module, names, plain = match.groups()
        if plain:
            stmts.append((plain, "", ""))
            continue
        for item in names.split(","):
            name, _, alias = item.strip().partition(" as ")
            stmts.append((module, name.strip(), alias.strip()))
    return stmts
