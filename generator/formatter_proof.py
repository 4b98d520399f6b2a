"""The probes ``generator.formatter`` shows black to decide a module (its docstring says
why black's answers prove what they prove).

``Analyzer.plan`` cuts a module into logical lines (``generator.formatter_scan``), each a
``Piece`` with its probes: a skeleton of it (names and strings shrunk, or only renamed
keeping their widths), or of its frame and items; and always the piece as it stands, in
an equivalent position, for when no skeleton comes back unchanged.
"""

from __future__ import annotations

import functools
import itertools
import keyword
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from generator.formatter_scan import (
    CLOSE,
    INDENT,
    OPEN,
    SHUT,
    WIDTH,
    Line,
    Logical,
    Scanner,
    Statements,
    agrees,
    bare,
    logicals,
    outline,
    prefix,
    width,
)

_KEEP = frozenset(keyword.kwlist) | frozenset(keyword.softkwlist) | {"print", "exec"}
# In a string: an escape sequence (kept), or a run of text black's docstring handling
# never reads (written x): no whitespace, quote or backslash at either end, only spaces inside.
_TEXT = r"""[^\s"'\\]+(?: +[^\s"'\\]+)*"""  # each character repeat on its own: sre matches those fastest
_RUN = re.compile(r"""\\(?:N\{[^}"'\\]*\}|[xuU][0-9a-fA-F]*|.)|(""" + _TEXT + ")", re.S)
_TEXT_RUN = re.compile(_TEXT)  # for a string without escapes: every match is text, no call a match needed
# The frame the items of an exploded bracket are shown in: its opening line, a filler
# item, its closing line and the lines of a body after it.
_ROLES = {"call": ("x(", "x,", ")", ()), "params": ("def x(", "x,", "):", ("pass",)),
          "bases": ("class x(", "x,", "):", ("pass",)), "import": ("from x import (", "x,", ")", ()),
          "subscript": ("x[", "x,", "]", ()), "list": ("[", "x,", "]", ()), "tuple": ("(", "x,", ")", ()),
          "dict": ("{", "**x,", "}", ()), "set": ("{", "x,", "}", ())}
_FRAMED = ("x", "@x", "import x", "class x:", "def x():")  # kinds a frame may have


class Probe(NamedTuple):
    """Lines to show black. ``slot`` "text": ``text`` is the whole input. "stmt", "doc",
    "item": ``head``, ``text`` and ``tail`` come after a marker at depth ``depth``, and the
    answer is what black makes of ``text``. Probes of one ``batch`` may share a frame."""

    slot: str
    depth: int
    head: tuple[str, ...]
    text: tuple[str, ...]
    tail: tuple[str, ...]
    batch: str = ""


class Piece(NamedTuple):
    """``size`` lines of a module: unchanged if black gives back every check as it is
    (with ``items``: the check is the frame, and each item, ``offsets`` lines below the
    piece's first, decides itself); otherwise what black makes of ``exact``. A piece
    does not know where it is (``Plan.firsts``), so equal one-line pieces are one object."""

    size: int
    exact: Probe
    checks: tuple[Probe, ...] = ()
    items: tuple[Piece, ...] = ()
    offsets: tuple[int, ...] = ()


class Plan(NamedTuple):
    """A module's lines, its pieces (one a logical line) and the line each starts on, and its outline."""

    lines: tuple[str, ...]
    pieces: tuple[Piece, ...]
    firsts: tuple[int, ...]
    outline: Probe


