"""Payments: a oneOf of const-tagged branches, a discriminated one, a recursive tree."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import models as _m
from .._base_client import AsyncResource, Endpoint, Param, Resp, SyncResource
from .._codec import d_list, d_tagged, d_union

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from .._base_client import RequestOptions
    from ..models import Charge, Refund, TreeNode, Widget

__all__ = ["AsyncPayments", "Payments"]

_GET_PAYMENT: Endpoint[Refund | Charge] = Endpoint(
    "GET",
    "/payments/{paymentId}",
    (Param("payment_id", "paymentId", "path"),),
    {"200": Resp("json", d_union(_m.Refund.from_dict, _m.Charge.from_dict))},
)

_GET_TAGGED_PAYMENT: Endpoint[Refund | Charge] = Endpoint(
    "GET",
    "/tagged/{paymentId}",
    (Param("payment_id", "paymentId", "path"),),
    {
        "200": Resp(
            "json",
            d_tagged(
                "type",
                {
                    "charge": _m.Charge.from_dict,
                    "legacy": _m.Refund.from_dict,
                    "refund": _m.Refund.from_dict,
                },
                d_union(_m.Refund.from_dict, _m.Charge.from_dict),
            ),
        )
    },
)

_GET_TREE: Endpoint[TreeNode] = Endpoint(
    "GET",
    "/trees/{treeId}",
    (Param("tree_id", "treeId", "path"),),
    {"200": Resp("json", _m.TreeNode.from_dict)},
)

_LIST_WIDGETS: Endpoint[list[Widget]] = Endpoint(
    "GET",
    "/widgets",
    (),
    {"200": Resp("json", d_list(_m.Widget.from_dict))},
)


class Payments(SyncResource):
    """Payments: unions and recursive models."""

    def get_payment(
        self,
        payment_id: str,
        **options: Unpack[RequestOptions],
    ) -> Refund | Charge:
        """``GET /payments/{paymentId}``"""
        return self._call(_GET_PAYMENT, locals())

    def get_tagged_payment(
        self,
        payment_id: str,
        **options: Unpack[RequestOptions],
    ) -> Refund | Charge:
        """``GET /tagged/{paymentId}``"""
        return self._call(_GET_TAGGED_PAYMENT, locals())

    def get_tree(
        self,
        tree_id: str,
        **options: Unpack[RequestOptions],
    ) -> TreeNode:
        """``GET /trees/{treeId}``"""
        return self._call(_GET_TREE, locals())

    def list_widgets(
        self,
        **options: Unpack[RequestOptions],
    ) -> list[Widget]:
        """``GET /widgets``"""
        return self._call(_LIST_WIDGETS, locals())


class AsyncPayments(AsyncResource):
    """Payments: unions and recursive models."""

    async def get_payment(
        self,
        payment_id: str,
        **options: Unpack[RequestOptions],
    ) -> Refund | Charge:
        """``GET /payments/{paymentId}``"""
        return await self._call(_GET_PAYMENT, locals())

    async def get_tagged_payment(
        self,
        payment_id: str,
        **options: Unpack[RequestOptions],
    ) -> Refund | Charge:
        """``GET /tagged/{paymentId}``"""
        return await self._call(_GET_TAGGED_PAYMENT, locals())

    async def get_tree(
        self,
        tree_id: str,
        **options: Unpack[RequestOptions],
    ) -> TreeNode:
        """``GET /trees/{treeId}``"""
        return await self._call(_GET_TREE, locals())

    async def list_widgets(
        self,
        **options: Unpack[RequestOptions],
    ) -> list[Widget]:
        """``GET /widgets``"""
        return await self._call(_LIST_WIDGETS, locals())
