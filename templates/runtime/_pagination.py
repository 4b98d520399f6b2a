"""Walking the pages of a list operation: ``client.x.list_y_iter()`` and ``list_y_pages()``.

A paginated operation's ``Endpoint`` carries a ``Paginate``: the style, where the
items are in a page, and which argument takes the cursor, offset or page
number. Each page is one ordinary call (retries, rate limits and deadline
included); ``PageWalk`` decides the next page's arguments and when to stop:

- ``cursor``: the page's ``next`` field becomes the ``param`` argument (a query
  parameter, or a field of the JSON body);
- ``offset``: ``param`` grows by the number of items received;
- ``page``: ``param`` grows by one (the first page is 1 when not given);
- ``link``: ``param`` takes the value the ``Link: <...>; rel="next"`` header's URL
  gives it (the request still goes to the operation's own path).

Iteration stops at an empty page, when the next cursor (or link) is missing or
repeats one already used (a server returning the same cursor never makes it loop
forever), when an offset or page-number page repeats the page before (a server that
ignores the argument), and at ``max_items`` / ``max_pages``.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from typing import Any, cast
from urllib.parse import parse_qs, urlsplit

from ._types import UNSET, ApiResponse

__all__ = ["PageWalk", "Paginate"]

_LINK = re.compile(r"<([^>]*)>\s*((?:;\s*[^;,]*)*)")


class Paginate:
    """How a list operation pages (rendered into its ``Endpoint``)."""

    __slots__ = ("items", "limit", "location", "next", "param", "style", "wire")

    def __init__(
        self,
        style: str,
        *,
        items: tuple[str, ...] = (),
        param: str = "",
        location: str = "query",
        next: tuple[str, ...] = (),
        limit: str = "",
        wire: str = "",
    ) -> None:
        if style not in ("cursor", "offset", "page", "link"):
            raise ValueError(f"unknown pagination style {style!r}")
        self.style = style
        self.items = items
        self.param = param
        self.location = location
        self.next = next
        self.limit = limit
        self.wire = wire or param

    def __repr__(self) -> str:
        return f"Paginate({self.style!r}, param={self.param!r})"


def _attr(value: Any, path: tuple[str, ...]) -> Any:
    for name in path:
        value = getattr(value, name, None)
        if value is None or value is UNSET:
            return None
    return value


def _next_link(response: ApiResponse[Any], wire: str) -> str | None:
    """The value of ``wire`` in the query of the ``Link`` header's ``rel="next"`` URL."""
    for header in response.headers.get_list("link"):
        found: list[tuple[str, str]] = _LINK.findall(header)
        for url, params in found:
            rels: list[str] = re.findall(r'rel\s*=\s*"?([^";]+)"?', params)
            if any("next" in rel.split() for rel in rels):
                values = parse_qs(urlsplit(url).query).get(wire)
                return values[-1] if values else None
    return None


def _bound(args: Mapping[str, Any], name: str) -> int | None:
    """``max_items`` or ``max_pages``: a whole number >= 0, or None (no bound)."""
    bound: object = args.get(name)
    if bound is not None and (
        not isinstance(bound, int) or isinstance(bound, bool) or bound < 0
    ):
        raise ValueError(f"{name} must be a number >= 0, or None")
    return bound


class PageWalk:
    """One iteration: the arguments of the next page, what a page holds, and when to stop."""

    def __init__(self, paginate: Paginate, args: Mapping[str, Any]) -> None:
        self.paginate = paginate
        self.args = dict(args)
        self.max_items = _bound(self.args, "max_items")
        self.max_pages = _bound(self.args, "max_pages")
        self.pages = 0
        self.items = 0
        self.seen: set[str] = set()
        """Cursors (or linked page numbers) already asked for: one coming back ends the walk."""
        start = self._current()
        if paginate.style in ("cursor", "link") and start not in (UNSET, None, ""):
            self.seen.add(str(start))  # the caller's own: the first page asked for it
        self.done = self.max_pages == 0 or self.max_items == 0
        self._previous: list[Any] | None = None

    def items_of(self, parsed: Any) -> list[Any]:
        found = _attr(parsed, self.paginate.items) if self.paginate.items else parsed
        return list(cast("list[object]", found)) if isinstance(found, list) else []

    def fresh(self, items: list[Any]) -> bool:
        """Whether a page is new. An offset or page-number page holding exactly the items
        of the page before (a server that ignores the argument) ends the walk, unseen.
        """
        if (
            self.paginate.style in ("offset", "page")
            and items
            and items == self._previous
        ):
            self.done = True
            return False
        self._previous = items
        return True

    def take(self, items: list[Any]) -> list[Any]:
        """The items of a page to hand out (cut at ``max_items``)."""
        if self.max_items is not None:
            items = items[: max(self.max_items - self.items, 0)]
            if self.items + len(items) >= self.max_items:
                self.done = True
        self.items += len(items)
        return items

    def advance(self, response: ApiResponse[Any], received: int) -> None:
        """Move the arguments on to the next page, or mark the walk done."""
        self.pages += 1
        if received == 0 or (
            self.max_pages is not None and self.pages >= self.max_pages
        ):
            self.done = True
        if self.done:
            return
        p = self.paginate
        value: Any
        if p.style == "cursor":
            value = _attr(response.parsed, p.next)
        elif p.style == "link":
            value = _next_link(response, p.wire)
        elif p.style == "offset":
            current = self.args.get(p.param)
            value = (current if isinstance(current, int) else 0) + received
        else:
            current = self.args.get(p.param)
            value = (current if isinstance(current, int) else 1) + 1
        if (
            value is None
            or value == ""
            or (p.style in ("cursor", "link") and str(value) in self.seen)
        ):
            self.done = True
            return
        self.seen.add(str(value))
        self._set(value)

    def _current(self) -> Any:
        """The cursor, offset or page argument as it stands (``UNSET`` when not given)."""
        p = self.paginate
        if p.location != "body":
            return self.args.get(p.param, UNSET)
        body = self.args.get("body", UNSET)
        if isinstance(body, Mapping):
            return cast("Mapping[str, object]", body).get(p.wire, UNSET)
        return getattr(body, p.param, UNSET)

    def _set(self, value: Any) -> None:
        p = self.paginate
        if p.location != "body":
            self.args[p.param] = value
            return
        body = self.args.get("body", UNSET)
        if dataclasses.is_dataclass(body) and not isinstance(body, type):
            self.args["body"] = dataclasses.replace(body, **{p.param: value})
        elif isinstance(body, Mapping):
            self.args["body"] = {**body, p.wire: value}
        else:
            self.args["body"] = {p.wire: value}
