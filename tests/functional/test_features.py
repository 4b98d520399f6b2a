"""One small spec per OpenAPI feature (tests/specs/), generated, and exercised over HTTP.

Schemas and models here: nested objects, additionalProperties, enums and const,
unions and discriminators, allOf, nullable, recursion, formats, readOnly and
writeOnly, awkward names, multi-file specs, self-contradicting values and YAML
1.2 scalars. Parameters, bodies, media types and responses are in
``test_features_http.py``, pagination in ``test_pagination.py``, type checking
in ``test_typecheck.py``.
"""

from __future__ import annotations

import dataclasses
import datetime
import inspect
import shutil
import typing
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest

from .features import call, feature, fields_of, model_source, only, sent_json
from .generated import SPECS, run_cli
from .server import FaultServer, Scripted, json_body, running_server

UTC = datetime.timezone.utc
pytestmark = pytest.mark.usefixtures("features")


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with running_server() as srv:
        yield srv
        assert srv.unscripted == [], "the client called a path the test did not script"


# --------------------------------------------------------------------------- versions
@pytest.mark.parametrize(("spec", "message"), [
    ("swagger2.yaml", "Swagger '2.0' is not supported"),
    ("openapi4.yaml", "OpenAPI 4.0.0 is not supported"),
])
def test_unsupported_versions_exit_2_with_a_clear_message(spec: str, message: str, tmp_path: Path) -> None:
    shutil.copyfile(SPECS / spec, tmp_path / spec)
    result = run_cli("generate", "--spec", spec, "--output", "out", "--package", "old", cwd=tmp_path)
    assert result.returncode == 2
    assert message in result.stderr
    assert result.stderr.startswith(f"error: {spec}#/")
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


# --------------------------------------------------------------------------- nested objects, arrays, defaults
ORDER = {
    "id": 7,
    "customer": {"name": "Ada", "address": {"street": "1 Main St", "city": "Zürich"}},
    "lines": [{"sku": "A-1", "qty": 2}, {"sku": "B-2", "qty": 1}],
    "matrix": [[1.5, 2], [], [-3.25]],
    "tags": ["x", "y"],
    "meta": {"anything": [1, None, {"deep": True}]},
    "loose": {"k": "v", "n": 1},
}


def test_nested_objects_and_arrays_round_trip(server: FaultServer, mode: str) -> None:
    pkg = feature("objects")
    m = pkg.models
    order = m.Order(
        id=7,
        customer=m.OrderCustomer(name="Ada", address=m.OrderCustomerAddress(street="1 Main St", city="Zürich")),
        lines=[m.OrderLinesItem(sku="A-1", qty=2), m.OrderLinesItem(sku="B-2", qty=1)],
        matrix=[[1.5, 2], [], [-3.25]],
        tags=["x", "y"],
        meta={"anything": [1, None, {"deep": True}]},
        loose={"k": "v", "n": 1},
    )
    server.add("/orders", json_body(ORDER))
    got = call(pkg, server, lambda c: c.orders.create_order(body=order), mode)
    request = only(server)
    assert (request.method, request.path) == ("POST", "/orders")
    assert sent_json(request) == ORDER
    assert "Zürich".encode() in request.body  # UTF-8 on the wire, not \\u escapes
    assert got == order
    assert isinstance(got.customer, m.OrderCustomer)
    assert isinstance(got.customer.address, m.OrderCustomerAddress)
    assert [type(line).__name__ for line in got.lines] == ["OrderLinesItem", "OrderLinesItem"]
    assert got.to_dict() == ORDER
    fields = fields_of(m.Order)
    assert (fields["matrix"], fields["meta"], fields["loose"]) == ("list[list[float]] | Unset", "Any | Unset", "dict[str, Any] | Unset")


def test_defaults_are_documented_not_applied() -> None:
    pkg = feature("objects")
    m = pkg.models
    line = m.OrderLinesItem.from_dict({"sku": "A"})
    assert line.qty is pkg.UNSET
    assert line.to_dict() == {"sku": "A"}  # a default is the server's business: never sent
    assert '    qty: int | Unset = UNSET\n    """Default: ``1``."""' in model_source(m.OrderLinesItem)
    source = model_source(m.Order)
    assert 'Where the order is.\n\n    Default: ``"new"``.' in source
    assert '    priority: int | Unset = UNSET\n    """Default: ``3``."""' in source


def test_a_body_of_the_wrong_shape_is_a_decode_error(server: FaultServer) -> None:
    pkg = feature("objects")
    server.add("/orders", json_body({**ORDER, "lines": [{"sku": "A", "qty": "two"}]}))
    with pytest.raises(pkg.ApiDecodeError) as info:
        call(pkg, server, lambda c: c.orders.create_order(body=pkg.models.Order.from_dict(ORDER)))
    assert "at $.lines[0].qty: expected integer, got string" in str(info.value)
    assert info.value.status_code == 200 and '"qty": "two"' in info.value.raw


# --------------------------------------------------------------------------- additionalProperties
BAG = {
    "open": {"name": "o", "x": 1, "y": [1, {"z": None}]},
    "closed": {"name": "c", "sneaky": True},
    "typed_extras": {"name": "t", "first": {"n": 1}, "second": {"n": 2}},
    "items_by_key": {"a": {"n": 1}, "b": {"n": 2, "more": "kept"}},
    "dates_by_key": {"leap": "2024-02-29"},
    "free_map": {"k": [1, {"z": None}]},
    "nested_map": {"k": [1, 2], "empty": []},
}


