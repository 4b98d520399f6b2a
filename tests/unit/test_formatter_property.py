"""The defining property of the format stage: for any module that parses,
``format_sources`` returns exactly ``black.format_str``.

Modules are drawn from the shapes the templates emit (imports short and long, ``__all__``,
dataclass fields and attribute docstrings, one-line and exploded signatures, calls,
literals, decorators, nested classes, docstrings of every awkward kind, comments,
blank lines), laid out as black would or not (magic trailing commas or none, items
joined, extra spaces, single quotes, blank lines missing or doubled) with names from one
to two hundred characters, so that lines fall on either side of 88 columns.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

import black
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.formatter import format_sources, mode

IND = "    "
SHUT = {"[": "]", "(": ")", "{": "}"}
SHORT = ["a", "b", "x", "self", "value", "data", "_m", "Unset", "UNSET", "print", "match", "type", "_", "d_list", "Resp"]
WORDS = ["status", "created_at", "additional_properties", "from_dict", "Endpoint", "GetOAuthSessionStatusResponse", "éclair"]
LONG = [("name_" * 40)[:size] for size in range(40, 201, 3)]
# PAD is replaced by a name that brings its line to a width drawn around 88 (see ``pad``).
NAME = st.one_of(st.just("PAD"), st.sampled_from(SHORT), st.sampled_from(WORDS), st.just("PAD"), st.sampled_from(LONG))
PHRASES = ["", "word", "two words", "é漢字", "tab\there", "it's", "x: y", "{a}", "\\n", "\\\\", "\\x41", "path/to", "a" * 70]
TEXT = st.lists(st.sampled_from(PHRASES), max_size=3).map(" ".join)
STRING = st.builds(lambda text, quote: quote + text.replace(quote, "") + quote, TEXT, st.sampled_from(['"', '"', "'"]))
ATOM = st.one_of(NAME, STRING, st.sampled_from(["1", "0x1F", "1E5", "2.5", "None", "True", "..."]), st.builds(lambda a, b: f"{a}.{b}", NAME, NAME))
LAYOUT = st.sampled_from(["exploded", "flat", "exploded", "comma", "exploded"])


@dataclass(frozen=True)
class Group:
    """Bracketed items: ``head`` then ``opening`` ... ``closing``, laid out per ``layout``."""

    head: str
    opening: str
    items: tuple[object, ...]
    closing: str
    layout: str


def render(node: object, indent: str, space: str) -> str:
    """An expression as text whose first line continues a line at ``indent``."""
    if isinstance(node, str):
        return node
    assert isinstance(node, Group)
    items = [render(item, indent + IND if node.opening else indent, space) for item in node.items]
    if node.layout == "exploded" and items:
        inner = "".join(f"\n{indent}{IND}{item}," for item in items)
        return f"{node.head}{node.opening}{inner}\n{indent}{node.closing}"
    comma = "," if node.layout == "comma" and items else ""
    return f"{node.head}{node.opening}{(',' + space).join(items)}{comma}{node.closing}"


SUFFIX = st.sampled_from([" | PAD", "(PAD)", "", " + PAD", ".PAD", "", "[PAD]", ".PAD(x)", " if PAD else x"])


def bracketed(inner: st.SearchStrategy[object]) -> st.SearchStrategy[Group]:
    """Calls, subscripts, lists, tuples and dicts of ``inner`` items."""
    items = st.lists(inner, min_size=1, max_size=4).map(tuple)
    pairs = st.lists(st.builds(lambda k, v: Group(f"{k}: ", "", (v,), "", "flat"), STRING, inner), min_size=1, max_size=3).map(tuple)
    return st.one_of(
        st.builds(Group, NAME, st.just("("), items, st.just(")"), LAYOUT),
        st.builds(Group, NAME, st.just("["), items, st.just("]"), LAYOUT),
        st.builds(Group, st.just(""), st.just("["), items, st.just("]"), LAYOUT),
        st.builds(Group, st.just(""), st.just("("), items, st.just(")"), LAYOUT),
        st.builds(Group, st.just(""), st.just("{"), pairs, st.just("}"), LAYOUT),
    )


def suffixed(group: Group, suffix: str) -> object:
    return Group("", "", (group,), suffix, "flat") if suffix else group


def groups(inner: st.SearchStrategy[object]) -> st.SearchStrategy[object]:
    """Bracketed items with what may follow them (trailers, an operator), or a call of one."""
    return st.one_of(st.builds(suffixed, bracketed(inner), SUFFIX), st.builds(lambda a, b: Group(a + "(", "", (b,), ")", "flat"), NAME, inner))


EXPR = st.recursive(ATOM, groups, max_leaves=4)
TOP = st.one_of(st.builds(suffixed, bracketed(EXPR), SUFFIX), EXPR)


@st.composite
def docstring(draw: st.DrawFn, indent: str) -> str:
    pieces = st.sampled_from([*PHRASES, '"quoted"', "'single'", "``code``", "\\x4a", "  ", "\t", "trailing  ", "Args:", "    indented"])
    lines = draw(st.lists(st.lists(pieces, max_size=4).map(" ".join), min_size=1, max_size=4))
    lines = [line.rstrip("\\") for line in lines]
    extra = draw(st.sampled_from(["", " ", "  ", "\t", IND]))
    last = draw(st.sampled_from([" PAD", "", "", "PAD"]))
    body = lines[0] + "".join(f"\n{indent}{extra if n % 2 else ''}{line}" for n, line in enumerate(lines[1:])) + last
    if len(lines) > 1 and draw(st.booleans()):
        body += "\n" + indent
    if body.endswith('"'):
        body += " "
    quote = draw(st.sampled_from(['"""', 'r"""', "'''"]))
    quote = '"""' if quote == "'''" and "'" in body else quote
    return quote + body + quote[-3:]


