"""The config tables that shape the client's run-time behaviour, and what they generate.

``[tool.generator.retries]``, ``[tool.generator.rate_limits.NAME]`` and
``[tool.generator.waiters.NAME]`` are validated (unknown keys and wrong types are
errors naming the key; names of operations and fields are checked against the
spec). A second, made-up API ("jobs": API key in a header, an integer status
field, declared response headers, a POST marked idempotent) is generated with its
own config and exercised against the fault server: nothing about the waiter, the
limits or the headers is specific to Instantly's OAuth flow.
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
from conftest import ROOT, SPEC, run_cli
from fault_server import FaultServer, Scripted, json_body, running_server

from generator.config import (
    RateLimitSettings,
    RetrySettings,
    WaiterSettings,
    load_config,
)
from generator.errors import SpecError
from generator.pipeline import run

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


# --------------------------------------------------------------- parsing the config


def test_defaults_without_tables(tmp_path: Path) -> None:
    config = load_config(write_project(tmp_path, '[tool.generator]\npackage = "x"\n'))
    assert config.retries == RetrySettings()
    assert config.rate_limits == ()
    assert config.waiters == ()


def test_the_projects_own_tables() -> None:
    config = load_config(SPEC.parent.parent / "pyproject.toml")
    assert config.retries.max_retries == 2
    assert config.retries.statuses == (408, 429, 502, 503, 504)
    assert config.rate_limits == (RateLimitSettings("oauth_init", ("initMicrosoftOAuth", "initGoogleOAuth"), per_key=75, per_process=150, window=60.0),)
    [waiter] = config.waiters
    assert waiter == WaiterSettings(
        name="wait_for_oauth_session", operation="getOAuthSessionStatus", field="status", success=("success",),
        failure=("error", "expired"), pending=("pending",), error_fields=("error", "error_description"),
        error_class="OAuthSessionError", timeout=600.0, interval=2.0,
    )


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("[tool.generator.retries]\nmax_retry = 3", "[tool.generator.retries].max_retry: unknown key (known: backoff_initial, backoff_max, idempotent_operations, max_retries, retry_after_cap, statuses)"),
        ("[tool.generator.retries]\nmax_retries = true", "[tool.generator.retries].max_retries: expected an integer"),
        ("[tool.generator.retries]\nmax_retries = -1", "[tool.generator.retries].max_retries: expected 0 to 100"),
        ("[tool.generator.retries]\nstatuses = [429, '503']", "[tool.generator.retries].statuses: expected a list of integers"),
        ("[tool.generator.retries]\nstatuses = [200]", "[tool.generator.retries].statuses: expected HTTP error statuses"),
        ("[tool.generator.retries]\nbackoff_initial = 9.0", "backoff_initial <= backoff_max"),
        ("[tool.generator.retries]\nbackoff_max = nan", "[tool.generator.retries].backoff_max: expected a number"),
        ("[tool.generator.retries]\nidempotent_operations = 'createJob'", "[tool.generator.retries].idempotent_operations: expected a list of strings"),
        ("retries = 3", "[tool.generator].retries: expected a dict"),
        ("[tool.generator.rate_limits.x]\noperations = ['a']\nper_key = 1\nburst = 2", "[tool.generator.rate_limits.x].burst: unknown key"),
        ("[tool.generator.rate_limits.x]\nper_key = 1", "[tool.generator.rate_limits.x]: 'operations' is required"),
        ("[tool.generator.rate_limits.x]\noperations = ['a']", "[tool.generator.rate_limits.x]: per_key and per_process must be >= 0 and one of them > 0"),
        ("[tool.generator.rate_limits.x]\noperations = ['a']\nper_key = 1\nwindow = 0", "[tool.generator.rate_limits.x].window: expected a number of seconds > 0"),
        ("[tool.generator.rate_limits.x]\noperations = ['a']\nper_key = 1.5", "[tool.generator.rate_limits.x].per_key: expected an integer"),
        ("[tool.generator.rate_limits]\nx = 3", "[tool.generator.rate_limits.x]: expected a table"),
        ("[tool.generator.waiters.w]\noperation = 'getJob'\nfield = 'phase'\nsuccess = [3]\nintervall = 1", "[tool.generator.waiters.w].intervall: unknown key"),
        ("[tool.generator.waiters.w]\noperation = 'getJob'\nsuccess = [3]", "[tool.generator.waiters.w]: 'field' is required"),
        ("[tool.generator.waiters.w]\noperation = 'getJob'\nfield = 'phase'\nsuccess = [3]\nfailure = [3]", "[tool.generator.waiters.w]: 3 is both in success and in failure"),
        ("[tool.generator.waiters.w]\noperation = 'getJob'\nfield = 'phase'\nsuccess = [{a = 1}]", "[tool.generator.waiters.w].success: expected a list of strings, numbers or booleans"),
        ("[tool.generator.waiters.'wait-for']\noperation = 'getJob'\nfield = 'phase'\nsuccess = [3]", "[tool.generator.waiters.wait-for]: the name becomes a method"),
        ("[tool.generator.waiters.w]\noperation = 'getJob'\nfield = 'phase'\nsuccess = [3]\nerror_class = 'bad name'", "[tool.generator.waiters.w].error_class: expected a class name"),
        ("[tool.generator.waiters.w]\noperation = 'getJob'\nfield = 'phase'\nsuccess = [3]\ninterval = 0", "[tool.generator.waiters.w]: timeout must be >= 0 and interval > 0 seconds"),
    ],
)
def test_bad_tables_are_refused_naming_the_key(tmp_path: Path, table: str, message: str) -> None:
    pyproject = write_project(tmp_path, '[tool.generator]\npackage = "jobs_client"\nspec = "specs/jobs.yaml"\n' + table + "\n")
    with pytest.raises(SpecError) as info:
        load_config(pyproject)
    assert message in str(info.value)
    assert str(info.value).startswith(str(pyproject))


@pytest.mark.parametrize(
    ("replace", "message"),
    [
        (('create]\noperations = ["createJob"]', 'create]\noperations = ["createjob"]'), "[tool.generator.rate_limits.create].operations: the spec has no operation 'createjob'"),
        (('idempotent_operations = ["createJob"]', 'idempotent_operations = ["nope"]'), "[tool.generator.retries].idempotent_operations: the spec has no operation 'nope'"),
        (('operation = "getJob"', 'operation = "getJobs"'), "[tool.generator.waiters.wait_for_job].operation: the spec has no operation 'getJobs'"),
        (('field = "phase"', 'field = "stage"'), "[tool.generator.waiters.wait_for_job].field: the response of getJob has no field 'stage' (it has: code, id, phase, reason)"),
        (('success = [3]', 'success = [4]'), "[tool.generator.waiters.wait_for_job].success: 4 is not a value of phase (0, 1, 2, 3)"),
        (('error_fields = ["reason", "code"]', 'error_fields = ["reason", "why"]'), "[tool.generator.waiters.wait_for_job].error_fields: the response of getJob has no field 'why'"),
        (('[tool.generator.waiters.wait_for_job]', '[tool.generator.waiters.get_job]'), "[tool.generator.waiters.get_job]: the resource already has a method 'get_job'"),
        (('operation = "getJob"', 'operation = "ping"'), "[tool.generator.waiters.wait_for_job]: ping must return an object (a model), not None"),
    ],
)
def test_config_that_does_not_fit_the_spec_is_refused(tmp_path: Path, replace: tuple[str, str], message: str) -> None:
    assert replace[0] in JOBS_CONFIG
    pyproject = write_project(tmp_path, JOBS_CONFIG.replace(*replace))
    with pytest.raises(SpecError) as info:
        run(load_config(pyproject))
    assert message in str(info.value)


def test_the_cli_reports_a_bad_table_in_one_line(tmp_path: Path) -> None:
    write_project(tmp_path, JOBS_CONFIG.replace("per_process = 2", "per_process = 2\nper_ip = 2"))
    result = run_cli("generate", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == ["error: pyproject.toml: [tool.generator.rate_limits.create].per_ip: unknown key (known: operations, per_key, per_process, window)"]
    assert not (tmp_path / "generated").exists()


def test_a_limit_on_operations_left_out_is_a_note_not_an_error(tmp_path: Path) -> None:
    pyproject = write_project(tmp_path, JOBS_CONFIG.replace('package = "jobs_client"', 'package = "jobs_client"\nexclude_operations = ["createJob"]'))
    result = run(load_config(pyproject))
    assert "rate limit 'create': none of its operations is generated" in result.api.notes
    assert "_rate_limits" not in result.files["_client.py"]
    assert "RateLimit" not in result.files["_client.py"]


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
