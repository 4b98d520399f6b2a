"""``generate`` and ``check``: the pipeline, then the write stage or a comparison with the disk."""

from __future__ import annotations

import argparse
import time
from typing import TYPE_CHECKING

from generator import lock, paths, pipeline, write
from generator.config import Config

if TYPE_CHECKING:
    from generator.cli import Printer

BESIDE = ("pyproject.toml",)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def generate_or_check(args: argparse.Namespace, config: Config, out: Printer) -> int:
    started = time.perf_counter()
    is_check = args.command == "check"
    write.check_output_path(config.output)
    lock_name = paths.display(config.lock_path)
    previous = lock.read(config.lock_path, lock_name)
    raw = pipeline.read_spec(config)  # once: hashed for the lock's question, parsed only by a full run
    package = config.package or (previous.package if previous is not None else "")
    current = write.read_output(config.output, package, BESIDE) if package else {}
    if package and pipeline.unchanged(config if config.package else _with_package(config, package), previous, current, raw):
        out.detail(f"{paths.display(config.spec)}: nothing changed since the lock was written")
        assert previous is not None
        target = paths.display(config.output / package)
        if is_check:
            out.out(f"{target} is up to date")
        else:
            out.out(f"{target}: {_plural(len(previous.files), 'file')} unchanged ({time.perf_counter() - started:.2f}s)")
        return 0
    result = pipeline.run(config, previous, current, raw)
    config = result.config
    if config.package != package:
        current = write.read_output(config.output, config.package, BESIDE)
    for warning in result.warnings:
        out.warning(warning)
    lock_bytes = result.lock.to_bytes()
    target = paths.display(config.output / config.package)
    if is_check:
        lines = write.diff_output(config.output, current, result.files)
        if lines:
            if not args.quiet:
                import sys

                from generator.safe_text import printable

                # A file edited by hand may hold terminal controls: shown escaped, like every message.
                sys.stdout.writelines(printable(line, newlines=True) for line in lines)
            if previous is not None and previous.black_version != result.lock.black_version:
                out.note(f"the output was formatted with black {previous.black_version}; black {result.lock.black_version} is installed")
            out.error(f"{target} is stale: run generate")
            return 1
        old = config.lock_path.read_bytes() if config.lock_path.is_file() else None
        if old != lock_bytes:
            out.note(f"{lock_name} is out of date (the output is not): run generate to refresh it")
        out.out(f"{target} is up to date")
        return 0
    written = write.write_output(config.output, config.package, result.files, current, (config.lock_path, lock_bytes), config.root)
    for note in written.notes:
        out.note(note)
    for rel in written.changed:
        out.detail(f"{'updated' if rel in current else 'created'} {paths.display(config.output / rel)}")
    for rel in written.removed:
        out.detail(f"removed {paths.display(config.output / rel)}")
    total = len(result.files)
    if written.changed or written.removed:
        state = f"wrote {_plural(len(written.changed), 'file')}, {total - len(written.changed)} unchanged" + (f", {len(written.removed)} removed" if written.removed else "")
    else:
        state = f"{_plural(total, 'file')} unchanged"
    if written.lock_written:
        state += f", lock {lock_name} written"
    api = result.api
    out.out(f"{target}: {api.operation_count} operations, {len(api.models)} models, {state} ({time.perf_counter() - started:.2f}s)")
    for note in api.notes:
        out.note(note)
    return 0


def _with_package(config: Config, package: str) -> Config:
    import dataclasses

    return dataclasses.replace(config, package=package)
