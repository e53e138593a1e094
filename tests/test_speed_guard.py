"""benchmarks/guard.py in the suite: fails on a gross regression, never on a wall time."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

GUARD = Path(__file__).resolve().parents[1] / "benchmarks" / "guard.py"


def load_guard() -> ModuleType:
    spec = importlib.util.spec_from_file_location("trekgen_speed_guard", GUARD)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_build_stays_within_a_few_times_the_floor() -> None:
    guard = load_guard()
    verdict = guard.measure()
    assert verdict.ratio <= guard.LIMIT, (
        f"trekgen took {verdict.trekgen_ms:.2f} CPU ms per stage page, {verdict.ratio:.1f} times "
        f"the {verdict.floor_ms:.2f} ms of markdown-it and Jinja alone (limit {guard.LIMIT:.1f})"
    )
