"""The API's models."""

from __future__ import annotations

from .error_body import ErrorBody
from .item import Item, NewItem
from .job import Job, JobInput
from .payment import Charge, Refund
from .problem import Problem
from .tree_node import TreeNode
from .upload import FormInput, UploadInput
from .widget import Widget

__all__ = [
    "Charge",
    "ErrorBody",
    "FormInput",
    "Item",
    "Job",
    "JobInput",
    "NewItem",
    "Problem",
    "Refund",
    "TreeNode",
    "UploadInput",
    "Widget",
]
