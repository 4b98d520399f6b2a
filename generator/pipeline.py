"""The whole run: load, check references, validate, build, render, format."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from generator import cache
from generator.config import Config
from generator.errors import GenerationError, SpecError, SpecErrors
from generator.load import parse_spec, read_spec
from generator.noop import installed_version
from generator.paths import display
from generator.resolve import bundle, check_refs, iter_refs, refers_to_files
from generator.validator import Validator, problems

if TYPE_CHECKING:

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


def _load(config: Config, raw: bytes) -> tuple[dict[str, Any], bool]:
    """The document read from its bytes, and whether it is one file."""
    name = display(config.spec)
    doc = parse_spec(raw, name)
    refs = list(iter_refs(doc, []))  # walked once, for both questions
    single_file = not refers_to_files(doc, refs)
    if not single_file:
        doc = bundle(doc, config.spec, name)
    check_refs(doc, name, refs if single_file else None)
    return doc, single_file


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
    raw = read_spec(config.spec)
    doc, _ = _load(config, raw)
    name = display(config.spec)
    verdict, known_valid = _verdict(raw)
    if not known_valid:
        _settle(config, problems(doc, name), verdict, warnings)
    return doc, raw, name


def run(config: Config, validator: Validator | None = None) -> Result:
    """Everything ``generate`` and ``check`` need, computed in memory; nothing is written.

    ``validator``: one the caller started early (the CLI starts it first thing); a run
    that needs one and was given none starts its own. It is closed when the run ends.
    """
    try:
        raw = read_spec(config.spec)
        verdict, known_valid = _verdict(raw)
        if known_valid:
            return _run(config, raw, verdict, None)
        validator = validator or Validator()
        return _run(config, raw, verdict, validator)
    finally:
        if validator is not None:
            validator.close()


def _run(config: Config, raw: bytes, verdict: str, validator: Validator | None) -> Result:
    warnings: list[str] = []
    name = display(config.spec)
    doc, single_file = _load(config, raw)
    if validator is not None:
        validator.send(doc, name)
    from generator.docs import render_docs, signatures
    from generator.format import format_all
    from generator.render import environment, render_each, static_files

    try:
        api = _build(doc, name, config, raw, warnings if validator is None else None)
        # Large packages are formatted in worker processes, on both cores (about
        # 100 lines of code per operation or model; below ~4,000 lines the workers'
        # start-up costs more than they save).
        large = len(api.models) + api.operation_count >= 40
        # The built-in templates' layout is black's; a user's own templates are formatted by black.
        trust = config.templates is None and not config.format_all
        # api.md shows the resources' signatures: they are read from the syntax trees as the files are parsed.
        resources = frozenset(f"resources/{resource.module}.py" for resource in api.resources)
        files, read = format_all(render_each(api, config.templates), static_files(), large, trust, (resources, signatures), validator)
    except (SpecError, SpecErrors, GenerationError) as exc:
        if validator is not None:  # a refused document is reported as refused, whatever the build did
            _settle(config, validator.result(), verdict, warnings)
            if warnings and isinstance(exc, _BuildFailure):  # --lenient: the failure comes from the invalid document
                raise SpecError(name, "#", f"cannot generate from this invalid document ({exc.detail})") from None
        raise
    if validator is not None:
        _settle(config, validator.result(), verdict, warnings)
    # README.md and api.md read the formatted sources back, so they show exactly what was generated.
    inside, outside = render_docs(api, config, files, environment(config.templates), read)
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
