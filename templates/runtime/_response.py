"""Turning a received response into the parsed body or the typed error.

Nothing here raises anything but ``ApiError`` subclasses for what the server
sent: a body that is not JSON, is nested too deeply, or does not match the
spec is an ``ApiDecodeError`` on a 2xx; on any other status the error of that
status is raised with the body as JSON or (bounded) text, and JSON nested too
deeply makes that error an ``ApiDecodeError`` as well (``undecodable_class``).
"""

from __future__ import annotations

from typing import Any, cast

import httpx

from ._body import JsonTooDeep, parse_json, parse_ndjson, raw_text
from ._codec import DecodeFailure
from ._endpoint import Endpoint, Resp
from ._errors import (
    ApiDecodeError,
    ApiStatusError,
    describe,
    range_error_class,
    status_error_class,
    undecodable_class,
)
from ._redact import redacted_request

__all__ = ["Received", "decode_success", "status_error"]

# Headers about the body as it travelled, not as the response now holds it.
_TRANSPORT_HEADERS = frozenset(
    {"content-encoding", "content-length", "transfer-encoding"}
)


class Received:
    """A response read in full: status line, headers as received, decoded body."""

    __slots__ = (
        "_response",
        "body",
        "headers",
        "http_version",
        "reason",
        "request",
        "status",
    )

    def __init__(self, response: httpx.Response, body: bytes) -> None:
        self.status = response.status_code
        self.reason = response.reason_phrase
        self.http_version = response.http_version
        self.headers = response.headers
        self.request = response.request
        self.body = body
        self._response: httpx.Response | None = None

    def response(self) -> httpx.Response:
        """An httpx response holding the decoded body and a masked copy of the request."""
        if self._response is None:
            headers = [
                (k, v)
                for k, v in self.headers.multi_items()
                if k.lower() not in _TRANSPORT_HEADERS
            ]
            self._response = httpx.Response(
                self.status,
                headers=headers,
                content=self.body,
                request=redacted_request(self.request),
                extensions={
                    "http_version": self.http_version.encode("ascii", "replace"),
                    "reason_phrase": self.reason.encode("ascii", "replace"),
                },
            )
        return self._response


def _decode_error(received: Received, why: str) -> ApiDecodeError:
    return ApiDecodeError(
        f"{received.status}: {why}",
        response=received.response(),
        raw=raw_text(received.body),
        headers=received.headers,
    )


def decode_success(spec: Resp | None, received: Received, strict: bool) -> Any:
    """The parsed body of a 2xx response."""
    if spec is None or spec.kind == "none":
        return None
    if spec.kind == "bytes":
        data: Any = received.body
    elif spec.kind == "text":
        data = received.response().text
    elif spec.kind == "ndjson":
        try:
            data = parse_ndjson(received.body)
        except ValueError as exc:
            raise _decode_error(received, str(exc)) from None
    else:
        try:
            data = parse_json(received.body)
        except ValueError as exc:
            raise _decode_error(received, str(exc)) from None
    if spec.decode is None:
        return data
    try:
        return spec.decode(data, strict)
    except DecodeFailure as exc:
        why = f"the body does not match the spec: {exc}"
    except RecursionError:
        why = "the body is nested too deeply to decode"
    raise _decode_error(received, why) from None


def status_error(
    endpoint: Endpoint[Any], received: Received, strict: bool
) -> ApiStatusError:
    """The error for a non-2xx response: the documented class when its body matches."""
    status = received.status
    spec, exact = endpoint.match(status)
    body: Any = None
    refused = ""
    if received.body:
        try:
            body = parse_json(received.body)
        except JsonTooDeep as exc:
            body, refused = raw_text(received.body), str(exc)
        except ValueError:
            body = raw_text(received.body)
    cls = status_error_class(status)
    if refused:
        error = undecodable_class(cls)(
            f"{status} {received.reason}: {refused}".strip(),
            response=received.response(),
            body=body,
            declared_headers=endpoint.declared_headers(status, received.headers),
            headers=received.headers,
        )
        cast(ApiDecodeError, error).raw = body  # as an ApiDecodeError has it
        return error
    if spec is not None and spec.error is not None:
        documented = spec.error if exact else range_error_class(spec.error, status)
        if spec.decode is None:
            cls = documented
        elif body is not None:
            try:
                body = spec.decode(body, strict)
                cls = documented
            except (DecodeFailure, RecursionError):
                pass  # keep the generic class and the plain JSON body
    return cls(
        describe(status, received.reason, body),
        response=received.response(),
        body=body,
        declared_headers=endpoint.declared_headers(status, received.headers),
        headers=received.headers,
    )
