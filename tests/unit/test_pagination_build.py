"""Pagination in the build: detection on the real Instantly document, the config's table checked
against the spec, and ``diff`` reporting pagination added or removed. (The runtime's walks:
tests/functional/test_pagination.py; Prism: tests/functional/test_prism.py.)"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from generator.build import build_api
from generator.config import Config
from generator.diff import compare
from generator.errors import SpecError
from generator.ir import Api, ModelRef
from generator.settings import PaginationSettings

ROOT = Path(__file__).resolve().parents[2]
INSTANTLY = ROOT / "tests" / "corpus" / "specs" / "real_instantly_api_v2_2026-06-11.json"


def build(doc: dict[str, Any], **changes: Any) -> Api:
    config = Config(root=ROOT, spec=ROOT / "spec.json", output=ROOT / "out", package="client", **changes)
    return build_api(copy.deepcopy(doc), "spec.json", config, "0" * 64, None)


@pytest.fixture(scope="module")
def instantly() -> dict[str, Any]:
    found: dict[str, Any] = json.loads(INSTANTLY.read_text(encoding="utf-8-sig"))
    return found


def jobs_spec() -> dict[str, Any]:
    """A list operation with an ``after`` query cursor, a ``limit`` and ``{"data": [...], "next": ...}``."""
    job = {"type": "object", "properties": {"id": {"type": "string"}}}
    page = {"type": "object", "properties": {"data": {"type": "array", "items": {"$ref": "#/components/schemas/Job"}}, "next": {"type": "string"}}}
    params = [{"name": n, "in": "query", "schema": {"type": t}} for n, t in (("after", "string"), ("limit", "integer"))]
    ok = {"200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/JobPage"}}}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Jobs", "version": "1"},
        "paths": {"/jobs": {"get": {"operationId": "listJobs", "parameters": params, "responses": ok}}},
        "components": {"schemas": {"Job": job, "JobPage": page}},
    }


def test_every_instantly_list_operation_is_detected_with_its_cursor(instantly: dict[str, Any]) -> None:
    api = build(instantly)
    paged = {op.operation_id: op for op in api.operations if op.pagination}
    cursor_get = {i for i, op in paged.items() if op.method == "GET" and op.pagination and op.pagination.style == "cursor"}
    # The issue counted 22 GET list operations with a starting_after cursor; listLeads has it in its body.
    assert len(cursor_get) == 22 and {"listCampaign", "listAccount", "listAuditLog"} <= cursor_get
    for op in paged.values():
        assert op.pagination is not None
        if op.pagination.style == "cursor":
            assert (op.pagination.items, op.pagination.next) == (("items",), ("next_starting_after",))
    leads = paged["listLeads"].pagination
    assert leads is not None and (leads.location, leads.param, leads.wire) == ("body", "starting_after", "starting_after")
    campaign = paged["listCampaign"]
    assert (campaign.iter_name, campaign.pages_name) == ("list_campaign_iter", "list_campaign_pages")
    assert campaign.pagination is not None and campaign.pagination.item_type == ModelRef("Campaign")
    assert set(paged) - cursor_get - {"listLeads"} == {"getEnrichmentHistory"}  # offset/limit, no cursor
    assert not any(op.pagination for op in api.operations if op.method != "GET" and op.operation_id != "listLeads")


def test_detection_can_be_turned_off_and_one_operation_configured(instantly: dict[str, Any]) -> None:
    table = (PaginationSettings("listCampaign", "cursor", cursor="starting_after", items="items", next="next_starting_after", limit="limit"),)
    api = build(instantly, paginate_auto=False, pagination=table)
    assert [op.operation_id for op in api.operations if op.pagination] == ["listCampaign"]
    none = build(instantly, pagination=(PaginationSettings("listCampaign", "none"),))
    assert [op.operation_id for op in none.operations if op.operation_id == "listCampaign" and op.pagination] == []


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (PaginationSettings("listJobs", "cursor", cursor="cursor", items="data", next="next"), "listJobs has no query parameter 'cursor'"),
        (PaginationSettings("listJobs", "cursor", cursor="after", items="rows", next="next"), "the response of listJobs has no array field 'rows'"),
        (PaginationSettings("listJobs", "cursor", cursor="after", items="data", next="following"), "the response of listJobs has no field 'following'"),
        (PaginationSettings("listJobs", "cursor", cursor="after", cursor_in="body", items="data", next="next"), "listJobs has no body field 'after'"),
        (PaginationSettings("listJobs", "offset", offset="skip", items="data"), "listJobs has no query parameter 'skip'"),
        (PaginationSettings("listJobs", "offset", offset="after", items="data", limit="take"), "listJobs has no query parameter 'take'"),
        (PaginationSettings("listThings", "cursor", cursor="after", items="data", next="next"), "the spec has no operation 'listThings'"),
    ],
)
def test_a_table_naming_what_the_spec_lacks_is_a_clear_error(settings: PaginationSettings, message: str) -> None:
    with pytest.raises(SpecError) as caught:
        build(jobs_spec(), pagination=(settings,))
    assert f"[tool.generator.pagination.{settings.operation}]: {message}" in str(caught.value)


def test_the_common_shape_is_detected_and_the_table_agrees() -> None:
    detected = build(jobs_spec())
    configured = build(jobs_spec(), paginate_auto=False, pagination=(PaginationSettings("listJobs", "cursor", cursor="after", items="data", next="next", limit="limit"),))
    assert detected.operations[0].pagination == configured.operations[0].pagination
    assert detected.operations[0].pagination is not None and detected.operations[0].pagination.item_type == ModelRef("Job")


def test_diff_reports_pagination_added_and_removed() -> None:
    paged = build(jobs_spec())
    plain = build(jobs_spec(), paginate_auto=False)
    added = compare(plain, paged, "old", "new").changes
    assert [(c.kind, c.bump) for c in added if c.kind.startswith("pagination")] == [("pagination-added", "minor")]
    removed = compare(paged, plain, "old", "new").changes
    assert [(c.kind, c.bump) for c in removed if c.kind.startswith("pagination")] == [("pagination-removed", "major")]
    assert [c.kind for c in compare(paged, paged, "old", "new").changes] == []
