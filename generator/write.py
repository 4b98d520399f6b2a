"""The write stage: swap the output in atomically, or diff it with what is on disk (``check``).

Under the output folder's lock, the package is written to a staging folder beside
it, and the files beside it and the lock file to temporary files; only when every
byte is written are they renamed into place (the package with two renames, a
crash in between is repaired by the next run; the others with ``os.replace``).
Every failure of the file system becomes one line.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import os
import shutil
import stat
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path, PurePosixPath

from generator.errors import GenerationError, SpecError


def read_tree(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` (relative POSIX paths), skipping caches.

    One ``scandir`` per folder (the kind of each entry comes with it, no ``stat`` per file):
    a no-op run reads every generated file to prove it unchanged."""
    out: dict[str, bytes] = {}
    if root.is_dir():
        _read_folder(str(root), "", out)
    return out


def _read_folder(folder: str, prefix: str, out: dict[str, bytes]) -> None:
    with os.scandir(folder) as found:
        entries = sorted(found, key=lambda e: e.name)
    for entry in entries:
        rel = prefix + entry.name
        if entry.is_symlink():
            # A symbolic link planted in the package is never followed (check would print
            # whatever it points to); it differs from any generated file, so check reports it.
            out[rel] = b"<symbolic link>"
        elif entry.is_dir(follow_symlinks=False):
            if entry.name != "__pycache__":
                _read_folder(entry.path, rel + "/", out)
        elif entry.is_file(follow_symlinks=False):
            out[rel] = _read_file(entry.path)


