"""Format the generated package's modules: black's output, with black run only where needed.

``format_sources`` returns, for every module, exactly ``black.format_str(source, mode=
mode())`` (black 26.10.1, Python 3.10 target, 88 columns). black (about 3,000 lines a
second) runs on small probes (``formatter_scan`` reads a module, ``formatter_proof``
builds the probes, ``formatter_black`` asks black and keeps its answers), and on whole
modules the analysis does not handle. It is the only oracle: nothing here predicts a
layout; a part of a module is kept only when black gave back unchanged an input that is
equivalent to it, and anything else is what black makes of that part.

Why that is sound. black formats a module in two independent parts. (1) Each logical
line (statement, compound statement header, decorator) is laid out on its own, from its
tokens, the syntax tree up to its statement, its depth, whether it is a docstring (a
string statement first in its block) and whether a ``def``/``class`` body is a lone
``...``; never from other statements. Identifiers matter only as keywords, and like every
token through their width. (2) The blank lines before a logical line follow from what
the lines before it are (decorator, def, class, import, docstring, opens a block and with
which keyword, comment, stub body, depth) and how many blank lines are written there. So:

- The outline (each logical line replaced by a representative with the same properties,
  the module's blank and comment lines kept, a run of four or more repetitions of a block
  cut to three as black's blank-line state repeats from the second) given back unchanged
  proves every blank line right. A module is only ever spliced after that.
- A logical line on one physical line that fits in 88 columns (counting 2 for a
  non-ASCII character, at least black's count): black writes it as is, with its tokens'
  spacing and spelling normalized; "fits" is the only width it tests on that way. Its
  skeleton (names ``x``, plain double-quoted strings ``""``, all else verbatim) given back
  at the same depth proves it unchanged. The same holds for an item of an exploded
  bracket (below), shown one per line in a frame of the same kind at the same depth.
- A docstring is rewritten from its lines' leading and trailing whitespace, its quotes,
  escapes and line breaks, and whether its last line exceeds 88 columns; each of its
  middle lines on its own. When its last line fits, its skeleton (every run of other
  text ``x``, equal middle lines once) given back proves it unchanged. Other string
  statements are only re-quoted.
- A statement or item split only at a bracket ending its first line whose magic trailing
  comma black explodes, with its closing bracket starting the last line and nothing after
  it but closing brackets (and ``:`` or ``,``; for a ``def``: its return annotation, as
  black's left-hand split measures nothing): black explodes the bracket whatever its
  items, each item becomes a line decided on its own, and every width it tests on the
  way measures one of its first and last lines or less. So the frame's skeleton (its
  items ``x``, at most three: black treats items alike, their number only as one or
  more) and each item given back unchanged prove it unchanged.
  Shrinking names is unsound for any other layout, as black's choice between splits then
  depends on widths of lines it does not output: it keeps ``x = f(\n    a,\n)(\n    b\n)(c)``
  for 1-character names and splits the 30-character version differently, and it
  parenthesizes ``x = [\n    a,\n] | name`` once ``] | name`` is 85 columns wide.
- Any other piece is shown with each ASCII name (no keyword) and each plain ASCII
  string written with as many ``x``: the same tokens, keywords and widths, so the same
  question to black, asked once for all pieces that only differ that way. When it does
  not come back unchanged, the piece is shown as it stands (at its depth and docstring
  position, after a marker statement), and black's answer replaces it, by (1); that
  answer went through black's second pass too, which also takes each piece on its own.
  A piece with a line past the width is shown as it stands at once: black nearly always
  lays such a line out anew, and the same question for another piece is rare there.

The tests hold this to black itself: on every module of generated packages, perturbed
or not, and on random modules laid out by black for short names then given long ones.

Answers are kept in memory for a call and under ``cache_dir`` (keyed by black's version,
the mode, this stage's revision and Python's): each probe's answer, each module's
result, each with a checksum. A cache that cannot be read or written only costs time.
"""

from __future__ import annotations

import ast
import bisect
import itertools
import multiprocessing
import os
import re
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from generator.errors import GenerationError
from generator.formatter_black import (
    MISSING,
    Answer,
    Store,
    answer_slots,
    format_text,
    mode,
)
from generator.formatter_proof import Analyzer, Piece, Plan, Probe
from generator.formatter_scan import WIDTH, Statements, statements

_POOL_LINES = 3000  # fewer lines than this to format are formatted in this process
_SLOTS = 400  # probes in one input for black
# A line of code past the width costs a run about as much as this many other lines: on
# the clients of Instantly's and GitHub's specs, 12 to 28 (about 0.6 to 1.4 ms against 50 µs).
_LONG_LINE = 16
_LONG = re.compile(rf"^.{{{WIDTH + 1},}}", re.M)
__all__ = ["format_sources", "mode"]


