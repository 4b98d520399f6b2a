"""``generate`` and ``check`` as a user runs them: bad input, project and ad-hoc mode, selection,
determinism, help and exit statuses.

Every test runs ``python -m generator`` in a fresh process and checks the exit status,
what is printed, and what is (or is not) on disk afterwards.
"""

from __future__ import annotations

import os
import pty
import re
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml

from tests.cli.support import (
    MICROSOFT_INIT,
    PACKAGE,
    PYPROJECT,
    SESSION_STATUS,
    SPEC_NAME,
    STATUS_SCHEMA,
    Run,
    diff_headers,
    error_lines,
    load_json,
    location,
    make_project,
    node,
    one_error,
    save_json,
    snapshot,
)
from tests.conftest import CORPUS, PYTHON, ROOT, tree_bytes

SPECS = ROOT / "tests" / "specs"


def edit_spec(project: Path, change: Callable[[dict[str, object]], None]) -> None:
    doc = load_json(project / SPEC_NAME)
    change(doc)
    save_json(project / SPEC_NAME, doc)


# ------------------------------------------------------------------ bad input: exit 2, one line per problem


def _override(spec: str) -> list[str]:
    return ["--config", "pyproject.toml", "--spec", spec]


def _write(rel: str, text: str, args: list[str] | None = None) -> Callable[[Path], list[str]]:
    def setup(project: Path) -> list[str]:
        (project / rel).write_text(text, encoding="utf-8")
        return args or []

    return setup


def _spec_edit(change: Callable[[dict[str, object]], None]) -> Callable[[Path], list[str]]:
    def setup(project: Path) -> list[str]:
        edit_spec(project, change)
        return []

    return setup


def _no_429_description(doc: dict[str, object]) -> None:
    del node(doc, ["paths", "/api/v2/oauth/microsoft/init", "post", "responses", "429"])["description"]


def _optional_path_parameter(doc: dict[str, object]) -> None:
    node(doc, ["paths", "/api/v2/oauth/session/status/{sessionId}", "get", "parameters", 0])["required"] = False


def _two_problems(doc: dict[str, object]) -> None:
    _no_429_description(doc)
    _optional_path_parameter(doc)


def _not_utf8(project: Path) -> list[str]:
    raw = (project / SPEC_NAME).read_bytes()
    (project / SPEC_NAME).write_bytes(raw.replace(b'"title": "API Explorer"', b'"title": "API \xff Explorer"', 1))
    return []


