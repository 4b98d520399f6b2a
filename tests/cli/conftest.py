"""Fixtures shared by the CLI tests (helpers are in ``support.py``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.cli.support import Run, cli, copy_project, make_project, oauth_only_spec


@pytest.fixture
def run(generator_cache: Path) -> Callable[..., Run]:
    """``python -m generator ARGS`` in a fresh process with the session's cache."""

    def go(*args: str, cwd: Path, **kw: object) -> Run:
        return cli(*args, cwd=cwd, cache=generator_cache, **kw)  # type: ignore[arg-type]

    return go


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory, generator_cache: Path) -> Path:
    """This project's OAuth operations and selection, generated once for the module."""
    root = make_project(tmp_path_factory.mktemp("base"), oauth_only_spec())
    done = cli("generate", cwd=root, cache=generator_cache)
    assert done.returncode == 0, done.stderr
    return root


@pytest.fixture
def project(base: Path, tmp_path: Path) -> Path:
    """A copy of ``base`` the test may change."""
    return copy_project(base, tmp_path / "project")
