"""generator/validate.py gives openapi-spec-validator's own verdicts, only sooner.

It hands the validator a reference registry crawled once and remembers the
meta-schema verdict of each distinct schema within a run (see the module). Both
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
from generator.validate import _V30, _V31
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
