"""``[tool.generator]`` checked key by key (generator.config, generator.settings), and the
run-time tables that must fit the spec (generator.build), without files beyond a
pyproject.toml or subprocesses.
"""

from __future__ import annotations

import copy
import textwrap
from pathlib import Path
from typing import Any

import pytest

from generator.build import build_api
from generator.config import (
    LOCK_NAME,
    Config,
    adhoc_config,
    check_package,
    package_from_title,
    project_config,
    read_table,
)
from generator.errors import SpecError
from generator.settings import (
    PaginationSettings,
    RateLimitSettings,
    RetrySettings,
    WaiterSettings,
    parse_pagination,
)

ROOT = Path(__file__).resolve().parents[2]

JOBS: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "Jobs", "version": "1.0"},
    "servers": [{"url": "https://jobs.example"}],
    "paths": {
        "/jobs": {"post": {"operationId": "createJob", "tags": ["jobs"], "responses": {"201": {"description": "created", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Job"}}}}}}},
        "/jobs/{id}": {"get": {"operationId": "getJob", "tags": ["jobs"], "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
                               "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Job"}}}}}}},
        "/ping": {"get": {"operationId": "ping", "tags": ["jobs"], "responses": {"204": {"description": "pong"}}}},
    },
    "components": {"schemas": {"Job": {"type": "object", "properties": {"id": {"type": "integer"}, "phase": {"type": "integer", "enum": [0, 1, 2, 3]}, "reason": {"type": "string"}, "code": {"type": "integer"}}}}},
}

