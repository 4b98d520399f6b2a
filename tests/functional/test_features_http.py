"""Feature specs on the wire: parameters of every style, request bodies of every media type,
and responses (media types, documented errors, status ranges, several success statuses).

Each call goes to a real server on 127.0.0.1; the tests assert what it received and
what the client returned.
"""

from __future__ import annotations

import datetime
import inspect
import io
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

import pytest

from .features import call, feature, multipart, only, sent_json
from .server import FaultServer, Scripted, json_body, running_server

UTC = datetime.timezone.utc
pytestmark = pytest.mark.usefixtures("features")


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with running_server() as srv:
        yield srv
        assert srv.unscripted == [], "the client called a path the test did not script"


def both(mode: str, c: Any, *ops: Any) -> Any:
    """Several calls on one client: a list of results (awaited in turn when async)."""
    if mode == "sync":
        return [op(c) for op in ops]

    async def run() -> list[Any]:
        return [await op(c) for op in ops]

    return run()


# --------------------------------------------------------------------------- parameters
def test_parameters_in_path_query_header_and_cookie(server: FaultServer, mode: str) -> None:
    pkg = feature("params")
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


def test_unset_parameters_are_left_out(server: FaultServer) -> None:
    pkg = feature("params")
    server.add("/items/0/files/f", json_body({}))
    call(pkg, server, lambda c: c.items.get_item_file(0, "f", limit=0, x_trace_id="t"))
    request = only(server)
    assert request.query == "limit=0"
    assert request.headers["x-trace-id"] == "t"
    assert "cookie" not in request.headers and "x-count" not in request.headers


def test_required_parameters_are_required() -> None:
    pkg = feature("params")
    signature = inspect.signature(pkg.Client(base_url="http://x").items.get_item_file)
    required = [name for name, p in signature.parameters.items() if p.default is inspect.Parameter.empty and p.kind is not inspect.Parameter.VAR_KEYWORD]
    assert required == ["item_id", "name", "limit", "x_trace_id"]
    assert signature.parameters["item_id"].kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
    assert signature.parameters["limit"].kind is inspect.Parameter.KEYWORD_ONLY
    assert signature.parameters["options"].kind is inspect.Parameter.VAR_KEYWORD


# --------------------------------------------------------------------------- request bodies
def test_json_body_omits_unset_fields_and_sends_none_as_null(server: FaultServer, mode: str) -> None:
    pkg = feature("bodies")
    m = pkg.models
    body = m.NewThing(name="n", nickname=None, tags=[], nested=m.NewThingNested(deep=False))
    server.add("/json", json_body({"name": "n", "size": 1}, status=201))
    got = call(pkg, server, lambda c: c.bodies.create_thing(body=body), mode)
    request = only(server)
    assert request.method == "POST"
    assert sent_json(request) == {"name": "n", "nickname": None, "tags": [], "nested": {"deep": False}}
    assert b'"note"' not in request.body and b'"size"' not in request.body
    assert got == m.NewThing(name="n", size=1)


def test_an_optional_body_may_be_left_out(server: FaultServer) -> None:
    pkg = feature("bodies")
    server.add("/optional-json", Scripted(status=204), Scripted(status=204))
    call(pkg, server, lambda c: c.bodies.patch_thing())
    call(pkg, server, lambda c: c.bodies.patch_thing(body=pkg.models.NewThing(name="x")))
    first, second = server.requests
    assert (first.method, first.body) == ("PATCH", b"")
    assert "content-type" not in first.headers
    assert sent_json(second) == {"name": "x"}


def test_form_body(server: FaultServer) -> None:
    pkg = feature("bodies")
    body = pkg.models.SubmitFormBody(name="a b&c=ü", count=2, agree=True, tags=["x", "y"])
    server.add("/form", Scripted(status=204))
    assert call(pkg, server, lambda c: c.bodies.submit_form(body=body)) is None
    request = only(server)
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert parse_qsl(request.body.decode("ascii")) == [("name", "a b&c=ü"), ("count", "2"), ("agree", "true"), ("tags", "x"), ("tags", "y")]


