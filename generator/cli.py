"""Command line: ``python -m generator generate|check``.

Exit status: 0 success; 1 ``check`` found differences; 2 bad input (one line per
problem, naming the file and the JSON pointer; nothing written); 3 the generator
failed on valid input (a template or formatter error; nothing written).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from generator import GENERATOR_NAME, __version__, lock
from generator.config import Config, load_config
from generator.errors import GenerationError, SpecError, SpecErrors
from generator.load import display
from generator.write import diff, encode, read_tree, write

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
        cmd = sub.add_parser(name, help=text, description=text, epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
        cmd.add_argument("--config", type=Path, default=None, help="pyproject.toml holding [tool.generator] (default: ./pyproject.toml)")
        cmd.add_argument("--spec", help="OpenAPI document, JSON or YAML (overrides the config)")
        cmd.add_argument("--output", help="folder that receives the package (overrides the config)")
        cmd.add_argument("--package", help="Python package name (overrides the config)")
        cmd.add_argument("--templates", help="folder of templates that override the built-in ones")
        cmd.add_argument("--lenient", action="store_true", default=None, help="report validation problems as warnings and skip operations that cannot be generated")
        cmd.add_argument("--no-lock", action="store_true", help="neither write nor check the lock file beside the spec")
        cmd.add_argument("-q", "--quiet", action="store_true", help="print errors only")
    from generator import diff as diff_command
    from generator import fetch as fetch_command

    fetch_command.add_arguments(sub, EXAMPLES)
    diff_command.add_arguments(sub, EXAMPLES)
    return parser


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
    if changes:
        import dataclasses

        config = dataclasses.replace(config, **changes)  # type: ignore[arg-type]
    return config


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    started = time.perf_counter()
    try:
        if args.command in ("fetch", "diff"):
            from generator import diff as diff_command
            from generator import fetch as fetch_command

            status: int = (fetch_command if args.command == "fetch" else diff_command).command(args)
            return status
        config = _config(args)
        from generator.pipeline import run

        result = run(config)
        for warning in result.warnings:
            print(f"warning: {warning}", file=sys.stderr)
        files = encode(result.files)
        target = config.package_dir
        if args.command == "check":
            lock_problems, lock_notes = ([], []) if args.no_lock else lock.verify(config, result.api.spec_sha256, files)
            lines = diff(target, files)
            if lines:
                sys.stdout.writelines(lines)
            for problem in lock_problems:
                print(problem, file=sys.stderr)
            if lines:
                print(f"{display(target)} is stale: run `python -m generator generate`", file=sys.stderr)
            if lines or lock_problems:
                return 1
            if not args.quiet:
                print(f"{display(target)} is up to date")
                for note in lock_notes:
                    print(f"note: {note}")
            return 0
        unchanged = read_tree(target) == files
        if not unchanged:
            write(target, files)
        # The lock goes after the package swap: it records what is now on disk.
        lock_written, lock_note = (False, "") if args.no_lock else lock.sync(config, result.api.spec_sha256, files)
        if not args.quiet:
            ops = sum(len(r.operations) for r in result.api.resources)
            state = ("unchanged" + (", lock file updated" if lock_written else "")) if unchanged else f"wrote {len(files)} files"
            if lock_note:
                print(f"note: {lock_note}")
            print(f"{display(target)}: {ops} operations, {len(result.api.models)} models, {state} ({time.perf_counter() - started:.2f}s)")
            for note in result.api.notes:
                print(f"note: {note}")
        return 0
    except SpecErrors as exc:
        for error in exc.errors:
            print(f"error: {error}", file=sys.stderr)
        return 2
    except SpecError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except GenerationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 3
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
