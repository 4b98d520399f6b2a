"""``client.jobs.wait_for_job``: a waiter, sync and async, against a real server on loopback.

Pending -> done, pending -> failed, its own ``max_wait``, an ``expires_at``,
``Retry-After`` on a pending answer, a poll that hangs, polls retried like any call.
"""

from __future__ import annotations

import datetime
import inspect
import time
from typing import Any

import pytest
from fixture_client import errors
from fixture_client._base_client import with_raw_response
from fixture_client._retry import RetryPolicy
from fixture_client._types import ApiResponse
from fixture_client.models import Job
from fixture_client.resources.jobs import AsyncJobs, Jobs

from .server import FaultServer, json_body
from .support import KEY, call

PATH = "/jobs/j1"
PENDING = {"id": "j1", "status": "pending"}
DONE = {"id": "j1", "status": "done"}
FAST = RetryPolicy(backoff_initial=0.01, backoff_max=0.02)


def wait(mode: str, server: FaultServer, **kw: Any) -> tuple[Any, float]:
    """Run the waiter; (result or raised ApiError, seconds it took)."""
    kw.setdefault("interval", 0.02)
    started = time.monotonic()
    try:
        result = call(mode, lambda c: c.jobs.wait_for_job("j1", **kw), base_url=server.url, retry=FAST)
    except errors.ApiError as exc:
        result = exc
    return result, time.monotonic() - started


def test_the_signature_is_the_same_sync_and_async() -> None:
    sync_sig = inspect.signature(Jobs.wait_for_job)
    assert sync_sig == inspect.signature(AsyncJobs.wait_for_job)
    assert list(sync_sig.parameters) == ["self", "job_id", "max_wait", "interval", "expires_at", "options"]
    assert inspect.iscoroutinefunction(AsyncJobs.wait_for_job)


def test_pending_then_done_returns_the_model(server: FaultServer, mode: str) -> None:
    server.add(PATH, json_body(PENDING), json_body(PENDING), json_body(DONE))

    result, _ = wait(mode, server)

    assert type(result) is Job and result.status == "done"
    assert [(r.method, r.path) for r in server.requests] == [("GET", PATH)] * 3


def test_pending_then_failed_raises_the_waiters_error(server: FaultServer, mode: str) -> None:
    server.add(PATH, json_body(PENDING), json_body({"id": "j1", "status": "failed", "error": "disk full"}))

    exc, _ = wait(mode, server)

    assert type(exc) is errors.JobFailedError
    assert isinstance(exc, errors.WaiterFailedError) and isinstance(exc, errors.WaiterError)
    assert (exc.state, exc.error) == ("failed", "disk full")
    assert isinstance(exc.body, Job) and exc.response is not None and exc.response.status_code == 200
    assert str(exc) == "get_job: status is 'failed' (error='disk full')"


def test_a_failure_without_its_details_gives_none(server: FaultServer, mode: str) -> None:
    server.add(PATH, json_body({"id": "j1", "status": "failed"}))

    exc, _ = wait(mode, server)

    assert type(exc) is errors.JobFailedError and exc.error is None


def test_its_own_max_wait(server: FaultServer, mode: str) -> None:
    server.add(PATH, *[json_body(PENDING)] * 200)

    exc, elapsed = wait(mode, server, max_wait=0.4, interval=0.05)

    assert type(exc) is errors.WaiterTimeoutError and exc.expired is False
    assert exc.body.status == "pending"
    assert "0.4s passed" in str(exc) and "'pending'" in str(exc)
    assert 0.3 <= elapsed < 1.5 and 2 <= len(server.requests) <= 10


def test_it_stops_at_expires_at(server: FaultServer, mode: str) -> None:
    server.add(PATH, *[json_body(PENDING)] * 200)
    expires = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=0.4)

    exc, elapsed = wait(mode, server, interval=0.05, expires_at=expires)

    assert type(exc) is errors.WaiterTimeoutError and exc.expired is True
    assert "expired at" in str(exc) and 0.3 <= elapsed < 1.5


def test_an_expiry_in_the_past_stops_before_polling(server: FaultServer, mode: str) -> None:
    exc, _ = wait(mode, server, expires_at=datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=1))

    assert type(exc) is errors.WaiterTimeoutError and exc.expired and exc.body is None
    assert server.requests == []


def test_it_honours_retry_after_on_a_pending_answer(server: FaultServer, mode: str) -> None:
    server.add(PATH, json_body(PENDING, headers={"Retry-After": "0.4"}), json_body(DONE))

    result, elapsed = wait(mode, server, interval=0.01)

    assert result.status == "done" and 0.4 <= elapsed < 1.5


def test_a_retry_after_past_max_wait_stops_at_once(server: FaultServer, mode: str) -> None:
    server.add(PATH, json_body(PENDING, headers={"Retry-After": "30"}), json_body(DONE))

    exc, elapsed = wait(mode, server, max_wait=5)

    assert type(exc) is errors.WaiterTimeoutError and elapsed < 1.0 and len(server.requests) == 1


def test_a_hanging_poll_ends_with_the_waiter(server: FaultServer, mode: str) -> None:
    server.add(PATH, json_body(PENDING), json_body(PENDING, delay=5.0))

    exc, elapsed = wait(mode, server, max_wait=0.5, interval=0.05)

    assert type(exc) is errors.WaiterTimeoutError and elapsed < 1.5


def test_polls_are_retried_like_any_call(server: FaultServer, mode: str) -> None:
    server.add(PATH, json_body(PENDING), json_body({"statusCode": 503, "error": "busy"}, status=503), json_body(DONE))

    result, _ = wait(mode, server)

    assert result.status == "done" and len(server.requests) == 3


def test_a_status_the_waiter_does_not_know(server: FaultServer, mode: str) -> None:
    server.add(PATH, json_body(PENDING), json_body({"id": "j1", "status": "on_hold"}))

    exc, _ = wait(mode, server)

    assert type(exc) is errors.WaiterError and "on_hold" in str(exc) and exc.body.status == "on_hold"


def test_the_raw_form_of_a_waiter_returns_the_last_response(server: FaultServer, mode: str) -> None:
    server.add(PATH, json_body(PENDING), json_body(DONE, headers={"X-Poll": "last"}))

    raw = call(mode, lambda c: with_raw_response(c.jobs.wait_for_job)("j1", interval=0.01), base_url=server.url)

    assert isinstance(raw, ApiResponse) and raw.parsed.status == "done" and raw.headers["x-poll"] == "last"


def test_options_reach_every_poll(server: FaultServer, mode: str) -> None:
    server.add(PATH, json_body(PENDING), json_body(DONE))

    call(mode, lambda c: c.jobs.wait_for_job("j1", interval=0.01, extra_headers={"X-Trace": "w"}), base_url=server.url)

    assert [r.headers["x-trace"] for r in server.requests] == ["w", "w"]


def test_bad_arguments_are_refused() -> None:
    from fixture_client import Client

    with Client(api_key=KEY, base_url="http://127.0.0.1:1") as client:
        with pytest.raises(ValueError, match="interval"):
            client.jobs.wait_for_job("j1", interval=0)
        with pytest.raises(ValueError, match="max_wait"):
            client.jobs.wait_for_job("j1", max_wait=-1)
