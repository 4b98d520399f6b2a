"""Requests as the server receives them: parameters of every location and style, bodies, auth.

The server records the raw request target and headers; the expected texts are
OpenAPI's style tables (RFC 6570), written out by hand.
"""

from __future__ import annotations

import datetime
import json
import math
import uuid
from typing import Any
from urllib.parse import unquote

import pytest
from fixture_client._base_client import Auth
from fixture_client._types import UNSET
from fixture_client.models import FormInput, NewItem, Point, UploadInput

from .server import FaultServer, Scripted, json_body
from .support import KEY, call

ITEM = {"id": "i1", "name": "Lamp", "created_at": "2025-01-02T03:04:05Z"}
BLUE = ["blue", "black", "brown"]
OBJ = {"R": 100, "G": 200, "B": 150}


def sent(mode: str, server: FaultServer, op: Any, **kw: Any) -> Any:
    """Call ``op`` against an echoing server; the recorded request."""
    server.add("*", json_body({}))
    call(mode, op, base_url=server.url, **kw)
    return server.requests[-1]


# --------------------------------------------------------------- path


@pytest.mark.parametrize(
    ("values", "path"),
    [
        (("5", 5, 5, 5, 5, 5), "/path/5/5/.5/.5/;matrix=5/;matrixX=5"),
        ((BLUE,) * 6, "/path/blue,black,brown/blue,black,brown/.blue,black,brown/.blue.black.brown/;matrix=blue,black,brown/;matrixX=blue;matrixX=black;matrixX=brown"),
        ((OBJ,) * 6, "/path/R,100,G,200,B,150/R=100,G=200,B=150/.R,100,G,200,B,150/.R=100.G=200.B=150/;matrix=R,100,G,200,B,150/;R=100;G=200;B=150"),
        (("a b", "x/y", "p;q", "c,d", "e=f", "g?h"), "/path/a%20b/x%2Fy/.p%3Bq/.c%2Cd/;matrix=e%3Df/;matrixX=g%3Fh"),
        ((True, False, 1.5, uuid.UUID(int=1), datetime.date(2025, 1, 2), "é"), "/path/true/false/.1.5/.00000000-0000-0000-0000-000000000001/;matrix=2025-01-02/;matrixX=%C3%A9"),
    ],
    ids=["scalar", "array", "object", "reserved", "types"],
)
def test_path_styles(server: FaultServer, mode: str, values: tuple[Any, ...], path: str) -> None:
    request = sent(mode, server, lambda c: c.params.path_styles(*values))
    assert request.path == path


def test_path_none_is_the_empty_form_or_refused(server: FaultServer, mode: str) -> None:
    request = sent(mode, server, lambda c: c.params.path_styles("a", "b", None, [], None, {}))
    assert request.path == "/path/a/b/%2E/%2E/;matrix/;matrixX"  # "." alone is a dot segment
    with pytest.raises(ValueError, match="path parameter 'simple' must not be empty"):
        call(mode, lambda c: c.params.path_styles(None, "b", 1, 1, 1, 1), base_url=server.url)
    assert len(server.requests) == 1


def test_a_model_is_an_object_parameter(server: FaultServer, mode: str) -> None:
    model = FormInput(name="n", count=2)
    request = sent(mode, server, lambda c: c.params.path_styles(model, model, model, model, model, model))
    assert request.path == "/path/name,n,count,2/name=n,count=2/.name,n,count,2/.name=n.count=2/;matrix=name,n,count,2/;name=n;count=2"


# --------------------------------------------------------------- query


@pytest.mark.parametrize(
    ("kw", "query"),
    [
        ({"form": 5, "form_flat": 5, "spaced": 5, "piped": 5, "deep": 5}, "form=5&formFlat=5&spaced=5&piped=5&deep=5"),
        ({"form": BLUE, "form_flat": BLUE}, "form=blue&form=black&form=brown&formFlat=blue,black,brown"),
        ({"spaced": BLUE, "piped": BLUE, "piped_x": BLUE}, "spaced=blue%20black%20brown&piped=blue|black|brown&pipedX=blue&pipedX=black&pipedX=brown"),
        ({"form": OBJ, "form_flat": OBJ}, "R=100&G=200&B=150&formFlat=R,100,G,200,B,150"),
        ({"spaced": OBJ, "piped": OBJ}, "spaced=R%20100%20G%20200%20B%20150&piped=R|100|G|200|B|150"),
        ({"deep": {"role": "admin", "name": {"first": "Al"}, "tags": ["a", "b"]}}, "deep[role]=admin&deep[name][first]=Al&deep[tags]=a&deep[tags]=b"),
        ({"form": "a&b=c d", "form_flat": ["x,y", "z"]}, "form=a%26b%3Dc%20d&formFlat=x%2Cy,z"),
        ({"form": None, "spaced": None, "piped": None, "deep": None}, "form="),
        ({"form": [], "form_flat": {}, "deep": {}}, ""),
        ({"form": True, "form_flat": [1.5, False], "spaced": [[1, 2], {"a": None}]}, "form=true&formFlat=1.5,false&spaced=%5B1%2C2%5D%20%7B%22a%22%3Anull%7D"),
        ({"form": UNSET}, ""),
    ],
    ids=["scalar", "form-array", "delimited-array", "form-object", "delimited-object", "deep-object", "reserved", "none", "empty", "types", "unset"],
)
def test_query_styles(server: FaultServer, mode: str, kw: dict[str, Any], query: str) -> None:
    request = sent(mode, server, lambda c: c.params.query_styles(**kw))
    assert request.query == query


