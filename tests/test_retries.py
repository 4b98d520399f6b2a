"""Retries, Retry-After, backoff and deadlines of the generated client, sync and async.

Every test talks to a real HTTP server on 127.0.0.1 (``fault_server.FaultServer``,
or a raw socket where a fault needs byte-level control). Backoff is shrunk through
``retry=RetryPolicy(...)`` so the suite stays fast; only the tests about a
server-requested wait of one second really wait that long.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import logging
import re
import socket
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from fault_server import FaultServer, Scripted, closed_port, json_body, running_server
from instantly_client import (
    ApiConnectionError,
    ApiDeadlineError,
    ApiStatusError,
    ApiTimeoutError,
    AsyncClient,
    BadRequestError,
    Client,
    ConflictError,
    InitMicrosoftOAuthResponse,
    NotFoundError,
    RateLimitError,
    RetryPolicy,
    ServerError,
    ServiceUnavailableError,
    ServiceUnavailableErrorBody,
    TooManyRequestsError,
    UnexpectedStatusError,
)
from instantly_client._base_client import Endpoint, Resp
from instantly_client._retry import parse_retry_after
from instantly_client.resources import oauth

KEY = "sk-retry-canary-0d1e2f3a4b5c6d7e"
MICROSOFT = "/api/v2/oauth/microsoft/init"
STATUS = "/api/v2/oauth/session/status/"
INIT_BODY = {"session_id": "sess_1", "auth_url": "https://login.example/a", "expires_at": "2025-01-02T03:04:05Z"}
RATE_LIMITED = {"statusCode": 429, "error": "Too Many Requests", "message": "75 per minute"}
UNAVAILABLE = {"statusCode": 503, "error": "Service Unavailable", "message": "upstream busy"}
FAST = RetryPolicy(backoff_initial=0.01, backoff_max=0.02)  # the generated defaults, with tiny waits
LOGGER = "instantly_client"

Op = Callable[[Any], Any]


def init(client: Any, **kw: Any) -> Any:
    return client.oauth.init_microsoft_oauth(**kw)


def status(client: Any, **kw: Any) -> Any:
    return client.oauth.get_oauth_session_status("s1", **kw)


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with running_server() as srv:
        yield srv


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(autouse=True)
def _no_env_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("INSTANTLY_API_KEY", raising=False)


def call(mode: str, op: Op, **client_kwargs: Any) -> Any:
    """Run ``op(client)`` in a fresh sync or async client (async methods are awaited)."""
    client_kwargs.setdefault("api_key", KEY)
    client_kwargs.setdefault("retry", FAST)
    if mode == "sync":
        with Client(**client_kwargs) as client:
            return op(client)

    async def main() -> Any:
        async with AsyncClient(**client_kwargs) as client:
            return await op(client)

    return asyncio.run(main())


def timed(mode: str, op: Op, expected: type[BaseException] | tuple[type[BaseException], ...] | None = None, **client_kwargs: Any) -> tuple[Any, float]:
    """``call``, returning (result or raised error, seconds it took)."""
    started = time.monotonic()
    if expected is None:
        result = call(mode, op, **client_kwargs)
    else:
        with pytest.raises(expected) as info:
            call(mode, op, **client_kwargs)
        result = info.value
    return result, time.monotonic() - started


def attempt_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == LOGGER]


# --------------------------------------------------------------- the defaults


def test_generated_client_carries_the_configured_policy() -> None:
    policy = Client._retry
    assert policy.max_retries == 2
    assert policy.statuses == (408, 429, 502, 503, 504)
    assert (policy.backoff_initial, policy.backoff_max, policy.retry_after_cap) == (0.5, 8.0, 60.0)
    assert AsyncClient._retry == policy
    client = Client(api_key=KEY, base_url="http://127.0.0.1:1")
    assert client._retry_policy == policy
    assert Client(api_key=KEY, base_url="http://127.0.0.1:1", max_retries=5)._retry_policy.max_retries == 5


def test_backoff_doubles_from_half_a_second_to_eight_with_jitter() -> None:
    policy = Client._retry
    lows = [policy.backoff(n, rand=lambda: 0.0) for n in range(1, 8)]
    highs = [policy.backoff(n, rand=lambda: 1.0) for n in range(1, 8)]
    assert highs == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0]
    assert lows == [h / 2 for h in highs]  # jitter: anywhere between half and all of it
    assert policy.backoff(10_000, rand=lambda: 1.0) == 8.0
    samples = {round(policy.backoff(3), 6) for _ in range(50)}
    assert len(samples) > 10 and all(1.0 <= s <= 2.0 for s in samples)


# --------------------------------------------------------------- Retry-After


def test_429_with_retry_after_1_then_200_waits_and_returns_the_model(
    server: FaultServer, mode: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger=LOGGER)
    server.add(MICROSOFT, json_body(RATE_LIMITED, status=429, headers={"Retry-After": "1"}), json_body(INIT_BODY))

    result, elapsed = timed(mode, init, base_url=server.url)

    assert type(result) is InitMicrosoftOAuthResponse
    assert result.session_id == "sess_1"
    assert elapsed >= 1.0
    assert elapsed < 4.0
    assert len(server.requests) == 2
    assert attempt_lines(caplog) == [
        f"POST {MICROSOFT} -> 429 (attempt 1 of 3); retrying in 1.00s",
        f"POST {MICROSOFT} -> 200 (attempt 2 of 3)",
    ]


def test_retry_after_as_http_date(server: FaultServer, mode: str) -> None:
    when = email.utils.formatdate(time.time() + 2, usegmt=True)  # whole seconds: 1 to 2 s from now
    server.add(MICROSOFT, json_body(UNAVAILABLE, status=503, headers={"Retry-After": when}), json_body(INIT_BODY))

    result, elapsed = timed(mode, init, base_url=server.url)

    assert result.session_id == "sess_1"
    assert 1.0 <= elapsed < 3.5  # the backoff alone would be 0.02 s
    assert len(server.requests) == 2


def test_retry_after_ms_wins_over_retry_after(server: FaultServer, mode: str) -> None:
    headers = {"retry-after-ms": "300", "Retry-After": "30"}
    server.add(MICROSOFT, json_body(RATE_LIMITED, status=429, headers=headers), json_body(INIT_BODY))

    result, elapsed = timed(mode, init, base_url=server.url)

    assert result.session_id == "sess_1"
    assert 0.3 <= elapsed < 2.0


@pytest.mark.parametrize(
    "headers",
    [{"Retry-After": "3600"}, {"Retry-After": email.utils.formatdate(time.time() + 7200, usegmt=True)}, {"retry-after-ms": "61000"}],
    ids=["seconds", "http-date", "milliseconds"],
)
def test_retry_after_beyond_the_cap_raises_at_once(server: FaultServer, mode: str, headers: dict[str, str]) -> None:
    server.add(MICROSOFT, json_body(RATE_LIMITED, status=429, headers=headers), json_body(INIT_BODY))

    exc, elapsed = timed(mode, init, TooManyRequestsError, base_url=server.url)

    assert elapsed < 5.0  # no sleep of an hour (or of the 60 s cap)
    assert len(server.requests) == 1
    assert server.pending(MICROSOFT) == 1  # the 200 was never asked for
    assert exc.retry_after is not None and exc.retry_after > 60
    assert exc.body.message == "75 per minute"


def test_retry_after_cap_is_a_client_setting(server: FaultServer, mode: str) -> None:
    server.add(MICROSOFT, json_body(RATE_LIMITED, status=429, headers={"Retry-After": "4"}), json_body(INIT_BODY))

    exc, elapsed = timed(mode, init, TooManyRequestsError, base_url=server.url, retry=RetryPolicy(retry_after_cap=3.5))

    assert elapsed < 3.0
    assert exc.retry_after == 4.0
    assert len(server.requests) == 1


@pytest.mark.parametrize("value", ["soon", "-5", "-0.5", "1e3", "", "NaN", "inf", "Wed, 99 Foo 2020 25:00:00 GMT", "0x10", "5 s"])
def test_garbage_or_negative_retry_after_is_ignored(server: FaultServer, mode: str, value: str) -> None:
    server.add(MICROSOFT, json_body(RATE_LIMITED, status=429, headers={"Retry-After": value, "retry-after-ms": value}))
    server.add(MICROSOFT, json_body(INIT_BODY))
    server.add(MICROSOFT, json_body(RATE_LIMITED, status=429, headers={"Retry-After": value}))

    result, elapsed = timed(mode, init, base_url=server.url)  # retried after the (tiny) backoff
    exc = timed(mode, lambda c: c.oauth.init_microsoft_oauth(max_retries=0), TooManyRequestsError, base_url=server.url)[0]

    assert result.session_id == "sess_1"
    assert elapsed < 3.0  # the backoff (0.01 s), not 5 s, 16 s or 1000 s
    assert exc.retry_after is None
    assert exc.headers["retry-after"] == value  # still there, raw


def test_a_date_in_the_past_is_ignored() -> None:
    now = 1_700_000_000.0
    assert parse_retry_after({"retry-after": email.utils.formatdate(now - 30, usegmt=True)}, now=now) is None
    assert parse_retry_after({"retry-after": email.utils.formatdate(now + 30, usegmt=True)}, now=now) == 30.0
    assert parse_retry_after({"retry-after": "Sun, 06 Nov 1994 08:49:37 GMT"}, now=784111777.0 - 5) == 5.0
    assert parse_retry_after({"retry-after": " 7 "}) == 7.0
    assert parse_retry_after({"retry-after": "1.5"}) == 1.5
    assert parse_retry_after({"retry-after-ms": "250", "retry-after": "9"}) == 0.25
    assert parse_retry_after({"retry-after-ms": "x", "retry-after": "9"}) == 9.0
    assert parse_retry_after({}) is None


def test_status_errors_expose_retry_after(server: FaultServer, mode: str) -> None:
    server.add(MICROSOFT, json_body({"message": "no"}, status=400, headers={"Retry-After": "12"}))

    exc = timed(mode, init, BadRequestError, base_url=server.url)[0]

    assert exc.retry_after == 12.0
    assert exc.declared_headers == {}  # the spec declares none for this response


# --------------------------------------------------------------- what is retried


def test_503_storm_makes_exactly_max_retries_plus_one_requests(server: FaultServer, mode: str) -> None:
    server.add(MICROSOFT, *[json_body(UNAVAILABLE, status=503)] * 10)

    exc, elapsed = timed(mode, init, ServiceUnavailableError, base_url=server.url)

    assert len(server.requests) == 3
    assert isinstance(exc.body, ServiceUnavailableErrorBody)
    assert exc.body.message == "upstream busy"
    assert exc.status_code == 503
    assert exc.retry_after is None
    assert elapsed < 3.0


@pytest.mark.parametrize(("client_retries", "call_retries", "requests"), [(None, 0, 1), (None, 4, 5), (1, None, 2), (0, None, 1), (0, 3, 4)])
def test_max_retries_per_client_and_per_call(
    server: FaultServer, mode: str, client_retries: int | None, call_retries: int | None, requests: int
) -> None:
    server.add(MICROSOFT, *[json_body(UNAVAILABLE, status=503)] * 10)
    kw = {} if call_retries is None else {"max_retries": call_retries}

    timed(mode, lambda c: c.oauth.init_microsoft_oauth(**kw), ServiceUnavailableError, base_url=server.url, max_retries=client_retries)

    assert len(server.requests) == requests


@pytest.mark.parametrize("code", [408, 429, 502, 503, 504])
def test_retried_statuses_then_success(server: FaultServer, mode: str, code: int) -> None:
    server.add(STATUS + "s1", json_body({"message": "x"}, status=code), json_body({"message": "x"}, status=code))
    server.add(STATUS + "s1", json_body({"status": "pending"}))

    result = call(mode, status, base_url=server.url)

    assert result.status == "pending"
    assert len(server.requests) == 3


@pytest.mark.parametrize(
    ("code", "cls"),
    [(400, BadRequestError), (404, NotFoundError), (409, ConflictError), (401, ApiStatusError), (500, ServerError), (501, ServerError), (418, UnexpectedStatusError)],
)
def test_other_statuses_are_not_retried(server: FaultServer, mode: str, code: int, cls: type[ApiStatusError]) -> None:
    server.add(STATUS + "s1", json_body({"message": "x"}, status=code), json_body({"status": "pending"}))

    exc = timed(mode, status, cls, base_url=server.url)[0]

    assert exc.status_code == code
    assert len(server.requests) == 1


def test_500_is_retried_when_configured(server: FaultServer, mode: str) -> None:
    server.add(MICROSOFT, json_body({"message": "boom"}, status=500), json_body(INIT_BODY))
    policy = RetryPolicy(statuses=(500, 503), backoff_initial=0.01, backoff_max=0.02)

    result = call(mode, init, base_url=server.url, retry=policy)

    assert result.session_id == "sess_1"
    assert len(server.requests) == 2


def test_a_429_undocumented_body_keeps_its_class_after_retries(server: FaultServer, mode: str) -> None:
    server.add(MICROSOFT, *[Scripted(429, {"Content-Type": "text/plain"}, b"slow down")] * 3)

    exc = timed(mode, init, RateLimitError, base_url=server.url)[0]

    assert type(exc) is RateLimitError
    assert exc.body == "slow down"
    assert len(server.requests) == 3


# --------------------------------------------------------------- transport failures


def test_connection_refused_is_retried_and_bounded(mode: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger=LOGGER)
    with closed_port() as port:
        exc, elapsed = timed(mode, init, ApiConnectionError, base_url=f"http://127.0.0.1:{port}")

    assert not isinstance(exc, ApiTimeoutError)
    assert isinstance(exc.__cause__, httpx.ConnectError)
    assert elapsed < 4.0
    lines = attempt_lines(caplog)
    assert [line.split(" (")[1].split(")")[0] for line in lines] == ["attempt 1 of 3", "attempt 2 of 3", "attempt 3 of 3"]
    assert all(line.startswith(f"POST {MICROSOFT} -> ConnectError") for line in lines)
    assert lines[-1].endswith("no retries left")


@contextlib.contextmanager
def port_that_opens_later(delay: float, body: dict[str, Any]) -> Iterator[tuple[int, list[bytes]]]:
    """A port that refuses connections for ``delay`` seconds, then answers one request with ``body``."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    received: list[bytes] = []

    def serve() -> None:
        time.sleep(delay)
        sock.listen(1)
        sock.settimeout(5)
        with contextlib.suppress(OSError):
            conn, _ = sock.accept()
            with conn:
                data = b""
                while b"\r\n\r\n" not in data:
                    data += conn.recv(4096)
                received.append(data)
                payload = __import__("json").dumps(body).encode()
                conn.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
                    + f"Content-Length: {len(payload)}\r\n\r\n".encode()
                    + payload
                )

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield int(sock.getsockname()[1]), received
    finally:
        thread.join(timeout=5)
        sock.close()


