"""Format rendered sources: ``ast.parse`` first (errors name file and line), then black, in process.

Black dominates the run time on large specs, so formatted output is cached by
content hash (black is deterministic: the same input and version give the same
output) and files that miss the cache are formatted on every core.
"""

from __future__ import annotations

import ast
import functools
import os
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from generator import cache
from generator.errors import GenerationError
from generator.noop import installed_version

# black is imported only when a file misses the cache: importing it takes ~0.2 s,
# most of a no-op run. The cache key names the version and every mode setting.
_TARGET = "PY310"
_LINE_LENGTH = 88
_BLACK_VERSION = installed_version("black")
_PARALLEL_MIN_LINES = 4000


@functools.cache
def _mode() -> Any:
    import black

    return black.Mode(target_versions={black.TargetVersion[_TARGET]}, line_length=_LINE_LENGTH)


def _key(source: str) -> str:
    return cache.key(_BLACK_VERSION, f"target={_TARGET} line_length={_LINE_LENGTH}", source)


def format_source(path: str, source: str) -> str:
    try:
        ast.parse(source, filename=path)
    except SyntaxError as exc:
        raise GenerationError(f"{path}:{exc.lineno}: generated code does not parse: {exc.msg}") from None
    import black

    try:
        return black.format_str(source, mode=_mode())
    except Exception as exc:  # black raises several kinds; all mean the same here
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise GenerationError(f"{path}: black could not format the generated code: {first}") from None


def _format_batch(batch: list[tuple[str, str]]) -> list[tuple[str, str] | tuple[str, str, str]]:
    out: list[tuple[str, str] | tuple[str, str, str]] = []
    for path, source in batch:
        try:
            out.append((path, format_source(path, source)))
        except GenerationError as exc:
            out.append((path, "", str(exc)))
    return out


def format_all(files: dict[str, str], skip: frozenset[str]) -> dict[str, str]:
    """Every ``.py`` file formatted (static files in ``skip`` are already formatted)."""
    folder = cache.folder()
    result: dict[str, str] = {}
    todo: list[tuple[str, str]] = []
    for path, source in files.items():
        if path in skip or not path.endswith(".py"):
            result[path] = source
            continue
        cached = cache.get(folder, "black", _key(source))
        if cached is not None:
            result[path] = cached
        else:
            todo.append((path, source))
    lines = sum(source.count("\n") for _, source in todo)
    workers = min(os.cpu_count() or 1, 8)
    if lines >= _PARALLEL_MIN_LINES and workers > 1 and len(todo) > 1:
        batches: list[list[tuple[str, str]]] = [[] for _ in range(workers * 4)]
        for index, item in enumerate(sorted(todo, key=lambda t: -len(t[1]))):
            batches[index % len(batches)].append(item)
        with ProcessPoolExecutor(max_workers=workers) as pool:
            done = [entry for chunk in pool.map(_format_batch, [b for b in batches if b]) for entry in chunk]
    else:
        done = _format_batch(todo)
    sources = dict(todo)
    errors = sorted(entry[2] for entry in done if len(entry) == 3)
    if errors:
        raise GenerationError(errors[0])
    for path, formatted, *_ in done:
        result[path] = formatted
        cache.put(folder, "black", _key(sources[path]), formatted)
    return {path: result[path] for path in files}
