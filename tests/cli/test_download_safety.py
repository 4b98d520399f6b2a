"""``download`` against hostile servers on 127.0.0.1 started by each test.

Each download runs in a child process with its memory capped (``RLIMIT_AS``) and a
wall-clock limit, and its time is measured: a server that drips bytes must not stretch
a download past ``timeout``, and no answer may make it hold more than ``max_bytes``.
"""

from __future__ import annotations

import base64
import json
import re
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from bounded_child import run_bounded
from loopback import Loopback, answer, header_of, path_of, routes

from generator.download import download
from generator.errors import SpecError

SPEC = b'{"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {}}'
CHILD = """
import json, ssl
from generator.download import download
from generator.errors import SpecError
results = []
for url, kwargs in {jobs!r}:
    cafile = kwargs.pop("cafile", None)
    if cafile:
        kwargs["ssl_context"] = ssl.create_default_context(cafile=cafile)
    try:
        r = download(url, **kwargs)
        results.append({{"status": r.status, "url": r.url, "etag": r.etag, "last_modified": r.last_modified, "content_type": r.content_type, "body": r.body.decode("latin-1")}})
    except SpecError as exc:
        results.append({{"error": str(exc)}})
print(json.dumps(results))
"""


def download_in_child(*jobs: tuple[str, dict[str, Any]], limit: float = 20) -> tuple[list[dict[str, Any]], float, str]:
    """Each (url, keyword arguments) downloaded in one child: (results, seconds, all its output)."""
    prepared = [(url, {"proxies": {}, **kwargs}) for url, kwargs in jobs]
    done, elapsed = run_bounded(CHILD.format(jobs=prepared), imports="import generator.download, ssl", memory_mb=200, timeout=limit)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout), elapsed, done.stdout + done.stderr


def one(url: str, limit: float = 20, **kwargs: Any) -> tuple[dict[str, Any], float]:
    results, elapsed, _ = download_in_child((url, kwargs), limit=limit)
    return results[0], elapsed


# --------------------------------------------------------------------------- one total deadline


def test_a_body_dripped_byte_by_byte_is_stopped_by_the_total_deadline() -> None:
    def script(conn: socket.socket, head: bytes, server: Loopback) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
        server.drip(conn, lambda n: b"x", every=0.1)

    with Loopback(script) as server:
        result, elapsed = one(server.url("/spec"), timeout=1.5, allow_private=True)
    assert result == {"error": f"{server.url('/spec')}: timed out after 1.5 s (--timeout)"}
    assert 1.4 < elapsed < 6  # child start-up included; the drip alone would never end


def test_headers_dripped_forever_are_stopped_by_the_total_deadline() -> None:
    def script(conn: socket.socket, head: bytes, server: Loopback) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\n")
        server.drip(conn, lambda n: f"X-Drip-{n}: {'y' * 10}\r\n".encode(), every=0.1)

    with Loopback(script) as server:
        result, elapsed = one(server.url("/spec"), timeout=1.5, allow_private=True)
    assert result == {"error": f"{server.url('/spec')}: timed out after 1.5 s (--timeout)"}
    assert 1.4 < elapsed < 6  # child start-up included; the drip alone would never end


def test_the_deadline_covers_every_redirect() -> None:
    table: dict[str, Any] = {f"/r{i}": answer("302 Found", headers={"Location": f"/r{i + 1}"}) for i in range(5)}
    with Loopback(routes(table, delay=0.4)) as server:
        result, elapsed = one(server.url("/r0"), timeout=1.5, allow_private=True)
    assert re.fullmatch(rf"{re.escape(server.url('/r0'))} \(redirected to {re.escape(server.url('/r'))}[1-5]\): timed out after 1.5 s \(--timeout\)", result["error"]), result
    assert elapsed < 6


def test_a_tls_handshake_that_never_completes_is_stopped_by_the_deadline() -> None:
    with Loopback(lambda conn, head, server: None) as server:  # reads the ClientHello, never answers
        result, elapsed = one(server.url("/spec", scheme="https"), timeout=1.5, allow_private=True)
    assert result == {"error": f"{server.url('/spec', scheme='https')}: timed out after 1.5 s (--timeout)"}
    assert elapsed < 6


def test_an_endless_body_is_cut_at_max_bytes_within_the_memory_cap() -> None:
    def script(conn: socket.socket, head: bytes, server: Loopback) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n")
        server.drip(conn, lambda n: b"{" * 65536, every=0.0001)

    with Loopback(script) as server:
        result, elapsed = one(server.url("/spec"), timeout=10, max_bytes=5_000_000, allow_private=True)
    assert result == {"error": f"{server.url('/spec')}: the response is more than the limit of 5000000 bytes (--max-bytes)"}
    assert elapsed < 8


def test_a_malformed_answer_is_not_retried() -> None:
    with Loopback(routes({"/spec": b"HTTP/1.1 200 OK\r\nX-Long: " + b"a" * 70000 + b"\r\n\r\n"})) as server:
        result, _ = one(server.url("/spec"), timeout=5, allow_private=True)
    assert result["error"].startswith(f"{server.url('/spec')}: the response is not valid HTTP: LineTooLong"), result
    assert server.connections == 1


