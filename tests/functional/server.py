"""A real HTTP/1.1 server on 127.0.0.1 with scripted fault injection, for client tests.

Tests queue canned answers per path; the server pops one per request and records
everything it received. Nothing is mocked: the client under test talks to a real
socket on loopback.

    with FaultServer() as server:
        server.add("/v1/thing", json_body({"ok": True}))
        server.add("/v1/thing", Scripted(status=503, delay=2.0))
        server.add("/v1/thing", Scripted(action="close"))
        ... call the client with base_url=server.url ...
        assert server.requests[0].method == "GET"

Answers:

* ``Scripted(status, headers, body)``: a normal response (``Content-Length`` is
  added unless given); ``delay`` seconds pass before the status line is sent.
* ``action="close"``: read the request, then close the connection without a byte.
* ``action="reset"``: read the request, then reset the connection (TCP RST).
* ``action="truncate"``: send headers announcing the full body, half the body,
  then close.
* ``chunks``: a function returning the body's pieces (any iterable, endless
  ones too), sent one by one ``every`` seconds apart, with chunked transfer
  coding unless the headers give a ``Content-Length``; the server stops
  sending when the client hangs up.
* ``echo=True``: a 200 whose JSON body describes the request (method, target,
  headers, body as text).

A request for a path with nothing queued gets the ``"*"`` queue's next answer if
any, else a 599 whose body names the path; such requests are also listed in
``unscripted`` so a test can assert none happened.

Delays end early when the server stops, so a test never waits for a sleeping
handler; connections still open at stop are shut down.
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import json
import socket
import struct
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

__all__ = [
    "FaultServer",
    "endless",
    "RecordedRequest",
    "Scripted",
    "closed_port",
    "json_body",
    "running_server",
]

Action = Literal["respond", "close", "reset", "truncate"]


@dataclasses.dataclass(frozen=True)
class Scripted:
    """One canned answer."""

    status: int = 200
    headers: Mapping[str, str] = dataclasses.field(default_factory=dict)
    body: bytes = b""
    delay: float = 0.0
    """Seconds to wait after reading the request, before sending anything."""
    action: Action = "respond"
    close_after: bool = False
    """Close the connection after answering (sends ``Connection: close``)."""
    chunks: Callable[[], Iterable[bytes]] | None = None
    """The body's pieces, sent ``every`` seconds apart (see the module docstring)."""
    every: float = 0.0
    echo: bool = False


def json_body(
    payload: Any, status: int = 200, headers: Mapping[str, str] | None = None, **kw: Any
) -> Scripted:
    """A JSON answer."""
    return Scripted(
        status=status,
        headers={"Content-Type": "application/json", **(headers or {})},
        body=json.dumps(payload).encode(),
        **kw,
    )


