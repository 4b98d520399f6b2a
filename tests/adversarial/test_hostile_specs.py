"""Hostile specs through the CLI: every row of ``adversarial_cases.CASES`` has one exact outcome.

All rows are generated once per session (shared between pytest-xdist workers through
a lock file), in subprocesses as a user runs the CLI, while a listener on 127.0.0.1
counts connections. Then one process imports and exercises every generated package and
ONE mypy run checks them all together.
"""

from __future__ import annotations

import json
import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from adversarial_cases import CASES, KNOWN, Case, Ctx, materialize
from harness import MARKER, Listener, exercise, mypy

from tests.conftest import locked, run_cli_batch

BY_ID = {case.id: case for case in CASES}


def _prepare(case: Case, root: Path, port: int) -> tuple[Path, list[str], dict[str, Any]]:
    ctx = Ctx(root / case.id, port)
    if ctx.dir.exists():
        shutil.rmtree(ctx.dir)
    ctx.dir.mkdir(parents=True)
    spec = materialize(case, ctx)
    package = "pkg_" + case.id.replace("-", "_")
    args = ["generate", "--spec", str(spec), "--output", "out", "--package", package, "-q"]
    if case.lenient:
        args.append("--lenient")
    return ctx.dir, args, {"package": package, "out": str(ctx.dir / "out"), "dir": str(ctx.dir)}


@pytest.fixture(scope="session")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    base = tmp_path_factory.getbasetemp()
    # Under pytest-xdist each worker has its own base folder inside the session's one.
    shared = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "adversarial"
    results_file = shared / "results.json"
    with locked(shared / ".lock"):
        if results_file.exists():
            return json.loads(results_file.read_text())
        listener = Listener()
        try:
            prepared = [_prepare(case, shared, listener.port) for case in CASES]
            jobs = [(cwd, args) for cwd, args, _ in prepared]
            halves = [jobs[0::2], jobs[1::2]]  # two processes: two cores
            with ThreadPoolExecutor(max_workers=2) as pool:
                ran = list(pool.map(run_cli_batch, halves))
            outputs = [ran[i % 2][i // 2] for i in range(len(jobs))]
            generated = {case.id: {**info, **output} for case, (_, _, info), output in zip(CASES, prepared, outputs, strict=True)}
        finally:
            listener.close()
        ok = [(Path(r["out"]), r["package"]) for r in generated.values() if r["rc"] == 0]
        imported, output = exercise(ok, shared)
        checked = mypy(ok, shared / ".mypy_cache")
        results = {"cases": generated, "imported": imported, "exercise_output": output, "mypy": checked, "connections": listener.connections}
        results_file.write_text(json.dumps(results))
        return results


def test_at_least_sixty_cases() -> None:
    assert len(CASES) >= 60


def test_listener_saw_no_connection(outcomes: dict[str, Any]) -> None:
    assert outcomes["connections"] == 0


def test_no_canary_ran(outcomes: dict[str, Any]) -> None:
    assert MARKER not in outcomes["exercise_output"].split()
    assert not [cid for cid, r in outcomes["cases"].items() if (Path(r["dir"]) / "CANARY").exists()]
    assert "?" not in outcomes["mypy"], outcomes["mypy"].get("?")


@pytest.mark.parametrize("case_id", [pytest.param(cid, marks=pytest.mark.xfail(strict=True, reason=KNOWN[cid])) if cid in KNOWN else cid for cid in BY_ID])
def test_case(case_id: str, outcomes: dict[str, Any]) -> None:
    case = BY_ID[case_id]
    result = outcomes["cases"][case_id]
    canary = Path(result["dir"]) / "CANARY"
    out = Path(result["out"])
    assert MARKER not in (result["stdout"] + result["stderr"]).split()  # echoed spec text may quote it
    if case.expect == "ok":
        assert result["rc"] == 0, result["stderr"]
        assert (out / result["package"] / "__init__.py").is_file()
        files = [p for p in Path(result["dir"]).rglob("*") if p.is_file()]
        assert all(p.resolve().is_relative_to(Path(result["dir"]).resolve()) for p in files)
        written = [p for p in out.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
        # The package, and beside it the generated pyproject.toml and the lock (an ad-hoc run keeps its lock in --output).
        assert all(p.resolve().is_relative_to((out / result["package"]).resolve()) or p in (out / "pyproject.toml", out / "openapi-typed-gen.lock.json") for p in written)
        assert outcomes["imported"][result["package"]] == [], outcomes["imported"][result["package"]]
        assert outcomes["mypy"][result["package"]] == [], "\n".join(outcomes["mypy"][result["package"]])
    else:
        assert result["rc"] == 2, (result["rc"], result["stderr"])
        lines = [line for line in result["stderr"].splitlines() if line.strip()]
        assert lines and all(line.startswith("error: ") for line in lines), result["stderr"]
        assert "Traceback" not in result["stderr"]
        expected = case.says.format(port=0).replace("{{", "{").replace("}}", "}")
        assert expected in result["stderr"], result["stderr"]
        assert not out.exists()
    assert not canary.exists()
