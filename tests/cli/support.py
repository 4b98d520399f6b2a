"""Helpers for the tests under tests/cli: run the command line as a user does, then look at the disk.

Not a conftest (see tests/cli/test_install.py): test modules import what they use,
``from tests.cli.support import ...``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from tests.conftest import PYTHON, ROOT, SPEC

# No proxy may stand between the CLI and a test server on 127.0.0.1.
NO_PROXY = {"http_proxy": "", "https_proxy": "", "HTTP_PROXY": "", "HTTPS_PROXY": "", "all_proxy": "", "ALL_PROXY": "", "no_proxy": "127.0.0.1", "NO_PROXY": "127.0.0.1"}

PACKAGE = "instantly_client"
SPEC_NAME = "specs/api_v2.json"
LOCK_NAME = "specs/api_v2.lock.json"
# The repository's selection (include_tags = ["OAuth"]: 3 operations), without its run-time tables.
PYPROJECT = '[tool.generator]\nspec = "specs/api_v2.json"\noutput = "generated"\npackage = "instantly_client"\ninclude_tags = ["OAuth"]\n'
MICROSOFT_INIT = "#/paths/~1api~1v2~1oauth~1microsoft~1init/post"
SESSION_STATUS = "#/paths/~1api~1v2~1oauth~1session~1status~1{sessionId}/get"
STATUS_SCHEMA = ("paths", "/api/v2/oauth/session/status/{sessionId}", "get", "responses", "200", "content", "application/json", "schema")

Json = dict[str, Any]
Run = subprocess.CompletedProcess[str]


def repo_table() -> str:
    """The ``[tool.generator]`` tables of this repository's own pyproject.toml, verbatim."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    start = text.index("[tool.generator]")
    end = text.index("[tool.pytest.ini_options]", start)
    return text[start:end]


def cli(*args: str, cwd: Path, cache: Path | str, env: Mapping[str, str] | None = None, timeout: float = 180,
        program: Sequence[str] | None = None, preexec_fn: Callable[[], None] | None = None, input: str | None = None) -> Run:
    """``python -m generator ARGS`` (or ``program ARGS``) in a fresh process, as a user runs it
    (``input``: what a pipe on its stdin carries)."""
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1", "OPENAPI_TYPED_GEN_CACHE": str(cache), **NO_PROXY, **(env or {})}
    command = [*(program or (PYTHON, "-m", "generator")), *args]
    return subprocess.run(command, cwd=cwd, env=full_env, capture_output=True, text=True, timeout=timeout, preexec_fn=preexec_fn, input=input)


def make_project(root: Path, spec: bytes | None = None, table: str = PYPROJECT, spec_name: str = SPEC_NAME) -> Path:
    """A project folder: the spec (this repository's by default) and a pyproject.toml holding ``table``."""
    (root / spec_name).parent.mkdir(parents=True, exist_ok=True)
    (root / spec_name).write_bytes(SPEC.read_bytes() if spec is None else spec)
    (root / "pyproject.toml").write_text(table, encoding="utf-8")
    return root


def oauth_only_spec() -> bytes:
    """This project's spec with only the paths of the OAuth tag (what the client selects), every
    component kept: the same pointers and output as the whole document, validated much faster."""
    doc = json.loads(SPEC.read_bytes())
    doc["paths"] = {path: item for path, item in doc["paths"].items() if any("OAuth" in op.get("tags", ()) for op in item.values() if isinstance(op, dict))}
    assert len(doc["paths"]) == 3
    return (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def copy_project(base: Path, target: Path) -> Path:
    """A private copy of a generated project (copying is much faster than generating)."""
    shutil.copytree(base, target, symlinks=True)
    return target


def load_json(path: Path) -> Json:
    doc: Json = json.loads(path.read_text(encoding="utf-8"))
    return doc


def save_json(path: Path, doc: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def node(doc: Any, path: Sequence[str | int]) -> Any:
    for key in path:
        doc = doc[key]
    return doc


def snapshot(root: Path) -> dict[str, bytes | None]:
    """Every file (its bytes), folder (None) and symbolic link under ``root``: proves nothing was
    written, moved or left behind (caches excluded)."""
    found: dict[str, bytes | None] = {}
    if not root.exists():
        return found
    for path in sorted(root.rglob("*")):
        if "__pycache__" in path.parts:
            continue
        rel = path.relative_to(root).as_posix()
        if path.is_symlink():
            found[rel] = b"-> " + os.readlink(path).encode()
        else:
            found[rel] = path.read_bytes() if path.is_file() else None
    return found


def stats(root: Path) -> dict[str, tuple[int, int]]:
    """(inode, st_mtime_ns) of ``root`` and of everything under it: proves nothing was rewritten."""
    return {p.relative_to(root).as_posix(): (p.lstat().st_ino, p.lstat().st_mtime_ns) for p in [root, *sorted(root.rglob("*"))] if "__pycache__" not in p.parts}


def error_lines(stderr: str) -> list[str]:
    """The lines of ``stderr``, each of which must be an ``error:`` line."""
    lines = stderr.splitlines()
    assert lines, "nothing on stderr"
    for line in lines:
        assert line.startswith("error: "), line
    return lines


def one_error(done: Run, status: int = 2) -> str:
    """The one ``error:`` line of a run that failed with ``status``, without its prefix."""
    assert done.returncode == status, (done.returncode, done.stdout[-2000:], done.stderr[-2000:])
    assert "Traceback" not in done.stderr
    [line] = error_lines(done.stderr)
    return line.removeprefix("error: ")


def location(line: str) -> str:
    """``file#/pointer`` of one ``error: file#/pointer: message`` line."""
    return line.removeprefix("error: ").split(": ", 1)[0]


def diff_headers(stdout: str) -> list[str]:
    return [line for line in stdout.splitlines() if line.startswith(("--- ", "+++ "))]


def lock_names(lock: Path) -> dict[str, dict[str, str]]:
    names: dict[str, dict[str, str]] = load_json(lock)["names"]
    return names
