"""Responses to models and typed errors, sync and async, against a real server on loopback.

Documented bodies become models; every other outcome becomes the error class of
its kind: documented error bodies, range (``4XX``) responses, generic status
classes, undecodable 2xx bodies, transport failures and timeouts.
"""

from __future__ import annotations

import datetime
import json
import time
from typing import Any, ClassVar
from urllib.parse import unquote

import httpx
import pytest
from fixture_client import errors
from fixture_client._base_client import with_raw_response
from fixture_client._types import UNSET, ApiResponse
from fixture_client.models import ErrorBody, Item, Problem, Widget

from .server import FaultServer, Scripted, closed_port, json_body
from .support import KEY, call, raises

ITEM = {"id": "i1", "name": "Lamp", "created_at": "2025-01-02T03:04:05.678Z"}
CREATED = datetime.datetime(2025, 1, 2, 3, 4, 5, 678000, tzinfo=datetime.timezone.utc)
RATE_LIMITED = {"statusCode": 429, "error": "Too Many Requests", "message": "75 per minute"}
UNAVAILABLE = {"statusCode": 503, "error": "Service Unavailable", "message": "retry shortly"}
HTML_PAGE = "<html><head><title>502 Bad Gateway</title></head><body><h1>502</h1></body></html>"
WIDGET = {"id": "f9cc070d-8dba-4341-b847-000000000000", "day": "2025-01-02", "at": "2025-01-02T03:04:05Z", "kind": "a"}


def get_item(client: Any, **kw: Any) -> Any:
    return client.items.get_item("i1", **kw)


def once(mode: str, op: Any, server: FaultServer, **kw: Any) -> Any:
    """One attempt only: these tests map one response to one result (retries are tested apart)."""
    return call(mode, op, base_url=server.url, max_retries=0, **kw)


def error_of(mode: str, expected: Any, op: Any, server: FaultServer, **kw: Any) -> Any:
    return raises(mode, expected, op, base_url=server.url, max_retries=0, **kw)


# --------------------------------------------------------------------------- 2xx


def test_documented_body_becomes_the_model(server: FaultServer, mode: str) -> None:
    server.add("/items/i1", json_body({**ITEM, "color": "red", "extra": {"x": 1}}))

    item = once(mode, get_item, server)

    assert type(item) is Item
    assert (item.id, item.name, item.color) == ("i1", "Lamp", "red")
    assert item.created_at == CREATED and item.created_at.tzinfo is not None
    assert item.tags is UNSET
    assert item.additional_properties == {"extra": {"x": 1}}
    [request] = server.requests
    assert (request.method, request.path, request.query, request.body) == ("GET", "/items/i1", "", b"")


def test_a_list_of_models_and_an_empty_204(server: FaultServer, mode: str) -> None:
    server.add("/items", json_body([ITEM, {**ITEM, "id": "i2"}]))
    server.add("/items/i1", Scripted(204))

    items = once(mode, lambda c: c.items.list_items(limit=2), server)
    deleted = once(mode, lambda c: c.items.delete_item("i1"), server)

    assert [type(i) for i in items] == [Item, Item] and [i.id for i in items] == ["i1", "i2"]
    assert deleted is None
    assert server.requests[0].query == "limit=2"
    assert server.requests[1].method == "DELETE"


def test_enum_value_the_spec_does_not_list_is_kept(server: FaultServer, mode: str) -> None:
    server.add("/items/i1", json_body({**ITEM, "color": "mauve"}))

    assert once(mode, get_item, server).color == "mauve"


def test_strict_client_refuses_what_the_lenient_default_keeps(server: FaultServer, mode: str) -> None:
    drift = [{**WIDGET, "at": "in ten minutes"}, {**WIDGET, "kind": "c"}, {**WIDGET, "colour": "red"}]
    for widget in drift:
        server.add("/widgets", json_body([widget]), json_body([widget]))

    for widget, where in zip(drift, ["$[0].at", "$[0].kind", "$[0].colour"], strict=True):
        [kept] = once(mode, lambda c: c.payments.list_widgets(), server)
        assert type(kept) is Widget
        with pytest.raises(errors.ApiDecodeError) as refused:
            once(mode, lambda c: c.payments.list_widgets(), server, strict=True)
        assert where in str(refused.value), str(refused.value)
        assert refused.value.raw == json.dumps([widget])
    assert kept.additional_properties == {"colour": "red"}