def test_extra_query_is_added(server: FaultServer, mode: str) -> None:
    request = sent(mode, server, lambda c: c.params.query_styles(form="1", extra_query={"trace": "a b"}))
    assert request.query == "form=1&trace=a%20b"


# --------------------------------------------------------------- headers and cookies


def test_header_parameters(server: FaultServer, mode: str) -> None:
    request = sent(mode, server, lambda c: c.params.header_params(x_plain=7, x_list=BLUE, x_obj=OBJ, x_obj_x=OBJ))
    headers = request.headers
    assert headers["x-plain"] == "7"
    assert headers["x-list"] == "blue,black,brown"  # comma-separated, never JSON
    assert headers["x-obj"] == "R,100,G,200,B,150"
    assert headers["x-obj-x"] == "R=100,G=200,B=150"


def test_header_none_is_empty_and_empty_arrays_are_not_sent(server: FaultServer, mode: str) -> None:
    request = sent(mode, server, lambda c: c.params.header_params(x_plain=None, x_list=[], x_obj=UNSET))
    names = [k.lower() for k, _ in request.header_items]
    assert request.headers["x-plain"] == ""
    assert "x-list" not in names and "x-obj" not in names


@pytest.mark.parametrize("bad", ["a\r\nX-Evil: 1", "tab\tok\x00", "ünï"], ids=["crlf", "nul", "non-ascii"])
def test_a_header_value_that_cannot_be_sent_is_refused(server: FaultServer, mode: str, bad: str) -> None:
    with pytest.raises(ValueError, match="X-Plain"):
        call(mode, lambda c: c.params.header_params(x_plain=bad), base_url=server.url)
    assert server.requests == []


def test_cookie_parameters(server: FaultServer, mode: str) -> None:
    request = sent(mode, server, lambda c: c.params.cookie_params(session="s 1;x", tags=BLUE, tags_x=["a", "b"], prefs={"k": "v"}, prefs_x={"k": "v", "n": 1}))
    assert request.headers["cookie"] == "session=s%201%3Bx; tags=blue,black,brown; tagsX=a; tagsX=b; prefs=k,v; k=v; n=1"


def test_typed_path_label_matrix_header_arrays_and_cookie_form(server: FaultServer, mode: str) -> None:
    point = Point(east=1, north=-2)
    server.add("/styles/3,4/.a.b%2Cc/;east=1;north=-2", Scripted(status=204))
    call(mode, lambda c: c.params.typed_styles([3, 4], ["a", "b,c"], point, x_ids=[7, 8, 9], x_point=point, flags=["on", "x y"], spots=[1.5, -2.0]), base_url=server.url)
    [request] = server.requests
    assert request.path == "/styles/3,4/.a.b%2Cc/;east=1;north=-2"  # simple, label exploded, matrix exploded
    assert request.query == "spots=1.5|-2.0"  # pipeDelimited
    assert request.headers["x-ids"] == "7,8,9"  # a header array is comma-separated
    assert request.headers["x-point"] == "east=1,north=-2"  # an object header, exploded
    assert request.headers["cookie"] == "flags=on,x%20y"  # cookie form, explode: false


def test_cookie_none_and_unset(server: FaultServer, mode: str) -> None:
    request = sent(mode, server, lambda c: c.params.cookie_params(session=None, tags=[]))
    assert request.headers["cookie"] == "session="
    request = sent(mode, server, lambda c: c.params.cookie_params())
    assert "cookie" not in request.headers


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_nan_and_infinity_are_refused_as_parameters(server: FaultServer, mode: str, value: float) -> None:
    for op in (lambda c: c.params.query_styles(form=[1.0, value]), lambda c: c.params.header_params(x_plain=value)):  # type: ignore[misc]
        with pytest.raises(ValueError, match="not a finite number"):
            call(mode, op, base_url=server.url)
    assert server.requests == []


