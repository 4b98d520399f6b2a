"""The whole run, one stage after the other: load → resolve → validate → build → render → format.

``unchanged(config, lock, files, spec_bytes)`` answers "is anything to do?" from the
lock alone (the spec hashed, not parsed; nothing of the later stages imported);
``run(config)`` computes everything in memory (nothing is written); ``generator.write``
then swaps the output in, or ``check`` compares it with what is on disk.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from generator import __version__, paths
from generator.config import Config, check_package, package_from_title
from generator.errors import SpecError, SpecErrors
from generator.lock import Lock, Source, passed_parts, sha256

if TYPE_CHECKING:  # the IR is imported by the stages that build it, never by a no-op run
    from generator.ir import Api

_VALUE_PROBLEM = re.compile(r"/(default|example|examples(/.*)?)$")


def black_version() -> str:
    """The version of the black that formats the output (as ``importlib.metadata.version``
    says; read straight from its installation record when that is plain to find, since
    importing ``importlib.metadata`` and parsing black's long METADATA costs a no-op run
    a tenth of its time)."""
    found = _recorded_version("black")
    if found:
        return found
    from importlib import metadata

    try:
        return metadata.version("black")
    except metadata.PackageNotFoundError:
        return "not installed"


def _recorded_version(name: str) -> str | None:
    """The ``Version`` of the one ``<name>-*.dist-info`` folder beside the package ``name`` imports
    from (the layout of an installed project, PyPA "Recording installed projects"); None when
    that is not what is found."""
    from importlib.util import find_spec

    try:
        spec = find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    locations = list(spec.submodule_search_locations)
    if len(locations) != 1:
        return None
    site = os.path.dirname(locations[0])
    try:
        with os.scandir(site) as entries:
            records = [e.path for e in entries if e.name.startswith(name + "-") and e.name.endswith(".dist-info") and e.is_dir()]
        if len(records) != 1:
            return None
        with open(os.path.join(records[0], "METADATA"), "rb") as handle:
            head = handle.read(64 * 1024).split(b"\n\n", 1)[0]
    except OSError:
        return None
    for line in head.decode("utf-8", "replace").splitlines():
        key, _, value = line.partition(":")
        if key.strip().lower() == "version" and value.strip():
            return value.strip()
    return None


def _sources(folder: str, parts: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], str]]:
    """(path parts, file path) of every ``.py`` and ``.jinja`` file under ``folder``, outside
    ``__pycache__``, as ``sorted(Path(folder).rglob("*"))`` orders them (by parts)."""
    try:
        with os.scandir(folder) as found:
            entries = list(found)
    except OSError:  # no such folder, or an unreadable one: nothing in it (as rglob)
        return
    for entry in entries:
        if entry.is_dir():  # a linked folder too, as rglob's is_file() below it would
            if entry.name != "__pycache__" and not entry.is_symlink():
                yield from _sources(entry.path, (*parts, entry.name))
        elif os.path.splitext(entry.name)[1] in (".py", ".jinja") and entry.is_file():
            yield (*parts, entry.name), entry.path


def generator_digest(templates: Path | None = None) -> str:
    """A hash of the generator's code and templates (and of ``templates``, a user's overrides)."""
    digest = hashlib.sha256(__version__.encode())
    roots = [Path(__file__).resolve().parent, paths.templates()] + ([templates] if templates else [])
    for root in roots:
        for parts, path in sorted(_sources(str(root))):
            with open(path, "rb") as handle:
                digest.update("/".join(parts).encode() + b"\0" + handle.read() + b"\0")
    return digest.hexdigest()


def cache_folder() -> Path | None:
    setting = os.environ.get("OPENAPI_TYPED_GEN_CACHE", "")
    if setting.lower() in ("off", "0", "no"):
        return None
    if setting:
        return Path(setting)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "openapi-typed-gen"


@dataclasses.dataclass(frozen=True)
class Result:
    config: Config  # with the package name settled
    api: Api
    files: dict[str, bytes]  # every file of the output folder the run owns: "<package>/..." and "pyproject.toml"
    lock: Lock
    warnings: tuple[str, ...]


def _display_spec(config: Config) -> str:
    return paths.display(config.spec)


def read_spec(config: Config) -> bytes:
    """The spec's bytes, read once per run (bounded before it happens: ``generator.readfile``;
    a pipe can be read only once)."""
    from generator.readfile import SPEC_LIMIT, read_bounded

    return read_bounded(config.spec, _display_spec(config), limit=SPEC_LIMIT)


def load(config: Config, raw: bytes | None = None) -> tuple[dict[str, object], bytes, list[str], bool]:
    """Parse and resolve the document (``raw``: its bytes, read here when not given): (document,
    its bytes, warnings, whether it is one file)."""
    from generator.load import parse_spec_with_warnings
    from generator.resolve import bundle, check_refs, iter_refs, refers_to_files

    name = _display_spec(config)
    raw = read_spec(config) if raw is None else raw
    doc, warnings = parse_spec_with_warnings(raw, name)
    refs = list(iter_refs(doc, []))
    single_file = not refers_to_files(doc, refs)
    if not single_file:
        doc = bundle(doc, config.spec, name)
        refs = list(iter_refs(doc, []))
    check_refs(doc, name, refs)
    return doc, raw, warnings, single_file


def validate(config: Config, doc: dict[str, object], raw: bytes, single_file: bool, passed: frozenset[str] = frozenset()) -> tuple[list[str], frozenset[str]]:
    """Refuse an invalid document (warnings under ``--lenient``); problems with a ``default`` or
    ``example`` value are warnings either way (the build converts or drops such values). Also
    the digests of the parts that passed (``passed``: those that passed before, from the lock)."""
    from generator.validate import verdict

    found = verdict(doc, _display_spec(config), raw=raw if single_file else None, cache=cache_folder(), selection=config, passed=passed)
    values, others = _judged(found.problems, config.lenient)
    return [str(p) for p in values] + [str(p) for p in others], found.passed


def _judged(problems: list[SpecError], lenient: bool) -> tuple[list[SpecError], list[SpecError]]:
    """(problems with a ``default`` or ``example`` value, the others); the others refuse the
    document unless ``lenient``."""
    values = [p for p in problems if p.where and _VALUE_PROBLEM.search(p.where)]
    others = [p for p in problems if p not in values]
    if others and not lenient:
        raise SpecErrors(others)
    return values, others


def run(config: Config, previous: Lock | None = None, current: dict[str, bytes] | None = None, raw: bytes | None = None) -> Result:
    """Everything ``generate`` and ``check`` need, in memory. ``previous``: the lock (names stay
    bound as it records); ``current``: the output folder's files now (reused when unchanged);
    ``raw``: the spec's bytes when already read (``read_spec``)."""
    from generator.build import build_api
    from generator.formatter import format_sources
    from generator.render import render, runtime_files

    doc, raw, warnings, single_file = load(config, raw)
    problems, passed = validate(config, doc, raw, single_file, passed_parts(previous))
    warnings += problems
    if not config.package:
        info = doc.get("info")
        title = info.get("title") if isinstance(info, dict) and isinstance(info.get("title"), str) else ""
        config = dataclasses.replace(config, package=check_package(package_from_title(str(title) or "api"), _display_spec(config)))
    pins = previous.names if previous is not None and previous.package == config.package else {}
    try:
        api = build_api(doc, _display_spec(config), config, sha256(raw), pins)
    except (SpecError, SpecErrors):
        raise
    except RecursionError:
        raise SpecError(_display_spec(config), "#", "the document nests too deeply to generate from") from None
    sources, beside = render(api, config.templates)
    # The static runtime is copied as written: black-clean by construction (tests check it).
    static = set(runtime_files())
    python = {path: text for path, text in sources.items() if path.endswith(".py") and path not in static}
    rendered = {f"{config.package}/{path}": sha256(text.encode()) for path, text in python.items()}
    reuse: dict[str, str] = {}
    if previous is not None and current is not None and previous.black_version == black_version():  # black's output of what renders the same
        for path in python:
            key = f"{config.package}/{path}"
            on_disk = current.get(key)
            if on_disk is not None and previous.rendered.get(key) == rendered[key] and previous.files.get(key) == sha256(on_disk):
                reuse[path] = on_disk.decode("utf-8")
    formatted = format_sources({p: t for p, t in python.items() if p not in reuse}, cache_dir=cache_folder())
    files = {f"{config.package}/{path}": (reuse.get(path) or formatted.get(path) or text).encode("utf-8") for path, text in sources.items()}
    files.update({name: text.encode("utf-8") for name, text in beside.items()})
    source = previous.source if previous is not None else Source()
    new_lock = Lock(
        spec=_relative(config.spec, config.lock_path.parent),
        spec_sha256=sha256(raw),
        source=source,
        generator_version=__version__,
        generator_digest=generator_digest(config.templates),
        black_version=black_version(),
        config_fingerprint=config.fingerprint(),
        package=config.package,
        files={path: sha256(data) for path, data in files.items()},
        rendered=rendered,
        names={ns: dict(table) for ns, table in api.names},
        validated=passed,
    )
    return Result(config, api, files, new_lock if single_file else dataclasses.replace(new_lock, spec_sha256=""), tuple(warnings) + api.warnings)


