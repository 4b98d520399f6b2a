"""Lay generated lines out exactly as black would, so that black need not run on them.

black costs about half a millisecond per statement, most of a cold run on a
large spec. The templates and the IR emit black's layout for every shape they
produce, and ``needs_black`` is the contract: a file it passes is written as
rendered, any other file goes through black. ``fit`` covers the calls,
collections, annotated names and ``def`` lines whose last bracket pair holds
comma-separated items; a line whose shape it does not know it returns whole,
over the width, so that ``needs_black`` sends its file to black.
``tests/test_layout.py`` checks the contract against black itself: on random
shapes, and on every file generated from the corpus (``tests/test_corpus.py``).

The rule is black's "right hand split": split at the last bracket pair of the
line. If its contents fit on one line they go on one indented line between the
brackets (a lone item that does not fit is split the same way); otherwise every
item goes on a line of its own with a trailing comma, each split again if long.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterator

WIDTH = 88
_STEP = "    "
_OPENERS = "([{"
_CLOSERS = ")]}"
_CALL = re.compile(r"([\w.]+)\(.*\)")
_PLAIN_ASSIGNMENT = re.compile(r"(\w+) = (\w+\(.*\))")
_MAYBE_MAGIC = re.compile(r",\s*[)\]}]")  # a superset of what _has_magic_comma finds, without tokenizing


# Lines black cannot shorten, so over the width they are still its output: a string
# (or a "key": value pair of a dict already split one item per line), a dotted name,
# an import's "name as name" or its opening "from x import (".
_UNSPLITTABLE = re.compile(r"""\s*(?:"(?:[^"\\\n]|\\.)*"(?:: (?:"(?:[^"\\\n]|\\.)*"|[\w.]+))?|[\w.]+|\w+ as \w+|from [\w.]+ import \(),?""")


def needs_black(source: str) -> bool:
    """Whether ``source`` has a line whose layout this module cannot vouch for.

    That is a line over the width outside a docstring, except the lines black
    cannot shorten either, or a line with a character that is not one column
    wide (black counts those its own way).
    Docstrings are left as they are by black, apart from what ``naming.docstring``
    already does; their delimiters are the only triple quotes in generated code.
    """
    return next(flagged_lines(source), None) is not None


def flagged_lines(source: str) -> Iterator[int]:
    """The numbers (from 1) of the lines ``needs_black`` objects to, in order."""
    in_doc = False
    for number, line in enumerate(source.split("\n"), 1):
        if in_doc:
            in_doc = '"""' not in line
            continue
        if line.lstrip(" ").startswith('"""'):
            in_doc = line.count('"""') == 1
            continue
        if not line.isascii() and not _narrow(line):
            yield number  # black measures wide and zero-width characters its own way; the layout counts characters
        elif len(line) > WIDTH and not _UNSPLITTABLE.fullmatch(line):
            yield number


def _narrow(line: str) -> bool:
    """Every character one column wide: no wide, combining or format characters."""
    return not any(unicodedata.east_asian_width(c) in "WF" or unicodedata.category(c) in ("Mn", "Me", "Mc", "Cf") for c in line if not c.isascii())


def assigned_call(name: str, annotation: str, call: str) -> tuple[tuple[str, ...], str, tuple[str, ...]]:
    """How black opens ``name: annotation = call(...)`` at module level when the call's
    arguments go one per line: the lines before the arguments, their indentation, the
    lines after them.

    ``name: annotation = call(`` when it fits; else the call goes in parentheses one
    level in; else a subscripted annotation ``X[T]`` is split at its subscript. Too
    long for all of those, the first line is left over the width, for black.
    """
    target = f"{name}: {annotation} = "
    if len(target) + len(call) + 1 <= WIDTH:
        return (f"{target}{call}(",), _STEP, (")",)
    base, bracket, subscript = annotation.removesuffix("]").partition("[")
    if len(target) + 1 <= WIDTH or not (bracket and annotation.endswith("]")) or len(f"{name}: {base}[") > WIDTH or len(_STEP + subscript) > WIDTH:
        return (target + "(", f"{_STEP}{call}("), _STEP * 2, (_STEP + ")", ")")
    return (f"{name}: {base}[", _STEP + subscript, f"] = {call}("), _STEP, (")",)


def tuple_of(items: list[str]) -> str:
    """A tuple display of already-rendered items: ``(a,)`` for one, ``(a, b)`` for more."""
    return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"


def fit(text: str, indent: str = "") -> str:
    """``indent + text`` laid out over as many lines as black would use (no final newline).

    Leading spaces of ``text`` count as indentation.
    """
    stripped = text.lstrip(" ")
    return "\n".join(_lines(stripped, indent + text[: len(text) - len(stripped)]))


def _import(text: str, indent: str) -> list[str]:
    """A long ``from`` import: black puts every name on a line of its own."""
    head, names = text.split(" import ", 1)
    return [f"{indent}{head} import (", *(f"{indent}{_STEP}{name}," for name in names.split(", ")), f"{indent})"]