@st.composite
def statement(draw: st.DrawFn, indent: str, space: str) -> list[str]:
    kind = draw(st.sampled_from(["frame", "assign", "annotated", "call", "import", "from", "all", "docstring", "return", "comment"]))
    name, value = draw(NAME), render(draw(TOP), indent, space)
    if kind == "frame":  # an exploded bracket with something after it: the layouts that need care
        items = tuple(draw(st.lists(st.one_of(NAME, STRING), min_size=1, max_size=3)))
        opening = draw(st.sampled_from(["[", "(", "{"]))
        group = Group("", opening, items if opening != "{" else tuple(f"{item}: x" for item in items), SHUT[opening], "exploded")
        target = draw(st.sampled_from([f"{name} = ", "return ", f"{name}: Endpoint[PAD] = ", f"{name}[PAD] = "]))
        return [f"{indent}{target}{render(suffixed(group, draw(SUFFIX)), indent, space)}"]
    if kind == "assign":
        return [f"{indent}{name}{space}={space}{value}"]
    if kind == "annotated":
        annotation = render(draw(EXPR), indent, space)
        default = draw(st.sampled_from(["", f" = {value}"]))
        return [f"{indent}{name}: {annotation}{default}", *([f"{indent}{draw(docstring(indent))}"] if draw(st.booleans()) else [])]
    if kind == "call":
        return [f"{indent}{value}"]
    if kind in ("import", "from"):
        names = draw(st.lists(st.builds(lambda a, b: a + (f" as {b}" if b else ""), NAME, st.sampled_from(["", "", "alias"])), min_size=1, max_size=4))
        if kind == "import":
            return [f"{indent}import {names[0].split(' ')[0]}"]
        group = Group(f"from .{name} import ", "(", tuple(names), ")", draw(LAYOUT))
        text = render(group, indent, space)
        return [f"{indent}{text if '(' in text and group.layout != 'flat' else text.replace('(', '').replace(')', '')}"]
    if kind == "all":
        return [f"{indent}__all__ = {render(Group('', '[', tuple(draw(st.lists(STRING, min_size=1, max_size=5))), ']', draw(LAYOUT)), indent, space)}"]
    if kind == "docstring":
        return [f"{indent}{draw(docstring(indent))}"]
    if kind == "return":
        return [f"{indent}return {value}"]
    return [f"{indent}# {draw(TEXT).replace(chr(92), '')}".rstrip()]


