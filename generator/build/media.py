"""Media types: which one of an operation's to use, and how its bodies are read and written.

Every media type generates something: JSON (``application/json``, ``+json``) is
decoded into models; NDJSON is a list of decoded lines; form and multipart
bodies are sent from models or dicts; text and YAML are ``str``; anything else
(binary, images, an empty or unknown type) is ``bytes`` sent or kept as is.
"""

from __future__ import annotations

from typing import Any

# Preference among several media types of one body (lower first).
_REQUEST_ORDER = ("json", "form", "multipart", "ndjson", "text", "bytes")
_RESPONSE_ORDER = ("json", "ndjson", "text", "bytes")
_TEXT = frozenset({"application/x-yaml", "application/yaml", "application/xml", "application/javascript", "application/graphql", "application/sql"})
_NDJSON = frozenset({"application/x-ndjson", "application/ndjson", "application/jsonl", "application/x-jsonlines", "application/jsonlines"})


def base(media_type: str) -> str:
    return media_type.split(";")[0].strip().lower()


def kind(media_type: str, *, request: bool = False) -> str:
    """json, ndjson, form, multipart, text or bytes."""
    plain = base(media_type)
    if plain == "application/json" or plain.endswith("+json") or plain == "text/json":
        return "json"
    if plain in _NDJSON or plain.endswith("+ndjson"):
        return "ndjson"
    if request and plain == "multipart/form-data":
        return "multipart"
    if request and plain == "application/x-www-form-urlencoded":
        return "form"
    if plain.startswith("text/") or plain in _TEXT or plain.endswith(("+xml", "+yaml")):
        return "text"
    return "bytes"


def pick(content: dict[str, Any], *, request: bool = False) -> str | None:
    """The media type to generate for (None when there is none); ties go to the first listed."""
    if not isinstance(content, dict) or not content:
        return None
    order = _REQUEST_ORDER if request else _RESPONSE_ORDER
    return min(content, key=lambda m: order.index(kind(str(m), request=request)) if kind(str(m), request=request) in order else len(order))


def content_type(media_type: str, body_kind: str) -> str:
    """The Content-Type to send for a request body of this media type."""
    plain = base(media_type)
    if not plain or "*" in plain:
        return {"json": "application/json", "text": "text/plain; charset=utf-8"}.get(body_kind, "application/octet-stream")
    if body_kind == "text" and "charset" not in media_type.lower():
        return f"{media_type.strip()}; charset=utf-8"  # the runtime sends text as UTF-8: say so
    return media_type.strip()
