"""Shared test helpers: paths, running the CLI as a user would, and the generated package."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

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
