"""Client-side rate limits: the sliding-window limiter under a virtual clock, and the client using it.

The limiter takes ``clock``, ``sleep`` and ``async_sleep``. ``VirtualClock`` makes
time pass only when every participant (thread or asyncio task) is asleep, then
jumps to the earliest wake-up: many threads and tasks contend for real (real
locks, real scheduling) while minutes of limiter time pass in milliseconds.

The invariant checked everywhere: for every bucket, no half-open window
``[t, t + window)`` holds more requests sent than its limit.
"""

from __future__ import annotations

import asyncio
import bisect
import heapq
import itertools
import random
import threading
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

import httpx
import pytest
from fixture_client import AsyncClient, Client, errors
from fixture_client._ratelimit import Bucket, RateLimit, SlidingWindowLimiter
from fixture_client._retry import RetryPolicy
from fixture_client.models import JobInput

from .server import FaultServer, json_body
from .support import KEY, call

WINDOW = 60.0
JOB = {"id": "j1", "status": "pending"}


class VirtualClock:
    """Time that advances only when all participants sleep, straight to the earliest wake-up."""

    def __init__(self, participants: int) -> None:
        self._cond = threading.Condition()
        self._now = 0.0
        self._active = participants
        self._sleepers: list[tuple[float, int, Callable[[], None]]] = []
        self._seq = itertools.count()
        self.sleeps: list[float] = []

    def clock(self) -> float:
        with self._cond:
            return self._now

    def _advance(self) -> None:  # with the lock held
        while self._active == 0 and self._sleepers:
            self._now = max(self._now, self._sleepers[0][0])
            while self._sleepers and self._sleepers[0][0] <= self._now:
                _, _, wake = heapq.heappop(self._sleepers)
                self._active += 1
                wake()

    def sleep(self, seconds: float) -> None:
        assert seconds > 0, seconds
        woken = threading.Event()
        with self._cond:
            self.sleeps.append(seconds)
            heapq.heappush(self._sleepers, (self._now + seconds, next(self._seq), woken.set))
            self._active -= 1
            self._advance()
        woken.wait()

    async def async_sleep(self, seconds: float) -> None:
        assert seconds > 0, seconds
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        with self._cond:
            self.sleeps.append(seconds)
            heapq.heappush(self._sleepers, (self._now + seconds, next(self._seq), lambda: loop.call_soon_threadsafe(future.set_result, None)))
            self._active -= 1
            self._advance()
        await future

    def done(self) -> None:
        """A participant finished: it will never sleep again."""
        with self._cond:
            self._active -= 1
            self._advance()


def max_in_window(times: Sequence[float], window: float = WINDOW) -> int:
    """The most events in any half-open window [t, t + window)."""
    ordered = sorted(times)
    return max((bisect.bisect_left(ordered, t + window) - i for i, t in enumerate(ordered)), default=0)


def buckets_for(key: str, per_key: int, per_process: int) -> tuple[Bucket, ...]:
    return (Bucket(("process",), per_process, WINDOW, "per process"), Bucket(("key", key), per_key, WINDOW, "per key"))


def send(limiter: SlidingWindowLimiter, buckets: Sequence[Bucket], **kw: Any) -> float:
    """Reserve a slot and send at once; the time it was sent at."""
    slot = limiter.acquire(buckets, **kw)
    slot.sent()
    return slot.at


def check(sent: list[tuple[str, float]], per_key: int, per_process: int) -> None:
    by_key: dict[str, list[float]] = defaultdict(list)
    for key, at in sent:
        by_key[key].append(at)
    assert max_in_window([at for _, at in sent]) <= per_process
    for times in by_key.values():
        assert max_in_window(times) <= per_key


def test_max_in_window_counts_half_open_windows() -> None:
    assert max_in_window([0, 59.9, 60]) == 2
    assert max_in_window([0, 30, 59.999, 60, 61]) == 4
    assert max_in_window([]) == 0


