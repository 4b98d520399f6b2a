"""The project's own code: ``make lint`` stays clean (ruff on everything, mypy --strict on
generator/; the settings are in pyproject.toml). The generated package and the runtime
are checked in test_generated_package.py and test_typecheck.py."""

from __future__ import annotations

import subprocess
import sys

from .generated import ROOT


def test_the_generator_passes_mypy_strict() -> None:
    # The repository's own cache (as `make lint` uses it): a run after a small change is quick.
    result = subprocess.run([sys.executable, "-m", "mypy", "generator"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_passes_on_generator_templates_tests_and_generated() -> None:
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "generator", "templates", "tests", "generated"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
