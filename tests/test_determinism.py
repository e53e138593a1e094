"""Builds are byte-identical: twice in a row, and with pages rendered serially or in parallel."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from trekgen import parallel
from trekgen.build import build

BUNDLED = Path(__file__).resolve().parents[1] / "roadmap"


def files(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` by its relative path."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def built(out: Path, monkeypatch: pytest.MonkeyPatch, jobs: int) -> dict[str, bytes]:
    """The bundled site built into `out` with `jobs` processes, even for small maps."""
    monkeypatch.setenv("TREKGEN_JOBS", str(jobs))
    monkeypatch.setattr(parallel, "MIN_ITEMS", 1)
    build(BUNDLED, out)
    return files(out)


def test_two_serial_builds_are_identical(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = built(tmp_path / "first", monkeypatch, jobs=1)
    second = built(tmp_path / "second", monkeypatch, jobs=1)
    assert len(first) > 90
    assert first == second


def test_parallel_build_matches_serial(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if not parallel.can_fork():
        pytest.skip("parallel builds need fork, in a process without threads")
    serial = built(tmp_path / "serial", monkeypatch, jobs=1)
    forks: list[int] = []
    forked_map = parallel._forked

    def counted(*args: Any) -> Any:
        forks.append(1)
        return forked_map(*args)

    monkeypatch.setattr(parallel, "_forked", counted)
    forked = built(tmp_path / "parallel", monkeypatch, jobs=2)
    assert len(forks) == 2  # reading the pages, then rendering them
    assert sorted(forked) == sorted(serial)
    different = [name for name in serial if serial[name] != forked[name]]
    assert different == []
