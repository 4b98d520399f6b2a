"""The generated client against a real HTTP server on loopback, sync and async.

Every test talks to ``fault_server.FaultServer`` over a real socket: parsing of
documented bodies, the error hierarchy for each kind of failure, timeouts,
authentication, that the API key never leaks, and connection-pool ownership.
"""

from __future__ import annotations

import asyncio
import datetime
import json
import logging
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import unquote

import httpx
import instantly_client
import pytest
from fault_server import FaultServer, Scripted, closed_port, json_body, running_server
from instantly_client import (
    ApiConnectionError,
    ApiDecodeError,
    ApiError,
    ApiResponse,
    ApiStatusError,
    ApiTimeoutError,
    AsyncClient,
    AuthenticationError,
    BadRequestError,
    Client,
    ConflictError,
    GetOAuthSessionStatusResponse,
    InitGoogleOAuthResponse,
    InitMicrosoftOAuthResponse,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    ServiceUnavailableError,
    ServiceUnavailableErrorBody,
    TooManyRequestsError,
    TooManyRequestsErrorBody,
    UnexpectedStatusError,
    UnprocessableEntityError,
)

KEY = "sk-test-9f8e7d6c5b4a3210-SECRET"
ENV = "INSTANTLY_API_KEY"
MICROSOFT = "/api/v2/oauth/microsoft/init"
GOOGLE = "/api/v2/oauth/google/init"
STATUS = "/api/v2/oauth/session/status/"

INIT_BODY = {
    "session_id": "sess_123",
    "auth_url": "https://login.example/authorize?state=abc",
    "expires_at": "2025-01-02T03:04:05.678Z",
}
EXPIRES = datetime.datetime(2025, 1, 2, 3, 4, 5, 678000, tzinfo=datetime.timezone.utc)
RATE_LIMITED = {
    "statusCode": 429,
    "error": "Too Many Requests",
    "message": "75 requests per minute per workspace",
}
UNAVAILABLE = {
    "statusCode": 503,
    "error": "Service Unavailable",
    "message": "Microsoft is rate-limiting us, retry shortly",
}
HTML_PAGE = "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>"

Op = Callable[[Any], Any]


def init_microsoft(client: Any, **kw: Any) -> Any:
    return client.oauth.init_microsoft_oauth(**kw)


def init_google(client: Any, **kw: Any) -> Any:
    return client.oauth.init_google_oauth(**kw)


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with running_server() as srv:
        yield srv
        assert srv.unscripted == [], "the client called a path the test did not script"


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def _small_ca_file(tmp_path_factory: pytest.TempPathFactory) -> str:
    """One CA certificate from certifi's bundle, as a PEM file."""
    import certifi

    bundle = Path(certifi.where()).read_text(encoding="ascii")
    end = "-----END CERTIFICATE-----\n"
    first = bundle[bundle.index("-----BEGIN CERTIFICATE-----") : bundle.index(end) + len(end)]
    path = tmp_path_factory.mktemp("ca") / "one.pem"
    path.write_text(first, encoding="ascii")
    return str(path)