@st.composite
def signature(draw: st.DrawFn, indent: str, space: str) -> str:
    annotation = st.sampled_from(["", ": int", ": str | Unset", ": dict[str, Any]"])
    params = ["self", *draw(st.lists(st.builds(str.__add__, NAME, annotation), max_size=3))]
    keywords = draw(st.lists(st.builds(lambda n, a, d: n + a + d, NAME, annotation, st.sampled_from([" = UNSET", "=None"])), max_size=3))
    params += ["*", *keywords] if keywords else []
    params += draw(st.sampled_from([[], ["**options: Unpack[RequestOptions]"]]))
    returns = draw(st.sampled_from(["", " -> None", " -> X", " -> list[Item]"]))
    prefix = draw(st.sampled_from(["def", "def", "async def"]))
    params_text = render(Group(f"{prefix} {draw(NAME)}", "(", tuple(params), ")", draw(LAYOUT)), indent, space)
    return f"{indent}{params_text}{returns}:"


@st.composite
def block(draw: st.DrawFn, indent: str, depth: int) -> list[str]:
    space = draw(st.sampled_from([" "] * 5 + ["  "]))
    lines: list[str] = []
    if draw(st.booleans()):
        lines.append(f"{indent}{draw(docstring(indent))}")
    for _ in range(draw(st.integers(1, 3))):
        lines += [""] * draw(st.sampled_from([0, 0, 1, 2, 3]))
        kind = draw(st.sampled_from(["statement", "statement", "def", "class"] if depth < 2 else ["statement"]))
        if kind == "statement":
            lines += draw(statement(indent, space))
        else:
            if draw(st.booleans()):
                lines.append(f"{indent}@{render(draw(EXPR), indent, space)}")
            if kind == "def":
                lines.append(draw(signature(indent, space)))
            else:
                bases = draw(st.sampled_from(["", "(Base)", "(ModelBase, Generic[T])", "()"]))
                lines.append(f"{indent}class {draw(NAME)}{bases}:")
            lines += draw(block(indent + IND, depth + 1))
    return lines


def pad(line: str, width: int) -> str:
    """``line`` with its first PAD a name as long as brings the line to ``width`` columns
    (when it can), and any other PAD ``p``."""
    if "PAD" not in line:
        return line
    first = line.replace("PAD", "p", 1).replace("PAD", "p")
    return line.replace("PAD", "p" * max(1, width - len(first) + 1), 1).replace("PAD", "p")


@st.composite
def module(draw: st.DrawFn) -> str:
    """A module as drawn, or (half the time) laid out by black for short names and given
    long ones back: the layouts a proof that ignored widths would wrongly accept."""
    head = draw(st.sampled_from(["", "# Code generated by openapi-typed-gen. DO NOT EDIT.\n", "\n"]))
    text = head + "\n".join(draw(block("", 0))) + draw(st.sampled_from(["\n", "\n", "", "\n\n"]))
    if draw(st.booleans()):
        names = re.findall(r"\b(?:name_\w*|PAD)\b", text)
        numbered = iter(range(len(names)))
        short = re.sub(r"\b(?:name_\w*|PAD)\b", lambda _: f"q{next(numbered)}", text)
        if parses(short):
            text = re.sub(r"\bq(\d+)\b", lambda match: names[int(match.group(1))], black.format_str(short, mode=mode()))
    lines = [pad(line, draw(st.sampled_from([86, 88, 87, 89, 85, 90, 84, 92]))) if "PAD" in line else line for line in text.split("\n")]
    return "\n".join(lines)


def parses(source: str) -> bool:
    try:
        ast.parse(source)
    except SyntaxError:
        return False
    return True


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(module().filter(parses))
def test_any_module_comes_out_as_black_writes_it(source: str) -> None:
    assert format_sources({"pkg/module.py": source})["pkg/module.py"] == black.format_str(source, mode=mode())
