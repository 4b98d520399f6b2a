"""Format rendered sources: ``ast.parse`` first (errors name file and line), then black.

The built-in templates lay code out as black does (``generator/layout.py``), so
black runs only on the statements whose lines ``layout.flagged_lines`` cannot
vouch for (the rest of their file is already black's output), and on every
file when the templates are the user's own or ``--format-all`` asks for it.
Black dominates the run time of what it formats, so its output is cached by
content hash (black is deterministic: the same input and version give the same
output) and whole files that miss the cache are formatted on every core.
"""

from __future__ import annotations

import ast
import functools
import os
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any, Protocol

from generator import cache
from generator.errors import GenerationError
from generator.layout import WIDTH, flagged_lines
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


def check_syntax(path: str, source: str) -> ast.Module:
    try:
        return ast.parse(source, filename=path)
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


# What ``format_all``'s caller reads from a formatted file's syntax tree (path, source, tree).
Reader = Callable[[str, str, ast.Module], Any]
# A batch entry: (path, source, whether the reader wants it); a result: (path, formatted,
# what the reader read or None, error message or "").
Entry = tuple[str, str, bool]
_Done = tuple[str, str, Any, str]


def read_batches(batches: Iterable[tuple[list[Entry], Reader | None]]) -> tuple[list[str], dict[str, Any]]:
    """Each file of each batch parsed, and read with the batch's reader where wanted:
    (errors, what was read by path)."""
    errors: list[str] = []
    found: dict[str, Any] = {}
    for batch, reader in batches:
        for path, source, wanted in batch:
            try:
                tree = check_syntax(path, source)
                if wanted and reader is not None:
                    found[path] = reader(path, source, tree)
            except GenerationError as exc:
                errors.append(str(exc))
    return errors, found


class Offload(Protocol):
    """Another process that parses and reads files kept as rendered (``generator.validator.Validator``)."""

    def parse(self, batch: list[Entry], reader: Reader | None) -> None: ...

    def parsed(self) -> tuple[list[str], dict[str, Any]]:
        """What ``read_batches`` gives for every batch handed to ``parse`` (at once when there was none)."""
        ...


def _kept(path: str, source: str, flagged: list[int], folder: Path | None) -> tuple[str, ast.Module | None] | None:
    """A file from the built-in templates as black would write it, and its syntax tree when it
    is kept as rendered; None when black must format the whole file."""
    tree = check_syntax(path, source)
    if not flagged:
        return source, tree
    spliced = _format_statements(source, tree, flagged, folder)
    return None if spliced is None else (spliced, None)


def _format_batch(batch: list[Entry], folder: Path | None, reader: Reader | None) -> list[_Done]:
    """Files the cache does not hold, through black (and into the cache)."""
    out: list[_Done] = []
    for path, source, wanted in batch:
        try:
            formatted = format_source(path, source)
            cache.put(folder, "black", _key(source), formatted)
            read = reader(path, formatted, check_syntax(path, formatted)) if wanted and reader is not None else None
            out.append((path, formatted, read, ""))
        except GenerationError as exc:
            out.append((path, "", None, str(exc)))
    return out


def _spans(tree: ast.Module, flagged: list[int], lines: list[str]) -> list[tuple[int, int, int, bool]] | None:
    """Where black must run: (first line, last line, indentation, whether it is a
    compound statement's header) of the innermost statement holding each flagged
    line, bottom first; None when a line is in no statement's own text (a
    decorator, an ``else:``), or at an indentation that is not black's."""
    statements = [node for node in ast.walk(tree) if isinstance(node, ast.stmt)]
    spans: set[tuple[int, int, int, bool]] = set()
    for line in flagged:
        holding = [node for node in statements if node.lineno <= line <= (node.end_lineno or node.lineno)]
        if not holding or any(node.col_offset % 4 for node in holding):
            return None
        node = min(holding, key=lambda n: (n.end_lineno or n.lineno) - n.lineno)
        body: list[ast.stmt] = getattr(node, "body", [])
        if not body:
            spans.add((node.lineno, node.end_lineno or node.lineno, node.col_offset, False))
            continue
        if not node.lineno < body[0].lineno or line >= body[0].lineno:
            return None
        last = body[0].lineno - 1
        while last > node.lineno and not lines[last - 1].strip():
            last -= 1
        spans.add((node.lineno, last, node.col_offset, True))
    return sorted(spans, reverse=True)


