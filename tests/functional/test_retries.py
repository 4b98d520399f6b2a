"""Retries, backoff and Retry-After, sync and async, against a real server on loopback.

Backoff is shrunk through ``retry=RetryPolicy(...)`` and server-requested waits
are fractions of a second (``Retry-After: 0.3``, ``retry-after-ms``) so the file
stays fast.
"""

from __future__ import annotations

import contextlib
import email.utils
import json
import logging
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fixture_client import Client, errors
from fixture_client._retry import RetryPolicy, parse_retry_after
from fixture_client.models import ErrorBody, NewItem

from .server import FaultServer, Scripted, closed_port, json_body
from .support import timed

ITEM = {"id": "i1", "name": "Lamp", "created_at": "2025-01-02T03:04:05Z"}
JOB = {"id": "j1", "status": "pending"}
RATE_LIMITED = {"statusCode": 429, "error": "Too Many Requests", "message": "75 per minute"}
UNAVAILABLE = {"statusCode": 503, "error": "Service Unavailable", "message": "upstream busy"}
FAST = RetryPolicy(backoff_initial=0.01, backoff_max=0.02)  # the generated defaults, with tiny waits
LOGGER = "fixture_client"


def get_item(client: Any, **kw: Any) -> Any:
    return client.items.get_item("i1", **kw)


def create_item(client: Any, **kw: Any) -> Any:
    return client.items.create_item(body=NewItem(name="x"), **kw)


def attempt_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == LOGGER]


def fast(mode: str, op: Any, server: FaultServer | str, expected: Any = None, **kw: Any) -> tuple[Any, float]:
    kw.setdefault("retry", FAST)
    url = server if isinstance(server, str) else server.url
    return timed(mode, op, expected, base_url=url, **kw)


# --------------------------------------------------------------- the policy


def test_the_client_carries_its_policy_and_max_retries_overrides_it() -> None:
    policy = Client._retry
    assert (policy.max_retries, policy.statuses) == (2, (408, 429, 502, 503, 504))
    assert (policy.backoff_initial, policy.backoff_max, policy.retry_after_cap) == (0.5, 8.0, 60.0)
    client = Client(api_key="k", base_url="http://127.0.0.1:1", max_retries=5, retry=FAST)
    assert client._retry_policy == RetryPolicy(5, FAST.statuses, 0.01, 0.02, 60.0)


def test_backoff_doubles_from_half_a_second_to_eight_with_jitter() -> None:
    policy = Client._retry
    highs = [policy.backoff(n, rand=lambda: 1.0) for n in range(1, 8)]
    lows = [policy.backoff(n, rand=lambda: 0.0) for n in range(1, 8)]
    assert highs == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0]
    assert lows == [h / 2 for h in highs]
    assert policy.backoff(10_000, rand=lambda: 1.0) == 8.0
    samples = {round(policy.backoff(3), 6) for _ in range(50)}
    assert len(samples) > 10 and all(1.0 <= s <= 2.0 for s in samples)


