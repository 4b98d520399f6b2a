"""generator.verdicts and validate.verdict: a document validated again only where it changed,
with the same problems as a validation of the whole, and operationIds unique across parts."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.validate import SPLIT_BYTES, verdict
from generator.verdicts import digests, unchecked_part


def operation(op_id: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    content = {"application/json": {"schema": schema}} if schema is not None else None
    return {"operationId": op_id, "responses": {"200": {"description": "ok", **({"content": content} if content else {})}}}


def document() -> dict[str, Any]:
    """/pets reaches Pet (which reaches Owner); /owners reaches Owner; /stats reaches nothing."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/pets": {"get": operation("listPets", {"type": "array", "items": {"$ref": "#/components/schemas/Pet"}})},
            "/owners": {"get": operation("listOwners", {"$ref": "#/components/schemas/Owner"})},
            "/stats": {"get": operation("getStats", {"type": "object"})},
        },
        "components": {
            "schemas": {
                "Pet": {"type": "object", "properties": {"owner": {"$ref": "#/components/schemas/Owner"}}},
                "Owner": {"type": "object", "properties": {"name": {"type": "string"}}},
                "Unused": {"type": "string"},
            },
            "securitySchemes": {"key": {"type": "http", "scheme": "bearer"}},
        },
    }


def changed(before: dict[tuple[str, ...], str], after: dict[tuple[str, ...], str]) -> set[tuple[str, ...]]:
    return {unit for unit in after if before.get(unit) != after[unit]}


def test_a_part_changes_its_digest_and_those_of_the_parts_that_reach_it() -> None:
    doc = document()
    before = digests(doc, "v1")
    assert set(before) == {("paths", "/pets"), ("paths", "/owners"), ("paths", "/stats"), *(("components", "schemas", n) for n in ("Pet", "Owner", "Unused"))}
    doc["components"]["schemas"]["Owner"]["properties"]["age"] = {"type": "integer"}
    assert changed(before, digests(doc, "v1")) == {("components", "schemas", "Owner"), ("components", "schemas", "Pet"), ("paths", "/pets"), ("paths", "/owners")}
    doc = document()
    doc["paths"]["/stats"]["get"]["summary"] = "now with a summary"
    assert changed(before, digests(doc, "v1")) == {("paths", "/stats")}


@pytest.mark.parametrize(
    "edit",
    [
        lambda doc: doc["info"].update(version="2"),  # the rest of the document
        lambda doc: doc["components"]["securitySchemes"]["key"].update(scheme="basic"),  # the security schemes go with it
        lambda doc: doc.update(jsonSchemaDialect="https://spec.openapis.org/oas/3.1/dialect/base"),  # which fields there are
    ],
)
def test_the_rest_of_the_document_is_in_every_digest(edit: Any) -> None:
    doc = document()
    before = digests(doc, "v1")
    edit(doc)
    assert changed(before, digests(doc, "v1")) == set(before)


def test_another_validator_changes_every_digest() -> None:
    assert not set(digests(document(), "v1").values()) & set(digests(document(), "v2").values())


def test_a_reference_to_something_that_is_not_a_part_makes_the_digest_cover_the_whole_document() -> None:
    doc = document()
    doc["paths"]["/stats"]["get"]["responses"]["200"]["content"] = {"application/json": {"schema": {"$ref": "#/info"}}}
    before = digests(doc, "v1")
    doc["components"]["schemas"]["Unused"]["maxLength"] = 3
    assert changed(before, digests(doc, "v1")) == {("paths", "/stats"), ("components", "schemas", "Unused")}


def test_what_is_left_to_validate_is_the_changed_parts_and_what_they_reach() -> None:
    doc = document()
    passed = frozenset(digests(doc, "v1").values())
    assert unchecked_part(doc, digests(doc, "v1"), passed) is None
    assert unchecked_part(doc, digests(doc, "v1"), frozenset()) is doc
    doc["components"]["schemas"]["Pet"]["properties"]["tag"] = {"type": "string"}
    part = unchecked_part(doc, digests(doc, "v1"), passed)
    assert part is not None
    assert list(part["paths"]) == ["/pets"]
    assert sorted(part["components"]["schemas"]) == ["Owner", "Pet"]  # Owner: reached, for the references to resolve
    assert part["components"]["securitySchemes"] == doc["components"]["securitySchemes"]
    assert part["paths"]["/pets"] is doc["paths"]["/pets"]  # the document's own objects, under the same keys


