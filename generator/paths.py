"""Where the templates are, and paths as shown to the user (light: a no-op run imports nothing else)."""

from __future__ import annotations

import functools
import os
from pathlib import Path


@functools.cache
def templates() -> Path:
    """The built-in templates (and the static runtime under them).

    An installed package (wheel, ``pip install .``, pipx) carries them as package
    data, ``generator/templates/`` (pyproject.toml maps the repository's top-level
    ``templates/`` there). A source checkout (an editable install, or the repository
    on ``PYTHONPATH``) has them beside the package instead.
    """
    here = Path(__file__).resolve().parent
    installed = here / "templates"  # what importlib.resources.files("generator") / "templates" is for a package on disk
    return installed if installed.is_dir() else here.parent / "templates"


def display(path: Path) -> str:
    """The path as the user would type it: relative to the working folder when inside it."""
    try:
        return os.path.relpath(path) if path.is_absolute() and Path.cwd() in path.parents else str(path)
    except ValueError:
        return str(path)