def test_multipart_body_with_files_and_fields(server: FaultServer, mode: str) -> None:
    pkg = feature("bodies")
    body = pkg.models.UploadFileBody(
        file=b"\x00\x01\xffbinary",
        description="déscription",
        count=3,
        attachments=[("notes.txt", b"hello", "text/plain"), ("photo.png", b"\x89PNG")],
    )
    server.add("/upload", json_body({"size": 9}))
    got = call(pkg, server, lambda c: c.bodies.upload_file(body=body), mode)
    assert got == pkg.models.UploadFileResponse(size=9)
    assert multipart(only(server)) == [
        ("file", "file", "application/octet-stream", b"\x00\x01\xffbinary"),
        ("description", None, None, "déscription".encode()),
        ("count", None, None, b"3"),
        ("attachments", "notes.txt", "text/plain", b"hello"),
        ("attachments", "photo.png", "image/png", b"\x89PNG"),
    ]


def test_octet_stream_and_text_bodies(server: FaultServer) -> None:
    pkg = feature("bodies")
    server.add("/raw", Scripted(status=204), Scripted(status=204))
    server.add("/text", Scripted(status=204))
    call(pkg, server, lambda c: c.bodies.put_raw(body=b"\x00\xffdata"))
    call(pkg, server, lambda c: c.bodies.put_raw(body=io.BytesIO(b"from a file")))
    call(pkg, server, lambda c: c.bodies.post_text(body="héllo\n"))
    raw, from_file, text = server.requests
    assert (raw.method, raw.headers["content-type"], raw.body) == ("PUT", "application/octet-stream", b"\x00\xffdata")
    assert from_file.body == b"from a file"
    # The spec says text/plain: the client says which charset it sent.
    assert (text.headers["content-type"], text.body) == ("text/plain; charset=utf-8", "héllo\n".encode())


# --------------------------------------------------------------------------- every media type
NOTE = {"title": "Ünïcode", "stars": 3}


def test_json_and_vendor_json_media_types(server: FaultServer, mode: str) -> None:
    pkg = feature("media")
    note = pkg.models.Note(title="Ünïcode", stars=3)
    server.add("/json", json_body(NOTE))
    server.add("/vendor", json_body(NOTE, headers={"Content-Type": "application/problem+json"}))
    got = call(pkg, server, lambda c: both(mode, c, lambda c: c.media.echo_json(body=note), lambda c: c.media.echo_vendor(body=note)), mode)
    assert got == [note, note]
    plain, vendor = server.requests
    assert sent_json(plain) == NOTE and plain.headers["accept"] == "application/json"
    assert sent_json(vendor, "application/vnd.notes.v2+json") == NOTE
    assert vendor.headers["accept"] == "application/problem+json"


def test_ndjson_lists_are_sent_and_read_line_by_line(server: FaultServer, mode: str) -> None:
    pkg = feature("media")
    m = pkg.models
    lines = b'{"title":"a","stars":1}\n\n{"title":"b"}\r\n{"title":"c","extra":[1]}'
    server.add("/ndjson", Scripted(200, {"Content-Type": "application/x-ndjson"}, lines))
    got = call(pkg, server, lambda c: c.media.echo_ndjson(body=[m.Note(title="x", stars=2), m.Note(title="ÿ")]), mode)
    assert got == [m.Note(title="a", stars=1), m.Note(title="b"), m.Note(title="c", additional_properties={"extra": [1]})]
    request = only(server)
    assert request.headers["content-type"] == "application/x-ndjson"
    assert request.headers["accept"] == "application/x-ndjson"
    assert request.body == '{"title":"x","stars":2}\n{"title":"ÿ"}\n'.encode()


@pytest.mark.parametrize(("body", "match"), [
    (b'{"title":"a"}\n{"title": 5}\n', r"at \$\[1\]\.title: expected string"),
    (b'{"title":"a"}\nnot json\n', "line 2: expected JSON"),
])
def test_an_ndjson_line_that_does_not_decode_is_a_decode_error(server: FaultServer, body: bytes, match: str) -> None:
    pkg = feature("media")
    server.add("/ndjson", Scripted(200, {"Content-Type": "application/x-ndjson"}, body))
    with pytest.raises(pkg.ApiDecodeError, match=match):
        call(pkg, server, lambda c: c.media.echo_ndjson(body=[]))
    assert only(server).body == b""  # an empty list is an empty NDJSON body