def _format_statements(source: str, tree: ast.Module, flagged: list[int], folder: Any) -> str | None:
    """``source`` with black run on the statements holding the ``flagged`` lines only; None if
    they cannot be cut out, and black must format the whole file.

    black lays each statement out on its own, from its text and its depth: the
    rest of the file is already its output. A statement is formatted at its
    depth (inside ``class _:`` lines), a compound statement's header with a
    ``pass`` body, both taken out of black's output again.
    """
    lines = source.split("\n")
    spans = _spans(tree, flagged, lines)
    if spans is None:
        return None
    for first, last, column, header in spans:
        depth = column // 4
        wrapper = ["    " * level + "class _:" for level in range(depth)]
        snippet = "\n".join([*wrapper, *lines[first - 1 : last], *(["    " * (depth + 1) + "pass"] if header else []), ""])
        key = _key(snippet)
        formatted = cache.get(folder, "black", key)
        if formatted is None:
            try:
                formatted = _black(snippet)
            except Exception:  # black raises several kinds: the whole file goes to black, which reports it
                return None
            cache.put(folder, "black", key, formatted)
        out = formatted.split("\n")
        if out[:depth] != wrapper or out[-1] != "" or (header and out[-2] != "    " * (depth + 1) + "pass"):
            return None
        statement = out[depth : -2 if header else -1]
        while statement and not statement[0]:
            statement = statement[1:]
        lines[first - 1 : last] = statement
    return "\n".join(lines)


def _black(source: str) -> str:
    import black

    return black.format_str(source, mode=_mode())


# Files go to the worker processes (and to the offload) in batches of about this many
# lines (about a quarter of a second of black), so that both workers stay busy to the end.
_BATCH_LINES = 1200


class _Batches:
    """Entries gathered into batches of about ``_BATCH_LINES`` lines, each handed to ``send`` when full."""

    def __init__(self, send: Callable[[list[Entry]], object]) -> None:
        self.send = send
        self.batch: list[Entry] = []
        self.lines = 0

    def add(self, entry: Entry) -> None:
        self.batch.append(entry)
        self.lines += entry[1].count("\n")
        if self.lines >= _BATCH_LINES:
            self.flush()

    def flush(self) -> None:
        if self.batch:
            self.send(self.batch)
            self.batch, self.lines = [], 0


def format_all(
    files: Iterable[tuple[str, str]],
    skip: frozenset[str],
    large: bool = False,
    trust_layout: bool = False,
    read: tuple[frozenset[str], Reader] | None = None,
    offload: Offload | None = None,
) -> tuple[dict[str, str], dict[str, Any]]:
    """Every ``.py`` file formatted (static files in ``skip`` are already formatted), sorted by
    path, and what ``read`` (paths, reader) read from the syntax trees of those paths.

    With ``trust_layout``, a file that ``flagged_lines`` passes is kept as rendered
    (once it parses): it is already black's output. In a file it flags, black runs
    on the flagged statements only, when they can be cut out. ``read`` lets a caller
    learn something from a file's tree (``api.md`` reads the resources' signatures)
    without parsing it again or keeping every tree until the end. Kept files that
    ``read`` wants are parsed and read by ``offload``, when there is one, on the
    other core while this process renders.

    ``files`` may be a generator: files that black must format whole and that miss
    the cache are handed to the worker processes (when the package is ``large``) as
    they arrive, so black runs while the rest is still rendering. The pool starts at
    the first miss, so a run whose files are all cached never imports black at all.
    """
    folder = cache.folder()
    wanted, reader = read if read is not None else (frozenset(), None)
    result: dict[str, str] = {}
    found: dict[str, Any] = {}
    errors: list[str] = []

    def keep(path: str, formatted: str, tree: ast.Module | None) -> None:
        result[path] = formatted
        if reader is not None and path in wanted:
            found[path] = reader(path, formatted, tree if tree is not None else check_syntax(path, formatted))

    workers = min(os.cpu_count() or 1, 8)
    parallel = large and workers > 1
    pool: ProcessPoolExecutor | None = None
    pending: list[Future[list[_Done]]] = []
    local: list[Entry] = []

    def to_pool(batch: list[Entry]) -> None:
        nonlocal pool
        if pool is None:  # the workers start now and import black while the rest renders
            pool = ProcessPoolExecutor(max_workers=workers, initializer=_mode)
            pool.submit(int)
        pending.append(pool.submit(_format_batch, batch, folder, reader))

    black = _Batches(to_pool if parallel else local.extend)
    away = _Batches(lambda batch: offload.parse(batch, reader) if offload is not None else None)
    try:
        for path, source in files:
            if path in skip or not path.endswith(".py"):
                result[path] = source
                continue
            if trust_layout:
                flagged = list(flagged_lines(source))
                if not flagged and offload is not None and path in wanted:
                    result[path] = source
                    away.add((path, source, True))
                    continue
                try:
                    kept = _kept(path, source, flagged, folder)
                except GenerationError as exc:
                    errors.append(str(exc))
                    continue
                if kept is not None:
                    keep(path, *kept)
                    continue
            cached = cache.get(folder, "black", _key(source))
            if cached is not None:
                keep(path, cached, None)
                continue
            black.add((path, source, path in wanted))
        black.flush()
        away.flush()
        done = _format_batch(local, folder, reader) + [entry for future in pending for entry in future.result()]
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    if offload is not None:
        more, got = offload.parsed()
        errors += more
        found.update(got)
    errors += [entry[3] for entry in done if entry[3]]
    if errors:
        raise GenerationError(min(errors))
    for path, formatted, what, _ in done:
        result[path] = formatted
        if what is not None:
            found[path] = what
    return dict(sorted(result.items())), found