@pytest.mark.parametrize("bad", [{"max_retries": -1}, {"backoff_initial": 2.0, "backoff_max": 1.0}, {"retry_after_cap": -1}])
def test_a_bad_policy_is_refused(bad: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        RetryPolicy(**bad)


# --------------------------------------------------------------- Retry-After


def test_retry_after_then_200_waits_and_returns_the_model(server: FaultServer, mode: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger=LOGGER)
    server.add("/items/i1", json_body(RATE_LIMITED, status=429, headers={"Retry-After": "0.3"}), json_body(ITEM))

    item, elapsed = fast(mode, get_item, server)

    assert item.id == "i1"
    assert 0.3 <= elapsed < 2.0  # the backoff alone would be 0.02 s
    assert attempt_lines(caplog) == [
        "GET /items/i1 -> 429 (attempt 1 of 3); retrying in 0.30s",
        "GET /items/i1 -> 200 (attempt 2 of 3)",
    ]


def test_retry_after_ms_wins_and_an_http_date_counts(server: FaultServer, mode: str) -> None:
    soon = email.utils.formatdate(time.time() + 1, usegmt=True)  # whole seconds: 0 to 1 s from now
    server.add("/items/i1", json_body(RATE_LIMITED, status=429, headers={"retry-after-ms": "250", "Retry-After": "30"}))
    server.add("/items/i1", json_body(UNAVAILABLE, status=503, headers={"Retry-After": soon}), json_body(ITEM))

    item, elapsed = fast(mode, get_item, server)

    assert item.id == "i1" and len(server.requests) == 3
    assert 0.25 <= elapsed < 2.5


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("3600", 3600.0),
        ("1e12", 1e12),
        ("9" * 35, float("9" * 35)),
        ("1e999", float("inf")),
        ("Fri, 31 Dec 9999 23:59:59 GMT", None),
        ("Sun, 06 Nov 99999 08:49:37 GMT", None),
    ],
    ids=["seconds", "exponent", "35-digits", "infinite", "year-9999", "year-99999"],
)
def test_retry_after_beyond_the_cap_raises_at_once_in_any_spelling(server: FaultServer, mode: str, value: str, seconds: float | None) -> None:
    server.add("/items/i1", json_body(RATE_LIMITED, status=429, headers={"Retry-After": value}), json_body(ITEM))

    exc, elapsed = fast(mode, get_item, server, errors.TooManyRequestsError)

    assert elapsed < 2.0 and len(server.requests) == 1
    assert server.pending("/items/i1") == 1  # the 200 was never asked for
    assert exc.retry_after is not None and exc.retry_after >= 3600
    if seconds is not None:
        assert exc.retry_after == seconds
    assert exc.body.message == "75 per minute"


def test_the_cap_is_a_client_setting(server: FaultServer, mode: str) -> None:
    server.add("/items/i1", json_body(RATE_LIMITED, status=429, headers={"retry-after-ms": "400"}), json_body(ITEM))

    exc, elapsed = fast(mode, get_item, server, errors.TooManyRequestsError, retry=RetryPolicy(retry_after_cap=0.3))

    assert elapsed < 0.35 and exc.retry_after == 0.4 and len(server.requests) == 1


@pytest.mark.parametrize("value", ["soon", "-5", "-0.5", "", "NaN", "inf", "Wed, 99 Foo 2020 25:00:00 GMT", "0x10", "5 s", "1e", ".5"])
def test_garbage_or_negative_retry_after_is_ignored(server: FaultServer, mode: str, value: str) -> None:
    server.add("/items/i1", json_body(RATE_LIMITED, status=429, headers={"Retry-After": value, "retry-after-ms": value}), json_body(ITEM))
    server.add("/items/i1", json_body(RATE_LIMITED, status=429, headers={"Retry-After": value}))

    item, elapsed = fast(mode, get_item, server)
    exc = fast(mode, lambda c: get_item(c, max_retries=0), server, errors.TooManyRequestsError)[0]

    assert item.id == "i1" and elapsed < 2.0  # the 0.01 s backoff
    assert exc.retry_after is None and exc.headers["retry-after"] == value


def test_parse_retry_after() -> None:
    now = 1_700_000_000.0
    assert parse_retry_after({"retry-after": email.utils.formatdate(now - 30, usegmt=True)}, now=now) is None
    assert parse_retry_after({"retry-after": email.utils.formatdate(now + 30, usegmt=True)}, now=now) == 30.0
    assert parse_retry_after({"retry-after": "Sun, 06 Nov 1994 08:49:37 GMT"}, now=784111777.0 - 5) == 5.0
    assert parse_retry_after({"retry-after": "Sun, 06 Nov 1994 08:49:37 +0100"}, now=784111777.0 - 3605) == 5.0
    # 1970 to 2000: 10957 days; 2000 to 20000: 45 cycles of 400 years, 146097 days each.
    year_20000 = (10957 + 45 * 146097) * 86400.0
    assert parse_retry_after({"retry-after": "Sat, 01 Jan 20000 00:00:00 GMT"}, now=now) == year_20000 - now
    assert parse_retry_after({"retry-after": " 7 "}) == 7.0
    assert parse_retry_after({"retry-after": "1.5"}) == 1.5
    assert parse_retry_after({"retry-after-ms": "250", "retry-after": "9"}) == 0.25
    assert parse_retry_after({"retry-after-ms": "x", "retry-after": "9"}) == 9.0
    assert parse_retry_after({}) is None


