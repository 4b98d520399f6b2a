from __future__ import annotations

import dataclasses
from typing import Any

from .._codec import ModelBase, as_object, d_list, d_str, extra, opt, req
from .._types import UNSET, Unset

__all__ = ["TreeNode"]


@dataclasses.dataclass(kw_only=True, slots=True)
class TreeNode(ModelBase):
    """A node of a tree: a recursive schema."""

    name: str
    children: list[TreeNode] | Unset = UNSET
    additional_properties: dict[str, Any] = dataclasses.field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: Any, strict: bool = False) -> TreeNode:
        """Decode a JSON object; raises ``DecodeFailure`` when it does not match the schema."""
        d = as_object(data)
        return cls(
            name=req(d, "name", d_str, strict),
            children=opt(d, "children", d_list(TreeNode.from_dict), strict),
            additional_properties=extra(d, cls, strict=strict),
        )
