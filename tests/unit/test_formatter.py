"""``generator.formatter.format_sources``: black's output for real generated modules and
awkward ones, one error per failure, and a cache that can only cost time."""

from __future__ import annotations

import ast
import json
import re
import subprocess
from pathlib import Path

import black
import pytest

from generator.errors import GenerationError
from generator.formatter import format_sources, mode
from tests.conftest import PYTHON, ROOT

SPECS = ("params.yaml", "bodies.yaml", "names.yaml", "long_names.yaml")


def blacked(sources: dict[str, str]) -> dict[str, str]:
    return {path: black.format_str(source, mode=mode()) for path, source in sources.items()}


@pytest.fixture(scope="module")
def generated() -> dict[str, str]:
    """Every distinct module the generator renders for ``SPECS`` (before formatting), by path."""

    from generator import pipeline
    from generator.build import build_api
    from generator.config import adhoc_config
    from generator.render import render

    found: dict[str, str] = {}
    for spec in SPECS:
        config = adhoc_config(str(ROOT / "tests" / "specs" / spec), "out", "pkg")
        doc, _, _, _ = pipeline.load(config)
        files, _ = render(build_api(doc, spec, config, "0" * 64), None)
        for path, source in sorted(files.items()):
            if path.endswith(".py") and source not in found.values():
                found[f"{spec.split('.')[0]}/{path}"] = source
    assert len(found) > 40
    return found


def test_generated_modules_come_out_as_black_writes_them(generated: dict[str, str]) -> None:
    assert format_sources(generated, workers=2) == blacked(generated)


def join_brackets(source: str) -> str:
    """Every bracket exploded one item per line joined onto its opening line."""
    lines = source.split("\n")
    out: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        indent = len(line) - len(line.lstrip(" "))
        end = index + 1
        while end < len(lines) and lines[end].startswith(" " * (indent + 4)) and lines[end].endswith(",") and balanced(lines[end]):
            end += 1
        closing = lines[end] if end < len(lines) else ""
        if line.endswith(("(", "[", "{")) and end > index + 1 and closing[:indent].strip() == "" and closing[indent : indent + 1] in (")", "]", "}"):
            out.append(line + ", ".join(item.strip().rstrip(",") for item in lines[index + 1 : end]) + closing.strip())
            index = end + 1
        else:
            out.append(line)
            index += 1
    return "\n".join(out)


def balanced(line: str) -> bool:
    return all(line.count(a) == line.count(b) for a, b in ("()", "[]", "{}"))


def parses(source: str) -> bool:
    try:
        ast.parse(source)
    except SyntaxError:
        return False
    return True


def single_quotes(source: str) -> str:
    return re.sub(r'(?<!["\w])"([^"\'\\\n]*)"(?!")', r"'\1'", source)


def loosen(source: str) -> str:
    """Blank lines dropped, and spaces added around commas and keyword arguments."""
    source = re.sub(r"\n\n+", "\n", source)
    return re.sub(r"(\w)=(\w)", r"\1 = \2", source).replace(", ", " , ")


@pytest.mark.parametrize("perturb", [join_brackets, single_quotes, loosen], ids=lambda perturb: perturb.__name__)
def test_perturbed_generated_modules_come_out_as_black_writes_them(generated: dict[str, str], perturb: object) -> None:
    changed = {path: perturb(source) for path, source in generated.items() if "/_" not in path}  # type: ignore[operator]
    changed = {path: source for path, source in changed.items() if source != generated[path] and parses(source)}
    assert len(changed) > 10
    assert format_sources(changed, workers=1) == blacked(changed)


AWKWARD = {
    "empty": "",
    "no final newline": "x = 1",
    "leading blank lines": "\n\nx = 1\n",
    "trailing blank lines": "x = 1\n\n\n",
    "comments only": "# one\n\n\n\n# two\n",
    "crlf": "x = 1\r\ny = 2\r\n",
    "tabs": "if x:\n\ty = 1\n",
    "trailing whitespace": "x = 1  \ny = 2\n",
    "semicolons": "x = 1; y = 2\n",
    "backslash continuation": "x = 1 + \\\n    2\n",
    "stub body": "class A:\n    ...\n\n\ndef f():\n    ...\n",
    "stub one-liners": "class A: ...\n\n\ndef f(): ...\n",
    "body on header line": "if x: y = 1\n",
    "fmt off": "# fmt: off\nx = [1,2,\n  3]\n# fmt: on\ny = [1,2]\n",
    "else and finally": "try:\n    pass\nexcept E:\n    pass\nelse:\n    pass\nfinally:\n    pass\nif a:\n    pass\nelif b:\n    pass\n",
    "decorators": "@a\n@b.c(d, e = 1)\ndef f(x) -> None:\n    return x\n",
    "docstring quotes": 'def f():\n    """"Quoted" and \\\\"""\n\n\nclass A:\n    \'\'\'\n    Text.\'\'\'\n',
    "docstring escapes": 'def f():\n    """Tab\\t and \\xAB and \\N{EM DASH}.  \n\n      Indented.\n    """\n',
    "docstring long last line": 'def f():\n    """Summary.\n\n    ' + "word " * 17 + 'end."""\n',
    "docstring whitespace": 'class A:\n    """   \n\tTabbed.   \n       \n    """\n    x: int\n    """Attribute.  """\n',
    "module docstring": '"""Module."""\nimport os\nx = 1\n',
    "f-strings": 'x = f"{a!r} and {b:>{width}}"\ny = f\'{c["k"]}\'\n',
    "non-ASCII": 'x = "漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字漢字"\ny = "é"\n',
    "one-tuples and subscripts": "x = (1,)\ny = a[1,]\nz = a[\n    1,\n]\n",
    "magic commas": "foo(\n    a,\n)\nbar(a, b,)\nx = [\n    1, 2,\n]\n",
    "comments in brackets": "x = [\n    1,  # one\n    # two\n    2,\n]\n",
    # A statement that starts with a bracket alone on its line: a tuple or a list, whatever the
    # statement above ends with (a call's closing bracket, here).
    "bare brackets after a call": "f(a)\n(\n    aaaa,\n    bbbb,\n)\nf(a)[b]\n[\n    cccc,\n]\nx = {\n    'k': (\n        1,\n    ),\n}\n",
    # An async def and a def share one outline line: black's blank lines treat them alike.
    "async and plain defs": (
        "import os\nasync def a():\n    pass\ndef b(): ...\nclass C:\n    async def d(self):\n        pass\n\n\n\n"
        "    def e(self):\n        pass\n    @x\n    async def f(self): ...\n    async def g(self): ...\n    def h(self): ...\n"
        '    # c\n    async def i(self):\n        """Doc."""\nif x:\n    async def j():\n        pass\nelse:\n    def k():\n        pass\n'
        "async def m():\n    pass\nx = 1\n"
    ),
    "nested classes": "class A:\n\n\n    class B:\n        x = 1\n    y = 2\n\n\n\n\nz = 3\n",
    # A split kept only because the names are short: black splits the long version elsewhere.
    "trailers after a magic comma": ("n" * 30 + " = " + "f" * 30 + "(\n    " + "a" * 30 + ",\n)(\n    " + "b" * 30 + "\n)(" + "c" * 30 + ")\n"),
}


