"""``diff OLD NEW``: on the real history of the Instantly spec, and on small specs, through the CLI.

Every change is named as callers see it (``client.<resource>.<method>``, ``Model.field``,
error classes) and classified as breaking or not. Each test of the real history re-checks
the raw fact in the documents before trusting the report.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.cli.support import Run, cli, one_error, repo_table, save_json, snapshot
from tests.conftest import CORPUS, ROOT

OLD = CORPUS.parent / "history" / "api_v2_2025-12-14.json"
MID = CORPUS.parent / "history" / "api_v2_2026-04-01.json"
NEW = CORPUS / "specs" / "real_instantly_api_v2_2026-06-11.json"


def raw(path: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(path.read_text(encoding="utf-8-sig"))
    return doc


def report_of(done: Run) -> dict[str, Any]:
    assert done.returncode in (0, 1) and "Traceback" not in done.stderr, done.stderr
    report: dict[str, Any] = json.loads(done.stdout)
    return report


def by_kind(report: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {c["where"]: c for c in report["changes"] if c["kind"] == kind}


@pytest.fixture(scope="module")
def first(tmp_path_factory: pytest.TempPathFactory, generator_cache: Path) -> dict[str, Any]:
    """2025-12-14 -> 2026-04-01, every operation (no config in the folder)."""
    return report_of(cli("diff", str(OLD), str(MID), "--format", "json", cwd=tmp_path_factory.mktemp("first"), cache=generator_cache))


@pytest.fixture(scope="module")
def second(tmp_path_factory: pytest.TempPathFactory, generator_cache: Path) -> dict[str, Any]:
    """2026-04-01 -> 2026-06-11."""
    return report_of(cli("diff", str(MID), str(NEW), "--format", "json", cwd=tmp_path_factory.mktemp("second"), cache=generator_cache))


# ---------------------------------------------------------------- the real history


def test_december_to_april_adds_operations(first: dict[str, Any]) -> None:
    old_paths, new_paths = raw(OLD)["paths"], raw(MID)["paths"]
    for path, method in (("/api/v2/accounts/move", "post"), ("/api/v2/oauth/google/init", "post"), ("/api/v2/webhooks/{id}/resume", "post")):
        assert path not in old_paths and method in new_paths[path]
    added = by_kind(first, "operation-added")
    assert added["client.account.move_accounts"]["message"] == "method added (POST /api/v2/accounts/move)"
    assert added["client.oauth.init_google_oauth"]["message"] == "method added (POST /api/v2/oauth/google/init)"
    assert added["client.webhook.resume_webhook"]["message"] == "method added (POST /api/v2/webhooks/{id}/resume)"
    assert len(added) == 16 == first["new"]["operations"] - first["old"]["operations"]
    assert not by_kind(first, "operation-removed") and not by_kind(first, "operation-rebound")
    assert all(not c["breaking"] and c["bump"] == "minor" for c in added.values())


def test_december_to_april_breaking_changes(first: dict[str, Any]) -> None:
    body = raw(MID)["paths"]["/api/v2/supersearch-enrichment/ai"]["post"]["requestBody"]["content"]["application/json"]["schema"]["properties"]
    old_body = raw(OLD)["paths"]["/api/v2/supersearch-enrichment/ai"]["post"]["requestBody"]["content"]["application/json"]["schema"]["properties"]
    assert "grok-2" in old_body["model_version"]["enum"] and "grok-2" not in body["model_version"]["enum"]
    breaking = {c["where"]: c for c in first["changes"] if c["breaking"]}
    assert breaking["CreateAIEnrichmentBody.model_version"]["message"] == "enum values added: 'gemini-3.0-flash'; values removed: 'grok-2', 'gemini-1.5-flash'"
    assert breaking["client.campaign.list_campaign(ai_sdr_id=)"]["kind"] == "parameter-removed"
    assert "client.campaign.list_campaign(ai_sales_agent_id=)" in by_kind(first, "parameter-added")
    assert breaking["EnrichLeadsFromSupersearchBody.resource_type"]["kind"] == "field-removed"
    # A request body field that is no longer nullable accepts less: breaking.
    assert breaking["CreateCampaignBody.open_tracking"]["message"] == "bool | None -> bool"
    # A field whose Python name now reads another wire name: the rebinding is reported.
    assert breaking["EnrichLeadsFromSupersearchBodySearchFilters.employee_count"] == {
        "kind": "field-rebound", "where": "EnrichLeadsFromSupersearchBodySearchFilters.employee_count", "breaking": True, "bump": "major",
        "message": "now reads the wire field 'employeeCount' instead of 'employee_count'",
    }
    assert first["summary"] == {"breaking": len(breaking), "non_breaking": len(first["changes"]) - len(breaking), "suggested_bump": "major"}


def test_december_to_april_error_classes(first: dict[str, Any]) -> None:
    assert "402" not in raw(OLD)["paths"]["/api/v2/accounts"]["post"]["responses"]
    assert "402" in raw(MID)["paths"]["/api/v2/accounts"]["post"]["responses"]
    assert by_kind(first, "error-added")["PaymentRequiredError"]["bump"] == "minor"


def test_april_to_june_removes_an_operation_and_rebinds_another(second: dict[str, Any]) -> None:
    assert "/api/v2/workspace-billing/plan-details" in raw(MID)["paths"] and "/api/v2/workspace-billing/plan-details" not in raw(NEW)["paths"]
    assert list(by_kind(second, "operation-removed")) == ["client.workspace_billing.get_workspace_plan_details"]
    # Same operationId, the path now with a trailing slash: the method calls another URL.
    assert "/api/v2/supersearch-enrichment/" in raw(NEW)["paths"] and "/api/v2/supersearch-enrichment" not in raw(NEW)["paths"]
    rebound = by_kind(second, "operation-rebound")["client.super_search_enrichment.create_super_search_enrichment"]
    assert rebound["breaking"] and rebound["message"] == "now calls POST /api/v2/supersearch-enrichment/ instead of POST /api/v2/supersearch-enrichment"
    assert "client.super_search_enrichment.signal_keywords_facet" in by_kind(second, "operation-added")
    assert "CreateAIEnrichmentBody.show_state" in by_kind(second, "field-removed")
    assert second["summary"]["suggested_bump"] == "major"


def test_markdown_report_is_deterministic_and_fail_on_breaking_exits_1(tmp_path: Path, run: Callable[..., Run]) -> None:
    runs = [run("diff", str(MID), str(NEW), "--fail-on-breaking", cwd=tmp_path) for _ in range(2)]
    assert runs[0].stdout == runs[1].stdout
    assert [r.returncode for r in runs] == [1, 1]
    assert runs[0].stderr == "error: 18 breaking change(s) for callers (suggested bump: major)\n"
    text = runs[0].stdout
    assert text.startswith("**API changes for callers**: ")
    assert "Suggested version bump: **major** (18 breaking, 70 other)." in text
    assert "\nBreaking:\n" in text and "\nOther:\n" in text
    assert "- `client.workspace_billing.get_workspace_plan_details`: method removed (GET /api/v2/workspace-billing/plan-details) (operation-removed)" in text
    plain = run("diff", str(MID), str(NEW), cwd=tmp_path)
    assert (plain.returncode, plain.stdout, plain.stderr) == (0, text, "")  # without the flag, only the report
    assert list(tmp_path.iterdir()) == []


def test_the_configs_selection_applies(tmp_path: Path, run: Callable[..., Run]) -> None:
    """With this repository's config (the OAuth tag), only the OAuth operations count: April to
    June changes nothing for callers, though 18 changes elsewhere are breaking."""
    (tmp_path / "pyproject.toml").write_text(repo_table(), encoding="utf-8")
    done = run("diff", str(MID), str(NEW), "--fail-on-breaking", "--format", "json", cwd=tmp_path)
    report = report_of(done)
    assert done.returncode == 0
    assert report["old"]["operations"] == report["new"]["operations"] == 3
    assert [c for c in report["changes"] if c["breaking"]] == []
    assert [c for c in report["changes"] if c["where"].startswith("client.") and not c["where"].startswith("client.oauth.")] == []
    december = report_of(run("diff", str(OLD), str(MID), "--format", "json", cwd=tmp_path))  # no OAuth tag in December
    assert (december["old"]["operations"], december["new"]["operations"]) == (0, 3)
    assert sorted(by_kind(december, "operation-added")) == ["client.oauth.get_oauth_session_status", "client.oauth.init_google_oauth", "client.oauth.init_microsoft_oauth"]
    other = report_of(run("diff", str(OLD), str(MID), "--format", "json", "--config", str(tmp_path / "pyproject.toml"), cwd=ROOT / "tests"))
    assert other["changes"] == december["changes"]  # --config FILE from another folder: the same selection


# ---------------------------------------------------------------- small specs: the rules


def small() -> dict[str, Any]:
    """A request body model (NewPet) and a response model (Pet)."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "Pets", "version": "1.0.0"},
        "servers": [{"url": "https://pets.example/v1"}],
        "paths": {
            "/pets": {
                "post": {
                    "operationId": "createPet",
                    "tags": ["Pet"],
                    "parameters": [{"name": "dryRun", "in": "query", "schema": {"type": "boolean"}}],
                    "requestBody": {"required": True, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NewPet"}}}},
                    "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}}}},
                },
                "get": {
                    "operationId": "listPets",
                    "tags": ["Pet"],
                    "parameters": [{"name": "kind", "in": "query", "schema": {"type": "string", "enum": ["cat", "dog"]}}],
                    "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/Pet"}}}}}},
                },
            }
        },
        "components": {
            "schemas": {
                "NewPet": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}, "tag": {"type": "string"}}},
                "Pet": {"type": "object", "required": ["id", "name"], "properties": {"id": {"type": "integer"}, "name": {"type": "string"}, "tag": {"type": "string"}}},
            }
        },
    }