def test_form_and_multipart_media_types_answered_as_bytes(server: FaultServer) -> None:
    pkg = feature("media")
    server.add("/form", Scripted(200, {"Content-Type": "application/x-www-form-urlencoded"}, b"title=a&stars=1"))
    server.add("/multipart", Scripted(200, {"Content-Type": "multipart/form-data; boundary=x"}, b"--x--\r\n"))
    form = call(pkg, server, lambda c: c.media.echo_form(body=pkg.models.Note(title="a b", stars=1)))
    parts = call(pkg, server, lambda c: c.media.echo_multipart(body=pkg.models.EchoMultipartBody(file=("n.txt", b"\x00x"), title="t")))
    assert (form, parts) == (b"title=a&stars=1", b"--x--\r\n")
    sent_form, sent_parts = server.requests
    assert (sent_form.headers["content-type"], sent_form.body) == ("application/x-www-form-urlencoded", b"title=a+b&stars=1")
    assert multipart(sent_parts) == [("file", "n.txt", "text/plain", b"\x00x"), ("title", None, None, b"t")]


@pytest.mark.parametrize(("op", "path", "media_type"), [
    ("echo_text", "/text", "text/plain"),
    ("echo_yaml", "/yaml", "application/x-yaml"),
    ("echo_xml", "/xml", "application/xml"),
])
def test_text_yaml_and_xml_are_text(server: FaultServer, mode: str, op: str, path: str, media_type: str) -> None:
    pkg = feature("media")
    sent = "<note>é</note>" if op == "echo_xml" else "title: é\n"
    reply = "réponse".encode("latin-1")  # decoded by the charset the server names
    server.add(path, Scripted(200, {"Content-Type": f"{media_type}; charset=latin-1"}, reply))
    got = call(pkg, server, lambda c: getattr(c.media, op)(body=sent), mode)
    assert got == "réponse"
    request = only(server)
    assert (request.headers["content-type"], request.body) == (f"{media_type}; charset=utf-8", sent.encode())
    assert request.headers["accept"] == media_type


def test_octet_stream_and_an_empty_media_key_are_bytes(server: FaultServer, mode: str) -> None:
    pkg = feature("media")
    data = bytes(range(256))
    server.add("/octet", Scripted(200, {"Content-Type": "application/octet-stream"}, data))
    server.add("/anything", Scripted(200, {"Content-Type": "image/webp"}, b"RIFF\x00"))
    got = call(pkg, server, lambda c: both(mode, c, lambda c: c.media.echo_octet(body=data), lambda c: c.media.echo_anything(body=io.BytesIO(b"\x01\x02"))), mode)
    assert got == [data, b"RIFF\x00"]
    octet, anything = server.requests
    assert (octet.headers["content-type"], octet.headers["accept"], octet.body) == ("application/octet-stream", "application/octet-stream", data)
    assert (anything.headers["content-type"], anything.headers["accept"], anything.body) == ("application/octet-stream", "*/*", b"\x01\x02")


# --------------------------------------------------------------------------- responses
def test_text_binary_and_empty_responses(server: FaultServer, mode: str) -> None:
    pkg = feature("responses")
    png = b"\x89PNG\r\n\x1a\n\x00\xff"
    server.add("/report", Scripted(headers={"Content-Type": "text/csv; charset=utf-8"}, body="a,b\n1,é\n".encode()))
    server.add("/image", Scripted(headers={"Content-Type": "image/png"}, body=png))
    server.add("/thing", Scripted(status=204))
    got = call(pkg, server, lambda c: both(mode, c, lambda c: c.responses.get_report(), lambda c: c.responses.get_image(), lambda c: c.responses.delete_thing()), mode)
    assert got == ["a,b\n1,é\n", png, None]
    report, image, delete = server.requests
    assert report.headers["accept"] == "text/csv"
    assert image.headers["accept"] == "image/png"
    assert delete.method == "DELETE"


def test_documented_error_body_is_parsed(server: FaultServer) -> None:
    pkg = feature("responses")
    server.add("/thing", json_body({"detail": "no such thing"}, status=404), json_body({"other": 1}, status=404))
    with pytest.raises(pkg.NotFoundError) as info:
        call(pkg, server, lambda c: c.responses.delete_thing())
    assert type(info.value).__name__ == "NotFoundResponseError"  # the runtime has a NotFoundError
    assert info.value.body == pkg.models.Problem(detail="no such thing")
    assert info.value.status_code == 404
    with pytest.raises(pkg.NotFoundError) as info:  # not the documented shape: the runtime's class, the plain JSON
        call(pkg, server, lambda c: c.responses.delete_thing())
    assert type(info.value) is pkg.NotFoundError
    assert info.value.body == {"other": 1}


