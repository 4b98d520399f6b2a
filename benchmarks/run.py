"""Benchmarks against the peers: generation, no-op runs, import time, per-call overhead, decoding.

Run on demand (not part of ``make test``)::

    .venv/bin/python benchmarks/run.py            # everything, 3 repetitions, peers included
    .venv/bin/python benchmarks/run.py --quick    # 1 repetition, small synthetic specs, no peers

The peers (openapi-python-client, openapi-generator-cli with its bundled jar,
pydantic v2, datamodel-code-generator) are installed from PyPI into
``benchmarks/.venv-peers`` on first use. Every measurement runs in a fresh child
process; the table (medians and our/peer ratios) is printed and written to
``benchmarks/results.md``.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
HERE = ROOT / "benchmarks"
OURS_PY = Path(sys.executable)
PEERS_VENV = HERE / ".venv-peers"
PEERS_PY = PEERS_VENV / "bin" / "python"
PEER_PACKAGES = [
    "openapi-python-client",
    "openapi-generator-cli",
    "pydantic>=2",
    "datamodel-code-generator",
    "httpx",
    "ruff",  # openapi-python-client's post-generation hooks call ruff
]
# The third-party documents the tests use (tests/corpus/SOURCES.tsv says from where).
CORPUS = ROOT / "tests" / "corpus" / "specs"
INSTANTLY_FULL = CORPUS / "real_instantly_api_v2_2026-06-11.json"
# The previous published version: regenerating after a spec change starts from its cache.
INSTANTLY_BEFORE = CORPUS.parent.parent / "history" / "api_v2_2026-04-01.json"
GITHUB = CORPUS / "real_github_rest_v3_1.1.4.json"
# specs/api_v2.json is the served Instantly document (the same as INSTANTLY_FULL): generated ad hoc
# it would be the full client again; the project's own OAuth build is measured by project_build.
DEFAULT_SPECS = [
    ("Instantly full", INSTANTLY_FULL),
    ("GitHub REST", GITHUB),
]
TIMEOUT = 1800.0


# ---------------------------------------------------------------- measuring processes


@dataclass
class Run:
    seconds: float
    peak_mb: float
    ok: bool
    error: str = ""


def _pss_kb(pid: int) -> int | None:
    """Proportional set size: pages shared between processes (a fork's copy-on-write heap) count once in total."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii", errors="replace") as fh:
            found = re.search(r"^Pss:\s+(\d+)", fh.read(), re.M)
    except OSError:
        return None
    return int(found.group(1)) if found else None


def _tree_rss_kb(root: int) -> int:
    """Memory of ``root`` and every descendant (Linux /proc): the sum of their PSS, or of VmRSS where PSS is unreadable."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/status", encoding="ascii", errors="replace") as fh:
                text = fh.read()
        except OSError:
            continue
        pid = int(entry.name)
        ppid = re.search(r"^PPid:\s+(\d+)", text, re.M)
        vm = re.search(r"^VmRSS:\s+(\d+)", text, re.M)
        if ppid:
            children.setdefault(int(ppid.group(1)), []).append(pid)
        rss[pid] = int(vm.group(1)) if vm else 0
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        pss = _pss_kb(pid)
        total += pss if pss is not None else rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total


# A wrapper process per measurement: its RUSAGE_CHILDREN maxrss covers only this
# command's process tree (the largest single process, whichever finished last),
# so one run never inherits another's peak. It times the command itself, so that
# its own interpreter's start is not counted.
_WRAPPER = """
import resource, subprocess, sys, time
start = time.perf_counter()
rc = subprocess.run(sys.argv[2:], stdout=subprocess.DEVNULL, stderr=open(sys.argv[1], "w")).returncode
elapsed = time.perf_counter() - start
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, rc, elapsed)
"""


def measure(cmd: Sequence[str], env: dict[str, str] | None = None, cwd: Path | None = None) -> Run:
    """Wall time and peak memory of a command's whole process tree.

    Peak = max(sampled sum of PSS over the live tree every 20 ms, the largest single
    process's ru_maxrss), so both parallel workers and a short-lived big child count,
    and memory that forked workers share with their parent is not counted twice.
    """
    with tempfile.NamedTemporaryFile("r", suffix=".err") as err:
        proc = subprocess.Popen(
            [sys.executable, "-c", _WRAPPER, err.name, *cmd],
            stdout=subprocess.PIPE,
            text=True,
            env=env,
            cwd=cwd,
            start_new_session=True,  # so a timeout can end the whole tree
        )
        peak_kb = 0
        stop = threading.Event()

        def sample() -> None:
            nonlocal peak_kb
            while not stop.wait(0.02):
                peak_kb = max(peak_kb, _tree_rss_kb(proc.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        try:
            out, _ = proc.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            proc.communicate()
            stop.set()
            return Run(TIMEOUT, 0.0, False, "timed out")
        stop.set()
        sampler.join()
        fields = out.split()
        maxrss, rc, elapsed = int(fields[0]), int(fields[1]), float(fields[2])
        peak_kb = max(peak_kb, maxrss)
        error = "" if rc == 0 else _first_error(err.read(), rc)
    return Run(elapsed, peak_kb / 1024, rc == 0, error)


def _first_error(stderr: str, rc: int) -> str:
    """The most telling line of a failed command's stderr (an exception beats the last line)."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    # A raised exception's own line ("KeyError: 'x'", "Exception in thread ..."), not a
    # line of a (rich) traceback that merely mentions an error class.
    raised = [line for line in lines if re.match(r"([\w.]*(Error|Exception)\b[:(]|Exception in thread|error:)", line)]
    telling = raised or [line for line in lines if re.search(r"Exception|Error|error:", line)]
    text = (telling or lines or [f"exit {rc}"])[-1 if raised else 0]
    return f"exit {rc}: {text}"[:140]


def python_json(python: Path, code: str, env: dict[str, str] | None = None) -> Any:
    """Run code in a fresh interpreter; it prints one JSON value on its last line."""
    out = subprocess.run(
        [str(python), "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env=env,
        timeout=TIMEOUT,
    )
    if out.returncode != 0:
        raise RuntimeError(out.stderr.strip().splitlines()[-1] if out.stderr.strip() else "failed")
    return json.loads(out.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------- results table


@dataclass
class Row:
    section: str
    name: str
    ours: str
    peer: str = ""
    ratio: str = ""
    note: str = ""


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, section: str, name: str, ours: str, peer: str = "", ratio: str = "", note: str = "") -> None:
        self.rows.append(Row(section, name, ours, peer, ratio, note))
        print(f"  {section} | {name} | {ours} | {peer} | {ratio} | {note}", file=sys.stderr, flush=True)


def med(values: Sequence[float]) -> float:
    return statistics.median(values)


def fmt_s(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds * 1e6:.1f} µs"


def ratio(ours: float, peer: float | None) -> str:
    return "" if not peer else f"{ours / peer:.2f}x"


# ---------------------------------------------------------------- specs


def synthetic_spec(operations: int) -> dict[str, Any]:
    """An OpenAPI 3.0 document with ``operations`` operations over realistic shapes.

    Every 4 operations (list, create, get, delete) share one resource and its model;
    20 resources per tag; each model has strings, a uuid, a date-time, an enum, a
    number, a nested object and an array of a small shared item model.
    """
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {
        "Tag": {
            "type": "object",
            "required": ["name"],
            "properties": {"name": {"type": "string"}, "color": {"type": "string", "nullable": True}},
        },
        "Error": {
            "type": "object",
            "required": ["message"],
            "properties": {"message": {"type": "string"}, "code": {"type": "integer"}},
        },
    }
    error = {"description": "Error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    made = 0
    index = 0
    while made < operations:
        name = f"Item{index}"
        tag = f"group{index // 20}"
        schemas[name] = {
            "type": "object",
            "description": f"Resource number {index}.",
            "required": ["id", "name"],
            "properties": {
                "id": {"type": "string", "format": "uuid"},
                "name": {"type": "string", "description": "Display name."},
                "created_at": {"type": "string", "format": "date-time"},
                "status": {"type": "string", "enum": ["active", "paused", "done"]},
                "score": {"type": "number", "nullable": True},
                "count": {"type": "integer"},
                "owner": {
                    "type": "object",
                    "properties": {"email": {"type": "string"}, "team": {"type": "string"}},
                },
                "tags": {"type": "array", "items": {"$ref": "#/components/schemas/Tag"}},
            },
        }
        ref = {"$ref": f"#/components/schemas/{name}"}
        body = {"required": True, "content": {"application/json": {"schema": ref}}}
        ok = {"description": "OK", "content": {"application/json": {"schema": ref}}}
        ops = {
            ("get", f"/r{index}"): {
                "operationId": f"list_item{index}",
                "parameters": [
                    {"name": "limit", "in": "query", "schema": {"type": "integer"}},
                    {"name": "cursor", "in": "query", "schema": {"type": "string"}},
                ],
                "responses": {
                    "200": {
                        "description": "OK",
                        "content": {"application/json": {"schema": {"type": "array", "items": ref}}},
                    },
                    "404": error,
                },
            },
            ("post", f"/r{index}"): {
                "operationId": f"create_item{index}",
                "requestBody": body,
                "responses": {"201": ok, "400": error},
            },
            ("get", f"/r{index}/{{id}}"): {
                "operationId": f"get_item{index}",
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {"200": ok, "404": error},
            },
            ("delete", f"/r{index}/{{id}}"): {
                "operationId": f"delete_item{index}",
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {"204": {"description": "Deleted"}, "404": error},
            },
        }
        for (method, path), op in ops.items():
            if made == operations:
                break
            op["tags"] = [tag]
            op["summary"] = op["operationId"].replace("_", " ")
            paths.setdefault(path, {})[method] = op
            made += 1
        index += 1
    return {
        "openapi": "3.0.3",
        "info": {"title": "Synthetic", "version": "1.0.0"},
        "servers": [{"url": "https://api.example.com"}],
        "paths": paths,
        "components": {"schemas": schemas},
    }


def count_operations(spec: Path) -> int:
    doc = json.loads(spec.read_text()) if spec.suffix == ".json" else None
    if doc is None:
        import yaml

        doc = yaml.safe_load(spec.read_text())
    methods = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
    return sum(1 for item in doc.get("paths", {}).values() for m in item if m in methods)


def lead_spec(source: Path) -> dict[str, Any]:
    """A document with one operation returning a list of Instantly's Lead schema
    (``def-11``, renamed ``Lead`` so every generator names the model the same)."""
    doc = json.loads(source.read_text())
    schemas = doc["components"]["schemas"]
    key = next(k for k, v in schemas.items() if v.get("title") == "Lead")
    text = json.dumps(schemas).replace(f'"#/components/schemas/{key}"', '"#/components/schemas/Lead"')
    schemas = json.loads(text)
    schemas["Lead"] = schemas.pop(key)
    return {
        "openapi": doc["openapi"],
        "info": {"title": "Leads", "version": "1.0.0"},
        "paths": {
            "/leads": {
                "get": {
                    "operationId": "list_leads",
                    "tags": ["Lead"],
                    "responses": {
                        "200": {
                            "description": "Leads",
                            "content": {
                                "application/json": {
                                    "schema": {"type": "array", "items": {"$ref": "#/components/schemas/Lead"}}
                                }
                            },
                        }
                    },
                }
            }
        },
        "components": {"schemas": {"Lead": schemas["Lead"]}},
    }


def example_value(schema: dict[str, Any], i: int, depth: int = 0) -> Any:
    """A realistic value for a schema: its example when it fits the type, else one made up."""
    kinds = schema.get("type", "object")
    kinds = [k for k in (kinds if isinstance(kinds, list) else [kinds]) if k != "null"] or ["null"]
    kind = kinds[0]
    if "enum" in schema:
        members = [m for m in schema["enum"] if m is not None]
        return members[i % len(members)] if members else None
    fmt = schema.get("format", "")
    if kind == "string":
        if fmt == "uuid":
            return f"f9cc070d-8dba-4341-b847-{i:012x}"
        if fmt == "date-time":
            return f"2025-0{1 + i % 9}-1{i % 10}T12:{i % 60:02d}:00.000Z"
        if fmt == "date":
            return f"2025-0{1 + i % 9}-1{i % 10}"
        example = schema.get("example")
        if isinstance(example, str):
            return example.replace("example", f"example{i}", 1)
        return f"value-{i}"
    if kind in ("number", "integer"):
        example = schema.get("example")
        return example if isinstance(example, (int, float)) and not isinstance(example, bool) else i % 100
    if kind == "boolean":
        return i % 2 == 0
    if kind == "array":
        return [example_value(schema.get("items", {}), i + j, depth + 1) for j in range(2)] if depth < 4 else []
    if kind == "object":
        props = schema.get("properties", {})
        if depth > 4:
            return {}
        return {name: example_value(sub, i, depth + 1) for name, sub in props.items()}
    return None


# ---------------------------------------------------------------- the benchmark


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.reps: int = args.reps
        self.work = Path(tempfile.mkdtemp(prefix="bench-", dir=args.workdir))
        self.report = Report()
        self.peers = not args.no_peers
        self.versions: dict[str, str] = {}
        self.env_peers = dict(os.environ, PATH=f"{PEERS_VENV / 'bin'}:{os.environ.get('PATH', '')}")
        self.generated: dict[str, dict[str, Path]] = {}  # label -> {"ours": pkg dir, "opc": pkg dir}
        self.opc_runs: dict[str, Run] = {}  # label -> openapi-python-client's generation
        self.opc_literal: dict[str, Path] = {}  # label -> config giving openapi-python-client ``literal_enums``

    # -- generation

    def ours_cmd(self, spec: Path, out: Path, package: str) -> list[str]:
        return [str(OURS_PY), "-m", "generator", "generate", "--spec", str(spec), "--output", str(out),
                "--package", package, "-q", "--lenient"]

    def min_reps(self, floor: int) -> int:
        """Cheap measurements get at least ``floor`` repetitions, except in --quick."""
        return self.reps if self.args.quick else max(self.reps, floor)

    def reps_for(self, operations: int) -> int:
        large = operations > self.args.large_ops and self.args.large_reps is not None
        return self.args.large_reps if large else self.reps

    def gen_ours(self, label: str, spec: Path, package: str, rep: int) -> tuple[Run, Run]:
        """One cold run (fresh cache) and one warm run (same cache, fresh output folder)."""
        cache_dir = self.work / f"cache-{package}-{rep}"
        env = dict(os.environ, OPENAPI_TYPED_GEN_CACHE=str(cache_dir))
        out = self.work / f"ours-{package}-{rep}"
        cold = measure(self.ours_cmd(spec, out, package), env=env, cwd=self.work)
        shutil.rmtree(out, ignore_errors=True)
        warm = measure(self.ours_cmd(spec, out, package), env=env, cwd=self.work)
        if rep < self.reps - 1:
            shutil.rmtree(out, ignore_errors=True)
            shutil.rmtree(cache_dir, ignore_errors=True)
        else:
            self.generated.setdefault(label, {})["ours"] = out / package
            self.generated[label]["ours_cache"] = cache_dir
            self.generated[label]["ours_spec"] = spec
        return cold, warm

    def gen_opc(self, label: str, spec: Path, package: str, rep: int) -> Run:
        out = self.work / f"opc-{package}-{rep}" / f"{package}_opc"
        shutil.rmtree(out.parent, ignore_errors=True)
        out.parent.mkdir(parents=True)
        cmd = [str(PEERS_VENV / "bin" / "openapi-python-client"), "generate", "--path", str(spec),
               "--output-path", str(out), "--meta", "none"]
        if label in self.opc_literal:
            cmd += ["--config", str(self.opc_literal[label])]
        run = measure(cmd, env=self.env_peers, cwd=out.parent)
        if not run.ok and "Duplicate key" in run.error and label not in self.opc_literal:
            # Its Enum classes cannot hold two values that name the same member (GitHub's
            # "+1" and "add"...); its own option ``literal_enums`` writes Literal types instead.
            config = self.work / "opc-literal-enums.yaml"
            config.write_text("literal_enums: true\n")
            self.opc_literal[label] = config
            self.report.notes.append(f"openapi-python-client on {spec.name}: {run.error}; timed with its "
                                     "option `literal_enums: true` (Literal types instead of Enum classes)")
            return self.gen_opc(label, spec, package, rep)
        if not run.ok and (out / "client.py").exists():
            # It exits 1 when it skipped parts of the document it could not parse,
            # but still writes the package: count the run, keep a note.
            note = f"openapi-python-client on {spec.name}: {run.error}; package written anyway"
            if note not in self.report.notes:
                self.report.notes.append(note)
            run = Run(run.seconds, run.peak_mb, True)
        if run.ok:
            self.generated.setdefault(label, {})["opc"] = out
        return run

    def gen_pair(self, label: str, spec: Path, package: str) -> tuple[Run, Run, Run | None]:
        """Ours and openapi-python-client in turn, repetition by repetition, so that a
        burst of load on the machine falls on both sides rather than on one."""
        cold: list[Run] = []
        warm: list[Run] = []
        opc: list[Run] = []
        for rep in range(self.reps):
            one_cold, one_warm = self.gen_ours(label, spec, package, rep)
            cold.append(one_cold)
            warm.append(one_warm)
            if self.peers and (not opc or opc[-1].ok):  # a crash on this input repeats: not timed again
                opc.append(self.gen_opc(label, spec, package, rep))
        return summarize(cold), summarize(warm), (summarize(opc) if opc else None)

    def gen_ogc(self, spec: Path, package: str) -> Run:
        runs = []
        skip: list[str] = []
        for rep in range(self.reps):
            out = self.work / f"ogc-{package}-{rep}"
            cmd = [str(PEERS_VENV / "bin" / "openapi-generator-cli"), "generate", "-i", str(spec), "-g", "python",
                   "-o", str(out), "--package-name", f"{package}_ogc", *skip]
            runs.append(measure(cmd, env=self.env_peers))
            if not runs[-1].ok and "SpecValidationException" in runs[-1].error and not skip:
                # Its own validator refuses the document (GitHub's); its option skips that check.
                self.report.notes.append(f"openapi-generator on {spec.name}: {runs[-1].error}; timed with "
                                         "its option `--skip-validate-spec`")
                skip = ["--skip-validate-spec"]
                shutil.rmtree(out, ignore_errors=True)
                runs[-1] = measure(cmd + skip, env=self.env_peers)
            shutil.rmtree(out, ignore_errors=True)
            if not runs[-1].ok:
                break  # a crash on this input repeats; do not time it again
        return summarize(runs)

    def generation(self, specs: list[tuple[str, Path]], sizes: list[int]) -> None:
        inputs: list[tuple[str, Path, int]] = []
        for label, path in specs:
            if path.exists():
                inputs.append((label, path, count_operations(path)))
            else:
                self.report.notes.append(f"{label}: {path} not found, skipped")
        for size in sizes:
            path = self.work / f"synthetic_{size}.json"
            path.write_text(json.dumps(synthetic_spec(size)))
            inputs.append((f"synthetic {size} ops", path, size))
        for n, (label, path, ops) in enumerate(inputs):
            package = f"bench{n}_client"
            self.reps = self.reps_for(ops)
            print(f"generation: {label}, {self.reps} repetitions", file=sys.stderr, flush=True)
            cold, warm, opc = self.gen_pair(label, path, package)
            if opc is not None:
                self.opc_runs[label] = opc
            ogc = self.gen_ogc(path, package) if self.peers else None
            sect = "generation time"
            peer_txt = run_txt(opc, "s") if opc else ""
            self.report.add(sect, f"{label} ({ops} ops), ours cold vs openapi-python-client", run_txt(cold, "s"),
                            peer_txt, ratio(cold.seconds, opc.seconds if opc and opc.ok else None),
                            f"{fmt_s(cold.seconds / max(ops, 1))}/op")
            self.report.add(sect, f"{label}, ours warm cache vs openapi-python-client", run_txt(warm, "s"),
                            peer_txt, ratio(warm.seconds, opc.seconds if opc and opc.ok else None),
                            f"{fmt_s(warm.seconds / max(ops, 1))}/op")
            if ogc:
                self.report.add(sect, f"{label}, ours cold vs openapi-generator (python)", run_txt(cold, "s"),
                                run_txt(ogc, "s"), ratio(cold.seconds, ogc.seconds if ogc.ok else None))
            sect = "generation peak memory"
            self.report.add(sect, f"{label}, ours cold vs openapi-python-client", run_txt(cold, "mb"),
                            run_txt(opc, "mb") if opc else "",
                            ratio(cold.peak_mb, opc.peak_mb if opc and opc.ok else None))
            self.report.add(sect, f"{label}, ours warm cache", run_txt(warm, "mb"))
            if ogc:
                self.report.add(sect, f"{label}, ours cold vs openapi-generator (python)", run_txt(cold, "mb"),
                                run_txt(ogc, "mb"), ratio(cold.peak_mb, ogc.peak_mb if ogc.ok else None))
            if self.reps != self.args.reps:
                self.report.notes.append(f"{label}: {self.reps} repetition(s) (--large-reps)")
            self.reps = self.args.reps

    # -- regenerating after the spec changed

    def spec_changed(self) -> None:
        """The build-step case: the previous version's output and lock are there, the spec moved on,
        and the machine has no cache (a fresh CI runner): only what changed is validated and formatted
        again (the lock keeps the digests of the spec's parts that passed and each file's rendered hash)."""
        label = "Instantly full"
        if not INSTANTLY_BEFORE.exists() or label not in self.generated:
            return
        runs: list[Run] = []
        cold: list[Run] = []
        no_cache = dict(os.environ, OPENAPI_TYPED_GEN_CACHE="off")
        for rep in range(self.reps):
            out = self.work / f"ours-changed-{rep}"
            measure(self.ours_cmd(INSTANTLY_BEFORE, out, "changed_client"), env=no_cache, cwd=self.work)
            runs.append(measure(self.ours_cmd(INSTANTLY_FULL, out, "changed_client"), env=no_cache, cwd=self.work))
            shutil.rmtree(out, ignore_errors=True)
            cold.append(measure(self.ours_cmd(INSTANTLY_FULL, out, "changed_client"), env=no_cache, cwd=self.work))
            shutil.rmtree(out, ignore_errors=True)
        ours, fresh = summarize(runs), summarize(cold)
        peer = self.opc_runs.get(label)
        self.report.add("generation time", f"{label}: regenerate after the spec changed ({INSTANTLY_BEFORE.name} → "
                        f"{INSTANTLY_FULL.name}, previous output and lock, no cache) vs a cold generation",
                        run_txt(ours, "s"), run_txt(fresh, "s"), ratio(ours.seconds, fresh.seconds), note="target ≤ 0.3x")
        self.report.add("generation time", f"{label}: regenerate after the spec changed vs openapi-python-client",
                        run_txt(ours, "s"), run_txt(peer, "s") if peer else "",
                        ratio(ours.seconds, peer.seconds if peer and peer.ok else None))
        self.report.add("generation peak memory", f"{label}: regenerate after the spec changed vs openapi-python-client",
                        run_txt(ours, "mb"), run_txt(peer, "mb") if peer else "",
                        ratio(ours.peak_mb, peer.peak_mb if peer and peer.ok else None))

    def project_build(self) -> None:
        """This project's own build: the OAuth client from the full served Instantly document, selected
        by tag in [tool.generator], cold (no cache)."""
        project = self.work / "project"
        (project / "specs").mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ROOT / "specs" / "api_v2.json", project / "specs" / "api_v2.json")
        (project / "pyproject.toml").write_text(
            '[tool.generator]\nspec = "specs/api_v2.json"\noutput = "generated"\npackage = "instantly_client"\ninclude_tags = ["OAuth"]\n',
            encoding="utf-8",
        )
        env = dict(os.environ, OPENAPI_TYPED_GEN_CACHE="off")
        runs = []
        for _ in range(self.min_reps(3)):
            shutil.rmtree(project / "generated", ignore_errors=True)
            (project / "specs" / "api_v2.lock.json").unlink(missing_ok=True)
            runs.append(measure([str(OURS_PY), "-m", "generator", "generate", "-q"], env=env, cwd=project))
        self.report.add("generation time", "this project's build: OAuth tag of the full Instantly document, cold",
                        run_txt(summarize(runs), "s"), note="target ≤ 3 s")

    # -- no-op generate / check

    def noop(self) -> None:
        for label, entry in self.generated.items():
            if "ours" not in entry or not entry["ours"].exists() or "synthetic" in label:
                continue
            pkg = entry["ours"]
            env = dict(os.environ, OPENAPI_TYPED_GEN_CACHE=str(entry["ours_cache"]))
            for command in ("generate", "check"):
                cmd = self.ours_cmd(entry["ours_spec"], pkg.parent, pkg.name)
                cmd[3] = command
                if command == "check":
                    cmd.remove("-q")
                runs = [measure(cmd, env=env, cwd=self.work) for _ in range(self.min_reps(3))]
                self.report.add("no-op (nothing changed, warm cache)", f"`{command}` on {label}",
                                run_txt(summarize(runs), "s"), note="target < 0.25 s")

    # -- import time

    def imports(self) -> None:
        """Each package imported in fresh interpreters twice over: as on an app's first start
        (no bytecode yet, none written) and as on every later one (bytecode compiled, for
        ours and for openapi-python-client's package alike)."""
        reps = self.min_reps(9)  # fresh interpreters; this machine has bursts of load
        no_pyc = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
        for label, entry in self.generated.items():
            if "synthetic" in label or "ours" not in entry or not entry["ours"].exists():
                continue
            pkg = entry["ours"]
            top = _import_code(pkg.parent, f"import {pkg.name} as p; p.Client(api_key='x').close(); p.AsyncClient")
            full = _import_code(pkg.parent, f"import {pkg.name} as p, pkgutil, importlib\n"
                                f"for m in pkgutil.walk_packages(p.__path__, '{pkg.name}.'): "
                                "importlib.import_module(m.name)")
            peer_code = None
            if "opc" in entry:
                opc = entry["opc"]
                first = sorted(p for p in (opc / "api").rglob("*.py") if p.name != "__init__.py")[0]
                module = ".".join(first.relative_to(opc.parent).with_suffix("").parts)
                peer_code = _import_code(opc.parent, f"from {opc.name} import Client; Client('http://x'); import {module}")
            for start, env in (("first start, no bytecode", no_pyc), ("bytecode compiled", None)):
                if env is None:
                    _compile(OURS_PY, pkg)
                    if "opc" in entry:
                        _compile(PEERS_PY, entry["opc"])
                t_top = med([python_json(OURS_PY, top, env) for _ in range(reps)])
                peer = None
                if peer_code is not None:
                    try:
                        peer = med([python_json(PEERS_PY, peer_code, env) for _ in range(reps)])
                    except RuntimeError as exc:
                        self.report.notes.append(f"openapi-python-client import on {label} failed: {exc}")
                self.report.add("import time beyond httpx (fresh interpreter)",
                                f"{label}, {start}: ours `Client` + client built vs openapi-python-client `Client` + one operation",
                                fmt_s(t_top), fmt_s(peer) if peer else "", ratio(t_top, peer), "target ≤ 50 ms")
            t_full = med([python_json(OURS_PY, full) for _ in range(reps)])
            self.report.add("import time beyond httpx (fresh interpreter)",
                            f"{label}, bytecode compiled: ours, every module of the package", fmt_s(t_full))

    # -- per-call overhead

    def calls(self) -> None:
        pkg_dir = ROOT / "generated"
        code = f"""
        import asyncio, json, statistics, sys, time
        sys.path.insert(0, {str(pkg_dir)!r})
        import httpx
        from instantly_client import AsyncClient, Client
        port, n = {{port}}, {self.args.calls}
        base = f"http://127.0.0.1:{{{{port}}}}"
        path = "/api/v2/oauth/session/status/abc"
        hdr = {{{{"Authorization": "Bearer x"}}}}
        res = {{{{}}}}
        def block(fn, k):
            out = []
            for _ in range(k):
                t = time.perf_counter(); fn(); out.append(time.perf_counter() - t)
            return out
        with httpx.Client(base_url=base) as bare, Client(api_key="x", base_url=base) as gen:
            def b():
                r = bare.get(path, headers=hdr); r.raise_for_status(); return r.json()
            def g():
                return gen.oauth.get_oauth_session_status("abc")
            block(b, 50); block(g, 50)
            tb, tg = [], []
            for _ in range(40):  # short turns: a burst of load falls on both sides
                tb += block(b, n // 40); tg += block(g, n // 40)
            res["sync"] = [statistics.median(tg), statistics.median(tb)]
        async def amain():
            async with httpx.AsyncClient(base_url=base) as bare, AsyncClient(api_key="x", base_url=base) as gen:
                async def ablock(fn, k):
                    out = []
                    for _ in range(k):
                        t = time.perf_counter(); await fn(); out.append(time.perf_counter() - t)
                    return out
                async def b():
                    r = await bare.get(path, headers=hdr); r.raise_for_status(); return r.json()
                async def g():
                    return await gen.oauth.get_oauth_session_status("abc")
                await ablock(b, 50); await ablock(g, 50)
                tb, tg = [], []
                for _ in range(40):
                    tb += await ablock(b, n // 40); tg += await ablock(g, n // 40)
                res["async"] = [statistics.median(tg), statistics.median(tb)]
        asyncio.run(amain())
        print(json.dumps(res))
        """
        body = json.dumps({"status": "success", "email": "john@example.com", "session_id": "abc",
                           "expires_at": "2026-01-01T00:00:00.000Z"}).encode()
        server, port = start_server(body)
        try:
            res = python_json(OURS_PY, code.format(port=port))
        finally:
            server.terminate()
            server.wait()
        for mode in ("sync", "async"):
            gen, bare = res[mode]
            self.report.add(f"per-call time, loopback server (median of {self.args.calls} calls)",
                            f"{mode}: generated client vs bare httpx (get + json)", fmt_s(gen), fmt_s(bare),
                            ratio(gen, bare), f"overhead {fmt_s(gen - bare)}/call; target ≤ 1.05x")

    # -- decoding

    def decoding(self) -> None:
        spec_path = self.work / "leads.json"
        spec_path.write_text(json.dumps(lead_spec(self.args.decode_spec)))
        schema = lead_spec(self.args.decode_spec)["components"]["schemas"]["Lead"]
        items = [example_value(schema, i) for i in range(self.args.decode_items)]
        data = self.work / "leads_data.json"
        data.write_text(json.dumps(items))
        reps = self.min_reps(5)
        loop = f"""
        import json, statistics, sys, time
        data = json.load(open({str(data)!r}))
        def bench(fn):
            fn()
            times = []
            for _ in range({reps}):
                t = time.perf_counter(); out = fn(); times.append(time.perf_counter() - t)
            assert len(out) == len(data)
            return statistics.median(times)
        """
        env = dict(os.environ, OPENAPI_TYPED_GEN_CACHE=str(self.work / "cache-leads"))
        out = self.work / "leads-ours"
        subprocess.run(self.ours_cmd(spec_path, out, "leads_client"), env=env, cwd=self.work, check=True,
                       capture_output=True)
        ours_code = loop + f"""
        sys.path.insert(0, {str(out)!r})
        from leads_client.models import Lead
        print(bench(lambda: [Lead.from_dict(x) for x in data]))
        """
        # Each side runs in several fresh processes, alternating with the peer's, so a
        # burst of load or a garbage-collection-heavy process does not decide the ratio.
        processes = 1 if self.args.quick else 9
        ours_runs: list[float] = []
        n = len(items)
        sect = f"decoding {n} Instantly leads (JSON already parsed) into models"
        if not self.peers:
            ours = med([python_json(OURS_PY, ours_code) for _ in range(processes)])
            self.report.add(sect, "ours `Lead.from_dict`", fmt_s(ours), note=f"{fmt_s(ours / n)}/object")
            return
        opc_out = self.work / "leads-opc" / "leads_opc"
        opc_out.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([str(PEERS_VENV / "bin" / "openapi-python-client"), "generate", "--path", str(spec_path),
                        "--output-path", str(opc_out), "--meta", "none"], env=self.env_peers, check=True,
                       capture_output=True, cwd=opc_out.parent)
        opc_code = loop + f"""
        sys.path.insert(0, {str(opc_out.parent)!r})
        from leads_opc.models import Lead
        print(bench(lambda: [Lead.from_dict(x) for x in data]))
        """
        opc_runs: list[float] = []
        for _ in range(processes):
            ours_runs.append(python_json(OURS_PY, ours_code))
            opc_runs.append(python_json(PEERS_PY, opc_code))
        ours, opc = med(ours_runs), med(opc_runs)
        pyd_file = self.work / "leads_pydantic.py"
        subprocess.run([str(PEERS_VENV / "bin" / "datamodel-codegen"), "--input", str(spec_path), "--input-file-type",
                        "openapi", "--output", str(pyd_file), "--output-model-type", "pydantic_v2.BaseModel"],
                       env=self.env_peers, check=True, capture_output=True)
        pyd = python_json(PEERS_PY, loop + f"""
        sys.path.insert(0, {str(self.work)!r})
        from pydantic import TypeAdapter
        from leads_pydantic import Lead
        adapter = TypeAdapter(list[Lead])
        print(bench(lambda: adapter.validate_python(data)))
        """)
        self.report.add(sect, "ours `Lead.from_dict` vs openapi-python-client `Lead.from_dict`", fmt_s(ours),
                        fmt_s(opc), ratio(ours, opc),
                        f"{fmt_s(ours / n)}/object; median of {processes} processes each; target ≤ 1.00x")
        self.report.add(sect, "ours `Lead.from_dict` vs pydantic v2 (datamodel-codegen models)", fmt_s(ours),
                        fmt_s(pyd), ratio(ours, pyd))

    # -- versions

    def collect_versions(self) -> None:
        import black
        import httpx

        self.versions["openapi-typed-gen"] = subprocess.run(
            ["git", "-C", str(ROOT), "describe", "--always", "--dirty"], capture_output=True, text=True
        ).stdout.strip()
        self.versions["python"] = platform.python_version()
        self.versions["black"] = black.__version__
        self.versions["httpx"] = httpx.__version__
        if self.peers:
            got = python_json(PEERS_PY, """
            import json
            from importlib.metadata import version
            print(json.dumps({n: version(n) for n in ["openapi-python-client", "openapi-generator-cli",
                  "pydantic", "datamodel-code-generator", "ruff"]}))
            """)
            self.versions.update(got)
            java = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr.splitlines()
            self.versions["java"] = java[0] if java else "?"


def _compile(python: Path, package: Path) -> None:
    """Byte-compile a package, as its first import (or ``pip install``) leaves it."""
    # A module that does not compile (openapi-python-client writes one on the Instantly spec) stays as it is.
    subprocess.run([str(python), "-m", "compileall", "-q", str(package)], timeout=TIMEOUT, stdout=subprocess.DEVNULL)


def _import_code(path: Path, statement: str) -> str:
    return (
        f"import sys, time, json\nsys.path.insert(0, {str(path)!r})\nimport httpx\nhttpx.Client().close()\n"
        f"t = time.perf_counter()\n{statement}\nprint(json.dumps(time.perf_counter() - t))\n"
    )


def summarize(runs: list[Run]) -> Run:
    good = [r for r in runs if r.ok]
    if not good:
        return Run(0.0, 0.0, False, runs[-1].error if runs else "not run")
    return Run(med([r.seconds for r in good]), med([r.peak_mb for r in good]), True)


def run_txt(run: Run | None, unit: str) -> str:
    if run is None:
        return ""
    if not run.ok:
        return f"failed ({run.error})".replace("|", "/")
    return fmt_s(run.seconds) if unit == "s" else f"{run.peak_mb:.0f} MB"


_SERVER = """
import asyncio, sys
body = sys.stdin.buffer.read()
head = (b"HTTP/1.1 200 OK\\r\\ncontent-type: application/json\\r\\ncontent-length: "
        + str(len(body)).encode() + b"\\r\\n\\r\\n")
async def handle(reader, writer):
    try:
        while True:
            request = await reader.readuntil(b"\\r\\n\\r\\n")
            if not request:
                break
            writer.write(head + body)
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    writer.close()
async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    await server.serve_forever()
asyncio.run(main())
"""


def start_server(body: bytes) -> tuple[subprocess.Popen[bytes], int]:
    """A keep-alive HTTP/1.1 server on 127.0.0.1 in its own process, same body for every request."""
    proc = subprocess.Popen([sys.executable, "-c", _SERVER], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(body)
    proc.stdin.close()
    port = int(proc.stdout.readline())
    with socket.create_connection(("127.0.0.1", port), timeout=5):
        pass
    return proc, port


def ensure_peers() -> None:
    if (PEERS_VENV / ".installed").exists():
        return
    print(f"installing peers into {PEERS_VENV} ...", file=sys.stderr, flush=True)
    if not PEERS_PY.exists():
        subprocess.run([sys.executable, "-m", "venv", str(PEERS_VENV)], check=True)
    subprocess.run([str(PEERS_PY), "-m", "pip", "install", "-q", "--disable-pip-version-check", *PEER_PACKAGES],
                   check=True)
    (PEERS_VENV / ".installed").write_text("\n".join(PEER_PACKAGES) + "\n")


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = os.getloadavg()
    return f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}; load average at start {load[0]:.1f}"


def render_table(bench: Bench, started: str, load_start: str, seconds: float) -> str:
    lines = [
        "# Benchmark results",
        "",
        f"- date: {started}",
        f"- machine: {load_start}; load average at end {os.getloadavg()[0]:.1f}",
        "- versions: " + ", ".join(f"{k} {v}" for k, v in bench.versions.items()),
        f"- repetitions: {bench.reps} (median reported); benchmark took {seconds:.0f} s"
        + ("; --quick" if bench.args.quick else "") + ("; peers skipped" if not bench.peers else ""),
        "- ratio = ours / peer (below 1.00x means ours is faster or smaller)",
        "",
        "| section | measurement | ours | peer | ratio | note |",
        "|---|---|---|---|---|---|",
    ]
    for row in bench.report.rows:
        lines.append(f"| {row.section} | {row.name} | {row.ours} | {row.peer} | {row.ratio} | {row.note} |")
    if bench.report.notes:
        lines += ["", *[f"- {n}" for n in bench.report.notes]]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="1 repetition, small synthetic sizes, no peers")
    parser.add_argument("--no-peers", action="store_true", help="measure ours only")
    parser.add_argument("--reps", type=int, default=None, help="repetitions per measurement (default 3)")
    parser.add_argument("--large-reps", type=int, default=None,
                        help="repetitions for generation inputs over --large-ops operations (default: --reps)")
    parser.add_argument("--large-ops", type=int, default=1000, help="inputs over this many operations are large")
    parser.add_argument("--spec", action="append", default=None, metavar="LABEL=FILE",
                        help="a real spec to generate (repeatable; default: full Instantly, GitHub)")
    parser.add_argument("--sizes", default=None, help="synthetic sizes in operations (default 100,1000,5000; \"\" for none)")
    parser.add_argument("--calls", type=int, default=None, help="calls per client in the overhead test")
    parser.add_argument("--decode-items", type=int, default=1000)
    parser.add_argument("--decode-spec", type=Path, default=INSTANTLY_FULL)
    parser.add_argument("--output", type=Path, default=HERE / "results.md")
    parser.add_argument("--workdir", type=Path, default=None, help="where temporary outputs go")
    args = parser.parse_args(argv)
    if args.quick:
        args.no_peers = True
    args.reps = args.reps or (1 if args.quick else 3)
    args.calls = args.calls or (500 if args.quick else 5000)
    default = "10,50" if args.quick else "100,1000,5000"
    sizes = [int(s) for s in (default if args.sizes is None else args.sizes).split(",") if s]  # --sizes "": none
    specs = DEFAULT_SPECS
    if args.spec is not None:
        specs = [(s.split("=", 1)[0], Path(s.split("=", 1)[1]).resolve()) if "=" in s
                 else (Path(s).name, Path(s).resolve()) for s in args.spec]
    args.decode_spec = args.decode_spec.resolve()
    if not args.no_peers:
        ensure_peers()
    # pip byte-compiles what it installs (the peers, black, Jinja...); an editable
    # install of this checkout is not, and PYTHONDONTWRITEBYTECODE (set on some
    # machines) keeps Python from caching it. Compile it once, as an install would.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "generator")], check=True)
    started = datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    load_start = machine()
    t0 = time.perf_counter()
    bench = Bench(args)
    try:
        bench.collect_versions()
        bench.generation(specs, sizes)
        bench.spec_changed()
        bench.project_build()
        bench.noop()
        bench.imports()
        bench.calls()
        bench.decoding()
    finally:
        shutil.rmtree(bench.work, ignore_errors=True)
    table = render_table(bench, started, load_start, time.perf_counter() - t0)
    print(table)
    args.output.write_text(table, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