@pytest.mark.parametrize("source", AWKWARD.values(), ids=AWKWARD.keys())
def test_awkward_modules_come_out_as_black_writes_them(source: str) -> None:
    assert format_sources({"pkg/m.py": source}) == blacked({"pkg/m.py": source})


def test_a_module_that_does_not_parse_is_one_error_naming_its_file_and_line() -> None:
    sources = {"pkg/a.py": "x = 1\n", "pkg/c.py": "x = (\n", "pkg/b.py": "x = 1\n\ndef f(:\n    pass\n"}
    with pytest.raises(GenerationError) as caught:
        format_sources(sources)
    assert str(caught.value) == "pkg/b.py:3: generated code does not parse: invalid syntax"
    with pytest.raises(GenerationError) as caught:
        format_sources({"pkg/a.py": "x = 1\ny = '\ud800'\n"})
    assert str(caught.value) == "pkg/a.py:2: generated code does not parse: surrogates not allowed"


def test_a_module_black_cannot_format_is_one_error_naming_its_file_and_line() -> None:
    odd = "if True:\n  # fmt: off\n  pass\n  # fmt: on\n  pass\n"  # valid Python that black 26.10.1 fails on
    with pytest.raises(GenerationError) as caught:
        format_sources({"pkg/fine.py": "x = 1\n", "pkg/odd.py": odd})
    assert re.fullmatch(r"pkg/odd\.py: black could not format the generated code: .* \d+:\d+", str(caught.value))


def entries(folder: Path) -> list[Path]:
    return [path for path in folder.rglob("*") if path.is_file()]


def test_a_corrupt_cache_only_costs_time(generated: dict[str, str], tmp_path: Path) -> None:
    sources = {path: source for path, source in generated.items() if path.startswith("params/") and "/_" not in path}
    expected = blacked(sources)
    assert format_sources(sources, cache_dir=tmp_path) == expected
    stored = entries(tmp_path)
    assert len(stored) > len(sources)
    for number, path in enumerate(stored):  # garbage, a truncated entry, one with another's checksum
        text = path.read_text(encoding="utf-8")
        path.write_text(["garbage", text[: len(text) // 2], stored[0].read_text(encoding="utf-8")][number % 3], encoding="utf-8")
    assert format_sources(sources, cache_dir=tmp_path) == expected
    answers = next(path for path in entries(tmp_path) if path.name == "probes.json")
    payload = json.dumps({"key": 5, "other": ["x", 1]})  # a checksum that matches, contents of the wrong types
    answers.write_text(__import__("hashlib").sha256(payload.encode()).hexdigest() + "\n" + payload, encoding="utf-8")
    assert format_sources(sources, cache_dir=tmp_path) == expected


def test_a_cache_that_cannot_be_written_or_is_missing_only_costs_time(tmp_path: Path) -> None:
    sources = {"pkg/a.py": "def f(a,b):\n  return {'a':a}\n"}
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    for folder in (blocker, blocker / "below", tmp_path / "missing" / "deeper"):
        assert format_sources(sources, cache_dir=folder) == blacked(sources)
    assert blocker.read_text(encoding="utf-8") == "not a folder"
    assert entries(tmp_path / "missing" / "deeper")


def python(code: str) -> str:
    result = subprocess.run([PYTHON, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120, env={"PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_black_is_imported_only_when_it_must_run(tmp_path: Path) -> None:
    code = (
        "import sys\nfrom pathlib import Path\nfrom generator.formatter import format_sources\n"
        f"print('black' in sys.modules)\nout = format_sources({{'m.py': 'x=1\\n'}}, cache_dir=Path({str(tmp_path)!r}))\n"
        "print(repr(out['m.py']), 'black' in sys.modules)"
    )
    assert python(code).split("\n") == ["False", "'x = 1\\n' True"]
    assert python(code).split("\n") == ["False", "'x = 1\\n' False"]  # from the cache
