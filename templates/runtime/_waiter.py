"""Waiters: poll an operation until a field of its response reaches a final value.

A generated waiter method is one statement, ``return self._wait(WAITER,
locals())``. Its parameters are the polled operation's, then ``max_wait``,
``interval`` and ``expires_at`` (the ``Waiter``'s defaults serve when the
method has none), then ``**options`` (their ``timeout`` is each poll's httpx
timeout). The resource polls the endpoint and returns the parsed body on a
success value, raises the waiter's typed ``WaiterFailedError`` on a failure
value, and otherwise sleeps ``interval`` seconds (longer when the response
carries ``Retry-After``) and polls again, until ``max_wait`` seconds pass or
``expires_at`` (when given) arrives. Every poll gets what is left of that time
as its deadline (or its own ``deadline`` option, when shorter), so the waiter
never overruns it.
"""

from __future__ import annotations

import dataclasses
import datetime
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from ._errors import WaiterError, WaiterFailedError, WaiterTimeoutError
from ._retry import parse_retry_after
from ._types import ApiResponse, Unset

if TYPE_CHECKING:
    from ._endpoint import Endpoint

__all__ = ["WaitRun", "Waiter"]

T = TypeVar("T")


@dataclasses.dataclass(frozen=True)
class Waiter(Generic[T]):
    """What to watch: a field of the polled operation's response and its values."""

    endpoint: Endpoint[T]
    """The polled operation."""
    field: str
    """The attribute of the parsed response to watch."""
    success: tuple[object, ...]
    failure: tuple[object, ...]
    pending: tuple[object, ...]
    error: type[WaiterFailedError] = WaiterFailedError
    """Raised on a failure value."""
    details: tuple[str, ...] = ()
    """Attributes copied from the response onto that error (``None`` when absent)."""
    operation: str = ""
    """The polled method's name, for messages."""
    max_wait: float = 600.0
    """Seconds to wait in all, when the method has no ``max_wait``."""
    interval: float = 2.0
    """Seconds between polls, when the method has no ``interval``."""


def _plain(value: object) -> object:
    return None if isinstance(value, Unset) else value


class WaitRun:
    """The clock of one wait and the verdict on each polled response."""

    def __init__(self, waiter: Waiter[Any], args: Mapping[str, Any]) -> None:
        timeout = args.get("max_wait", waiter.max_wait)
        interval = args.get("interval", waiter.interval)
        expires_at = args.get("expires_at")
        if not timeout >= 0:
            raise ValueError("max_wait must be >= 0 seconds")
        if not interval > 0:
            raise ValueError("interval must be > 0 seconds")
        self.waiter = waiter
        self.args = args
        self.options: Mapping[str, Any] = args.get("options") or {}
        self.interval: float = interval
        start = time.monotonic()
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

    def next_args(self) -> dict[str, Any]:
        """The next poll's arguments, its deadline cut to what is left; raises when nothing is."""
        left = self.stop - time.monotonic()
        if left <= 0:
            raise self.timed_out()
        own = self.options.get("deadline")
        deadline = left if own is None else min(own, left)
        return {**self.args, "options": {**self.options, "deadline": deadline}}

    def timed_out(self) -> WaiterTimeoutError:
        waiter = self.waiter
        seen = f"; last {waiter.field}: {self.state!r}" if self.last is not None else ""
        return WaiterTimeoutError(
            f"{self._name()}: stopped waiting, {self.why}{seen}",
            body=self.last,
            expired=self.expired,
        )

    def _name(self) -> str:
        return self.waiter.operation or self.waiter.endpoint.path

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
                f"{self._name()}: {waiter.field} is {state!r}"
                + (f" ({said})" if said else ""),
                state=state,
                body=body,
                response=response.http_response,
                details=details,
            )
        if state not in waiter.pending:
            raise WaiterError(
                f"{self._name()}: unexpected {waiter.field} {state!r}", body=body
            )
        pause = self.interval
        retry_after = parse_retry_after(response.headers)
        if retry_after is not None:
            pause = max(pause, retry_after)
        if time.monotonic() + pause >= self.stop:
            raise self.timed_out()
        return pause