# --------------------------------------------------------------- bodies


def test_json_body(server: FaultServer, mode: str) -> None:
    body = NewItem(name="Lamp", tags=["a"], price=2.5, meta={"when": datetime.date(2025, 1, 2), "n": None})
    request = sent(mode, server, lambda c: c.bodies.send_json(body=body))
    assert request.headers["content-type"] == "application/json"
    assert json.loads(request.body) == {"name": "Lamp", "tags": ["a"], "price": 2.5, "meta": {"when": "2025-01-02", "n": None}}


def test_a_json_body_with_its_own_media_type_and_a_header_parameter(server: FaultServer, mode: str) -> None:
    server.add("/items", json_body(ITEM, status=201))
    call(mode, lambda c: c.items.create_item(body=NewItem(name="x"), idempotency_key="k-1"), base_url=server.url)
    request = server.requests[0]
    assert request.headers["content-type"] == "application/merge-patch+json"
    assert request.headers["idempotency-key"] == "k-1"
    assert request.body == b'{"name":"x"}'


@pytest.mark.parametrize("value", [math.nan, math.inf], ids=["nan", "inf"])
def test_nan_in_a_json_body_is_refused_before_sending(server: FaultServer, mode: str, value: float) -> None:
    body = NewItem(name="x", meta={"deep": [1, {"v": value}]})
    with pytest.raises(ValueError, match=r"NaN or Infinity at \$\.meta\.deep\[1\]\.v"):
        call(mode, lambda c: c.bodies.send_json(body=body), base_url=server.url)
    with pytest.raises(ValueError, match=r"at \$\.price"):
        call(mode, lambda c: c.bodies.send_json(body=NewItem(name="x", price=value)), base_url=server.url)
    assert server.requests == []


def test_form_body(server: FaultServer, mode: str) -> None:
    request = sent(mode, server, lambda c: c.bodies.send_form(body=FormInput(name="a b&c", tags=["x", "y"], count=3)))
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert request.body == b"name=a+b%26c&tags=x&tags=y&count=3"


def test_multipart_body(server: FaultServer, mode: str) -> None:
    upload = UploadInput(file=("notes.txt", b"hello\x00world", "text/plain"), note="n1")
    request = sent(mode, server, lambda c: c.bodies.send_multipart(body=upload))
    content_type = request.headers["content-type"]
    assert content_type.startswith("multipart/form-data; boundary=")
    body = request.body
    assert b'name="file"; filename="notes.txt"' in body and b"hello\x00world" in body
    assert b'name="note"\r\n\r\nn1' in body


def test_bytes_and_text_bodies(server: FaultServer, mode: str) -> None:
    server.add("/bodies/bytes", json_body({}, headers={"Content-Type": "application/octet-stream"}))
    server.add("/bodies/text", json_body("ok", headers={"Content-Type": "text/plain"}))
    call(mode, lambda c: c.bodies.send_bytes(body=b"\x00\xff"), base_url=server.url)
    call(mode, lambda c: c.bodies.send_text(body="héllo"), base_url=server.url)
    raw, text = server.requests
    assert (raw.method, raw.body, raw.headers["content-type"], raw.headers["accept"]) == ("PUT", b"\x00\xff", "application/octet-stream", "application/octet-stream")
    assert (text.body, text.headers["content-type"]) == ("héllo".encode(), "text/plain; charset=utf-8")


# --------------------------------------------------------------- authentication and headers


def test_bearer_key_user_agent_accept_and_extra_headers(server: FaultServer, mode: str) -> None:
    request = sent(mode, server, lambda c: c.params.query_styles(extra_headers={"X-Trace": "t-1"}))
    headers = request.headers
    assert headers["authorization"] == f"Bearer {KEY}"
    assert headers["user-agent"].startswith("fixture_client/1.0.0 Python/")
    assert headers["accept"] == "application/json"
    assert headers["x-trace"] == "t-1"


