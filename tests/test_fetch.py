"""``python -m generator fetch`` against a real HTTP server on 127.0.0.1 started by each test.

Every failing case must leave ``specs/`` and ``generated/`` byte-for-byte as they
were (no temporary file left behind either), exit 2 and say why in one line.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
import shutil
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from conftest import SPEC, run_cli, tree_bytes

# No proxy may stand between the CLI and the test server.
NO_PROXY = {"http_proxy": "", "https_proxy": "", "HTTP_PROXY": "", "HTTPS_PROXY": "", "all_proxy": "", "ALL_PROXY": "", "no_proxy": "127.0.0.1", "NO_PROXY": "127.0.0.1"}


@dataclasses.dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = dataclasses.field(default_factory=dict)
    delay: float = 0.0  # seconds before the status line
    content_length: bool = True  # False: no Content-Length, the body ends when the connection closes


class Server:
    """Serves a script of replies per path and records every request."""

    def __init__(self) -> None:
        self.routes: dict[str, list[Reply]] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def do_GET(self) -> None:
                server.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
                script = server.routes.get(self.path) or [Reply(404, b"not found")]
                reply = script.pop(0) if len(script) > 1 else script[0]
                if reply.delay:
                    time.sleep(reply.delay)
                try:
                    self.send_response(reply.status)
                    for key, value in reply.headers.items():
                        self.send_header(key, value)
                    if reply.content_length:
                        self.send_header("Content-Length", str(len(reply.body)))
                    self.end_headers()
                    self.wfile.write(reply.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.httpd.handle_error = lambda request, client_address: None  # type: ignore[method-assign]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_port}{path}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server() -> Iterator[Server]:
    srv = Server()
    yield srv
    srv.close()


@pytest.fixture(scope="module")
def generated_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project (config, spec, generated package, lock) generated once for this module."""
    root = tmp_path_factory.mktemp("fetch-base")
    (root / "specs").mkdir()
    (root / "specs" / "api_v2.json").write_bytes(SPEC.read_bytes())
    (root / "pyproject.toml").write_text('[tool.generator]\nspec = "specs/api_v2.json"\noutput = "generated"\npackage = "instantly_client"\n', encoding="utf-8")
    result = run_cli("generate", cwd=root)
    assert result.returncode == 0, result.stderr
    assert (root / "specs" / "api_v2.lock.json").is_file()
    return root


@pytest.fixture
def proj(generated_project: Path, tmp_path: Path) -> Path:
    target = tmp_path / "proj"
    shutil.copytree(generated_project, target)
    return target


def newer_spec() -> dict[str, Any]:
    """The project's spec with one operation and one enum value added (a minor change)."""
    doc = json.loads(SPEC.read_text(encoding="utf-8"))
    doc = copy.deepcopy(doc)
    status_op = doc["paths"]["/api/v2/oauth/session/status/{sessionId}"]["get"]
    status_op["responses"]["200"]["content"]["application/json"]["schema"]["properties"]["status"]["enum"].append("cancelled")
    cancel = copy.deepcopy(status_op)
    cancel["operationId"] = "cancelOAuthSession"
    cancel["summary"] = "Cancel an oauth session"
    doc["paths"]["/api/v2/oauth/session/{sessionId}/cancel"] = {"post": cancel}
    return doc


def newer_bytes() -> bytes:
    return (json.dumps(newer_spec(), indent=2) + "\n").encode("utf-8")


def fetch(proj: Path, url: str, *extra: str) -> Any:
    # The test server listens on 127.0.0.1: loopback is refused without --allow-private.
    return run_cli("fetch", "--url", url, "--allow-private", *extra, cwd=proj, env=NO_PROXY)


def snapshot(proj: Path) -> tuple[dict[str, bytes], dict[str, bytes]]:
    return tree_bytes(proj / "specs"), tree_bytes(proj / "generated")


def assert_failed_cleanly(result: Any, proj: Path, before: tuple[dict[str, bytes], dict[str, bytes]], url: str, reason: str) -> None:
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"error: {url}"), lines[0]
    assert reason in lines[0], lines[0]
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    assert snapshot(proj) == before


# ---------------------------------------------------------------- success


