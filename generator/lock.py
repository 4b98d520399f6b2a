"""The lock file beside the spec: what the committed output was generated from.

``specs/api_v2.lock.json`` records where the spec came from (URL, ETag,
Last-Modified, written by ``fetch``), the spec's sha256, the generator version, a
hash of the configuration (``Config.fingerprint()``) and the sha256 of every
generated file. It has no timestamps: the same inputs give the same bytes.

``generate`` rewrites it (only when its bytes change) after the package swap;
``check`` compares it with what ``generate`` would write and uses the recorded
file hashes to tell hand edits inside ``generated/`` from stale output.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from generator import GENERATOR_NAME, __version__
from generator.cache import sha256 as sha256  # lock.sha256: what every recorded hash is
from generator.config import Config
from generator.errors import SpecError
from generator.paths import display
from generator.paths import (
    lock_path as lock_path,  # re-exported: lock.lock_path(config)
)

LOCK_VERSION = 1
_COMMENT = "Written by `python -m generator generate` and `fetch`; do not edit. `python -m generator check` compares it with the spec and generated/."


def _outside(config: Config) -> str:
    return f"no lock file: {display(config.spec)} is outside the project folder {display(config.root)}"


def _rel(path: Path, root: Path) -> str:
    try:
        return Path(os.path.relpath(path, root)).as_posix()
    except ValueError:
        return path.as_posix()


@dataclasses.dataclass(frozen=True)
class Lock:
    source_url: str = ""
    etag: str = ""
    last_modified: str = ""
    source_sha256: str = ""  # of the bytes fetch stored; the ETag describes these
    spec: str = ""
    spec_sha256: str = ""
    generator_version: str = ""
    config_fingerprint: str = ""
    output: str = ""
    files: Mapping[str, str] = dataclasses.field(default_factory=dict)
    # Generated files beside the package in the output folder (pyproject.toml), by name.
    output_files: Mapping[str, str] = dataclasses.field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "_comment": _COMMENT,
            "lock_version": LOCK_VERSION,
            "source": {"url": self.source_url, "etag": self.etag, "last_modified": self.last_modified, "sha256": self.source_sha256},
            "spec": {"path": self.spec, "sha256": self.spec_sha256},
            "generator": {"name": GENERATOR_NAME, "version": self.generator_version},
            "config_fingerprint": self.config_fingerprint,
            "output": self.output,
            "files": dict(sorted(self.files.items())),
            "output_files": dict(sorted(self.output_files.items())),
        }

    def to_bytes(self) -> bytes:
        return (json.dumps(self.as_json(), indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def parse(data: bytes, name: str) -> Lock:
    """A lock from its bytes; a clear one-line error when it is not one."""
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise SpecError(name, None, f"not a valid lock file: {exc}") from None
    try:
        if doc.get("lock_version") != LOCK_VERSION:
            raise SpecError(name, "#/lock_version", f"unsupported lock version {doc.get('lock_version')!r} (expected {LOCK_VERSION})")
        source, spec, gen, files = doc["source"], doc["spec"], doc["generator"], doc["files"]
        found = Lock(
            source_url=source["url"],
            etag=source["etag"],
            last_modified=source["last_modified"],
            source_sha256=source["sha256"],
            spec=spec["path"],
            spec_sha256=spec["sha256"],
            generator_version=gen["version"],
            config_fingerprint=doc["config_fingerprint"],
            output=doc["output"],
            files=dict(files),
            output_files=dict(doc.get("output_files", {})),
        )
        values = [getattr(found, f.name) for f in dataclasses.fields(Lock) if f.name not in ("files", "output_files")]
        if not all(isinstance(v, str) for v in [*values, *found.files, *found.files.values(), *found.output_files, *found.output_files.values()]):
            raise TypeError("a value has the wrong type")
    except SpecError:
        raise
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        raise SpecError(name, None, f"not a valid lock file: missing or malformed {exc}") from None
    return found


def read(path: Path) -> Lock | None:
    """The lock at ``path``; None when there is none."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise SpecError(display(path), None, f"cannot read: {exc.strerror}") from None
    return parse(data, display(path))


def expected(config: Config, spec_sha256: str, files: Mapping[str, bytes], previous: Lock | None, outside: Mapping[str, bytes] | None = None) -> Lock:
    """The lock ``generate`` writes for this output.

    Where the spec came from is kept from the previous lock while the spec is the
    one ``fetch`` stored (same sha256); otherwise the ETag no longer describes the
    file and only the configured URL is recorded.
    """
    if previous is not None and previous.source_sha256 == spec_sha256 and previous.source_url:
        url, etag, modified, fetched = previous.source_url, previous.etag, previous.last_modified, previous.source_sha256
    else:
        url, etag, modified, fetched = config.source_url, "", "", ""
    return Lock(
        source_url=url,
        etag=etag,
        last_modified=modified,
        source_sha256=fetched,
        spec=_rel(config.spec, config.root),
        spec_sha256=spec_sha256,
        generator_version=__version__,
        config_fingerprint=config.fingerprint(),
        output=_rel(config.package_dir, config.root),
        files={rel: sha256(data) for rel, data in files.items()},
        output_files={name: sha256(data) for name, data in (outside or {}).items()},
    )


