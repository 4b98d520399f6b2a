"""Shared test helpers: paths, running the CLI as a user would, and the generated package."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
GENERATED = ROOT / "generated"
SPEC = ROOT / "specs" / "api_v2.json"
# Third-party OpenAPI documents copied into the repository (tests/corpus/SOURCES.tsv says from where).
CORPUS = ROOT / "tests" / "corpus"
PYTHON = sys.executable

if str(GENERATED) not in sys.path:
    sys.path.insert(0, str(GENERATED))


def run_cli(*args: str, cwd: Path = ROOT, env: dict[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """``python -m generator ARGS`` in a fresh process, as a user runs it."""
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run(
        [PYTHON, "-m", "generator", *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


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


# Run by run_cli_batch in a child process: generator.cli.main for each (folder, argv).
BATCH = r'''
import contextlib, io, json, os, sys
from generator.cli import main
results = []
for cwd, argv in json.loads(sys.stdin.read()):
    os.chdir(cwd)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            rc = main(argv)
        except SystemExit as exc:
            rc = exc.code if isinstance(exc.code, int) else 1
        except BaseException as exc:
            import traceback
            traceback.print_exc()
            rc = 99
    results.append({"rc": rc, "stdout": out.getvalue(), "stderr": err.getvalue()})
sys.__stdout__.write("RESULTS:" + json.dumps(results) + "\n")
'''


def run_cli_batch(jobs: list[tuple[Path, list[str]]], timeout: float = 600) -> list[dict[str, Any]]:
    """``python -m generator ARGS`` for many argument lists in one fresh process (imports paid once).

    Each job runs ``generator.cli.main`` as the console script does, in its own working folder,
    with its output captured; an unexpected exception is reported as exit status 99.
    """
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
    payload = json.dumps([[str(cwd), argv] for cwd, argv in jobs])
    done = subprocess.run([PYTHON, "-c", BATCH], input=payload, env=env, capture_output=True, text=True, timeout=timeout)
    line = next((text for text in done.stdout.splitlines() if text.startswith("RESULTS:")), None)
    if line is None:
        raise AssertionError(f"the CLI batch died (status {done.returncode}): {done.stderr[-3000:]}")
    results: list[dict[str, Any]] = json.loads(line[len("RESULTS:"):])
    leaked = done.stdout.replace(line, "")
    for result in results:
        result["stdout"] += leaked
    return results


def tree_bytes(root: Path) -> dict[str, bytes]:
    """Every file under root with its bytes (to prove nothing changed)."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file() and "__pycache__" not in p.parts}


@pytest.fixture(scope="session")
def generator_cache() -> Path:
    """``OPENAPI_TYPED_GEN_CACHE`` for CLI runs: the session's cache (set below, shared by the
    pytest-xdist workers), never the user's."""
    return Path(os.environ["OPENAPI_TYPED_GEN_CACHE"])


# The order pytest-xdist hands tests out in (both workers take from the front): the corpus
# documents first, largest first (both workers generate them), then the long single runs that
# need them (pyright in two parts, black, mypy), then everything else as collected. A long run
# started last would leave the other worker idle at the end.
_FIRST = (
    "tests/corpus/test_corpus.py::test_corpus_document",
    "tests/corpus/test_corpus.py::test_every_corpus_package_passes_pyright_strict",
    "tests/corpus/test_corpus.py::test_every_corpus_package_is_blacks_output",
    "tests/corpus/test_corpus.py::test_every_corpus_package_passes_mypy_strict",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        for index, prefix in enumerate(_FIRST):
            if item.nodeid.startswith(prefix):
                return index
        return len(_FIRST)

    items.sort(key=rank)


# Every generator run the tests start uses one cache for the whole session (shared by the xdist
# workers, which inherit the environment), never the user's ~/.cache. Tests about the cache set
# their own OPENAPI_TYPED_GEN_CACHE ("off" or a fresh folder).
_SESSION_CACHE: list[str] = []


def pytest_configure(config: pytest.Config) -> None:
    if not hasattr(config, "workerinput"):  # the controller (or a run without xdist)
        _SESSION_CACHE.append(tempfile.mkdtemp(prefix="openapi-typed-gen-tests-cache-"))
        os.environ["OPENAPI_TYPED_GEN_CACHE"] = _SESSION_CACHE[-1]


def pytest_unconfigure(config: pytest.Config) -> None:
    for folder in _SESSION_CACHE:
        shutil.rmtree(folder, ignore_errors=True)
