"""Pure functions that turn spec names into safe, readable Python names and literals.

Every identifier in the output comes from here: nothing from the spec reaches
source text except through ``snake``/``pascal`` (identifiers), ``literal`` (values)
and ``docstring`` (text).
"""

from __future__ import annotations

import functools
import keyword
import re
import unicodedata

# Names a model's class body evaluates (defaults, decorators) or its annotations use:
# a field with one of these names would shadow them, so it gets a "_".
RESERVED_FIELDS = frozenset(
    {"additional_properties", "from_dict", "to_dict", "dataclasses", "dict", "classmethod", "staticmethod", "str", "int", "float",
     "bool", "bytes", "list", "datetime", "uuid", "decimal"}
)
# A method's own names: its body is ``return self._call(_X, locals())``.
# The keys of ``**options: Unpack[RequestOptions]`` too: a parameter of that name would take the
# option's keyword (type checkers refuse the overlap).
RESERVED_PARAMS = frozenset({"self", "options", "locals", "max_items", "max_pages", "extra_headers", "extra_query",
                             "timeout", "max_retries", "deadline", "max_response_bytes"})
# Lower-case names a resource class body uses in annotations: a method called ``list``
# would make every later ``list[...]`` annotation of the class refer to it.
RESERVED_METHODS = frozenset({"str", "int", "float", "bool", "bytes", "list", "dict", "datetime", "uuid", "decimal"})
# Mixed-case words that read as one word: initMicrosoftOAuth -> init_microsoft_oauth.
_COMPOUNDS = ("OAuth", "GitHub", "GitLab", "iOS", "macOS", "IPv4", "IPv6", "IDs", "URLs", "APIs", "UUIDs")
_PASCAL = {c.lower(): c[:1].upper() + c[1:] for c in _COMPOUNDS}
_SYMBOLS = {"+": "plus", "-": "minus", "&": "and", "@": "at", "%": "percent", "#": "hash", "*": "star",
            "<": "lt", ">": "gt", "=": "eq", "!": "not", "$": "dollar", "/": "slash", ".": "dot"}


def ascii_fold(text: str) -> str:
    """Letters with accents lose them (cafe); other letters are kept."""
    folded = unicodedata.normalize("NFKD", text)
    return unicodedata.normalize("NFKC", "".join(c for c in folded if not unicodedata.combining(c)))


_ASCII_SEPARATOR = re.compile(r"[^A-Za-z0-9]+")
_ASCII_CASE_CHANGE = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def _split(text: str) -> list[str]:
    """Words at separators and case changes; digits stay with the word before them."""
    if text.isascii():  # the same rules, as two regular expressions: specs are long
        return _ASCII_CASE_CHANGE.sub(" ", _ASCII_SEPARATOR.sub(" ", text)).split()
    out: list[str] = []
    current = ""
    for index, char in enumerate(text):
        if not (char.isdigit() or char.isidentifier()) or char == "_":
            if current:
                out.append(current)
            current = ""
            continue
        if current:
            prev = current[-1]
            nxt = text[index + 1] if index + 1 < len(text) else ""
            if (char.isupper() and (prev.islower() or prev.isdigit())) or (char.isupper() and prev.isupper() and nxt.islower()):
                out.append(current)
                current = ""
        current += char
    if current:
        out.append(current)
    return out


def words(text: str) -> list[str]:
    """Split camelCase, snake_case, kebab-case and free text into words."""
    return list(_words(text))


@functools.lru_cache(maxsize=1 << 16)  # a pure function; large specs ask for the same names many times
def _words(text: str) -> tuple[str, ...]:
    text = ascii_fold(text)
    for compound in _COMPOUNDS:
        if compound in text:
            text = text.replace(compound, "_" + compound.capitalize() + "_")
    parts = _split(text)
    if not parts:
        parts = [_SYMBOLS[c] for c in text if c in _SYMBOLS]
    elif text[:1] in "+-" and text[1:2].isdigit():
        parts.insert(0, _SYMBOLS[text[0]])
    return tuple(parts)


# Names the generated modules import or define next to spec-named classes: a model
# called ``Mapping`` or ``Any`` would shadow them.
RESERVED_CLASSES = frozenset(
    {"Any", "ClassVar", "Literal", "Mapping", "File", "Unset", "UNSET", "Endpoint", "Resp", "Timeout",
     "SyncResource", "AsyncResource", "ApiResponse", "Client", "AsyncClient", "DecodeFailure", "Auth", "ModelBase"}
)
# File names Windows reserves in every folder (with any extension).
_DEVICE_NAMES = frozenset({"con", "prn", "aux", "nul", "clock"} | {f"{d}{i}" for d in ("com", "lpt") for i in range(10)})


def _fix(name: str, fallback: str) -> str:
    # Python reads identifiers as NFKC: normalise first so that what is compared is what Python sees.
    name = unicodedata.normalize("NFKC", name)
    if not ("a" + name).isidentifier():  # each character that cannot continue an identifier becomes "_"
        name = "".join(c if ("a" + c).isidentifier() else "_" for c in name)
    name = name.strip("_")
    if not name:
        name = fallback
    if name[0].isdigit():
        name = f"{fallback}_{name}" if fallback.islower() else f"{fallback}{name}"
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        name += "_"
    if not name.isidentifier():
        return fallback
    return name


