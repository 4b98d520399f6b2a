"""The validator's child process: the verdict it sends back, a child that dies, and one stopped early."""

from __future__ import annotations

import copy
import json
import os
import signal
import time
from pathlib import Path

import pytest

from generator.docs import signatures
from generator.format import read_batches
from generator.validator import Validator, problems

ROOT = Path(__file__).resolve().parent.parent
SPEC = json.loads((ROOT / "specs" / "api_v2.json").read_text(encoding="utf-8"))

pytestmark = pytest.mark.skipif(not Path("/proc/self/task").is_dir() or not hasattr(os, "fork"), reason="reads child processes from /proc")


def children() -> set[int]:
    """The pids of this process's children (all its threads')."""
    out: set[int] = set()
    for task in Path("/proc/self/task").iterdir():
        out.update(int(pid) for pid in (task / "children").read_text().split())
    return out


def broken() -> dict[str, object]:
    doc = copy.deepcopy(SPEC)
    doc["paths"]["/api/v2/oauth/microsoft/init"]["post"]["responses"] = {"abc": {"description": "not a status"}}
    doc["info"].pop("title")
    return doc


def test_the_child_sends_the_verdict_the_validator_gives_here() -> None:
    before = children()
    for doc in (SPEC, broken()):
        validator = Validator()
        assert len(children() - before) == 1
        validator.send(doc, "specs/x.json")
        found = validator.result()
        assert children() == before  # reaped
        assert [str(p) for p in found] == [str(p) for p in problems(doc, "specs/x.json")]
        validator.close()
    assert found and all(str(p).startswith("specs/x.json") for p in found)


def test_a_child_that_dies_is_replaced_by_validating_here() -> None:
    before = children()
    validator = Validator()
    (pid,) = children() - before
    validator.send(broken(), "specs/x.json")
    os.kill(pid, signal.SIGKILL)
    found = validator.result()
    assert [str(p) for p in found] == [str(p) for p in problems(broken(), "specs/x.json")] and found
    assert children() == before


def test_close_stops_a_child_whose_verdict_is_not_wanted() -> None:
    before = children()
    fds = set(os.listdir("/proc/self/fd"))
    validator = Validator()
    validator.close()  # before send: the run failed reading the spec
    assert children() == before
    validator = Validator()
    validator.send(SPEC, "specs/x.json")
    validator.close()  # after send, before result: the build failed
    deadline = time.monotonic() + 5
    while set(os.listdir("/proc/self/fd")) != fds and time.monotonic() < deadline:
        time.sleep(0.01)  # the writer thread closes its end as it finishes
    assert children() == before and set(os.listdir("/proc/self/fd")) == fds


def test_without_a_child_the_result_is_computed_here(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(os, "fork")  # as on Windows
    before = children()
    validator = Validator()
    assert children() == before
    validator.send(broken(), "specs/x.json")
    assert [str(p) for p in validator.result()] == [str(p) for p in problems(broken(), "specs/x.json")]


# Generated files the child parses once it has validated (generator.format.format_all hands it
# the resources, whose signatures api.md shows).
GOOD = "class Resource:\n    def get(self, session_id: str, *, timeout: float = 1.0) -> int:\n        return 1\n"
FILES = [("resources/a.py", GOOD, True), ("models/b.py", "x = 1\n", False), ("resources/c.py", "def f(:\n", True)]


def test_the_child_parses_files_and_reads_the_wanted_ones() -> None:
    expected = read_batches([(FILES, signatures)])
    assert expected[0] == ["resources/c.py:1: generated code does not parse: invalid syntax"]
    assert expected[1] == {"resources/a.py": {"Resource": {"get": ("(session_id: str, *, timeout: float = 1.0)", "int", "")}}}
    before = children()
    validator = Validator()
    assert len(children() - before) == 1
    validator.send(SPEC, "specs/x.json")
    assert validator.parsed() == ([], {})  # none given yet: answered without the child
    assert len(children() - before) == 1
    validator.parse(FILES[:2], signatures)
    validator.parse(FILES[2:], signatures)
    assert validator.parsed() == expected
    assert children() == before and validator.result() == []  # the verdict came with the parse


def test_files_a_dead_child_did_not_parse_are_parsed_here() -> None:
    before = children()
    validator = Validator()
    (pid,) = children() - before
    validator.send(SPEC, "specs/x.json")
    os.kill(pid, signal.SIGKILL)
    validator.parse(FILES, signatures)
    assert validator.parsed() == read_batches([(FILES, signatures)])
    assert validator.result() == [] and children() == before
