# pyright: reportPrivateUsage=false
# (one unit with _base_client: this module reads the client's ``_``-named settings)
"""Building the httpx request of one call from an Endpoint and the method's arguments.

``args`` is the calling method's ``locals()``: each parameter's value under its
Python name (``UNSET`` when not given: not sent), the body under the Body's
name, and ``options`` (``RequestOptions``). Bad values (an empty path segment,
a line break in a header, NaN in a body) raise ``ValueError`` here, before
anything is sent.

``redirect`` makes the next request of a redirect the caller's own httpx client
asked to follow: to another origin (scheme, host or port), every credential is
dropped (the Authorization header, the API key's header, cookie or query
parameter, any Cookie header), whatever that client's settings; on the same
origin the key goes along (a key in the query is added to the new URL).
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any, Protocol
from urllib.parse import quote

import httpx

from ._encode import FilePart, form_body, json_body, multipart_parts, ndjson_body
from ._endpoint import Auth, Endpoint
from ._params import cookie_items, header_value, path_segment, query_items
from ._types import UNSET, Timeout

__all__ = ["ClientConfig", "build_request", "credential_headers", "redirect"]


class ClientConfig(Protocol):
    """What building a request reads from the client."""

    base_url: str
    timeout: Timeout
    _auth: Auth
    _api_key: str
    _headers: dict[str, str]
    _owns_http: bool


def credential_headers(auth: Auth, key: str) -> dict[str, str]:
    """The headers that carry the key (none for query and cookie keys)."""
    if auth.kind == "bearer":
        return {"authorization": f"Bearer {key}"}
    if auth.kind == "basic":
        return {"authorization": "Basic " + base64.b64encode(key.encode()).decode()}
    if auth.kind == "header":
        return {auth.name.lower(): key}
    return {}


def _q(text: str) -> str:
    return quote(text, safe="")


def build_request(
    client: ClientConfig,
    endpoint: Endpoint[Any],
    args: Mapping[str, Any],
    options: Mapping[str, Any],
    http: httpx.Client | httpx.AsyncClient,
) -> httpx.Request:
    """The request for one call (sent as is by every attempt)."""
    path = "".join(
        (
            piece
            if isinstance(piece, str)
            else path_segment(
                piece.wire, piece.style, piece.explode, _required(args, piece.name)
            )
        )
        for piece in endpoint._path
    )
    query: list[str] = []
    for param in endpoint._query:
        value = args[param.name]
        if value is not UNSET:
            query += query_items(param.wire, param.style, param.explode, value)
    extra_query: Mapping[str, str] | None = options.get("extra_query")
    if extra_query:
        query += [f"{_q(k)}={_q(str(v))}" for k, v in extra_query.items()]
    auth = client._auth
    if auth.kind == "query":
        query.append(f"{_q(auth.name)}={_q(client._api_key)}")

    # Headers by lower-case name, so that later ones replace earlier ones.
    headers = {k.lower(): (k, v) for k, v in client._headers.items()}
    headers["accept"] = ("Accept", endpoint.accept)
    for param in endpoint._header:
        value = args[param.name]
        if value is not UNSET:
            text = header_value(param.wire, param.explode, value)
            if text is not None:
                headers[param.wire.lower()] = (param.wire, text)
    cookies: list[str] = []
    for param in endpoint._cookie:
        value = args[param.name]
        if value is not UNSET:
            cookies += cookie_items(param.wire, param.explode, value)
    if auth.kind == "cookie":
        cookies.append(f"{auth.name}={client._api_key}")
    if cookies:
        headers["cookie"] = ("Cookie", "; ".join(cookies))
    for name, value in credential_headers(auth, client._api_key).items():
        headers[name] = (name, value)

    content: bytes | None = None
    files: list[tuple[str, FilePart]] | None = None
    body = endpoint.body
    if body is not None:
        value = args.get(body.name, UNSET)
        if value is not UNSET:
            kind = body.kind
            if kind == "json":
                content = json_body(value)
            elif kind == "ndjson":
                content = ndjson_body(value)
            elif kind == "form":
                content = form_body(value)
            elif kind == "multipart":
                files = multipart_parts(value)
            elif kind == "bytes":
                content = value.read() if hasattr(value, "read") else bytes(value)
            else:
                content = str(value).encode()
            if kind != "multipart":  # httpx writes it, with the boundary
                headers["content-type"] = ("Content-Type", body.content_type)
    extra_headers: Mapping[str, str] | None = options.get("extra_headers")
    if extra_headers:
        headers.update((k.lower(), (k, v)) for k, v in extra_headers.items())
    url = client.base_url + path
    if query:
        url += "?" + "&".join(query)
    timeout = options.get("timeout", client.timeout)
    if client._owns_http and not http.cookies:
        # Nothing of the pool's to merge in (it has no default of its own, no
        # cookie the server set): made directly, which saves a third of the cost.
        return httpx.Request(
            endpoint.method,
            url,
            headers=list(headers.values()),
            content=content,
            files=files,
            extensions={"timeout": httpx.Timeout(timeout).as_dict()},
        )
    return http.build_request(
        endpoint.method,
        url,
        headers=list(headers.values()),
        content=content,
        files=files,
        timeout=timeout,
    )


def _required(args: Mapping[str, Any], name: str) -> Any:
    value = args[name]
    if value is UNSET:
        raise ValueError(f"path parameter {name!r} must be given")
    return value


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    default = {"http": 80, "https": 443}.get(url.scheme)
    return (url.scheme, url.host, url.port or default)


_DROPPED_ON_GET = ("content-type", "content-length", "transfer-encoding")


def redirect(
    request: httpx.Request, response: httpx.Response, auth: Auth, key: str
) -> httpx.Request | None:
    """The next request of a redirect, or None when it cannot be followed safely.

    303 (and 301/302 after a POST) become a GET without a body; 307 and 308
    repeat the method and body. A body that cannot be replayed (a stream)
    stops the redirect: the 3xx is the answer.
    """
    location = response.headers.get("location")
    if not location:
        return None
    try:
        url = request.url.join(location)
    except httpx.InvalidURL:
        return None
    if url.scheme not in ("http", "https"):
        return None
    method = request.method
    status = response.status_code
    if (status == 303 and method != "HEAD") or (
        status in (301, 302) and method == "POST"
    ):
        method = "GET"
    headers = httpx.Headers(request.headers)
    headers.pop("host", None)
    content: bytes | None = None
    if method == request.method:
        try:
            content = request.content
        except httpx.RequestNotRead:
            return None
    else:
        for name in _DROPPED_ON_GET:
            headers.pop(name, None)
    params = url.params
    if _origin(url) != _origin(request.url):
        for name in ("authorization", "cookie", *credential_headers(auth, key)):
            headers.pop(name, None)
        if auth.kind == "query" and key in params.values():
            url = url.copy_with(
                params=[(k, v) for k, v in params.multi_items() if v != key]
            )
    elif auth.kind == "query" and auth.name not in params:
        url = url.copy_with(params=params.add(auth.name, key))  # the same API: same key
    new = httpx.Request(method, url, headers=headers, content=content)
    new.extensions = dict(request.extensions)
    return new
