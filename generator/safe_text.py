"""Text from specs and servers made safe to show: no terminal control, no credentials.

Pure functions, no imports beyond the standard library: the CLI can route every
message through ``printable`` and every URL it shows or records through ``redact_url``.
"""

from __future__ import annotations

import re
import unicodedata
import urllib.parse

# Line and paragraph separators end a line on some terminals and in many editors.
_SEPARATORS = frozenset("\u2028\u2029")
_KEEP_IN_BLOCKS = frozenset("\n\t")


_SHORT = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(char: str) -> str:
    if char in _SHORT:
        return _SHORT[char]
    code = ord(char)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def _unsafe(char: str) -> bool:
    # Cc: C0 and C1 controls, DEL (ESC starts every terminal escape sequence);
    # Cf: format characters (bidi overrides and isolates, zero-width characters, BOM);
    # Cs: lone surrogates (printing them fails); Co, Cn: private use and unassigned.
    return unicodedata.category(char)[0] == "C" or char in _SEPARATORS


def printable(text: str, *, newlines: bool = False) -> str:
    """``text`` with every control, format or invisible-layout character escaped as ``\\xNN``/``\\uNNNN``.

    Ordinary Unicode (letters, marks, symbols, spaces, emoji) is kept as it is. With
    ``newlines=True``, line feeds and tabs are kept (for multi-line reports); carriage
    returns, which can overwrite a line already shown, are always escaped.
    """
    if text.isprintable():  # no category C or Z character other than the ASCII space
        return text
    keep = _KEEP_IN_BLOCKS if newlines else frozenset()
    return "".join(_escape(c) if c not in keep and _unsafe(c) else c for c in text)


# Query parameter names whose values are credentials (compared in lower case).
_SECRET_NAME = re.compile(r"(token|key|secret|sig|signature|pass|passwd|password|pwd|auth|credential|session|code|jwt|bearer)|^x-(amz|goog)-", re.IGNORECASE)
REDACTED = "REDACTED"


def _redact_pairs(text: str) -> str:
    """``a=1&token=abc`` -> ``a=1&token=REDACTED``, keeping everything else as written."""
    if not text:
        return text
    out = []
    for pair in text.split("&"):
        name, sep, value = pair.partition("=")
        if sep and value and _SECRET_NAME.search(urllib.parse.unquote_plus(name)):
            pair = f"{name}={REDACTED}"
        out.append(pair)
    return "&".join(out)


def redact_url(url: str) -> str:
    """``url`` without its user information and with credential-like query values replaced.

    ``https://user:pw@host/x?api_key=K&v=2`` -> ``https://REDACTED@host/x?api_key=REDACTED&v=2``.
    A fragment is treated as a query (OAuth puts ``access_token`` there). Text that is not a
    URL at all is returned as it was, so a caller can pass whatever it was given.
    """
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        # An unparsable URL (a bad IPv6 literal): drop anything that could be userinfo or a query.
        head = url.split("?", 1)[0].split("#", 1)[0]
        return re.sub(r"//[^/@]*@", f"//{REDACTED}@", head)
    netloc = parts.netloc
    if "@" in netloc:
        netloc = f"{REDACTED}@" + netloc.rpartition("@")[2]
    query, fragment = _redact_pairs(parts.query), _redact_pairs(parts.fragment)
    if (netloc, query, fragment) == (parts.netloc, parts.query, parts.fragment):
        return url
    return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, query, fragment))
