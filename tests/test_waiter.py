"""``client.oauth.wait_for_oauth_session``: the waiter generated from ``[tool.generator.waiters]``.

Sync and async, against the real fault server on 127.0.0.1: pending -> success,
pending -> error, pending -> expired, its own timeout, the session's expiry,
``Retry-After`` on a pending answer, and a poll that hangs.
"""

from __future__ import annotations

import asyncio
import datetime
import inspect
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fault_server import FaultServer, json_body, running_server
from instantly_client import (
    ApiError,
    AsyncClient,
    Client,
    GetOAuthSessionStatusResponse,
    OAuthSessionError,
    RetryPolicy,
    WaiterError,
    WaiterFailedError,
    WaiterTimeoutError,
)

KEY = "sk-waiter-canary-77aa88bb99cc"
SESSION = "sess_42"
PATH = "/api/v2/oauth/session/status/" + SESSION
PENDING = {"status": "pending"}
SUCCESS = {"status": "success", "email": "ann@example.com", "name": "Ann"}
FAST = RetryPolicy(backoff_initial=0.01, backoff_max=0.02)


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with running_server() as srv:
        yield srv


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def wait(mode: str, url: str, **kw: Any) -> Any:
    """Run the waiter; return (result or raised ApiError, seconds it took)."""
    kw.setdefault("interval", 0.02)
    started = time.monotonic()
    try:
        if mode == "sync":
            with Client(api_key=KEY, base_url=url, retry=FAST) as client:
                result: Any = client.oauth.wait_for_oauth_session(SESSION, **kw)
        else:

            async def main() -> Any:
                async with AsyncClient(api_key=KEY, base_url=url, retry=FAST) as client:
                    return await client.oauth.wait_for_oauth_session(SESSION, **kw)

            result = asyncio.run(main())
    except ApiError as exc:
        result = exc
    return result, time.monotonic() - started


def test_signature_is_the_same_sync_and_async() -> None:
    from instantly_client.resources.oauth import AsyncOAuth, OAuth

    sync_sig = inspect.signature(OAuth.wait_for_oauth_session)
    async_sig = inspect.signature(AsyncOAuth.wait_for_oauth_session)
    assert sync_sig == async_sig
    assert list(sync_sig.parameters) == ["self", "session_id", "timeout", "interval", "expires_at", "extra_headers", "request_timeout"]
    assert sync_sig.parameters["timeout"].default == 600.0
    assert sync_sig.parameters["interval"].default == 2.0
    assert inspect.iscoroutinefunction(AsyncOAuth.wait_for_oauth_session)


def test_pending_then_success_returns_the_model(server: FaultServer, mode: str) -> None:
    server.add(PATH, json_body(PENDING), json_body(PENDING), json_body(SUCCESS))

    result, _ = wait(mode, server.url)

    assert type(result) is GetOAuthSessionStatusResponse
    assert (result.status, result.email, result.name) == ("success", "ann@example.com", "Ann")
    assert len(server.requests) == 3
    assert all(r.method == "GET" and r.path == PATH for r in server.requests)


def test_pending_then_error_raises_with_error_and_description(server: FaultServer, mode: str) -> None:
    failed = {"status": "error", "error": "access_denied", "error_description": "User denied access"}
    server.add(PATH, json_body(PENDING), json_body(failed))

    exc, _ = wait(mode, server.url)

    assert type(exc) is OAuthSessionError
    assert isinstance(exc, WaiterFailedError) and isinstance(exc, WaiterError)
    assert exc.state == "error"
    assert exc.error == "access_denied"
    assert exc.error_description == "User denied access"
    assert isinstance(exc.body, GetOAuthSessionStatusResponse)
    assert exc.response is not None and exc.response.status_code == 200
    assert "access_denied" in str(exc) and "User denied access" in str(exc)
    assert len(server.requests) == 2


