"""Format rendered sources: ``ast.parse`` first (errors name file and line), then black.

The built-in templates lay code out as black does (``generator/layout.py``), so
black runs only on the files whose layout ``layout.needs_black`` cannot vouch
for, and on every file when the templates are the user's own or ``--format-all``
asks for it. Black dominates the run time of the files it formats, so its output
is cached by content hash (black is deterministic: the same input and version
give the same output) and files that miss the cache are formatted on every core.
"""

from __future__ import annotations

import ast
import functools
import os
from collections.abc import Iterable
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

from generator import cache
from generator.errors import GenerationError
from generator.layout import WIDTH, needs_black
from generator.noop import installed_version

# black is imported only when a file misses the cache: importing it takes ~0.2 s,
# most of a no-op run. The cache key names the version and every mode setting.
_TARGET = "PY310"
_LINE_LENGTH = WIDTH  # the width generator/layout.py lays lines out for
_BLACK_VERSION = installed_version("black")


@functools.cache
def _mode() -> Any:
    from black.mode import Mode, TargetVersion

    return Mode(target_versions={TargetVersion[_TARGET]}, line_length=_LINE_LENGTH)


def _key(source: str) -> str:
    return cache.key(_BLACK_VERSION, f"target={_TARGET} line_length={_LINE_LENGTH}", source)


def check_syntax(path: str, source: str) -> None:
    try:
        ast.parse(source, filename=path)
    except SyntaxError as exc:
        raise GenerationError(f"{path}:{exc.lineno}: generated code does not parse: {exc.msg}") from None


def format_source(path: str, source: str) -> str:
    check_syntax(path, source)
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


# Files go to the worker processes in batches of about this many lines (about a
# quarter of a second of black), so that both workers stay busy to the end.
_BATCH_LINES = 1200


def format_all(files: Iterable[tuple[str, str]], skip: frozenset[str], large: bool = False, trust_layout: bool = False) -> dict[str, str]:
    """Every ``.py`` file formatted (static files in ``skip`` are already formatted), sorted by path.

    With ``trust_layout``, a file that ``needs_black`` passes is kept as rendered
    (once it parses): it is already black's output.

    ``files`` may be a generator: files that miss the cache are handed to the
    worker processes (when the package is ``large``) as they arrive, so black runs
    while the rest is still rendering. The pool starts at the first miss, so a run
    whose files are all cached never imports black at all.
    """
    folder = cache.folder()
    result: dict[str, str] = {}
    sources: dict[str, str] = {}
    workers = min(os.cpu_count() or 1, 8)
    parallel = large and workers > 1
    pool: ProcessPoolExecutor | None = None
    pending: list[Future[list[tuple[str, str] | tuple[str, str, str]]]] = []
    local: list[tuple[str, str]] = []
    batch: list[tuple[str, str]] = []
    lines = 0
    try:
        for path, source in files:
            if path in skip or not path.endswith(".py"):
                result[path] = source
                continue
            if trust_layout and not needs_black(source):
                check_syntax(path, source)
                result[path] = source
                continue
            cached = cache.get(folder, "black", _key(source))
            if cached is not None:
                result[path] = cached
                continue
            sources[path] = source
            if not parallel:
                local.append((path, source))
                continue
            if pool is None:  # the workers start now and import black while the rest renders
                pool = ProcessPoolExecutor(max_workers=workers, initializer=_mode)
                pool.submit(int)
            batch.append((path, source))
            lines += source.count("\n")
            if lines >= _BATCH_LINES:
                pending.append(pool.submit(_format_batch, batch))
                batch, lines = [], 0
        if batch:
            assert pool is not None
            pending.append(pool.submit(_format_batch, batch))
        done = _format_batch(local) + [entry for future in pending for entry in future.result()]
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    errors = sorted(entry[2] for entry in done if len(entry) == 3)
    if errors:
        raise GenerationError(errors[0])
    for path, formatted, *_ in done:
        result[path] = formatted
        cache.put(folder, "black", _key(sources[path]), formatted)
    return dict(sorted(result.items()))
