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

import black
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.layout import fit
from generator.naming import literal

MODE = black.Mode(target_versions={black.TargetVersion.PY310}, line_length=88)

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


def test_the_split_is_usually_black_output_already() -> None:
    lines = [
        ("        ", '"429": Resp("json", _m.TooManyRequestsErrorBody.from_dict, _e.TooManyRequestsError),'),
        ("    ", '_wire_names: ClassVar[frozenset[str]] = frozenset({"id", "organization", "campaign", "name", "target_hook_url", "event_type"})'),
        ("            ", 'event_type=opt(d, "event_type", d_nullable(d_lit("all_events", "email_sent", "email_opened", "email_link_clicked"))),'),
        ("    ", "def from_dict(cls, data: Any) -> BulkAssignLeadsBodyQueriesItemValuesOccurrenceCount:"),
        ("    ", "def get(self, *, campaign_id: uuid.UUID | Unset = UNSET, status: Literal[-99, -1, 0, 1, 2, 3] | Unset = UNSET) -> list[Item]:"),
        ("    ", 'scopes: list[Literal["all:all", "all:create", "all:read", "all:update", "all:delete", "ai_agents:all"]]'),
        ("    ", "issue_tracking: GetCampaignSendingStatusResponseDiagnosticsIssueTracking | Unset = UNSET"),
        ("    ", "details: list[InboxPlacementBlacklistSpamAssassinReportBlacklistReportDetailsItem] | Unset = UNSET"),
        ("", "from .._base_client import AsyncResource, Endpoint, Resp, SyncResource, Timeout, async_raw_form, raw_form"),
        ("    ", 'headers={"200": (("X-RateLimit-Limit", "int"), ("X-RateLimit-Remaining", "int"))},'),
    ]
    contexts = {
        "        ": "def f():\n    x = {{\n{line}\n    }}\n",
        "            ": "def f():\n    def g():\n        return h(\n{line}\n        )\n",
        "": "{line}\n",
    }
    same = 0
    for indent, line in lines:
        if line.startswith(("def ", "_wire", "scopes", "issue", "details")):
            context = "class C:\n{line}\n" + ("        pass\n" if line.startswith("def ") else "")
        elif line.startswith("headers"):
            context = "x = f(\n{line}\n)\n"
        else:
            context = contexts[indent]
        split = context.format(line=fit(line, indent))
        same += black.format_str(split, mode=MODE) == split
    assert same == len(lines)
