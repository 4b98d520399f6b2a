"""Generating packages for the tests, once per session, shared by pytest-xdist workers.

Each worker asks for the same folder; the first to take the folder's lock runs
the generator, the others wait and find the result (or the same failure) there.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SPECS = ROOT / "tests" / "specs"
PYTHON = sys.executable


@contextmanager
def locked(path: Path) -> Iterator[None]:
    """An exclusive lock shared by pytest-xdist workers (one of them does the work)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def shared_root(basetemp: Path | str | None) -> tuple[Path, bool]:
    """The folder the session's workers share, and whether the caller must remove it.

    Under pytest-xdist each worker's ``--basetemp`` is a folder inside the
    session's own (which pytest keeps and prunes); without xdist a fresh
    temporary folder that the session removes at its end.
    """
    if os.environ.get("PYTEST_XDIST_WORKER") and basetemp:
        folder = Path(basetemp).parent / "shared"
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
