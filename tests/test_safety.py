"""One test per safety rule of design.md."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from trekgen import output
from trekgen.build import build
from trekgen.cli import main
from trekgen.errors import ContentError, UsageError
from trekgen.output import safe_join
from trekgen.sources import MAX_FILE_BYTES

Files = dict[str, str]

SITE: Files = {
    "roadmap/site.yaml": "title: Demo\ndescription: A demo site.\nroadmaps: [demo]\n",
    "roadmap/demo/roadmap.yaml": (
        'title: Demo <b>roadmap</b> & "friends"\nsummary: A short roadmap.\n'
        "level: beginner\nupdated: 2026-01-15\n"
    ),
    "roadmap/demo/stages/01-start.md": (
        "---\ntitle: Start <script>alert(1)</script>\nsummary: The first stage.\n"
        "duration: 1-2 weeks\nlevel: beginner\ntopics: [One]\n---\n"
        "## Why\n\n<script>alert('body')</script>\n\n<img src=x onerror=alert(1)>\n"
    ),
}


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under `folder` with a hash of its bytes."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def site(write_files: Callable[[Files], Path]) -> Path:
    return write_files(SITE)


def test_alias_bomb_is_refused_quickly(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(site)
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]"
        for i in range(9)
    ]
    (site / "roadmap/demo/skills.yaml").write_text("\n".join(lines) + "\n")
    started = time.process_time()
    with pytest.raises(ContentError) as caught:
        build(Path("roadmap"), Path("site"))
    assert time.process_time() - started < 5  # a generous bound: expansion would never finish
    assert [str(p) for p in caught.value.problems] == [
        "roadmap/demo/skills.yaml:2:8: error: invalid YAML: "
        "aliases (*name) are not allowed in trekgen content"
    ]


def test_oversized_file_is_refused(site: Path) -> None:
    big = site / "roadmap/demo/stages/02-big.md"
    big.write_text("---\ntitle: Big\n---\n" + "x" * MAX_FILE_BYTES)
    with pytest.raises(ContentError) as caught:
        build(site / "roadmap", site / "site")
    assert [p.message for p in caught.value.problems] == [
        f"file is {MAX_FILE_BYTES + 19:,} bytes; the limit is {MAX_FILE_BYTES:,}"
    ]


def test_raw_html_in_markdown_is_escaped(site: Path) -> None:
    build(site / "roadmap", site / "site")
    page = (site / "site/demo/stages/start/index.html").read_text()
    assert "<script>alert('body')</script>" not in page
    assert "&lt;script&gt;alert('body')&lt;/script&gt;" in page
    assert "<img src=x" not in page


def test_templates_autoescape_content(site: Path) -> None:
    build(site / "roadmap", site / "site")
    overview = (site / "site/demo/index.html").read_text()
    stage = (site / "site/demo/stages/start/index.html").read_text()
    assert "Demo &lt;b&gt;roadmap&lt;/b&gt; &amp; &#34;friends&#34;" in overview
    assert "<b>roadmap</b>" not in overview
    assert "Start &lt;script&gt;alert(1)&lt;/script&gt;" in stage
    assert "<script>alert(1)" not in stage


@pytest.mark.parametrize(
    "relative", ["../escape.html", "/etc/passwd", "a/../../b", "a\\..\\b", "C:/x", ""]
)
def test_no_path_leaves_the_output_folder(tmp_path: Path, relative: str) -> None:
    with pytest.raises(UsageError, match="refusing to write outside the output folder"):
        safe_join(tmp_path, relative)


def test_slugs_cannot_carry_paths(site: Path) -> None:
    (site / "roadmap/site.yaml").write_text("title: D\ndescription: D.\nroadmaps: [demo, ../x]\n")
    with pytest.raises(ContentError) as caught:
        build(site / "roadmap", site / "site")
    assert caught.value.problems[0].message.startswith(
        "roadmaps[1]: expected a slug: lowercase ASCII words joined by hyphens"
    )


def test_failed_build_leaves_previous_site_intact(site: Path) -> None:
    build(site / "roadmap", site / "site")
    before = snapshot(site / "site")
    stage = site / "roadmap/demo/stages/01-start.md"
    stage.write_text(stage.read_text().replace("duration: 1-2 weeks", "duration: soon"))
    with pytest.raises(ContentError):
        build(site / "roadmap", site / "site")
    assert snapshot(site / "site") == before
    assert sorted(p.name for p in site.iterdir()) == ["roadmap", "site"]


BROKEN_STAGE_TEMPLATE = (
    "{% extends 'base.html' %}\n{% block main %}\n{{ stage.nope.deeper }}\n{% endblock %}\n"
)
TEMPLATE_ERROR = [
    "templates/stage.html:3:1: error: template error: "
    "'trekgen.site.Page object' has no attribute 'nope'",
    "trekgen: 1 error; nothing was written",
]
# The command line in a fresh process, where every map goes to forked workers (a test session
# has threads, which keep trekgen in its own process).
FORKED_CLI = (
    "import sys; from trekgen import parallel; parallel.MIN_ITEMS = 1; "
    "from trekgen.cli import main; sys.exit(main())"
)


def test_a_broken_template_fails_the_build_at_its_line(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    build(site / "roadmap", site / "site")
    before = snapshot(site / "site")
    (site / "templates").mkdir()
    (site / "templates" / "stage.html").write_text(BROKEN_STAGE_TEMPLATE, encoding="utf-8")
    monkeypatch.chdir(site)
    result = CliRunner().invoke(main, ["build"])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == TEMPLATE_ERROR
    assert snapshot(site / "site") == before


@pytest.mark.skipif(sys.platform != "linux", reason="workers are forked on Linux only")
def test_a_template_failing_in_a_worker_is_placed_as_in_the_process(site: Path) -> None:
    build(site / "roadmap", site / "site")
    before = snapshot(site / "site")
    (site / "templates").mkdir()
    (site / "templates" / "stage.html").write_text(BROKEN_STAGE_TEMPLATE, encoding="utf-8")
    env = {**os.environ, "TREKGEN_JOBS": "2"}
    run = subprocess.run(
        [sys.executable, "-c", FORKED_CLI, "build"],
        cwd=site,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert (run.returncode, run.stderr.splitlines()) == (1, TEMPLATE_ERROR)
    assert snapshot(site / "site") == before


def test_failure_while_writing_leaves_previous_site_intact(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    build(site / "roadmap", site / "site")
    before = snapshot(site / "site")
    calls = {"n": 0}
    real = output.safe_join

    def failing(root: Path, relative: str) -> Path:
        calls["n"] += 1
        if calls["n"] > 3:
            raise OSError("disk full")
        return real(root, relative)

    monkeypatch.setattr(output, "safe_join", failing)
    with pytest.raises(OSError, match="disk full"):
        build(site / "roadmap", site / "site")
    assert snapshot(site / "site") == before
    assert sorted(p.name for p in site.iterdir()) == ["roadmap", "site"]  # no staging left


@pytest.mark.parametrize(
    ("out", "reason"),
    [
        ("roadmap", "it contains the source folder"),
        (".", "it contains the source folder"),
        ("..", "it contains the source folder"),
        ("roadmap/demo/site", "it is inside the source folder"),
        ("notes", "it holds files trekgen did not write"),
        ("file.txt", "it is a file"),
    ],
)
def test_dangerous_output_folders_are_refused(
    site: Path, monkeypatch: pytest.MonkeyPatch, out: str, reason: str
) -> None:
    (site / "notes").mkdir()
    (site / "notes/todo.md").write_text("mine")
    (site / "file.txt").write_text("mine")
    before = snapshot(site)
    monkeypatch.chdir(site)
    result = CliRunner().invoke(main, ["build", "--out", out])
    assert result.exit_code == 2
    assert reason in result.stderr
    assert snapshot(site) == before


def test_current_folder_is_refused_as_output(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (site / "work").mkdir()
    monkeypatch.chdir(site / "work")
    result = CliRunner().invoke(main, ["build", "--source", "../roadmap", "--out", "."])
    assert result.exit_code == 2
    assert result.stderr == "trekgen: refusing to use . as output: it contains the current folder\n"


def test_output_folder_written_before_is_replaced(site: Path) -> None:
    build(site / "roadmap", site / "site")
    (site / "roadmap/demo/stages/01-start.md").rename(site / "roadmap/demo/stages/01-first.md")
    build(site / "roadmap", site / "site")
    assert (site / "site/demo/stages/first/index.html").is_file()
    assert not (site / "site/demo/stages/start").exists()


def test_builds_are_byte_identical(site: Path) -> None:
    build(site / "roadmap", site / "one")
    build(site / "roadmap", site / "two")
    assert snapshot(site / "one") == snapshot(site / "two")


def test_relative_links_in_bodies_still_work_on_the_all_in_one_page(
    write_files: Callable[[Files], Path],
) -> None:
    site = write_files(
        {
            **SITE,
            "roadmap/demo/stages/02-next.md": (
                "---\ntitle: Next\nsummary: Second.\nduration: 1 week\nlevel: beginner\n"
                "topics: [Two]\n---\n## Back\n\nSee [start](../start/#why), [here](#back) and "
                "[out](https://example.org/x).\n"
            ),
        }
    )
    build(site / "roadmap", site / "site")
    page = (site / "site/demo/all/index.html").read_text()
    assert 'href="../stages/start/#why"' in page
    assert 'href="#next-back"' in page
    assert 'href="https://example.org/x"' in page
