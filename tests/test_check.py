"""`trekgen check`: links inside Markdown at their file:line:col, web links, errors that teach."""

from __future__ import annotations

import http.server
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from hypothesis import given
from hypothesis import strategies as st

from trekgen.cli import main
from trekgen.linkcheck import (
    URL_END,
    Fetcher,
    LinkCache,
    Verdict,
    _occurrences,
    body_line,
    check_web,
)

SITE = {
    "roadmap/site.yaml": """
        title: Demo
        description: A demo site.
        roadmaps: [demo]
    """,
    "roadmap/demo/roadmap.yaml": """
        title: Demo roadmap
        summary: A short roadmap.
        level: beginner
        updated: 2026-01-15
        description: |
          Start with [the first stage](stages/start/) or [a lost one](stages/gone/).
    """,
    "roadmap/demo/stages/01-start.md": """
        ---
        title: Start
        summary: The first stage.
        duration: 1-2 weeks
        level: beginner
        topics: [One]
        ---
        ## Why

        Read [the next stage](../next/) and [its method](../next/#how).
        See [nowhere](../nxt/), [a typo](#wy), [the source](02-next.md).
        ![logo](../../../static/favicon.svg) and ![missing](../../../static/nope.png).
        Back to [the overview](/demo/) or [far away](../../../../up/).
        Write to [us](mailto:team@example.org).
    """,
    "roadmap/demo/stages/02-next.md": """
        ---
        title: Next
        summary: The second stage.
        duration: 2 weeks
        level: beginner
        topics: [Two]
        ---
        ## How

        Back to [the start](../start/#why) and [the whole roadmap](../../all/).
    """,
}
STAGE = "roadmap/demo/stages/01-start.md"
EXPECTED = [
    "roadmap/demo/roadmap.yaml:6:63: error: link 'stages/gone/' reaches no page or file of the "
    "site (/demo/stages/gone/); did you mean 'stages/next/'?",
    f"{STAGE}:11:15: error: link '../nxt/' reaches no page or file of the site "
    "(/demo/stages/nxt/); did you mean '../next/'?",
    f"{STAGE}:11:34: error: link '#wy': no id 'wy' on this page; did you mean '#why'?",
    f"{STAGE}:11:53: error: link '02-next.md' reaches no page or file of the site "
    "(/demo/stages/start/02-next.md); link to the page, not its source file: '../next/'",
    f"{STAGE}:12:53: error: link '../../../static/nope.png' reaches no page or file of the site "
    "(/static/nope.png)",
    f"{STAGE}:13:24: warning: link '/demo/' starts at the site root, so it breaks when the site "
    "is served under a sub-path; write '../../'",
    f"{STAGE}:13:46: error: link '../../../../up/' leads outside the site",
    "trekgen: 6 errors; nothing was written",
]


def run(
    project: Path, monkeypatch: pytest.MonkeyPatch, *args: str, env: dict[str, str] | None = None
) -> Result:
    monkeypatch.chdir(project)
    return CliRunner().invoke(main, ["check", *args], env=env)


