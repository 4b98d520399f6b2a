# pyright: reportPrivateUsage=false
# (a slot and the fork hook update their limiter's bookkeeping)
"""Client-side rate limits: a sliding-window log, safe across threads and asyncio tasks.

A ``Bucket`` allows at most ``limit`` requests in any window of ``window``
seconds. An attempt first reserves a ``Slot`` in every bucket it needs (all at
once, or none), waiting outside the connection pool while the buckets are full;
the slot is stamped with the time the request is actually written to the
connection (``Slot.sent``), or given back if it never is (``Slot.release``). A
reserved slot that is not yet sent counts as taken "now", so requests delayed
between reservation and sending (a busy pool, a slow connect) can never bunch up
in one window: what the server receives in any window is what the limit allows.

The lock is held only to read and update the logs, never while sleeping, so
threads and asyncio tasks (on any number of event loops) can share one limiter.
Tests inject ``clock``, ``sleep`` and ``async_sleep`` (default ``asyncio.sleep``,
imported only once an async caller has to wait). A forked child starts with
empty logs and a fresh lock in every limiter.
"""

from __future__ import annotations

import dataclasses
import math
import os
import threading
import time
import weakref
from collections import deque
from collections.abc import Awaitable, Callable, Hashable, Sequence

from ._errors import ClientRateLimitError

__all__ = ["PROCESS_LIMITER", "Bucket", "RateLimit", "SlidingWindowLimiter", "Slot"]

# How often a caller looks again when only reservations not yet sent fill a bucket.
_PENDING_POLL = 0.02


