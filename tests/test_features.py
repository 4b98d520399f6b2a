"""One small spec per feature (tests/specs/), generated, type-checked and run over HTTP.

Each spec is generated once per session into a temporary folder, imported as its
own package (``feat_<spec>``), checked with ``mypy --strict`` (all packages and a
usage file in one run) and driven against the loopback fault server: the tests
assert what the server received (method, path, query, headers, cookies, body) and
what the client returned (types and values).
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime
import email.parser
import email.policy
import importlib
import inspect
import json
import shutil
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import parse_qsl

import pytest
from conftest import PYTHON, ROOT, run_cli, tree_bytes
from fault_server import (
    FaultServer,
    RecordedRequest,
    Scripted,
    json_body,
    running_server,
)

SPECS = ROOT / "tests" / "specs"
FEATURES = (
    "additional_properties",
    "all_of",
    "bodies",
    "discriminator",
    "enums",
    "formats",
    "long_names",
    "multi_file",
    "names",
    "nullable_30",
    "nullable_31",
    "objects",
    "params",
    "read_write_only",
    "recursive",
    "responses",
)
UTC = datetime.timezone.utc


# --------------------------------------------------------------------------- set-up
class Packages:
    """Generates each feature spec at most once per session and imports it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.out = root / "out"
        self.out.mkdir()
        self._lock = threading.Lock()
        self._results: dict[str, str] = {}  # name -> "" (ok) or the failure text
        sys.path.insert(0, str(self.out))

    def _generate(self, name: str) -> str:
        source = SPECS / name
        target = self.root / "specs" / name
        if source.is_dir():
            shutil.copytree(source, target)
            entry = target / "openapi.yaml"
        else:
            target.mkdir(parents=True)
            entry = target / f"{name}.yaml"
            shutil.copyfile(SPECS / f"{name}.yaml", entry)
        # cwd has no pyproject.toml: the project's own [tool.generator] must not apply.
        result = run_cli(
            "generate", "--spec", str(entry), "--output", str(self.out), "--package", f"feat_{name}", "-q",
            cwd=self.root,
        )
        if result.returncode != 0:
            return f"generating {name} exited {result.returncode}:\n{result.stdout}{result.stderr}"
        return ""

    def ensure(self, *names: str) -> None:
        with self._lock:
            todo = [n for n in names if n not in self._results]
            with ThreadPoolExecutor(max_workers=4) as pool:
                for name, outcome in zip(todo, pool.map(self._generate, todo), strict=True):
                    self._results[name] = outcome
        failures = [self._results[n] for n in names if self._results[n]]
        if failures:
            pytest.fail("\n\n".join(failures), pytrace=False)

    def __call__(self, name: str) -> ModuleType:
        """The package, with its ``models`` submodule imported (``pkg.models.X``)."""
        self.ensure(name)
        importlib.import_module(f"feat_{name}.models")
        return importlib.import_module(f"feat_{name}")


@pytest.fixture(scope="session")
def packages(tmp_path_factory: pytest.TempPathFactory) -> Packages:
    return Packages(tmp_path_factory.mktemp("features"))


@pytest.fixture(scope="session")
def _small_ca_file(tmp_path_factory: pytest.TempPathFactory) -> str:
    """One CA certificate, so that each client's httpx pool loads fast (see test_client_http)."""
    import certifi

    bundle = Path(certifi.where()).read_text(encoding="ascii")
    end = "-----END CERTIFICATE-----\n"
    first = bundle[bundle.index("-----BEGIN CERTIFICATE-----") : bundle.index(end) + len(end)]
    path = tmp_path_factory.mktemp("ca") / "one.pem"
    path.write_text(first, encoding="ascii")
    return str(path)


@pytest.fixture(autouse=True)
def _fast_ssl(monkeypatch: pytest.MonkeyPatch, _small_ca_file: str) -> None:
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    monkeypatch.setenv("SSL_CERT_FILE", _small_ca_file)


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with running_server() as srv:
        yield srv
        assert srv.unscripted == [], "the client called a path the test did not script"


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def call(pkg: ModuleType, server: FaultServer, op: Any, mode: str = "sync") -> Any:
    """Run ``op(client)`` with the package's sync or async client against the server."""
    if mode == "sync":
        with pkg.Client(base_url=server.url) as client:
            return op(client)

    async def main() -> Any:
        async with pkg.AsyncClient(base_url=server.url) as client:
            return await op(client)

    return asyncio.run(main())


def only(server: FaultServer) -> RecordedRequest:
    [request] = server.requests
    return request


def sent_json(request: RecordedRequest) -> Any:
    assert request.headers["content-type"] == "application/json"
    return json.loads(request.body)


def multipart(request: RecordedRequest) -> list[tuple[str, str | None, str | None, bytes]]:
    """The parts of a multipart body: (field name, filename, content type, content)."""
    content_type = request.headers["content-type"]
    assert content_type.startswith("multipart/form-data; boundary=")
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + request.body
    )
    parts = []
    for part in message.iter_parts():
        disposition = part["Content-Disposition"]
        assert disposition.startswith("form-data")
        content_type_header = part["Content-Type"]
        parts.append((
            part.get_param("name", header="content-disposition"),
            part.get_filename(),
            None if content_type_header is None else part.get_content_type(),
            part.get_payload(decode=True),
        ))
    return parts


