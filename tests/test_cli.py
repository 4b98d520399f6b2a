"""The command line, run as a user runs it: a fresh ``python -m generator`` process each time.

Nothing here calls the generator's internals. Every test checks the exit status,
what is printed, and what is (or is not) on disk afterwards.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import CORPUS, PYTHON, ROOT, SPEC, run_cli, tree_bytes

PACKAGE = "instantly_client"
SPEC_NAME = "specs/api_v2.json"
MICROSOFT_INIT = "#/paths/~1api~1v2~1oauth~1microsoft~1init/post"
SESSION_STATUS = "#/paths/~1api~1v2~1oauth~1session~1status~1{sessionId}/get"
STATUS_SCHEMA = ["paths", "/api/v2/oauth/session/status/{sessionId}", "get", "responses", "200", "content", "application/json", "schema"]
PYPROJECT = '[tool.generator]\nspec = "specs/api_v2.json"\noutput = "generated"\npackage = "instantly_client"\n'
STALE = "generated/instantly_client is stale: run `python -m generator generate`\n"

Json = dict[str, Any]


# ------------------------------------------------------------------ helpers


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache folder for this module only (the user's ~/.cache is left alone)."""
    return tmp_path_factory.mktemp("generator-cache")


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory, cache_dir: Path) -> Path:
    """This project's spec and config in a temporary folder, generated once per module."""
    root = tmp_path_factory.mktemp("base")
    (root / "specs").mkdir()
    (root / SPEC_NAME).write_bytes(SPEC.read_bytes())
    (root / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    result = run_cli("generate", cwd=root, env={"OPENAPI_TYPED_GEN_CACHE": str(cache_dir)})
    assert result.returncode == 0, result.stderr
    return root


@pytest.fixture
def project(base: Path, tmp_path: Path) -> Path:
    """A private copy of ``base`` (copying is much faster than generating)."""
    target = tmp_path / "project"
    shutil.copytree(base, target)
    return target


@pytest.fixture
def cli(cache_dir: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    def run(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return run_cli(*args, cwd=cwd, env={"OPENAPI_TYPED_GEN_CACHE": str(cache_dir), **(env or {})})

    return run


def load_spec(project: Path) -> Json:
    doc: Json = json.loads((project / SPEC_NAME).read_text(encoding="utf-8"))
    return doc


def save_spec(project: Path, doc: Json) -> None:
    (project / SPEC_NAME).write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def node(doc: Json, path: list[str]) -> Any:
    for key in path:
        doc = doc[key]
    return doc


def snapshot(root: Path) -> dict[str, bytes | None]:
    """Every file (bytes) and folder (None) under root: proves nothing was written, moved or left behind."""
    return {p.relative_to(root).as_posix(): (p.read_bytes() if p.is_file() else None) for p in sorted(root.rglob("*")) if "__pycache__" not in p.parts}


def stats(root: Path) -> dict[str, tuple[int, int]]:
    """(inode, st_mtime_ns) of every file and folder under root, root included."""
    return {p.relative_to(root).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns) for p in [root, *sorted(root.rglob("*"))] if "__pycache__" not in p.parts}


def error_lines(stderr: str) -> list[str]:
    lines = stderr.splitlines()
    assert lines, "nothing on stderr"
    for line in lines:
        assert line.startswith("error: "), line
    return lines


def location(line: str) -> str:
    """``file#/pointer`` of one ``error: file#/pointer: message`` line."""
    return line.removeprefix("error: ").split(": ", 1)[0]


def diff_headers(stdout: str) -> list[str]:
    return [line for line in stdout.splitlines() if line.startswith(("--- ", "+++ "))]


# ------------------------------------------------------------------ 1. bad input


def _missing_spec(project: Path) -> list[str]:
    return ["--spec", "specs/nope.json"]


def _folder_spec(project: Path) -> list[str]:
    return ["--spec", "specs"]


def _invalid_json(project: Path) -> list[str]:
    (project / SPEC_NAME).write_text('{\n  "openapi": "3.1.0",\n  "info": ,\n  "paths": {}\n}\n', encoding="utf-8")
    return []


def _invalid_yaml(project: Path) -> list[str]:
    (project / "specs" / "api.yaml").write_text("openapi: 3.1.0\ninfo: [unclosed\npaths: {}\n", encoding="utf-8")
    return ["--spec", "specs/api.yaml"]


def _json_array(project: Path) -> list[str]:
    (project / SPEC_NAME).write_text("[1, 2]\n", encoding="utf-8")
    return []


def _no_429_description(project: Path) -> list[str]:
    doc = load_spec(project)
    del doc["paths"]["/api/v2/oauth/microsoft/init"]["post"]["responses"]["429"]["description"]
    save_spec(project, doc)
    return []


def _optional_path_parameter(project: Path) -> list[str]:
    doc = load_spec(project)
    doc["paths"]["/api/v2/oauth/session/status/{sessionId}"]["get"]["parameters"][0]["required"] = False
    save_spec(project, doc)
    return []


def _two_problems(project: Path) -> list[str]:
    _no_429_description(project)
    return _optional_path_parameter(project)


def _dangling_ref(project: Path) -> list[str]:
    doc = load_spec(project)
    node(doc, STATUS_SCHEMA[:-1])["schema"] = {"$ref": "#/components/schemas/Missing"}
    save_spec(project, doc)
    return []


def _dangling_ref_in_property_named_value(project: Path) -> list[str]:
    # "value" is also the data field of an Example object: a property of that name is still a schema.
    doc = load_spec(project)
    node(doc, STATUS_SCHEMA)["properties"]["value"] = {"$ref": "#/components/schemas/Missing"}
    save_spec(project, doc)
    return []


def _dangling_ref_as_default_response(project: Path) -> list[str]:
    # "default" is also a schema's data field: as a response code it is an OpenAPI object.
    doc = load_spec(project)
    doc["paths"]["/api/v2/oauth/microsoft/init"]["post"]["responses"]["default"] = {"$ref": "#/components/responses/Missing"}
    save_spec(project, doc)
    return []


def _openapi_4(project: Path) -> list[str]:
    doc = load_spec(project)
    doc["openapi"] = "4.0.0"
    save_spec(project, doc)
    return []


def _yaml_duplicate_keys(project: Path) -> list[str]:
    text = 'openapi: 3.1.0\ninfo:\n  title: A\n  version: "1"\ninfo:\n  title: B\n  version: "2"\npaths: {}\n'
    (project / "specs" / "dup.yaml").write_text(text, encoding="utf-8")
    return ["--spec", "specs/dup.yaml"]


def _not_utf8(project: Path) -> list[str]:
    raw = (project / SPEC_NAME).read_bytes()
    (project / SPEC_NAME).write_bytes(raw.replace(b'"title": "API Explorer"', b'"title": "API \xff Explorer"', 1))
    return []


def _pyproject_invalid_toml(project: Path) -> list[str]:
    (project / "pyproject.toml").write_text(PYPROJECT.replace('output = "generated"', "output = generated"), encoding="utf-8")
    return []


def _pyproject_unknown_key(project: Path) -> list[str]:
    (project / "pyproject.toml").write_text(PYPROJECT + 'colour = "blue"\n', encoding="utf-8")
    return []


def _pyproject_wrong_type(project: Path) -> list[str]:
    (project / "pyproject.toml").write_text(PYPROJECT.replace('spec = "specs/api_v2.json"', "spec = 5"), encoding="utf-8")
    return []


def _pyproject_bad_package(project: Path) -> list[str]:
    (project / "pyproject.toml").write_text(PYPROJECT.replace('package = "instantly_client"', 'package = "instantly-client"'), encoding="utf-8")
    return []


def _keyword_package(project: Path) -> list[str]:
    return ["--package", "class"]


def _missing_config(project: Path) -> list[str]:
    return ["--config", "other.toml"]


# (setup, expected (location, fragment of the message) per line, in order)
BAD_INPUT: dict[str, tuple[Callable[[Path], list[str]], list[tuple[str, str]]]] = {
    "missing-spec": (_missing_spec, [("specs/nope.json", "no such file")]),
    "folder-not-file": (_folder_spec, [("specs", "is a folder, not a file")]),
    "invalid-json": (_invalid_json, [(SPEC_NAME, "invalid JSON at line 3 column 11: Expecting value")]),
    "invalid-yaml": (_invalid_yaml, [("specs/api.yaml", "invalid YAML at line 3 column 6")]),
    "json-array": (_json_array, [(SPEC_NAME + "#", "not an object")]),
    "validator-429-description": (_no_429_description, [(SPEC_NAME + MICROSOFT_INIT + "/responses/429", "'description' is a required property")]),
    "path-parameter-not-required": (_optional_path_parameter, [(SPEC_NAME + SESSION_STATUS + "/parameters/0/required", "True was expected")]),
    "two-problems": (
        _two_problems,
        [
            (SPEC_NAME + MICROSOFT_INIT + "/responses/429", "'description' is a required property"),
            (SPEC_NAME + SESSION_STATUS + "/parameters/0/required", "True was expected"),
        ],
    ),
    "dangling-ref": (_dangling_ref, [(SPEC_NAME + SESSION_STATUS + "/responses/200/content/application~1json/schema/$ref", "'#/components/schemas/Missing'")]),
    "dangling-ref-property-value": (
        _dangling_ref_in_property_named_value,
        [(SPEC_NAME + SESSION_STATUS + "/responses/200/content/application~1json/schema/properties/value/$ref", "'#/components/schemas/Missing'")],
    ),
    "dangling-ref-default-response": (_dangling_ref_as_default_response, [(SPEC_NAME + MICROSOFT_INIT + "/responses/default/$ref", "'#/components/responses/Missing'")]),
    "openapi-4": (_openapi_4, [(SPEC_NAME + "#/openapi", "OpenAPI 4.0.0 is not supported")]),
    "yaml-duplicate-key": (_yaml_duplicate_keys, [("specs/dup.yaml#", "duplicate key 'info' at line 5 column 1")]),
    "not-utf8": (_not_utf8, [(SPEC_NAME, "not UTF-8")]),
    "pyproject-invalid-toml": (_pyproject_invalid_toml, [("pyproject.toml", "invalid TOML")]),
    "pyproject-unknown-key": (_pyproject_unknown_key, [("pyproject.toml", "[tool.generator].colour: unknown key")]),
    "pyproject-wrong-type": (_pyproject_wrong_type, [("pyproject.toml", "[tool.generator].spec: expected a str")]),
    "pyproject-bad-package": (_pyproject_bad_package, [("pyproject.toml", "package 'instantly-client' is not a valid Python package name")]),
    "keyword-package": (_keyword_package, [("--package", "package 'class' is not a valid Python package name")]),
    "missing-config": (_missing_config, [("other.toml", "no such file")]),
}


def assert_rejected(result: subprocess.CompletedProcess[str], expected: list[tuple[str, str]]) -> list[str]:
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    lines = error_lines(result.stderr)
    assert [location(line) for line in lines] == [where for where, _ in expected], result.stderr
    for line, (_, fragment) in zip(lines, expected, strict=True):
        assert fragment in line, line
    return lines


# check reads its input the same way as generate: a sample of the cases is enough.
BAD_INPUT_RUNS = [("generate", case) for case in sorted(BAD_INPUT)] + [("check", case) for case in ("invalid-json", "two-problems", "pyproject-unknown-key")]


@pytest.mark.parametrize(("command", "case"), BAD_INPUT_RUNS, ids=[f"{command}-{case}" for command, case in BAD_INPUT_RUNS])
def test_bad_input_exits_2_with_one_line_per_problem_and_writes_nothing(
    command: str, case: str, project: Path, cli: Callable[..., subprocess.CompletedProcess[str]]
) -> None:
    setup, expected = BAD_INPUT[case]
    args = setup(project)
    generated_before = tree_bytes(project / "generated")
    before = snapshot(project)
    result = cli(command, *args, cwd=project)
    lines = assert_rejected(result, expected)
    assert tree_bytes(project / "generated") == generated_before
    assert snapshot(project) == before  # the spec, the config, and no new files or folders anywhere
    if case == "not-utf8":
        offset = (project / SPEC_NAME).read_bytes().index(b"\xff")
        assert lines[0].endswith(f"(byte {offset})"), lines[0]
    if case == "pyproject-invalid-toml":
        assert "line 3" in lines[0], lines[0]


def test_swagger_2_is_refused(project: Path, cli: Callable[..., subprocess.CompletedProcess[str]]) -> None:
    swagger = CORPUS / "specs" / "swagger2_oai_uber.json"
    original = swagger.read_bytes()
    before = snapshot(project)
    result = cli("generate", "--spec", str(swagger), cwd=project)
    [line] = assert_rejected(result, [(f"{swagger}#/swagger", "Swagger 2.0 is not supported")])
    assert "OpenAPI 3" in line
    assert snapshot(project) == before
    assert swagger.read_bytes() == original


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    server.setblocking(False)
    try:
        yield server
    finally:
        server.close()


@pytest.mark.parametrize("form", ["{url}", "{url}#/components/schemas/Pet"])
def test_remote_ref_is_an_error_and_nothing_connects(
    form: str, project: Path, listener: socket.socket, cli: Callable[..., subprocess.CompletedProcess[str]]
) -> None:
    port = listener.getsockname()[1]
    ref = form.format(url=f"http://127.0.0.1:{port}/x.json")
    doc = load_spec(project)
    node(doc, STATUS_SCHEMA[:-1])["schema"] = {"$ref": ref}
    save_spec(project, doc)
    before = snapshot(project)
    result = cli("generate", cwd=project)
    assert_rejected(result, [(SPEC_NAME + SESSION_STATUS + "/responses/200/content/application~1json/schema/$ref", repr(ref))])
    assert snapshot(project) == before
    # A connect() completes in the kernel's backlog even if never accepted: accept() would return it.
    with pytest.raises(BlockingIOError):
        listener.accept()


# ------------------------------------------------------------------ 2. check


def test_check_up_to_date_exits_0_and_touches_nothing(project: Path, cli: Callable[..., subprocess.CompletedProcess[str]]) -> None:
    before, times = snapshot(project), stats(project)
    result = cli("check", cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == "generated/instantly_client is up to date\n"
    assert result.stderr == ""
    assert snapshot(project) == before
    assert stats(project) == times


def test_check_reports_a_hand_edit_as_a_diff_and_keeps_it(project: Path, cli: Callable[..., subprocess.CompletedProcess[str]]) -> None:
    rel = "models/get_oauth_session_status_response.py"
    path = project / "generated" / PACKAGE / rel
    edited = path.read_bytes() + b"# edited by hand\n"
    path.write_bytes(edited)
    before = snapshot(project)
    result = cli("check", cwd=project)
    assert result.returncode == 1, result.stdout + result.stderr
    assert diff_headers(result.stdout) == [f"--- a/{PACKAGE}/{rel}", f"+++ b/{PACKAGE}/{rel}"]
    assert "\n-# edited by hand\n" in result.stdout
    assert [line for line in result.stdout.splitlines() if line.startswith(("+", "-")) and line[:3] not in ("+++", "---")] == ["-# edited by hand"]
    assert result.stderr.endswith(STALE)
    assert "Traceback" not in result.stderr
    assert path.read_bytes() == edited
    assert snapshot(project) == before


def test_check_reports_a_stray_file(project: Path, cli: Callable[..., subprocess.CompletedProcess[str]]) -> None:
    stray = project / "generated" / PACKAGE / "models" / "stray.py"
    stray.write_text("x = 1\n", encoding="utf-8")
    before = snapshot(project)
    result = cli("check", cwd=project)
    assert result.returncode == 1, result.stdout + result.stderr
    assert diff_headers(result.stdout) == [f"--- a/{PACKAGE}/models/stray.py", "+++ /dev/null"]
    assert "\n-x = 1\n" in result.stdout
    assert result.stderr.endswith(STALE)
    assert "Traceback" not in result.stderr
    assert snapshot(project) == before


def test_check_notices_a_changed_spec(project: Path, cli: Callable[..., subprocess.CompletedProcess[str]]) -> None:
    doc = load_spec(project)
    node(doc, STATUS_SCHEMA)["properties"]["scope"] = {"type": "string", "description": "Granted scope"}
    save_spec(project, doc)
    before = snapshot(project)
    result = cli("check", cwd=project)
    assert result.returncode == 1, result.stdout + result.stderr
    headers = diff_headers(result.stdout)
    assert f"+++ b/{PACKAGE}/models/get_oauth_session_status_response.py" in headers
    assert f"+++ b/{PACKAGE}/_meta.py" in headers  # the spec hash
    assert any(line.startswith("+") and "scope: str | Unset = UNSET" in line for line in result.stdout.splitlines())
    assert result.stderr.endswith(STALE)
    assert "Traceback" not in result.stderr
    assert snapshot(project) == before


def test_check_never_creates_a_missing_output_folder(project: Path, cli: Callable[..., subprocess.CompletedProcess[str]]) -> None:
    shutil.rmtree(project / "generated")
    before = snapshot(project)
    result = cli("check", cwd=project)
    assert result.returncode == 1, result.stdout + result.stderr
    headers = diff_headers(result.stdout)
    assert headers[:2] == ["--- /dev/null", f"+++ b/{PACKAGE}/README.md"]
    assert all(h == "--- /dev/null" for h in headers[::2])
    assert not (project / "generated").exists()
    assert snapshot(project) == before


# ------------------------------------------------------------------ 3. atomic writes


def _break_python(template: str) -> str:
    assert "class {{ model.name }}(ModelBase):" in template
    return template.replace("class {{ model.name }}(ModelBase):", "class {{ model.name }}(ModelBase:", 1)


def _break_jinja(template: str) -> str:
    assert "{% for f in model.fields %}" in template
    return template.replace("{% for f in model.fields %}", "{% for f in model.fields", 1)


@pytest.mark.parametrize(
    ("breaker", "pattern"),
    [
        (_break_python, r"error: models/get_oauth_session_status_response\.py:(\d+): generated code does not parse: "),
        (_break_jinja, r"error: models/\w+\.py: template models/model\.py\.jinja failed: \S*model\.py\.jinja:(\d+): "),
    ],
    ids=["invalid-python", "invalid-jinja"],
)
def test_a_failing_run_leaves_the_previous_package_intact(
    breaker: Callable[[str], str], pattern: str, project: Path, cli: Callable[..., subprocess.CompletedProcess[str]]
) -> None:
    templates = project / "my_templates" / "models"
    templates.mkdir(parents=True)
    (templates / "model.py.jinja").write_text(breaker((ROOT / "templates" / "models" / "model.py.jinja").read_text(encoding="utf-8")), encoding="utf-8")
    generated, before, times = tree_bytes(project / "generated"), snapshot(project), stats(project / "generated")
    result = cli("generate", "--templates", "my_templates", cwd=project)
    assert result.returncode == 3, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    match = re.match(pattern, line)
    assert match, line
    assert int(match.group(1)) > 1
    assert tree_bytes(project / "generated") == generated
    assert snapshot(project) == before
    assert stats(project / "generated") == times


def test_a_large_package_that_fails_to_format_reports_the_first_file_and_writes_nothing(tmp_path: Path, cli: Callable[..., subprocess.CompletedProcess[str]]) -> None:
    """45 operations and models: the files go to black's worker processes as they render."""
    def ok(i: int) -> Json:  # a distinct schema each: identical inline schemas share one model
        return {"description": "ok", "content": {"application/json": {"schema": {"type": "object", "properties": {f"n{i}": {"type": "integer"}}}}}}

    paths = {f"/things{i:02d}": {"get": {"operationId": f"getThing{i:02d}", "tags": [f"group{i % 3}"], "responses": {"200": ok(i)}}} for i in range(45)}
    (tmp_path / "big.json").write_text(json.dumps({"openapi": "3.0.3", "info": {"title": "Big", "version": "1"}, "paths": paths}), encoding="utf-8")
    templates = tmp_path / "broken" / "models"
    templates.mkdir(parents=True)
    (templates / "model.py.jinja").write_text(_break_python((ROOT / "templates" / "models" / "model.py.jinja").read_text(encoding="utf-8")), encoding="utf-8")
    good = cli("generate", "--spec", "big.json", "--output", "good", "--package", "big", "--no-lock", cwd=tmp_path)
    assert good.returncode == 0, good.stderr
    assert len(list((tmp_path / "good" / "big" / "models").glob("get_thing*_response.py"))) == 45
    result = cli("generate", "--spec", "big.json", "--output", "out", "--package", "big", "--no-lock", "--templates", "broken", cwd=tmp_path)
    assert result.returncode == 3, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    [line] = result.stderr.splitlines()
    assert re.match(r"error: models/get_thing00_response\.py:\d+: generated code does not parse: ", line), line
    assert not (tmp_path / "out").exists()


def test_sigkill_at_random_moments_leaves_the_old_or_the_new_package(project: Path, cli: Callable[..., subprocess.CompletedProcess[str]], cache_dir: Path) -> None:
    seed = random.randrange(2**32)
    rng = random.Random(seed)
    out = project / "generated"
    package = out / PACKAGE
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OPENAPI_TYPED_GEN_CACHE": str(cache_dir)}
    command = [PYTHON, "-m", "generator", "generate", "-q"]

    def change_spec(run: int) -> None:
        doc = load_spec(project)
        node(doc, STATUS_SCHEMA)["properties"][f"extra_{run}"] = {"type": "integer", "description": f"Run {run}"}
        save_spec(project, doc)  # every run has something new to write

    # One complete run first: its length scales the random moments below.
    change_spec(0)
    started = time.monotonic()
    assert subprocess.run(command, cwd=project, env=env, capture_output=True, timeout=120).returncode == 0
    duration = time.monotonic() - started
    current = tree_bytes(package)
    outcomes: list[str] = []
    for run in range(1, 9):
        change_spec(run)
        hidden = {p.name for p in out.iterdir()}
        proc = subprocess.Popen(command, cwd=project, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if run % 2:
            # Anywhere in the run: loading, building, formatting, writing, or already done.
            delay = rng.uniform(0, 1.1 * duration)
            time.sleep(delay)
            moment = f"{delay:.3f}s in"
        else:
            # While it writes: once its staging folder appears, plus up to 5 ms.
            while proc.poll() is None and not {p.name for p in out.iterdir()} - hidden:
                time.sleep(0.0005)
            delay = rng.uniform(0, 0.005)
            time.sleep(delay)
            moment = f"{delay * 1000:.1f}ms after the staging folder appeared"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        context = f"seed {seed}, run {run}, killed {moment}"
        seen = tree_bytes(package)
        if seen == current:
            outcomes.append("old")
        else:
            # Not the old tree, so it must be exactly what generate writes for the new spec.
            check = cli("check", "-q", cwd=project)  # -q: only a diff goes to stdout
            assert check.stdout == "", f"{context}: neither the old nor the new package:\n{check.stdout[-3000:]}"
            outcomes.append("new")
            current = seen
        assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == [PACKAGE, "pyproject.toml"], context
        # kill -9 leaves no chance to clean up: a hidden staging folder may remain, never a visible one.
        leftovers = [p.name for p in out.iterdir() if p.name.startswith(".")]
        assert all(name.startswith((f".{PACKAGE}.new-", f".{PACKAGE}.old-")) for name in leftovers), (context, leftovers)
    print(f"seed {seed}: run {duration:.2f}s, outcomes {outcomes}, hidden staging folders left: {len(list(out.glob('.*')))}")
    # The package is still whole: a clean run brings it up to date and check agrees.
    assert cli("generate", cwd=project).returncode == 0
    final = cli("check", cwd=project)
    assert final.returncode == 0, final.stdout[-3000:] + final.stderr


# ------------------------------------------------------------------ 4. determinism


ENVIRONMENTS = {
    "seed-0": {"PYTHONHASHSEED": "0"},
    "seed-1": {"PYTHONHASHSEED": "1"},
    "seed-12345": {"PYTHONHASHSEED": "12345"},
    "lc-all-c": {"LC_ALL": "C", "PYTHONHASHSEED": "7"},
    "lc-all-c-uncoerced": {"LC_ALL": "C", "PYTHONCOERCECLOCALE": "0", "PYTHONUTF8": "0"},
    "lc-all-c-utf8": {"LC_ALL": "C.UTF-8", "PYTHONHASHSEED": "8"},
}


def test_output_does_not_depend_on_hash_seed_or_locale(project: Path, tmp_path: Path, cli: Callable[..., subprocess.CompletedProcess[str]]) -> None:
    # The runs follow each other so that they all see the same templates and generator.
    # A fresh black cache: the reference run formats everything; black's output is
    # cached by its input, so a run whose rendering differed would still show up.
    cache = tmp_path / "cache"
    trees: dict[str, dict[str, bytes]] = {}
    for name, env in {"reference": {}, **ENVIRONMENTS}.items():
        result = cli("generate", "--output", f"out-{name}", cwd=project, env={**env, "OPENAPI_TYPED_GEN_CACHE": str(cache)})
        assert result.returncode == 0, (name, result.stderr)
        trees[name] = tree_bytes(project / f"out-{name}" / PACKAGE)
    reference = trees.pop("reference")
    assert len(reference) > 10
    assert [name for name, tree in trees.items() if tree != reference] == []


def test_output_does_not_depend_on_the_working_folder(project: Path, tmp_path: Path, cli: Callable[..., subprocess.CompletedProcess[str]]) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out = tmp_path / "out"
    result = cli("generate", "--config", str(project / "pyproject.toml"), "--spec", str(project / SPEC_NAME), "--output", str(out), cwd=elsewhere, env={"PYTHONHASHSEED": "3"})
    assert result.returncode == 0, result.stderr
    assert tree_bytes(out / PACKAGE) == tree_bytes(project / "generated" / PACKAGE)
    assert list(elsewhere.iterdir()) == []


def test_a_yaml_copy_generates_the_same_package(project: Path, cli: Callable[..., subprocess.CompletedProcess[str]]) -> None:
    doc = load_spec(project)
    yaml_path = project / "specs" / "api_v2.yaml"
    yaml_path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=4096), encoding="utf-8")
    assert yaml.safe_load(yaml_path.read_text(encoding="utf-8")) == doc
    result = cli("generate", "--spec", "specs/api_v2.yaml", "--output", "from_yaml", cwd=project)
    assert result.returncode == 0, result.stderr
    from_json = tree_bytes(project / "generated" / PACKAGE)
    from_yaml = tree_bytes(project / "from_yaml" / PACKAGE)
    assert sorted(from_yaml) == sorted(from_json)
    assert {k: v for k, v in from_yaml.items() if k != "_meta.py"} == {k: v for k, v in from_json.items() if k != "_meta.py"}
    # _meta.py records the sha256 of the exact spec file it was generated from: only that differs.
    json_hash = hashlib.sha256((project / SPEC_NAME).read_bytes()).hexdigest()
    yaml_hash = hashlib.sha256(yaml_path.read_bytes()).hexdigest()
    assert from_json["_meta.py"].count(json_hash.encode()) == 1
    assert from_yaml["_meta.py"] == from_json["_meta.py"].replace(json_hash.encode(), yaml_hash.encode())


# ------------------------------------------------------------------ 5. overrides and filters


def test_command_line_overrides_spec_output_and_package(project: Path, tmp_path: Path, cli: Callable[..., subprocess.CompletedProcess[str]]) -> None:
    (project / "pyproject.toml").write_text(PYPROJECT.replace(SPEC_NAME, "specs/missing.json"), encoding="utf-8")
    generated = snapshot(project / "generated")
    result = cli("generate", "--spec", SPEC_NAME, "--output", "build", "--package", "petstore_client", cwd=project)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("build/petstore_client: ")
    assert sorted(p.name for p in (project / "build").iterdir()) == ["petstore_client", "pyproject.toml"]
    built = tree_bytes(project / "build" / "petstore_client")
    assert sorted(built) == sorted(tree_bytes(project / "generated" / PACKAGE))
    assert not [rel for rel, data in built.items() if b"instantly_client" in data]
    assert snapshot(project / "generated") == generated
    # -I: only the output folder (added by hand) and the virtualenv are importable.
    code = "import sys\nsys.path.insert(0, '.')\nimport petstore_client as p\nc = p.Client(api_key='k')\nprint(type(c).__module__, type(c).__name__)\nc.close()\n"
    imported = subprocess.run([PYTHON, "-I", "-c", code], cwd=project / "build", capture_output=True, text=True, timeout=60)
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout == "petstore_client._client Client\n"


def _public_methods(source: bytes) -> dict[str, set[str]]:
    """Per class, its operation methods: ``def``s, and the async ones made with ``async_form(...)``."""

    def made(node: ast.stmt) -> set[str]:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return {node.name}
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and getattr(node.value.func, "id", "") == "async_form":
            return {t.id for t in node.targets if isinstance(t, ast.Name)}
        return set()

    tree = ast.parse(source)
    return {
        cls.name: {name for node in cls.body for name in made(node) if not name.startswith("_")}
        for cls in tree.body
        if isinstance(cls, ast.ClassDef)
    }


def test_include_operations_keeps_only_that_operation(project: Path, cli: Callable[..., subprocess.CompletedProcess[str]]) -> None:
    (project / "pyproject.toml").write_text(PYPROJECT.replace('"generated"', '"filtered"') + 'include_operations = ["getOAuthSessionStatus"]\n', encoding="utf-8")
    result = cli("generate", cwd=project)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("filtered/instantly_client: 1 operations, 1 models, wrote ")
    tree = tree_bytes(project / "filtered" / PACKAGE)
    assert sorted(rel for rel in tree if rel.startswith("resources/")) == ["resources/__init__.py", "resources/oauth.py"]
    assert sorted(rel for rel in tree if rel.startswith("models/")) == ["models/__init__.py", "models/get_oauth_session_status_response.py"]
    assert _public_methods(tree["resources/oauth.py"]) == {"OAuth": {"get_oauth_session_status"}, "AsyncOAuth": {"get_oauth_session_status"}}


def test_exclude_tags_removes_every_resource(project: Path, cli: Callable[..., subprocess.CompletedProcess[str]]) -> None:
    (project / "pyproject.toml").write_text(PYPROJECT.replace('"generated"', '"filtered"') + 'exclude_tags = ["OAuth"]\n', encoding="utf-8")
    result = cli("generate", cwd=project)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("filtered/instantly_client: 0 operations, 0 models, wrote ")
    tree = tree_bytes(project / "filtered" / PACKAGE)
    assert sorted(rel for rel in tree if rel.startswith(("resources/", "models/"))) == ["models/__init__.py", "resources/__init__.py"]
    assert b"oauth" not in tree["_client.py"].lower()


def test_a_regenerated_package_reuses_unchanged_files_but_never_through_a_link(project: Path, cli: Callable[..., subprocess.CompletedProcess[str]]) -> None:
    """After a spec change the package is rebuilt beside the old one; files whose bytes are
    unchanged are hard-linked from it instead of written again, except through a symbolic link."""
    package = project / "generated" / "instantly_client"
    outside = project / "outside-models"
    shutil.copytree(package / "models", outside)
    shutil.rmtree(package / "models")
    (package / "models").symlink_to(outside, target_is_directory=True)  # same bytes, reached through a link
    kept = (package / "_types.py").stat().st_ino
    doc = load_spec(project)
    doc["info"]["title"] = "Changed"  # changes __init__.py and README.md, not _types.py or the models
    save_spec(project, doc)
    result = cli("generate", cwd=project)
    assert result.returncode == 0, result.stderr
    assert (package / "_types.py").stat().st_ino == kept  # unchanged: the same file, linked
    assert not (package / "models").is_symlink()
    for model in outside.iterdir():
        assert model.stat().st_nlink == 1, model  # nothing in the new package shares a file outside it
        assert (package / "models" / model.name).read_bytes() == model.read_bytes()
    assert '"""Changed"""' in (package / "__init__.py").read_text(encoding="utf-8")
    assert run_cli("check", cwd=project).returncode == 0


# ------------------------------------------------------------------ 6. no-op generate


def test_generate_with_nothing_changed_writes_nothing(project: Path, cli: Callable[..., subprocess.CompletedProcess[str]]) -> None:
    time.sleep(0.01)  # a rewrite would show as a newer st_mtime_ns
    before, times = snapshot(project), stats(project)
    result = cli("generate", cwd=project)
    assert result.returncode == 0, result.stderr
    assert re.fullmatch(r"generated/instantly_client: \d+ operations, \d+ models, \d+ files unchanged \(\d+\.\d\ds\)\n", result.stdout), result.stdout
    assert result.stderr == ""
    assert snapshot(project) == before
    assert stats(project) == times


def test_validator_verdict_outranks_a_failed_build(project: Path, cli: Callable[..., subprocess.CompletedProcess[str]], tmp_path: Path) -> None:
    """The validator runs beside the build; a document it refuses is reported as refused even if the build broke first."""
    doc = load_spec(project)
    operation = node(doc, ["paths", "/api/v2/oauth/microsoft/init", "post"])
    operation["responses"]["200"]["content"]["application/json"]["schema"] = 5  # not a schema: the build cannot use it
    save_spec(project, doc)
    before = snapshot(project)
    cold = {"OPENAPI_TYPED_GEN_CACHE": str(tmp_path / "fresh-cache")}  # no cached verdict: validation really runs
    result = cli("generate", cwd=project, env=cold)
    assert result.returncode == 2, result.stderr
    lines = error_lines(result.stderr)
    assert any("5 is not of type 'object', 'boolean'" in line for line in lines), lines
    assert "Traceback" not in result.stderr
    assert snapshot(project) == before
    lenient = cli("generate", "--lenient", "--output", "elsewhere", cwd=project, env=cold)
    assert lenient.returncode == 0, lenient.stderr
    assert "warning: " in lenient.stderr and "5 is not of type 'object', 'boolean'" in lenient.stderr
    assert "init_microsoft_oauth" not in (project / "elsewhere" / "instantly_client" / "resources" / "oauth.py").read_text(encoding="utf-8")
