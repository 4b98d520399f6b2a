"""Run a piece of the generator in a child process with its memory and time bounded.

The child imports what it needs first, then caps its address space at what it already
uses plus ``memory_mb`` (``RLIMIT_AS``): code that reads a whole hostile input into
memory dies with MemoryError instead of passing. The parent gives it ``timeout``
seconds of wall-clock time, and reports how long it took.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parents[1]

PRELUDE = """
import resource, sys
sys.path.insert(0, {root!r})
{imports}
with open("/proc/self/status") as status:
    used = next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmSize:"))
cap = used + {memory_mb} * 1024 * 1024
resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
"""


def run_bounded(code: str, *, imports: str, memory_mb: int = 100, timeout: float = 20.0, stdin: IO[Any] | int | None = subprocess.DEVNULL, env: dict[str, str] | None = None) -> tuple[subprocess.CompletedProcess[str], float]:
    """(the finished child, seconds it ran); ``code`` runs after ``imports`` under the memory cap."""
    program = PRELUDE.format(root=str(ROOT), imports=imports, memory_mb=memory_mb) + textwrap.dedent(code)
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", program], stdin=stdin, capture_output=True, text=True, timeout=timeout, env={**os.environ, **(env or {})})
    return done, time.monotonic() - started
