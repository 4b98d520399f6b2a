"""``fetch``: download the published spec safely, validate it, then replace the local copy.

Safety rules, each one line on failure with the spec left exactly as it was:

* only ``http`` and ``https``; at most ``MAX_REDIRECTS`` redirects, never from
  https down to http; a finite timeout for connecting, for each read and for
  the whole download;
* 429 and 5xx are retried (``RETRIES`` times, honouring ``Retry-After`` up to
  ``MAX_RETRY_AFTER`` seconds, else exponential back-off), as are connections
  dropped mid-response; other statuses, a refused connection and a timeout fail
  at once;
* a conditional GET (``If-None-Match`` / ``If-Modified-Since`` from the lock file)
  while the local spec is the one the lock describes: a 304 writes nothing;
* at most ``--max-bytes`` (declared or streamed);
* JSON or YAML is detected from the content (a UTF-8 byte-order mark is
  accepted); HTML is refused with a clear message;
* the body is written to a temporary file beside the spec and goes through the
  same load, ``$ref`` check, validation and build as ``generate``; only then is
  it renamed over the spec (one atomic step) and the lock updated.

The bytes are stored exactly as served, so the recorded sha256 is the publisher's.
"""

from __future__ import annotations

import argparse
import dataclasses
import email.utils
import http.client
import os
import socket
import ssl
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from email.message import Message
from pathlib import Path

from generator import GENERATOR_NAME, __version__
from generator import lock as lockfile
from generator.args import DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT
from generator.config import Config
from generator.errors import SpecError, SpecErrors
from generator.paths import display

MAX_REDIRECTS = 5
RETRIES = 3
BACKOFF = 0.5  # seconds before the first retry; doubled each time
MAX_RETRY_AFTER = 30.0
_CHUNK = 64 * 1024
_REDIRECTS = (301, 302, 303, 307, 308)


@dataclasses.dataclass(frozen=True)
class Response:
    status: int  # 200 or 304
    body: bytes
    url: str  # after redirects
    etag: str
    last_modified: str
    content_type: str


class _Stop(Exception):
    """A failure that retrying will not fix."""