@pytest.fixture(autouse=True)
def _test_environment(monkeypatch: pytest.MonkeyPatch, _small_ca_file: str) -> None:
    """Tests choose the key explicitly; a key in the developer's shell must not count.

    Every client builds an httpx pool, which loads the whole CA bundle (~50 ms) though
    these tests only speak plain HTTP on loopback; httpx's documented SSL_CERT_FILE
    points it at a one-certificate file instead, which keeps the file fast.
    """
    monkeypatch.delenv(ENV, raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    monkeypatch.setenv("SSL_CERT_FILE", _small_ca_file)


def call(mode: str, op: Op, **client_kwargs: Any) -> Any:
    """Build the sync or async client, run ``op(client)`` inside it, return the result.

    ``op`` works for both: async methods return a coroutine, which is awaited.
    """
    client_kwargs.setdefault("api_key", KEY)
    # These tests are about mapping one response to one result; retries have their
    # own tests (test_retries.py), so each call here makes exactly one attempt.
    client_kwargs.setdefault("max_retries", 0)
    if mode == "sync":
        with Client(**client_kwargs) as client:
            return op(client)

    async def main() -> Any:
        async with AsyncClient(**client_kwargs) as client:
            return await op(client)

    return asyncio.run(main())


def raises(mode: str, expected: type[BaseException], op: Op, **client_kwargs: Any) -> Any:
    with pytest.raises(expected) as info:
        call(mode, op, **client_kwargs)
    return info.value


# --------------------------------------------------------------------------- 200


def test_init_microsoft_oauth_parses_typed_model(server: FaultServer, mode: str) -> None:
    server.add(MICROSOFT, json_body({**INIT_BODY, "workspace": {"id": "w1"}, "n": 3}))

    result = call(mode, init_microsoft, base_url=server.url)

    assert type(result) is InitMicrosoftOAuthResponse
    assert result.session_id == "sess_123"
    assert result.auth_url == INIT_BODY["auth_url"]
    assert isinstance(result.expires_at, datetime.datetime)
    assert result.expires_at.tzinfo is not None
    assert result.expires_at == EXPIRES
    assert result.additional_properties == {"workspace": {"id": "w1"}, "n": 3}
    [request] = server.requests
    assert request.method == "POST"
    assert request.path == MICROSOFT
    assert request.query == ""
    assert request.body == b""


def test_init_google_oauth_parses_typed_model(server: FaultServer, mode: str) -> None:
    body = {**INIT_BODY, "expires_at": "2025-01-02T05:04:05.678+02:00"}
    server.add(GOOGLE, json_body(body))

    result = call(mode, init_google, base_url=server.url)

    assert type(result) is InitGoogleOAuthResponse
    assert result.session_id == "sess_123"
    assert result.expires_at.utcoffset() == datetime.timedelta(hours=2)
    assert result.expires_at == EXPIRES  # same instant
    assert result.additional_properties == {}
    [request] = server.requests
    assert (request.method, request.path) == ("POST", GOOGLE)


def test_session_status_parses_typed_model(server: FaultServer, mode: str) -> None:
    body = {"status": "success", "email": "a@b.example", "name": "Ann", "provider": "google"}
    server.add(STATUS + "sess_123", json_body(body))

    result = call(mode, lambda c: c.oauth.get_oauth_session_status("sess_123"), base_url=server.url)

    assert type(result) is GetOAuthSessionStatusResponse
    assert (result.status, result.email, result.name) == ("success", "a@b.example", "Ann")
    assert result.error is instantly_client.UNSET
    assert result.additional_properties == {"provider": "google"}
    [request] = server.requests
    assert (request.method, request.path) == ("GET", STATUS + "sess_123")


def test_enum_value_the_spec_does_not_list_is_kept(server: FaultServer, mode: str) -> None:
    server.add(STATUS + "s1", json_body({"status": "weird", "error": "x"}))

    result = call(mode, lambda c: c.oauth.get_oauth_session_status("s1"), base_url=server.url)

    assert result.status == "weird"
    assert result.error == "x"


def test_strict_client_refuses_what_the_lenient_default_keeps(server: FaultServer, mode: str) -> None:
    drift = {"session_id": "s", "auth_url": "https://x", "expires_at": "in ten minutes"}
    server.add(MICROSOFT, json_body(drift))
    server.add(STATUS + "s1", json_body({"status": "weird"}))
    server.add(MICROSOFT, json_body(drift))
    server.add(STATUS + "s1", json_body({"status": "weird"}))

    kept = call(mode, lambda c: c.oauth.init_microsoft_oauth(), base_url=server.url)
    assert kept.expires_at == "in ten minutes"  # a date-time that does not parse stays text
    assert call(mode, lambda c: c.oauth.get_oauth_session_status("s1"), base_url=server.url).status == "weird"

    with pytest.raises(ApiDecodeError) as date_error:
        call(mode, lambda c: c.oauth.init_microsoft_oauth(), base_url=server.url, strict=True)
    assert "$.expires_at" in str(date_error.value) and "date-time" in str(date_error.value)
    assert date_error.value.raw == json.dumps(drift)
    with pytest.raises(ApiDecodeError) as enum_error:
        call(mode, lambda c: c.oauth.get_oauth_session_status("s1"), base_url=server.url, strict=True)
    assert "$.status" in str(enum_error.value) and "'pending'" in str(enum_error.value)


def test_raw_form_gives_status_headers_and_parsed(server: FaultServer, mode: str) -> None:
    server.add(MICROSOFT, json_body(INIT_BODY, headers={"X-Request-Id": "req-42"}))

    raw = call(mode, lambda c: c.oauth.init_microsoft_oauth_raw(), base_url=server.url)

    assert isinstance(raw, ApiResponse)
    assert raw.status_code == 200
    assert isinstance(raw.headers, httpx.Headers)
    assert raw.headers["x-request-id"] == "req-42"
    assert raw.headers["content-type"] == "application/json"
    assert type(raw.parsed) is InitMicrosoftOAuthResponse
    assert raw.parsed.expires_at == EXPIRES
    assert raw.json() == INIT_BODY
    assert raw.http_response.request.url.path == MICROSOFT


def test_raw_form_with_path_argument(server: FaultServer, mode: str) -> None:
    server.add(STATUS + "s%201", json_body({"status": "expired"}, headers={"X-Request-Id": "r2"}))

    raw = call(mode, lambda c: c.oauth.get_oauth_session_status_raw("s 1"), base_url=server.url)

    assert raw.status_code == 200
    assert raw.headers["x-request-id"] == "r2"
    assert type(raw.parsed) is GetOAuthSessionStatusResponse
    assert raw.parsed.status == "expired"


@pytest.mark.parametrize(
    "session_id",
    ["a/b c?d", "50%#frag", "ü&x=1", "..", ".", "a/../b"],
    ids=["slash-space-question", "percent-hash", "unicode-amp", "dotdot", "dot", "dotdot-inside"],
)
def test_session_id_is_one_percent_encoded_path_segment(server: FaultServer, mode: str, session_id: str) -> None:
    server.add("*", json_body({"status": "pending"}))

    call(mode, lambda c: c.oauth.get_oauth_session_status(session_id), base_url=server.url)

    [request] = server.requests
    assert request.query == "", request.target
    assert request.path.startswith(STATUS), request.target
    segment = request.path[len(STATUS) :]
    assert "/" not in segment and "?" not in segment and " " not in segment, request.target
    assert unquote(segment) == session_id


def test_empty_session_id_is_refused_before_sending(server: FaultServer, mode: str) -> None:
    with pytest.raises(ValueError, match="must not be empty"):
        call(mode, lambda c: c.oauth.get_oauth_session_status(""), base_url=server.url)
    assert server.requests == []


# --------------------------------------------------------------- documented errors


@pytest.mark.parametrize("op", [init_microsoft, init_google], ids=["microsoft", "google"])
def test_documented_429_raises_typed_error(server: FaultServer, mode: str, op: Op) -> None:
    path = MICROSOFT if op is init_microsoft else GOOGLE
    server.add(path, json_body(RATE_LIMITED, status=429, headers={"Retry-After": "7"}))

    exc = raises(mode, TooManyRequestsError, op, base_url=server.url)

    assert isinstance(exc, RateLimitError)
    assert isinstance(exc, ApiStatusError)
    assert isinstance(exc, ApiError)
    assert isinstance(exc.body, TooManyRequestsErrorBody)
    assert exc.body.status_code == 429
    assert exc.body.error == "Too Many Requests"
    assert exc.body.message == RATE_LIMITED["message"]
    assert exc.status_code == 429
    assert exc.headers["retry-after"] == "7"
    assert isinstance(exc.response, httpx.Response)
    assert exc.response.status_code == 429
    assert exc.request.url.path == path
    assert "429" in str(exc) and RATE_LIMITED["message"] in str(exc)


@pytest.mark.parametrize("op", [init_microsoft, init_google], ids=["microsoft", "google"])
def test_documented_503_raises_typed_error(server: FaultServer, mode: str, op: Op) -> None:
    path = MICROSOFT if op is init_microsoft else GOOGLE
    server.add(path, json_body(UNAVAILABLE, status=503))

    exc = raises(mode, ServiceUnavailableError, op, base_url=server.url)

    assert isinstance(exc, ServerError)
    assert isinstance(exc, ApiStatusError)
    assert isinstance(exc, ApiError)
    assert isinstance(exc.body, ServiceUnavailableErrorBody)
    assert exc.body.status_code == 503
    assert exc.body.error == "Service Unavailable"
    assert exc.body.message == UNAVAILABLE["message"]
    assert exc.status_code == 503
    assert exc.headers["content-type"] == "application/json"
    assert exc.response.status_code == 503


def test_error_classes_form_the_documented_hierarchy() -> None:
    assert issubclass(TooManyRequestsError, RateLimitError)
    assert issubclass(ServiceUnavailableError, ServerError)
    for cls in (RateLimitError, ServerError, UnexpectedStatusError, AuthenticationError, NotFoundError):
        assert issubclass(cls, ApiStatusError)
    assert issubclass(ApiStatusError, ApiError)
    assert issubclass(ApiTimeoutError, ApiConnectionError)
    assert issubclass(ApiConnectionError, ApiError)
    assert issubclass(ApiDecodeError, ApiError)
    assert not issubclass(ApiDecodeError, ApiStatusError)


@pytest.mark.parametrize(
    ("answer", "body"),
    [
        (json_body({"error": "slow down"}, status=429), {"error": "slow down"}),
        (json_body({**RATE_LIMITED, "message": 5}, status=429), {**RATE_LIMITED, "message": 5}),
        (json_body([1, 2], status=429), [1, 2]),
        (Scripted(429, {"Content-Type": "text/plain"}, b"rate limited, go away"), "rate limited, go away"),
    ],
    ids=["other-object", "wrong-type", "array", "text"],
)
def test_429_with_undocumented_body_is_generic_rate_limit_error(
    server: FaultServer, mode: str, answer: Scripted, body: object
) -> None:
    server.add(MICROSOFT, answer)

    exc = raises(mode, RateLimitError, init_microsoft, base_url=server.url)

    assert type(exc) is RateLimitError
    assert exc.body == body
    assert exc.status_code == 429


def test_503_with_undocumented_body_is_generic_server_error(server: FaultServer, mode: str) -> None:
    server.add(GOOGLE, json_body({"oops": True}, status=503))

    exc = raises(mode, ServerError, init_google, base_url=server.url)

    assert type(exc) is ServerError
    assert exc.body == {"oops": True}


def test_429_on_operation_that_does_not_document_it_is_generic(server: FaultServer, mode: str) -> None:
    server.add(STATUS + "s1", json_body(RATE_LIMITED, status=429))

    exc = raises(mode, RateLimitError, lambda c: c.oauth.get_oauth_session_status("s1"), base_url=server.url)

    assert type(exc) is RateLimitError
    assert exc.body == RATE_LIMITED


# ------------------------------------------------------------- other status codes


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (500, ServerError),
        (520, ServerError),
        (502, ServerError),
        (418, UnexpectedStatusError),
        (402, UnexpectedStatusError),
        (302, UnexpectedStatusError),
        (400, BadRequestError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (409, ConflictError),
        (422, UnprocessableEntityError),
    ],
)
def test_status_maps_to_error_class(server: FaultServer, mode: str, status: int, cls: type[ApiStatusError]) -> None:
    payload = {"message": f"nope {status}", "code": status}
    headers = {"Location": "http://127.0.0.1:1/elsewhere"} if status == 302 else {}
    server.add(MICROSOFT, json_body(payload, status=status, headers=headers))

    exc = raises(mode, ApiStatusError, init_microsoft, base_url=server.url)

    assert type(exc) is cls
    assert exc.status_code == status
    assert exc.body == payload
    assert exc.response.status_code == status
    assert str(exc).startswith(str(status)) and f"nope {status}" in str(exc)
    assert len(server.requests) == 1  # no redirect followed, no retry


