"""``fetch``: download the published spec, report what changes for callers, then replace the local copy.

Every failure is one line and leaves the spec and the lock exactly as they were:

* the download follows ``generator.download``'s rules (http(s) only, one total
  ``--timeout``, ``--max-bytes``, public addresses only unless
  ``--allow-private``, credentials in the URL never shown or recorded);
* a conditional GET from the lock's ETag / Last-Modified while the local spec is
  the one the lock describes: a 304 writes nothing;
* the body must be JSON or YAML in the format the spec's file name says; it goes
  through the same load, ``$ref`` check, validation and build as ``generate``;
* the change report (``diff``) is printed before anything is replaced, and a
  breaking change (a removed operation, a rebound name, a new server, no
  operations at all) is refused unless ``--accept-breaking``;
* the bytes are stored exactly as served (the recorded sha256 is the publisher's),
  through a temporary file and one atomic rename; then the lock's source fields.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator import lock as lockfile
from generator import paths
from generator.config import Config, adhoc_config, project_config, read_table
from generator.download import DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT
from generator.errors import SpecError
from generator.safe_text import redact_url

if TYPE_CHECKING:
    from generator.cli import Printer



def _positive(kind: type[float] | type[int]) -> Any:
    def parse(text: str) -> float | int:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
        if not value > 0:
            raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
        return value

    return parse


def add_arguments(sub: Any) -> None:
    text = "download the spec, validate it, report what changes for callers, and replace the local copy"
    cmd = sub.add_parser("fetch", help=text, description=text + ". On any failure, or a breaking change without --accept-breaking, nothing is written.")
    cmd.add_argument("--url", help="where to download from (default: [tool.generator].source_url)")
    cmd.add_argument("--spec", help="the file to replace (default: [tool.generator].spec); without a config, --url and --spec make an ad-hoc fetch")
    cmd.add_argument("--config", type=Path, help="a pyproject.toml holding [tool.generator] (default: ./pyproject.toml when it has one)")
    cmd.add_argument("--timeout", type=_positive(float), default=DEFAULT_TIMEOUT, help=f"seconds for the whole download: connecting, redirects, headers and body (default: {DEFAULT_TIMEOUT:g})")
    cmd.add_argument("--max-bytes", type=_positive(int), default=DEFAULT_MAX_BYTES, help=f"largest spec accepted, in bytes (default: {DEFAULT_MAX_BYTES})")
    cmd.add_argument("--allow-private", action="store_true", help="allow loopback and private network addresses (never link-local or cloud metadata ones)")
    cmd.add_argument("--accept-breaking", action="store_true", help="replace the spec even when the change is breaking for callers")
    cmd.add_argument("--lenient", action="store_true", default=None, help="accept a spec with validation problems (reported as warnings)")
    cmd.add_argument("--format", choices=("markdown", "json"), default="markdown", help="change report format (default: markdown)")
    cmd.add_argument("-q", "--quiet", action="store_true", help="print errors only")


def _config(args: argparse.Namespace) -> Config:
    if args.config is not None:
        table = read_table(args.config)
        if table is None:
            raise SpecError(str(args.config), None, "has no [tool.generator] table")
        return project_config(args.config, table, {"spec": args.spec, "lenient": args.lenient})
    default = Path("pyproject.toml")
    table = read_table(default) if default.is_file() and not args.spec else None
    if table is not None:
        return project_config(default, table, {"lenient": args.lenient})
    if not args.spec or not args.url:
        raise SpecError("fetch", None, "without a [tool.generator] config, pass both --url URL and --spec FILE")
    config = adhoc_config(args.spec, ".", None, lenient=bool(args.lenient))
    return dataclasses.replace(config, lock=None)


def _format_of(body: bytes) -> str:
    text = body.decode("utf-8-sig", "replace").lstrip(" \t\r\n")
    return "json" if text.startswith(("{", "[")) else "yaml"


def _sniff(body: bytes, content_type: str, url: str) -> None:
    """Refuse what is plainly not a spec before parsing it (HTML error pages, binary)."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SpecError(url, None, f"the response is not UTF-8 text (byte {exc.start}; Content-Type: {content_type or 'none'})") from None
    start = text.lstrip(" \t\r\n")
    if not start:
        raise SpecError(url, None, "the response is empty")
    if start.startswith("<"):
        raise SpecError(url, None, f"the response is HTML or XML (Content-Type: {content_type or 'none'}), not an OpenAPI document in JSON or YAML")