def test_a_problem_in_a_changed_part_is_found_under_its_pointer_and_the_rest_stays_passed() -> None:
    doc = document()
    first = verdict(doc, "spec.json", passed=frozenset())
    assert first.problems == [] and len(first.passed) == len(digests(doc, "any validator"))  # every part passed
    doc["paths"]["/owners"]["get"]["responses"]["200"]["content"]["application/json"]["schema"] = {"type": "no-such-type"}
    again = verdict(doc, "spec.json", passed=first.passed)
    assert [p.where for p in again.problems] == ["#/paths/~1owners/get/responses/200/content/application~1json/schema/type"]
    assert again.passed < first.passed  # what passed before and is unchanged, only
    assert [str(p) for p in again.problems] == [str(p) for p in verdict(doc, "spec.json").problems]


def test_an_operation_id_taken_by_an_unchanged_part_is_refused() -> None:
    doc = document()
    passed = verdict(doc, "spec.json").passed
    doc["paths"]["/stats"]["get"]["operationId"] = "listPets"
    found = verdict(doc, "spec.json", passed=passed).problems
    assert [(p.where, p.message) for p in found] == [("#/paths/~1stats/get/operationId", "Operation ID 'listPets' for 'get' in '/stats' is not unique")]
    assert [(p.where, p.message) for p in verdict(doc, "spec.json").problems] == [(p.where, p.message) for p in found]


def test_an_operation_id_used_twice_is_refused_when_the_document_is_validated_in_two_halves() -> None:
    """A document with over 200 KB of paths is validated in two halves side by side; each half
    alone holds each operationId once, so uniqueness is checked over the whole."""
    doc = document()
    filler = "x" * (SPLIT_BYTES // 40)
    for n in range(60):
        doc["paths"][f"/more{n}"] = {"get": {**operation(f"more{n}"), "description": filler}}
    doc["paths"]["/more0"]["get"]["description"] = filler * 3  # the largest: alone in its half first
    doc["paths"]["/more59"]["get"]["operationId"] = "more0"
    found = [(p.where, p.message) for p in verdict(doc, "spec.json").problems]
    assert found == [("#/paths/~1more59/get/operationId", "Operation ID 'more0' for 'get' in '/more59' is not unique")]


EDITS = st.lists(
    st.tuples(
        st.sampled_from([("paths", "/pets"), ("paths", "/owners"), ("paths", "/stats"), ("components", "schemas", "Pet"), ("components", "schemas", "Owner")]),
        st.sampled_from(["break", "describe", "rename"]),
    ),
    max_size=3,
)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])  # each example validates three times, forking each time
@given(EDITS)
def test_validating_what_changed_finds_what_validating_the_whole_finds(edits: list[tuple[tuple[str, ...], str]]) -> None:
    """Any edits after a run that passed: the problems with the lock's digests are the problems
    of the whole document, pointer for pointer."""
    doc = document()
    passed = verdict(doc, "spec.json").passed
    for unit, how in edits:
        node = doc[unit[0]][unit[1]] if unit[0] == "paths" else doc["components"]["schemas"][unit[2]]
        target = node["get"] if unit[0] == "paths" else node
        if how == "break":
            target["type" if unit[0] == "components" else "responses"] = "no-such-type" if unit[0] == "components" else {"200": {}}
        elif how == "describe":
            target["description"] = "changed"
        elif unit[0] == "paths":
            target["operationId"] = "getStats"
    whole = [(p.where, p.message) for p in verdict(copy.deepcopy(doc), "spec.json").problems]
    assert [(p.where, p.message) for p in verdict(doc, "spec.json", passed=passed).problems] == whole


def test_a_path_item_that_is_a_reference_repeats_the_operation_ids_it_leads_to() -> None:
    """As the validator reads it: the operations a path item's ``$ref`` leads to are that path's."""
    doc = document()
    doc["paths"]["/pets/again"] = {"$ref": "#/paths/~1pets"}
    found = [(p.where, p.message) for p in verdict(doc, "spec.json").problems]
    assert found == [("#/paths/~1pets~1again", "Operation ID 'listPets' for 'get' in '/pets/again' is not unique")]