def test_status_error_with_empty_body(server: FaultServer, mode: str) -> None:
    server.add(MICROSOFT, Scripted(404))

    exc = raises(mode, NotFoundError, init_microsoft, base_url=server.url)

    assert exc.body is None
    assert str(exc) == "404 Not Found"


def test_html_error_page_is_server_error_with_text_body(server: FaultServer, mode: str) -> None:
    server.add(MICROSOFT, Scripted(502, {"Content-Type": "text/html; charset=utf-8"}, HTML_PAGE.encode()))

    exc = raises(mode, ServerError, init_microsoft, base_url=server.url)

    assert type(exc) is ServerError
    assert exc.status_code == 502
    assert exc.body == HTML_PAGE
    assert exc.headers["content-type"].startswith("text/html")


# ------------------------------------------------------------ undecodable 2xx


@pytest.mark.parametrize(
    ("answer", "raw"),
    [
        (Scripted(200, {"Content-Type": "application/json"}, b""), ""),
        (Scripted(200, {"Content-Type": "application/json"}, b'{"session_id": "s'), '{"session_id": "s'),
        (Scripted(200, {"Content-Type": "text/html"}, HTML_PAGE.encode()), HTML_PAGE),
        (json_body({**INIT_BODY, "expires_at": 1735787045}), None),
        (json_body({**INIT_BODY, "session_id": ["x"]}), None),
        (json_body([INIT_BODY]), None),
        (json_body(None), "null"),
    ],
    ids=["empty", "malformed-json", "html", "expires-number", "id-array", "top-array", "null"],
)
def test_undecodable_2xx_raises_decode_error_with_raw_text(
    server: FaultServer, mode: str, answer: Scripted, raw: str | None
) -> None:
    server.add(MICROSOFT, answer)

    exc = raises(mode, ApiDecodeError, init_microsoft, base_url=server.url)

    assert not isinstance(exc, ApiStatusError)
    assert exc.raw == (answer.body.decode() if raw is None else raw)
    assert exc.status_code == 200
    assert exc.response.status_code == 200
    assert exc.headers["content-type"] == answer.headers["Content-Type"]
    assert str(exc).startswith("200")