@dataclass(slots=True)
class Analyzer:
    """Plans modules; equal lines are scanned and shrunk once, and equal one-line logical
    lines (by kind) and items (by role) are decided once: nothing else goes into that."""

    scanner: Scanner = field(default_factory=Scanner)
    shrunk: dict[str, str | None] = field(default_factory=dict)
    alike: dict[str, str | None] = field(default_factory=dict)
    lone: dict[tuple[str, str], Piece] = field(default_factory=dict)
    items: dict[tuple[str, str], Piece] = field(default_factory=dict)

    def plan(self, source: str, parsed: Statements) -> Plan | None:
        """The probes that decide ``source`` (``parsed``: its statements as Python's parser
        found them); None when black must format it whole."""
        lines = tuple(source.split("\n"))
        scans: list[Line] = []
        found = logicals(self.scanner, lines, scans)
        if found is None or not found[0] or not agrees(found[0], parsed):
            return None
        pieces = tuple(_piece(self, lines, scans, logical) for logical in found[0])
        return Plan(lines, pieces, tuple(logical.first for logical in found[0]), Probe("text", 0, (), outline(*found), ()))

    def shrink(self, line: str) -> str | None:
        """``line`` with each name that is no keyword written ``x`` and each plain
        double-quoted string ``""``; None unless it fits and holds no f-string."""
        if line not in self.shrunk:
            scan = self.scanner.scan(line)
            if scan is None or scan.state or scan.fstring or "S" in scan.kinds or "E" in scan.kinds or width(line) > WIDTH:
                self.shrunk[line] = None
            else:
                out: list[str] = []
                pos = 0
                for kind, start, end in scan.toks:  # what is not a name or string is kept, spaces too
                    if kind == "n" or kind == "s":
                        text = line[start:end]
                        if kind == "n" and text not in _KEEP:
                            out += (line[pos:start], "x")
                            pos = end
                        elif kind == "s" and text[0] == '"' and not text.startswith('"""') and "\\" not in text:
                            out += (line[pos:start], '""')
                            pos = end
                out.append(line[pos:])
                self.shrunk[line] = "".join(out)
        return self.shrunk[line]

    def same(self, line: str) -> str | None:
        """``line`` with each ASCII name that is no keyword and each plain ASCII double-quoted
        string written with as many ``x``: equivalent for black. None for a line holding an
        f-string or a string on several lines."""
        if line not in self.alike:
            scan = self.scanner.scan(line)
            if scan is None or scan.state or scan.fstring or "S" in scan.kinds or "E" in scan.kinds:
                self.alike[line] = None
            else:
                out: list[str] = []
                pos = 0
                for kind, start, end in scan.toks:
                    text = line[start:end]
                    if text.isascii() and kind == "n" and text not in _KEEP:
                        text = "x" * len(text)
                    elif text.isascii() and kind == "s" and text[0] == '"' and not text.startswith('"""') and "\\" not in text:
                        text = '"' + "x" * (len(text) - 2) + '"'
                    out += (line[pos:start], text)
                    pos = end
                self.alike[line] = "".join(out)
        return self.alike[line]


def _probe(kind: str, depth: int, text: tuple[str, ...]) -> Probe:
    """How to show black a logical line as it stands, in an equivalent position."""
    if kind == '"""x"""' and not depth:
        return Probe("text", 0, (), (*text, ""), ())
    return _with(_frame(kind, depth), text)


@functools.cache
def _frame(kind: str, depth: int) -> Probe:
    """``_probe`` for a line of ``kind`` at ``depth`` (but a module docstring), its text left out."""
    if kind == '"""x"""':
        return Probe("doc", depth - 1, (INDENT * (depth - 1) + "class x:",), (), ())
    pad, body = INDENT * depth, INDENT * (depth + 1) + "pass"
    word = kind.split()[0]
    head = (pad + "if x:", body) if word in ("elif", "else:") else (pad + "try:", body) if word in ("except", "finally:") else ()
    tail = (body, pad + "finally:", body) if kind == "try:" else (body,) if kind.endswith(":") else ()
    return Probe("stmt", depth, head, (), (pad + "def x():", body) if kind == "@x" else tail)


def _with(probe: Probe, text: tuple[str, ...], batch: str = "") -> Probe:
    return Probe(probe.slot, probe.depth, probe.head, text, probe.tail, batch)


def _collapse(token: str) -> str:
    """A string literal with each run of text black's docstring handling never reads written ``x``."""
    start = len(prefix(token))
    quote = token[start : start + 3] if token[start : start + 3] in CLOSE else token[start]
    body = token[start + len(quote) : -len(quote)]
    body = _RUN.sub(lambda match: "x" if match.group(1) else match.group(), body) if "\\" in body else _TEXT_RUN.sub("x", body)
    return token[: start + len(quote)] + body + quote


def _piece(an: Analyzer, lines: Sequence[str], scans: Sequence[Line], logical: Logical) -> Piece:
    if logical.first != logical.last:
        return _decide(an, lines, scans, logical)
    return _once(an.lone, (logical.kind, lines[logical.first]), _decide, an, lines, scans, logical)


def _once(table: dict[tuple[str, str], Piece], key: tuple[str, str], decide: Callable[..., Piece], *args: object) -> Piece:
    """A one-line piece decided (``decide(*args)``) once for every equal line (``key``: its
    text and kind or role). (No closure: its cells would be made on every call of the caller.)"""
    known = table.get(key)
    if known is None:
        known = table[key] = decide(*args)
    return known


