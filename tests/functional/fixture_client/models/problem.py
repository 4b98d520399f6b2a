from __future__ import annotations

import dataclasses
from typing import Any

from .._codec import ModelBase, as_object, d_int, d_str, extra, opt, req
from .._types import UNSET, Unset

__all__ = ["Problem"]


@dataclasses.dataclass(kw_only=True, slots=True)
class Problem(ModelBase):
    """An RFC 7807 problem: the body of every 4XX answer."""

    title: str
    detail: str | Unset = UNSET
    status: int | Unset = UNSET
    additional_properties: dict[str, Any] = dataclasses.field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: Any, strict: bool = False) -> Problem:
        """Decode a JSON object; raises ``DecodeFailure`` when it does not match the schema."""
        d = as_object(data)
        return cls(
            title=req(d, "title", d_str, strict),
            detail=opt(d, "detail", d_str, strict),
            status=opt(d, "status", d_int, strict),
            additional_properties=extra(d, cls, strict=strict),
        )