def test_json_is_preferred_among_several_content_types(server: FaultServer) -> None:
    pkg = feature("responses")
    server.add("/multi", json_body({"id": 1}))
    server.add("/vendor", json_body({"id": 2}, headers={"Content-Type": "application/vnd.api+json"}))
    assert call(pkg, server, lambda c: c.responses.get_multi()) == pkg.models.Thing(id=1)
    assert call(pkg, server, lambda c: c.responses.get_vendor()) == pkg.models.Thing(id=2)
    multi, vendor = server.requests
    # The client asks for the one media type it generated a decoder for.
    assert (multi.headers["accept"], vendor.headers["accept"]) == ("application/json", "application/vnd.api+json")


@pytest.mark.parametrize(("status", "error", "body"), [
    (200, None, {"id": 1}),
    (202, None, {"id": 2}),
    (404, "Status4XXError", {"detail": "missing"}),
    (418, "Status4XXError", {"detail": "teapot"}),
    (500, "Status5XXError", {"retry_in": 5}),
    (302, "DefaultError", {"code": "moved"}),
])
def test_status_ranges_and_default(server: FaultServer, status: int, error: str | None, body: Any) -> None:
    pkg = feature("responses")
    m = pkg.models
    server.add("/ranges", json_body(body, status=status))
    if error is None:
        assert call(pkg, server, lambda c: c.responses.get_ranges()) == m.Thing(id=body["id"])
        return
    with pytest.raises(pkg.ApiStatusError) as info:
        call(pkg, server, lambda c: c.responses.get_ranges(max_retries=0))
    assert type(info.value).__name__ == error
    assert info.value.status_code == status
    expected = {"Status4XXError": m.Problem, "Status5XXError": m.Outage, "DefaultError": m.Other}[error]
    assert info.value.body == expected.from_dict(body)


def test_a_404_documented_only_under_4xx_is_a_not_found_error_with_the_typed_body(server: FaultServer, mode: str) -> None:
    pkg = feature("responses")
    errors = pkg.errors
    server.add("/ranges", json_body({"detail": "missing"}, status=404), json_body({"retry_in": 1}, status=503))
    with pytest.raises(pkg.NotFoundError) as info:
        call(pkg, server, lambda c: c.responses.get_ranges(), mode)
    exc = info.value
    assert isinstance(exc, errors.Status4XXError)  # the generated class of the 4XX response
    assert exc.body == pkg.models.Problem(detail="missing")
    with pytest.raises(pkg.ServerError) as server_error:
        call(pkg, server, lambda c: c.responses.get_ranges(max_retries=0), mode)
    assert isinstance(server_error.value, errors.Status5XXError)
    assert server_error.value.body == pkg.models.Outage(retry_in=1)


def test_default_only_response_is_the_success_body(server: FaultServer) -> None:
    pkg = feature("responses")
    server.add("/default-only", json_body({"id": 3}), json_body({"id": 4}, status=500))
    assert call(pkg, server, lambda c: c.responses.get_default_only()) == pkg.models.Thing(id=3)
    with pytest.raises(pkg.ServerError) as info:
        call(pkg, server, lambda c: c.responses.get_default_only(max_retries=0))
    assert info.value.body == {"id": 4}  # a documented success shape, not an error class of its own


def test_several_success_statuses_return_their_own_model(server: FaultServer, mode: str) -> None:
    pkg = feature("responses")
    m = pkg.models
    server.add("/created", json_body({"id": 1}), json_body({"created_id": "c"}, status=201), json_body({"detail": "dup"}, status=409))
    assert call(pkg, server, lambda c: c.responses.create_or_find(), mode) == m.Thing(id=1)
    raw = call(pkg, server, lambda c: pkg.with_raw_response(c.responses.create_or_find)(), mode)
    assert (raw.status_code, raw.parsed) == (201, m.Created(created_id="c"))
    assert raw.headers["content-type"] == "application/json" and json.loads(raw.http_response.content) == {"created_id": "c"}
    with pytest.raises(pkg.ConflictError) as info:
        call(pkg, server, lambda c: c.responses.create_or_find(), mode)
    assert info.value.body == m.Problem(detail="dup")