def test_additional_properties_true_false_and_schema(server: FaultServer) -> None:
    pkg = feature("additional_properties")
    m = pkg.models
    server.add("/bag", json_body(BAG))
    bag = call(pkg, server, lambda c: c.bags.get_bag())
    assert bag.open.name == "o"
    assert bag.open.additional_properties == {"x": 1, "y": [1, {"z": None}]}
    # additionalProperties: false, lenient by default: the extra is kept, not an error.
    assert bag.closed.additional_properties == {"sneaky": True}
    # A schema for the extras: their values are decoded into it.
    assert bag.typed_extras.additional_properties == {"first": m.Item(n=1), "second": m.Item(n=2)}
    assert fields_of(m.TypedExtras)["additional_properties"] == "dict[str, Item]"
    assert fields_of(m.Open)["additional_properties"] == "dict[str, Any]"
    # A map without properties is a dict whose values are decoded.
    assert bag.items_by_key == {"a": m.Item(n=1), "b": m.Item(n=2, additional_properties={"more": "kept"})}
    assert bag.dates_by_key == {"leap": datetime.date(2024, 2, 29)}
    assert bag.free_map == {"k": [1, {"z": None}]}
    assert bag.nested_map == {"k": [1, 2], "empty": []}
    assert bag.to_dict() == BAG


def test_additional_properties_are_sent(server: FaultServer) -> None:
    pkg = feature("additional_properties")
    m = pkg.models
    bag = m.Bag(
        open=m.Open(name="o", additional_properties={"x": [1]}),
        typed_extras=m.TypedExtras(additional_properties={"k": m.Item(n=3)}),
        items_by_key={"a": m.Item(n=1)},
        dates_by_key={"d": datetime.date(2024, 1, 31)},
    )
    server.add("/bag", Scripted(status=204))
    assert call(pkg, server, lambda c: c.bags.put_bag(body=bag)) is None
    assert sent_json(only(server)) == {
        "open": {"name": "o", "x": [1]},
        "typed_extras": {"k": {"n": 3}},
        "items_by_key": {"a": {"n": 1}},
        "dates_by_key": {"d": "2024-01-31"},
    }


def test_a_map_with_a_wrong_value_is_a_decode_error(server: FaultServer) -> None:
    pkg = feature("additional_properties")
    server.add("/counts", json_body({"a": 1, "b": 2}), json_body({"a": 1, "b": "two"}))
    assert call(pkg, server, lambda c: c.bags.get_counts()) == {"a": 1, "b": 2}
    with pytest.raises(pkg.ApiDecodeError, match=r"at \$\.b: expected integer"):
        call(pkg, server, lambda c: c.bags.get_counts())


def test_strict_decoding_rejects_what_lenient_keeps(server: FaultServer) -> None:
    pkg = feature("additional_properties")
    closed = pkg.models.Closed
    with pytest.raises(ValueError, match=r"at \$\.sneaky: expected no such property \(the object is closed\), got boolean"):
        closed.from_dict({"name": "c", "sneaky": True}, strict=True)
    assert closed.from_dict({"name": "c", "sneaky": True}).additional_properties == {"sneaky": True}
    assert pkg.models.Open.from_dict({"x": 1}, strict=True).additional_properties == {"x": 1}
    # The client's mode decides for its responses.
    server.add("/bag", json_body(BAG), json_body(BAG))
    assert call(pkg, server, lambda c: c.bags.get_bag()).closed.additional_properties == {"sneaky": True}
    with pytest.raises(pkg.ApiDecodeError, match="sneaky"):
        call(pkg, server, lambda c: c.bags.get_bag(), strict=True)


# --------------------------------------------------------------------------- enums and const
SETTINGS = {
    "color": "light blue",
    "level": -2,
    "enabled": True,
    "maybe_color": None,
    "numeric_strings": "1",
    "ratio": -1.5,
    "mixed": "one",
    "kind": "settings",
    "version": 2,
    "mode": "slow",
    "region": "ap-east",
    "weekday": [1, 7],
}


def test_enums_decode_to_their_literal_values(server: FaultServer, mode: str) -> None:
    pkg = feature("enums")
    server.add("/settings", json_body(SETTINGS))
    got = call(pkg, server, lambda c: c.settings.get_settings(color="light blue", level=-1, region="us-west"), mode)
    assert parse_qsl(only(server).query) == [("color", "light blue"), ("level", "-1"), ("region", "us-west")]
    assert got.color == "light blue"
    assert got.level == -2 and type(got.level) is int
    assert got.enabled is True
    assert got.maybe_color is None
    assert got.numeric_strings == "1" and type(got.numeric_strings) is str
    assert got.ratio == -1.5
    assert got.mixed == "one"
    assert (got.kind, got.version, got.mode) == ("settings", 2, "slow")
    assert (got.region, got.weekday) == ("ap-east", [1, 7])
    assert got.to_dict() == SETTINGS
    fields = fields_of(pkg.models.Settings)
    assert fields["color"] == "Color"  # a component enum is named after its component
    assert fields["level"] == "Level | Unset"
    assert fields["enabled"] == "Literal[True] | Unset"
    assert fields["maybe_color"] == "Literal['red', 'green'] | None | Unset"
    assert fields["numeric_strings"] == "Literal['1', '2'] | Unset"
    assert fields["ratio"] == "float | Unset"
    assert fields["mixed"] == "Literal[1, 'one', False] | None | Unset"
    assert fields["kind"] == "Literal['settings']"
    assert fields["version"] == "Literal[2] | Unset"
    assert fields["region"] == "SettingsRegion | Unset"  # six members or more: named where it is used
    assert fields["weekday"] == "list[SettingsWeekdayItem] | Unset"