def test_connection_refused_then_the_server_comes_up(mode: str) -> None:
    policy = RetryPolicy(max_retries=5, backoff_initial=0.2, backoff_max=0.2)
    with port_that_opens_later(0.15, INIT_BODY) as (port, received):
        result = call(mode, init, base_url=f"http://127.0.0.1:{port}", retry=policy)

    assert result.session_id == "sess_1"
    assert len(received) == 1 and received[0].startswith(b"POST " + MICROSOFT.encode())


@pytest.mark.parametrize("action", ["reset", "close", "truncate"])
def test_failure_after_a_post_was_sent_is_not_retried(server: FaultServer, mode: str, action: str) -> None:
    server.add(MICROSOFT, Scripted(200, {"Content-Type": "application/json"}, b'{"session_id": "x", "auth_url": "y"}', action=action))  # type: ignore[arg-type]
    server.add(MICROSOFT, json_body(INIT_BODY))

    exc = timed(mode, init, ApiConnectionError, base_url=server.url)[0]

    assert isinstance(exc.__cause__, httpx.TransportError)
    assert len(server.requests) == 1  # the server saw exactly one request
    assert server.pending(MICROSOFT) == 1


def test_read_timeout_after_a_post_was_sent_is_not_retried(server: FaultServer, mode: str) -> None:
    server.add(MICROSOFT, json_body(INIT_BODY, delay=3.0), json_body(INIT_BODY))

    exc = timed(mode, lambda c: c.oauth.init_microsoft_oauth(timeout=0.2), ApiTimeoutError, base_url=server.url)[0]

    assert isinstance(exc.__cause__, httpx.ReadTimeout)
    assert not isinstance(exc, ApiDeadlineError)
    assert len(server.requests) == 1


