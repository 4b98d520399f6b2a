"""What a config selects: one definition for the build and for validation.

``resource_tag`` decides whether an operation is selected (and where it goes).
"""

from __future__ import annotations

from typing import Any

from generator.config import Config

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def operation_identity(path: str, method: str, op: dict[str, Any]) -> tuple[str, list[str]]:
    """An operation's id (its ``operationId``, else ``"<method> <path>"``) and its tags (``["default"]`` when untagged)."""
    op_id = op.get("operationId")
    tags = [str(t) for t in op.get("tags") or [] if isinstance(t, (str, int))] or ["default"]
    return (op_id if isinstance(op_id, str) and op_id else f"{method} {path}"), tags


def resource_tag(config: Config, tags: list[str], op_id: str) -> str | None:
    """The resource an operation goes to (its first selected tag), or None when it is not selected."""
    if config.include_operations and op_id not in config.include_operations:
        return None
    if op_id in config.exclude_operations:
        return None
    for tag in tags:
        if tag in config.exclude_tags:
            continue
        if config.include_tags and tag not in config.include_tags:
            continue
        return tag
    return None
