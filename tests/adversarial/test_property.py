"""Property: whatever hostile text sits in whatever text position, the output is safe.

Hypothesis builds specs with break-out payloads and arbitrary Unicode in every text
position (schema, property, tag and parameter names, operationIds, descriptions, enum
values, defaults, examples, patterns, server URLs, the title). Each is generated in
process (``pipeline.run`` with ``--lenient``, then ``write.write_output``): the run either fails with a
one-line input error, or writes a package that parses and imports without running the
canary. A handful of the packages then go through one ``mypy --strict`` run.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import pytest
from harness import MARKER, canary_code, exercise, mypy, payloads
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.config import adhoc_config
from generator.errors import SpecError, SpecErrors
from generator.pipeline import run
from generator.write import write_output

CANARY_DIR: dict[str, Path] = {}
GENERATED: list[tuple[Path, str]] = []
COUNTER = itertools.count()


def _spec(t: dict[str, Any]) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": t["title"], "version": t["version"], "description": t["description"]},
        "servers": [{"url": t["server"]}],
        "tags": [{"name": t["tag"], "description": t["description"]}],
        "paths": {
            "/items/{id}": {
                "get": {
                    "operationId": t["operation"],
                    "tags": [t["tag"]],
                    "summary": t["description"],
                    "parameters": [
                        {"name": "id", "in": "path", "required": True, "schema": {"type": "string", "pattern": t["pattern"]}},
                        {"name": t["param"], "in": "query", "description": t["description"], "schema": {"type": "string", "enum": t["enum"], "default": t["enum"][0]}, "example": t["example"]},
                        {"name": t["param"] + "-h", "in": "header", "schema": {"type": "string"}},
                    ],
                    "responses": {
                        "200": {"description": t["description"], "content": {"application/json": {"schema": {"$ref": "#/components/schemas/" + t["schema"].replace("~", "~0").replace("/", "~1")}}}},
                        "400": {"description": t["description"], "content": {"application/json": {"schema": {"type": "object", "properties": {t["prop"]: {"type": "string"}}}}}},
                    },
                }
            }
        },
        "components": {
            "schemas": {
                t["schema"]: {
                    "type": "object",
                    "title": t["title"],
                    "description": t["description"],
                    "required": [t["prop"]],
                    "properties": {
                        t["prop"]: {"type": "string", "enum": t["enum"], "default": t["enum"][-1], "example": t["example"], "description": t["description"]},
                        t["prop"] + "2": {"type": "string", "pattern": t["pattern"], "default": t["example"]},
                    },
                }
            }
        },
    }


def _texts(code: str) -> st.SearchStrategy[str]:
    hostile = st.sampled_from(payloads(code))
    anything = st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=30)
    return st.one_of(hostile, anything, st.tuples(anything, hostile, anything).map("".join))


POSITIONS = ("title", "version", "description", "server", "tag", "operation", "pattern", "param", "example", "schema", "prop")


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("property")
    CANARY_DIR["path"] = folder
    return folder


def _case(workdir: Path, data: st.DataObject) -> None:
    code = canary_code(workdir / "CANARY")
    texts = {name: data.draw(_texts(code), label=name) for name in POSITIONS}
    texts["enum"] = data.draw(st.lists(_texts(code), min_size=1, max_size=3, unique=True), label="enum")
    number = next(COUNTER)
    folder = workdir / f"case{number}"
    folder.mkdir()
    spec = folder / "spec.json"
    spec.write_text(json.dumps(_spec(texts)), encoding="utf-8")
    package = f"prop_pkg_{number}"
    config = adhoc_config(str(spec), str(folder / "out"), package, lenient=True)  # absolute paths: the working folder plays no part
    try:
        result = run(config)
    except (SpecError, SpecErrors) as exc:
        lines = [str(e) for e in exc.errors] if isinstance(exc, SpecErrors) else [str(exc)]
        assert all("\n" not in line and "\x1b" not in line for line in lines)
        return
    write_output(config.output, config.package, result.files, {}, (config.lock_path, result.lock.to_bytes()), folder)
    GENERATED.append((folder / "out", package))


def test_hostile_text_anywhere_is_never_run(workdir: Path) -> None:
    """One test (so pytest-xdist keeps it on one worker): the property, then import and mypy."""

    @settings(max_examples=25, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(data=st.data())
    def generates_safely(data: st.DataObject) -> None:
        _case(workdir, data)

    generates_safely()
    assert GENERATED, "no example generated a package"
    imported, output = exercise(GENERATED, workdir)
    assert MARKER not in output.split()
    assert not (workdir / "CANARY").exists()
    assert {name: problems for name, problems in imported.items() if problems} == {}
    checked = mypy(GENERATED[:6], workdir / ".mypy_cache")
    assert {name: errs for name, errs in checked.items() if errs} == {}
