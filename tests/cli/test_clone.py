"""A clone of the repository with nothing beside it: the whole suite collects.

Every input a test reads lives in the repository (tests/corpus holds the third-party
documents), so a fresh clone in an empty folder collects without errors. This runs
on the committed HEAD: uncommitted files are not in the clone.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_a_fresh_clone_collects_every_test_without_errors(tmp_path: Path) -> None:
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout: nothing to clone")
    clone = tmp_path / "empty" / "clone"  # the folder beside it ("empty") holds nothing else
    clone.parent.mkdir()
    cloned = subprocess.run(["git", "clone", "--quiet", "--no-hardlinks", str(ROOT), str(clone)], capture_output=True, text=True, timeout=90)
    assert cloned.returncode == 0, cloned.stderr
    assert sorted(p.name for p in clone.parent.iterdir()) == ["clone"]

    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "PYTHON"))}
    env["PYTHONPATH"] = str(clone)
    collected = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", "--rootdir", str(clone)],
        cwd=clone, env=env, capture_output=True, text=True, timeout=100,
    )
    output = collected.stdout + collected.stderr
    assert collected.returncode == 0, output[-4000:]
    ids = [line for line in collected.stdout.splitlines() if "::" in line]
    # Among them the tests that read tests/corpus while collecting.
    assert any(i.startswith("tests/unit/test_corpus_sources.py::") for i in ids), output[-4000:]
    assert re.fullmatch(r"\d+ tests collected in [\d.]+s", output.splitlines()[-1].strip()), output[-2000:]
