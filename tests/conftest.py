"""Shared test helpers: paths, running the CLI as a user would, and the generated package."""

from __future__ import annotations

import os
import subprocess
import sys
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


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of this project's spec and config in a temporary folder, generated once."""
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "api_v2.json").write_bytes(SPEC.read_bytes())
    (tmp_path / "pyproject.toml").write_text(
        '[tool.generator]\nspec = "specs/api_v2.json"\noutput = "generated"\npackage = "instantly_client"\n',
        encoding="utf-8",
    )
    result = run_cli("generate", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    return tmp_path


@pytest.fixture(scope="session")
def generator_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``OPENAPI_TYPED_GEN_CACHE`` for CLI runs: one folder per test session (shared by the
    pytest-xdist workers, whose base folders sit inside the session's), never the user's cache."""
    base = tmp_path_factory.getbasetemp()
    folder = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "generator-cache"
    folder.mkdir(exist_ok=True)
    return folder


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
