"""Bad output paths through the CLI: one ``error:`` line, exit 2 (3 for an internal failure),
and nothing written or lost anywhere: not in the output folder, not beside it.

A full disk is simulated with ``RLIMIT_FSIZE`` on the child process (writes past the
limit fail with EFBIG; Python ignores SIGXFSZ), which needs neither root nor a mount.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.cli.support import Run, cli, one_error, snapshot, stats

PACKAGE = "pets_client"  # from the spec's title, "Pets"
SMALL: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "Pets", "version": "1.0"},
    "servers": [{"url": "https://pets.example"}],
    "paths": {
        "/pets/{id}": {
            "get": {
                "operationId": "getPet",
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}}}},
            }
        }
    },
    "components": {"schemas": {"Pet": {"type": "object", "properties": {"name": {"type": "string"}, "age": {"type": "integer"}}}}},
}


def write_spec(path: Path, **info: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({**SMALL, "info": {**SMALL["info"], **info}}, indent=1), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory, generator_cache: Path) -> Path:
    """An ad-hoc run's folder: spec.yaml and out/ (the package, its pyproject.toml and the lock)."""
    root = tmp_path_factory.mktemp("adhoc")
    write_spec(root / "spec.yaml")
    done = cli("generate", "--spec", "spec.yaml", "--output", "out", "-q", cwd=root, cache=generator_cache)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in (root / "out").iterdir()) == ["openapi-typed-gen.lock.json", PACKAGE, "pyproject.toml"]
    return root


@pytest.fixture
def work(generated: Path, tmp_path: Path) -> Path:
    target = tmp_path / "work"
    shutil.copytree(generated, target)
    return target


@pytest.mark.parametrize("command", ["generate", "check"])
def test_output_naming_a_file(command: str, tmp_path: Path, run: Callable[..., Run]) -> None:
    write_spec(tmp_path / "spec.yaml")
    (tmp_path / "afile").write_text("mine\n", encoding="utf-8")
    before = snapshot(tmp_path)
    assert one_error(run(command, "--spec", "spec.yaml", "--output", "afile", cwd=tmp_path)) == "afile: the output path is a file, not a folder"
    assert one_error(run(command, "--spec", "spec.yaml", "--output", "afile/sub", cwd=tmp_path)) == "afile/sub: afile, a folder of the output path, is a file, not a folder"
    assert snapshot(tmp_path) == before


def test_project_output_naming_a_file(tmp_path: Path, run: Callable[..., Run]) -> None:
    (tmp_path / "specs").mkdir()
    write_spec(tmp_path / "specs" / "api.yaml")
    (tmp_path / "pyproject.toml").write_text('[tool.generator]\nspec = "specs/api.yaml"\noutput = "generated"\n', encoding="utf-8")
    (tmp_path / "generated").write_text("not a folder\n", encoding="utf-8")
    before = snapshot(tmp_path)
    assert one_error(run("generate", cwd=tmp_path)) == "generated: the output path is a file, not a folder"
    assert snapshot(tmp_path) == before  # no lock beside the spec either


def test_output_that_cannot_be_created(tmp_path: Path, run: Callable[..., Run]) -> None:
    write_spec(tmp_path / "spec.yaml")
    before = snapshot(tmp_path)
    assert one_error(run("generate", "--spec", "spec.yaml", "--output", "/proc/nope", cwd=tmp_path)) == "/proc/nope: cannot create the output folder: No such file or directory"
    assert snapshot(tmp_path) == before
    assert not Path("/proc/nope").exists()


def test_a_read_only_output_folder(tmp_path: Path, run: Callable[..., Run]) -> None:
    write_spec(tmp_path / "spec.yaml")
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        if os.access(folder, os.W_OK):
            pytest.skip("this user (root?) may write into a 0o555 folder")
        before = snapshot(tmp_path)
        line = one_error(run("generate", "--spec", "spec.yaml", "--output", "ro", cwd=tmp_path))
        assert line.startswith("ro: ") and "not writable" in line, line
        line = one_error(run("generate", "--spec", "spec.yaml", "--output", "ro/sub", cwd=tmp_path))
        assert line.startswith("ro/sub: cannot create the output folder: Permission denied"), line
        assert snapshot(tmp_path) == before
    finally:
        folder.chmod(0o755)


def _tiny_disk(limit: int) -> Callable[[], None]:
    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return cap