def test_named_enums_are_literal_aliases_of_the_models_package() -> None:
    pkg = feature("enums")
    m = pkg.models
    assert typing.get_args(m.Color) == ("red", "green", "light blue")
    assert typing.get_args(m.Level) == (-2, -1, 0, 1)
    assert typing.get_args(m.SettingsRegion) == ("eu-west", "eu-north", "us-east", "us-west", "ap-south", "ap-east")
    assert typing.get_args(m.SettingsWeekdayItem) == (1, 2, 3, 4, 5, 6, 7)
    assert {"Color", "Level", "SettingsRegion", "SettingsWeekdayItem"} <= set(m.__all__)
    assert pkg.Color is m.Color  # exported from the package like the models
    # The query parameter with the same values shares the alias (named from its component's site).
    signature = inspect.signature(pkg.Client(api_key="k").settings.get_settings)
    assert str(signature.parameters["region"].annotation) == "SettingsRegion | Unset"
    # The models package's doc lists each with its values.
    api_md = (Path(pkg.__file__).parent / "api.md").read_text(encoding="utf-8")
    assert "### `SettingsRegion`" in api_md and '`"eu-west"`, `"eu-north"`' in api_md


def test_unknown_enum_values_are_kept(server: FaultServer) -> None:
    pkg = feature("enums")
    drifted = {**SETTINGS, "color": "purple", "level": 7, "numeric_strings": "3", "kind": "other"}
    server.add("/settings", json_body(drifted))
    got = call(pkg, server, lambda c: c.settings.get_settings())
    assert only(server).query == ""
    assert (got.color, got.level, got.numeric_strings, got.kind) == ("purple", 7, "3", "other")
    assert got.to_dict() == drifted


@pytest.mark.parametrize(("field", "value", "expected"), [
    ("numeric_strings", 1, "string"),  # "1" is a string enum: the number 1 is not a member
    ("level", "-2", "integer"),
    ("enabled", "true", "boolean"),
    ("color", None, "string"),
])
def test_enum_values_of_the_wrong_json_type_are_decode_errors(server: FaultServer, field: str, value: Any, expected: str) -> None:
    pkg = feature("enums")
    server.add("/settings", json_body({**SETTINGS, field: value}))
    with pytest.raises(pkg.ApiDecodeError, match=rf"at \$\.{field}: expected {expected}"):
        call(pkg, server, lambda c: c.settings.get_settings())


def test_enum_members_are_sent_as_their_json_values(server: FaultServer) -> None:
    pkg = feature("enums")
    body = pkg.models.Settings(color="red", kind="settings", numeric_strings="2", level=-2, mixed=None, enabled=True)
    server.add("/settings", Scripted(status=204))
    assert call(pkg, server, lambda c: c.settings.put_settings(body=body)) is None
    request = only(server)
    assert request.method == "PUT"
    assert sent_json(request) == {"color": "red", "level": -2, "enabled": True, "numeric_strings": "2", "mixed": None, "kind": "settings"}


def test_strict_decoding_rejects_unknown_enum_members() -> None:
    settings = feature("enums").models.Settings
    with pytest.raises(ValueError, match=r"at \$\.color: expected one of 'red', 'green', 'light blue', got string"):
        settings.from_dict({**SETTINGS, "color": "purple"}, strict=True)
    with pytest.raises(ValueError, match=r"at \$\.region: expected one of 'eu-west', .*'ap-east', got string"):
        settings.from_dict({**SETTINGS, "region": "mars"}, strict=True)
    with pytest.raises(ValueError, match=r"at \$\.weekday\[1\]: expected one of 1, .*7, got number"):
        settings.from_dict({**SETTINGS, "weekday": [1, 8]}, strict=True)
    assert settings.from_dict(SETTINGS, strict=True).color == "light blue"
    assert settings.from_dict({**SETTINGS, "region": "mars", "weekday": [8]}).region == "mars"  # kept when not strict


# --------------------------------------------------------------------------- oneOf / anyOf / discriminator / const
def test_discriminator_with_mapping_picks_the_variant_by_tag(server: FaultServer, mode: str) -> None:
    pkg = feature("discriminator")
    m = pkg.models
    pets = [
        {"petType": "cat", "meows": True},
        {"petType": "kitty"},  # a second alias mapped to Cat
        {"petType": "dog", "barks": 3},  # would decode as Cat (first variant) if the tag were ignored
        {"petType": "lizard", "scales": "green"},
        {"petType": "Dog", "barks": 1},  # the component name also works
    ]
    server.add("/pets", json_body(pets))
    got = call(pkg, server, lambda c: c.pets.list_pets(), mode)
    assert [type(p).__name__ for p in got] == ["Cat", "Cat", "Dog", "Lizard", "Dog"]
    assert got[0] == m.Cat(pet_type="cat", meows=True)
    assert got[1].pet_type == "kitty"
    assert got[2] == m.Dog(pet_type="dog", barks=3)
    assert got[3].scales == "green"
    assert [p.to_dict() for p in got] == pets


def test_discriminator_without_mapping_uses_component_names(server: FaultServer) -> None:
    pkg = feature("discriminator")
    server.add("/implicit", json_body({"petType": "Dog", "barks": 2}), json_body({"petType": "Cat", "barks": 2}))
    dog = call(pkg, server, lambda c: c.pets.get_implicit())
    cat = call(pkg, server, lambda c: c.pets.get_implicit())
    assert type(dog) is pkg.models.Dog and dog.barks == 2
    assert type(cat) is pkg.models.Cat and cat.additional_properties == {"barks": 2}


def test_an_unknown_tag_falls_back_to_the_best_variant(server: FaultServer) -> None:
    pkg = feature("discriminator")
    server.add("/implicit", json_body({"petType": "Hamster", "wheel": True}), json_body({"petType": 5}))
    got = call(pkg, server, lambda c: c.pets.get_implicit())
    assert type(got) is pkg.models.Cat
    assert got.to_dict() == {"petType": "Hamster", "wheel": True}
    with pytest.raises(pkg.ApiDecodeError, match="one of"):
        call(pkg, server, lambda c: c.pets.get_implicit())


@pytest.mark.parametrize("value", [5, "five", ["a", "b"]])
def test_a_union_without_discriminator_decodes_each_option(server: FaultServer, value: Any) -> None:
    pkg = feature("discriminator")
    server.add("/plain", json_body(value))
    got = call(pkg, server, lambda c: c.pets.get_plain())
    assert got == value and type(got) is type(value)