def test_with_raw_response_gives_status_headers_and_parsed(server: FaultServer, mode: str) -> None:
    server.add("/items/a%201", json_body(ITEM, headers={"X-Request-Id": "req-42"}))

    raw = once(mode, lambda c: with_raw_response(c.items.get_item)("a 1"), server)

    assert isinstance(raw, ApiResponse)
    assert raw.status_code == 200
    assert isinstance(raw.headers, httpx.Headers) and raw.headers["x-request-id"] == "req-42"
    assert type(raw.parsed) is Item and raw.parsed.created_at == CREATED
    assert raw.json() == ITEM and json.loads(raw.content) == ITEM
    assert raw.http_response.request.url.path == "/items/a 1"


def test_raw_and_plain_calls_share_nothing(server: FaultServer, mode: str) -> None:
    """The raw form is a twin of the resource, not a flag set around the call."""
    server.add("/items/i1", json_body(ITEM), json_body(ITEM))

    def both(client: Any) -> Any:
        raw = with_raw_response(client.items.get_item)
        if mode == "sync":
            return raw("i1"), client.items.get_item("i1")

        async def run() -> Any:
            return await raw("i1"), await client.items.get_item("i1")

        return run()

    first, second = once(mode, both, server)
    assert isinstance(first, ApiResponse) and type(second) is Item


def test_with_raw_response_refuses_what_is_not_an_operation() -> None:
    with pytest.raises(TypeError, match="operation method"):
        with_raw_response(len)


@pytest.mark.parametrize(
    "item_id",
    ["a/b c?d", "50%#frag", "ü&x=1", "..", ".", "a/../b"],
    ids=["slash-space-question", "percent-hash", "unicode-amp", "dotdot", "dot", "dotdot-inside"],
)
def test_a_path_value_is_one_percent_encoded_segment(server: FaultServer, mode: str, item_id: str) -> None:
    server.add("*", json_body(ITEM))

    once(mode, lambda c: c.items.get_item(item_id), server)

    [request] = server.requests
    assert request.query == "", request.target
    segment = request.path[len("/items/") :]
    assert request.path.startswith("/items/") and "/" not in segment and "?" not in segment
    assert unquote(segment) == item_id


def test_empty_path_value_is_refused_before_sending(server: FaultServer, mode: str) -> None:
    with pytest.raises(ValueError, match="must not be empty"):
        once(mode, lambda c: c.items.get_item(""), server)
    assert server.requests == []


# --------------------------------------------------------------- documented errors


def test_documented_429_raises_its_typed_error(server: FaultServer, mode: str) -> None:
    server.add("/items/i1", json_body(RATE_LIMITED, status=429, headers={"Retry-After": "7", "X-RateLimit-Remaining": "0"}))

    exc = error_of(mode, errors.TooManyRequestsError, get_item, server)

    assert isinstance(exc, errors.RateLimitError) and isinstance(exc, errors.ApiStatusError)
    assert isinstance(exc.body, ErrorBody)
    assert (exc.body.status_code, exc.body.error, exc.body.message) == (429, "Too Many Requests", "75 per minute")
    assert exc.status_code == 429 and exc.retry_after == 7.0
    assert exc.headers["retry-after"] == "7"
    assert exc.declared_headers == {"x-ratelimit-remaining": 0}
    assert exc.response.status_code == 429 and exc.response.json() == RATE_LIMITED
    assert exc.request.url.path == "/items/i1"
    assert str(exc) == "429 Too Many Requests: 75 per minute"


def test_documented_503_raises_its_typed_error(server: FaultServer, mode: str) -> None:
    server.add("/items/i1", json_body(UNAVAILABLE, status=503))

    exc = error_of(mode, errors.ServiceUnavailableError, get_item, server)

    assert isinstance(exc, errors.ServerError)
    assert isinstance(exc.body, ErrorBody) and exc.body.message == "retry shortly"
    assert exc.headers["content-type"] == "application/json"


