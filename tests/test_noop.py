"""The no-op fast path of ``generate`` and ``check`` (generator/noop.py), through the CLI.

When nothing changed since the last run, ``generate`` and ``check`` skip loading,
validating, rendering and formatting. These tests prove the fast path is taken
(``-v`` says so, and Jinja, black, PyYAML, the validator and httpx are never
imported), and that every change to an input or to the output on disk makes the
full run happen instead, with its usual messages. No timing is asserted here:
speed is measured by ``benchmarks/run.py``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import PYTHON, ROOT, SPEC, run_cli, tree_bytes

PACKAGE = "generated/instantly_client"
PYPROJECT = '[tool.generator]\nspec = "specs/api_v2.json"\noutput = "generated"\npackage = "instantly_client"\n'
SKIPPED = "nothing changed (fingerprint matches); skipped rendering"
FULL = re.compile(r"^built .* in \d+\.\d\ds$", re.MULTILINE)
SUMMARY = re.compile(r"^generated/instantly_client: 3 operations, 5 models, (.*) \(\d+\.\d\ds\)$", re.MULTILINE)
HEAVY = ("jinja2", "black", "yaml", "openapi_spec_validator", "pydantic", "httpx")

Cli = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warm cache for this module (the user's ~/.cache is left alone)."""
    return tmp_path_factory.mktemp("noop-cache")


@pytest.fixture
def cli(cache_dir: Path) -> Cli:
    def run(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return run_cli(*args, cwd=cwd, env={"OPENAPI_TYPED_GEN_CACHE": str(cache_dir), **(env or {})})

    return run


@pytest.fixture
def project(tmp_path: Path, cli: Cli) -> Path:
    """This project's spec and config in a fresh folder, generated once (a full run that records)."""
    root = tmp_path / "project"
    (root / "specs").mkdir(parents=True)
    (root / "specs" / "api_v2.json").write_bytes(SPEC.read_bytes())
    (root / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    result = cli("generate", "-v", cwd=root)
    assert result.returncode == 0, result.stderr
    assert FULL.search(result.stderr) and SKIPPED not in result.stderr
    return root


def took_fast_path(result: subprocess.CompletedProcess[str]) -> bool:
    fast = SKIPPED in result.stderr
    assert fast != bool(FULL.search(result.stderr)), result.stderr  # exactly one of the two
    return fast


def state(root: Path) -> dict[str, tuple[int, int, bytes]]:
    """(inode, mtime in ns, bytes) of every file, and every folder, under root: proves nothing was written."""
    return {
        p.relative_to(root).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns, p.read_bytes() if p.is_file() else b"")
        for p in [root, *sorted(root.rglob("*"))]
        if "__pycache__" not in p.parts
    }


def imported(result: subprocess.CompletedProcess[str]) -> set[str]:
    """Top-level modules named by ``-X importtime`` on stderr."""
    names = set()
    for line in result.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip().split(".")[0])
    return names


