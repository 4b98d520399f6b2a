"""The pre-split of long generated lines (generator/layout.py) never changes what code means.

The templates lay long lines out the way black would, so that black's first
pass changes nothing and it formats each file once instead of twice. That is
only worth having if it is safe: for any line of the shapes the templates emit,
the split line must parse to the same syntax tree, and black must produce the
same output from it as from the unsplit line. Most of the time the split line
is black's output already; the test counts how often, so a change that stops
helping shows up as a failure too.
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
from generator.layout import fit
from generator.naming import literal

MODE = _mode()  # the pipeline's own black settings

names = st.sampled_from(["a", "value", "ListCampaignResponseItem", "d_nullable", "_m.Lead.from_dict", "x2"])
strings = st.text(alphabet=st.sampled_from(list("ab\"'\\,()[]{}:=| #")), max_size=12).map(literal)  # as the generator writes strings
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
        default = draw(st.sampled_from(["", " = UNSET"]))
        return "class C:\n{line}\n", f"field_name: {draw(annotations)}{default}"
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
    assert black.format_str(split, mode=MODE) == black.format_str(flat, mode=MODE)


def test_rendered_files_are_black_output_already() -> None:
    """What the layout is for: black's pass changes nothing, so black runs once per file.

    Every file rendered from the OAuth spec, and nine in ten of those rendered from
    the feature specs (shapes black splits differently are left to black)."""
    from generator import pipeline
    from generator.build import build_api
    from generator.config import Config
    from generator.render import render_each, static_files

    def rendered(spec: Path) -> list[str]:
        config = Config(root=ROOT, spec=spec, output=ROOT / "unused", package="p", lenient=True)
        doc, raw, name, _ = pipeline._load(config)
        api = build_api(doc, name, config, raw)
        return [text for path, text in render_each(api) if path.endswith(".py") and path not in static_files()]

    oauth = rendered(ROOT / "specs" / "api_v2.json")
    assert [black.format_str(text, mode=MODE) == text for text in oauth] == [True] * len(oauth)
    features = [text for spec in sorted((ROOT / "tests" / "specs").glob("*.yaml")) if spec.stem not in ("openapi4", "swagger2") for text in rendered(spec)]
    same = sum(black.format_str(text, mode=MODE) == text for text in features)
    assert same >= 0.9 * len(features) and len(features) > 100, (same, len(features))