@pytest.mark.parametrize(
    ("status", "own"),
    [(404, errors.NotFoundError), (400, errors.BadRequestError), (409, errors.ConflictError), (418, errors.UnexpectedStatusError), (401, errors.AuthenticationError)],
)
def test_a_status_documented_only_by_its_range_raises_its_own_class(server: FaultServer, mode: str, status: int, own: type[Exception]) -> None:
    problem = {"title": "nope", "status": status}
    server.add("/items/i1", json_body(problem, status=status))

    exc = error_of(mode, own, get_item, server)

    assert isinstance(exc, errors.Status4XXError)  # the generated class of the 4XX response
    assert isinstance(exc.body, Problem) and exc.body.title == "nope"
    assert exc.status_code == status
    assert type(exc).__name__ == "Status4XXError"


def test_range_errors_of_the_same_class_share_one_class(server: FaultServer) -> None:
    server.add("/items/i1", json_body({"title": "a"}, status=404), json_body({"title": "b"}, status=404))
    first = error_of("sync", errors.NotFoundError, get_item, server)
    second = error_of("sync", errors.NotFoundError, get_item, server)
    assert type(first) is type(second)


def test_error_classes_form_the_documented_hierarchy() -> None:
    assert issubclass(errors.TooManyRequestsError, errors.RateLimitError)
    assert issubclass(errors.ServiceUnavailableError, errors.ServerError)
    for cls in (errors.RateLimitError, errors.ServerError, errors.UnexpectedStatusError, errors.Status4XXError):
        assert issubclass(cls, errors.ApiStatusError)
    assert issubclass(errors.ApiDeadlineError, errors.ApiTimeoutError)
    assert issubclass(errors.ApiTimeoutError, errors.ApiConnectionError)
    for cls in (errors.ApiStatusError, errors.ApiConnectionError, errors.ApiDecodeError, errors.ResponseTooLargeError):
        assert issubclass(cls, errors.ApiError)
    assert not issubclass(errors.ApiDecodeError, errors.ApiStatusError)


@pytest.mark.parametrize(
    ("answer", "body"),
    [
        (json_body({"error": "slow down"}, status=429), {"error": "slow down"}),
        (json_body({**RATE_LIMITED, "statusCode": "x"}, status=429), {**RATE_LIMITED, "statusCode": "x"}),
        (json_body([1, 2], status=429), [1, 2]),
        (Scripted(429, {"Content-Type": "text/plain"}, b"rate limited, go away"), "rate limited, go away"),
    ],
    ids=["other-object", "wrong-type", "array", "text"],
)
def test_an_undocumented_body_gives_the_generic_class(server: FaultServer, mode: str, answer: Scripted, body: object) -> None:
    server.add("/items/i1", answer)

    exc = error_of(mode, errors.RateLimitError, get_item, server)

    assert type(exc) is errors.RateLimitError
    assert exc.body == body


def test_a_status_the_operation_does_not_document_is_generic(server: FaultServer, mode: str) -> None:
    server.add("/widgets", json_body(RATE_LIMITED, status=429))

    exc = error_of(mode, errors.RateLimitError, lambda c: c.payments.list_widgets(), server)

    assert type(exc) is errors.RateLimitError and exc.body == RATE_LIMITED


@pytest.mark.parametrize(
    ("status", "cls"),
    [(500, errors.ServerError), (520, errors.ServerError), (418, errors.UnexpectedStatusError), (302, errors.UnexpectedStatusError), (422, errors.UnprocessableEntityError), (403, errors.PermissionDeniedError)],
)
def test_status_maps_to_its_generic_class(server: FaultServer, mode: str, status: int, cls: type[Exception]) -> None:
    payload = {"message": f"nope {status}"}
    headers = {"Location": "http://127.0.0.1:1/elsewhere"} if status == 302 else {}
    server.add("/widgets", json_body(payload, status=status, headers=headers))

    exc = error_of(mode, errors.ApiStatusError, lambda c: c.payments.list_widgets(), server)

    assert type(exc) is cls and exc.status_code == status and exc.body == payload
    assert str(exc).startswith(str(status)) and f"nope {status}" in str(exc)
    assert len(server.requests) == 1  # no redirect followed


def test_an_empty_or_html_error_body(server: FaultServer, mode: str) -> None:
    server.add("/widgets", Scripted(404), Scripted(502, {"Content-Type": "text/html"}, HTML_PAGE.encode()))

    empty = error_of(mode, errors.NotFoundError, lambda c: c.payments.list_widgets(), server)
    html = error_of(mode, errors.ServerError, lambda c: c.payments.list_widgets(), server)

    assert empty.body is None and str(empty) == "404 Not Found"
    assert html.body == HTML_PAGE and html.headers["content-type"] == "text/html"


