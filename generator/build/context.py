"""What every part of the build shares: the document, its name, the config, and what to report."""

from __future__ import annotations

import dataclasses
from typing import Any

from generator.config import Config
from generator.errors import SpecError, pointer
from generator.resolve import Resolver

Where = list[str | int]


@dataclasses.dataclass
class Context:
    doc: dict[str, Any]
    name: str  # the spec as shown to the user
    config: Config
    resolver: Resolver
    notes: list[str] = dataclasses.field(default_factory=list)
    warnings: list[str] = dataclasses.field(default_factory=list)

    @classmethod
    def of(cls, doc: dict[str, Any], name: str, config: Config) -> Context:
        return cls(doc, name, config, Resolver(doc, name))

    def fail(self, where: Where, message: str) -> SpecError:
        return SpecError(self.name, pointer(where), message)

    def lenient_or_fail(self, where: Where, message: str, fallback: str) -> None:
        """Refuse, or (``--lenient``) warn and go on with ``fallback``."""
        problem = self.fail(where, message)
        if not self.config.lenient:
            raise problem
        self.warnings.append(f"{problem} ({fallback})")

    def deref(self, node: Any, where: Where) -> tuple[Any, Where]:
        return self.resolver.deref(node, where)


def text(node: Any, key: str) -> str:
    """A string field of a spec object ("" when absent or not a string)."""
    value = node.get(key) if isinstance(node, dict) else None
    return value if isinstance(value, str) else ""


def mapping(node: Any, key: str) -> dict[str, Any]:
    """An object field of a spec object ({} when absent or not an object)."""
    value = node.get(key) if isinstance(node, dict) else None
    return value if isinstance(value, dict) else {}


def sequence(node: Any, key: str) -> list[Any]:
    """An array field of a spec object ([] when absent or not an array)."""
    value = node.get(key) if isinstance(node, dict) else None
    return value if isinstance(value, list) else []
