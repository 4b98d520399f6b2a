"""``python -m generator diff``: on the real history of the Instantly spec, and on small specs.

The history files are read from the test corpus (``conftest.CORPUS``), never
copied. The changes asserted here were found by reading the raw files, and each
test re-checks the raw fact before trusting the report.
"""

from __future__ import annotations

import ast
import copy
import json
import os
import shlex
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import CORPUS, PYTHON, ROOT, SPEC, run_cli

OLD = CORPUS / "instantly-history" / "api_v2_2025-12-14.json"
MID = CORPUS / "instantly-history" / "api_v2_2026-04-01.json"
NEW = CORPUS / "specs" / "real_instantly_api_v2_2026-06-11.json"

def raw(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8-sig"))


def diff_json(old: Path, new: Path, cwd: Path, *extra: str) -> dict[str, Any]:
    result = run_cli("diff", str(old), str(new), "--format", "json", *extra, cwd=cwd)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def changes(report: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    """The changes of one kind, by where + message (unique)."""
    return {f"{c['where']} | {c['message']}": c for c in report["changes"] if c["kind"] == kind}


def wheres(report: dict[str, Any], kind: str) -> set[str]:
    return {c["where"] for c in report["changes"] if c["kind"] == kind}


@pytest.fixture(scope="module")
def first(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """2025-12-14 → 2026-04-01, with the default configuration."""
    return diff_json(OLD, MID, tmp_path_factory.mktemp("diff-first"))


@pytest.fixture(scope="module")
def second(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """2026-04-01 → 2026-06-11."""
    return diff_json(MID, NEW, tmp_path_factory.mktemp("diff-second"))


# ---------------------------------------------------------------- the real history


def test_operations_added_between_december_and_april(first: dict[str, Any]) -> None:
    old_paths, new_paths = raw(OLD)["paths"], raw(MID)["paths"]
    for path, method in (("/api/v2/accounts/move", "post"), ("/api/v2/oauth/google/init", "post"), ("/api/v2/webhooks/{id}/resume", "post"), ("/api/v2/workspace-billing/subscription-details", "get")):
        assert path not in old_paths and method in new_paths[path]
    added = changes(first, "operation-added")
    assert "client.account.move_accounts | operation added (POST /api/v2/accounts/move)" in added
    assert "client.oauth.init_google_oauth | operation added (POST /api/v2/oauth/google/init)" in added
    assert "client.webhook.resume_webhook | operation added (POST /api/v2/webhooks/{id}/resume)" in added
    assert "client.workspace_billing.get_workspace_subscription_details | operation added (GET /api/v2/workspace-billing/subscription-details)" in added
    assert len(added) == 16
    assert not changes(first, "operation-removed")
    assert wheres(first, "resource-added") == {"client.oauth"}
    assert all(not c["breaking"] and c["bump"] == "minor" for c in added.values())


def test_fields_and_enum_values_added_between_december_and_april(first: dict[str, Any]) -> None:
    old_schemas = {s.get("title"): s for s in raw(OLD)["components"]["schemas"].values()}
    new_schemas = {s.get("title"): s for s in raw(MID)["components"]["schemas"].values()}
    assert "headers" not in old_schemas["Webhook"]["properties"] and "headers" in new_schemas["Webhook"]["properties"]
    assert "signature" not in old_schemas["Account"]["properties"] and "signature" in new_schemas["Account"]["properties"]
    fields = changes(first, "field-added")
    assert "models.Webhook.headers | optional field added: `dict[str, str] | None`" in fields
    assert "models.Account.signature | optional field added: `str | None`" in fields
    enums = changes(first, "field-enum-values-added")
    assert enums['models.Webhook.event_type | enum values added: "lead_no_show"']["values"] == ["lead_no_show"]
    assert enums['models.APIKey.scopes | enum values added: "auth:all", "auth:create", "auth:read", "auth:update", "auth:delete"']["bump"] == "minor"
    params = changes(first, "parameter-enum-values-added")
    assert params["client.account.list_account | parameter `provider_code`: enum values added: 8"]["parameter"] == "provider_code"


def test_breaking_changes_between_december_and_april(first: dict[str, Any]) -> None:
    old_enum = raw(OLD)["paths"]["/api/v2/supersearch-enrichment/ai"]["post"]["requestBody"]["content"]["application/json"]["schema"]["properties"]["model_version"]["enum"]
    new_enum = raw(MID)["paths"]["/api/v2/supersearch-enrichment/ai"]["post"]["requestBody"]["content"]["application/json"]["schema"]["properties"]["model_version"]["enum"]
    assert "grok-2" in old_enum and "grok-2" not in new_enum
    breaking = {f"{c['where']} | {c['message']}" for c in first["changes"] if c["breaking"]}
    assert 'models.CreateAIEnrichmentBody.model_version | enum values removed: "grok-2", "gemini-1.5-flash"' in breaking
    assert 'client.campaign.list_campaign | parameter `ai_sdr_id` renamed to `ai_sales_agent_id` (sent as "ai_sales_agent_id", was "ai_sdr_id")' in breaking
    assert "models.EnrichLeadsFromSupersearchBody.resource_type | field removed (wire name \"resource_type\")" in breaking
    # A request body field that became non-nullable: narrowed input, breaking; the same change on the response model is not.
    assert "models.CreateCampaignBody.open_tracking | type narrowed from `bool | None` to `bool`" in breaking
    narrowed_output = changes(first, "field-type-changed")["models.Campaign.open_tracking | type narrowed from `bool | None` to `bool`"]
    assert narrowed_output["breaking"] is False
    assert first["summary"]["suggested_bump"] == "major"
    assert first["summary"]["breaking"] == len(breaking)


def test_error_responses_added_between_december_and_april(first: dict[str, Any]) -> None:
    assert "402" not in raw(OLD)["paths"]["/api/v2/accounts"]["post"]["responses"]
    assert "402" in raw(MID)["paths"]["/api/v2/accounts"]["post"]["responses"]
    responses = changes(first, "response-added")
    assert responses["client.account.create_account | error response 402 added: raises `PaymentRequiredError`"]["status"] == "402"
    assert "errors.PaymentRequiredError" in wheres(first, "error-added")


def test_april_to_june_removes_an_operation_and_moves_another(second: dict[str, Any]) -> None:
    assert "/api/v2/workspace-billing/plan-details" in raw(MID)["paths"] and "/api/v2/workspace-billing/plan-details" not in raw(NEW)["paths"]
    removed = changes(second, "operation-removed")
    assert list(removed) == ["client.workspace_billing.get_workspace_plan_details | operation removed (GET /api/v2/workspace-billing/plan-details)"]
    assert all(c["breaking"] for c in removed.values())
    assert "client.super_search_enrichment.signal_keywords_facet" in wheres(second, "operation-added")
    # Same operationId, path now with a trailing slash: the Python method is unchanged.
    moved = changes(second, "operation-endpoint-changed")
    assert moved["client.super_search_enrichment.create_super_search_enrichment | now calls POST /api/v2/supersearch-enrichment/ (was POST /api/v2/supersearch-enrichment)"]["bump"] == "patch"
    enums = changes(second, "field-enum-values-added")
    assert enums['models.BackgroundJob.status | enum values added: "draining", "paused", "cancelled"']["values"] == ["draining", "paused", "cancelled"]
    assert "models.CreateAIEnrichmentBody.show_state" in wheres(second, "field-removed")
    assert second["summary"]["suggested_bump"] == "major"


def test_markdown_report_is_deterministic_and_fail_on_breaking_exits_1(tmp_path: Path) -> None:
    runs = [run_cli("diff", str(MID), str(NEW), "--fail-on-breaking", cwd=tmp_path) for _ in range(2)]
    assert runs[0].stdout == runs[1].stdout
    assert runs[0].returncode == 1
    assert runs[0].stderr.strip().splitlines()[-1].startswith("error: ") and "breaking changes (suggested bump: major)" in runs[0].stderr
    text = runs[0].stdout
    assert text.startswith("# API changes: ")
    assert "- suggested version bump: **major**" in text
    assert "## Breaking changes" in text and "## Non-breaking changes" in text
    assert "- `client.workspace_billing.get_workspace_plan_details`: operation removed (GET /api/v2/workspace-billing/plan-details)" in text


# ---------------------------------------------------------------- the report agrees with the generated packages

SURFACE = r"""
import dataclasses, functools, inspect, json
from instantly_client import Client, errors, models
client = Client(api_key="test")
out = {"methods": {}, "models": {}, "errors": sorted(errors.__all__)}
for attr, value in vars(Client).items():
    if isinstance(value, functools.cached_property):
        resource = getattr(client, attr)
        for name, fn in vars(type(resource)).items():
            if callable(fn) and not name.startswith("_") and not name.endswith("_raw"):
                params = [p for p in inspect.signature(fn).parameters if p != "self"]
                out["methods"][f"client.{attr}.{name}"] = params
for name in models.__all__:
    cls = getattr(models, name)
    out["models"][f"models.{name}"] = {f.name: str(f.type) for f in dataclasses.fields(cls)}
print(json.dumps(out))
"""


def literal_values(annotation: str) -> list[Any]:
    """Every value inside the ``Literal[...]`` parts of an annotation string."""
    values: list[Any] = []
    for node in ast.walk(ast.parse(annotation, mode="eval")):
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id == "Literal":
            elts = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
            values += [ast.literal_eval(e) for e in elts]
    return values


def surface(output: Path) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(output)}
    result = subprocess.run([PYTHON, "-c", SURFACE], cwd=output, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_generated_packages_agree_with_the_report(tmp_path: Path) -> None:
    """Generate both versions (three tags, to keep it quick) and compare their public surface with the report."""
    (tmp_path / "pyproject.toml").write_text('[tool.generator]\npackage = "instantly_client"\ninclude_tags = ["OAuth", "Webhook", "Email"]\n', encoding="utf-8")
    for spec, out in ((OLD, "old"), (MID, "new")):
        result = run_cli("generate", "--spec", str(spec), "--output", out, "--no-lock", cwd=tmp_path, timeout=300)
        assert result.returncode == 0, result.stderr
    report = diff_json(OLD, MID, tmp_path)
    old, new = surface(tmp_path / "old"), surface(tmp_path / "new")

    # Methods: exactly the operations the report adds and removes.
    assert set(new["methods"]) - set(old["methods"]) == wheres(report, "operation-added")
    assert set(old["methods"]) - set(new["methods"]) == wheres(report, "operation-removed")
    assert "client.webhook.resume_webhook" in new["methods"] and "client.webhook.resume_webhook" not in old["methods"]
    assert "client.oauth.init_google_oauth" in new["methods"]

    # Keyword arguments of the methods in both.
    added_params = {(c["where"], c["parameter"]) for c in report["changes"] if c["kind"] == "parameter-added"}
    removed_params = {(c["where"], c["parameter"]) for c in report["changes"] if c["kind"] == "parameter-removed"}
    renamed = {(c["where"], c["old"], c["new"]) for c in report["changes"] if c["kind"] == "parameter-renamed"}
    seen_added, seen_removed = set(), set()
    for method in set(old["methods"]) & set(new["methods"]):
        seen_added |= {(method, p) for p in set(new["methods"][method]) - set(old["methods"][method])}
        seen_removed |= {(method, p) for p in set(old["methods"][method]) - set(new["methods"][method])}
    assert seen_added == added_params | {(w, b) for w, _, b in renamed}
    assert seen_removed == removed_params | {(w, a) for w, a, _ in renamed}
    assert ("client.email.list_email", "latest_of_thread") in seen_added

    # Models and their fields.
    renamed_models = {c["where"]: f"models.{c['new']}" for c in report["changes"] if c["kind"] == "model-renamed"}
    assert set(new["models"]) - set(old["models"]) == wheres(report, "model-added") | set(renamed_models.values())
    assert set(old["models"]) - set(new["models"]) == wheres(report, "model-removed") | set(renamed_models)
    field_added, field_removed = set(), set()
    for model in set(old["models"]) & set(new["models"]):
        field_added |= {f"{model}.{f}" for f in set(new["models"][model]) - set(old["models"][model])}
        field_removed |= {f"{model}.{f}" for f in set(old["models"][model]) - set(new["models"][model])}
    renamed_fields = {(c["where"], c["where"].rsplit(".", 1)[0] + "." + c["new"]) for c in report["changes"] if c["kind"] == "field-renamed"}
    assert field_added == wheres(report, "field-added") | {b for _, b in renamed_fields}
    assert field_removed == wheres(report, "field-removed") | {a for a, _ in renamed_fields}
    assert "models.Webhook.headers" in field_added

    # Enum values: present in the new annotation, absent from the old one.
    enum_changes = [c for c in report["changes"] if c["kind"] == "field-enum-values-added"]
    assert enum_changes
    for change in enum_changes:
        model, field = change["where"].rsplit(".", 1)
        for value in change["values"]:
            assert value in literal_values(new["models"][model][field]), (change, new["models"][model][field])
            assert value not in literal_values(old["models"][model][field]), (change, old["models"][model][field])

    # Error classes.
    assert set(new["errors"]) - set(old["errors"]) == {w.removeprefix("errors.") for w in wheres(report, "error-added")}
    assert set(old["errors"]) - set(new["errors"]) == {w.removeprefix("errors.") for w in wheres(report, "error-removed")}


# ---------------------------------------------------------------- small specs: the rules, and bad input


def small(**edits: Any) -> dict[str, Any]:
    """A small spec with a request body model and a response model."""
    doc: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": "Pets", "version": "1.0.0"},
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
    for path, value in edits.items():
        target = doc
        keys = path.split("/")
        for key in keys[:-1]:
            target = target[key]
        if value is None:
            del target[keys[-1]]
        else:
            target[keys[-1]] = value
    return doc


def write(path: Path, doc: dict[str, Any]) -> Path:
    path.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    return path


def test_identical_specs_have_no_changes(tmp_path: Path) -> None:
    result = run_cli("diff", str(SPEC), str(SPEC), "--fail-on-breaking", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "No changes for callers of the generated client." in result.stdout
    assert "- suggested version bump: **none**" in result.stdout


def test_inputs_and_outputs_are_judged_differently(tmp_path: Path) -> None:
    base = small()
    changed = copy.deepcopy(base)
    schemas = changed["components"]["schemas"]
    schemas["NewPet"]["required"] = ["name", "tag"]  # callers must now send tag: breaking
    schemas["Pet"]["required"] = ["id"]  # name may now be missing in responses: breaking
    schemas["Pet"]["properties"]["age"] = {"type": "integer"}  # new optional output field: minor
    schemas["NewPet"]["properties"]["age"] = {"type": "integer"}  # new optional input field: minor
    changed["paths"]["/pets"]["get"]["parameters"][0]["schema"]["enum"] = ["cat", "dog", "bird"]
    report = diff_json(write(tmp_path / "a.json", base), write(tmp_path / "b.json", changed), tmp_path)
    by_where = {c["where"]: c for c in report["changes"] if c["kind"] in ("field-required-changed", "field-added", "parameter-enum-values-added")}
    assert by_where["models.NewPet.tag"]["breaking"] is True
    assert by_where["models.NewPet.tag"]["message"] == "field is now required; building the model needs it"
    assert by_where["models.Pet.name"]["breaking"] is True
    assert by_where["models.Pet.name"]["message"] == "field is now optional; reading it may give UNSET"
    assert by_where["models.Pet.age"]["bump"] == "minor" and by_where["models.NewPet.age"]["bump"] == "minor"
    assert by_where["client.pet.list_pets"]["message"] == 'parameter `kind`: enum values added: "bird"'
    assert report["summary"] == {"breaking": 2, "non_breaking": 3, "suggested_bump": "major", "by_kind": report["summary"]["by_kind"]}


def test_removals_and_renames_are_breaking(tmp_path: Path) -> None:
    base = small()
    base["paths"]["/pets/{id}"] = {"delete": {"operationId": "deletePet", "tags": ["Pet"], "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}], "responses": {"204": {"description": "gone"}}}}
    changed = copy.deepcopy(base)
    del changed["paths"]["/pets/{id}"]
    changed["paths"]["/pets"]["post"]["parameters"][0]["name"] = "dry_run_mode"
    changed["paths"]["/pets"]["get"]["parameters"].append({"name": "owner", "in": "query", "required": True, "schema": {"type": "string"}})
    report = diff_json(write(tmp_path / "a.json", base), write(tmp_path / "b.json", changed), tmp_path)
    found = {(c["kind"], c["where"], c["message"], c["breaking"]) for c in report["changes"]}
    assert found == {
        ("operation-removed", "client.pet.delete_pet", "operation removed (DELETE /pets/{id})", True),
        ("parameter-renamed", "client.pet.create_pet", 'parameter `dry_run` renamed to `dry_run_mode` (sent as "dry_run_mode", was "dryRun")', True),
        ("parameter-added", "client.pet.list_pets", "required parameter `owner` added (query, `str`)", True),
    }
    result = run_cli("diff", str(tmp_path / "a.json"), str(tmp_path / "b.json"), "--fail-on-breaking", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr == "error: 3 breaking changes (suggested bump: major)\n"


def test_additions_only_suggest_a_minor_bump_and_pass_fail_on_breaking(tmp_path: Path) -> None:
    base = small()
    changed = copy.deepcopy(base)
    changed["paths"]["/pets/{id}"] = {"get": {"operationId": "getPet", "tags": ["Pet"], "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}], "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}}}, "404": {"description": "missing", "content": {"application/json": {"schema": {"type": "object", "properties": {"message": {"type": "string"}}}}}}}}}
    result = run_cli("diff", str(write(tmp_path / "a.json", base)), str(write(tmp_path / "b.json", changed)), "--fail-on-breaking", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "- suggested version bump: **minor** (0 breaking, " in result.stdout
    assert "- `client.pet.get_pet`: operation added (GET /pets/{id})" in result.stdout
    assert "- `errors.NotFoundResponseError`: error class added (a `NotFoundError` with body `NotFoundErrorBody`)" in result.stdout
    assert "- `models.NotFoundErrorBody`: model added (1 fields)" in result.stdout


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.json", None, "missing.json: no such file"),
        ("broken.json", '{"openapi": ', "broken.json: invalid JSON at line 1"),
        ("swagger.json", '{"swagger": "2.0", "info": {}, "paths": {}}', "swagger.json#/swagger: Swagger 2.0 is not supported"),
    ],
)
def test_bad_input_exits_2_with_one_line(tmp_path: Path, name: str, content: str | None, message: str) -> None:
    if content is not None:
        (tmp_path / name).write_text(content, encoding="utf-8")
    result = run_cli("diff", str(SPEC), name, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: ") and message in result.stderr
    assert "Traceback" not in result.stderr



def run_hook(hook_id: str, repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run a hook from .pre-commit-hooks.yaml the way pre-commit does: shlex-split entry, then args."""
    hooks = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))}
    hook = hooks[hook_id]
    assert hook["language"] == "python" and hook["pass_filenames"] is False
    env = {**os.environ, "PATH": f"{Path(PYTHON).parent}{os.pathsep}{os.environ.get('PATH', '')}", "PYTHONPATH": str(ROOT)}
    return subprocess.run([*shlex.split(hook["entry"]), *args], cwd=repo, env=env, capture_output=True, text=True, timeout=120)


def git(repo: Path, *args: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)


def test_pre_commit_breaking_hook(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "specs").mkdir(parents=True)
    spec = repo / "specs" / "pets.json"
    git(repo, "init", "-q")
    # A spec that is new in this commit has nothing to compare with: it passes.
    write(spec, small())
    assert run_hook("openapi-typed-gen-breaking", repo, "specs/pets.json").returncode == 0
    git(repo, "add", "specs/pets.json")
    git(repo, "commit", "-q", "-m", "spec")
    additive = small()
    additive["components"]["schemas"]["Pet"]["properties"]["age"] = {"type": "integer"}
    write(spec, additive)
    result = run_hook("openapi-typed-gen-breaking", repo, "specs/pets.json")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "`models.Pet.age`: optional field added" in result.stdout
    breaking = small()
    del breaking["paths"]["/pets"]["get"]
    write(spec, breaking)
    result = run_hook("openapi-typed-gen-breaking", repo, "specs/pets.json")
    assert result.returncode == 1
    assert "- `client.pet.list_pets`: operation removed (GET /pets)" in result.stdout
    assert result.stderr == "error: 1 breaking change (suggested bump: major)\n"
