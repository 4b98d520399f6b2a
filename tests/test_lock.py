"""The lock file beside the spec, the no-op ``generate`` and what ``check`` reports."""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import yaml
from conftest import PYTHON, ROOT, SPEC, run_cli, tree_bytes

LOCK = "specs/api_v2.lock.json"
PACKAGE = "generated/instantly_client"


@pytest.fixture(scope="module")
def generated_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("lock-base")
    (root / "specs").mkdir()
    (root / "specs" / "api_v2.json").write_bytes(SPEC.read_bytes())
    (root / "pyproject.toml").write_text(
        '[tool.generator]\nspec = "specs/api_v2.json"\noutput = "generated"\npackage = "instantly_client"\nsource_url = "https://api.instantly.ai/openapi/api_v2.json"\n',
        encoding="utf-8",
    )
    result = run_cli("generate", cwd=root)
    assert result.returncode == 0, result.stderr
    return root


@pytest.fixture
def proj(generated_project: Path, tmp_path: Path) -> Path:
    target = tmp_path / "proj"
    shutil.copytree(generated_project, target)
    return target


def stamps(root: Path) -> dict[str, tuple[int, bytes]]:
    """Every file with its modification time (ns) and bytes."""
    return {p.relative_to(root).as_posix(): (p.stat().st_mtime_ns, p.read_bytes()) for p in sorted(root.rglob("*")) if p.is_file() and "__pycache__" not in p.parts}


def test_lock_records_source_spec_generator_config_and_every_file(proj: Path) -> None:
    lock = json.loads((proj / LOCK).read_text(encoding="utf-8"))
    assert lock["lock_version"] == 1
    assert lock["source"] == {"url": "https://api.instantly.ai/openapi/api_v2.json", "etag": "", "last_modified": "", "sha256": ""}
    assert lock["spec"] == {"path": "specs/api_v2.json", "sha256": hashlib.sha256(SPEC.read_bytes()).hexdigest()}
    assert lock["generator"]["name"] == "openapi-typed-gen"
    import generator

    assert lock["generator"]["version"] == generator.__version__
    assert len(lock["config_fingerprint"]) == 64
    assert lock["output"] == PACKAGE
    on_disk = tree_bytes(proj / PACKAGE)
    assert lock["files"] == {rel: hashlib.sha256(data).hexdigest() for rel, data in on_disk.items()}
    assert list(lock["files"]) == sorted(lock["files"])


def test_lock_is_deterministic_across_projects(proj: Path, tmp_path: Path) -> None:
    other = tmp_path / "elsewhere" / "copy"
    other.mkdir(parents=True)
    (other / "specs").mkdir()
    shutil.copy(proj / "specs" / "api_v2.json", other / "specs" / "api_v2.json")
    shutil.copy(proj / "pyproject.toml", other / "pyproject.toml")
    assert run_cli("generate", cwd=other).returncode == 0
    assert (other / LOCK).read_bytes() == (proj / LOCK).read_bytes()


def test_generate_with_nothing_changed_writes_nothing(proj: Path) -> None:
    generate_once = run_cli("generate", cwd=proj)  # whatever a first run leaves behind is there before we look
    assert generate_once.returncode == 0, generate_once.stderr
    before, paths = stamps(proj), sorted(proj.rglob("*"))
    time.sleep(0.02)
    result = run_cli("generate", cwd=proj)
    assert result.returncode == 0, result.stderr
    assert "unchanged" in result.stdout and "lock" not in result.stdout
    assert stamps(proj) == before
    assert sorted(proj.rglob("*")) == paths  # no staging folder or temporary file left either


def test_check_writes_nothing(proj: Path) -> None:
    before = stamps(proj)
    time.sleep(0.02)
    result = run_cli("check", cwd=proj)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"{PACKAGE} is up to date\n"
    assert stamps(proj) == before


def test_check_names_a_file_edited_by_hand(proj: Path) -> None:
    target = proj / PACKAGE / "errors.py"
    target.write_text(target.read_text(encoding="utf-8") + "PATCHED = True\n", encoding="utf-8")
    result = run_cli("check", cwd=proj)
    assert result.returncode == 1
    assert f"{PACKAGE}/errors.py: edited by hand since the last generate (its sha256 differs from {LOCK})" in result.stderr
    assert "+PATCHED = True" not in result.stdout and "-PATCHED = True" in result.stdout
    assert f"{LOCK} is stale" not in result.stderr  # the lock itself is still right


def test_check_names_files_added_and_deleted_by_hand(proj: Path) -> None:
    (proj / PACKAGE / "helpers.py").write_text("x = 1\n", encoding="utf-8")
    (proj / PACKAGE / "py.typed").unlink()
    result = run_cli("check", cwd=proj)
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert f"{PACKAGE}/helpers.py: added by hand inside the generated package (not in {LOCK})" in lines
    assert f"{PACKAGE}/py.typed: deleted by hand since the last generate (recorded in {LOCK})" in lines
    assert run_cli("generate", cwd=proj).returncode == 0
    assert run_cli("check", cwd=proj).returncode == 0
    assert not (proj / PACKAGE / "helpers.py").exists()


