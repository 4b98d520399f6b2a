"""The full Instantly client, every operation, against the Prism mock server.

Prism (``@stoplight/prism-cli`` from npm, installed into ``.cache/prism`` when missing)
serves the real Instantly spec on 127.0.0.1: it checks every request the generated
client sends against the spec (method, path, parameters, body, bearer auth) and answers
with the spec's example responses, which the client must decode into its models.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import CORPUS, ROOT, run_cli

from generator.naming import snake

SPEC = CORPUS / "specs" / "real_instantly_api_v2_2026-06-11.json"
PRISM_VERSION = "5.16.0"
PRISM_HOME = ROOT / ".cache" / "prism"
PRISM = PRISM_HOME / "node_modules" / ".bin" / "prism"
PACKAGE = "instantly_full"
METHODS = ("get", "put", "post", "delete", "patch")


def _install_prism() -> None:
    if PRISM.exists():
        return
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("npm is needed to install the Prism mock server")
    subprocess.run(
        [npm, "install", "--no-audit", "--no-fund", "--silent", "--prefix", str(PRISM_HOME), f"@stoplight/prism-cli@{PRISM_VERSION}"],
        check=True,
        timeout=600,
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def prism_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    _install_prism()
    port = _free_port()
    log = tmp_path_factory.mktemp("prism") / "prism.log"
    with open(log, "wb") as sink:
        process = subprocess.Popen([str(PRISM), "mock", "-h", "127.0.0.1", "-p", str(port), str(SPEC)], stdout=sink, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                request = urllib.request.Request(url + "/api/v2/oauth/session/status/x", headers={"Authorization": "Bearer k"})
                urllib.request.urlopen(request, timeout=2).read()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("Prism did not start: " + log.read_text(errors="replace")[-2000:])
                time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Any:
    out = tmp_path_factory.mktemp("full")
    result = run_cli("generate", "--spec", str(SPEC), "--output", str(out), "--package", PACKAGE, cwd=out, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    checked = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--python-version", "3.10", "--no-incremental", "--cache-dir", str(out / ".mypy"), "-p", PACKAGE],
        cwd=out,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert checked.returncode == 0, checked.stdout[-3000:]
    sys.path.insert(0, str(out))
    import importlib

    return importlib.import_module(PACKAGE)


# ---------------------------------------------------------------- values from schemas
DOC = json.loads(SPEC.read_text(encoding="utf-8-sig"))


def _deref(schema: Any) -> Any:
    while isinstance(schema, dict) and "$ref" in schema:
        node: Any = DOC
        for token in schema["$ref"].lstrip("#/").split("/"):
            node = node[token.replace("~1", "/").replace("~0", "~")]
        schema = node
    return schema


PATTERN_CANDIDATES = ("09:00", "abc", "a", "1", "example.com", "someone@example.com", "+14155550100", "ABC", "a-b")


def _string(schema: dict[str, Any]) -> str:
    fmt = schema.get("format", "")
    value = {
        "uuid": "3fa85f64-5717-4562-b3fc-2c963f66afa6",
        "date-time": "2026-01-14T12:30:00.000Z",
        "date": "2026-01-14",
        "email": "someone@example.com",
        "uri": "https://example.com/x",
    }.get(fmt, "a" * max(3, int(schema.get("minLength", 3))))
    pattern = schema.get("pattern")
    if isinstance(pattern, str):
        # Spec examples do not always match their own pattern: use one that does.
        tries = [schema.get("example"), value, *PATTERN_CANDIDATES]
        value = next((t for t in tries if isinstance(t, str) and re.search(pattern, t)), value)
    return value


def sample(schema: Any) -> Any:
    """A value that satisfies the schema: required properties, plus optional ones up to minProperties."""
    schema = _deref(schema)
    if not isinstance(schema, dict):
        return "x"
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return next((v for v in schema["enum"] if v is not None), None)
    for key in ("oneOf", "anyOf"):
        if schema.get(key):
            options = [_deref(o) for o in schema[key]]
            chosen = next((o for o in options if isinstance(o, dict) and o.get("type") != "null"), options[0])
            # An option may only add constraints (`required: [...]`) to the parent schema.
            rest = {k: v for k, v in schema.items() if k != key}
            merged = {**rest, **chosen, "required": [*rest.get("required", []), *chosen.get("required", [])]}
            if "properties" in rest and "properties" in chosen:
                merged["properties"] = {**rest["properties"], **chosen["properties"]}
            return sample(merged)
    if schema.get("allOf"):
        merged_value: dict[str, Any] = {}
        for part in schema["allOf"]:
            value = sample(part)
            if isinstance(value, dict):
                merged_value.update(value)
        return merged_value
    kind = schema.get("type", "object" if "properties" in schema else "string")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object":
        props = schema.get("properties", {})
        names = [n for n in schema.get("required", []) if n in props]
        for name in props:
            if len(names) >= schema.get("minProperties", 0):
                break
            if name not in names:
                names.append(name)
        return {name: sample(props[name]) for name in names}
    if kind == "array":
        count = max(1, schema.get("minItems", 1))
        return [sample(schema.get("items", {})) for _ in range(count)]
    if kind == "integer":
        return int(schema.get("minimum", 1))
    if kind == "number":
        return float(schema.get("minimum", 1))
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    return _string(schema)


def operations() -> list[tuple[str, str, dict[str, Any], dict[str, Any]]]:
    found = []
    for path, item in DOC["paths"].items():
        for method in METHODS:
            if method in item:
                found.append((path, method, item, item[method]))
    return found


def call_arguments(package: Any, method: Any, item: dict[str, Any], op: dict[str, Any]) -> tuple[list[Any], dict[str, Any]]:
    params = {(p["in"], p["name"]): p for p in [*item.get("parameters", []), *op.get("parameters", [])]}
    args = [sample(p.get("schema", {})) for p in params.values() if p["in"] == "path"]
    kwargs: dict[str, Any] = {}
    signature = inspect.signature(method).parameters
    for (location, wire), param in params.items():
        if location != "path" and param.get("required"):
            name = snake(wire, "param")
            assert name in signature, f"{op['operationId']}: no argument {name} for {wire}"
            kwargs[name] = sample(param.get("schema", {}))
    body = op.get("requestBody")
    if body:
        schema = body["content"]["application/json"].get("schema", {})
        data = sample(schema)
        # The annotation names the body model (``CreateLeadBody`` or ``CreateLeadBody | Unset``).
        annotation = str(signature["body"].annotation).split(" | ")[0]
        model = getattr(package.models, annotation, None)
        kwargs["body"] = model.from_dict(data) if model is not None else data
    return args, kwargs


def test_every_operation_against_prism(prism_url: str, package: Any) -> None:
    client = package.Client(api_key="prism-key", base_url=prism_url, timeout=30)
    called = 0
    failures = []
    for path, http_method, item, op in operations():
        resource = getattr(client, snake(op["tags"][0], "default"))
        method = getattr(resource, snake(op["operationId"], "call"))
        args, kwargs = call_arguments(package, method, item, op)
        try:
            result = method(*args, **kwargs)
        except package.ApiError as exc:
            failures.append(f"{http_method.upper()} {path}: {type(exc).__name__}: {str(exc)[:300]}")
            continue
        called += 1
        ok = op["responses"].get("200") or op["responses"].get("201") or {}
        if "application/json" in ok.get("content", {}):
            assert result is not None, path
    assert not failures, "\n".join(failures)
    assert called == len(operations()) == 167


def test_async_client_against_prism(prism_url: str, package: Any) -> None:
    async def main() -> list[Any]:
        async with package.AsyncClient(api_key="prism-key", base_url=prism_url, timeout=30) as client:
            return await asyncio.gather(
                client.oauth.init_microsoft_oauth(),
                client.oauth.init_google_oauth(),
                client.oauth.get_oauth_session_status("abc123def456"),
            )

    microsoft, google, status = asyncio.run(main())
    assert microsoft.auth_url.startswith("https://login.microsoftonline.com/")
    assert google.auth_url.startswith("https://accounts.google.com/")
    assert status.status in ("pending", "success", "error", "expired")
    assert os.environ.get("INSTANTLY_API_KEY") != "prism-key"
