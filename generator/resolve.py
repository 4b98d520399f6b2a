"""``$ref`` handling: every reference is checked before validation, and followed during the build.

Only references inside the document (``#/...``) are followed. Nothing is ever read
from the network or from outside the spec's folder.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from generator.errors import SpecError, pointer

# Keys whose values are data, not OpenAPI objects: a "$ref" inside them is just a key.
_DATA_KEYS = frozenset({"example", "examples", "default", "enum", "const", "value"})


def unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def split_ref(ref: str) -> list[str]:
    """The tokens of a local reference ``#/a/b`` (raises ValueError for anything else)."""
    if not ref.startswith("#"):
        raise ValueError(ref)
    frag = ref[1:]
    if frag == "":
        return []
    if not frag.startswith("/"):
        raise ValueError(ref)
    from urllib.parse import unquote

    return [unescape(unquote(t)) for t in frag[1:].split("/")]


def lookup(doc: Any, tokens: list[str]) -> Any:
    node = doc
    for token in tokens:
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            raise KeyError(token)
    return node


def iter_refs(node: Any, path: list[str | int]) -> Iterator[tuple[list[str | int], str]]:
    """Every ``$ref`` in OpenAPI positions (not inside examples, defaults or extensions)."""
    stack: list[tuple[Any, list[str | int]]] = [(node, path)]
    while stack:
        current, where = stack.pop()
        if isinstance(current, dict):
            ref = current.get("$ref")
            if isinstance(ref, str):
                yield where, ref
            for key, value in current.items():
                if key in _DATA_KEYS or key.startswith("x-") or key == "$ref":
                    continue
                if isinstance(value, (dict, list)):
                    stack.append((value, [*where, key]))
        elif isinstance(current, list):
            for index, value in enumerate(current):
                if isinstance(value, (dict, list)):
                    stack.append((value, [*where, index]))


def check_refs(doc: dict[str, Any], name: str) -> None:
    """Fail on the first reference that is remote, outside the document, or dangling."""
    problems = []
    for where, ref in sorted(iter_refs(doc, []), key=lambda item: [str(p) for p in item[0]]):
        at = pointer([*where, "$ref"])
        try:
            tokens = split_ref(ref)
        except ValueError:
            problems.append(SpecError(name, at, f"reference {ref!r} is not supported: only references inside the document (#/...) are followed"))
            continue
        try:
            lookup(doc, tokens)
        except KeyError:
            problems.append(SpecError(name, at, f"reference {ref!r} points to nothing"))
    if problems:
        from generator.errors import SpecErrors

        raise SpecErrors(problems)


class Resolver:
    """Follows local references, detecting cycles of pure references."""

    def __init__(self, doc: dict[str, Any], name: str) -> None:
        self.doc = doc
        self.name = name

    def deref(self, node: Any, where: list[str | int]) -> tuple[Any, list[str | int]]:
        """The object a (chain of) reference(s) points to, and its own path."""
        seen: set[str] = set()
        while isinstance(node, dict) and isinstance(node.get("$ref"), str):
            ref = node["$ref"]
            if ref in seen:
                raise SpecError(self.name, pointer([*where, "$ref"]), f"reference cycle through {ref!r}")
            seen.add(ref)
            tokens = split_ref(ref)
            node = lookup(self.doc, tokens)
            where = list(tokens)
        return node, where
