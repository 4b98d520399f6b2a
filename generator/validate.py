"""Validate a document with openapi-spec-validator, turning its errors into pointers.

The validator's reference handlers are switched off: it must never fetch a URL or
read a file while validating (references are resolved, and confined, by
``generator.resolve`` before this runs).
"""

from __future__ import annotations

import os
from collections import deque
from typing import Any

# The pure-Python jsonschema backend, even where jsonschema-rs happens to be
# installed: error messages (and so ``check`` output and tests) must not depend
# on what else is in the environment.
os.environ["OPENAPI_SPEC_VALIDATOR_SCHEMA_VALIDATOR_BACKEND"] = "jsonschema"

from openapi_spec_validator.validation import (
    OpenAPIV30SpecValidator,
    OpenAPIV31SpecValidator,
)

from generator.errors import SpecError, pointer


class _V30(OpenAPIV30SpecValidator):
    resolver_handlers = {}  # type: ignore[assignment]  # noqa: RUF012


class _V31(OpenAPIV31SpecValidator):
    resolver_handlers = {}  # type: ignore[assignment]  # noqa: RUF012


def check_version(doc: dict[str, Any], name: str) -> str:
    """``"3.0"`` or ``"3.1"``, or a clear error for anything else."""
    if "swagger" in doc:
        raise SpecError(name, "#/swagger", f"Swagger {doc['swagger']} is not supported: convert it to OpenAPI 3 first")
    version = doc.get("openapi")
    if version is None:
        raise SpecError(name, "#", "not an OpenAPI document: no 'openapi' field")
    if not isinstance(version, str):
        raise SpecError(name, "#/openapi", f"the version must be a string such as \"3.1.0\", got {version!r} (quote it in YAML)")
    for supported in ("3.0", "3.1"):
        if version == supported or version.startswith(supported + "."):
            return supported
    raise SpecError(name, "#/openapi", f"OpenAPI {version} is not supported (supported: 3.0.x, 3.1.x)")


def _message(err: Any) -> str:
    text = str(getattr(err, "message", err))
    text = text.splitlines()[0] if text else type(err).__name__
    instance = repr(getattr(err, "instance", None))
    if len(instance) > 60 and text.startswith(instance):
        text = "the value" + text[len(instance):]
    return text


def _walk(node: Any, path: list[str | int]) -> Any:
    stack = [(node, path)]
    while stack:
        current, where = stack.pop()
        if isinstance(current, dict):
            yield current, where
            stack.extend((v, [*where, k]) for k, v in current.items() if isinstance(v, (dict, list)))
        elif isinstance(current, list):
            stack.extend((v, [*where, i]) for i, v in enumerate(current) if isinstance(v, (dict, list)))


def _locate(doc: dict[str, Any], err: Any) -> list[str | int]:
    """Where a value error (a bad ``default`` or ``example``) sits: the validator leaves its path empty."""
    schema = getattr(err, "schema", None)
    if not isinstance(schema, dict):
        return []
    candidates = [where for node, where in _walk(doc, []) if node is schema]
    if not candidates:
        candidates = [where for node, where in _walk(doc, []) if node == schema]
    if not candidates:
        return []
    where = min(candidates, key=lambda w: [str(p) for p in w])
    instance = getattr(err, "instance", None)
    for key in ("default", "example", "const", "enum", "examples"):
        if key in schema and (schema[key] == instance or (isinstance(schema[key], list) and instance in schema[key])):
            return [*where, key]
    return where


def validate(doc: dict[str, Any], name: str) -> list[SpecError]:
    """Every problem the validator finds, each with its pointer (empty list when valid)."""
    version = check_version(doc, name)
    cls = _V30 if version == "3.0" else _V31
    problems: list[SpecError] = []
    seen: set[str] = set()
    try:
        for err in cls(doc).iter_errors():
            path = list(getattr(err, "absolute_path", None) or getattr(err, "path", None) or deque())
            if not path:
                path = _locate(doc, err)
            found = SpecError(name, pointer(path), _message(err))
            if str(found) not in seen:
                seen.add(str(found))
                problems.append(found)
    except RecursionError:
        problems.append(SpecError(name, "#", "the document nests too deeply to validate"))
    except Exception as exc:  # the validator itself failed on this input
        problems.append(SpecError(name, "#", f"the validator could not check this document: {_message(exc)}"))
    return problems