REF_AT = SPEC_NAME + SESSION_STATUS + "/responses/200/content/application~1json/schema"
BAD_INPUT: dict[str, tuple[Callable[[Path], list[str]], list[tuple[str, str]]]] = {
    "missing-spec": (lambda p: _override("specs/nope.json"), [("specs/nope.json", "no such file")]),
    "folder-not-file": (lambda p: _override("specs"), [("specs", "is a folder, not a file")]),
    "invalid-json": (_write(SPEC_NAME, '{\n  "openapi": "3.1.0",\n  "info": ,\n  "paths": {}\n}\n'), [(SPEC_NAME, "invalid JSON at line 3 column 11")]),
    "invalid-yaml": (_write("specs/api.yaml", "openapi: 3.1.0\ninfo: [unclosed\npaths: {}\n", _override("specs/api.yaml")), [("specs/api.yaml", "invalid YAML at line 3 column 6")]),
    "json-array": (_write(SPEC_NAME, "[1, 2]\n"), [(SPEC_NAME + "#", "not an object")]),
    "validator-429-description": (_spec_edit(_no_429_description), [(SPEC_NAME + MICROSOFT_INIT + "/responses/429", "description\" is a required property")]),
    "path-parameter-not-required": (_spec_edit(_optional_path_parameter), [(SPEC_NAME + SESSION_STATUS + "/parameters/0/required", "true was expected")]),
    "two-problems": (
        _spec_edit(_two_problems),
        [(SPEC_NAME + MICROSOFT_INIT + "/responses/429", "description\" is a required property"), (SPEC_NAME + SESSION_STATUS + "/parameters/0/required", "true was expected")],
    ),
    "dangling-ref": (_spec_edit(lambda d: node(d, STATUS_SCHEMA[:-1]).update(schema={"$ref": "#/components/schemas/Missing"})), [(REF_AT + "/$ref", "reference '#/components/schemas/Missing' points to nothing")]),
    # "value" is also the data field of an Example object: a property of that name is still a schema.
    "dangling-ref-property-value": (
        _spec_edit(lambda d: node(d, STATUS_SCHEMA)["properties"].update(value={"$ref": "#/components/schemas/Missing"})),
        [(REF_AT + "/properties/value/$ref", "'#/components/schemas/Missing'")],
    ),
    # "default" is also a schema's data field: as a response code it is an OpenAPI object.
    "dangling-ref-default-response": (
        _spec_edit(lambda d: node(d, ["paths", "/api/v2/oauth/microsoft/init", "post", "responses"]).update(default={"$ref": "#/components/responses/Missing"})),
        [(SPEC_NAME + MICROSOFT_INIT + "/responses/default/$ref", "'#/components/responses/Missing'")],
    ),
    "openapi-4": (_spec_edit(lambda d: d.update(openapi="4.0.0")), [(SPEC_NAME + "#/openapi", "OpenAPI 4.0.0 is not supported")]),
    "yaml-duplicate-key": (_write("specs/dup.yaml", 'openapi: 3.1.0\ninfo:\n  title: A\n  version: "1"\ninfo:\n  title: B\n  version: "2"\npaths: {}\n', _override("specs/dup.yaml")), [("specs/dup.yaml#", "duplicate key 'info' at line 5 column 1")]),
    "json-duplicate-key": (_write("specs/dup.json", '{"openapi": "3.1.0", "info": {"title": "A", "version": "1", "title": "B"}, "paths": {}}', _override("specs/dup.json")), [("specs/dup.json#/info", "duplicate key 'title'")]),
    "not-utf8": (_not_utf8, [(SPEC_NAME, "not UTF-8")]),
    "pyproject-invalid-toml": (_write("pyproject.toml", PYPROJECT.replace('output = "generated"', "output = generated")), [("pyproject.toml", "invalid TOML")]),
    "pyproject-unknown-key": (_write("pyproject.toml", PYPROJECT + 'colour = "blue"\n'), [("pyproject.toml", "[tool.generator].colour: unknown key")]),
    "pyproject-wrong-type": (_write("pyproject.toml", PYPROJECT.replace('spec = "specs/api_v2.json"', "spec = 5")), [("pyproject.toml", "[tool.generator].spec: expected a str")]),
    "pyproject-bad-table": (
        _write("pyproject.toml", PYPROJECT + "\n[tool.generator.rate_limits.oauth]\noperations = [\"initMicrosoftOAuth\"]\nper_process = 2\nper_ip = 2\n"),
        [("pyproject.toml", "[tool.generator.rate_limits.oauth].per_ip: unknown key (known: operations, per_key, per_process, window)")],
    ),
    "pyproject-table-does-not-fit": (
        _write("pyproject.toml", PYPROJECT + "\n[tool.generator.waiters.wait]\noperation = \"getOAuthSessionStatus\"\nfield = \"stage\"\nsuccess = [\"success\"]\n"),
        [("pyproject.toml", "[tool.generator.waiters.wait].field: the response of getOAuthSessionStatus has no field 'stage'")],
    ),
    "pyproject-no-spec": (_write("pyproject.toml", '[tool.generator]\noutput = "generated"\n'), [("pyproject.toml", "[tool.generator].spec is not set")]),
    "pyproject-bad-package": (_write("pyproject.toml", PYPROJECT.replace('package = "instantly_client"', 'package = "instantly-client"')), [("pyproject.toml", "package 'instantly-client' is not a valid Python package name")]),
    "keyword-package": (lambda p: ["--package", "class"], [("--package", "package 'class' is not a valid Python package name")]),
    "missing-config": (lambda p: ["--config", "other.toml"], [("other.toml", "no such file")]),
}


def assert_rejected(done: Run, expected: list[tuple[str, str]]) -> list[str]:
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == ""
    lines = error_lines(done.stderr)
    assert [location(line) for line in lines] == [where for where, _ in expected], done.stderr
    for line, (_, fragment) in zip(lines, expected, strict=True):
        assert fragment in line, line
    return lines


# check reads its input the same way as generate: a sample of the cases is enough.
BAD_INPUT_RUNS = [("generate", case) for case in sorted(BAD_INPUT)] + [("check", case) for case in ("invalid-json", "two-problems", "pyproject-unknown-key")]


