"""Shared machinery for the hostile-spec tests: canaries, a counting listener, one mypy run.

A *canary* is a statement hidden in spec text that, if the generator ever pasted the
text into code, would create a file and print a marker when the package is imported
or used. Tests assert the file is absent and the marker never printed.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
MARKER = "PWNED-7f3a"


def canary_code(canary: Path) -> str:
    """A statement that creates ``canary`` and prints the marker when it runs."""
    return f"__import__('pathlib').Path({str(canary)!r}).touch(); print({MARKER!r})"


def payloads(code: str) -> list[str]:
    """The same canary wrapped in every way of breaking out of a literal, docstring or comment."""
    return [
        f'"""\n{code}\n"""',
        f"'''\n{code}\n'''",
        f'"); {code}; ("',
        f"'); {code}; ('",
        f"\\\n{code}",
        f'\\"""; {code}; """',
        f"\r{code}\r",
        f"\x00\"\"\"\x00{code}",
        f"\u2028{code}\u2029",
        f"\x85{code}",
        f"\x1b[2K\x1b[1A\"\"\"{code}",
        f"\ud800\"\"\"{code}",
        f"{{{{ {code} }}}}{{% raw %}}",
        f"# \n{code}",
        f"*/ {code} /*",
        f"\\N{{{code}}}",
        f"{code}  # \\",
    ]


def hostile(code: str) -> str:
    """All payloads joined: one string that attacks every quoting context at once."""
    return " ".join(payloads(code))


class Listener:
    """A TCP listener on 127.0.0.1 that counts the connections it accepts."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port: int = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.sock.close()


def run_cli(args: list[str], cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
    return subprocess.run([PYTHON, "-m", "generator", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


EXERCISE = r'''
import importlib, json, pkgutil, sys, traceback
results = {}
for out, package in json.loads(sys.argv[1]):
    sys.path.insert(0, out)
    problems = []
    try:
        pkg = importlib.import_module(package)
        for info in pkgutil.walk_packages(pkg.__path__, package + "."):
            importlib.import_module(info.name)
        for name in pkg.__all__:
            getattr(pkg, name)
        client = pkg.Client(api_key="k", base_url="http://127.0.0.1:9")
        repr(client)
        models = importlib.import_module(package + ".models")
        for name in models.__all__:
            cls = getattr(models, name)
            try:
                cls.from_dict({}).to_dict()
            except Exception:
                pass
        for attr in dir(type(client)):
            if not attr.startswith("_"):
                getattr(client, attr)
        client.close()
    except BaseException:
        problems.append(traceback.format_exc())
    results[package] = problems
print("RESULTS:" + json.dumps(results))
'''


def exercise(packages: list[tuple[Path, str]], cwd: Path) -> tuple[dict[str, list[str]], str]:
    """Import every module of every package and use its client and models, in one process."""
    arg = json.dumps([[str(out), name] for out, name in packages])
    done = subprocess.run([PYTHON, "-c", EXERCISE, arg], cwd=cwd, capture_output=True, text=True, timeout=300)
    line = next((text for text in done.stdout.splitlines() if text.startswith("RESULTS:")), None)
    if line is None:
        raise AssertionError(f"exercise script failed: {done.stderr[-3000:]}")
    return json.loads(line[len("RESULTS:"):]), done.stdout + done.stderr


def mypy(packages: list[tuple[Path, str]], cache: Path) -> dict[str, list[str]]:
    """One ``mypy --strict --python-version 3.10`` over all packages; errors per package."""
    if not packages:
        return {}
    env = {**os.environ, "MYPYPATH": os.pathsep.join(sorted({str(out) for out, _ in packages}))}
    args = [PYTHON, "-m", "mypy", "--strict", "--python-version", "3.10", "--no-error-summary", "--cache-dir", str(cache), "--config-file", os.devnull]
    for _, name in packages:
        args += ["-p", name]
    done = subprocess.run(args, capture_output=True, text=True, env=env, timeout=600)
    errors: dict[str, list[str]] = {name: [] for _, name in packages}
    for line in (done.stdout + done.stderr).splitlines():
        for out, name in packages:
            if line.startswith(str(out)) or f"/{name}/" in line or line.startswith(name + "/"):
                errors[name].append(line)
                break
        else:
            if line.strip() and ": error:" in line:
                errors.setdefault("?", []).append(line)
    if done.returncode not in (0, 1):
        errors.setdefault("?", []).append(done.stderr[-2000:])
    return errors


Mutation = Callable[[dict[str, Any], Any], Any]
