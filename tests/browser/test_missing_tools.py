"""A missing Chromium fails the browser tests under CI and skips them elsewhere, with the fix."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Any test that needs the browser will do; this one needs nothing else first.
A_BROWSER_TEST = "tests/browser/test_audits.py::test_the_skip_link_moves_focus_to_the_main_content"


def run_without_chromium(tmp_path: Path, ci: str | None) -> subprocess.CompletedProcess[str]:
    """pytest on one browser test with CHROMIUM_PATH pointing nowhere."""
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env["CHROMIUM_PATH"] = str(tmp_path / "no-chromium-here")
    if ci is not None:
        env["CI"] = ci
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rs", "-q", A_BROWSER_TEST],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False, timeout=300,
    )


def test_under_ci_a_missing_chromium_fails_and_says_what_to_install(tmp_path: Path) -> None:
    """CI=true: the run fails (exit 1), never skips, and names the package."""
    run = run_without_chromium(tmp_path, "true")
    assert run.returncode == 1, run.stdout + run.stderr
    assert "never skip" in run.stdout
    assert "apt-get install chromium" in run.stdout
    assert "skipped" not in run.stdout.splitlines()[-1]


def test_locally_a_missing_chromium_skips_with_the_reason(tmp_path: Path) -> None:
    """CI=false (or unset): skipped, and the reason says what is missing and how to install it."""
    run = run_without_chromium(tmp_path, "false")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "1 skipped" in run.stdout.splitlines()[-1]
    assert "no-chromium-here) is missing" in run.stdout
    assert "apt-get install chromium" in run.stdout