def module_name(text: str, fallback: str = "module") -> str:
    """A file-safe module name: ASCII snake case, no Windows device name.

    It never holds a separator or a dot, so the file it names stays in its folder.
    (``generator.names`` makes module names unique ignoring case.)
    """
    base = "".join(c for c in snake(text, fallback) if c.isascii() and (c.isalnum() or c == "_")).strip("_")
    base = _fix(base, fallback)
    if base.rstrip("_") in _DEVICE_NAMES:
        base = base.rstrip("_") + "_"
    return base


def snake(text: str, fallback: str = "value") -> str:
    """``sessionId`` -> ``session_id``; ``from`` -> ``from_``; ``0`` -> ``value_0``."""
    return _fix("_".join(p.lower() for p in words(text)), fallback)


def pascal(text: str, fallback: str = "Model") -> str:
    """``init microsoft oauth`` -> ``InitMicrosoftOauth``; keeps inner capitals (``OAuth``)."""
    name = "".join(_PASCAL.get(p.lower(), p[:1].upper() + p[1:]) for p in words(text))
    return _fix(name, fallback)


def constant(text: str) -> str:
    return snake(text, "value").upper().rstrip("_") or "VALUE"


def literal(value: object) -> str:
    """A Python literal for a JSON value, computed from the value (never pasted text)."""
    if value is None or isinstance(value, bool):
        return repr(value)
    if isinstance(value, int):
        return repr(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError("NaN and Infinity have no JSON literal")
        return repr(value)
    if isinstance(value, str):
        return _ascii_safe(_prefer_double_quotes(repr(value)))
    if isinstance(value, list):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{literal(str(k))}: {literal(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"not a JSON value: {type(value).__name__}")


def _prefer_double_quotes(text: str) -> str:
    """``repr`` text requoted the way black would: double quotes unless that needs more escapes.

    Only a speed matter: black reformats anything else anyway, but a file it does
    not change is formatted in one pass instead of two.
    """
    if text[0] == '"':
        return text
    body = text[1:-1]
    if "\\" not in body and '"' not in body:  # nothing escaped, nothing to escape
        return f'"{body}"'
    # repr escaped ' only when the value holds both quote kinds.
    new = re.sub(r"(\\*)\\'", lambda m: m.group(1) + "'" if len(m.group(1)) % 2 == 0 else m.group(0), body)
    new = re.sub(r'(\\*)"', lambda m: m.group(1) + '\\"' if len(m.group(1)) % 2 == 0 else m.group(0), new)
    if new.count('\\"') > body.count("\\'"):
        return text
    return f'"{new}"'


def _ascii_safe(source: str) -> str:
    # repr() keeps printable non-ASCII as is; that is valid, but escape line and
    # paragraph separators and bidi controls too, which repr may leave visible.
    if source.isascii():
        return source
    return "".join(c if c.isascii() or (c.isprintable() and unicodedata.category(c) not in ("Cf", "Zl", "Zp")) else f"\\u{ord(c):04x}" if ord(c) < 0x10000 else f"\\U{ord(c):08x}" for c in source)


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def clean_text(text: str) -> str:
    """Spec prose made safe to show: normalised line ends, no control characters."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub(lambda m: " " if m.group() in "\u2028\u2029\x85" else "", text)
    return text.expandtabs(4)


def docstring(text: str, indent: str) -> str:
    """A triple-quoted docstring literal whose contents cannot end it or break it.

    It is laid out as black lays out docstrings, so black leaves it unchanged:
    surrounding blank space stripped, the lines after the first re-indented from
    their common indentation, a space between the text and a quote at either end.
    """
    lines = [line.rstrip() for line in clean_text(text).strip().splitlines()] or [""]
    common = min((len(line) - len(line.lstrip()) for line in lines[1:] if line), default=0)
    body = "\n".join([lines[0], *(line[common:] for line in lines[1:])])
    body = body.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    # A final quote would merge with the closing ones; escape it unless it already is
    # (every backslash is doubled above, so an odd run of backslashes means escaped).
    if body.endswith('"') and (len(body) - 1 - len(body[:-1].rstrip("\\"))) % 2 == 0:
        body = body[:-1] + '\\"'
    if "\n" in body:
        lines = body.split("\n")
        body = lines[0] + "\n" + "\n".join((indent + line) if line else "" for line in lines[1:]) + "\n" + indent
    elif body.endswith('"'):
        body += " "
    if body.startswith('"'):
        body = " " + body
    return f'"""{body}"""'


def summary_line(text: str, limit: int = 100) -> str:
    """The first sentence or line of a description, for one-line docs."""
    first = clean_text(text).strip().split("\n", 1)[0].strip()
    return first if len(first) <= limit else first[: limit - 3].rstrip() + "..."