@dataclasses.dataclass(frozen=True, slots=True)
class RateLimit:
    """A limit shared by the operations that name it.

    At most ``per_key`` requests per API key and ``per_process`` requests per
    process (``0``: no such bound) in any window of ``window`` seconds.
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
    """One counter of the limiter: at most ``limit`` requests per ``window`` seconds."""

    key: Hashable = dataclasses.field(repr=False)
    """Identity in the limiter (may hold a digest of the API key: never shown)."""
    limit: int
    window: float
    label: str
    """What the bucket is, for messages (``"oauth_init per API key"``)."""


class Slot:
    """A place reserved in every bucket of one attempt."""

    __slots__ = ("_buckets", "_limiter", "_state", "at")

    def __init__(
        self, limiter: SlidingWindowLimiter | None, buckets: Sequence[Bucket], at: float
    ) -> None:
        self._limiter = limiter
        self._buckets = buckets
        self._state = 0 if limiter is not None else 2  # 0 reserved, 1 sent, 2 released
        self.at: float = at
        """Clock time of the reservation, then of the sending."""

    @property
    def pending(self) -> bool:
        """Reserved and neither sent nor released."""
        return self._state == 0

    def sent(self) -> None:
        """The request is being written now: stamp the slot (once)."""
        if self._state == 0 and self._limiter is not None:
            self._state = 1
            self.at = self._limiter._stamp(self._buckets)

    def release(self) -> None:
        """The request was never sent: give the slot back (no-op once sent)."""
        if self._state == 0 and self._limiter is not None:
            self._state = 2
            self._limiter._release(self._buckets)


_LIMITERS: weakref.WeakSet[SlidingWindowLimiter] = weakref.WeakSet()


class SlidingWindowLimiter:
    """Admits requests so that no bucket ever exceeds its limit in any sliding window."""

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
        self._pending: dict[Hashable, int] = {}
        _LIMITERS.add(self)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(buckets={len(self._logs)})"

    def _reset(self) -> None:
        """Forget every request (a forked child is a new process with a fresh lock)."""
        self._lock = threading.Lock()
        self._logs = {}
        self._pending = {}

    def _wait_for(self, bucket: Bucket, now: float) -> float:
        """Seconds until ``bucket`` has room (0: room now). Holds the lock."""
        log = self._logs.get(bucket.key)
        if log is not None:
            while log and log[0] + bucket.window <= now:
                log.popleft()
        sent = len(log) if log is not None else 0
        pending = self._pending.get(bucket.key, 0)
        excess = sent + pending - bucket.limit
        if excess < 0:
            return 0.0
        # Room comes back when enough of the oldest sent requests leave the window
        # (or sooner if a reservation is given back: then look again soon).
        wait = log[excess] + bucket.window - now if log and excess < sent else math.inf
        if pending and sent < bucket.limit:
            wait = min(wait, _PENDING_POLL)
        return wait

    def try_acquire(self, buckets: Sequence[Bucket]) -> tuple[Slot | None, float]:
        """Reserve a slot in every bucket, or in none.

        Returns ``(slot, 0.0)``, or ``(None, wait)``: the seconds until every
        bucket could have room.
        """
        with self._lock:
            now = self._clock()
            wait = max((self._wait_for(b, now) for b in buckets), default=0.0)
            if wait > 0:
                return None, wait
            for bucket in buckets:
                self._pending[bucket.key] = self._pending.get(bucket.key, 0) + 1
            return Slot(self, buckets, now), 0.0

    def _stamp(self, buckets: Sequence[Bucket]) -> float:
        with self._lock:
            now = self._clock()
            for bucket in buckets:
                self._take_pending(bucket)
                self._logs.setdefault(bucket.key, deque()).append(now)
            return now

    def _release(self, buckets: Sequence[Bucket]) -> None:
        with self._lock:
            for bucket in buckets:
                self._take_pending(bucket)

    def _take_pending(self, bucket: Bucket) -> None:
        left = self._pending.get(bucket.key, 0) - 1
        if left > 0:
            self._pending[bucket.key] = left
        else:
            self._pending.pop(bucket.key, None)  # (also after a fork reset)

    def _refuse(
        self, buckets: Sequence[Bucket], wait: float, why: str
    ) -> ClientRateLimitError:
        with self._lock:  # name the buckets that are full, for the message
            now = self._clock()
            full = [b.label for b in buckets if self._wait_for(b, now) > 0]
        names = ", ".join(sorted(set(full or [b.label for b in buckets])))
        return ClientRateLimitError(
            f"client-side rate limit ({names}): no free slot for {wait:.2f}s{why}",
            retry_after=wait,
        )

    def _give_up(self, timeout: float | None) -> float | None:
        return None if timeout is None else self._clock() + timeout

    def acquire(
        self,
        buckets: Sequence[Bucket],
        *,
        timeout: float | None = None,
        block: bool = True,
    ) -> Slot:
        """Wait for a slot in every bucket and reserve it.

        Raises ``ClientRateLimitError`` (with ``retry_after``) at once when
        ``block`` is false and there is no room, or when the wait would take
        longer than ``timeout`` seconds.
        """
        if not buckets:
            return Slot(None, (), self._clock())
        give_up = self._give_up(timeout)
        while True:
            slot, wait = self.try_acquire(buckets)
            if slot is not None:
                return slot
            self._check(buckets, wait, block, give_up)
            self._sleep(wait)

    async def acquire_async(
        self,
        buckets: Sequence[Bucket],
        *,
        timeout: float | None = None,
        block: bool = True,
    ) -> Slot:
        """``acquire`` for asyncio: waits with ``asyncio.sleep``, never blocking the loop."""
        if not buckets:
            return Slot(None, (), self._clock())
        sleep = self._async_sleep
        if sleep is None:
            import asyncio  # only async callers need it: not imported with the package

            sleep = asyncio.sleep
        give_up = self._give_up(timeout)
        while True:
            slot, wait = self.try_acquire(buckets)
            if slot is not None:
                return slot
            self._check(buckets, wait, block, give_up)
            await sleep(wait)

    def _check(
        self, buckets: Sequence[Bucket], wait: float, block: bool, give_up: float | None
    ) -> None:
        if not block:
            raise self._refuse(buckets, wait, "")
        if give_up is not None and self._clock() + wait > give_up:
            raise self._refuse(buckets, wait, ", beyond the call's deadline")


PROCESS_LIMITER = SlidingWindowLimiter()
"""The limiter every client uses unless given one: "per process" means this object."""


def _after_fork() -> None:
    for limiter in list(_LIMITERS):
        limiter._reset()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork)
