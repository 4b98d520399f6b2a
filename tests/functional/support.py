"""Helpers of the runtime's functional tests, and the package they test.

The runtime is tested as users meet it: ``fixture_client`` is generated from
``tests/specs/functional.yaml`` (with the settings of ``functional.toml``) once
per test session, shared by pytest-xdist workers, and its folder is put first on
``sys.path`` (``prepare``, called by ``conftest.py`` before any test module is
imported).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from .generated import generate_project, once, shared_root

PACKAGE_ROOT = Path()
"""The folder holding ``fixture_client`` (on ``sys.path``, and for child processes); set by ``prepare``."""
SHARED = Path()
"""The folder the session's pytest-xdist workers share; set by ``prepare``."""
_REMOVE: list[Path] = []


def prepare(basetemp: str | None) -> Path:
    """Generate ``fixture_client`` (once per session) and make it importable; its folder."""
    global PACKAGE_ROOT, SHARED
    root, remove = shared_root(basetemp)
    SHARED = root
    if remove:
        _REMOVE.append(root)
    folder = root / "fixture-client"
    failure = once(folder, lambda f: generate_project(f, "functional.yaml", "functional.toml"))
    if failure:
        raise pytest.UsageError(failure)
    PACKAGE_ROOT = folder / "out"
    sys.path.insert(0, str(PACKAGE_ROOT))
    import fixture_client

    assert Path(fixture_client.__file__).parent.parent == PACKAGE_ROOT
    return PACKAGE_ROOT


def cleanup() -> None:
    for folder in _REMOVE:
        shutil.rmtree(folder, ignore_errors=True)


KEY = "sk-test-9f8e7d6c5b4a3210-SECRET"
ENV = "FIXTURE_API_KEY"


def call(mode: str, op: Callable[[Any], Any], client_class: Any = None, **client_kwargs: Any) -> Any:
    """Build the sync or async client, run ``op(client)`` inside it, return the result.

    ``op`` works for both: async methods return a coroutine, which is awaited.
    """
    from fixture_client import AsyncClient, Client

    client_kwargs.setdefault("api_key", KEY)
    if mode == "sync":
        with (client_class or Client)(**client_kwargs) as client:
            return op(client)

    async def main() -> Any:
        cls = client_class or AsyncClient
        async with cls(**client_kwargs) as client:
            return await op(client)

    return asyncio.run(main())


def raises(mode: str, expected: type[BaseException] | tuple[type[BaseException], ...], op: Callable[[Any], Any], **client_kwargs: Any) -> Any:
    """``call``, expecting ``expected``; returns the error."""
    with pytest.raises(expected) as info:
        call(mode, op, **client_kwargs)
    return info.value


def timed(mode: str, op: Callable[[Any], Any], expected: Any = None, **client_kwargs: Any) -> tuple[Any, float]:
    """``call`` (or ``raises`` when ``expected``), with the seconds it took."""
    started = time.monotonic()
    result = call(mode, op, **client_kwargs) if expected is None else raises(mode, expected, op, **client_kwargs)
    return result, time.monotonic() - started


def run_child(code: str, *, memory_mb: int = 1024, timeout: float = 60.0, env: dict[str, str] | None = None) -> tuple[int, str, float]:
    """Run Python ``code`` in a child process under an address-space limit.

    Returns (exit status, stdout and stderr, seconds).
    """
    import resource

    def limit() -> None:
        size = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (size, size))

    full_env = {**os.environ, "PYTHONPATH": str(PACKAGE_ROOT), **(env or {})}
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=full_env,
        preexec_fn=limit,
    )
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
        raise AssertionError(f"the child did not finish in {timeout}s: {out.decode(errors='replace')}") from None
    return proc.returncode, out.decode("utf-8", "replace"), time.monotonic() - started
