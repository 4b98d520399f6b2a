"""Paths shown to the user, and where the lock file is (light: a no-op run imports nothing else)."""

from __future__ import annotations

import importlib.resources
import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from generator.config import Config


def _templates() -> Path:
    """The built-in templates (and the static runtime under them).

    An installed package (wheel, ``pip install .``, pipx) carries them as package
    data, ``generator/templates/`` (pyproject.toml maps the repository's top-level
    ``templates/`` there). A source checkout (an editable install, or the repository
    on ``PYTHONPATH``) has them beside the package instead.
    """
    installed = importlib.resources.files("generator") / "templates"
    if isinstance(installed, Path) and installed.is_dir():
        return installed
    return Path(__file__).resolve().parent.parent / "templates"


TEMPLATES = _templates()


def display(path: Path) -> str:
    """The path as the user would type it: relative to the working folder when inside it."""
    try:
        return os.path.relpath(path) if path.is_absolute() and Path.cwd() in path.parents else str(path)
    except ValueError:
        return str(path)


def lock_path(config: Config) -> Path | None:
    """``specs/api_v2.json`` → ``specs/api_v2.lock.json``; None for a spec outside the project.

    The lock is project state: a spec read from elsewhere (``--spec`` pointing at
    another folder) gets no lock file written beside it.
    """
    spec, root = config.spec.resolve(), config.root.resolve()
    if root not in spec.parents:
        return None
    return config.spec.with_name(f"{config.spec.stem}.lock.json")