def fields_of(cls: type) -> dict[str, str]:
    """Field name -> annotation text of a generated dataclass."""
    return {f.name: str(f.type) for f in dataclasses.fields(cls)}


def model_source(cls: type) -> str:
    return Path(inspect.getfile(cls)).read_text(encoding="utf-8")


# --------------------------------------------------------------------------- type checking
USAGE = '''
"""User code against the feature packages: mypy must accept it and infer these types."""

from __future__ import annotations

import datetime
import uuid
from typing import Any, Literal

from typing_extensions import assert_type

import feat_additional_properties as ap
import feat_all_of as ao
import feat_bodies as bo
import feat_discriminator as di
import feat_enums as en
import feat_formats as fo
import feat_multi_file as mf
import feat_names as na
import feat_nullable_31 as n31
import feat_params as pa
import feat_read_write_only as rw
import feat_recursive as rc
import feat_responses as rs


def sync(c1: di.Client, c2: rs.Client, c3: pa.Client, c4: bo.Client) -> None:
    assert_type(c1.pets.list_pets(), list[di.Cat | di.Dog | di.Lizard])
    assert_type(c1.pets.get_implicit(), di.Cat | di.Dog)
    assert_type(c1.pets.get_plain(), int | str | list[str])
    assert_type(c2.responses.get_report(), str)
    assert_type(c2.responses.get_image(), bytes)
    assert_type(c2.responses.delete_thing(), None)
    assert_type(c2.responses.create_or_find(), rs.Thing | rs.Created)
    assert_type(c2.responses.get_ranges_raw().parsed, rs.Thing)
    assert_type(c3.items.get_item_file(1, "n", limit=1, x_trace_id="t", ids=[1], since=datetime.datetime.now()), dict[str, Any])
    assert_type(c4.bodies.put_raw(body=b"x"), None)
    assert_type(c4.bodies.upload_file(body=bo.UploadFileBody(file=("a.txt", b"x", "text/plain"))).size, int | bo.Unset)


async def not_sync(c: di.AsyncClient, c3: pa.AsyncClient) -> None:
    # Async methods are derived from the sync ones (async_form): parameters and results carry over.
    assert_type(await c.pets.list_pets(), list[di.Cat | di.Dog | di.Lizard])
    assert_type(await c3.items.get_item_file(1, "n", limit=1, x_trace_id="t", ids=[1]), dict[str, Any])
    await c3.items.get_item_file(1, "n", limit=1, x_trace_id="t", no_such_parameter=1)  # type: ignore[call-arg]
    await c3.items.get_item_file("not an int", "n", limit=1, x_trace_id="t")  # type: ignore[arg-type]
    c3.items.get_item_file(1, "n", limit=1, x_trace_id="t").keys()  # type: ignore[attr-defined]
    assert_type((await c.pets.put_owner_raw(body=di.Owner(name="n", pet=di.Dog(pet_type="dog")))).parsed, di.Owner)


def models(
    s: en.Settings, f: fo.Stamp, t: rc.TreeNode, b: ap.Bag, r: n31.Record, u: rw.User, p: mf.Pet, d: ao.Deep, w: na.Weird
) -> None:
    assert_type(s.color, Literal["red", "green", "light blue"])
    assert_type(s.numeric_strings, Literal["1", "2"] | en.Unset)
    assert_type(s.level, Literal[-2, -1, 0, 1] | en.Unset)
    assert_type(s.kind, Literal["settings"])
    assert_type(f.at, datetime.datetime)
    assert_type(f.uid, uuid.UUID | fo.Unset)
    assert_type(f.big, int | fo.Unset)
    assert_type(f.anything, Any | fo.Unset)
    assert_type(t.children, list[rc.TreeNode] | rc.Unset)
    assert_type(t.parent, rc.TreeNode | None | rc.Unset)
    assert_type(b.items_by_key, dict[str, ap.Item] | ap.Unset)
    assert_type(b.dates_by_key, dict[str, datetime.date] | ap.Unset)
    assert_type(r.null_first, str | None)
    assert_type(r.string_or_int, str | int | n31.Unset)
    assert_type(r.child_or_null, n31.Child | None | n31.Unset)
    assert_type(u.id, int | rw.Unset)
    assert_type(p.id, int)
    assert_type(p.owner, mf.Owner | mf.Unset)
    assert_type(d.extra, str)
    assert_type(w.class_, str)
'''


