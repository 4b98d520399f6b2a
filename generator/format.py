"""Format rendered sources: ``ast.parse`` first (errors name file and line), then black, in process."""

from __future__ import annotations

import ast

import black

from generator.errors import GenerationError

MODE = black.Mode(target_versions={black.TargetVersion.PY310}, line_length=88)


def format_source(path: str, source: str) -> str:
    try:
        ast.parse(source, filename=path)
    except SyntaxError as exc:
        raise GenerationError(f"{path}:{exc.lineno}: generated code does not parse: {exc.msg}") from None
    try:
        return black.format_str(source, mode=MODE)
    except Exception as exc:  # black raises several kinds; all mean the same here
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise GenerationError(f"{path}: black could not format the generated code: {first}") from None


def format_all(files: dict[str, str], skip: frozenset[str]) -> dict[str, str]:
    return {path: (src if path in skip or not path.endswith(".py") else format_source(path, src)) for path, src in files.items()}
