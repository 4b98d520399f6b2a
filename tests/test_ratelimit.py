"""Client-side rate limits: the sliding-window limiter under a virtual clock, and the client using it.

The limiter takes ``clock``, ``sleep`` and ``async_sleep``. ``VirtualClock`` makes
time pass only when every participant (thread or asyncio task) is asleep, then
jumps to the earliest wake-up: many threads and tasks contend for real (real
locks, real scheduling) while minutes of limiter time pass in milliseconds.

The invariant checked everywhere: for every bucket, no half-open window
``[t, t + 60)`` holds more admissions than its limit.
"""

from __future__ import annotations

import asyncio
import bisect
import heapq
import itertools
import random
import threading
from collections import defaultdict
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fault_server import FaultServer, json_body, running_server
from instantly_client import (
    ApiError,
    AsyncClient,
    Client,
    ClientRateLimitError,
    RateLimit,
    SlidingWindowLimiter,
)
from instantly_client._ratelimit import Bucket

WINDOW = 60.0
MICROSOFT = "/api/v2/oauth/microsoft/init"
GOOGLE = "/api/v2/oauth/google/init"
STATUS = "/api/v2/oauth/session/status/"
INIT_BODY = {"session_id": "s", "auth_url": "https://x.example/a", "expires_at": "2025-01-02T03:04:05Z"}


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


def max_in_window(times: list[float], window: float = WINDOW) -> int:
    """The most admissions in any half-open window [t, t + window)."""
    ordered = sorted(times)
    return max((bisect.bisect_left(ordered, t + window) - i for i, t in enumerate(ordered)), default=0)


def buckets_for(key: str, per_key: int, per_process: int) -> tuple[Bucket, ...]:
    return (
        Bucket(("process",), per_process, WINDOW, "per process"),
        Bucket(("key", key), per_key, WINDOW, "per key"),
    )


def check(admissions: list[tuple[str, float]], per_key: int, per_process: int) -> None:
    by_key: dict[str, list[float]] = defaultdict(list)
    for key, at in admissions:
        by_key[key].append(at)
    assert max_in_window([at for _, at in admissions]) <= per_process
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
    times = [limiter.acquire(bucket) for _ in range(7)]
    assert times == [0.0, 0.0, 0.0, 60.0, 60.0, 60.0, 120.0]
    assert clock.sleeps == [60.0, 60.0]


def test_room_comes_back_when_the_oldest_call_leaves_the_window() -> None:
    clock = VirtualClock(participants=1)
    limiter = SlidingWindowLimiter(clock=clock.clock, sleep=clock.sleep)
    bucket = (Bucket("b", 2, WINDOW, "b"),)
    assert limiter.acquire(bucket) == 0.0
    clock.sleep(10)
    assert limiter.acquire(bucket) == 10.0
    assert limiter.acquire(bucket) == 60.0  # the call at 0 left; the one at 10 still counts
    assert limiter.acquire(bucket) == 70.0


def test_a_slot_is_taken_in_every_bucket_or_in_none() -> None:
    clock = VirtualClock(participants=1)
    limiter = SlidingWindowLimiter(clock=clock.clock, sleep=clock.sleep)
    for _ in range(2):
        limiter.acquire(buckets_for("a", per_key=2, per_process=3))
    taken, wait = limiter.try_acquire(buckets_for("a", per_key=2, per_process=3))
    assert (taken, wait) == (None, 60.0)
    # "a" is full; "b" fits the process bucket, and "a" refused took nothing from it.
    assert limiter.acquire(buckets_for("b", per_key=2, per_process=3)) == 0.0
    taken, wait = limiter.try_acquire(buckets_for("b", per_key=2, per_process=3))
    assert taken is None and wait == 60.0


def test_raise_instead_of_waiting() -> None:
    clock = VirtualClock(participants=1)
    limiter = SlidingWindowLimiter(clock=clock.clock, sleep=clock.sleep)
    bucket = (Bucket("b", 1, WINDOW, "oauth_init: 1 per 60s per API key"),)
    limiter.acquire(bucket)
    clock.sleep(15)
    with pytest.raises(ClientRateLimitError) as info:
        limiter.acquire(bucket, block=False)
    assert info.value.retry_after == 45.0
    assert "oauth_init: 1 per 60s per API key" in str(info.value)
    assert isinstance(info.value, ApiError)
    assert clock.sleeps == [15]


