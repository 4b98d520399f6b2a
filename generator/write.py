"""Write the package atomically, or compare it with what is on disk (``check``).

A run renders everything in memory, writes it to a temporary folder beside the
target, then swaps the two folders in one ``rename`` step. A crash at any point
leaves either the old package or the new one, never a mix.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import difflib
import os
import shutil
import tempfile
from pathlib import Path

from generator.errors import GenerationError

_RENAME_EXCHANGE = 2


def read_tree(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` (relative POSIX paths), skipping caches."""
    out: dict[str, bytes] = {}
    if not root.is_dir():
        return out
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if "__pycache__" in rel.split("/") or not path.is_file():
            continue
        out[rel] = path.read_bytes()
    return out


def encode(files: dict[str, str]) -> dict[str, bytes]:
    return {path: text.encode("utf-8") for path, text in files.items()}


def diff(target: Path, files: dict[str, bytes]) -> list[str]:
    """Unified diff lines from what is on disk to what would be written."""
    current = read_tree(target)
    lines: list[str] = []
    for rel in sorted(set(current) | set(files)):
        old, new = current.get(rel), files.get(rel)
        if old == new:
            continue
        a = old.decode("utf-8", "replace").splitlines(keepends=True) if old is not None else []
        b = new.decode("utf-8", "replace").splitlines(keepends=True) if new is not None else []
        name = f"{target.name}/{rel}"
        lines.extend(difflib.unified_diff(a, b, f"a/{name}" if old is not None else "/dev/null", f"b/{name}" if new is not None else "/dev/null"))
    return lines


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux renameat2); False when unsupported."""
    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return False
    try:
        libc = ctypes.CDLL(libc_name, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd = -100
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE)
    return result == 0


def _safe_target(target: Path) -> None:
    if target.is_symlink() or target.parent.is_symlink():
        raise GenerationError(f"{target}: is a symbolic link; refusing to write through it")


def write(target: Path, files: dict[str, bytes]) -> None:
    """Replace the folder ``target`` with exactly ``files``, atomically."""
    _safe_target(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.new-", dir=target.parent))
    try:
        for rel, data in files.items():
            path = staging / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
        staging.chmod(0o755)
        if target.exists():
            if not _exchange(staging, target):
                backup = target.with_name(f".{target.name}.old-{os.getpid()}")
                os.rename(target, backup)
                os.rename(staging, target)
                staging = backup
        else:
            os.rename(staging, target)
            staging = Path()
        _fsync_dir(target.parent)
    finally:
        if staging != Path() and staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