# --------------------------------------------------------------------------- addresses


def test_a_redirect_to_the_cloud_metadata_address_is_refused_before_connecting() -> None:
    metadata = "http://169.254.169.254/latest/meta-data/"
    with Loopback(routes({"/spec": answer("302 Found", headers={"Location": metadata})})) as server:
        result, elapsed = one(server.url("/spec"), timeout=10, allow_private=True)
    assert result == {"error": f"{server.url('/spec')} (redirected to {metadata}): refusing to connect to 169.254.169.254: it is a cloud metadata address"}
    assert elapsed < 6  # a connection attempt to an unreachable address would take the 10 s


@pytest.mark.parametrize("allow_private", [False, True])
def test_local_network_addresses_are_refused_in_every_spelling(allow_private: bool) -> None:
    urls = {
        "http://169.254.169.254/": "169.254.169.254: it is a cloud metadata address",
        "http://[::ffff:169.254.169.254]/": "::ffff:169.254.169.254: it is a cloud metadata address",
        "http://[64:ff9b::a9fe:a9fe]/": "64:ff9b::a9fe:a9fe: it is a cloud metadata address",
        "http://2852039166/": "2852039166 (169.254.169.254): it is a cloud metadata address",
        "http://[fd00:ec2::254]/": "fd00:ec2::254: it is a cloud metadata address",
        "http://100.100.100.200/": "100.100.100.200: it is a cloud metadata address",
        "http://169.254.10.20/": "169.254.10.20: it is a link-local address",
        "http://[fe80::1]/": "fe80::1: it is a link-local address",
        "http://0.0.0.0/": "0.0.0.0: it is an unspecified address",
        "http://224.0.0.1/": "224.0.0.1: it is a multicast address",
    }
    if not allow_private:
        hint = " (private and loopback addresses need --allow-private)"
        urls |= {
            "http://10.1.2.3/": f"10.1.2.3: it is a private address{hint}",
            "http://172.16.0.1/": f"172.16.0.1: it is a private address{hint}",
            "http://192.168.1.1/": f"192.168.1.1: it is a private address{hint}",
            "http://[fd12::1]/": f"fd12::1: it is a private address{hint}",
            "http://127.0.0.2/": f"127.0.0.2: it is a loopback address{hint}",
            "http://[::1]/": f"::1: it is a loopback address{hint}",
        }
    results, elapsed, _ = download_in_child(*((url, {"timeout": 10, "allow_private": allow_private}) for url in urls))
    assert [r["error"] for r in results] == [f"{url}: refusing to connect to {why}" for url, why in urls.items()]
    assert elapsed < 8  # no connection attempted: each would take the 10 s timeout


def test_a_name_resolving_to_loopback_is_refused_without_allow_private() -> None:
    with Loopback(routes({"/spec": answer("200 OK", SPEC)})) as server:
        url = server.url("/spec", host="localhost")
        (refused, allowed), _, _ = download_in_child((url, {"timeout": 5}), (url, {"timeout": 5, "allow_private": True}))
        assert server.connections == 1  # the allowed one only
    assert re.fullmatch(rf"{re.escape(url)}: refusing to connect to localhost \((127\.0\.0\.1|::1)\): it is a loopback address \(private and loopback addresses need --allow-private\)", refused["error"]), refused
    assert allowed["status"] == 200 and allowed["body"] == SPEC.decode()


# --------------------------------------------------------------------------- credentials


def test_secrets_in_the_url_are_sent_but_never_shown_or_returned() -> None:
    def login(head: bytes) -> bytes:
        return answer("200 OK", SPEC, {"ETag": '"e1"', "Content-Type": "application/json"})

    with Loopback(routes({"/spec?access_token=s3cr3t-tok&v=2": login})) as server:
        url = f"http://alice:s3cr3t-pw@127.0.0.1:{server.port}/spec?access_token=s3cr3t-tok&v=2"
        results, _, output = download_in_child((url, {"timeout": 5, "allow_private": True}))
    assert results[0]["url"] == f"http://REDACTED@127.0.0.1:{server.port}/spec?access_token=REDACTED&v=2"
    assert results[0]["status"] == 200 and results[0]["etag"] == '"e1"'
    assert "s3cr3t" not in output  # every returned field, and anything printed
    head = server.requests[0]
    assert path_of(head) == "/spec?access_token=s3cr3t-tok&v=2"  # the server gets the real URL
    assert header_of(head, "Authorization") == "Basic " + base64.b64encode(b"alice:s3cr3t-pw").decode()
    assert header_of(head, "Host") == f"127.0.0.1:{server.port}"