def run_importtime(*args: str, cwd: Path, cache_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OPENAPI_TYPED_GEN_CACHE": str(cache_dir)}
    return subprocess.run([PYTHON, "-X", "importtime", "-m", "generator", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def edit_spec_by_one_byte(root: Path) -> None:
    spec = root / "specs" / "api_v2.json"
    data = spec.read_bytes()
    assert data.count(b"Creates an OAuth session and returns the Microsoft") == 1
    spec.write_bytes(data.replace(b"Creates an OAuth session and returns the Microsoft", b"Creates an OAuth session and returns the microsoft"))


# ------------------------------------------------------------------ the fast path is taken


def test_noop_generate_and_check_take_the_fast_path_and_write_nothing(project: Path, cli: Cli) -> None:
    full = cli("generate", cwd=project)  # the fixture's run was verbose; compare with a plain one too
    assert full.returncode == 0, full.stderr
    before = state(project)
    time.sleep(0.02)  # a rewrite would show as a newer mtime

    result = cli("generate", "-v", cwd=project)
    assert result.returncode == 0, result.stderr
    assert took_fast_path(result)
    assert result.stderr == f"specs/api_v2.json: {SKIPPED}\n"
    match = SUMMARY.fullmatch(result.stdout.rstrip("\n"))
    files = len(tree_bytes(project / "generated"))  # the package and the pyproject.toml beside it
    assert match and match.group(1) == f"{files} files unchanged", result.stdout
    assert re.sub(r"\(\d+\.\d\ds\)", "", result.stdout) == re.sub(r"\(\d+\.\d\ds\)", "", full.stdout)

    result = cli("check", "-v", cwd=project)
    assert result.returncode == 0, result.stderr
    assert took_fast_path(result)
    assert result.stdout == f"{PACKAGE} is up to date\n"

    quiet = cli("check", "-q", cwd=project)
    assert (quiet.returncode, quiet.stdout, quiet.stderr) == (0, "", "")
    assert state(project) == before


def test_the_fast_path_imports_no_jinja_black_yaml_validator_or_httpx(project: Path, cache_dir: Path, tmp_path: Path) -> None:
    for command in ("generate", "check"):
        result = run_importtime(command, cwd=project, cache_dir=cache_dir)
        assert result.returncode == 0, result.stderr
        assert "generator" in imported(result)
        assert not imported(result) & set(HEAVY), sorted(imported(result) & set(HEAVY))
    # The same measurement sees them when the full run happens (the spec changed).
    edit_spec_by_one_byte(project)
    result = run_importtime("check", cwd=project, cache_dir=cache_dir)
    assert result.returncode == 1
    assert {"jinja2", "yaml"} <= imported(result)


# ------------------------------------------------------------------ every change means the full run


def test_a_hand_edit_fails_check_and_generate_restores_it(project: Path, cli: Cli) -> None:
    errors = project / PACKAGE / "errors.py"
    original = errors.read_bytes()
    errors.write_bytes(original.replace(b"class ", b"class  ", 1))

    result = cli("check", "-v", cwd=project)
    assert result.returncode == 1
    assert not took_fast_path(result)
    assert f"{PACKAGE}/errors.py: edited by hand since the last generate" in result.stderr
    assert f"{PACKAGE} is stale" in result.stderr

    result = cli("generate", "-v", cwd=project)
    assert result.returncode == 0, result.stderr
    assert not took_fast_path(result)
    assert f"updated {PACKAGE}/errors.py" in result.stderr
    assert errors.read_bytes() == original
    assert took_fast_path(cli("check", "-v", cwd=project))


def test_a_file_edited_back_to_the_same_bytes_still_takes_the_fast_path(project: Path, cli: Cli) -> None:
    errors = project / PACKAGE / "errors.py"
    errors.write_bytes(errors.read_bytes())  # new mtime, same content: hashes, not times, decide
    result = cli("check", "-v", cwd=project)
    assert result.returncode == 0 and took_fast_path(result)


def test_a_one_byte_change_to_the_spec_is_stale_then_regenerated(project: Path, cli: Cli) -> None:
    before = tree_bytes(project / PACKAGE)
    edit_spec_by_one_byte(project)

    result = cli("check", "-v", cwd=project)
    assert result.returncode == 1
    assert not took_fast_path(result)
    assert "-        Creates an OAuth session and returns the Microsoft" in result.stdout
    assert "specs/api_v2.lock.json is stale (the spec changed since the last generate" in result.stderr

    result = cli("generate", "-v", cwd=project)
    assert result.returncode == 0, result.stderr
    assert not took_fast_path(result)
    after = tree_bytes(project / PACKAGE)
    changed = sorted(rel for rel in after if after[rel] != before.get(rel))
    assert "resources/oauth.py" in changed and "_meta.py" in changed  # the docstring and the spec's sha256
    assert b"returns the microsoft" in after["resources/oauth.py"]
    result = cli("check", "-v", cwd=project)
    assert result.returncode == 0 and took_fast_path(result)


@pytest.mark.parametrize(
    ("setting", "package_stale"),
    [
        ('api_key_env = "OTHER_API_KEY"\n', True),  # changes the generated client
        ('source_url = "https://example.com/openapi.json"\n', False),  # changes only the lock
        ('exclude_operations = ["noSuchOperation"]\n', False),  # the same package; the lock records the configuration
    ],
)
def test_a_configuration_change_means_the_full_run(project: Path, cli: Cli, setting: str, package_stale: bool) -> None:
    (project / "pyproject.toml").write_text(PYPROJECT + setting, encoding="utf-8")
    result = cli("check", "-v", cwd=project)
    assert not took_fast_path(result)  # the effective configuration's fingerprint changed ...
    assert result.returncode == 1, result.stderr
    assert "specs/api_v2.lock.json is stale" in result.stderr
    assert (f"{PACKAGE} is stale" in result.stderr) == package_stale
    result = cli("generate", cwd=project)
    assert result.returncode == 0, result.stderr
    assert took_fast_path(cli("check", "-v", cwd=project))  # ... and the next run records it again


def test_the_default_spelled_out_is_the_same_configuration(project: Path, cli: Cli) -> None:
    (project / "pyproject.toml").write_text(PYPROJECT + "include_tags = []\nlenient = false\n", encoding="utf-8")
    result = cli("check", "-v", cwd=project)
    assert result.returncode == 0 and took_fast_path(result)


def test_command_line_options_are_part_of_the_fingerprint(project: Path, cli: Cli) -> None:
    for options in (["--lenient"], ["--no-lock"], ["--package", "other_client"], ["--output", "build"]):
        result = cli("generate", "-v", *options, cwd=project)
        assert result.returncode == 0, result.stderr
        assert not took_fast_path(result), options
        again = cli("generate", "-v", *options, cwd=project)
        assert again.returncode == 0 and took_fast_path(again), options
    assert (project / "generated" / "other_client" / "_client.py").is_file()
    assert (project / "build" / "instantly_client" / "_client.py").is_file()
    # Those runs rewrote the lock (and --package the shared generated/pyproject.toml) for other
    # packages: the record of generated/instantly_client no longer matches, and check says why.
    result = cli("check", "-v", cwd=project)
    assert result.returncode == 1
    assert not took_fast_path(result)
    assert "specs/api_v2.lock.json is stale (the output folder or package changed)" in result.stderr
    assert cli("generate", cwd=project).returncode == 0
    assert took_fast_path(cli("check", "-v", cwd=project))


def test_a_template_override_is_fingerprinted_by_content(project: Path, cli: Cli) -> None:
    templates = project / "overrides"
    (templates / "models").mkdir(parents=True)
    shutil.copy(ROOT / "templates" / "models" / "model.py.jinja", templates / "models" / "model.py.jinja")
    assert cli("generate", "--templates", "overrides", cwd=project).returncode == 0
    assert took_fast_path(cli("check", "-v", "--templates", "overrides", cwd=project))

    override = templates / "models" / "model.py.jinja"
    override.write_text(override.read_text(encoding="utf-8") + "\n# overridden\n", encoding="utf-8")
    result = cli("check", "-v", "--templates", "overrides", cwd=project)
    assert result.returncode == 1
    assert not took_fast_path(result)
    assert "+# overridden" in result.stdout


@pytest.mark.parametrize("change", ["deleted", "added", "added_folder", "symlink", "beside", "lock", "lock_deleted"])
def test_a_change_on_disk_means_the_full_run(project: Path, cli: Cli, change: str) -> None:
    package = project / PACKAGE
    expected = {
        "deleted": f"{PACKAGE}/models/__init__.py: deleted by hand since the last generate",
        "added": f"{PACKAGE}/notes.txt: added by hand inside the generated package",
        "added_folder": f"{PACKAGE}/extra/x.py: added by hand inside the generated package",
        "symlink": f"{PACKAGE}/_types.py: edited by hand since the last generate",
        "beside": "generated/pyproject.toml: edited by hand since the last generate",
        "lock": "specs/api_v2.lock.json is stale",
        "lock_deleted": "",
    }[change]
    before = tree_bytes(project)
    if change == "deleted":
        (package / "models" / "__init__.py").unlink()
    elif change == "added":
        (package / "notes.txt").write_text("mine\n", encoding="utf-8")
    elif change == "added_folder":
        (package / "extra").mkdir()
        (package / "extra" / "x.py").write_text("x = 1\n", encoding="utf-8")
    elif change == "symlink":  # same bytes, but a link: never followed, always a difference
        copy = project / "elsewhere.py"
        shutil.copy(package / "_types.py", copy)
        (package / "_types.py").unlink()
        (package / "_types.py").symlink_to(copy)
    elif change == "beside":
        beside = project / "generated" / "pyproject.toml"
        beside.write_bytes(beside.read_bytes() + b"# mine\n")
    elif change == "lock":
        lock = project / "specs" / "api_v2.lock.json"
        lock.write_bytes(lock.read_bytes().replace(b'"output": "generated/instantly_client"', b'"output": "generated/other"'))
    elif change == "lock_deleted":
        (project / "specs" / "api_v2.lock.json").unlink()

    result = cli("check", "-v", cwd=project)
    assert not took_fast_path(result)
    if change == "lock_deleted":
        assert result.returncode == 0, result.stderr
        assert "note: specs/api_v2.lock.json is missing" in result.stdout
        again = cli("check", "-v", cwd=project)  # still missing: still the full run, still the note
        assert not took_fast_path(again) and "is missing" in again.stdout
    else:
        assert result.returncode == 1
        assert expected in result.stderr

    result = cli("generate", "-v", cwd=project)
    assert result.returncode == 0, result.stderr
    assert not took_fast_path(result)
    if change == "symlink":
        (project / "elsewhere.py").unlink()
    assert tree_bytes(project) == before
    assert not (package / "_types.py").is_symlink()
    result = cli("check", "-v", cwd=project)
    assert result.returncode == 0 and took_fast_path(result)


def test_the_generator_itself_is_fingerprinted(project: Path, cli: Cli, cache_dir: Path, tmp_path: Path) -> None:
    """A copy of the generator with one template changed: same spec, same folder, the full run."""
    copy = tmp_path / "gen"
    shutil.copytree(ROOT / "generator", copy / "generator", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "templates", copy / "templates", ignore=shutil.ignore_patterns("__pycache__"))
    result = run_cli("check", "-v", cwd=project, env={"PYTHONPATH": str(copy), "OPENAPI_TYPED_GEN_CACHE": str(cache_dir)})
    assert result.returncode == 0 and took_fast_path(result)  # the same code: the same fingerprint

    model = copy / "templates" / "models" / "model.py.jinja"
    model.write_text(model.read_text(encoding="utf-8") + "\n# changed generator\n", encoding="utf-8")
    result = run_cli("check", "-v", cwd=project, env={"PYTHONPATH": str(copy), "OPENAPI_TYPED_GEN_CACHE": str(cache_dir)})
    assert result.returncode == 1
    assert not took_fast_path(result)
    assert "+# changed generator" in result.stdout


# ------------------------------------------------------------------ outside the project, lenient, multi-file, no cache


def test_a_spec_outside_the_project_takes_the_fast_path_too(tmp_path: Path, cli: Cli) -> None:
    elsewhere, work = tmp_path / "elsewhere", tmp_path / "work"
    elsewhere.mkdir()
    work.mkdir()
    shutil.copy(SPEC, elsewhere / "x.json")
    args = ("--spec", str(elsewhere / "x.json"), "--output", str(tmp_path / "out"), "--package", "x_client")
    first = cli("generate", *args, cwd=work)
    assert first.returncode == 0, first.stderr
    assert "note: no lock file:" in first.stdout
    assert sorted(p.name for p in elsewhere.iterdir()) == ["x.json"]

    second = cli("generate", "-v", *args, cwd=work)
    assert second.returncode == 0 and took_fast_path(second)
    note = first.stdout.splitlines()[0]
    assert note.startswith("note: no lock file:")
    files = len(tree_bytes(tmp_path / "out"))
    assert re.fullmatch(re.escape(f"{note}\n{tmp_path}/out/x_client: 3 operations, 5 models, {files} files unchanged (") + r"\d+\.\d\ds\)\n", second.stdout), second.stdout
    check = cli("check", "-v", *args, cwd=work)
    assert check.returncode == 0 and took_fast_path(check)
    assert "note: no lock file:" in check.stdout

    client = tmp_path / "out" / "x_client" / "_client.py"
    client.write_bytes(client.read_bytes() + b"# edited\n")
    check = cli("check", "-v", *args, cwd=work)
    assert check.returncode == 1 and not took_fast_path(check)
    assert "-# edited" in check.stdout


def test_lenient_warnings_are_printed_again_on_a_noop(project: Path, cli: Cli) -> None:
    spec = project / "specs" / "api_v2.json"
    doc = json.loads(spec.read_bytes())
    del doc["paths"]["/api/v2/oauth/microsoft/init"]["post"]["responses"]["429"]["description"]
    spec.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    assert cli("generate", cwd=project).returncode == 2  # strict: refused, nothing recorded

    first = cli("generate", "--lenient", cwd=project)
    assert first.returncode == 0, first.stderr
    assert "warning: specs/api_v2.json#/paths/~1api~1v2~1oauth~1microsoft~1init/post/responses/429" in first.stderr
    second = cli("generate", "-v", "--lenient", cwd=project)
    assert second.returncode == 0 and took_fast_path(second)
    assert second.stderr == f"specs/api_v2.json: {SKIPPED}\n" + first.stderr
    check = cli("check", "--lenient", cwd=project)
    assert (check.returncode, check.stderr) == (0, first.stderr)
    assert cli("check", cwd=project).returncode == 2  # without --lenient the full run refuses it again


def test_a_multi_file_spec_always_takes_the_full_run(tmp_path: Path, cli: Cli) -> None:
    shutil.copytree(ROOT / "tests" / "specs" / "multi_file", tmp_path / "spec")
    args = ("--spec", str(tmp_path / "spec" / "openapi.yaml"), "--output", str(tmp_path / "out"), "--package", "multi_client")
    for _ in range(2):
        result = cli("generate", "-v", *args, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert not took_fast_path(result)
    result = cli("check", "-v", *args, cwd=tmp_path)
    assert result.returncode == 0 and not took_fast_path(result)


def test_with_the_cache_off_every_run_is_a_full_run_and_still_right(project: Path, cli: Cli) -> None:
    off = {"OPENAPI_TYPED_GEN_CACHE": "off"}
    before = state(project)
    for command in ("generate", "check"):
        result = cli(command, "-v", cwd=project, env=off)
        assert result.returncode == 0, result.stderr
        assert not took_fast_path(result)
    assert state(project) == before
    edit_spec_by_one_byte(project)
    assert cli("check", cwd=project, env=off).returncode == 1
    assert cli("generate", cwd=project, env=off).returncode == 0
    result = cli("check", "-v", cwd=project, env=off)
    assert result.returncode == 0 and not took_fast_path(result)


def test_a_lock_check_accepts_but_generate_would_rewrite_is_never_recorded(project: Path, cli: Cli) -> None:
    """The same lock content in other bytes: check passes, but only generate makes it settled again."""
    lock = project / "specs" / "api_v2.lock.json"
    original = lock.read_bytes()
    lock.write_text(json.dumps(json.loads(original), indent=4) + "\n", encoding="utf-8")
    for _ in range(2):  # passes both times, by the full run: a lock generate would rewrite is not recorded
        result = cli("check", "-v", cwd=project)
        assert result.returncode == 0, result.stderr
        assert not took_fast_path(result)
    result = cli("generate", cwd=project)
    assert result.returncode == 0 and "lock file updated" in result.stdout
    assert lock.read_bytes() == original
    assert took_fast_path(cli("check", "-v", cwd=project))


@pytest.mark.parametrize("distribution", ["black", "jinja2", "PyYAML", "openapi-spec-validator", "jsonschema-rs", "httpx"])
def test_installed_version_is_what_importlib_metadata_says(distribution: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.metadata

    from generator.noop import installed_version

    expected = importlib.metadata.version(distribution)

    def unavailable(name: str) -> str:
        raise AssertionError(f"fell back to importlib.metadata for {name}")

    monkeypatch.setattr(importlib.metadata, "version", unavailable)  # read from the .dist-info name, or fail
    assert installed_version(distribution) == expected


def test_installed_version_of_a_missing_distribution() -> None:
    from importlib.metadata import PackageNotFoundError

    from generator.noop import installed_version

    assert installed_version("no-such-distribution-here", "") == ""
    with pytest.raises(PackageNotFoundError):
        installed_version("no-such-distribution-here")