def test_a_token_bucket_would_fail_this_check() -> None:
    """The check is not vacuous: a bucket of 10 refilled continuously lets 15 through in one window."""
    tokens, last, admitted, t = 10.0, 0.0, [], 0.0
    while t < 120:
        tokens = min(10.0, tokens + (t - last) * 10 / WINDOW)
        last = t
        if tokens >= 1:
            tokens -= 1
            admitted.append(t)
        t += 0.5
    assert max_in_window(admitted) > 10


# --------------------------------------------------------------- deterministic cases


def test_the_window_slides() -> None:
    clock = VirtualClock(participants=1)
    limiter = SlidingWindowLimiter(clock=clock.clock, sleep=clock.sleep)
    bucket = (Bucket("b", 3, WINDOW, "b"),)
    assert [send(limiter, bucket) for _ in range(7)] == [0.0, 0.0, 0.0, 60.0, 60.0, 60.0, 120.0]
    assert clock.sleeps == [60.0, 60.0]


def test_room_comes_back_when_the_oldest_request_leaves_the_window() -> None:
    clock = VirtualClock(participants=1)
    limiter = SlidingWindowLimiter(clock=clock.clock, sleep=clock.sleep)
    bucket = (Bucket("b", 2, WINDOW, "b"),)
    assert send(limiter, bucket) == 0.0
    clock.sleep(10)
    assert send(limiter, bucket) == 10.0
    assert send(limiter, bucket) == 60.0  # the one at 0 left; the one at 10 still counts
    assert send(limiter, bucket) == 70.0


def test_a_slot_is_taken_in_every_bucket_or_in_none() -> None:
    clock = VirtualClock(participants=1)
    limiter = SlidingWindowLimiter(clock=clock.clock, sleep=clock.sleep)
    for _ in range(2):
        send(limiter, buckets_for("a", per_key=2, per_process=3))
    slot, wait = limiter.try_acquire(buckets_for("a", per_key=2, per_process=3))
    assert (slot, wait) == (None, 60.0)
    # "a" is full; "b" fits the process bucket, and "a" refused took nothing from it.
    assert send(limiter, buckets_for("b", per_key=2, per_process=3)) == 0.0
    slot, wait = limiter.try_acquire(buckets_for("b", per_key=2, per_process=3))
    assert slot is None and wait == 60.0


def test_a_reserved_slot_counts_until_it_is_sent_or_given_back() -> None:
    now = [0.0]
    limiter = SlidingWindowLimiter(clock=lambda: now[0])
    bucket = (Bucket("b", 2, 10.0, "b"),)
    first = limiter.acquire(bucket)
    second = limiter.acquire(bucket)
    assert limiter.try_acquire(bucket) == (None, 0.02)  # only reservations: look again soon
    now[0] = 25.0  # the reservations are older than the window, yet still count
    assert limiter.try_acquire(bucket)[0] is None
    second.release()
    first.sent()  # sent late: the window runs from when it was sent
    assert first.at == 25.0
    third = limiter.acquire(bucket)
    third.sent()
    slot, wait = limiter.try_acquire(bucket)
    assert slot is None and wait == 10.0
    first.release()  # too late: it was sent, it stays counted
    assert limiter.try_acquire(bucket)[0] is None


def test_raise_instead_of_waiting() -> None:
    clock = VirtualClock(participants=1)
    limiter = SlidingWindowLimiter(clock=clock.clock, sleep=clock.sleep)
    bucket = (Bucket("b", 1, WINDOW, "jobs: 1 per 60s per API key"),)
    send(limiter, bucket)
    clock.sleep(15)
    with pytest.raises(errors.ClientRateLimitError) as info:
        limiter.acquire(bucket, block=False)
    assert info.value.retry_after == 45.0
    assert "jobs: 1 per 60s per API key" in str(info.value)
    assert clock.sleeps == [15]