class _Retry(Exception):
    """A failure worth another attempt (429, 5xx, a dropped connection)."""

    def __init__(self, message: str, delay: float | None = None) -> None:
        super().__init__(message)
        self.delay = delay


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """Redirects are followed by ``download`` itself, to count and vet each one."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def _opener() -> urllib.request.OpenerDirector:
    # Only what HTTP(S) needs (proxies from the environment included): no file:, ftp: or data:.
    opener = urllib.request.OpenerDirector()
    for handler in (urllib.request.ProxyHandler(), urllib.request.HTTPHandler(), urllib.request.HTTPSHandler(), _NoRedirects(), urllib.request.HTTPErrorProcessor(), urllib.request.HTTPDefaultErrorHandler()):
        opener.add_handler(handler)
    return opener


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _status_text(code: int, reason: str) -> str:
    return f"HTTP {code} {reason}".rstrip()


def _read_body(resp: http.client.HTTPResponse, max_bytes: int, deadline: float, timeout: float) -> bytes:
    declared = resp.headers.get("Content-Length")
    if declared and declared.strip().isdigit() and int(declared) > max_bytes:
        raise _Stop(f"the response is {int(declared)} bytes, more than the limit of {max_bytes} bytes (--max-bytes)")
    chunks: list[bytes] = []
    total = 0
    while True:
        chunk = resp.read(min(_CHUNK, max_bytes + 1 - total))
        if not chunk:
            break
        total += len(chunk)
        if total > max_bytes:
            raise _Stop(f"the response is more than the limit of {max_bytes} bytes (--max-bytes)")
        chunks.append(chunk)
        if time.monotonic() > deadline:
            raise _Stop(f"timed out after {timeout:g} s (--timeout)")
    return b"".join(chunks)


def _attempt(opener: urllib.request.OpenerDirector, url: str, headers: dict[str, str], timeout: float, max_bytes: int) -> tuple[int, str, bytes, Message[str, str]]:
    """One request: (status, reason, body, headers). Redirects come back as a status."""
    deadline = time.monotonic() + timeout
    request = urllib.request.Request(url, headers=headers, method="GET")
    try:
        with opener.open(request, timeout=timeout) as resp:
            body = _read_body(resp, max_bytes, deadline, timeout)
            return resp.status, resp.reason, body, resp.headers
    except urllib.error.HTTPError as exc:
        code, phrase, hdrs = exc.code, str(exc.reason or ""), exc.headers
        exc.close()
        if code == 429 or 500 <= code <= 599:
            raise _Retry(_status_text(code, phrase), _retry_after(hdrs.get("Retry-After"))) from None
        return code, phrase, b"", hdrs
    except TimeoutError:
        raise _Stop(f"timed out after {timeout:g} s (--timeout)") from None
    except urllib.error.URLError as exc:
        reason: object = exc.reason
        if isinstance(reason, TimeoutError):
            raise _Stop(f"timed out after {timeout:g} s (--timeout)") from None
        if isinstance(reason, ssl.SSLError):
            raise _Stop(f"TLS error: {reason.reason or reason}") from None
        if isinstance(reason, socket.gaierror):
            raise _Stop(f"cannot resolve the host name: {reason.strerror}") from None
        if isinstance(reason, OSError):
            raise _Stop(f"cannot connect: {reason.strerror or reason}") from None
        raise _Stop(str(reason)) from None
    except http.client.IncompleteRead as exc:
        raise _Retry(f"the connection closed after {len(exc.partial)} bytes of the body") from None
    except (http.client.HTTPException, ConnectionError) as exc:
        raise _Retry(f"the connection failed: {type(exc).__name__} {exc}".strip()) from None
    except ValueError as exc:
        raise _Stop(str(exc)) from None


def _check_url(url: str, previous: str | None = None) -> None:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise _Stop(f"only http and https URLs can be fetched, not {url!r}" if previous is None else f"refusing to follow a redirect to {url!r}")
    if previous is not None and urllib.parse.urlsplit(previous).scheme == "https" and parts.scheme == "http":
        raise _Stop(f"refusing to follow a redirect from https down to http ({url})")


def download(url: str, *, timeout: float = DEFAULT_TIMEOUT, max_bytes: int = DEFAULT_MAX_BYTES, etag: str = "", last_modified: str = "", sleep: Callable[[float], None] = time.sleep) -> Response:
    """GET ``url`` under the rules above; raises ``SpecError(url, ...)`` with one line on failure."""
    headers = {"User-Agent": f"{GENERATOR_NAME}/{__version__}", "Accept": "application/json, application/yaml;q=0.9, */*;q=0.1", "Accept-Encoding": "identity"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    opener = _opener()
    current = url
    redirects = 0
    retries = 0
    try:
        _check_url(url)
        while True:
            try:
                status, reason, body, hdrs = _attempt(opener, current, headers, timeout, max_bytes)
            except _Retry as exc:
                if retries >= RETRIES:
                    raise _Stop(f"{exc} (gave up after {retries + 1} attempts)") from None
                delay = exc.delay if exc.delay is not None else BACKOFF * (2**retries)
                if delay > MAX_RETRY_AFTER:
                    raise _Stop(f"{exc}; the server asks to retry after {delay:.0f} s: try again later") from None
                retries += 1
                sleep(delay)
                continue
            if status in _REDIRECTS:
                location = hdrs.get("Location")
                if not location:
                    raise _Stop(f"{_status_text(status, reason)} without a Location header")
                redirects += 1
                if redirects > MAX_REDIRECTS:
                    raise _Stop(f"more than {MAX_REDIRECTS} redirects (last to {location})")
                target = urllib.parse.urljoin(current, location)
                _check_url(target, current)
                current = target
                continue
            if status == 304:
                if not (etag or last_modified):
                    raise _Stop("HTTP 304 Not Modified to a request that was not conditional")
                return Response(304, b"", current, etag, last_modified, "")
            if status not in (200, 203):
                raise _Stop(_status_text(status, reason))
            return Response(status, body, current, hdrs.get("ETag", "") or "", hdrs.get("Last-Modified", "") or "", hdrs.get("Content-Type", "") or "")
    except _Stop as exc:
        where = url if current == url else f"{url} (redirected to {current})"
        raise SpecError(where, None, str(exc)) from None


# ---------------------------------------------------------------- the command


def _sniff(body: bytes, content_type: str, url: str) -> None:
    """Refuse what is plainly not a spec before parsing it (HTML error pages, binary)."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SpecError(url, None, f"the response is not UTF-8 text (byte {exc.start}; Content-Type: {content_type or 'none'})") from None
    start = text.lstrip("\ufeff \t\r\n")
    if not start:
        raise SpecError(url, None, "the response is empty")
    if start.startswith("<"):
        kind = "HTML" if start[:200].lower().startswith(("<!doctype html", "<html")) or "html" in content_type.lower() else "XML or HTML"
        raise SpecError(url, None, f"the response is {kind} (Content-Type: {content_type or 'none'}), not an OpenAPI document in JSON or YAML")