def test_a_wait_longer_than_the_timeout_raises_without_sleeping() -> None:
    clock = VirtualClock(participants=1)
    limiter = SlidingWindowLimiter(clock=clock.clock, sleep=clock.sleep)
    bucket = (Bucket("b", 1, WINDOW, "b"),)
    limiter.acquire(bucket)
    with pytest.raises(ClientRateLimitError, match="deadline") as info:
        limiter.acquire(bucket, timeout=59.0)
    assert info.value.retry_after == 60.0
    assert clock.sleeps == []
    assert limiter.acquire(bucket, timeout=60.0) == 60.0


def test_the_key_never_shows() -> None:
    bucket = Bucket(("key", "digest-of-sk-SECRET"), 1, WINDOW, "label")
    assert "SECRET" not in repr(bucket)
    limiter = SlidingWindowLimiter()
    limiter.acquire((bucket,))
    assert "SECRET" not in repr(limiter)


# --------------------------------------------------------------- contention


PER_KEY, PER_PROCESS = 5, 12
KEYS = ["k1", "k2", "k3", "k4"]


def run_thread(limiter: SlidingWindowLimiter, clock: VirtualClock, key: str, calls: int, out: list[tuple[str, float]], lock: threading.Lock) -> None:
    try:
        for _ in range(calls):
            at = limiter.acquire(buckets_for(key, PER_KEY, PER_PROCESS))
            assert clock.clock() == at  # time cannot move while this thread runs
            with lock:
                out.append((key, at))
            if random.random() < 0.3:
                clock.sleep(random.choice([0.5, 7.0, 31.0]))
    finally:
        clock.done()


async def run_task(limiter: SlidingWindowLimiter, clock: VirtualClock, key: str, calls: int, out: list[tuple[str, float]]) -> None:
    try:
        for _ in range(calls):
            at = await limiter.acquire_async(buckets_for(key, PER_KEY, PER_PROCESS))
            assert clock.clock() == at
            out.append((key, at))
            if random.random() < 0.3:
                await clock.async_sleep(random.choice([0.5, 7.0, 31.0]))
    finally:
        clock.done()


def expect_liveness(admissions: list[tuple[str, float]], total: int) -> None:
    """Everyone got through, and not absurdly slowly (the limiter admits at the allowed rate)."""
    assert len(admissions) == total
    last = max(at for _, at in admissions)
    assert last <= (total / PER_PROCESS + 2) * WINDOW + 40


