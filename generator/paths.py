"""Where the templates are, and paths as shown to the user (light: a no-op run imports nothing else)."""

from __future__ import annotations

import importlib.resources
import os
from pathlib import Path


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
