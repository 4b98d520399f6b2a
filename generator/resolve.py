"""``$ref`` handling: every reference is checked before validation, and followed during the build.

References to other files inside the spec's folder are bundled into the document
first (``bundle``); after that only references inside the document (``#/...``)
exist. Nothing is ever read from the network or from outside the spec's folder.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from generator.errors import SpecError, pointer

# Keys whose values are data, not OpenAPI objects: a "$ref" inside them is just a key.
_DATA_KEYS = frozenset({"example", "examples", "default", "enum", "const", "value"})
# Keys whose values map names the author chose to objects: a property called "value"
# or a response called "default" is not data, and a "$ref" there must be checked.
_NAME_MAPS = frozenset(
    {"properties", "patternProperties", "$defs", "definitions", "dependentSchemas", "responses", "schemas", "parameters", "requestBodies", "headers", "securitySchemes", "links", "callbacks", "pathItems"}
)


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


# Every ``$ref`` of a document, as ``iter_refs`` yields them: (where, reference).
Refs = list[tuple[list[str | int], str]]


def iter_refs(node: Any, path: list[str | int]) -> Iterator[tuple[list[str | int], str]]:
    """Every ``$ref`` in OpenAPI positions (not inside examples, defaults or extensions)."""
    # Each entry also says whether the node is a map of names (its keys are never keywords).
    stack: list[tuple[Any, list[str | int], bool]] = [(node, path, False)]
    while stack:
        current, where, names = stack.pop()
        if isinstance(current, dict):
            ref = current.get("$ref")
            if isinstance(ref, str) and not names:
                yield where, ref
            for key, value in current.items():
                if key.startswith("x-") or (not names and (key == "$ref" or (key in _DATA_KEYS and not (key == "examples" and isinstance(value, dict))))):
                    continue
                if isinstance(value, (dict, list)):
                    stack.append((value, [*where, key], not names and (key in _NAME_MAPS or key == "examples")))
        elif isinstance(current, list):
            for index, value in enumerate(current):
                if isinstance(value, (dict, list)):
                    stack.append((value, [*where, index], False))


def check_refs(doc: dict[str, Any], name: str, refs: Refs | None = None) -> None:
    """Fail on the first reference that is remote, outside the document, or dangling
    (``refs``: ``iter_refs(doc, [])``, when the caller already has them)."""
    # Large specs repeat the same few hundred references thousands of times: each is judged once.
    verdicts: dict[str, str | None] = {}
    bad: list[tuple[list[str | int], str]] = []
    for where, ref in refs if refs is not None else iter_refs(doc, []):
        if ref not in verdicts:
            verdicts[ref] = _ref_problem(doc, ref)
        message = verdicts[ref]
        if message is not None:
            bad.append((where, message))
    bad.sort(key=lambda item: [str(p) for p in item[0]])
    problems = [SpecError(name, pointer([*where, "$ref"]), message) for where, message in bad]
    if problems:
        from generator.errors import SpecErrors

        raise SpecErrors(problems)


def _ref_cycle(doc: dict[str, Any], ref: str, target: Any) -> list[str]:
    """The chain of references when following ``ref`` only ever reaches another reference."""
    chain = [ref]
    while isinstance(target, dict) and isinstance(target.get("$ref"), str):
        nxt = target["$ref"]
        if nxt in chain:
            return [*chain, nxt]
        chain.append(nxt)
        try:
            target = lookup(doc, split_ref(nxt))
        except (KeyError, ValueError):
            return []  # reported where that reference itself sits
    return []


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


_SECTIONS = ("schemas", "parameters", "responses", "requestBodies", "headers", "examples", "securitySchemes", "links", "callbacks")


class _Bundler:
    """Copies what relative-file references point to into the root document.

    ``other.yaml#/components/schemas/Pet`` becomes ``#/components/schemas/Pet``
    (renamed when taken); references inside the copied part are rewritten the same
    way, so cycles across files terminate. Files must sit inside the spec's folder.
    """

    def __init__(self, doc: dict[str, Any], path: Path, name: str) -> None:
        self.doc = doc
        self.root_file = path.resolve()
        self.root_dir = self.root_file.parent
        self.name = name
        self.files: dict[Path, Any] = {self.root_file: doc}
        self.done: dict[tuple[Path, str], str] = {}

    def load(self, file: Path, where: str) -> Any:
        if file not in self.files:
            from generator.load import MAX_BYTES, parse

            try:
                if file.exists() and not file.is_file():
                    raise SpecError(self.name, where, f"referenced file {file.name} is not a regular file")
                if file.stat().st_size > MAX_BYTES:
                    raise SpecError(self.name, where, f"referenced file {file.name} is too large")
                text = file.read_bytes().decode("utf-8-sig")
            except FileNotFoundError:
                raise SpecError(self.name, where, f"referenced file {file.relative_to(self.root_dir)} does not exist") from None
            except (OSError, UnicodeDecodeError) as exc:
                raise SpecError(self.name, where, f"cannot read referenced file {file.name}: {exc}") from None
            self.files[file] = parse(text, str(file.relative_to(self.root_dir)))
        return self.files[file]

    def target_file(self, base: Path, ref: str, where: str) -> tuple[Path, str]:
        from urllib.parse import unquote, urlsplit

        parts = urlsplit(ref)
        if parts.scheme or parts.netloc or ref.startswith("//"):
            raise SpecError(self.name, where, f"reference {ref!r} is remote: only files inside the spec's folder are read")
        file_part, _, fragment = ref.partition("#")
        file = (base.parent / unquote(file_part)).resolve() if file_part else base
        try:
            file.relative_to(self.root_dir)
        except ValueError:
            raise SpecError(self.name, where, f"reference {ref!r} leaves the spec's folder") from None
        return file, "#" + fragment

    def section_for(self, tokens: list[str], where_tokens: list[str | int]) -> str | None:
        for token in reversed(tokens[:-1] if tokens else []):
            if token in _SECTIONS:
                return token
        if where_tokens and where_tokens[0] == "paths" and len(where_tokens) == 2:
            return None  # a path item: inlined
        context = [str(t) for t in where_tokens]
        if "parameters" in context[-2:]:
            return "parameters"
        if len(context) >= 2 and context[-2] == "responses":
            return "responses"
        if context[-1:] == ["requestBody"]:
            return "requestBodies"
        return "schemas"

    def local_ref(self, file: Path, fragment: str, where: str, where_tokens: list[str | int]) -> str | Any:
        key = (file, fragment)
        if key in self.done:
            return self.done[key]
        try:
            tokens = split_ref(fragment)
            node = lookup(self.load(file, where), tokens)
        except (ValueError, KeyError):
            raise SpecError(self.name, where, f"reference {file.name}{fragment} points to nothing") from None
        section = self.section_for(tokens, where_tokens)
        if section is None:
            copy = self.rewrite(_deepcopy(node), file, where_tokens)
            return ("inline", copy)
        components = self.doc.setdefault("components", {})
        table = components.setdefault(section, {})
        base = tokens[-1] if tokens else file.stem
        name = base
        counter = 2
        while name in table:
            name = f"{base}_{counter}"
            counter += 1
        local = pointer(["components", section, name])
        self.done[key] = local
        table[name] = {}  # reserve before recursing (cycles)
        table[name] = self.rewrite(_deepcopy(node), file, ["components", section, name])
        return local

    def rewrite(self, node: Any, file: Path, at: list[str | int]) -> Any:
        for where, ref in list(iter_refs(node, [])):
            holder = lookup(node, [str(w) for w in where]) if where else node
            if file == self.root_file and ref.startswith("#"):
                continue
            target_file, fragment = self.target_file(file, ref, pointer([*at, *where, "$ref"]))
            result = self.local_ref(target_file, fragment, pointer([*at, *where, "$ref"]), [*at, *where])
            if isinstance(result, tuple):
                holder.pop("$ref")
                holder.update(result[1])
            else:
                holder["$ref"] = result
        return node

    def run(self) -> None:
        for where, ref in sorted(iter_refs(self.doc, []), key=lambda item: [str(p) for p in item[0]]):
            if ref.startswith("#"):
                continue
            holder = lookup(self.doc, [str(w) for w in where]) if where else self.doc
            at = pointer([*where, "$ref"])
            target_file, fragment = self.target_file(self.root_file, ref, at)
            result = self.local_ref(target_file, fragment, at, where)
            if isinstance(result, tuple):
                holder.pop("$ref")
                holder.update(result[1])
            else:
                holder["$ref"] = result


def _deepcopy(node: Any) -> Any:
    return json.loads(json.dumps(node))


def _ref_problem(doc: dict[str, Any], ref: str) -> str | None:
    """What is wrong with a reference, or None."""
    try:
        tokens = split_ref(ref)
    except ValueError:
        return f"reference {ref!r} is not supported: only references inside the document (#/...) are followed"
    try:
        target = lookup(doc, tokens)
    except KeyError:
        return f"reference {ref!r} points to nothing"
    cycle = _ref_cycle(doc, ref, target)
    if cycle:
        return f"reference {ref!r} is part of a reference cycle ({' -> '.join(map(repr, cycle))}): it never reaches an object"
    return None


def refers_to_files(doc: dict[str, Any], refs: Refs | None = None) -> bool:
    """Whether any ``$ref`` points outside the document (another file, or something refused);
    ``refs``: ``iter_refs(doc, [])``, when the caller already has them."""
    return any(not ref.startswith("#") for _, ref in (refs if refs is not None else iter_refs(doc, [])))


def bundle(doc: dict[str, Any], path: Path, name: str) -> dict[str, Any]:
    """The document with every relative-file reference copied in (the input is changed in place;
    the caller has found that it ``refers_to_files``)."""
    _Bundler(doc, path, name).run()
    from generator.load import check_values

    check_values(doc, name)
    return doc