def _decide(an: Analyzer, lines: Sequence[str], scans: Sequence[Line], logical: Logical) -> Piece:
    first, last = logical.first, logical.last
    text = tuple(lines[first : last + 1])
    exact = _probe(logical.kind, logical.depth, text)
    if bare(scans, first, last):
        start = next(tok for tok in scans[first].toks if tok[0] != "c")[1]
        end = sum(len(line) + 1 for line in text[:-1]) + [tok for tok in scans[last].toks if tok[0] != "c"][-1][2]
        joined = "\n".join(text)
        if "f" in prefix(joined[start:end]).lower() or (logical.kind == '"""x"""' and width(text[-1]) > WIDTH):
            return Piece(last - first + 1, exact)
        skeleton = (joined[:start] + _collapse(joined[start:end]) + joined[end:]).split("\n")
        if len(skeleton) > 2:  # black reads each middle line of a docstring on its own (given their least indentation)
            skeleton = [skeleton[0], *sorted(set(skeleton[1:-1])), skeleton[-1]]
        return Piece(last - first + 1, exact, (_with(exact, (*skeleton, *("",) * (exact.slot == "text"))),))
    if first == last:
        shrunk = an.shrink(text[0])
        return _as_is(an, lines, first, last, exact) if shrunk is None else Piece(last - first + 1, exact, (_with(exact, (shrunk,)),))
    word = scans[first].words[0]
    if (
        logical.gaps
        or logical.kind not in _FRAMED
        or (logical.kind == "x" and keyword.iskeyword(word) and word != "return")
        or any(len(scan.toks) != len(scan.words) or scan.fstring or scan.state for scan in scans[first : last + 1])
        or any("S" in scan.kinds or "E" in scan.kinds for scan in scans[first : last + 1])
    ):
        return _as_is(an, lines, first, last, exact)
    return _exploded(an, lines, scans, first, last, exact, logical.kind) or _as_is(an, lines, first, last, exact)


def _exploded(an: Analyzer, lines: Sequence[str], scans: Sequence[Line], first: int, last: int, exact: Probe, kind: str, batch: str = "") -> Piece | None:
    """A unit on several lines split only at a bracket that ends its first line, which black
    explodes for its magic trailing comma and whose closing bracket starts its last line,
    followed by closing brackets and the unit's own ``:`` or ``,`` only (after a ``def``'s
    parameters: its return annotation): its frame (with ``x`` for each item) and items."""
    # bracket depth at the start of each line, from the unit's start
    starts = list(itertools.accumulate([scan.balance for scan in scans[first : last + 1]], initial=0))
    head, rest = scans[first].words, scans[last].words[1:]
    items = _items(scans, starts, first, last) if head[-1] in OPEN else []
    opening, closing = an.shrink(lines[first]), an.shrink(lines[last])
    if not items or opening is None or closing is None:
        return None
    if kind == "def x():":
        returned = rest.index("->") + 2 if "->" in rest else 0
        if head[:-2] not in (("def",), ("async", "def")) or (returned and scans[last].kinds[returned] == "s"):
            return None
        if any(a == "," and b in SHUT for a, b in itertools.pairwise(rest)):
            return None
    else:
        end = {"item": ",", "class x:": ":"}.get(kind)
        if (end is not None and rest[-1:] != (end,)) or any(word not in SHUT for word in rest[: -1 if end else None]):
            return None
    role = _role(scans, first, items[0][0])
    filler = " " * (scans[first].toks[0][1] + 4) + ("**x," if role == "dict" else "x,")
    parts: list[Piece] = []
    offsets: list[int] = []
    for start, stop in items:  # a loop, not a generator expression: that would make cells of the arguments
        parts.append(_item(an, lines, scans, start, stop, role))
        offsets.append(start - first)
    frame = _with(exact, (opening, *[filler] * min(len(items), 3), closing), batch)
    return Piece(last - first + 1, exact, (frame,), tuple(parts), tuple(offsets))


def _items(scans: Sequence[Line], starts: Sequence[int], first: int, last: int) -> list[tuple[int, int]]:
    """The items (first and last line) of the bracket that ends line ``first``, if its
    closing bracket starts line ``last`` at the indentation of ``first`` and each item
    starts a line one level in and ends one with its comma; [] for another layout."""
    inside, indent = starts[1], scans[first].toks[0][1]
    if starts[last - first] != inside or scans[last].words[0] not in SHUT or scans[last].toks[0][1] != indent:
        return []
    items, start = [], first + 1
    for index in range(first + 1, last):
        if starts[index - first] + scans[index].low < inside:
            return []
        if index == start and (starts[index - first] != inside or scans[index].toks[0][1] != indent + 4):
            return []
        if starts[index + 1 - first] == inside and scans[index].words[-1] == ",":
            items.append((start, index))
            start = index + 1
    return items if items and start == last else []


