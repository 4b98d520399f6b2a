"""Every real document in tests/corpus generates a package that imports, builds a client and
passes ``mypy --strict``, pyright strict and ``black --check`` (in default or lenient mode, as
the document needs), or fails with exit 2 and clear one-line messages. Never a traceback.

The expected outcome of each document is written down here, so a regression in either
direction (a document that stops generating, or an invalid one that starts passing
silently) fails the test. Packages are generated once per run and shared between the
pytest-xdist workers (a file lock per document); the type checkers and black each run once
over all of them.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CORPUS, PYTHON, ROOT, locked, run_cli

# document -> (mode, reason): "strict" generates as is; "lenient" needs --lenient (the
# validator rejects a detail); "error" must exit 2 in both modes.
EXPECTED: dict[str, tuple[str, str]] = {
    "specs/multi_heyapi_3.1_full": ("lenient", "65 validation errors; 2 files; undeclared path parameter {api-version}"),
    "specs/multi_osv_v3.0_parent-reference": ("strict", "5 files, parent-folder references"),
    "specs/oag_3.0_python_legacy-operation-parameter-collision.yaml": ("strict", ""),
    "specs/oag_3.1_enum_collision.yaml": ("strict", ""),
    "specs/oai_v3.0_callback-example.yaml": ("strict", "callbacks left out"),
    "specs/oai_v3.0_link-example.yaml": ("strict", ""),
    "specs/oai_v3.0_petstore.yaml": ("strict", ""),
    "specs/oai_v3.0_uspto.yaml": ("strict", "server variables, form body"),
    "specs/oai_v3.1_webhook-example.yaml": ("strict", "webhooks only: a client with no operations"),
    "specs/ogen_positive_discriminator_mapping.json": ("strict", ""),
    "specs/ogen_positive_enum_naming.yml": ("strict", ""),
    "specs/ogen_positive_form.json": ("strict", "multipart and form bodies"),
    "specs/ogen_positive_http_responses.json": ("strict", ""),
    "specs/opc_3.1_specific.openapi.yaml": ("strict", ""),
    "specs/opc_baseline_openapi_3.0.json": ("lenient", "3 validation errors"),
    "specs/opc_baseline_openapi_3.1.yaml": ("lenient", "2 validation errors"),
    "specs/opc_error_bad-status-code.yaml": ("lenient", "response key 'abcdef'"),
    "specs/opc_error_invalid-uuid-defaults.yaml": ("strict", "defaults that are not UUIDs: warnings, the defaults dropped"),
    "specs/opc_error_missing-body-ref.yaml": ("error", "dangling $ref"),
    "specs/opc_error_optional-path-param.yaml": ("lenient", "path parameter not required"),
    "specs/opc_openapi_3.1_enums.yaml": ("strict", ""),
    "specs/real_clerk_backend_2025-11-10.yaml": ("strict", "207 operations"),
    "specs/real_github_rest_v3_1.1.4.json": ("strict", "767 operations"),
    "specs/real_instantly_api_v2_2026-06-11.json": ("strict", "167 operations"),
    "specs/real_redocly_museum.yaml": ("strict", "webhooks left out"),
    "specs/real_telegram_bot_api.json": ("strict", "82 operations"),
    "specs/swagger2_oai_uber.json": ("error", "Swagger 2.0"),
}
# The largest first: they decide how long the run takes.
ORDER = sorted(EXPECTED, key=lambda n: (-(CORPUS / n).stat().st_size if (CORPUS / n).is_file() else 0, n))
LINE = re.compile(r"^(error|warning): \S+?(#\S*)?: .+$")
PYRIGHT_CONFIG = {"typeCheckingMode": "strict", "pythonVersion": "3.10", "reportMissingTypeStubs": False}


def entry_file(document: Path) -> Path:
    """A folder holds a multi-file spec: its entry is the file with an `openapi` key."""
    if not document.is_dir():
        return document
    for candidate in sorted(document.iterdir()):
        if candidate.suffix in (".yaml", ".yml", ".json") and re.search(r'^openapi:|"openapi"\s*:', candidate.read_text(encoding="utf-8"), re.M):
            return candidate
    raise AssertionError(f"no entry file in {document}")


def package_of(name: str) -> str:
    return "c_" + re.sub(r"\W", "_", Path(name).stem).lower()


@pytest.fixture(scope="session")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder every xdist worker of this run sees (each worker's base temp has the same parent)."""
    base = tmp_path_factory.getbasetemp()
    folder = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "corpus"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def generated(shared: Path, name: str) -> dict[str, Any]:
    """Generate one document (once per run, whichever worker asks first): what the runs printed."""
    folder = shared / package_of(name)
    record = folder / "record.json"
    with locked(shared / f"{package_of(name)}.lock"):
        if record.is_file():
            found: dict[str, Any] = json.loads(record.read_text(encoding="utf-8"))
            return found
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        args = ["generate", "--spec", str(entry_file(CORPUS / name)), "--output", str(folder / "out"), "--package", package_of(name)]
        # The session's cache (tests/conftest.py): black's answers are shared with every other run.
        runs = [run_cli(*args, cwd=folder, timeout=900)]
        if runs[0].returncode != 0 and EXPECTED[name][0] != "strict":
            runs.append(run_cli(*args, "--lenient", cwd=folder, timeout=900))
        result = {"runs": [{"rc": r.returncode, "stdout": r.stdout, "stderr": r.stderr} for r in runs], "out": str(folder / "out")}
        record.write_text(json.dumps(result), encoding="utf-8")
        return result


