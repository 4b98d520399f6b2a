"""Command line: ``generate``, ``check``, ``fetch``, ``diff``.

Exit status: 0 success; 1 ``check`` found the output stale, or ``diff``/``fetch``
found a breaking change they were told to fail on; 2 bad input or a bad output
path (one line per problem, naming the file and the JSON pointer; nothing
written); 3 an internal failure (one line; nothing written); 130 interrupted.
No path ends in a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import TextIO

from generator import GENERATOR_NAME, __version__
from generator.config import Config, adhoc_config, project_config, read_table
from generator.errors import GenerationError, SpecError, SpecErrors
from generator.safe_text import printable

EPILOG = """exit status: 0 ok; 1 stale output (check) or a breaking change (diff --fail-on-breaking,
fetch without --accept-breaking); 2 bad input or output path; 3 internal failure.

examples:
  {prog} generate                                    # [tool.generator] of ./pyproject.toml
  {prog} generate --spec petstore.yaml --output out  # ad hoc: package named from the spec's title
  {prog} check                                       # exit 1 and a diff when the output is stale
  {prog} fetch                                       # download source_url, report, replace the spec
  {prog} diff old.json new.json --fail-on-breaking
"""


def _prog() -> str:
    name = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else GENERATOR_NAME
    return "python -m generator" if name in ("__main__.py", "-m", "") else name


# Parsed without the other commands when named first: options of the program itself come before
# the command, so then every later argument belongs to it.
_OWN_COMMANDS = ("generate", "check")


def parser(command: str | None = None) -> argparse.ArgumentParser:
    """The whole command line; with ``command`` (``generate`` or ``check``: the first argument),
    only what parses that command (the other commands' modules are not imported)."""
    prog = _prog()
    top = argparse.ArgumentParser(prog=prog, description="Generate a typed Python client from an OpenAPI 3.0/3.1 document.",
                                  epilog=EPILOG.format(prog=prog), formatter_class=argparse.RawDescriptionHelpFormatter)
    top.add_argument("--version", action="version", version=f"{GENERATOR_NAME} {__version__}")
    sub = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, text in (
        ("generate", "write the client package, the pyproject.toml beside it and the lock (atomically; nothing is written on any error)"),
        ("check", "exit 1 with a unified diff when the output differs from what generate would write"),
    ):
        cmd = sub.add_parser(name, help=text, description=text)
        cmd.add_argument("--config", type=Path, help="a pyproject.toml holding [tool.generator] (default: ./pyproject.toml when it has one)")
        cmd.add_argument("--spec", help="the OpenAPI document, JSON or YAML; without --config this is an ad-hoc run that writes only inside --output")
        cmd.add_argument("--output", help="the folder that receives the package (required for an ad-hoc run)")
        cmd.add_argument("--package", help="the package name (default: the config's, or derived from the spec's title)")
        cmd.add_argument("--templates", help="a folder of templates that override the built-in ones")
        cmd.add_argument("--lenient", action="store_true", default=None, help="report validation problems as warnings and skip what cannot be generated")
        cmd.add_argument("-q", "--quiet", action="store_true", help="print errors only")
        cmd.add_argument("-v", "--verbose", action="store_true", help="name every file written")
    if command not in _OWN_COMMANDS:
        from generator import diff_command, fetch_command

        fetch_command.add_arguments(sub)
        diff_command.add_arguments(sub)
    return top


def load_config(args: argparse.Namespace) -> Config:
    """Project mode (a [tool.generator] table) or ad-hoc mode (--spec and --output)."""
    overrides = {"spec": args.spec, "output": args.output, "package": args.package, "templates": args.templates, "lenient": args.lenient}
    if args.config is not None:
        table = read_table(args.config)
        if table is None:
            raise SpecError(str(args.config), None, "has no [tool.generator] table")
        return project_config(args.config, table, overrides)
    if args.spec:
        return adhoc_config(args.spec, args.output, args.package, args.templates, bool(args.lenient))
    default = Path("pyproject.toml")
    table = read_table(default) if default.is_file() else None
    if table is None:
        raise SpecError(str(default), None, "no [tool.generator] table here: run with --spec FILE --output DIR, or add the table (see docs/configuration.md)")
    return project_config(default, table, overrides)


class Printer:
    """Messages on stderr (colour only on a terminal without NO_COLOR), the summary on stdout."""

    def __init__(self, quiet: bool, verbose: bool = False) -> None:
        self.quiet, self.verbose = quiet, verbose
        self.colour = _tty(sys.stderr) and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"

    def _tag(self, word: str, code: str) -> str:
        return f"\033[{code}m{word}\033[0m" if self.colour else word

    def error(self, text: str) -> None:
        print(f"{self._tag('error:', '31')} {printable(text)}", file=sys.stderr)

    def warning(self, text: str) -> None:
        if not self.quiet:
            print(f"{self._tag('warning:', '33')} {printable(text)}", file=sys.stderr)

    def note(self, text: str) -> None:
        if not self.quiet:
            print(f"note: {printable(text)}", file=sys.stderr)

    def detail(self, text: str) -> None:
        if self.verbose and not self.quiet:
            print(printable(text), file=sys.stderr)

    def out(self, text: str) -> None:
        if not self.quiet:
            print(printable(text, newlines=True))


def _tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parser(argv[0] if argv else None).parse_args(argv)
    out = Printer(getattr(args, "quiet", False), getattr(args, "verbose", False))
    try:
        if args.command in ("generate", "check"):
            from generator import commands

            return commands.generate_or_check(args, load_config(args), out)
        from generator import diff_command, fetch_command

        module = fetch_command if args.command == "fetch" else diff_command
        status: int = module.run(args, out)
        return status
    except SpecErrors as exc:
        for error in exc.errors[:50]:
            out.error(str(error))
        if len(exc.errors) > 50:
            first = exc.errors[0]
            out.error(f"{first.file}: ... and {len(exc.errors) - 50} more problems")
        return 2
    except SpecError as exc:
        out.error(str(exc))
        return 2
    except GenerationError as exc:
        out.error(str(exc))
        return 3
    except KeyboardInterrupt:
        return 130
    except MemoryError:
        out.error("out of memory")
        return 3
    except Exception as exc:  # never a traceback: one line, exit 3
        out.error(f"internal error: {type(exc).__name__}: {exc} (please report it)")
        return 3


def elapsed(started: float) -> str:
    return f"{time.perf_counter() - started:.2f}s"
