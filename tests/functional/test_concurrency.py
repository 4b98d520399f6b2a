"""Many calls at once, and a client used across ``fork``: every response is the one asked for.

The server is a separate process (``echo_server.py``) answering each request with
the id from its path, so a response that belongs to another request shows.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fixture_client import AsyncClient, Client

from .support import KEY


@pytest.fixture(scope="module")
def echo_url() -> Iterator[str]:
    proc = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("echo_server.py"))],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        port = int(proc.stdout.readline())
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.kill()
        proc.wait()


def test_32_threads_of_1000_calls_share_one_client(echo_url: str) -> None:
    # 32,000 calls in all: every thread's calls overlap the others' (the pool holds at most
    # 100 connections), which is what could hand a response to the wrong caller.
    mismatches: list[tuple[str, str]] = []
    done = [0]
    lock = threading.Lock()
    with Client(api_key=KEY, base_url=echo_url) as client:

        def work(thread: int) -> None:
            for n in range(1000):
                wanted = f"t{thread}-{n}"
                got = client.items.get_item(wanted).id
                with lock:
                    done[0] += 1
                    if got != wanted:
                        mismatches.append((wanted, got))

        threads = [threading.Thread(target=work, args=(i,)) for i in range(32)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    assert done[0] == 32_000
    assert mismatches == []


def test_200_async_tasks_share_one_client(echo_url: str) -> None:
    # At most 10 connections: httpcore's async pool matches each waiting request
    # against every connection, which at its default of 100 makes this test slow, not harder.
    async def main() -> list[tuple[str, str]]:
        limits = httpx.Limits(max_connections=10)
        async with httpx.AsyncClient(limits=limits) as http, AsyncClient(api_key=KEY, base_url=echo_url, http_client=http) as client:

            async def work(task: int) -> list[tuple[str, str]]:
                wrong = []
                for n in range(3):
                    wanted = f"a{task}-{n}"
                    got = (await client.items.get_item(wanted)).id
                    if got != wanted:
                        wrong.append((wanted, got))
                return wrong

            results = await asyncio.gather(*(work(i) for i in range(200)))
        return [pair for result in results for pair in result]

    assert asyncio.run(main()) == []


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork() only")
def test_a_client_used_before_fork_shares_no_connection_with_the_child(echo_url: str) -> None:
    with Client(api_key=KEY, base_url=echo_url) as client:
        assert client.items.get_item("warm").id == "warm"  # a keep-alive connection in the pool
        parent_pool = client._http
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: report mismatches through the pipe, never return into pytest
            code = 1
            try:
                os.close(read_end)
                wrong = sum(client.items.get_item(f"child-{n}").id != f"child-{n}" for n in range(300))
                fresh = client._http is not parent_pool
                os.write(write_end, f"{wrong} {fresh}".encode())
                code = 0
            finally:
                os._exit(code)
        os.close(write_end)
        wrong_in_parent = sum(client.items.get_item(f"parent-{n}").id != f"parent-{n}" for n in range(300))
        _, status = os.waitpid(pid, 0)
        with os.fdopen(read_end) as pipe:
            report = pipe.read()
        assert client._http is parent_pool

    assert os.waitstatus_to_exitcode(status) == 0, report
    assert report == "0 True"  # the child made its own pool and got only its own answers
    assert wrong_in_parent == 0