def test_every_status_error_carries_retry_after(server: FaultServer, mode: str) -> None:
    server.add("/items/i1", json_body({"title": "no"}, status=400, headers={"Retry-After": "12"}))

    exc = fast(mode, get_item, server, errors.BadRequestError)[0]

    assert exc.retry_after == 12.0 and exc.declared_headers == {}


# --------------------------------------------------------------- what is retried


def test_a_503_storm_makes_exactly_max_retries_plus_one_requests(server: FaultServer, mode: str) -> None:
    server.add("/items/i1", *[json_body(UNAVAILABLE, status=503)] * 10)

    exc, elapsed = fast(mode, get_item, server, errors.ServiceUnavailableError)

    assert len(server.requests) == 3 and elapsed < 2.0
    assert isinstance(exc.body, ErrorBody) and exc.body.message == "upstream busy"


@pytest.mark.parametrize(("client_retries", "call_retries", "requests"), [(None, 0, 1), (None, 4, 5), (1, None, 2), (0, 3, 4)])
def test_max_retries_per_client_and_per_call(server: FaultServer, mode: str, client_retries: int | None, call_retries: int | None, requests: int) -> None:
    server.add("/items/i1", *[json_body(UNAVAILABLE, status=503)] * 10)
    kw = {} if call_retries is None else {"max_retries": call_retries}

    fast(mode, lambda c: get_item(c, **kw), server, errors.ServiceUnavailableError, max_retries=client_retries)

    assert len(server.requests) == requests


@pytest.mark.parametrize("code", [408, 429, 502, 503, 504])
@pytest.mark.parametrize("op", [get_item, create_item], ids=["GET", "POST"])
def test_retried_statuses_for_every_method(server: FaultServer, mode: str, code: int, op: Any) -> None:
    answer = json_body({"message": "x"}, status=code)
    server.add("/items/i1", answer, answer, json_body(ITEM))
    server.add("/items", answer, answer, json_body(ITEM, status=201))

    assert fast(mode, op, server)[0].id == "i1"
    assert len(server.requests) == 3


def test_an_operation_marked_not_idempotent_is_never_repeated(server: FaultServer, mode: str) -> None:
    # Had either call been retried, it would have got the next answer in the queue.
    server.add("/jobs/once", json_body(UNAVAILABLE, status=503), Scripted(action="reset"), json_body(JOB))

    first = fast(mode, lambda c: c.jobs.submit_once(), server, errors.ServiceUnavailableError)[0]
    second = fast(mode, lambda c: c.jobs.submit_once(), server, errors.ApiConnectionError)[0]

    assert first.status_code == 503 and isinstance(second.__cause__, httpx.TransportError)
    assert len(server.requests) == 2 and server.pending("/jobs/once") == 1


def test_a_post_marked_idempotent_is_retried_after_a_reset(server: FaultServer, mode: str) -> None:
    server.add("/jobs/safe", Scripted(action="reset"), json_body(JOB))

    assert fast(mode, lambda c: c.jobs.submit_safe(), server)[0].id == "j1"
    assert len(server.requests) == 2


@pytest.mark.parametrize(("code", "cls"), [(400, errors.BadRequestError), (404, errors.NotFoundError), (401, errors.AuthenticationError), (500, errors.ServerError), (501, errors.ServerError), (418, errors.UnexpectedStatusError)])
def test_other_statuses_are_not_retried(server: FaultServer, mode: str, code: int, cls: type[Exception]) -> None:
    server.add("/items/i1", json_body({"message": "x"}, status=code), json_body(ITEM))

    exc = fast(mode, get_item, server, cls)[0]

    assert exc.status_code == code and len(server.requests) == 1


