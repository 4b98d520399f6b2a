"""Import blocks laid out the way isort (and ruff's ``I`` rules) lay them out.

Sections: ``__future__``, standard library, third party, then relative imports
(furthest first); ``import x`` before ``from x import y``; names ordered
constants, classes, then functions; ``as`` imports on lines of their own.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable

Stmt = tuple[str, str, str]  # (module, name, alias); name "" means "import module"


def _name_key(name: str) -> tuple[int, list[tuple[int, str]], str]:
    # Like ruff's isort: constants, classes, then the rest; each in natural order
    # ignoring case (WaiterError before WaitForJobError, Model2 before Model10).
    kind = 0 if name.isupper() and len(name) > 1 else 1 if name[:1].isupper() else 2
    natural = [(int(part), "") if part.isdigit() else (-1, part) for part in re.split(r"(\d+)", name.lower())]
    return kind, natural, name


def _section(module: str) -> int:
    if module == "__future__":
        return 0
    if module.startswith("."):
        return 3
    return 1 if module.split(".")[0] in sys.stdlib_module_names else 2


def _module_key(module: str) -> tuple[int, str]:
    dots = len(module) - len(module.lstrip("."))
    return -dots, module.lstrip(".").lower()


def block(stmts: Iterable[Stmt], indent: str = "") -> list[str]:
    """Sorted, merged import lines; sections separated by an empty string."""
    unique = set(stmts)
    sections: dict[int, list[str]] = {}
    plain = sorted({m for m, n, _ in unique if not n}, key=lambda m: m.lower())
    for module in plain:
        sections.setdefault(_section(module), []).append(f"{indent}import {module}")
    froms: dict[str, set[str]] = {}
    aliased: list[tuple[str, str, str]] = []
    for module, name, alias in unique:
        if not name:
            continue
        if alias:
            aliased.append((module, name, alias))
            continue
        froms.setdefault(module, set()).add(name)
    entries: list[tuple[tuple[int, str], tuple[int, list[tuple[int, str]], str], str]] = []
    for module, names in froms.items():
        ordered = sorted(names, key=_name_key)
        entries.append((_module_key(module), (-1, [], ""), f"from {module} import {', '.join(ordered)}"))
    for module, name, alias in aliased:
        entries.append((_module_key(module), _name_key(name), f"from {module} import {name} as {alias}"))
    for _km, _kn, line in sorted(entries, key=lambda e: (e[0], e[1])):
        module = line.split()[1]
        sections.setdefault(_section(module), []).append(indent + line)
    lines: list[str] = []
    for index in sorted(sections):
        if lines:
            lines.append("")
        lines.extend(sections[index])
    return lines
