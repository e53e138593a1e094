"""`trekgen serve`: incremental rebuilds equal full builds; the real process serves, keeps the
last good site on a broken edit, recovers on the fix and stops cleanly on Ctrl-C."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from click.testing import CliRunner
from tornado.ioloop import IOLoop

from tests.serving import serving
from trekgen.build import Output, check, render_site
from trekgen.cli import main
from trekgen.errors import Location, Problem
from trekgen.serve import (
    Builder,
    Changes,
    Showing,
    Shown,
    exposure_warning,
    files_under,
    inject,
    is_loopback,
)
from trekgen.theme import Theme

BASE = "http://127.0.0.1:8000/"
STAGE = "ml-engineer/stages/03-feature-engineering.md"
STAGE_URL = "ml-engineer/stages/feature-engineering/"

Edit = tuple[str, Callable[[str], str]]


def full(source: Path) -> Output:
    """What a fresh full build renders."""
    site, _ = check(source, BASE)
    return render_site(site, Theme.for_source(source))


def apply(source: Path, edit: Edit) -> Changes:
    path = source / edit[0]
    path.write_text(edit[1](path.read_text(encoding="utf-8")), encoding="utf-8")
    return Changes(frozenset({path.resolve()}))


def differences(got: Output, expected: Output) -> list[str]:
    """Output paths whose bytes differ, are missing or are extra."""
    paths = got.files.keys() | expected.files.keys()
    files = sorted(p for p in paths if got.files.get(p) != expected.files.get(p))
    static = [] if got.static == expected.static else ["static files"]
    return files + static


def sub(old: str, new: str) -> Callable[[str], str]:
    def change(text: str) -> str:
        assert old in text, old
        return text.replace(old, new, 1)

    return change


# Each edit is applied on top of the ones before it; after each, the incremental result is
# compared with a full build. The count is how many pages at most the edit may re-render.
EDITS: list[tuple[str, Edit, int]] = [
    ("stage body", (STAGE, sub("## Why it matters\n", "## Why it matters\n\nNew words.\n")), 2),
    ("stage heading", (STAGE, sub("## Why it matters", "## Why this matters")), 2),
    ("stage title", (STAGE, sub("title: Feature engineering", "title: Features first")), 32),
    ("stage duration", (STAGE, sub("duration: 2-3 weeks", "duration: 5-9 weeks")), 32),
    ("stage tags", (STAGE, sub("tags: [", "tags: [A Brand New Tag, ")), 32),
    (
        "stage date",
        (STAGE, sub("level: intermediate", "level: intermediate\nupdated: 2027-03-01")),
        32,
    ),
    ("nothing visible", (STAGE, lambda text: text + "\n\n"), 0),
    ("project body", ("ml-engineer/projects/tabular-risk-model.md", lambda t: t + "\nMore.\n"), 1),
    (
        "project meta",
        ("ml-engineer/projects/tabular-risk-model.md", sub("level: ", "level: advanced\n#")),
        32,
    ),
    (
        "guide body",
        ("ml-engineer/guides/from-notebook-to-production.md", lambda t: t + "\nEnd.\n"),
        1,
    ),
    ("other roadmap", ("ai-engineer/stages/01-llm-foundations.md", lambda t: t + "\nMore.\n"), 2),
]


def test_incremental_rebuilds_equal_full_builds(copy_bundled: Path) -> None:
    builder = Builder(copy_bundled, BASE)
    first = builder.build()
    assert first.output is not None and not first.errors
    assert differences(first.output, full(copy_bundled)) == []
    for name, edit, most in EDITS:
        early: list[Output] = []
        built = builder.build(apply(copy_bundled, edit), early=early.append)
        assert built.output is not None, (name, built.errors)
        expected = full(copy_bundled)
        assert differences(built.output, expected) == [], name
        assert built.rendered <= most < built.pages, (name, built.rendered)
        # What is served before the build ends holds only files already as they end up.
        for shown in early:
            assert {p for p, data in shown.files.items() if expected.files.get(p) != data} == set()
        if built.rendered:
            assert [len(shown.files) < len(expected.files) for shown in early] == [True], name


def test_after_a_body_edit_a_feed_of_the_sites_own_is_made_again(copy_bundled: Path) -> None:
    # The default feed shows no body, so a body edit keeps it; a site's own feed might.
    own = copy_bundled.parent / "templates" / "feed.xml"
    own.parent.mkdir()
    own.write_text(
        "{% for r in site.roadmaps %}{% for s in r.stages %}{{ s.content.text }}\n"
        "{% endfor %}{% endfor %}",
        encoding="utf-8",
    )
    builder = Builder(copy_bundled, BASE)
    builder.build()
    edit = (STAGE, sub("## Why it matters\n", "## Why it matters\n\nNew words.\n"))
    built = builder.build(apply(copy_bundled, edit))
    assert built.output is not None
    assert b"New words." in built.output.files["feed.xml"]
    assert differences(built.output, full(copy_bundled)) == []


def test_while_a_build_finishes_a_request_for_a_file_it_has_yet_to_make_waits_for_it() -> None:
    showing = Showing()
    early = Shown(Output({"a/index.html": b"new a"}, {}), partial=True)
    final = Shown(Output({"a/index.html": b"new a", "b/index.html": b"new b"}, {}))

    async def requests() -> tuple[Shown, bool, Shown]:
        showing.loop = IOLoop.current()
        showing.show(early)
        at_once = await showing.settled("a/")
        waiting = asyncio.ensure_future(showing.settled("b/"))
        for _ in range(10):  # let the loop run the request as far as it goes
            await asyncio.sleep(0)
        answered_early = waiting.done()
        showing.show(final)
        return at_once, answered_early, await waiting

    # A thread of its own: the browser tests leave an event loop running in this one.
    with ThreadPoolExecutor(1) as thread:
        at_once, answered_early, waited = thread.submit(asyncio.run, requests()).result()
    assert at_once is early
    assert not answered_early
    assert waited is final


def test_a_broken_edit_keeps_the_last_good_site_and_the_fix_recovers(
    copy_bundled: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(copy_bundled.parent)  # problems name files relative to the current folder
    builder = Builder(copy_bundled, BASE)
    builder.build()
    good = builder.build(apply(copy_bundled, (STAGE, sub("## Why it matters\n", "## Why\n"))))
    assert good.output is not None
    broken = builder.build(apply(copy_bundled, (STAGE, sub("title:", "titel:"))))
    assert broken.output is None
    assert builder.output == good.output
    assert [str(p) for p in broken.errors] == [
        f"roadmap/{STAGE}:2:1: error: unknown key 'titel'; did you mean 'title'?"
    ]
    fixed = builder.build(apply(copy_bundled, (STAGE, sub("titel:", "title:"))))
    assert fixed.output is not None and not fixed.errors
    assert differences(fixed.output, full(copy_bundled)) == []
    again = builder.build(apply(copy_bundled, (STAGE, sub("## Why\n", "## Why it matters\n"))))
    assert again.output is not None
    assert differences(again.output, full(copy_bundled)) == []


def test_new_and_removed_files_rebuild_everything(copy_bundled: Path) -> None:
    builder = Builder(copy_bundled, BASE)
    builder.build()
    extra = copy_bundled / "ml-engineer" / "guides" / "a-new-guide.md"
    extra.write_text("---\ntitle: A new guide\nsummary: Short.\n---\n## One\n", encoding="utf-8")
    added = builder.build(Changes(frozenset(), frozenset({extra.resolve()}), frozenset()))
    assert added.output is not None and added.rendered == added.pages
    assert "ml-engineer/guides/a-new-guide/index.html" in added.output.files
    assert differences(added.output, full(copy_bundled)) == []
    extra.unlink()
    removed = builder.build(Changes(frozenset(), frozenset(), frozenset({extra.resolve()})))
    assert removed.output is not None
    assert differences(removed.output, full(copy_bundled)) == []


def test_events_become_changes_judged_by_what_exists(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("one", encoding="utf-8")
    (tmp_path / ".swap").write_text("ignored", encoding="utf-8")
    known = files_under([tmp_path])
    assert known == {tmp_path / "a.md"}
    (tmp_path / "b.md").write_text("new", encoding="utf-8")
    # An editor that saves by renaming a new file over the old one reports it as added.
    events = [("added", str(tmp_path / "a.md")), ("added", str(tmp_path / "b.md"))]
    changes = Changes.from_events(events, known)
    assert changes == Changes(frozenset({tmp_path / "a.md"}), frozenset({tmp_path / "b.md"}))
    (tmp_path / "a.md").unlink()
    gone = Changes.from_events([("deleted", str(tmp_path / "a.md"))], known)
    assert gone.removed == {tmp_path / "a.md"} and not gone.modified
    assert known == {tmp_path / "b.md"}
    assert not Changes.from_events([("deleted", str(tmp_path / "never.md"))], known)


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("localhost", True),
        ("::1", True),
        ("127.0.0.2", True),
        ("0.0.0.0", False),
        ("192.168.1.20", False),
        ("::", False),
        ("example.org", False),
    ],
)
def test_only_loopback_hosts_go_without_a_warning(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback
    warning = exposure_warning(host)
    assert (warning is None) is loopback
    if warning:
        assert f"serving on {host}, so other machines on the network can open the site" in warning


def test_the_overlay_escapes_what_it_shows() -> None:
    problem = Problem(Location("a.md", 3, 4), "unknown key '<script>'", "error")
    page = b"<html><head></head><body><main>Page</main></body></html>"
    shown = inject(page, Shown(None, (problem,)), 8123)
    assert b'<script src="/livereload.js?port=8123"></script></head>' in shown
    assert b"a.md:3:4: error: unknown key &#x27;&lt;script&gt;&#x27;" in shown
    assert b"<script>'" not in shown
    assert b"Nothing has built yet." in shown
    assert b'<dialog open id="trekgen-errors"' not in inject(page, Shown(None), 1)


def test_a_busy_port_is_a_usage_error(copy_bundled: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(copy_bundled.parent)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = CliRunner().invoke(main, ["serve", "--port", str(port)])
    assert result.exit_code == 2
    assert f"trekgen: cannot serve on 127.0.0.1:{port}:" in result.stderr
    assert "choose another --port" in result.stderr


def test_a_missing_source_is_a_usage_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["serve", "--source", "nowhere"])
    assert result.exit_code == 2
    assert "no source folder nowhere" in result.stderr


def test_the_real_server_rebuilds_keeps_the_last_good_site_and_stops_on_ctrl_c(
    copy_bundled: Path,
) -> None:
    with serving(copy_bundled) as served:
        status, page = served.get(STAGE_URL)
        assert status == 200
        assert '<script src="/livereload.js?port=' in page
        assert served.get("ml-engineer/stages/feature-engineering")[0] == 200  # redirected
        assert served.get("no/such/page/")[0] == 404
        assert served.get("livereload.js")[0] == 200

        apply(copy_bundled, (STAGE, sub("## Why it matters\n", "## Why it matters\n\nZebra.\n")))
        served.wait_for(STAGE_URL, lambda text: "Zebra." in text, "the edit showing")

        apply(copy_bundled, (STAGE, sub("title:", "titel:")))
        page = served.wait_for(STAGE_URL, lambda text: "trekgen-errors" in text, "the overlay")
        assert "Zebra." in page  # the last good page, under the errors
        assert f"roadmap/{STAGE}:2:1: error: unknown key &#x27;titel&#x27;; did you mean" in page
        served.wait_for_line(
            served.err,
            lambda line: line.startswith(f"roadmap/{STAGE}:2:1: error: unknown key"),
            "the error at its path:line:col",
        )
        served.wait_for_line(
            served.err,
            lambda line: "still serving the last good site" in line,
            "the promise to keep serving",
        )

        apply(copy_bundled, (STAGE, sub("titel:", "title:")))
        page = served.wait_for(STAGE_URL, lambda text: "trekgen-errors" not in text, "recovery")
        assert "Zebra." in page
        assert served.interrupt() == 0
    assert served.out[-1] == "trekgen: stopped"
    assert not any("Traceback" in line for line in served.err)


def test_a_broken_template_is_an_error_at_its_line_and_the_fix_recovers(
    copy_bundled: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(copy_bundled.parent)
    builder = Builder(copy_bundled, BASE)
    assert builder.build().output is not None
    own = copy_bundled.parent / "templates" / "404.html"
    own.parent.mkdir()
    own.write_text('{% extends "base.html" %}\n{% block main %}\n{% if %}\n{% endblock %}\n')
    broken = builder.build(Changes(frozenset(), frozenset({own.resolve()})))
    assert broken.output is None
    assert [str(p).split(": error: ")[0] for p in broken.errors] == ["templates/404.html:3:1"]
    assert "template error:" in str(broken.errors[0])
    own.write_text('{% extends "base.html" %}\n{% block main %}<p>Lost.</p>{% endblock %}\n')
    fixed = builder.build(Changes(frozenset({own.resolve()})))
    assert fixed.output is not None
    assert b"<p>Lost.</p>" in fixed.output.files["404.html"]
    assert differences(fixed.output, full(copy_bundled)) == []
