"""Connections for ``download``: one total deadline, and public addresses only.

* ``Deadline``: every step (name resolution, connecting, the TLS handshake, sending,
  each read of the status line, the headers and the body) gets only the time left;
  a server that drips bytes cannot stretch a download past it.
* ``vet``: the addresses a host name resolves to are checked, all of them, before any
  connection, and the connection goes to those very addresses (a second lookup could
  answer differently: DNS rebinding). Cloud metadata, link-local, unspecified and
  multicast addresses are always refused; loopback and private ranges unless
  ``allow_private``.
* ``Connection``: ``http.client`` over such a socket (and through a proxy from the
  environment, tunnelled with CONNECT for https).
"""

from __future__ import annotations

import base64
import functools
import http.client
import io
import ipaddress
import socket
import ssl
import threading
import time
import urllib.parse
from collections.abc import Callable
from typing import Any, cast

from generator.safe_text import printable

_IP = ipaddress.IPv4Address | ipaddress.IPv6Address
# Instance metadata services: AWS/GCP/Azure/OpenStack, AWS ECS, AWS over IPv6, Alibaba.
METADATA = frozenset(ipaddress.ip_address(a) for a in ("169.254.169.254", "169.254.170.2", "fd00:ec2::254", "100.100.100.200"))
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_MAX_CONNECT_REPLY = 16 * 1024


class NetError(Exception):
    """A failure that retrying will not fix; its text is one line, safe to show."""


class Deadline:
    """The end of the whole download: ``left()`` is the time any one step may take."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.end = time.monotonic() + seconds

    def left(self) -> float:
        left = self.end - time.monotonic()
        if left <= 0:
            raise NetError(f"timed out after {self.seconds:g} s (--timeout)")
        return left


def _embedded(ip: _IP) -> _IP:
    """The IPv4 address inside an IPv4-mapped (``::ffff:a.b.c.d``) or NAT64 IPv6 address."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return ip.ipv4_mapped
        if ip in _NAT64:
            return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip


def address_problem(address: str, allow_private: bool) -> str | None:
    """Why a connection to ``address`` is refused (None: it is allowed)."""
    ip = _embedded(ipaddress.ip_address(address.split("%", 1)[0]))
    if ip in METADATA:
        return "a cloud metadata address"
    if ip.is_link_local:
        return "a link-local address"
    if ip.is_unspecified:
        return "an unspecified address"
    if ip.is_multicast:
        return "a multicast address"
    if allow_private:
        return None
    if ip.is_loopback:
        return "a loopback address"
    if ip.is_private or ip.is_reserved or not ip.is_global:
        return "a private address"
    return None


def vet(host: str, addresses: list[Any], allow_private: bool) -> None:
    """Refuse ``host`` if any address it resolved to is not allowed."""
    for info in addresses:
        problem = address_problem(info[4][0], allow_private)
        if problem:
            hint = " (private and loopback addresses need --allow-private)" if problem in ("a loopback address", "a private address") else ""
            shown = printable(host)
            name = shown if shown == info[4][0] else f"{shown} ({info[4][0]})"
            raise NetError(f"refusing to connect to {name}: it is {problem}{hint}")


def resolve(host: str, port: int, deadline: Deadline) -> list[Any]:
    """``getaddrinfo`` within the deadline (it has no timeout of its own, so it runs in a thread)."""
    found: list[Any] = []
    failed: list[OSError] = []

    def lookup() -> None:
        try:
            found.extend(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM))
        except OSError as exc:
            failed.append(exc)

    worker = threading.Thread(target=lookup, daemon=True)
    worker.start()
    worker.join(deadline.left())
    if worker.is_alive():
        deadline.left()
        raise NetError(f"timed out resolving {printable(host)}")
    if failed or not found:
        reason = failed[0].strerror if failed and failed[0].strerror else "no address"
        raise NetError(f"cannot resolve the host name {printable(host)}: {reason}")
    return found


def connect(addresses: list[Any], deadline: Deadline) -> socket.socket:
    """A TCP connection to the first of ``addresses`` that accepts one."""
    last: OSError | None = None
    for family, kind, proto, _, address in addresses:
        sock = socket.socket(family, kind, proto)
        try:
            sock.settimeout(deadline.left())
            sock.connect(address)
            return sock
        except TimeoutError:
            sock.close()
            deadline.left()
            last = TimeoutError("timed out")
        except OSError as exc:
            sock.close()
            last = exc
        except BaseException:
            sock.close()
            raise
    raise NetError(f"cannot connect: {(last.strerror or last) if last else 'no address'}")


