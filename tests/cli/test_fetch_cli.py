"""``fetch`` against a real HTTP server on 127.0.0.1 started by each test (hence ``--allow-private``).

On success the spec is replaced as served and the lock records the source; ``generate``
stays the user's next step. A download or input failure is one line, exit 2; a change
that breaks callers (a removed operation, a new server, no operations at all) is
refused with the report and exit 1 unless ``--accept-breaking``. Whenever fetch fails
or refuses, the spec, the lock and the package are byte for byte as they were.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.cli.support import (
    LOCK_NAME,
    PACKAGE,
    PYPROJECT,
    SPEC_NAME,
    STATUS_SCHEMA,
    Run,
    load_json,
    make_project,
    node,
    oauth_only_spec,
    one_error,
    repo_table,
    snapshot,
)
from tests.conftest import SPEC
from tests.loopback import Loopback, answer, header_of, path_of

Reply = bytes | Callable[[socket.socket, bytes, Loopback], None]


class Server:
    """A loopback HTTP server answering each path from a script of replies (the last one repeats)."""

    def __init__(self) -> None:
        self.routes: dict[str, list[Reply]] = {}
        self.loop = Loopback(self._serve)

    def _serve(self, conn: socket.socket, head: bytes, server: Loopback) -> None:
        script = self.routes.get(path_of(head)) if head else None
        reply = (script.pop(0) if len(script) > 1 else script[0]) if script else answer("404 Not Found", b"no")
        if callable(reply):
            reply(conn, head, server)
        else:
            conn.sendall(reply)

    def url(self, path: str) -> str:
        return self.loop.url(path)

    @property
    def requests(self) -> list[bytes]:
        return self.loop.requests


@pytest.fixture
def server() -> Iterator[Server]:
    srv = Server()
    try:
        yield srv
    finally:
        srv.loop.close()


@pytest.fixture
def fetch(run: Callable[..., Run]) -> Callable[..., Run]:
    def go(project: Path, url: str, *extra: str) -> Run:
        return run("fetch", "--url", url, "--allow-private", *extra, cwd=project)

    return go


def current() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(oauth_only_spec())
    return doc


def newer() -> dict[str, Any]:
    """The spec with one operation and one response enum value added: no breaking change."""
    doc = current()
    status_op = node(doc, STATUS_SCHEMA[:3])
    node(doc, STATUS_SCHEMA)["properties"]["status"]["enum"].append("cancelled")
    cancel = copy.deepcopy(status_op)
    cancel["operationId"] = "cancelOAuthSession"
    cancel["summary"] = "Cancel an oauth session"
    doc["paths"]["/api/v2/oauth/session/{sessionId}/cancel"] = {"post": cancel}
    return doc


def body(doc: dict[str, Any]) -> bytes:
    return (json.dumps(doc, indent=2) + "\n").encode("utf-8")


def ok(data: bytes, **headers: str) -> bytes:
    return answer("200 OK", data, {k.replace("_", "-"): v for k, v in headers.items()})


def watched(project: Path) -> dict[str, bytes | None]:
    """What fetch may change: the specs folder (spec and lock) and the generated package."""
    return {**{f"specs/{k}": v for k, v in snapshot(project / "specs").items()}, **{f"generated/{k}": v for k, v in snapshot(project / "generated").items()}}


def assert_failed_cleanly(done: Run, project: Path, before: dict[str, bytes | None], url: str, reason: str) -> None:
    line = one_error(done)
    assert line.startswith(url), line
    assert reason in line, line
    assert done.stdout == ""
    assert watched(project) == before


# ---------------------------------------------------------------- success


def test_200_replaces_the_spec_records_the_source_and_reports_the_changes(project: Path, server: Server, fetch: Callable[..., Run], run: Callable[..., Run]) -> None:
    data = body(newer())
    server.routes["/api_v2.json"] = [ok(data, ETag='"v2"', Last_Modified="Wed, 01 Apr 2026 10:00:00 GMT", Content_Type="application/json")]
    generated = snapshot(project / "generated")
    old_sha = load_json(project / LOCK_NAME)["spec"]["sha256"]
    done = fetch(project, server.url("/api_v2.json"))
    assert done.returncode == 0, done.stderr
    assert (project / SPEC_NAME).read_bytes() == data
    assert snapshot(project / "generated") == generated  # fetch never regenerates
    assert sorted(p.name for p in (project / "specs").iterdir()) == ["api_v2.json", "api_v2.lock.json"]
    lock = load_json(project / LOCK_NAME)
    new_sha = hashlib.sha256(data).hexdigest()
    assert lock["source"] == {"url": server.url("/api_v2.json"), "etag": '"v2"', "last_modified": "Wed, 01 Apr 2026 10:00:00 GMT", "sha256": new_sha}
    assert lock["spec"]["sha256"] == old_sha  # what generated/ was made from
    assert "- `client.oauth.cancel_oauth_session`: method added (POST /api/v2/oauth/session/\\{sessionId\\}/cancel) (operation-added)" in done.stdout
    assert "- `GetOAuthSessionStatusResponse.status`: enum values added: 'cancelled' (field-type-changed)" in done.stdout
    assert "Suggested version bump: **minor** (0 breaking, " in done.stdout
    assert done.stderr.endswith("; replaced specs/api_v2.json\nnote: next: run generate to regenerate the client\n"), done.stderr
    # The package is now stale; generate brings everything in line and the source survives in the lock.
    assert run("check", cwd=project).returncode == 1
    assert run("generate", cwd=project).returncode == 0
    assert run("check", cwd=project).returncode == 0
    lock = load_json(project / LOCK_NAME)
    assert (lock["source"]["etag"], lock["spec"]["sha256"]) == ('"v2"', new_sha)


def test_304_costs_a_conditional_request_and_writes_nothing(project: Path, server: Server, fetch: Callable[..., Run]) -> None:
    data = body(newer())
    server.routes["/spec"] = [ok(data, ETag='"abc"', Last_Modified="Wed, 01 Apr 2026 10:00:00 GMT"), answer("304 Not Modified", b"", {"ETag": '"abc"'})]
    assert fetch(project, server.url("/spec")).returncode == 0
    before, times = watched(project), {p: p.stat().st_mtime_ns for p in (project / "specs").iterdir()}
    time.sleep(0.02)
    done = fetch(project, server.url("/spec"))
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    assert done.stderr == f"note: specs/api_v2.json is up to date ({server.url('/spec')} answered 304 Not Modified); nothing written\n"
    assert header_of(server.requests[-1], "If-None-Match") == '"abc"'
    assert header_of(server.requests[-1], "If-Modified-Since") == "Wed, 01 Apr 2026 10:00:00 GMT"
    assert watched(project) == before
    assert {p: p.stat().st_mtime_ns for p in (project / "specs").iterdir()} == times


def test_no_conditional_request_when_the_local_spec_is_not_the_one_fetched(project: Path, server: Server, fetch: Callable[..., Run]) -> None:
    data = body(newer())
    server.routes["/spec"] = [ok(data, ETag='"abc"')]
    assert fetch(project, server.url("/spec")).returncode == 0
    spec = project / SPEC_NAME
    spec.write_bytes(spec.read_bytes().replace(b"Cancel an oauth session", b"Edited locally"))
    done = fetch(project, server.url("/spec"))
    assert done.returncode == 0, done.stderr
    assert header_of(server.requests[-1], "If-None-Match") is None
    assert spec.read_bytes() == data  # the published copy replaces the local edit


def test_the_same_bytes_record_the_source_and_leave_the_spec(project: Path, server: Server, fetch: Callable[..., Run]) -> None:
    served = (project / SPEC_NAME).read_bytes()
    server.routes["/spec"] = [ok(served, ETag='"same"')]
    spec_stat = (project / SPEC_NAME).stat()
    done = fetch(project, server.url("/spec"))
    assert done.returncode == 0, done.stderr
    assert done.stderr == "note: specs/api_v2.json is up to date (the served spec has the same sha256)\n"
    assert (project / SPEC_NAME).stat().st_ino == spec_stat.st_ino and (project / SPEC_NAME).stat().st_mtime_ns == spec_stat.st_mtime_ns
    assert load_json(project / LOCK_NAME)["source"]["etag"] == '"same"'


def test_a_redirect_is_followed_and_a_bom_kept_as_served(project: Path, server: Server, fetch: Callable[..., Run]) -> None:
    data = b"\xef\xbb\xbf" + body(newer())
    server.routes["/old"] = [answer("301 Moved Permanently", b"", {"Location": "/moved/api_v2.json"})]
    server.routes["/moved/api_v2.json"] = [ok(data, Content_Type="application/json; charset=utf-8")]
    done = fetch(project, server.url("/old"))
    assert done.returncode == 0, done.stderr
    assert [path_of(r) for r in server.requests] == ["/old", "/moved/api_v2.json"]
    assert (project / SPEC_NAME).read_bytes() == data


def test_the_json_report(project: Path, server: Server, fetch: Callable[..., Run]) -> None:
    server.routes["/spec"] = [ok(body(newer()))]
    done = fetch(project, server.url("/spec"), "--format", "json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["summary"] == {"breaking": 0, "non_breaking": 2, "suggested_bump": "minor"}
    assert {"kind": "operation-added", "where": "client.oauth.cancel_oauth_session", "breaking": False, "bump": "minor", "message": "method added (POST /api/v2/oauth/session/{sessionId}/cancel)"} in report["changes"]


def test_a_credential_in_the_url_is_never_recorded(project: Path, server: Server, fetch: Callable[..., Run]) -> None:
    server.routes["/spec?access_token=s3cr3t"] = [ok(body(newer()))]
    done = fetch(project, server.url("/spec?access_token=s3cr3t"))
    assert done.returncode == 0, done.stderr
    assert b"access_token=s3cr3t" in server.requests[0]
    assert load_json(project / LOCK_NAME)["source"]["url"] == server.url("/spec?access_token=REDACTED")
    assert "s3cr3t" not in done.stdout + done.stderr + (project / LOCK_NAME).read_text(encoding="utf-8")


# ---------------------------------------------------------------- refused: a breaking change (exit 1)


def refused(done: Run, project: Path, before: dict[str, bytes | None], reason: str) -> None:
    """Exit 1, the report on stdout, the refusal last on stderr; nothing changed."""
    assert done.returncode == 1, (done.stdout[-2000:], done.stderr)
    assert "Traceback" not in done.stderr
    assert done.stdout.startswith("**API changes for callers**: ")
    assert re.fullmatch(rf"error: specs/api_v2\.json not replaced: {reason} \(--accept-breaking takes it anyway\)", done.stderr.splitlines()[-1]), done.stderr
    assert watched(project) == before


def test_a_removed_operation_is_refused_unless_accepted(project: Path, server: Server, fetch: Callable[..., Run]) -> None:
    doc = current()
    del doc["paths"]["/api/v2/oauth/google/init"]
    server.routes["/spec"] = [ok(body(doc))]
    before = watched(project)
    done = fetch(project, server.url("/spec"))
    refused(done, project, before, r"\d+ breaking change\(s\) for callers")
    assert "- `client.oauth.init_google_oauth`: method removed (POST /api/v2/oauth/google/init) (operation-removed)" in done.stdout
    accepted = fetch(project, server.url("/spec"), "--accept-breaking")
    assert accepted.returncode == 0, accepted.stderr
    assert (project / SPEC_NAME).read_bytes() == body(doc)


def test_a_new_server_url_alone_is_refused(project: Path, server: Server, fetch: Callable[..., Run]) -> None:
    doc = current()
    doc["servers"] = [{"url": "https://api.instantly.example"}]
    server.routes["/spec"] = [ok(body(doc))]
    before = watched(project)
    done = fetch(project, server.url("/spec"))
    refused(done, project, before, r"1 breaking change\(s\) for callers")
    assert "- `Client base URL`: host changed: 'https://api.instantly.ai' -\\> 'https://api.instantly.example' (security: the API key is sent to the new server) (server-changed)" in done.stdout


def test_a_valid_spec_without_operations_is_refused(project: Path, server: Server, fetch: Callable[..., Run]) -> None:
    doc = current()
    doc["paths"] = {}
    server.routes["/spec"] = [ok(body(doc))]
    before = watched(project)
    done = fetch(project, server.url("/spec"))
    refused(done, project, before, r"\d+ breaking change\(s\) for callers; the new spec has no operations for this client")


def test_a_first_fetch_of_a_spec_without_operations_is_refused(tmp_path: Path, server: Server, fetch: Callable[..., Run]) -> None:
    (tmp_path / "specs").mkdir()
    (tmp_path / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    doc = current()
    doc["paths"] = {}
    server.routes["/spec"] = [ok(body(doc))]
    done = fetch(tmp_path, server.url("/spec"))
    assert done.returncode == 1
    assert done.stderr.splitlines()[-1] == "error: specs/api_v2.json not replaced: the spec has no operations for this client (--accept-breaking takes it anyway)"
    assert list((tmp_path / "specs").iterdir()) == []


def test_with_the_repositorys_config_a_removed_operation_its_tables_name_is_refused_as_breaking(tmp_path: Path, server: Server, fetch: Callable[..., Run]) -> None:
    """The rate limit and the waiter of this repository's config name OAuth operations: a spec
    without one is a breaking change for callers (exit 1), not an error in the config."""
    project = make_project(tmp_path / "project", oauth_only_spec(), repo_table())
    doc = current()
    del doc["paths"]["/api/v2/oauth/microsoft/init"]
    server.routes["/spec"] = [ok(body(doc))]
    before = snapshot(project)
    done = fetch(project, server.url("/spec"))
    assert done.returncode == 1, done.stderr
    assert "- `client.oauth.init_microsoft_oauth`: method removed (POST /api/v2/oauth/microsoft/init) (operation-removed)" in done.stdout
    assert snapshot(project) == before


# ---------------------------------------------------------------- failures: exit 2, nothing changes


def _slow(conn: socket.socket, head: bytes, server: Loopback) -> None:
    server.stopping.wait(5)


FAILURES: dict[str, tuple[dict[str, list[Reply]], list[str], str]] = {
    "404": ({}, [], "HTTP 404 Not Found"),
    "timeout": ({"/spec": [_slow]}, ["--timeout", "0.5"], "timed out after 0.5 s (--timeout)"),
    "oversized": ({"/spec": [ok(body(newer()))]}, ["--max-bytes", "1000"], "more than the limit of 1000 bytes (--max-bytes)"),
    "html": ({"/spec": [ok(b"<!DOCTYPE html>\n<html><body>Please sign in</body></html>\n", Content_Type="text/html")]}, [], "the response is HTML or XML (Content-Type: text/html), not an OpenAPI document in JSON or YAML"),
    "invalid-json": ({"/spec": [ok(b'{"openapi": "3.1.0", "info": ')]}, [], "invalid JSON at line 1"),
    "yaml-for-a-json-file": ({"/spec": [ok(yaml.safe_dump(newer()).encode())]}, [], "the server sent YAML, but specs/api_v2.json is a .json file"),
    "too-many-redirects": ({"/spec": [answer("302 Found", b"", {"Location": "/spec"})]}, [], "more than 5 redirects"),
    "redirect-to-file": ({"/spec": [answer("302 Found", b"", {"Location": "file:///etc/passwd"})]}, [], "refusing to follow a redirect to 'file:///etc/passwd'"),
    "empty": ({"/spec": [ok(b"")]}, [], "the response is empty"),
}


@pytest.mark.parametrize("case", sorted(FAILURES))
def test_a_failed_download_is_one_line_and_changes_nothing(case: str, project: Path, server: Server, fetch: Callable[..., Run]) -> None:
    routes, extra, reason = FAILURES[case]
    server.routes.update(routes)
    before = watched(project)
    url = server.url("/spec")
    started = time.monotonic()
    assert_failed_cleanly(fetch(project, url, *extra), project, before, url, reason)
    assert time.monotonic() - started < 30


def test_an_invalid_spec_names_the_pointer(project: Path, server: Server, fetch: Callable[..., Run]) -> None:
    doc = newer()
    del doc["paths"]["/api/v2/oauth/google/init"]["post"]["responses"]["200"]["description"]
    server.routes["/spec"] = [ok(body(doc))]
    before = watched(project)
    url = server.url("/spec")
    assert_failed_cleanly(fetch(project, url), project, before, url + "#/paths/~1api~1v2~1oauth~1google~1init/post/responses/200", "description\" is a required property")


def test_a_duplicate_key_in_the_served_json_names_its_pointer(project: Path, server: Server, fetch: Callable[..., Run]) -> None:
    server.routes["/spec"] = [ok(b'{"openapi": "3.1.0", "info": {"title": "x", "version": "1"}, "paths": {}, "info": {}}')]
    before = watched(project)
    url = server.url("/spec")
    assert_failed_cleanly(fetch(project, url), project, before, url + "#", "duplicate key 'info'")


def test_connection_refused(project: Path, fetch: Callable[..., Run]) -> None:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{probe.getsockname()[1]}/spec"
    probe.close()  # nothing listens on that port now
    before = watched(project)
    assert_failed_cleanly(fetch(project, url, "--timeout", "3"), project, before, url, "cannot connect")


def test_without_a_source_url_or_with_another_scheme(project: Path, run: Callable[..., Run], fetch: Callable[..., Run]) -> None:
    before = watched(project)
    assert one_error(run("fetch", cwd=project)) == "pyproject.toml: [tool.generator].source_url is empty: set it or pass --url URL"
    assert one_error(fetch(project, "file:///etc/passwd")) == "file:///etc/passwd: only http and https URLs can be fetched, not 'file:///etc/passwd'"
    assert watched(project) == before


def test_an_adhoc_fetch_needs_url_and_spec_and_writes_only_the_spec(tmp_path: Path, server: Server, run: Callable[..., Run]) -> None:
    assert one_error(run("fetch", "--url", "http://127.0.0.1:9/spec", cwd=tmp_path)) == "fetch: without a [tool.generator] config, pass both --url URL and --spec FILE"
    server.routes["/spec"] = [ok(body(newer()))]
    done = run("fetch", "--url", server.url("/spec"), "--spec", "api.json", "--allow-private", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["api.json"]  # no lock: an ad-hoc fetch has none


# ---------------------------------------------------------------- the project loop


@pytest.mark.slow
def test_the_project_loop_keeps_the_three_oauth_operations(tmp_path: Path, server: Server, fetch: Callable[..., Run], run: Callable[..., Run]) -> None:
    """This repository's config, the whole spec served as Instantly serves it: fetch, generate,
    then a change in another tag is no change for callers, and the client stays the same."""
    project = make_project(tmp_path / "project", b"{}", repo_table())
    (project / SPEC_NAME).unlink()
    served = SPEC.read_bytes()
    server.routes["/openapi/api_v2.json"] = [ok(served, ETag='"1"')]
    url = server.url("/openapi/api_v2.json")
    done = fetch(project, url)
    assert done.returncode == 0, done.stderr
    assert (project / SPEC_NAME).read_bytes() == served
    done = run("generate", cwd=project)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"generated/{PACKAGE}: 3 operations, 5 models, wrote ")
    client = snapshot(project / "generated")

    doc = json.loads(served)
    doc["paths"]["/api/v2/accounts"]["get"]["summary"] = "List accounts (changed)"
    del doc["paths"]["/api/v2/accounts/move"]
    changed = json.dumps(doc).encode()
    server.routes["/openapi/api_v2.json"] = [ok(changed, ETag='"2"')]
    done = fetch(project, url)
    assert done.returncode == 0, done.stderr
    assert "No changes for callers of the generated client." in done.stdout
    assert "(2.0.0, 3 operations) → " in done.stdout
    done = run("generate", cwd=project)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"generated/{PACKAGE}: 3 operations, 5 models, ")
    after = snapshot(project / "generated")
    assert sorted(after) == sorted(client)
    assert [rel for rel in after if after[rel] != client[rel]] in ([], [f"{PACKAGE}/_meta.py"])  # at most the spec's sha256
    assert run("check", cwd=project).returncode == 0
    lock = load_json(project / LOCK_NAME)
    assert lock["source"]["etag"] == '"2"' and lock["spec"]["sha256"] == hashlib.sha256(changed).hexdigest()