# ------------------------------------------------------------ undecodable 2xx


@pytest.mark.parametrize(
    ("answer", "raw", "why"),
    [
        (Scripted(200, {"Content-Type": "application/json"}, b""), "", "empty body"),
        (Scripted(200, {"Content-Type": "application/json"}, b'{"id": "s'), '{"id": "s', "not JSON"),
        (Scripted(200, {"Content-Type": "text/html"}, HTML_PAGE.encode()), HTML_PAGE, "not JSON"),
        (json_body({**ITEM, "created_at": 1735787045}), None, "$.created_at"),
        (json_body([ITEM]), None, "expected object"),
        (json_body(None), "null", "expected object"),
    ],
    ids=["empty", "malformed-json", "html", "number-for-date", "top-array", "null"],
)
def test_undecodable_2xx_is_a_decode_error_with_the_raw_text(server: FaultServer, mode: str, answer: Scripted, raw: str | None, why: str) -> None:
    server.add("/items/i1", answer)

    exc = error_of(mode, errors.ApiDecodeError, get_item, server)

    assert exc.raw == (answer.body.decode() if raw is None else raw)
    assert exc.status_code == 200 and exc.response.status_code == 200
    assert exc.headers["content-type"] == answer.headers["Content-Type"]
    assert str(exc).startswith("200: ") and why in str(exc)


def test_decode_error_raw_text_is_bounded(server: FaultServer, mode: str) -> None:
    huge = b'{"id": "' + b"x" * 300_000
    server.add("/items/i1", Scripted(200, {"Content-Type": "application/json"}, huge))

    exc = error_of(mode, errors.ApiDecodeError, get_item, server)

    assert len(exc.raw) == 64 * 1024 and exc.raw == huge[: 64 * 1024].decode()


def test_a_text_and_a_bytes_body(server: FaultServer, mode: str) -> None:
    server.add("/bodies/text", Scripted(200, {"Content-Type": "text/plain; charset=latin-1"}, "café".encode("latin-1")))
    server.add("/bodies/bytes", Scripted(200, {"Content-Type": "application/octet-stream"}, bytes(range(256))))

    text = once(mode, lambda c: c.bodies.send_text(body="hi"), server)
    data = once(mode, lambda c: c.bodies.send_bytes(body=b"\x00\x01"), server)

    assert text == "café" and data == bytes(range(256))


# ------------------------------------------------------------ transport failures


def test_connection_refused_is_a_connection_error_not_a_timeout(mode: str) -> None:
    with closed_port() as port:
        exc = raises(mode, errors.ApiConnectionError, get_item, base_url=f"http://127.0.0.1:{port}", max_retries=0)

    assert not isinstance(exc, errors.ApiTimeoutError)
    assert isinstance(exc.__cause__, httpx.ConnectError)
    assert exc.request is not None and exc.request.url.path == "/items/i1"
    assert f"127.0.0.1:{port}" in str(exc)


@pytest.mark.parametrize("action", ["close", "reset", "truncate"])
def test_the_server_hanging_up_is_a_connection_error(server: FaultServer, mode: str, action: str) -> None:
    server.add("/items/i1", Scripted(200, {"Content-Type": "application/json"}, json.dumps(ITEM).encode(), action=action))  # type: ignore[arg-type]

    exc = error_of(mode, errors.ApiConnectionError, get_item, server)

    assert not isinstance(exc, errors.ApiTimeoutError)
    assert isinstance(exc.__cause__, httpx.TransportError)


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "br"])
def test_a_body_that_does_not_decode_per_its_content_encoding(server: FaultServer, mode: str, encoding: str) -> None:
    server.add("/items/i1", Scripted(200, {"Content-Type": "application/json", "Content-Encoding": encoding}, b"not compressed"))

    exc = error_of(mode, errors.ApiConnectionError, get_item, server)

    assert isinstance(exc.__cause__, httpx.DecodingError)
    assert exc.request is not None and exc.request.url.path == "/items/i1"


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "raw-deflate", "gzip, identity"])
def test_compressed_bodies_are_decoded(server: FaultServer, mode: str, encoding: str) -> None:
    import zlib

    data = json.dumps(ITEM).encode()
    wbits = {"gzip": 31, "deflate": 15, "raw-deflate": -15, "gzip, identity": 31}[encoding]
    packer = zlib.compressobj(6, zlib.DEFLATED, wbits)
    packed = packer.compress(data) + packer.flush()
    header = encoding.replace("raw-", "")
    server.add("/items/i1", Scripted(200, {"Content-Type": "application/json", "Content-Encoding": header}, packed))

    raw = once(mode, lambda c: with_raw_response(c.items.get_item)("i1"), server)

    assert raw.parsed.name == "Lamp"
    assert raw.headers["content-encoding"] == header  # as received
    assert "content-encoding" not in raw.http_response.headers  # what it holds is decoded
    assert raw.http_response.json() == ITEM
    assert server.requests[0].headers["accept-encoding"] == "gzip, deflate"