def test_200_replaces_the_spec_updates_the_lock_and_reports_the_changes(proj: Path, server: Server) -> None:
    body = newer_bytes()
    server.routes["/api_v2.json"] = [Reply(200, body, {"ETag": '"v2"', "Last-Modified": "Wed, 01 Apr 2026 10:00:00 GMT", "Content-Type": "application/json"})]
    generated_before = tree_bytes(proj / "generated")
    result = fetch(proj, server.url("/api_v2.json"))
    assert result.returncode == 0, result.stderr
    assert (proj / "specs" / "api_v2.json").read_bytes() == body
    assert tree_bytes(proj / "generated") == generated_before  # fetch never regenerates
    assert sorted(p.name for p in (proj / "specs").iterdir()) == ["api_v2.json", "api_v2.lock.json"]
    lock = json.loads((proj / "specs" / "api_v2.lock.json").read_text(encoding="utf-8"))
    new_sha = hashlib.sha256(body).hexdigest()
    assert lock["source"] == {"url": server.url("/api_v2.json"), "etag": '"v2"', "last_modified": "Wed, 01 Apr 2026 10:00:00 GMT", "sha256": new_sha}
    assert lock["spec"]["sha256"] == hashlib.sha256(SPEC.read_bytes()).hexdigest()  # what generated/ was made from
    # The change report, in the generated Python names.
    assert "`client.oauth.cancel_oauth_session`: operation added (POST /api/v2/oauth/session/{sessionId}/cancel)" in result.stdout
    assert '`models.GetOAuthSessionStatusResponse.status`: enum values added: "cancelled"' in result.stdout
    assert "suggested version bump: **minor**" in result.stdout
    # The package is now stale: check says so, naming the reason.
    check = run_cli("check", cwd=proj)
    assert check.returncode == 1
    assert "specs/api_v2.lock.json is stale (the spec changed since the last generate" in check.stderr
    assert "edited by hand" not in check.stderr
    # generate brings everything back in line; the ETag survives in the lock.
    assert run_cli("generate", cwd=proj).returncode == 0
    assert run_cli("check", cwd=proj).returncode == 0
    lock = json.loads((proj / "specs" / "api_v2.lock.json").read_text(encoding="utf-8"))
    assert lock["source"]["etag"] == '"v2"'
    assert lock["spec"]["sha256"] == new_sha


def test_304_costs_a_conditional_request_and_writes_nothing(proj: Path, server: Server) -> None:
    body = newer_bytes()
    server.routes["/spec"] = [Reply(200, body, {"ETag": '"abc"', "Last-Modified": "Wed, 01 Apr 2026 10:00:00 GMT"}), Reply(304, b"", {"ETag": '"abc"'})]
    assert fetch(proj, server.url("/spec")).returncode == 0
    assert run_cli("generate", cwd=proj).returncode == 0
    files = [p for p in (*(proj / "specs").rglob("*"), *(proj / "generated").rglob("*")) if p.is_file()]
    stamps = {p: p.stat().st_mtime_ns for p in files}
    before = snapshot(proj)
    time.sleep(0.05)
    result = fetch(proj, server.url("/spec"))
    assert result.returncode == 0, result.stderr
    assert "304 Not Modified" in result.stderr and "nothing written" in result.stderr
    assert result.stdout == ""
    _, headers = server.requests[-1]
    assert headers["if-none-match"] == '"abc"'
    assert headers["if-modified-since"] == "Wed, 01 Apr 2026 10:00:00 GMT"
    assert snapshot(proj) == before
    assert {p: p.stat().st_mtime_ns for p in files} == stamps


def test_no_conditional_request_when_the_local_spec_is_not_the_locked_one(proj: Path, server: Server) -> None:
    body = newer_bytes()
    server.routes["/spec"] = [Reply(200, body, {"ETag": '"abc"'})]
    assert fetch(proj, server.url("/spec")).returncode == 0
    spec = proj / "specs" / "api_v2.json"
    spec.write_bytes(spec.read_bytes().replace(b"Cancel an oauth session", b"Edited locally"))
    result = fetch(proj, server.url("/spec"))
    assert result.returncode == 0, result.stderr
    assert "if-none-match" not in server.requests[-1][1]
    assert spec.read_bytes() == body  # the published copy replaces the local edit


