"""Names never move, on the real history of the Instantly spec (issue 17).

For each consecutive pair of versions, the second is built with the first's names
pinned (as ``generate`` does with the lock): every Python name present in both binds
to the same thing (a method to its METHOD and path, a parameter to its location and
wire name, a field to its wire name, a model to its schema), or ``diff`` reports the
rebinding as breaking. And every name that disappears is reported removed.
"""

from __future__ import annotations

import dataclasses
import itertools
from pathlib import Path

import pytest

from generator.config import adhoc_config
from generator.diff import compare
from generator.diff_report import Report
from generator.ir import Api
from generator.pipeline import api_of

ROOT = Path(__file__).resolve().parents[2]
HISTORY = [
    ROOT / "tests" / "history" / "api_v2_2025-12-14.json",
    ROOT / "tests" / "history" / "api_v2_2026-04-01.json",
    ROOT / "tests" / "corpus" / "specs" / "real_instantly_api_v2_2026-06-11.json",
]


@pytest.fixture(scope="module")
def versions() -> list[Api]:
    """Each version built with the names of the one before pinned (every operation selected)."""
    config = dataclasses.replace(adhoc_config(str(HISTORY[0]), "out", "instantly_client"), lenient=True)
    built: list[Api] = []
    for path in HISTORY:
        pins = {ns: dict(table) for ns, table in built[-1].names} if built else None
        api, _ = api_of(config, path.read_bytes(), path.name, check=False, pins=pins)
        built.append(api)
    return built


def bindings(api: Api) -> dict[tuple[str, str], str]:
    """(kind, the name as callers write it) -> what it stands for."""
    found: dict[tuple[str, str], str] = {}
    for resource in api.resources:
        for op in resource.operations:
            where = f"client.{resource.attr}.{op.name}"
            found[("method", where)] = op.identity
            for param in op.params:
                found[("parameter", f"{where}({param.name}=)")] = f"{param.location} {param.wire}"
    for enum in api.enums:
        found[("enum", enum.name)] = enum.identity
    for model in api.models:
        found[("model", model.name)] = model.identity
        for field in model.fields:
            found[("field", f"{model.name}.{field.name}")] = field.wire
    return found


REBOUND = {"method": "operation-rebound", "parameter": "parameter-rebound", "field": "field-rebound"}
REMOVED = {"method": ("operation-removed",), "parameter": ("parameter-removed",), "field": ("field-removed",), "model": ("model-removed",), "enum": ("enum-removed",)}


def pairs(versions: list[Api]) -> list[tuple[Api, Api, Report]]:
    return [(old, new, compare(old, new, "old", "new")) for old, new in itertools.pairwise(versions)]


def test_every_name_in_both_versions_binds_to_the_same_thing_or_diff_says_so(versions: list[Api]) -> None:
    seen_rebindings = 0
    for old, new, report in pairs(versions):
        before, after = bindings(old), bindings(new)
        reported = {(c.kind, c.where) for c in report.changes if c.breaking}
        rebound_operations = {c.message.rsplit(" instead of ", 1)[1] for c in report.changes if c.kind == "operation-rebound"}
        moved = {key for key in before.keys() & after.keys() if before[key] != after[key]}
        for kind, where in sorted(moved):
            if kind == "model":
                # A model named from the places it is used (an inline schema) moves with its
                # operation: that operation's rebinding is reported.
                assert " ".join(before[(kind, where)].split(" ")[:2]) in rebound_operations, (where, before[(kind, where)], after[(kind, where)])
            else:
                assert (REBOUND[kind], where) in reported, (kind, where, before[(kind, where)], after[(kind, where)])
        # ... and diff reports no rebinding that did not happen.
        claimed = {(kind, where) for kind, where in reported if kind in REBOUND.values()}
        assert claimed == {(REBOUND[k], w) for k, w in moved if k != "model"}
        seen_rebindings += len(moved)
    assert seen_rebindings >= 2  # the history does rebind (a field's wire name, an operation's path): the check ran


def test_every_name_that_disappears_is_reported(versions: list[Api]) -> None:
    for old, new, report in pairs(versions):
        before, after = bindings(old), bindings(new)
        reported = {(c.kind, c.where) for c in report.changes}
        removed_models = {where for kind, where in reported if kind == "model-removed"}
        for kind, where in sorted(before.keys() - after.keys()):
            if kind == "field" and where.split(".", 1)[0] in removed_models:
                continue  # its model is reported removed
            if kind == "parameter" and (("operation-removed", where.split("(", 1)[0]) in reported):
                continue  # its method is reported removed
            assert any((k, where) in reported for k in REMOVED[kind]), (kind, where)
            assert all(c.breaking for c in report.changes if c.where == where and c.kind in REMOVED[kind])


def test_the_known_rebindings_of_the_history(versions: list[Api]) -> None:
    """What the raw files show: December to April renames the wire name under one Python field;
    April to June moves an operation to a path with a trailing slash."""
    (_, _, first), (_, _, second) = pairs(versions)
    assert [(c.kind, c.where) for c in first.changes if c.kind.endswith("-rebound")] == [("field-rebound", "EnrichLeadsFromSupersearchBodySearchFilters.employee_count")]
    assert [(c.kind, c.where) for c in second.changes if c.kind.endswith("-rebound")] == [("operation-rebound", "client.super_search_enrichment.create_super_search_enrichment")]


def test_pinning_changes_no_name_that_a_fresh_build_would_keep(versions: list[Api]) -> None:
    """Pins never rename anything a fresh build would name: built without them, the newest
    version names every operation exactly as the pinned build does."""
    config = dataclasses.replace(adhoc_config(str(HISTORY[-1]), "out", "instantly_client"), lenient=True)
    fresh, _ = api_of(config, HISTORY[-1].read_bytes(), HISTORY[-1].name, check=False)
    pinned = {op.identity: op.name for op in versions[-1].operations}
    unpinned = {op.identity: op.name for op in fresh.operations}
    assert pinned.keys() == unpinned.keys()
    assert {identity for identity in pinned if pinned[identity] != unpinned[identity]} == set()
