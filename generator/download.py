"""``download``: GET a published spec under the rules below; one ``SpecError`` line on failure.

* only ``http`` and ``https``; at most ``MAX_REDIRECTS`` redirects, never from https
  down to http;
* ``timeout`` bounds the whole download: resolving, connecting, TLS, every redirect,
  every retry and its wait, the headers and the body (``netsafe.Deadline``);
* every address the host (or a redirect's host) resolves to is vetted before any
  connection: cloud metadata and link-local addresses are always refused, loopback
  and private ones unless ``allow_private`` (``netsafe.vet``);
* 429 and 5xx are retried (``RETRIES`` times, honouring ``Retry-After`` up to
  ``MAX_RETRY_AFTER`` seconds, else exponential back-off), as are connections dropped
  mid-response; other statuses, a refused connection and a timeout fail at once;
* a conditional GET when ``etag`` or ``last_modified`` is given (a 304 returns no body);
* at most ``max_bytes`` (declared or streamed);
* credentials in the URL (userinfo, ``access_token=``, ``X-Amz-Signature=`` ...) never
  appear in a message or in the ``Response``: both show ``redact_url``'s form.
  Userinfo is sent as Basic authorization, to the URL's own origin only.
"""

from __future__ import annotations

import dataclasses
import email.utils
import http.client
import socket
import ssl
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from typing import NamedTuple

from generator import GENERATOR_NAME, __version__
from generator.errors import SpecError
from generator.netsafe import (
    Connection,
    Deadline,
    NetError,
    basic_auth,
    open_socket,
    resolve,
    vet,
)
from generator.safe_text import printable, redact_url

__all__ = ["MAX_REDIRECTS", "RETRIES", "Response", "download", "redact_url"]

DEFAULT_TIMEOUT = 30.0  # seconds for the whole download
DEFAULT_MAX_BYTES = 32 * 1024 * 1024
MAX_REDIRECTS = 5
RETRIES = 3
BACKOFF = 0.5  # seconds before the first retry; doubled each time
MAX_RETRY_AFTER = 30.0
_CHUNK = 64 * 1024
_REDIRECTS = (301, 302, 303, 307, 308)


@dataclasses.dataclass(frozen=True)
class Response:
    status: int  # 200, 203 or 304
    body: bytes
    url: str  # after redirects, redacted: safe to show and to record
    etag: str  # exactly as served (to send back), or "" when it held control characters
    last_modified: str
    content_type: str  # printable


class _Retry(Exception):
    """A failure worth another attempt (429, 5xx, a dropped connection)."""

    def __init__(self, message: str, delay: float | None = None) -> None:
        super().__init__(message)
        self.delay = delay


class _Reply(NamedTuple):
    status: int
    reason: str
    headers: http.client.HTTPMessage
    body: bytes


class _Target(NamedTuple):
    scheme: str
    host: str
    port: int
    target: str  # what the request line asks for: the path and query (absolute through a proxy)
    userinfo: str


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _status_text(code: int, reason: str) -> str:
    return printable(f"HTTP {code} {reason}".rstrip())


def _target(url: str, previous: str | None) -> _Target:
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise NetError(f"not a valid URL: {printable(str(exc))}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        shown = printable(redact_url(url))
        raise NetError(f"only http and https URLs can be fetched, not {shown!r}" if previous is None else f"refusing to follow a redirect to {shown!r}")
    if previous is not None and urllib.parse.urlsplit(previous).scheme == "https" and parts.scheme == "http":
        raise NetError(f"refusing to follow a redirect from https down to http ({printable(redact_url(url))})")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    userinfo = parts.netloc.rpartition("@")[0] if "@" in parts.netloc else ""
    return _Target(parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80), path, userinfo)


def _bypass(host: str, no_proxy: str) -> bool:
    """Whether ``host`` is reached directly by ``no_proxy`` (``*``, a name and its subdomains, an address)."""
    for entry in (e.strip().lower() for e in no_proxy.split(",")):
        name = entry.lstrip(".").rsplit(":", 1)[0] if entry.count(":") == 1 else entry.strip("[]")
        if entry == "*" or (name and (host == name or host.endswith("." + name))):
            return True
    return False