@dataclasses.dataclass(frozen=True)
class RecordedRequest:
    """What the server received: method, raw request target, headers and body."""

    method: str
    target: str
    """The request target exactly as sent (path plus query, still percent-encoded)."""
    header_items: tuple[tuple[str, str], ...]
    body: bytes
    at: float = dataclasses.field(default_factory=time.monotonic)
    """When the server had read it (``time.monotonic()``)."""

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]

    @property
    def query(self) -> str:
        return self.target.split("?", 1)[1] if "?" in self.target else ""

    @property
    def headers(self) -> dict[str, str]:
        """Headers with lower-cased names (the last value wins)."""
        return {k.lower(): v for k, v in self.header_items}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _HTTPServer

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes: without TCP_NODELAY, Nagle's
        # algorithm and the client's delayed ACK add ~40 ms to every response.
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.owner._connection_opened(self.request)

    def finish(self) -> None:
        try:
            super().finish()
        except OSError:
            pass
        finally:
            self.server.owner._connection_closed(self.request)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output clean

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        owner = self.server.owner
        recorded = RecordedRequest(
            method=self.command,
            target=self.path,
            header_items=tuple(self.headers.items()),
            body=body,
        )
        answer = owner._next(recorded)
        if answer.echo:
            answer = json_body(
                {
                    "method": recorded.method,
                    "target": recorded.target,
                    "headers": [list(item) for item in recorded.header_items],
                    "body": body.decode("utf-8", "replace"),
                }
            )
        if answer.delay and owner._stopping.wait(answer.delay):
            self.close_connection = True
            return
        try:
            self._answer(answer)
        except OSError:  # the client gave up (timeout) and closed its end
            self.close_connection = True

    def _answer(self, answer: Scripted) -> None:
        if answer.chunks is not None:
            self._stream(answer)
            return
        if answer.action == "close":
            self.close_connection = True
            return
        if answer.action == "reset":
            self.request.setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
            )
            self.close_connection = True
            return
        headers = dict(answer.headers)
        names = {k.lower() for k in headers}
        if "content-length" not in names:
            headers["Content-Length"] = str(len(answer.body))
        if answer.close_after or answer.action == "truncate":
            headers["Connection"] = "close"
        self.send_response_only(answer.status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        if answer.action == "truncate":
            self.wfile.write(answer.body[: len(answer.body) // 2])
            self.close_connection = True
        elif self.command != "HEAD":
            self.wfile.write(answer.body)
        self.wfile.flush()
        if answer.close_after:
            self.close_connection = True

    def _stream(self, answer: Scripted) -> None:
        assert answer.chunks is not None
        headers = dict(answer.headers)
        chunked = "content-length" not in {k.lower() for k in headers}
        if chunked:
            headers["Transfer-Encoding"] = "chunked"
        headers["Connection"] = "close"
        self.close_connection = True
        self.send_response_only(answer.status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.flush()
        stopping = self.server.owner._stopping
        for index, piece in enumerate(answer.chunks()):
            if index and answer.every and stopping.wait(answer.every):
                return
            if stopping.is_set():
                return
            frame = b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece
            self.wfile.write(frame)
            self.wfile.flush()
        if chunked:
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def __init__(self, owner: FaultServer) -> None:
        self.owner = owner
        super().__init__(("127.0.0.1", 0), _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that hung up is expected here, not a test failure


class FaultServer:
    """A scripted HTTP server on an ephemeral loopback port, run in a thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queues: dict[str, deque[Scripted]] = {}
        self._requests: list[RecordedRequest] = []
        self._unscripted: list[RecordedRequest] = []
        self._open: set[socket.socket] = set()
        self._opened = 0
        self._stopping = threading.Event()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- life cycle ---------------------------------------------------------
    def start(self) -> FaultServer:
        self._httpd = _HTTPServer(self)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.01},
            name="fault-server",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        with self._lock:
            still_open = list(self._open)
        for sock in still_open:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FaultServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._httpd is not None, "server not started"
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        """The base URL, ``http://127.0.0.1:PORT``."""
        return f"http://127.0.0.1:{self.port}"

    # -- scripting ----------------------------------------------------------
    def add(self, path: str, *answers: Scripted) -> None:
        """Queue answers for requests to ``path`` (the raw, percent-encoded path, no query).

        ``"*"`` is the fallback queue for any path with nothing queued.
        """
        with self._lock:
            self._queues.setdefault(path, deque()).extend(answers)

    def pending(self, path: str | None = None) -> int:
        """How many queued answers were not used yet."""
        with self._lock:
            if path is not None:
                return len(self._queues.get(path, ()))
            return sum(len(q) for q in self._queues.values())

    def _next(self, recorded: RecordedRequest) -> Scripted:
        with self._lock:
            self._requests.append(recorded)
            for key in (recorded.path, "*"):
                queue = self._queues.get(key)
                if queue:
                    return queue.popleft()
            self._unscripted.append(recorded)
        message = f"fault server: nothing scripted for {recorded.method} {recorded.path}"
        return Scripted(
            status=599,
            headers={"Content-Type": "text/plain"},
            body=message.encode(),
        )

    # -- observations -------------------------------------------------------
    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received, in order."""
        with self._lock:
            return list(self._requests)

    @property
    def unscripted(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._unscripted)

    @property
    def open_connections(self) -> int:
        with self._lock:
            return len(self._open)

    @property
    def connections_accepted(self) -> int:
        with self._lock:
            return self._opened

    def wait_open_connections(self, expected: int, timeout: float = 2.0) -> int:
        """Wait until exactly ``expected`` connections are open; return the final count."""
        deadline = time.monotonic() + timeout
        while True:
            count = self.open_connections
            if count == expected or time.monotonic() >= deadline:
                return count
            time.sleep(0.005)

    def _connection_opened(self, sock: socket.socket) -> None:
        with self._lock:
            self._open.add(sock)
            self._opened += 1

    def _connection_closed(self, sock: socket.socket) -> None:
        with self._lock:
            self._open.discard(sock)


@contextlib.contextmanager
def running_server() -> Iterator[FaultServer]:
    """A started ``FaultServer``, stopped on exit (wrap it in a pytest fixture)."""
    server = FaultServer().start()
    try:
        yield server
    finally:
        server.stop()


@contextlib.contextmanager
def closed_port() -> Iterator[int]:
    """A loopback port that refuses connections: bound, never listening, for the block."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind(("127.0.0.1", 0))
        yield int(sock.getsockname()[1])
    finally:
        sock.close()


def endless(piece: bytes) -> Callable[[], Iterable[bytes]]:
    """``chunks`` that never end: ``piece`` again and again."""
    return lambda: itertools.repeat(piece)
