"""generator.build: spec dicts to IR, without files or subprocesses."""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.build import build_api
from generator.config import Config
from generator.errors import SpecError
from generator.ir import Api, ListOf, LiteralOf, ModelRef, Nullable, Scalar, UnionOf

ROOT = Path(__file__).resolve().parents[2]


def config(**changes: Any) -> Config:
    return Config(root=ROOT, spec=ROOT / "spec.json", output=ROOT / "out", package="client", **changes)


def build(doc: dict[str, Any], pins: dict[str, dict[str, str]] | None = None, **changes: Any) -> Api:
    return build_api(copy.deepcopy(doc), "spec.json", config(**changes), "0" * 64, pins)


ID = [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}]


def op(op_id: str, **extra: Any) -> dict[str, Any]:
    return {"operationId": op_id, "responses": {"200": {"description": "ok"}}, **extra}


def spec(paths: dict[str, Any], schemas: dict[str, Any] | None = None, **top: Any) -> dict[str, Any]:
    doc = {"openapi": "3.1.0", "info": {"title": "T", "version": "1"}, "paths": paths, **top}
    if schemas:
        doc["components"] = {"schemas": schemas}
    return doc


def methods(api: Api) -> dict[str, str]:
    return {f"{r.attr}.{o.name}": o.identity for r in api.resources for o in r.operations}


def test_operation_names_collide_so_both_are_qualified_by_method_and_path() -> None:
    doc = spec({"/subscriptions/{id}/cancel-at-period-end": {"post": op("cancelSubscription", parameters=ID)},
                "/subscriptions/{id}": {"delete": op("cancel_subscription", parameters=ID)}})
    found = methods(build(doc))
    assert found == {
        "default.cancel_subscription_post_subscriptions_id_cancel_at_period_end": "POST /subscriptions/{id}/cancel-at-period-end",
        "default.cancel_subscription_delete_subscriptions_id": "DELETE /subscriptions/{id}",
    }


def test_pinned_method_keeps_its_endpoint_when_a_colliding_operation_arrives_first() -> None:
    v1 = spec({"/subscriptions/{id}/cancel": {"post": op("cancelSubscription", parameters=ID)}})
    first = build(v1)
    assert methods(first) == {"default.cancel_subscription": "POST /subscriptions/{id}/cancel"}
    pins = {ns: dict(table) for ns, table in first.names}
    v2 = spec({"/subscriptions/{id}": {"delete": op("cancel_subscription", parameters=ID)}, **v1["paths"]})
    second = build(v2, pins)
    assert methods(second)["default.cancel_subscription"] == "POST /subscriptions/{id}/cancel"
    assert any("stays bound to POST /subscriptions/{id}/cancel" in w for w in second.warnings)


def test_a_field_keeps_reading_its_wire_name_when_a_colliding_property_is_added() -> None:
    def doc(props: dict[str, Any]) -> dict[str, Any]:
        return spec({"/a": {"get": op("getA", responses={"200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Acct"}}}}})}},
                    {"Acct": {"type": "object", "properties": props}})

    first = build(doc({"user_id": {"type": "string"}}))
    second = build(doc({"user-id": {"type": "integer"}, "user_id": {"type": "string"}}), {ns: dict(t) for ns, t in first.names})
    fields = {f.name: f.wire for f in second.model("Acct").fields}
    assert fields["user_id"] == "user_id"
    assert len(fields) == 2 and set(fields.values()) == {"user_id", "user-id"}


def test_long_names_stay_unique() -> None:
    base = "/repositories/{workspace}/{repo_slug}/pipelines/{pipeline_uuid}/steps/{step_uuid}/test_reports"
    long_id = "getRepositoriesWorkspaceRepoSlugPipelinesPipelineUuidStepsStepUuidTestReports" * 3
    params = [{"name": n, "in": "path", "required": True, "schema": {"type": "string"}} for n in ("workspace", "repo_slug", "pipeline_uuid", "step_uuid")]
    doc = spec({base: {"get": op(long_id, parameters=params)}, base + "/test_cases": {"get": op(long_id + "TestCases", parameters=params)}})
    api = build(doc)
    names = [o.name for o in api.operations]
    consts = [o.const for o in api.operations]
    assert len(set(names)) == 2 and len(set(consts)) == 2
    assert all(len(n) <= 80 for n in names)


def test_fields_named_like_names_the_class_body_evaluates_are_renamed() -> None:
    props = {name: {"type": "string"} for name in ("classmethod", "dict", "dataclasses", "str", "list", "from_dict", "type", "id")}
    doc = spec({"/a": {"get": op("getA", responses={"200": {"description": "ok", "content": {"application/json": {"schema": {"type": "object", "properties": props}}}}})}})
    fields = {f.wire: f.name for f in build(doc).models[0].fields}
    for reserved in ("classmethod", "dict", "dataclasses", "str", "list", "from_dict"):
        assert fields[reserved] != reserved
    assert fields["type"] == "type" and fields["id"] == "id"


