"""The layout of generated code (generator/layout.py) is black's, wherever it says so.

The templates lay long lines out the way black would, and black runs only on
files that ``needs_black`` flags. So for any line of the shapes the templates
emit: the split line parses to the same syntax tree, black produces the same
output from it as from the unsplit line, and when ``needs_black`` passes it,
it *is* black's output. Docstrings, written by ``naming.docstring``, are
black's too. Every file rendered from the OAuth and feature specs is checked
the same way, and the corpus test runs ``black --check`` on every package.
"""

from __future__ import annotations

import ast
import os
from pathlib import Path

import black
from conftest import ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.format import _mode
from generator.layout import fit, needs_black
from generator.naming import docstring, literal

MODE = _mode()  # the pipeline's own black settings

LONG = "a_name_so_long_that_it_takes_most_of_a_line_by_itself_alone"
names = st.sampled_from(["a", "value", "ListCampaignResponseItem", "d_nullable", "_m.Lead.from_dict", "x2", LONG])
# as the generator writes strings; with wide (漢) and combining (U+0301) characters, which black measures its own way
strings = st.text(alphabet=st.sampled_from(list("ab\"'\\,()[]{}:=| #漢\u0301é")), max_size=12).map(literal)
atoms = st.one_of(names, strings, st.integers(-5, 10**6).map(str), st.just("None"))


def _exprs(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    items = st.lists(inner, min_size=0, max_size=6)
    return st.one_of(
        st.tuples(names, items).map(lambda t: f"{t[0]}({', '.join(t[1])})"),
        items.map(lambda xs: "[" + ", ".join(xs) + "]"),
        st.lists(inner, min_size=1, max_size=6).map(lambda xs: "(" + ", ".join(xs) + ("," if len(xs) == 1 else "") + ")"),
        st.lists(st.tuples(strings, inner), max_size=5).map(lambda kv: "{" + ", ".join(f"{k}: {v}" for k, v in kv) + "}"),
        st.tuples(names, st.lists(inner, min_size=1, max_size=4)).map(lambda t: f"{t[0]}[{', '.join(t[1])}]"),
    )


exprs = st.recursive(atoms, _exprs, max_leaves=40)
# Annotations as the generator writes them: names, subscripts (Literal["a"], list[X],
# dict[str, X]) and unions of those.
type_exprs = st.recursive(
    st.one_of(names, strings, st.integers(-5, 99).map(str)),
    lambda inner: st.tuples(names, st.lists(inner, min_size=1, max_size=5)).map(lambda t: f"{t[0]}[{', '.join(t[1])}]"),
    max_leaves=25,
)
annotations = st.lists(type_exprs, min_size=1, max_size=3).map(" | ".join)


@st.composite
def statements(draw: st.DrawFn) -> tuple[str, str]:
    """(context template with {line}, the line) for the shapes the templates emit."""
    kind = draw(st.sampled_from(["assign", "call-arg", "dict-entry", "def", "field", "import"]))
    if kind == "assign":
        return "{line}\n", f"{draw(names).replace('.', '_')} = {draw(exprs)}"
    if kind == "call-arg":
        return "x = f(\n{line}\n)\n", f"{draw(names).split('.')[-1]}={draw(exprs)},"
    if kind == "dict-entry":
        return "x = {{\n{line}\n}}\n", f"{draw(strings)}: {draw(exprs)},"
    if kind == "def":
        params = draw(st.lists(st.tuples(st.sampled_from(["p", "q2", "long_parameter_name"]), annotations), max_size=5, unique_by=lambda t: t[0]))
        text = ", ".join(["self", *(f"{n}: {a} = UNSET" for n, a in params)])
        return "class C:\n{line}\n        pass\n", f"def method({text}) -> {draw(annotations)}:"
    if kind == "field":
        default = draw(st.sampled_from(["", " = UNSET", " = dataclasses.field(default_factory=dict)"]))
        name = draw(st.sampled_from(["field_name", LONG]))
        return "class C:\n{line}\n", f"{name}: {draw(annotations)}{default}"
    imported = draw(st.lists(st.sampled_from(["Alpha", "Beta as Beta", "GammaDeltaEpsilonZeta", "eta"]), min_size=1, max_size=4, unique=True))
    return "{line}\n", f"from .some_module.with_a_long_name import {', '.join(imported)}"


def _indent_of(context: str) -> str:
    return "    " if context.startswith(("class", "x = ")) else ""


@settings(max_examples=int(os.environ.get("LAYOUT_EXAMPLES", "400")), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(statements())
def test_split_lines_mean_the_same_and_black_agrees(case: tuple[str, str]) -> None:
    context, line = case
    indent = _indent_of(context)
    flat = context.format(line=indent + line)
    split = context.format(line=fit(line, indent))
    assert ast.dump(ast.parse(split)) == ast.dump(ast.parse(flat))
    formatted = black.format_str(split, mode=MODE)
    assert formatted == black.format_str(flat, mode=MODE)
    if not needs_black(split):  # the contract: what the layout vouches for is black's output
        assert formatted == split


# Spec prose as it reaches docstrings: quotes and backslashes at either end,
# indented and blank lines, tabs, wide and non-ASCII blank characters.
prose = st.text(alphabet=st.sampled_from(list('ab "\'\\\n\t\u00a0\u3000\u00e9\u6f22#:')), max_size=40)


@settings(max_examples=int(os.environ.get("LAYOUT_EXAMPLES", "400")), deadline=None)
@given(prose, st.sampled_from(["module", "class", "method", "attribute"]))
def test_docstrings_are_black_output(text: str, where: str) -> None:
    if where == "module":
        source = f"{docstring(text, '')}\n\nx = 1\n"
    elif where == "class":
        source = f"class C:\n    {docstring(text, '    ')}\n\n    x: int\n"
    elif where == "method":
        source = f"class C:\n    def f(self) -> None:\n        {docstring(text, '        ')}\n        return None\n"
    else:
        source = f"class C:\n    x: int\n    {docstring(text, '    ')}\n"
    assert ast.parse(source)
    assert black.format_str(source, mode=MODE) == source


def test_rendered_files_are_black_output_already() -> None:
    """What the layout is for: black need not run on what the templates render.

    Every file rendered from the OAuth spec passes ``needs_black``, and 19 in 20
    of those rendered from the feature specs (long_names.yaml holds names too
    long for some shapes on purpose). Every file that passes is black's output.
    """
    from generator import pipeline
    from generator.build import build_api
    from generator.config import Config
    from generator.load import read_spec
    from generator.paths import display
    from generator.render import render_each, static_files

    def rendered(spec: Path) -> list[str]:
        config = Config(root=ROOT, spec=spec, output=ROOT / "unused", package="p", lenient=True)
        raw = read_spec(spec)
        doc, _ = pipeline._load(config, raw)
        api = build_api(doc, display(spec), config, raw)
        return [text for path, text in render_each(api) if path.endswith(".py") and path not in static_files()]

    oauth = rendered(ROOT / "specs" / "api_v2.json")
    assert [needs_black(text) for text in oauth] == [False] * len(oauth)
    features = [text for spec in sorted((ROOT / "tests" / "specs").glob("*.yaml")) if spec.stem not in ("openapi4", "swagger2") for text in rendered(spec)]
    vouched = [text for text in [*oauth, *features] if not needs_black(text)]
    assert len(vouched) >= 0.95 * len([*oauth, *features]) and len(features) > 100, (len(vouched), len(features))
    assert [black.format_str(text, mode=MODE) == text for text in vouched] == [True] * len(vouched)
    assert any(needs_black(text) for text in features)  # the flag is raised where it must be: long_names.yaml