def test_every_corpus_document_has_an_expected_outcome() -> None:
    found = {f"{p.parent.name}/{p.name}" for folder in ("specs",) for p in (CORPUS / folder).iterdir()}
    assert found == set(EXPECTED)


@pytest.mark.parametrize("name", ORDER)
def test_corpus_document(name: str, shared: Path) -> None:
    mode, _ = EXPECTED[name]
    result = generated(shared, name)
    runs = result["runs"]
    for run in runs:
        assert "Traceback" not in run["stderr"] + run["stdout"]
    out = Path(result["out"])
    package = out / package_of(name)
    first = runs[0]
    if mode == "strict":
        assert first["rc"] == 0, first["stderr"][-2000:]
    else:
        # Without --lenient the document is refused: exit 2, one clear line per problem, nothing written.
        assert first["rc"] == 2, first["stdout"] + first["stderr"]
        problems = first["stderr"].strip().splitlines()
        assert problems and all(LINE.match(line) for line in problems), problems[:5]
        lenient = runs[1]
        if mode == "error":
            assert lenient["rc"] == 2
            assert not package.exists()
            return
        assert lenient["rc"] == 0, lenient["stderr"][-2000:]
        warnings = [line for line in lenient["stderr"].splitlines() if line.startswith("warning:")]
        assert warnings and all(LINE.match(line) for line in warnings)
    assert (package / "__init__.py").is_file()
    # It imports, every export and every resource loads, and a client can be built.
    smoke = (
        f"import functools, inspect, {package.name} as p\n"
        "for name in p.__all__: getattr(p, name)\n"
        "c = p.Client(api_key='user:key', base_url='http://127.0.0.1:9')\n"
        "attrs = [a for a, v in inspect.getmembers(type(c)) if isinstance(v, functools.cached_property)]\n"
        "for a in attrs: getattr(c, a)\n"
    )
    done = subprocess.run([PYTHON, "-c", smoke], cwd=out, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]


def _packages(shared: Path, wanted: Callable[[str], bool] = lambda name: True) -> list[Path]:
    """The packages the corpus generates (those ``wanted`` by document name), generating
    those no test has yet."""
    found = []
    for name in ORDER:
        if EXPECTED[name][0] != "error" and wanted(name):
            found.append(Path(generated(shared, name)["out"]) / package_of(name))
    return found


