"""Request bodies of every kind: JSON, form, multipart, bytes and text."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .._base_client import AsyncResource, Body, Endpoint, Resp, SyncResource
from .._codec import d_object, d_str

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from .._base_client import RequestOptions
    from ..models import FormInput, NewItem, UploadInput

__all__ = ["AsyncBodies", "Bodies"]

_SEND_JSON: Endpoint[dict[str, Any]] = Endpoint(
    "POST",
    "/bodies/json",
    (),
    {"200": Resp("json", d_object)},
    body=Body("body", "json", "application/json"),
)

_SEND_FORM: Endpoint[dict[str, Any]] = Endpoint(
    "POST",
    "/bodies/form",
    (),
    {"200": Resp("json", d_object)},
    body=Body("body", "form", "application/x-www-form-urlencoded"),
)

_SEND_MULTIPART: Endpoint[dict[str, Any]] = Endpoint(
    "POST",
    "/bodies/multipart",
    (),
    {"200": Resp("json", d_object)},
    body=Body("body", "multipart", "multipart/form-data"),
)

_SEND_BYTES: Endpoint[bytes] = Endpoint(
    "PUT",
    "/bodies/bytes",
    (),
    {"200": Resp("bytes")},
    body=Body("body", "bytes", "application/octet-stream"),
    accept="application/octet-stream",
)

_SEND_TEXT: Endpoint[str] = Endpoint(
    "POST",
    "/bodies/text",
    (),
    {"200": Resp("text", d_str)},
    body=Body("body", "text", "text/plain; charset=utf-8"),
    accept="text/plain",
)


class Bodies(SyncResource):
    """Request bodies of every kind."""

    def send_json(
        self,
        *,
        body: NewItem,
        **options: Unpack[RequestOptions],
    ) -> dict[str, Any]:
        """``POST /bodies/json``"""
        return self._call(_SEND_JSON, locals())

    def send_form(
        self,
        *,
        body: FormInput,
        **options: Unpack[RequestOptions],
    ) -> dict[str, Any]:
        """``POST /bodies/form``"""
        return self._call(_SEND_FORM, locals())

    def send_multipart(
        self,
        *,
        body: UploadInput,
        **options: Unpack[RequestOptions],
    ) -> dict[str, Any]:
        """``POST /bodies/multipart``"""
        return self._call(_SEND_MULTIPART, locals())

    def send_bytes(
        self,
        *,
        body: bytes,
        **options: Unpack[RequestOptions],
    ) -> bytes:
        """``PUT /bodies/bytes``"""
        return self._call(_SEND_BYTES, locals())

    def send_text(
        self,
        *,
        body: str,
        **options: Unpack[RequestOptions],
    ) -> str:
        """``POST /bodies/text``"""
        return self._call(_SEND_TEXT, locals())


class AsyncBodies(AsyncResource):
    """Request bodies of every kind."""

    async def send_json(
        self,
        *,
        body: NewItem,
        **options: Unpack[RequestOptions],
    ) -> dict[str, Any]:
        """``POST /bodies/json``"""
        return await self._call(_SEND_JSON, locals())

    async def send_form(
        self,
        *,
        body: FormInput,
        **options: Unpack[RequestOptions],
    ) -> dict[str, Any]:
        """``POST /bodies/form``"""
        return await self._call(_SEND_FORM, locals())

    async def send_multipart(
        self,
        *,
        body: UploadInput,
        **options: Unpack[RequestOptions],
    ) -> dict[str, Any]:
        """``POST /bodies/multipart``"""
        return await self._call(_SEND_MULTIPART, locals())

    async def send_bytes(
        self,
        *,
        body: bytes,
        **options: Unpack[RequestOptions],
    ) -> bytes:
        """``PUT /bodies/bytes``"""
        return await self._call(_SEND_BYTES, locals())

    async def send_text(
        self,
        *,
        body: str,
        **options: Unpack[RequestOptions],
    ) -> str:
        """``POST /bodies/text``"""
        return await self._call(_SEND_TEXT, locals())