def _proxy(target: _Target, proxies: Mapping[str, str]) -> tuple[str, int, str] | None:
    """(host, port, Proxy-Authorization) of the proxy for ``target``, if one applies."""
    url = proxies.get(target.scheme)
    if not url or _bypass(target.host, proxies.get("no", "")):
        return None
    parts = urllib.parse.urlsplit(url if "://" in url else f"http://{url}")
    if not parts.hostname:
        return None
    auth = basic_auth(parts.netloc.rpartition("@")[0]) if "@" in parts.netloc else ""
    return parts.hostname, parts.port or 80, auth


def _read_body(resp: http.client.HTTPResponse, max_bytes: int) -> bytes:
    declared = resp.getheader("Content-Length")
    if declared and declared.strip().isdigit() and int(declared) > max_bytes:
        raise NetError(f"the response is {int(declared)} bytes, more than the limit of {max_bytes} bytes (--max-bytes)")
    chunks: list[bytes] = []
    total = 0
    while True:
        chunk = resp.read(min(_CHUNK, max_bytes + 1 - total))
        if not chunk:
            return b"".join(chunks)
        total += len(chunk)
        if total > max_bytes:
            raise NetError(f"the response is more than the limit of {max_bytes} bytes (--max-bytes)")
        chunks.append(chunk)


class _Session:
    """What stays the same across the attempts and redirects of one download."""

    def __init__(self, url: str, deadline: Deadline, max_bytes: int, allow_private: bool, proxies: Mapping[str, str], tls: ssl.SSLContext) -> None:
        self.deadline = deadline
        self.max_bytes = max_bytes
        self.allow_private = allow_private
        self.proxies = proxies
        self.tls = tls
        self.first = first = _target(url, None)
        self.origin = (first.scheme, first.host, first.port)
        self.authorization = basic_auth(first.userinfo) if first.userinfo else ""

    def attempt(self, target: _Target, headers: dict[str, str]) -> _Reply:
        """One request. Redirects and errors come back as a status; 429 and 5xx raise ``_Retry``."""
        via = _proxy(target, self.proxies)
        if via is None:
            addresses = resolve(target.host, target.port, self.deadline)
            vet(target.host, addresses, self.allow_private)
        else:  # the proxy resolves the name; what it resolves to here is vetted, when it resolves here
            try:
                seen = resolve(target.host, target.port, self.deadline)
            except NetError:
                seen = []
            vet(target.host, seen, self.allow_private)
            addresses = resolve(via[0], via[1], self.deadline)
        request_headers = dict(headers)
        if self.authorization and (target.scheme, target.host, target.port) == self.origin:
            request_headers["Authorization"] = self.authorization
        path = target.target
        if via is not None and target.scheme == "http":
            host = f"[{target.host}]" if ":" in target.host else target.host
            path = f"http://{host}:{target.port}{target.target}"
            if via[2]:
                request_headers["Proxy-Authorization"] = via[2]
        tls = self.tls if target.scheme == "https" else None

        def opener() -> socket.socket:
            return open_socket(target.host, target.port, tls=tls, addresses=addresses, deadline=self.deadline, via=via)

        conn = Connection(target.host, target.port, opener, self.deadline)
        try:
            conn.request("GET", path, headers=request_headers)
            resp = conn.getresponse()
            code, reason, got = resp.status, resp.reason, resp.headers
            if code == 429 or 500 <= code <= 599:
                raise _Retry(_status_text(code, reason), _retry_after(got.get("Retry-After")))
            body = _read_body(resp, self.max_bytes) if code in (200, 203) else b""
            return _Reply(code, reason, got, body)
        except (NetError, _Retry):
            raise
        except TimeoutError:
            self.deadline.left()
            raise NetError(f"timed out after {self.deadline.seconds:g} s (--timeout)") from None
        except http.client.InvalidURL as exc:
            raise NetError(printable(f"not a valid URL: {exc}")) from None
        except ssl.SSLError as exc:
            raise NetError(printable(f"TLS error: {exc.reason or exc}")) from None
        except http.client.IncompleteRead as exc:
            raise _Retry(f"the connection closed after {len(exc.partial)} bytes of the body") from None
        except (http.client.RemoteDisconnected, ConnectionError) as exc:
            raise _Retry(printable(f"the connection failed: {type(exc).__name__} {exc}".strip())) from None
        except (http.client.HTTPException, ValueError, OSError) as exc:
            raise NetError(printable(f"the response is not valid HTTP: {type(exc).__name__} {exc}".strip())) from None
        finally:
            conn.close()