def _relative(path: Path, base: Path) -> str:
    try:
        return Path(os.path.relpath(path.resolve(), base.resolve())).as_posix()
    except ValueError:
        return path.name


def unchanged(config: Config, previous: Lock | None, current: Mapping[str, bytes], raw: bytes) -> bool:
    """Whether a run would write exactly what is there, answered from the lock alone: its inputs
    match (``raw``: the spec's bytes, hashed, never parsed), and every file it records is on
    disk with its hash (and nothing else in the package)."""
    if previous is None or not previous.spec_sha256 or not config.package or previous.package != config.package:
        return False  # no lock, a multi-file spec (its bytes alone do not decide), or a package to name
    owned = [path for path in current if path.startswith(config.package + "/") or path in previous.files]
    if len(owned) != len(previous.files) or not all(path in previous.files for path in owned):
        return False  # a file missing or added: no need to hash anything
    inputs = (sha256(raw), __version__, generator_digest(config.templates), black_version(), config.fingerprint(), config.package)
    if previous.inputs() != inputs:
        return False
    return all(sha256(current[path]) == digest for path, digest in previous.files.items())


def api_of(
    config: Config, raw: bytes, name: str, *, base: Path | None = None, check: bool = True, pins: Mapping[str, Mapping[str, str]] | None = None, passed: frozenset[str] = frozenset()
) -> tuple[Api, list[str]]:
    """The IR of a document given as bytes (``fetch`` and ``diff``): parsed, resolved (relative
    files against ``base``), validated when ``check`` (but the parts whose digests are ``passed``:
    the lock's), built with ``config``'s selection."""
    from generator.build import build_api
    from generator.load import parse_spec_with_warnings
    from generator.resolve import bundle, check_refs, iter_refs, refers_to_files

    doc, warnings = parse_spec_with_warnings(raw, name)
    refs = list(iter_refs(doc, []))
    if refers_to_files(doc, refs):
        if base is None:
            raise SpecError(name, "#", "a downloaded spec cannot refer to other files")
        doc = bundle(doc, base, name)
        refs = list(iter_refs(doc, []))
    check_refs(doc, name, refs)
    from generator.validate import check_version

    check_version(doc, name)  # even unvalidated, a Swagger 2.0 or OpenAPI 4 document is refused
    if check:
        from generator.validate import verdict

        problems = verdict(doc, name, raw=raw, cache=cache_folder(), selection=config, passed=passed).problems
        _judged(problems, config.lenient)
        warnings += [str(p) for p in problems]
    package = config.package or package_from_title(_title(doc))
    # Built leniently whatever the validation: the comparison is of what can be generated (config
    # tables naming an operation the document lacks are notes, not errors).
    config = dataclasses.replace(config, package=package, lenient=True)
    try:
        api = build_api(doc, name, config, sha256(raw), pins)
    except RecursionError:
        raise SpecError(name, "#", "the document nests too deeply to generate from") from None
    return api, warnings + list(api.warnings)


def _title(doc: Mapping[str, object]) -> str:
    info = doc.get("info")
    title = info.get("title") if isinstance(info, dict) else None
    return title if isinstance(title, str) and title else "api"
