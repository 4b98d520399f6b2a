"""Type checkers on generated code.

- ``mypy --strict`` (Python 3.10) on every feature package, ``fixture_client``, and
  user code that calls them (``USAGE``: the types it asserts are what the checker
  infers, and each ``type: ignore[code]`` line is an error the checker must find,
  with that code: strict mode reports an ignore that is not needed), in one run;
- ``pyright`` strict on the committed ``generated/instantly_client`` and on every
  feature package and ``fixture_client``, in one run; ``pyright --verifytypes``
  on the Instantly client: every symbol of its public API has a known type.

The feature packages carry verbatim copies of ``templates/runtime`` (checked
here); pyright checks the runtime in the Instantly client and the generated
modules of every package, reading their runtime copies only for the types they
use, which keeps one run over twenty-odd packages near the time of one.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from . import support
from .generated import FEATURES, ROOT, once

RUNTIME = ROOT / "templates" / "runtime"
INSTANTLY = ROOT / "generated" / "instantly_client"
PYRIGHT_CONFIG = {"typeCheckingMode": "strict", "pythonVersion": "3.10", "reportMissingTypeStubs": False}
needs_node = pytest.mark.skipif(shutil.which("node") is None, reason="pyright needs Node.js (node is not on PATH)")

USAGE = '''
"""User code against the generated packages: mypy must accept it and infer these types."""

from __future__ import annotations

import asyncio
import datetime
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any, Literal

from typing_extensions import assert_type

import feat_additional_properties as ap
import feat_all_of as ao
import feat_bodies as bo
import feat_const_union as cu
import feat_discriminator as di
import feat_enums as en
import feat_formats as fo
import feat_media as md
import feat_multi_file as mf
import feat_names as na
import feat_nullable_31 as n31
import feat_pagination as pg
import feat_params as pa
import feat_read_write_only as rw
import feat_recursive as rc
import feat_responses as rs
import feat_soft_names as so
import fixture_client as fc
from fixture_client import errors as fce
from fixture_client.models import Charge, Item, Job, JobInput, NewItem, Problem, Refund


def sync(c1: di.Client, c2: rs.Client, c3: pa.Client, c4: bo.Client, c5: md.Client, c6: cu.Client) -> None:
    assert_type(c1.pets.list_pets(), list[di.Cat | di.Dog | di.Lizard])
    assert_type(c1.pets.get_implicit(), di.Cat | di.Dog)
    assert_type(c1.pets.get_plain(), int | str | list[str])
    assert_type(c2.responses.get_report(), str)
    assert_type(c2.responses.get_image(), bytes)
    assert_type(c2.responses.delete_thing(), None)
    assert_type(c2.responses.create_or_find(), rs.Thing | rs.Created)
    assert_type(rs.with_raw_response(c2.responses.get_ranges)().parsed, rs.Thing)
    assert_type(rs.with_raw_response(c2.responses.get_ranges)(timeout=5.0).status_code, int)
    assert_type(c3.items.get_item_file(1, "n", limit=1, x_trace_id="t", ids=[1], since=datetime.datetime.now()), dict[str, Any])
    assert_type(c3.items.get_styles([1], ["a"], pa.Point(x=1, y=2), x_ids=[3], deadline=None), None)
    assert_type(c4.bodies.put_raw(body=b"x"), None)
    assert_type(c4.bodies.upload_file(body=bo.UploadFileBody(file=("a.txt", b"x", "text/plain"))).size, int | bo.Unset)
    assert_type(c5.media.echo_ndjson(body=[md.Note(title="t")]), list[md.Note])
    assert_type(c5.media.echo_xml(body="<a/>"), str)
    assert_type(c5.media.echo_anything(body=b"x"), bytes)
    assert_type(c6.payments.get_payment("p"), cu.Refund | cu.Charge)
    try:
        c2.responses.get_ranges(max_retries=0)
    except rs.errors.Status4XXError as exc:
        assert_type(exc.body, rs.Problem)
        assert_type(exc.status_code, int)
    except rs.ApiStatusError as exc:
        assert_type(exc.body, object)
    c3.items.get_item_file(1, "n", limit=1, x_trace_id="t", timout=1)  # type: ignore[call-arg]
    c3.items.get_item_file(1, "n", x_trace_id="t")  # type: ignore[call-arg]
    c5.media.echo_ndjson(body=md.Note(title="t"))  # type: ignore[arg-type]


def pages(c: pg.Client) -> None:
    assert_type(c.campaigns.list_campaigns_iter(limit=2, max_items=10), Iterator[pg.Campaign])
    assert_type(c.campaigns.list_campaigns_pages(max_pages=2), Iterator[pg.ListCampaignsResponse])
    assert_type(c.leads.list_leads_iter(body=pg.ListLeadsBody(campaign="c")), Iterator[pg.Lead])
    assert_type(c.numbers.list_numbers_iter(per_page=5), Iterator[int])
    assert_type(c.commits.list_commits_iter(), Iterator[pg.Commit])
    c.campaigns.list_campaigns_pages(max_items=3)  # type: ignore[call-arg]


async def not_sync(c: di.AsyncClient, c3: pa.AsyncClient, p: pg.AsyncClient) -> None:
    # The async methods take the sync ones' parameters; their results are awaited.
    assert_type(await c.pets.list_pets(), list[di.Cat | di.Dog | di.Lizard])
    assert_type(await c3.items.get_item_file(1, "n", limit=1, x_trace_id="t", ids=[1]), dict[str, Any])
    await c3.items.get_item_file(1, "n", limit=1, x_trace_id="t", no_such_parameter=1)  # type: ignore[call-arg]
    await c3.items.get_item_file("not an int", "n", limit=1, x_trace_id="t")  # type: ignore[arg-type]
    c3.items.get_item_file(1, "n", limit=1, x_trace_id="t").keys()  # type: ignore[attr-defined]
    raw = await di.with_raw_response(c.pets.put_owner)(body=di.Owner(name="n", pet=di.Dog(pet_type="dog")))
    assert_type(raw.parsed, di.Owner)
    assert_type(p.campaigns.list_campaigns_iter(), AsyncIterator[pg.Campaign])
    async for campaign in p.campaigns.list_campaigns_iter():
        assert_type(campaign.id, str)


def models(
    s: en.Settings, f: fo.Stamp, t: rc.TreeNode, b: ap.Bag, r: n31.Record, u: rw.User, pet: mf.Pet, d: ao.Deep,
    w: na.Weird, soft: so.Soft, charge: cu.Charge,
) -> None:
    assert_type(s.color, Literal["red", "green", "light blue"])
    assert_type(s.numeric_strings, Literal["1", "2"] | en.Unset)
    assert_type(s.level, Literal[-2, -1, 0, 1] | en.Unset)
    assert_type(s.kind, Literal["settings"])
    assert_type(f.at, datetime.datetime)
    assert_type(f.uid, uuid.UUID | fo.Unset)
    assert_type(f.big, int | fo.Unset)
    assert_type(f.anything, Any | fo.Unset)
    assert_type(t.children, list[rc.TreeNode] | rc.Unset)
    assert_type(t.parent, rc.TreeNode | None | rc.Unset)
    assert_type(b.items_by_key, dict[str, ap.Item] | ap.Unset)
    assert_type(b.dates_by_key, dict[str, datetime.date] | ap.Unset)
    assert_type(b.typed_extras, ap.TypedExtras | ap.Unset)
    assert_type(r.null_first, str | None)
    assert_type(r.string_or_int, str | int | n31.Unset)
    assert_type(r.child_or_null, n31.Child | None | n31.Unset)
    assert_type(u.id, int | rw.Unset)
    assert_type(pet.id, int)
    assert_type(pet.owner, mf.Owner | mf.Unset)
    assert_type(d.extra, str)
    assert_type(w.class_, str)
    assert_type(soft.match_, str)
    assert_type(soft.strict, bool | so.Unset)
    assert_type(charge.type, Literal["charge"])
    assert_type(cu.Charge.from_dict({}, strict=True), cu.Charge)
    assert_type(charge.to_dict(), dict[str, Any])


def fixture_sync(client: fc.Client) -> None:
    assert_type(client.items.get_item("i1", fields=["a"], timeout=1.0), Item)
    assert_type(client.items.list_items(limit=2, deadline=None), list[Item])
    assert_type(client.items.delete_item("i1"), None)
    assert_type(client.payments.get_payment("p1"), Refund | Charge)
    assert_type(client.jobs.wait_for_job("j1", max_wait=5.0, interval=0.5), Job)
    raw = fc.with_raw_response(client.items.create_item)(body=NewItem(name="n"), idempotency_key="k")
    assert_type(raw, fc.ApiResponse[Item])
    assert_type(raw.parsed, Item)
    assert_type(fc.with_raw_response(client.jobs.wait_for_job)("j1").parsed, Job)
    try:
        client.jobs.wait_for_job("j1")
    except fce.Status4XXError as exc:
        assert_type(exc.status_code, int)
        assert_type(exc.body, Problem)
    except fce.JobFailedError as exc:
        assert_type(exc.body, Job)
        assert_type(exc.error, str | None)
    client.items.get_item(5)  # type: ignore[arg-type]
    client.items.get_item("i1", timout=1.0)  # type: ignore[call-arg]
    client.jobs.start_job(body=JobInput(name=1))  # type: ignore[arg-type]
    client.items.list_items(limit="2")  # type: ignore[arg-type]


async def fixture_async(client: fc.AsyncClient) -> None:
    assert_type(await client.items.get_item("i1"), Item)
    raw = await fc.with_raw_response(client.items.get_item)("i1", max_retries=0)
    assert_type(raw, fc.ApiResponse[Item])


def fixture_main() -> None:
    with fc.Client(api_key="k", deadline=10.0, max_response_bytes=1 << 20, strict=True) as client:
        fixture_sync(client)
    asyncio.run(fixture_async(fc.AsyncClient(api_key="k")))
'''


def _pyright_env() -> dict[str, str]:
    """The environment pyright runs in: this interpreter first on PATH (pyright asks the
    ``python`` it finds for its search paths, so httpx resolves)."""
    return {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}


def _runtime_copies(package: Path) -> set[str]:
    return {p.name for p in RUNTIME.glob("_*.py") if p.name != "__init__.py" and (package / p.name).exists()}


def _generated_modules(package: Path) -> list[str]:
    """Every Python file of a package but its runtime copies (what the templates wrote)."""
    copies = _runtime_copies(package)
    return sorted(str(p) for p in package.rglob("*.py") if not (p.parent == package and p.name in copies))


def _link_packages(work: Path, features: Path) -> None:
    """``work`` gets every feature package and ``fixture_client`` (symbolic links) and ``USAGE``."""
    for package in [*sorted(p for p in features.iterdir() if p.is_dir()), support.PACKAGE_ROOT / "fixture_client"]:
        os.symlink(package, work / package.name)
    (work / "feat_usage.py").write_text(USAGE, encoding="utf-8")


def _mypy(work: Path, features: Path) -> str:
    _link_packages(work, features)
    args = [arg for name in (*(f"feat_{n}" for n in FEATURES), "fixture_client") for arg in ("-p", name)]
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--python-version", "3.10", "--no-error-summary",
         "--cache-dir", str(work / ".mypy_cache"), *args, "-m", "feat_usage"],
        cwd=work, capture_output=True, text=True, timeout=600,
    )
    return "" if result.returncode == 0 else f"mypy exited {result.returncode}:\n{result.stdout}{result.stderr}"


@pytest.fixture(scope="session")
def mypy_outcome(features: Path) -> str:
    """mypy over every feature package and ``USAGE``, once per session: "" or its report."""
    return once(support.SHARED / "mypy", lambda work: _mypy(work, features))


def test_every_generated_package_and_code_using_it_pass_mypy_strict(mypy_outcome: str) -> None:
    assert mypy_outcome == ""


def _pyright(work: Path, features: Path) -> str:
    """The report of one pyright run, as JSON text."""
    _link_packages(work, features)
    (work / "pyrightconfig.json").write_text(json.dumps(PYRIGHT_CONFIG), encoding="utf-8")
    files = [str(p) for p in sorted(INSTANTLY.rglob("*.py"))]
    for package in [*sorted(p for p in work.glob("feat_*") if p.is_dir()), work / "fixture_client"]:
        files += _generated_modules(package)
    files.append(str(work / "feat_usage.py"))
    result = subprocess.run(
        [sys.executable, "-m", "pyright", "--outputjson", "--pythonpath", sys.executable, *files],
        cwd=work, capture_output=True, text=True, timeout=900, env=_pyright_env(),
    )
    try:
        report = json.loads(result.stdout)
    except ValueError:
        return json.dumps({"failure": f"pyright exited {result.returncode}: {result.stdout[-2000:]}{result.stderr[-2000:]}"})
    return json.dumps({"files": files, "diagnostics": report["generalDiagnostics"], "summary": report["summary"]})


@pytest.fixture(scope="session")
def pyright_report(features: Path) -> dict[str, Any]:
    """One pyright (strict) run over the Instantly client, every feature package's generated
    modules, ``fixture_client``'s and ``USAGE``, once per session (its JSON report)."""
    report: dict[str, Any] = json.loads(once(support.SHARED / "pyright", lambda work: _pyright(work, features)))
    if "failure" in report:
        pytest.fail(report["failure"], pytrace=False)
    return report