def test_pending_then_expired_raises_with_absent_fields_as_none(server: FaultServer, mode: str) -> None:
    server.add(PATH, json_body(PENDING), json_body({"status": "expired"}))

    exc, _ = wait(mode, server.url)

    assert type(exc) is OAuthSessionError
    assert exc.state == "expired"
    assert exc.error is None
    assert exc.error_description is None
    assert exc.body.status == "expired"


def test_its_own_timeout(server: FaultServer, mode: str) -> None:
    server.add(PATH, *[json_body(PENDING)] * 200)

    exc, elapsed = wait(mode, server.url, timeout=0.4, interval=0.05)

    assert type(exc) is WaiterTimeoutError
    assert exc.expired is False
    assert exc.body.status == "pending"
    assert "0.4s passed" in str(exc) and "'pending'" in str(exc)
    assert 0.3 <= elapsed < 2.5  # 200 answers were ready: it stopped on time
    assert 2 <= len(server.requests) <= 10


def test_stops_at_the_sessions_expiry(server: FaultServer, mode: str) -> None:
    server.add(PATH, *[json_body(PENDING)] * 200)
    expires = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=0.4)

    exc, elapsed = wait(mode, server.url, timeout=600, interval=0.05, expires_at=expires)

    assert type(exc) is WaiterTimeoutError
    assert exc.expired is True
    assert "expired at" in str(exc)
    assert 0.3 <= elapsed < 2.5  # the timeout was ten minutes


def test_an_expiry_in_the_past_stops_before_polling(server: FaultServer, mode: str) -> None:
    expires = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=1)

    exc, _ = wait(mode, server.url, expires_at=expires)

    assert type(exc) is WaiterTimeoutError and exc.expired
    assert exc.body is None
    assert server.requests == []


def test_honours_retry_after_on_a_pending_answer(server: FaultServer, mode: str) -> None:
    server.add(PATH, json_body(PENDING, headers={"Retry-After": "1"}), json_body(SUCCESS))

    result, elapsed = wait(mode, server.url, interval=0.01)

    assert result.status == "success"
    assert 1.0 <= elapsed < 3.5


def test_a_retry_after_past_the_timeout_stops_at_once(server: FaultServer, mode: str) -> None:
    server.add(PATH, json_body(PENDING, headers={"Retry-After": "30"}), json_body(SUCCESS))

    exc, elapsed = wait(mode, server.url, timeout=5)

    assert type(exc) is WaiterTimeoutError
    assert elapsed < 3.0  # neither 30 s nor the 5 s timeout
    assert len(server.requests) == 1


def test_a_hanging_poll_ends_with_the_waiter(server: FaultServer, mode: str) -> None:
    server.add(PATH, json_body(PENDING), json_body(PENDING, delay=5.0))

    exc, elapsed = wait(mode, server.url, timeout=0.5, interval=0.05)

    assert type(exc) is WaiterTimeoutError
    assert elapsed < 3.0  # the poll would have taken 5 s


def test_polls_are_retried_like_any_call(server: FaultServer, mode: str) -> None:
    server.add(PATH, json_body(PENDING), json_body({"message": "busy"}, status=503), json_body(SUCCESS))

    result, _ = wait(mode, server.url)

    assert result.status == "success"
    assert len(server.requests) == 3


def test_a_status_the_waiter_does_not_know(server: FaultServer, mode: str) -> None:
    server.add(PATH, json_body(PENDING), json_body({"status": "on_hold"}))

    exc, _ = wait(mode, server.url)

    assert type(exc) is WaiterError
    assert "on_hold" in str(exc)
    assert exc.body.status == "on_hold"


def test_bad_arguments_are_refused() -> None:
    with Client(api_key=KEY, base_url="http://127.0.0.1:1") as client:
        with pytest.raises(ValueError, match="interval"):
            client.oauth.wait_for_oauth_session(SESSION, interval=0)
        with pytest.raises(ValueError, match="timeout"):
            client.oauth.wait_for_oauth_session(SESSION, timeout=-1)
