from __future__ import annotations

import dataclasses
import datetime
import uuid
from typing import Any, Literal

from .._codec import (
    ModelBase,
    as_object,
    d_date,
    d_datetime,
    d_lit,
    d_nullable,
    d_str,
    d_uuid,
    extra,
    opt,
    req,
)
from .._types import UNSET, Unset

__all__ = ["Widget"]


@dataclasses.dataclass(kw_only=True, slots=True)
class Widget(ModelBase):
    """A closed object (``additionalProperties: false``) with formats and an enum."""

    id: uuid.UUID
    day: datetime.date
    at: datetime.datetime
    kind: Literal["a", "b"]
    note: str | Unset | None = UNSET
    additional_properties: dict[str, Any] = dataclasses.field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: Any, strict: bool = False) -> Widget:
        """Decode a JSON object; raises ``DecodeFailure`` when it does not match the schema."""
        d = as_object(data)
        return cls(
            id=req(d, "id", d_uuid, strict),
            day=req(d, "day", d_date, strict),
            at=req(d, "at", d_datetime, strict),
            kind=req(d, "kind", d_lit("a", "b"), strict),
            note=opt(d, "note", d_nullable(d_str), strict),
            additional_properties=extra(d, cls, closed=True, strict=strict),
        )
