"""Fixtures of the runtime's functional tests (helpers are in ``support.py``).

Every HTTP test talks to a real server on 127.0.0.1 (``server.FaultServer``, or
a child process).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from . import support
from .checkers import run_mypy, run_pyright
from .generated import generate_features, once
from .server import FaultServer, running_server
from .support import ENV


def pytest_configure(config: pytest.Config) -> None:
    """Generate ``fixture_client`` before the test modules (which import it) are collected."""
    support.prepare(config.getoption("basetemp"))


def pytest_unconfigure(config: pytest.Config) -> None:
    support.cleanup()


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
def server() -> Iterator[FaultServer]:
    with running_server() as srv:
        yield srv


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def features() -> Path:
    """The folder holding every feature package (``feat_NAME``, see ``generated.FEATURES``),
    generated once per session (shared by pytest-xdist workers) and put on ``sys.path``."""
    folder = support.SHARED / "features"
    failure = once(folder, generate_features)
    if failure:
        pytest.fail(failure, pytrace=False)
    packages = folder / "pkgs"
    if str(packages) not in sys.path:
        sys.path.insert(0, str(packages))
    return packages


@pytest.fixture(scope="session")
def mypy_report(features: Path) -> dict[str, Any]:
    """One ``mypy --strict`` run over every generated package, ``USAGE`` and the README blocks,
    once per session (see ``checkers``): exit status, output lines, README modules."""
    report: dict[str, Any] = json.loads(once(support.SHARED / "mypy", lambda work: run_mypy(work, features)))
    return report


@pytest.fixture(scope="session")
def pyright_report(features: Path) -> dict[str, Any]:
    """One pyright (strict) run over the same, once per session (see ``checkers``)."""
    report: dict[str, Any] = json.loads(once(support.SHARED / "pyright", lambda work: run_pyright(work, features)))
    if "failure" in report:
        pytest.fail(report["failure"], pytrace=False)
    return report