def test_types() -> None:
    schema = {"type": "object", "properties": {
        "a": {"type": ["string", "null"]}, "b": {"type": "array", "items": {"type": "integer"}},
        "c": {"enum": ["x", "y", None]}, "d": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
        "e": {"type": "string", "format": "date-time"}}, "required": ["a"]}
    doc = spec({"/a": {"get": op("getA", responses={"200": {"description": "ok", "content": {"application/json": {"schema": schema}}}})}})
    model = build(doc).models[0]
    types = {f.wire: f.type for f in model.fields}
    assert types == {"a": Nullable(Scalar("str")), "b": ListOf(Scalar("int")), "c": Nullable(LiteralOf(("x", "y"))),
                     "d": UnionOf((Scalar("str"), Scalar("int"))), "e": Scalar("datetime")}
    assert [f.required for f in model.fields] == [True, False, False, False, False]


def test_enum_values_that_break_their_type() -> None:
    def doc(values: list[Any], kind: str) -> dict[str, Any]:
        return spec({"/a": {"get": op("getA", parameters=[{"name": "k", "in": "query", "schema": {"type": kind, "enum": values}}])}})

    converted = build(doc(["1", 2], "integer"))
    assert converted.operations[0].params[0].type == LiteralOf((1, 2))
    assert any("'1' is not a integer; read as 1" in w for w in converted.warnings)
    dropped = build(doc(["CAMPAIGN", 1, 2], "number"))
    assert dropped.operations[0].params[0].type == LiteralOf((1, 2))
    with pytest.raises(SpecError, match="--lenient would type the enum by its values"):
        build(doc(["a", "b"], "integer"))
    assert build(doc(["a", "b"], "integer"), lenient=True).operations[0].params[0].type == LiteralOf(("a", "b"))


def test_defaults_that_break_their_schema_are_converted_or_dropped() -> None:
    props = {"flag": {"type": "boolean", "default": "false"}, "n": {"type": "integer", "default": "30"}, "big": {"type": "integer", "format": "int64", "default": 9223372036854776000}}
    doc = spec({"/a": {"get": op("getA", responses={"200": {"description": "ok", "content": {"application/json": {"schema": {"type": "object", "properties": props}}}}})}})
    api = build(doc)
    defaults = {f.wire: (f.has_default, f.default) for f in api.models[0].fields}
    assert defaults == {"flag": (True, False), "n": (True, 30), "big": (False, None)}
    assert sum("default" in w for w in api.warnings) == 3


def test_tag_selection_builds_only_what_it_reaches() -> None:
    doc = spec({"/a": {"get": op("getA", tags=["A"], responses={"200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Ma"}}}}})},
                "/b": {"get": op("getB", tags=["B"], responses={"200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Mb"}}}}})}},
               {"Ma": {"type": "object", "properties": {"x": {"type": "string"}}}, "Mb": {"type": "object", "properties": {"y": {"type": "string"}}}})
    api = build(doc, include_tags=("B",))
    assert methods(api) == {"b.get_b": "GET /b"} and [m.name for m in api.models] == ["Mb"]


def test_typed_errors_and_success_union() -> None:
    body = {"type": "object", "properties": {"message": {"type": "string"}}}
    responses = {"200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/M"}}}},
                 "201": {"description": "made", "content": {"text/plain": {"schema": {"type": "string"}}}},
                 "429": {"description": "slow down", "content": {"application/json": {"schema": body}}},
                 "404": {"description": "gone", "content": {"application/json": {"schema": body}}}}
    api = build(spec({"/a": {"post": op("postA", responses=responses)}}, {"M": {"type": "object", "properties": {"x": {"type": "string"}}}}))
    operation = api.operations[0]
    assert operation.returns == UnionOf((ModelRef("M"), Scalar("str")))
    errors = {e.key: (e.name, e.base) for e in api.errors}
    assert errors == {"429": ("TooManyRequestsError", "RateLimitError"), "404": ("NotFoundResponseError", "NotFoundError")}


SIX = ["a", "b", "c", "d", "e", "f"]


