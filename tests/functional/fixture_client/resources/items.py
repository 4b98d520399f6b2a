"""Items, with documented errors: 429 and 503 bodies, and a 4XX range."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import errors as _e
from .. import models as _m
from .._base_client import AsyncResource, Body, Endpoint, Param, Resp, SyncResource
from .._codec import d_list
from .._types import UNSET, Unset

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from .._base_client import RequestOptions
    from ..models import Item, NewItem

__all__ = ["AsyncItems", "Items"]

# Error responses that several operations below document alike.
_ERRORS = {
    "4XX": Resp("json", _m.Problem.from_dict, _e.ClientError),
    "429": Resp("json", _m.ErrorBody.from_dict, _e.TooManyRequestsError),
    "503": Resp("json", _m.ErrorBody.from_dict, _e.ServiceUnavailableError),
}

_GET_ITEM: Endpoint[Item] = Endpoint(
    "GET",
    "/items/{itemId}",
    (
        Param("item_id", "itemId", "path"),
        Param("fields", "fields", "query", "form", False),
    ),
    {"200": Resp("json", _m.Item.from_dict), **_ERRORS},
    headers={"429": (("x-ratelimit-remaining", "integer"),)},
)

_LIST_ITEMS: Endpoint[list[Item]] = Endpoint(
    "GET",
    "/items",
    (Param("limit", "limit", "query"),),
    {"200": Resp("json", d_list(_m.Item.from_dict)), **_ERRORS},
)

_CREATE_ITEM: Endpoint[Item] = Endpoint(
    "POST",
    "/items",
    (Param("idempotency_key", "Idempotency-Key", "header"),),
    {"201": Resp("json", _m.Item.from_dict), **_ERRORS},
    body=Body("body", "json", "application/merge-patch+json"),
)

_DELETE_ITEM: Endpoint[None] = Endpoint(
    "DELETE",
    "/items/{itemId}",
    (Param("item_id", "itemId", "path"),),
    {"204": Resp("none"), **_ERRORS},
)


class Items(SyncResource):
    """Items, with documented errors."""

    def get_item(
        self,
        item_id: str,
        *,
        fields: list[str] | Unset = UNSET,
        **options: Unpack[RequestOptions],
    ) -> Item:
        """Get an item.

        ``GET /items/{itemId}``
        """
        return self._call(_GET_ITEM, locals())

    def list_items(
        self,
        *,
        limit: int | Unset = UNSET,
        **options: Unpack[RequestOptions],
    ) -> list[Item]:
        """List items.

        ``GET /items``
        """
        return self._call(_LIST_ITEMS, locals())

    def create_item(
        self,
        *,
        body: NewItem,
        idempotency_key: str | Unset = UNSET,
        **options: Unpack[RequestOptions],
    ) -> Item:
        """Create an item.

        ``POST /items``
        """
        return self._call(_CREATE_ITEM, locals())

    def delete_item(
        self,
        item_id: str,
        **options: Unpack[RequestOptions],
    ) -> None:
        """Delete an item.

        ``DELETE /items/{itemId}``
        """
        return self._call(_DELETE_ITEM, locals())


class AsyncItems(AsyncResource):
    """Items, with documented errors."""

    async def get_item(
        self,
        item_id: str,
        *,
        fields: list[str] | Unset = UNSET,
        **options: Unpack[RequestOptions],
    ) -> Item:
        """Get an item.

        ``GET /items/{itemId}``
        """
        return await self._call(_GET_ITEM, locals())

    async def list_items(
        self,
        *,
        limit: int | Unset = UNSET,
        **options: Unpack[RequestOptions],
    ) -> list[Item]:
        """List items.

        ``GET /items``
        """
        return await self._call(_LIST_ITEMS, locals())

    async def create_item(
        self,
        *,
        body: NewItem,
        idempotency_key: str | Unset = UNSET,
        **options: Unpack[RequestOptions],
    ) -> Item:
        """Create an item.

        ``POST /items``
        """
        return await self._call(_CREATE_ITEM, locals())

    async def delete_item(
        self,
        item_id: str,
        **options: Unpack[RequestOptions],
    ) -> None:
        """Delete an item.

        ``DELETE /items/{itemId}``
        """
        return await self._call(_DELETE_ITEM, locals())