def diff(run: Callable[..., Run], folder: Path, old: dict[str, Any], new: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    save_json(folder / "a.json", old)
    save_json(folder / "b.json", new)
    done = run("diff", "a.json", "b.json", "--format", "json", "--fail-on-breaking", cwd=folder)
    report = report_of(done)
    breaking = report["summary"]["breaking"]
    assert done.stderr == (f"error: {breaking} breaking change(s) for callers (suggested bump: major)\n" if breaking else ""), done.stderr
    return done.returncode, report


def changes(report: dict[str, Any]) -> set[tuple[str, str, str, bool]]:
    return {(c["kind"], c["where"], c["message"], c["breaking"]) for c in report["changes"]}


def test_identical_specs_have_no_changes(tmp_path: Path, run: Callable[..., Run]) -> None:
    save_json(tmp_path / "a.json", small())
    done = run("diff", "a.json", "a.json", "--fail-on-breaking", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "No changes for callers of the generated client." in done.stdout
    assert "Suggested version bump: **none** (0 breaking, 0 other)." in done.stdout


def test_inputs_and_outputs_are_judged_differently(tmp_path: Path, run: Callable[..., Run]) -> None:
    new = small()
    schemas = new["components"]["schemas"]
    schemas["NewPet"]["required"] = ["name", "tag"]  # callers must now send tag: breaking
    schemas["Pet"]["required"] = ["id"]  # name may now be missing from responses: breaking
    schemas["Pet"]["properties"]["age"] = {"type": "integer"}  # a new optional output field
    schemas["NewPet"]["properties"]["age"] = {"type": "integer"}  # a new optional input field
    new["paths"]["/pets"]["get"]["parameters"][0]["schema"]["enum"] = ["cat", "dog", "bird"]  # accepts more
    status, report = diff(run, tmp_path, small(), new)
    assert status == 1
    assert changes(report) == {
        ("field-required-changed", "NewPet.tag", "now required", True),
        ("field-required-changed", "Pet.name", "now optional", True),
        ("field-added", "NewPet.age", "field added", False),
        ("field-added", "Pet.age", "field added", False),
        ("parameter-type-changed", "client.pet.list_pets(kind=)", "enum values added: 'bird'", False),
    }
    assert report["summary"] == {"breaking": 2, "non_breaking": 3, "suggested_bump": "major"}


def test_removals_renames_and_narrower_inputs_are_breaking(tmp_path: Path, run: Callable[..., Run]) -> None:
    old = small()
    old["paths"]["/pets/{id}"] = {"delete": {"operationId": "deletePet", "tags": ["Pet"], "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}], "responses": {"204": {"description": "gone"}}}}
    new = copy.deepcopy(old)
    del new["paths"]["/pets/{id}"]
    new["paths"]["/pets"]["post"]["parameters"][0]["name"] = "dry_run_mode"
    new["paths"]["/pets"]["get"]["parameters"].append({"name": "owner", "in": "query", "required": True, "schema": {"type": "string"}})
    new["paths"]["/pets"]["get"]["parameters"][0]["schema"]["enum"] = ["cat"]
    status, report = diff(run, tmp_path, old, new)
    assert status == 1
    assert changes(report) == {
        ("operation-removed", "client.pet.delete_pet", "method removed (DELETE /pets/{id})", True),
        ("parameter-removed", "client.pet.create_pet(dry_run=)", "parameter removed or renamed", True),
        ("parameter-added", "client.pet.create_pet(dry_run_mode=)", "optional parameter added", False),
        ("parameter-added", "client.pet.list_pets(owner=)", "required parameter added", True),
        ("parameter-type-changed", "client.pet.list_pets(kind=)", "enum values removed: 'dog'", True),
    }


def test_named_enums_are_compared_by_their_values_and_their_names(tmp_path: Path, run: Callable[..., Run]) -> None:
    """A named enum (six members: a ``Literal`` alias) is judged by its values where it is used;
    the alias itself is a name callers import: removing it is breaking, adding one is not."""
    six = ["cat", "dog", "bird", "fish", "frog", "hamster"]
    old = small()
    old["paths"]["/pets"]["get"]["parameters"][0]["schema"]["enum"] = six
    old["components"]["schemas"]["Pet"]["properties"]["tag"] = {"type": "string", "enum": ["a", "b", "c", "d", "e", "f"]}
    new = copy.deepcopy(old)
    new["paths"]["/pets"]["get"]["parameters"][0]["schema"]["enum"] = six[:5]  # five: written out, and one value fewer
    new["components"]["schemas"]["Pet"]["properties"]["tag"]["enum"].append("g")  # an output: more values is fine
    new["components"]["schemas"]["NewPet"]["properties"]["tag"] = {"type": "string", "enum": ["a", "b", "c", "d", "e", "f"]}
    status, report = diff(run, tmp_path, old, new)
    assert status == 1
    assert changes(report) == {
        ("parameter-type-changed", "client.pet.list_pets(kind=)", "enum values removed: 'hamster'", True),
        ("enum-removed", "ListPetsKind", "enum type removed", True),
        ("field-type-changed", "Pet.tag", "enum values added: 'g'", False),
        ("field-type-changed", "NewPet.tag", "str -> NewPetTag", True),  # callers' strings may not be members
        ("enum-added", "NewPetTag", "enum type added", False),
    }


def test_additions_are_minor_and_pass_fail_on_breaking(tmp_path: Path, run: Callable[..., Run]) -> None:
    new = small()
    missing = {"description": "missing", "content": {"application/json": {"schema": {"type": "object", "properties": {"message": {"type": "string"}}}}}}
    ok = {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}}}
    new["paths"]["/pets/{id}"] = {"get": {"operationId": "getPet", "tags": ["Pet"], "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}], "responses": {"200": ok, "404": missing}}}
    status, report = diff(run, tmp_path, small(), new)
    assert status == 0
    assert {(c["kind"], c["where"], c["bump"]) for c in report["changes"]} == {
        ("operation-added", "client.pet.get_pet", "minor"),
        ("model-added", "NotFoundErrorBody", "minor"),
        ("error-added", "NotFoundResponseError", "minor"),
    }
    assert report["summary"]["suggested_bump"] == "minor"


@pytest.mark.parametrize(
    ("url", "what"),
    [("https://evil.example/v1", "host"), ("http://pets.example/v1", "scheme"), ("https://pets.example:8443/v1", "port"), ("https://pets.example/v2", "base path")],
)
def test_a_server_url_change_is_breaking(url: str, what: str, tmp_path: Path, run: Callable[..., Run]) -> None:
    new = small()
    new["servers"] = [{"url": url}]
    status, report = diff(run, tmp_path, small(), new)
    assert status == 1
    assert changes(report) == {("server-changed", "Client base URL", f"{what} changed: 'https://pets.example/v1' -> {url!r} (security: the API key is sent to the new server)", True)}


@pytest.mark.parametrize("url", ["https://pets.example/v1/", "https://PETS.example/v1", "https://pets.example:443/v1"])
def test_the_same_server_spelled_otherwise_is_no_change(url: str, tmp_path: Path, run: Callable[..., Run]) -> None:
    new = small()
    new["servers"] = [{"url": url}]
    status, report = diff(run, tmp_path, small(), new)
    assert (status, report["changes"]) == (0, [])


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.json", None, "missing.json: no such file"),
        ("broken.json", '{"openapi": ', "broken.json: invalid JSON at line 1"),
        ("swagger.json", '{"swagger": "2.0", "info": {}, "paths": {}}', "swagger.json#/swagger: Swagger '2.0' is not supported"),
        ("dup.json", '{"openapi": "3.1.0", "info": {"title": "a", "version": "1"}, "paths": {"/a": {}, "/a": {}}}', "dup.json#/paths: duplicate key '/a'"),
    ],
)
def test_bad_input_exits_2_with_one_line(name: str, content: str | None, message: str, tmp_path: Path, run: Callable[..., Run]) -> None:
    save_json(tmp_path / "good.json", small())
    if content is not None:
        (tmp_path / name).write_text(content, encoding="utf-8")
    before = snapshot(tmp_path)
    for args in (("good.json", name), (name, "good.json")):
        done = run("diff", *args, cwd=tmp_path)
        assert done.stdout == ""
        assert one_error(done).startswith(message), done.stderr
    assert snapshot(tmp_path) == before