def _relabel(exc: SpecError, temp: str, url: str) -> SpecError:
    return SpecError(url if exc.file == temp else exc.file, exc.where, exc.message)


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def fetch(config: Config, url: str, *, timeout: float, max_bytes: int, fmt: str = "markdown", quiet: bool = False) -> int:
    spec = config.spec
    name = display(spec)
    lock_path = lockfile.lock_path(config)
    previous = None
    try:
        previous = lockfile.read(lock_path) if lock_path else None
    except SpecError as exc:
        print(f"warning: {exc}; fetching without a conditional request", file=sys.stderr)
    try:
        current: bytes | None = spec.read_bytes()
    except FileNotFoundError:
        current = None
    except OSError as exc:
        raise SpecError(name, None, f"cannot read: {exc.strerror}") from None
    if not spec.parent.is_dir():
        raise SpecError(name, None, f"the folder {display(spec.parent)} does not exist")
    conditional = previous is not None and current is not None and previous.source_url == url and previous.source_sha256 == lockfile.sha256(current)
    resp = download(url, timeout=timeout, max_bytes=max_bytes, etag=previous.etag if conditional and previous else "", last_modified=previous.last_modified if conditional and previous else "")
    if resp.status == 304:
        if not quiet:
            print(f"{name} is up to date ({url} answered 304 Not Modified); nothing written", file=sys.stderr)
        return 0
    _sniff(resp.body, resp.content_type, url)
    if current == resp.body:
        source = dataclasses.replace(previous, source_url=url, etag=resp.etag, last_modified=resp.last_modified, source_sha256=lockfile.sha256(current)) if previous else None
        if lock_path is not None and source is not None and source != previous:
            lockfile.write_atomic(lock_path, source.to_bytes())
        if not quiet:
            print(f"{name} is up to date (the served spec has the same sha256); nothing else written", file=sys.stderr)
        return 0
    from generator.build import build_api
    from generator.diff import compare, load_api
    from generator.pipeline import load_and_validate

    # Validate the exact bytes, in a file beside the spec, through the path generate uses.
    fd, temp_name = tempfile.mkstemp(prefix=f".{spec.name}.fetch-", dir=spec.parent)
    temp = Path(temp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(resp.body)
            handle.flush()
            os.fsync(handle.fileno())
        temp_label = display(temp)
        warnings: list[str] = []
        candidate = dataclasses.replace(config, spec=temp)
        try:
            doc, raw, label = load_and_validate(candidate, warnings)
            new_api = build_api(doc, label, candidate, raw)
            warnings.extend(new_api.warnings)
        except SpecErrors as exc:
            first = _relabel(exc.errors[0], temp_label, url)
            more = f" (and {len(exc.errors) - 1} more problems)" if len(exc.errors) > 1 else ""
            raise SpecError(first.file, first.where, f"{first.message}{more}; {name} was not replaced") from None
        except SpecError as exc:
            relabelled = _relabel(exc, temp_label, url)
            raise SpecError(relabelled.file, relabelled.where, f"{relabelled.message}; {name} was not replaced") from None
        if not quiet:
            for warning in warnings:
                print(f"warning: {warning.replace(temp_label, url)}", file=sys.stderr)
        # The change report, computed before anything is replaced.
        report = None
        baseline_note = ""
        if current is not None:
            diff_warnings: list[str] = []
            try:
                report = compare(load_api(spec, config, diff_warnings), load_api(temp, config, diff_warnings), name, url)
            except (SpecError, SpecErrors) as exc:
                baseline_note = f"no change report: the previous {name} could not be read ({exc})"
        else:
            baseline_note = f"no change report: there was no previous {name}"
        try:
            mode = spec.stat().st_mode & 0o777
        except OSError:
            mode = 0o644
        os.chmod(temp, mode)
        os.replace(temp, spec)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    _fsync_dir(spec.parent)
    new_sha = lockfile.sha256(resp.body)
    if lock_path is not None:
        base = previous or lockfile.Lock(spec=lockfile.expected(config, new_sha, {}, None).spec)
        # The spec's own sha256 stays what the package was generated from until generate runs.
        lockfile.write_atomic(lock_path, dataclasses.replace(base, source_url=url, etag=resp.etag, last_modified=resp.last_modified, source_sha256=new_sha).to_bytes())
    if not quiet:
        updated = f" and updated {display(lock_path)}" if lock_path is not None else ""
        print(f"fetched {url}: {len(resp.body)} bytes, sha256 {new_sha[:12]}; replaced {name}{updated}", file=sys.stderr)
        if baseline_note:
            print(f"note: {baseline_note}", file=sys.stderr)
    if report is not None:
        sys.stdout.write(report.to_json() if fmt == "json" else report.to_markdown())
    if not quiet:
        print("next: run `python -m generator generate` to regenerate the client", file=sys.stderr)
    return 0


def command(args: argparse.Namespace) -> int:
    from generator.config import load_config

    if args.config is not None and not args.config.is_file():
        raise SpecError(str(args.config), None, "is a folder, not a file" if args.config.is_dir() else "no such file")
    config_file = args.config or Path("pyproject.toml")
    config = load_config(config_file, {"lenient": args.lenient})
    url = args.url or config.source_url
    if not url:
        raise SpecError(str(config_file), None, "[tool.generator].source_url is empty: set it or pass --url URL")
    return fetch(config, url, timeout=args.timeout, max_bytes=args.max_bytes, fmt=args.format, quiet=args.quiet)
