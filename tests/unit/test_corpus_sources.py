"""tests/corpus holds exactly the files SOURCES.tsv lists, each with the bytes it records.

The corpus is third-party documents copied byte for byte (one starts with a UTF-8 BOM);
SOURCES.tsv names the origin of each one and pins its sha256, so an edited, added,
lost or re-encoded file (line endings, a dropped BOM) fails here by name.
"""

from __future__ import annotations

import csv
import hashlib
import re

from tests.conftest import CORPUS

SOURCES = CORPUS / "SOURCES.tsv"
COLUMNS = ["file", "source_repo", "source_commit", "source_path", "license", "sha256", "note"]


def rows() -> list[dict[str, str]]:
    lines = [line for line in SOURCES.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]
    reader = csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE)
    assert reader.fieldnames == COLUMNS
    return list(reader)


def present() -> set[str]:
    """The documents under tests/corpus (its own test module and caches are not corpus files)."""
    return {
        p.relative_to(CORPUS).as_posix()
        for p in CORPUS.rglob("*")
        if p.is_file() and p != SOURCES and p.suffix != ".pyc" and not p.name.startswith("test_") and "__pycache__" not in p.parts
    }


def test_every_listed_file_is_present_with_its_recorded_sha256() -> None:
    wrong = []
    for row in rows():
        path = CORPUS / row["file"]
        if not path.is_file():
            wrong.append(f"{row['file']}: listed but missing")
        elif (digest := hashlib.sha256(path.read_bytes()).hexdigest()) != row["sha256"]:
            wrong.append(f"{row['file']}: sha256 {digest}, SOURCES.tsv says {row['sha256']}")
    assert not wrong, "\n".join(wrong)


def test_every_present_file_is_listed_once() -> None:
    listed = [row["file"] for row in rows()]
    assert len(listed) == len(set(listed)), sorted(name for name in listed if listed.count(name) > 1)
    assert present() - set(listed) == set(), "files in tests/corpus that SOURCES.tsv does not list"
    assert set(listed) - present() == set(), "files SOURCES.tsv lists that are not in tests/corpus"


def test_every_file_names_its_origin_and_license() -> None:
    for row in rows():
        assert row["license"], row["file"]
        assert re.fullmatch(r"[0-9a-f]{64}", row["sha256"]), row["file"]
        if row["source_repo"] == "unrecorded":
            # Allowed only with a note saying what the file is instead.
            assert row["source_commit"] == row["source_path"] == "unrecorded" and row["note"], row["file"]
        else:
            assert re.fullmatch(r"[\w.-]+/[\w.-]+", row["source_repo"]), row["file"]
            assert re.fullmatch(r"[0-9a-f]{40}", row["source_commit"]), row["file"]
            assert row["source_path"] and not row["source_path"].startswith("/"), row["file"]