def format_sources(sources: Mapping[str, str], *, cache_dir: Path | None = None, workers: int | None = None) -> dict[str, str]:
    """Each module (path relative to the package: source) as ``black.format_str`` writes it.

    Raises ``GenerationError`` for a module that does not parse (naming its path and line)
    or that black cannot format (naming its path). ``workers``: processes to share the
    work between (by default one per core), started only when there is enough of it."""
    store = Store(cache_dir)
    done: dict[str, str] = {}
    todo: dict[str, str] = {}
    for path in sorted(sources):
        cached = store.module(sources[path])  # only stored for a source that parsed, by this Python
        if cached is None:
            todo[path] = sources[path]
        else:
            done[path] = cached
    workers = workers or os.cpu_count() or 1
    groups = sorted(_groups(todo, workers), key=lambda group: -sum(map(len, group.values())))
    if len(groups) > 1:  # one run a worker: a probe two runs share is answered twice (measured: fewer runs are faster)
        forks = "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1
        context = multiprocessing.get_context("fork" if forks else None)  # forked workers start at once
        with ProcessPoolExecutor(min(workers, len(groups)), mp_context=context) as pool:
            results = list(pool.map(_group, groups, [cache_dir] * len(groups)))
    else:
        results = [_Run(store).format(todo)] if todo else []
    errors: list[tuple[str, str]] = []
    for outputs, failures, answers in results:
        done.update(outputs)
        errors += failures
        store.learn(answers)
    if errors:
        raise GenerationError(min(errors)[1])
    for path in todo:
        store.keep_module(todo[path], done[path])
    store.save()
    return {path: done[path] for path in sources}


def _groups(todo: Mapping[str, str], runs: int) -> list[dict[str, str]]:
    """The modules in ``runs`` runs of about the same cost each (``_cost``), in path order
    and cut between folders where that is near enough (modules alike share probes only
    within a run); in one run when there are too few lines, or runs, to pay for a process pool."""
    paths = sorted(todo, key=lambda path: (path.rpartition("/")[0], path))
    if runs < 2 or sum(todo[path].count("\n") + 1 for path in paths) < _POOL_LINES:
        return [dict(todo)] if todo else []
    ends = list(itertools.accumulate(_cost(todo[path]) for path in paths))
    total = ends[-1]
    folders = [index for index in range(1, len(paths)) if paths[index].rpartition("/")[0] != paths[index - 1].rpartition("/")[0]]
    cuts = []
    for share in range(1, runs):
        even = bisect.bisect_left(ends, total * share / runs) + 1
        near = min(folders, key=lambda index: abs(ends[index - 1] - ends[even - 1]), default=even)
        cuts.append(near if abs(ends[near - 1] - ends[even - 1]) < total / (20 * runs) else even)
    bounds = [0, *sorted(set(cuts)), len(paths)]
    return [{path: todo[path] for path in paths[a:b]} for a, b in itertools.pairwise(bounds) if a < b]


def _cost(source: str) -> int:
    """About how long formatting ``source`` takes, in lines: its lines, and for each line of
    code past black's width (outside a triple-quoted string, roughly) ``_LONG_LINE`` more:
    black is asked about each such line on its own, while most other lines are decided
    through probes that many lines share. Only how the modules are split between runs
    depends on this, never the output."""
    code = source.split('"""')[::2]
    return source.count("\n") + 1 + _LONG_LINE * sum(len(_LONG.findall(part)) for part in code)


def _group(todo: dict[str, str], cache_dir: Path | None) -> tuple[dict[str, str], list[tuple[str, str]], dict[str, Any]]:
    """Run in a worker process: its share of the modules, with the answers it asked black."""
    return _Run(Store(cache_dir)).format(todo)


class _Unproven(Exception):
    """A probe black could not answer: the module goes to black whole."""


