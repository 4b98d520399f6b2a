"""Split long generated lines the way black splits them, so black's first pass changes nothing.

Only a matter of speed: black still formats every generated file and its output
is what gets written. But ``black.format_str`` formats a second time whenever
its first pass changed the text, so source that already looks like black's
output costs one pass instead of two. This covers the shapes the templates
emit (calls, collections and ``def`` lines whose last bracket pair holds
comma-separated items); any other line is returned unchanged, for black.

The rule is black's "right hand split": split at the last bracket pair of the
line. If its contents fit on one line they go on one indented line between the
brackets (a lone item that does not fit is split the same way); otherwise every
item goes on a line of its own with a trailing comma, each split again if long.
"""

from __future__ import annotations

import io
import itertools
import re
import tokenize

WIDTH = 88
_STEP = "    "
_OPENERS = "([{"
_CLOSERS = ")]}"
_MAYBE_MAGIC = re.compile(r",\s*[)\]}]")  # a superset of what _has_magic_comma finds, without tokenizing


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


def _ops(text: str) -> list[tuple[int, str]] | None:
    """(offset, text) of brackets, commas, ``|`` and ``=`` outside strings; None if not one line of tokens."""
    found: list[tuple[int, str]] = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type == tokenize.OP and tok.string in ("(", ")", "[", "]", "{", "}", ",", "|", "=", ":"):
                if tok.start[0] != 1:
                    return None
                found.append((tok.start[1], tok.string))
    except (tokenize.TokenError, SyntaxError):
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
    if not equals:
        if " | " in rest and _top(_ops(rest) or [], "|"):
            return [indent + text]
        return _lines(text, indent, subscripts=True, annotation=False)
    annotation, default = rest[: equals[0]].strip(), rest[equals[0] + 1 :].strip()
    if not default.replace(".", "").replace("_", "").isalnum():
        return None  # ``name: type = call(...)``: split the value, like any assignment
    if not _top(_ops(annotation) or [], "|"):
        return [indent + text]  # a plain default after anything but a union: left to black
    if not in_def and len(indent) + len(f"{name}: {annotation} = (") <= WIDTH:
        return [f"{indent}{name}: {annotation} = (", f"{indent}{_STEP}{default}", f"{indent}){comma}"]
    inner = indent + _STEP
    if len(inner) + len(annotation) <= WIDTH:
        body = [inner + annotation]
    else:
        parts_ops = _ops(annotation) or []
        bars = _top(parts_ops, "|")
        cuts = [0, *bars, len(annotation)]
        parts = [annotation[a:b].strip().removeprefix("|").strip() for a, b in itertools.pairwise(cuts)]
        body = []
        for index, part in enumerate(parts):
            body.extend(_lines(part if index == 0 else f"| {part}", inner, subscripts=True, annotation=False))
    return [f"{indent}{name}: (", *body, f"{indent}) = {default}{comma}"]


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
        if any(offset > end for offset in _top(ops, "|")):
            return [indent + text]  # a union return annotation: black parenthesizes it; left to black
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
        lines.extend(_lines(items[0], inner, subscripts))
    else:
        for item in items:
            lines.extend(_lines(item + ",", inner, subscripts, in_def=is_def))
    lines.append(indent + tail)
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
