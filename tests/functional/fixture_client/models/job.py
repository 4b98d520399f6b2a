from __future__ import annotations

import dataclasses
from typing import Any, Literal

from .._codec import ModelBase, as_object, d_lit, d_str, extra, opt, req
from .._types import UNSET, Unset

__all__ = ["Job", "JobInput"]


@dataclasses.dataclass(kw_only=True, slots=True)
class Job(ModelBase):
    """A long-running job."""

    id: str
    status: Literal["pending", "done", "failed"]
    error: str | Unset = UNSET
    additional_properties: dict[str, Any] = dataclasses.field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: Any, strict: bool = False) -> Job:
        """Decode a JSON object; raises ``DecodeFailure`` when it does not match the schema."""
        d = as_object(data)
        return cls(
            id=req(d, "id", d_str, strict),
            status=req(d, "status", d_lit("pending", "done", "failed"), strict),
            error=opt(d, "error", d_str, strict),
            additional_properties=extra(d, cls, strict=strict),
        )


@dataclasses.dataclass(kw_only=True, slots=True)
class JobInput(ModelBase):
    """What ``start_job`` takes."""

    name: str
    additional_properties: dict[str, Any] = dataclasses.field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: Any, strict: bool = False) -> JobInput:
        """Decode a JSON object; raises ``DecodeFailure`` when it does not match the schema."""
        d = as_object(data)
        return cls(
            name=req(d, "name", d_str, strict),
            additional_properties=extra(d, cls, strict=strict),
        )
