from __future__ import annotations

import dataclasses
from typing import Any

from .._codec import ModelBase, as_object, d_any, d_int, d_list, d_str, extra, opt, req
from .._types import UNSET, File, Unset

__all__ = ["FormInput", "UploadInput"]


@dataclasses.dataclass(kw_only=True, slots=True)
class FormInput(ModelBase):
    """An ``application/x-www-form-urlencoded`` body."""

    name: str
    tags: list[str] | Unset = UNSET
    count: int | Unset = UNSET
    additional_properties: dict[str, Any] = dataclasses.field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: Any, strict: bool = False) -> FormInput:
        """Decode a JSON object; raises ``DecodeFailure`` when it does not match the schema."""
        d = as_object(data)
        return cls(
            name=req(d, "name", d_str, strict),
            tags=opt(d, "tags", d_list(d_str), strict),
            count=opt(d, "count", d_int, strict),
            additional_properties=extra(d, cls, strict=strict),
        )


@dataclasses.dataclass(kw_only=True, slots=True)
class UploadInput(ModelBase):
    """A ``multipart/form-data`` body with a file."""

    file: File
    note: str | Unset = UNSET
    additional_properties: dict[str, Any] = dataclasses.field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: Any, strict: bool = False) -> UploadInput:
        """Decode a JSON object; raises ``DecodeFailure`` when it does not match the schema."""
        d = as_object(data)
        return cls(
            file=req(d, "file", d_any, strict),
            note=opt(d, "note", d_str, strict),
            additional_properties=extra(d, cls, strict=strict),
        )
