"""Running mypy and pyright over every generated package, once per session.

The packages (every feature package, ``fixture_client``, the committed
``instantly_client``), user code calling them (``USAGE``) and every Python code
block of their READMEs and of the project's README are linked or written into
one folder, and each checker runs once over all of it; the tests read the
report for the files they are about.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from . import support
from .generated import FEATURES, ROOT

RUNTIME = ROOT / "templates" / "runtime"
INSTANTLY = ROOT / "generated" / "instantly_client"
PYRIGHT_CONFIG = {"typeCheckingMode": "strict", "pythonVersion": "3.10", "reportMissingTypeStubs": False}

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
from fixture_client.models import Charge, Item, Job, JobInput, NewItem, Point, Problem, Refund


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
    assert_type(client.params.typed_styles([1], ["a"], Point(east=1, north=2), x_ids=[3], deadline=None), None)
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


def python_blocks(markdown: str) -> list[str]:
    """The ```python code blocks of a Markdown text."""
    return re.findall(r"^```python\n(.*?)^```$", markdown, flags=re.M | re.S)


def _prepare(work: Path, features: Path) -> list[str]:
    """``work`` gets every package (symbolic links), ``USAGE`` as ``feat_usage.py`` and each
    README block as a module; the names of those modules."""
    packages = [*sorted(p for p in features.iterdir() if p.is_dir()), support.PACKAGE_ROOT / "fixture_client", INSTANTLY]
    for package in packages:
        os.symlink(package, work / package.name)
    (work / "feat_usage.py").write_text(USAGE, encoding="utf-8")
    readmes = [(package.name, package / "README.md") for package in packages] + [("project", ROOT / "README.md")]
    modules = []
    for owner, readme in readmes:
        for index, block in enumerate(python_blocks(readme.read_text(encoding="utf-8")), 1):
            name = f"readme_{owner}_{index}"
            (work / f"{name}.py").write_text(block, encoding="utf-8")
            modules.append(name)
    return modules


def run_mypy(work: Path, features: Path) -> str:
    """``mypy --strict`` over everything, as JSON text: exit status, output lines, README modules."""
    readmes = _prepare(work, features)
    packages = (*(f"feat_{n}" for n in FEATURES), "fixture_client", "instantly_client")
    args = [arg for name in packages for arg in ("-p", name)]
    args += [arg for name in ("feat_usage", *readmes) for arg in ("-m", name)]
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--python-version", "3.10", "--no-error-summary",
         "--cache-dir", str(work / ".mypy_cache"), *args],
        cwd=work, capture_output=True, text=True, timeout=900,
    )
    return json.dumps({"returncode": result.returncode, "lines": (result.stdout + result.stderr).splitlines(), "readmes": readmes})


def _runtime_copies(package: Path) -> set[str]:
    return {p.name for p in RUNTIME.glob("_*.py") if p.name != "__init__.py" and (package / p.name).exists()}


def generated_modules(package: Path) -> list[str]:
    """Every Python file of a package but its runtime copies (what the templates wrote)."""
    copies = _runtime_copies(package)
    return sorted(str(p) for p in package.rglob("*.py") if not (p.parent == package and p.name in copies))


def pyright_env() -> dict[str, str]:
    """The environment pyright runs in: this interpreter first on PATH (pyright asks the
    ``python`` it finds for its search paths, so httpx resolves)."""
    return {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}


def run_pyright(work: Path, features: Path) -> str:
    """pyright (strict) over the Instantly client (all of it) and the generated modules of every
    other package, ``USAGE`` and the README blocks, as JSON text: files, diagnostics, summary."""
    readmes = _prepare(work, features)
    (work / "pyrightconfig.json").write_text(json.dumps(PYRIGHT_CONFIG), encoding="utf-8")
    files = [str(work / p.relative_to(INSTANTLY.parent)) for p in sorted(INSTANTLY.rglob("*.py"))]
    for package in [*sorted(p for p in work.glob("feat_*") if p.is_dir()), work / "fixture_client"]:
        files += generated_modules(package)
    files += [str(work / f"{name}.py") for name in ("feat_usage", *readmes)]
    result = subprocess.run(
        [sys.executable, "-m", "pyright", "--outputjson", "--pythonpath", sys.executable, *files],
        cwd=work, capture_output=True, text=True, timeout=900, env=pyright_env(),
    )
    try:
        report = json.loads(result.stdout)
    except ValueError:
        return json.dumps({"failure": f"pyright exited {result.returncode}: {result.stdout[-2000:]}{result.stderr[-2000:]}"})
    return json.dumps({"files": files, "diagnostics": report["generalDiagnostics"], "summary": report["summary"]})
