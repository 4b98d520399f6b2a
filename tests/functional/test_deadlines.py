"""The call's deadline: one bound on every attempt and every wait, the same for both clients."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fixture_client import AsyncClient, Client, errors
from fixture_client._base_client import DEFAULT_DEADLINE
from fixture_client._retry import RetryPolicy

from .server import FaultServer, Scripted, json_body
from .support import KEY, timed

ITEM = {"id": "i1", "name": "Lamp", "created_at": "2025-01-02T03:04:05Z"}
UNAVAILABLE = {"statusCode": 503, "error": "Service Unavailable", "message": "upstream busy"}
FAST = RetryPolicy(backoff_initial=0.01, backoff_max=0.02)


def drip(total: int = 2000, every: float = 0.05) -> Scripted:
    """Headers at once, then one byte of body every ``every`` seconds: each read is well within any timeout."""
    return Scripted(200, {"Content-Type": "application/json", "Content-Length": str(total)}, chunks=lambda: [b" "] * total, every=every)


def get_item(client: Any, **kw: Any) -> Any:
    return client.items.get_item("i1", **kw)


def run(mode: str, op: Any, server: FaultServer, expected: Any = None, **kw: Any) -> tuple[Any, float]:
    kw.setdefault("retry", FAST)
    return timed(mode, op, expected, base_url=server.url, **kw)


def test_a_body_dripping_past_the_deadline_is_cut_off(server: FaultServer, mode: str) -> None:
    server.add("/items/i1", drip())

    exc, elapsed = run(mode, lambda c: get_item(c, deadline=0.5), server, errors.ApiDeadlineError)

    assert isinstance(exc, errors.ApiTimeoutError)  # a deadline is a kind of timeout
    assert 0.45 <= elapsed < 1.5
    assert "deadline passed" in str(exc) and exc.request.url.path == "/items/i1"
    assert len(server.requests) == 1  # a deadline is not retried


def test_the_clients_deadline_applies_to_every_call(server: FaultServer, mode: str) -> None:
    server.add("/items/i1", drip())

    elapsed = run(mode, get_item, server, errors.ApiDeadlineError, deadline=0.4)[1]

    assert 0.35 <= elapsed < 1.5


def test_the_default_deadline_is_finite_and_applies_when_none_is_given(server: FaultServer, mode: str) -> None:
    assert Client._default_deadline == AsyncClient._default_deadline == DEFAULT_DEADLINE == 300.0
    assert Client(api_key=KEY, base_url=server.url)._deadline == 300.0
    base = Client if mode == "sync" else AsyncClient
    short = type("Short", (base,), {"_default_deadline": 0.4})  # as a generated client may set it
    server.add("/items/i1", drip())

    elapsed = timed(mode, get_item, errors.ApiDeadlineError, client_class=short, base_url=server.url)[1]

    assert 0.35 <= elapsed < 1.5


def test_a_slow_status_line_is_cut_short(server: FaultServer, mode: str) -> None:
    server.add("/items/i1", *[json_body(ITEM, delay=5.0)] * 3)

    elapsed = run(mode, lambda c: get_item(c, deadline=0.4), server, errors.ApiDeadlineError)[1]

    assert 0.35 <= elapsed < 1.5  # not the 5 s the server takes
    assert len(server.requests) == 1


def test_the_deadline_covers_attempts_and_waits(server: FaultServer, mode: str) -> None:
    server.add("/items/i1", *[json_body(UNAVAILABLE, status=503)] * 20)
    policy = RetryPolicy(max_retries=10, backoff_initial=0.2, backoff_max=0.2)

    # The last 503 is raised when the next wait would pass the deadline; on a busy
    # machine the deadline can instead pass while an attempt is being answered.
    exc, elapsed = run(mode, lambda c: get_item(c, deadline=0.5), server, (errors.ServiceUnavailableError, errors.ApiDeadlineError), retry=policy)

    assert elapsed < 0.9  # ten retries would take 1 to 2 s of waits alone
    assert 2 <= len(server.requests) <= 5
    if isinstance(exc, errors.ApiDeadlineError):
        attempts = re.search(r"after (\d+) attempt\(s\)", str(exc))
        assert attempts is not None and int(attempts.group(1)) in (len(server.requests), len(server.requests) + 1)


def test_a_retry_after_beyond_the_deadline_raises_at_once(server: FaultServer, mode: str) -> None:
    server.add("/items/i1", json_body(UNAVAILABLE, status=503, headers={"Retry-After": "4"}), json_body(ITEM))

    exc, elapsed = run(mode, lambda c: get_item(c, deadline=2.5), server, errors.ServiceUnavailableError)

    assert elapsed < 1.0 and exc.retry_after == 4.0 and len(server.requests) == 1


def test_a_per_call_deadline_of_none_overrides_the_client(server: FaultServer, mode: str) -> None:
    server.add("/items/i1", json_body(ITEM, delay=0.3))

    item = run(mode, lambda c: get_item(c, deadline=None), server, deadline=0.1)[0]

    assert item.id == "i1"


@pytest.mark.parametrize("bad", [0, -1.0, True])
def test_a_deadline_must_be_positive(bad: Any) -> None:
    with pytest.raises(ValueError, match="deadline"):
        Client(api_key=KEY, base_url="http://127.0.0.1:1", deadline=bad)
    with Client(api_key=KEY, base_url="http://127.0.0.1:1") as client, pytest.raises(ValueError, match="deadline"):
        get_item(client, deadline=bad)