def _read_file(path: str) -> bytes:
    """A whole file in one read of its size (a file object costs a no-op run more than the read)."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    try:
        chunks = [os.read(fd, os.fstat(fd).st_size + 1)]
        while chunks[-1]:  # to the end, should it have grown
            chunks.append(os.read(fd, 1024 * 1024))
        return chunks[0] if len(chunks) <= 2 else b"".join(chunks)  # the last is b"" (the end)
    finally:
        os.close(fd)


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


def _stage(target: Path, files: dict[str, bytes]) -> Path:
    """Write ``files`` into a staging folder beside ``target`` (removed again on any failure)."""
    import tempfile

    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.new-", dir=target.parent))
    try:
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
        os.sync()  # every byte on disk before the swap makes it visible
        staging.chmod(0o755)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return staging


def _swap(target: Path, staging: Path) -> None:
    """Put the staged package in place with two renames (the old package is moved aside first;
    ``_recover`` puts it back after a crash in between)."""
    if target.exists():
        backup = target.with_name(f".{target.name}.old-{os.getpid()}")
        os.rename(target, backup)
        os.rename(staging, target)
        shutil.rmtree(backup, ignore_errors=True)
    else:
        os.rename(staging, target)
    _fsync_dir(target.parent)


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


def _generated_by_us(data: bytes) -> bool:
    return data.startswith(b"# Code generated by ")


def read_output(output: Path, package: str, beside: Iterable[str]) -> dict[str, bytes]:
    """The files of the output folder a run owns: ``<package>/...`` and the named files beside it."""
    found = {f"{package}/{rel}": data for rel, data in read_tree(output / package).items()}
    for name in beside:
        path = output / name
        if path.is_symlink():
            found[name] = b"<symbolic link>"
        elif path.is_file():
            found[name] = path.read_bytes()
    return found


def diff_output(output: Path, current: Mapping[str, bytes], files: Mapping[str, bytes]) -> list[str]:
    """Unified diff lines from what is on disk to what would be written (paths relative to the output folder)."""
    import difflib

    lines: list[str] = []
    for rel in sorted(set(current) | set(files)):
        old, new = current.get(rel), files.get(rel)
        if old == new:
            continue
        a = old.decode("utf-8", "replace").splitlines(keepends=True) if old is not None else []
        b = new.decode("utf-8", "replace").splitlines(keepends=True) if new is not None else []
        name = f"{output.name}/{rel}"
        lines.extend(difflib.unified_diff(a, b, f"a/{name}" if old is not None else "/dev/null", f"b/{name}" if new is not None else "/dev/null"))
    return lines


@dataclasses.dataclass(frozen=True)
class Written:
    changed: tuple[str, ...]  # files created or updated, relative to the output folder
    removed: tuple[str, ...]
    notes: tuple[str, ...]
    lock_written: bool


def _temp_beside(path: Path, data: bytes) -> str:
    """``data`` in a new temporary file beside ``path``, flushed to disk: ready for ``os.replace``."""
    import tempfile

    if path.is_symlink():
        raise SpecError(_display(path), None, "is a symbolic link; refusing to write through it")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return tmp


def replace_file(path: Path, data: bytes) -> None:
    """Write ``path`` through a temporary file and ``os.replace`` (readers never see half a file)."""
    tmp = _temp_beside(path, data)
    try:
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def check_output_path(folder: Path) -> None:
    """A clear error, before anything is read or built, when the output folder or one of the
    folders above it is a file (reading the lock inside it would fail less clearly)."""
    for path in (folder, *folder.parents):
        if path.exists():
            if not path.is_dir():
                where = "the output path" if path == folder else f"{_display(path)}, a folder of the output path,"
                raise SpecError(_display(folder), None, f"{where} is a file, not a folder")
            return


def _check_folder(folder: Path) -> None:
    """A clear error for an output folder that is a file, or cannot be made or written."""
    shown = _display(folder)
    check_output_path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SpecError(shown, None, f"cannot create the output folder: {exc.strerror or exc}") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise SpecError(shown, None, "the output folder is not writable")


def write_output(output: Path, package: str, files: Mapping[str, bytes], current: Mapping[str, bytes], lock: tuple[Path, bytes] | None, root: Path) -> Written:
    """Write the package (to a staging folder), the files beside it and the lock (to temporary
    files), then rename each into place: one unit under the output folder's lock, so concurrent
    runs never interleave, and a failed write (a full disk) leaves the previous output whole. A file beside the package that was not
    generated (a project's own ``pyproject.toml``) is never replaced."""
    prefix = package + "/"
    package_files = {rel[len(prefix):]: data for rel, data in files.items() if rel.startswith(prefix)}
    beside = {rel: data for rel, data in files.items() if not rel.startswith(prefix)}
    check_paths(package_files)
    check_paths(beside)
    _check_folder(output)
    target = output / package
    notes: list[str] = []
    skipped: set[str] = set()
    staged: list[tuple[str, Path]] = []  # (temporary file, its destination), renamed once all are written
    staging: Path | None = None
    lock_written = False
    try:
        _safe_target(target, root)
        with exclusive(target):
            _safe_target(target, root)
            _recover(target)
            now = read_output(output, package, beside)  # under the lock: what is there now
            # Every byte is written (to a staging folder and temporary files) before anything is
            # renamed into place: a full disk or a write error leaves the previous output whole.
            if {k: v for k, v in now.items() if k.startswith(prefix)} != {prefix + k: v for k, v in package_files.items()}:
                staging = _stage(target, package_files)
            for name, data in sorted(beside.items()):
                path = output / name
                if now.get(name) == data:
                    continue
                if path.is_symlink() or (path.exists() and not path.is_file()):
                    notes.append(f"{_display(path)} not written: it is not a regular file")
                    skipped.add(name)
                elif path.is_file() and not _generated_by_us(now.get(name, b"")):
                    notes.append(f"{_display(path)} not written: it exists and was not generated (no DO-NOT-EDIT header)")
                    skipped.add(name)
                else:
                    staged.append((_temp_beside(path, data), path))
            if lock is not None:
                lock_path, lock_bytes = lock
                old = lock_path.read_bytes() if lock_path.is_file() else None
                if old != lock_bytes:
                    lock_path.parent.mkdir(parents=True, exist_ok=True)
                    staged.append((_temp_beside(lock_path, lock_bytes), lock_path))
                    lock_written = True
            if staging is not None:
                _swap(target, staging)
                staging = None
            for tmp, path in staged:
                os.replace(tmp, path)
            staged = []
            _fsync_dir(output)
    except OSError as exc:
        where = exc.filename if isinstance(exc.filename, str) else str(output)
        raise SpecError(_display(Path(where)), None, f"cannot write: {exc.strerror or exc}; the previous output is unchanged") from None
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
        for tmp, _ in staged:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    changed = tuple(sorted(rel for rel, data in files.items() if current.get(rel) != data and rel not in skipped))
    removed = tuple(sorted(rel for rel in current if rel.startswith(prefix) and rel not in files))
    return Written(changed, removed, tuple(notes), lock_written)