@pytest.mark.parametrize(("command", "case"), BAD_INPUT_RUNS, ids=[f"{c}-{k}" for c, k in BAD_INPUT_RUNS])
def test_bad_input_exits_2_with_one_line_per_problem_and_writes_nothing(command: str, case: str, project: Path, run: Callable[..., Run]) -> None:
    setup, expected = BAD_INPUT[case]
    args = setup(project)
    before = snapshot(project)
    lines = assert_rejected(run(command, *args, cwd=project), expected)
    assert snapshot(project) == before  # the spec, the config, the package and the lock, and nothing new
    if case == "not-utf8":
        offset = (project / SPEC_NAME).read_bytes().index(b"\xff")
        assert lines[0].endswith(f"(byte {offset})"), lines[0]
    if case == "pyproject-invalid-toml":
        assert "line 3" in lines[0], lines[0]


def test_swagger_2_is_refused(project: Path, run: Callable[..., Run]) -> None:
    swagger = CORPUS / "specs" / "swagger2_oai_uber.json"
    before = snapshot(project)
    [line] = assert_rejected(run("generate", *_override(str(swagger)), cwd=project), [(f"{swagger}#/swagger", "Swagger '2.0' is not supported")])
    assert "OpenAPI 3" in line
    assert snapshot(project) == before


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
def test_a_remote_ref_is_an_error_and_nothing_connects(form: str, project: Path, listener: socket.socket, run: Callable[..., Run]) -> None:
    ref = form.format(url=f"http://127.0.0.1:{listener.getsockname()[1]}/x.json")
    edit_spec(project, lambda d: node(d, STATUS_SCHEMA[:-1]).update(schema={"$ref": ref}))
    before = snapshot(project)
    assert_rejected(run("generate", cwd=project), [(REF_AT + "/$ref", repr(ref))])
    assert snapshot(project) == before
    with pytest.raises(BlockingIOError):  # a connect() completes in the backlog even if never accepted
        listener.accept()


def test_generate_in_a_folder_without_a_config_says_what_to_do(tmp_path: Path, run: Callable[..., Run]) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "app"\n', encoding="utf-8")  # a pyproject.toml, but no table
    for folder in (tmp_path / "empty", tmp_path):
        folder.mkdir(exist_ok=True)
        before = snapshot(tmp_path)
        for command in ("generate", "check"):
            line = one_error(run(command, cwd=folder))
            assert line.startswith("pyproject.toml: no [tool.generator] table here: run with --spec FILE --output DIR"), line
        assert snapshot(tmp_path) == before


# ------------------------------------------------------------------ failures of the generator itself: exit 3


@pytest.mark.parametrize(
    ("template", "pattern"),
    [
        ("class {{ model.name }}(:\n    pass\n", r"models/\w+\.py:\d+: generated code does not parse: "),
        ("{% for f in model.fields %}\n", r"template models/model\.py\.jinja failed: \S*model\.py\.jinja:\d+: "),
    ],
    ids=["invalid-python", "invalid-jinja"],
)
def test_a_failing_run_exits_3_in_one_line_and_leaves_the_package_as_it_was(template: str, pattern: str, project: Path, run: Callable[..., Run]) -> None:
    (project / "mine" / "models").mkdir(parents=True)
    (project / "mine" / "models" / "model.py.jinja").write_text(template, encoding="utf-8")
    before = snapshot(project)
    done = run("generate", "--templates", "mine", cwd=project)
    assert done.stdout == ""
    line = one_error(done, 3)
    assert re.match(pattern, line), line
    assert snapshot(project) == before


# ------------------------------------------------------------------ ad-hoc mode