def test_decode_error_names_the_field(server: FaultServer, mode: str) -> None:
    server.add(MICROSOFT, json_body({**INIT_BODY, "expires_at": 1735787045}))

    exc = raises(mode, ApiDecodeError, init_microsoft, base_url=server.url)

    assert "$.expires_at" in str(exc)
    assert "date-time" in str(exc) or "string" in str(exc)


# ------------------------------------------------------------ transport failures


def test_connection_refused_is_connection_error_not_timeout(mode: str) -> None:
    with closed_port() as port:
        exc = raises(mode, ApiConnectionError, init_microsoft, base_url=f"http://127.0.0.1:{port}")

    assert not isinstance(exc, ApiTimeoutError)
    assert isinstance(exc.__cause__, httpx.ConnectError)
    assert exc.request is not None and exc.request.url.path == MICROSOFT
    assert f"127.0.0.1:{port}" in str(exc)


@pytest.mark.parametrize("action", ["close", "reset", "truncate"])
def test_server_hanging_up_is_connection_error(server: FaultServer, mode: str, action: str) -> None:
    body = b'{"session_id": "s1", "auth_url": "https://x.example/a"}'
    server.add(MICROSOFT, Scripted(200, {"Content-Type": "application/json"}, body, action=action))  # type: ignore[arg-type]

    exc = raises(mode, ApiConnectionError, init_microsoft, base_url=server.url)

    assert not isinstance(exc, ApiTimeoutError)
    assert isinstance(exc.__cause__, httpx.TransportError)
    assert len(server.requests) == 1  # no silent retry


