"""Names never move (issue 17), end to end through the CLI.

A regenerated client must never keep a name and call something else with it. Each
case generates version 1, regenerates version 2 into the same folder (its lock pins
the names), then looks at what the name is bound to three ways: the lock's name map,
the generated code (the Endpoint constant the method calls, read by importing the
package), and ``diff``.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.cli.support import Run, load_json, lock_names, save_json

LOCK = "openapi-typed-gen.lock.json"
ID = [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}]
CANCEL_AT_END = "POST /subscriptions/{id}/cancel-at-period-end"
CANCEL_NOW = "DELETE /subscriptions/{id}"


def spec(paths: dict[str, Any], schemas: dict[str, Any] | None = None, server: str = "https://api.billing.example") -> dict[str, Any]:
    doc: dict[str, Any] = {"openapi": "3.1.0", "info": {"title": "Billing", "version": "1"}, "servers": [{"url": server}], "paths": paths}
    if schemas:
        doc["components"] = {"schemas": schemas}
    return doc


def op(op_id: str, **extra: Any) -> dict[str, Any]:
    return {"operationId": op_id, "parameters": ID, "responses": {"204": {"description": "done"}}, **extra}


V1 = spec({"/subscriptions/{id}/cancel-at-period-end": {"post": op("cancelSubscription")}})
# v2 adds DELETE /subscriptions/{id}, listed first, whose operationId normalises to the same name.
V2 = spec({"/subscriptions/{id}": {"delete": op("cancel_subscription")}, **V1["paths"]})
# v3 removes the POST operation: the DELETE one is left with the name to itself.
V3 = spec({"/subscriptions/{id}": {"delete": op("cancel_subscription")}})


def endpoints(out: Path, package: str, resource: str) -> dict[str, tuple[str, str]]:
    """Method name -> (HTTP method, path) of the Endpoint constant it calls, for the sync class of a
    resource module, read from the generated source: which constant each method passes to
    ``self._call``, and the method and path that constant is built with."""
    tree = ast.parse((out / package / "resources" / f"{resource}.py").read_text(encoding="utf-8"))
    constants: dict[str, tuple[str, str]] = {}
    for node in tree.body:
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and isinstance(node.value, ast.Call) and getattr(node.value.func, "id", "") == "Endpoint":
            target = node.targets[0] if isinstance(node, ast.Assign) else node.target
            assert isinstance(target, ast.Name)
            method, path = (ast.literal_eval(arg) for arg in node.value.args[:2])
            constants[target.id] = (method, path)
    sync = next(n for n in tree.body if isinstance(n, ast.ClassDef) and not n.name.startswith("Async"))
    found: dict[str, tuple[str, str]] = {}
    for fn in sync.body:
        if isinstance(fn, ast.FunctionDef) and not fn.name.startswith("_"):
            ret = fn.body[-1]
            assert isinstance(ret, ast.Return) and isinstance(ret.value, ast.Call), ast.dump(ret)
            first = ret.value.args[0]
            assert isinstance(first, ast.Name), ast.dump(first)
            found[fn.name] = constants[first.id]
    assert len(set(found.values())) == len(found) == len(constants)  # one constant per method, no two alike
    return found


def methods_in_lock(out: Path) -> dict[str, str]:
    return lock_names(out / LOCK)["methods default"]


def generate(run: Callable[..., Run], folder: Path, doc: dict[str, Any], out: str = "out") -> Run:
    save_json(folder / "spec.json", doc)
    done = run("generate", "--spec", "spec.json", "--output", out, cwd=folder)
    assert done.returncode == 0, done.stderr
    return done


def diff_json(run: Callable[..., Run], folder: Path, old: dict[str, Any], new: dict[str, Any], *extra: str) -> tuple[Run, dict[str, Any]]:
    save_json(folder / "old.json", old)
    save_json(folder / "new.json", new)
    done = run("diff", "old.json", "new.json", "--format", "json", *extra, cwd=folder)
    assert done.returncode in (0, 1) and "Traceback" not in done.stderr, done.stderr
    report: dict[str, Any] = json.loads(done.stdout)
    return done, report


def test_a_pinned_method_keeps_its_endpoint_when_a_newcomer_wants_its_name(tmp_path: Path, run: Callable[..., Run]) -> None:
    generate(run, tmp_path, V1)
    assert methods_in_lock(tmp_path / "out") == {"cancel_subscription": CANCEL_AT_END}
    assert endpoints(tmp_path / "out", "billing_client", "default") == {"cancel_subscription": ("POST", "/subscriptions/{id}/cancel-at-period-end")}

    done = generate(run, tmp_path, V2)  # the same folder: the lock of v1 pins the names
    newcomer = "cancel_subscription_delete_subscriptions_id"
    assert f"warning: methods default: the name 'cancel_subscription' stays bound to {CANCEL_AT_END} (pinned by the lock); {CANCEL_NOW} is named '{newcomer}'" in done.stderr
    assert methods_in_lock(tmp_path / "out") == {"cancel_subscription": CANCEL_AT_END, newcomer: CANCEL_NOW}
    assert endpoints(tmp_path / "out", "billing_client", "default") == {
        "cancel_subscription": ("POST", "/subscriptions/{id}/cancel-at-period-end"),
        newcomer: ("DELETE", "/subscriptions/{id}"),
    }

    # Without the lock (a first run of v2) both would be qualified: the pin is what kept the name.
    generate(run, tmp_path, V2, "fresh")
    assert set(methods_in_lock(tmp_path / "fresh")) == {newcomer, "cancel_subscription_post_subscriptions_id_cancel_at_period_end"}

    # v3 removes the POST operation: regenerated with the lock of v2, the name disappears (code
    # using it stops type-checking) instead of moving to the DELETE operation.
    generate(run, tmp_path, V3)
    assert methods_in_lock(tmp_path / "out") == {newcomer: CANCEL_NOW}


def test_diff_says_the_newcomer_got_another_name_and_calls_a_rebinding_breaking(tmp_path: Path, run: Callable[..., Run]) -> None:
    done, report = diff_json(run, tmp_path, V1, V2, "--fail-on-breaking")
    assert done.returncode == 0, done.stdout
    assert [(c["kind"], c["where"], c["breaking"]) for c in report["changes"]] == [("operation-added", "client.default.cancel_subscription_delete_subscriptions_id", False)]
    assert report["notes"] == [f"methods default: the name 'cancel_subscription' stays bound to {CANCEL_AT_END} (pinned by the lock); {CANCEL_NOW} is named 'cancel_subscription_delete_subscriptions_id'"]
    markdown = run("diff", "old.json", "new.json", cwd=tmp_path)
    assert "Notes:" in markdown.stdout and "stays bound to POST /subscriptions/\\{id\\}/cancel-at-period-end" in markdown.stdout

    # The POST operation removed, the DELETE one named cancel_subscription: the same Python name
    # now calls another endpoint.
    done, report = diff_json(run, tmp_path, V1, V3, "--fail-on-breaking")
    assert done.returncode == 1
    breaking = {(c["kind"], c["where"]) for c in report["changes"] if c["breaking"]}
    assert breaking & {("operation-rebound", "client.default.cancel_subscription"), ("operation-removed", "client.default.cancel_subscription")}, report["changes"]
    rebound = [c for c in report["changes"] if c["kind"] == "operation-rebound"]
    assert [c["message"] for c in rebound] == [f"now calls {CANCEL_NOW} instead of {CANCEL_AT_END}"]
    assert report["summary"]["suggested_bump"] == "major"


def account_spec(properties: dict[str, Any]) -> dict[str, Any]:
    ok = {"200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Account"}}}}}
    return spec({"/account": {"get": {"operationId": "getAccount", "responses": ok}}}, {"Account": {"type": "object", "properties": properties}})


def test_a_field_keeps_its_wire_name_when_a_colliding_property_is_added_before_it(tmp_path: Path, run: Callable[..., Run]) -> None:
    generate(run, tmp_path, account_spec({"user_id": {"type": "string"}}))
    model = tmp_path / "out" / "billing_client" / "models" / "account.py"
    assert '"user_id": d_str,' in model.read_text(encoding="utf-8")
    v2 = account_spec({"user-id": {"type": "integer"}, "user_id": {"type": "string"}})
    generate(run, tmp_path, v2)
    fields = next(table for ns, table in lock_names(tmp_path / "out" / LOCK).items() if ns.startswith("fields ") and "Account" in ns)
    assert fields["user_id"] == "user_id" and len(fields) == 2 and set(fields.values()) == {"user_id", "user-id"}
    source = model.read_text(encoding="utf-8")
    renamed = ast.literal_eval(source.split("_renamed: ClassVar[dict[str, str]] = ", 1)[1].split("\n\n", 1)[0])
    assert '"user_id": d_str,' in source and "user_id" not in renamed, source  # the field reads "user_id" still
    assert list(renamed.values()) == ["user-id"], renamed
    # diff agrees: the old name still reads the same wire field; the newcomer is an addition.
    done, report = diff_json(run, tmp_path, account_spec({"user_id": {"type": "string"}}), v2, "--fail-on-breaking")
    assert done.returncode == 0
    assert [c["kind"] for c in report["changes"]] == ["field-added"]


def test_names_too_long_are_cut_and_stay_distinct(tmp_path: Path, run: Callable[..., Run]) -> None:
    stem = "/reports/" + "/".join(["workspace-analytics-of-every-campaign"] * 3)  # ~120 characters in common
    long_id = "getTheReportOf" + "TheWorkspaceAnalyticsOfEveryCampaign" * 6  # 230 characters
    doc = spec({
        f"{stem}/daily": {"get": {**op(long_id + "Daily"), "parameters": []}},
        f"{stem}/weekly": {"get": {**op(long_id + "Weekly"), "parameters": []}},
    })
    generate(run, tmp_path, doc)
    found = endpoints(tmp_path / "out", "billing_client", "default")
    assert len(found) == 2
    assert sorted(found.values()) == [("GET", f"{stem}/daily"), ("GET", f"{stem}/weekly")]
    assert all(len(name) <= 80 for name in found), list(found)
    # The names are settled from identities: the same spec with its paths in the other order
    # gives the same bindings.
    generate(run, tmp_path, {**doc, "paths": dict(reversed(list(doc["paths"].items())))}, "reordered")
    assert endpoints(tmp_path / "reordered", "billing_client", "default") == found


def test_an_operation_id_renamed_keeps_the_pinned_name(tmp_path: Path, run: Callable[..., Run]) -> None:
    """The name is bound to METHOD path: a new operationId for the same endpoint does not rename
    the method (which would break callers); the removed POST operation is the one breaking change."""
    new = spec({"/subscriptions/{id}": {"delete": op("endSubscription")}})
    done, report = diff_json(run, tmp_path, V2, new, "--fail-on-breaking")
    assert done.returncode == 1
    assert [(c["kind"], c["where"], c["breaking"]) for c in report["changes"]] == [
        ("operation-removed", "client.default.cancel_subscription_post_subscriptions_id_cancel_at_period_end", True),
    ]
    generate(run, tmp_path, V2)
    generate(run, tmp_path, new)
    assert methods_in_lock(tmp_path / "out") == {"cancel_subscription_delete_subscriptions_id": CANCEL_NOW}


def test_the_lock_map_is_what_generate_pins(tmp_path: Path, run: Callable[..., Run]) -> None:
    """A name edited into the lock by hand is honoured: the lock is the record of the names."""
    generate(run, tmp_path, V1)
    lock = load_json(tmp_path / "out" / LOCK)
    lock["names"]["methods default"] = {"end_at_period_end": CANCEL_AT_END}
    save_json(tmp_path / "out" / LOCK, lock)
    generate(run, tmp_path, V2)
    assert methods_in_lock(tmp_path / "out") == {"end_at_period_end": CANCEL_AT_END, "cancel_subscription": CANCEL_NOW}
    assert endpoints(tmp_path / "out", "billing_client", "default") == {
        "end_at_period_end": ("POST", "/subscriptions/{id}/cancel-at-period-end"),
        "cancel_subscription": ("DELETE", "/subscriptions/{id}"),
    }
