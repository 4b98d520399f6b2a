"""The input side through the CLI, as a user runs it: hostile files and URLs get one line, exit 2.

Each ``generate`` runs with its address space capped at 1 GiB (``RLIMIT_AS``) and a
timeout: reading ``/dev/zero`` or an endless pipe whole (as before) dies there.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import IO, Any

from loopback import Loopback, answer, routes

from tests.conftest import ROOT

CAP = 1024 * 1024 * 1024
SPECS = ROOT / "tests" / "specs"
NO_PROXY = {"http_proxy": "", "https_proxy": "", "HTTP_PROXY": "", "HTTPS_PROXY": "", "all_proxy": "", "ALL_PROXY": ""}
CONTROLS = [chr(c) for c in (*range(0x20), 0x7F, *range(0x80, 0xA0), 0x202E)]


def _cap() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (CAP, CAP))


def cli(*args: str, cwd: Path, stdin: IO[Any] | int | None = subprocess.DEVNULL, timeout: float = 60) -> tuple[subprocess.CompletedProcess[str], float]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1", **NO_PROXY}
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "generator", *args], cwd=cwd, env=env, stdin=stdin, capture_output=True, text=True, timeout=timeout, preexec_fn=_cap)
    return done, time.monotonic() - started


def generate(spec: str, cwd: Path, stdin: IO[Any] | int | None = subprocess.DEVNULL) -> tuple[subprocess.CompletedProcess[str], float]:
    return cli("generate", "--spec", spec, "--output", "out", "--package", "pkg", "-q", cwd=cwd, stdin=stdin)


def assert_one_error(done: subprocess.CompletedProcess[str], line: str) -> None:
    assert (done.returncode, done.stdout, done.stderr) == (2, "", f"error: {line}\n")


def test_dev_zero_is_refused(tmp_path: Path) -> None:
    done, elapsed = generate("/dev/zero", tmp_path)
    assert_one_error(done, "/dev/zero: is a device, not a file")
    assert elapsed < 20


def test_a_sparse_200_mb_spec_is_refused_without_being_read(tmp_path: Path) -> None:
    with (tmp_path / "big.json").open("wb") as handle:
        handle.truncate(200 * 1024 * 1024)
    done, _ = generate("big.json", tmp_path)
    assert_one_error(done, "big.json: file is larger than 64 MiB")


def test_stdin_fed_endlessly_is_refused_at_the_limit(tmp_path: Path) -> None:
    feeder = subprocess.Popen(["yes", "x: y"], stdout=subprocess.PIPE)
    try:
        done, _ = generate("/dev/stdin", tmp_path, stdin=feeder.stdout)
    finally:
        feeder.kill()
        feeder.wait()
        assert feeder.stdout is not None
        feeder.stdout.close()
    assert_one_error(done, "/dev/stdin: file is larger than 64 MiB (stopped reading the pipe there)")


def test_a_spec_piped_on_stdin_is_read_once_and_generated(tmp_path: Path) -> None:
    with (SPECS / "yaml12_scalars.yaml").open("rb") as spec:
        done, _ = generate("/dev/stdin", tmp_path, stdin=spec)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out" / "pkg" / "__init__.py").is_file()


def test_a_fifo_with_no_writer_is_refused_within_a_few_seconds(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "spec.yaml")
    done, elapsed = generate("spec.yaml", tmp_path)
    assert_one_error(done, "spec.yaml: no data arrived within 5 s (a FIFO with no writer?)")
    assert elapsed < 15


def test_yaml_1_1_lookalikes_generate(tmp_path: Path) -> None:
    done, _ = generate(str(SPECS / "yaml12_scalars.yaml"), tmp_path)
    assert done.returncode == 0, done.stderr
    code = "".join(p.read_text(encoding="utf-8") for p in (tmp_path / "out" / "pkg").rglob("*.py"))
    assert all(f'"{value}"' in code for value in ("off", "ON", "No", "Yes", "y"))  # the strings YAML 1.2 reads


def test_a_duplicate_key_names_its_pointer_and_line(tmp_path: Path) -> None:
    done, _ = generate(str(SPECS / "invalid" / "duplicate_key.yaml"), tmp_path)
    assert_one_error(done, f"{SPECS / 'invalid' / 'duplicate_key.yaml'}#/paths/~1pets/get/responses: duplicate key '200' at line 13 column 9")


def test_control_characters_from_the_spec_are_never_printed_raw(tmp_path: Path) -> None:
    (tmp_path / "hostile.yaml").write_text('openapi: 3.1.0\ninfo: {title: t, version: "1"}\npaths: {}\n"x-\\e[2J\\u202e": {v: .nan}\n', encoding="utf-8")
    done, _ = generate("hostile.yaml", tmp_path)
    assert_one_error(done, "hostile.yaml#/x-\\x1b[2J\\u202e/v: nan is not a JSON number (NaN and Infinity are not allowed)")
    done, _ = generate(str(SPECS / "escape_in_version.yaml"), tmp_path)
    assert done.returncode == 0, done.stderr
    assert not [c for c in CONTROLS if c != "\n" and c in done.stdout + done.stderr]


# --------------------------------------------------------------------------- fetch


def project(tmp_path: Path) -> Path:
    (tmp_path / "specs").mkdir()
    (tmp_path / "pyproject.toml").write_text('[tool.generator]\nspec = "specs/api.json"\noutput = "generated"\npackage = "pkg"\n', encoding="utf-8")
    return tmp_path


def test_fetch_refuses_loopback_without_allow_private(tmp_path: Path) -> None:
    with Loopback(routes({"/spec": answer("200 OK", b"{}")})) as server:
        done, _ = cli("fetch", "--url", server.url("/spec"), cwd=project(tmp_path))
        assert server.connections == 0
    assert_one_error(done, f"{server.url('/spec')}: refusing to connect to 127.0.0.1: it is a loopback address (private and loopback addresses need --allow-private)")
    assert sorted(p.name for p in (tmp_path / "specs").iterdir()) == []


def test_fetch_refuses_a_redirect_to_the_metadata_address(tmp_path: Path) -> None:
    metadata = "http://169.254.169.254/latest/meta-data/"
    with Loopback(routes({"/spec": answer("302 Found", headers={"Location": metadata})})) as server:
        done, elapsed = cli("fetch", "--url", server.url("/spec"), "--allow-private", "--timeout", "10", cwd=project(tmp_path))
    assert_one_error(done, f"{server.url('/spec')} (redirected to {metadata}): refusing to connect to 169.254.169.254: it is a cloud metadata address")
    assert elapsed < 8


def test_fetch_never_shows_a_token_from_the_url(tmp_path: Path) -> None:
    with Loopback(routes({})) as server:
        done, _ = cli("fetch", "--url", server.url("/spec?access_token=s3cr3t"), "--allow-private", cwd=project(tmp_path))
        assert server.requests and b"access_token=s3cr3t" in server.requests[0]
    assert_one_error(done, f"{server.url('/spec?access_token=REDACTED')}: HTTP 404 Not Found")
