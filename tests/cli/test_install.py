"""The package as a user installs it: a built wheel in a fresh virtual environment.

``pip install .``, pipx and pre-commit (``language: python``) all install the wheel,
not the source tree, so these tests build it, install it into a new environment and
run the console script from an empty folder, far from this repository. Building and
installing happen offline: the wheel is built with the setuptools of the project's
environment (``--no-build-isolation``) and installed with ``--no-deps``; the new
environment finds the dependencies (jinja2, black, httpx ...) in the project
environment's site-packages through a ``.pth`` file, which adds that folder to
``sys.path`` without running its own ``.pth`` files (so not the editable install).
"""

from __future__ import annotations

import os
import shlex
import shutil
import site
import subprocess
import sys
import sysconfig
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from tests.conftest import CORPUS, ROOT

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]

PETSTORE = CORPUS / "specs" / "oai_v3.0_petstore.yaml"
# What the build needs; everything else (tests, the corpus, generated/, .venv) stays out.
SOURCES = ("pyproject.toml", "README.md", "generator", "templates")
SKIP = shutil.ignore_patterns("__pycache__", "*.pyc")


@dataclass(frozen=True)
class Installed:
    venv: Path
    env: dict[str, str]

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"

    def run(self, args: Sequence[str | Path], cwd: Path, timeout: float = 90) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(a) for a in args], cwd=cwd, env=self.env, capture_output=True, text=True, timeout=timeout)

    def script(self, *args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
        return self.run([self.venv / "bin" / "openapi-typed-gen", *args], cwd=cwd)


def run(args: Sequence[str | Path], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"{shlex.join(map(str, args))}\n{result.stdout[-2000:]}{result.stderr[-2000:]}"
    return result


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel, built from a copy of the sources (the build leaves build/ and *.egg-info behind)."""
    source = tmp_path_factory.mktemp("source")
    for name in SOURCES:
        origin = ROOT / name
        if origin.is_dir():
            shutil.copytree(origin, source / name, ignore=SKIP)
        else:
            shutil.copy2(origin, source / name)
    dist = tmp_path_factory.mktemp("dist")
    run([sys.executable, "-m", "pip", "wheel", "--quiet", "--disable-pip-version-check", "--no-deps", "--no-index", "--no-build-isolation", "--wheel-dir", dist, source])
    [built] = dist.glob("openapi_typed_gen-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Installed:
    venv = tmp_path_factory.mktemp("venv")
    run([sys.executable, "-m", "venv", "--without-pip", "--clear", venv])
    python = venv / "bin" / "python"
    run([sys.executable, "-m", "pip", "--python", python, "install", "--quiet", "--disable-pip-version-check", "--no-deps", "--no-index", wheel])
    purelib = Path(run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"]).stdout.strip())
    ours = {sysconfig.get_path("purelib"), *site.getsitepackages()}
    (purelib / "project_dependencies.pth").write_text("".join(f"{folder}\n" for folder in sorted(ours)), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["OPENAPI_TYPED_GEN_CACHE"] = str(tmp_path_factory.mktemp("cache"))
    return Installed(venv, env)


def test_the_wheel_carries_every_template_and_the_static_runtime(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    templates = {f"generator/templates/{p.relative_to(ROOT / 'templates').as_posix()}" for p in (ROOT / "templates").rglob("*") if p.is_file() and "__pycache__" not in p.parts}
    modules = {f"generator/{p.name}" for p in (ROOT / "generator").glob("*.py")}
    assert any(name.endswith(".jinja") for name in templates) and "generator/templates/runtime/_base_client.py" in templates
    assert templates - names == set(), "files of templates/ missing from the wheel"
    assert modules - names == set(), "generator modules missing from the wheel"
    entry_points = next(name for name in names if name.endswith(".dist-info/entry_points.txt"))
    with zipfile.ZipFile(wheel) as archive:
        assert "openapi-typed-gen = generator.cli:main" in archive.read(entry_points).decode()


def test_the_installed_generator_uses_its_own_templates(installed: Installed, tmp_path: Path) -> None:
    shown = installed.run([installed.python, "-c", "import generator, generator.paths as p; print(generator.__file__); print(p.templates())"], cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    module, templates = map(Path, shown.stdout.split("\n")[:2])
    assert installed.venv in module.parents, module
    assert installed.venv in templates.parents and (templates / "runtime" / "_base_client.py").is_file(), templates


def test_console_script_generates_an_importable_client_and_checks_it(installed: Installed, tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    shutil.copy2(PETSTORE, work / "petstore.yaml")
    # An ad-hoc run: --spec without --config needs no project configuration.
    args = ["--spec", "petstore.yaml", "--output", "out", "--package", "petstore_client"]

    generated = installed.script("generate", *args, cwd=work)
    assert generated.returncode == 0, generated.stderr
    package = work / "out" / "petstore_client"
    assert (package / "__init__.py").is_file() and (package / "_base_client.py").is_file()

    smoke = "import petstore_client as p\nc = p.Client(api_key='k', base_url='http://127.0.0.1:9')\nprint(p.__file__)\nprint(type(c).__name__)\n"
    imported = installed.run([installed.python, "-c", smoke], cwd=work / "out")
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.splitlines() == [str(package / "__init__.py"), "Client"]

    assert (checked := installed.script("check", *args, cwd=work)).returncode == 0, checked.stdout + checked.stderr
    # python -m generator works from any folder too.
    assert (checked := installed.run([installed.python, "-m", "generator", "check", *args], cwd=work)).returncode == 0, checked.stderr

    client = package / "_client.py"
    client.write_text(client.read_text(encoding="utf-8") + "# edited by hand\n", encoding="utf-8")
    stale = installed.script("check", *args, cwd=work)
    assert stale.returncode == 1, stale.stdout + stale.stderr
    assert "_client.py" in stale.stdout + stale.stderr
    assert "Traceback" not in stale.stdout + stale.stderr


def git(repo: Path, *args: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    subprocess.run(["git", "-c", "init.defaultBranch=main", *args], cwd=repo, env=env, check=True, capture_output=True, timeout=60)


def hook(installed: Installed, hook_id: str, repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """A hook of .pre-commit-hooks.yaml as pre-commit runs it: its entry, shlex-split, then args,
    from the repository root, with the environment it installed first on PATH."""
    hooks = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))}
    assert hooks[hook_id]["language"] == "python"
    return installed.run([*shlex.split(hooks[hook_id]["entry"]), *args], cwd=repo)


def test_pre_commit_hooks_work_in_another_repository_layout(installed: Installed, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "api").mkdir(parents=True)
    spec = repo / "api" / "petstore.yaml"
    shutil.copy2(PETSTORE, spec)
    # Neither specs/ nor generated/: this layout is not the generator's own.
    (repo / "pyproject.toml").write_text('[tool.generator]\nspec = "api/petstore.yaml"\noutput = "client"\npackage = "petstore_client"\n', encoding="utf-8")
    assert (done := installed.script("generate", cwd=repo)).returncode == 0, done.stderr
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "client")

    assert (result := hook(installed, "openapi-typed-gen-check", repo)).returncode == 0, result.stdout + result.stderr
    assert (result := hook(installed, "openapi-typed-gen-breaking", repo)).returncode == 0, result.stdout + result.stderr

    # The spec named by [tool.generator] loses an operation: breaking, without any argument.
    document = yaml.safe_load(spec.read_text(encoding="utf-8"))
    removed = next(iter(document["paths"]))
    del document["paths"][removed]
    spec.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    result = hook(installed, "openapi-typed-gen-breaking", repo)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "breaking" in result.stderr and removed in result.stdout

    # The client no longer matches the spec: the check hook says so.
    result = hook(installed, "openapi-typed-gen-check", repo)
    assert result.returncode == 1, result.stdout + result.stderr
