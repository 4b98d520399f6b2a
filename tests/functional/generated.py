"""Generating packages for the tests, once per session, shared by pytest-xdist workers.

Each worker asks for the same folder; the first to take the folder's lock runs
the generator, the others wait and find the result (or the same failure) there.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from tests.conftest import locked, run_cli_batch

ROOT = Path(__file__).resolve().parents[2]
SPECS = ROOT / "tests" / "specs"
PYTHON = sys.executable


def shared_root(basetemp: Path | str | None) -> tuple[Path, bool]:
    """The folder the session's workers share, and whether the caller must remove it.

    Under pytest-xdist each worker's ``--basetemp`` is a folder inside the
    session's own (which pytest keeps and prunes); without xdist a fresh
    temporary folder that the session removes at its end.
    """
    if os.environ.get("PYTEST_XDIST_WORKER") and basetemp:
        folder = Path(basetemp).parent / "workers"
        folder.mkdir(parents=True, exist_ok=True)
        return folder, False
    return Path(tempfile.mkdtemp(prefix="functional-")), True


def run_cli(*args: str, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """``python -m generator ARGS`` in a fresh process, as a user runs it."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
    return subprocess.run([PYTHON, "-m", "generator", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def once(folder: Path, make: Callable[[Path], str]) -> str:
    """Run ``make(folder)`` at most once per session across workers; "" or its failure text.

    ``make`` returns "" on success or a message; the outcome is kept in the
    folder, so that every worker sees the same one.
    """
    outcome = folder / ".outcome"
    with locked(folder.parent / f".{folder.name}.lock"):
        if outcome.exists():
            return outcome.read_text(encoding="utf-8")
        if folder.exists():
            shutil.rmtree(folder)  # a run interrupted half-way
        folder.mkdir(parents=True)
        text = make(folder)
        outcome.write_text(text, encoding="utf-8")
        return text


def generate_project(folder: Path, spec: str, config: str) -> str:
    """Generate ``tests/specs/<spec>`` with the settings of ``tests/specs/<config>`` (project
    mode, from copies of both in ``folder``) into ``folder/out``; "" or the failure."""
    shutil.copyfile(SPECS / spec, folder / spec)
    shutil.copyfile(SPECS / config, folder / config)
    result = run_cli("generate", "--config", config, "--output", "out", "-q", cwd=folder)
    if result.returncode != 0:
        return f"generating {spec} exited {result.returncode}:\n{result.stdout}{result.stderr}"
    return ""


# One small spec per OpenAPI feature (tests/specs/NAME.yaml, or NAME/openapi.yaml), each
# generated as the package feat_NAME.
FEATURES = (
    "additional_properties",
    "all_of",
    "bodies",
    "const_union",
    "contradictions",
    "discriminator",
    "enums",
    "formats",
    "long_names",
    "media",
    "multi_file",
    "names",
    "nullable_30",
    "nullable_31",
    "objects",
    "pagination",
    "params",
    "read_write_only",
    "recursive",
    "responses",
    "soft_names",
    "yaml12_scalars",
)

def generate_features(folder: Path) -> str:
    """Every feature spec generated (two processes, half each) into ``folder/pkgs/feat_NAME``;
    "" or the failures."""
    from concurrent.futures import ThreadPoolExecutor

    jobs: list[tuple[Path, list[str]]] = []
    for name in FEATURES:
        work = folder / "gen" / name
        source = SPECS / name
        if source.is_dir():
            shutil.copytree(source, work / name)
            entry = work / name / "openapi.yaml"
        else:
            work.mkdir(parents=True)
            entry = work / f"{name}.yaml"
            shutil.copyfile(SPECS / f"{name}.yaml", entry)
        jobs.append((work, ["generate", "--spec", str(entry), "--output", "out", "--package", f"feat_{name}", "-q"]))
    with ThreadPoolExecutor(max_workers=2) as pool:
        halves = list(pool.map(run_cli_batch, [jobs[0::2], jobs[1::2]]))
    outcomes = [halves[i % 2][i // 2] for i in range(len(jobs))]
    failures = [f"generating {name} exited {r['rc']}:\n{r['stdout']}{r['stderr']}" for name, r in zip(FEATURES, outcomes, strict=True) if r["rc"] != 0]
    if failures:
        return "\n\n".join(failures)
    (folder / "pkgs").mkdir()
    for name in FEATURES:
        shutil.move(str(folder / "gen" / name / "out" / f"feat_{name}"), str(folder / "pkgs" / f"feat_{name}"))
    return ""