def test_read_timeout_per_call_and_per_client(server: FaultServer, mode: str) -> None:
    server.add("/items/i1", json_body(ITEM, delay=5.0), json_body(ITEM, delay=5.0), json_body(ITEM, delay=0.1))

    for kw, client_kw in (({"timeout": 0.2}, {}), ({}, {"timeout": 0.2})):
        started = time.monotonic()
        exc = error_of(mode, errors.ApiTimeoutError, lambda c, kw=kw: get_item(c, **kw), server, **client_kw)
        assert isinstance(exc.__cause__, httpx.ReadTimeout) and "timed out" in str(exc)
        assert 0.15 <= time.monotonic() - started < 2.5
    item = once(mode, lambda c: get_item(c, timeout=5.0), server, timeout=0.02)  # the call's wins
    assert item.id == "i1"


# ------------------------------------------------------------ pool ownership


class CountingClient:
    """Mixed into the fixture clients: counts the pools they make."""

    made: ClassVar[list[Any]]

    def _make_pool(self) -> Any:
        time.sleep(0.05)  # widens the window in which racing first calls could each make one
        pool = super()._make_pool()  # type: ignore[misc]
        type(self).made.append(pool)
        return pool


def counting_classes() -> tuple[Any, Any]:
    from fixture_client import AsyncClient, Client

    class Sync(CountingClient, Client):
        made: ClassVar[list[Any]] = []

    class Async(CountingClient, AsyncClient):
        made: ClassVar[list[Any]] = []

    return Sync, Async


def test_the_pool_is_made_on_first_use_reused_and_closed(server: FaultServer, mode: str) -> None:
    server.add("/items/i1", json_body(ITEM), json_body(ITEM))
    sync, async_ = counting_classes()
    cls = sync if mode == "sync" else async_

    def twice(client: Any) -> Any:
        assert cls.made == []
        if mode == "sync":
            get_item(client)
            return get_item(client)

        async def run() -> Any:
            await get_item(client)
            return await get_item(client)

        return run()

    call(mode, twice, client_class=cls, base_url=server.url)

    assert len(cls.made) == 1 and cls.made[0].is_closed
    assert server.wait_open_connections(0) == 0
    assert server.connections_accepted == 1  # kept alive and reused


def test_an_unused_client_makes_no_pool(server: FaultServer, mode: str) -> None:
    sync, async_ = counting_classes()
    cls = sync if mode == "sync" else async_

    call(mode, lambda c: None if mode == "sync" else _nothing(), client_class=cls, base_url=server.url)

    assert cls.made == [] and server.connections_accepted == 0


async def _nothing() -> None:
    return None