@pytest.mark.parametrize(
    ("auth", "where"),
    [
        (Auth("header", "X-Api-Key"), lambda r: r.headers["x-api-key"]),
        (Auth("query", "api_key"), lambda r: unquote(r.query.split("api_key=")[1])),
        (Auth("cookie", "token"), lambda r: r.headers["cookie"].split("token=")[1]),
        (Auth("basic"), lambda r: __import__("base64").b64decode(r.headers["authorization"].split()[1]).decode()),
    ],
    ids=["header", "query", "cookie", "basic"],
)
def test_every_place_a_key_goes(server: FaultServer, mode: str, auth: Auth, where: Any) -> None:
    from fixture_client import AsyncClient, Client

    key = "user:p@ss+w/rd" if auth.kind == "basic" else "k-+/=?&1"
    cls = type("Keyed", (Client if mode == "sync" else AsyncClient,), {"_auth": auth})
    server.add("*", json_body({}))
    call(mode, lambda c: c.params.cookie_params(session="s"), client_class=cls, api_key=key, base_url=server.url)
    assert where(server.requests[0]) == key


@pytest.mark.parametrize("pool", ["own", "caller's"])
def test_default_headers_are_sent_and_per_call_headers_win(server: FaultServer, mode: str, pool: str) -> None:
    import httpx

    defaults = {"X-Team": "blue", "X-Trace": "default", "Accept": "text/html", "User-Agent": "mine/1"}
    server.add("*", json_body({}), json_body({}))

    def op(c: Any) -> Any:
        if mode == "sync":
            c.params.query_styles()
            return c.params.query_styles(extra_headers={"x-trace": "t-2"})

        async def both() -> Any:
            await c.params.query_styles()
            return await c.params.query_styles(extra_headers={"x-trace": "t-2"})

        return both()

    if pool == "own":
        call(mode, op, base_url=server.url, default_headers=defaults)
    elif mode == "sync":
        with httpx.Client() as http:
            call(mode, op, base_url=server.url, default_headers=defaults, http_client=http)
    else:
        import asyncio

        async def main() -> None:
            async with httpx.AsyncClient() as http:
                from fixture_client import AsyncClient

                async with AsyncClient(api_key=KEY, base_url=server.url, default_headers=defaults, http_client=http) as c:
                    await op(c)

        asyncio.run(main())
    first, second = server.requests
    for request in (first, second):
        assert request.headers["x-team"] == "blue" and request.headers["user-agent"] == "mine/1"
        assert request.headers["accept"] == "application/json"  # the operation's, over the default
        assert request.headers["authorization"] == f"Bearer {KEY}"
        assert sum(k.lower() == "x-trace" for k, _ in request.header_items) == 1
    assert (first.headers["x-trace"], second.headers["x-trace"]) == ("default", "t-2")


def test_the_key_is_read_from_the_environment(server: FaultServer, mode: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FIXTURE_API_KEY", "sk-from-env-1234")
    sent(mode, server, lambda c: c.params.query_styles(), api_key=None)
    sent(mode, server, lambda c: c.params.query_styles(), api_key="sk-explicit-5678")
    first, second = server.requests
    assert first.headers["authorization"] == "Bearer sk-from-env-1234"
    assert second.headers["authorization"] == "Bearer sk-explicit-5678"


@pytest.mark.parametrize("env_value", [None, ""], ids=["unset", "empty"])
def test_no_key_anywhere_is_refused(mode: str, monkeypatch: pytest.MonkeyPatch, env_value: str | None) -> None:
    from fixture_client import AsyncClient, Client, errors

    if env_value is not None:
        monkeypatch.setenv("FIXTURE_API_KEY", env_value)
    with pytest.raises(errors.ApiError, match="FIXTURE_API_KEY"):
        (Client if mode == "sync" else AsyncClient)(base_url="http://127.0.0.1:1")


@pytest.mark.parametrize(
    "base_url",
    ["ftp://example.com", "example.com/api", "https://user:pw-SECRET@example.com", "https://example.com/api?x=1", "https://example.com/#f", "http://"],
)
def test_a_bad_base_url_is_refused(base_url: str) -> None:
    from fixture_client import Client

    with pytest.raises(ValueError, match="base_url") as info:
        Client(api_key=KEY, base_url=base_url)
    assert "SECRET" not in str(info.value)


def test_base_url_keeps_its_path(server: FaultServer, mode: str) -> None:
    server.add("*", json_body({}))
    call(mode, lambda c: c.params.query_styles(form=1), base_url=server.url + "/v2/")
    assert server.requests[0].target == "/v2/query?form=1"


def test_unknown_options_and_bad_values_are_refused(server: FaultServer, mode: str) -> None:
    for kw, error in (({"timout": 1}, TypeError), ({"max_retries": -1}, ValueError), ({"deadline": 0}, ValueError), ({"max_response_bytes": 0}, ValueError)):
        with pytest.raises(error):
            call(mode, lambda c, kw=kw: c.params.query_styles(**kw), base_url=server.url)
    assert server.requests == []