def test_a_wait_longer_than_the_timeout_raises_without_sleeping() -> None:
    clock = VirtualClock(participants=1)
    limiter = SlidingWindowLimiter(clock=clock.clock, sleep=clock.sleep)
    bucket = (Bucket("b", 1, WINDOW, "b"),)
    send(limiter, bucket)
    with pytest.raises(errors.ClientRateLimitError, match="deadline") as info:
        limiter.acquire(bucket, timeout=59.0)
    assert info.value.retry_after == 60.0 and clock.sleeps == []
    assert send(limiter, bucket, timeout=60.0) == 60.0


def test_the_key_never_shows() -> None:
    bucket = Bucket(("key", "digest-of-sk-SECRET"), 1, WINDOW, "label")
    assert "SECRET" not in repr(bucket)
    limiter = SlidingWindowLimiter()
    send(limiter, (bucket,))
    assert "SECRET" not in repr(limiter)


# --------------------------------------------------------------- contention

PER_KEY, PER_PROCESS = 5, 12
KEYS = ["k1", "k2", "k3", "k4"]


def run_thread(limiter: SlidingWindowLimiter, clock: VirtualClock, key: str, calls: int, out: list[tuple[str, float]], lock: threading.Lock) -> None:
    try:
        for _ in range(calls):
            at = send(limiter, buckets_for(key, PER_KEY, PER_PROCESS))
            with lock:
                out.append((key, at))
            if random.random() < 0.3:
                clock.sleep(random.choice([0.5, 7.0, 31.0]))
    finally:
        clock.done()


async def run_task(limiter: SlidingWindowLimiter, clock: VirtualClock, key: str, calls: int, out: list[tuple[str, float]]) -> None:
    try:
        for _ in range(calls):
            slot = await limiter.acquire_async(buckets_for(key, PER_KEY, PER_PROCESS))
            slot.sent()
            out.append((key, slot.at))
            if random.random() < 0.3:
                await clock.async_sleep(random.choice([0.5, 7.0, 31.0]))
    finally:
        clock.done()


def expect_liveness(sent: list[tuple[str, float]], total: int) -> None:
    """Everyone got through, and not absurdly slowly (the limiter admits at the allowed rate)."""
    assert len(sent) == total
    assert max(at for _, at in sent) <= (total / PER_PROCESS + 2) * WINDOW + 40