def test_body_that_does_not_decode_per_content_encoding_is_connection_error(server: FaultServer, mode: str) -> None:
    server.add(MICROSOFT, Scripted(200, {"Content-Type": "application/json", "Content-Encoding": "gzip"}, b"not gzip"))

    exc = raises(mode, ApiConnectionError, init_microsoft, base_url=server.url)

    assert not isinstance(exc, ApiTimeoutError)
    assert isinstance(exc.__cause__, httpx.DecodingError)
    assert exc.request is not None and exc.request.url.path == MICROSOFT


def test_read_timeout_per_call(server: FaultServer, mode: str) -> None:
    server.add(MICROSOFT, json_body(INIT_BODY, delay=5.0))

    started = time.monotonic()
    exc = raises(mode, ApiTimeoutError, lambda c: c.oauth.init_microsoft_oauth(timeout=0.3), base_url=server.url)
    elapsed = time.monotonic() - started

    assert isinstance(exc, ApiConnectionError)
    assert isinstance(exc.__cause__, httpx.ReadTimeout)
    assert 0.25 <= elapsed < 2.5
    assert "timed out" in str(exc)


def test_read_timeout_per_client(server: FaultServer, mode: str) -> None:
    server.add(GOOGLE, json_body(INIT_BODY, delay=5.0))

    started = time.monotonic()
    exc = raises(mode, ApiTimeoutError, init_google, base_url=server.url, timeout=0.3)
    elapsed = time.monotonic() - started

    assert isinstance(exc, ApiConnectionError)
    assert isinstance(exc.__cause__, httpx.ReadTimeout)
    assert 0.25 <= elapsed < 2.5


def test_per_call_timeout_overrides_client_timeout(server: FaultServer, mode: str) -> None:
    server.add(MICROSOFT, json_body(INIT_BODY, delay=0.1))

    result = call(mode, lambda c: c.oauth.init_microsoft_oauth(timeout=5.0), base_url=server.url, timeout=0.02)

    assert result.session_id == "sess_123"


# ------------------------------------------------------------ authentication


def test_bearer_key_user_agent_and_accept_are_sent(server: FaultServer, mode: str) -> None:
    server.add(MICROSOFT, json_body(INIT_BODY))

    call(mode, lambda c: c.oauth.init_microsoft_oauth(extra_headers={"X-Trace": "t-1"}), base_url=server.url)

    headers = server.requests[0].headers
    assert headers["authorization"] == f"Bearer {KEY}"
    assert "instantly_client" in headers["user-agent"]
    assert headers["accept"] == "application/json"
    assert headers["x-trace"] == "t-1"


@pytest.mark.parametrize("pool", ["own", "caller's"])
def test_default_headers_are_sent_and_per_call_headers_win(server: FaultServer, mode: str, pool: str) -> None:
    """The client's own pool carries the default headers; a caller's pool gets them per request."""
    server.add(MICROSOFT, json_body(INIT_BODY), json_body(INIT_BODY))
    defaults = {"X-Team": "blue", "X-Trace": "default", "Accept": "text/html", "User-Agent": "mine/1"}

    def op(c: Any) -> Any:
        if mode == "sync":
            c.oauth.init_microsoft_oauth()
            return c.oauth.init_microsoft_oauth(extra_headers={"X-Trace": "t-2"})

        async def both() -> Any:
            await c.oauth.init_microsoft_oauth()
            return await c.oauth.init_microsoft_oauth(extra_headers={"X-Trace": "t-2"})

        return both()

    if pool == "own":
        call(mode, op, base_url=server.url, default_headers=defaults)
    elif mode == "sync":
        with httpx.Client() as http:
            call(mode, op, base_url=server.url, default_headers=defaults, http_client=http)
    else:

        async def with_caller_pool() -> None:
            async with httpx.AsyncClient() as http, AsyncClient(
                api_key=KEY, base_url=server.url, default_headers=defaults, http_client=http, max_retries=0
            ) as c:
                await op(c)

        asyncio.run(with_caller_pool())

    first, second = (r.headers for r in server.requests)
    for headers in (first, second):
        assert headers["x-team"] == "blue"
        assert headers["user-agent"] == "mine/1"
        assert headers["accept"] == "application/json"  # the operation's, over the default
        assert headers["authorization"] == f"Bearer {KEY}"
    assert first["x-trace"] == "default"
    assert second["x-trace"] == "t-2"


