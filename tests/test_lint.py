"""The generator's own code: `make lint` (ruff on everything, mypy --strict on generator/) stays clean."""

from __future__ import annotations

import subprocess
import sys

from conftest import ROOT


def test_generator_passes_mypy_strict() -> None:
    result = subprocess.run([sys.executable, "-m", "mypy", "--no-incremental", "generator"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_passes_on_generator_templates_and_tests() -> None:
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "generator", "templates", "tests"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
