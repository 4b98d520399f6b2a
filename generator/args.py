"""The flags of ``fetch`` and ``diff``, kept apart from their commands.

Building the parser must not import ``fetch`` (ssl, http.client, urllib) or ``diff``
(the IR): a no-op ``generate`` or ``check`` never needs them.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

DEFAULT_TIMEOUT = 30.0
DEFAULT_MAX_BYTES = 16 * 1024 * 1024


def _positive(kind: type[float] | type[int]) -> Callable[[str], float | int]:
    def parse(text: str) -> float | int:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
        if not value > 0:
            raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
        return value

    return parse


def add_fetch_arguments(sub: Any, epilog: str) -> None:
    text = "download the spec from its source URL, validate it, replace the local copy and report what changed"
    cmd = sub.add_parser("fetch", help=text, description=text + ". On any failure the local spec is left as it was.", epilog=epilog, formatter_class=argparse.RawDescriptionHelpFormatter)
    cmd.add_argument("--url", help="where to download from (default: [tool.generator].source_url)")
    cmd.add_argument("--config", type=Path, default=None, help="pyproject.toml holding [tool.generator] (default: ./pyproject.toml)")
    cmd.add_argument("--timeout", type=_positive(float), default=DEFAULT_TIMEOUT, help=f"seconds allowed for the whole download: connecting, redirects, retries and reading (default: {DEFAULT_TIMEOUT:g})")
    cmd.add_argument("--max-bytes", type=_positive(int), default=DEFAULT_MAX_BYTES, help=f"largest spec accepted, in bytes (default: {DEFAULT_MAX_BYTES})")
    cmd.add_argument("--allow-private", action="store_true", help="allow loopback and private-network addresses (10/8, 172.16/12, 192.168/16, fc00::/7); link-local and cloud metadata addresses stay refused")
    cmd.add_argument("--lenient", action="store_true", default=None, help="accept a spec with validation problems (reported as warnings)")
    cmd.add_argument("--format", choices=("markdown", "json"), default="markdown", help="change report format (default: markdown)")
    cmd.add_argument("-q", "--quiet", action="store_true", help="print errors only")


def add_diff_arguments(sub: Any, epilog: str) -> None:
    text = "report what changed for callers of the generated client between two specs"
    cmd = sub.add_parser("diff", help=text, description=text + ". Each change is classified as breaking or not, with a suggested semver bump.", epilog=epilog, formatter_class=argparse.RawDescriptionHelpFormatter)
    cmd.add_argument("old", type=Path, metavar="OLD", help="the previous OpenAPI document (JSON or YAML)")
    cmd.add_argument("new", type=Path, metavar="NEW", help="the new OpenAPI document (JSON or YAML)")
    cmd.add_argument("--format", choices=("markdown", "json"), default="markdown", help="report format (default: markdown)")
    cmd.add_argument("--fail-on-breaking", action="store_true", help="exit 1 when any change is breaking")
    cmd.add_argument("--config", type=Path, default=None, help="pyproject.toml holding [tool.generator]: package, tag and operation filters (default: ./pyproject.toml when present)")
    cmd.add_argument("-q", "--quiet", action="store_true", help="print no warnings")
