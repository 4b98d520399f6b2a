"""The fast path of a no-op ``generate`` or ``check``: nothing changed since the last run.

After a ``generate`` (or a ``check`` that found everything up to date) a small record
goes to the user cache (``cache.folder()/noop``), keyed by the absolute package folder:

- a fingerprint of every input that can change the output: the spec's bytes, the
  effective configuration (every setting and path, ``--no-lock``, the working
  folder), the content of a ``--templates`` folder, the generator itself (every
  ``generator/*.py`` and ``templates/**`` file and the version), the installed
  distributions (their ``*.dist-info`` names, so black, Jinja, PyYAML and
  openapi-spec-validator versions) and the Python version;
- the sha256 of every file in the package folder, of the files beside it
  (``pyproject.toml``, generated or not) and of the lock;
- what the run printed: counts, warnings and notes.

The next run computes the fingerprint and hashes what is on disk; when everything
matches, the full run would find nothing to write and nothing stale, so it is
skipped. Anything else (a difference, a file added or missing, a symbolic link or
special file in the package, a spec with references to other files, no cache)
means the full run, with its usual messages.

This module imports only the standard library and light generator modules: a
no-op run never loads Jinja, black, YAML or the validator.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
import re
import stat
import sys
from pathlib import Path
from typing import Any

from generator import __version__, cache
from generator.config import Config
from generator.errors import SpecError
from generator.paths import TEMPLATES, lock_path
from generator.readfile import SPEC_LIMIT, read_bounded

RECORD_VERSION = 1
_KIND = "noop"
_GENERATOR = Path(__file__).resolve().parent
_LINK = "<symbolic link>"
_SPECIAL = "<not a regular file>"


@dataclasses.dataclass(frozen=True)
class Record:
    """What a successful run left on disk and printed."""

    fingerprint: str
    real: str  # the package folder with symbolic links resolved
    files: dict[str, str]  # path in the package -> sha256
    beside: dict[str, str | None]  # file beside the package -> its state (see _state)
    lock: str | None  # the lock's state; None when no lock is kept (outside the project, --no-lock)
    lock_file: str | None  # where the lock is, or None
    operations: int
    models: int
    total: int  # files counted in the summary (package and written beside it)
    warnings: tuple[str, ...]
    notes: tuple[str, ...]  # printed before the summary (lock, files beside the package)
    api_notes: tuple[str, ...]  # printed after generate's summary

    def to_text(self) -> str:
        data = dataclasses.asdict(self)
        data["version"] = RECORD_VERSION
        return json.dumps(data, sort_keys=True)


def _record(text: str) -> Record | None:
    try:
        data = json.loads(text)
        if data.pop("version") != RECORD_VERSION:
            return None
        record = Record(**data)
        return dataclasses.replace(
            record,
            warnings=tuple(record.warnings),
            notes=tuple(record.notes),
            api_notes=tuple(record.api_notes),
        )
    except (ValueError, TypeError, KeyError, AttributeError):
        return None


def _files(folder: Path) -> list[tuple[str, str]] | None:
    """(relative path, path) of every regular file under ``folder``, sorted; None on a link or special file.

    ``__pycache__`` folders are walked (a symbolic link there still counts, as in
    ``write.read_tree``) but their files are left out.
    """
    out: list[tuple[str, str]] = []
    pending = [(str(folder), "")]
    while pending:
        path, prefix = pending.pop()
        with os.scandir(path) as entries:
            for entry in entries:
                rel = prefix + entry.name
                if entry.is_symlink():
                    return None
                if entry.is_dir(follow_symlinks=False):
                    pending.append((entry.path, rel + "/"))
                elif entry.is_file(follow_symlinks=False):
                    if "__pycache__" not in rel.split("/"):
                        out.append((rel, entry.path))
                else:
                    return None
    return sorted(out)


def _tree_digest(folder: Path) -> str | None:
    """One hash of every file's path and content under ``folder``; None when it cannot vouch for it."""
    if not folder.is_dir():
        return "<no folder>"
    found = _files(folder)
    if found is None:
        return None
    digest = hashlib.sha256()
    for rel, path in found:
        digest.update(cache.key(rel, Path(path).read_bytes()).encode())
    return digest.hexdigest()


def _generator_digest() -> str | None:
    """The generator's own code and templates."""
    code = hashlib.sha256(__version__.encode())
    for path in sorted(_GENERATOR.glob("*.py")):
        code.update(cache.key(path.name, path.read_bytes()).encode())
    templates = _tree_digest(TEMPLATES)
    return None if templates is None else cache.key(code.hexdigest(), templates)


@functools.cache
def _dist_infos() -> tuple[str, ...]:
    names: set[str] = set()
    for entry in sys.path:
        try:
            names.update(n for n in os.listdir(entry or ".") if n.endswith(".dist-info"))
        except OSError:
            continue
    return tuple(sorted(names))


