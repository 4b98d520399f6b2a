"""``diff OLD NEW``: what changed for callers of the generated client between two specs."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator import paths
from generator.config import Config, adhoc_config, project_config, read_table
from generator.errors import SpecError

if TYPE_CHECKING:
    from generator.cli import Printer


def add_arguments(sub: Any) -> None:
    text = "report what changed for callers of the generated client between two specs"
    cmd = sub.add_parser("diff", help=text, description=text + ": each change classified as breaking or not, with a suggested semver bump.")
    cmd.add_argument("old", type=Path, metavar="OLD", help="the previous OpenAPI document (JSON or YAML)")
    cmd.add_argument("new", type=Path, metavar="NEW", help="the new OpenAPI document (JSON or YAML)")
    cmd.add_argument("--config", type=Path, help="a pyproject.toml whose [tool.generator] selects tags and operations (default: ./pyproject.toml when it has one)")
    cmd.add_argument("--format", choices=("markdown", "json"), default="markdown", help="report format (default: markdown)")
    cmd.add_argument("--fail-on-breaking", action="store_true", help="exit 1 when any change is breaking")
    cmd.add_argument("-q", "--quiet", action="store_true", help="print no warnings")


def selection(config_file: Path | None, fallback_spec: Path) -> Config:
    """The config whose selection and settings the comparison uses (every operation without one)."""
    if config_file is not None:
        table = read_table(config_file)
        if table is None:
            raise SpecError(str(config_file), None, "has no [tool.generator] table")
        return project_config(config_file, table, {"spec": str(fallback_spec)})
    default = Path("pyproject.toml")
    table = read_table(default) if default.is_file() else None
    if table is not None:
        return project_config(default, table, {"spec": str(fallback_spec)})
    return adhoc_config(str(fallback_spec), ".", None)


def read_bytes(path: Path) -> bytes:
    from generator.load import read_spec

    return read_spec(path)


def run(args: argparse.Namespace, out: Printer) -> int:
    from generator.diff import compare
    from generator.pipeline import api_of

    config = dataclasses.replace(selection(args.config, args.new), lenient=True)
    old_name, new_name = paths.display(args.old), paths.display(args.new)
    old_api, _ = api_of(config, read_bytes(args.old), old_name, base=args.old, check=False)
    pins = {ns: dict(table) for ns, table in old_api.names}
    new_api, _ = api_of(dataclasses.replace(config, package=old_api.package), read_bytes(args.new), new_name, base=args.new, check=False, pins=pins)
    notes = [w for w in new_api.warnings if "pinned by the lock" in w]
    report = compare(old_api, new_api, old_name, new_name, notes)
    sys.stdout.write(report.to_json() if args.format == "json" else report.to_markdown())
    if args.fail_on_breaking and report.breaking:
        out.error(f"{len(report.breaking)} breaking change(s) for callers (suggested bump: {report.bump})")
        return 1
    return 0