def _shown(diagnostics: list[dict[str, Any]]) -> str:
    return "\n".join(f"{d['file']}:{d['range']['start']['line'] + 1}: {d['severity']}: {d['message']}" for d in diagnostics)


@needs_node
def test_the_instantly_client_passes_pyright_strict(pyright_report: dict[str, Any]) -> None:
    mine = [d for d in pyright_report["diagnostics"] if d["file"].startswith(str(INSTANTLY))]
    assert mine == [], _shown(mine)
    checked = [f for f in pyright_report["files"] if f.startswith(str(INSTANTLY))]
    assert len(checked) == len(list(INSTANTLY.rglob("*.py"))) > 20  # the runtime included


@needs_node
def test_every_feature_package_and_code_using_them_pass_pyright_strict(pyright_report: dict[str, Any]) -> None:
    others = [d for d in pyright_report["diagnostics"] if not d["file"].startswith(str(INSTANTLY))]
    assert others == [], _shown(others)
    assert pyright_report["summary"]["errorCount"] == 0
    assert any(f.endswith("feat_usage.py") for f in pyright_report["files"])
    assert any("fixture_client" in f for f in pyright_report["files"])


def test_feature_packages_carry_the_runtime_verbatim(features: Path) -> None:
    """Why pyright need not check each package's runtime copy: it is the one checked in full."""
    header = b"# Code generated by openapi-typed-gen. DO NOT EDIT.\n"
    expected = {p.name: header + p.read_bytes() for p in RUNTIME.glob("_*.py") if p.name != "__init__.py"}
    for package in [*sorted(p for p in features.iterdir() if p.is_dir()), support.PACKAGE_ROOT / "fixture_client", INSTANTLY]:
        assert {name: (package / name).read_bytes() for name in expected} == expected, package.name