@pytest.mark.parametrize("action", ["reset", "close"])
def test_failure_after_a_get_was_sent_is_retried(server: FaultServer, mode: str, action: str) -> None:
    server.add(STATUS + "s1", Scripted(action=action), json_body({"status": "success"}))  # type: ignore[arg-type]

    result = call(mode, status, base_url=server.url)

    assert result.status == "success"
    assert len(server.requests) == 2


def test_read_timeout_of_a_get_is_retried(server: FaultServer, mode: str) -> None:
    server.add(STATUS + "s1", json_body({"status": "pending"}, delay=3.0), json_body({"status": "success"}))

    result = call(mode, lambda c: c.oauth.get_oauth_session_status("s1", timeout=0.2), base_url=server.url)

    assert result.status == "success"
    assert len(server.requests) == 2


def test_a_post_marked_idempotent_is_retried_after_a_reset(server: FaultServer, mode: str) -> None:
    """The runtime side of ``retries.idempotent_operations`` (the generator side is in test_runtime_config)."""
    from instantly_client import models

    endpoint: Endpoint[Any] = Endpoint("POST", MICROSOFT, {"200": Resp("json", models.InitMicrosoftOAuthResponse.from_dict)}, idempotent=True)
    server.add(MICROSOFT, Scripted(action="reset"), json_body(INIT_BODY))

    response = call(mode, lambda c: c.request(endpoint), base_url=server.url)

    assert response.parsed.session_id == "sess_1"
    assert len(server.requests) == 2


