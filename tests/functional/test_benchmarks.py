"""The benchmark script keeps working: a quick run on a tiny input writes the full table.

Speed is measured there, never asserted here. The tiny input is the OAuth part of
the served Instantly document (3 operations); the decoding row reads the Lead schema
from the script's own default (the Instantly spec in tests/corpus), so this also
proves the script finds its inputs inside the repository.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from .generated import ROOT


def tiny_spec(folder: Path) -> Path:
    """specs/api_v2.json with only its OAuth operations."""
    spec = json.loads((ROOT / "specs" / "api_v2.json").read_text(encoding="utf-8"))
    spec["paths"] = {
        path: item for path, item in spec["paths"].items()
        if any("OAuth" in op.get("tags", []) for op in item.values() if isinstance(op, dict))
    }
    target = folder / "tiny.json"
    target.write_text(json.dumps(spec), encoding="utf-8")
    return target


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_a_quick_benchmark_writes_every_row(tmp_path: Path) -> None:
    output = tmp_path / "results.md"
    done = subprocess.run(
        [
            sys.executable, str(ROOT / "benchmarks" / "run.py"),
            "--quick", "--no-peers",
            "--spec", f"tiny={tiny_spec(tmp_path)}",
            "--sizes", "4",
            "--calls", "100",
            "--decode-items", "50",
            "--workdir", str(tmp_path),
            "--output", str(output),
        ],
        capture_output=True, text=True, timeout=290,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    table = output.read_text(encoding="utf-8")
    assert table.strip() in done.stdout
    rows = [line for line in table.splitlines() if line.startswith("| ") and not line.startswith("| section")]
    expected = [
        "| generation time | tiny (3 ops), ours cold",
        "| generation time | tiny, ours warm cache",
        "| generation peak memory | tiny, ours cold",
        "| generation time | synthetic 4 ops (4 ops), ours cold",
        "| generation time | this project's build: OAuth tag of the full Instantly document, cold",
        "| no-op (nothing changed, warm cache) | `generate` on tiny",
        "| no-op (nothing changed, warm cache) | `check` on tiny",
        "| import time beyond httpx (fresh interpreter) | tiny, first start, no bytecode: ours `Client`",
        "| import time beyond httpx (fresh interpreter) | tiny, bytecode compiled: ours `Client`",
        "| import time beyond httpx (fresh interpreter) | tiny, bytecode compiled: ours, every module",
        "| per-call time, loopback server (median of 100 calls) | sync:",
        "| per-call time, loopback server (median of 100 calls) | async:",
        "| decoding 50 Instantly leads",
    ]
    for prefix in expected:
        matching = [row for row in rows if row.startswith(prefix)]
        assert matching, f"no row starting {prefix!r} in:\n{table}"
        assert "failed" not in matching[0], matching[0]
    assert "- versions: " in table and "- date: " in table and "- machine: " in table
