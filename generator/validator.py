"""The validator, run in a forked child process while this one builds.

Importing openapi-spec-validator (with jsonschema and pydantic) takes about a
quarter of a second, far more than validating the OAuth spec: a run starts the
child first thing, so the import overlaps reading the spec, building and
rendering. This module imports nothing heavy itself.
"""

from __future__ import annotations

import contextlib
import json
import os
import pickle
import signal
import threading
from typing import Any

from generator.errors import SpecError


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
    """

    def __init__(self) -> None:
        self._doc: dict[str, Any] | None = None
        self._name = ""
        self._done: list[SpecError] | None = None
        self._pid = 0
        self._send = self._receive = -1
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
            data, fd = pickle.dumps((doc, name), pickle.HIGHEST_PROTOCOL), self._send
            self._send = -1
            self._writer = threading.Thread(target=_write_all, args=(fd, data), daemon=True)
            self._writer.start()

    def result(self) -> list[SpecError]:
        """The problems found (none: the document is valid)."""
        if self._done is not None:
            return self._done
        if self._doc is None:
            raise RuntimeError("Validator.result() before send()")
        data = b""
        if self._receive >= 0:
            with os.fdopen(self._receive, "rb") as pipe:
                data = pipe.read()
            self._receive = -1
            self._reap()
        if data:
            self._done = [SpecError(*found) for found in json.loads(data)]
        else:
            self._done = problems(self._doc, self._name)
        return self._done

    def close(self) -> None:
        """Stop the child, if it still runs; the result, if one came, stays."""
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


def _child(doc_read: int, result_write: int) -> int:
    try:
        import generator.validate  # noqa: F401  # now, while the parent reads the spec

        with os.fdopen(doc_read, "rb") as pipe:
            data = pipe.read()
        if not data:  # the parent stopped before sending
            return 0
        doc, name = pickle.loads(data)  # from the parent, through a private pipe
        found = [(p.file, p.where, p.message) for p in problems(doc, name)]
        with os.fdopen(result_write, "wb") as pipe:
            pipe.write(json.dumps(found).encode())
        return 0
    except BaseException:
        return 1


def _write_all(fd: int, data: bytes) -> None:
    # A child that died stops reading: result() validates here instead.
    with contextlib.suppress(OSError), os.fdopen(fd, "wb") as pipe:
        pipe.write(data)