def test_a_union_value_that_matches_no_option_is_a_decode_error(server: FaultServer) -> None:
    pkg = feature("discriminator")
    server.add("/plain", json_body({"not": "listed"}))
    with pytest.raises(pkg.ApiDecodeError, match=r"expected integer.*expected string.*expected array"):
        call(pkg, server, lambda c: c.pets.get_plain())


def test_union_fields_are_sent_and_decoded(server: FaultServer) -> None:
    pkg = feature("discriminator")
    m = pkg.models
    owner = m.Owner(name="Ann", pet=m.Dog(pet_type="dog", barks=2), others=[m.Cat(pet_type="kitty"), m.Lizard(pet_type="lizard")])
    wire = {"name": "Ann", "pet": {"petType": "dog", "barks": 2}, "others": [{"petType": "kitty"}, {"petType": "lizard"}]}
    server.add("/owner", json_body(wire))
    got = call(pkg, server, lambda c: c.pets.put_owner(body=owner))
    assert sent_json(only(server)) == wire
    assert got == owner
    assert [type(p).__name__ for p in got.others] == ["Cat", "Lizard"]


CHARGE = {"type": "charge", "id": "c1", "amount": 7}
REFUND = {"type": "refund", "id": "r1", "amount": 5}


@pytest.mark.parametrize("strict", [False, True], ids=["lenient", "strict"])
def test_a_one_of_told_apart_by_const_values(server: FaultServer, mode: str, strict: bool) -> None:
    """Refund is listed first and both branches have the same fields: only ``type``'s
    ``const`` tells them apart."""
    pkg = feature("const_union")
    m = pkg.models
    server.add("/payments/p1", json_body(CHARGE), json_body(REFUND))
    server.add("/payments", json_body([REFUND, CHARGE, CHARGE]))

    async def run_async(c: Any) -> Any:
        return [await c.payments.get_payment("p1"), await c.payments.get_payment("p1"), await c.payments.list_payments()]

    def run(c: Any) -> Any:
        if mode == "async":
            return run_async(c)
        return [c.payments.get_payment("p1"), c.payments.get_payment("p1"), c.payments.list_payments()]

    charge, refund, listed = call(pkg, server, run, mode, strict=strict)
    assert charge == m.Charge(type="charge", id="c1", amount=7) and type(charge) is m.Charge
    assert refund == m.Refund(type="refund", id="r1", amount=5) and type(refund) is m.Refund
    assert [type(p).__name__ for p in listed] == ["Refund", "Charge", "Charge"]
    assert fields_of(m.Charge)["type"] == "Literal['charge']"


def test_a_const_value_that_no_branch_has(server: FaultServer) -> None:
    pkg = feature("const_union")
    chargeback = {"type": "chargeback", "id": "x", "amount": 1}
    server.add("/payments/p1", json_body(chargeback), json_body(chargeback))
    kept = call(pkg, server, lambda c: c.payments.get_payment("p1"))
    assert type(kept) is pkg.models.Refund and kept.type == "chargeback"  # lenient: the first branch that decodes
    with pytest.raises(pkg.ApiDecodeError, match=r"one of.*'refund'.*'charge'"):
        call(pkg, server, lambda c: c.payments.get_payment("p1"), strict=True)


# --------------------------------------------------------------------------- allOf
def test_all_of_is_one_model_with_every_field(server: FaultServer) -> None:
    pkg = feature("all_of")
    deep = pkg.models.Deep
    assert fields_of(deep) == {
        "id": "int",
        "name": "str | Unset",
        "extra": "str",
        "level": "int | Unset",
        "sibling": "bool",
        "additional_properties": "dict[str, Any]",
    }
    assert deep.__doc__ == "Three levels of allOf, plus sibling properties."
    with pytest.raises(TypeError, match="extra"):
        deep(id=1, sibling=True)  # required by the second allOf part
    wire = {"id": 9, "name": "n", "extra": "e", "level": 3, "sibling": False, "unknown": 1}
    server.add("/things/9", json_body(wire))
    got = call(pkg, server, lambda c: c.things.get_thing(9))
    assert only(server).path == "/things/9"
    assert type(got) is deep
    assert (got.id, got.name, got.extra, got.level, got.sibling) == (9, "n", "e", 3, False)
    assert got.additional_properties == {"unknown": 1}


def test_all_of_around_one_reference_is_that_model(server: FaultServer) -> None:
    pkg = feature("all_of")
    server.add("/wrapped", json_body({"base": {"id": 1, "name": "b"}}))
    got = call(pkg, server, lambda c: c.things.get_wrapped())
    assert type(got.base) is pkg.models.Base
    assert got.base == pkg.models.Base(id=1, name="b")
    assert fields_of(pkg.models.Holder)["base"] == "Base | Unset"
    assert "HolderBase" not in pkg.models.__all__


# --------------------------------------------------------------------------- nullable
@pytest.mark.parametrize("spec", ["nullable_30", "nullable_31"])
def test_null_is_sent_and_decoded_as_none(server: FaultServer, spec: str) -> None:
    pkg = feature(spec)
    m = pkg.models
    if spec == "nullable_30":
        record = m.Record(name="n", nick=None, count=None, child=None, items=["a", None])
        wire = {"name": "n", "nick": None, "count": None, "child": None, "items": ["a", None]}
        reply = {"name": "n", "nick": "x", "count": 1, "child": {"x": 2}, "items": None}
        expected = m.Record(name="n", nick="x", count=1, child=m.Child(x=2), items=None)
    else:
        record = m.Record(null_first=None, null_last="s", number_or_null=None, child_or_null=None, child_one_of=m.Child(x=1), list_or_null=[1.5, None])
        wire = {"null_first": None, "null_last": "s", "number_or_null": None, "child_or_null": None, "child_one_of": {"x": 1}, "list_or_null": [1.5, None]}
        reply = {"null_first": "f", "null_last": None, "string_or_int": 5, "child_or_null": {"x": 3}, "child_one_of": None, "list_or_null": None}
        expected = m.Record(null_first="f", null_last=None, string_or_int=5, child_or_null=m.Child(x=3), child_one_of=None, list_or_null=None)
    server.add("/record", json_body(reply))
    got = call(pkg, server, lambda c: c.records.save_record(body=record))
    assert sent_json(only(server)) == wire
    assert got == expected
    assert got.to_dict() == reply


