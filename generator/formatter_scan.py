"""Reading a module for ``generator.formatter``: its physical lines' tokens, its logical
lines and their kinds, and its outline.

A logical line is a statement, a compound statement's header or a decorator, the unit
black lays out on its own. Its kind is the outline's representative of it: a line with
every property black's blank-line handling reads (decorator, ``def``, ``class``, import,
docstring, opens a block and with which keyword, stub body, depth). An ``async def`` is
shown as a ``def``: black's blank-line handling reads ``Line.is_def``, true for both, and
reads the first word only to tell some block openers apart, or in stub files (black
26.10, ``EmptyLineTracker``). So the methods of a sync class and of its async twin make
the same outline, and a run of them is cut short (``outline``). Anything this module
does not handle (tabs, backslash continuations, semicolons, trailing whitespace, a
``# fmt:`` directive, ``match``, a body on its header's line, a statement boundary
Python's parser puts elsewhere) makes ``logicals`` or ``agrees`` say so: black formats
that module whole. Nothing outlives a ``Scanner``, which shares the scan of equal lines.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

WIDTH = 88
INDENT = "    "
OPEN, SHUT = ("(", "[", "{"), (")", "]", "}")
# Python's tokens, enough to tell strings, names, numbers, brackets, other operators and
# comments apart, each after the spaces before it; x: any other character (a tab, a
# backslash, ..., and the last of trailing spaces).
_TOKEN = re.compile(
    r""" *(?:(?P<s>[rRbBuUfF]{0,2}(?:'''|\"\"\"|'[^'\\\n]*(?:\\.[^'\\\n]*)*'|"[^"\\\n]*(?:\\.[^"\\\n]*)*"))"""
    r"|(?P<n>[^\W\d]\w*)|(?P<d>(?:\d|\.\d)\w*(?:\.\w*)?(?:(?<=[eE])[-+]\d\w*)?)|(?P<open>[(\[{])|(?P<shut>[)\]}])"
    r"|(?P<o>->|\*\*=?|//=?|>>=?|<<=?|:=|\.\.\.|[-+*/%@&|^=<>!]=|[-+*/%@&|^~<>=.,:])"
    r"|(?P<c>\#.*)|(?P<x>.))"
)
# A token's kind by the number of its group: the group's name, "(" and ")" for brackets.
_KIND: dict[int | None, str] = {index: {"open": "(", "shut": ")"}.get(name, name) for name, index in _TOKEN.groupindex.items()}
CLOSE = {q: re.compile(rf"(?:[^{q[0]}\\]|\\.|{q[0]}(?!{q[:2]}))*{q}") for q in ('"""', "'''")}
_UNSEEN = object()
_DIRECTIVE = re.compile(r"(?:fmt|yapf)\s*:", re.I)  # black leaves alone what such comments mark
_F_PREFIX = re.compile(r"[fF][rRbBuUfF]?['\"]|[rRbBuU][fF]['\"]")  # in any line holding an f-string
_HEADERS = {"if": "if x:", "elif": "elif x:", "else": "else:", "for": "for x in x:", "while": "while x:",
            "with": "with x:", "try": "try:", "except": "except x:", "finally": "finally:"}


class Line(NamedTuple):
    """A physical line's tokens (kind, start, end; "(" and ")" for brackets, "S" and "E"
    for the parts of a string that goes on, or started, on another line), the text and
    kinds of those that are not comments, its bracket balance and lowest bracket depth,
    the triple quote open at its end, and whether it holds an f-string."""

    toks: tuple[tuple[str, int, int], ...]
    words: tuple[str, ...]
    kinds: str
    balance: int
    low: int
    state: str
    fstring: bool


@dataclass(slots=True)
class Logical:
    """Lines ``first``..``last`` (from 0), at block depth ``depth``, after the blank and
    comment lines ``pre``; ``gaps``: a blank line inside its brackets."""

    first: int
    depth: int
    pre: tuple[str, ...]
    last: int = -1
    kind: str = ""
    gaps: bool = False


@dataclass(slots=True)
class Scanner:
    lines: dict[str, Line | None] = field(default_factory=dict)
    inside: dict[tuple[str, str], Line | None] = field(default_factory=dict)

    def scan(self, line: str, state: str = "") -> Line | None:
        """``line``'s tokens, when it starts inside a string opened by ``state`` or none;
        None for a line with anything not handled."""
        if not state:
            found = self.lines.get(line, _UNSEEN)
            if found is _UNSEEN:
                found = self.lines[line] = _scan(line, state)
            return found  # type: ignore[return-value]
        if (state, line) not in self.inside:
            self.inside[state, line] = _scan(line, state)
        return self.inside[state, line]


def width(line: str) -> int:
    """At least the columns black counts (one or two a character; UTF-8 takes 2 to 4 bytes)."""
    return len(line) if line.isascii() else len(line.encode())


def prefix(token: str) -> str:
    return token[: len(token) - len(token.lstrip("rRbBuUfF"))]


def _scan(line: str, state: str) -> Line | None:
    toks: list[tuple[str, int, int]] = []
    pos, end = 0, len(line)
    if state:
        closing = CLOSE[state].match(line)
        if closing is None:
            return Line((("S", 0, end),), ("",), "S", 0, 0, state, False)
        toks.append(("E", 0, closing.end()))
        pos, state = closing.end(), ""
    if '"""' in line or "'''" in line:  # where a triple-quoted string ends matters
        while pos < end:
            match = _TOKEN.match(line, pos)
            assert match is not None  # the last alternative takes any character
            kind, start, pos = _KIND[match.lastindex], match.start(match.lastindex or 0), match.end()
            quote = line[start:pos].lstrip("rRbBuUfF")
            if kind == "s" and quote in CLOSE:
                closing = CLOSE[quote].match(line, pos)
                kind, pos, state = ("s", closing.end(), "") if closing else ("S", end, quote)
            toks.append((kind, start, pos))
    else:
        toks += [(_KIND[match.lastindex], match.start(match.lastindex or 0), match.end()) for match in _TOKEN.finditer(line, pos)]
    every = "".join([tok[0] for tok in toks])
    comment = every.endswith("c")  # a comment runs to the end of its line
    if "x" in every or (comment and _DIRECTIVE.search(line, toks[-1][1])):
        return None
    code, kinds = (toks[:-1], every[:-1]) if comment else (toks, every)
    depth = low = 0
    if ")" in kinds:
        for kind in kinds:
            if kind == "(":
                depth += 1
            elif kind == ")":
                depth -= 1
                low = min(low, depth)
    else:
        depth = kinds.count("(")
    fstring = "s" in kinds and _F_PREFIX.search(line) is not None and any(k == "s" and "f" in prefix(line[a:b]).lower() for k, a, b in code)
    return Line(tuple(toks), tuple([line[a:b] for _, a, b in code]), kinds, depth, low, state, fstring)


def logicals(scanner: Scanner, lines: Sequence[str], scans: list[Line]) -> tuple[list[Logical], tuple[str, ...]] | None:
    """The logical lines, and the lines after the last; each line's scan added to ``scans``."""
    found: list[Logical] = []
    pending: list[str] = []
    current: Logical | None = None
    brackets, state = 0, ""
    for index, line in enumerate(lines):
        scan = scanner.scan(line, state)
        if scan is None:
            return None
        scans.append(scan)
        state = scan.state
        if current is None:
            if not scan.kinds:
                pending.append(line)
                continue
            if scan.toks[0][1] % 4:
                return None
            current, pending = Logical(index, scan.toks[0][1] // 4, tuple(pending)), []
        elif not scan.toks:
            current.gaps = True
        brackets += scan.balance
        if brackets < 0:
            return None
        if not brackets and not state:
            current.last = index
            current.kind = _kind(current, scans, found[-1] if found else None)
            if not current.kind:
                return None
            found.append(current)
            current = None
    return None if current is not None else (found, tuple(pending))


def _kind(logical: Logical, scans: Sequence[Line], previous: Logical | None) -> str:
    """The outline's representative of a logical line ("" for one not handled)."""
    head, tail = scans[logical.first], scans[logical.last]
    opens = previous is not None and previous.kind.endswith(":")
    deepest = 0 if previous is None else previous.depth + opens
    if logical.depth > deepest or (opens and logical.depth != deepest) or not tail.words:
        return ""
    words, colon = head.words, tail.words[-1] == ":"
    first = " ".join(words[:2]) if words[0] == "async" and len(words) > 1 else words[0]
    if (first in ("match", "case") and colon) or (first == "type" and head.kinds[1:2] == "n"):
        return ""
    if first in ("def", "async def", "class"):  # black's blank lines tell a def from an async def in stubs only
        rep = "class x" if first == "class" else "def x()"
        return rep + ": ..." if tail.words[-2:] == (":", "...") else rep + ":" if colon else ""
    if first in _HEADERS or first in ("async for", "async with"):
        return ("async " + _HEADERS[words[1]] if words[0] == "async" else _HEADERS[first]) if colon else ""
    if colon or first == "async":
        return ""
    if first in ("@", "import", "from"):
        return "@x" if first == "@" else "import x"
    if bare(scans, logical.first, logical.last):
        plain = not set(prefix(words[0])) & set("bBfF")
        return '"""x"""' if plain and (previous is None or opens) else "x"
    return "..." if words == ("...",) else "x"


def bare(scans: Sequence[Line], first: int, last: int) -> bool:
    """Whether lines ``first``..``last``, a logical line, are one string literal (and
    perhaps a comment): "s", or "S" on every line and "E" on the last."""
    if first == last:
        return scans[first].kinds == "s"
    return scans[last].kinds == "E" and all(scans[index].kinds == "S" for index in range(first, last))


class Statements(NamedTuple):
    """Where Python's parser found statements, decorators and clauses to start (lines from
    0), and where each simple statement ends (by its first line)."""

    starts: frozenset[int]
    ends: dict[int, int]


def statements(tree: ast.Module) -> Statements:
    """What ``agrees`` reads of a module's syntax tree (kept instead of the tree)."""
    starts: set[int] = set()
    ends: dict[int, int] = {}
    todo: list[ast.stmt] = list(tree.body)
    while todo:
        node = todo.pop()
        starts.add(node.lineno - 1)
        starts.update(decorator.lineno - 1 for decorator in getattr(node, "decorator_list", ()))
        inner = [*getattr(node, "body", ()), *getattr(node, "orelse", ()), *getattr(node, "finalbody", ())]
        for handler in getattr(node, "handlers", ()):
            starts.add(handler.lineno - 1)
            inner += handler.body
        if not inner:
            ends[node.lineno - 1] = (node.end_lineno or node.lineno) - 1
        todo += inner
    return Statements(frozenset(starts), ends)


def agrees(found: Sequence[Logical], parsed: Statements) -> bool:
    """Whether the logical lines start where Python's parser found statements, decorators
    and clauses to start, and simple statements end where it found them to end."""
    mine = {logical.first for logical in found if logical.kind not in ("else:", "finally:")}
    return mine == parsed.starts and all(parsed.ends.get(logical.first, logical.last) == logical.last for logical in found)


def outline(found: Sequence[Logical], trailing: tuple[str, ...]) -> tuple[str, ...]:
    """The module's blank and comment lines, each logical line written as its kind at its
    depth, and each run of four or more repetitions of a block of at most six logical
    lines (none shallower than the first) cut to three repetitions: black's blank-line
    state is the same after each repetition from the second on."""
    entries = [(logical.pre, INDENT * logical.depth + logical.kind, logical.depth) for logical in found]
    kept: list[tuple[tuple[str, ...], str, int]] = []
    index = 0
    while index < len(entries):
        for size in range(1, 7):
            if index + size >= len(entries) or entries[index + size] != entries[index]:
                continue
            block = entries[index : index + size]
            if min(entry[2] for entry in block) != block[0][2]:
                continue
            count = 1
            while entries[index + count * size : index + (count + 1) * size] == block:
                count += 1
            if count >= 4:
                kept += block * 3
                index += count * size
                break
        else:
            kept.append(entries[index])
            index += 1
    return (*(line for pre, rep, _ in kept for line in (*pre, rep)), *trailing)
