"""Builds are byte-identical: twice in a row, and with pages rendered serially or in parallel."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from trekgen import parallel
from trekgen.build import build

BUNDLED = Path(__file__).resolve().parents[1] / "roadmap"
# A build in a fresh process (a test session has threads, which keep trekgen serial), with
# maps of any size spread over workers; it prints how many maps went to workers.
BUILD = """
import sys
from trekgen import parallel
parallel.MIN_ITEMS = 1
forked = parallel._forked
maps = []
def counted(*args):
    maps.append(1)
    return forked(*args)
parallel._forked = counted
from trekgen.build import build
from pathlib import Path
build(Path(sys.argv[1]), Path(sys.argv[2]))
print(len(maps))
"""


def files(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` by its relative path."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def built_apart(out: Path, jobs: int) -> tuple[dict[str, bytes], int]:
    """The bundled site built by a fresh process with `jobs` processes; and its forked maps."""
    env = {**os.environ, "TREKGEN_JOBS": str(jobs)}
    command = [sys.executable, "-c", BUILD, str(BUNDLED), str(out)]
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    return files(out), int(result.stdout.split()[-1])


def test_two_builds_are_identical(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TREKGEN_JOBS", "1")
    build(BUNDLED, tmp_path / "first")
    build(BUNDLED, tmp_path / "second")
    first, second = files(tmp_path / "first"), files(tmp_path / "second")
    assert len(first) > 90
    assert first == second


@pytest.mark.skipif(sys.platform != "linux", reason="parallel builds fork, on Linux")
def test_parallel_build_matches_serial(tmp_path: Path) -> None:
    serial, serial_maps = built_apart(tmp_path / "serial", jobs=1)
    forked, forked_maps = built_apart(tmp_path / "parallel", jobs=2)
    # Reading the pages, rendering them, making the search index and the roadmaps' data.
    assert (serial_maps, forked_maps) == (0, 4)
    assert sorted(forked) == sorted(serial)
    different = [name for name in serial if serial[name] != forked[name]]
    assert different == []


def test_a_process_with_threads_stays_serial() -> None:
    """A lock held by another thread would stay locked in a forked worker (trekgen serve)."""
    import threading

    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert not parallel.can_fork()
    finally:
        stop.set()
        thread.join()