def test_nullable_annotations_30() -> None:
    pkg = feature("nullable_30")
    assert fields_of(pkg.models.Record) == {
        "name": "str",
        "nick": "str | None",
        "count": "int | None | Unset",
        "child": "Child | None | Unset",
        "items": "list[str | None] | None | Unset",
        "additional_properties": "dict[str, Any]",
    }
    assert "RecordChild" not in pkg.models.__all__


def test_type_arrays_31_in_any_order(server: FaultServer) -> None:
    pkg = feature("nullable_31")
    assert fields_of(pkg.models.Record) == {
        "null_first": "str | None",
        "null_last": "str | None",
        "number_or_null": "int | None | Unset",
        "string_or_int": "str | int | Unset",
        "child_or_null": "Child | None | Unset",
        "child_one_of": "Child | None | Unset",
        "list_or_null": "list[float | None] | None | Unset",
        "additional_properties": "dict[str, Any]",
    }
    server.add("/record", json_body({"null_first": None, "null_last": None, "string_or_int": "five"}))
    got = call(pkg, server, lambda c: c.records.save_record(body=pkg.models.Record(null_first=None, null_last=None)))
    assert got.string_or_int == "five"
    server.add("/record", json_body({"null_last": None}))
    with pytest.raises(pkg.ApiDecodeError, match="missing required property 'null_first'"):
        call(pkg, server, lambda c: c.records.save_record(body=pkg.models.Record(null_first=None, null_last=None)))


# --------------------------------------------------------------------------- recursive schemas
def test_a_recursive_tree_is_sent_and_decoded(server: FaultServer) -> None:
    pkg = feature("recursive")
    node = pkg.models.TreeNode
    tree = node(
        value="root",
        children=[node(value="a", children=[node(value="a1", parent=None)]), node(value="b")],
        parent=node(value="up"),
        index={"k": node(value="x", children=[])},
    )
    wire = {
        "value": "root",
        "children": [{"value": "a", "children": [{"value": "a1", "parent": None}]}, {"value": "b"}],
        "parent": {"value": "up"},
        "index": {"k": {"value": "x", "children": []}},
    }
    server.add("/tree", json_body(wire))
    got = call(pkg, server, lambda c: c.trees.echo_tree(body=tree))
    assert sent_json(only(server)) == wire
    assert got == tree
    assert type(got.children[0].children[0]) is node
    assert type(got.parent) is node and type(got.index["k"]) is node
    assert fields_of(node)["parent"] == "TreeNode | None | Unset"
    assert pkg.models.__all__ == ["Left", "Right", "TreeNode"]


def test_a_deep_tree_decodes() -> None:
    pkg = feature("recursive")
    data: dict[str, Any] = {"value": "leaf"}
    for depth in range(150):  # deeper than the cap on parsed bodies (100): from_dict has none
        data = {"value": str(depth), "children": [data]}
    got = pkg.models.TreeNode.from_dict(data)
    for _ in range(150):
        got = got.children[0]
    assert got.value == "leaf"


def test_mutually_recursive_models(server: FaultServer) -> None:
    pkg = feature("recursive")
    m = pkg.models
    server.add("/pair", json_body({"name": "l1", "right": {"name": "r1", "left": {"name": "l2", "right": {}}}}))
    got = call(pkg, server, lambda c: c.trees.get_pair())
    assert got == m.Left(name="l1", right=m.Right(name="r1", left=m.Left(name="l2", right=m.Right())))


# --------------------------------------------------------------------------- formats
STAMP_TIMES = {
    "2024-01-02T03:04:05Z": datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC),
    "2024-01-02T03:04:05+05:30": datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.timezone(datetime.timedelta(hours=5, minutes=30))),
    "2024-01-02T03:04:05-08:00": datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.timezone(datetime.timedelta(hours=-8))),
    "2024-01-02T03:04:05.5Z": datetime.datetime(2024, 1, 2, 3, 4, 5, 500000, tzinfo=UTC),
    "2024-01-02T03:04:05.12Z": datetime.datetime(2024, 1, 2, 3, 4, 5, 120000, tzinfo=UTC),
    "2024-01-02T03:04:05.123+01:00": datetime.datetime(2024, 1, 2, 3, 4, 5, 123000, tzinfo=datetime.timezone(datetime.timedelta(hours=1))),
    "2024-01-02T03:04:05.1234Z": datetime.datetime(2024, 1, 2, 3, 4, 5, 123400, tzinfo=UTC),
    "2024-01-02T03:04:05.12345Z": datetime.datetime(2024, 1, 2, 3, 4, 5, 123450, tzinfo=UTC),
    "2024-01-02T03:04:05.123456Z": datetime.datetime(2024, 1, 2, 3, 4, 5, 123456, tzinfo=UTC),
    "2024-01-02T03:04:05.1234567Z": datetime.datetime(2024, 1, 2, 3, 4, 5, 123456, tzinfo=UTC),
    "2024-01-02T03:04:05.12345678-02:00": datetime.datetime(2024, 1, 2, 3, 4, 5, 123456, tzinfo=datetime.timezone(datetime.timedelta(hours=-2))),
    "2024-01-02T03:04:05.123456789Z": datetime.datetime(2024, 1, 2, 3, 4, 5, 123456, tzinfo=UTC),
    "2024-01-02T03:04:05": datetime.datetime(2024, 1, 2, 3, 4, 5),
}


