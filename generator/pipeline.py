"""The whole run: load, check references, validate, build, render, format."""

from __future__ import annotations

import dataclasses
import json
import os
from typing import TYPE_CHECKING, Any

from generator import cache
from generator.config import Config
from generator.errors import GenerationError, SpecError, SpecErrors
from generator.load import load_file
from generator.noop import installed_version
from generator.paths import display
from generator.resolve import bundle, check_refs, refers_to_files

if TYPE_CHECKING:
    import ast

    from generator.ir import Api

# Build, render and format (Jinja, black) are imported in ``run`` once the
# validator's child process is started: it starts sooner, and needs none of them.
_VALIDATOR = f"openapi-spec-validator {installed_version('openapi-spec-validator')} jsonschema-rs {installed_version('jsonschema-rs', '')}"


@dataclasses.dataclass(frozen=True)
class Result:
    api: Api
    files: dict[str, str]
    warnings: tuple[str, ...]
    # Files beside the package in the output folder (``pyproject.toml``), by name.
    outside: dict[str, str] = dataclasses.field(default_factory=dict)
    # The spec is one file: its bytes alone decide the output (no ``$ref`` to other files).
    single_file: bool = True


def _load(config: Config) -> tuple[dict[str, Any], bytes, str, bool]:
    """The document, its bytes, its name and whether it is one file."""
    name = display(config.spec)
    doc, raw = load_file(config.spec)
    single_file = not refers_to_files(doc)
    if not single_file:
        doc = bundle(doc, config.spec, name)
    check_refs(doc, name)
    return doc, raw, name, single_file


def _problems(doc: dict[str, Any], name: str) -> list[SpecError]:
    # Imported here: openapi-spec-validator (with pydantic) takes ~0.5 s to import,
    # which a run with the verdict cached never needs.
    from generator.validate import validate

    return validate(doc, name)


def _settle(config: Config, problems: list[SpecError], verdict: str, warnings: list[str] | None) -> None:
    """Refuse the document, or note its problems as warnings (``--lenient``), or remember it passed."""
    if problems and not (config.lenient and warnings is not None):
        raise SpecErrors(problems)
    if problems and warnings is not None:
        warnings.extend(str(p) for p in problems)
    else:
        cache.put(cache.folder(), "valid", verdict, "ok")


def _verdict(raw: bytes) -> tuple[str, bool]:
    """The cache key of the validator's verdict on these bytes, and whether it is known to be valid.

    The validator takes seconds on large specs: documents that passed are remembered."""
    verdict = cache.key(_VALIDATOR, raw)
    return verdict, cache.get(cache.folder(), "valid", verdict) is not None


def load_and_validate(config: Config, warnings: list[str] | None = None) -> tuple[dict[str, Any], bytes, str]:
    doc, raw, name, _ = _load(config)
    verdict, known_valid = _verdict(raw)
    if not known_valid:
        _settle(config, _problems(doc, name), verdict, warnings)
    return doc, raw, name


class _Validation:
    """The validator run in a forked child while this process builds, renders and formats.

    Validation is pure CPU work on a document already in memory, so on a machine
    with two cores it costs no wall time next to black. The verdict is what
    counts: nothing is written, and no error of the build is reported, before
    ``result()`` says the document is valid. Without ``os.fork`` (Windows) the
    validator simply runs first, in this process.
    """

    def __init__(self, doc: dict[str, Any], name: str) -> None:
        self._doc, self._name = doc, name
        self._pid = 0
        self._fd = -1
        if hasattr(os, "fork"):
            read, write = os.pipe()
            pid = os.fork()
            if pid == 0:  # the child: validate, send the problems, leave without running any cleanup
                os.close(read)
                status = 0
                try:
                    found = [(p.file, p.where, p.message) for p in _problems(doc, name)]
                    data = json.dumps(found).encode()
                    with os.fdopen(write, "wb") as pipe:
                        pipe.write(data)
                except BaseException:
                    status = 1
                os._exit(status)
            os.close(write)
            self._pid, self._fd = pid, read
            self._done: list[SpecError] | None = None
        else:
            self._done = _problems(doc, name)

    def result(self) -> list[SpecError]:
        if self._done is not None:
            return self._done
        with os.fdopen(self._fd, "rb") as pipe:
            data = pipe.read()
        _, status = os.waitpid(self._pid, 0)
        if status != 0 or not data:
            # The child died (out of memory, killed): validate here instead.
            self._done = _problems(self._doc, self._name)
        else:
            self._done = [SpecError(*found) for found in json.loads(data)]
        return self._done


def run(config: Config) -> Result:
    """Everything ``generate`` and ``check`` need, computed in memory; nothing is written."""
    warnings: list[str] = []
    doc, raw, name, single_file = _load(config)
    verdict, known_valid = _verdict(raw)
    validation = None if known_valid else _Validation(doc, name)
    from generator.docs import render_docs
    from generator.format import format_all
    from generator.render import environment, render_each, static_files

    try:
        api = _build(doc, name, config, raw, warnings if validation is None else None)
        # Large packages are formatted in worker processes, on both cores (about
        # 100 lines of code per operation or model; below ~4,000 lines the workers'
        # start-up costs more than they save).
        large = len(api.models) + api.operation_count >= 40
        # The built-in templates' layout is black's; a user's own templates are formatted by black.
        trust = config.templates is None and not config.format_all
        # api.md reads the resources' signatures; their syntax trees are kept for it (only
        # theirs: holding every file's tree makes each garbage collection slower).
        trees: dict[str, ast.Module | None] = {f"resources/{resource.module}.py": None for resource in api.resources}
        files = format_all(render_each(api, config.templates), static_files(), large, trust_layout=trust, trees=trees)
    except (SpecError, SpecErrors, GenerationError) as exc:
        if validation is not None:  # a refused document is reported as refused, whatever the build did
            _settle(config, validation.result(), verdict, warnings)
            if warnings and isinstance(exc, _BuildFailure):  # --lenient: the failure comes from the invalid document
                raise SpecError(name, "#", f"cannot generate from this invalid document ({exc.detail})") from None
        raise
    if validation is not None:
        _settle(config, validation.result(), verdict, warnings)
    # README.md and api.md read the formatted sources back, so they show exactly what was generated.
    inside, outside = render_docs(api, config, files, environment(config.templates), trees)
    files.update(inside)
    return Result(api, files, tuple(warnings) + api.warnings, outside, single_file)


def _build(doc: dict[str, Any], name: str, config: Config, raw: bytes, warnings: list[str] | None) -> Api:
    """The IR; any failure becomes bad input (``warnings``: the document is known to be invalid) or a bug."""
    from generator.build import build_api

    try:
        return build_api(doc, name, config, raw)
    except (SpecError, SpecErrors):
        raise
    except RecursionError:
        raise SpecError(name, "#", "the document nests too deeply to generate from") from None
    except Exception as exc:  # never a traceback: an invalid document is bad input, a valid one a bug
        detail = f"{type(exc).__name__}: {exc}"
        if warnings:
            raise SpecError(name, "#", f"cannot generate from this invalid document ({detail})") from None
        raise _BuildFailure(detail) from None


class _BuildFailure(GenerationError):
    """The build failed on a document not yet known to be valid or not (exit 3 if it is valid)."""

    def __init__(self, detail: str) -> None:
        super().__init__(f"internal error while building the client: {detail}")
        self.detail = detail