# One token of a generated line, as far as the layout cares: a string (skipped), an
# operator of two characters or more (skipped: ``==`` holds no ``=``), a bracket, comma,
# ``|``, ``=`` or ``:`` (kept), or what cannot be scanned on one line (a lone quote, a
# comment, a triple quote).
_TOKEN = re.compile(
    r"""(?P<skip>"(?:[^"\\\n]|\\.)*"(?!")|'(?:[^'\\\n]|\\.)*'(?!')|==|!=|<=|>=|:=|->|\*\*=?|//=?|>>=?|<<=?|[-+*/%&|^@]=)"""
    r"""|(?P<op>[()\[\]{},|=:])|(?P<bad>["'#\n\\])"""
)


def _ops(text: str) -> list[tuple[int, str]] | None:
    """(offset, text) of brackets, commas, ``|``, ``=`` and ``:`` outside strings; None if not one line of tokens."""
    found: list[tuple[int, str]] = []
    for match in _TOKEN.finditer(text):
        if match.lastgroup == "op":
            found.append((match.start(), match.group()))
        elif match.lastgroup == "bad":
            return None
    return found


def _pairs(ops: list[tuple[int, str]]) -> dict[int, int] | None:
    """Closing offset → opening offset; None when the brackets do not balance."""
    stack: list[int] = []
    pairs: dict[int, int] = {}
    for offset, char in ops:
        if char in _OPENERS:
            stack.append(offset)
        elif char in _CLOSERS:
            if not stack:
                return None
            pairs[offset] = stack.pop()
    return None if stack else pairs


def _follows_name(text: str, start: int) -> bool:
    before = text[:start].rstrip()
    return bool(before) and (before[-1].isalnum() or before[-1] in "_)]")


def _top(ops: list[tuple[int, str]], char: str) -> list[int]:
    """Offsets of ``char`` outside every bracket."""
    depth = 0
    found = []
    for offset, value in ops:
        if value in _OPENERS:
            depth += 1
        elif value in _CLOSERS:
            depth -= 1
        elif value == char and depth == 0:
            found.append(offset)
    return found


def _annotated(text: str, ops: list[tuple[int, str]], indent: str, in_def: bool) -> list[str] | None:
    """``name: type [= default][,]`` split as black splits annotated names; None if not that shape.

    Shapes this does not know (a union without a default, an unusual default)
    are returned whole, for black: splitting them at some other bracket could
    leave trailing commas that black keeps, and so change its output.
    """
    colons = _top(ops, ":")
    if not colons or not text[: colons[0]].isidentifier():
        return None
    name = text[: colons[0]]
    rest = text[colons[0] + 1 :].strip()
    comma = "," if rest.endswith(",") else ""
    rest = rest.removesuffix(",")
    equals = [o - colons[0] - 1 - (len(text[colons[0] + 1 :]) - len(text[colons[0] + 1 :].lstrip())) for o in _top(ops, "=")]
    if len(equals) > 1:
        return [indent + text]
    inner = indent + _STEP
    if not equals:
        if " | " in rest and _top(_ops(rest) or [], "|"):
            if in_def or comma:
                return [indent + text]
            return [f"{indent}{name}: (", *_body(rest, inner, subscripts=True), f"{indent})"]  # a union goes in parentheses
        return _lines(text, indent, subscripts=True, annotation=False)
    annotation, default = rest[: equals[0]].strip(), rest[equals[0] + 1 :].strip()
    if not default.replace(".", "").replace("_", "").isalnum():
        call = _CALL.fullmatch(default)
        if call is None or in_def or comma or len(indent) + len(f"{name}: {annotation} = {call[1]}(") <= WIDTH:
            return None  # ``name: type = call(...)``: split the value, like any assignment
        if "[" in annotation and len(indent) + len(f"{name}: {annotation} = (") <= WIDTH and len(inner) + len(default) <= WIDTH:
            return [f"{indent}{name}: {annotation} = (", inner + default, f"{indent})"]  # the call's first line would be too long
        return [indent + text]
    if not _top(_ops(annotation) or [], "|"):
        return [indent + text]  # a plain default after anything but a union: left to black
    if not in_def and len(indent) + len(f"{name}: {annotation} = (") <= WIDTH:
        return [f"{indent}{name}: {annotation} = (", inner + default, f"{indent}){comma}"]
    return [f"{indent}{name}: (", *_body(annotation, inner, subscripts=True), f"{indent}) = {default}{comma}"]


def _body(text: str, indent: str, subscripts: bool) -> list[str]:
    """The contents of a split bracket pair, alone between the brackets.

    Too long for one line, they split at each ``|`` outside brackets first
    (black's delimiter split), then each part as any line."""
    if len(indent) + len(text) > WIDTH:
        bars = _top(_ops(text) or [], "|")
        if bars:
            cuts = [0, *bars, len(text)]
            parts = [text[a:b].strip().removeprefix("|").strip() for a, b in itertools.pairwise(cuts)]
            return [line for index, part in enumerate(parts) for line in _lines(part if index == 0 else f"| {part}", indent, subscripts=True, annotation=False)]
    return _lines(text, indent, subscripts)


