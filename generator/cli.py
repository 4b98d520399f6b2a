"""Command line: ``python -m generator generate|check``.

Exit status: 0 success; 1 ``check`` found differences; 2 bad input (one line per
problem, naming the file and the JSON pointer; nothing written); 3 the generator
failed on valid input (a template or formatter error; nothing written).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from generator import GENERATOR_NAME, __version__, noop
from generator.args import add_diff_arguments, add_fetch_arguments
from generator.config import Config, load_config
from generator.errors import GenerationError, SpecError, SpecErrors
from generator.paths import display
from generator.validator import Validator

COMMAND_EXAMPLES = {
    "generate": """examples:
  python -m generator generate                       # [tool.generator] of ./pyproject.toml
  python -m generator generate --spec other.yaml --output build --package petstore_client
  python -m generator generate -v                    # name every file written
""",
    "check": """examples:
  python -m generator check          # exit 1 and print a diff when generated/ is stale or edited by hand
  python -m generator check -q       # for CI and pre-commit: errors only
""",
    "fetch": """examples:
  python -m generator fetch                          # download source_url, validate, replace the spec
  python -m generator fetch --url https://example.com/openapi.json --format json
""",
    "diff": """examples:
  python -m generator diff old.json specs/api_v2.json
  python -m generator diff old.json specs/api_v2.json --fail-on-breaking --format json
