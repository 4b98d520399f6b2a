"""The jobs client: a made-up API generated with its own run-time tables, against the fault server.

A second API ("jobs": API key in a header, an integer status field, declared
response headers, a POST marked idempotent) is generated with its own config and
exercised against the fault server: nothing about the waiter, the limits or the
headers is specific to Instantly's OAuth flow. (Checking the tables themselves:
tests/unit/test_settings.py; a bad table through the CLI: tests/cli/test_generate_cli.py.)
"""

from __future__ import annotations

import asyncio
import importlib
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from conftest import ROOT, run_cli
from fault_server import FaultServer, Scripted, json_body, running_server

JOBS_SPEC = """
openapi: 3.0.3
info: {title: Jobs, version: "1.0"}
servers: [{url: "https://jobs.example"}]
security: [{key: []}]
paths:
  /jobs:
    post:
      operationId: createJob
      tags: [jobs]
      responses:
        "201": {description: created, content: {application/json: {schema: {$ref: "#/components/schemas/Job"}}}}
        "429":
          description: slow down
          headers:
            X-RateLimit-Remaining: {schema: {type: integer}}
            X-RateLimit-Scope: {$ref: "#/components/headers/Scope"}
            X-Retry-Budget: {schema: {type: number}}
            X-Throttled: {schema: {type: boolean}}
            Content-Type: {schema: {type: string}}
          content: {application/json: {schema: {$ref: "#/components/schemas/Problem"}}}
  /ping:
    get:
      operationId: ping
      tags: [jobs]
      responses:
        "204": {description: alive}
  /jobs/{jobId}:
    get:
      operationId: getJob
      tags: [jobs]
      parameters:
        - {name: jobId, in: path, required: true, schema: {type: integer}}
        - {name: verbose, in: query, schema: {type: boolean}}
      responses:
        "200": {description: ok, content: {application/json: {schema: {$ref: "#/components/schemas/Job"}}}}
components:
  securitySchemes:
    key: {type: apiKey, in: header, name: X-Api-Key}
  headers:
    Scope: {schema: {type: string}}
  schemas:
    Job:
      type: object
      properties:
        id: {type: integer}
        phase: {type: integer, enum: [0, 1, 2, 3]}
        reason: {type: string}
        code: {type: integer}
    Problem: {type: object, properties: {message: {type: string}}}
"""

JOBS_CONFIG = """
[tool.generator]
spec = "specs/jobs.yaml"
output = "generated"
package = "jobs_client"

[tool.generator.retries]
max_retries = 1
statuses = [503, 429]
backoff_initial = 0.01
backoff_max = 0.02
idempotent_operations = ["createJob"]

[tool.generator.rate_limits.create]
operations = ["createJob"]
per_process = 2
window = 30

[tool.generator.waiters.wait_for_job]
operation = "getJob"
field = "phase"
success = [3]
failure = [2]
pending = [0, 1]
error_fields = ["reason", "code"]
timeout = 30.0
interval = 0.5
"""


def write_project(root: Path, config: str = JOBS_CONFIG, spec: str = JOBS_SPEC) -> Path:
    (root / "specs").mkdir(parents=True, exist_ok=True)
    (root / "specs" / "jobs.yaml").write_text(textwrap.dedent(spec), encoding="utf-8")
    (root / "pyproject.toml").write_text(textwrap.dedent(config), encoding="utf-8")
    return root / "pyproject.toml"


@pytest.fixture(scope="module")
def jobs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    """The jobs client, generated once per module and imported."""
    root = tmp_path_factory.mktemp("jobs")
    write_project(root)
    result = run_cli("generate", cwd=root)
    assert result.returncode == 0, result.stdout + result.stderr
    sys.path.insert(0, str(root / "generated"))
    try:
        yield importlib.import_module("jobs_client")
    finally:
        sys.path.remove(str(root / "generated"))


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with running_server() as srv:
        yield srv


# --------------------------------------------------------------- the generated jobs client


def test_jobs_client_carries_its_config(jobs: ModuleType) -> None:
    from jobs_client.resources import jobs as resource  # type: ignore[import-not-found]

    assert jobs.Client._retry == jobs.RetryPolicy(max_retries=1, statuses=(429, 503), backoff_initial=0.01, backoff_max=0.02, retry_after_cap=60.0)
    assert jobs.Client._rate_limits == (jobs.RateLimit("create", per_key=0, per_process=2, window=30.0),)
    create = resource._CREATE_JOB
    assert create.method == "POST" and create.idempotent is True and create.is_idempotent
    assert create.limits == ("create",)
    assert create.headers == {"429": (("x-ratelimit-remaining", "integer"), ("x-ratelimit-scope", "string"), ("x-retry-budget", "number"), ("x-throttled", "boolean"))}
    assert resource._GET_JOB.idempotent is True and resource._GET_JOB.limits == ()
    assert issubclass(jobs.WaitForJobError, jobs.WaiterFailedError)


