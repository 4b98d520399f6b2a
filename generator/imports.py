"""Import statements from (module, name) pairs, laid out as isort (ruff's ``I`` rules) lays them out.

Sections: ``__future__``, the standard library, then imports from the generated
package (relative, furthest first). ``import x`` before ``from x import y``;
names ordered constants, classes, then functions. A statement importing several
names is written one name per line with a trailing comma, as black writes it; so is
any import from a module named from the spec (models, resources, errors: its module
and class names have any length, and written so each line is one black keeps).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable

Import = tuple[str, str]  # (module, name): "" imports the module; "name as alias" binds an alias


def _name_key(name: str) -> tuple[int, list[tuple[int, str]], str]:
    # Like ruff's isort: constants, classes, then the rest; each in natural order ignoring case.
    kind = 0 if name.isupper() and len(name) > 1 else 1 if name[:1].isupper() else 2
    natural = [(int(part), "") if part.isdigit() else (-1, part) for part in re.split(r"(\d+)", name.lower())]
    return kind, natural, name


def relative(module: str, depth: int) -> str:
    """A package-root-relative module (``._codec``, ``.``) as seen from a module ``depth`` folders down."""
    if not module.startswith("."):
        return module
    return "." * depth + module


def _section(module: str) -> int:
    if module == "__future__":
        return 0
    if module.startswith("."):
        return 3
    return 1 if module.split(".")[0] in sys.stdlib_module_names else 2


def _module_key(module: str) -> tuple[int, str]:
    dots = len(module) - len(module.lstrip("."))
    return -dots, module.lstrip(".").lower()


def _from(module: str, names: list[str]) -> list[str]:
    if len(names) == 1 and not _spec_named(module):
        return [f"from {module} import {names[0]}"]
    # One name per line, a trailing comma: black keeps it so at any width.
    return [f"from {module} import (", *(f"    {n}," for n in names), ")"]


def _spec_named(module: str) -> bool:
    """A module of the generated package named from the spec (models, resources, errors),
    not the package itself or its runtime (``_``-prefixed, fixed names)."""
    last = module.lstrip(".").rpartition(".")[2]
    return module.startswith(".") and bool(last) and not last.startswith("_")


def lines(pairs: Iterable[Import], depth: int = 0, indent: str = "") -> list[str]:
    """The import statements, sections separated by an empty line."""
    plain: set[str] = set()
    froms: dict[str, set[str]] = {}
    aliased: set[tuple[str, str]] = set()
    for module, name in pairs:
        module = relative(module, depth)
        if not name:
            plain.add(module)
        elif " as " in name:
            aliased.add((module, name))
        else:
            froms.setdefault(module, set()).add(name)
    sections: dict[int, list[tuple[tuple[int, str], tuple[int, list[tuple[int, str]], str], list[str]]]] = {}
    for module in plain:
        sections.setdefault(_section(module), []).append(((-99, module.lower()), (-1, [], ""), [f"import {module}"]))
    for module, names in froms.items():
        ordered = sorted(names, key=_name_key)
        sections.setdefault(_section(module), []).append((_module_key(module), (-1, [], ""), _from(module, ordered)))
    for module, name in aliased:
        # Sorted by the name imported: "UNSET as UNSET" is a constant, not a class.
        sections.setdefault(_section(module), []).append((_module_key(module), _name_key(name.split(" as ")[0]), _from(module, [name])))
    out: list[str] = []
    for index in sorted(sections):
        if out:
            out.append("")
        for _, _, text in sorted(sections[index], key=lambda e: (e[0], e[1])):
            out.extend(indent + line for line in text)
    return out