@needs_node
def test_the_instantly_client_public_api_is_fully_typed(tmp_path: Path) -> None:
    """``pyright --verifytypes``: every symbol the package exports (and every one those refer
    to) has a known type; httpx's own types are httpx's business (``--ignoreexternal``)."""
    result = subprocess.run(
        [sys.executable, "-m", "pyright", "--verifytypes", "instantly_client", "--ignoreexternal", "--outputjson"],
        cwd=tmp_path, capture_output=True, text=True, timeout=600,
        env={**_pyright_env(), "PYTHONPATH": str(INSTANTLY.parent)},
    )
    report = json.loads(result.stdout)
    completeness = report["typeCompleteness"]
    assert completeness["packageRootDirectory"] == str(INSTANTLY)
    assert completeness["exportedSymbolCounts"]["withKnownType"] > 100
    problems = _shown([d for d in report["generalDiagnostics"] if d["severity"] == "error"])
    assert completeness["completenessScore"] == 1, problems
    assert completeness["exportedSymbolCounts"]["withUnknownType"] == completeness["exportedSymbolCounts"]["withAmbiguousType"] == 0
    assert completeness["otherSymbolCounts"]["withUnknownType"] == completeness["otherSymbolCounts"]["withAmbiguousType"] == 0
    assert result.returncode == 0, problems