def _role(scans: Sequence[Line], opening: int, item: int) -> str:
    """What the bracket that ends line ``opening`` opens, told by the tokens before it."""
    words, kinds = scans[opening].words, scans[opening].kinds
    # A bracket alone on its line has nothing before it (the line above is another statement,
    # or ends with the comma or bracket before this item): a tuple, a list, a dict or a set.
    before, kind, bracket = words[-3:-1], kinds[-2:-1], words[-1]
    named = kind in ("s", "d") or before[-1:] in ((")",), ("]",)) or (kind == "n" and not keyword.iskeyword(before[-1]))
    if bracket == "(":
        if len(before) == 2 and before[0] in ("def", "class") and kind == "n":
            return "params" if before[0] == "def" else "bases"
        return "import" if before[-1:] == ("import",) else "call" if named else "tuple"
    if bracket == "[":
        return "subscript" if named else "list"
    depth, top = 0, []
    for word in scans[item].words:
        depth -= word in SHUT
        top += [word] if depth == 0 else []
        depth += word in OPEN
    return "dict" if ":" in top or top[0] == "**" else "set"


def _plain(scans: Sequence[Line], first: int, last: int) -> bool:
    """An item with nothing outside its own brackets black could split it at."""
    pairs = [pair for index in range(first, last + 1) for pair in zip(scans[index].words, scans[index].kinds, strict=True)][:-1]
    depth, previous = 0, ("", "")
    for index, (word, kind) in enumerate(pairs):
        depth -= word in SHUT
        if depth == 0 and not (
            kind == "d"
            or (kind == "s" and previous[1] != "s")
            or (kind == "n" and (not keyword.iskeyword(word) or word in ("True", "False", "None")))
            or word in ("=", ":", *OPEN, *SHUT)
            or (word == "." and previous[0] not in SHUT)
            or (word in ("*", "**") and index == 0)
        ):
            return False
        depth += word in OPEN
        previous = (word, kind)
    return True


def _item(an: Analyzer, lines: Sequence[str], scans: Sequence[Line], first: int, last: int, role: str) -> Piece:
    """An item of an exploded bracket, shown to black in a frame of the same ``role`` at the same depth."""
    if first != last:
        return _decide_item(an, lines, scans, first, last, role)
    return _once(an.items, (role, lines[first]), _decide_item, an, lines, scans, first, last, role)


def _decide_item(an: Analyzer, lines: Sequence[str], scans: Sequence[Line], first: int, last: int, role: str) -> Piece:
    word = scans[first].words[0]
    batch = "" if role == "params" and word in ("*", "**", "/") else role  # at most one of each in a parameter list
    exact = _with(_item_frame(role, scans[first].toks[0][1] // 4 - 1, word == "*" and role == "params"), tuple(lines[first : last + 1]))
    shrunk = an.shrink(lines[first]) if first == last else None
    if shrunk is not None:
        return Piece(last - first + 1, exact, (_with(exact, (shrunk,), batch),))
    if first == last or not _plain(scans, first, last):
        return _as_is(an, lines, first, last, exact, batch)
    return _exploded(an, lines, scans, first, last, exact, "item", batch) or _as_is(an, lines, first, last, exact, batch)


@functools.cache
def _item_frame(role: str, depth: int, star: bool) -> Probe:
    """The frame an item is shown in (its text left out); ``star``: a lone ``*`` parameter,
    which must have a parameter after it."""
    opening, filler, closing, body = _ROLES[role]
    pad, inner = INDENT * depth, INDENT * (depth + 1)
    tail = (pad + closing, *(inner + line for line in body))
    if star:
        return Probe("item", depth, (pad + opening,), (), (inner + filler, *tail))
    return Probe("item", depth, (pad + opening, inner + filler), (), tail)


def _as_is(an: Analyzer, lines: Sequence[str], first: int, last: int, exact: Probe, batch: str = "") -> Piece:
    """A piece decided by black on itself, or on its names and strings written with as
    many ``x`` when there are some (the same question, asked once for all pieces alike);
    on itself only when a line runs past the width (black nearly always changes it)."""
    if any(width(line) > WIDTH for line in lines[first : last + 1]):  # most likely changed: asked once, as it stands
        return Piece(last - first + 1, exact)
    same = tuple(an.same(line) for line in lines[first : last + 1])
    if None in same or same == exact.text:
        return Piece(last - first + 1, exact)
    return Piece(last - first + 1, exact, (_with(exact, same, batch),))  # type: ignore[arg-type]
