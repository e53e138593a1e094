"""Shared fixtures: small sites in tmp_path and the bundled site built once."""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from trekgen.build import build

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = ROOT / "roadmap"


@pytest.fixture(scope="session")
def bundled_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled roadmaps built once per test session; treat it as read-only."""
    out = tmp_path_factory.mktemp("bundled") / "site"
    build(BUNDLED, out)
    return out


@pytest.fixture
def write_files(tmp_path: Path) -> Callable[[dict[str, str]], Path]:
    """Write {relative path: text} under tmp_path (text dedented); return tmp_path."""

    def write(files: dict[str, str]) -> Path:
        for relative, text in files.items():
            path = tmp_path / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return tmp_path

    return write


@pytest.fixture
def copy_bundled(tmp_path: Path) -> Path:
    """A private copy of the bundled content to mutate: tmp_path/roadmap."""
    target = tmp_path / "roadmap"
    shutil.copytree(BUNDLED, target)
    return target