""",
}

EXAMPLES = """examples:
  python -m generator generate
  python -m generator fetch          # download source_url, validate, replace the spec, report changes
  python -m generator diff old.json specs/api_v2.json --fail-on-breaking
  python -m generator generate --spec other.yaml --output build --package petstore_client
  python -m generator check          # exit 1 and print a diff when generated/ is stale
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m generator", description="Generate a typed Python client from an OpenAPI 3.0/3.1 document.", epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"{GENERATOR_NAME} {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, text in (("generate", "write the client package (atomically; nothing is written on any error)"), ("check", "exit 1 with a unified diff when the output differs from what generate would write")):
        cmd = sub.add_parser(name, help=text, description=text, epilog=COMMAND_EXAMPLES[name], formatter_class=argparse.RawDescriptionHelpFormatter)
        cmd.add_argument("--config", type=Path, default=None, help="pyproject.toml holding [tool.generator] (default: ./pyproject.toml)")
        cmd.add_argument("--spec", help="OpenAPI document, JSON or YAML (overrides the config)")
        cmd.add_argument("--output", help="folder that receives the package (overrides the config)")
        cmd.add_argument("--package", help="Python package name (overrides the config)")
        cmd.add_argument("--templates", help="folder of templates that override the built-in ones")
        cmd.add_argument("--lenient", action="store_true", default=None, help="report validation problems as warnings and skip operations that cannot be generated")
        cmd.add_argument("--format-all", action="store_true", help="run black over every generated file; by default it runs only where the built-in templates' layout is not already black's (the output is the same)")
        cmd.add_argument("--no-lock", action="store_true", help="neither write nor check the lock file beside the spec")
        cmd.add_argument("-q", "--quiet", action="store_true", help="print errors only")
    add_fetch_arguments(sub, COMMAND_EXAMPLES["fetch"])
    add_diff_arguments(sub, COMMAND_EXAMPLES["diff"])
    for cmd in sub.choices.values():
        cmd.add_argument("-v", "--verbose", action="store_true", help="more detail on stderr (generate: every file created, updated or removed, and the build time)")
    return parser


class Style:
    """ANSI colours for a stream, only when it is a terminal and NO_COLOR is not set (https://no-color.org)."""

    def __init__(self, stream: TextIO) -> None:
        self.on = _is_tty(stream) and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"

    def __call__(self, text: str, code: str) -> str:
        return f"\033[{code}m{text}\033[0m" if self.on else text


def _is_tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


@contextmanager
def progress(label: str, enabled: bool, after: float = 1.0) -> Iterator[None]:
    """A spinner on stderr for runs that take more than ``after`` seconds, only on a terminal."""
    if not enabled or not _is_tty(sys.stderr):
        yield
        return
    done = threading.Event()
    started = time.perf_counter()

    def spin() -> None:
        if done.wait(after):
            return
        frames = "|/-\\"
        index = 0
        while not done.wait(0.1):
            sys.stderr.write(f"\r{frames[index % 4]} {label} {time.perf_counter() - started:.1f}s")
            sys.stderr.flush()
            index += 1
        sys.stderr.write("\r\033[K")
        sys.stderr.flush()

    thread = threading.Thread(target=spin, daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _config(args: argparse.Namespace) -> Config:
    overrides = {"spec": args.spec, "output": args.output, "package": args.package, "templates": args.templates, "lenient": args.lenient}
    if args.config is not None and not args.config.is_file():
        # Only the default ./pyproject.toml may be absent; a named one must exist.
        raise SpecError(str(args.config), None, "is a folder, not a file" if args.config.is_dir() else "no such file")
    config = load_config(args.config or Path("pyproject.toml"), overrides)
    # Paths given on the command line are relative to the working folder, not the config file.
    cwd = Path.cwd()
    changes: dict[str, object] = {}
    if args.spec:
        changes["spec"] = cwd / args.spec
    if args.output:
        changes["output"] = cwd / args.output
    if args.templates:
        changes["templates"] = cwd / args.templates
    if args.format_all:
        changes["format_all"] = True
    if changes:
        import dataclasses

        config = dataclasses.replace(config, **changes)  # type: ignore[arg-type]
    return config


def main(argv: list[str] | None = None, validator: Validator | None = None) -> int:
    """The command line. ``validator``: a child ``python -m generator`` started before
    importing this module (a run that does not need it closes it; ``main`` closes it when done)."""
    with contextlib.closing(validator) if validator is not None else contextlib.nullcontext():
        return _main(argv, validator)


def _main(argv: list[str] | None, early: Validator | None) -> int:
    args = _parser().parse_args(argv)
    started = time.perf_counter()
    # A run allocates a few million objects that live until it ends (the document, the
    # IR, the sources) and hardly any cycles: with the default thresholds the collector
    # rescans them all, again and again (about a tenth of the CPU time on GitHub's spec).
    gc.set_threshold(50_000, 20, 100)
    out, err = Style(sys.stdout), Style(sys.stderr)
    try:
        if args.command in ("fetch", "diff"):
            from generator import diff as diff_command
            from generator import fetch as fetch_command

            status: int = (fetch_command if args.command == "fetch" else diff_command).command(args)
            return status
        config = _config(args)
        inputs = noop.fingerprint(config, args.no_lock)
        record = noop.unchanged(config, args.no_lock, inputs[0]) if inputs is not None else None
        if record is not None:
            return _unchanged(args, config, record, started, err)
        # The validator's child process starts now (unless ``python -m generator`` started it
        # first thing), before the spec is read and the rest is imported: its own import
        # is the longest step on small specs.
        with contextlib.closing(early or Validator()) as validator:
            return _run(args, config, inputs, started, out, err, validator)
    except SpecErrors as exc:
        for error in exc.errors:
            print(f"{err('error:', '31')} {error}", file=sys.stderr)
        return 2
    except SpecError as exc:
        print(f"{err('error:', '31')} {exc}", file=sys.stderr)
        return 2
    except GenerationError as exc:
        print(f"{err('error:', '31')} {exc}", file=sys.stderr)
        return 3
    except KeyboardInterrupt:
        return 130


def _unchanged(args: argparse.Namespace, config: Config, record: noop.Record, started: float, err: Style) -> int:
    """Nothing changed since the last run: print what the full run would print, write nothing."""
    if args.verbose:
        print(f"{display(config.spec)}: nothing changed (fingerprint matches); skipped rendering", file=sys.stderr)
    for warning in record.warnings:
        print(f"{err('warning:', '33')} {warning}", file=sys.stderr)
    if args.quiet:
        return 0
    target = config.package_dir
    if args.command == "check":
        print(f"{display(target)} is up to date")
        for note in record.notes:
            print(f"note: {note}")
        return 0
    for note in record.notes:
        print(f"note: {note}")
    print(f"{display(target)}: {record.operations} operations, {record.models} models, {_plural(record.total, 'file')} unchanged ({time.perf_counter() - started:.2f}s)")
    for note in record.api_notes:
        print(f"note: {note}")
    return 0


def _run(
    args: argparse.Namespace, config: Config, inputs: tuple[str, str] | None, started: float, out: Style, err: Style, validator: Validator
) -> int:
    """The full run: load, validate, build, render and format, then write (``generate``) or compare (``check``)."""
    from generator import lock
    from generator.pipeline import run
    from generator.write import (
        beside_files,
        diff,
        diff_beside,
        encode,
        read_beside,
        read_tree,
        write,
        write_beside,
    )

    with progress(f"{args.command}: {display(config.spec)}", not args.quiet):
        result = run(config, validator)
    from generator.docs import TOML_HEADER

    if args.verbose:
        print(f"built {display(config.spec)} in {time.perf_counter() - started:.2f}s", file=sys.stderr)
    for warning in result.warnings:
        print(f"{err('warning:', '33')} {warning}", file=sys.stderr)
    files = encode(result.files)
    target = config.package_dir
    ops = result.api.operation_count
    # pyproject.toml beside the package; a file there we did not generate is never replaced.
    outside, outside_notes = beside_files(config.output, encode(result.outside), TOML_HEADER.encode())

    def remember(notes: list[str]) -> None:
        """Let the next run skip all this while nothing changes (see generator/noop.py).

        Only when the fingerprint taken before the run is of the spec bytes this run
        read, the spec is one file, and the lock (when one is kept) is exactly what
        generate writes: then a run with the same inputs would do and say this again.
        """
        if inputs is None or not result.single_file or inputs[1] != result.api.spec_sha256:
            return
        lock_sha = None
        if not args.no_lock and lock.lock_path(config) is not None:
            data = lock.settled(config, result.api.spec_sha256, files, outside)
            if data is None:
                return
            lock_sha = lock.sha256(data)
        printed = {"warnings": result.warnings, "notes": notes, "api_notes": result.api.notes}
        noop.remember(config, args.no_lock, inputs[0], files, (outside, list(result.outside)), lock_sha, (ops, len(result.api.models)), printed)

    if args.command == "check":
        lock_problems, lock_notes = ([], []) if args.no_lock else lock.verify(config, result.api.spec_sha256, files, outside)
        lines = diff(target, files) + diff_beside(config.output, outside)
        if lines:
            sys.stdout.writelines(lines)
        for problem in lock_problems:
            print(problem, file=sys.stderr)
        if lines:
            print(f"{err(display(target), '31')} is stale: run `python -m generator generate`", file=sys.stderr)
        if lines or lock_problems:
            return 1
        remember([*lock_notes, *outside_notes])
        if not args.quiet:
            print(f"{display(target)} is up to date")
            for note in [*lock_notes, *outside_notes]:
                print(f"note: {note}")
        return 0
    current = read_tree(target)
    unchanged = current == files
    if not unchanged:
        write(target, files)
    # Files beside the package and then the lock go after the package swap.
    before = read_beside(config.output, outside)
    written_beside = write_beside(config.output, outside) if outside else []
    lock_written, lock_note = (False, "") if args.no_lock else lock.sync(config, result.api.spec_sha256, files, outside)
    remember(([lock_note] if lock_note else []) + outside_notes)
    changed = [rel for rel in sorted(files) if current.get(rel) != files[rel]]
    removed = sorted(set(current) - set(files))
    if args.verbose:
        for rel in changed:
            print(f"{'created' if rel not in current else 'updated'} {display(target / rel)}", file=sys.stderr)
        for rel in removed:
            print(f"removed {display(target / rel)}", file=sys.stderr)
        for name in written_beside:
            print(f"{'updated' if name in before else 'created'} {display(config.output / name)}", file=sys.stderr)
    if not args.quiet:
        total = len(files) + len(outside)
        written = len(changed) + len(written_beside)
        if written or removed:
            state = f"wrote {_plural(written, 'file')}, {total - written} unchanged" + (f", {len(removed)} removed" if removed else "")
        else:
            state = f"{_plural(total, 'file')} unchanged"
        if lock_written:
            state += ", lock file updated"
        for note in ([lock_note] if lock_note else []) + outside_notes:
            print(f"note: {note}")
        summary = f"{display(target)}: {ops} operations, {len(result.api.models)} models, {state} ({time.perf_counter() - started:.2f}s)"
        print(out(summary, "32") if written or removed else summary)
        for note in result.api.notes:
            print(f"note: {note}")
    return 0

if __name__ == "__main__":
    raise SystemExit(main())
