"""Writing under attack (generator.write.write_output): a kill mid-write, a crash between the two
renames, symbolic links, hostile file names. (Through the CLI: tests/cli/test_output_paths.py,
and two concurrent runs in tests/cli/test_hardening.py.)"""

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
from generator.write import read_tree, write_output

# A child that writes a package through write_output with every file write slowed down (a slow
# disk), so that it can be killed while it stages the new package.
SLOW_WRITER = r'''
import builtins, sys, time
from pathlib import Path
from generator import write as w
def slow_open(*args, **kwargs):
    time.sleep(float(sys.argv[3]))
    return builtins.open(*args, **kwargs)
w.open = slow_open  # the module's own global, looked up before the builtin
files = {f"pkg/f{i:02d}.py": (sys.argv[2] * 100).encode() for i in range(int(sys.argv[4]))}
print("start", flush=True)
out = Path(sys.argv[1])
w.write_output(out, "pkg", files, {}, (out / "lock.json", sys.argv[2].encode()), out)
print("done", flush=True)
'''


def write(out: Path, files: dict[str, bytes], lock: bytes | None = None) -> None:
    write_output(out, "pkg", {f"pkg/{rel}": data for rel, data in files.items()}, {}, (out / "lock.json", lock) if lock is not None else None, out.parent)


def test_a_kill_while_staging_leaves_the_previous_package_and_lock(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write(out, {"a.py": b"old\n", "sub/b.py": b"old\n"}, b"old lock")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", SLOW_WRITER, str(out), "new", "0.2", "20"], env=env, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "start"
    time.sleep(1.0)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert read_tree(out / "pkg") == {"a.py": b"old\n", "sub/b.py": b"old\n"}
    assert (out / "lock.json").read_bytes() == b"old lock"
    assert [p.name for p in out.iterdir() if p.name.startswith(".pkg.new-")]  # the killed run's staging folder
    write(out, {"c.py": b"next\n"}, b"next lock")
    assert read_tree(out / "pkg") == {"c.py": b"next\n"}
    assert sorted(p.name for p in out.iterdir()) == ["lock.json", "pkg"]  # the next run cleaned up


def test_a_crash_between_the_two_renames_is_repaired_by_the_next_run(tmp_path: Path) -> None:
    """The old package was moved aside, the new one not yet moved in: the next run puts the old
    one back before it compares (so an unchanged package is not even rewritten)."""
    out = tmp_path / "out"
    moved = out / ".pkg.old-12345"
    moved.mkdir(parents=True)
    (moved / "a.py").write_bytes(b"old\n")
    inode = (moved / "a.py").stat().st_ino
    (out / ".pkg.new-abc").mkdir()
    (out / ".pkg.new-abc" / "a.py").write_bytes(b"half")
    write(out, {"a.py": b"old\n"})
    assert read_tree(out / "pkg") == {"a.py": b"old\n"}
    assert (out / "pkg" / "a.py").stat().st_ino == inode
    assert sorted(p.name for p in out.iterdir()) == ["pkg"]


def test_output_through_a_symbolic_link_is_refused(tmp_path: Path) -> None:
    project, outside = tmp_path / "project", tmp_path / "outside"
    project.mkdir()
    outside.mkdir()
    (project / "generated").symlink_to(outside)
    with pytest.raises(SpecError, match="leads out of the project"):
        write_output(project / "generated", "pkg", {"pkg/a.py": b"x\n"}, {}, None, project)
    (project / "pkg").symlink_to(outside)
    with pytest.raises(SpecError, match="the output package is a symbolic link"):
        write_output(project, "pkg", {"pkg/a.py": b"x\n"}, {}, None, project)
    assert list(outside.iterdir()) == []


@pytest.mark.parametrize("name", ["../evil.py", "/etc/evil.py", "a/../../evil.py", "C:evil.py", "a\\..\\evil.py", "a\x00.py", "./a.py", "a//b.py", ""])
def test_hostile_file_names_are_refused(tmp_path: Path, name: str) -> None:
    out = tmp_path / "out"
    for files in ({f"pkg/{name}": b"x\n"}, {name or "/": b"x\n"}):  # in the package, and beside it
        with pytest.raises(GenerationError, match="refusing to write"):
            write_output(out, "pkg", files, {}, None, tmp_path)
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_a_planted_symbolic_link_is_never_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_text("TOP-SECRET")
    out = tmp_path / "out"
    write(out, {"a.py": b"x\n"})
    (out / "pkg" / "b.py").symlink_to(secret)
    assert read_tree(out / "pkg") == {"a.py": b"x\n", "b.py": b"<symbolic link>"}
    write(out, {"a.py": b"x\n"})  # the link differs from what is generated: the package is rewritten
    assert read_tree(out / "pkg") == {"a.py": b"x\n"}
    assert secret.read_text() == "TOP-SECRET"


def test_a_file_beside_the_package_that_was_not_generated_is_kept(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "pyproject.toml").write_text("[project]\nname = 'mine'\n")
    written = write_output(out, "pkg", {"pkg/a.py": b"x\n", "pyproject.toml": b"# Code generated by openapi-typed-gen. DO NOT EDIT.\n"}, {}, None, tmp_path)
    assert (out / "pyproject.toml").read_text() == "[project]\nname = 'mine'\n"
    assert written.notes == (f"{out / 'pyproject.toml'} not written: it exists and was not generated (no DO-NOT-EDIT header)",)
    assert written.changed == ("pkg/a.py",)
