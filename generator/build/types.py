"""Rewriting type nodes once model names are settled (drafts refer to models by key)."""

from __future__ import annotations

from collections.abc import Mapping

from generator.ir import (
    Discriminator,
    ListOf,
    MapOf,
    ModelRef,
    Nullable,
    TypeNode,
    UnionOf,
)


def rename(node: TypeNode, names: Mapping[str, str]) -> TypeNode:
    """``node`` with every ``ModelRef`` key replaced by the model's Python name."""
    if isinstance(node, ModelRef):
        return ModelRef(names[node.name])
    if isinstance(node, ListOf):
        return ListOf(rename(node.item, names))
    if isinstance(node, MapOf):
        return MapOf(rename(node.value, names))
    if isinstance(node, Nullable):
        return Nullable(rename(node.inner, names))
    if isinstance(node, UnionOf):
        found = node.discriminator
        discriminator = Discriminator(found.property, tuple((tag, names[key]) for tag, key in found.mapping)) if found else None
        return UnionOf(tuple(rename(o, names) for o in node.options), discriminator)
    return node
