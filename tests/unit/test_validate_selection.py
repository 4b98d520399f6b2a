"""Validation under a selection: only the selected operations and what their references reach are
validated, under the whole document's pointers; without a selection the whole document is."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from generator import pipeline
from generator.config import Config
from generator.errors import SpecErrors
from generator.selection import selected_part
from generator.validate import verdict

ITEM = {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}

# Two tags: "pets" (getPet reaches responses/Pet -> schemas/Pet <-> schemas/Owner, a cycle) and
# "admin" (deletePet beside getPet in the same path item; getStats reaches schemas/Stats).
DOC: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "Pets", "version": "1"},
    "security": [{"key": []}],
    "paths": {
        "/pets/{id}": {
            "parameters": [ITEM],  # the path item's own parameter: getPet's path has it only from here
            "get": {"operationId": "getPet", "tags": ["pets"], "responses": {"200": {"$ref": "#/components/responses/Pet"}}},
            "delete": {"operationId": "deletePet", "tags": ["admin"], "responses": {"204": {"description": "gone"}}},
        },
        "/stats": {
            "get": {
                "operationId": "getStats",
                "tags": ["admin"],
                "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Stats"}}}}},
            }
        },
    },
    "components": {
        "responses": {"Pet": {"description": "a pet", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}}}},
        "schemas": {
            "Pet": {"type": "object", "properties": {"name": {"type": "string"}, "owner": {"$ref": "#/components/schemas/Owner"}}},
            "Owner": {"type": "object", "properties": {"pets": {"type": "array", "items": {"$ref": "#/components/schemas/Pet"}}}},
            "Stats": {"type": "object", "properties": {"count": {"type": "integer"}}},
        },
        "securitySchemes": {"key": {"type": "apiKey", "in": "header", "name": "X-Key"}},
    },
}


def doc(change: Any = None) -> dict[str, Any]:
    fresh = copy.deepcopy(DOC)
    if change is not None:
        change(fresh)
    return fresh


def config(tmp_path: Path, **selection: Any) -> Config:
    return Config(root=tmp_path, spec=tmp_path / "spec.json", output=tmp_path / "out", package="pets_client", **{k: tuple(v) for k, v in selection.items()})


def stage_validate(tmp_path: Path, document: dict[str, Any], **selection: Any) -> list[str]:
    """The load and validate stages on ``document`` written as the spec: the problems' pointers (raises on refusal)."""
    cfg = config(tmp_path, **selection)
    cfg.spec.write_text(json.dumps(document), encoding="utf-8")
    loaded, raw, _, single_file = pipeline.load(cfg)
    return pipeline.validate(cfg, loaded, raw, single_file)[0]


def refused(tmp_path: Path, document: dict[str, Any], **selection: Any) -> list[str]:
    with pytest.raises(SpecErrors) as info:
        stage_validate(tmp_path, document, **selection)
    return [p.where or "" for p in info.value.errors]


@pytest.fixture(autouse=True)
def no_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAPI_TYPED_GEN_CACHE", "off")  # every verdict below is the validator's


def _bad_stats(d: dict[str, Any]) -> None:
    d["components"]["schemas"]["Stats"]["properties"]["count"]["type"] = "no-such-type"


def _bad_owner(d: dict[str, Any]) -> None:
    d["components"]["schemas"]["Owner"]["properties"]["age"] = {"type": "no-such-type"}  # beside the reference back to Pet


def test_a_problem_outside_the_selection_fails_the_whole_document_only(tmp_path: Path) -> None:
    broken = doc(_bad_stats)
    assert refused(tmp_path, broken) == ["#/components/schemas/Stats/properties/count/type"]
    assert refused(tmp_path, broken, include_tags=["admin"]) == ["#/components/schemas/Stats/properties/count/type"]
    assert stage_validate(tmp_path, broken, include_tags=["pets"]) == []
    assert stage_validate(tmp_path, broken, exclude_tags=["admin"]) == []
    assert stage_validate(tmp_path, broken, exclude_operations=["getStats"]) == []
    assert refused(tmp_path, broken, exclude_operations=["deletePet"]) == ["#/components/schemas/Stats/properties/count/type"]


