"""Shared fixtures of the runtime's functional tests.

The runtime is tested as generated code uses it: ``templates/runtime/*.py`` are
copied verbatim (as the generator copies them) beside the hand-written
``fixture_client`` package into a temporary folder, once per test session, and
that folder is put first on ``sys.path``. Every HTTP test talks to a real
server on 127.0.0.1 (``server.FaultServer``, or a child process).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
RUNTIME = HERE.parent.parent / "templates" / "runtime"
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))


def _assemble() -> Path:
    """The fixture package with the runtime copied in, in a fresh temporary folder."""
    root = Path(tempfile.mkdtemp(prefix="fixture-client-"))
    package = root / "fixture_client"
    shutil.copytree(HERE / "fixture_client", package, ignore=shutil.ignore_patterns("__pycache__"))
    for module in sorted(RUNTIME.glob("_*.py")):
        if module.name == "__init__.py":
            continue  # the runtime folder's own, not copied
        shutil.copyfile(module, package / module.name)
    return root


PACKAGE_ROOT = _assemble()
"""The folder holding ``fixture_client`` (on ``sys.path``, and for child processes)."""
sys.path.insert(0, str(PACKAGE_ROOT))
# Imported now, from the copy: pytest later puts this folder (which holds the
# sources, without the runtime) first on sys.path for the test modules.
import fixture_client  # noqa: E402

assert Path(fixture_client.__file__).parent.parent == PACKAGE_ROOT


def pytest_unconfigure(config: pytest.Config) -> None:
    shutil.rmtree(PACKAGE_ROOT, ignore_errors=True)


KEY = "sk-test-9f8e7d6c5b4a3210-SECRET"
ENV = "FIXTURE_API_KEY"


@pytest.fixture(autouse=True)
def _environment(monkeypatch: pytest.MonkeyPatch, small_ca_file: str) -> None:
    """Tests choose the key explicitly; a key in the developer's shell must not count.

    Every client builds an httpx pool, which loads the whole CA bundle (~50 ms)
    though these tests speak plain HTTP on loopback; httpx's documented
    SSL_CERT_FILE points it at a one-certificate file instead.
    """
    monkeypatch.delenv(ENV, raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    monkeypatch.setenv("SSL_CERT_FILE", small_ca_file)


@pytest.fixture(scope="session")
def small_ca_file(tmp_path_factory: pytest.TempPathFactory) -> str:
    """One CA certificate from certifi's bundle, as a PEM file."""
    import certifi

    bundle = Path(certifi.where()).read_text(encoding="ascii")
    end = "-----END CERTIFICATE-----\n"
    first = bundle[bundle.index("-----BEGIN CERTIFICATE-----") : bundle.index(end) + len(end)]
    path = tmp_path_factory.mktemp("ca") / "one.pem"
    path.write_text(first, encoding="ascii")
    return str(path)


@pytest.fixture
def server() -> Iterator[Any]:
    from server import running_server

    with running_server() as srv:
        yield srv


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


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

    full_env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(PACKAGE_ROOT), str(HERE)]), **(env or {})}
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