@pytest.mark.parametrize("change", ["version", "whitespace"])
def test_a_full_disk_leaves_the_previous_output_intact(change: str, work: Path, run: Callable[..., Run]) -> None:
    """A new version changes README.md (larger than the limit): the package cannot be staged. The
    spec re-indented changes only _meta.py (its sha256; smaller than the limit), so the package is
    staged and the lock file is what cannot be written: the package must not be swapped in."""
    if change == "version":
        write_spec(work / "spec.yaml", version="2.5.0")
    else:
        (work / "spec.yaml").write_text(json.dumps(SMALL, indent=4), encoding="utf-8")
    before, times = snapshot(work / "out"), stats(work / "out" / PACKAGE)
    done = run("generate", "--spec", "spec.yaml", "--output", "out", cwd=work, preexec_fn=_tiny_disk(2048))
    assert done.returncode in (2, 3), (done.returncode, done.stderr)
    assert "Traceback" not in done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: out") and "File too large" in lines[0], done.stderr
    assert snapshot(work / "out") == before  # no staging folder or temporary file left; the lock and pyproject.toml as they were
    assert stats(work / "out" / PACKAGE) == times  # not one file of the package rewritten
    # With room again, the same run goes through and check agrees.
    again = run("generate", "--spec", "spec.yaml", "--output", "out", cwd=work)
    assert again.returncode == 0, again.stderr
    assert "lock out/openapi-typed-gen.lock.json written" in again.stdout
    assert run("check", "--spec", "spec.yaml", "--output", "out", "-q", cwd=work).returncode == 0
    assert (b"Pets 2.5.0" in (work / "out" / PACKAGE / "README.md").read_bytes()) == (change == "version")


def test_output_through_a_symbolic_link_out_of_the_project_is_refused(tmp_path: Path, run: Callable[..., Run]) -> None:
    project, outside = tmp_path / "project", tmp_path / "outside"
    (project / "specs").mkdir(parents=True)
    outside.mkdir()
    write_spec(project / "specs" / "api.yaml")
    (project / "pyproject.toml").write_text('[tool.generator]\nspec = "specs/api.yaml"\noutput = "generated"\npackage = "p"\n', encoding="utf-8")
    (project / "generated").symlink_to(outside)
    before = snapshot(tmp_path)
    line = one_error(run("generate", cwd=project))
    assert line.startswith("generated/p: the output path leads out of the project through a symbolic link"), line
    assert list(outside.iterdir()) == []
    assert snapshot(tmp_path) == before


def test_a_package_folder_that_is_a_symbolic_link_is_refused(work: Path, tmp_path: Path, run: Callable[..., Run]) -> None:
    elsewhere = tmp_path / "elsewhere"
    shutil.move(work / "out" / PACKAGE, elsewhere)
    (work / "out" / PACKAGE).symlink_to(elsewhere, target_is_directory=True)
    write_spec(work / "spec.yaml", version="1.1")  # something to write (with nothing changed, nothing is written)
    before = snapshot(tmp_path)
    line = one_error(run("generate", "--spec", "spec.yaml", "--output", "out", cwd=work))
    assert line == f"out/{PACKAGE}: the output package is a symbolic link; refusing to write through it"
    assert snapshot(tmp_path) == before


def test_a_symbolic_link_planted_in_the_package_is_reported_never_followed_and_replaced(work: Path, tmp_path: Path, run: Callable[..., Run]) -> None:
    secret = tmp_path / "secret.py"
    secret.write_text("TOP_SECRET = 'do not print me'\n", encoding="utf-8")
    planted = work / "out" / PACKAGE / "planted.py"
    planted.symlink_to(secret)
    done = run("check", "--spec", "spec.yaml", "--output", "out", cwd=work)
    assert done.returncode == 1
    assert f"--- a/out/{PACKAGE}/planted.py" in done.stdout and "-<symbolic link>" in done.stdout
    assert "TOP_SECRET" not in done.stdout + done.stderr
    assert run("generate", "--spec", "spec.yaml", "--output", "out", "-q", cwd=work).returncode == 0
    assert not planted.exists() and not planted.is_symlink()
    assert secret.read_text(encoding="utf-8") == "TOP_SECRET = 'do not print me'\n"


def test_a_lock_that_is_not_a_lock(work: Path, run: Callable[..., Run]) -> None:
    lock = work / "out" / "openapi-typed-gen.lock.json"
    for text, message in (
        ("{not json", "out/openapi-typed-gen.lock.json: not a valid lock file: "),
        (json.dumps({"lock_version": 99}), "out/openapi-typed-gen.lock.json#/lock_version: unsupported lock version 99 (this generator reads 2): upgrade openapi-typed-gen"),
        (json.dumps({"lock_version": 2, "files": {}}), "out/openapi-typed-gen.lock.json: not a valid lock file: missing or malformed "),
    ):
        lock.write_text(text, encoding="utf-8")
        before = snapshot(work)
        for command in ("generate", "check"):
            line = one_error(run(command, "--spec", "spec.yaml", "--output", "out", cwd=work))
            assert line.startswith(message), line
        assert snapshot(work) == before
