"""How paths are shown to the user (kept apart from ``load`` so the CLI can print paths without importing YAML)."""

from __future__ import annotations

import os
from pathlib import Path


def display(path: Path) -> str:
    """The path as the user would type it: relative to the working folder when inside it."""
    try:
        return os.path.relpath(path) if path.is_absolute() and Path.cwd() in path.parents else str(path)
    except ValueError:
        return str(path)
