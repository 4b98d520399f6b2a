from __future__ import annotations

import dataclasses
from typing import Any, Literal

from .._codec import ModelBase, as_object, d_int, d_lit, d_str, extra, opt, req
from .._types import UNSET, Unset

__all__ = ["Charge", "Refund"]


@dataclasses.dataclass(kw_only=True, slots=True)
class Refund(ModelBase):
    """Money given back."""

    type: Literal["refund"]
    id: str
    amount: int
    reason: str | Unset = UNSET
    additional_properties: dict[str, Any] = dataclasses.field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: Any, strict: bool = False) -> Refund:
        """Decode a JSON object; raises ``DecodeFailure`` when it does not match the schema."""
        d = as_object(data)
        return cls(
            type=req(d, "type", d_lit("refund"), strict),
            id=req(d, "id", d_str, strict),
            amount=req(d, "amount", d_int, strict),
            reason=opt(d, "reason", d_str, strict),
            additional_properties=extra(d, cls, strict=strict),
        )


@dataclasses.dataclass(kw_only=True, slots=True)
class Charge(ModelBase):
    """Money taken."""

    type: Literal["charge"]
    id: str
    amount: int
    card: str | Unset = UNSET
    additional_properties: dict[str, Any] = dataclasses.field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: Any, strict: bool = False) -> Charge:
        """Decode a JSON object; raises ``DecodeFailure`` when it does not match the schema."""
        d = as_object(data)
        return cls(
            type=req(d, "type", d_lit("charge"), strict),
            id=req(d, "id", d_str, strict),
            amount=req(d, "amount", d_int, strict),
            card=opt(d, "card", d_str, strict),
            additional_properties=extra(d, cls, strict=strict),
        )
