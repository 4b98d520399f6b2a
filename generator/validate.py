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

import functools
import json
from collections.abc import Callable

from jsonschema.exceptions import SchemaError
from jsonschema.validators import validator_for
from jsonschema_path.nodes import SchemaNode
from lazy_object_proxy import Proxy
from openapi_spec_validator.schemas import schema_v30, schema_v31
from openapi_spec_validator.validation import (
    OpenAPIV30SpecValidator,
    OpenAPIV31SpecValidator,
    keywords,
)
from openapi_spec_validator.validation.decorators import (
    unwraps_iter,
    wraps_cached_iter,
    wraps_errors,
)
from pathable.accessors import SubscriptableAccessor
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012, SchemaRegistry

from generator.errors import SpecError, pointer

# Speed, same verdicts (tests/test_validate_fast.py compares them with the stock
# validator): jsonschema resolves every ``$dynamicRef`` of the OAS 3.1 and JSON
# Schema 2020-12 meta-schemas by crawling the reference registry again, because a
# validator built without a crawled registry never keeps one. Handing the
# validators a registry crawled once, and checking each distinct schema against
# its meta-schema once per run, makes the full Instantly spec validate about
# three times faster. The schemas, validator classes and format checkers are
# exactly the ones openapi-spec-validator uses.


def _crawled(schema_id: str, contents: Any, openapi: bool = False) -> SchemaRegistry:
    # The registries openapi-spec-validator's validators use: jsonschema's default
    # for the whole document, openapi-schema-validator's for ``check_schema``.
    from jsonschema.validators import _REMOTE_WARNING_REGISTRY
    from openapi_schema_validator._specifications import (
        REGISTRY as OPENAPI_SPECIFICATIONS,
    )

    registry: Registry[Any] = OPENAPI_SPECIFICATIONS if openapi else _REMOTE_WARNING_REGISTRY
    if schema_id:
        registry = registry.with_resource(schema_id, Resource.from_contents(contents, default_specification=DRAFT202012))
    return registry.crawl()


def _document_validator(schema: Any) -> Any:
    contents = dict(schema)
    cls = validator_for(contents)
    return cls(contents, registry=_crawled(str(contents.get("$id", "")), contents))


@functools.cache
def _meta_validator(cls: type[Any], format_checker: Any) -> Any:
    """``cls.check_schema``'s validator, built once, with its meta-schema's registry crawled."""
    meta = cls.META_SCHEMA
    validator_cls = validator_for(meta, default=cls)
    return validator_cls(meta, format_checker=format_checker, registry=_crawled(str(meta.get("$id", "")), meta, openapi=True))


# jsonschema-rs's own format checks, each replaced by the pure-Python checker's
# verdict where it has one and accepted otherwise (as the pure-Python pass does).
_RUST_FORMATS = (
    "date", "date-time", "duration", "email", "hostname", "idn-email", "idn-hostname", "ipv4", "ipv6", "iri",
    "iri-reference", "json-pointer", "regex", "relative-json-pointer", "time", "uri", "uri-reference",
    "uri-template", "uuid",
)  # fmt: skip


def _conforms(checker: Any, name: str, value: Any) -> bool:
    return bool(checker.conforms(value, name))


def _accept(value: Any) -> bool:
    return True


@functools.cache
def _fast_meta_validator(cls: Any, format_checker: Any) -> Any:
    """jsonschema-rs for ``cls``'s meta-schema, asserting exactly the formats ``format_checker`` asserts; None if unavailable."""
    try:
        import jsonschema_rs
        from openapi_schema_validator._specifications import REGISTRY

        formats: dict[str, Callable[[Any], bool]] = dict.fromkeys(_RUST_FORMATS, _accept)
        formats.update({name: functools.partial(_conforms, format_checker, name) for name in format_checker.checkers})
        registry = jsonschema_rs.Registry([(uri, REGISTRY.contents(uri)) for uri in REGISTRY])
        return jsonschema_rs.validator_for(
            dict(cls.META_SCHEMA), formats=formats, validate_formats=True, registry=registry, offline=True
        )
    except Exception:  # not installed, or a meta-schema it cannot take: the pure-Python check decides
        return None


def _fast_is_valid(validator: Any, schema: Any) -> bool:
    if _deeper_than(schema, _FAST_MAX_DEPTH):
        return False
    try:
        return bool(validator.is_valid(schema))
    except Exception:
        return False


def _checker(cls: Any, format_checker: Any, verdicts: dict[tuple[type[Any], str], Any]) -> Callable[[Any], None]:
    checker = format_checker if format_checker is not None else validator_for(cls.META_SCHEMA, default=cls).FORMAT_CHECKER

    def check(schema: Any) -> None:
        # What ``check_schema`` does: the first error, as a SchemaError. Real specs
        # repeat the same inline schema many times (error bodies on every
        # operation), and its verdict depends on nothing but its content.
        key = (cls, json.dumps(schema, sort_keys=True, default=repr))
        if key not in verdicts:
            fast = _fast_meta_validator(cls, checker)
            if fast is not None and _fast_is_valid(fast, schema):
                verdicts[key] = None
            else:
                verdicts[key] = next(iter(_meta_validator(cls, checker).iter_errors(schema)), None)
        error = verdicts[key]
        if error is not None:
            raise SchemaError.create_from(error)

    return check


