from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

from .._codec import ModelBase, as_object, d_int, d_str, extra, opt, req
from .._types import UNSET, Unset

__all__ = ["ErrorBody"]


@dataclasses.dataclass(kw_only=True, slots=True)
class ErrorBody(ModelBase):
    """The body of 429 and 503 answers."""

    _renamed: ClassVar[dict[str, str]] = {"status_code": "statusCode"}

    status_code: int
    error: str
    message: str | Unset = UNSET
    additional_properties: dict[str, Any] = dataclasses.field(default_factory=dict)
    """Properties the spec does not name, kept as received."""

    @classmethod
    def from_dict(cls, data: Any, strict: bool = False) -> ErrorBody:
        """Decode a JSON object; raises ``DecodeFailure`` when it does not match the schema."""
        d = as_object(data)
        return cls(
            status_code=req(d, "statusCode", d_int, strict),
            error=req(d, "error", d_str, strict),
            message=opt(d, "message", d_str, strict),
            additional_properties=extra(d, cls, strict=strict),
        )