def _environment() -> str:
    """The Python version and every installed distribution with its version (``black-26.10.1.dist-info``)."""
    return f"{sys.implementation.name} {sys.version_info[:3]} " + " ".join(_dist_infos())


def installed_version(distribution: str, missing: str | None = None) -> str:
    """The installed version of ``distribution``, read from its ``.dist-info`` folder's name.

    The same answer as ``importlib.metadata.version`` without importing it (about
    40 ms, which matters to a run that takes a few hundred). ``missing``: what to
    return when it is not installed (by default that is an error)."""
    wanted = re.sub(r"[-_.]+", "_", distribution).lower() + "-"
    for name in _dist_infos():
        if name.lower().startswith(wanted):
            return name[len(wanted) : -len(".dist-info")]
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(distribution)
    except PackageNotFoundError:
        if missing is None:
            raise
        return missing


def fingerprint(config: Config, no_lock: bool) -> tuple[str, str] | None:
    """A hash of every input that can change what ``generate`` writes or prints, and the spec's sha256.

    Computed before the full run, which records it only when it read the same spec
    bytes. None when an input cannot be read or vouched for.
    """
    if cache.folder() is None:  # no record can be kept or read: nothing to fingerprint for
        return None
    try:
        if not stat.S_ISREG(os.stat(config.spec).st_mode):
            return None  # a pipe or FIFO can be read once only: by the run; a device never
        spec = read_bounded(config.spec, str(config.spec), limit=SPEC_LIMIT)
        templates = _tree_digest(config.templates) if config.templates else ""
        generator = _generator_digest()
    except (OSError, SpecError):
        return None
    if templates is None or generator is None:
        return None
    spec_sha256 = cache.sha256(spec)
    key = cache.key(f"noop record {RECORD_VERSION}", generator, _environment(), repr(config), os.getcwd(), f"no_lock={no_lock}", templates, spec_sha256)
    return key, spec_sha256


def state(path: Path) -> str | None:
    """A file's sha256; None when missing; a marker for a symbolic link or special file (never followed)."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return None
    if stat.S_ISLNK(mode):
        return _LINK
    if not stat.S_ISREG(mode):
        return _SPECIAL
    return cache.sha256(path.read_bytes())


def _lock_file(config: Config, no_lock: bool) -> Path | None:
    return None if no_lock else lock_path(config)


def _entry(config: Config) -> str:
    return cache.key(_KIND, os.path.abspath(config.package_dir))


def unchanged(config: Config, no_lock: bool, key: str) -> Record | None:
    """The record of the last run when nothing changed since: inputs (``key``), package, files beside it, lock."""
    root = cache.folder()
    if root is None:
        return None
    text = cache.get(root, _KIND, _entry(config))
    record = _record(text) if text is not None else None
    if record is None:
        return None
    try:
        if key != record.fingerprint:
            return None
        package = config.package_dir
        if package.is_symlink() or os.path.realpath(package) != record.real:
            return None
        found = _files(package)
        if found is None or [rel for rel, _ in found] != sorted(record.files):
            return None
        for rel, path in found:
            if cache.sha256(Path(path).read_bytes()) != record.files[rel]:
                return None
        if any(state(config.output / name) != recorded for name, recorded in record.beside.items()):
            return None
        lock = _lock_file(config, no_lock)
        if (str(lock) if lock else None) != record.lock_file:
            return None
        if lock is not None and state(lock) != record.lock:
            return None
    except (OSError, ValueError):
        return None
    return record


def remember(config: Config, no_lock: bool, key: str, package: dict[str, bytes], beside: tuple[dict[str, bytes], list[str]], lock: str | None, counts: tuple[int, int], printed: dict[str, Any]) -> None:
    """Record a run that left the package, the files beside it and the lock up to date.

    ``key`` is the fingerprint taken before the run; ``package`` the package's files
    as on disk now; ``beside`` the generated files beside it that are up to date and
    the names of all that may be generated there (a file there that was not
    generated is recorded as it is on disk); ``lock`` the lock's sha256, when one is
    kept; ``printed`` the run's ``warnings``, ``notes`` and ``api_notes``. Nothing
    is recorded when the cache is off or a file cannot be read.
    """
    root = cache.folder()
    if root is None:
        return
    written, names = beside
    lock_file = _lock_file(config, no_lock)
    try:
        record = Record(
            fingerprint=key,
            real=os.path.realpath(config.package_dir),
            files={rel: cache.sha256(data) for rel, data in sorted(package.items())},
            beside={name: cache.sha256(written[name]) if name in written else state(config.output / name) for name in sorted(names)},
            lock=lock,
            lock_file=str(lock_file) if lock_file is not None else None,
            operations=counts[0],
            models=counts[1],
            total=len(package) + len(written),
            warnings=tuple(printed["warnings"]),
            notes=tuple(printed["notes"]),
            api_notes=tuple(printed["api_notes"]),
        )
    except OSError:
        return
    cache.put(root, _KIND, _entry(config), record.to_text())
