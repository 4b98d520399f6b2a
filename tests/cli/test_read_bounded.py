"""``load.read_spec`` on hostile files: every read bounded before it happens.

Each case runs in a child process whose address space is capped at what it uses plus
100 MiB and which gets a wall-clock limit: reading a 200 MB file, ``/dev/zero`` or an
endless pipe into memory fails there with MemoryError, and a hang fails the timeout.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from pathlib import Path
from typing import IO, Any

import pytest
from bounded_child import run_bounded

from generator.errors import SpecError
from generator.load import MAX_BYTES, read_spec
from generator.readfile import read_bounded

READ = """
from pathlib import Path
from generator.errors import SpecError
from generator.load import read_spec
try:
    data = read_spec(Path({path!r}){extra})
except SpecError as exc:
    print("ERR", exc)
else:
    print("OK", len(data), data[:20])
"""
IMPORTS = "import generator.load"


def read_in_child(path: str, *, extra: str = "", stdin: IO[Any] | int | None = subprocess.DEVNULL, timeout: float = 20.0) -> tuple[str, float]:
    done, elapsed = run_bounded(READ.format(path=path, extra=extra), imports=IMPORTS, stdin=stdin, timeout=timeout)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip(), elapsed


def test_a_sparse_200_mb_file_is_refused_without_being_read(tmp_path: Path) -> None:
    big = tmp_path / "big.json"
    with big.open("wb") as handle:
        handle.truncate(200 * 1024 * 1024)  # sparse: no disk used, 200 MB of zeros when read
    out, elapsed = read_in_child(str(big))
    assert out == f"ERR {big}: file is larger than 64 MiB"
    assert elapsed < 10


def test_a_file_of_exactly_the_limit_is_read_and_one_byte_more_is_not(tmp_path: Path) -> None:
    edge = tmp_path / "edge.json"
    with edge.open("wb") as handle:
        handle.truncate(MAX_BYTES)
    out, _ = read_in_child(str(edge))
    assert out.startswith(f"OK {MAX_BYTES} ")
    with edge.open("ab") as handle:
        handle.write(b" ")
    out, _ = read_in_child(str(edge))
    assert out == f"ERR {edge}: file is larger than 64 MiB"


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/null", "/dev/urandom"])
def test_a_device_is_refused_without_being_read(device: str) -> None:
    out, elapsed = read_in_child(device)
    assert out == f"ERR {device}: is a device, not a file"
    assert elapsed < 10


def test_a_pipe_fed_endlessly_is_refused_at_the_limit() -> None:
    feeder = subprocess.Popen(["yes", "openapi: 3.1.0"], stdout=subprocess.PIPE)
    try:
        out, elapsed = read_in_child("/dev/stdin", stdin=feeder.stdout, timeout=30)
    finally:
        feeder.kill()
        feeder.wait()
        assert feeder.stdout is not None
        feeder.stdout.close()
    assert out == "ERR /dev/stdin: file is larger than 64 MiB (stopped reading the pipe there)"
    assert elapsed < 20


def test_a_fifo_with_no_writer_is_refused_within_a_few_seconds(tmp_path: Path) -> None:
    fifo = tmp_path / "spec.yaml"
    os.mkfifo(fifo)
    out, elapsed = read_in_child(str(fifo))
    assert out == f"ERR {fifo}: no data arrived within 5 s (a FIFO with no writer?)"
    assert 4.5 < elapsed < 9


def test_a_fifo_whose_writer_writes_a_spec_and_closes_is_read(tmp_path: Path) -> None:
    fifo = tmp_path / "spec.yaml"
    os.mkfifo(fifo)
    body = b"openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {}\n"

    def write() -> None:
        with fifo.open("wb") as handle:  # blocks until the child opens its end
            time.sleep(0.3)
            handle.write(body)

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    out, _ = read_in_child(str(fifo), extra=", wait=3")
    writer.join(5)
    assert out == f"OK {len(body)} {body[:20]!r}"


def test_stdin_redirected_from_a_regular_file_is_read_as_a_file(tmp_path: Path) -> None:
    spec = tmp_path / "spec.json"
    body = b'{"openapi": "3.1.0", "paths": {}}'
    spec.write_bytes(body)
    with spec.open("rb") as handle:
        out, _ = read_in_child("/dev/stdin", stdin=handle)
    assert out == f"OK {len(body)} {body[:20]!r}"


def test_a_pipe_that_drips_is_stopped_by_the_total_bound(tmp_path: Path) -> None:
    fifo = tmp_path / "drip.yaml"
    os.mkfifo(fifo)
    stop = threading.Event()

    def drip() -> None:
        with fifo.open("wb", buffering=0) as handle:
            while not stop.is_set():
                handle.write(b"#")
                time.sleep(0.1)

    writer = threading.Thread(target=drip, daemon=True)
    writer.start()
    started = time.monotonic()
    try:
        with pytest.raises(SpecError) as caught:
            read_bounded(fifo, "drip.yaml", limit=MAX_BYTES, wait=0.5, total=1.5)
    finally:
        stop.set()
    assert str(caught.value) == "drip.yaml: the pipe did not finish within 1.5 s"
    assert time.monotonic() - started < 3
    writer.join(2)


def test_a_pipe_that_stops_sending_is_refused(tmp_path: Path) -> None:
    fifo = tmp_path / "stall.yaml"
    os.mkfifo(fifo)
    release = threading.Event()

    def stall() -> None:
        with fifo.open("wb", buffering=0) as handle:
            handle.write(b"openapi: ")
            release.wait(5)

    writer = threading.Thread(target=stall, daemon=True)
    writer.start()
    try:
        with pytest.raises(SpecError) as caught:
            read_bounded(fifo, "stall.yaml", limit=MAX_BYTES, wait=0.5)
    finally:
        release.set()
    assert str(caught.value) == "stall.yaml: no more data arrived within 0.5 s (after 9 bytes)"
    writer.join(2)


def test_a_folder_and_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match=r"is a folder, not a file$"):
        read_spec(tmp_path)
    with pytest.raises(SpecError, match=r"no such file$"):
        read_spec(tmp_path / "missing.json")


def test_a_socket_is_refused(tmp_path: Path) -> None:
    import socket

    path = tmp_path / "s.sock"
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(path))
    try:
        with pytest.raises(SpecError, match=r"is a socket, not a file$"):
            read_spec(path)
    finally:
        server.close()