def tunnel(sock: socket.socket, host: str, port: int, proxy_auth: str, deadline: Deadline) -> None:
    """Ask a proxy for a tunnel to ``host:port`` (HTTP CONNECT) and read its answer, bounded."""
    target = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    lines = [f"CONNECT {target} HTTP/1.1", f"Host: {target}"] + ([f"Proxy-Authorization: {proxy_auth}"] if proxy_auth else [])
    sock.settimeout(deadline.left())
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("ascii"))
    reply = b""
    while not reply.endswith(b"\r\n\r\n"):
        if len(reply) > _MAX_CONNECT_REPLY:
            raise NetError("the proxy's answer to CONNECT is too long")
        sock.settimeout(deadline.left())
        byte = sock.recv(1)  # one byte at a time: nothing past the answer is consumed
        if not byte:
            raise NetError("the proxy closed the connection during CONNECT")
        reply += byte
    status = reply.split(b"\r\n", 1)[0].decode("latin-1")
    parts = status.split(" ", 2)
    if len(parts) < 2 or parts[1] != "200":
        raise NetError(f"the proxy refused the tunnel: {printable(status)}")


class _DeadlineReader(io.RawIOBase):
    """A socket's reader whose every read is limited to the time the deadline leaves."""

    def __init__(self, sock: socket.socket, deadline: Deadline) -> None:
        self.sock = sock
        self.raw = sock.makefile("rb", buffering=0)  # keeps the socket open until closed, as http.client expects
        self.deadline = deadline

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        self.sock.settimeout(self.deadline.left())
        return self.raw.readinto(buffer) or 0

    def close(self) -> None:
        self.raw.close()
        super().close()


class _DeadlineSocket:
    """What ``http.client.HTTPResponse`` needs of a socket (``makefile``), over the deadline reader."""

    def __init__(self, sock: socket.socket, deadline: Deadline) -> None:
        self.sock = sock
        self.deadline = deadline

    def makefile(self, mode: str) -> io.BufferedReader:
        return io.BufferedReader(_DeadlineReader(self.sock, self.deadline))


class _Response(http.client.HTTPResponse):
    def __init__(self, sock: socket.socket, debuglevel: int = 0, method: str | None = None, url: str | None = None, *, deadline: Deadline) -> None:
        super().__init__(cast(socket.socket, _DeadlineSocket(sock, deadline)), debuglevel, method, url)


class Connection(http.client.HTTPConnection):
    """``http.client`` whose socket comes from ``opener`` and whose reads keep the deadline."""

    def __init__(self, host: str, port: int, opener: Callable[[], socket.socket], deadline: Deadline) -> None:
        super().__init__(host, port)
        self.opener = opener
        self.response_class = functools.partial(_Response, deadline=deadline)  # type: ignore[assignment]

    def connect(self) -> None:
        self.sock = self.opener()


def basic_auth(userinfo: str) -> str:
    """An ``Authorization`` value from a URL's ``user:password``."""
    user, _, password = userinfo.partition(":")
    pair = f"{urllib.parse.unquote(user)}:{urllib.parse.unquote(password)}"
    return "Basic " + base64.b64encode(pair.encode("utf-8")).decode("ascii")


def open_socket(host: str, port: int, *, tls: ssl.SSLContext | None, addresses: list[Any], deadline: Deadline, via: tuple[str, int, str] | None = None) -> socket.socket:
    """Connected (and, with ``tls``, encrypted and verified for ``host``) within the deadline.

    ``via``: (proxy host, port, Proxy-Authorization) to go through; ``addresses`` are then the proxy's.
    """
    sock = connect(addresses, deadline)
    try:
        if via is not None and tls is not None:
            tunnel(sock, host, port, via[2], deadline)
        if tls is not None:
            sock.settimeout(deadline.left())  # the handshake as a whole is bounded by it
            sock = tls.wrap_socket(sock, server_hostname=host)
        sock.settimeout(deadline.left())
        return sock
    except BaseException:
        sock.close()
        raise
