# pyright: reportPrivateUsage=false
# (one unit with _base_client: this module reads the client's ``_``-named settings)
"""Resources: the classes generated operation methods live on, and ``with_raw_response``.

A generated method is one statement, ``return self._call(ENDPOINT, locals())``
(async: ``return await ...``); a waiter is ``return self._wait(WAITER,
locals())``. ``with_raw_response(client.items.get_item)`` calls the same
function on a raw twin of the resource, whose ``_call`` gives the
``ApiResponse`` instead of the parsed body: no state is set around the call.
"""

from __future__ import annotations

import functools
import time
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator, Mapping
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar, cast, overload

from ._errors import ApiDeadlineError
from ._pagination import PageWalk, Paginate
from ._types import ApiResponse
from ._waiter import Waiter, WaitRun

if TYPE_CHECKING:
    from ._base_client import AsyncBaseClient, SyncBaseClient
    from ._endpoint import Endpoint

__all__ = ["AsyncResource", "SyncResource", "with_raw_response"]

T = TypeVar("T")
P = ParamSpec("P")


class SyncResource:
    """Base of generated sync resource classes (``client.oauth`` ...)."""

    __slots__ = ("_client", "_raw")

    def __init__(self, client: SyncBaseClient, raw: bool = False) -> None:
        self._client = client
        self._raw = raw

    def _call(self, endpoint: Endpoint[T], args: Mapping[str, Any]) -> T:
        """Send the operation; its parsed body (an ``ApiResponse`` for a raw resource)."""
        return cast(T, self._client._request(endpoint, args, self._raw))

    def _pages(self, endpoint: Endpoint[T], args: Mapping[str, Any]) -> Iterator[T]:
        """Every page of a paginated operation (see ``_pagination``), one call each.

        The arguments are checked now; the first request goes out on the first ``next``.
        """
        return self._walk_pages(endpoint, PageWalk(_paginate(endpoint), args))

    def _walk_pages(self, endpoint: Endpoint[T], walk: PageWalk) -> Iterator[T]:
        while not walk.done:
            response: ApiResponse[T] = self._client._request(endpoint, walk.args, True)
            items = walk.items_of(response.parsed)
            if not walk.fresh(items):
                return
            walk.advance(response, len(items))
            yield response.parsed

    def _iter(self, endpoint: Endpoint[Any], args: Mapping[str, Any]) -> Iterator[Any]:
        """Every item of every page of a paginated operation (checked as ``_pages``)."""
        walk = PageWalk(_paginate(endpoint), args)
        pages = self._walk_pages(endpoint, walk)
        return (item for page in pages for item in walk.take(walk.items_of(page)))

    def _wait(self, waiter: Waiter[T], args: Mapping[str, Any]) -> T:
        """Poll ``waiter.endpoint`` until its field is final (see ``_waiter``)."""
        run = WaitRun(waiter, args)
        while True:
            poll_args = run.next_args()
            try:
                response = self._client._request(waiter.endpoint, poll_args, True)
            except ApiDeadlineError as exc:
                raise run.timed_out() from exc
            pause = run.observe(response)
            if pause is None:
                return cast(T, response if self._raw else response.parsed)
            time.sleep(pause)


class AsyncResource:
    """Base of generated async resource classes."""

    __slots__ = ("_client", "_raw")

    def __init__(self, client: AsyncBaseClient, raw: bool = False) -> None:
        self._client = client
        self._raw = raw

    async def _call(self, endpoint: Endpoint[T], args: Mapping[str, Any]) -> T:
        """Send the operation; its parsed body (an ``ApiResponse`` for a raw resource)."""
        return cast(T, await self._client._request(endpoint, args, self._raw))

    def _pages(
        self, endpoint: Endpoint[T], args: Mapping[str, Any]
    ) -> AsyncIterator[T]:
        """Every page of a paginated operation (see ``_pagination``), one call each.

        The arguments are checked now; the first request goes out on the first ``anext``.
        """
        return self._walk_pages(endpoint, PageWalk(_paginate(endpoint), args))

    async def _walk_pages(
        self, endpoint: Endpoint[T], walk: PageWalk
    ) -> AsyncIterator[T]:
        while not walk.done:
            response: ApiResponse[T] = await self._client._request(
                endpoint, walk.args, True
            )
            items = walk.items_of(response.parsed)
            if not walk.fresh(items):
                return
            walk.advance(response, len(items))
            yield response.parsed

    def _iter(
        self, endpoint: Endpoint[Any], args: Mapping[str, Any]
    ) -> AsyncIterator[Any]:
        """Every item of every page of a paginated operation (checked as ``_pages``)."""
        walk = PageWalk(_paginate(endpoint), args)
        return self._walk_items(self._walk_pages(endpoint, walk), walk)

    @staticmethod
    async def _walk_items(
        pages: AsyncIterator[Any], walk: PageWalk
    ) -> AsyncIterator[Any]:
        async for page in pages:
            for item in walk.take(walk.items_of(page)):
                yield item

    async def _wait(self, waiter: Waiter[T], args: Mapping[str, Any]) -> T:
        """Poll ``waiter.endpoint`` until its field is final (see ``_waiter``)."""
        import asyncio

        run = WaitRun(waiter, args)
        while True:
            poll_args = run.next_args()
            try:
                response = await self._client._request(waiter.endpoint, poll_args, True)
            except ApiDeadlineError as exc:
                raise run.timed_out() from exc
            pause = run.observe(response)
            if pause is None:
                return cast(T, response if self._raw else response.parsed)
            await asyncio.sleep(pause)


def _paginate(endpoint: Endpoint[Any]) -> Paginate:
    found = endpoint.paginate
    if not isinstance(found, Paginate):
        raise TypeError(f"{endpoint!r} is not paginated")
    return found


@overload
def with_raw_response(  # type: ignore[overload-overlap]
    method: Callable[P, Coroutine[Any, Any, T]],
) -> Callable[P, Coroutine[Any, Any, ApiResponse[T]]]: ...


@overload
def with_raw_response(method: Callable[P, T]) -> Callable[P, ApiResponse[T]]: ...


def with_raw_response(method: Callable[P, Any]) -> Callable[P, Any]:
    """The same operation, returning (or, async, resolving to) its ``ApiResponse``.

    ``with_raw_response(client.oauth.get_status)("s1").headers``: ``method`` is
    an operation method bound to a resource; the result takes the same
    arguments and gives the status, headers, parsed body and httpx response.
    """
    resource = getattr(method, "__self__", None)
    function = getattr(method, "__func__", None)
    if not isinstance(resource, (SyncResource, AsyncResource)) or function is None:
        raise TypeError(
            "with_raw_response takes an operation method of a client's resource"
        )
    twin = type(resource)(resource._client, raw=True)  # type: ignore[arg-type]

    @functools.wraps(method)
    def raw(*args: P.args, **kwargs: P.kwargs) -> Any:
        return function(twin, *args, **kwargs)

    return raw
