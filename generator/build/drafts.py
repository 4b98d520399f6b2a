"""What the build keeps about schemas while it walks them: where each is used, and the
models and named enums it found (``generator.build.schemas``), before names are settled."""

from __future__ import annotations

import dataclasses
from typing import Any

from generator.build.context import Where
from generator.ir import TypeNode


@dataclasses.dataclass(frozen=True, slots=True, order=True)
class Site:
    """Where a schema is used: its identity (for names), and the class names a model there would take.

    Inside a model (``parent``: its key) the three are suffixes of each of the
    parent's own sites (``Schemas.expand``), so a shared inline schema is named
    from every place it is used, whatever the order they were found in.
    """

    identity: str
    hint: str  # the model's name if nothing else wants it
    qualified: str = ""  # a longer name used when the hint collides
    parent: str = ""

    def child(self, step: str, hint: str) -> Site:
        return Site(f"{self.identity}/{step}", self.hint + hint, (self.qualified or self.hint) + hint if self.qualified or not self.parent else "", self.parent)

    def under(self, parent: Site) -> Site:
        """This relative site as seen from one site of its parent."""
        return Site(parent.identity + self.identity, parent.hint + self.hint, (parent.qualified or parent.hint) + self.hint)


@dataclasses.dataclass
class FieldDraft:
    wire: str
    type: TypeNode
    required: bool
    doc: str
    default: Any = None
    has_default: bool = False
    side: str = ""


@dataclasses.dataclass
class Draft:
    """A model or a named enum, named from its sites."""

    key: str
    sites: list[Site]

    def __post_init__(self) -> None:
        self.resolved: list[Site] = []  # every absolute site (``Schemas.expand``)

    @property
    def site(self) -> Site:
        """The site that names it: a component's own, else the least identity among its uses."""
        return min(self.resolved or self.sites, key=lambda s: s.identity)


@dataclasses.dataclass
class ModelDraft(Draft):
    schema: dict[str, Any]
    where: Where
    doc: str = ""
    fields: list[FieldDraft] = dataclasses.field(default_factory=list)
    closed: bool = False
    extra: TypeNode | None = None


@dataclasses.dataclass
class EnumDraft(Draft):
    values: tuple[str | int | bool, ...]
    doc: str = ""
