"""Write the package atomically, or compare it with what is on disk (``check``).

A run renders everything in memory, writes it to a temporary folder beside the
target, then swaps the two folders in one ``rename`` step. A crash at any point
leaves either the old package or the new one, never a mix.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import difflib
import fcntl
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from generator.errors import GenerationError, SpecError

_RENAME_EXCHANGE = 2


def read_tree(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` (relative POSIX paths), skipping caches."""
    out: dict[str, bytes] = {}
    if not root.is_dir():
        return out
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if "__pycache__" in rel.split("/") or path.is_symlink() or not path.is_file():
            # A symbolic link planted in the package is never followed (check would print
            # whatever it points to); it differs from any generated file, so check reports it.
            if path.is_symlink():
                out[rel] = b"<symbolic link>"
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
    return bool(result == 0)


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.relative_to(folder)
    except ValueError:
        return False
    return True


def _safe_target(target: Path, root: Path) -> None:
    """Refuse a target that is a symbolic link, or that lies in ``root`` but resolves outside it."""
    shown = _display(target)
    if target.is_symlink():
        raise SpecError(shown, None, "the output package is a symbolic link; refusing to write through it")
    absolute = Path(os.path.abspath(target))
    root = Path(os.path.abspath(root))
    if _inside(absolute, root) and not _inside(absolute.resolve(), root.resolve()):
        raise SpecError(shown, None, f"the output path leads out of the project through a symbolic link (to {absolute.resolve()}); refusing to write")


def _display(path: Path) -> str:
    from generator.paths import display

    return display(Path(os.path.abspath(path)))


def check_paths(files: dict[str, bytes]) -> None:
    """Every file name is a plain relative path: no ``..``, no absolute path, no drive, no NUL."""
    for rel in files:
        parts = PurePosixPath(rel).parts
        if not rel or "\\" in rel or "\x00" in rel or ":" in rel or PurePosixPath(rel).is_absolute() or any(p in ("..", ".", "") for p in parts) or rel != "/".join(parts):
            raise GenerationError(f"refusing to write {rel!r}: not a plain path inside the package")


