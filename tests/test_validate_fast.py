"""generator/validate.py gives openapi-spec-validator's own verdicts, only sooner.

It hands the validator a reference registry crawled once, remembers the
meta-schema verdict of each distinct schema within a run, and lets jsonschema-rs
vouch for a valid document before the pure-Python pass (see the module). All
are only worth having if every error, message and path stays exactly what the
stock validator reports; this compares the two on valid and broken documents.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from openapi_spec_validator.validation import (
    OpenAPIV30SpecValidator,
    OpenAPIV31SpecValidator,
)

from generator.load import load_file
from generator.validate import _FAST_MAX_DEPTH, _V30, _V31, _valid_fast, validate
from tests.conftest import CORPUS, ROOT


class _Stock30(OpenAPIV30SpecValidator):
    resolver_handlers = {}  # type: ignore[assignment]  # noqa: RUF012


class _Stock31(OpenAPIV31SpecValidator):
    resolver_handlers = {}  # type: ignore[assignment]  # noqa: RUF012


def _errors(cls: type[Any], doc: dict[str, Any]) -> list[tuple[str, list[Any], str]]:
    return [(str(e.message), list(e.path), type(e).__name__) for e in cls(doc).iter_errors()]


def _compare(doc: dict[str, Any]) -> list[tuple[str, list[Any], str]]:
    v31 = str(doc.get("openapi", "")).startswith("3.1")
    fast = _errors(_V31 if v31 else _V30, doc)
    assert fast == _errors(_Stock31 if v31 else _Stock30, doc)
    return fast


SMALL = sorted(
    [p for p in (CORPUS / "specs").iterdir() if p.suffix in (".json", ".yaml", ".yml") and p.stat().st_size < 500_000 and "swagger" not in p.name]
    + [p for p in (ROOT / "tests" / "specs").glob("*.yaml") if p.name not in ("swagger2.yaml", "openapi4.yaml")]
)


@pytest.mark.parametrize("path", SMALL, ids=lambda p: p.name)
def test_same_verdict_on_real_and_test_documents(path: Path) -> None:
    doc, _ = load_file(path)
    _compare(doc)


def _broken(version: str) -> dict[str, Any]:
    shared = {"type": "object", "properties": {"code": {"type": "integer", "default": "x"}, "when": {"type": "strng"}}}
    doc: dict[str, Any] = {
        "openapi": version,
        "info": {"title": "t", "version": "1"},
        "paths": {
            f"/p{i}": {
                "get": {
                    "operationId": f"op{i}",
                    "parameters": [{"name": "q", "in": "query", "schema": {"type": "integer", "minimum": "low"}}],
                    "responses": {
                        "200": {"description": "ok", "content": {"application/json": {"schema": copy.deepcopy(shared)}}},
                        "400": {"description": "bad", "content": {"application/json": {"schema": {"type": 5}}}},
                    },
                }
            }
            for i in range(3)  # the same broken inline schema several times: remembered verdicts must repeat
        },
        "components": {"schemas": {"Thing": {"allOf": [{"$ref": "#/components/schemas/Other"}], "required": "name"}, "Other": {"type": "object", "additionalProperties": 3}}},
    }
    return doc


@pytest.mark.parametrize("version", ["3.0.3", "3.1.0"])
def test_same_errors_on_broken_schemas(version: str) -> None:
    errors = _compare(_broken(version))
    assert len(errors) >= 3  # the comparison is about real errors, not two empty lists


@pytest.mark.parametrize("path", SMALL, ids=lambda p: p.name)
def test_the_fast_verdict_agrees_with_the_pure_python_pass(path: Path) -> None:
    doc, _ = load_file(path)
    version = "3.1" if str(doc.get("openapi", "")).startswith("3.1") else "3.0"
    cls = _V31 if version == "3.1" else _V30
    python_valid = not list(cls(doc).schema_validator.iter_errors(doc))
    # Never lenient: a document jsonschema-rs accepts is one the pure-Python pass accepts.
    assert _valid_fast(doc, version) == python_valid


def test_valid_real_documents_take_the_fast_path() -> None:
    doc, _ = load_file(CORPUS / "specs" / "real_instantly_api_v2_2026-06-11.json")
    assert _valid_fast(doc, "3.1")  # jsonschema-rs is installed and vouches for it


@pytest.mark.parametrize("version", ["3.0.3", "3.1.0"])
def test_broken_documents_never_take_the_fast_path(version: str) -> None:
    doc = _broken(version)
    doc["info"] = {"title": 5}
    assert not _valid_fast(doc, version[:3])
    assert any(p.where == "#/info" for p in validate(doc, "broken.yaml"))


def test_documents_nested_deeper_than_the_limit_go_the_pure_python_way() -> None:
    deep: dict[str, Any] = {}
    node = deep
    for _ in range(_FAST_MAX_DEPTH + 1):
        node["x"] = {}
        node = node["x"]
    doc = {"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {}, "x-deep": deep}
    assert not _valid_fast(doc, "3.1")  # not handed to the Rust validator, which would overflow its stack
    assert [p.message for p in validate(doc, "deep.yaml")] == ["the document nests too deeply to validate"]
    del doc["x-deep"]
    assert _valid_fast(doc, "3.1")


@pytest.mark.parametrize("version", ["3.0.3", "3.1.0"])
def test_same_errors_where_formats_decide(version: str) -> None:
    # The meta-schema asserts formats on some keywords ("regex" for pattern); jsonschema-rs
    # must assert exactly the ones the pure-Python checker does, with its verdicts.
    schemas = {
        "PythonRejects": {"type": "string", "pattern": "("},
        "EcmaOnly": {"type": "string", "pattern": "(?<name>x)"},  # valid in ECMA 262, not in Python's re
        "Fine": {"type": "string", "pattern": "^[a-z]+$", "format": "no-such-format"},
        "OddId": {"type": "object", "$id": "not a uri \\", "properties": {"a": {"type": "string"}}},
    }
    doc: dict[str, Any] = {"openapi": version, "info": {"title": "t", "version": "1"}, "paths": {}, "components": {"schemas": schemas}}
    errors = _compare(doc)
    assert sorted(m for m, _, _ in errors if "regex" in m) == ["'(' is not a 'regex'", "'(?<name>x)' is not a 'regex'"]
