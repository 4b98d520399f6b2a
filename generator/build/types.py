"""Rewriting type nodes once names are settled (drafts refer to models and named enums by key)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from generator.ir import (
    Discriminator,
    ListOf,
    LiteralOf,
    MapOf,
    ModelRef,
    Nullable,
    TypeNode,
    UnionOf,
)


@dataclasses.dataclass(frozen=True)
class Names:
    """The settled names: model key -> class name; enum key -> (alias name, module)."""

    models: Mapping[str, str]
    enums: Mapping[str, tuple[str, str]] = dataclasses.field(default_factory=dict)


def rename(node: TypeNode, names: Names) -> TypeNode:
    """``node`` with every model and named enum key replaced by its Python name."""
    if isinstance(node, ModelRef):
        return ModelRef(names.models[node.name])
    if isinstance(node, LiteralOf):
        return LiteralOf(node.values, *names.enums[node.name]) if node.name else node
    if isinstance(node, ListOf):
        return ListOf(rename(node.item, names))
    if isinstance(node, MapOf):
        return MapOf(rename(node.value, names))
    if isinstance(node, Nullable):
        return Nullable(rename(node.inner, names))
    if isinstance(node, UnionOf):
        found = node.discriminator
        discriminator = Discriminator(found.property, tuple((tag, names.models[key]) for tag, key in found.mapping)) if found else None
        return UnionOf(tuple(rename(o, names) for o in node.options), discriminator)
    return node