def test_threads_racing_to_the_first_call_make_one_pool(server: FaultServer) -> None:
    import threading

    sync, _ = counting_classes()
    server.add("/items/i1", *[json_body(ITEM)] * 8)
    client = sync(api_key=KEY, base_url=server.url)
    start = threading.Barrier(8)
    results: list[Any] = []

    def first_call() -> None:
        start.wait()
        results.append(get_item(client))

    workers = [threading.Thread(target=first_call) for _ in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    client.close()

    assert len(results) == 8 and len(sync.made) == 1 and sync.made[0].is_closed


def test_a_callers_pool_is_used_and_never_closed(server: FaultServer, mode: str) -> None:
    server.add("/items/i1", json_body(ITEM), json_body(ITEM))

    def use(http: Any) -> None:
        call(mode, get_item, base_url=server.url, http_client=http, default_headers={"X-Team": "blue"})

    if mode == "sync":
        with httpx.Client(headers={"X-Owner": "caller"}) as http:
            use(http)
            assert not http.is_closed
            assert http.get(server.url + "/items/i1").status_code == 200
    else:
        import asyncio

        async def main() -> None:
            async with httpx.AsyncClient(headers={"X-Owner": "caller"}) as http:
                async with __import__("fixture_client").AsyncClient(api_key=KEY, base_url=server.url, http_client=http) as client:
                    await get_item(client)
                assert not http.is_closed
                assert (await http.get(server.url + "/items/i1")).status_code == 200

        asyncio.run(main())
    first = server.requests[0].headers
    assert first["x-owner"] == "caller" and first["authorization"] == f"Bearer {KEY}"
    assert server.connections_accepted == 1


@pytest.mark.parametrize("used", [False, True], ids=["unused", "used"])
def test_calls_after_close_fail_without_connecting(server: FaultServer, mode: str, used: bool) -> None:
    from fixture_client import AsyncClient, Client

    if used:
        server.add("/items/i1", json_body(ITEM))
    if mode == "sync":
        client = Client(api_key=KEY, base_url=server.url)
        if used:
            get_item(client)
        client.close()
        with pytest.raises(RuntimeError, match="client has been closed"):
            get_item(client)
    else:
        import asyncio

        async def main() -> None:
            client = AsyncClient(api_key=KEY, base_url=server.url)
            if used:
                await get_item(client)
            await client.close()
            with pytest.raises(RuntimeError, match="client has been closed"):
                await get_item(client)

        asyncio.run(main())
    assert server.connections_accepted == (1 if used else 0)


# ------------------------------------------------------------ the fault server itself


def test_the_fault_server_records_and_scripts(server: FaultServer) -> None:
    server.add("/a", json_body({"x": 1}, status=201, headers={"X-A": "1"}))
    with httpx.Client() as http:
        first = http.put(server.url + "/a?q=1", content=b"hello", headers={"X-Test": "yes"})
        second = http.get(server.url + "/b")
    assert (first.status_code, first.headers["x-a"], first.json()) == (201, "1", {"x": 1})
    assert second.status_code == 599 and b"/b" in second.content
    put, get = server.requests
    assert (put.method, put.path, put.query, put.body) == ("PUT", "/a", "q=1", b"hello")
    assert put.headers["x-test"] == "yes" and get.path == "/b"
    assert [r.path for r in server.unscripted] == ["/b"] and server.pending() == 0


def test_a_callers_transport_that_reads_bodies_itself(mode: str) -> None:
    """httpx.MockTransport hands back bodies already read (and decoded): users test with it."""
    import gzip

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/items/zipped":
            return httpx.Response(200, headers={"Content-Encoding": "gzip"}, content=gzip.compress(json.dumps(ITEM).encode()))
        if request.url.path == "/items/big":
            return httpx.Response(200, json={**ITEM, "name": "x" * 5000})
        return httpx.Response(200, json=ITEM)

    async def async_answer(request: httpx.Request) -> httpx.Response:
        return answer(request)

    def run(client: Any) -> Any:
        calls = [lambda: client.items.get_item("i1"), lambda: client.items.get_item("zipped")]
        if mode == "sync":
            with pytest.raises(errors.ResponseTooLargeError):
                client.items.get_item("big", max_response_bytes=1000)
            return [c() for c in calls]

        async def main() -> Any:
            with pytest.raises(errors.ResponseTooLargeError):
                await client.items.get_item("big", max_response_bytes=1000)
            return [await c() for c in calls]

        return main()

    if mode == "sync":
        with httpx.Client(transport=httpx.MockTransport(answer)) as http:
            items = call(mode, run, base_url="http://api.test", http_client=http)
    else:
        import asyncio

        async def main() -> Any:
            async with httpx.AsyncClient(transport=httpx.MockTransport(async_answer)) as http:
                from fixture_client import AsyncClient

                async with AsyncClient(api_key=KEY, base_url="http://api.test", http_client=http) as client:
                    return await run(client)

        items = asyncio.run(main())
    assert [item.name for item in items] == ["Lamp", "Lamp"]