def test_the_document_generates_with_the_selection_and_is_refused_without(tmp_path: Path) -> None:
    broken = doc(_bad_stats)
    cfg = config(tmp_path, include_tags=["pets"])
    cfg.spec.write_text(json.dumps(broken), encoding="utf-8")
    result = pipeline.run(cfg)
    assert [(r.attr, [op.name for op in r.operations]) for r in result.api.resources] == [("pets", ["get_pet"])]
    assert not result.warnings
    with pytest.raises(SpecErrors) as info:
        pipeline.run(config(tmp_path))
    assert [(p.where, p.message) for p in info.value.errors] == [("#/components/schemas/Stats/properties/count/type", "'no-such-type' is not valid under any of the given schemas")]


def test_an_unselected_operation_beside_a_selected_one_is_not_validated(tmp_path: Path) -> None:
    broken = doc(lambda d: d["paths"]["/pets/{id}"]["delete"]["responses"]["204"].pop("description"))
    assert refused(tmp_path, broken) == ["#/paths/~1pets~1{id}/delete/responses/204"]
    assert stage_validate(tmp_path, broken, include_operations=["getPet"]) == []
    assert refused(tmp_path, broken, include_operations=["getPet", "deletePet"]) == ["#/paths/~1pets~1{id}/delete/responses/204"]


def test_a_component_reached_through_references_is_validated_with_its_own_pointer(tmp_path: Path) -> None:
    """getPet -> responses/Pet -> schemas/Pet -> schemas/Owner (-> schemas/Pet again: the walk ends)."""
    broken = doc(_bad_owner)
    expected = ["#/components/schemas/Owner/properties/age/type"]
    assert refused(tmp_path, broken, include_tags=["pets"]) == expected
    assert refused(tmp_path, broken) == expected
    assert stage_validate(tmp_path, broken, include_tags=["admin"]) == []  # nothing of admin's reaches Owner


def test_the_path_items_own_fields_stay_with_a_selected_operation(tmp_path: Path) -> None:
    # Without its path item's parameter, getPet's {id} would be unresolved: the part keeps it.
    assert stage_validate(tmp_path, doc(), include_tags=["pets"]) == []
    broken = doc(lambda d: d["paths"]["/pets/{id}"]["parameters"][0].update(required=False))
    assert refused(tmp_path, broken, include_tags=["pets"]) == ["#/paths/~1pets~1{id}/parameters/0/required"]
    assert stage_validate(tmp_path, broken, include_operations=["getStats"]) == []


def test_a_path_item_reference_is_followed_to_its_operations(tmp_path: Path) -> None:
    def cats(d: dict[str, Any]) -> None:
        d["paths"]["/cats"] = {"$ref": "#/components/pathItems/Cats"}
        d["components"]["pathItems"] = {"Cats": {"get": {"operationId": "listCats", "tags": ["cats"], "responses": {"200": {"content": {}}}}}}

    broken = doc(cats)
    assert refused(tmp_path, broken, include_tags=["cats"]) == ["#/components/pathItems/Cats/get/responses/200"]
    assert stage_validate(tmp_path, broken, include_tags=["pets"]) == []


def test_a_reference_elsewhere_in_the_document_is_followed_to_what_it_reaches(tmp_path: Path) -> None:
    """A schema under an extension at the top, and an operation's response reused from another path."""

    def elsewhere(d: dict[str, Any]) -> None:
        d["x-shared"] = {"Tag": {"type": "object", "properties": {"stats": {"$ref": "#/components/schemas/Stats"}}}}
        d["components"]["schemas"]["Pet"]["properties"]["tag"] = {"$ref": "#/x-shared/Tag"}
        d["paths"]["/pets/{id}"]["put"] = {"operationId": "putPet", "tags": ["pets"], "responses": {"200": {"$ref": "#/paths/~1stats/get/responses/200"}}}

    broken = doc(lambda d: (elsewhere(d), _bad_stats(d)))
    assert refused(tmp_path, broken, include_operations=["getPet"]) == ["#/components/schemas/Stats/properties/count/type"]
    assert refused(tmp_path, doc(lambda d: (elsewhere(d), d["paths"]["/stats"]["get"]["responses"]["200"].pop("description"))), include_operations=["putPet"]) == [
        "#/paths/~1stats/get/responses/200"
    ]