JOBS_CONFIG = """
[tool.generator]
spec = "specs/jobs.json"
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


def config_of(tmp_path: Path, text: str) -> Config:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(textwrap.dedent(text), encoding="utf-8")
    table = read_table(pyproject)
    assert table is not None
    return project_config(pyproject, table)


def refused(tmp_path: Path, text: str) -> str:
    with pytest.raises(SpecError) as info:
        config_of(tmp_path, text)
    message = str(info.value)
    assert message.startswith(str(tmp_path / "pyproject.toml") + ": "), message
    assert "\n" not in message
    return message


# --------------------------------------------------------------- the tables


def test_defaults_without_tables(tmp_path: Path) -> None:
    config = config_of(tmp_path, '[tool.generator]\nspec = "api.json"\n')
    assert (config.retries, config.rate_limits, config.waiters, config.pagination, config.paginate_auto) == (RetrySettings(), (), (), (), True)


def test_the_tables_as_written(tmp_path: Path) -> None:
    config = config_of(tmp_path, JOBS_CONFIG)
    assert config.retries == RetrySettings(max_retries=1, statuses=(429, 503), backoff_initial=0.01, backoff_max=0.02, retry_after_cap=60.0, idempotent_operations=("createJob",))
    assert config.rate_limits == (RateLimitSettings("create", ("createJob",), per_key=0, per_process=2, window=30),)
    assert config.waiters == (WaiterSettings(name="wait_for_job", operation="getJob", field="phase", success=(3,), failure=(2,), pending=(0, 1), error_fields=("reason", "code"), timeout=30.0, interval=0.5),)


def test_this_repositorys_own_config() -> None:
    table = read_table(ROOT / "pyproject.toml")
    assert table is not None
    config = project_config(ROOT / "pyproject.toml", table)
    assert (config.spec, config.lock, config.package) == (ROOT / "specs" / "api_v2.json", ROOT / "specs" / "api_v2.lock.json", "instantly_client")
    assert config.include_tags == ("OAuth",)
    assert config.rate_limits == (RateLimitSettings("oauth_init", ("initMicrosoftOAuth", "initGoogleOAuth"), per_key=75, per_process=150, window=60.0),)
    [waiter] = config.waiters
    assert (waiter.name, waiter.operation, waiter.field, waiter.success, waiter.failure) == ("wait_for_oauth_session", "getOAuthSessionStatus", "status", ("success",), ("error", "expired"))


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("[tool.generator.retries]\nmax_retry = 3", "[tool.generator.retries].max_retry: unknown key (known: backoff_initial, backoff_max, idempotent_operations, max_retries, non_idempotent_operations, retry_after_cap, statuses)"),
        ("[tool.generator.retries]\nmax_retries = true", "[tool.generator.retries].max_retries: expected an integer"),
        ("[tool.generator.retries]\nmax_retries = -1", "[tool.generator.retries].max_retries: expected 0 to 100"),
        ("[tool.generator.retries]\nstatuses = [429, '503']", "[tool.generator.retries].statuses: expected a list of integers"),
        ("[tool.generator.retries]\nstatuses = [200]", "[tool.generator.retries].statuses: expected HTTP error statuses (400 to 599)"),
        ("[tool.generator.retries]\nbackoff_initial = 9.0", "[tool.generator.retries].backoff_initial, backoff_max: expected 0 <= backoff_initial <= backoff_max"),
        ("[tool.generator.retries]\nbackoff_max = nan", "[tool.generator.retries].backoff_max: expected a number"),
        ("[tool.generator.retries]\nretry_after_cap = -1", "[tool.generator.retries].retry_after_cap: expected a number of seconds >= 0"),
        ("[tool.generator.retries]\nidempotent_operations = 'createJob'", "[tool.generator.retries].idempotent_operations: expected a list of strings"),
        ("[tool.generator.retries]\nidempotent_operations = ['a']\nnon_idempotent_operations = ['b', 'a']", "[tool.generator.retries].non_idempotent_operations: 'a' is also in idempotent_operations"),
        ("retries = 3", "[tool.generator].retries: expected a dict"),
        ("[tool.generator.rate_limits.x]\noperations = ['a']\nper_key = 1\nburst = 2", "[tool.generator.rate_limits.x].burst: unknown key (known: operations, per_key, per_process, window)"),
        ("[tool.generator.rate_limits.x]\nper_key = 1", "[tool.generator.rate_limits.x]: 'operations' is required"),
        ("[tool.generator.rate_limits.x]\noperations = []\nper_key = 1", "[tool.generator.rate_limits.x].operations: name at least one operationId"),
        ("[tool.generator.rate_limits.x]\noperations = ['a']", "[tool.generator.rate_limits.x]: per_key and per_process must be >= 0 and one of them > 0"),
        ("[tool.generator.rate_limits.x]\noperations = ['a']\nper_key = 1\nwindow = 0", "[tool.generator.rate_limits.x].window: expected a number of seconds > 0"),
        ("[tool.generator.rate_limits.x]\noperations = ['a']\nper_key = 1.5", "[tool.generator.rate_limits.x].per_key: expected an integer"),
        ("[tool.generator.rate_limits]\nx = 3", "[tool.generator.rate_limits.x]: expected a table"),
        ("[tool.generator.rate_limits.'a b']\noperations = ['a']\nper_key = 1", "[tool.generator.rate_limits.a b]: a limit's name may hold letters, digits, '_', '.' and '-'"),
        ("[tool.generator.waiters.w]\noperation = 'getJob'\nfield = 'phase'\nsuccess = [3]\nintervall = 1", "[tool.generator.waiters.w].intervall: unknown key"),
        ("[tool.generator.waiters.w]\noperation = 'getJob'\nsuccess = [3]", "[tool.generator.waiters.w]: 'field' is required"),
        ("[tool.generator.waiters.w]\noperation = 'getJob'\nfield = 'phase'\nsuccess = []", "[tool.generator.waiters.w].success: name at least one value"),
        ("[tool.generator.waiters.w]\noperation = 'getJob'\nfield = 'phase'\nsuccess = [3]\nfailure = [3]", "[tool.generator.waiters.w]: 3 is both in success and in failure"),
        ("[tool.generator.waiters.w]\noperation = 'getJob'\nfield = 'phase'\nsuccess = [{a = 1}]", "[tool.generator.waiters.w].success: expected a list of strings, numbers or booleans"),
        ("[tool.generator.waiters.'wait-for']\noperation = 'getJob'\nfield = 'phase'\nsuccess = [3]", "[tool.generator.waiters.wait-for]: the name becomes a method: it must be a Python identifier not starting with '_'"),
        ("[tool.generator.waiters.w]\noperation = 'getJob'\nfield = 'phase'\nsuccess = [3]\nerror_class = 'bad name'", "[tool.generator.waiters.w].error_class: expected a class name (CapWords)"),
        ("[tool.generator.waiters.w]\noperation = 'getJob'\nfield = 'phase'\nsuccess = [3]\ninterval = 0", "[tool.generator.waiters.w]: timeout must be >= 0 and interval > 0 seconds"),
        ("[tool.generator.pagination]\nauto = 'yes'", "[tool.generator.pagination].auto: expected true or false"),
        ("[tool.generator.pagination.listJobs]\nstyle = 'cursor'\ncursor = 'after'", "[tool.generator.pagination.listJobs]: style 'cursor' needs 'next'"),
        ("[tool.generator.pagination.listJobs]\nstyle = 'sideways'", "[tool.generator.pagination.listJobs].style: expected one of cursor, offset, page, link, none"),
        ("[tool.generator.pagination.listJobs]\nstyle = 'cursor'\ncursor = 'c'\nnext = 'n'\ncursor_in = 'header'", "[tool.generator.pagination.listJobs].cursor_in: expected \"query\" or \"body\""),
    ],
)
def test_bad_tables_are_refused_naming_the_key(tmp_path: Path, table: str, message: str) -> None:
    found = refused(tmp_path, '[tool.generator]\nspec = "specs/jobs.json"\n' + table + "\n")
    assert found.endswith(": " + message) or message in found, found


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('colour = "blue"', "[tool.generator].colour: unknown key (known: api_key_env, exclude_operations, exclude_tags, include_operations, include_tags, lenient, lock, output, package, pagination, rate_limits, retries, source_url, spec, templates, waiters)"),
        ("spec = 5", "[tool.generator].spec: expected a str"),
        ('include_tags = "OAuth"', "[tool.generator].include_tags: expected a list of strings"),
        ("lenient = 1", "[tool.generator].lenient: expected a bool"),
        ('package = "my-client"', "package 'my-client' is not a valid Python package name (letters, digits and '_')"),
        ('package = "json"', "package 'json' would shadow the module of that name (standard library): choose another name"),
    ],
)
def test_bad_top_level_keys(tmp_path: Path, line: str, message: str) -> None:
    text = '[tool.generator]\nspec = "api.json"\n' + line + "\n" if not line.startswith("spec") else "[tool.generator]\n" + line + "\n"
    assert refused(tmp_path, text).endswith(": " + message)


def test_a_missing_spec_key_and_a_table_that_is_not_one(tmp_path: Path) -> None:
    assert refused(tmp_path, '[tool.generator]\noutput = "out"\n').endswith(': [tool.generator].spec is not set: name the OpenAPI document (e.g. spec = "specs/api.json")')
    (tmp_path / "pyproject.toml").write_text('[tool]\ngenerator = "x"\n', encoding="utf-8")
    with pytest.raises(SpecError, match=r"\[tool.generator\] must be a table"):
        read_table(tmp_path / "pyproject.toml")
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n', encoding="utf-8")
    assert read_table(tmp_path / "pyproject.toml") is None


def test_pagination_tables() -> None:
    auto, found = parse_pagination({"auto": False, "listJobs": {"style": "offset", "offset": "skip", "limit": "take", "items": "data"}}, "pyproject.toml")
    assert auto is False
    assert found == (PaginationSettings(operation="listJobs", style="offset", offset="skip", limit="take", items="data"),)


# --------------------------------------------------------------- paths, modes and names


def test_project_paths_are_relative_to_the_config_and_the_lock_sits_beside_the_spec(tmp_path: Path) -> None:
    config = config_of(tmp_path, '[tool.generator]\nspec = "specs/api.yaml"\noutput = "gen"\npackage = "api_client"\n')
    assert (config.mode, config.root, config.spec, config.output, config.package_dir) == ("project", tmp_path, tmp_path / "specs" / "api.yaml", tmp_path / "gen", tmp_path / "gen" / "api_client")
    assert config.lock_path == tmp_path / "specs" / "api.lock.json"
    config = config_of(tmp_path, '[tool.generator]\nspec = "specs/api.yaml"\nlock = "locks/api.lock.json"\n')
    assert config.lock_path == tmp_path / "locks" / "api.lock.json"
    assert config.package == ""  # named from the spec's title when it is read


def test_command_line_overrides_are_relative_to_the_working_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[tool.generator]\nspec = "specs/api.yaml"\noutput = "gen"\n', encoding="utf-8")
    table = read_table(pyproject)
    assert table is not None
    config = project_config(pyproject, table, {"spec": "other.yaml", "output": "out", "package": "p_client", "lenient": True})
    assert (config.spec, config.output, config.package, config.lenient) == (work / "other.yaml", work / "out", "p_client", True)
    assert config.lock_path == work / "out" / LOCK_NAME  # a spec from the command line: the lock goes with the output
    with pytest.raises(SpecError) as info:
        project_config(pyproject, table, {"package": "class"})
    assert str(info.value) == "--package: package 'class' is not a valid Python package name (letters, digits and '_')"


def test_adhoc_mode_keeps_everything_inside_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    config = adhoc_config("spec.yaml", "out", None)
    assert (config.mode, config.spec, config.output, config.package, config.lock_path) == ("adhoc", tmp_path / "spec.yaml", tmp_path / "out", "", tmp_path / "out" / LOCK_NAME)
    with pytest.raises(SpecError) as info:
        adhoc_config("spec.yaml", None, None)
    assert str(info.value).startswith("--output: an ad-hoc run (--spec without a [tool.generator] config) needs --output DIR")


@pytest.mark.parametrize(
    ("title", "package"),
    [
        ("Pet Store", "pet_store_client"),
        ("API Explorer", "api_explorer_client"),
        ("Billing Client", "billing_client"),
        ("2Fast API", "api_2_fast_api_client"),
        ("Ωmega Σervice", "mega_ervice_client"),
        ("", "api_client"),
        ("Résumé parser v2.1", "resume_parser_v2_1_client"),
        ("x" * 200, "x" * 60),
    ],
)
def test_package_name_from_the_title(title: str, package: str) -> None:
    found = package_from_title(title)
    assert found == package
    assert check_package(found, "spec.json") == found  # always usable


@pytest.mark.parametrize("name", ["httpx", "httpcore", "h11", "anyio", "sniffio", "idna", "certifi", "typing_extensions", "json", "typing", "os", "asyncio", "generator"])
def test_names_that_would_shadow_a_module_are_refused(name: str) -> None:
    with pytest.raises(SpecError, match="would shadow the module of that name"):
        check_package(name, "--package")


@pytest.mark.parametrize("name", ["my-client", "class", "_private", "1abc", "naïve", ""])
def test_names_that_are_not_packages_are_refused(name: str) -> None:
    with pytest.raises(SpecError, match="is not a valid Python package name"):
        check_package(name, "--package")


def test_the_fingerprint_covers_what_shapes_the_output_only(tmp_path: Path) -> None:
    base = config_of(tmp_path, '[tool.generator]\nspec = "api.json"\npackage = "a_client"\n')
    same = config_of(tmp_path, '[tool.generator]\nspec = "elsewhere/api.json"\noutput = "other"\npackage = "a_client"\nsource_url = "https://x.example/api.json"\ninclude_tags = []\n')
    assert base.fingerprint() == same.fingerprint()  # paths on this machine and the source do not shape the output
    for line in ('include_tags = ["x"]', 'api_key_env = "K"', "lenient = true", "[tool.generator.retries]\nmax_retries = 0"):
        other = config_of(tmp_path, '[tool.generator]\nspec = "api.json"\npackage = "a_client"\n' + line + "\n")
        assert other.fingerprint() != base.fingerprint(), line


# --------------------------------------------------------------- tables that must fit the spec


def build(config: Config, doc: dict[str, Any] | None = None) -> Any:
    return build_api(copy.deepcopy(doc or JOBS), "specs/jobs.json", config, "0" * 64, None)


@pytest.mark.parametrize(
    ("replace", "message"),
    [
        (('[tool.generator.rate_limits.create]\noperations = ["createJob"]', '[tool.generator.rate_limits.create]\noperations = ["createjob"]'), "[tool.generator.rate_limits.create].operations: the spec has no operation 'createjob'"),
        (('idempotent_operations = ["createJob"]', 'idempotent_operations = ["nope"]'), "[tool.generator.retries].idempotent_operations: the spec has no operation 'nope'"),
        (('idempotent_operations = ["createJob"]', 'non_idempotent_operations = ["nope"]'), "[tool.generator.retries].non_idempotent_operations: the spec has no operation 'nope'"),
        (('operation = "getJob"', 'operation = "getJobs"'), "[tool.generator.waiters.wait_for_job].operation: the spec has no operation 'getJobs'"),
        (('field = "phase"', 'field = "stage"'), "[tool.generator.waiters.wait_for_job].field: the response of getJob has no field 'stage' (it has: code, id, phase, reason)"),
        (('error_fields = ["reason", "code"]', 'error_fields = ["reason", "why"]'), "[tool.generator.waiters.wait_for_job].error_fields: the response of getJob has no field 'why'"),
        (('operation = "getJob"', 'operation = "ping"'), "[tool.generator.waiters.wait_for_job]: ping must return an object (a model)"),
    ],
)
def test_tables_that_do_not_fit_the_spec_are_refused(tmp_path: Path, replace: tuple[str, str], message: str) -> None:
    assert replace[0] in JOBS_CONFIG
    config = config_of(tmp_path, JOBS_CONFIG.replace(*replace))
    with pytest.raises(SpecError) as info:
        build(config)
    assert message in str(info.value), str(info.value)
    assert str(info.value).startswith(str(tmp_path / "pyproject.toml"))


def test_under_lenient_an_operation_the_spec_lacks_is_a_note(tmp_path: Path) -> None:
    config = config_of(tmp_path, JOBS_CONFIG.replace('\noperations = ["createJob"]', '\noperations = ["createJob", "gone"]').replace("[tool.generator.retries]", "lenient = true\n\n[tool.generator.retries]"))
    api = build(config)
    assert "[tool.generator.rate_limits.create].operations: the spec has no operation 'gone' (ignored: lenient)" in api.notes
    assert [limit.name for limit in api.rate_limits] == ["create"]


def test_tables_naming_operations_the_selection_leaves_out_are_notes(tmp_path: Path) -> None:
    config = config_of(tmp_path, JOBS_CONFIG.replace('package = "jobs_client"', 'package = "jobs_client"\nexclude_operations = ["createJob", "getJob"]'))
    api = build(config)
    assert "rate limit 'create': none of its operations is generated" in api.notes
    assert "waiter 'wait_for_job': its operation 'getJob' is not generated" in api.notes
    assert api.rate_limits == ()
    assert [op.name for op in api.operations] == ["ping"]


def test_an_operation_never_repeated_reaches_the_ir(tmp_path: Path) -> None:
    api = build(config_of(tmp_path, JOBS_CONFIG.replace('idempotent_operations = ["createJob"]', 'non_idempotent_operations = ["createJob"]')))
    ops = {op.operation_id: op for op in api.operations}
    assert (ops["createJob"].idempotent, ops["getJob"].idempotent) == (False, None)


def test_the_tables_reach_the_ir(tmp_path: Path) -> None:
    api = build(config_of(tmp_path, JOBS_CONFIG))
    ops = {op.operation_id: op for op in api.operations}
    assert (ops["createJob"].idempotent, ops["createJob"].limits) == (True, ("create",))
    assert (ops["getJob"].idempotent, ops["getJob"].limits) == (None, ())
    [resource] = api.resources
    assert [w.name for w in resource.waiters] == ["wait_for_job"]
    assert "WaitForJobError" in [e.name for e in api.errors]
