"""Fixture API: a hand-written client in the shape the generator emits."""

from __future__ import annotations

from ._client import AsyncClient, Client

__all__ = ["AsyncClient", "Client"]
