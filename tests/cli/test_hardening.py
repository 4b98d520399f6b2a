"""Hardening (issue 19) through the CLI: concurrent runs, terminal escapes in spec text, a
``pattern`` built for catastrophic backtracking, duplicate keys.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.cli.support import Run, load_json, one_error, save_json, snapshot
from tests.conftest import PYTHON, ROOT, tree_bytes
from tests.loopback import Loopback, answer, routes

SPECS = ROOT / "tests" / "specs"
# Every C0 and C1 control but the line feed, DEL, and the bidi overrides and isolates.
CONTROLS = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def pets(title: str, operations: int) -> dict[str, Any]:
    """A small spec with ``operations`` operations (each its own response model)."""
    paths = {
        f"/things{i}/{{id}}": {
            "get": {
                "operationId": f"getThing{i}",
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"type": "object", "properties": {f"field{i}": {"type": "integer"}}}}}}},
            }
        }
        for i in range(operations)
    }
    return {"openapi": "3.1.0", "info": {"title": title, "version": "1.0"}, "servers": [{"url": "https://api.example"}], "paths": paths}


# ------------------------------------------------------------------ two runs at once


@pytest.mark.slow
def test_two_concurrent_generates_leave_exactly_one_runs_output(tmp_path: Path, generator_cache: Path, run: Callable[..., Run]) -> None:
    """Two ``generate`` runs with different specs into one fresh output folder, started together,
    round after round: the package, the pyproject.toml beside it and the lock always come from
    the same run (check against that run's spec passes), never a mix."""
    specs = {"a": save_json(tmp_path / "a.json", pets("Alpha", 2)), "b": save_json(tmp_path / "b.json", pets("Beta", 3))}
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1", "OPENAPI_TYPED_GEN_CACHE": str(generator_cache)}
    seed = random.randrange(2**32)
    rng = random.Random(seed)
    winners = []
    for round_ in range(10):
        out = tmp_path / f"out{round_}"
        procs = {}
        order = ["a", "b"] if rng.random() < 0.5 else ["b", "a"]
        for name in order:
            procs[name] = subprocess.Popen([PYTHON, "-m", "generator", "generate", "--spec", str(specs[name]), "--output", str(out), "--package", "shared_client", "-q"],
                                           cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            time.sleep(rng.uniform(0, 0.05))
        for name, proc in procs.items():
            stdout, stderr = proc.communicate(timeout=180)
            assert (proc.returncode, stdout, stderr) == (0, "", ""), (seed, round_, name, stderr)
        assert sorted(p.name for p in out.iterdir()) == ["openapi-typed-gen.lock.json", "pyproject.toml", "shared_client"], (seed, round_)
        lock = load_json(out / "openapi-typed-gen.lock.json")
        winner = next(name for name, path in specs.items() if lock["spec"]["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest())
        winners.append(winner)
        on_disk = tree_bytes(out)
        recorded = {rel: entry["sha256"] for rel, entry in lock["files"].items()}
        assert {rel: hashlib.sha256(data).hexdigest() for rel, data in on_disk.items() if rel != "openapi-typed-gen.lock.json"} == recorded, (seed, round_)
        check = run("check", "--spec", str(specs[winner]), "--output", str(out), "--package", "shared_client", cwd=tmp_path)
        assert check.returncode == 0, (seed, round_, check.stdout[-2000:])
        assert f"{'Alpha' if winner == 'a' else 'Beta'} 1.0" in (out / "shared_client" / "README.md").read_text(encoding="utf-8")
    print(f"seed {seed}: last writers {winners}")


# ------------------------------------------------------------------ terminal escapes in spec text


def _no_controls(*texts: str) -> None:
    for text in texts:
        found = CONTROLS.findall(text)
        assert not found, (found, text[-2000:])


def test_an_escape_sequence_in_info_version_is_never_printed_raw(tmp_path: Path, run: Callable[..., Run]) -> None:
    shutil.copy(SPECS / "escape_in_version.yaml", tmp_path / "spec.yaml")
    assert '"1.0\\e[2J' in (tmp_path / "spec.yaml").read_text(encoding="utf-8")  # YAML's \e: ESC in the value
    outputs = []
    for args in (
        ("generate", "--spec", "spec.yaml", "--output", "out", "-v"),
        ("check", "--spec", "spec.yaml", "--output", "out", "-v"),
        ("diff", "spec.yaml", "spec.yaml"),
        ("diff", "spec.yaml", "spec.yaml", "--format", "json"),
    ):
        done = run(*args, cwd=tmp_path)
        assert done.returncode == 0, (args, done.stderr)
        outputs += [done.stdout, done.stderr]
    _no_controls(*outputs)
    report = json.loads(outputs[-2])
    assert report["old"]["version"].startswith("1.0") and "\x1b" not in report["old"]["version"]
    # A hand edit of a generated file is shown by check's diff, still without a raw escape.
    init = tmp_path / "out" / "escapes_client" / "__init__.py"
    init.write_text(init.read_text(encoding="utf-8") + "# \x1b[2J cleared\n", encoding="utf-8")
    done = run("check", "--spec", "spec.yaml", "--output", "out", cwd=tmp_path)
    assert done.returncode == 1
    _no_controls(done.stdout, done.stderr)
    assert "\\x1b[2J cleared" in done.stdout


def test_an_escape_sequence_served_to_fetch_is_never_printed_raw(tmp_path: Path, run: Callable[..., Run]) -> None:
    (tmp_path / "specs").mkdir()
    (tmp_path / "pyproject.toml").write_text('[tool.generator]\nspec = "specs/api.yaml"\noutput = "generated"\n', encoding="utf-8")
    served = (SPECS / "escape_in_version.yaml").read_bytes()
    with Loopback(routes({"/spec": answer("200 OK", served)})) as server:
        done = run("fetch", "--url", server.url("/spec"), "--allow-private", cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        _no_controls(done.stdout, done.stderr)
        changed = served.replace(b"operationId: ping", b"operationId: pong", 1)  # a breaking change: the report, then the refusal
        server.script = routes({"/spec": answer("200 OK", changed)})
        for fmt in ("markdown", "json"):
            done = run("fetch", "--url", server.url("/spec"), "--allow-private", "--format", fmt, cwd=tmp_path)
            assert done.returncode == 1, done.stderr
            assert "operation-removed" in done.stdout
            _no_controls(done.stdout, done.stderr)


def test_an_escape_sequence_in_a_bad_reference_is_shown_escaped(tmp_path: Path, run: Callable[..., Run]) -> None:
    doc = pets("Refs", 1)
    doc["paths"]["/things0/{id}"]["get"]["responses"]["200"]["content"]["application/json"]["schema"] = {"$ref": "#/components/schemas/\x1b[31mRed\u202e"}
    save_json(tmp_path / "spec.json", doc)
    done = run("generate", "--spec", "spec.json", "--output", "out", cwd=tmp_path)
    line = one_error(done)
    _no_controls(done.stderr)
    assert "\\x1b[31mRed\\u202e" in line, line
    assert not (tmp_path / "out").exists()


# ------------------------------------------------------------------ catastrophic backtracking


def test_a_pattern_that_backtracks_catastrophically_is_refused_within_the_time_bound(tmp_path: Path, run: Callable[..., Run]) -> None:
    shutil.copy(SPECS / "catastrophic_pattern.yaml", tmp_path / "spec.yaml")
    bound = {"OPENAPI_TYPED_GEN_VALIDATE_TIMEOUT": "2", "OPENAPI_TYPED_GEN_CACHE": "off"}
    started = time.monotonic()
    done = run("generate", "--spec", "spec.yaml", "--output", "out", cwd=tmp_path, env=bound, timeout=60)
    elapsed = time.monotonic() - started
    assert one_error(done) == "spec.yaml#: validation did not finish within 2 s (a `pattern` that backtracks catastrophically?)"
    assert elapsed < 30, elapsed  # the bound, plus start-up, on a busy machine; never the validator's minutes
    assert sorted(p.name for p in tmp_path.iterdir()) == ["spec.yaml"]
    # --lenient: the same finding as a warning, and the client is generated (the pattern is never run by it).
    done = run("generate", "--spec", "spec.yaml", "--output", "out", "--lenient", cwd=tmp_path, env=bound, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "warning: spec.yaml#: validation did not finish within 2 s" in done.stderr
    # diff does not validate: it compares at once.
    done = run("diff", "spec.yaml", "spec.yaml", "--fail-on-breaking", cwd=tmp_path, env=bound, timeout=60)
    assert done.returncode == 0, done.stderr


def test_fetch_of_a_spec_that_backtracks_is_refused_within_the_time_bound(tmp_path: Path, run: Callable[..., Run]) -> None:
    (tmp_path / "specs").mkdir()
    (tmp_path / "pyproject.toml").write_text('[tool.generator]\nspec = "specs/api.yaml"\noutput = "generated"\n', encoding="utf-8")
    before = snapshot(tmp_path)
    with Loopback(routes({"/spec": answer("200 OK", (SPECS / "catastrophic_pattern.yaml").read_bytes())})) as server:
        started = time.monotonic()
        done = run("fetch", "--url", server.url("/spec"), "--allow-private", cwd=tmp_path, env={"OPENAPI_TYPED_GEN_VALIDATE_TIMEOUT": "2", "OPENAPI_TYPED_GEN_CACHE": "off"}, timeout=60)
        elapsed = time.monotonic() - started
    assert one_error(done) == f"{server.url('/spec')}#: validation did not finish within 2 s (a `pattern` that backtracks catastrophically?)"
    assert elapsed < 30, elapsed
    assert snapshot(tmp_path) == before


# ------------------------------------------------------------------ duplicate keys


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("spec.json", '{"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {"/a": {"get": {"operationId": "a", "responses": {"200": {"description": "x"}, "200": {"description": "y"}}}}}}',
         "spec.json#/paths/~1a/get/responses: duplicate key '200'"),
        ("spec.yaml", "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      operationId: a\n      operationId: b\n      responses: {'204': {description: x}}\n",
         "spec.yaml#/paths/~1a/get: duplicate key 'operationId' at line 7 column 7"),
    ],
)
def test_a_duplicate_key_names_its_pointer_for_every_command(name: str, text: str, message: str, tmp_path: Path, run: Callable[..., Run]) -> None:
    (tmp_path / name).write_text(text, encoding="utf-8")
    save_json(tmp_path / "good.json", pets("Good", 1))
    before = snapshot(tmp_path)
    for args in (("generate", "--spec", name, "--output", "out"), ("check", "--spec", name, "--output", "out"), ("diff", "good.json", name)):
        assert one_error(run(*args, cwd=tmp_path)) == message, args
    assert snapshot(tmp_path) == before
