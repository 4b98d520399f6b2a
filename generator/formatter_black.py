"""Asking black for ``generator.formatter``: the one mode, inputs that hold many probes
(each after a marker statement, items of a kind in shared frames) and the answers read
back from black's output, and the answers kept on disk.

black is imported only here, and only when it must run.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from generator.formatter_proof import Probe
from generator.formatter_scan import INDENT, WIDTH

_TARGET = "PY310"
_REVISION = "1"  # of the analysis: a new one must not read module results stored by an older one
_FRAME = 40  # items of a batch in one frame
_KEPT_ANSWERS = 50_000  # probe answers kept on disk at most (a few MB)
_DEFINITIONS = ("def ", "async def ", "class ")
Answer = tuple[str, ...] | None
MISSING = object()


def mode() -> Any:
    """The one black mode (``black.Mode``) every module is formatted with."""
    import black

    return black.Mode(target_versions={black.TargetVersion[_TARGET]}, line_length=WIDTH)  # type: ignore[attr-defined]


def run_black(text: str) -> str:
    import black

    return str(black.format_str(text, mode=mode()))


def format_text(text: str) -> tuple[str, str]:
    """black's output for ``text``, or "" and the first line of black's error."""
    try:
        return run_black(text), ""
    except Exception as exc:  # black raises several kinds: all mean it cannot format this
        lines = str(exc).splitlines() or [type(exc).__name__]
        return "", lines[0] + (" " + lines[1] if lines[0].endswith(":") and len(lines) > 1 else "")


def answer_slots(depth: int, probes: list[Probe], together: bool = True) -> list[Answer]:
    """Black's answer to each probe at marker depth ``depth``, from one input: each probe
    in a slot of its own, or (``together``) items of a batch in shared frames of at most
    ``_FRAME`` items, asked again one by one if the frame comes back changed. Where black
    fails on the input, it is split in halves."""
    slots: list[list[Probe]] = []
    frames: dict[str, list[Probe]] = {}
    for probe in probes:
        frame = frames.get(probe.batch) if together and probe.batch else None
        if frame is not None and len(frame) < _FRAME:
            frame.append(probe)
            continue
        slots.append([probe])
        if together and probe.batch:
            frames[probe.batch] = slots[-1]
    source, tag = _assemble(depth, [[*slot[0].head, *(line for p in slot for line in p.text), *slot[0].tail] for slot in slots])
    try:
        found = _segments(run_black(source), depth, len(slots), tag)
    except Exception:  # a probe black cannot parse: find it
        found = None
    if found is None:
        if len(probes) == 1:
            return [None]
        half = len(probes) // 2
        return answer_slots(depth, probes[:half], together) + answer_slots(depth, probes[half:], together)
    answers: dict[Probe, Answer] = {}
    again: list[Probe] = []
    for slot, segment in zip(slots, found, strict=True):
        head, tail = list(slot[0].head), list(slot[0].tail)
        inside = len(segment) >= len(head) + len(tail) and segment[: len(head)] == head and segment[len(segment) - len(tail) :] == tail
        answer = tuple(segment[len(head) : len(segment) - len(tail)]) if inside else None
        if len(slot) == 1:
            answers[slot[0]] = answer
        elif answer == tuple(line for p in slot for line in p.text):
            answers.update((p, p.text) for p in slot)
        else:
            again += slot
    if again:
        answers.update(zip(again, answer_slots(depth, again, together=False), strict=True))
    return [answers[p] for p in probes]


def _assemble(depth: int, slots: Sequence[Sequence[str]]) -> tuple[str, str]:
    """One input for black: ``depth`` nested ``class x:`` lines, then each slot after a
    marker statement of its own at that depth; and the markers' name. The blank lines
    black puts around a definition or after imports are written in already, so that an
    input left unchanged costs black one pass instead of two (the answers do not depend
    on them)."""
    tag = "_fmt_probe_"
    while any(tag in line for slot in slots for line in slot):
        tag += "x"
    pad, blank = INDENT * depth, [""] * (1 if depth else 2)
    out = [INDENT * level + "class x:" for level in range(depth)]
    for number, slot in enumerate(slots):
        block = any(line.startswith(_DEFINITIONS, len(pad)) and not line.startswith(" ", len(pad)) for line in slot)
        after = blank if block else [""] if slot[0].startswith(("import ", "from "), len(pad)) else []
        out += (f"{pad}{tag}{number} = 0", *(blank if slot[0].startswith(("@", *_DEFINITIONS), len(pad)) else []), *slot, *after)
    while out and not out[-1]:
        out.pop()
    return "\n".join(out) + "\n", tag


def _segments(output: str, depth: int, count: int, tag: str) -> list[list[str]] | None:
    """What black made of each slot of ``_assemble``'s input, blank lines around it left
    out; None when the nesting or a marker did not come back as written."""
    lines = output.split("\n")
    if lines[:depth] != [INDENT * level + "class x:" for level in range(depth)]:
        return None
    marks: list[int] = []
    for number in range(count):
        try:
            marks.append(lines.index(f"{INDENT * depth}{tag}{number} = 0", marks[-1] + 1 if marks else depth))
        except ValueError:
            return None
    found = []
    for number, mark in enumerate(marks):
        segment = lines[mark + 1 : marks[number + 1] if number + 1 < count else len(lines)]
        while segment and not segment[0]:
            segment.pop(0)
        while segment and not segment[-1]:
            segment.pop()
        found.append(segment)
    return found


def _digest(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


class Store:
    """Answers on disk: one file of probe answers, one file per module's result, each
    with a checksum; anything unreadable or wrong is ignored, any write may fail."""

    def __init__(self, root: Path | None) -> None:
        self.folder: Path | None = None
        self._probes: dict[str, Any] | None = None if root else {}
        self.new = False
        if root is not None:
            from importlib.metadata import version

            self.folder = root / ("format-" + _digest(version("black"), _TARGET, str(WIDTH), _REVISION, sys.version)[:24])

    @property
    def probes(self) -> dict[str, Any]:
        """The probe answers on disk, read when first wanted."""
        if self._probes is None:
            data = self._read(self.folder / "probes.json") if self.folder else None
            try:
                self._probes = dict(json.loads(data)) if data is not None else {}
            except (ValueError, TypeError):
                self._probes = {}
        return self._probes

    def _read(self, path: Path) -> str | None:
        try:
            check, _, text = path.read_text(encoding="utf-8").partition("\n")
        except (OSError, UnicodeDecodeError):
            return None
        return text if check == _digest(text) else None

    def _write(self, path: Path, text: str) -> None:
        temporary = ""
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(_digest(text) + "\n" + text)
            os.replace(temporary, path)
        except OSError:
            if temporary:
                Path(temporary).unlink(missing_ok=True)

    def key(self, probe: Probe) -> str:
        return _digest(repr((probe.slot, probe.depth, probe.head, probe.text, probe.tail)))

    def answer(self, probe: Probe) -> Any:
        """The stored answer, or ``MISSING``."""
        entry = self.probes.get(self.key(probe), MISSING) if self.probes else MISSING
        if entry is None or (isinstance(entry, list) and all(isinstance(line, str) for line in entry)):
            return None if entry is None else tuple(entry)
        return MISSING

    def module(self, source: str) -> str | None:
        """The result stored for ``source`` (only ever one that parsed)."""
        try:
            key = _digest(source)
        except UnicodeEncodeError:  # a lone surrogate: it does not parse either
            return None
        return None if self.folder is None else self._read(self.folder / "modules" / key[:2] / key)

    def keep_module(self, source: str, output: str) -> None:
        if self.folder is not None:
            key = _digest(source)
            self._write(self.folder / "modules" / key[:2] / key, output)

    def learn(self, answers: Mapping[str, Any]) -> None:
        """Answers black gave (by key) to keep; when the file grows too long, only those."""
        if answers:
            self._probes = dict(answers) if len(self.probes) + len(answers) > _KEPT_ANSWERS else self.probes | dict(answers)
            self.new = True

    def save(self) -> None:
        if self.folder is not None and self.new:
            self._write(self.folder / "probes.json", json.dumps(self.probes))
