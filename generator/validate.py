"""Validate the document with openapi-spec-validator (public API only), bounded in time, cached by content.

- ``OpenAPIV30SpecValidator`` / ``OpenAPIV31SpecValidator(...).iter_errors()`` find
  every problem; each becomes a ``SpecError`` with its JSON pointer. The
  validator's schema checks use its documented jsonschema-rs backend when that
  package is installed (its ``auto`` setting).
- It runs in forked worker processes (where the platform forks): a document with
  many paths is split in two halves validated side by side (each with what its path
  items reference, the second with every components entry; operationIds are checked
  across both), and the whole validation has a time bound, so a ``pattern`` built
  for catastrophic backtracking cannot hang a run
  (``OPENAPI_TYPED_GEN_VALIDATE_TIMEOUT``: the bound in seconds, for tests and slow machines).
- With a config that selects operations, only the part of the document the client
  uses is validated (``generator.selection.selected_part``: the selected operations
  and what their references reach), under the same pointers.
- Equal objects of the document are made one object first, so the validator
  (which checks a Schema Object once per object) checks schemas written out
  alike once; a document with problems is checked again as written, so each
  problem is reported at every place it occurs.
- Parts of the document that passed before (their digests, which the lock keeps:
  ``generator.verdicts``) are not validated again: only the part holding the
  others is, and operationIds are checked for uniqueness over the whole document
  (the validator, given a part or half of a document, sees only its own).
- A document that passed is remembered by the sha256 of what was validated (and
  the validator's version) under the cache folder, so a run on an unchanged spec
  skips the validator.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import pickle
import re
import select
import signal
import time
from collections import deque
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path
from typing import Any

from generator import verdicts
from generator.config import Config
from generator.errors import SpecError, pointer
from generator.selection import part_holding, selected_part

SPLIT_BYTES = 200_000  # documents whose paths are larger (as JSON) are validated in two halves, in parallel
_VALID = b"valid\n"


def check_version(doc: dict[str, Any], name: str) -> str:
    """``"3.0"`` or ``"3.1"``, or a clear error for anything else."""
    if "swagger" in doc:
        raise SpecError(name, "#/swagger", f"Swagger {doc['swagger']!r} is not supported: convert it to OpenAPI 3 first")
    version = doc.get("openapi")
    if version is None:
        raise SpecError(name, "#", "not an OpenAPI document: no 'openapi' field")
    if not isinstance(version, str):
        raise SpecError(name, "#/openapi", f"the version must be a string such as \"3.1.0\", got {version!r} (quote it in YAML)")
    for supported in ("3.0", "3.1"):
        if version == supported or version.startswith(supported + "."):
            return supported
    raise SpecError(name, "#/openapi", f"OpenAPI {version} is not supported (supported: 3.0.x, 3.1.x)")


def _message(err: Any) -> str:
    text = str(getattr(err, "message", err))
    text = text.splitlines()[0] if text else type(err).__name__
    instance = repr(getattr(err, "instance", None))
    if len(instance) > 60 and text.startswith(instance):
        text = "the value" + text[len(instance):]
    return text


def _walk(node: Any, path: list[str | int]) -> Iterator[tuple[Any, list[str | int]]]:
    stack = [(node, path)]
    while stack:
        current, where = stack.pop()
        if isinstance(current, dict):
            yield current, where
            stack.extend((v, [*where, k]) for k, v in current.items() if isinstance(v, (dict, list)))
        elif isinstance(current, list):
            stack.extend((v, [*where, i]) for i, v in enumerate(current) if isinstance(v, (dict, list)))


def _locate(doc: dict[str, Any], err: Any) -> list[str | int]:
    """Where a value error (a bad ``default`` or ``example``) sits: the validator leaves its path empty."""
    schema = getattr(err, "schema", None)
    if not isinstance(schema, dict):
        return []
    candidates = [where for node, where in _walk(doc, []) if node is schema] or [where for node, where in _walk(doc, []) if node == schema]
    if not candidates:
        return []
    where: list[str | int] = min(candidates, key=lambda w: [str(p) for p in w])
    instance = getattr(err, "instance", None)
    for key in ("default", "example", "const", "enum", "examples"):
        if key in schema and (schema[key] == instance or (isinstance(schema[key], list) and instance in schema[key])):
            return [*where, key]
    return where


_NOTHING = object()


def _at(node: Any, path: list[str | int]) -> Any:
    for part in path:
        if isinstance(node, dict) and part in node:
            node = node[part]
            continue
        if not (isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)):
            return _NOTHING
        node = node[part]
    return node


class _Anchors:
    """Where a Schema Object's own check (3.1) reports a problem: its path from that schema.
    The schema is found as the first object (by pointer) from which that path leads to the
    reported value and where no earlier problem was placed."""

    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc
        self.nodes: list[tuple[Any, list[str | int]]] | None = None  # every object of the document, walked once when needed
        self.taken: set[tuple[str | int, ...]] = set()

    def place(self, path: list[str | int], instance: Any) -> list[str | int]:
        """The problem's path from the document's root."""
        if instance is _NOTHING or _at(self.doc, path) == instance:
            return path
        if self.nodes is None:
            self.nodes = sorted(_walk(self.doc, []), key=lambda nw: [str(p) for p in nw[1]])
        for node, where in self.nodes:
            if _at(node, path) == instance and tuple([*where, *path]) not in self.taken:
                self.taken.add(tuple([*where, *path]))
                return [*where, *path]
        return path


def _problems(doc: dict[str, Any], version: str) -> list[tuple[str, str]]:
    """(pointer, message) for every problem the validator finds in ``doc``."""
    from openapi_spec_validator import OpenAPIV30SpecValidator, OpenAPIV31SpecValidator

    cls = OpenAPIV30SpecValidator if version == "3.0" else OpenAPIV31SpecValidator
    found: list[tuple[str, str]] = []
    anchors = _Anchors(doc)
    try:
        for err in cls(doc).iter_errors():
            path = list(getattr(err, "absolute_path", None) or getattr(err, "path", None) or deque())
            path = anchors.place(path, getattr(err, "instance", _NOTHING)) if path else _locate(doc, err)
            found.append((pointer(path), _message(err)))
    except RecursionError:
        found.append(("#", "the document nests too deeply to validate"))
    except Exception as exc:  # the validator itself failed on this input
        found.append(("#", f"the validator could not check this document: {_message(exc)}"))
    return found


def _parts(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The document whole, or (a large one, on a machine with two cores or more) in two parts of
    about the same cost: each holds half of the path items (by their JSON size) with what their
    references reach (``selection.part_holding``: the same pointers), the second also every
    components entry, so that each is validated once at least and a shared one at most twice."""
    paths, components = doc.get("paths"), doc.get("components", {})
    if not isinstance(paths, dict) or len(paths) < 2 or (os.cpu_count() or 1) < 2:
        return [doc]
    if not isinstance(components, dict) or not all(isinstance(section, dict) for section in components.values()):
        return [doc]  # a components section that is no object: validated whole, where the validator says so
    sizes = {key: len(json.dumps(item, default=str)) for key, item in paths.items()}
    if sum(sizes.values()) < SPLIT_BYTES:
        return [doc]
    halves: tuple[set[str], set[str]] = (set(), set())
    weight = [0, len(json.dumps(components, default=str)) // 2]  # the second carries the components
    for key in sorted(paths, key=lambda k: -sizes[k]):  # the largest first, each to the lighter half
        lighter = 0 if weight[0] <= weight[1] else 1
        halves[lighter].add(key)
        weight[lighter] += sizes[key]
    entries = {(section, name) for section, found in components.items() for name in found}
    return [part_holding(doc, halves[0], set()), part_holding(doc, halves[1], entries)]


def _in_children(parts: list[dict[str, Any]], version: str, limit: float) -> list[tuple[str, str]] | None:
    """Validate each part in a forked child, within ``limit`` seconds in all; None when it ran out of time."""
    children: list[tuple[int, int]] = []
    for part in parts:
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: validate, send the problems, leave without cleanup handlers
            os.close(read)
            try:
                data = pickle.dumps(_problems(part, version))
                with os.fdopen(write, "wb") as out:
                    out.write(data)
            finally:
                os._exit(0)
        os.close(write)
        children.append((pid, read))
    found: list[tuple[str, str]] = []
    deadline = time.monotonic() + limit
    try:
        for pid, read in children:
            chunks = []
            while True:
                left = deadline - time.monotonic()
                if left <= 0 or not select.select([read], [], [], left)[0]:
                    return None
                chunk = os.read(read, 1 << 20)
                if not chunk:
                    break
                chunks.append(chunk)
            os.waitpid(pid, 0)
            found.extend(pickle.loads(b"".join(chunks)))
        return found
    finally:
        for pid, read in children:
            os.close(read)
            try:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass


def _versions() -> str:
    try:
        return f"{metadata.version('openapi-spec-validator')} {metadata.version('jsonschema-rs')}"
    except metadata.PackageNotFoundError:
        return "unknown"


def _key(doc: dict[str, Any], raw: bytes | None, versions: str) -> str:
    content = raw if raw is not None else json.dumps(doc, sort_keys=True).encode("utf-8", "surrogatepass")
    return hashlib.sha256(versions.encode() + b"\0" + content).hexdigest()


def _time_limit(size: int) -> float:
    """Seconds the validation may take: ``OPENAPI_TYPED_GEN_VALIDATE_TIMEOUT`` when set to a
    positive number, else 30 s plus 20 s per MB of spec."""
    setting = os.environ.get("OPENAPI_TYPED_GEN_VALIDATE_TIMEOUT", "")
    try:
        value = float(setting)
    except ValueError:
        value = 0.0
    return value if 0 < value < float("inf") else 30.0 + 20.0 * size / 1e6


# A JSON or YAML escape of a UTF-16 surrogate: the only way a lone surrogate gets into a document.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def _clean(text: str) -> str:
    return text.encode("utf-8", "replace").decode("utf-8") if not text.isascii() else text


def _without_lone_surrogates(node: Any) -> Any:
    """The document with lone surrogates shown as U+FFFD (the validator cannot take them; the
    build keeps the original text and escapes it where it lands)."""
    if isinstance(node, dict):
        return {_clean(k): _without_lone_surrogates(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_without_lone_surrogates(v) for v in node]
    return _clean(node) if isinstance(node, str) else node


def _shared(node: Any, table: dict[tuple[Any, ...], Any], clean: bool) -> Any:
    """A copy of the document in which equal objects and arrays are one object (``clean``:
    and lone surrogates shown as U+FFFD, as ``_without_lone_surrogates``).

    The validator checks a Schema Object once per object (it remembers them by
    identity, as it does a component that several ``$ref`` name), so schemas
    written out alike in many places are checked once."""
    if isinstance(node, dict):
        mapping = {(_clean(k) if clean else k): _shared(v, table, clean) for k, v in node.items()}
        return table.setdefault(("{", *((k, _token(v)) for k, v in mapping.items())), mapping)
    if isinstance(node, list):
        items = [_shared(v, table, clean) for v in node]
        return table.setdefault(("[", *(_token(v) for v in items)), items)
    return _clean(node) if clean and isinstance(node, str) else node


def _token(value: Any) -> tuple[Any, ...]:
    # Shared containers by identity; scalars by type and value (1, 1.0 and true are not equal here).
    return ("@", id(value)) if isinstance(value, (dict, list)) else (type(value).__name__, value)


def _run(doc: dict[str, Any], version: str, limit: float) -> list[tuple[str, str]] | None:
    """Every problem, in forked children where the platform forks (None: out of time)."""
    if hasattr(os, "fork"):
        import openapi_spec_validator  # noqa: F401  (imported once, before forking)

        return _in_children(_parts(doc), version, limit)
    return _problems(doc, version)


@dataclasses.dataclass(frozen=True)
class Verdict:
    problems: list[SpecError]
    passed: frozenset[str]  # the digests of the document's parts that passed (``generator.verdicts``)


def verdict(
    doc: dict[str, Any],
    name: str,
    *,
    raw: bytes | None = None,
    cache: Path | None = None,
    time_limit: float | None = None,
    selection: Config | None = None,
    passed: frozenset[str] = frozenset(),
) -> Verdict:
    """Every problem the validator finds, and the digests of the parts that passed. ``raw``: the
    document's bytes when it is one file (the cache key); ``cache``: the cache folder (None: no
    cache); ``selection``: a config whose selection of operations limits the check to the part of
    the document the client uses (``generator.selection.selected_part``), with the same pointers;
    ``passed``: digests of parts that passed before (the lock's), not validated again."""
    version = check_version(doc, name)
    limit = time_limit if time_limit is not None else _time_limit(len(raw or b""))
    if selection is not None:
        part = selected_part(doc, selection)
        if part is not doc:
            doc, raw = part, None  # the verdict is remembered by what was validated: the part
    versions = _versions()
    parts = verdicts.digests(doc, versions)
    todo = verdicts.unchecked_part(doc, parts, passed)
    found = _checked(todo, raw if todo is doc else None, version, cache, limit, versions) if todo is not None else []
    if found is None:
        return Verdict([SpecError(name, "#", f"validation did not finish within {limit:.0f} s (a `pattern` that backtracks catastrophically?)")], frozenset())
    duplicates = verdicts.duplicate_operation_ids(doc)  # across every part, which the validator may see one at a time
    said = {message for _, message in duplicates}
    problems = [SpecError(name, where, message) for where, message in dict.fromkeys(duplicates + [f for f in found if f[1] not in said])]
    return Verdict(problems, frozenset(parts.values()) if not problems else passed & frozenset(parts.values()))


def _checked(doc: dict[str, Any], raw: bytes | None, version: str, cache: Path | None, limit: float, versions: str) -> list[tuple[str, str]] | None:
    """(pointer, message) of every problem the validator finds in ``doc``; None when out of time."""
    entry = cache / "valid" / _key(doc, raw, versions) if cache is not None else None
    if entry is not None and entry.is_file():
        return []
    clean = raw is None or _SURROGATE_ESCAPE.search(raw) is not None
    started = time.monotonic()
    shared: dict[str, Any] | None
    try:
        shared = _shared(doc, {}, clean)
    except RecursionError:
        shared = None  # too deep to share: checked as written (the validator says how deep is too deep)
    found = _run(shared, version, limit) if shared is not None else None
    if shared is None or found:  # checked as written, so that each problem is reported wherever it is
        found = _run(_without_lone_surrogates(doc) if clean else doc, version, max(limit - (time.monotonic() - started), 1.0))
    if found == [] and entry is not None:
        try:
            entry.parent.mkdir(parents=True, exist_ok=True)
            entry.write_bytes(_VALID)
        except OSError:
            pass  # a cache that cannot be written only costs time
    return found
