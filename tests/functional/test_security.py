"""Credentials never leak, errors pickle bare, redirects to another origin carry no credential.

A canary key, sent in each place a key can go, must appear in no log record
(every logger, every level: httpx logs the URL with its query at INFO), no
repr, str, traceback or pickle of an error, request or client, and no request
to another origin.
"""

from __future__ import annotations

import asyncio
import base64
import concurrent.futures
import logging
import multiprocessing
import pickle
import traceback
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from fixture_client import AsyncClient, Client, errors
from fixture_client._base_client import Auth, with_raw_response
from fixture_client._ratelimit import SlidingWindowLimiter
from fixture_client._retry import RetryPolicy
from fixture_client.models import JobInput, NewItem, Problem

from .server import FaultServer, Scripted, closed_port, json_body, running_server
from .support import call

CANARY = "sk-CANARY+5f4e/3d2c=1b0a99887766"
ITEM = {"id": "i1", "name": "Lamp", "created_at": "2025-01-02T03:04:05Z"}
JOB = {"id": "j1", "status": "pending"}
FAST = RetryPolicy(backoff_initial=0.01, backoff_max=0.02)
AUTHS = {
    "bearer": Auth("bearer"),
    "basic": Auth("basic"),
    "header": Auth("header", "X-Api-Key"),
    "query": Auth("query", "api_key"),
    "cookie": Auth("cookie", "token"),
}


def keyed(kind: str, mode: str) -> Any:
    base = Client if mode == "sync" else AsyncClient
    return type(f"{kind.title()}Keyed", (base,), {"_auth": AUTHS[kind]})


def key_for(kind: str) -> str:
    return "user:" + CANARY if kind == "basic" else CANARY


def spellings() -> list[str]:
    """The canary as it may be written anywhere: raw, percent-encoded, base64, and a tell-tale piece."""
    return [
        CANARY,
        quote(CANARY, safe=""),
        base64.b64encode(("user:" + CANARY).encode()).decode(),
        "5f4e/3d2c=1b0a",
    ]


def assert_clean(text: str, where: str) -> None:
    for secret in spellings():
        assert secret not in text, f"the key leaked in {where}: {text!r}"


def carries_key(request: Any) -> bool:
    text = request.target + repr(request.header_items)
    return any(secret in text for secret in spellings()[:3])


@pytest.fixture
def two_servers() -> Iterator[tuple[FaultServer, FaultServer]]:
    with running_server() as first, running_server() as second:
        yield first, second