def test_key_is_read_from_environment(server: FaultServer, mode: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV, "sk-from-env-1234")
    server.add(MICROSOFT, json_body(INIT_BODY), json_body(INIT_BODY))

    call(mode, init_microsoft, api_key=None, base_url=server.url)
    call(mode, init_microsoft, api_key="sk-explicit-5678", base_url=server.url)

    first, second = server.requests
    assert first.headers["authorization"] == "Bearer sk-from-env-1234"
    assert second.headers["authorization"] == "Bearer sk-explicit-5678"


@pytest.mark.parametrize("env_value", [None, ""], ids=["unset", "empty"])
def test_no_key_anywhere_is_refused(mode: str, monkeypatch: pytest.MonkeyPatch, env_value: str | None) -> None:
    if env_value is not None:
        monkeypatch.setenv(ENV, env_value)
    cls = Client if mode == "sync" else AsyncClient

    with pytest.raises(ApiError, match=ENV):
        cls(base_url="http://127.0.0.1:1")


# ------------------------------------------------------------ the key never leaks


def _assert_no_key(text: str, where: str) -> None:
    assert KEY not in text, f"API key leaked in {where}: {text!r}"
    assert KEY[-12:] not in text, f"part of the API key leaked in {where}: {text!r}"


def test_key_leaks_nowhere(server: FaultServer, mode: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    server.add(MICROSOFT, json_body(INIT_BODY))
    server.add(MICROSOFT, json_body(RATE_LIMITED, status=429))
    server.add(MICROSOFT, Scripted(502, {"Content-Type": "text/html"}, HTML_PAGE.encode()))
    server.add(MICROSOFT, json_body({"message": "bad key"}, status=401))
    server.add(MICROSOFT, Scripted(200, {"Content-Type": "application/json"}, b"{not json"))
    server.add(MICROSOFT, json_body({"expires_at": 3}))
    server.add(MICROSOFT, json_body(INIT_BODY, delay=5.0))
    server.add(MICROSOFT, Scripted(action="close"))
    errors: list[BaseException] = []
    shown: list[str] = []

    def exercise(client: Any) -> None:
        shown.extend([repr(client), str(client), f"{client}", repr(vars(client) if hasattr(client, "__dict__") else "")])
        client.oauth.init_microsoft_oauth()
        for kw in ({}, {}, {}, {}, {}, {"timeout": 0.2}, {}):
            try:
                client.oauth.init_microsoft_oauth(**kw)
            except ApiError as exc:
                errors.append(exc)

    async def exercise_async(client: Any) -> None:
        shown.extend([repr(client), str(client), f"{client}", repr(vars(client) if hasattr(client, "__dict__") else "")])
        await client.oauth.init_microsoft_oauth()
        for kw in ({}, {}, {}, {}, {}, {"timeout": 0.2}, {}):
            try:
                await client.oauth.init_microsoft_oauth(**kw)
            except ApiError as exc:
                errors.append(exc)

    call(mode, exercise if mode == "sync" else exercise_async, base_url=server.url)
    with closed_port() as port:
        try:
            call(mode, init_microsoft, base_url=f"http://127.0.0.1:{port}")
        except ApiError as exc:
            errors.append(exc)

    assert [type(e) for e in errors] == [
        TooManyRequestsError,
        ServerError,
        AuthenticationError,
        ApiDecodeError,
        ApiDecodeError,
        ApiTimeoutError,
        ApiConnectionError,
        ApiConnectionError,
    ]
    assert all(r.headers["authorization"] == f"Bearer {KEY}" for r in server.requests)  # it was really sent
    for text in shown:
        _assert_no_key(text, "the client's repr/str")
    for exc in errors:
        name = type(exc).__name__
        _assert_no_key(str(exc), f"str({name})")
        _assert_no_key(repr(exc), f"repr({name})")
        _assert_no_key(repr(exc.args), f"{name}.args")
        _assert_no_key("".join(traceback.format_exception(exc)), f"traceback of {name}")
        request = getattr(exc, "request", None)
        if request is not None:
            _assert_no_key(repr(request.headers), f"{name}.request.headers")
    assert "HTTP Request: POST" in caplog.text  # httpx's own logging really was captured
    _assert_no_key(caplog.text, "log output")
    for record in caplog.records:
        _assert_no_key(record.getMessage(), f"log record {record.name}")
        _assert_no_key(repr(record.args), f"log record args {record.name}")


def test_missing_key_error_does_not_echo_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV, "")
    with pytest.raises(ApiError) as info:
        Client(base_url="http://127.0.0.1:1")
    assert ENV in str(info.value)