def test_500_then_200_is_retried(proj: Path, server: Server) -> None:
    body = newer_bytes()
    server.routes["/spec"] = [Reply(500, b"oops"), Reply(503, b"busy", {"Retry-After": "0"}), Reply(200, body)]
    result = fetch(proj, server.url("/spec"))
    assert result.returncode == 0, result.stderr
    assert len(server.requests) == 3
    assert (proj / "specs" / "api_v2.json").read_bytes() == body


def test_429_with_retry_after_is_honoured(proj: Path, server: Server) -> None:
    body = newer_bytes()
    server.routes["/spec"] = [Reply(429, b"slow down", {"Retry-After": "1"}), Reply(200, body)]
    started = time.monotonic()
    result = fetch(proj, server.url("/spec"))
    assert result.returncode == 0, result.stderr
    assert time.monotonic() - started >= 1.0
    assert [p for p, _ in server.requests] == ["/spec", "/spec"]


def test_a_redirect_is_followed(proj: Path, server: Server) -> None:
    body = newer_bytes()
    server.routes["/old"] = [Reply(301, b"", {"Location": "/moved/api_v2.json"})]
    server.routes["/moved/api_v2.json"] = [Reply(200, body, {"ETag": '"r"'})]
    result = fetch(proj, server.url("/old"))
    assert result.returncode == 0, result.stderr
    assert [p for p, _ in server.requests] == ["/old", "/moved/api_v2.json"]
    assert (proj / "specs" / "api_v2.json").read_bytes() == body


def test_bom_prefixed_json_is_accepted_and_kept_as_served(proj: Path, server: Server) -> None:
    body = b"\xef\xbb\xbf" + newer_bytes()
    server.routes["/spec"] = [Reply(200, body, {"Content-Type": "application/json; charset=utf-8"})]
    result = fetch(proj, server.url("/spec"))
    assert result.returncode == 0, result.stderr
    assert (proj / "specs" / "api_v2.json").read_bytes() == body
    assert run_cli("generate", cwd=proj).returncode == 0


def test_yaml_is_detected_from_the_content(proj: Path, server: Server) -> None:
    import yaml

    body = yaml.safe_dump(newer_spec(), sort_keys=False).encode("utf-8")
    server.routes["/spec"] = [Reply(200, body, {"Content-Type": "application/octet-stream"})]
    result = fetch(proj, server.url("/spec"))
    assert result.returncode == 0, result.stderr
    assert "`client.oauth.cancel_oauth_session`: operation added" in result.stdout


def test_same_bytes_without_304_write_nothing(proj: Path, server: Server) -> None:
    server.routes["/spec"] = [Reply(200, SPEC.read_bytes())]
    before = snapshot(proj)
    result = fetch(proj, server.url("/spec"))
    assert result.returncode == 0, result.stderr
    assert "same sha256" in result.stderr
    assert snapshot(proj)[1] == before[1]
    assert (proj / "specs" / "api_v2.json").read_bytes() == before[0]["api_v2.json"]


