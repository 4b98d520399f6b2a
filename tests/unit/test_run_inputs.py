"""What the lock records about the generator (generator.pipeline): black's version and the
digest of the generator's code and templates, computed without importing what they describe."""

from __future__ import annotations

import hashlib
import shutil
from importlib import metadata
from pathlib import Path

from generator import __version__, pipeline
from tests.conftest import ROOT


def test_black_version_is_what_importlib_metadata_says() -> None:
    assert pipeline.black_version() == metadata.version("black")


def _digest_by_rglob(roots: list[Path]) -> str:
    """The digest's definition, written the plain way: every .py and .jinja file under each
    root outside __pycache__, sorted by path, relative path and bytes."""
    digest = hashlib.sha256(__version__.encode())
    for root in roots:
        for path in sorted(root.rglob("*")):
            if path.is_file() and path.suffix in (".py", ".jinja") and "__pycache__" not in path.parts:
                digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def test_the_generator_digest_covers_code_templates_and_overrides_in_path_order(tmp_path: Path) -> None:
    builtin = [ROOT / "generator", ROOT / "templates"]
    assert pipeline.generator_digest() == _digest_by_rglob(builtin)
    # Overrides whose names sort differently as strings and as paths ("a.py" < "a/b" by parts
    # only), a cache folder, a file of another kind and a linked folder that is not followed.
    overrides = tmp_path / "overrides"
    (overrides / "a" / "__pycache__").mkdir(parents=True)
    (overrides / "a" / "b.py.jinja").write_text("{{ x }}\n", encoding="utf-8")
    (overrides / "a.py").write_text("x = 1\n", encoding="utf-8")
    (overrides / "a" / "__pycache__" / "c.py").write_text("cached\n", encoding="utf-8")
    (overrides / "notes.txt").write_text("not a template\n", encoding="utf-8")
    shutil.copytree(overrides / "a", tmp_path / "elsewhere")
    (overrides / "linked").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    with_overrides = pipeline.generator_digest(overrides)
    assert with_overrides == _digest_by_rglob([*builtin, overrides])
    assert with_overrides != pipeline.generator_digest()
    (overrides / "a" / "b.py.jinja").write_text("{{ y }}\n", encoding="utf-8")
    assert pipeline.generator_digest(overrides) not in (with_overrides, pipeline.generator_digest())
