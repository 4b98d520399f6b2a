"""Regenerating a project: the lock, the no-op fast path, and what ``check`` reports.

The project is this repository's: the Instantly spec with the OAuth selection (3
operations); the fast-path tests use the whole document as served (1.9 MB, 167
operations), the others its OAuth paths alone (the same output, validated faster). The lock is the one answer to "has
anything changed?": with nothing changed, ``generate`` and ``check`` neither build
nor write (``-v`` says so, and no Jinja, black, YAML parser, validator or httpx is
imported); every change to an input or to the output on disk means the full run.
No timing is asserted (speed is measured in benchmarks/).
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

import pytest

from tests.cli.support import (
    LOCK_NAME,
    PACKAGE,
    PYPROJECT,
    SPEC_NAME,
    STATUS_SCHEMA,
    Run,
    cli,
    copy_project,
    diff_headers,
    load_json,
    make_project,
    node,
    oauth_only_spec,
    one_error,
    save_json,
    snapshot,
    stats,
)
from tests.conftest import PYTHON, ROOT, tree_bytes

TARGET = f"generated/{PACKAGE}"
FAST = f"{SPEC_NAME}: nothing changed since the lock was written"
HEAVY = {"jinja2", "black", "yaml", "openapi_spec_validator", "jsonschema", "httpx"}
# Nor what only a full run, another command or a changed output needs: the IR and the stages,
# fetch's network stack, importlib.metadata (email, zipfile), the diff and the staging folder.
FULL_RUN_ONLY = {"generator.ir", "generator.build", "generator.render", "generator.load", "generator.validate", "generator.formatter",
                 "generator.fetch_command", "generator.diff_command", "generator.download", "importlib.metadata", "email", "http.client",
                 "ssl", "difflib", "tempfile"}


def _generated(root: Path, spec: bytes | None, cache: Path) -> Path:
    make_project(root, spec)
    done = cli("generate", cwd=root, cache=cache)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"{TARGET}: 3 operations, 5 models, wrote "), done.stdout
    return root


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory, generator_cache: Path) -> Path:
    return _generated(tmp_path_factory.mktemp("regen"), oauth_only_spec(), generator_cache)


@pytest.fixture(scope="module")
def whole(tmp_path_factory: pytest.TempPathFactory, generator_cache: Path) -> Path:
    """The same project with the whole spec as served."""
    return _generated(tmp_path_factory.mktemp("regen-whole"), None, generator_cache)


@pytest.fixture
def served(whole: Path, tmp_path: Path) -> Path:
    return copy_project(whole, tmp_path / "served")


def fast(done: Run) -> bool:
    """Whether a ``-v`` run took the no-op path (it says so; a full run never does)."""
    return FAST in done.stderr


def modules(done: Run) -> set[str]:
    """Modules named by ``-X importtime`` on stderr."""
    return {line.rsplit("|", 1)[1].strip() for line in done.stderr.splitlines() if line.startswith("import time:") and "|" in line}


def imported(done: Run) -> set[str]:
    """Top-level modules named by ``-X importtime`` on stderr."""
    return {name.split(".")[0] for name in modules(done)}


def edit_spec(project: Path) -> None:
    doc = load_json(project / SPEC_NAME)
    node(doc, STATUS_SCHEMA)["properties"]["scope"] = {"type": "string", "description": "Granted scope"}
    save_json(project / SPEC_NAME, doc)


# ------------------------------------------------------------------ nothing changed


def test_a_second_generate_and_check_take_the_fast_path_and_write_nothing(served: Path, run: Callable[..., Run]) -> None:
    project = served
    time.sleep(0.02)  # a rewrite would show as a newer st_mtime_ns
    before, times = snapshot(project), stats(project)
    done = run("generate", cwd=project)
    assert done.returncode == 0, done.stderr
    files = len(load_json(project / LOCK_NAME)["files"])
    assert files == len(tree_bytes(project / "generated"))  # the package and the pyproject.toml beside it
    assert re.fullmatch(rf"{TARGET}: {files} files unchanged \(\d+\.\d\ds\)\n", done.stdout), done.stdout
    assert done.stderr == ""
    verbose = run("generate", "-v", cwd=project)
    assert fast(verbose) and verbose.returncode == 0
    check = run("check", "-v", cwd=project)
    assert (check.returncode, check.stdout, check.stderr) == (0, f"{TARGET} is up to date\n", FAST + "\n")
    quiet = run("check", "-q", cwd=project)
    assert (quiet.returncode, quiet.stdout, quiet.stderr) == (0, "", "")
    assert snapshot(project) == before
    assert stats(project) == times


def test_the_fast_path_imports_nothing_heavy(served: Path, generator_cache: Path) -> None:
    project = served
    for command in ("generate", "check"):
        done = cli(command, cwd=project, cache=generator_cache, program=(PYTHON, "-X", "importtime", "-m", "generator"))
        assert done.returncode == 0, done.stderr[-2000:]
        assert "generator" in imported(done)
        assert not imported(done) & HEAVY, sorted(imported(done) & HEAVY)
        assert not modules(done) & FULL_RUN_ONLY, sorted(modules(done) & FULL_RUN_ONLY)
    # The same measurement sees them when the full run happens (a file was edited).
    errors = project / TARGET / "errors.py"
    errors.write_bytes(errors.read_bytes() + b"# edited\n")
    done = cli("check", cwd=project, cache=generator_cache, program=(PYTHON, "-X", "importtime", "-m", "generator"))
    assert done.returncode == 1
    # It renders (jinja2); black is not needed: every module renders as the lock recorded, and
    # the format cache holds black's output of it.
    assert "jinja2" in imported(done)
    assert {"generator.ir", "generator.render", "difflib"} <= modules(done)


def test_a_file_rewritten_with_the_same_bytes_still_takes_the_fast_path(project: Path, run: Callable[..., Run]) -> None:
    errors = project / TARGET / "errors.py"
    errors.write_bytes(errors.read_bytes())  # a new mtime, the same content: hashes decide, not times
    done = run("check", "-v", cwd=project)
    assert done.returncode == 0 and fast(done)


# ------------------------------------------------------------------ the output changed on disk


def test_check_reports_a_hand_edit_as_a_diff_and_keeps_it_then_generate_restores(project: Path, run: Callable[..., Run]) -> None:
    rel = "models/get_oauth_session_status_response.py"
    path = project / TARGET / rel
    original = path.read_bytes()
    path.write_bytes(original + b"# edited by hand\n")
    before = snapshot(project)
    done = run("check", "-v", cwd=project)
    assert done.returncode == 1, done.stdout + done.stderr
    assert not fast(done)
    assert diff_headers(done.stdout) == [f"--- a/{TARGET}/{rel}", f"+++ b/{TARGET}/{rel}"]
    assert [line for line in done.stdout.splitlines() if line.startswith(("+", "-")) and line[:3] not in ("+++", "---")] == ["-# edited by hand"]
    assert done.stderr.endswith(f"error: {TARGET} is stale: run generate\n")
    assert "Traceback" not in done.stderr
    assert snapshot(project) == before  # the edit is kept
    done = run("generate", "-v", cwd=project)
    assert done.returncode == 0, done.stderr
    assert f"updated {TARGET}/{rel}" in done.stderr
    assert re.search(r"wrote 1 file, \d+ unchanged \(", done.stdout), done.stdout
    assert path.read_bytes() == original
    assert fast(run("check", "-v", cwd=project))


@pytest.mark.parametrize("rel", ["models/stray.py", "extra/notes.txt"])
def test_check_reports_a_stray_file_and_generate_removes_it(rel: str, project: Path, run: Callable[..., Run]) -> None:
    stray = project / TARGET / rel
    stray.parent.mkdir(exist_ok=True)
    stray.write_text("x = 1\n", encoding="utf-8")
    before = snapshot(project)
    done = run("check", cwd=project)
    assert done.returncode == 1, done.stdout + done.stderr
    assert diff_headers(done.stdout) == [f"--- a/{TARGET}/{rel}", "+++ /dev/null"]
    assert "\n-x = 1\n" in done.stdout
    assert snapshot(project) == before
    done = run("generate", cwd=project)
    assert done.returncode == 0 and ", 1 removed (" in done.stdout, done.stdout
    assert not stray.exists()
    assert run("check", cwd=project).returncode == 0


def test_check_reports_a_deleted_file_and_generate_restores_it(project: Path, run: Callable[..., Run]) -> None:
    target = project / TARGET / "py.typed"
    original = target.read_bytes()
    target.unlink()
    done = run("check", cwd=project)
    assert done.returncode == 1
    assert diff_headers(done.stdout) == ["--- /dev/null", f"+++ b/{TARGET}/py.typed"]
    done = run("generate", "-v", cwd=project)
    assert done.returncode == 0 and f"created {TARGET}/py.typed" in done.stderr, done.stderr
    assert target.read_bytes() == original


def test_the_generated_pyproject_beside_the_package_is_checked_too(project: Path, run: Callable[..., Run]) -> None:
    pyproject = project / "generated" / "pyproject.toml"
    original = pyproject.read_bytes()
    assert original.startswith(b"# Code generated by openapi-typed-gen. DO NOT EDIT.\n")
    pyproject.write_bytes(original.replace(b'version = "', b'version = "9', 1))
    done = run("check", cwd=project)
    assert done.returncode == 1
    assert diff_headers(done.stdout) == ["--- a/generated/pyproject.toml", "+++ b/generated/pyproject.toml"]
    pyproject.unlink()
    assert run("check", cwd=project).returncode == 1
    done = run("generate", "-v", cwd=project)
    assert done.returncode == 0 and "created generated/pyproject.toml" in done.stderr, done.stderr
    assert pyproject.read_bytes() == original
    assert not list(pyproject.parent.glob(".pyproject.toml.*"))  # no temporary file left
    assert run("check", cwd=project).returncode == 0


def test_a_pyproject_that_was_not_generated_is_never_replaced(tmp_path: Path, run: Callable[..., Run]) -> None:
    own = "[project]\nname = \"my-app\"\n\n" + PYPROJECT.replace('output = "generated"', 'output = "."')
    project = make_project(tmp_path, (ROOT / "tests" / "specs" / "params.yaml").read_bytes(), own.replace(SPEC_NAME, "specs/api.yaml"), "specs/api.yaml")
    done = run("generate", cwd=project)
    assert done.returncode == 0, done.stderr
    assert "note: pyproject.toml not written: it exists and was not generated (no DO-NOT-EDIT header)" in done.stderr
    assert (project / "pyproject.toml").read_text(encoding="utf-8") == own.replace(SPEC_NAME, "specs/api.yaml")
    assert (project / PACKAGE / "__init__.py").is_file()


def test_a_regenerated_package_reuses_unchanged_files_but_never_through_a_link(project: Path, run: Callable[..., Run]) -> None:
    """After a spec change the package is rebuilt beside the old one; files whose bytes did not
    change are hard-linked from it instead of written again, except through a symbolic link."""
    package = project / TARGET
    outside = project / "outside-models"
    shutil.copytree(package / "models", outside)
    shutil.rmtree(package / "models")
    (package / "models").symlink_to(outside, target_is_directory=True)  # the same bytes, through a link
    kept = (package / "_types.py").stat().st_ino
    edit_spec(project)
    done = run("generate", cwd=project)
    assert done.returncode == 0, done.stderr
    assert (package / "_types.py").stat().st_ino == kept  # unchanged: the same file, linked
    assert not (package / "models").is_symlink()
    for model in outside.iterdir():
        assert model.stat().st_nlink == 1, model  # nothing in the new package shares a file outside it
    assert "scope: str | Unset = UNSET" in (package / "models" / "get_oauth_session_status_response.py").read_text(encoding="utf-8")
    assert run("check", cwd=project).returncode == 0


# ------------------------------------------------------------------ an input changed


def test_a_changed_spec_makes_check_fail_with_the_diff_until_generate(project: Path, run: Callable[..., Run]) -> None:
    edit_spec(project)
    before = snapshot(project)
    done = run("check", "-v", cwd=project)
    assert done.returncode == 1 and not fast(done)
    headers = diff_headers(done.stdout)
    assert f"+++ b/{TARGET}/models/get_oauth_session_status_response.py" in headers
    assert any(line.startswith("+") and "scope: str | Unset = UNSET" in line for line in done.stdout.splitlines())
    assert snapshot(project) == before
    done = run("generate", cwd=project)
    assert done.returncode == 0, done.stderr
    assert ", lock specs/api_v2.lock.json written (" in done.stdout
    assert fast(run("check", "-v", cwd=project))


@pytest.mark.parametrize(
    ("setting", "package_stale"),
    [
        ('api_key_env = "OTHER_API_KEY"\n', True),  # changes the generated client
        ('include_operations = ["getOAuthSessionStatus"]\n', True),  # another selection
        ('exclude_operations = ["noSuchOperation"]\n', False),  # the same package; only the lock's record of the config differs
    ],
)
def test_a_changed_config(setting: str, package_stale: bool, project: Path, run: Callable[..., Run]) -> None:
    (project / "pyproject.toml").write_text(PYPROJECT + setting, encoding="utf-8")
    before = snapshot(project)
    done = run("check", "-v", cwd=project)
    assert not fast(done)
    if package_stale:
        assert done.returncode == 1 and done.stderr.endswith(f"error: {TARGET} is stale: run generate\n"), done.stderr
        assert diff_headers(done.stdout)
    else:
        assert done.returncode == 0, done.stderr
        assert f"note: {LOCK_NAME} is out of date (the output is not): run generate to refresh it" in done.stderr
        assert done.stdout == f"{TARGET} is up to date\n"
    assert snapshot(project) == before
    done = run("generate", cwd=project)
    assert done.returncode == 0, done.stderr
    assert fast(run("check", "-v", cwd=project))


@pytest.mark.parametrize(
    ("record", "value"),
    [
        (("generator", "version"), "0.0.1"),
        (("generator", "digest"), "0" * 64),
        (("generator", "black"), "22.1.0"),
        (("files", f"{TARGET.split('/', 1)[1]}/py.typed", "sha256"), "0" * 64),
    ],
    ids=["generator version", "generator digest", "black version", "a file's hash"],
)
def test_each_input_the_lock_records_is_compared(record: tuple[str, ...], value: str, project: Path, run: Callable[..., Run]) -> None:
    """The output would be the same, but the lock records another generator, black or file:
    the full run, which finds the package up to date and the lock to be rewritten."""
    lock = project / LOCK_NAME
    original = lock.read_bytes()
    doc = load_json(lock)
    entry = doc
    for key in record[:-1]:
        entry = entry[key]
    assert entry[record[-1]] != value
    entry[record[-1]] = value
    save_json(lock, doc)
    before = snapshot(project)
    done = run("check", "-v", cwd=project)
    assert (done.returncode, done.stdout) == (0, f"{TARGET} is up to date\n"), done.stdout + done.stderr
    assert not fast(done)
    assert f"note: {LOCK_NAME} is out of date (the output is not): run generate to refresh it" in done.stderr
    assert snapshot(project) == before
    done = run("generate", cwd=project)
    assert done.returncode == 0 and f"files unchanged, lock {LOCK_NAME} written (" in done.stdout, done.stdout
    assert lock.read_bytes() == original
    assert fast(run("check", "-v", cwd=project))


def test_a_spec_read_from_a_pipe_is_read_once(tmp_path: Path, run: Callable[..., Run]) -> None:
    """``--spec /dev/stdin``: the bytes hashed for the lock's question are the bytes a full run
    parses (a pipe cannot be read twice)."""
    spec = (ROOT / "tests" / "specs" / "params.yaml").read_text(encoding="utf-8")
    args = ("--spec", "/dev/stdin", "--output", "out", "--package", "params_client")
    done = run("generate", *args, cwd=tmp_path, input=spec)
    assert done.returncode == 0, done.stderr
    done = run("generate", "-v", *args, cwd=tmp_path, input=spec)
    assert done.returncode == 0 and "/dev/stdin: nothing changed since the lock was written" in done.stderr, done.stderr
    changed = spec.replace("title: Parameters,", "title: Parameters Renamed,", 1)
    assert changed != spec
    done = run("check", *args, cwd=tmp_path, input=changed)
    assert done.returncode == 1 and done.stderr.endswith("error: out/params_client is stale: run generate\n"), done.stderr
    assert "+++ b/out/params_client/" in done.stdout
    done = run("generate", *args, cwd=tmp_path, input=changed)
    assert done.returncode == 0, done.stderr
    assert run("check", *args, cwd=tmp_path, input=changed).returncode == 0


def test_the_default_spelled_out_is_the_same_configuration(project: Path, run: Callable[..., Run]) -> None:
    (project / "pyproject.toml").write_text(PYPROJECT + "exclude_tags = []\nlenient = false\n", encoding="utf-8")
    done = run("check", "-v", cwd=project)
    assert done.returncode == 0 and fast(done)


def test_a_template_override_is_fingerprinted_by_content(project: Path, run: Callable[..., Run]) -> None:
    override = project / "overrides" / "models" / "model.py.jinja"
    override.parent.mkdir(parents=True)
    shutil.copy(ROOT / "templates" / "models" / "model.py.jinja", override)
    assert run("generate", "--templates", "overrides", cwd=project).returncode == 0
    assert fast(run("check", "-v", "--templates", "overrides", cwd=project))
    override.write_text(override.read_text(encoding="utf-8") + "\n# overridden\n", encoding="utf-8")
    done = run("check", "-v", "--templates", "overrides", cwd=project)
    assert done.returncode == 1 and not fast(done)
    assert "+# overridden" in done.stdout


def test_the_generator_itself_is_fingerprinted(project: Path, tmp_path: Path, run: Callable[..., Run]) -> None:
    """A copy of the generator with one template changed: same spec, same folder, the full run."""
    copy = tmp_path / "gen"
    shutil.copytree(ROOT / "generator", copy / "generator", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "templates", copy / "templates", ignore=shutil.ignore_patterns("__pycache__"))
    done = run("check", "-v", cwd=project, env={"PYTHONPATH": str(copy)})
    assert done.returncode == 0 and fast(done)  # the same code: the same digest
    model = copy / "templates" / "models" / "model.py.jinja"
    model.write_text(model.read_text(encoding="utf-8") + "\n# changed generator\n", encoding="utf-8")
    done = run("check", "-v", cwd=project, env={"PYTHONPATH": str(copy)})
    assert done.returncode == 1 and not fast(done)
    assert "+# changed generator" in done.stdout


# ------------------------------------------------------------------ the lock itself


def test_the_lock_records_the_spec_the_generator_the_config_every_file_and_the_names(project: Path) -> None:
    lock = load_json(project / LOCK_NAME)
    assert lock["lock_version"] == 2
    assert lock["spec"]["path"] == "api_v2.json"  # relative to the lock's folder
    import hashlib

    assert lock["spec"]["sha256"] == hashlib.sha256((project / SPEC_NAME).read_bytes()).hexdigest()
    assert lock["generator"]["name"] == "openapi-typed-gen" and len(lock["generator"]["digest"]) == 64
    assert lock["generator"]["black"] == metadata.version("black")
    assert lock["package"] == PACKAGE and len(lock["config_fingerprint"]) == 64
    on_disk = tree_bytes(project / "generated")
    assert {rel: entry["sha256"] for rel, entry in lock["files"].items()} == {rel: hashlib.sha256(data).hexdigest() for rel, data in on_disk.items()}
    # Rendered modules carry their pre-format hash (a regeneration reuses what renders the same);
    # the runtime's modules are copied as written, so they have nothing to format.
    rendered = {rel for rel, entry in lock["files"].items() if "rendered" in entry}
    runtime = {rel for rel in lock["files"] if rel.split("/")[-1].startswith("_") and rel.split("/")[-1] not in ("__init__.py", "_client.py", "_meta.py")}
    assert rendered == {rel for rel in lock["files"] if rel.endswith(".py")} - runtime
    assert len(runtime) >= 15 and all(len(entry["rendered"]) == 64 for rel, entry in lock["files"].items() if rel in rendered)
    assert lock["names"]["resources"] == {"oauth": "tag OAuth"}
    assert set(lock["names"]["methods OAuth"].values()) == {"POST /api/v2/oauth/google/init", "POST /api/v2/oauth/microsoft/init", "GET /api/v2/oauth/session/status/{sessionId}"}
    assert "timestamp" not in json.dumps(lock).lower()


def test_the_lock_records_the_parts_that_passed_and_a_regeneration_validates_what_changed(project: Path) -> None:
    """The lock keeps a digest for each part of the spec that passed the validator (path items
    and components entries: generator.verdicts); a spec edit changes those of the parts it
    touches, and a regeneration on a machine without a cache refuses a problem in them."""
    before = load_json(project / LOCK_NAME)["validated"]
    assert before == sorted(before) and len(before) >= 3 and all(re.fullmatch("[0-9a-f]{64}", d) for d in before)
    edit_spec(project)  # the status operation's response schema: one path item
    done = cli("generate", cwd=project, cache="off")
    assert done.returncode == 0, done.stderr
    after = load_json(project / LOCK_NAME)["validated"]
    assert len(after) == len(before) and len(set(before) - set(after)) == 1
    doc = load_json(project / SPEC_NAME)
    node(doc, STATUS_SCHEMA)["properties"]["scope"]["type"] = "no-such-type"
    save_json(project / SPEC_NAME, doc)
    kept = snapshot(project)
    line = one_error(cli("generate", cwd=project, cache="off"))
    assert line.startswith(f"{SPEC_NAME}#/paths/~1api~1v2~1oauth~1session~1status~1{{sessionId}}/get/responses/200/content/application~1json/schema/properties/scope/type: "), line
    assert snapshot(project) == kept


def test_the_lock_is_the_same_in_another_folder(project: Path, tmp_path: Path, run: Callable[..., Run]) -> None:
    other = make_project(tmp_path / "elsewhere" / "copy", (project / SPEC_NAME).read_bytes())  # the same spec and config
    assert run("generate", cwd=other).returncode == 0
    assert (other / LOCK_NAME).read_bytes() == (project / LOCK_NAME).read_bytes()


def test_a_missing_lock_is_a_note_for_check_and_generate_writes_only_the_lock(project: Path, run: Callable[..., Run]) -> None:
    saved = (project / LOCK_NAME).read_bytes()
    (project / LOCK_NAME).unlink()
    times = stats(project / "generated")
    for _ in range(2):  # still missing: still the full run, still the note
        done = run("check", "-v", cwd=project)
        assert done.returncode == 0, done.stderr
        assert not fast(done)
        assert f"note: {LOCK_NAME} is out of date (the output is not): run generate to refresh it" in done.stderr
    assert not (project / LOCK_NAME).exists()
    done = run("generate", cwd=project)
    assert done.returncode == 0 and f"files unchanged, lock {LOCK_NAME} written (" in done.stdout, done.stdout
    assert (project / LOCK_NAME).read_bytes() == saved
    assert stats(project / "generated") == times  # only the lock was written


def test_a_reformatted_lock_is_the_same_lock(project: Path, run: Callable[..., Run]) -> None:
    lock = project / LOCK_NAME
    lock.write_text(json.dumps(json.loads(lock.read_bytes()), indent=4) + "\n", encoding="utf-8")
    before = snapshot(project)
    for command in ("check", "generate"):
        done = run(command, "-v", cwd=project)
        assert done.returncode == 0 and fast(done), done.stderr  # the same records: nothing to do
    assert snapshot(project) == before


def test_a_lock_written_by_an_older_generator_is_rewritten(project: Path, run: Callable[..., Run]) -> None:
    lock = project / LOCK_NAME
    original = lock.read_bytes()
    lock.write_text(json.dumps({"lock_version": 1, "files": {}}), encoding="utf-8")
    done = run("check", cwd=project)
    assert done.returncode == 0 and "is out of date (the output is not)" in done.stderr, done.stderr
    assert run("generate", cwd=project).returncode == 0
    assert lock.read_bytes() == original


def test_a_multi_file_spec_always_takes_the_full_run(tmp_path: Path, run: Callable[..., Run]) -> None:
    shutil.copytree(ROOT / "tests" / "specs" / "multi_file", tmp_path / "spec")
    args = ("--spec", str(tmp_path / "spec" / "openapi.yaml"), "--output", str(tmp_path / "out"), "--package", "multi_client")
    for _ in range(2):
        done = run("generate", "-v", *args, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        assert "nothing changed since the lock was written" not in done.stderr
    done = run("check", *args, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    # A change in the other file is seen, though the main file's bytes are the same.
    pet = tmp_path / "spec" / "schemas" / "pet.yaml"
    pet.write_text(pet.read_text(encoding="utf-8") + "    nickname: {type: string}\n", encoding="utf-8")
    done = run("check", *args, cwd=tmp_path)
    assert done.returncode == 1 and "+    nickname: str | Unset = UNSET" in done.stdout, done.stdout[-2000:]


def test_with_the_cache_off_every_run_is_a_full_run_and_still_right(project: Path, run: Callable[..., Run]) -> None:
    off = {"OPENAPI_TYPED_GEN_CACHE": "off"}
    before = snapshot(project)
    done = run("check", cwd=project, env=off)
    assert done.returncode == 0, done.stderr
    assert snapshot(project) == before
    edit_spec(project)
    assert run("check", cwd=project, env=off).returncode == 1
    assert run("generate", cwd=project, env=off).returncode == 0
    assert run("check", cwd=project, env=off).returncode == 0


# ------------------------------------------------------------------ killed at any moment


@pytest.mark.slow
def test_sigkill_at_random_moments_leaves_the_old_or_the_new_package(project: Path, generator_cache: Path, run: Callable[..., Run]) -> None:
    seed = random.randrange(2**32)
    rng = random.Random(seed)
    out = project / "generated"
    package = out / PACKAGE
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OPENAPI_TYPED_GEN_CACHE": str(generator_cache)}
    command = [PYTHON, "-m", "generator", "generate", "-q"]

    def change_spec(n: int) -> None:
        doc = load_json(project / SPEC_NAME)
        node(doc, STATUS_SCHEMA)["properties"][f"extra_{n}"] = {"type": "integer", "description": f"Run {n}"}
        save_json(project / SPEC_NAME, doc)  # every run has something new to write

    change_spec(0)
    started = time.monotonic()
    assert subprocess.run(command, cwd=project, env=env, capture_output=True, timeout=180).returncode == 0
    duration = time.monotonic() - started
    current = tree_bytes(package)
    for n in range(1, 7):
        change_spec(n)
        hidden = {p.name for p in out.iterdir()}
        proc = subprocess.Popen(command, cwd=project, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if n % 2:
            delay = rng.uniform(0, 1.1 * duration)  # anywhere: loading, building, formatting, writing, done
            time.sleep(delay)
            moment = f"{delay:.3f}s in"
        else:
            while proc.poll() is None and not {p.name for p in out.iterdir()} - hidden:
                time.sleep(0.0005)  # while it writes: once its staging folder appears
            delay = rng.uniform(0, 0.005)
            time.sleep(delay)
            moment = f"{delay * 1000:.1f}ms after the staging folder appeared"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        context = f"seed {seed}, run {n}, killed {moment}"
        seen = tree_bytes(package)
        if seen != current:  # not the old package: then exactly what generate writes for the new spec
            done = run("check", "-q", cwd=project)
            assert done.stdout == "", f"{context}: neither the old nor the new package:\n{done.stdout[-3000:]}"
            current = seen
        assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == [PACKAGE, "pyproject.toml"], context
        leftovers = [p.name for p in out.iterdir() if p.name.startswith(".")]
        assert all(name.startswith((f".{PACKAGE}.new-", f".{PACKAGE}.old-", ".pyproject.toml.")) for name in leftovers), (context, leftovers)
    assert run("generate", cwd=project).returncode == 0
    final = run("check", cwd=project)
    assert final.returncode == 0, final.stdout[-3000:] + final.stderr
    assert not [p.name for p in out.iterdir() if p.name.startswith(f".{PACKAGE}.")]  # the next run cleaned up