def test_adhoc_mode_from_another_folder_writes_only_inside_output(tmp_path: Path, run: Callable[..., Run]) -> None:
    """``--spec`` without ``--config``, run from another folder with the spec inside a project:
    the project's config is ignored and its lock never touched; nothing lands outside --output."""
    project = make_project(tmp_path / "project", (SPECS / "params.yaml").read_bytes(), PYPROJECT.replace(SPEC_NAME, "specs/params.yaml"), "specs/params.yaml")
    assert run("generate", cwd=project).returncode == 0
    assert (project / "specs" / "params.lock.json").is_file()
    work = tmp_path / "work"
    work.mkdir()
    before, around = snapshot(project), sorted(p.name for p in tmp_path.iterdir())
    done = run("generate", "--spec", str(project / "specs" / "params.yaml"), "--output", "out", cwd=work)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("out/parameters_client: 1 operations, "), done.stdout
    assert snapshot(project) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == around
    assert sorted(p.name for p in work.iterdir()) == ["out"]
    assert sorted(p.name for p in (work / "out").iterdir()) == ["openapi-typed-gen.lock.json", "parameters_client", "pyproject.toml"]
    again = run("check", "--spec", str(project / "specs" / "params.yaml"), "--output", "out", cwd=work)
    assert (again.returncode, again.stdout) == (0, "out/parameters_client is up to date\n"), again.stderr
    assert snapshot(project) == before