@pytest.mark.parametrize("kind", list(AUTHS))
def test_the_key_leaks_nowhere(server: FaultServer, mode: str, kind: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(1)  # everything, from every logger
    server.add("/items/i1", json_body(ITEM))
    server.add("/items/i1", json_body({"statusCode": 429, "error": "slow", "message": "over the limit"}, status=429))
    server.add("/items/i1", Scripted(502, {"Content-Type": "text/html"}, b"<h1>bad gateway</h1>"))
    server.add("/items/i1", json_body({"title": "bad key"}, status=401))
    server.add("/items/i1", Scripted(200, {"Content-Type": "application/json"}, b"{not json"))
    server.add("/items/i1", json_body(ITEM, delay=3.0))
    server.add("/items/i1", Scripted(action="close"))
    server.add("/jobs", json_body(JOB, status=202))
    server.add("/jobs/j1", json_body(JOB), json_body({"id": "j1", "status": "failed", "error": "boom"}))
    steps: list[Callable[[Any], Any]] = [
        lambda c: c.items.get_item("i1"),
        lambda c: c.items.get_item("i1", max_retries=0),
        lambda c: c.items.get_item("i1", max_retries=0),
        lambda c: c.items.get_item("i1"),
        lambda c: c.items.get_item("i1"),
        lambda c: c.items.get_item("i1", deadline=0.2),
        lambda c: c.items.get_item("i1", max_retries=0),
        lambda c: with_raw_response(c.jobs.start_job)(body=JobInput(name="n")),
        lambda c: c.jobs.start_job(body=JobInput(name="n")),  # refused: the limiter is full
        lambda c: c.jobs.wait_for_job("j1", interval=0.01),
    ]
    results: list[Any] = []
    shown: list[str] = []

    def show(client: Any) -> None:
        shown.extend([repr(client), str(client), repr(vars(client)), repr(client._limiter)])

    async def run_async(client: Any) -> None:
        show(client)
        for step in steps:
            try:
                results.append(await step(client))
            except errors.ApiError as exc:
                results.append(exc)

    def run(client: Any) -> Any:
        if mode == "async":
            return run_async(client)
        show(client)
        for step in steps:
            try:
                results.append(step(client))
            except errors.ApiError as exc:
                results.append(exc)
        return None

    limiter = SlidingWindowLimiter()
    limited = type("Limited", (keyed(kind, mode),), {"_rate_limits": (__import__("fixture_client._ratelimit", fromlist=["RateLimit"]).RateLimit("jobs", per_key=1),)})
    call(mode, run, client_class=limited, api_key=key_for(kind), base_url=server.url, retry=FAST, rate_limiter=limiter, rate_limit="raise")
    with closed_port() as port:
        try:
            call(mode, lambda c: c.items.get_item("i1"), client_class=keyed(kind, mode), api_key=key_for(kind), base_url=f"http://127.0.0.1:{port}", retry=FAST)
        except errors.ApiConnectionError as exc:
            results.append(exc)

    kinds = [type(r).__name__ for r in results]
    assert kinds == ["Item", "TooManyRequestsError", "ServerError", "Status4XXError", "ApiDecodeError", "ApiDeadlineError", "ApiConnectionError", "ApiResponse", "ClientRateLimitError", "JobFailedError", "ApiConnectionError"]
    assert len(server.requests) >= 9 and all(carries_key(r) for r in server.requests)  # really sent
    records = caplog.records
    assert any(r.name == "httpx" and "HTTP Request" in r.getMessage() for r in records)  # really captured
    assert any(r.name.startswith("httpcore") for r in records)
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s %(args)s")
    texts = [*shown, caplog.text]
    for record in records:
        texts += [record.getMessage(), repr(record.args), formatter.format(record), repr(record.__dict__)]
    for result in results:
        texts += [repr(result), str(result)]
        if isinstance(result, BaseException):
            texts += [repr(result.args), "".join(traceback.format_exception(result)), repr(vars(result))]
            texts += [repr(pickle.dumps(result)), repr(pickle.loads(pickle.dumps(result)).__dict__)]
        for request in _requests_of(result):
            texts += [repr(request), str(request.url), repr(request.headers), repr(list(request.headers.raw))]
    for index, text in enumerate(texts):
        assert_clean(text, f"text {index}")


def _requests_of(result: Any) -> list[httpx.Request]:
    found: list[httpx.Request] = []
    for name in ("request", "http_response", "response", "__cause__"):
        try:
            value = getattr(result, name, None)
        except RuntimeError:  # httpx: no request set
            continue
        if isinstance(value, httpx.Request):
            found.append(value)
        elif isinstance(value, (httpx.Response, httpx.RequestError)):
            found += _requests_of(value)
    return found


def test_a_key_the_server_echoes_is_masked_in_the_message(server: FaultServer, mode: str) -> None:
    server.add("/items/i1", json_body({"statusCode": 429, "error": "slow", "message": f"key {CANARY} is over its limit"}, status=429))

    with pytest.raises(errors.TooManyRequestsError) as info:
        call(mode, lambda c: c.items.get_item("i1"), api_key=CANARY, base_url=server.url, max_retries=0)
    exc = info.value

    assert str(exc) == "429 Too Many Requests: key *** is over its limit"
    assert_clean(repr(exc) + "".join(traceback.format_exception(exc)), "the message")
    assert CANARY in exc.body.message  # the body is what the server sent, kept as data


# --------------------------------------------------------------- pickling


def bare(request: httpx.Request) -> bool:
    """No header but the Host that httpx adds to any request it makes."""
    return [name for name, _ in request.headers.raw] == [b"Host"]


def _raising_call(url: str) -> None:
    """Runs in a worker process: the error travels back pickled."""
    with Client(api_key=CANARY, base_url=url, max_retries=0) as client:
        client.items.get_item("i1")


def test_errors_cross_a_process_pool_bare(server: FaultServer) -> None:
    server.add("/items/i1", json_body({"title": "gone", "status": 404}, status=404, headers={"Retry-After": "3"}))
    context = multiprocessing.get_context("fork")
    with concurrent.futures.ProcessPoolExecutor(1, mp_context=context) as pool:
        failure = pool.submit(_raising_call, server.url).exception(timeout=30)

    assert isinstance(failure, errors.NotFoundError) and isinstance(failure, errors.Status4XXError)
    assert isinstance(failure.body, Problem) and failure.body.title == "gone"
    assert (failure.status_code, failure.retry_after) == (404, 3.0)
    assert failure.request.url.path == "/items/i1" and bare(failure.request)
    assert failure.response.json() == {"title": "gone", "status": 404}


@pytest.mark.parametrize(
    "answer",
    [
        json_body({"statusCode": 429, "error": "e"}, status=429),
        json_body({"title": "t"}, status=409),
        Scripted(200, {"Content-Type": "application/json"}, b"[1"),
        json_body(ITEM, delay=2.0),
        Scripted(action="reset"),
    ],
    ids=["typed-429", "range-409", "decode", "deadline", "connection"],
)
def test_every_error_pickles_without_request_headers_or_the_key(server: FaultServer, answer: Scripted) -> None:
    server.add("/items/i1", answer)
    with Client(api_key=CANARY, base_url=server.url, max_retries=0, deadline=0.3) as client, pytest.raises(errors.ApiError) as info:
        client.items.get_item("i1")
    error = info.value

    data = pickle.dumps(error)
    back = pickle.loads(data)

    for secret in spellings():
        assert secret.encode() not in data
    assert b"authorization" not in data.lower() and b"user-agent" not in data.lower()
    assert type(back) is type(error) and str(back) == str(error)
    assert getattr(back, "status_code", None) == getattr(error, "status_code", None)
    if isinstance(error, errors.ApiStatusError):
        assert back.body == error.body and back.response.status_code == error.response.status_code
    request = getattr(back, "request", None)
    assert request is None or (request.url.path == "/items/i1" and bare(request))


# --------------------------------------------------------------- redirects


@pytest.mark.parametrize("kind", list(AUTHS))
def test_a_redirect_to_another_origin_carries_no_credential(two_servers: tuple[FaultServer, FaultServer], mode: str, kind: str) -> None:
    api, other = two_servers
    api.add("/items/i1", Scripted(302, {"Location": f"{other.url}/cdn/i1"}))
    api.add("/items/i2", Scripted(307, {"Location": "/items/i3"}))
    api.add("/items/i3", json_body(ITEM))
    other.add("/cdn/i1", json_body(ITEM))

    def both(client: Any) -> Any:
        if mode == "sync":
            return client.items.get_item("i1"), client.items.get_item("i2")

        async def run() -> Any:
            return await client.items.get_item("i1"), await client.items.get_item("i2")

        return run()

    cls = keyed(kind, mode)
    headers = {"Cookie": "session=caller"} if kind != "cookie" else {}
    if mode == "sync":
        with httpx.Client(follow_redirects=True) as http:
            first, second = call(mode, both, client_class=cls, api_key=key_for(kind), base_url=api.url, http_client=http, default_headers=headers)
    else:

        async def main() -> Any:
            async with httpx.AsyncClient(follow_redirects=True) as http, cls(api_key=key_for(kind), base_url=api.url, http_client=http, default_headers=headers) as client:
                return await both(client)

        first, second = asyncio.run(main())

    assert first.id == second.id == "i1"
    [hop] = other.requests
    assert hop.path == "/cdn/i1"
    assert_clean(hop.target + repr(hop.header_items), "the request to another origin")
    assert "authorization" not in hop.headers and "cookie" not in hop.headers
    same_origin = api.requests[-1]  # /items/i3, reached by a 307 on the same origin
    assert same_origin.path == "/items/i3"
    assert carries_key(same_origin)


def test_redirect_methods_bodies_and_limits(two_servers: tuple[FaultServer, FaultServer]) -> None:
    api, _ = two_servers
    api.add("/items", Scripted(303, {"Location": "/items/i1"}))
    api.add("/items/i1", json_body(ITEM))
    api.add("/bodies/json", Scripted(307, {"Location": "/bodies/json2"}))
    api.add("/bodies/json2", json_body({"ok": True}))
    api.add("/items/loop", *[Scripted(302, {"Location": "/items/loop"})] * 5)
    with httpx.Client(follow_redirects=True, max_redirects=3) as http, Client(api_key=CANARY, base_url=api.url, http_client=http) as client:
        created = client.items.create_item(body=NewItem(name="n"))
        echoed = client.bodies.send_json(body=NewItem(name="again"))
        with pytest.raises(errors.ApiConnectionError, match="no usable response") as info:
            client.items.get_item("loop")

    assert created.id == "i1" and echoed == {"ok": True}
    post, get, first, second = api.requests[:4]
    assert (post.method, get.method, get.body, "content-type" in get.headers) == ("POST", "GET", b"", False)
    assert (first.method, second.method, second.body) == ("POST", "POST", b'{"name":"again"}')
    assert isinstance(info.value.__cause__, httpx.TooManyRedirects)
    assert len(api.requests) == 4 + 4  # the first loop request and three redirects


def test_the_clients_own_pool_follows_no_redirect(server: FaultServer, mode: str) -> None:
    server.add("/items/i1", Scripted(302, {"Location": "/items/i2"}))

    with pytest.raises(errors.UnexpectedStatusError) as info:
        call(mode, lambda c: c.items.get_item("i1"), base_url=server.url)
    exc = info.value

    assert exc.status_code == 302 and len(server.requests) == 1


@pytest.mark.parametrize(
    "bad_key",
    ["sk-\u201cquoted\u201d-SECRETVALUE", "sk-SECRETVALUE\n", "sk-SECRET\r\nX-Evil: 1", "sk SECRET"],
    ids=["smart-quotes", "trailing-newline", "header-injection", "space"],
)
def test_a_key_that_cannot_be_sent_is_refused_without_echoing_it(server: FaultServer, mode: str, bad_key: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    server.add("*", json_body(ITEM))

    with pytest.raises(errors.ApiError, match="cannot be sent") as info:
        call(mode, lambda c: c.items.get_item("i1"), api_key=bad_key, base_url=server.url)

    text = str(info.value) + repr(info.value) + "".join(traceback.format_exception(info.value)) + caplog.text
    assert "SECRET" not in text
    assert server.requests == []


def test_a_missing_key_names_the_variable_not_its_value(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FIXTURE_API_KEY", "")
    with pytest.raises(errors.ApiError, match="FIXTURE_API_KEY") as info:
        Client(base_url="http://127.0.0.1:1")
    assert str(info.value) == "no API key: pass api_key=... or set FIXTURE_API_KEY"


def test_the_callers_own_httpx_auth_does_not_follow_to_another_origin(two_servers: tuple[FaultServer, FaultServer]) -> None:
    api, other = two_servers
    api.add("/items/i1", Scripted(302, {"Location": f"{other.url}/cdn/i1"}))
    other.add("/cdn/i1", json_body(ITEM))
    with httpx.Client(follow_redirects=True, auth=("svc", "pw-SECRET-123")) as http, Client(api_key=CANARY, base_url=api.url, http_client=http) as client:
        assert client.items.get_item("i1").id == "i1"

    [first], [hop] = api.requests, other.requests
    assert first.headers["authorization"].startswith("Basic ")  # the pool's auth, as its owner set it
    assert "authorization" not in hop.headers