def test_stale_output_is_not_called_a_hand_edit(proj: Path) -> None:
    spec = proj / "specs" / "api_v2.json"
    spec.write_text(spec.read_text(encoding="utf-8").replace("Get oauth session status", "Get the OAuth session status"), encoding="utf-8")
    before = stamps(proj)
    result = run_cli("check", cwd=proj)
    assert result.returncode == 1
    assert "by hand" not in result.stderr
    assert f"{LOCK} is stale (the spec changed since the last generate, the generated files changed)" in result.stderr
    assert f"{PACKAGE} is stale: run `python -m generator generate`" in result.stderr
    assert "Get the OAuth session status" in result.stdout
    assert stamps(proj) == before


def test_a_config_change_makes_the_lock_stale(proj: Path) -> None:
    config = proj / "pyproject.toml"
    config.write_text(config.read_text(encoding="utf-8") + 'api_key_env = "MY_KEY"\n', encoding="utf-8")
    result = run_cli("check", cwd=proj)
    assert result.returncode == 1
    assert f"{LOCK} is stale (the configuration changed, the generated files changed)" in result.stderr
    assert run_cli("generate", cwd=proj).returncode == 0
    assert run_cli("check", cwd=proj).returncode == 0


def test_a_missing_lock_is_only_a_note_and_generate_writes_it(proj: Path) -> None:
    saved = (proj / LOCK).read_bytes()
    (proj / LOCK).unlink()
    package_before = stamps(proj / PACKAGE)
    result = run_cli("check", cwd=proj)
    assert result.returncode == 0, result.stderr
    assert f"note: {LOCK} is missing: `python -m generator generate` writes it" in result.stdout
    result = run_cli("generate", cwd=proj)
    assert result.returncode == 0
    assert "unchanged, lock file updated" in result.stdout
    assert (proj / LOCK).read_bytes() == saved
    assert stamps(proj / PACKAGE) == package_before  # only the lock was written


def test_a_damaged_lock_fails_check_and_generate_rewrites_it(proj: Path) -> None:
    saved = (proj / LOCK).read_bytes()
    (proj / LOCK).write_text('{"lock_version": 1, "source": ', encoding="utf-8")
    result = run_cli("check", cwd=proj)
    assert result.returncode == 1
    assert result.stderr.startswith(f"{LOCK}: not a valid lock file: ")
    assert "Traceback" not in result.stderr
    assert run_cli("generate", cwd=proj).returncode == 0
    assert (proj / LOCK).read_bytes() == saved


def test_a_lock_edited_by_hand_fails_check(proj: Path) -> None:
    lock = json.loads((proj / LOCK).read_text(encoding="utf-8"))
    lock["generator"]["version"] = "0.0.1"
    (proj / LOCK).write_text(json.dumps(lock, indent=2) + "\n", encoding="utf-8")
    result = run_cli("check", cwd=proj)
    assert result.returncode == 1
    assert f"{LOCK} is stale (the generator version changed)" in result.stderr


def test_no_lock_flag(proj: Path) -> None:
    (proj / LOCK).unlink()
    result = run_cli("generate", "--no-lock", cwd=proj)
    assert result.returncode == 0
    assert not (proj / LOCK).exists()
    result = run_cli("check", "--no-lock", cwd=proj)
    assert result.returncode == 0 and "note" not in result.stdout


def test_no_lock_beside_a_spec_outside_the_project(proj: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    shutil.copy(SPEC, outside / "other.json")
    result = run_cli("generate", "--spec", str(outside / "other.json"), "--output", "build", cwd=proj)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in outside.iterdir()) == ["other.json"]
    assert "note: no lock file:" in result.stdout
    assert (proj / "build" / "instantly_client" / "_client.py").is_file()


def test_pre_commit_check_hook(proj: Path) -> None:
    """The hook runs ``check -q`` the way pre-commit does; it fails on a hand edit and passes after generate."""
    hooks = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))}
    hook = hooks["openapi-typed-gen-check"]
    env = {**os.environ, "PATH": f"{Path(PYTHON).parent}{os.pathsep}{os.environ.get('PATH', '')}", "PYTHONPATH": str(ROOT)}

    def run() -> subprocess.CompletedProcess[str]:
        return subprocess.run(shlex.split(hook["entry"]), cwd=proj, env=env, capture_output=True, text=True, timeout=120)

    assert run().returncode == 0
    target = proj / PACKAGE / "_meta.py"
    target.write_bytes(target.read_bytes() + b"# tweak\n")
    result = run()
    assert result.returncode == 1
    assert f"{PACKAGE}/_meta.py: edited by hand since the last generate" in result.stderr
    assert run_cli("generate", "-q", cwd=proj).returncode == 0
    assert run().returncode == 0
