"""``fetch``: download the published spec safely, validate it, then replace the local copy.

Safety rules, each one line on failure with the spec left exactly as it was:

* the download follows ``generator.download``'s rules: http(s) only, bounded
  redirects and retries, one total ``--timeout``, ``--max-bytes``, public addresses
  only unless ``--allow-private``, credentials in the URL never shown;
* a conditional GET (``If-None-Match`` / ``If-Modified-Since`` from the lock file)
  while the local spec is the one the lock describes: a 304 writes nothing;
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
import os
import sys
import tempfile
from pathlib import Path

from generator import lock as lockfile
from generator.config import Config
from generator.download import Response, download, redact_url
from generator.errors import SpecError, SpecErrors
from generator.paths import display

__all__ = ["Response", "command", "download", "fetch", "redact_url"]

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


def fetch(config: Config, url: str, *, timeout: float, max_bytes: int, fmt: str = "markdown", quiet: bool = False, allow_private: bool = False) -> int:
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
    resp = download(url, timeout=timeout, max_bytes=max_bytes, allow_private=allow_private, etag=previous.etag if conditional and previous else "", last_modified=previous.last_modified if conditional and previous else "")
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
    return fetch(config, url, timeout=args.timeout, max_bytes=args.max_bytes, fmt=args.format, quiet=args.quiet, allow_private=args.allow_private)