def _clean_validator(value: str | None) -> str:
    """An ETag or Last-Modified to send back: only if it holds no control characters."""
    return value if value and printable(value) == value else ""


def download(
    url: str,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    max_bytes: int = DEFAULT_MAX_BYTES,
    etag: str = "",
    last_modified: str = "",
    allow_private: bool = False,
    proxies: Mapping[str, str] | None = None,
    ssl_context: ssl.SSLContext | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Response:
    """GET ``url`` under the rules above; raises ``SpecError(redact_url(url), None, ...)`` on failure.

    ``proxies``: scheme -> proxy URL (and ``no``: hosts to reach directly); default: the
    environment's (``http_proxy``, ``https_proxy``, ``no_proxy``). ``ssl_context``: the
    certificates to trust (default: the system's).
    """
    deadline = Deadline(timeout)
    headers = {"User-Agent": f"{GENERATOR_NAME}/{__version__}", "Accept": "application/json, application/yaml;q=0.9, */*;q=0.1", "Accept-Encoding": "identity", "Connection": "close"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    current = url
    try:
        session = _Session(url, deadline, max_bytes, allow_private, urllib.request.getproxies() if proxies is None else proxies, ssl_context or ssl.create_default_context())
        target = session.first
        redirects = retries = 0
        while True:
            try:
                reply = session.attempt(target, headers)
            except _Retry as exc:
                delay = exc.delay if exc.delay is not None else BACKOFF * (2**retries)
                if retries >= RETRIES:
                    raise NetError(f"{exc} (gave up after {retries + 1} attempts)") from None
                if delay > MAX_RETRY_AFTER:
                    raise NetError(f"{exc}; the server asks to retry after {delay:.0f} s: try again later") from None
                if delay >= deadline.end - time.monotonic():
                    raise NetError(f"{exc}; a retry after {delay:g} s would pass the {timeout:g} s limit (--timeout)") from None
                retries += 1
                sleep(delay)
                continue
            if reply.status in _REDIRECTS:
                location = reply.headers.get("Location")
                if not location:
                    raise NetError(f"{_status_text(reply.status, reply.reason)} without a Location header")
                redirects += 1
                if redirects > MAX_REDIRECTS:
                    raise NetError(f"more than {MAX_REDIRECTS} redirects (last to {printable(redact_url(location))})")
                following = urllib.parse.urljoin(current, location)
                target = _target(following, current)
                current = following
                continue
            if reply.status == 304:
                if not (etag or last_modified):
                    raise NetError("HTTP 304 Not Modified to a request that was not conditional")
                return Response(304, b"", redact_url(current), etag, last_modified, "")
            if reply.status not in (200, 203):
                raise NetError(_status_text(reply.status, reply.reason))
            got = reply.headers
            return Response(reply.status, reply.body, redact_url(current), _clean_validator(got.get("ETag")), _clean_validator(got.get("Last-Modified")), printable(got.get("Content-Type", "") or ""))
    except NetError as exc:
        shown = printable(redact_url(url))
        where = shown if current == url else f"{shown} (redirected to {printable(redact_url(current))})"
        raise SpecError(where, None, str(exc)) from None
