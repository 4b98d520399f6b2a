"""The change report: what ``diff`` and ``fetch`` print, in Markdown or JSON."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

BUMPS = ("none", "patch", "minor", "major")


@dataclasses.dataclass(frozen=True)
class Change:
    kind: str
    where: str  # the Python name callers use
    message: str
    bump: str  # patch, minor or major

    @property
    def breaking(self) -> bool:
        return self.bump == "major"

    def sort_key(self) -> tuple[int, str, str, str]:
        return (-BUMPS.index(self.bump), self.where, self.kind, self.message)

    def as_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "where": self.where, "breaking": self.breaking, "bump": self.bump, "message": self.message}


@dataclasses.dataclass(frozen=True)
class Side:
    label: str
    title: str
    version: str
    sha256: str
    operations: int
    models: int


@dataclasses.dataclass(frozen=True)
class Report:
    old: Side
    new: Side
    changes: tuple[Change, ...]
    notes: tuple[str, ...] = ()

    @property
    def breaking(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.breaking)

    @property
    def bump(self) -> str:
        return max((c.bump for c in self.changes), key=BUMPS.index, default="none")

    def as_json(self) -> dict[str, Any]:
        return {
            "old": dataclasses.asdict(self.old),
            "new": dataclasses.asdict(self.new),
            "summary": {"breaking": len(self.breaking), "non_breaking": len(self.changes) - len(self.breaking), "suggested_bump": self.bump},
            "changes": [c.as_json() for c in self.changes],
            "notes": list(self.notes),
        }

    def to_json(self) -> str:
        return json.dumps(self.as_json(), indent=2, ensure_ascii=False) + "\n"

    def to_markdown(self) -> str:
        """A report that reads on its own and pastes into another document (no top-level heading)."""
        o, n = self.old, self.new
        lines = [
            f"**API changes for callers**: {_md(o.label)} ({_md(o.version)}, {o.operations} operations) → {_md(n.label)} ({_md(n.version)}, {n.operations} operations).",
            f"Suggested version bump: **{self.bump}** ({len(self.breaking)} breaking, {len(self.changes) - len(self.breaking)} other).",
        ]
        if not self.changes:
            lines += ["", "No changes for callers of the generated client."]
        for title, group in (("Breaking", self.breaking), ("Other", tuple(c for c in self.changes if not c.breaking))):
            if group:
                lines += ["", f"{title}:", ""]
                lines += [f"- `{_code(c.where)}`: {_md(c.message)} ({c.kind})" for c in group]
        if self.notes:
            lines += ["", "Notes:", ""] + [f"- {_md(note)}" for note in self.notes]
        return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    from generator.docs import md

    return md(text)


def _code(text: str) -> str:
    return text.replace("`", "'")
