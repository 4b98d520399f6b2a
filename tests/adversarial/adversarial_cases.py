"""The table of hostile specs: each row is a mutation of a small valid spec and its exact outcome.

``ok`` rows must generate a package that parses, imports, passes ``mypy --strict`` and
never runs the canary hidden in the spec text. ``error`` rows must exit 2 with the
JSON pointer (or the message) named and nothing written.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from harness import canary_code, hostile, payloads


@dataclasses.dataclass
class Ctx:
    dir: Path  # the case's folder; the spec is dir/spec/spec.<ext>
    port: int  # a counting listener on 127.0.0.1

    @property
    def canary(self) -> Path:
        return self.dir / "CANARY"

    @property
    def code(self) -> str:
        return canary_code(self.canary)

    @property
    def h(self) -> str:
        return hostile(self.code)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


Spec = dict[str, Any]


def base() -> Spec:
    return {
        "openapi": "3.1.0",
        "info": {"title": "Pets", "version": "1.0.0", "description": "A pet store."},
        "servers": [{"url": "https://api.example.com/v1"}],
        "tags": [{"name": "pets", "description": "Pet operations."}],
        "paths": {
            "/pets/{petId}": {
                "get": {
                    "operationId": "getPet",
                    "tags": ["pets"],
                    "summary": "Get a pet",
                    "description": "Returns one pet.",
                    "parameters": [
                        {"name": "petId", "in": "path", "required": True, "description": "The id.", "schema": {"type": "string", "pattern": "^[a-z]+$"}},
                        {"name": "kind", "in": "query", "schema": {"type": "string", "enum": ["cat", "dog"], "default": "cat"}, "example": "cat"},
                        {"name": "X-Trace", "in": "header", "schema": {"type": "string"}},
                    ],
                    "responses": {
                        "200": {"description": "The pet.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Pet"}, "example": {"name": "rex"}}}},
                        "404": {"description": "No such pet.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}}},
                    },
                },
                "post": {
                    "operationId": "updatePet",
                    "tags": ["pets"],
                    "parameters": [{"name": "petId", "in": "path", "required": True, "schema": {"type": "string"}}],
                    "requestBody": {"required": True, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}}},
                    "responses": {"204": {"description": "Updated."}},
                },
            }
        },
        "components": {
            "schemas": {
                "Pet": {
                    "type": "object",
                    "description": "A pet.",
                    "required": ["name"],
                    "properties": {
                        "name": {"type": "string", "description": "Its name.", "example": "rex"},
                        "status": {"type": "string", "enum": ["available", "sold"], "default": "available"},
                        "age": {"type": "integer", "default": 1},
                    },
                },
                "Problem": {"type": "object", "properties": {"message": {"type": "string"}}},
            }
        },
    }


def at(spec: Spec, *path: str | int) -> Any:
    node: Any = spec
    for p in path:
        node = node[p]
    return node


GET = ("paths", "/pets/{petId}", "get")
PET = ("components", "schemas", "Pet")


def set_in(*path: str | int, value: Callable[[Ctx], Any]) -> Callable[[Spec, Ctx], Spec]:
    def mutate(spec: Spec, ctx: Ctx) -> Spec:
        at(spec, *path[:-1])[path[-1]] = value(ctx)
        return spec

    return mutate


def many(*mutations: Callable[[Spec, Ctx], Any]) -> Callable[[Spec, Ctx], Any]:
    def mutate(spec: Spec, ctx: Ctx) -> Any:
        for m in mutations:
            spec = m(spec, ctx)
        return spec

    return mutate


def rename_schema(old: str, new: str) -> Callable[[Spec, Ctx], Spec]:
    def mutate(spec: Spec, ctx: Ctx) -> Spec:
        text = json.dumps(spec).replace(f'"#/components/schemas/{old}"', json.dumps("#/components/schemas/" + new.replace("~", "~0").replace("/", "~1")))
        spec = json.loads(text)
        schemas = spec["components"]["schemas"]
        schemas[new] = schemas.pop(old)
        return spec

    return mutate


def add_schemas(names: list[str]) -> Callable[[Spec, Ctx], Spec]:
    def mutate(spec: Spec, ctx: Ctx) -> Spec:
        schemas = spec["components"]["schemas"]
        props = spec["paths"]["/pets/{petId}"]["get"]["responses"]["200"]["content"]["application/json"]
        refs = []
        for name in names:
            schemas[name] = {"type": "object", "description": f"Schema {name}.", "properties": {"v": {"type": "string"}}}
            refs.append({"$ref": "#/components/schemas/" + name.replace("~", "~0").replace("/", "~1")})
        props["schema"] = {"oneOf": [{"$ref": "#/components/schemas/Pet"}, *refs]}
        return spec

    return mutate


def add_tags(names: list[str]) -> Callable[[Spec, Ctx], Spec]:
    def mutate(spec: Spec, ctx: Ctx) -> Spec:
        for i, name in enumerate(names):
            spec["paths"][f"/t{i}"] = {"get": {"operationId": f"op{i}", "tags": [name], "responses": {"204": {"description": "ok"}}}}
        return spec

    return mutate


def raw(text: Callable[[Ctx], str]) -> Callable[[Spec, Ctx], str]:
    return lambda spec, ctx: text(ctx)


def yaml_text(spec: Spec) -> str:
    import yaml

    return yaml.safe_dump(spec, sort_keys=False)


def with_yaml_line(line: str, where: str = "  version: 1.0.0\n") -> Callable[[Spec, Ctx], str]:
    def mutate(spec: Spec, ctx: Ctx) -> str:
        spec["info"]["version"] = "1.0.0"
        text = yaml_text(spec)
        return text.replace("  version: 1.0.0\n", "  version: 1.0.0\n" + line, 1) if where else text + line

    return mutate


@dataclasses.dataclass
class Case:
    id: str
    mutate: Callable[[Spec, Ctx], Any]
    expect: str = "ok"  # or "error"
    says: str = ""  # for errors: text stderr must contain (the pointer), formatted with ctx
    ext: str = "json"
    lenient: bool = False
    setup: Callable[[Ctx], None] | None = None


def _outside(ctx: Ctx) -> None:
    (ctx.dir / "secret.json").write_text('{"Secret": {"type": "string", "description": "TOP-SECRET"}}')


def _symlink(ctx: Ctx) -> None:
    _outside(ctx)
    (ctx.dir / "spec" / "link.json").symlink_to(ctx.dir / "secret.json")


def _fifo(ctx: Ctx) -> None:
    os.mkfifo(ctx.dir / "spec" / "pipe.json")


def _remote_in_other_file(ctx: Ctx) -> None:
    (ctx.dir / "spec" / "other.json").write_text(json.dumps({"Thing": {"$ref": ctx.url + "/thing.json"}}))


def _ref(value: str) -> Callable[[Ctx], Any]:
    return lambda ctx: {"$ref": value.format(url=ctx.url, dir=ctx.dir)}


P = payloads("X")  # only for counting
CASES: list[Case] = []

# ---- one case per break-out payload, in a docstring position and in a literal position each
for i in range(len(P)):
    CASES.append(Case(f"payload{i:02d}", many(
        set_in("info", "title", value=lambda c, i=i: payloads(c.code)[i]),
        set_in(*GET, "description", value=lambda c, i=i: payloads(c.code)[i]),
        set_in(*PET, "properties", "name", "description", value=lambda c, i=i: payloads(c.code)[i]),
        set_in(*PET, "properties", "status", "enum", value=lambda c, i=i: ["available", payloads(c.code)[i]]),
        set_in(*PET, "properties", "status", "default", value=lambda c, i=i: payloads(c.code)[i]),
        set_in(*GET, "parameters", 2, "name", value=lambda c, i=i: "X-" + payloads(c.code)[i]),
    )))

# ---- every text position at once with all payloads joined
CASES += [
    Case("title", set_in("info", "title", value=lambda c: c.h)),
    Case("info-description", set_in("info", "description", value=lambda c: c.h)),
    Case("info-version", set_in("info", "version", value=lambda c: c.h)),
    Case("server-url", set_in("servers", 0, "url", value=lambda c: "https://x.example/" + c.h)),
    Case("server-variable", set_in("servers", value=lambda c: [{"url": "https://{host}/v1", "variables": {"host": {"default": c.h}}}])),
    Case("tag-name", many(set_in(*GET, "tags", value=lambda c: [c.h]), set_in("tags", 0, "name", value=lambda c: c.h))),
    Case("tag-description", set_in("tags", 0, "description", value=lambda c: c.h)),
    Case("operation-id", set_in(*GET, "operationId", value=lambda c: c.h)),
    Case("summary", set_in(*GET, "summary", value=lambda c: c.h)),
    Case("query-param-name", set_in(*GET, "parameters", 1, "name", value=lambda c: c.h)),
    Case("param-description", set_in(*GET, "parameters", 0, "description", value=lambda c: c.h)),
    Case("pattern", set_in(*GET, "parameters", 0, "schema", "pattern", value=lambda c: re.escape(c.h))),
    Case("pattern-invalid-lenient", set_in(*GET, "parameters", 0, "schema", "pattern", value=lambda c: c.h), lenient=True),
    Case("param-example", set_in(*GET, "parameters", 1, "example", value=lambda c: c.h)),
    Case("response-example", set_in(*GET, "responses", "200", "content", "application/json", "example", value=lambda c: {c.h: c.h})),
    Case("response-description", set_in(*GET, "responses", "404", "description", value=lambda c: c.h)),
    Case("property-name", set_in(*PET, "properties", value=lambda c: {c.h: {"type": "string"}, "name": {"type": "string"}})),
    Case("required-property-name", set_in(*PET, value=lambda c: {"type": "object", "required": [c.h], "properties": {c.h: {"type": "integer", "default": 3}}})),
    Case("schema-name", rename_schema("Pet", "x\"\"\"; import os #"), lenient=True),
    Case("schema-title", set_in(*PET, "title", value=lambda c: c.h)),
    Case("path-template", lambda s, c: {**s, "paths": {"/pets/" + c.h.replace("{", "(").replace("}", ")").replace("/", "|") + "/{petId}": s["paths"]["/pets/{petId}"]}}),
    Case("path-param-name", lambda s, c: json.loads(json.dumps(s).replace("petId", json.dumps(c.h.replace("{", "(").replace("}", ")").replace("/", "|"))[1:-1])), lenient=True),
    Case("media-type", lambda s, c: json.loads(json.dumps(s).replace('"application/json"', json.dumps("application/vnd.x+json; q=\"" + c.h + "\"")))),
    Case("discriminator", set_in(*GET, "responses", "200", "content", "application/json", "schema", value=lambda c: {"oneOf": [{"$ref": "#/components/schemas/Pet"}, {"$ref": "#/components/schemas/Problem"}], "discriminator": {"propertyName": c.h, "mapping": {c.h: "#/components/schemas/Pet"}}})),
    Case("api-key-header", lambda s, c: {**s, "security": [{"key": []}], "components": {**s["components"], "securitySchemes": {"key": {"type": "apiKey", "in": "header", "name": c.h}}}}),
    Case("response-header-name", set_in(*GET, "responses", "404", "headers", value=lambda c: {c.h: {"schema": {"type": "string"}, "description": c.h}})),
    Case("enum-numbers", set_in(*PET, "properties", "age", value=lambda c: {"type": "integer", "enum": [2**63, -(2**63), 0, 18446744073709551615], "default": 18446744073709551615})),
    Case("enum-mixed", set_in(*PET, "properties", "status", value=lambda c: {"enum": [True, None, 1, "1", c.h]})),
    Case("default-nested", set_in(*PET, "properties", "age", value=lambda c: {"type": "object", "default": {c.h: [c.h, {"$ref": c.url}]}})),
    Case("extensions-everywhere", lambda s, c: json.loads(json.dumps(s).replace('"description": ', json.dumps("x-code") + ": " + json.dumps(c.code) + ', "x-python": {"$ref": ' + json.dumps(c.url) + '}, "description": '))),
    Case("extension-path-key", lambda s, c: {**s, "paths": {**s["paths"], "x-" + c.h: {"get": {"operationId": c.h, "responses": {"200": {"description": c.h}}}}}}, lenient=True),
    Case("extension-response-key", set_in(*GET, "responses", "x-" + "evil", value=lambda c: {"description": c.h, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}}})),
    Case("bad-response-key-lenient", set_in(*GET, "responses", "4XX\"; import os; os.system('x') #", value=lambda c: {"description": c.h, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}), lenient=True),
    Case("reserved-device-schemas", add_schemas(["con", "CON", "Aux", "nul", "COM1", "lpt9"])),
    Case("traversal-schema-names", add_schemas(["../../../evil", "/etc/passwd", "..", ".", "a/../../b", "C:\\Windows\\x"]), lenient=True),
    Case("case-collisions", add_schemas(["pet", "PET", "Pet_", "pet-", "Problem ", "problem"]), lenient=True),
    Case("shadowing-schemas", add_schemas(["Mapping", "Any", "Literal", "ClassVar", "File", "Unset", "UNSET", "Endpoint", "Client", "ApiError", "dataclasses", "TYPE_CHECKING", "annotations"])),
    Case("unicode-schema-names", add_schemas(["Ωmega", "日本", "ﬁeld", "field", "\uff21\uff4e\uff59", "e\u0301", "é"]), lenient=True),
    Case("keyword-names", many(add_tags(["class", "import", "__init__", "self", "models", "errors", "con", "../x"]), set_in(*PET, "properties", value=lambda c: {k: {"type": "string"} for k in ["self", "cls", "from", "class", "from_dict", "to_dict", "additional_properties", "__class__", "_wire_names", "None", "True", "match"]}))),
    Case("tag-traversal", add_tags(["../../../etc", "/abs", "con", "Pets", "pets", "PETS"])),
    Case("long-names", many(rename_schema("Pet", "P" * 5000), set_in(*GET, "operationId", value=lambda c: "op" * 3000))),
]

# ---- loading, references and limits: exit 2 with the pointer named
DEEP = 25_000
CASES += [
    Case("remote-ref-listener", set_in(*GET, "responses", "404", "content", "application/json", "schema", value=_ref("{url}/schema.json")), "error", "#/paths/~1pets~1{{petId}}/get/responses/404/content/application~1json/schema/$ref"),
    Case("remote-ref-protocol-relative", set_in(*PET, "properties", "age", value=lambda c: {"$ref": f"//127.0.0.1:{c.port}/x.json"}), "error", "#/components/schemas/Pet/properties/age/$ref"),
    Case("remote-ref-in-other-file", set_in(*PET, "properties", "age", value=_ref("other.json#/Thing")), "error", "remote", setup=_remote_in_other_file),
    Case("json-schema-dialect-remote", lambda s, c: {**s, "jsonSchemaDialect": c.url + "/dialect"}, "error", "spec.json#: Unknown JSON Schema dialect"),
    Case("schema-meta-remote", set_in(*PET, "$schema", value=lambda c: c.url + "/meta"), "error", "spec.json#: Unknown JSON Schema dialect"),
    Case("schema-id-remote-base", set_in(*PET, "properties", value=lambda c: {"a": {"$id": c.url + "/a.json", "$ref": "#/components/schemas/Problem"}})),
    Case("dynamic-ref-remote", set_in(*PET, "properties", "d", value=lambda c: {"$dynamicRef": c.url + "/x#meta"})),
    Case("discriminator-mapping-remote", set_in(*GET, "responses", "200", "content", "application/json", "schema", value=lambda c: {"oneOf": [{"$ref": "#/components/schemas/Pet"}], "discriminator": {"propertyName": "name", "mapping": {"x": c.url + "/y.json"}}})),
    Case("example-ref-remote", set_in(*GET, "responses", "200", "content", "application/json", "examples", value=lambda c: {"e": {"$ref": c.url + "/ex.json"}}), "error", "application~1json/examples/e/$ref: reference"),
    Case("example-external-value", set_in(*GET, "responses", "200", "content", "application/json", "examples", value=lambda c: {"e": {"externalValue": c.url + "/ex.json"}})),
    Case("file-ref-outside", set_in(*PET, "properties", "age", value=_ref("../secret.json#/Secret")), "error", "#/components/schemas/Pet/properties/age/$ref", setup=_outside),
    Case("file-ref-outside-encoded", set_in(*PET, "properties", "age", value=_ref("%2e%2e/secret.json#/Secret")), "error", "leaves the spec's folder", setup=_outside),
    Case("file-ref-absolute", set_in(*PET, "properties", "age", value=_ref("{dir}/secret.json#/Secret")), "error", "leaves the spec's folder", setup=_outside),
    Case("file-ref-file-url", set_in(*PET, "properties", "age", value=_ref("file://{dir}/secret.json#/Secret")), "error", "is remote", setup=_outside),
    Case("file-ref-symlink-out", set_in(*PET, "properties", "age", value=_ref("link.json#/Secret")), "error", "leaves the spec's folder", setup=_symlink),
    Case("file-ref-fifo", set_in(*PET, "properties", "age", value=_ref("pipe.json#/x")), "error", "not a regular file", setup=_fifo),
    Case("dangling-ref", set_in(*PET, "properties", "age", value=_ref("#/components/schemas/Nope")), "error", "#/components/schemas/Pet/properties/age/$ref: reference '#/components/schemas/Nope' points to nothing"),
    Case("ref-cycle-parameters", lambda s, c: {**s, "components": {**s["components"], "parameters": {"A": {"$ref": "#/components/parameters/B"}, "B": {"$ref": "#/components/parameters/A"}}}, "paths": {"/pets/{petId}": {**s["paths"]["/pets/{petId}"], "parameters": [{"$ref": "#/components/parameters/A"}]}}}, "error", "'#/components/parameters/A' is part of a reference cycle"),
    Case("ref-cycle-self-response", set_in(*GET, "responses", "404", value=_ref("#/paths/~1pets~1%7BpetId%7D/get/responses/404")), "error", "reference cycle"),
    Case("json-deep-nesting", raw(lambda c: '{"openapi": "3.1.0", "x": ' + "[" * DEEP + "]" * DEEP + "}"), "error", "nests more than 128 levels"),
    Case("yaml-deep-nesting", raw(lambda c: "openapi: '3.1.0'\nx: " + "[" * DEEP + "]" * DEEP + "\n"), "error", "nests more than 128 levels", ext="yaml"),
    Case("yaml-deep-block-nesting", raw(lambda c: "openapi: '3.1.0'\n" + "".join(" " * i + f"k{i}:\n" for i in range(3000))), "error", "nests more than 128 levels", ext="yaml"),
    Case("yaml-alias-bomb", raw(lambda c: "openapi: '3.1.0'\na: &a [lol,lol,lol,lol,lol,lol,lol,lol,lol]\n" + "".join(f"{chr(98 + i)}: &{chr(98 + i)} [" + ",".join([f"*{chr(97 + i)}"] * 9) + "]\n" for i in range(9))), "error", "expands to more than", ext="yaml"),
    Case("yaml-recursive-alias", raw(lambda c: "openapi: '3.1.0'\ninfo: &i {title: x, version: '1', self: *i}\n"), "error", "#/info/self: alias *i refers to a node that contains it", ext="yaml"),
    Case("yaml-python-tag", with_yaml_line("  x-run: !!python/object/apply:os.system ['touch CANARY']\n"), "error", "#/info/x-run: YAML tag", ext="yaml"),
    Case("yaml-binary-tag", with_yaml_line("  x-bin: !!binary aGVsbG8=\n"), "error", "#/info/x-bin: YAML tag", ext="yaml"),
    Case("yaml-duplicate-key", with_yaml_line("  title: Again\n"), "error", "duplicate key 'title'", ext="yaml"),
    Case("json-duplicate-key", raw(lambda c: '{"openapi": "3.1.0", "openapi": "3.0.0"}'), "error", "duplicate key 'openapi'"),
    Case("yaml-version-number", lambda s, c: yaml_text(s).replace("openapi: 3.1.0", "openapi: 3.1"), "error", "#/openapi: openapi: 3.1 is read as a number", ext="yaml"),
    # YAML 1.2: `NO` is the string "NO" (YAML 1.1 readers see false: a warning, not an error).
    Case("yaml-norway", lambda s, c: re.sub(r"( *)- sold\n", r"\g<0>\1- NO\n", yaml_text(s), count=1), ext="yaml"),
    # Numbers only YAML 1.1 has are read as text (YAML 1.2): a real spec writes `example: 18:00`.
    Case("yaml-octal-and-base-60-are-text", lambda s, c: re.sub(r"( *)- sold\n", r"\g<0>\1- 0755\n", yaml_text(s).replace("example: rex\n", "example: 18:00\n", 1), count=1), ext="yaml"),
    Case("yaml-nan", lambda s, c: yaml_text(s).replace("default: 1\n", "default: .nan\n", 1), "error", "#/components/schemas/Pet/properties/age/default: nan is not a JSON number", ext="yaml"),
    Case("json-nan", raw(lambda c: '{"openapi": "3.1.0", "x": NaN}'), "error", "NaN is not valid JSON"),
    Case("json-infinity", raw(lambda c: '{"openapi": "3.1.0", "x": 1e999}'), "error", "too large to be a finite float"),
    Case("json-huge-int", raw(lambda c: '{"openapi": "3.1.0", "x": ' + "9" * 5000 + "}"), "error", "is too large (limit: 2**64)"),
    Case("yaml-huge-int", lambda s, c: yaml_text(s).replace("default: 1\n", "default: " + "9" * 30 + "\n", 1), "error", "#/components/schemas/Pet/properties/age/default: integer", ext="yaml"),
]

# Rows whose outcome is a known defect (xfail, strict: the day they pass, the mark must go).
KNOWN: dict[str, str] = {}


def materialize(case: Case, ctx: Ctx) -> Path:
    """Write the case's spec (and its side files); the path of the spec."""
    (ctx.dir / "spec").mkdir(parents=True, exist_ok=True)
    if case.setup:
        case.setup(ctx)
    result = case.mutate(copy.deepcopy(base()), ctx)
    spec = ctx.dir / "spec" / f"spec.{case.ext}"
    if isinstance(result, str):
        spec.write_text(result, encoding="utf-8", errors="surrogatepass")
    elif case.ext == "yaml":
        spec.write_text(yaml_text(result), encoding="utf-8")
    else:
        spec.write_text(json.dumps(result, indent=1), encoding="utf-8", errors="surrogatepass")
    return spec
