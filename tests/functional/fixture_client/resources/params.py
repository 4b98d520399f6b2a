"""Parameters of every location and style, echoed by the server."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .._base_client import AsyncResource, Endpoint, Param, Resp, SyncResource
from .._codec import d_object
from .._types import UNSET, Unset

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from .._base_client import RequestOptions

__all__ = ["AsyncParams", "Params"]

_PATH_STYLES: Endpoint[dict[str, Any]] = Endpoint(
    "GET",
    "/path/{simple}/{simpleX}/{label}/{labelX}/{matrix}/{matrixX}",
    (
        Param("simple", "simple", "path"),
        Param("simple_x", "simpleX", "path", "simple", True),
        Param("label", "label", "path", "label"),
        Param("label_x", "labelX", "path", "label", True),
        Param("matrix", "matrix", "path", "matrix"),
        Param("matrix_x", "matrixX", "path", "matrix", True),
    ),
    {"200": Resp("json", d_object)},
)

_QUERY_STYLES: Endpoint[dict[str, Any]] = Endpoint(
    "GET",
    "/query",
    (
        Param("form", "form", "query"),
        Param("form_flat", "formFlat", "query", "form", False),
        Param("spaced", "spaced", "query", "spaceDelimited"),
        Param("piped", "piped", "query", "pipeDelimited"),
        Param("piped_x", "pipedX", "query", "pipeDelimited", True),
        Param("deep", "deep", "query", "deepObject"),
    ),
    {"200": Resp("json", d_object)},
)

_HEADER_PARAMS: Endpoint[dict[str, Any]] = Endpoint(
    "GET",
    "/headers",
    (
        Param("plain", "X-Plain", "header"),
        Param("listed", "X-List", "header"),
        Param("obj", "X-Obj", "header"),
        Param("obj_x", "X-Obj-X", "header", "simple", True),
    ),
    {"200": Resp("json", d_object)},
)

_COOKIE_PARAMS: Endpoint[dict[str, Any]] = Endpoint(
    "GET",
    "/cookies",
    (
        Param("session", "session", "cookie"),
        Param("tags", "tags", "cookie", "form", False),
        Param("tags_x", "tagsX", "cookie"),
        Param("prefs", "prefs", "cookie", "form", False),
        Param("prefs_x", "prefsX", "cookie"),
    ),
    {"200": Resp("json", d_object)},
)


class Params(SyncResource):
    """Parameters of every location and style."""

    def path_styles(
        self,
        simple: Any,
        simple_x: Any,
        label: Any,
        label_x: Any,
        matrix: Any,
        matrix_x: Any,
        **options: Unpack[RequestOptions],
    ) -> dict[str, Any]:
        """Path parameters: simple, label and matrix, with and without explode.

        ``GET /path/{simple}/{simpleX}/{label}/{labelX}/{matrix}/{matrixX}``
        """
        return self._call(_PATH_STYLES, locals())

    def query_styles(
        self,
        *,
        form: Any | Unset = UNSET,
        form_flat: Any | Unset = UNSET,
        spaced: Any | Unset = UNSET,
        piped: Any | Unset = UNSET,
        piped_x: Any | Unset = UNSET,
        deep: Any | Unset = UNSET,
        **options: Unpack[RequestOptions],
    ) -> dict[str, Any]:
        """Query parameters: form, spaceDelimited, pipeDelimited, deepObject.

        ``GET /query``
        """
        return self._call(_QUERY_STYLES, locals())

    def header_params(
        self,
        *,
        plain: str | int | bool | Unset | None = UNSET,
        listed: list[str] | Unset | None = UNSET,
        obj: dict[str, Any] | Unset | None = UNSET,
        obj_x: dict[str, Any] | Unset = UNSET,
        **options: Unpack[RequestOptions],
    ) -> dict[str, Any]:
        """Header parameters (simple style).

        ``GET /headers``
        """
        return self._call(_HEADER_PARAMS, locals())

    def cookie_params(
        self,
        *,
        session: str | Unset | None = UNSET,
        tags: list[str] | Unset = UNSET,
        tags_x: list[str] | Unset = UNSET,
        prefs: dict[str, Any] | Unset = UNSET,
        prefs_x: dict[str, Any] | Unset = UNSET,
        **options: Unpack[RequestOptions],
    ) -> dict[str, Any]:
        """Cookie parameters (form style).

        ``GET /cookies``
        """
        return self._call(_COOKIE_PARAMS, locals())


class AsyncParams(AsyncResource):
    """Parameters of every location and style."""

    async def path_styles(
        self,
        simple: Any,
        simple_x: Any,
        label: Any,
        label_x: Any,
        matrix: Any,
        matrix_x: Any,
        **options: Unpack[RequestOptions],
    ) -> dict[str, Any]:
        """Path parameters: simple, label and matrix, with and without explode.

        ``GET /path/{simple}/{simpleX}/{label}/{labelX}/{matrix}/{matrixX}``
        """
        return await self._call(_PATH_STYLES, locals())

    async def query_styles(
        self,
        *,
        form: Any | Unset = UNSET,
        form_flat: Any | Unset = UNSET,
        spaced: Any | Unset = UNSET,
        piped: Any | Unset = UNSET,
        piped_x: Any | Unset = UNSET,
        deep: Any | Unset = UNSET,
        **options: Unpack[RequestOptions],
    ) -> dict[str, Any]:
        """Query parameters: form, spaceDelimited, pipeDelimited, deepObject.

        ``GET /query``
        """
        return await self._call(_QUERY_STYLES, locals())

    async def header_params(
        self,
        *,
        plain: str | int | bool | Unset | None = UNSET,
        listed: list[str] | Unset | None = UNSET,
        obj: dict[str, Any] | Unset | None = UNSET,
        obj_x: dict[str, Any] | Unset = UNSET,
        **options: Unpack[RequestOptions],
    ) -> dict[str, Any]:
        """Header parameters (simple style).

        ``GET /headers``
        """
        return await self._call(_HEADER_PARAMS, locals())

    async def cookie_params(
        self,
        *,
        session: str | Unset | None = UNSET,
        tags: list[str] | Unset = UNSET,
        tags_x: list[str] | Unset = UNSET,
        prefs: dict[str, Any] | Unset = UNSET,
        prefs_x: dict[str, Any] | Unset = UNSET,
        **options: Unpack[RequestOptions],
    ) -> dict[str, Any]:
        """Cookie parameters (form style).

        ``GET /cookies``
        """
        return await self._call(_COOKIE_PARAMS, locals())
