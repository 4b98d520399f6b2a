"""The validator, run in a forked child process while this one builds.

Importing openapi-spec-validator (with jsonschema and pydantic) takes about a
quarter of a second, far more than validating the OAuth spec: a run starts the
child first thing, so the import overlaps reading the spec, building and
rendering. This module imports nothing heavy itself.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import queue
import signal
import struct
import threading
from typing import TYPE_CHECKING, Any

from generator.errors import SpecError

if TYPE_CHECKING:
    from generator.format import Entry, Reader


def problems(doc: dict[str, Any], name: str) -> list[SpecError]:
    """Every problem openapi-spec-validator finds, in this process."""
    # Imported here: a run with the verdict cached never needs it.
    from generator.validate import validate

    return validate(doc, name)


class Validator:
    """The validator's child process: ``send`` it the document, ask for its ``result``.

    The child imports the validator at once, then waits for the document: pickled
    through a pipe (plain JSON values, as ``load.check_values`` made sure), written
    from a thread, since the pipe fills before the child reads. Validation is pure
    CPU work, so on two cores it costs no wall time next to rendering and black.
    The verdict is what counts: nothing is written, and no error of the build is
    reported, before ``result()`` says the document is valid. A child that dies
    (out of memory, killed) is replaced by validating here; without ``os.fork``
    (Windows) the validator simply runs here when the result is asked for.
    ``close`` stops a child whose verdict is no longer wanted.

    Once it has validated, the child also parses generated files (``parse``, see
    ``generator.format.format_all``): large packages have tens of thousands of lines
    to check, and this process is busy rendering them. What it could not parse,
    because it died or there is none, is parsed here when ``parsed`` is asked.
    """

    def __init__(self) -> None:
        self._doc: dict[str, Any] | None = None
        self._name = ""
        self._done: list[SpecError] | None = None
        self._parsed: tuple[list[str], dict[str, Any]] | None = None
        self._given: list[tuple[list[Entry], Reader | None]] = []
        self._pid = 0
        self._send = self._receive = -1
        self._queue: queue.SimpleQueue[bytes | None] | None = None
        self._writer: threading.Thread | None = None
        if not hasattr(os, "fork"):
            return
        doc_read, doc_write = os.pipe()
        result_read, result_write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: leaves through os._exit, running no cleanup of the parent's
            os.close(doc_write)
            os.close(result_read)
            os._exit(_child(doc_read, result_write))
        os.close(doc_read)
        os.close(result_write)
        self._pid, self._send, self._receive = pid, doc_write, result_read

    def send(self, doc: dict[str, Any], name: str) -> None:
        """The document to validate, and its name for the errors."""
        self._doc, self._name = doc, name
        if self._send >= 0:
            self._queue = queue.SimpleQueue()
            self._queue.put(pickle.dumps((doc, name), pickle.HIGHEST_PROTOCOL))
            self._writer = threading.Thread(target=_write_all, args=(self._send, self._queue), daemon=True)
            self._send = -1
            self._writer.start()

    def parse(self, batch: list[Entry], reader: Reader | None) -> None:
        """Files to parse, and to read with ``reader`` where their entry says so (after ``send``)."""
        self._given.append((batch, reader))
        if self._queue is not None:
            self._queue.put(pickle.dumps((batch, reader), pickle.HIGHEST_PROTOCOL))

    def parsed(self) -> tuple[list[str], dict[str, Any]]:
        """(the errors, what was read by path) of every file given to ``parse``, asked once the
        last batch is given. With none given it answers at once, without waiting for the child."""
        if not self._given:
            return [], {}
        self._finish()
        if self._parsed is None:  # no child, or it died: parse here
            from generator.format import read_batches

            self._parsed = read_batches(self._given)
        self._given = []
        return self._parsed

    def result(self) -> list[SpecError]:
        """The problems found (none: the document is valid)."""
        if self._done is None and self._doc is None:
            raise RuntimeError("Validator.result() before send()")
        self._finish()
        if self._done is None:
            self._done = problems(self._doc or {}, self._name)
        return self._done

    def _end_queue(self) -> None:
        """Nothing more goes to the child: the writer closes the pipe once it has written the rest."""
        if self._queue is not None:
            self._queue.put(None)
            self._queue = None

    def _finish(self) -> None:
        """Tell the child there is nothing more to come, and take its answer."""
        self._end_queue()
        data = b""
        if self._receive >= 0:
            with os.fdopen(self._receive, "rb") as pipe:
                data = pipe.read()
            self._receive = -1
            self._reap()
        if data:
            found, errors, read = pickle.loads(data)  # from our own child, through a private pipe
            self._done = [SpecError(*one) for one in found]
            self._parsed = errors, read

    def close(self) -> None:
        """Stop the child, if it still runs; the result, if one came, stays."""
        self._end_queue()
        for fd in (self._send, self._receive):
            if fd >= 0:
                os.close(fd)
        self._send = self._receive = -1
        if self._pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self._pid, signal.SIGKILL)
            self._reap()

    def _reap(self) -> None:
        if self._pid:
            os.waitpid(self._pid, 0)
            self._pid = 0
        if self._writer is not None:
            self._writer.join()
            self._writer = None


_SIZE = struct.Struct("<Q")  # each message through the pipe: its length, then its pickle


def _child(doc_read: int, result_write: int) -> int:
    try:
        import generator.validate  # noqa: F401  # now, while the parent reads the spec

        with os.fdopen(doc_read, "rb") as pipe:
            data = _read_message(pipe)
            if data is None:  # the parent stopped before sending
                return 0
            doc, name = pickle.loads(data)  # from the parent, through a private pipe
            found = [(p.file, p.where, p.message) for p in problems(doc, name)]
            del doc, data
            from generator.format import read_batches

            errors, read = read_batches(pickle.loads(data) for data in iter(lambda: _read_message(pipe), None))
        with os.fdopen(result_write, "wb") as out:
            out.write(pickle.dumps((found, errors, read), pickle.HIGHEST_PROTOCOL))
        return 0
    except BaseException:
        return 1


def _read_message(pipe: Any) -> bytes | None:
    head = pipe.read(_SIZE.size)
    if len(head) < _SIZE.size:
        return None
    data: bytes = pipe.read(_SIZE.unpack(head)[0])
    return data


def _write_all(fd: int, messages: queue.SimpleQueue[bytes | None]) -> None:
    # A child that died stops reading: result() validates here instead, parsed() parses here.
    with contextlib.suppress(OSError), os.fdopen(fd, "wb") as pipe:
        while (data := messages.get()) is not None:
            pipe.write(_SIZE.pack(len(data)) + data)
            pipe.flush()