class _Schema30(keywords.OpenAPIV30SchemaValidator):
    def _get_schema_checker(self, schema: Any, schema_value: Any) -> Callable[[Any], None]:
        verdicts = self.__dict__.setdefault("_verdicts", {})  # one validation run's memo
        return _checker(self.schema_validator_cls, None, verdicts)


class _Schema31(keywords.OpenAPIV31SchemaValidator):
    def _get_schema_checker(self, schema: Any, schema_value: Any) -> Callable[[Any], None]:
        original = super()._get_schema_checker(schema, schema_value)  # raises ValueError for unknown dialects
        assert isinstance(original, functools.partial)
        verdicts = self.__dict__.setdefault("_verdicts", {})  # one validation run's memo
        validator_cls: Any = getattr(original.func, "__self__")  # noqa: B009  # a bound classmethod
        return _checker(validator_cls, original.keywords.get("format_checker"), verdicts)


# The whole document against the OAS meta-schema is most of the validator's time
# (about 2.7 s of the full Instantly spec, 6.8 s of GitHub's, in pure Python).
# jsonschema-rs answers "valid or not" for the same meta-schema in milliseconds;
# when it says valid, the pure-Python pass is skipped, and when it says invalid
# (or is unavailable) that pass runs and reports the stock messages. So a verdict
# never rests on jsonschema-rs alone: it can only make a valid document faster.
# Formats are not asserted (as in the pure-Python pass), nothing is fetched, and
# documents nested deeper than _FAST_MAX_DEPTH go the pure-Python way (the Rust
# validator recurses on the native stack).
_FAST_MAX_DEPTH = 1000


def _deeper_than(node: Any, limit: int) -> bool:
    stack = [(node, 0)]
    while stack:
        current, depth = stack.pop()
        if depth > limit:
            return True
        children = current.values() if isinstance(current, dict) else current
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


@functools.cache
def _fast_validator(meta_id: str) -> Any:
    import jsonschema_rs

    meta = schema_v30 if meta_id == "3.0" else schema_v31
    return jsonschema_rs.validator_for(dict(meta), validate_formats=False, offline=True)


def _valid_fast(doc: Any, version: str) -> bool:
    """True when jsonschema-rs finds ``doc`` valid against the meta-schema; False when unsure."""
    if _deeper_than(doc, _FAST_MAX_DEPTH):
        return False
    try:
        return bool(_fast_validator(version).is_valid(doc))
    except Exception:  # not installed, or it cannot take this input: the pure-Python pass decides
        return False


class _FastDocument:
    version = ""
    schema: Any
    schema_path: Any
    schema_validator: Any
    root_validator: Any

    @unwraps_iter
    @functools.cache  # noqa: B019  # as in SpecValidator: one validator per run
    @wraps_cached_iter
    @wraps_errors
    def iter_errors(self) -> Any:
        # openapi-spec-validator's SpecValidator.iter_errors, with the fast verdict first.
        if not _valid_fast(self.schema, self.version):
            yield from self.schema_validator.iter_errors(self.schema)
        yield from self.root_validator(self.schema_path)


def _get_subnode(cls: type[Any], node: Any, part: Any) -> Any:
    """pathable's step from a node to its child, without its ``isinstance(node, Subscriptable)``.

    That check is a runtime Protocol check, which Python 3.11 answers slowly: about a
    third of the validator's time on GitHub's spec goes to it, through jsonschema-path's
    reference resolution (``SchemaNode._get_subnode``, called on the class, so no
    subclass of ours can take its place). Asking the node's type for ``__getitem__``
    is the question the Protocol asks.
    """
    if not hasattr(type(node), "__getitem__"):
        raise KeyError(part)
    try:
        return node[part]
    except (KeyError, IndexError, TypeError) as exc:
        raise KeyError(part) from exc


# Only while SchemaNode uses pathable's own step (a later version may bring its own).
if getattr(SchemaNode._get_subnode, "__func__", None) is getattr(SubscriptableAccessor._get_subnode, "__func__", False):
    SchemaNode._get_subnode = classmethod(_get_subnode)  # type: ignore[method-assign,assignment]


class _V30(_FastDocument, OpenAPIV30SpecValidator):
    version = "3.0"
    resolver_handlers = {}  # noqa: RUF012
    schema_validator = Proxy(functools.partial(_document_validator, schema_v30))  # built on first use
    keyword_validators = {**OpenAPIV30SpecValidator.keyword_validators, "schema": _Schema30}  # noqa: RUF012


class _V31(_FastDocument, OpenAPIV31SpecValidator):
    version = "3.1"
    resolver_handlers = {}  # noqa: RUF012
    schema_validator = Proxy(functools.partial(_document_validator, schema_v31))  # built on first use
    keyword_validators = {**OpenAPIV31SpecValidator.keyword_validators, "schema": _Schema31}  # noqa: RUF012


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
    where: list[str | int] = min(candidates, key=lambda w: [str(p) for p in w])
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
    finally:
        # iter_errors is cached per validator, as in openapi-spec-validator: the cache would
        # keep every validated document alive (the validator's child goes on to parse files).
        cls.iter_errors.__wrapped__.cache_clear()  # type: ignore[attr-defined]
    return problems