def test_date_times_with_zones_and_any_fraction_decode(server: FaultServer) -> None:
    pkg = feature("formats")
    server.add("/stamps", json_body([{"at": text} for text in STAMP_TIMES]))
    got = call(pkg, server, lambda c: c.stamps.list_stamps())
    for stamp, (text, expected) in zip(got, STAMP_TIMES.items(), strict=True):
        assert isinstance(stamp.at, datetime.datetime), text
        assert (stamp.at, stamp.at.utcoffset()) == (expected, expected.utcoffset()), text


def test_every_format_decodes_to_its_type(server: FaultServer) -> None:
    pkg = feature("formats")
    uid = "0f8fad5b-d9cb-469f-a165-70867728950e"
    wire = {
        "at": "2024-02-29T23:59:59.999Z",
        "day": "2024-02-29",
        "uid": uid,
        "blob": "AAEC/w==",
        "big": 9007199254740993,
        "small": -5,
        "ratio": 2.5,
        "email": "a@example.com",
        "anything": {"x": [1, None, "y"]},
        "described_only": [True],
    }
    server.add("/stamps", json_body([wire]))
    [got] = call(pkg, server, lambda c: c.stamps.list_stamps())
    assert got.at == datetime.datetime(2024, 2, 29, 23, 59, 59, 999000, tzinfo=UTC)
    assert got.day == datetime.date(2024, 2, 29) and type(got.day) is datetime.date
    assert got.uid == uuid.UUID(uid)
    assert got.blob == "AAEC/w=="
    assert got.big == 2**53 + 1  # int64 beyond a double's precision, exact
    assert (got.small, got.ratio, got.email) == (-5, 2.5, "a@example.com")
    assert got.anything == {"x": [1, None, "y"]}
    assert got.described_only == [True]
    assert got.to_dict() == {**wire, "at": "2024-02-29T23:59:59.999000+00:00"}
    fields = fields_of(pkg.models.Stamp)
    assert (fields["at"], fields["day"], fields["uid"]) == ("datetime.datetime", "datetime.date | Unset", "uuid.UUID | Unset")
    assert (fields["big"], fields["blob"], fields["anything"], fields["described_only"]) == ("int | Unset", "str | Unset", "Any | Unset", "Any | Unset")


def test_values_whose_format_does_not_parse_stay_strings_unless_strict(server: FaultServer) -> None:
    pkg = feature("formats")
    wire = {"at": "yesterday at noon", "day": "2024-02-30", "uid": "not-a-uuid"}
    server.add("/stamps", json_body([wire]), json_body([wire]))
    [got] = call(pkg, server, lambda c: c.stamps.list_stamps())
    assert (got.at, got.day, got.uid) == ("yesterday at noon", "2024-02-30", "not-a-uuid")
    assert got.to_dict() == wire
    with pytest.raises(pkg.ApiDecodeError, match=r"at \$\[0\]\.at"):
        call(pkg, server, lambda c: c.stamps.list_stamps(), strict=True)


def test_formats_are_sent_as_strings(server: FaultServer) -> None:
    pkg = feature("formats")
    tz = datetime.timezone(datetime.timedelta(hours=5, minutes=30))
    stamp = pkg.models.Stamp(
        at=datetime.datetime(2024, 1, 2, 3, 4, 5, 123000, tzinfo=tz),
        day=datetime.date(2024, 2, 29),
        uid=uuid.UUID(int=1),
        big=2**63 - 1,
        anything={"x": [1, None]},
    )
    server.add("/stamps", Scripted(status=204))
    call(pkg, server, lambda c: c.stamps.create_stamp(body=stamp))
    assert sent_json(only(server)) == {
        "at": "2024-01-02T03:04:05.123000+05:30",
        "day": "2024-02-29",
        "uid": "00000000-0000-0000-0000-000000000001",
        "big": 9223372036854775807,
        "anything": {"x": [1, None]},
    }


# --------------------------------------------------------------------------- readOnly / writeOnly
def test_read_only_and_write_only_fields_are_optional(server: FaultServer) -> None:
    pkg = feature("read_write_only")
    user = pkg.models.User
    assert fields_of(user) == {
        "id": "int | Unset",
        "name": "str",
        "password": "str | Unset",
        "created_at": "datetime.datetime | Unset",
        "additional_properties": "dict[str, Any]",
    }
    source = model_source(user)
    assert "Assigned by the server.\n\n    (read-only: sent by the server" in source
    assert "(write-only: sent by the client" in source
    server.add("/users", json_body({"id": 1, "name": "n", "created_at": "2024-01-02T03:04:05Z"}, status=201))
    got = call(pkg, server, lambda c: c.users.create_user(body=user(name="n", password="pw")))
    assert sent_json(only(server)) == {"name": "n", "password": "pw"}
    assert (got.id, got.name, got.password) == (1, "n", pkg.UNSET)
    assert got.created_at == datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)