def test_500_is_retried_when_configured(server: FaultServer, mode: str) -> None:
    server.add("/items/i1", json_body({"message": "boom"}, status=500), json_body(ITEM))

    item = fast(mode, get_item, server, retry=RetryPolicy(statuses=(500,), backoff_initial=0.01, backoff_max=0.02))[0]

    assert item.id == "i1" and len(server.requests) == 2


def test_an_undocumented_429_body_keeps_its_class_after_retries(server: FaultServer, mode: str) -> None:
    server.add("/items/i1", *[Scripted(429, {"Content-Type": "text/plain"}, b"slow down")] * 3)

    exc = fast(mode, get_item, server, errors.RateLimitError)[0]

    assert type(exc) is errors.RateLimitError and exc.body == "slow down"
    assert len(server.requests) == 3


# --------------------------------------------------------------- transport failures


def test_connection_refused_is_retried_and_bounded(mode: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger=LOGGER)
    with closed_port() as port:
        exc, elapsed = fast(mode, create_item, f"http://127.0.0.1:{port}", errors.ApiConnectionError)

    assert not isinstance(exc, errors.ApiTimeoutError) and isinstance(exc.__cause__, httpx.ConnectError)
    assert elapsed < 3.0
    lines = attempt_lines(caplog)
    assert [line.split(" (")[1].split(")")[0] for line in lines] == ["attempt 1 of 3", "attempt 2 of 3", "attempt 3 of 3"]
    assert all(line.startswith("POST /items -> ConnectError") for line in lines)
    assert lines[-1].endswith("no retries left")


@contextlib.contextmanager
def port_that_opens_later(delay: float) -> Iterator[tuple[int, list[bytes]]]:
    """A port that refuses connections for ``delay`` seconds, then answers one request."""
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
                payload = json.dumps(ITEM).encode()
                conn.sendall(b"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s" % (len(payload), payload))

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield int(sock.getsockname()[1]), received
    finally:
        thread.join(timeout=5)
        sock.close()


def test_connection_refused_then_the_server_comes_up(mode: str) -> None:
    policy = RetryPolicy(max_retries=5, backoff_initial=0.2, backoff_max=0.2)
    with port_that_opens_later(0.15) as (port, received):
        item = fast(mode, create_item, f"http://127.0.0.1:{port}", retry=policy)[0]

    assert item.id == "i1"
    assert len(received) == 1 and received[0].startswith(b"POST /items ")


@pytest.mark.parametrize("action", ["reset", "close", "truncate"])
def test_a_failure_after_a_post_was_sent_is_not_retried(server: FaultServer, mode: str, action: str) -> None:
    server.add("/items", Scripted(201, {"Content-Type": "application/json"}, json.dumps(ITEM).encode(), action=action), json_body(ITEM, status=201))  # type: ignore[arg-type]

    exc = fast(mode, create_item, server, errors.ApiConnectionError)[0]

    assert isinstance(exc.__cause__, httpx.TransportError)
    assert len(server.requests) == 1 and server.pending("/items") == 1


def test_a_read_timeout_of_a_post_is_not_retried_of_a_get_it_is(server: FaultServer, mode: str) -> None:
    server.add("/items", json_body(ITEM, status=201, delay=3.0), json_body(ITEM, status=201))
    server.add("/items/i1", json_body(ITEM, delay=3.0), json_body(ITEM))

    exc = fast(mode, lambda c: create_item(c, timeout=0.2), server, errors.ApiTimeoutError)[0]
    item = fast(mode, lambda c: get_item(c, timeout=0.2), server)[0]

    assert isinstance(exc.__cause__, httpx.ReadTimeout) and not isinstance(exc, errors.ApiDeadlineError)
    assert item.id == "i1"
    assert [r.path for r in server.requests] == ["/items", "/items/i1", "/items/i1"]


@pytest.mark.parametrize("action", ["reset", "close"])
def test_a_failure_after_a_get_was_sent_is_retried(server: FaultServer, mode: str, action: str) -> None:
    server.add("/items/i1", Scripted(action=action), json_body(ITEM))  # type: ignore[arg-type]

    assert fast(mode, get_item, server)[0].id == "i1"
    assert len(server.requests) == 2