def test_every_corpus_package_passes_mypy_strict(shared: Path) -> None:
    packages = _packages(shared)
    command = [PYTHON, "-m", "mypy", "--strict", "--python-version", "3.10", "--no-incremental", "--cache-dir", str(shared / ".mypy")]
    done = subprocess.run([*command, *map(str, packages)], capture_output=True, text=True, timeout=1800)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]


RUNTIME = ROOT / "templates" / "runtime"
# The runtime modules a package carries (templates/runtime/__init__.py is not copied).
RUNTIME_MODULES = sorted(p for p in RUNTIME.glob("_*.py") if p.name != "__init__.py")


def test_every_corpus_package_carries_the_runtime_as_written(shared: Path) -> None:
    """The runtime's modules are copied byte for byte, so checking them once (the Instantly
    client, tests/functional/test_typecheck.py) checks every copy: pyright below leaves them out."""
    header = b"# Code generated by openapi-typed-gen. DO NOT EDIT.\n"
    runtime = {p.name: header + p.read_bytes() for p in RUNTIME_MODULES}
    assert len(runtime) >= 15
    for package in _packages(shared):
        copies = {p.name: p.read_bytes() for p in package.glob("_*.py") if p.name in runtime}
        assert copies == runtime, package.name


# pyright takes most of the corpus's time: two runs of about the same size (GitHub's package
# alone, every other package together), one per xdist worker.
PYRIGHT_PARTS = {"github": lambda name: "github" in name, "others": lambda name: "github" not in name}


@pytest.mark.parametrize("part", sorted(PYRIGHT_PARTS))
def test_every_corpus_package_passes_pyright_strict(shared: Path, part: str) -> None:
    pyright = shutil.which("pyright", path=str(Path(PYTHON).parent))
    if pyright is None:
        pytest.fail("pyright is a dev dependency: `make` installs it")
    packages = _packages(shared, PYRIGHT_PARTS[part])
    assert packages
    config = shared / f"pyrightconfig-{part}.json"
    # pyright reads "include" and "exclude" relative to the config's folder (absolute ones are ignored).
    relative = [p.relative_to(shared).as_posix() for p in packages]
    excluded = [f"{p}/{m.name}" for p in relative for m in RUNTIME_MODULES]
    config.write_text(json.dumps({**PYRIGHT_CONFIG, "include": relative, "exclude": excluded}), encoding="utf-8")
    done = subprocess.run([pyright, "--pythonpath", PYTHON, "--project", str(config), "--outputjson"], capture_output=True, text=True, timeout=1800)
    report = json.loads(done.stdout)
    assert report["summary"]["filesAnalyzed"] >= len(packages) * 3, report["summary"]
    errors = [f"{d['file']}:{d['range']['start']['line'] + 1}: {d['message']}" for d in report["generalDiagnostics"] if d["severity"] == "error"]
    assert not errors, "\n".join(errors[:40])


def test_every_corpus_package_is_blacks_output(shared: Path) -> None:
    """The format stage skips black where it can prove black changes nothing: this holds it to black.

    Every rendered module; the runtime's copies are the runtime as written (asserted above), which
    tests/functional/test_generated_package.py holds to black once."""
    runtime = {p.name for p in RUNTIME_MODULES}
    files = [str(f) for package in _packages(shared) for f in sorted(package.rglob("*.py")) if not (f.parent == package and f.name in runtime)]
    assert len(files) > 1000
    command = [PYTHON, "-m", "black", "--check", "--quiet", "--target-version", "py310", "--line-length", "88", "--workers", "2"]
    done = subprocess.run([*command, *files], capture_output=True, text=True, timeout=1800, env={**os.environ, "BLACK_CACHE_DIR": str(shared / ".black")})
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]