def _lines(text: str, indent: str, subscripts: bool = False, annotation: bool = True, in_def: bool = False) -> list[str]:
    if text.startswith("from ") and " import " in text and "(" not in text:
        return [indent + text] if len(indent) + len(text) <= WIDTH else _import(text, indent)
    if len(indent) + len(text) <= WIDTH and not _MAYBE_MAGIC.search(text):
        return [indent + text]  # most lines: short, and no trailing comma to make black explode them
    ops = _ops(text)
    pairs = _pairs(ops) if ops is not None else None
    if ops is None or pairs is None:
        return [indent + text]
    if len(indent) + len(text) <= WIDTH and not _has_magic_comma(text, ops, pairs):
        return [indent + text]
    if annotation and not text.startswith(("def ", "async def ")):
        laid = _annotated(text, ops, indent, in_def)
        if laid is not None:
            return laid
    if not pairs:
        return [indent + text]
    end = max(pairs)
    start = pairs[end]
    is_def = text.startswith(("def ", "async def "))
    if is_def:
        # The parameters, not a bracket in the return annotation: black prefers
        # the split whose first line fits, and the def's name line always does.
        start = min(pairs.values())
        end = next(close for close, open_ in pairs.items() if open_ == start)
        if any(offset > end for offset in _top(ops, "|")) and len(indent) + len(text) - end > WIDTH:
            return [indent + text]  # a union return annotation too long for its line: black parenthesizes it; left to black
    if text[start] == "[" and _follows_name(text, start) and not subscripts:
        return [indent + text]  # a subscript: black treats those differently
    # Commas directly inside the pair split its items.
    depth = 0
    cuts: list[int] = []
    for offset, char in ops:
        if offset <= start or offset >= end:
            continue
        if char in _OPENERS:
            depth += 1
        elif char in _CLOSERS:
            depth -= 1
        elif depth == 0 and char == ",":
            cuts.append(offset)
    if text[start] == "(" and not _follows_name(text, start) and not cuts:
        return [indent + text]  # a bare parenthesis: a trailing comma would make it a tuple
    head, tail = text[: start + 1], text[end:]
    items: list[str] = []
    last = start + 1
    for cut in cuts:
        items.append(text[last:cut].strip())
        last = cut + 1
    final = text[last:end].strip()
    # A trailing comma stays (a one-item tuple needs it) and puts one item per line.
    magic = bool(cuts) and not final
    if final:
        items.append(final)
    if not items or any(not item for item in items):
        return [indent + text]
    inner = indent + _STEP
    if is_def and len(items) == 1 and not items[0].startswith("*"):
        magic = True  # black gives a lone parameter a trailing comma, which then explodes it
    if len(items) > 1 and (text[start] == "{" or not _follows_name(text, start)):
        magic = True  # a collection display with several items is always one item per line
    joined = ", ".join(items)
    lines = [indent + head]
    if not magic and len(inner) + len(joined) <= WIDTH:
        lines.append(inner + joined)
    elif len(items) == 1 and not magic:
        lines.extend(_body(items[0], inner, subscripts))
    else:
        for item in items:
            lines.extend(_lines(item + ",", inner, subscripts, in_def=is_def))
    lines.append(indent + tail)
    if len(lines[0]) > WIDTH and (assigned := _PLAIN_ASSIGNMENT.fullmatch(text)):
        # ``name = call(...)`` whose first line is still too long: black's second
        # opinion puts the call in parentheses, if every line then fits.
        wrapped = [f"{indent}{assigned[1]} = (", *_lines(assigned[2], inner), indent + ")"]
        if all(len(line) <= WIDTH for line in wrapped):
            return wrapped
    return lines


def _has_magic_comma(text: str, ops: list[tuple[int, str]], pairs: dict[int, int]) -> bool:
    """A comma right before a closing bracket, except a one-item tuple's, makes black explode the pair."""
    previous: tuple[int, str] | None = None
    for offset, char in ops:
        if char in _CLOSERS and previous is not None and previous[1] == "," and not text[previous[0] + 1 : offset].strip():
            start = pairs[offset]
            commas = sum(1 for o, c in ops if c == "," and start < o < offset and _depth(ops, start, o) == 0)
            if not (text[start] == "(" and commas == 1 and not _follows_name(text, start)):
                return True
        previous = (offset, char)
    return False


def _depth(ops: list[tuple[int, str]], start: int, at: int) -> int:
    depth = 0
    for offset, char in ops:
        if start < offset < at:
            depth += 1 if char in _OPENERS else -1 if char in _CLOSERS else 0
    return depth
