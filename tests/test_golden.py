"""The sample site's whole output compared with tests/sample/expected/, byte for byte.

After an intended change of output, refresh it with TREKGEN_UPDATE_GOLDEN=1 and review the diff.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from trekgen.build import build

SAMPLE = Path(__file__).parent / "sample"
EXPECTED = SAMPLE / "expected"


def files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def built(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    out = tmp_path / "site"
    build(SAMPLE / "roadmap", out)
    if os.environ.get("TREKGEN_UPDATE_GOLDEN"):
        shutil.rmtree(EXPECTED, ignore_errors=True)
        shutil.copytree(out, EXPECTED)
    return out


def test_sample_site_matches_golden_output(built: Path) -> None:
    actual, expected = files(built), files(EXPECTED)
    assert sorted(actual) == sorted(expected)
    changed = [name for name in sorted(actual) if actual[name] != expected[name]]
    assert changed == []
