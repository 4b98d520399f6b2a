"""Helpers of the feature tests: the generated ``feat_NAME`` packages, calls, what the server got.

The packages are generated once per session by the ``features`` fixture
(``conftest.py``; the list is ``generated.FEATURES``). Every call goes to a real
server on 127.0.0.1, and the tests assert what it received (method, path,
query, headers, cookies, body) and what the client returned.
"""

from __future__ import annotations

import asyncio
import dataclasses
import email.parser
import email.policy
import importlib
import inspect
import json
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

from .server import FaultServer, RecordedRequest


def feature(name: str) -> ModuleType:
    """The package ``feat_NAME``, its ``models`` subpackage imported (``pkg.models.X``).

    Use with the ``features`` fixture, which puts the packages on ``sys.path``.
    """
    importlib.import_module(f"feat_{name}.models")
    return importlib.import_module(f"feat_{name}")


def call(pkg: ModuleType, server: FaultServer, op: Callable[[Any], Any], mode: str = "sync", **client_kwargs: Any) -> Any:
    """Run ``op(client)`` with the package's sync or async client against the server.

    ``op`` works for both: an async method returns a coroutine, which is awaited.
    """
    if mode == "sync":
        with pkg.Client(base_url=server.url, **client_kwargs) as client:
            return op(client)

    async def main() -> Any:
        async with pkg.AsyncClient(base_url=server.url, **client_kwargs) as client:
            return await op(client)

    return asyncio.run(main())


def only(server: FaultServer) -> RecordedRequest:
    [request] = server.requests
    return request


def sent_json(request: RecordedRequest, content_type: str = "application/json") -> Any:
    assert request.headers["content-type"] == content_type
    return json.loads(request.body)


def multipart(request: RecordedRequest) -> list[tuple[str, str | None, str | None, bytes]]:
    """The parts of a multipart body: (field name, filename, content type, content)."""
    content_type = request.headers["content-type"]
    assert content_type.startswith("multipart/form-data; boundary=")
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + request.body
    )
    parts = []
    for part in message.iter_parts():
        assert part["Content-Disposition"].startswith("form-data")
        content_type_header = part["Content-Type"]
        parts.append((
            part.get_param("name", header="content-disposition"),
            part.get_filename(),
            None if content_type_header is None else part.get_content_type(),
            part.get_payload(decode=True),
        ))
    return parts


def fields_of(cls: type) -> dict[str, str]:
    """Field name -> annotation text of a generated dataclass."""
    return {f.name: str(f.type) for f in dataclasses.fields(cls)}


def model_source(cls: type) -> str:
    return Path(inspect.getfile(cls)).read_text(encoding="utf-8")
