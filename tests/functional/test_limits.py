"""The cap on response bodies: hostile bodies end in a typed error with bounded memory and time.

The hostile cases run the client in a child process under an address-space
limit, and compare its peak resident memory before and after the call.
"""

from __future__ import annotations

import functools
import struct
import textwrap
import zlib

import pytest
from fixture_client import errors
from fixture_client._base_client import with_raw_response

from .server import FaultServer, Scripted, endless, json_body
from .support import call, raises, run_child

ITEM = {"id": "i1", "name": "Lamp", "created_at": "2025-01-02T03:04:05Z"}
MIB = 1024 * 1024


@functools.lru_cache(maxsize=2)
def gzip_bomb(mib: int = 1024) -> bytes:
    """gzip of ``mib`` MiB of zeros, about a thousandth of that (built in well under a second)."""
    block = bytes(MIB)
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    # After a full flush every block of zeros compresses to the same bytes.
    first = packer.compress(block) + packer.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(mib):
        crc = zlib.crc32(block, crc)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    return header + first * mib + packer.flush() + struct.pack("<II", crc, (mib * MIB) & 0xFFFFFFFF)


def test_the_bomb_is_what_it_claims() -> None:
    assert zlib.decompress(gzip_bomb(16), 31) == bytes(16 * MIB)  # the same recipe, smaller
    bomb = gzip_bomb()
    assert len(bomb) < 1.1 * MIB
    unpacker = zlib.decompressobj(31)
    assert unpacker.decompress(bomb, 64 * MIB) == bytes(64 * MIB)
    assert not unpacker.eof and len(unpacker.unconsumed_tail) > 0.9 * len(bomb)


def test_a_declared_length_over_the_cap_is_refused_unread(server: FaultServer, mode: str) -> None:
    server.add("/items/i1", Scripted(200, {"Content-Type": "application/json", "Content-Length": str(10 * MIB)}, chunks=endless(b"x" * 65536)))

    exc = raises(mode, errors.ResponseTooLargeError, lambda c: c.items.get_item("i1", max_response_bytes=MIB), base_url=server.url)

    assert (exc.limit, exc.status_code) == (MIB, 200)
    assert "1048576-byte limit (max_response_bytes)" in str(exc)
    assert exc.request.url.path == "/items/i1"
    assert len(server.requests) == 1  # not retried


@pytest.mark.parametrize("where", ["client", "call"])
def test_the_cap_is_settable_per_client_and_per_call(server: FaultServer, mode: str, where: str) -> None:
    body = json_body({**ITEM, "name": "x" * 2000})
    server.add("/items/i1", body, body)
    client_kw = {"max_response_bytes": 1000} if where == "client" else {}
    call_kw = {"max_response_bytes": 1000} if where == "call" else {}

    raises(mode, errors.ResponseTooLargeError, lambda c: c.items.get_item("i1", **call_kw), base_url=server.url, **client_kw)
    item = call(mode, lambda c: c.items.get_item("i1", max_response_bytes=4000), base_url=server.url, **client_kw)

    assert len(item.name) == 2000


def test_an_error_body_is_capped_too(server: FaultServer, mode: str) -> None:
    server.add("/items/i1", Scripted(500, {"Content-Type": "text/plain"}, chunks=endless(b"e" * 4096)))

    exc = raises(mode, errors.ResponseTooLargeError, lambda c: c.items.get_item("i1"), base_url=server.url, max_response_bytes=100_000)

    assert exc.status_code == 500


def test_a_body_exactly_at_the_cap_is_read(server: FaultServer, mode: str) -> None:
    data = b"\x01" * 5000
    server.add("/bodies/bytes", Scripted(200, {"Content-Type": "application/octet-stream"}, data))

    raw = call(mode, lambda c: with_raw_response(c.bodies.send_bytes)(body=b"", max_response_bytes=5000), base_url=server.url)

    assert raw.parsed == data and raw.content == data


CHILD = textwrap.dedent(
    """
    import asyncio, resource, sys, time
    from fixture_client import AsyncClient, Client, errors

    def peak():
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    url, path, cap = sys.argv[1], sys.argv[2], int(sys.argv[3])
    with Client(api_key="k", base_url=url) as client:
        client.items.get_item("warm")  # imports, pool, TLS set-up: all in the baseline
        base = peak()
        for mode in ("sync", "async"):
            started = time.monotonic()
            try:
                if mode == "sync":
                    client.items.get_item(path, max_response_bytes=cap)
                else:
                    async def main():
                        async with AsyncClient(api_key="k", base_url=url) as aclient:
                            await aclient.items.get_item(path, max_response_bytes=cap)
                    asyncio.run(main())
                outcome = "returned"
            except errors.ApiError as exc:
                outcome = type(exc).__name__
            print(mode, outcome, round(time.monotonic() - started, 2), round(peak() - base, 1))
    """
)


def run_hostile(server: FaultServer, answer: Scripted, cap: int) -> list[tuple[str, str, float, float]]:
    server.add("/items/warm", json_body(ITEM))
    server.add("/items/bad", answer, answer)
    code = CHILD.replace("sys.argv[1], sys.argv[2], int(sys.argv[3])", f"{server.url!r}, 'bad', {cap}")
    status, output, _ = run_child(code, memory_mb=768, timeout=60)
    assert status == 0, output
    rows = [line.split() for line in output.splitlines() if line.startswith(("sync ", "async "))]
    assert [r[0] for r in rows] == ["sync", "async"], output
    return [(r[0], r[1], float(r[2]), float(r[3])) for r in rows]


@pytest.mark.parametrize("cap_mib", [1, 64], ids=["1MiB", "default-64MiB"])
def test_a_gzip_bomb_costs_no_more_memory_than_the_cap(server: FaultServer, cap_mib: int) -> None:
    bomb = gzip_bomb()
    answer = Scripted(200, {"Content-Type": "application/json", "Content-Encoding": "gzip"}, bomb)

    for mode, outcome, seconds, grew in run_hostile(server, answer, cap_mib * MIB):
        assert outcome == "ResponseTooLargeError", mode
        assert seconds < 10, mode
        # What is kept is the body up to the cap; decompressing never holds more.
        assert grew < cap_mib + 24, (mode, grew)


def test_an_endless_chunked_body_stops_at_the_cap(server: FaultServer) -> None:
    answer = Scripted(200, {"Content-Type": "application/json"}, chunks=endless(b"[" * 16384))

    for mode, outcome, seconds, grew in run_hostile(server, answer, 2 * MIB):
        assert outcome == "ResponseTooLargeError", mode
        assert seconds < 10 and grew < 2 + 24, (mode, seconds, grew)
