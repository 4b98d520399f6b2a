"""generator.validate: the validator's verdict with JSON pointers, its time bound, and its cache."""

from __future__ import annotations

import copy
import os
import time
from pathlib import Path
from typing import Any

import pytest

from generator.errors import SpecError
from generator.load import parse_spec_with_warnings
from generator.validate import check_version, verdict

ROOT = Path(__file__).resolve().parents[2]

GOOD: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "t", "version": "1"},
    "paths": {"/pets/{id}": {"get": {"operationId": "getPet", "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}], "responses": {"200": {"description": "ok"}}}}},
}


def children() -> set[int]:
    """The pids of this process's children (all its threads')."""
    found: set[int] = set()
    for task in Path("/proc/self/task").iterdir():
        found.update(int(pid) for pid in (task / "children").read_text().split())
    return found


def test_a_valid_document_has_no_problem(tmp_path: Path) -> None:
    assert verdict(copy.deepcopy(GOOD), "spec.json").problems == []


@pytest.mark.parametrize("version", ["3.0.3", "3.1.0"])
def test_every_problem_is_named_by_its_pointer(version: str) -> None:
    doc = copy.deepcopy(GOOD)
    doc["openapi"] = version
    operation = doc["paths"]["/pets/{id}"]["get"]
    operation["parameters"][0]["required"] = False
    del operation["responses"]["200"]["description"]
    found = verdict(doc, "spec.json").problems
    assert all(isinstance(p, SpecError) and p.file == "spec.json" for p in found)
    # 3.0's meta-schema states both as a oneOf that fails at the object; 3.1's at the field.
    parameter = "#/paths/~1pets~1{id}/get/parameters/0" + ("/required" if version == "3.1.0" else "")
    assert [p.where for p in found] == [parameter, "#/paths/~1pets~1{id}/get/responses/200"], [str(p) for p in found]
    assert all("\n" not in str(p) for p in found)


@pytest.mark.parametrize(
    ("doc", "where", "message"),
    [
        ({"swagger": "2.0"}, "#/swagger", "Swagger '2.0' is not supported: convert it to OpenAPI 3 first"),
        ({"info": {}}, "#", "not an OpenAPI document: no 'openapi' field"),
        ({"openapi": 3.1}, "#/openapi", 'the version must be a string such as "3.1.0", got 3.1 (quote it in YAML)'),
        ({"openapi": "4.0.0"}, "#/openapi", "OpenAPI 4.0.0 is not supported (supported: 3.0.x, 3.1.x)"),
        ({"openapi": "3.10"}, "#/openapi", "OpenAPI 3.10 is not supported"),
    ],
)
def test_versions_other_than_3_0_and_3_1_are_refused(doc: dict[str, Any], where: str, message: str) -> None:
    with pytest.raises(SpecError) as info:
        check_version(doc, "spec.json")
    assert info.value.where == where and info.value.message.startswith(message), str(info.value)


@pytest.mark.skipif(not hasattr(os, "fork") or not Path("/proc/self/task").is_dir(), reason="the bound applies to forked validators")
def test_a_pattern_that_backtracks_is_stopped_at_the_time_bound_and_no_child_is_left() -> None:
    raw = (ROOT / "tests" / "specs" / "catastrophic_pattern.yaml").read_bytes()
    doc, _ = parse_spec_with_warnings(raw, "spec.yaml")
    before = children()
    started = time.monotonic()
    found = verdict(doc, "spec.yaml", time_limit=1.0).problems
    elapsed = time.monotonic() - started
    assert [str(p) for p in found] == ["spec.yaml#: validation did not finish within 1 s (a `pattern` that backtracks catastrophically?)"]
    assert elapsed < 15, elapsed
    assert children() == before  # the validators were killed and reaped


def test_the_time_bound_can_be_set_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    raw = (ROOT / "tests" / "specs" / "catastrophic_pattern.yaml").read_bytes()
    doc, _ = parse_spec_with_warnings(raw, "spec.yaml")
    monkeypatch.setenv("OPENAPI_TYPED_GEN_VALIDATE_TIMEOUT", "1.5")
    assert [p.message for p in verdict(doc, "spec.yaml").problems] == ["validation did not finish within 2 s (a `pattern` that backtracks catastrophically?)"]
    monkeypatch.setenv("OPENAPI_TYPED_GEN_VALIDATE_TIMEOUT", "not a number")  # ignored: the default bound
    assert verdict(copy.deepcopy(GOOD), "spec.json").problems == []


def test_a_valid_verdict_is_remembered_by_content_and_a_broken_one_never(tmp_path: Path) -> None:
    raw = b'{"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {}}'
    doc, _ = parse_spec_with_warnings(raw, "spec.json")
    assert verdict(doc, "spec.json", raw=raw, cache=tmp_path).problems == []
    remembered = sorted(p.relative_to(tmp_path).parts[0] for p in tmp_path.rglob("*") if p.is_file())
    assert remembered == ["valid"]
    broken = copy.deepcopy(GOOD)
    del broken["paths"]["/pets/{id}"]["get"]["responses"]["200"]["description"]
    assert verdict(broken, "spec.json", cache=tmp_path).problems
    assert len([p for p in tmp_path.rglob("*") if p.is_file()]) == 1
    assert verdict(doc, "spec.json", raw=raw, cache=tmp_path).problems == []


def test_a_large_document_validated_in_parts_reports_every_problem_once() -> None:
    """Documents over 200 KB of paths are validated in two parts side by side: problems in
    either part, and in the components both parts carry, come back complete and once each."""
    doc = copy.deepcopy(GOOD)
    item = doc["paths"].pop("/pets/{id}")
    filler = {"description": "x" * 2000}
    for n in range(150):
        copy_of = copy.deepcopy(item)
        copy_of["get"]["operationId"] = f"getPet{n}"
        copy_of["get"]["responses"]["200"] = {**filler} if n % 50 else {"content": {}}  # every 50th: no description
        doc["paths"][f"/pets{n}/{{id}}"] = copy_of
    doc["components"] = {"schemas": {"Bad": {"type": "no-such-type"}}}
    found = [p.where for p in verdict(doc, "spec.json").problems]
    assert sorted(found) == sorted(["#/components/schemas/Bad/type", *(f"#/paths/~1pets{n}~1{{id}}/get/responses/200" for n in (0, 50, 100))]), found


def test_a_large_document_in_two_parts_reports_a_problem_of_a_component_both_parts_reach_once() -> None:
    """Each part holds what its path items reference (the second also every components entry):
    a component both parts reach is validated in both, and its problem is reported once."""
    doc = copy.deepcopy(GOOD)
    item = doc["paths"].pop("/pets/{id}")
    for n in range(150):
        copy_of = copy.deepcopy(item)
        copy_of["get"]["operationId"] = f"getPet{n}"
        schema = {"$ref": "#/components/schemas/Shared" if n % 2 else "#/components/schemas/Even"}
        copy_of["get"]["responses"]["200"] = {"description": "x" * 2000, "content": {"application/json": {"schema": schema}}}
        doc["paths"][f"/pets{n}/{{id}}"] = copy_of
    doc["components"] = {"schemas": {"Shared": {"type": "nope"}, "Even": {"type": "object", "properties": {"s": {"$ref": "#/components/schemas/Shared"}}}}}
    found = sorted(p.where for p in verdict(doc, "spec.json").problems)
    assert found == ["#/components/schemas/Shared/type"], found


def test_a_schema_problem_is_named_by_its_pointer_from_the_root() -> None:
    """3.1 checks each Schema Object on its own and reports paths from that schema; the pointer
    still starts at the document's root, and two alike problems keep their own places."""
    doc = copy.deepcopy(GOOD)
    doc["components"] = {"schemas": {"A": {"type": "object", "properties": {"x": {"type": "nope"}}}, "B": {"type": "object", "properties": {"x": {"type": "nope"}}}}}
    found = sorted(p.where for p in verdict(doc, "spec.json").problems)
    assert found == ["#/components/schemas/A/properties/x/type", "#/components/schemas/B/properties/x/type"], found