# --------------------------------------------------------------------------- names
# wire name -> (Python field name, JSON value). A name that would shadow what the class
# body or its annotations use, or that two wire names share, is qualified by a digest of
# its wire name (stable across regenerations: the lock pins it).
WEIRD = {
    "class": ("class_", "c"),
    "from": ("from_", "f"),
    "match": ("match_", "m"),
    "type": ("type", "t"),
    "self": ("self", "s"),
    "id": ("id", 1),
    "list": ("list_a33039", "l"),  # `list[str]` is used by `tags` in the same class
    "0": ("field_0", "zero"),
    "a&b": ("a_b", "amp"),
    "c+d": ("c_d", "plus"),
    "with space": ("with_space", "sp"),
    'quote"d': ("quote_d", "q"),
    "it's": ("it_s", "apos"),
    "naïve": ("naive", "n"),
    "größe": ("große", "g"),
    "名前": ("名前", "name"),
    "foo-bar": ("foo_bar_7d89c4", "dash"),
    "foo_bar": ("foo_bar_4928ca", "under"),
    "fooBar": ("foo_bar_5a906c", "camel"),
    "additional_properties": ("additional_properties_701115", "ap"),
    "to_dict": ("to_dict_6d663e", "td"),
    "-1": ("minus_1", "neg"),
    "str": ("str_8c25cb", "s2"),
    "int": ("int_6da88c", 2),
    "float": ("float_76a7e2", 1.5),
    "bool": ("bool_b760f4", True),
    "bytes": ("bytes_277089", "b"),
    "dict": ("dict_6ab47d", {"k": 1}),
    "dataclasses": ("dataclasses_167581", "dc"),
    "frozenset": ("frozenset", "fs"),
    "datetime": ("datetime_2763d1", "2024-01-02T03:04:05Z"),
    "uuid": ("uuid_756666", "00000000-0000-0000-0000-000000000002"),
    "when": ("when", "2024-01-02T03:04:05Z"),
    "ident": ("ident", "00000000-0000-0000-0000-000000000003"),
    "tags": ("tags", ["a"]),
    "counts": ("counts", {"a": 1}),
}


def test_awkward_property_names_get_distinct_python_names_and_keep_the_wire_name() -> None:
    weird = feature("names").models.Weird
    assert [f.name for f in dataclasses.fields(weird)] == [python for python, _ in WEIRD.values()] + ["additional_properties"]
    data = {wire: value for wire, (_, value) in WEIRD.items()}
    got = weird.from_dict({**data, "unknown key": 1})
    for wire, (python, value) in WEIRD.items():
        if wire in ("datetime", "when"):
            value = datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
        elif wire in ("uuid", "ident"):
            value = uuid.UUID(value)
        assert getattr(got, python) == value, wire
    assert got.additional_properties == {"unknown key": 1}
    assert got.to_dict() == {**data, "unknown key": 1, "datetime": "2024-01-02T03:04:05+00:00", "when": "2024-01-02T03:04:05+00:00"}
    assert len(instance_hints(weird)) == len(WEIRD) + 1  # every annotation resolves (+ additional_properties)


def instance_hints(cls: type) -> dict[str, Any]:
    """The resolved annotations of a model's fields (its ClassVar tables left out)."""
    return {k: v for k, v in typing.get_type_hints(cls).items() if typing.get_origin(v) is not typing.ClassVar}


def test_awkward_parameter_names_reach_the_wire(server: FaultServer) -> None:
    pkg = feature("names")
    params = list(inspect.signature(pkg.Client(base_url="http://x").pet_82210b.post_weird).parameters)
    # `self` and `timeout` are the method's own (``self``, the ``timeout`` option): the
    # parameters are qualified by their location.
    assert params == ["class_", "body", "from_", "self_query", "type", "timeout_query", "page_size", "x_request_id", "match_", "options"]
    server.add("/weird/a%20b%2Fc%26d", json_body({"class": "k", "名前": "n"}))
    got = call(pkg, server, lambda c: c.pet_82210b.post_weird(
        "a b/c&d", body=pkg.models.Weird(class_="k", 名前="n", list_a33039="l"),
        from_="x", self_query=1, type="t", timeout_query=5, page_size=10, x_request_id="rid", match_="m", timeout=30.0,
    ))
    request = only(server)
    assert (request.method, request.path) == ("POST", "/weird/a%20b%2Fc%26d")
    assert parse_qsl(request.query) == [("from", "x"), ("self", "1"), ("type", "t"), ("timeout", "5"), ("page[size]", "10")]
    assert request.headers["x-request-id"] == "rid"
    assert request.headers["cookie"] == "match=m"
    assert sent_json(request) == {"class": "k", "list": "l", "名前": "n"}
    assert got == pkg.models.Weird(class_="k", 名前="n")


def test_methods_named_like_builtins(server: FaultServer) -> None:
    pkg = feature("names")
    server.add("/list", json_body([{"x": "1"}]))
    server.add("/dict", json_body({"a": "b"}))
    got = call(pkg, server, lambda c: (c.pet_899e0b.list_(list=[1, 2], str="s"), c.pet_899e0b.dict_()))
    assert got == ([pkg.models.FancyThing(x="1")], {"a": "b"})
    assert parse_qsl(server.requests[0].query) == [("list", "1"), ("list", "2"), ("str", "s")]


def test_schema_names_titles_and_collisions(server: FaultServer) -> None:
    pkg = feature("names")
    m = pkg.models
    # def-0 is meaningless: its title names the class. foo-bar and foo_bar both make
    # FooBar: both are qualified. A schema called Client must not shadow the client class.
    assert sorted(m.__all__) == ["ClientModel", "FancyThing", "FooBarModel", "FooBar_95cbfe", "GetCollidingResponse", "Weird"]
    assert pkg.Client.__module__ == "feat_names._client"
    server.add("/colliding", json_body({"dash": {"a": "1"}, "under": {"b": "2"}, "client": {"c": "3"}}))
    got = call(pkg, server, lambda c: c.pet_899e0b.get_colliding())
    assert got == m.GetCollidingResponse(dash=m.FooBarModel(a="1"), under=m.FooBar_95cbfe(b="2"), client=m.ClientModel(c="3"))


def test_tags_differing_only_in_case_both_work(server: FaultServer) -> None:
    pkg = feature("names")
    # "Pet" and "pet" would be one module on a case-insensitive file system: both are
    # qualified by a digest of their tag, and each keeps its own post_weird.
    server.add("/weird/x", json_body({"class": "a"}))
    server.add("/other", json_body({"x": "y"}))
    got = call(pkg, server, lambda c: (c.pet_82210b.post_weird("x", body=pkg.models.Weird(class_="a")), c.pet_899e0b.post_weird()))
    assert got == (pkg.models.Weird(class_="a"), pkg.models.FancyThing(x="y"))
    assert [r.path for r in server.requests] == ["/weird/x", "/other"]