def test_enums_are_named_when_they_are_a_component_or_have_six_members() -> None:
    schemas = {
        "Color": {"type": "string", "enum": ["red", "green"], "description": "A colour."},
        "Pet": {"type": "object", "properties": {
            "color": {"$ref": "#/components/schemas/Color"},
            "tags": {"type": "array", "items": {"type": "string", "enum": SIX}},
            "size": {"type": ["string", "null"], "enum": [*SIX[:5], None]},
            "grade": {"type": ["string", "null"], "enum": [*SIX, None]},
        }},
    }
    query = [{"name": "letter", "in": "query", "schema": {"type": "string", "enum": SIX}}]
    doc = spec({"/pets": {"get": op("listPets", parameters=query, responses={"200": {"description": "ok", "content": {
        "application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}}}})}}, schemas)
    api = build(doc)
    enums = {e.name: (e.identity, e.values, e.doc) for e in api.enums}
    # The three six-member uses share one alias, named from the use whose identity sorts first.
    assert enums == {
        "Color": ("#/components/schemas/Color", ("red", "green"), "A colour."),
        "PetGrade": ("#/components/schemas/Pet/properties/grade", tuple(SIX), ""),
    }
    types = {f.wire: f.type for f in api.model("Pet").fields}
    color = types["color"]
    assert color == LiteralOf(("red", "green")) and isinstance(color, LiteralOf) and color.name == "Color"
    tags = types["tags"]
    assert isinstance(tags, ListOf) and isinstance(tags.item, LiteralOf) and (tags.item.name, tags.item.module) == ("PetGrade", "pet_grade")
    size = types["size"]
    assert isinstance(size, Nullable) and isinstance(size.inner, LiteralOf) and size.inner.name == ""  # five members: written out
    grade = types["grade"]
    assert isinstance(grade, Nullable) and isinstance(grade.inner, LiteralOf) and grade.inner.name == "PetGrade"
    (param,) = api.operations[0].params
    assert isinstance(param.type, LiteralOf) and param.type.name == "PetGrade"
    assert dict(dict(api.names)["classes"])["PetGrade"] == "#/components/schemas/Pet/properties/grade"
    assert dict(dict(api.names)["model modules"])["pet_grade"] == "#/components/schemas/Pet/properties/grade"


def test_a_pinned_enum_name_stays_with_its_enum() -> None:
    def doc(*props: str) -> dict[str, Any]:
        schema = {"type": "object", "properties": {p: {"type": "string", "enum": SIX if p == "kind" else [*SIX, p]} for p in props}}
        return spec({"/a": {"get": op("getA", responses={"200": {"description": "ok", "content": {"application/json": {"schema": schema}}}})}})

    first = build(doc("kind"))
    assert [e.name for e in first.enums] == ["GetAResponseKind"]
    pins = {ns: dict(table) for ns, table in first.names}
    # Another enum arrives whose candidate collides (a property spelled differently): the pinned one keeps its name.
    second = build(doc("kind", "Kind"), pins)
    named = {e.identity: e.name for e in second.enums}
    assert named["GET /a response 200/properties/kind"] == "GetAResponseKind"
    assert len(set(named.values())) == 2


def _shuffled(doc: dict[str, Any], rnd: random.Random) -> dict[str, Any]:
    """The same document with paths, methods, parameters, properties and schemas in another order."""
    def mix(mapping: dict[str, Any]) -> dict[str, Any]:
        keys = list(mapping)
        rnd.shuffle(keys)
        return {k: mapping[k] for k in keys}

    def walk(node: Any, key: str = "") -> Any:
        if isinstance(node, dict):
            out = {k: walk(v, k) for k, v in node.items()}
            return mix(out) if key in ("paths", "properties", "schemas", "responses", "") or set(out) <= {"get", "put", "post", "delete", "patch", "parameters"} else out
        if isinstance(node, list):
            items = [walk(v) for v in node]
            if key == "parameters":
                rnd.shuffle(items)
            return items
        return node

    return walk(doc)


_TELEGRAM = ROOT / "tests" / "corpus" / "specs" / "real_telegram_bot_api.json"
_SMALL = [ROOT / "tests" / "specs" / name for name in ("names.yaml", "discriminator.yaml", "objects.yaml", "all_of.yaml", "responses.yaml", "enums.yaml")]


def _load(path: Path) -> dict[str, Any]:
    text = path.read_text(encoding="utf-8-sig")
    return json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)


def _bindings(api: Api) -> dict[str, Any]:
    """Every name and what it binds to (not the order of definitions)."""
    return {"names": dict(api.names), "methods": methods(api), "fields": {m.name: sorted((f.name, f.wire) for f in m.fields) for m in api.models},
            "enums": sorted((e.name, e.identity, e.values) for e in api.enums)}


@pytest.mark.parametrize("path", [*_SMALL, _TELEGRAM], ids=lambda p: p.name)
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.randoms(use_true_random=False))
def test_shuffling_the_spec_changes_no_name(path: Path, rnd: random.Random) -> None:
    doc = _load(path)
    assert _bindings(build(_shuffled(doc, rnd))) == _bindings(build(doc))


def test_path_parameters_and_the_path_template_must_agree() -> None:
    """An undeclared {placeholder} becomes a required string; a declared path parameter the
    template lacks is dropped (it has nowhere to go: the client would refuse it at import);
    both only under --lenient, each with a warning naming the operation."""
    foo = [{"name": "foo", "in": "path", "required": True, "schema": {"type": "string"}}]
    doc = spec({"/v{version}/things": {"get": op("listThings", parameters=foo)}})
    with pytest.raises(SpecError, match=r"path parameter 'foo' is not in the path|path parameter \{version\} is not declared"):
        build(doc)
    api = build(doc, lenient=True)
    (operation,) = api.operations
    assert [(p.name, p.wire, p.location, p.required) for p in operation.params] == [("version", "version", "path", True)]
    assert any("/paths/~1v{version}~1things/get: path parameter 'foo' is not in the path (dropped" in w for w in api.warnings), api.warnings
    assert any("path parameter {version} is not declared (taken as a required string)" in w for w in api.warnings), api.warnings
