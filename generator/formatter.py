"""TEMPORARY stand-in for the format stage (being written on the `format` branch): black on every file."""

from __future__ import annotations

import ast
from collections.abc import Mapping
from pathlib import Path

from generator.errors import GenerationError


def format_sources(sources: Mapping[str, str], *, cache_dir: Path | None = None) -> dict[str, str]:
    import black
    from black.mode import Mode, TargetVersion

    mode = Mode(target_versions={TargetVersion.PY310}, line_length=88)
    out = {}
    for path, source in sources.items():
        try:
            ast.parse(source, filename=path)
        except SyntaxError as exc:
            raise GenerationError(f"{path}:{exc.lineno}: generated code does not parse: {exc.msg}") from None
        try:
            out[path] = black.format_str(source, mode=mode)
        except Exception as exc:
            raise GenerationError(f"{path}: black could not format the generated code: {exc}") from None
    return out
