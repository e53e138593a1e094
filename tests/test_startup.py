"""What `trekgen check` imports: modules that only other commands or options need stay out."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Runs the command line in a fresh interpreter, then lists which of the given modules it loaded.
PROBE = """
import json, sys
from trekgen.cli import main
code = 0
try:
    main(sys.argv[2:], prog_name="trekgen")
except SystemExit as exit:
    code = exit.code
loaded = [name for name in json.loads(sys.argv[1]) if name in sys.modules]
print(json.dumps({"code": code, "loaded": loaded}))
"""
# Web link checking (--external-links) and nothing else needs these.
WEB_ONLY = ["concurrent.futures", "http.client", "ssl", "urllib.request"]


def probe(modules: list[str], *args: str) -> tuple[int, list[str]]:
    """The exit code of `trekgen ARGS` in the repository root, and which of `modules` it loaded."""
    result = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(modules), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    report = json.loads(result.stdout.splitlines()[-1])
    return report["code"], report["loaded"]


def test_check_leaves_web_machinery_alone() -> None:
    # trekgen.load, which check needs, shows that the probe sees what is loaded.
    assert probe(["trekgen.load", *WEB_ONLY], "check") == (0, ["trekgen.load"])


def test_build_leaves_link_checking_alone(tmp_path: Path) -> None:
    loaded = probe(
        ["trekgen.output", "trekgen.linkcheck", *WEB_ONLY], "build", "--out", str(tmp_path)
    )
    assert loaded == (0, ["trekgen.output"])