class _Run:
    """The probes of some modules and black's answers."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.answers: dict[Probe, Answer] = {}
        self.fresh: dict[str, Any] = {}  # answers black gave in this run, by cache key
        self.modules: dict[str, tuple[str, str]] = {}  # source: (black's output, error)

    def format(self, todo: Mapping[str, str]) -> tuple[dict[str, str], list[tuple[str, str]], dict[str, Any]]:
        """The modules formatted, errors (path, message), and the answers black gave."""
        parsed: dict[str, Statements] = {}
        errors: list[tuple[str, str]] = []
        for path, source in todo.items():  # every module parsed first, its tree dropped at once:
            try:  # no tree is alive (for the garbage collector to walk) while modules are planned
                parsed[path] = statements(ast.parse(source, filename=path))
            except SyntaxError as exc:
                errors.append((path, f"{path}:{exc.lineno}: generated code does not parse: {exc.msg}"))
            except UnicodeEncodeError as exc:  # a lone surrogate
                errors.append((path, f"{path}:{source.count(chr(10), 0, exc.start) + 1}: generated code does not parse: {exc.reason}"))
        if errors:
            return {}, errors[:1], {}
        plans = _plans(todo, parsed)
        whole = {path for path, plan in plans.items() if plan is None}
        self.ask((plan.outline for plan in plans.values() if plan is not None), ())
        whole |= {path for path, plan in plans.items() if plan is not None and self.answers[plan.outline] != plan.outline.text}
        self.ask(_first(plan for path, plan in plans.items() if path not in whole), (todo[path] for path in whole))
        frontiers = {path: (plan, _unproven(plan, self.answers)) for path, plan in plans.items() if plan is not None and path not in whole}
        for path, (plan, frontier) in frontiers.items():  # most lines to black anyway: all of them
            if 2 * sum(len(piece.exact.text) for _, piece in frontier if piece.exact not in self.answers) > len(plan.lines):
                whole.add(path)
        later = [frontier for path, (_, frontier) in frontiers.items() if path not in whole]
        self.ask((piece.exact for frontier in later for _, piece in frontier), (todo[path] for path in whole))
        result: dict[str, str] = {}
        for path, (plan, frontier) in frontiers.items():
            if path not in whole:
                try:
                    result[path] = _splice(plan, _edits(frontier, self.answers))
                except _Unproven:
                    whole.add(path)
        self.ask((), (todo[path] for path in whole))
        for path in sorted(whole):
            output, error = self.modules[todo[path]]
            if error:
                errors.append((path, f"{path}: black could not format the generated code: {error}"))
            result[path] = output
        return result, errors[:1], self.fresh

    def ask(self, probes: Iterable[Probe], modules: Iterable[str]) -> None:
        """Have black answer every probe and format every module not answered yet."""
        fresh: list[Probe] = []
        for probe in probes:
            if probe not in self.answers:
                self.answers[probe] = self.store.answer(probe)
                if self.answers[probe] is MISSING:
                    fresh.append(probe)
        for probe in (p for p in fresh if p.slot == "text"):
            output, error = format_text("\n".join(probe.text))
            self.tell(probe, None if error else tuple(output.split("\n")))
        slots = sorted((p for p in fresh if p.slot != "text"), key=lambda p: (p.depth, p.slot, p.batch, p.text))
        for depth in sorted({p.depth for p in slots}):
            at = [p for p in slots if p.depth == depth]
            for start in range(0, len(at), _SLOTS):
                for probe, answer in zip(at[start : start + _SLOTS], answer_slots(depth, at[start : start + _SLOTS]), strict=True):
                    self.tell(probe, answer)
        for source in modules:
            if source not in self.modules:
                self.modules[source] = format_text(source)

    def tell(self, probe: Probe, answer: Answer) -> None:
        self.answers[probe] = answer
        if self.store.folder is not None:
            self.fresh[self.store.key(probe)] = None if answer is None else list(answer)


def _plans(todo: Mapping[str, str], parsed: Mapping[str, Statements]) -> dict[str, Plan | None]:
    """Each module's plan. The analyzer's tables die on return: the garbage collector
    does not walk them again while black runs."""
    analyzer = Analyzer()
    return {path: analyzer.plan(todo[path], shape) for path, shape in parsed.items()}


def _first(plans: Iterable[Plan | None]) -> list[Probe]:
    """What to ask about pieces first: their checks (their exact probe if none)."""
    found: list[Probe] = []

    def walk(pieces: Sequence[Piece]) -> None:
        for piece in pieces:
            found.extend(piece.checks or (piece.exact,))
            walk(piece.items)

    for plan in plans:
        if plan is not None:
            walk(plan.pieces)
    return found


def _unproven(plan: Plan, answers: Mapping[Probe, Answer]) -> list[tuple[int, Piece]]:
    """The pieces (in order, with their first lines) not proven unchanged that are in no
    such piece: the ones black's answer on the piece itself decides. Once every check is
    answered (``_first``) this does not change as more answers come."""
    found: list[tuple[int, Piece]] = []

    def walk(pieces: Sequence[Piece], firsts: Iterable[int]) -> None:
        for piece, first in zip(pieces, firsts, strict=True):
            if not _proven(piece, answers):
                found.append((first, piece))
            elif piece.items:
                walk(piece.items, [first + offset for offset in piece.offsets])

    walk(plan.pieces, plan.firsts)
    return found


def _proven(piece: Piece, answers: Mapping[Probe, Answer]) -> bool:
    for check in piece.checks:
        if answers.get(check) != check.text:
            return False
    return bool(piece.checks)


def _edits(frontier: Iterable[tuple[int, Piece]], answers: Mapping[Probe, Answer]) -> Iterator[tuple[int, int, tuple[str, ...]]]:
    """Lines first..last to replace: black's answer for each piece of ``_unproven``."""
    for first, piece in frontier:
        answer = answers.get(piece.exact)
        if answer is None:
            raise _Unproven
        if answer != piece.exact.text:
            yield first, first + piece.size - 1, answer[:-1] if piece.exact.slot == "text" else answer


def _splice(plan: Plan, edits: Iterable[tuple[int, int, tuple[str, ...]]]) -> str:
    lines = list(plan.lines)
    for first, last, text in sorted(edits, reverse=True):
        lines[first : last + 1] = text
    return "\n".join(lines)


