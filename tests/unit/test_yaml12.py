"""Reading specs: YAML by the YAML 1.2 core schema with warnings where YAML 1.1 differs,
and duplicate keys (JSON and YAML) reported with the pointer of their mapping."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from generator import yaml12
from generator.errors import SpecError
from generator.load import parse_spec, parse_spec_with_warnings, read_spec
from generator.safe_text import printable

SPECS = Path(__file__).resolve().parents[1] / "specs"


def value_of(scalar: str) -> tuple[Any, list[str]]:
    doc, warnings = parse_spec_with_warnings(f"x: {scalar}\n".encode(), "s.yaml")
    return doc["x"], warnings


def refusal(text: str | bytes, name: str = "s.yaml") -> str:
    with pytest.raises(SpecError) as caught:
        parse_spec(text.encode() if isinstance(text, str) else text, name)
    return str(caught.value)


# --------------------------------------------------------------------------- scalars


@pytest.mark.parametrize(
    ("scalar", "value", "warning"),
    [
        ("off", "off", "'off' is a string in YAML 1.2 (YAML 1.1 readers see false)"),
        ("Off", "Off", "'Off' is a string in YAML 1.2 (YAML 1.1 readers see false)"),
        ("No", "No", "'No' is a string in YAML 1.2 (YAML 1.1 readers see false)"),
        ("ON", "ON", "'ON' is a string in YAML 1.2 (YAML 1.1 readers see true)"),
        ("yes", "yes", "'yes' is a string in YAML 1.2 (YAML 1.1 readers see true)"),
        ("y", "y", "'y' is a string in YAML 1.2 (YAML 1.1 readers see true)"),
        ("N", "N", "'N' is a string in YAML 1.2 (YAML 1.1 readers see false)"),
        ("0755", 755, "0755 is the integer 755 in YAML 1.2 (YAML 1.1 readers see 493)"),
        ("1_000", "1_000", "'1_000' is a string in YAML 1.2 (YAML 1.1 readers see 1000)"),
        ("18:00", "18:00", "'18:00' is a string in YAML 1.2 (YAML 1.1 readers see 1080)"),
        ("2024-01-01", "2024-01-01", "'2024-01-01' is a string in YAML 1.2 (YAML 1.1 readers see a date)"),
        ("2024-01-01T10:00:00Z", "2024-01-01T10:00:00Z", "'2024-01-01T10:00:00Z' is a string in YAML 1.2 (YAML 1.1 readers see a date and time)"),
        ("0o17", 15, "0o17 is the integer 15 in YAML 1.2 (YAML 1.1 readers see a string)"),
        ("0b101", "0b101", "'0b101' is a string in YAML 1.2 (YAML 1.1 readers see 5)"),
        ("1e3", 1000.0, "1e3 is the number 1000.0 in YAML 1.2 (YAML 1.1 readers see a string)"),
        ("0x1F", 31, None),
        ("-12", -12, None),
        ("+7", 7, None),
        ("1.5", 1.5, None),
        ("-0.5e-3", -0.0005, None),
        ("true", True, None),
        ("True", True, None),
        ("FALSE", False, None),
        ("null", None, None),
        ("NULL", None, None),
        ("~", None, None),
        ("", None, None),
        ("'off'", "off", None),
        ('"0755"', "0755", None),
        ("!!str 18:00", "18:00", None),
        ('!!int "0x1F"', 31, None),
        ("open", "open", None),
    ],
)
def test_a_plain_scalar_is_read_by_yaml_1_2(scalar: str, value: Any, warning: str | None) -> None:
    got, warnings = value_of(scalar)
    assert got == value and type(got) is type(value)
    assert warnings == ([f"s.yaml#/x: {warning}"] if warning else [])


def test_the_feature_spec_reads_as_its_comments_say() -> None:
    path = SPECS / "yaml12_scalars.yaml"
    doc, warnings = parse_spec_with_warnings(read_spec(path), "yaml12_scalars.yaml")
    schemas = doc["components"]["schemas"]
    props = schemas["Switch"]["properties"]
    assert schemas["Mode"]["enum"] == ["off", "ON", "No", "Yes", "y"]
    assert props["permissions"]["example"] == 755
    assert props["flags"]["enum"] == [15, 31, 8]
    assert [props[p]["example"] for p in ("budget", "opensAt", "since")] == ["1_000", "18:00", "2024-01-01"]
    assert props["enabled"]["default"] is True and props["note"]["default"] is None
    assert doc["info"]["version"] == "1.0.0"
    at = "yaml12_scalars.yaml#/components/schemas/"
    assert warnings == [
        f"{at}Mode/enum/0: 'off' is a string in YAML 1.2 (YAML 1.1 readers see false)",
        f"{at}Mode/enum/1: 'ON' is a string in YAML 1.2 (YAML 1.1 readers see true)",
        f"{at}Mode/enum/2: 'No' is a string in YAML 1.2 (YAML 1.1 readers see false)",
        f"{at}Mode/enum/3: 'Yes' is a string in YAML 1.2 (YAML 1.1 readers see true)",
        f"{at}Mode/enum/4: 'y' is a string in YAML 1.2 (YAML 1.1 readers see true)",
        f"{at}Switch/properties/permissions/example: 0755 is the integer 755 in YAML 1.2 (YAML 1.1 readers see 493)",
        f"{at}Switch/properties/flags/enum/0: 0o17 is the integer 15 in YAML 1.2 (YAML 1.1 readers see a string)",
        f"{at}Switch/properties/budget/example: '1_000' is a string in YAML 1.2 (YAML 1.1 readers see 1000)",
        f"{at}Switch/properties/opensAt/example: '18:00' is a string in YAML 1.2 (YAML 1.1 readers see 1080)",
        f"{at}Switch/properties/since/example: '2024-01-01' is a string in YAML 1.2 (YAML 1.1 readers see a date)",
    ]


def test_a_key_read_differently_is_named_by_its_own_pointer() -> None:
    doc, warnings = parse_spec_with_warnings(b"paths:\n  on: 1\n  200: ok\n", "k.yaml")
    assert doc == {"paths": {"on": 1, "200": "ok"}}
    assert warnings == ["k.yaml#/paths/on: 'on' is a string in YAML 1.2 (YAML 1.1 readers see true)"]


def test_warnings_are_listed_up_to_a_limit_then_counted() -> None:
    text = "x: [" + ", ".join(["off"] * (yaml12.MAX_WARNINGS + 5)) + "]\n"
    doc, warnings = parse_spec_with_warnings(text.encode(), "many.yaml")
    assert doc["x"] == ["off"] * (yaml12.MAX_WARNINGS + 5)
    assert len(warnings) == yaml12.MAX_WARNINGS + 1
    assert warnings[-2] == f"many.yaml#/x/{yaml12.MAX_WARNINGS - 1}: 'off' is a string in YAML 1.2 (YAML 1.1 readers see false)"
    assert warnings[-1] == "many.yaml: 5 more plain values are read differently by YAML 1.1 readers (quote them to silence this)"


@pytest.mark.parametrize("scalar", [".inf", "-.inf", ".Inf", ".nan", ".NaN"])
def test_infinity_and_nan_are_refused_as_json_does(scalar: str) -> None:
    assert "is not a JSON number (NaN and Infinity are not allowed)" in refusal(f"x: {scalar}\n")
    assert refusal(f"x: {scalar}\n").startswith("s.yaml#/x: ")
    assert value_of(f"'{scalar}'") == (scalar, [])  # quoted, it is text


def test_json_values_only_and_the_old_refusals_stay() -> None:
    assert refusal("openapi: 3.1\n") == 's.yaml#/openapi: openapi: 3.1 is read as a number, not a version string: quote it ("3.1.0")'
    assert "YAML tag 'tag:yaml.org,2002:timestamp' is not supported" in refusal("x: !!timestamp 2024-01-01\n")
    assert "is not a boolean in YAML 1.2" in refusal("x: !!bool yes\n")
    assert "is not an integer" in refusal("x: !!int 1_000\n")
    assert refusal("x: " + "9" * 30 + "\n").startswith("s.yaml#/x: integer 999999999999999999999999... is too large")


def test_the_c_loader_is_used_when_pyyaml_has_it() -> None:
    assert issubclass(yaml12.Loader, yaml.CSafeLoader) == bool(yaml.__with_libyaml__)
    assert issubclass(yaml12.Loader, yaml.SafeLoader if not yaml.__with_libyaml__ else yaml.CSafeLoader)


def test_a_merge_key_is_overridden_by_the_mappings_own_keys() -> None:
    doc = parse_spec(b"base: &b {a: 1, b: 2}\nx:\n  <<: *b\n  b: 3\n", "m.yaml")
    assert doc["x"] == {"a": 1, "b": 3}


# --------------------------------------------------------------------------- duplicate keys


def test_a_yaml_duplicate_key_names_its_mapping_line_and_column() -> None:
    message = refusal(read_spec(SPECS / "invalid" / "duplicate_key.yaml"), "dup.yaml")
    assert message == "dup.yaml#/paths/~1pets/get/responses: duplicate key '200' at line 13 column 9"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("info:\n  title: A\ninfo:\n  title: B\n", "s.yaml#: duplicate key 'info' at line 3 column 1"),
        ("a:\n  - {x: 1}\n  - {y: 1, 'y': 2}\n", "s.yaml#/a/1: duplicate key 'y' at line 3 column 12"),
        ("r:\n  200: a\n  '200': b\n", "s.yaml#/r: duplicate key '200' at line 3 column 3"),
        ("r:\n  0x10: a\n  16: b\n", "s.yaml#/r: duplicate key '16' at line 3 column 3"),
        ("k: &k name\nm:\n  name: 1\n  *k : 2\n", "s.yaml#/m: duplicate key 'name' at line 4 column 3"),
        ('m:\n  "\\e[2J": 1\n  "\\e[2J": 2\n', "s.yaml#/m: duplicate key '\\x1b[2J' at line 3 column 3"),
    ],
)
def test_yaml_duplicate_keys(text: str, expected: str) -> None:
    assert refusal(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"paths": {"/pets": {"get": {"responses": {"200": {}, "200": {}}}}}}', "s.json#/paths/~1pets/get/responses: duplicate key '200'"),
        ('{"openapi": "3.1.0", "openapi": "3.0.0"}', "s.json#: duplicate key 'openapi'"),
        ('{"a": [{"x": 1}, {"y": 1, "z": {"q": 1, "q": 2}, "y": 2}]}', "s.json#/a/1: duplicate key 'y'"),
        ('{"a": {"b": {"c": 1, "c": 1}}, "d": {"e": 1, "e": 1}}', "s.json#/a/b: duplicate key 'c'"),
    ],
)
def test_json_duplicate_keys_name_the_first_mapping_in_document_order(text: str, expected: str) -> None:
    assert refusal(text, "s.json") == expected


# --------------------------------------------------------------------------- hostile text


def test_an_escape_sequence_in_info_version_is_read_as_is_and_printed_escaped() -> None:
    doc = parse_spec(read_spec(SPECS / "escape_in_version.yaml"), "escape_in_version.yaml")
    version = doc["info"]["version"]
    assert version == "1.0\x1b[2J\x1b[31m\u202egnp.exe\x1b]0;owned\x07"  # the data is kept exactly
    shown = printable(f"generated version {version}")
    assert shown == "generated version 1.0\\x1b[2J\\x1b[31m\\u202egnp.exe\\x1b]0;owned\\x07"
    assert all(c.isprintable() for c in shown)


def test_keys_in_a_reported_pointer_have_their_controls_escaped() -> None:
    message = refusal('"x-\\e]0;owned\\a": {v: .nan}\n')
    assert message == "s.yaml#/x-\\x1b]0;owned\\x07/v: nan is not a JSON number (NaN and Infinity are not allowed)"
    message = refusal('{"a\\u202e": {"b": 1, "b": 2}}', "s.json")
    assert message == "s.json#/a\\u202e: duplicate key 'b'"
