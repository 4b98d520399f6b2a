"""The whole run: load, check references, validate, build, render, format."""

from __future__ import annotations

import dataclasses
from importlib.metadata import version
from typing import Any

from generator import cache
from generator.build import build_api
from generator.config import Config
from generator.docs import render_docs
from generator.errors import GenerationError, SpecError, SpecErrors
from generator.format import format_all
from generator.ir import Api
from generator.load import load_file
from generator.paths import display
from generator.render import environment, render, static_files
from generator.resolve import bundle, check_refs, refers_to_files

_VALIDATOR = "openapi-spec-validator " + version("openapi-spec-validator")


@dataclasses.dataclass(frozen=True)
class Result:
    api: Api
    files: dict[str, str]
    warnings: tuple[str, ...]
    # Files beside the package in the output folder (``pyproject.toml``), by name.
    outside: dict[str, str] = dataclasses.field(default_factory=dict)
    # The spec is one file: its bytes alone decide the output (no ``$ref`` to other files).
    single_file: bool = True


def load_and_validate(config: Config, warnings: list[str] | None = None) -> tuple[dict[str, Any], bytes, str]:
    doc, raw, name, _ = _load_and_validate(config, warnings)
    return doc, raw, name


def _load_and_validate(config: Config, warnings: list[str] | None) -> tuple[dict[str, Any], bytes, str, bool]:
    """The document, its bytes, its name and whether it is one file."""
    name = display(config.spec)
    doc, raw = load_file(config.spec)
    single_file = not refers_to_files(doc)
    if not single_file:
        doc = bundle(doc, config.spec, name)
    check_refs(doc, name)
    # The validator takes seconds on large specs: remember documents that passed.
    root = cache.folder()
    verdict = cache.key(_VALIDATOR, raw)
    if cache.get(root, "valid", verdict) is None:
        # Imported here: openapi-spec-validator (with pydantic) takes ~0.5 s to import,
        # which a no-op run with the verdict cached never needs.
        from generator.validate import validate

        problems = validate(doc, name)
        if problems and not (config.lenient and warnings is not None):
            raise SpecErrors(problems)
        if problems and warnings is not None:
            warnings.extend(str(p) for p in problems)
        else:
            cache.put(root, "valid", verdict, "ok")
    return doc, raw, name, single_file


def run(config: Config) -> Result:
    """Everything ``generate`` and ``check`` need, computed in memory; nothing is written."""
    warnings: list[str] = []
    doc, raw, name, single_file = _load_and_validate(config, warnings)
    try:
        api = build_api(doc, name, config, raw)
    except (SpecError, SpecErrors):
        raise
    except RecursionError:
        raise SpecError(name, "#", "the document nests too deeply to generate from") from None
    except Exception as exc:  # never a traceback: an invalid document is bad input, a valid one a bug
        detail = f"{type(exc).__name__}: {exc}"
        if warnings:
            raise SpecError(name, "#", f"cannot generate from this invalid document ({detail})") from None
        raise GenerationError(f"internal error while building the client: {detail}") from None
    files = format_all(render(api, config.templates), static_files())
    # README.md and api.md read the formatted sources back, so they show exactly what was generated.
    inside, outside = render_docs(api, config, files, environment(config.templates))
    files.update(inside)
    return Result(api, files, tuple(warnings) + api.warnings, outside, single_file)
