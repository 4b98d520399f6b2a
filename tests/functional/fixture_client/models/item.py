from __future__ import annotations

import dataclasses
import datetime
from typing import Any, Literal

from .._codec import (
    ModelBase,
    as_object,
    d_datetime,
    d_float,
    d_list,
    d_lit,
    d_object,
    d_str,
    extra,
    opt,
    req,
)
from .._types import UNSET, Unset

__all__ = ["Item", "NewItem"]


@dataclasses.dataclass(kw_only=True, slots=True)
class NewItem(ModelBase):
    """What ``create_item`` takes."""

    name: str
    tags: list[str] | Unset = UNSET
    price: float | Unset = UNSET
    meta: dict[str, Any] | Unset = UNSET
    additional_properties: dict[str, Any] = dataclasses.field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: Any, strict: bool = False) -> NewItem:
        """Decode a JSON object; raises ``DecodeFailure`` when it does not match the schema."""
        d = as_object(data)
        return cls(
            name=req(d, "name", d_str, strict),
            tags=opt(d, "tags", d_list(d_str), strict),
            price=opt(d, "price", d_float, strict),
            meta=opt(d, "meta", d_object, strict),
            additional_properties=extra(d, cls, strict=strict),
        )


@dataclasses.dataclass(kw_only=True, slots=True)
class Item(ModelBase):
    """An item."""

    id: str
    name: str
    created_at: datetime.datetime
    tags: list[str] | Unset = UNSET
    color: Literal["red", "green"] | Unset = UNSET
    additional_properties: dict[str, Any] = dataclasses.field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: Any, strict: bool = False) -> Item:
        """Decode a JSON object; raises ``DecodeFailure`` when it does not match the schema."""
        d = as_object(data)
        return cls(
            id=req(d, "id", d_str, strict),
            name=req(d, "name", d_str, strict),
            created_at=req(d, "created_at", d_datetime, strict),
            tags=opt(d, "tags", d_list(d_str), strict),
            color=opt(d, "color", d_lit("red", "green"), strict),
            additional_properties=extra(d, cls, strict=strict),
        )