def test_every_feature_package_passes_mypy_strict(packages: Packages) -> None:
    packages.ensure(*FEATURES)
    usage = packages.out / "feat_usage.py"
    usage.write_text(USAGE, encoding="utf-8")
    args = [arg for name in FEATURES for arg in ("-p", f"feat_{name}")]
    result = subprocess.run(
        [PYTHON, "-m", "mypy", "--strict", "--python-version", "3.10", "--no-error-summary",
         "--cache-dir", str(packages.root / ".mypy_cache"), *args, "-m", "feat_usage"],
        cwd=packages.out, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_feature_package_is_black_output_and_format_all_changes_nothing(packages: Packages, tmp_path: Path) -> None:
    """black runs only on the statements the layout cannot vouch for (long_names and names have
    some); the output is black's whole-file output either way."""
    packages.ensure(*FEATURES)
    result = subprocess.run(
        [PYTHON, "-m", "black", "--check", "--quiet", "--target-version", "py310", "--line-length", "88",
         *(f"feat_{name}" for name in FEATURES)],
        cwd=packages.out, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    for name in ("long_names", "names", "responses"):
        spec = SPECS / f"{name}.yaml"
        forced = run_cli("generate", "--spec", str(spec), "--output", str(tmp_path), "--package", f"feat_{name}", "-q", "--format-all", cwd=tmp_path)
        assert forced.returncode == 0, forced.stderr
        assert tree_bytes(tmp_path / f"feat_{name}") == tree_bytes(packages.out / f"feat_{name}")


# --------------------------------------------------------------------------- versions
@pytest.mark.parametrize(("spec", "message"), [
    ("swagger2.yaml", "Swagger 2.0 is not supported"),
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


def test_nested_objects_and_arrays_round_trip(packages: Packages, server: FaultServer) -> None:
    pkg = packages("objects")
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
    got = call(pkg, server, lambda c: c.orders.create_order(body=order))
    request = only(server)
    assert (request.method, request.path) == ("POST", "/orders")
    assert sent_json(request) == ORDER
    assert "Zürich".encode() in request.body  # UTF-8 on the wire, not \\u escapes
    assert got == order
    assert isinstance(got.customer, m.OrderCustomer)
    assert isinstance(got.customer.address, m.OrderCustomerAddress)
    assert [type(line).__name__ for line in got.lines] == ["OrderLinesItem", "OrderLinesItem"]
    assert got.matrix == [[1.5, 2], [], [-3.25]]
    assert got.to_dict() == ORDER
    assert fields_of(m.Order)["matrix"] == "list[list[float]] | Unset"
    assert fields_of(m.Order)["meta"] == "Any | Unset"
    assert fields_of(m.Order)["loose"] == "dict[str, Any] | Unset"


def test_defaults_are_documented_not_applied(packages: Packages) -> None:
    pkg = packages("objects")
    m = pkg.models
    line = m.OrderLinesItem.from_dict({"sku": "A"})
    assert line.qty is pkg.UNSET
    assert line.to_dict() == {"sku": "A"}  # a default is the server's business: never sent
    assert "Default: ``1``." in model_source(m.OrderLinesItem)
    source = model_source(m.Order)
    assert 'Where the order is.\n\n    Default: ``"new"``.' in source
    assert "Default: ``3``." in source


def test_a_body_of_the_wrong_shape_is_a_decode_error(packages: Packages, server: FaultServer) -> None:
    pkg = packages("objects")
    server.add("/orders", json_body({**ORDER, "lines": [{"sku": "A", "qty": "two"}]}))
    with pytest.raises(pkg.ApiDecodeError) as info:
        call(pkg, server, lambda c: c.orders.create_order(body=pkg.models.Order.from_dict(ORDER)))
    assert "$.lines[0].qty" in str(info.value)
    assert "expected integer, got string" in str(info.value)


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


def test_additional_properties_true_false_and_schema(packages: Packages, server: FaultServer) -> None:
    pkg = packages("additional_properties")
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


def test_additional_properties_are_sent(packages: Packages, server: FaultServer) -> None:
    pkg = packages("additional_properties")
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


def test_a_map_with_a_wrong_value_is_a_decode_error(packages: Packages, server: FaultServer) -> None:
    pkg = packages("additional_properties")
    server.add("/counts", json_body({"a": 1, "b": 2}), json_body({"a": 1, "b": "two"}))
    assert call(pkg, server, lambda c: c.bags.get_counts()) == {"a": 1, "b": 2}
    with pytest.raises(pkg.ApiDecodeError, match=r"\$\.b: expected integer"):
        call(pkg, server, lambda c: c.bags.get_counts())


def test_strict_decoding_rejects_what_lenient_keeps(packages: Packages) -> None:
    pkg = packages("additional_properties")
    codec = importlib.import_module("feat_additional_properties._codec")
    token = codec.STRICT.set(True)
    try:
        with pytest.raises(codec.DecodeFailure, match="sneaky"):
            pkg.models.Closed.from_dict({"name": "c", "sneaky": True})
        assert pkg.models.Open.from_dict({"x": 1}).additional_properties == {"x": 1}
    finally:
        codec.STRICT.reset(token)


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
}


def test_enums_decode_to_their_literal_values(packages: Packages, server: FaultServer) -> None:
    pkg = packages("enums")
    server.add("/settings", json_body(SETTINGS))
    got = call(pkg, server, lambda c: c.settings.get_settings(color="light blue", level=-1))
    request = only(server)
    assert parse_qsl(request.query) == [("color", "light blue"), ("level", "-1")]
    assert got.color == "light blue"
    assert got.level == -2 and type(got.level) is int
    assert got.enabled is True
    assert got.maybe_color is None
    assert got.numeric_strings == "1" and type(got.numeric_strings) is str
    assert got.ratio == -1.5
    assert got.mixed == "one"
    assert (got.kind, got.version, got.mode) == ("settings", 2, "slow")
    assert got.to_dict() == SETTINGS
    fields = fields_of(pkg.models.Settings)
    assert fields["color"] == "Literal['red', 'green', 'light blue']"
    assert fields["level"] == "Literal[-2, -1, 0, 1] | Unset"
    assert fields["enabled"] == "Literal[True] | Unset"
    assert fields["maybe_color"] == "Literal['red', 'green'] | None | Unset"
    assert fields["numeric_strings"] == "Literal['1', '2'] | Unset"
    assert fields["ratio"] == "float | Unset"
    assert fields["mixed"] == "Literal[1, 'one', False] | None | Unset"
    assert fields["kind"] == "Literal['settings']"
    assert fields["version"] == "Literal[2] | Unset"


def test_unknown_enum_values_are_kept(packages: Packages, server: FaultServer) -> None:
    pkg = packages("enums")
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
def test_enum_values_of_the_wrong_json_type_are_decode_errors(
    packages: Packages, server: FaultServer, field: str, value: Any, expected: str
) -> None:
    pkg = packages("enums")
    server.add("/settings", json_body({**SETTINGS, field: value}))
    with pytest.raises(pkg.ApiDecodeError, match=rf"\$\.{field}: expected {expected}"):
        call(pkg, server, lambda c: c.settings.get_settings())


def test_enum_members_are_sent_as_their_json_values(packages: Packages, server: FaultServer) -> None:
    pkg = packages("enums")
    body = pkg.models.Settings(color="red", kind="settings", numeric_strings="2", level=-2, mixed=None, enabled=True)
    server.add("/settings", Scripted(status=204))
    assert call(pkg, server, lambda c: c.settings.put_settings(body=body)) is None
    request = only(server)
    assert request.method == "PUT"
    assert sent_json(request) == {"color": "red", "level": -2, "enabled": True, "numeric_strings": "2", "mixed": None, "kind": "settings"}


def test_strict_decoding_rejects_unknown_enum_members(packages: Packages) -> None:
    pkg = packages("enums")
    codec = importlib.import_module("feat_enums._codec")
    token = codec.STRICT.set(True)
    try:
        with pytest.raises(codec.DecodeFailure, match=r"\$\.color: expected one of 'red', 'green', 'light blue'"):
            pkg.models.Settings.from_dict({**SETTINGS, "color": "purple"})
        assert pkg.models.Settings.from_dict(SETTINGS).color == "light blue"
    finally:
        codec.STRICT.reset(token)


# --------------------------------------------------------------------------- oneOf / anyOf / discriminator
def test_discriminator_with_mapping_picks_the_variant_by_tag(packages: Packages, server: FaultServer, mode: str) -> None:
    pkg = packages("discriminator")
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


def test_discriminator_without_mapping_uses_component_names(packages: Packages, server: FaultServer) -> None:
    pkg = packages("discriminator")
    server.add("/implicit", json_body({"petType": "Dog", "barks": 2}), json_body({"petType": "Cat", "barks": 2}))
    dog = call(pkg, server, lambda c: c.pets.get_implicit())
    cat = call(pkg, server, lambda c: c.pets.get_implicit())
    assert type(dog) is pkg.models.Dog and dog.barks == 2
    assert type(cat) is pkg.models.Cat and cat.additional_properties == {"barks": 2}


def test_an_unknown_tag_falls_back_to_the_first_variant_that_decodes(packages: Packages, server: FaultServer) -> None:
    pkg = packages("discriminator")
    server.add("/implicit", json_body({"petType": "Hamster", "wheel": True}), json_body({"petType": 5}))
    got = call(pkg, server, lambda c: c.pets.get_implicit())
    assert type(got) is pkg.models.Cat
    assert got.to_dict() == {"petType": "Hamster", "wheel": True}
    with pytest.raises(pkg.ApiDecodeError, match="one of"):
        call(pkg, server, lambda c: c.pets.get_implicit())


@pytest.mark.parametrize("value", [5, "five", ["a", "b"]])
def test_a_union_without_discriminator_decodes_each_option(packages: Packages, server: FaultServer, value: Any) -> None:
    pkg = packages("discriminator")
    server.add("/plain", json_body(value))
    got = call(pkg, server, lambda c: c.pets.get_plain())
    assert got == value and type(got) is type(value)


def test_a_union_value_that_matches_no_option_is_a_decode_error(packages: Packages, server: FaultServer) -> None:
    pkg = packages("discriminator")
    server.add("/plain", json_body({"not": "listed"}))
    with pytest.raises(pkg.ApiDecodeError, match=r"expected integer.*expected string.*expected array"):
        call(pkg, server, lambda c: c.pets.get_plain())


def test_union_fields_are_sent_and_decoded(packages: Packages, server: FaultServer) -> None:
    pkg = packages("discriminator")
    m = pkg.models
    owner = m.Owner(name="Ann", pet=m.Dog(pet_type="dog", barks=2), others=[m.Cat(pet_type="kitty"), m.Lizard(pet_type="lizard")])
    wire = {"name": "Ann", "pet": {"petType": "dog", "barks": 2}, "others": [{"petType": "kitty"}, {"petType": "lizard"}]}
    server.add("/owner", json_body(wire))
    got = call(pkg, server, lambda c: c.pets.put_owner(body=owner))
    assert sent_json(only(server)) == wire
    assert got == owner
    assert [type(p).__name__ for p in got.others] == ["Cat", "Lizard"]


# --------------------------------------------------------------------------- allOf
def test_all_of_is_one_model_with_every_field(packages: Packages, server: FaultServer) -> None:
    pkg = packages("all_of")
    deep = pkg.models.Deep
    fields = fields_of(deep)
    assert fields == {
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


def test_all_of_around_one_reference_is_that_model(packages: Packages, server: FaultServer) -> None:
    pkg = packages("all_of")
    server.add("/wrapped", json_body({"base": {"id": 1, "name": "b"}}))
    got = call(pkg, server, lambda c: c.things.get_wrapped())
    assert type(got.base) is pkg.models.Base
    assert got.base == pkg.models.Base(id=1, name="b")
    assert fields_of(pkg.models.Holder)["base"] == "Base | Unset"
    assert "HolderBase" not in pkg.models.__all__


# --------------------------------------------------------------------------- nullable
@pytest.mark.parametrize("spec", ["nullable_30", "nullable_31"])
def test_null_is_sent_and_decoded_as_none(packages: Packages, server: FaultServer, spec: str) -> None:
    pkg = packages(spec)
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


def test_nullable_annotations_30(packages: Packages) -> None:
    pkg = packages("nullable_30")
    assert fields_of(pkg.models.Record) == {
        "name": "str",
        "nick": "str | None",
        "count": "int | None | Unset",
        "child": "Child | None | Unset",
        "items": "list[str | None] | None | Unset",
        "additional_properties": "dict[str, Any]",
    }
    assert "RecordChild" not in pkg.models.__all__


def test_type_arrays_31_in_any_order(packages: Packages, server: FaultServer) -> None:
    pkg = packages("nullable_31")
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
    with pytest.raises(pkg.ApiDecodeError, match="required property 'null_first'"):
        call(pkg, server, lambda c: c.records.save_record(body=pkg.models.Record(null_first=None, null_last=None)))


# --------------------------------------------------------------------------- recursive schemas
def test_a_recursive_tree_is_sent_and_decoded(packages: Packages, server: FaultServer) -> None:
    pkg = packages("recursive")
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


def test_a_deep_tree_decodes(packages: Packages) -> None:
    pkg = packages("recursive")
    data: dict[str, Any] = {"value": "leaf"}
    for depth in range(150):
        data = {"value": str(depth), "children": [data]}
    got = pkg.models.TreeNode.from_dict(data)
    for _ in range(150):
        got = got.children[0]
    assert got.value == "leaf"


def test_mutually_recursive_models(packages: Packages, server: FaultServer) -> None:
    pkg = packages("recursive")
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


def test_date_times_with_zones_and_any_fraction_decode(packages: Packages, server: FaultServer) -> None:
    pkg = packages("formats")
    server.add("/stamps", json_body([{"at": text} for text in STAMP_TIMES]))
    got = call(pkg, server, lambda c: c.stamps.list_stamps())
    for stamp, (text, expected) in zip(got, STAMP_TIMES.items(), strict=True):
        assert isinstance(stamp.at, datetime.datetime), text
        assert (stamp.at, stamp.at.utcoffset()) == (expected, expected.utcoffset()), text


def test_every_format_decodes_to_its_type(packages: Packages, server: FaultServer) -> None:
    pkg = packages("formats")
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


def test_values_whose_format_does_not_parse_stay_strings(packages: Packages, server: FaultServer) -> None:
    pkg = packages("formats")
    wire = {"at": "yesterday at noon", "day": "2024-02-30", "uid": "not-a-uuid"}
    server.add("/stamps", json_body([wire]))
    [got] = call(pkg, server, lambda c: c.stamps.list_stamps())
    assert (got.at, got.day, got.uid) == ("yesterday at noon", "2024-02-30", "not-a-uuid")
    assert got.to_dict() == wire


def test_formats_are_sent_as_strings(packages: Packages, server: FaultServer) -> None:
    pkg = packages("formats")
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
def test_read_only_and_write_only_fields_are_optional(packages: Packages, server: FaultServer) -> None:
    pkg = packages("read_write_only")
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
# wire name -> (Python field name, JSON value)
WEIRD = {
    "class": ("class_", "c"),
    "from": ("from_", "f"),
    "match": ("match_", "m"),
    "type": ("type", "t"),
    "self": ("self", "s"),
    "id": ("id", 1),
    "list": ("list_", "l"),  # `list[str]` is used by `tags` in the same class
    "0": ("field_0", "zero"),
    "a&b": ("a_b", "amp"),
    "c+d": ("c_d", "plus"),
    "with space": ("with_space", "sp"),
    'quote"d': ("quote_d", "q"),
    "it's": ("it_s", "apos"),
    "naïve": ("naive", "n"),
    "größe": ("große", "g"),
    "名前": ("名前", "name"),
    "foo-bar": ("foo_bar", "dash"),
    "foo_bar": ("foo_bar_2", "under"),
    "fooBar": ("foo_bar_3", "camel"),
    "additional_properties": ("additional_properties_2", "ap"),
    "to_dict": ("to_dict_2", "td"),
    "-1": ("minus_1", "neg"),
    "str": ("str_", "s2"),
    "int": ("int_", 2),
    "float": ("float_", 1.5),
    "bool": ("bool_", True),
    "bytes": ("bytes", "b"),  # no annotation in the class uses `bytes`
    "dict": ("dict_", {"k": 1}),
    "dataclasses": ("dataclasses_", "dc"),
    "frozenset": ("frozenset_", "fs"),
    "datetime": ("datetime_", "2024-01-02T03:04:05Z"),
    "uuid": ("uuid_", "00000000-0000-0000-0000-000000000002"),
    "when": ("when", "2024-01-02T03:04:05Z"),
    "ident": ("ident", "00000000-0000-0000-0000-000000000003"),
    "tags": ("tags", ["a"]),
    "counts": ("counts", {"a": 1}),
}


def test_awkward_property_names_get_distinct_python_names_and_keep_the_wire_name(packages: Packages) -> None:
    pkg = packages("names")
    weird = pkg.models.Weird
    names = [f.name for f in dataclasses.fields(weird)]
    assert names == [python for python, _ in WEIRD.values()] + ["additional_properties"]
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


def test_awkward_parameter_names_reach_the_wire(packages: Packages, server: FaultServer) -> None:
    pkg = packages("names")
    params = list(inspect.signature(pkg.Client(base_url="http://x").pet.post_weird).parameters)
    assert params[:10] == ["class_", "body", "from_", "self_2", "type", "timeout_2", "page_size", "x_request_id", "match_", "extra_headers"]
    server.add("/weird/a%20b%2Fc%26d", json_body({"class": "k", "名前": "n"}))
    got = call(pkg, server, lambda c: c.pet.post_weird(
        "a b/c&d", body=pkg.models.Weird(class_="k", 名前="n", list_="l"),
        from_="x", self_2=1, type="t", timeout_2=5, page_size=10, x_request_id="rid", match_="m",
    ))
    request = only(server)
    assert (request.method, request.path) == ("POST", "/weird/a%20b%2Fc%26d")
    assert parse_qsl(request.query) == [("from", "x"), ("self", "1"), ("type", "t"), ("timeout", "5"), ("page[size]", "10")]
    assert request.headers["x-request-id"] == "rid"
    assert request.headers["cookie"] == "match=m"
    assert sent_json(request) == {"class": "k", "list": "l", "名前": "n"}
    assert got == pkg.models.Weird(class_="k", 名前="n")


def test_methods_named_like_builtins(packages: Packages, server: FaultServer) -> None:
    pkg = packages("names")
    server.add("/list", json_body([{"x": "1"}]))
    server.add("/dict", json_body({"a": "b"}))
    got = call(pkg, server, lambda c: (c.pet.list_(list=[1, 2], str="s"), c.pet.dict_()))
    assert got == ([pkg.models.FancyThing(x="1")], {"a": "b"})
    assert parse_qsl(server.requests[0].query) == [("list", "1"), ("list", "2"), ("str", "s")]


def test_schema_names_titles_and_collisions(packages: Packages, server: FaultServer) -> None:
    pkg = packages("names")
    m = pkg.models
    # def-0 is meaningless: its title names the class. foo-bar and foo_bar both become
    # FooBar: the second, in document order, gets a suffix. A schema called Client
    # must not shadow the client class.
    assert sorted(m.__all__) == ["Client2", "FancyThing", "FooBar", "FooBar2", "GetCollidingResponse", "Weird"]
    assert pkg.Client.__module__ == "feat_names._client"
    server.add("/colliding", json_body({"dash": {"a": "1"}, "under": {"b": "2"}, "client": {"c": "3"}}))
    got = call(pkg, server, lambda c: c.pet.get_colliding())
    assert got == m.GetCollidingResponse(dash=m.FooBar(a="1"), under=m.FooBar2(b="2"), client=m.Client2(c="3"))


def test_tags_differing_only_in_case_both_work(packages: Packages, server: FaultServer) -> None:
    pkg = packages("names")
    # "Pet" and "pet" are one resource (one module on a case-insensitive file system);
    # the operationIds post-weird and post_weird collide too and stay apart.
    server.add("/weird/x", json_body({"class": "a"}))
    server.add("/other", json_body({"x": "y"}))
    got = call(pkg, server, lambda c: (c.pet.post_weird("x", body=pkg.models.Weird(class_="a")), c.pet.post_weird_2()))
    assert got == (pkg.models.Weird(class_="a"), pkg.models.FancyThing(x="y"))
    assert [r.path for r in server.requests] == ["/weird/x", "/other"]


# --------------------------------------------------------------------------- multi-file specs
def test_a_spec_split_over_files_with_parent_folder_refs_and_a_cycle(packages: Packages, server: FaultServer) -> None:
    pkg = packages("multi_file")
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


# --------------------------------------------------------------------------- parameters
def test_parameters_in_path_query_header_and_cookie(packages: Packages, server: FaultServer, mode: str) -> None:
    pkg = packages("params")
    m = pkg.models
    server.add("/items/5/files/a%2Fb%20c.txt", json_body({"ok": True}))
    got = call(pkg, server, lambda c: c.items.get_item_file(
        5,
        "a/b c.txt",
        ids=[1, 2],
        tags=["x", "y"],
        words=["a", "b"],
        pipes=["p", "q"],
        filter=m.GetItemFileFilter(owner="me", min=3),
        point=m.GetItemFilePoint(x=1, y=2),
        box=m.GetItemFileBox(w=3, h=4),
        limit=10,
        active=False,
        since=datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC),
        q="a&b=c d",
        x_trace_id="t-1",
        x_count=3,
        x_flag=True,
        session="s1",
        pref=2,
    ), mode)
    assert got == {"ok": True}
    request = only(server)
    assert (request.method, request.path) == ("GET", "/items/5/files/a%2Fb%20c.txt")
    assert parse_qsl(request.query) == [
        ("ids", "1"), ("ids", "2"),  # form, exploded (the default)
        ("tags", "x,y"),  # form, explode: false
        ("words", "a b"),  # spaceDelimited
        ("pipes", "p|q"),  # pipeDelimited
        ("filter[owner]", "me"), ("filter[min]", "3"),  # deepObject
        ("x", "1"), ("y", "2"),  # an object, form, exploded
        ("box", "w,3,h,4"),  # an object, form, explode: false
        ("limit", "10"),
        ("active", "false"),
        ("since", "2024-01-02T03:04:05+00:00"),
        ("q", "a&b=c d"),
    ]
    assert "q=a%26b%3Dc" in request.query  # reserved characters in a value are escaped
    headers = request.headers
    assert (headers["x-trace-id"], headers["x-count"], headers["x-flag"]) == ("t-1", "3", "true")
    assert headers["cookie"] == "session=s1; pref=2"
    assert headers["accept"] == "application/json"


def test_unset_parameters_are_left_out(packages: Packages, server: FaultServer) -> None:
    pkg = packages("params")
    server.add("/items/0/files/f", json_body({}))
    call(pkg, server, lambda c: c.items.get_item_file(0, "f", limit=0, x_trace_id="t"))
    request = only(server)
    assert request.query == "limit=0"
    assert request.headers["x-trace-id"] == "t"
    assert "cookie" not in request.headers and "x-count" not in request.headers


def test_required_parameters_are_required(packages: Packages) -> None:
    pkg = packages("params")
    signature = inspect.signature(pkg.Client(base_url="http://x").items.get_item_file)
    required = [name for name, p in signature.parameters.items() if p.default is inspect.Parameter.empty]
    assert required == ["item_id", "name", "limit", "x_trace_id"]
    assert signature.parameters["item_id"].kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
    assert signature.parameters["limit"].kind is inspect.Parameter.KEYWORD_ONLY


# --------------------------------------------------------------------------- request bodies
def test_json_body_omits_unset_fields_and_sends_none_as_null(packages: Packages, server: FaultServer, mode: str) -> None:
    pkg = packages("bodies")
    m = pkg.models
    body = m.NewThing(name="n", nickname=None, tags=[], nested=m.NewThingNested(deep=False))
    server.add("/json", json_body({"name": "n", "size": 1}, status=201))
    got = call(pkg, server, lambda c: c.bodies.create_thing(body=body), mode)
    request = only(server)
    assert request.method == "POST"
    assert sent_json(request) == {"name": "n", "nickname": None, "tags": [], "nested": {"deep": False}}
    assert b'"note"' not in request.body and b'"size"' not in request.body
    assert got == m.NewThing(name="n", size=1)


def test_an_optional_body_may_be_left_out(packages: Packages, server: FaultServer) -> None:
    pkg = packages("bodies")
    server.add("/optional-json", Scripted(status=204), Scripted(status=204))
    call(pkg, server, lambda c: c.bodies.patch_thing())
    call(pkg, server, lambda c: c.bodies.patch_thing(body=pkg.models.NewThing(name="x")))
    first, second = server.requests
    assert (first.method, first.body) == ("PATCH", b"")
    assert "content-type" not in first.headers
    assert sent_json(second) == {"name": "x"}


def test_form_body(packages: Packages, server: FaultServer) -> None:
    pkg = packages("bodies")
    body = pkg.models.SubmitFormBody(name="a b&c=ü", count=2, agree=True, tags=["x", "y"])
    server.add("/form", Scripted(status=204))
    assert call(pkg, server, lambda c: c.bodies.submit_form(body=body)) is None
    request = only(server)
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert parse_qsl(request.body.decode("ascii")) == [("name", "a b&c=ü"), ("count", "2"), ("agree", "true"), ("tags", "x"), ("tags", "y")]


def test_multipart_body_with_files_and_fields(packages: Packages, server: FaultServer, mode: str) -> None:
    pkg = packages("bodies")
    body = pkg.models.UploadFileBody(
        file=b"\x00\x01\xffbinary",
        description="déscription",
        count=3,
        attachments=[("notes.txt", b"hello", "text/plain"), ("photo.png", b"\x89PNG")],
    )
    server.add("/upload", json_body({"size": 9}))
    got = call(pkg, server, lambda c: c.bodies.upload_file(body=body), mode)
    assert got == pkg.models.UploadFileResponse(size=9)
    parts = multipart(only(server))
    assert parts == [
        ("file", "file", "application/octet-stream", b"\x00\x01\xffbinary"),
        ("description", None, None, "déscription".encode()),
        ("count", None, None, b"3"),
        ("attachments", "notes.txt", "text/plain", b"hello"),
        ("attachments", "photo.png", "image/png", b"\x89PNG"),
    ]


def test_octet_stream_and_text_bodies(packages: Packages, server: FaultServer) -> None:
    pkg = packages("bodies")
    server.add("/raw", Scripted(status=204))
    server.add("/text", Scripted(status=204))
    call(pkg, server, lambda c: c.bodies.put_raw(body=b"\x00\xffdata"))
    call(pkg, server, lambda c: c.bodies.post_text(body="héllo\n"))
    raw, text = server.requests
    assert (raw.method, raw.headers["content-type"], raw.body) == ("PUT", "application/octet-stream", b"\x00\xffdata")
    assert (text.headers["content-type"], text.body) == ("text/plain; charset=utf-8", "héllo\n".encode())


# --------------------------------------------------------------------------- responses
def test_text_binary_and_empty_responses(packages: Packages, server: FaultServer, mode: str) -> None:
    pkg = packages("responses")
    png = b"\x89PNG\r\n\x1a\n\x00\xff"
    server.add("/report", Scripted(headers={"Content-Type": "text/csv; charset=utf-8"}, body="a,b\n1,é\n".encode()))
    server.add("/image", Scripted(headers={"Content-Type": "image/png"}, body=png))
    server.add("/thing", Scripted(status=204))

    def run(c: Any) -> Any:
        if mode == "sync":
            return c.responses.get_report(), c.responses.get_image(), c.responses.delete_thing()

        async def both() -> Any:
            return await c.responses.get_report(), await c.responses.get_image(), await c.responses.delete_thing()

        return both()

    assert call(pkg, server, run, mode) == ("a,b\n1,é\n", png, None)
    report, image, delete = server.requests
    assert "text/csv" in report.headers["accept"]
    assert "image/png" in image.headers["accept"]
    assert delete.method == "DELETE"


def test_documented_error_body_is_parsed(packages: Packages, server: FaultServer) -> None:
    pkg = packages("responses")
    server.add("/thing", json_body({"detail": "no such thing"}, status=404), json_body({"other": 1}, status=404))
    with pytest.raises(pkg.NotFoundError) as info:
        call(pkg, server, lambda c: c.responses.delete_thing())
    assert info.value.body == pkg.models.Problem(detail="no such thing")
    assert info.value.status_code == 404
    with pytest.raises(pkg.NotFoundError) as info:  # not the documented shape: the plain JSON
        call(pkg, server, lambda c: c.responses.delete_thing())
    assert info.value.body == {"other": 1}


def test_json_is_preferred_among_several_content_types(packages: Packages, server: FaultServer) -> None:
    pkg = packages("responses")
    server.add("/multi", json_body({"id": 1}))
    server.add("/vendor", json_body({"id": 2}, headers={"Content-Type": "application/vnd.api+json"}))
    assert call(pkg, server, lambda c: c.responses.get_multi()) == pkg.models.Thing(id=1)
    assert call(pkg, server, lambda c: c.responses.get_vendor()) == pkg.models.Thing(id=2)


@pytest.mark.parametrize(("status", "error", "body"), [
    (200, None, {"id": 1}),
    (202, None, {"id": 2}),
    (404, "Status4XXError", {"detail": "missing"}),
    (418, "Status4XXError", {"detail": "teapot"}),
    (500, "Status5XXError", {"retry_in": 5}),
    (302, "DefaultError", {"code": "moved"}),
])
def test_status_ranges_and_default(packages: Packages, server: FaultServer, status: int, error: str | None, body: Any) -> None:
    pkg = packages("responses")
    m = pkg.models
    server.add("/ranges", json_body(body, status=status))
    if error is None:
        assert call(pkg, server, lambda c: c.responses.get_ranges()) == m.Thing(id=body["id"])
        return
    with pytest.raises(pkg.ApiStatusError) as info:
        call(pkg, server, lambda c: c.responses.get_ranges())
    assert type(info.value).__name__ == error
    assert info.value.status_code == status
    expected = {"Status4XXError": m.Problem, "Status5XXError": m.Outage, "DefaultError": m.Other}[error]
    assert info.value.body == expected.from_dict(body)
    if status == 500:
        assert isinstance(info.value, pkg.ServerError)


def test_default_only_response_is_the_success_body(packages: Packages, server: FaultServer) -> None:
    pkg = packages("responses")
    server.add("/default-only", json_body({"id": 3}), json_body({"id": 4}, status=500))
    assert call(pkg, server, lambda c: c.responses.get_default_only()) == pkg.models.Thing(id=3)
    with pytest.raises(pkg.ServerError) as info:
        call(pkg, server, lambda c: c.responses.get_default_only())
    assert info.value.body == pkg.models.Thing(id=4)


def test_several_success_statuses_return_their_own_model(packages: Packages, server: FaultServer) -> None:
    pkg = packages("responses")
    m = pkg.models
    server.add("/created", json_body({"id": 1}), json_body({"created_id": "c"}, status=201), json_body({"detail": "dup"}, status=409))
    assert call(pkg, server, lambda c: c.responses.create_or_find()) == m.Thing(id=1)
    raw = call(pkg, server, lambda c: c.responses.create_or_find_raw())
    assert (raw.status_code, raw.parsed) == (201, m.Created(created_id="c"))
    with pytest.raises(pkg.ConflictError) as info:
        call(pkg, server, lambda c: c.responses.create_or_find())
    assert info.value.body == m.Problem(detail="dup")