def test_the_part_holds_the_documents_own_objects_under_the_same_keys(tmp_path: Path) -> None:
    whole = doc(lambda d: d["components"]["schemas"].update(Unused={"$ref": "#/components/schemas/Unused2"}, Unused2={"type": "string"}))
    part = selected_part(whole, config(tmp_path, include_tags=["pets"]))
    assert list(part) == list(whole)
    assert {k: v for k, v in part.items() if k not in ("paths", "components")} == {k: v for k, v in whole.items() if k not in ("paths", "components")}
    assert part["paths"] == {"/pets/{id}": {"parameters": [ITEM], "get": whole["paths"]["/pets/{id}"]["get"]}}
    assert part["paths"]["/pets/{id}"]["get"] is whole["paths"]["/pets/{id}"]["get"]
    assert {k: sorted(v) for k, v in part["components"].items()} == {"responses": ["Pet"], "schemas": ["Owner", "Pet"], "securitySchemes": ["key"]}
    assert all(part["components"][s][n] is whole["components"][s][n] for s in part["components"] for n in part["components"][s])
    assert selected_part(whole, config(tmp_path)) is whole  # no selection: the whole document


def test_a_reference_to_the_whole_document_keeps_it_whole(tmp_path: Path) -> None:
    whole = doc(lambda d: d["components"]["schemas"]["Pet"]["properties"].update(everything={"$ref": "#"}))
    assert selected_part(whole, config(tmp_path, include_tags=["pets"])) is whole


def test_a_dangling_reference_is_refused_by_the_whole_documents_check_whatever_the_selection(tmp_path: Path) -> None:
    broken = doc(lambda d: d["paths"]["/stats"]["get"]["responses"]["200"]["content"]["application/json"].update(schema={"$ref": "#/components/schemas/Missing"}))
    expected = ["#/paths/~1stats/get/responses/200/content/application~1json/schema/$ref"]
    assert refused(tmp_path, broken, include_tags=["pets"]) == expected
    assert refused(tmp_path, broken) == expected


def test_a_remembered_verdict_is_of_the_part_that_was_validated(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    broken = doc(_bad_owner)
    admin = config(tmp_path, include_tags=["admin"])
    pets = config(tmp_path, include_tags=["pets"])
    assert verdict(broken, "spec.json", raw=json.dumps(broken).encode(), cache=cache, selection=admin).problems == []
    assert len(list(cache.rglob("*"))) == 2  # the folder and the admin part's verdict
    assert len(verdict(broken, "spec.json", raw=json.dumps(broken).encode(), cache=cache, selection=pets).problems) == 1
    assert len(verdict(broken, "spec.json", raw=json.dumps(broken).encode(), cache=cache).problems) == 1
    assert len(list(cache.rglob("*"))) == 2
    assert verdict(doc(), "spec.json", raw=json.dumps(doc()).encode(), cache=cache, selection=pets).problems == []
    assert len(list(cache.rglob("*"))) == 3


def test_a_cycle_of_references_ends_the_walk(tmp_path: Path) -> None:
    """Pure reference cycles (which the load stage refuses) still end: a schema and a path item."""

    def cycles(d: dict[str, Any]) -> None:
        d["components"]["schemas"].update(A={"$ref": "#/components/schemas/B"}, B={"$ref": "#/components/schemas/A"})
        d["components"]["schemas"]["Pet"]["properties"]["a"] = {"$ref": "#/components/schemas/A"}
        d["paths"]["/loop"] = {"$ref": "#/paths/~1loop"}

    whole = doc(cycles)
    part = selected_part(whole, config(tmp_path, include_tags=["pets"]))
    assert sorted(part["components"]["schemas"]) == ["A", "B", "Owner", "Pet"]
    assert list(part["paths"]) == ["/pets/{id}"]
