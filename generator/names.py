"""Settling the Python names of one namespace, from each item's identity alone.

An item (an operation, a field, a model ...) has an *identity* (what it is:
``POST /pets``, the wire name ``user-id``, ``#/components/schemas/Pet``) and a
*candidate* name derived from it (``create_pet``, ``user_id``, ``Pet``). The rule:

1. A name the lock pins to an identity (``pins``) stays bound to it while that
   identity exists, so regenerating never moves a name to something else.
2. A candidate that no other item of the namespace wants, and that is neither
   reserved nor pinned to another identity, is the item's name.
3. Items whose candidates collide all get *qualified* names derived from their own
   identity (``qualify``); when even those collide, or a name is too long, a hash
   of the identity is appended. So adding, removing or reordering other items
   can make a colliding name disappear, but never bind it to another item.

The result does not depend on the order of the items.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable, Collection, Iterable, Mapping

MAX_LENGTH = 80  # longer names are cut, and get a hash of their identity


@dataclasses.dataclass(frozen=True, slots=True)
class Item:
    identity: str
    candidate: str
    aliases: tuple[str, ...] = ()  # other identities that also denote it (a shared inline schema's other uses)


@dataclasses.dataclass(frozen=True, slots=True)
class Settled:
    names: dict[str, str]  # identity -> name
    warnings: tuple[str, ...]
    recorded: dict[str, str] = dataclasses.field(default_factory=dict)  # identity -> the identity the lock pins it by

    def __getitem__(self, identity: str) -> str:
        return self.names[identity]

    def stable(self, identity: str) -> str:
        """The identity the item is pinned by: an alias when an earlier lock pinned it so."""
        return self.recorded.get(identity, identity)

    def record(self) -> tuple[tuple[str, str], ...]:
        """(name, identity) pairs, sorted by name: what the lock pins."""
        return tuple(sorted((name, self.stable(identity)) for identity, name in self.names.items()))


def digest(identity: str, length: int = 6) -> str:
    return hashlib.sha256(identity.encode("utf-8", "surrogatepass")).hexdigest()[:length]


def hashed(name: str, identity: str, length: int = 6) -> str:
    """``name_<hash of identity>``, cut so that the whole stays within MAX_LENGTH."""
    suffix = "_" + digest(identity, length)
    return name[: MAX_LENGTH - len(suffix)].rstrip("_") + suffix


def shorten(name: str, identity: str) -> str:
    return name if len(name) <= MAX_LENGTH else hashed(name, identity, 8)


def by_hash(candidate: str, identity: str) -> str:
    return hashed(candidate, identity)


def settle(
    namespace: str,
    items: Iterable[Item],
    *,
    reserved: Collection[str] = (),
    owned: Mapping[str, str] | None = None,
    pins: Mapping[str, str] | None = None,
    fold: bool = False,
    qualify: Callable[[str, str], str] = by_hash,
) -> Settled:
    """Names for ``items`` (see the module docstring).

    ``reserved``: names no item may take. ``owned``: names kept for one identity
    (the request body's ``body``). ``pins``: name -> identity from the lock.
    ``fold``: names must differ in more than case (files, classes). ``qualify``:
    (candidate, identity) -> the qualified name used on a collision.
    """

    def key(name: str) -> str:
        return name.casefold() if fold else name

    pending = {item.identity: item for item in items}
    names: dict[str, str] = {}
    taken: dict[str, str] = {}  # key(name) -> identity
    blocked = {key(name) for name in reserved}
    warnings: list[str] = []

    def assign(identity: str, name: str) -> None:
        names[identity] = name
        taken[key(name)] = identity
        pending.pop(identity, None)

    for name, identity in sorted((owned or {}).items()):
        if identity in pending:
            assign(identity, name)
        blocked.add(key(name))
    by_alias = {alias: item.identity for item in pending.values() for alias in item.aliases}
    recorded: dict[str, str] = {}
    for name, pinned in sorted((pins or {}).items()):
        identity = pinned if pinned in pending else by_alias.get(pinned, "")
        if identity in pending and key(name) not in blocked and key(name) not in taken and name.isidentifier():
            assign(identity, name)
            if identity != pinned:
                recorded[identity] = pinned
    groups: dict[str, list[Item]] = {}
    for item in pending.values():
        groups.setdefault(key(shorten(item.candidate, item.identity)), []).append(item)
    collided: list[Item] = []
    for group_key in sorted(groups):
        group = groups[group_key]
        if len(group) == 1 and group_key not in blocked and group_key not in taken:
            assign(group[0].identity, shorten(group[0].candidate, group[0].identity))
        else:
            collided.extend(group)
    for item in sorted(collided, key=lambda i: i.identity):
        name = shorten(qualify(item.candidate, item.identity), item.identity)
        length = 6
        while key(name) in taken or key(name) in blocked:
            name = hashed(item.candidate, item.identity, length)
            length += 2
        holder = taken.get(key(shorten(item.candidate, item.identity)))
        if holder is not None and (pins or {}).get(names[holder]) in (holder, recorded.get(holder)):
            warnings.append(
                f"{namespace}: the name {item.candidate!r} stays bound to {holder} (pinned by the lock);"
                f" {item.identity} is named {name!r}"
            )
        assign(item.identity, name)
    return Settled(names, tuple(warnings), recorded)