@pytest.mark.parametrize(("title", "package"), [("Pet Store", "pet_store_client"), ("API Explorer", "api_explorer_client"), ("2Fast API", "api_2_fast_api_client"), ("Billing Client", "billing_client")])
def test_adhoc_package_name_from_the_title(title: str, package: str, tmp_path: Path, run: Callable[..., Run]) -> None:
    doc = {"openapi": "3.1.0", "info": {"title": title, "version": "1"}, "paths": {"/ping": {"get": {"operationId": "ping", "responses": {"204": {"description": "ok"}}}}}}
    save_json(tmp_path / "spec.json", doc)
    done = run("generate", "--spec", "spec.json", "--output", "out", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"out/{package}: 1 operations, "), done.stdout
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted([package, "pyproject.toml", "openapi-typed-gen.lock.json"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "spec.json"]


@pytest.mark.parametrize(("package", "why"), [("httpx", "a dependency of the generated client"), ("json", "standard library"), ("typing_extensions", "a dependency of the generated client"), ("os", "standard library")])
def test_a_package_name_that_would_shadow_a_module_is_refused(package: str, why: str, tmp_path: Path, run: Callable[..., Run]) -> None:
    shutil.copy(SPECS / "params.yaml", tmp_path / "spec.yaml")
    done = run("generate", "--spec", "spec.yaml", "--output", "out", "--package", package, cwd=tmp_path)
    assert one_error(done) == f"--package: package {package!r} would shadow the module of that name ({why}): choose another name"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["spec.yaml"]


def test_adhoc_mode_needs_output(tmp_path: Path, run: Callable[..., Run]) -> None:
    shutil.copy(SPECS / "params.yaml", tmp_path / "spec.yaml")
    line = one_error(run("generate", "--spec", "spec.yaml", cwd=tmp_path))
    assert line.startswith("--output: an ad-hoc run (--spec without a [tool.generator] config) needs --output DIR")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["spec.yaml"]


def test_adhoc_mode_inside_a_project_ignores_its_config_and_lock(project: Path, run: Callable[..., Run]) -> None:
    before = snapshot(project)
    done = run("generate", "--spec", str(SPECS / "params.yaml"), "--output", "elsewhere", cwd=project)
    assert done.returncode == 0, done.stderr
    after = snapshot(project)
    assert {k: v for k, v in after.items() if k != "elsewhere" and not k.startswith("elsewhere/")} == before
    lock = load_json(project / "elsewhere" / "openapi-typed-gen.lock.json")
    assert lock["package"] == "parameters_client" and lock["spec"]["path"].endswith("tests/specs/params.yaml")


# ------------------------------------------------------------------ project mode: overrides and selection


def test_command_line_overrides_spec_output_and_package(project: Path, run: Callable[..., Run]) -> None:
    (project / "pyproject.toml").write_text(PYPROJECT.replace(SPEC_NAME, "specs/missing.json"), encoding="utf-8")
    generated = snapshot(project / "generated")
    done = run("generate", "--config", "pyproject.toml", "--spec", SPEC_NAME, "--output", "build", "--package", "petstore_client", cwd=project)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("build/petstore_client: 3 operations, ")
    assert sorted(p.name for p in (project / "build").iterdir()) == ["openapi-typed-gen.lock.json", "petstore_client", "pyproject.toml"]  # a spec given on the command line: the lock goes with the output
    built = tree_bytes(project / "build" / "petstore_client")
    assert sorted(built) == sorted(tree_bytes(project / "generated" / PACKAGE))
    assert not [rel for rel, data in built.items() if b"instantly_client" in data]
    assert snapshot(project / "generated") == generated
    code = "import sys\nsys.path.insert(0, '.')\nimport petstore_client as p\nprint(p.Client.__module__, p.Client.__name__)\n"
    imported = subprocess.run([PYTHON, "-I", "-c", code], cwd=project / "build", capture_output=True, text=True, timeout=60)
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout == "petstore_client._client Client\n"


def test_include_operations_keeps_only_that_operation(project: Path, run: Callable[..., Run]) -> None:
    (project / "pyproject.toml").write_text(PYPROJECT.replace('"generated"', '"filtered"') + 'include_operations = ["getOAuthSessionStatus"]\n', encoding="utf-8")
    done = run("generate", cwd=project)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("filtered/instantly_client: 1 operations, 1 models, wrote ")
    source = (project / "filtered" / PACKAGE / "resources" / "oauth.py").read_text(encoding="utf-8")
    assert re.findall(r"^    (?:async )?def (\w+)\(", source, re.MULTILINE) == ["get_oauth_session_status", "get_oauth_session_status"]
    models = sorted(p.name for p in (project / "filtered" / PACKAGE / "models").iterdir() if p.suffix == ".py")
    assert models == ["__init__.py", "get_oauth_session_status_response.py"]


def test_a_selection_with_no_operation_generates_an_empty_client(project: Path, run: Callable[..., Run]) -> None:
    (project / "pyproject.toml").write_text(PYPROJECT.replace('"generated"', '"filtered"') + 'exclude_tags = ["OAuth"]\n', encoding="utf-8")
    done = run("generate", cwd=project)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("filtered/instantly_client: 0 operations, 0 models, wrote ")
    tree = tree_bytes(project / "filtered" / PACKAGE)
    assert sorted(rel for rel in tree if rel.startswith(("resources/", "models/"))) == ["models/__init__.py", "resources/__init__.py"]


# ------------------------------------------------------------------ determinism


@pytest.mark.slow
def test_output_does_not_depend_on_hash_seed_locale_or_working_folder(project: Path, tmp_path: Path, run: Callable[..., Run]) -> None:
    reference = tree_bytes(project / "generated")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    environments = {"seed-1": {"PYTHONHASHSEED": "1"}, "lc-all-c": {"LC_ALL": "C", "PYTHONHASHSEED": "7", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0"}}
    for name, env in environments.items():
        out = tmp_path / f"out-{name}"
        done = run("generate", "--config", str(project / "pyproject.toml"), "--output", str(out), cwd=elsewhere, env=env)
        assert done.returncode == 0, (name, done.stderr)
        assert tree_bytes(out) == reference, name
    assert list(elsewhere.iterdir()) == []


def test_a_yaml_copy_generates_the_same_package(project: Path, run: Callable[..., Run]) -> None:
    doc = load_json(project / SPEC_NAME)
    yaml_path = project / "specs" / "api_v2.yaml"
    yaml_path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=4096), encoding="utf-8")
    done = run("generate", "--config", "pyproject.toml", "--spec", "specs/api_v2.yaml", "--output", "from_yaml", cwd=project)
    assert done.returncode == 0, done.stderr
    from_json = tree_bytes(project / "generated" / PACKAGE)
    from_yaml = tree_bytes(project / "from_yaml" / PACKAGE)
    assert sorted(from_yaml) == sorted(from_json)
    differ = sorted(rel for rel in from_json if from_json[rel] != from_yaml[rel])
    assert differ in ([], ["_meta.py"]), differ  # at most the record of the spec file's sha256


# ------------------------------------------------------------------ help, colour, exit statuses


def test_help_shows_the_name_the_program_was_invoked_by(tmp_path: Path, run: Callable[..., Run]) -> None:
    script = Path(PYTHON).parent / "openapi-typed-gen"
    if not script.is_file():
        pytest.skip("the console script is not installed in this environment")
    for program, name in (([str(script)], "openapi-typed-gen"), ([PYTHON, "-m", "generator"], "python -m generator")):
        top = run("--help", cwd=tmp_path, program=program)
        assert top.returncode == 0, top.stderr
        assert top.stdout.startswith(f"usage: {name} [-h]"), top.stdout[:200]
        assert f"{name} generate --spec petstore.yaml --output out" in top.stdout
        for command in ("generate", "check", "fetch", "diff"):
            sub = run(command, "--help", cwd=tmp_path, program=program)
            assert sub.returncode == 0, sub.stderr
            assert sub.stdout.startswith(f"usage: {name} {command} "), sub.stdout[:200]
    assert "openapi-typed-gen generate" not in run("--help", cwd=tmp_path).stdout  # invoked as python -m generator


def test_every_command_documents_its_options(tmp_path: Path, run: Callable[..., Run]) -> None:
    top = run("--help", cwd=tmp_path)
    assert "exit status: 0 ok; 1 stale output (check) or a breaking change" in top.stdout
    for command, options in {
        "generate": ("--config", "--spec", "--output", "--package", "--templates", "--lenient", "--quiet", "--verbose"),
        "check": ("--config", "--spec", "--output", "--quiet"),
        "fetch": ("--url", "--spec", "--timeout", "--max-bytes", "--allow-private", "--accept-breaking", "--format"),
        "diff": ("OLD", "NEW", "--config", "--format", "--fail-on-breaking"),
    }.items():
        text = run(command, "--help", cwd=tmp_path).stdout
        assert [o for o in options if o not in text] == [], command


def test_a_usage_error_is_exit_2_without_a_traceback(tmp_path: Path, run: Callable[..., Run]) -> None:
    for args in ((), ("frobnicate",), ("generate", "--no-such-flag"), ("fetch", "--timeout", "-1")):
        done = run(*args, cwd=tmp_path)
        assert done.returncode == 2, (args, done.stderr)
        assert "Traceback" not in done.stderr and done.stderr.startswith("usage: python -m generator"), done.stderr
    assert list(tmp_path.iterdir()) == []


def _on_a_terminal(args: list[str], cwd: Path, env: dict[str, str], cache: Path) -> str:
    leader, follower = pty.openpty()
    full = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    full.update(PYTHONPATH=str(ROOT), OPENAPI_TYPED_GEN_CACHE=str(cache), **env)
    done = subprocess.run([PYTHON, "-m", "generator", *args], cwd=cwd, env=full, stdin=follower, stdout=follower, stderr=follower, timeout=60)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    assert done.returncode == 2
    return b"".join(chunks).decode()


def test_colour_only_on_a_terminal_and_never_with_no_color(tmp_path: Path, run: Callable[..., Run], generator_cache: Path) -> None:
    args = ["generate", "--spec", "missing.json", "--output", "out"]
    piped = run(*args, cwd=tmp_path, env={"NO_COLOR": "", "TERM": "xterm"})
    assert piped.stderr == "error: missing.json: no such file\n"
    assert "\033[31merror:\033[0m missing.json: no such file" in _on_a_terminal(args, tmp_path, {"TERM": "xterm"}, generator_cache)
    assert "\033[" not in _on_a_terminal(args, tmp_path, {"TERM": "xterm", "NO_COLOR": "1"}, generator_cache)
    assert "\033[" not in _on_a_terminal(args, tmp_path, {"TERM": "dumb"}, generator_cache)


def test_interrupted_run_exits_130_quietly_and_writes_nothing(tmp_path: Path, generator_cache: Path) -> None:
    """Ctrl-C during validation (a pattern that backtracks for long): status 130, no traceback,
    no output, no validator process left behind."""
    shutil.copy(SPECS / "catastrophic_pattern.yaml", tmp_path / "spec.yaml")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1", "OPENAPI_TYPED_GEN_CACHE": "off", "OPENAPI_TYPED_GEN_VALIDATE_TIMEOUT": "60"}
    proc = subprocess.Popen([PYTHON, "-m", "generator", "generate", "--spec", "spec.yaml", "--output", "out"], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    time.sleep(2.5)  # well into validation
    os.killpg(proc.pid, signal.SIGINT)  # as a terminal's Ctrl-C does: the whole process group
    out, err = proc.communicate(timeout=30)
    assert (proc.returncode, out, err) == (130, "", "")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["spec.yaml"]
    with pytest.raises(ProcessLookupError):
        os.killpg(proc.pid, 0)  # no process of that group (a forked validator) is left


def test_check_never_creates_a_missing_output_folder(project: Path, run: Callable[..., Run]) -> None:
    shutil.rmtree(project / "generated")
    before = snapshot(project)
    done = run("check", cwd=project)
    assert done.returncode == 1, done.stdout + done.stderr
    headers = diff_headers(done.stdout)
    assert headers and all(h == "--- /dev/null" for h in headers[::2])
    assert f"+++ b/generated/{PACKAGE}/_client.py" in headers[1::2]
    assert done.stderr == f"error: generated/{PACKAGE} is stale: run generate\n"
    assert snapshot(project) == before


def test_templates_that_override_a_builtin_one(project: Path, run: Callable[..., Run]) -> None:
    """--templates: a folder searched before the built-in templates; an edited copy changes the output."""
    (project / "mine" / "models").mkdir(parents=True)
    original = (ROOT / "templates" / "models" / "model.py.jinja").read_text(encoding="utf-8")
    (project / "mine" / "models" / "model.py.jinja").write_text(original + "\nOVERRIDDEN = True\n", encoding="utf-8")
    done = run("generate", "--templates", "mine", "--config", "pyproject.toml", "--output", "custom", cwd=project)
    assert done.returncode == 0, done.stderr
    models = [p for p in (project / "custom" / PACKAGE / "models").glob("*.py") if p.name != "__init__.py"]
    assert models and all(p.read_text(encoding="utf-8").endswith("OVERRIDDEN = True\n") for p in models)
    assert not any(b"OVERRIDDEN" in data for data in tree_bytes(project / "generated").values())



def test_a_schema_the_validator_refuses_is_an_error_and_under_lenient_a_warning_and_a_skip(project: Path, tmp_path: Path, run: Callable[..., Run]) -> None:
    edit_spec(project, lambda d: node(d, ["paths", "/api/v2/oauth/microsoft/init", "post", "responses", "200", "content", "application/json"]).update(schema=5))
    before = snapshot(project)
    cold = {"OPENAPI_TYPED_GEN_CACHE": str(tmp_path / "fresh-cache")}  # no remembered verdict: the validator runs
    done = run("generate", cwd=project, env=cold)
    assert done.returncode == 2 and done.stdout == "", done.stderr
    lines = error_lines(done.stderr)
    assert any(line.startswith(f"error: {SPEC_NAME}{MICROSOFT_INIT}/responses/200/content/application~1json/schema: 5 is not of type") for line in lines), lines
    assert snapshot(project) == before
    lenient = run("generate", "--lenient", "--config", "pyproject.toml", "--output", "elsewhere", cwd=project, env=cold)
    assert lenient.returncode == 0, lenient.stderr
    assert f"warning: {SPEC_NAME}{MICROSOFT_INIT}/responses/200/content/application~1json/schema: a schema must be an object (operation 'initMicrosoftOAuth' skipped)" in lenient.stderr
    assert lenient.stdout.startswith("elsewhere/instantly_client: 2 operations, ")
    assert "def init_microsoft_oauth" not in (project / "elsewhere" / PACKAGE / "resources" / "oauth.py").read_text(encoding="utf-8")


def test_a_problem_no_selected_operation_reaches_fails_only_a_run_without_the_selection(project: Path, tmp_path: Path, run: Callable[..., Run]) -> None:
    """The selection validates what the OAuth client uses: a broken schema none of its operations
    reaches is left alone; with every operation selected, the same document is refused."""
    edit_spec(project, lambda d: node(d, ["components", "schemas", "def-0"]).update(type="no-such-type"))
    cold = {"OPENAPI_TYPED_GEN_CACHE": str(tmp_path / "fresh-cache")}  # no remembered verdict: the validator runs
    selected = run("generate", cwd=project, env=cold)
    assert selected.returncode == 0, selected.stderr
    assert selected.stdout.startswith("generated/instantly_client: 3 operations, ")
    (project / "pyproject.toml").write_text(PYPROJECT.replace('include_tags = ["OAuth"]\n', "").replace('"generated"', '"everything"'), encoding="utf-8")
    before = snapshot(project)
    whole = run("generate", cwd=project, env=cold)
    assert_rejected(whole, [(SPEC_NAME + "#/components/schemas/def-0/type", "'no-such-type' is not valid under any of the given schemas")])
    assert snapshot(project) == before