def _store(spec: Path, body: bytes) -> None:
    fd, temp = tempfile.mkstemp(prefix=f".{spec.name}.fetch-", dir=spec.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(body)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            mode = spec.stat().st_mode & 0o777
        except OSError:
            mode = 0o644
        os.chmod(temp, mode)
        os.replace(temp, spec)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def run(args: argparse.Namespace, out: Printer) -> int:
    from generator.diff import compare
    from generator.download import download
    from generator.load import read_spec
    from generator.pipeline import api_of

    config = _config(args)
    url = args.url or config.source_url
    if not url:
        raise SpecError(config.source, None, "[tool.generator].source_url is empty: set it or pass --url URL")
    shown_url = redact_url(url)
    spec, name = config.spec, paths.display(config.spec)
    if not spec.parent.is_dir():
        raise SpecError(name, None, f"the folder {paths.display(spec.parent)} does not exist")
    lock_path = config.lock if config.mode == "project" else None
    previous = lockfile.read(lock_path, paths.display(lock_path)) if lock_path is not None else None
    current = read_spec(spec) if spec.exists() else None
    same_source = previous is not None and current is not None and previous.source.url == shown_url and previous.source.sha256 == lockfile.sha256(current)
    resp = download(url, timeout=args.timeout, max_bytes=args.max_bytes, etag=previous.source.etag if same_source and previous else "",
                    last_modified=previous.source.last_modified if same_source and previous else "", allow_private=args.allow_private)
    if resp.status == 304:
        out.note(f"{name} is up to date ({shown_url} answered 304 Not Modified); nothing written")
        return 0
    _sniff(resp.body, resp.content_type, shown_url)
    served = _format_of(resp.body)
    wanted = "json" if spec.suffix.lower() == ".json" else "yaml" if spec.suffix.lower() in (".yaml", ".yml") else served
    if served != wanted:
        raise SpecError(shown_url, None, f"the server sent {served.upper()}, but {name} is a .{spec.suffix.lstrip('.')} file: name a .{'json' if served == 'json' else 'yaml'} file (--spec, or spec in [tool.generator])")
    source = lockfile.Source(shown_url, resp.etag, resp.last_modified, lockfile.sha256(resp.body))
    if current == resp.body:
        _record_source(lock_path, previous, source)
        out.note(f"{name} is up to date (the served spec has the same sha256)")
        return 0
    pins = {ns: dict(table) for ns, table in previous.names.items()} if previous is not None else None
    new_api, warnings = api_of(config, resp.body, shown_url, check=True, pins=pins, passed=lockfile.passed_parts(previous))
    for warning in warnings:
        out.warning(warning)
    refusals: list[str] = []
    if current is not None:
        old_api, _ = api_of(dataclasses.replace(config, lenient=True), current, name, base=spec, check=False, pins=pins)
        notes = [w for w in new_api.warnings if "pinned by the lock" in w]
        report = compare(old_api, dataclasses.replace(new_api, package=old_api.package), name, shown_url, notes)
        sys.stdout.write(report.to_json() if args.format == "json" else report.to_markdown())
        if report.breaking:
            refusals.append(f"{len(report.breaking)} breaking change(s) for callers")
        if old_api.operation_count and not new_api.operation_count:
            refusals.append("the new spec has no operations for this client")
    elif not new_api.operation_count:
        refusals.append("the spec has no operations for this client")
    if refusals and not args.accept_breaking:
        out.error(f"{name} not replaced: {'; '.join(refusals)} (--accept-breaking takes it anyway)")
        return 1
    _store(spec, resp.body)
    _record_source(lock_path, previous, source)
    out.note(f"fetched {shown_url}: {len(resp.body)} bytes, sha256 {source.sha256[:12]}; replaced {name}")
    out.note("next: run generate to regenerate the client")
    return 0


def _record_source(lock_path: Path | None, previous: lockfile.Lock | None, source: lockfile.Source) -> None:
    """The lock's source fields (the spec's own sha256 stays what the output was generated from)."""
    if lock_path is None:
        return
    base = previous or lockfile.Lock()
    updated = dataclasses.replace(base, source=source)
    if updated != previous:
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        from generator.write import replace_file

        replace_file(lock_path, updated.to_bytes())
