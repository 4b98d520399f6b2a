"""Read a file whose size, kind and speed are not trusted: every read is bounded before it happens.

* a regular file: its size comes from ``fstat`` and a file over the limit is refused
  without reading a byte; the reads stop at the limit anyway (a file that grows);
* a pipe or FIFO (``/dev/stdin`` fed by another program): opened without blocking,
  read in chunks until end of file, refused once more than the limit has arrived,
  and refused when no data arrives for ``wait`` seconds (a FIFO with no writer) or
  the whole read takes longer than ``total`` seconds (a writer that drips);
* a device (``/dev/zero``, a disk, a terminal), a socket or a folder: refused
  without being opened.

Each refusal is one ``SpecError`` line naming the file.
"""

from __future__ import annotations

import os
import select
import stat
import time
from pathlib import Path

from generator.errors import SpecError

SPEC_LIMIT = 64 * 1024 * 1024  # the largest spec read (load.MAX_BYTES)
CHUNK = 1024 * 1024
PIPE_WAIT = 5.0  # seconds without any data before a pipe or FIFO is given up
PIPE_TOTAL = 60.0  # seconds for a whole pipe or FIFO


def _mib(limit: int) -> str:
    return f"{limit // (1024 * 1024)} MiB" if limit % (1024 * 1024) == 0 else f"{limit} bytes"


def _kind(mode: int, pipes: bool = True) -> str | None:
    """Why a file of this mode cannot be read as a document (None: it can; a pipe or FIFO
    only with ``pipes``)."""
    if stat.S_ISDIR(mode):
        return "is a folder, not a file"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "is a device, not a file"
    if stat.S_ISSOCK(mode):
        return "is a socket, not a file"
    if stat.S_ISREG(mode) or (pipes and stat.S_ISFIFO(mode)):
        return None
    return "is not a regular file"


def read_bounded(path: Path, name: str, *, limit: int, wait: float = PIPE_WAIT, total: float = PIPE_TOTAL, pipes: bool = True) -> bytes:
    """The bytes of ``path`` (at most ``limit``), or a ``SpecError(name, None, ...)``; a pipe or
    FIFO is refused as not a regular file unless ``pipes``."""
    try:
        mode = os.stat(path).st_mode  # follows links: /dev/stdin is judged by what it points to
    except FileNotFoundError:
        raise SpecError(name, None, "no such file") from None
    except OSError as exc:
        raise SpecError(name, None, f"cannot read: {exc.strerror}") from None
    problem = _kind(mode, pipes)
    if problem:
        raise SpecError(name, None, problem)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    except OSError as exc:
        raise SpecError(name, None, f"cannot read: {exc.strerror}") from None
    try:
        info = os.fstat(fd)  # what was opened, not what the name pointed to a moment before
        problem = _kind(info.st_mode, pipes)
        if problem:
            raise SpecError(name, None, problem)
        if stat.S_ISREG(info.st_mode):
            if info.st_size > limit:
                raise SpecError(name, None, f"file is larger than {_mib(limit)}")
            return _read_file(fd, name, limit, info.st_size)
        return _read_pipe(fd, name, limit, wait, total)
    except OSError as exc:
        raise SpecError(name, None, f"cannot read: {exc.strerror}") from None
    finally:
        os.close(fd)


def _read_file(fd: int, name: str, limit: int, size: int) -> bytes:
    os.set_blocking(fd, True)
    chunks: list[bytes] = []
    got = 0
    while True:
        # One read for a file of known size (one buffer, no copy when joined); then, for a
        # file that grew or one that reports no size (/proc), chunks up to one past the limit.
        chunk = os.read(fd, min(size + 1 if not chunks else CHUNK, limit + 1 - got))
        if not chunk:
            return b"".join(chunks)
        got += len(chunk)
        if got > limit:
            raise SpecError(name, None, f"file is larger than {_mib(limit)}")
        chunks.append(chunk)


def _read_pipe(fd: int, name: str, limit: int, wait: float, total: float) -> bytes:
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    chunks: list[bytes] = []
    got = 0
    start = time.monotonic()
    while True:
        left = total - (time.monotonic() - start)
        if left <= 0:
            raise SpecError(name, None, f"the pipe did not finish within {total:g} s")
        if not poller.poll(min(wait, left) * 1000):
            if time.monotonic() - start >= total:
                raise SpecError(name, None, f"the pipe did not finish within {total:g} s")
            if not got:
                raise SpecError(name, None, f"no data arrived within {wait:g} s (a FIFO with no writer?)")
            raise SpecError(name, None, f"no more data arrived within {wait:g} s (after {got} bytes)")
        try:
            chunk = os.read(fd, min(CHUNK, limit + 1 - got))
        except BlockingIOError:
            continue
        if not chunk:  # the writer closed its end (poll said so): end of file
            return b"".join(chunks)
        got += len(chunk)
        if got > limit:
            raise SpecError(name, None, f"file is larger than {_mib(limit)} (stopped reading the pipe there)")
        chunks.append(chunk)
