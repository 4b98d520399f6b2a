"""The whole run: load, check references, validate, build, render, format."""

from __future__ import annotations

import dataclasses
from typing import Any

from generator.build import build_api
from generator.config import Config
from generator.errors import SpecErrors
from generator.format import format_all
from generator.ir import Api
from generator.load import display, load_file
from generator.render import render, static_files
from generator.resolve import check_refs
from generator.validate import validate


@dataclasses.dataclass(frozen=True)
class Result:
    api: Api
    files: dict[str, str]


def load_and_validate(config: Config) -> tuple[dict[str, Any], bytes, str]:
    name = display(config.spec)
    doc, raw = load_file(config.spec)
    check_refs(doc, name)
    problems = validate(doc, name)
    if problems:
        raise SpecErrors(problems)
    return doc, raw, name


def run(config: Config) -> Result:
    """Everything ``generate`` and ``check`` need, computed in memory; nothing is written."""
    doc, raw, name = load_and_validate(config)
    api = build_api(doc, name, config, raw)
    files = format_all(render(api, config.templates), static_files())
    return Result(api, files)