# --------------------------------------------------------------- deadlines


@contextlib.contextmanager
def dripping_server(total: int = 2000, every: float = 0.05) -> Iterator[str]:
    """Answers every request with headers at once, then one body byte each ``every`` seconds."""
    stop = threading.Event()
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.05)

    def drip(conn: socket.socket) -> None:
        with conn, contextlib.suppress(OSError):
            data = b""
            while b"\r\n\r\n" not in data:
                data += conn.recv(4096)
            conn.sendall(f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {total}\r\n\r\n".encode())
            for _ in range(total):
                if stop.wait(every):
                    return
                conn.sendall(b" ")

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            threading.Thread(target=drip, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(timeout=5)
        listener.close()


def test_slow_drip_past_the_deadline(mode: str) -> None:
    with dripping_server() as url:
        exc, elapsed = timed(mode, lambda c: c.oauth.get_oauth_session_status("s1", deadline=0.5), ApiDeadlineError, base_url=url)

    assert isinstance(exc, ApiTimeoutError)  # a deadline is a kind of timeout
    assert 0.45 <= elapsed < 3.0  # each byte came well within the read timeout: only the deadline stops it
    assert "deadline passed" in str(exc)


def test_client_deadline_applies_to_every_call(mode: str) -> None:
    with dripping_server() as url:
        exc, elapsed = timed(mode, status, ApiDeadlineError, base_url=url, deadline=0.4)

    assert 0.35 <= elapsed < 3.0
    assert exc.request is not None


def test_deadline_cuts_a_slow_response_short(server: FaultServer, mode: str) -> None:
    server.add(STATUS + "s1", *[json_body({"status": "pending"}, delay=5.0)] * 3)

    elapsed = timed(mode, lambda c: c.oauth.get_oauth_session_status("s1", deadline=0.4), ApiDeadlineError, base_url=server.url)[1]

    assert 0.35 <= elapsed < 3.0  # not the 5 s the server takes
    assert len(server.requests) == 1  # a timeout that is the deadline is not retried


def test_deadline_covers_attempts_and_waits(server: FaultServer, mode: str) -> None:
    server.add(MICROSOFT, *[json_body(UNAVAILABLE, status=503)] * 20)
    policy = RetryPolicy(max_retries=10, backoff_initial=0.4, backoff_max=0.4)

    # The last 503 is raised when the next wait would pass the deadline; on a busy
    # machine the deadline can instead pass while an attempt is still being answered.
    exc, elapsed = timed(mode, lambda c: c.oauth.init_microsoft_oauth(deadline=1.0), (ServiceUnavailableError, ApiDeadlineError), base_url=server.url, retry=policy)

    assert elapsed < 1.6  # ten retries would take 2 to 4 s of waits alone
    assert 2 <= len(server.requests) <= 6  # waits are 0.2 to 0.4 s: some retries, not all ten
    if isinstance(exc, ServiceUnavailableError):
        assert exc.body.message == "upstream busy"
    else:
        # The attempt the deadline cut short may not have reached the server's log yet.
        attempts = re.search(r"after (\d+) attempt\(s\)", str(exc))
        assert attempts is not None and int(attempts.group(1)) in (len(server.requests), len(server.requests) + 1)


def test_retry_after_beyond_the_deadline_raises_at_once(server: FaultServer, mode: str) -> None:
    server.add(MICROSOFT, json_body(UNAVAILABLE, status=503, headers={"Retry-After": "4"}), json_body(INIT_BODY))

    exc, elapsed = timed(mode, lambda c: c.oauth.init_microsoft_oauth(deadline=2.5), ServiceUnavailableError, base_url=server.url)

    assert elapsed < 1.5  # raised at once: neither slept 4 s nor waited for the deadline
    assert exc.retry_after == 4.0
    assert len(server.requests) == 1


def test_per_call_deadline_none_overrides_the_client(server: FaultServer, mode: str) -> None:
    server.add(STATUS + "s1", json_body({"status": "success"}, delay=0.3))

    result = call(mode, lambda c: c.oauth.get_oauth_session_status("s1", deadline=None), base_url=server.url, deadline=0.1)

    assert result.status == "success"


@pytest.mark.parametrize("bad", [0, -1.0])
def test_deadline_must_be_positive(bad: float) -> None:
    with pytest.raises(ValueError, match="deadline"):
        Client(api_key=KEY, base_url="http://127.0.0.1:1", deadline=bad)
    with Client(api_key=KEY, base_url="http://127.0.0.1:1") as client, pytest.raises(ValueError, match="deadline"):
        client.oauth.get_oauth_session_status("s1", deadline=bad)


# --------------------------------------------------------------- the key never leaks


def test_canary_key_never_appears_in_logs_reprs_or_errors(server: FaultServer, mode: str, caplog: pytest.LogCaptureFixture) -> None:
    """Every new path (retries, deadlines, limiter, waiter) with logging at every level."""
    from instantly_client import (
        ClientRateLimitError,
        OAuthSessionError,
        RateLimit,
        SlidingWindowLimiter,
        WaiterTimeoutError,
    )

    caplog.set_level(1)  # everything, from every logger
    canary = "sk-CANARY-5f4e3d2c1b0a99887766"
    busy = json_body(UNAVAILABLE, status=503, headers={"Retry-After": "0"})
    server.add(MICROSOFT, json_body(RATE_LIMITED, status=429, headers={"retry-after-ms": "10"}), busy, json_body(INIT_BODY))
    server.add(MICROSOFT, Scripted(action="reset"))
    server.add(MICROSOFT, *[busy] * 3)
    server.add(STATUS + "s1", json_body({"status": "pending"}, delay=5.0))
    server.add(STATUS + "w1", json_body({"status": "pending"}), json_body({"status": "error", "error": "access_denied", "error_description": "denied"}))
    server.add(STATUS + "w2", *[json_body({"status": "pending"})] * 50)

    class Tiny(Client):
        _rate_limits = (RateLimit("oauth_init", per_key=7, per_process=100, window=60.0),)

    class AsyncTiny(AsyncClient):
        _rate_limits = Tiny._rate_limits

    errors: list[BaseException] = []
    shown: list[str] = []
    limiter = SlidingWindowLimiter()
    steps: list[Callable[[Any], Any]] = [
        init,
        init,
        init,
        lambda c: c.oauth.get_oauth_session_status("s1", deadline=0.3),
        lambda c: c.oauth.wait_for_oauth_session("w1", interval=0.01),
        lambda c: c.oauth.wait_for_oauth_session("w2", interval=0.01, timeout=0.2),
        init,  # the eighth attempt at oauth_init: refused by the limiter
    ]

    def show(client: Any) -> None:
        shown.extend([repr(client), str(client), repr(vars(client)), repr(client._limiter), repr(client._buckets(oauth._INIT_MICROSOFT_OAUTH))])

    def exercise(client: Any) -> None:
        show(client)
        for step in steps:
            try:
                step(client)
            except Exception as exc:
                errors.append(exc)

    async def exercise_async(client: Any) -> None:
        show(client)
        for step in steps:
            try:
                await step(client)
            except Exception as exc:
                errors.append(exc)

    kw: dict[str, Any] = {"api_key": canary, "base_url": server.url, "retry": FAST, "rate_limiter": limiter, "rate_limit": "raise"}
    if mode == "sync":
        with Tiny(**kw) as client:
            exercise(client)
    else:

        async def main() -> None:
            async with AsyncTiny(**kw) as client:
                await exercise_async(client)

        asyncio.run(main())
    with closed_port() as port:
        errors.append(timed(mode, init, ApiConnectionError, api_key=canary, base_url=f"http://127.0.0.1:{port}")[0])

    assert [type(e) for e in errors] == [ApiConnectionError, ServiceUnavailableError, ApiDeadlineError, OAuthSessionError, WaiterTimeoutError, ClientRateLimitError, ApiConnectionError]
    assert all(r.headers["authorization"] == f"Bearer {canary}" for r in server.requests)  # it was really sent
    records = caplog.records
    assert any(r.name == LOGGER and r.levelno == logging.DEBUG for r in records)
    assert any(r.name.startswith("httpcore") for r in records)  # the lower layers were captured too
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s %(args)s")
    texts = [*shown, caplog.text]
    for record in records:
        texts += [record.getMessage(), repr(record.args), formatter.format(record), repr(record.__dict__)]
    for exc in errors:
        texts += [str(exc), repr(exc), repr(exc.args), "".join(traceback.format_exception(exc)), repr(vars(exc))]
        if getattr(exc, "request", None) is not None:
            texts.append(repr(exc.request.headers))
    for text in texts:
        assert canary not in text
        assert canary[-12:] not in text
    for record in records:
        assert "authorization" not in record.getMessage().lower()
