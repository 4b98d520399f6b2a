"""Writing under attack: a kill mid-write, two runs at once, symbolic links, hostile file names."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from harness import ROOT

from generator.errors import GenerationError, SpecError
from generator.write import read_tree, write

SLOW_WRITER = r'''
import os, sys, time
from pathlib import Path
from generator import write as w
def slow_open(*args, **kwargs):  # a slow disk: every file the writer creates takes a while
    time.sleep(float(sys.argv[3]))
    return open(*args, **kwargs)
w.open = slow_open
files = {f"f{i:02d}.py": (sys.argv[2] * 100).encode() for i in range(int(sys.argv[4]))}
print("start", flush=True)
w.write(Path(sys.argv[1]), files, root=Path(sys.argv[1]).parent)
print("done", flush=True)
'''


def _writer(target: Path, tag: str, delay: float, count: int) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-c", SLOW_WRITER, str(target), tag, str(delay), str(count)], env=env, stdout=subprocess.PIPE, text=True)


def test_kill_mid_write_leaves_previous_package(tmp_path: Path) -> None:
    target = tmp_path / "pkg"
    write(target, {"a.py": b"old\n", "sub/b.py": b"old\n"}, root=tmp_path)
    proc = _writer(target, "new", 0.2, 20)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "start"
    time.sleep(1.0)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert read_tree(target) == {"a.py": b"old\n", "sub/b.py": b"old\n"}
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".pkg.new-")]  # the killed run's staging
    write(target, {"c.py": b"next\n"}, root=tmp_path)
    assert read_tree(target) == {"c.py": b"next\n"}
    assert not [p for p in tmp_path.iterdir() if p.name.startswith((".pkg.new-", ".pkg.old-"))]


def test_killed_fallback_swap_is_recovered(tmp_path: Path) -> None:
    """Without renameat2 the old package is moved aside first: a kill right then is undone next run."""
    target = tmp_path / "pkg"
    moved = tmp_path / ".pkg.old-12345"
    moved.mkdir()
    (moved / "a.py").write_bytes(b"old\n")
    from generator.write import _recover, exclusive

    with exclusive(target):
        _recover(target)
    assert read_tree(target) == {"a.py": b"old\n"}


def test_two_runs_at_once_do_not_interleave(tmp_path: Path) -> None:
    target = tmp_path / "pkg"
    first = _writer(target, "one", 0.05, 12)
    second = _writer(target, "two", 0.05, 12)
    for proc in (first, second):
        out, _ = proc.communicate(timeout=60)
        assert proc.returncode == 0 and "done" in out
    contents = set(read_tree(target).values())
    assert contents in ({b"one" * 100}, {b"two" * 100})
    assert len(read_tree(target)) == 12


def test_output_symlink_out_of_project_is_refused(tmp_path: Path) -> None:
    project, outside = tmp_path / "project", tmp_path / "outside"
    project.mkdir()
    outside.mkdir()
    (project / "generated").symlink_to(outside)
    with pytest.raises(SpecError, match="leads out of the project"):
        write(project / "generated" / "pkg", {"a.py": b"x\n"}, root=project)
    (project / "pkg").symlink_to(outside)
    with pytest.raises(SpecError, match="symbolic link"):
        write(project / "pkg", {"a.py": b"x\n"}, root=project)
    assert list(outside.iterdir()) == []


def test_cli_refuses_output_through_symlink(tmp_path: Path) -> None:
    project, outside = tmp_path / "project", tmp_path / "outside"
    project.mkdir()
    outside.mkdir()
    (project / "out").symlink_to(outside)
    spec = ROOT / "specs" / "api_v2.json"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "generator", "generate", "--spec", str(spec), "--output", "out", "--package", "p", "--no-lock"], cwd=project, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    assert "leads out of the project" in done.stderr
    assert list(outside.iterdir()) == []


@pytest.mark.parametrize("name", ["../evil.py", "/etc/evil.py", "a/../../evil.py", "C:evil.py", "a\\..\\evil.py", "a\x00.py", "./a.py", "a//b.py", ""])
def test_hostile_file_names_are_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(GenerationError, match="refusing to write"):
        write(tmp_path / "pkg", {name: b"x\n"}, root=tmp_path)
    assert not (tmp_path / "pkg").exists()
    assert not (tmp_path / "evil.py").exists()


def test_planted_symlink_is_never_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_text("TOP-SECRET")
    target = tmp_path / "pkg"
    write(target, {"a.py": b"x\n"}, root=tmp_path)
    (target / "b.py").symlink_to(secret)
    assert b"TOP-SECRET" not in b"".join(read_tree(target).values())
