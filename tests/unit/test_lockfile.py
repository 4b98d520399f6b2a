"""The lock file (generator.lock): its bytes, and what it refuses to read."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from generator.errors import SpecError
from generator.lock import LOCK_VERSION, MAX_BYTES, Lock, Source, parse, read

LOCK = Lock(
    spec="api.json",
    spec_sha256="a" * 64,
    source=Source("https://example.com/api.json", '"etag"', "Wed, 01 Apr 2026 10:00:00 GMT", "b" * 64),
    generator_version="1.2.3",
    generator_digest="c" * 64,
    black_version="25.1.0",
    config_fingerprint="d" * 64,
    package="pets_client",
    files={"pets_client/z.py": "1" * 64, "pets_client/a.py": "2" * 64, "pyproject.toml": "3" * 64},
    rendered={"pets_client/a.py": "4" * 64},
    names={"methods pets": {"list_pets": "GET /pets", "create_pet": "POST /pets"}, "classes": {"Pet": "#/components/schemas/Pet"}},
    validated=frozenset({"f" * 64, "e" * 64}),
)


def test_a_lock_reads_back_as_written() -> None:
    assert parse(LOCK.to_bytes(), "x.lock.json") == LOCK


def test_the_same_lock_is_the_same_bytes_sorted_and_without_timestamps() -> None:
    shuffled = Lock(**{**LOCK.__dict__, "files": dict(reversed(list(LOCK.files.items()))), "names": dict(reversed(list(LOCK.names.items())))})
    data = LOCK.to_bytes()
    assert shuffled.to_bytes() == data
    doc = json.loads(data)
    assert list(doc["files"]) == sorted(doc["files"]) and list(doc["names"]) == sorted(doc["names"])
    assert list(doc["names"]["methods pets"]) == ["create_pet", "list_pets"]
    assert doc["lock_version"] == LOCK_VERSION and data.endswith(b"}\n")
    assert doc["files"]["pets_client/a.py"] == {"sha256": "2" * 64, "rendered": "4" * 64}
    assert doc["files"]["pyproject.toml"] == {"sha256": "3" * 64}
    assert doc["validated"] == ["e" * 64, "f" * 64]


def test_inputs_are_what_decides_the_output_besides_the_files() -> None:
    assert LOCK.inputs() == ("a" * 64, "1.2.3", "c" * 64, "25.1.0", "d" * 64, "pets_client")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"{not json", "x.lock.json: not a valid lock file: "),
        (b"\xff\xfe", "x.lock.json: not a valid lock file: "),
        (b"[]", "x.lock.json#/lock_version: unsupported lock version None (this generator reads 2): delete it to start afresh"),
        (json.dumps({"lock_version": 3}).encode(), "x.lock.json#/lock_version: unsupported lock version 3 (this generator reads 2): upgrade openapi-typed-gen"),
        (json.dumps({"lock_version": True}).encode(), "x.lock.json#/lock_version: unsupported lock version True"),
        (json.dumps({"lock_version": 2, "files": {}}).encode(), "x.lock.json: not a valid lock file: missing or malformed "),
    ],
)
def test_what_is_not_a_lock_is_one_clear_error(data: bytes, message: str) -> None:
    with pytest.raises(SpecError) as info:
        parse(data, "x.lock.json")
    assert str(info.value).startswith(message), str(info.value)
    assert "\n" not in str(info.value)


def test_a_value_of_the_wrong_type_is_refused() -> None:
    doc = json.loads(LOCK.to_bytes())
    doc["names"]["methods pets"]["list_pets"] = 5
    with pytest.raises(SpecError, match="not a valid lock file: missing or malformed a value is not a string"):
        parse(json.dumps(doc).encode(), "x.lock.json")
    for wrong in ("f" * 64, [5], [["f"]]):  # a list of strings
        doc = json.loads(LOCK.to_bytes())
        doc["validated"] = wrong
        with pytest.raises(SpecError, match="not a valid lock file: missing or malformed"):
            parse(json.dumps(doc).encode(), "x.lock.json")
    doc = json.loads(LOCK.to_bytes())
    del doc["validated"]  # written before the lock kept them: nothing passed
    assert parse(json.dumps(doc).encode(), "x.lock.json") == Lock(**{**LOCK.__dict__, "validated": frozenset()})
    doc = json.loads(LOCK.to_bytes())
    doc["files"]["pyproject.toml"] = "3" * 64  # an entry must be an object
    with pytest.raises(SpecError, match="not a valid lock file"):
        parse(json.dumps(doc).encode(), "x.lock.json")


def test_read_a_missing_lock_an_older_one_and_a_folder(tmp_path: Path) -> None:
    assert read(tmp_path / "none.lock.json", "none.lock.json") is None
    old = tmp_path / "old.lock.json"
    old.write_text(json.dumps({"lock_version": 1, "whatever": "the old layout"}), encoding="utf-8")
    assert read(old, "old.lock.json") is None  # an older generator's: the next generate rewrites it whole
    (tmp_path / "dir.lock.json").mkdir()
    with pytest.raises(SpecError, match=r"^dir\.lock\.json: cannot read the lock file: is a folder, not a file$"):
        read(tmp_path / "dir.lock.json", "dir.lock.json")
    path = tmp_path / "ok.lock.json"
    path.write_bytes(LOCK.to_bytes())
    assert read(path, "ok.lock.json") == LOCK


def test_a_lock_that_is_not_a_plain_file_of_bounded_size_is_refused_unread(tmp_path: Path) -> None:
    """A FIFO without a writer (it would block a plain open) and a file over the limit (sparse:
    reading it would take 256 MiB of memory) are each one error, before a byte is read."""
    fifo = tmp_path / "fifo.lock.json"
    os.mkfifo(fifo)
    with pytest.raises(SpecError, match=r"^fifo\.lock\.json: cannot read the lock file: is not a regular file$"):
        read(fifo, "fifo.lock.json")
    huge = tmp_path / "huge.lock.json"
    with open(huge, "wb") as handle:
        handle.truncate(MAX_BYTES + 1)
    with pytest.raises(SpecError, match=r"^huge\.lock\.json: cannot read the lock file: file is larger than 256 MiB$"):
        read(huge, "huge.lock.json")


def test_an_identity_holding_a_lone_surrogate_is_written_escaped_and_reads_back() -> None:
    """Spec text is not always valid Unicode (JSON allows "\\ud800"); the lock is still UTF-8."""
    lock = Lock(package="p", names={"resources": {"x": 'tag a\ud800b "é" \x1b[2J'}})
    data = lock.to_bytes()
    data.decode("utf-8")  # valid UTF-8
    assert b"\\ud800" in data and b"\x1b" not in data
    assert parse(data, "x.lock.json") == lock
