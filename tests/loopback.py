"""A scripted TCP server on 127.0.0.1 for download tests: byte-level control over each answer.

    with Loopback(script) as server:          # script(conn, request_head, server)
        url = server.url("/spec")

Every connection's request head (up to the blank line) is recorded in ``requests``;
``connections`` counts them. ``stopping`` is set when the server stops, so a script that
drips forever ends with the test.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
import time
from collections.abc import Callable
from types import TracebackType

Script = Callable[[socket.socket, bytes, "Loopback"], None]


class Loopback:
    def __init__(self, script: Script, *, tls: ssl.SSLContext | None = None) -> None:
        self.script = script
        self.tls = tls
        self.requests: list[bytes] = []
        self.connections = 0
        self.stopping = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.1)
        self.port: int = self.listener.getsockname()[1]
        self._open: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def url(self, path: str, scheme: str = "http", host: str = "127.0.0.1") -> str:
        return f"{scheme}://{host}:{self.port}{path}"

    def _accept(self) -> None:
        while not self.stopping.is_set():
            try:
                conn, _ = self.listener.accept()
            except OSError:
                continue
            self.connections += 1
            self._open.append(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with contextlib.suppress(OSError):
            conn.settimeout(10)
            if self.tls is not None:
                conn = self.tls.wrap_socket(conn, server_side=True)
                self._open.append(conn)
            head = b""
            while b"\r\n\r\n" not in head and len(head) < 65536:
                chunk = conn.recv(4096)
                if not chunk:
                    break
                head += chunk
            self.requests.append(head)
            self.script(conn, head, self)
        with contextlib.suppress(OSError):
            conn.close()

    def drip(self, conn: socket.socket, pieces: Callable[[int], bytes], every: float) -> None:
        """Send ``pieces(0)``, ``pieces(1)``, ... one per ``every`` seconds until the server stops."""
        n = 0
        while not self.stopping.wait(every if n else 0):
            conn.sendall(pieces(n))
            n += 1

    def close(self) -> None:
        self.stopping.set()
        self._thread.join(2)
        self.listener.close()
        for conn in self._open:
            with contextlib.suppress(OSError):
                conn.close()

    def __enter__(self) -> Loopback:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()


def path_of(head: bytes) -> str:
    """The target of a request line (``GET /x HTTP/1.1`` -> ``/x``)."""
    return head.split(b"\r\n", 1)[0].split(b" ")[1].decode("latin-1")


def header_of(head: bytes, name: str) -> str | None:
    for line in head.split(b"\r\n")[1:]:
        key, _, value = line.decode("latin-1").partition(":")
        if key.strip().lower() == name.lower():
            return value.strip()
    return None


def answer(status: str, body: bytes = b"", headers: dict[str, str] | None = None) -> bytes:
    lines = [f"HTTP/1.1 {status}", f"Content-Length: {len(body)}", "Connection: close", *(f"{k}: {v}" for k, v in (headers or {}).items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def routes(table: dict[str, bytes | Callable[[bytes], bytes]], delay: float = 0.0) -> Script:
    """A script answering each path from ``table`` (bytes, or a function of the request head); else 404."""

    def script(conn: socket.socket, head: bytes, server: Loopback) -> None:
        if delay:
            time.sleep(delay)
        target = path_of(head) if head else ""
        reply = table.get(target, answer("404 Not Found", b"no"))
        conn.sendall(reply(head) if callable(reply) else reply)

    return script