def test_secrets_stay_hidden_in_a_failure_after_a_redirect_and_credentials_stay_with_their_origin() -> None:
    with Loopback(routes({})) as other:
        moved = other.url("/b?api_key=s3cr3t-key&X-Amz-Signature=s3cr3t-sig")
        with Loopback(routes({"/a?token=s3cr3t-tok": answer("302 Found", headers={"Location": moved})})) as server:
            url = f"http://bob:s3cr3t-pw@127.0.0.1:{server.port}/a?token=s3cr3t-tok"
            results, _, output = download_in_child((url, {"timeout": 5, "allow_private": True}))
    shown_from = f"http://REDACTED@127.0.0.1:{server.port}/a?token=REDACTED"
    shown_to = other.url("/b?api_key=REDACTED&X-Amz-Signature=REDACTED")
    assert results == [{"error": f"{shown_from} (redirected to {shown_to}): HTTP 404 Not Found"}]
    assert "s3cr3t" not in output
    assert header_of(server.requests[0], "Authorization") is not None
    assert header_of(other.requests[0], "Authorization") is None  # another origin: not sent


# --------------------------------------------------------------------------- what stays


def test_a_conditional_request_answered_304() -> None:
    def cached(head: bytes) -> bytes:
        match = header_of(head, "If-None-Match") == '"v1"' and header_of(head, "If-Modified-Since") == "Wed, 01 Apr 2026 10:00:00 GMT"
        return answer("304 Not Modified", headers={"ETag": '"v1"'}) if match else answer("200 OK", SPEC)

    with Loopback(routes({"/spec": cached})) as server:
        result, _ = one(server.url("/spec"), timeout=5, allow_private=True, etag='"v1"', last_modified="Wed, 01 Apr 2026 10:00:00 GMT")
    assert result == {"status": 304, "url": server.url("/spec"), "etag": '"v1"', "last_modified": "Wed, 01 Apr 2026 10:00:00 GMT", "content_type": "", "body": ""}


def test_retries_with_backoff_and_retry_after() -> None:
    replies = [answer("503 Service Unavailable"), answer("429 Too Many Requests", headers={"Retry-After": "0"}), answer("200 OK", SPEC)]
    sleeps: list[float] = []
    with Loopback(routes({"/spec": lambda head: replies.pop(0)})) as server:
        resp = download(server.url("/spec"), timeout=5, allow_private=True, proxies={}, sleep=sleeps.append)
    assert (resp.status, resp.body, sleeps) == (200, SPEC, [0.5, 0.0])


def test_a_retry_that_would_pass_the_deadline_fails_at_once() -> None:
    with Loopback(routes({"/spec": answer("503 Service Unavailable", headers={"Retry-After": "5"})})) as server:
        started = time.monotonic()
        with pytest.raises(SpecError) as caught:
            download(server.url("/spec"), timeout=2, allow_private=True, proxies={})
    assert str(caught.value) == f"{server.url('/spec')}: HTTP 503 Service Unavailable; a retry after 5 s would pass the 2 s limit (--timeout)"
    assert time.monotonic() - started < 1.5


def test_an_http_proxy_gets_the_absolute_url_and_a_refused_address_never_reaches_it() -> None:
    with Loopback(lambda conn, head, server: conn.sendall(answer("200 OK", SPEC))) as proxy:
        proxies = {"http": proxy.url("")}
        resp = download("http://localhost:9/spec?v=1", timeout=5, allow_private=True, proxies=proxies)
        assert (resp.status, resp.body) == (200, SPEC)
        assert proxy.requests[0].split(b"\r\n", 1)[0] == b"GET http://localhost:9/spec?v=1 HTTP/1.1"
        with pytest.raises(SpecError, match=r"refusing to connect to 169\.254\.169\.254: it is a cloud metadata address"):
            download("http://169.254.169.254/latest/meta-data/", timeout=5, allow_private=True, proxies=proxies)
        assert proxy.connections == 1


def test_an_https_proxy_tunnel_refused_by_the_proxy() -> None:
    with Loopback(lambda conn, head, server: conn.sendall(b"HTTP/1.1 403 Forbidden\r\n\r\n")) as proxy, pytest.raises(SpecError) as caught:
        download("https://localhost:9/spec", timeout=5, allow_private=True, proxies={"https": proxy.url("")})
    assert str(caught.value) == "https://localhost:9/spec: the proxy refused the tunnel: HTTP/1.1 403 Forbidden"
    assert proxy.requests[0].startswith(b"CONNECT localhost:9 HTTP/1.1\r\n")


# --------------------------------------------------------------------------- TLS


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    try:
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj", "/CN=localhost",
             "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
            check=True, capture_output=True, timeout=30,
        )  # fmt: skip
    except (OSError, subprocess.CalledProcessError) as exc:
        pytest.skip(f"openssl cannot make a test certificate: {exc}")
    return cert, key


def test_https_is_verified_against_the_trusted_certificates(certificate: tuple[Path, Path]) -> None:
    cert, key = certificate
    import ssl

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    with Loopback(routes({"/spec": answer("200 OK", SPEC)}), tls=context) as server:
        url = server.url("/spec", scheme="https", host="localhost")
        untrusted, trusted = download_in_child((url, {"timeout": 5, "allow_private": True}), (url, {"timeout": 5, "allow_private": True, "cafile": str(cert)}))[0]
    assert untrusted == {"error": f"{url}: TLS error: CERTIFICATE_VERIFY_FAILED"}
    assert trusted["status"] == 200 and trusted["body"] == SPEC.decode()
