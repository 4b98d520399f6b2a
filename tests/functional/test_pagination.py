"""Paginated operations (tests/specs/pagination.yaml): ``<name>_iter`` and ``<name>_pages``.

The styles the generator detects, each against a real server that answers page by
page: Instantly's cursor in the query (``starting_after`` and
``{"items": [...], "next_starting_after": ...}``) and in a POST's JSON body
(``POST /leads/list``), offset/limit, page numbers, and page numbers with a
``Link`` header. The tests check every request the server received and every
item handed out, sync and async.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

import pytest

from .features import feature
from .server import FaultServer, Scripted, json_body, running_server

pytestmark = pytest.mark.usefixtures("features")


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with running_server() as srv:
        yield srv
        assert srv.unscripted == [], "the client called a path the test did not script"


def drain(mode: str, server: FaultServer, method: str, /, *args: Any, **kwargs: Any) -> list[Any]:
    """Every item (or page) the iterator ``client.<resource>.<method>(...)`` yields, sync or async."""
    pkg = feature("pagination")
    resource, name = method.split(".")
    retry = pkg.RetryPolicy(backoff_initial=0.01, backoff_max=0.02)
    if mode == "sync":
        with pkg.Client(base_url=server.url, retry=retry) as client:
            return list(getattr(getattr(client, resource), name)(*args, **kwargs))

    async def main() -> list[Any]:
        async with pkg.AsyncClient(base_url=server.url, retry=retry) as client:
            return [item async for item in getattr(getattr(client, resource), name)(*args, **kwargs)]

    return asyncio.run(main())


def queries(server: FaultServer) -> list[list[tuple[str, str]]]:
    return [parse_qsl(r.query) for r in server.requests]


def campaigns(*ids: str, next: str | None = None) -> Scripted:
    page: dict[str, Any] = {"items": [{"id": i, "name": f"campaign {i}"} for i in ids]}
    if next is not None:
        page["next_starting_after"] = next
    return json_body(page)


def ids(items: list[Any]) -> list[Any]:
    return [getattr(item, "id", getattr(item, "sha", item)) for item in items]


# --------------------------------------------------------------------------- cursor in the query
def test_a_query_cursor_walks_every_page(server: FaultServer, mode: str) -> None:
    server.add("/campaigns", campaigns("a", "b", next="b"), campaigns("c", "d", next="d"), campaigns("e"))
    items = drain(mode, server, "campaigns.list_campaigns_iter", limit=2, search="x y")
    m = feature("pagination").models
    assert items == [m.Campaign(id=i, name=f"campaign {i}") for i in "abcde"]
    assert queries(server) == [
        [("limit", "2"), ("search", "x y")],
        [("limit", "2"), ("starting_after", "b"), ("search", "x y")],
        [("limit", "2"), ("starting_after", "d"), ("search", "x y")],
    ]
    assert {r.method for r in server.requests} == {"GET"}


def test_pages_are_whole_responses(server: FaultServer, mode: str) -> None:
    server.add("/campaigns", campaigns("a", next="a"), campaigns("b"))
    pages = drain(mode, server, "campaigns.list_campaigns_pages")
    m = feature("pagination").models
    assert [type(p) for p in pages] == [m.ListCampaignsResponse, m.ListCampaignsResponse]
    assert [(ids(p.items), p.next_starting_after) for p in pages] == [(["a"], "a"), (["b"], feature("pagination").UNSET)]


def test_an_empty_first_page_is_the_end(server: FaultServer, mode: str) -> None:
    server.add("/campaigns", campaigns(next="never-used"), campaigns(), campaigns())
    assert drain(mode, server, "campaigns.list_campaigns_iter") == []
    assert [ids(p.items) for p in drain(mode, server, "campaigns.list_campaigns_pages")] == [[]]
    assert len(server.requests) == 2


def test_a_repeated_cursor_stops_the_walk(server: FaultServer, mode: str) -> None:
    # A server that hands back the cursor it was given would make a naive client loop forever.
    server.add("/campaigns", campaigns("a", next="k"), campaigns("b", next="k"), campaigns("never"))
    assert ids(drain(mode, server, "campaigns.list_campaigns_iter")) == ["a", "b"]
    assert len(server.requests) == 2


def test_a_cursor_the_caller_gave_is_not_asked_for_again(server: FaultServer, mode: str) -> None:
    server.add("/campaigns", campaigns("a", next="start"), campaigns("never"))
    assert ids(drain(mode, server, "campaigns.list_campaigns_iter", starting_after="start")) == ["a"]
    assert queries(server) == [[("starting_after", "start")]]


def test_a_429_in_the_middle_is_retried_and_the_walk_goes_on(server: FaultServer, mode: str) -> None:
    limited = json_body({"message": "slow down"}, status=429, headers={"Retry-After": "0"})
    server.add("/campaigns", campaigns("a", next="a"), limited, campaigns("b", next="b"), limited, limited, campaigns("c"))
    assert ids(drain(mode, server, "campaigns.list_campaigns_iter")) == ["a", "b", "c"]
    assert [q[-1:] for q in queries(server)] == [[], [("starting_after", "a")], [("starting_after", "a")], [("starting_after", "b")], [("starting_after", "b")], [("starting_after", "b")]]


def test_an_error_after_the_retries_ends_the_walk_with_it(server: FaultServer, mode: str) -> None:
    pkg = feature("pagination")
    got: list[Any] = []
    server.add("/campaigns", campaigns("a", next="a"), json_body({"message": "no"}, status=500))

    async def collect_async() -> None:
        async with pkg.AsyncClient(base_url=server.url) as client:
            async for item in client.campaigns.list_campaigns_iter():
                got.append(item.id)

    with pytest.raises(pkg.ServerError):
        if mode == "sync":
            with pkg.Client(base_url=server.url) as client:
                got.extend(item.id for item in client.campaigns.list_campaigns_iter())
        else:
            asyncio.run(collect_async())
    assert got == ["a"]  # what came before the failure was handed out


def test_a_page_that_does_not_decode_is_a_decode_error(server: FaultServer, mode: str) -> None:
    pkg = feature("pagination")
    server.add("/campaigns", campaigns("a", next="a"), json_body({"items": [{"name": "no id"}]}))
    with pytest.raises(pkg.ApiDecodeError, match=r"at \$\.items\[0\]: missing required property 'id'"):
        drain(mode, server, "campaigns.list_campaigns_iter")


@pytest.mark.parametrize(("max_items", "expected", "requests"), [(0, "", 0), (1, "a", 1), (2, "ab", 1), (3, "abc", 2), (9, "abcde", 3)])
def test_max_items_stops_without_asking_for_more(server: FaultServer, mode: str, max_items: int, expected: str, requests: int) -> None:
    server.add("/campaigns", campaigns("a", "b", next="b"), campaigns("c", "d", next="d"), campaigns("e"))
    assert ids(drain(mode, server, "campaigns.list_campaigns_iter", max_items=max_items)) == list(expected)
    assert len(server.requests) == requests


@pytest.mark.parametrize(("max_pages", "expected"), [(0, []), (1, ["ab"]), (2, ["ab", "cd"]), (None, ["ab", "cd", "e"])])
def test_max_pages(server: FaultServer, mode: str, max_pages: int | None, expected: list[str]) -> None:
    # Only the pages expected are scripted: one more request would be unscripted.
    answers = (campaigns("a", "b", next="b"), campaigns("c", "d", next="d"), campaigns("e"))
    server.add("/campaigns", *answers[: len(expected)])
    assert ids(drain(mode, server, "campaigns.list_campaigns_iter", max_pages=max_pages)) == list("".join(expected))
    server.add("/campaigns", *answers[: len(expected)])
    pages = drain(mode, server, "campaigns.list_campaigns_pages", max_pages=max_pages)
    assert ["".join(ids(p.items)) for p in pages] == expected
    assert len(server.requests) == 2 * len(expected)


@pytest.mark.parametrize("bad", [-1, 1.5, True, "2"])
def test_bad_bounds_are_refused_when_the_method_is_called(server: FaultServer, bad: Any) -> None:
    pkg = feature("pagination")
    with pkg.Client(base_url=server.url) as client:
        with pytest.raises(ValueError, match="max_items must be a number >= 0, or None"):
            client.campaigns.list_campaigns_iter(max_items=bad)
        with pytest.raises(ValueError, match="max_pages must be a number >= 0, or None"):
            client.campaigns.list_campaigns_pages(max_pages=bad)
    assert server.requests == []


def test_per_call_options_apply_to_every_page(server: FaultServer) -> None:
    server.add("/campaigns", campaigns("a", next="a"), campaigns("b"))
    drain("sync", server, "campaigns.list_campaigns_iter", extra_headers={"X-Trace": "t-1"}, extra_query={"v": "2"})
    assert [r.headers["x-trace"] for r in server.requests] == ["t-1", "t-1"]
    assert [q[-1] for q in queries(server)] == [("v", "2"), ("v", "2")]


# --------------------------------------------------------------------------- cursor in the JSON body
def leads(*ids: str, next: str | None = None) -> Scripted:
    return json_body({"items": [{"id": i, "email": f"{i}@example.com"} for i in ids], "next_starting_after": next})


def test_a_body_cursor_walks_every_page(server: FaultServer, mode: str) -> None:
    pkg = feature("pagination")
    body = pkg.models.ListLeadsBody(campaign="c-1", limit=2)
    server.add("/leads/list", leads("l1", "l2", next="l2"), leads("l3", next="l3"), leads())
    items = drain(mode, server, "leads.list_leads_iter", body=body)
    assert ids(items) == ["l1", "l2", "l3"] and type(items[0]) is pkg.models.Lead
    assert [(r.method, r.path) for r in server.requests] == [("POST", "/leads/list")] * 3
    assert [json.loads(r.body) for r in server.requests] == [
        {"campaign": "c-1", "limit": 2},
        {"campaign": "c-1", "limit": 2, "starting_after": "l2"},
        {"campaign": "c-1", "limit": 2, "starting_after": "l3"},
    ]
    assert body.starting_after is pkg.UNSET  # the caller's body is left as it was


def test_a_body_cursor_without_a_body(server: FaultServer, mode: str) -> None:
    server.add("/leads/list", leads("l1", next="l1"), leads("l2"))
    assert ids(drain(mode, server, "leads.list_leads_iter")) == ["l1", "l2"]
    first, second = server.requests
    assert first.body == b"" and json.loads(second.body) == {"starting_after": "l1"}


def test_a_null_next_cursor_is_the_end(server: FaultServer, mode: str) -> None:
    server.add("/leads/list", leads("l1", next=None), leads("never"))
    assert ids(drain(mode, server, "leads.list_leads_iter")) == ["l1"]
    assert len(server.requests) == 1


# --------------------------------------------------------------------------- offset, page, Link
def events(*numbers: int) -> Scripted:
    return json_body({"data": [{"id": n} for n in numbers], "total": 5})


def test_offset_pages_move_by_the_items_received(server: FaultServer, mode: str) -> None:
    server.add("/events", events(1, 2), events(3, 4), events(5), events())
    assert ids(drain(mode, server, "events.list_events_iter", limit=2)) == [1, 2, 3, 4, 5]
    assert queries(server) == [[("limit", "2")], [("offset", "2"), ("limit", "2")], [("offset", "4"), ("limit", "2")], [("offset", "5"), ("limit", "2")]]


def test_offset_from_where_the_caller_starts(server: FaultServer, mode: str) -> None:
    server.add("/events", events(11, 12), events())
    assert ids(drain(mode, server, "events.list_events_iter", offset=10)) == [11, 12]
    assert queries(server) == [[("offset", "10")], [("offset", "12")]]


def test_page_numbers_count_up_from_the_first(server: FaultServer, mode: str) -> None:
    server.add("/numbers", json_body([1, 2]), json_body([3]), json_body([]))
    assert drain(mode, server, "numbers.list_numbers_iter", per_page=2) == [1, 2, 3]
    assert queries(server) == [[("per_page", "2")], [("page", "2"), ("per_page", "2")], [("page", "3"), ("per_page", "2")]]
    server.add("/numbers", json_body([7]), json_body([]))
    assert drain(mode, server, "numbers.list_numbers_iter", page=5) == [7]
    assert queries(server)[-2:] == [[("page", "5")], [("page", "6")]]


def test_a_server_that_ignores_the_offset_or_page_ends_the_walk(server: FaultServer, mode: str) -> None:
    # The same page again means the argument was not used: without this the walk would never end.
    server.add("/events", events(1, 2), events(3), events(3), events(9))
    assert ids(drain(mode, server, "events.list_events_iter")) == [1, 2, 3]
    assert len(server.requests) == 3
    server.add("/numbers", json_body([1, 2]), json_body([1, 2]), json_body([7]))
    pages = drain(mode, server, "numbers.list_numbers_pages")
    assert pages == [[1, 2]]
    assert server.pending("/numbers") == 1 and server.pending("/events") == 1


def commits(*shas: str, link: str | None = None) -> Scripted:
    return json_body([{"sha": s} for s in shas], headers={"Link": link} if link else None)


def test_a_link_header_names_the_next_page(server: FaultServer, mode: str) -> None:
    # The next URL's page number is used; the request still goes to the operation's own
    # path on the client's server, whatever host the header names.
    second = '<https://elsewhere.example/commits?per_page=2&page=2>; rel="next", <https://elsewhere.example/commits?page=9>; rel="last"'
    third = '<https://elsewhere.example/commits?page=1>; rel="prev first", <https://elsewhere.example/commits?page=3&per_page=2>; rel="next"'
    server.add("/commits", commits("c1", "c2", link=second), commits("c3", "c4", link=third), commits("c5", link='<https://elsewhere.example/commits?page=2>; rel="prev"'))
    assert ids(drain(mode, server, "commits.list_commits_iter", per_page=2)) == ["c1", "c2", "c3", "c4", "c5"]
    assert queries(server) == [[("per_page", "2")], [("page", "2"), ("per_page", "2")], [("page", "3"), ("per_page", "2")]]
    assert {r.path for r in server.requests} == {"/commits"}


def test_a_link_to_a_page_already_seen_stops_the_walk(server: FaultServer, mode: str) -> None:
    loop = '</commits?page=2>; rel="next"'
    server.add("/commits", commits("c1", link=loop), commits("c2", link=loop), commits("never"))
    assert ids(drain(mode, server, "commits.list_commits_iter")) == ["c1", "c2"]
    assert len(server.requests) == 2
