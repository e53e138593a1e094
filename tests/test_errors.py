"""Error fixtures: each file in tests/errors/ overlays a valid site and lists the exact errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from trekgen.cli import main

FIXTURES = Path(__file__).parent / "errors"

BASE_SITE = {
    "roadmap/site.yaml": "title: Demo\ndescription: A demo site.\nroadmaps: [demo, other]\n",
    "roadmap/demo/roadmap.yaml": (
        "title: Demo roadmap\nsummary: A short roadmap.\nlevel: beginner\nupdated: 2026-01-15\n"
        "related: [other]\n"
    ),
    "roadmap/demo/stages/01-start.md": (
        "---\ntitle: Start\nsummary: The first stage.\nduration: 1-2 weeks\nlevel: beginner\n"
        "topics: [One]\n---\n## Why\n\nBecause.\n"
    ),
    "roadmap/demo/stages/02-next.md": (
        "---\ntitle: Next\nsummary: The second stage.\nduration: 2 weeks\nlevel: beginner\n"
        "topics: [Two]\nprerequisites: [start]\n---\n## How\n\nLike this.\n"
    ),
    "roadmap/other/roadmap.yaml": (
        "title: Other roadmap\nsummary: Another one.\nlevel: intermediate\nupdated: 2026-01-15\n"
    ),
}


def parse_fixture(text: str) -> tuple[dict[str, str], list[str]]:
    """Split a fixture into {path: content} and the expected output lines."""
    files: dict[str, str] = {}
    for block in re.split(r"^=== ", text, flags=re.M)[1:]:
        name, _, body = block.partition("\n")
        files[name.strip()] = body
    expected = [line for line in files.pop("expected").splitlines() if line.strip()]
    return files, expected


def run_check(
    root: Path, files: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> tuple[int, list[str]]:
    for relative, content in {**BASE_SITE, **files}.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if content.strip() == "<delete>":
            path.unlink(missing_ok=True)
        else:
            path.write_text(content, encoding="utf-8")
    monkeypatch.chdir(root)
    result = CliRunner().invoke(main, ["check"])
    return result.exit_code, result.stderr.splitlines()


def test_base_site_is_valid(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, lines = run_check(tmp_path, {}, monkeypatch)
    assert (code, lines) == (0, [])


@pytest.mark.parametrize("fixture", sorted(FIXTURES.glob("*.txt")), ids=lambda p: p.stem)
def test_error_fixture(fixture: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files, expected = parse_fixture(fixture.read_text(encoding="utf-8"))
    code, lines = run_check(tmp_path, files, monkeypatch)
    assert lines == expected
    assert code == 1


def test_warnings_are_printed_and_do_not_fail(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    later = BASE_SITE["roadmap/demo/stages/01-start.md"].replace(
        "topics: [One]\n", "topics: [One]\nprerequisites: [next]\n"
    )
    second = BASE_SITE["roadmap/demo/stages/02-next.md"].replace("prerequisites: [start]\n", "")
    files = {"roadmap/demo/stages/01-start.md": later, "roadmap/demo/stages/02-next.md": second}
    code, lines = run_check(tmp_path, files, monkeypatch)
    assert code == 0
    assert lines == [
        "roadmap/demo/stages/01-start.md:7:17: warning: prerequisites[0]: 'next' is stage 2, "
        "after this one (1); learners meet the stages in number order"
    ]