@contextlib.contextmanager
def exclusive(target: Path) -> Iterator[None]:
    """Hold ``flock`` on the folder that receives the package so two runs never interleave.

    The lock is on the output folder itself (Linux locks directories like files), so no
    lock file is left beside the package; it is released when the process dies.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(target.parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _recover(target: Path) -> None:
    """Clean up after a run that was killed: put a moved-away package back, drop staging folders.

    Runs under the lock, so no other run is using these folders.
    """
    leftovers = sorted(target.parent.glob(f".{target.name}.old-*"))
    if not target.exists() and leftovers:
        os.rename(leftovers[-1], target)
    for stale in [*target.parent.glob(f".{target.name}.new-*"), *target.parent.glob(f".{target.name}.old-*")]:
        if stale.is_dir() and not stale.is_symlink():
            shutil.rmtree(stale, ignore_errors=True)


def write(target: Path, files: dict[str, bytes], root: Path | None = None) -> None:
    """Replace the folder ``target`` with exactly ``files``, atomically, under the output folder's lock.

    ``root`` is the project folder (default: the working folder): a target inside it that a
    symbolic link leads out of it is refused, and so is a target that is itself a link.
    """
    check_paths(files)
    _safe_target(target, root if root is not None else Path.cwd())
    with exclusive(target):
        _safe_target(target, root if root is not None else Path.cwd())
        _recover(target)
        _write_locked(target, files)


def _write_locked(target: Path, files: dict[str, bytes]) -> None:
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.new-", dir=target.parent))
    try:
        written: list[Path] = []
        real_target = os.path.realpath(target)
        current = os.path.isdir(target)  # a first run has no files to link
        folders = {staging}
        for rel, data in files.items():
            path = staging / rel
            if path.parent not in folders:
                path.parent.mkdir(parents=True, exist_ok=True)
                folders.add(path.parent)
            if not (current and _link_unchanged(target, real_target, rel, path, data)):
                with open(path, "wb") as handle:
                    handle.write(data)
                written.append(path)
        _flush(staging, written)  # every byte on disk before the swap makes it visible
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


def _link_unchanged(target: Path, real_target: str, rel: str, new: Path, data: bytes) -> bool:
    """Hard-link the current package's ``rel`` as ``new`` when it already holds ``data``.

    Creating a file costs far more than linking one, and after a spec change most
    files are unchanged. Only a regular file reached without any symbolic link is
    reused; anything else (or a file system without hard links) is written afresh."""
    old = target / rel
    try:
        if os.path.realpath(old) != os.path.join(real_target, *rel.split("/")):
            return False
        fd = os.open(old, os.O_RDONLY | os.O_NOFOLLOW)
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode) or info.st_size != len(data):
                return False
            with os.fdopen(os.dup(fd), "rb") as handle:
                if handle.read() != data:
                    return False
        finally:
            os.close(fd)
        os.link(old, new, follow_symlinks=False)
    except OSError:
        return False
    return True


def _flush(folder: Path, paths: list[Path]) -> None:
    """Make the files just written durable: one ``syncfs(2)`` of their file system on
    Linux (an ``fsync`` after each of hundreds of new files costs most of a second
    there), else an ``fsync`` of each file."""
    try:
        syncfs = ctypes.CDLL(None, use_errno=True).syncfs
        fd = os.open(folder, os.O_RDONLY)
        try:
            if syncfs(fd) == 0:
                return
        finally:
            os.close(fd)
    except (OSError, AttributeError, TypeError):  # no syncfs here: an fsync per file
        pass
    for path in paths:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


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


def _generated_by_us(data: bytes, header: bytes) -> bool:
    return data.startswith(header)


def beside_files(folder: Path, files: dict[str, bytes], header: bytes) -> tuple[dict[str, bytes], list[str]]:
    """The files beside the package that may be written, and notes about those that may not.

    A file there that was not generated (say the project's own ``pyproject.toml`` when the
    output folder is the project folder) is never replaced: it is left out, with a note.
    """
    allowed: dict[str, bytes] = {}
    notes: list[str] = []
    for name, data in files.items():
        path = folder / name
        if path.is_symlink() or (path.exists() and not path.is_file()):
            notes.append(f"{_display(path)} not written: it is not a regular file")
            continue
        if path.is_file() and not _generated_by_us(path.read_bytes(), header):
            notes.append(f"{_display(path)} not written: it exists and was not generated (no DO-NOT-EDIT header)")
            continue
        allowed[name] = data
    return allowed, notes


def read_beside(folder: Path, names: list[str] | tuple[str, ...] | set[str] | dict[str, bytes]) -> dict[str, bytes]:
    """The current bytes of the named files beside the package (missing ones left out)."""
    out: dict[str, bytes] = {}
    for name in names:
        path = folder / name
        if path.is_symlink():
            out[name] = b"<symbolic link>"
        elif path.is_file():
            out[name] = path.read_bytes()
    return out


def diff_beside(folder: Path, files: dict[str, bytes]) -> list[str]:
    """Unified diff lines for the files beside the package, named relative to the output folder."""
    current = read_beside(folder, files)
    lines: list[str] = []
    for name in sorted(files):
        old, new = current.get(name), files[name]
        if old == new:
            continue
        a = old.decode("utf-8", "replace").splitlines(keepends=True) if old is not None else []
        b = new.decode("utf-8", "replace").splitlines(keepends=True)
        shown = f"{folder.name}/{name}"
        lines.extend(difflib.unified_diff(a, b, f"a/{shown}" if old is not None else "/dev/null", f"b/{shown}"))
    return lines


def write_beside(folder: Path, files: dict[str, bytes]) -> list[str]:
    """Write each changed file beside the package (temp file + ``os.replace``) under the folder's lock.

    Runs after the package swap; returns the names written.
    """
    check_paths(files)
    written: list[str] = []
    with exclusive(folder / ".package"):
        for name, data in sorted(files.items()):
            path = folder / name
            if path.is_symlink():
                raise SpecError(_display(path), None, "is a symbolic link; refusing to write through it")
            if path.is_file() and path.read_bytes() == data:
                continue
            fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(data)
                    handle.flush()
                    os.fsync(handle.fileno())
                os.chmod(tmp, 0o644)
                os.replace(tmp, path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise
            written.append(name)
        if written:
            _fsync_dir(folder)
    return written