SOFT = {
    "match": "m", "case": "c", "_": "u", "type": "t", "print": "p", "property": "pr", "classmethod": "cm",
    "staticmethod": "sm", "field": 3, "dataclasses": "dc", "Any": "a", "Literal": "l", "ClassVar": "cv",
    "UNSET": "U", "Unset": "u2", "None": "n", "True": True, "cls": "k", "strict": False, "data": {"x": [1]},
    "d": "d", "self": "s", "__init__": "i", "__class__": "kl", "__slots__": "sl", "__dict__": "di",
    "from_dict": "fd", "to_dict": "td", "_renamed": "r", "list": ["a"], "dict": {"k": 1},
    "date": "2024-02-29", "datetime": "2024-01-02T03:04:05+00:00", "uuid": "00000000-0000-0000-0000-000000000001",
    "tuple": "tu", "object": "o",
}


def test_soft_keywords_and_class_body_names_import_and_round_trip(server: FaultServer, mode: str) -> None:
    pkg = feature("soft_names")
    soft = pkg.models.Soft
    assert {f.name for f in dataclasses.fields(soft)} >= {"match_", "case_", "type", "print", "property", "cls", "strict", "data", "d", "self", "tuple", "object"}
    assert len(instance_hints(soft)) == len(SOFT) + 1  # every annotation resolves (+ additional_properties)
    decoded = soft.from_dict(SOFT, strict=True)
    assert decoded.to_dict() == SOFT
    assert (decoded.match_, decoded.date, decoded.strict) == ("m", datetime.date(2024, 2, 29), False)
    server.add("/soft", json_body(SOFT))
    got = call(pkg, server, lambda c: c.soft.echo_soft(body=decoded), mode)
    assert sent_json(only(server)) == SOFT
    assert got == decoded


# --------------------------------------------------------------------------- multi-file specs
def test_a_spec_split_over_files_with_parent_folder_refs_and_a_cycle(server: FaultServer) -> None:
    pkg = feature("multi_file")
    m = pkg.models
    assert sorted(m.__all__) == ["Error", "Owner", "Pet"]
    pet = {"id": 2**40, "name": "Rex", "owner": {"name": "Ann", "pets": [{"id": 1, "name": "Tom"}]}}
    server.add(f"/pets/{2**40}", json_body(pet), json_body({"message": "gone"}, status=404))
    got = call(pkg, server, lambda c: c.pets.get_pet(2**40))
    assert got == m.Pet(id=2**40, name="Rex", owner=m.Owner(name="Ann", pets=[m.Pet(id=1, name="Tom")]))
    with pytest.raises(pkg.NotFoundError) as info:
        call(pkg, server, lambda c: c.pets.get_pet(2**40))
    assert info.value.body == m.Error(message="gone")
    server.add("/owners", json_body([{"name": "Ann", "pets": []}]))
    assert call(pkg, server, lambda c: c.owners.list_owners()) == [m.Owner(name="Ann", pets=[])]


# --------------------------------------------------------------------------- values that break their schema
def test_self_contradicting_enums_and_defaults_are_converted_or_dropped(server: FaultServer, mode: str) -> None:
    pkg = feature("contradictions")
    settings = pkg.models.Settings
    fields = fields_of(settings)
    assert fields["mode"] == "Literal['1', 'fast', 'true']"  # 1 and true read as strings
    assert fields["size"] == "Literal[10, 20] | Unset"  # "x" dropped, 20.0 read as 20
    signature = inspect.signature(pkg.Client(base_url="http://x").settings.get_settings).parameters
    assert str(signature["level"].annotation) == "Literal[1, 2, 3] | Unset"
    assert str(signature["verbose"].annotation) == "Literal[True, False] | Unset"
    source = model_source(settings)
    assert '    size: Literal[10, 20] | Unset = UNSET\n    """Default: ``10``."""' in source
    assert '    enabled: bool | Unset = UNSET\n    """Default: ``False``."""' in source
    assert '    label: str | Unset = UNSET\n    """Default: ``"7"``."""' in source
    assert "half" not in source  # a default that cannot be read as a number is dropped
    reply = {"mode": "1", "size": 20, "enabled": False}
    server.add("/settings", json_body(reply))
    got = call(pkg, server, lambda c: c.settings.get_settings(level=1, verbose=False), mode)
    assert only(server).query == "level=1&verbose=false"
    assert (got.mode, got.size, got.enabled) == ("1", 20, False)
    assert settings.from_dict(reply, strict=True).to_dict() == reply
    with pytest.raises(ValueError, match="expected one of 10, 20"):
        settings.from_dict({"mode": "fast", "size": 15}, strict=True)


def test_yaml_1_2_scalars_are_read_as_yaml_1_2(server: FaultServer) -> None:
    pkg = feature("yaml12_scalars")
    fields = fields_of(pkg.models.Switch)
    assert fields["mode"] == "Mode"  # a component enum: named
    assert typing.get_args(pkg.models.Mode) == ("off", "ON", "No", "Yes", "y")  # five strings, not booleans
    assert fields["flags"] == "Literal[15, 31, 8] | Unset"  # 0o17 and 0x1F are integers in YAML 1.2
    assert fields["note"] == "str | None | Unset"
    assert '    enabled: bool | Unset = UNSET\n    """Default: ``True``."""' in model_source(pkg.models.Switch)
    server.add("/switches/s1", json_body({"mode": "off", "flags": 31, "permissions": 755}))
    got = call(pkg, server, lambda c: c.switches.get_switch("s1"))
    assert (got.mode, got.flags, got.permissions) == ("off", 31, 755)
