"""tests/corpus and tests/history hold exactly the files their SOURCES.tsv lists, each with the bytes it records.

The corpus is third-party documents copied byte for byte (one starts with a UTF-8 BOM);
SOURCES.tsv names the origin of each one and pins its sha256, so an edited, added,
lost or re-encoded file (line endings, a dropped BOM) fails here by name.
"""

from __future__ import annotations

import csv
import hashlib
import re
from pathlib import Path

import pytest

from tests.conftest import CORPUS

FOLDERS = [CORPUS, CORPUS.parent / "history"]
COLUMNS = ["file", "source_repo", "source_commit", "source_path", "license", "sha256", "note"]


def rows(folder: Path) -> list[dict[str, str]]:
    sources = folder / "SOURCES.tsv"
    lines = [line for line in sources.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]
    reader = csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE)
    assert reader.fieldnames == COLUMNS
    return list(reader)


def present(folder: Path) -> set[str]:
    """The documents under the folder (test modules and caches are not documents)."""
    return {
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and p.name != "SOURCES.tsv" and p.suffix != ".pyc" and not p.name.startswith("test_") and "__pycache__" not in p.parts
    }


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda f: f.name)
def test_every_listed_file_is_present_with_its_recorded_sha256(folder: Path) -> None:
    wrong = []
    for row in rows(folder):
        path = folder / row["file"]
        if not path.is_file():
            wrong.append(f"{row['file']}: listed but missing")
        elif (digest := hashlib.sha256(path.read_bytes()).hexdigest()) != row["sha256"]:
            wrong.append(f"{row['file']}: sha256 {digest}, SOURCES.tsv says {row['sha256']}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda f: f.name)
def test_every_present_file_is_listed_once(folder: Path) -> None:
    listed = [row["file"] for row in rows(folder)]
    assert len(listed) == len(set(listed)), sorted(name for name in listed if listed.count(name) > 1)
    assert present(folder) - set(listed) == set(), f"files in {folder.name} that SOURCES.tsv does not list"
    assert set(listed) - present(folder) == set(), f"files SOURCES.tsv lists that are not in {folder.name}"


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda f: f.name)
def test_every_file_names_its_origin_and_license(folder: Path) -> None:
    for row in rows(folder):
        assert row["license"], row["file"]
        assert re.fullmatch(r"[0-9a-f]{64}", row["sha256"]), row["file"]
        if row["source_repo"] == "unrecorded":
            # Allowed only with a note saying what the file is instead.
            assert row["source_commit"] == row["source_path"] == "unrecorded" and row["note"], row["file"]
        else:
            assert re.fullmatch(r"[\w.-]+/[\w.-]+", row["source_repo"]), row["file"]
            assert re.fullmatch(r"[0-9a-f]{40}", row["source_commit"]), row["file"]
            assert row["source_path"] and not row["source_path"].startswith("/"), row["file"]
