"""(being rewritten)"""

from __future__ import annotations

import argparse
from typing import Any

from generator.errors import GenerationError


def add_arguments(sub: Any) -> None:
    sub.add_parser(__name__.rsplit(".", 1)[-1].split("_")[0])


def run(args: argparse.Namespace, out: Any) -> int:
    raise GenerationError("not available yet")
