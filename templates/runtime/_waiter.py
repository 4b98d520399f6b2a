"""Waiters: poll an operation until a field of its response reaches a final value.

A ``Waiter`` names the field to watch and which of its values mean success,
failure or "still pending". ``wait`` (and ``async_wait``) call the operation,
return the parsed body on a success value, raise the waiter's typed
``WaiterFailedError`` on a failure value, and otherwise sleep ``interval``
seconds (longer when the response carries ``Retry-After``) and poll again, until
``timeout`` passes or ``expires_at`` (when given) arrives. Every poll gets what
is left of that time as its deadline, so the waiter never overruns it.
"""

from __future__ import annotations

import dataclasses
import datetime
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from ._errors import (
    ApiDeadlineError,
    WaiterError,
    WaiterFailedError,
    WaiterTimeoutError,
)
from ._retry import parse_retry_after
from ._types import ApiResponse, Unset

__all__ = ["Waiter", "async_wait", "wait"]

T = TypeVar("T")


@dataclasses.dataclass(frozen=True, slots=True)
class Waiter:
    """What to watch: a field of the polled operation's response and its values."""

    operation: str
    """The polled method, for messages."""
    field: str
    """The attribute of the parsed response to watch."""
    success: tuple[object, ...]
    failure: tuple[object, ...]
    pending: tuple[object, ...]
    error: type[WaiterFailedError] = WaiterFailedError
    """Raised on a failure value."""
    details: tuple[str, ...] = ()
    """Attributes copied from the response onto that error (``None`` when absent)."""


def _plain(value: object) -> object:
    return None if isinstance(value, Unset) else value


class _Run:
    """The clock of one wait and the verdict on each polled response."""

    def __init__(
        self,
        waiter: Waiter,
        timeout: float,
        interval: float,
        expires_at: datetime.datetime | Unset | None,
        clock: Callable[[], float],
    ) -> None:
        if not timeout >= 0:
            raise ValueError("timeout must be >= 0 seconds")
        if not interval > 0:
            raise ValueError("interval must be > 0 seconds")
        self.waiter = waiter
        self.interval = interval
        self.clock = clock
        start = clock()
        self.stop = start + timeout
        self.why = f"{timeout:g}s passed"
        self.expired = False
        if isinstance(expires_at, datetime.datetime):
            if expires_at.tzinfo is None:
                expires_at = expires_at.replace(tzinfo=datetime.timezone.utc)
            now = datetime.datetime.now(datetime.timezone.utc)
            left = (expires_at - now).total_seconds()
            if start + left <= self.stop:
                self.stop = start + left
                self.why = f"it expired at {expires_at.isoformat()}"
                self.expired = True
        self.last: object = None
        self.state: object = None

    def deadline(self) -> float:
        """Seconds the next poll may take; raises when no time is left."""
        left = self.stop - self.clock()
        if left <= 0:
            raise self.timed_out()
        return left

    def timed_out(self) -> WaiterTimeoutError:
        waiter = self.waiter
        seen = f"; last {waiter.field}: {self.state!r}" if self.last is not None else ""
        return WaiterTimeoutError(
            f"{waiter.operation}: stopped waiting, {self.why}{seen}",
            body=self.last,
            expired=self.expired,
        )

    def observe(self, response: ApiResponse[Any]) -> float | None:
        """``None`` on a success value, else the seconds to sleep before polling again.

        Raises the waiter's error on a failure value, ``WaiterError`` on a value
        the waiter does not know, ``WaiterTimeoutError`` when the sleep would
        end after the stop.
        """
        waiter = self.waiter
        body = response.parsed
        state = _plain(getattr(body, waiter.field, None))
        self.last, self.state = body, state
        if state in waiter.success:
            return None
        if state in waiter.failure:
            details = {
                name: _plain(getattr(body, name, None)) for name in waiter.details
            }
            said = ", ".join(f"{k}={v!r}" for k, v in details.items() if v is not None)
            raise waiter.error(
                f"{waiter.operation}: {waiter.field} is {state!r}"
                + (f" ({said})" if said else ""),
                state=state,
                body=body,
                response=response.http_response,
                details=details,
            )
        if state not in waiter.pending:
            raise WaiterError(
                f"{waiter.operation}: unexpected {waiter.field} {state!r}", body=body
            )
        pause = self.interval
        retry_after = parse_retry_after(response.headers)
        if retry_after is not None:
            pause = max(pause, retry_after)
        if self.clock() + pause >= self.stop:
            raise self.timed_out()
        return pause


def wait(
    poll: Callable[[float], ApiResponse[T]],
    waiter: Waiter,
    *,
    timeout: float,
    interval: float,
    expires_at: datetime.datetime | Unset | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], object] = time.sleep,
) -> T:
    """Call ``poll(deadline_seconds)`` until the watched field is final; return the body."""
    run = _Run(waiter, timeout, interval, expires_at, clock)
    while True:
        try:
            response = poll(run.deadline())
        except ApiDeadlineError as exc:
            raise run.timed_out() from exc
        pause = run.observe(response)
        if pause is None:
            return response.parsed
        sleep(pause)


async def async_wait(
    poll: Callable[[float], Awaitable[ApiResponse[T]]],
    waiter: Waiter,
    *,
    timeout: float,
    interval: float,
    expires_at: datetime.datetime | Unset | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], Awaitable[object]] | None = None,
) -> T:
    """``wait`` for asyncio (``sleep``: ``asyncio.sleep`` unless given)."""
    if sleep is None:
        import asyncio  # only the async client needs it: not imported with the package

        sleep = asyncio.sleep
    run = _Run(waiter, timeout, interval, expires_at, clock)
    while True:
        try:
            response = await poll(run.deadline())
        except ApiDeadlineError as exc:
            raise run.timed_out() from exc
        pause = run.observe(response)
        if pause is None:
            return response.parsed
        await sleep(pause)
