"""The generated client's run-time behaviour, from ``[tool.generator]``: retries, rate limits, waiters.

``plan`` runs before names are settled (waiters bring method and class names of
their own); ``apply`` is a pure ``Api -> Api`` once they are. Config entries that
name an operation the spec does not have are errors (notes under ``lenient``: ``diff``
and ``fetch`` compare specs that may lack them); entries naming an operation that the
tag/operation filters left out are skipped with a note.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any

from generator import naming
from generator.build.context import Context
from generator.build.operations import OperationDraft
from generator.config import Config
from generator.errors import SpecError
from generator.ir import (
    Api,
    ErrorClass,
    Field,
    ModelRef,
    Nullable,
    Operation,
    RateLimit,
    RetrySettings,
    Scalar,
    TypeNode,
    Waiter,
)
from generator.settings import WaiterSettings

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE"})
# The waiter method's own parameters: an operation parameter may not take these names.
WAITER_PARAMS = frozenset({"max_wait", "interval", "expires_at", "options"})
# Attributes every WaiterFailedError has: an error field may not shadow them.
_ERROR_ATTRS = frozenset({"args", "body", "state", "response", "with_traceback", "add_note", "__notes__"})


@dataclasses.dataclass(frozen=True)
class Plan:
    owned_classes: dict[str, str]  # waiter error class -> identity
    owned_methods: dict[str, dict[str, str]]  # tag -> waiter method -> identity
    waiters: tuple[tuple[WaiterSettings, str], ...]  # (settings, tag of the polled operation)


def _fail(config: Config, message: str) -> SpecError:
    return SpecError(config.source, None, message)


def _check_known(ctx: Context, names: Iterable[str], every: Mapping[str, str], where: str) -> bool:
    """Whether the spec has every operation named; an error when not (a note under ``lenient``)."""
    for name in names:
        if name not in every:
            if not ctx.config.lenient:
                raise _fail(ctx.config, f"{where}: the spec has no operation {name!r}")
            ctx.notes.append(f"{where}: the spec has no operation {name!r} (ignored: lenient)")
            return False
    return True


def plan(ctx: Context, drafts: list[OperationDraft], every: Mapping[str, str]) -> Plan:
    config = ctx.config
    _check_known(ctx, config.retries.idempotent_operations, every, "[tool.generator.retries].idempotent_operations")
    _check_known(ctx, config.retries.non_idempotent_operations, every, "[tool.generator.retries].non_idempotent_operations")
    for limit in config.rate_limits:
        _check_known(ctx, limit.operations, every, f"[tool.generator.rate_limits.{limit.name}].operations")
        if not any(every.get(op) for op in limit.operations):
            ctx.notes.append(f"rate limit {limit.name!r}: none of its operations is generated")
    owned_classes: dict[str, str] = {}
    owned_methods: dict[str, dict[str, str]] = {}
    waiters = []
    for waiter in config.waiters:
        if not _check_known(ctx, [waiter.operation], every, f"[tool.generator.waiters.{waiter.name}].operation"):
            continue
        tag = every[waiter.operation]
        if not tag:
            ctx.notes.append(f"waiter {waiter.name!r}: its operation {waiter.operation!r} is not generated")
            continue
        owned_methods.setdefault(tag, {})[waiter.name] = "waiter " + waiter.name
        owned_classes[waiter.error_class or naming.pascal(waiter.name, "Waiter") + "Error"] = "waiter " + waiter.name
        waiters.append((waiter, tag))
    return Plan(owned_classes, owned_methods, tuple(waiters))


def retry(config: Config) -> RetrySettings:
    r = config.retries
    return RetrySettings(r.max_retries, tuple(r.statuses), float(r.backoff_initial), float(r.backoff_max), float(r.retry_after_cap))


def apply(ctx: Context, api: Api, plan: Plan) -> Api:
    config = ctx.config
    present = {op.operation_id for op in api.operations}
    limits = tuple(RateLimit(x.name, x.per_key, x.per_process, float(x.window)) for x in config.rate_limits if present & set(x.operations))

    def operation(op: Operation) -> Operation:
        idempotent = True if op.operation_id in config.retries.idempotent_operations else False if op.operation_id in config.retries.non_idempotent_operations else None
        names = tuple(x.name for x in limits if op.operation_id in next(c for c in config.rate_limits if c.name == x.name).operations)
        return dataclasses.replace(op, idempotent=idempotent, limits=names)

    errors = list(api.errors)
    resources = []
    for resource in api.resources:
        ops = tuple(operation(op) for op in resource.operations)
        waiters = []
        for settings, tag in plan.waiters:
            if tag != resource.tag:
                continue
            polled = next(op for op in ops if op.operation_id == settings.operation)
            waiter, error = _waiter(ctx, api, settings, polled, plan)
            waiters.append(waiter)
            errors.append(error)
        resources.append(dataclasses.replace(resource, operations=ops, waiters=tuple(waiters)))
    return dataclasses.replace(api, resources=tuple(resources), errors=tuple(sorted(errors, key=lambda e: e.name)), rate_limits=limits)


def _field(config: Config, fields: Mapping[str, Field], wire: str, where: str, operation: str) -> Field:
    if wire not in fields:
        raise _fail(config, f"{where}: the response of {operation} has no field {wire!r} (it has: {', '.join(sorted(fields))})")
    return fields[wire]


def _optional(node: TypeNode) -> TypeNode:
    """The type of a response field copied onto an error: itself or None (``Any`` when it is a model)."""
    if isinstance(node, Scalar):
        return node if node.kind in ("any", "none") else Nullable(node)
    return Scalar("any")


def _waiter(ctx: Context, api: Api, settings: WaiterSettings, polled: Operation, plan: Plan) -> tuple[Waiter, ErrorClass]:
    config = ctx.config
    where = f"[tool.generator.waiters.{settings.name}]"
    clash = [p.name for p in polled.params if p.name in WAITER_PARAMS]
    if clash:
        raise _fail(config, f"{where}: the operation's parameter {clash[0]!r} clashes with the waiter's own")
    if not isinstance(polled.returns, ModelRef):
        raise _fail(config, f"{where}: {settings.operation} must return an object (a model)")
    model = api.model(polled.returns.name)
    fields = {f.wire: f for f in model.fields}
    watched = _field(config, fields, settings.field, f"{where}.field", settings.operation)
    enum = _enum(watched.type)
    for group in ("success", "failure", "pending"):
        for value in getattr(settings, group):
            if enum is not None and value not in enum:
                raise _fail(config, f"{where}.{group}: {value!r} is not a value of {settings.field} ({', '.join(map(repr, enum))})")
    details = []
    for wire in settings.error_fields:
        found = _field(config, fields, wire, f"{where}.error_fields", settings.operation)
        if found.name in _ERROR_ATTRS:
            raise _fail(config, f"{where}.error_fields: {wire!r} would hide the error's own {found.name!r}")
        details.append(found)
    error_name = next(name for name, identity in plan.owned_classes.items() if identity == "waiter " + settings.name)
    values = " or ".join(repr(v) for v in settings.failure) or "a failure value"
    doc = (
        f"``{polled.name}`` reported a failure while ``{settings.name}`` waited: its"
        f" ``{watched.name}`` is {values}.\n\n``state`` holds that value and ``body`` the response"
    )
    if details:
        doc += "; " + ", ".join(f"``{f.name}``" for f in details) + " are copied from it (None when absent)"
    error = ErrorClass(error_name, "WaiterFailedError", "", polled.returns, doc + ".", tuple((f.name, _optional(f.type)) for f in details))
    waiter = Waiter(
        name=settings.name, const="_" + settings.name.upper(), operation=polled, field=watched.name,
        success=settings.success, failure=settings.failure, pending=settings.pending, error=error_name,
        details=tuple(f.name for f in details), timeout=float(settings.timeout), interval=float(settings.interval),
    )
    return waiter, error


def _enum(node: TypeNode) -> tuple[Any, ...] | None:
    from generator.ir import LiteralOf

    if isinstance(node, Nullable):
        node = node.inner
    return node.values if isinstance(node, LiteralOf) else None