@pytest.mark.parametrize("seed", [1, 2])
def test_many_threads_never_exceed_either_bucket(seed: int) -> None:
    random.seed(seed)
    threads_n, calls = 24, 10
    clock = VirtualClock(participants=threads_n)
    limiter = SlidingWindowLimiter(clock=clock.clock, sleep=clock.sleep)
    sent: list[tuple[str, float]] = []
    lock = threading.Lock()
    threads = [threading.Thread(target=run_thread, args=(limiter, clock, KEYS[i % 4], calls, sent, lock)) for i in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
        assert not t.is_alive()

    check(sent, PER_KEY, PER_PROCESS)
    expect_liveness(sent, threads_n * calls)
    assert max_in_window([at for _, at in sent]) == PER_PROCESS  # the process bucket was the bottleneck


@pytest.mark.parametrize("seed", [3, 4])
def test_many_asyncio_tasks_never_exceed_either_bucket(seed: int) -> None:
    random.seed(seed)
    tasks_n, calls = 40, 6
    clock = VirtualClock(participants=tasks_n)
    limiter = SlidingWindowLimiter(clock=clock.clock, async_sleep=clock.async_sleep)
    sent: list[tuple[str, float]] = []

    async def main() -> None:
        await asyncio.gather(*(run_task(limiter, clock, KEYS[i % 4], calls, sent) for i in range(tasks_n)))

    asyncio.run(main())

    check(sent, PER_KEY, PER_PROCESS)
    expect_liveness(sent, tasks_n * calls)


def test_threads_and_tasks_on_several_loops_share_one_limiter() -> None:
    random.seed(5)
    threads_n, loops_n, tasks_per_loop, calls = 8, 3, 6, 6
    clock = VirtualClock(participants=threads_n + loops_n * tasks_per_loop)
    limiter = SlidingWindowLimiter(clock=clock.clock, sleep=clock.sleep, async_sleep=clock.async_sleep)
    sent: list[tuple[str, float]] = []
    lock = threading.Lock()

    def loop_thread(index: int) -> None:
        async def main() -> None:
            found: list[tuple[str, float]] = []
            await asyncio.gather(*(run_task(limiter, clock, KEYS[(index + i) % 4], calls, found) for i in range(tasks_per_loop)))
            with lock:
                sent.extend(found)

        asyncio.run(main())

    workers = [threading.Thread(target=run_thread, args=(limiter, clock, KEYS[i % 4], calls, sent, lock)) for i in range(threads_n)]
    workers += [threading.Thread(target=loop_thread, args=(i,)) for i in range(loops_n)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=60)
        assert not w.is_alive()

    check(sent, PER_KEY, PER_PROCESS)
    expect_liveness(sent, (threads_n + loops_n * tasks_per_loop) * calls)


def test_real_clock_threads_short_window() -> None:
    """No fake clock: 8 threads, 6 requests per 0.3 s window, real sleeps."""
    limiter = SlidingWindowLimiter()
    bucket = (Bucket("real", 6, 0.3, "real"),)
    sent: list[float] = []
    lock = threading.Lock()

    def work() -> None:
        for _ in range(3):
            at = send(limiter, bucket)
            with lock:
                sent.append(at)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    assert len(sent) == 24
    assert max_in_window(sent, 0.3) <= 6
    assert max(sent) - min(sent) >= 0.89  # 24 requests need at least 4 windows


# --------------------------------------------------------------- the client


class StepClock:
    """One caller: sleeping just moves time forward."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    async def async_sleep(self, seconds: float) -> None:
        self.sleep(seconds)


def start_jobs(mode: str, key: str, count: int, **kw: Any) -> list[Any]:
    """``count`` start_job calls in one client; errors are collected, not raised."""

    def run(client: Any) -> Any:
        if mode == "sync":
            return [_outcome(lambda: client.jobs.start_job(body=JobInput(name="n"))) for _ in range(count)]

        async def main() -> list[Any]:
            out = []
            for _ in range(count):
                try:
                    out.append(await client.jobs.start_job(body=JobInput(name="n")))
                except errors.ApiError as exc:
                    out.append(exc)
            return out

        return main()

    return call(mode, run, api_key=key, **kw)  # type: ignore[no-any-return]


def _outcome(step: Callable[[], Any]) -> Any:
    try:
        return step()
    except errors.ApiError as exc:
        return exc


def test_the_limits_come_from_the_client_class() -> None:
    assert Client._rate_limits == AsyncClient._rate_limits == (RateLimit("jobs", per_key=3, per_process=5, window=60.0),)
    buckets = Client(api_key=KEY, base_url="http://127.0.0.1:1")._buckets(__import__("fixture_client.resources.jobs", fromlist=["_START_JOB"])._START_JOB)
    assert [b.label for b in buckets] == ["jobs: 5 per 60s per process", "jobs: 3 per 60s per API key"]
    assert all(KEY not in repr(b.key) for b in buckets)


def test_per_key_and_per_process_limits(server: FaultServer, mode: str) -> None:
    server.add("/jobs", *[json_body(JOB, status=202)] * 20)
    clock = StepClock()
    limiter = SlidingWindowLimiter(clock=clock.clock, sleep=clock.sleep, async_sleep=clock.async_sleep)
    kw: dict[str, Any] = {"base_url": server.url, "rate_limiter": limiter, "rate_limit": "raise"}

    first = start_jobs(mode, "key-A", 4, **kw)
    assert [type(o).__name__ for o in first] == ["Job", "Job", "Job", "ClientRateLimitError"]
    assert first[3].retry_after == 60.0 and "per API key" in str(first[3]) and "per process" not in str(first[3])
    second = start_jobs(mode, "key-B", 3, **kw)
    assert [type(o).__name__ for o in second] == ["Job", "Job", "ClientRateLimitError"]
    assert "per process" in str(second[2])
    assert len(server.requests) == 5  # the refused calls never left the client
    assert clock.sleeps == []

    kw.pop("rate_limit")  # the default: wait for a slot
    waited = start_jobs(mode, "key-C", 1, **kw)
    assert type(waited[0]).__name__ == "Job" and clock.sleeps == [60.0]


def test_waiting_for_a_slot_respects_the_deadline(server: FaultServer, mode: str) -> None:
    server.add("/jobs", *[json_body(JOB, status=202)] * 5)
    clock = StepClock()
    limiter = SlidingWindowLimiter(clock=clock.clock, sleep=clock.sleep, async_sleep=clock.async_sleep)
    start_jobs(mode, "key-D", 3, base_url=server.url, rate_limiter=limiter)

    [outcome] = start_jobs(mode, "key-D", 1, base_url=server.url, rate_limiter=limiter, deadline=5.0)

    assert isinstance(outcome, errors.ClientRateLimitError) and "deadline" in str(outcome)
    assert clock.sleeps == [] and len(server.requests) == 3


def test_retries_take_slots_too(server: FaultServer, mode: str) -> None:
    busy = json_body({"statusCode": 503, "error": "busy"}, status=503)
    server.add("/jobs", busy, busy, busy, json_body(JOB, status=202))
    clock = StepClock()
    limiter = SlidingWindowLimiter(clock=clock.clock, sleep=clock.sleep, async_sleep=clock.async_sleep)

    outcomes = start_jobs(mode, "key-E", 2, base_url=server.url, rate_limiter=limiter, rate_limit="raise", retry=RetryPolicy(backoff_initial=0.01, backoff_max=0.01))

    assert [type(o).__name__ for o in outcomes] == ["ServiceUnavailableError", "ClientRateLimitError"]
    assert len(server.requests) == 3 and server.pending("/jobs") == 1


def test_a_request_is_counted_when_it_is_sent_not_when_the_call_starts(server: FaultServer, mode: str) -> None:
    """Calls queued for one of two connections go out in a burst once the slow ones end.

    Counted when their calls started, the second window's calls would join that
    burst: six requests in a window that allows four. Counted when sent, they wait.
    """
    slow = json_body(JOB, status=202, delay=0.5)
    server.add("/jobs", slow, slow, *[json_body(JOB, status=202)] * 6)
    limited = type("Limited", (Client if mode == "sync" else AsyncClient,), {"_rate_limits": (RateLimit("jobs", per_process=4, window=0.4),)})
    kw: dict[str, Any] = {"api_key": KEY, "base_url": server.url, "rate_limiter": SlidingWindowLimiter()}
    limits = httpx.Limits(max_connections=2)

    if mode == "sync":
        with httpx.Client(limits=limits) as http, limited(http_client=http, **kw) as client:
            threads = [threading.Thread(target=client.jobs.start_job, kwargs={"body": JobInput(name=str(i))}) for i in range(8)]
            for i, thread in enumerate(threads):
                thread.start()
                if i == 1:
                    server.wait_open_connections(2)  # the slow two go first
            for thread in threads:
                thread.join()
    else:

        async def main() -> None:
            async with httpx.AsyncClient(limits=limits) as http, limited(http_client=http, **kw) as client:
                first = [asyncio.ensure_future(client.jobs.start_job(body=JobInput(name=str(i)))) for i in range(2)]
                await asyncio.sleep(0.05)
                rest = [client.jobs.start_job(body=JobInput(name=str(i))) for i in range(6)]
                await asyncio.gather(*first, *rest)

        asyncio.run(main())

    arrivals = [r.at for r in server.requests]
    assert len(arrivals) == 8
    assert max_in_window(arrivals, 0.4 - 0.02) <= 4  # a little slack for the server's own delay
    assert max(arrivals) - min(arrivals) >= 0.8  # the last two waited for a second window
