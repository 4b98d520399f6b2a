"""generator.names: names from identities, order-free, pinned by the lock."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from generator.names import MAX_LENGTH, Item, settle


def test_unique_candidates_keep_their_names() -> None:
    settled = settle("ns", [Item("a", "alpha"), Item("b", "beta")])
    assert settled.names == {"a": "alpha", "b": "beta"}


def test_colliding_candidates_both_get_qualified_names() -> None:
    settled = settle("ns", [Item("POST /subs/{id}/cancel", "cancel"), Item("DELETE /subs/{id}", "cancel")], qualify=lambda c, i: f"{c}_{i.split()[0].lower()}")
    assert settled.names == {"POST /subs/{id}/cancel": "cancel_post", "DELETE /subs/{id}": "cancel_delete"}
    assert "cancel" not in settled.names.values()


def test_a_pin_keeps_its_binding_and_the_newcomer_is_qualified_with_a_warning() -> None:
    pins = {"cancel": "POST /subs/{id}/cancel"}
    settled = settle("methods", [Item("DELETE /subs/{id}", "cancel"), Item("POST /subs/{id}/cancel", "cancel")], pins=pins, qualify=lambda c, i: c + "_x")
    assert settled["POST /subs/{id}/cancel"] == "cancel"
    assert settled["DELETE /subs/{id}"] == "cancel_x"
    assert len(settled.warnings) == 1 and "stays bound to POST /subs/{id}/cancel" in settled.warnings[0]


def test_a_pin_found_through_an_alias_is_recorded_by_that_alias() -> None:
    settled = settle("classes", [Item("A new least use", "Thing", ("old use",))], pins={"Kept": "old use"})
    assert settled["A new least use"] == "Kept"
    assert settled.record() == (("Kept", "old use"),)


def test_reserved_and_owned_names() -> None:
    settled = settle("params", [Item("query body", "body"), Item("body", "body"), Item("query self", "self")], reserved={"self"}, owned={"body": "body"}, qualify=lambda c, i: c + "_q")
    assert settled["body"] == "body"
    assert settled["query body"] == "body_q"
    assert settled["query self"] == "self_q"


def test_folded_names_differ_in_more_than_case() -> None:
    settled = settle("modules", [Item("a", "Pet"), Item("b", "pet")], fold=True)
    assert len({name.casefold() for name in settled.names.values()}) == 2


def test_long_names_are_cut_and_stay_unique() -> None:
    long = "x" * 250
    settled = settle("ns", [Item("one", long + "a"), Item("two", long + "b")])
    names = list(settled.names.values())
    assert all(len(n) <= MAX_LENGTH for n in names) and len(set(names)) == 2


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.text("abc", min_size=1, max_size=4), st.sampled_from(["x", "y", "xy", "z"])), min_size=1, max_size=12, unique_by=lambda t: t[0]), st.randoms())
def test_names_do_not_depend_on_order(items: list[tuple[str, str]], rnd: random.Random) -> None:
    first = settle("ns", [Item(i, c) for i, c in items]).names
    shuffled = list(items)
    rnd.shuffle(shuffled)
    assert settle("ns", [Item(i, c) for i, c in shuffled]).names == first
    assert len(set(first.values())) == len(first)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.text("abc", min_size=1, max_size=4), st.sampled_from(["x", "y", "z"])), min_size=1, max_size=8, unique_by=lambda t: t[0]), st.tuples(st.text("def", min_size=1, max_size=3), st.sampled_from(["x", "y", "z"])))
def test_adding_an_item_never_binds_an_existing_name_to_something_else(items: list[tuple[str, str]], extra: tuple[str, str]) -> None:
    before = settle("ns", [Item(i, c) for i, c in items]).names
    after = settle("ns", [Item(i, c) for i, c in [*items, extra]]).names
    owner_before = {name: identity for identity, name in before.items()}
    owner_after = {name: identity for identity, name in after.items()}
    for name, identity in owner_before.items():
        assert owner_after.get(name, identity) == identity
