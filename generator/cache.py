"""A small content-addressed cache on disk (formatted files, validation verdicts).

Entries are keyed by a sha256 of everything that determines them, so a hit is
always correct; writes are atomic; a cache that cannot be read or written only
costs time. ``OPENAPI_TYPED_GEN_CACHE`` sets the folder, ``off`` disables it.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path


def folder() -> Path | None:
    setting = os.environ.get("OPENAPI_TYPED_GEN_CACHE", "")
    if setting.lower() in ("off", "0", "no"):
        return None
    if setting:
        return Path(setting)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "openapi-typed-gen"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def key(*parts: str | bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.hexdigest()


def get(root: Path | None, kind: str, entry: str) -> str | None:
    if root is None:
        return None
    try:
        return (root / kind / entry[:2] / entry).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def put(root: Path | None, kind: str, entry: str, text: str) -> None:
    if root is None:
        return
    try:
        target = root / kind / entry[:2]
        target.mkdir(parents=True, exist_ok=True)
        import tempfile  # not at import: a no-op run never writes

        fd, tmp = tempfile.mkstemp(dir=target, prefix=".tmp-")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, target / entry)
    except OSError:
        pass
