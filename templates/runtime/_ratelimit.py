"""Client-side rate limits: a sliding-window log, safe across threads and asyncio tasks.

A ``Bucket`` allows at most ``limit`` calls in any window of ``window`` seconds.
The limiter remembers when each admitted call started (a log per bucket) and
admits a call only when every bucket it needs has room, taking a slot in all of
them at once. Unlike a token bucket, this never lets a burst exceed the limit in
any sliding window.

The lock is held only to read and update the logs, never while sleeping, so
threads and asyncio tasks (on any number of event loops) can share one limiter.
Tests inject ``clock``, ``sleep`` and ``async_sleep`` (default ``asyncio.sleep``,
imported only once an async caller has to wait).
"""

from __future__ import annotations

import dataclasses
import os
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, Hashable, Sequence

from ._errors import ClientRateLimitError

__all__ = ["PROCESS_LIMITER", "Bucket", "RateLimit", "SlidingWindowLimiter"]


@dataclasses.dataclass(frozen=True, slots=True)
class RateLimit:
    """A limit shared by the operations that name it.

    At most ``per_key`` calls per API key and ``per_process`` calls per process
    (``0``: no such bound) in any window of ``window`` seconds.
    """

    name: str
    per_key: int = 0
    per_process: int = 0
    window: float = 60.0

    def __post_init__(self) -> None:
        if self.per_key < 0 or self.per_process < 0 or not self.window > 0:
            raise ValueError("limits must be >= 0 and the window > 0")


@dataclasses.dataclass(frozen=True, slots=True)
class Bucket:
    """One counter of the limiter: at most ``limit`` calls per ``window`` seconds."""

    key: Hashable = dataclasses.field(repr=False)
    """Identity in the limiter (may hold a digest of the API key: never shown)."""
    limit: int
    window: float
    label: str
    """What the bucket is, for messages (``"oauth_init per API key"``)."""


class SlidingWindowLimiter:
    """Admits calls so that no bucket ever exceeds its limit in any sliding window."""

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], object] = time.sleep,
        async_sleep: Callable[[float], Awaitable[object]] | None = None,
    ) -> None:
        self._clock = clock
        self._sleep = sleep
        self._async_sleep = async_sleep
        self._lock = threading.Lock()
        self._logs: dict[Hashable, deque[float]] = {}

    def __repr__(self) -> str:
        return f"{type(self).__name__}(buckets={len(self._logs)})"

    def _reset(self) -> None:
        """Forget every call (a forked child is a new process with a fresh lock)."""
        self._lock = threading.Lock()
        self._logs = {}

    def try_acquire(self, buckets: Sequence[Bucket]) -> tuple[float | None, float]:
        """Take a slot in every bucket, or in none.

        Returns ``(time, 0.0)`` with the clock time the slot was taken at, or
        ``(None, wait)``: the seconds until every bucket could have room.
        """
        with self._lock:
            now = self._clock()
            wait = 0.0
            for bucket in buckets:
                log = self._logs.get(bucket.key)
                if log is None:
                    continue
                while log and log[0] + bucket.window <= now:
                    log.popleft()
                if len(log) >= bucket.limit:
                    # Room comes back when enough of the oldest calls leave the window.
                    oldest = log[len(log) - bucket.limit] if bucket.limit else now
                    wait = max(wait, oldest + bucket.window - now)
                elif not log:
                    del self._logs[bucket.key]
            if wait > 0:
                return None, wait
            for bucket in buckets:
                self._logs.setdefault(bucket.key, deque()).append(now)
            return now, 0.0

    def _refuse(
        self, buckets: Sequence[Bucket], wait: float, why: str
    ) -> ClientRateLimitError:
        with self._lock:  # name the buckets that are full, for the message
            now = self._clock()
            full = [
                b.label
                for b in buckets
                if sum(t + b.window > now for t in self._logs.get(b.key, ())) >= b.limit
            ]
        names = ", ".join(sorted(set(full or [b.label for b in buckets])))
        return ClientRateLimitError(
            f"client-side rate limit ({names}): no free slot for {wait:.2f}s{why}",
            retry_after=wait,
        )

    def acquire(
        self,
        buckets: Sequence[Bucket],
        *,
        timeout: float | None = None,
        block: bool = True,
    ) -> float:
        """Wait for a slot in every bucket; return the clock time it was taken at.

        Raises ``ClientRateLimitError`` (with ``retry_after``) at once when
        ``block`` is false and there is no room, or when the wait would take
        longer than ``timeout`` seconds.
        """
        if not buckets:
            return self._clock()
        give_up = None if timeout is None else self._clock() + timeout
        while True:
            taken, wait = self.try_acquire(buckets)
            if taken is not None:
                return taken
            if not block:
                raise self._refuse(buckets, wait, "")
            if give_up is not None and self._clock() + wait > give_up:
                raise self._refuse(buckets, wait, ", beyond the call's deadline")
            self._sleep(wait)

    async def acquire_async(
        self,
        buckets: Sequence[Bucket],
        *,
        timeout: float | None = None,
        block: bool = True,
    ) -> float:
        """``acquire`` for asyncio: waits with ``asyncio.sleep``, never blocking the loop."""
        if not buckets:
            return self._clock()
        sleep = self._async_sleep
        if sleep is None:
            import asyncio  # only async callers need it: not imported with the package

            sleep = asyncio.sleep
        give_up = None if timeout is None else self._clock() + timeout
        while True:
            taken, wait = self.try_acquire(buckets)
            if taken is not None:
                return taken
            if not block:
                raise self._refuse(buckets, wait, "")
            if give_up is not None and self._clock() + wait > give_up:
                raise self._refuse(buckets, wait, ", beyond the call's deadline")
            await sleep(wait)


PROCESS_LIMITER = SlidingWindowLimiter()
"""The limiter every client uses unless given one: "per process" means this object."""

if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=PROCESS_LIMITER._reset)