@pytest.mark.parametrize("seed", [1, 2])
def test_many_threads_never_exceed_either_bucket(seed: int) -> None:
    random.seed(seed)
    threads_n, calls = 24, 10
    clock = VirtualClock(participants=threads_n)
    limiter = SlidingWindowLimiter(clock=clock.clock, sleep=clock.sleep)
    admissions: list[tuple[str, float]] = []
    lock = threading.Lock()
    threads = [threading.Thread(target=run_thread, args=(limiter, clock, KEYS[i % 4], calls, admissions, lock)) for i in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
        assert not t.is_alive()

    check(admissions, PER_KEY, PER_PROCESS)
    expect_liveness(admissions, threads_n * calls)
    # The process bucket was the bottleneck at times, and so was a key's.
    assert max_in_window([at for _, at in admissions]) == PER_PROCESS


@pytest.mark.parametrize("seed", [3, 4])
def test_many_asyncio_tasks_never_exceed_either_bucket(seed: int) -> None:
    random.seed(seed)
    tasks_n, calls = 40, 6
    clock = VirtualClock(participants=tasks_n)
    limiter = SlidingWindowLimiter(clock=clock.clock, async_sleep=clock.async_sleep)
    admissions: list[tuple[str, float]] = []

    async def main() -> None:
        await asyncio.gather(*(run_task(limiter, clock, KEYS[i % 4], calls, admissions) for i in range(tasks_n)))

    asyncio.run(main())

    check(admissions, PER_KEY, PER_PROCESS)
    expect_liveness(admissions, tasks_n * calls)


def test_threads_and_tasks_on_several_loops_share_one_limiter() -> None:
    random.seed(5)
    threads_n, loops_n, tasks_per_loop, calls = 8, 3, 6, 6
    clock = VirtualClock(participants=threads_n + loops_n * tasks_per_loop)
    limiter = SlidingWindowLimiter(clock=clock.clock, sleep=clock.sleep, async_sleep=clock.async_sleep)
    admissions: list[tuple[str, float]] = []
    lock = threading.Lock()

    def loop_thread(index: int) -> None:
        async def main() -> None:
            found: list[tuple[str, float]] = []
            await asyncio.gather(*(run_task(limiter, clock, KEYS[(index + i) % 4], calls, found) for i in range(tasks_per_loop)))
            with lock:
                admissions.extend(found)

        asyncio.run(main())

    workers = [threading.Thread(target=run_thread, args=(limiter, clock, KEYS[i % 4], calls, admissions, lock)) for i in range(threads_n)]
    workers += [threading.Thread(target=loop_thread, args=(i,)) for i in range(loops_n)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=60)
        assert not w.is_alive()

    check(admissions, PER_KEY, PER_PROCESS)
    expect_liveness(admissions, (threads_n + loops_n * tasks_per_loop) * calls)


def test_real_clock_threads_short_window() -> None:
    """No fake clock: 8 threads, 6 calls per 0.3 s window, real sleeps."""
    limiter = SlidingWindowLimiter()
    bucket = (Bucket("real", 6, 0.3, "real"),)
    admissions: list[float] = []
    lock = threading.Lock()

    def work() -> None:
        for _ in range(3):
            at = limiter.acquire(bucket)
            with lock:
                admissions.append(at)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    assert len(admissions) == 24
    assert max_in_window(admissions, 0.3) <= 6
    assert max(admissions) - min(admissions) >= 0.89  # 24 calls need at least 4 windows


# --------------------------------------------------------------- the generated client


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


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with running_server() as srv:
        srv.add(MICROSOFT, *[json_body(INIT_BODY)] * 400)
        srv.add(GOOGLE, *[json_body(INIT_BODY)] * 400)
        yield srv


def test_oauth_init_limits_come_from_the_config() -> None:
    assert Client._rate_limits == (RateLimit("oauth_init", per_key=75, per_process=150, window=60.0),)
    assert AsyncClient._rate_limits == Client._rate_limits
    from instantly_client.resources import oauth

    assert oauth._INIT_MICROSOFT_OAUTH.limits == ("oauth_init",)
    assert oauth._INIT_GOOGLE_OAUTH.limits == ("oauth_init",)
    assert oauth._GET_OAUTH_SESSION_STATUS.limits == ()


class SmallClient(Client):
    _rate_limits = (RateLimit("oauth_init", per_key=3, per_process=5, window=60.0),)


class AsyncSmallClient(AsyncClient):
    _rate_limits = SmallClient._rate_limits


def run_calls(mode: str, key: str, ops: list[str], small: bool = False, **client_kwargs: Any) -> list[Any]:
    """Call ``ops`` in order ("m", "g", "s"), one client for the key; errors are collected, not raised."""
    outcomes: list[Any] = []

    def pick(client: Any, op: str) -> Any:
        if op == "m":
            return client.oauth.init_microsoft_oauth()
        if op == "g":
            return client.oauth.init_google_oauth()
        return client.oauth.get_oauth_session_status("s1")

    if mode == "sync":
        with (SmallClient if small else Client)(api_key=key, **client_kwargs) as client:
            for op in ops:
                try:
                    outcomes.append(pick(client, op))
                except ApiError as exc:
                    outcomes.append(exc)
        return outcomes

    async def main() -> None:
        async with (AsyncSmallClient if small else AsyncClient)(api_key=key, **client_kwargs) as client:
            for op in ops:
                try:
                    outcomes.append(await pick(client, op))
                except ApiError as exc:
                    outcomes.append(exc)

    asyncio.run(main())
    return outcomes


@pytest.mark.parametrize(
    ("mode", "small"),
    [("sync", False), ("async", True), ("sync", True)],
    ids=["sync-75-150", "async-3-5", "sync-3-5"],
)
def test_both_init_operations_share_the_per_key_and_per_process_limits(server: FaultServer, mode: str, small: bool) -> None:
    """The generated limits (75 per key, 150 per process) with real requests; the small ones keep async fast."""
    limit = (SmallClient if small else Client)._rate_limits[0]
    per_key, per_process = limit.per_key, limit.per_process
    clock = StepClock()
    limiter = SlidingWindowLimiter(clock=clock.clock, sleep=clock.sleep, async_sleep=clock.async_sleep)
    kw: dict[str, Any] = {"base_url": server.url, "rate_limiter": limiter, "rate_limit": "raise", "small": small}
    server.add(STATUS + "s1", *[json_body({"status": "pending"})] * 5)
    both = ["m", "g"] * per_key

    first = run_calls(mode, "key-A", both[: per_key + 1], **kw)
    assert all(not isinstance(o, ApiError) for o in first[:per_key])
    refused = first[per_key]
    assert isinstance(refused, ClientRateLimitError)
    assert refused.retry_after == 60.0
    assert "per API key" in str(refused) and "per process" not in str(refused)
    assert len(server.requests) == per_key  # the refused call never left the client

    second = run_calls(mode, "key-B", [*both[: per_process - per_key + 1], "s"], **kw)
    assert sum(isinstance(o, ClientRateLimitError) for o in second) == 1
    assert "per process" in str(next(o for o in second if isinstance(o, ApiError)))
    assert not isinstance(second[-1], ApiError)  # the status endpoint is not limited
    assert len(server.requests) == per_process + 1

    third = run_calls(mode, "key-C", ["m"], **kw)  # a fresh key, but the process is at its limit
    assert isinstance(third[0], ClientRateLimitError)
    assert "per process" in str(third[0]) and "per API key" not in str(third[0])
    assert clock.sleeps == []

    kw.pop("rate_limit")  # the default: wait for a slot
    waited = run_calls(mode, "key-C", ["g"], **kw)
    assert not isinstance(waited[0], ApiError)
    assert clock.sleeps == [60.0]
    assert len(server.requests) == per_process + 2


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_waiting_for_a_slot_respects_the_deadline(server: FaultServer, mode: str) -> None:
    clock = StepClock()
    limiter = SlidingWindowLimiter(clock=clock.clock, sleep=clock.sleep, async_sleep=clock.async_sleep)
    run_calls(mode, "key-D", ["m"] * 3, small=True, base_url=server.url, rate_limiter=limiter)

    outcome = run_calls(mode, "key-D", ["m"], small=True, base_url=server.url, rate_limiter=limiter, deadline=5.0)

    assert isinstance(outcome[0], ClientRateLimitError)
    assert "deadline" in str(outcome[0])
    assert clock.sleeps == []
    assert len(server.requests) == 3


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_retries_take_slots_too(mode: str) -> None:
    from instantly_client import RetryPolicy

    class Small(Client):
        _rate_limits = (RateLimit("oauth_init", per_key=3, per_process=100, window=60.0),)

    class AsyncSmall(AsyncClient):
        _rate_limits = Small._rate_limits

    clock = StepClock()
    limiter = SlidingWindowLimiter(clock=clock.clock, sleep=clock.sleep, async_sleep=clock.async_sleep)
    busy = json_body({"statusCode": 503, "error": "Service Unavailable", "message": "x"}, status=503)
    kw: dict[str, Any] = {"api_key": "key-E", "rate_limiter": limiter, "rate_limit": "raise", "retry": RetryPolicy(backoff_initial=0.01, backoff_max=0.01)}
    with running_server() as srv:
        srv.add(MICROSOFT, *[busy] * 3, json_body(INIT_BODY))
        kw["base_url"] = srv.url
        if mode == "sync":
            with Small(**kw) as client:
                with pytest.raises(ApiError):
                    client.oauth.init_microsoft_oauth()  # 503, 503, 503: three attempts
                with pytest.raises(ClientRateLimitError):
                    client.oauth.init_microsoft_oauth()
        else:

            async def main() -> None:
                async with AsyncSmall(**kw) as client:
                    with pytest.raises(ApiError):
                        await client.oauth.init_microsoft_oauth()
                    with pytest.raises(ClientRateLimitError):
                        await client.oauth.init_microsoft_oauth()

            asyncio.run(main())
        assert len(srv.requests) == 3  # three attempts took the three slots; the next call was refused
        assert srv.pending(MICROSOFT) == 1