def test_jobs_client_passes_mypy_strict(jobs: ModuleType) -> None:
    folder = Path(jobs.__file__).parent.parent
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--python-version", "3.10", "--no-incremental", "--cache-dir", str(folder / ".mypy"), "-p", "jobs_client"],
        cwd=folder, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    ruff = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "--config", str(ROOT / "pyproject.toml"), str(folder / "jobs_client")], capture_output=True, text=True)
    assert ruff.returncode == 0, ruff.stdout + ruff.stderr


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_declared_response_headers_are_typed_on_the_error(jobs: ModuleType, server: FaultServer, mode: str) -> None:
    headers = {"X-RateLimit-Remaining": "0", "X-RateLimit-Scope": "org", "X-Retry-Budget": "1.5", "X-Throttled": "true", "Retry-After": "120"}
    server.add("/jobs", json_body({"message": "slow"}, status=429, headers=headers))
    server.add("/jobs", json_body({"message": "slow"}, status=429, headers={"X-RateLimit-Remaining": "lots", "X-Throttled": "maybe"}))

    errors = []
    for _ in range(2):
        try:
            call(jobs, mode, server, lambda c: c.jobs.create_job(max_retries=0))
        except jobs.ApiStatusError as exc:
            errors.append(exc)

    first, second = errors
    assert first.declared_headers == {"x-ratelimit-remaining": 0, "x-ratelimit-scope": "org", "x-retry-budget": 1.5, "x-throttled": True}
    assert first.retry_after == 120.0
    assert isinstance(first.body, jobs.Problem) and first.body.message == "slow"
    assert second.declared_headers == {"x-ratelimit-remaining": None, "x-ratelimit-scope": None, "x-retry-budget": None, "x-throttled": None}
    assert second.headers["x-ratelimit-remaining"] == "lots"


def call(jobs: ModuleType, mode: str, server: FaultServer, op: Any, **kw: Any) -> Any:
    kw.setdefault("api_key", "jk-123")
    if mode == "sync":
        with jobs.Client(base_url=server.url, **kw) as client:
            return op(client)

    async def main() -> Any:
        async with jobs.AsyncClient(base_url=server.url, **kw) as client:
            return await op(client)

    return asyncio.run(main())


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_post_marked_idempotent_in_the_config_is_retried_after_a_reset(jobs: ModuleType, server: FaultServer, mode: str) -> None:
    server.add("/jobs", Scripted(action="reset"), json_body({"id": 1, "phase": 0}, status=201))

    job = call(jobs, mode, server, lambda c: c.jobs.create_job(), rate_limiter=jobs.SlidingWindowLimiter())

    assert job.id == 1
    assert len(server.requests) == 2
    assert server.requests[0].headers["x-api-key"] == "jk-123"


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_the_per_process_limit_of_the_jobs_client(jobs: ModuleType, server: FaultServer, mode: str) -> None:
    server.add("/jobs", *[json_body({"id": 1, "phase": 0}, status=201)] * 5)
    limiter = jobs.SlidingWindowLimiter()

    def three(client: Any) -> Any:
        client.jobs.create_job()
        client.jobs.create_job()
        return client.jobs.create_job()

    async def three_async(client: Any) -> Any:
        await client.jobs.create_job()
        await client.jobs.create_job()
        return await client.jobs.create_job()

    with pytest.raises(jobs.ClientRateLimitError) as info:
        call(jobs, mode, server, three if mode == "sync" else three_async, rate_limiter=limiter, rate_limit="raise")
    assert 29 < info.value.retry_after <= 30
    assert "create: 2 per 30s per process" in str(info.value)
    assert len(server.requests) == 2


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_the_jobs_waiter_watches_an_integer_field(jobs: ModuleType, server: FaultServer, mode: str) -> None:
    server.add("/jobs/7", json_body({"id": 7, "phase": 0}), json_body({"id": 7, "phase": 1}), json_body({"id": 7, "phase": 3}))
    server.add("/jobs/8", json_body({"id": 8, "phase": 1}), json_body({"id": 8, "phase": 2, "reason": "oom", "code": 137}))

    job = call(jobs, mode, server, lambda c: c.jobs.wait_for_job(7, verbose=True, interval=0.01))
    with pytest.raises(jobs.WaitForJobError) as info:
        call(jobs, mode, server, lambda c: c.jobs.wait_for_job(8, interval=0.01))

    assert (job.id, job.phase) == (7, 3)
    assert [r.target for r in server.requests[:3]] == ["/jobs/7?verbose=true"] * 3
    assert server.requests[3].target == "/jobs/8"
    assert (info.value.state, info.value.reason, info.value.code) == (2, "oom", 137)
    assert info.value.body.id == 8