def test_json_report_format(proj: Path, server: Server) -> None:
    server.routes["/spec"] = [Reply(200, newer_bytes())]
    result = fetch(proj, server.url("/spec"), "--format", "json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["summary"]["suggested_bump"] == "minor"
    assert {"kind": "operation-added", "where": "client.oauth.cancel_oauth_session", "breaking": False, "bump": "minor", "message": "operation added (POST /api/v2/oauth/session/{sessionId}/cancel)", "method": "POST", "path": "/api/v2/oauth/session/{sessionId}/cancel"} in report["changes"]


# ---------------------------------------------------------------- failures: nothing changes


def test_404_fails_without_retrying(proj: Path, server: Server) -> None:
    before = snapshot(proj)
    url = server.url("/missing.json")
    result = fetch(proj, url)
    assert_failed_cleanly(result, proj, before, url, "HTTP 404 Not Found")
    assert len(server.requests) == 1


def test_persistent_500_gives_up_after_the_retries(proj: Path, server: Server) -> None:
    server.routes["/spec"] = [Reply(500, b"down", {"Retry-After": "0"})]
    before = snapshot(proj)
    url = server.url("/spec")
    result = fetch(proj, url)
    assert_failed_cleanly(result, proj, before, url, "HTTP 500 Internal Server Error (gave up after 4 attempts)")
    assert len(server.requests) == 4


def test_a_response_slower_than_the_timeout(proj: Path, server: Server) -> None:
    server.routes["/spec"] = [Reply(200, newer_bytes(), delay=5)]
    before = snapshot(proj)
    url = server.url("/spec")
    started = time.monotonic()
    result = fetch(proj, url, "--timeout", "0.5")
    elapsed = time.monotonic() - started
    assert_failed_cleanly(result, proj, before, url, "timed out after 0.5 s")
    assert elapsed < 4.5


def test_an_oversized_body_with_content_length(proj: Path, server: Server) -> None:
    server.routes["/spec"] = [Reply(200, newer_bytes())]
    before = snapshot(proj)
    url = server.url("/spec")
    result = fetch(proj, url, "--max-bytes", "1000")
    assert_failed_cleanly(result, proj, before, url, "more than the limit of 1000 bytes")


def test_an_oversized_body_without_content_length(proj: Path, server: Server) -> None:
    server.routes["/spec"] = [Reply(200, newer_bytes(), content_length=False)]
    before = snapshot(proj)
    url = server.url("/spec")
    result = fetch(proj, url, "--max-bytes", "1000")
    assert_failed_cleanly(result, proj, before, url, "more than the limit of 1000 bytes")


def test_html_instead_of_json(proj: Path, server: Server) -> None:
    page = b"<!DOCTYPE html>\n<html><head><title>Login</title></head><body>Please sign in</body></html>\n"
    server.routes["/spec"] = [Reply(200, page, {"Content-Type": "text/html; charset=utf-8"})]
    before = snapshot(proj)
    url = server.url("/spec")
    result = fetch(proj, url)
    assert_failed_cleanly(result, proj, before, url, "the response is HTML (Content-Type: text/html; charset=utf-8), not an OpenAPI document")


def test_an_invalid_spec_names_the_pointer(proj: Path, server: Server) -> None:
    doc = newer_spec()
    del doc["paths"]["/api/v2/oauth/google/init"]["post"]["responses"]["200"]["description"]
    server.routes["/spec"] = [Reply(200, json.dumps(doc).encode())]
    before = snapshot(proj)
    url = server.url("/spec")
    result = fetch(proj, url)
    assert_failed_cleanly(result, proj, before, url, "#/paths/~1api~1v2~1oauth~1google~1init/post/responses/200: 'description' is a required property")
    assert "specs/api_v2.json was not replaced" in result.stderr


def test_json_that_does_not_parse(proj: Path, server: Server) -> None:
    server.routes["/spec"] = [Reply(200, b'{"openapi": "3.1.0", "info": ')]
    before = snapshot(proj)
    url = server.url("/spec")
    assert_failed_cleanly(fetch(proj, url), proj, before, url, "invalid JSON at line 1")


def test_too_many_redirects(proj: Path, server: Server) -> None:
    server.routes["/loop"] = [Reply(302, b"", {"Location": "/loop"})]
    before = snapshot(proj)
    url = server.url("/loop")
    assert_failed_cleanly(fetch(proj, url), proj, before, url, "more than 5 redirects")
    assert len(server.requests) == 6


def test_a_redirect_to_another_scheme_is_refused(proj: Path, server: Server) -> None:
    server.routes["/spec"] = [Reply(302, b"", {"Location": "file:///etc/passwd"})]
    before = snapshot(proj)
    url = server.url("/spec")
    assert_failed_cleanly(fetch(proj, url), proj, before, url, "refusing to follow a redirect to 'file:///etc/passwd'")


def test_connection_refused(proj: Path, server: Server) -> None:
    url = server.url("/spec")
    server.close()  # nothing listens on that port any more
    server.close = lambda: None  # type: ignore[method-assign]
    before = snapshot(proj)
    assert_failed_cleanly(fetch(proj, url), proj, before, url, "cannot connect")


def test_no_source_url_configured(proj: Path) -> None:
    before = snapshot(proj)
    result = run_cli("fetch", cwd=proj, env=NO_PROXY)
    assert result.returncode == 2
    assert result.stderr.strip() == "error: pyproject.toml: [tool.generator].source_url is empty: set it or pass --url URL"
    assert snapshot(proj) == before


def test_only_http_urls(proj: Path) -> None:
    before = snapshot(proj)
    result = fetch(proj, "file:///etc/passwd")
    assert result.returncode == 2
    assert result.stderr.strip() == "error: file:///etc/passwd: only http and https URLs can be fetched, not 'file:///etc/passwd'"
    assert snapshot(proj) == before