def write_atomic(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` in one rename (a crash leaves the old file or the new one)."""
    import tempfile  # not at import: a no-op run never writes

    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
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


def _previous(path: Path) -> Lock | None:
    try:
        return read(path)
    except SpecError:
        return None  # generate replaces a damaged lock


def sync(config: Config, spec_sha256: str, files: Mapping[str, bytes], outside: Mapping[str, bytes] | None = None) -> tuple[bool, str]:
    """Write the lock when its bytes change. Returns (written, note for the user or "")."""
    path = lock_path(config)
    if path is None:
        return False, _outside(config)
    data = expected(config, spec_sha256, files, _previous(path), outside).to_bytes()
    try:
        if path.read_bytes() == data:
            return False, ""
    except OSError:
        pass
    if not os.access(path.parent, os.W_OK):
        return False, f"{display(path)} not written: {display(path.parent)} is not writable (--no-lock skips the lock)"
    try:
        write_atomic(path, data)
    except OSError as exc:
        from generator.errors import GenerationError

        raise GenerationError(f"{display(path)}: cannot write the lock file: {exc.strerror}") from None
    return True, ""


def settled(config: Config, spec_sha256: str, files: Mapping[str, bytes], outside: Mapping[str, bytes] | None = None) -> bytes | None:
    """The lock's bytes when they are exactly what ``generate`` would write for this output.

    Then ``generate`` leaves it alone and ``check`` finds nothing wrong with it. None
    when there is no lock kept, or it is missing, damaged or stale.
    """
    path = lock_path(config)
    if path is None:
        return None
    try:
        data = path.read_bytes()
        current = parse(data, display(path))
    except (OSError, SpecError):
        return None
    return data if expected(config, spec_sha256, files, current, outside).to_bytes() == data else None


def _differences(current: Lock, wanted: Lock) -> list[str]:
    labels = (
        ("spec_sha256", "the spec changed since the last generate"),
        ("config_fingerprint", "the configuration changed"),
        ("generator_version", "the generator version changed"),
        ("output", "the output folder or package changed"),
        ("files", "the generated files changed"),
        ("output_files", "the generated files changed"),
        ("source_url", "the source changed"),
        ("etag", "the source changed"),
        ("last_modified", "the source changed"),
        ("source_sha256", "the source changed"),
        ("spec", "the spec path changed"),
    )
    if not current.output and wanted.output:
        return ["no generate recorded since the spec was fetched"]
    out: list[str] = []
    for attr, text in labels:
        if getattr(current, attr) != getattr(wanted, attr) and text not in out:
            out.append(text)
    return out


def verify(config: Config, spec_sha256: str, files: Mapping[str, bytes], outside: Mapping[str, bytes] | None = None) -> tuple[list[str], list[str]]:
    """What ``check`` reports about the lock: (problems that fail the check, notes)."""
    path = lock_path(config)
    if path is None:
        return [], [_outside(config)]
    name = display(path)
    try:
        current = read(path)
    except SpecError as exc:
        return [f"{exc}: run `python -m generator generate` to rewrite it"], []
    if current is None:
        return [], [f"{name} is missing: `python -m generator generate` writes it"]
    problems: list[str] = []
    wanted = expected(config, spec_sha256, files, current, outside)
    target = config.package_dir
    if current.output == wanted.output:
        from generator.write import read_tree

        on_disk = read_tree(target)
        checks = [(target / rel, on_disk.get(rel), current.files.get(rel), files.get(rel)) for rel in sorted(set(on_disk) | set(current.files))]
        for name_ in sorted(set(current.output_files) | set(outside or {})):
            checks.append((config.output / name_, _read_plain(config.output / name_), current.output_files.get(name_), (outside or {}).get(name_)))
        for file, disk, recorded, fresh in checks:
            if disk == fresh or (disk is not None and sha256(disk) == recorded) or (disk is None and recorded is None):
                continue  # up to date, unchanged since generate, or new (the diff shows it)
            where = display(file)
            if disk is None:
                problems.append(f"{where}: deleted by hand since the last generate (recorded in {name})")
            elif recorded is None:
                problems.append(f"{where}: added by hand inside the generated package (not in {name})")
            else:
                problems.append(f"{where}: edited by hand since the last generate (its sha256 differs from {name})")
    if current.to_bytes() != wanted.to_bytes():
        problems.append(f"{name} is stale ({', '.join(_differences(current, wanted)) or 'its layout changed'}): run `python -m generator generate`")
    return problems, []


def _read_plain(path: Path) -> bytes | None:
    """A file's bytes; a symbolic link is never followed (it differs from any generated file)."""
    if path.is_symlink():
        return b"<symbolic link>"
    try:
        return path.read_bytes()
    except OSError:
        return None
