"""No tracked file names a path of one machine or a folder beside the repository.

A clone with nothing beside it must build, test and benchmark: every input lives in the
repository (the third-party documents in tests/corpus). So no committed file may read
(or tell a reader to read) a fixed absolute folder such as the workspace, root's home or
the temporary folder, or the corpus folder that used to sit beside the repository.
Temporary files come from tempfile / pytest's tmp_path, never from a written-out path.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT

# Written so that this file does not match itself (its examples below are disguised too).
FORBIDDEN = [
    (re.compile(r"(?<![\w.~-])/(?:work|root|tmp)/"), "a fixed machine path"),
    (re.compile(r"\.\./shared\b"), "the folder beside the repository"),
    (re.compile(r"""parent\s*/\s*["']shared["']"""), "the folder beside the repository"),
]


def tracked_files() -> list[Path]:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout: the tracked files are unknown")
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True, timeout=60).stdout
    return [ROOT / name for name in listed.decode("utf-8", "surrogateescape").split("\0") if name]


def offending_lines(name: str, text: str) -> list[str]:
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        for pattern, what in FORBIDDEN:
            if match := pattern.search(line):
                start = max(match.start() - 60, 0)
                found.append(f"{name}:{number}: {what}: {line[start:match.end() + 60].strip()!r}")
    return found


def test_no_tracked_file_names_a_machine_path_or_a_sibling_folder() -> None:
    files = tracked_files()
    assert ROOT / "tests" / "conftest.py" in files  # the listing is real
    offending = []
    for path in files:
        if path.is_file():  # not deleted in the work tree, not a submodule
            offending += offending_lines(path.relative_to(ROOT).as_posix(), path.read_bytes().decode("utf-8", "replace"))
    assert not offending, "\n".join(offending)


# Each example with "%" for "/", so that this file itself stays clean.
@pytest.mark.parametrize(
    "line",
    [
        'CORPUS = Path("%work%shared%corpus")',
        "open('%tmp%out.json')",
        'HOME = "%root%.cache"',
        "see ..%shared%corpus%MANIFEST.tsv",
        'CORPUS = ROOT.parent % "shared" % "corpus"',
    ],
)
def test_each_kind_of_reference_is_reported_with_file_and_line(line: str) -> None:
    line = line.replace("%", "/")
    [report] = offending_lines("a/b.py", f"first line\n{line}\nlast line\n")
    assert report.startswith("a/b.py:2: "), report


@pytest.mark.parametrize("line", ["tmp_path / 'out'", "tempfile.mkdtemp()", "https://example.com/tmp/x", "src/work/a.py", "the shared runtime", "~/work/notes"])
def test_ordinary_text_is_not_reported(line: str) -> None:
    assert offending_lines("a/b.py", line) == []
