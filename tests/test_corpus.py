"""Every real document in tests/corpus generates a package that imports and passes
mypy --strict (in default or lenient mode, as the document needs), or fails with exit 2
and clear one-line messages. Never a traceback.

The expected outcome of each document is written down here, so a regression in either
direction (a document that stops generating, or an invalid one that starts passing
silently) fails the test.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import CORPUS, run_cli

# document -> (mode, reason): "strict" generates as is; "lenient" needs --lenient (the
# validator rejects a detail); "error" must exit 2 in both modes.
EXPECTED: dict[str, tuple[str, str]] = {
    "instantly-history/api_v2_2025-12-14.json": ("strict", "older Instantly spec, starts with a UTF-8 BOM"),
    "instantly-history/api_v2_2026-04-01.json": ("strict", "older Instantly spec"),
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
    "specs/opc_error_invalid-uuid-defaults.yaml": ("lenient", "defaults that are not UUIDs"),
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
LARGE = {"specs/real_github_rest_v3_1.1.4.json", "specs/real_instantly_api_v2_2026-06-11.json", "specs/real_clerk_backend_2025-11-10.yaml", "instantly-history/api_v2_2025-12-14.json", "instantly-history/api_v2_2026-04-01.json", "specs/real_telegram_bot_api.json"}
LINE = re.compile(r"^(error|warning): \S+?(#\S*)?: .+$")


def entry_file(document: Path) -> Path:
    """A folder holds a multi-file spec: its entry is the file with an `openapi` key."""
    if not document.is_dir():
        return document
    for candidate in sorted(document.iterdir()):
        if candidate.suffix in (".yaml", ".yml", ".json") and re.search(r'^openapi:|"openapi"\s*:', candidate.read_text(encoding="utf-8"), re.M):
            return candidate
    raise AssertionError(f"no entry file in {document}")


def test_every_corpus_document_has_an_expected_outcome() -> None:
    found = {f"{p.parent.name}/{p.name}" for folder in ("specs", "instantly-history") for p in (CORPUS / folder).iterdir() if not p.name.endswith(".lock.json")}
    assert found == set(EXPECTED)


def _package(name: str) -> str:
    return "c_" + re.sub(r"\W", "_", Path(name).stem).lower()


@pytest.mark.parametrize("name", sorted(EXPECTED, key=lambda n: (n not in LARGE, n)))
def test_corpus_document(name: str, tmp_path: Path) -> None:
    mode, _ = EXPECTED[name]
    spec = entry_file(CORPUS / name)
    package = _package(name)
    args = ["generate", "--spec", str(spec), "--output", str(tmp_path), "--package", package]
    strict = run_cli(*args, cwd=tmp_path, timeout=600)
    assert "Traceback" not in strict.stderr + strict.stdout
    if mode == "strict":
        assert strict.returncode == 0, strict.stderr[-2000:]
    else:
        # Without --lenient the document is refused: exit 2, one clear line per problem.
        assert strict.returncode == 2, strict.stdout + strict.stderr
        problems = strict.stderr.strip().splitlines()
        assert problems and all(LINE.match(line) for line in problems), problems[:5]
        assert not (tmp_path / package).exists()
        lenient = run_cli(*args, "--lenient", cwd=tmp_path, timeout=600)
        assert "Traceback" not in lenient.stderr + lenient.stdout
        if mode == "error":
            assert lenient.returncode == 2
            assert not (tmp_path / package).exists()
            return
        assert lenient.returncode == 0, lenient.stderr[-2000:]
        warnings = [line for line in lenient.stderr.splitlines() if line.startswith("warning:")]
        assert warnings and all(LINE.match(line) for line in warnings)
    out = tmp_path / package
    assert (out / "__init__.py").is_file()
    # It imports, every resource and model loads, and a client can be built.
    smoke = (
        f"import importlib, {package} as p\n"
        "for name in p.__all__: getattr(p, name)\n"
        "c = p.Client(api_key='k', base_url='http://127.0.0.1:9')\n"
        "import inspect\n"
        "attrs = [a for a, v in inspect.getmembers(type(c)) if isinstance(v, __import__('functools').cached_property)]\n"
        "for a in attrs: getattr(c, a)\n"
        "print(len(attrs))\n"
    )
    result = subprocess.run([sys.executable, "-c", smoke], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    checks = [
        [sys.executable, "-m", "mypy", "--strict", "--python-version", "3.10", "--no-incremental", "--cache-dir", str(tmp_path / ".mypy"), "-p", package],
        [sys.executable, "-m", "black", "--check", "--quiet", "--target-version", "py310", "--line-length", "88", package],  # the layout is black's
    ]
    for command in checks:
        result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=900)
        assert result.returncode == 0, f"{command[2]}: {result.stdout[-3000:]}{result.stderr[-2000:]}"
