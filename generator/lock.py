"""The lock file: what the committed output was generated from, and the one answer to "has anything changed?".

It records where the spec came from (URL, ETag, Last-Modified, written by
``fetch``), the spec's sha256, the generator (version, a digest of its code and
templates, black's version), a hash of the configuration, every output file's
sha256 (and, for Python files, the sha256 of the source as rendered before
formatting, so a regeneration reuses unchanged files without formatting them
again), the digests of the spec's parts that passed the validator (so a
regeneration validates only the parts that changed: ``generator.verdicts``), and
the name map: every Python name and the identity it stands for
(``generator.names`` keeps them bound). No timestamps: the same inputs give the
same bytes.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from generator import GENERATOR_NAME
from generator.errors import SpecError

LOCK_VERSION = 2
MAX_BYTES = 256 * 1024 * 1024  # the largest lock read (GitHub's 767 operations: 0.7 MB)
_SURROGATE = re.compile("[\ud800-\udfff]")
_COMMENT = "Written by openapi-typed-gen (generate, fetch); do not edit. `check` compares it with the spec and the output."


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclasses.dataclass(frozen=True)
class Source:
    url: str = ""
    etag: str = ""
    last_modified: str = ""
    sha256: str = ""  # of the bytes fetch stored; the ETag describes these


@dataclasses.dataclass(frozen=True)
class Lock:
    spec: str = ""  # the spec's path, relative to the lock's folder
    spec_sha256: str = ""
    source: Source = Source()
    generator_version: str = ""
    generator_digest: str = ""
    black_version: str = ""
    config_fingerprint: str = ""
    package: str = ""
    files: Mapping[str, str] = dataclasses.field(default_factory=dict)  # path in the output folder -> sha256
    rendered: Mapping[str, str] = dataclasses.field(default_factory=dict)  # Python file -> sha256 of its source before formatting
    names: Mapping[str, Mapping[str, str]] = dataclasses.field(default_factory=dict)  # namespace -> name -> identity
    validated: frozenset[str] = frozenset()  # digests of the spec's parts that passed the validator (generator.verdicts)

    def inputs(self) -> tuple[str, ...]:
        """Everything that decides the output besides the files themselves."""
        return (self.spec_sha256, self.generator_version, self.generator_digest, self.black_version, self.config_fingerprint, self.package)

    def to_bytes(self) -> bytes:
        doc: dict[str, Any] = {
            "_comment": _COMMENT,
            "lock_version": LOCK_VERSION,
            "generator": {"name": GENERATOR_NAME, "version": self.generator_version, "digest": self.generator_digest, "black": self.black_version},
            "source": dataclasses.asdict(self.source),
            "spec": {"path": self.spec, "sha256": self.spec_sha256},
            "config_fingerprint": self.config_fingerprint,
            "package": self.package,
            "files": {path: {"sha256": digest, **({"rendered": self.rendered[path]} if path in self.rendered else {})} for path, digest in sorted(self.files.items())},
            "names": {ns: dict(sorted(table.items())) for ns, table in sorted(self.names.items())},
            "validated": sorted(self.validated),
        }
        text = json.dumps(doc, indent=1, ensure_ascii=False) + "\n"
        # An identity may hold spec text with a lone surrogate (not valid Unicode, so not UTF-8):
        # written as its JSON escape, which reads back as the same string.
        return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text).encode("utf-8")


def parse(data: bytes, name: str) -> Lock:
    """A lock from its bytes; a clear one-line error when it is not one."""
    return _from_doc(_decode(data, name), name)


def _decode(data: bytes, name: str) -> Any:
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise SpecError(name, None, f"not a valid lock file: {exc}") from None


def _from_doc(doc: Any, name: str) -> Lock:
    if not isinstance(doc, dict) or doc.get("lock_version") != LOCK_VERSION:
        found = doc.get("lock_version") if isinstance(doc, dict) else None
        newer = isinstance(found, int) and not isinstance(found, bool) and found > LOCK_VERSION
        hint = "upgrade openapi-typed-gen" if newer else "delete it to start afresh (the names it pins are then lost)"
        raise SpecError(name, "#/lock_version", f"unsupported lock version {found!r} (this generator reads {LOCK_VERSION}): {hint}")
    try:
        gen, spec, source, files, names = doc["generator"], doc["spec"], doc["source"], doc["files"], doc["names"]
        lock = Lock(
            spec=spec["path"], spec_sha256=spec["sha256"],
            source=Source(source["url"], source["etag"], source["last_modified"], source["sha256"]),
            generator_version=gen["version"], generator_digest=gen["digest"], black_version=gen["black"],
            config_fingerprint=doc["config_fingerprint"], package=doc["package"],
            files={path: entry["sha256"] for path, entry in files.items()},
            rendered={path: entry["rendered"] for path, entry in files.items() if "rendered" in entry},
            names={ns: dict(table) for ns, table in names.items()},
            validated=frozenset(_listed(doc.get("validated", []))),
        )
        strings = [*lock.inputs(), lock.spec, *dataclasses.astuple(lock.source), *lock.files, *lock.files.values(), *lock.rendered.values(), *lock.validated]
        strings += [s for table in lock.names.values() for pair in table.items() for s in pair]
        if set(map(type, strings)) != {str}:  # (what json.loads gives: str itself, never a subclass)
            raise TypeError("a value is not a string")
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        raise SpecError(name, None, f"not a valid lock file: missing or malformed {exc}") from None
    return lock


def _listed(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise TypeError("validated: not a list")
    return value


def passed_parts(lock: Lock | None) -> frozenset[str]:
    """The digests of the spec's parts that passed the validator, as ``lock`` records them
    (none without a lock)."""
    return lock.validated if lock is not None else frozenset()


def read(path: Path, name: str) -> Lock | None:
    """The lock at ``path``; None when there is none (or an older generator wrote it).

    Bounded like every read (``generator.readfile``): a lock that is not a regular file, or
    is larger than ``MAX_BYTES``, is refused before it is read. Its JSON is parsed once."""
    from generator.readfile import read_bounded

    try:
        data = read_bounded(path, name, limit=MAX_BYTES, pipes=False)
    except SpecError as exc:
        if not os.path.lexists(path):
            return None
        raise SpecError(name, None, f"cannot read the lock file: {exc.message}") from None
    doc = _decode(data, name)
    version = doc.get("lock_version") if isinstance(doc, dict) else None
    if isinstance(version, int) and 0 < version < LOCK_VERSION:
        return None  # written by an older generator: the next generate rewrites it whole
    return _from_doc(doc, name)