def test_links_in_markdown_are_checked_at_their_place(
    write_files: Callable[[dict[str, str]], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    result = run(write_files(SITE), monkeypatch)
    assert result.stderr.splitlines() == EXPECTED
    assert result.exit_code == 1


def test_good_links_pass_and_are_counted(
    write_files: Callable[[dict[str, str]], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    good = {
        **SITE,
        "roadmap/demo/roadmap.yaml": SITE["roadmap/demo/roadmap.yaml"].replace(
            " or [a lost one](stages/gone/)", ""
        ),
        STAGE: SITE[STAGE].split("        See ")[0] + "        Mail [us](mailto:t@example.org).\n",
    }
    result = run(write_files(good), monkeypatch)
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert "1 roadmaps, 2 stages, 5 links inside the site: no errors" in result.stdout


def test_warnings_pass_unless_strict(
    write_files: Callable[[dict[str, str]], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    only_rooted = {**SITE, STAGE: SITE[STAGE].split("        Read ")[0] + "        [Top](/demo/)\n"}
    only_rooted["roadmap/demo/roadmap.yaml"] = SITE["roadmap/demo/roadmap.yaml"].replace(
        " or [a lost one](stages/gone/)", ""
    )
    project = write_files(only_rooted)
    loose = run(project, monkeypatch)
    assert loose.exit_code == 0
    assert "warning: link '/demo/' starts at the site root" in loose.stderr
    strict = run(project, monkeypatch, "--strict")
    assert strict.exit_code == 1
    assert f"{STAGE}:10:7: error: link '/demo/' starts at the site root" in strict.stderr


def test_the_body_starts_after_the_front_matter() -> None:
    assert body_line("---\na: 1\nb: 2\n---\n## X\n") == 5
    assert body_line("\ufeff---\n---\nbody") == 3


# --- errors that teach ----------------------------------------------------------------------


def test_a_typo_gets_did_you_mean_and_an_annotation_under_github_actions(
    write_files: Callable[[dict[str, str]], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    typo = {
        **SITE,
        "roadmap/demo/stages/02-next.md": SITE["roadmap/demo/stages/02-next.md"]
        .replace("title: Next", "titel: Next")
        .replace("level: beginner", "level: expert"),
    }
    result = run(write_files(typo), monkeypatch, env={"GITHUB_ACTIONS": "true"})
    path = "roadmap/demo/stages/02-next.md"
    assert f"{path}:2:1: error: unknown key 'titel'; did you mean 'title'?" in result.stderr
    assert "missing required key 'title'" not in result.stderr  # one mistake, one message
    assert (
        f"{path}:5:8: error: level: expected one of 'beginner', 'intermediate', 'advanced'; "
        "got 'expert'" in result.stderr
    )
    assert (
        f"::error file={path},line=2,col=1::unknown key 'titel'; did you mean 'title'?"
        in result.stdout.splitlines()
    )
    assert result.exit_code == 1


def test_annotations_appear_only_under_github_actions(
    write_files: Callable[[dict[str, str]], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    project = write_files(SITE)
    plain = run(project, monkeypatch, env={"GITHUB_ACTIONS": "false"})
    assert "::error" not in plain.stdout
    annotated = run(project, monkeypatch, env={"GITHUB_ACTIONS": "true"})
    assert f"::warning file={STAGE},line=13,col=24::link '/demo/' starts" in annotated.stdout
    assert annotated.stdout.count("::error file=") == 6


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("topics: [One]", "topics: []"), "6:9: error: topics: expected at least 1 item, got 0"),
        (
            ("duration: 1-2 weeks", "duration: 2 weeks-ish"),
            "4:11: error: duration: expected a range like '4-6 weeks', got '2 weeks-ish'",
        ),
        (
            ("topics: [One]", "topics: [One]\nprerequisites: [Next Stage]"),
            "7:17: error: prerequisites[0]: expected a slug: lowercase ASCII words joined by "
            "hyphens, like 'feature-engineering', got 'Next Stage'",
        ),
        (
            ("topics: [One]", "topics: [One]\nupdated: 2026-02-30"),
            "7:10: error: expected a date that exists, like 2026-01-31, got '2026-02-30'",
        ),
        (
            ("topics: [One]", "topics: [One]\ntopcs: [Two]"),
            "7:1: error: unknown key 'topcs'; did you mean 'topics'?",
        ),
        (
            ("topics: [One]", "topics: [One]\nxyzzy: 1"),
            "7:1: error: unknown key 'xyzzy'; allowed: title, summary, duration, level, tags, "
            "prerequisites, topics, outcomes, resources, updated",
        ),
    ],
    ids=["too-few", "duration", "slug", "no-such-date", "did-you-mean", "allowed-keys"],
)
def test_errors_say_what_is_expected(
    write_files: Callable[[dict[str, str]], Path],
    monkeypatch: pytest.MonkeyPatch,
    change: tuple[str, str],
    message: str,
) -> None:
    start = (
        SITE[STAGE]
        .split("        Read ")[0]
        .replace(*change)
        .replace("\nprerequisites", "\n        prerequisites")
        .replace("\nupdated", "\n        updated")
    )
    start = start.replace("\ntopcs", "\n        topcs").replace("\nxyzzy", "\n        xyzzy")
    result = run(write_files({**SITE, STAGE: start}), monkeypatch)
    assert f"{STAGE}:{message}" in result.stderr.splitlines()
    assert "Traceback" not in result.output
    assert result.exit_code == 1


# --- web links, against a server on 127.0.0.1 ---------------------------------------------


@dataclass
class Answers:
    """What the local server saw: hits per path, and the most requests at once."""

    hits: Counter[str] = field(default_factory=Counter)
    in_flight: int = 0
    most: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    delay: float = 0.0


class Handler(http.server.BaseHTTPRequestHandler):
    answers: Answers

    def do_HEAD(self) -> None:
        self._answer(head=True)

    def do_GET(self) -> None:
        self._answer(head=False)

    def _answer(self, head: bool) -> None:
        state = self.answers
        with state.lock:
            state.hits[f"{self.command} {self.path}"] += 1
            state.in_flight += 1
            state.most = max(state.most, state.in_flight)
            first = state.hits[f"{self.command} {self.path}"] == 1
        try:
            time.sleep(state.delay)
            status = self._status(head, first)
        finally:
            # Counted out before the answer goes: a client that has it may start its next
            # request at once, which this one's last instants must not count as overlapping.
            with state.lock:
                state.in_flight -= 1
        self._respond(status)

    def _status(self, head: bool, first: bool) -> int:
        if self.path == "/slow":
            time.sleep(1.0)
        if self.path == "/head-refused" and head:
            return 405
        if self.path == "/flaky" and first:
            return 503
        return 404 if self.path == "/gone" else 200

    def _respond(self, status: int) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting, as a timeout test wants

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


@pytest.fixture
def web() -> Iterator[tuple[str, Answers]]:
    answers = Answers()
    handler = type("Answering", (Handler,), {"answers": answers})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", answers
    server.shutdown()
    server.server_close()


def web_site(base: str) -> dict[str, str]:
    stage = (
        SITE["roadmap/demo/stages/02-next.md"]
        .replace(
            "topics: [Two]",
            f"""topics: [Two]
        resources:
          - {{title: Good, url: {base}/ok, kind: docs, free: true}}
          - {{title: Gone, url: {base}/gone, kind: docs, free: true}}
          - {{title: No HEAD, url: {base}/head-refused, kind: docs, free: true}}""",
        )
        .rstrip(" ")
        + f"        And [gone again]({base}/gone#part).\n"
    )
    return {
        **SITE,
        STAGE: SITE[STAGE].split("        Read ")[0],
        "roadmap/demo/roadmap.yaml": SITE["roadmap/demo/roadmap.yaml"].split("description")[0],
        "roadmap/demo/stages/02-next.md": stage,
    }


def test_dead_web_links_are_warnings_at_each_place(
    write_files: Callable[[dict[str, str]], Path],
    monkeypatch: pytest.MonkeyPatch,
    web: tuple[str, Answers],
    tmp_path: Path,
) -> None:
    base, answers = web
    project = write_files(web_site(base))
    cache = ["--cache-dir", str(tmp_path / "cache")]
    result = run(project, monkeypatch, "--external-links", *cache)
    path = "roadmap/demo/stages/02-next.md"
    assert result.stderr.splitlines() == [
        f"{path}:9:24: warning: web link {base}/gone is dead: HTTP 404",
        f"{path}:15:18: warning: web link {base}/gone is dead: HTTP 404",
    ]
    assert result.exit_code == 0
    assert "3 web links (0 from the cache)" in result.stdout
    assert answers.hits["GET /head-refused"] == 1

    again = run(project, monkeypatch, "--external-links", "--strict", *cache)
    assert again.exit_code == 1
    assert f"{path}:9:24: error: web link {base}/gone is dead: HTTP 404" in again.stderr
    # Links found alive come from the cache; dead ones are asked again.
    assert answers.hits["HEAD /ok"] == 1
    assert answers.hits["HEAD /gone"] == 2


def test_web_links_are_not_checked_unless_asked(
    write_files: Callable[[dict[str, str]], Path],
    monkeypatch: pytest.MonkeyPatch,
    web: tuple[str, Answers],
) -> None:
    base, answers = web
    result = run(write_files(web_site(base)), monkeypatch)
    assert result.exit_code == 0
    assert sum(answers.hits.values()) == 0


def test_fetcher_retries_transient_failures_and_gives_up_on_silence(
    web: tuple[str, Answers],
) -> None:
    base, answers = web
    fetcher = Fetcher(timeout=0.3, retries=2, backoff=0.01)
    assert fetcher.verdict(f"{base}/flaky") == Verdict(True, "HTTP 200")
    assert answers.hits["HEAD /flaky"] == 2
    slow = fetcher.verdict(f"{base}/slow")
    assert not slow.alive
    assert "0.3 s" in slow.reason or "timed out" in slow.reason
    assert answers.hits["HEAD /slow"] == 3  # the first try and two retries
    assert fetcher.verdict("http://127.0.0.1:9/").alive is False


def test_web_checks_run_concurrently_but_gently_per_host(
    web: tuple[str, Answers],
    tmp_path: Path,
) -> None:
    base, answers = web
    answers.delay = 0.2
    urls = [f"{base}/ok?{n}" for n in range(6)]
    cache = LinkCache(tmp_path / "links.json")
    verdicts, cached = check_web(urls, cache, Fetcher(per_host=2).verdict, workers=6)
    assert all(v.alive for v in verdicts.values())
    assert (cached, answers.most) == (0, 2)
    again, cached = check_web(urls, LinkCache(tmp_path / "links.json"), partial(_never), workers=2)
    assert cached == 6
    assert all(v.alive for v in again.values())


def _never(url: str) -> Verdict:
    raise AssertionError(f"{url} should have come from the cache")


def test_a_damaged_cache_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "links.json"
    path.write_text("{not json", encoding="utf-8")
    assert not LinkCache(path).fresh("https://example.org/")


def test_a_broken_template_is_reported_not_raised(
    write_files: Callable[[dict[str, str]], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = {**SITE, "templates/404.html": "{% extends 'base.html' %}\n{% if %}\n"}
    result = run(write_files(broken), monkeypatch)
    assert result.exit_code == 1
    assert "templates/404.html:2:1: error: template error:" in result.stderr
    assert "Traceback" not in result.output


def occurrences_by_regex(text: str, url: str) -> list[tuple[int, int]]:
    """Where `text` writes `url`, found the plain way: a pattern for each URL."""
    places = []
    for match in re.finditer(re.escape(url), text):
        end = match.end()
        if end < len(text) and URL_END.match(text[end]):
            continue
        line = text.count("\n", 0, match.start()) + 1
        places.append((line, match.start() - (text.rfind("\n", 0, match.start()) + 1) + 1))
    return places


# Few characters, so that URLs overlap, run on into longer ones and end lines.
ALPHABET = "a/#)\n ,"


@given(st.data())
def test_links_are_found_where_a_pattern_would_find_them(data: st.DataObject) -> None:
    url = data.draw(st.text(alphabet=ALPHABET, max_size=4))
    pieces = st.one_of(st.just(url), st.text(alphabet=ALPHABET, max_size=2))
    text = "".join(data.draw(st.lists(pieces, max_size=8)))
    assert list(_occurrences(text, url)) == occurrences_by_regex(text, url)


@pytest.mark.parametrize(
    ("text", "url", "places"),
    [
        ("a/a/a )", "a/a", []),  # the second a/a overlaps the first: a pattern never sees it
        ("x a/\na/b a/,", "a/", [(1, 3), (2, 5)]),  # a/b is a longer URL
        ("ab", "", [(1, 3)]),  # an empty target: only the end is not followed by a URL
    ],
)
def test_tricky_places_of_links(text: str, url: str, places: list[tuple[int, int]]) -> None:
    assert list(_occurrences(text, url)) == occurrences_by_regex(text, url) == places