@pytest.mark.parametrize(
    "bad_key",
    ["sk-\u201cquoted\u201d-SECRETVALUE", "sk-SECRETVALUE\n", "sk-SECRET\r\nX-Evil: 1"],
    ids=["smart-quotes", "trailing-newline", "header-injection"],
)
def test_key_that_cannot_be_sent_fails_cleanly_without_leaking(
    server: FaultServer, mode: str, bad_key: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    server.add("*", json_body(INIT_BODY))

    with pytest.raises(ApiError) as info:
        call(mode, init_microsoft, api_key=bad_key, base_url=server.url)

    exc = info.value
    assert "SECRET" not in str(exc) and "SECRET" not in repr(exc)
    assert "SECRET" not in "".join(traceback.format_exception(exc))
    assert "SECRET" not in caplog.text
    assert all("x-evil" not in r.headers for r in server.requests)


# ------------------------------------------------------------ pool ownership


def test_sync_with_block_closes_the_pool(server: FaultServer) -> None:
    server.add(MICROSOFT, json_body(INIT_BODY), json_body(INIT_BODY))

    with Client(api_key=KEY, base_url=server.url, max_retries=0) as client:
        client.oauth.init_microsoft_oauth()
        client.oauth.init_microsoft_oauth()
        assert server.open_connections == 1  # kept alive and reused
        assert not client._http.is_closed

    assert client._http.is_closed
    assert server.wait_open_connections(0) == 0
    assert server.connections_accepted == 1


def test_async_with_block_closes_the_pool(server: FaultServer) -> None:
    server.add(MICROSOFT, json_body(INIT_BODY), json_body(INIT_BODY))

    async def main() -> AsyncClient:
        async with AsyncClient(api_key=KEY, base_url=server.url, max_retries=0) as client:
            await client.oauth.init_microsoft_oauth()
            await client.oauth.init_microsoft_oauth()
            assert server.open_connections == 1
            assert not client._http.is_closed
        return client

    client = asyncio.run(main())

    assert client._http.is_closed
    assert server.wait_open_connections(0) == 0
    assert server.connections_accepted == 1


def test_close_method_closes_the_pool(server: FaultServer) -> None:
    server.add(MICROSOFT, json_body(INIT_BODY))
    client = Client(api_key=KEY, base_url=server.url, max_retries=0)
    client.oauth.init_microsoft_oauth()

    client.close()

    assert client._http.is_closed
    assert server.wait_open_connections(0) == 0


def test_caller_owned_sync_http_client_is_not_closed(server: FaultServer) -> None:
    server.add(MICROSOFT, json_body(INIT_BODY), json_body(INIT_BODY))
    with httpx.Client(headers={"X-Owner": "caller"}) as http:
        with Client(api_key=KEY, base_url=server.url, http_client=http) as client:
            client.oauth.init_microsoft_oauth()

        assert not http.is_closed
        assert server.open_connections == 1
        response = http.post(server.url + MICROSOFT)  # still usable, same connection
        assert response.status_code == 200
        assert server.connections_accepted == 1
        assert server.requests[0].headers["x-owner"] == "caller"
        assert server.requests[0].headers["authorization"] == f"Bearer {KEY}"

    assert server.wait_open_connections(0) == 0


def test_caller_owned_async_http_client_is_not_closed(server: FaultServer) -> None:
    server.add(MICROSOFT, json_body(INIT_BODY), json_body(INIT_BODY))

    async def main() -> None:
        async with httpx.AsyncClient() as http:
            async with AsyncClient(api_key=KEY, base_url=server.url, http_client=http) as client:
                await client.oauth.init_microsoft_oauth()

            assert not http.is_closed
            assert server.open_connections == 1
            response = await http.post(server.url + MICROSOFT)
            assert response.status_code == 200
            assert server.connections_accepted == 1

    asyncio.run(main())

    assert server.wait_open_connections(0) == 0


_HTTPX_CLIENT = httpx.Client


class _CountingClient(httpx.Client):
    """httpx.Client that counts how many are made; slow to build, like a real CA bundle load."""

    made: ClassVar[list[_CountingClient]] = []

    def __init__(self, **kwargs: Any) -> None:
        time.sleep(0.05)  # widens the window in which racing first calls could each build one
        super().__init__(**kwargs)
        _CountingClient.made.append(self)


class _CountingAsyncClient(httpx.AsyncClient):
    made: ClassVar[list[_CountingAsyncClient]] = []

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        _CountingAsyncClient.made.append(self)


@pytest.fixture
def counting(monkeypatch: pytest.MonkeyPatch) -> None:
    """Count the httpx clients the generated client builds (its own pools)."""
    _CountingClient.made = []
    _CountingAsyncClient.made = []
    monkeypatch.setattr(httpx, "Client", _CountingClient)
    monkeypatch.setattr(httpx, "AsyncClient", _CountingAsyncClient)


def test_unused_clients_build_no_pool_and_close_cleanly(server: FaultServer, counting: None) -> None:
    with Client(api_key=KEY, base_url=server.url):
        pass
    Client(api_key=KEY, base_url=server.url).close()

    async def main() -> None:
        async with AsyncClient(api_key=KEY, base_url=server.url):
            pass
        await AsyncClient(api_key=KEY, base_url=server.url).close()

    asyncio.run(main())

    assert _CountingClient.made == [] and _CountingAsyncClient.made == []
    assert server.connections_accepted == 0


def test_pool_is_built_on_first_call_and_reused(server: FaultServer, counting: None) -> None:
    server.add(MICROSOFT, json_body(INIT_BODY), json_body(INIT_BODY))
    with Client(api_key=KEY, base_url=server.url, max_retries=0) as client:
        assert _CountingClient.made == []
        client.oauth.init_microsoft_oauth()
        client.oauth.init_microsoft_oauth()
        assert len(_CountingClient.made) == 1
    assert _CountingClient.made[0].is_closed
    assert server.wait_open_connections(0) == 0
    assert server.connections_accepted == 1


def test_async_pool_is_built_on_first_call_and_reused(server: FaultServer, counting: None) -> None:
    server.add(MICROSOFT, json_body(INIT_BODY), json_body(INIT_BODY))

    async def main() -> None:
        async with AsyncClient(api_key=KEY, base_url=server.url, max_retries=0) as client:
            assert _CountingAsyncClient.made == []
            await client.oauth.init_microsoft_oauth()
            await client.oauth.init_microsoft_oauth()
            assert len(_CountingAsyncClient.made) == 1

    asyncio.run(main())

    assert _CountingAsyncClient.made[0].is_closed
    assert server.wait_open_connections(0) == 0
    assert server.connections_accepted == 1


def test_caller_http_client_is_used_and_none_is_built(server: FaultServer, counting: None) -> None:
    server.add(MICROSOFT, json_body(INIT_BODY))
    with _HTTPX_CLIENT(headers={"X-Owner": "caller"}) as http:
        with Client(api_key=KEY, base_url=server.url, http_client=http, max_retries=0) as client:
            client.oauth.init_microsoft_oauth()
        assert _CountingClient.made == []
        assert not http.is_closed
        assert server.requests[0].headers["x-owner"] == "caller"


def test_concurrent_first_calls_from_threads_build_one_pool(server: FaultServer, counting: None) -> None:
    threads = 8
    server.add(MICROSOFT, *[json_body(INIT_BODY) for _ in range(threads)])
    client = Client(api_key=KEY, base_url=server.url, max_retries=0)
    start = threading.Barrier(threads)
    results: list[Any] = []

    def first_call() -> None:
        start.wait()
        results.append(client.oauth.init_microsoft_oauth())

    workers = [threading.Thread(target=first_call) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    client.close()

    assert len(results) == threads
    assert len(_CountingClient.made) == 1
    assert _CountingClient.made[0].is_closed
    assert server.wait_open_connections(0) == 0


@pytest.mark.parametrize("used", [False, True], ids=["unused", "used"])
def test_calls_after_close_fail_without_connecting(server: FaultServer, mode: str, used: bool) -> None:
    """As with httpx's own clients: closed is closed, whether or not a pool was ever built."""
    if used:
        server.add(MICROSOFT, json_body(INIT_BODY))

    async def run_async() -> None:
        client = AsyncClient(api_key=KEY, base_url=server.url, max_retries=0)
        if used:
            await client.oauth.init_microsoft_oauth()
        await client.close()
        with pytest.raises(RuntimeError, match="client has been closed"):
            await client.oauth.init_microsoft_oauth()

    if mode == "async":
        asyncio.run(run_async())
    else:
        client = Client(api_key=KEY, base_url=server.url, max_retries=0)
        if used:
            client.oauth.init_microsoft_oauth()
        client.close()
        with pytest.raises(RuntimeError, match="client has been closed"):
            client.oauth.init_microsoft_oauth()

    assert server.connections_accepted == (1 if used else 0)


# ------------------------------------------------------------ the fault server itself


def test_fault_server_records_and_scripts() -> None:
    with running_server() as srv:
        srv.add("/a", json_body({"x": 1}, status=201, headers={"X-A": "1"}))
        with httpx.Client() as http:
            first = http.put(srv.url + "/a?q=1", content=b"hello", headers={"X-Test": "yes"})
            second = http.get(srv.url + "/b")
        assert (first.status_code, first.headers["x-a"], first.json()) == (201, "1", {"x": 1})
        assert second.status_code == 599 and b"/b" in second.content
        [put, get] = srv.requests
        assert (get.method, get.path) == ("GET", "/b")
        assert (put.method, put.path, put.query, put.body) == ("PUT", "/a", "q=1", b"hello")
        assert put.headers["x-test"] == "yes"
        assert [r.path for r in srv.unscripted] == ["/b"]
        assert srv.pending() == 0
