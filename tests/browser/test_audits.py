"""Audits of every page kind in real Chromium: console, requests, axe-core (light and dark),
weight budget; the Nu HTML Checker over the whole site; Lighthouse; keyboard focus order."""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Literal

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from tests.browser.conftest import PageReport, SiteServer, describe_axe

Audit = Callable[[BrowserContext, list[str]], list[str]]
Scheme = Literal["light", "dark"]
KINDS = [
    "index", "overview", "stage", "skills", "workflow", "ladder", "concepts", "projects",
    "project", "guide", "all", "tags", "tag", "404", "search",
]
SECTIONS = {"skills", "workflow", "ladder", "concepts", "projects", "all"}
BUDGET = 200 * 1024
# Tag pages are half the site and one template listing cards of pages audited on their own:
# the largest few stand for the kind.
SAMPLED = {"tag": 5}
COLOUR_RULES = """() => axe.run(document, {
  runOnly: ['color-contrast', 'link-in-text-block'], resultTypes: ['violations']})"""
LIGHTHOUSE_PAGES = ["", "ml-engineer/", "ml-engineer/stages/monitoring-drift/"]
LIGHTHOUSE_GATED = ["accessibility", "best-practices", "seo"]


def kind_of(path: str) -> str:
    """The page kind of an HTML file, from its path in the built site."""
    parts = path.removesuffix("index.html").strip("/").split("/")
    match parts:
        case [""]:
            return "index"
        case ["404.html"]:
            return "404"
        case ["search"]:
            return "search"
        case ["tags"]:
            return "tags"
        case ["tags", _]:
            return "tag"
        case [_]:
            return "overview"
        case [_, section] if section in SECTIONS:
            return section
        case [_, "stages", _]:
            return "stage"
        case [_, "projects", _]:
            return "project"
        case [_, "guides", _]:
            return "guide"
    return "unknown"


def audited_pages(site: Path, kind: str) -> list[str]:
    """The pages of a kind that the audits visit: all, or the largest few for SAMPLED kinds."""
    paths = html_pages(site).get(kind, [])
    if kind not in SAMPLED:
        return paths
    size = {p: (site / p / "index.html").stat().st_size for p in paths}
    return sorted(sorted(paths, key=lambda p: -size[p])[: SAMPLED[kind]])


def largest_of_each_kind(site: Path) -> list[str]:
    """One page per kind, the largest: long pages hold the most kinds of content."""
    def size(path: str) -> int:
        file = site / path
        return (file / "index.html" if file.is_dir() else file).stat().st_size

    return [max(paths, key=size) for _, paths in sorted(html_pages(site).items())]


def html_pages(site: Path) -> dict[str, list[str]]:
    """Every HTML page of a built site as URL paths from its root, grouped by kind."""
    found: dict[str, list[str]] = {}
    for file in sorted(site.rglob("*.html")):
        path = file.relative_to(site).as_posix()
        found.setdefault(kind_of(path), []).append(path.removesuffix("index.html"))
    return found


def test_page_kinds_are_recognised() -> None:
    """The kind table itself: a page the audits cannot place would go unaudited."""
    assert kind_of("index.html") == "index"
    assert kind_of("ml-engineer/index.html") == "overview"
    assert kind_of("ml-engineer/stages/capstone/index.html") == "stage"
    assert kind_of("ml-engineer/projects/index.html") == "projects"
    assert kind_of("ml-engineer/projects/x/index.html") == "project"
    assert kind_of("tags/llm/index.html") == "tag"
    assert kind_of("ml-engineer/nowhere/else/index.html") == "unknown"


def test_every_page_has_a_known_kind(site_dir: Path) -> None:
    """Each built page is covered by one of the audited kinds, and each kind exists."""
    pages = html_pages(site_dir)
    assert "unknown" not in pages, f"pages of no known kind: {pages.get('unknown')}"
    missing = [k for k in KINDS if k not in pages and k != "search"]
    assert missing == []


# --- one pass of Chromium over every page, per colour scheme -----------------------------


@pytest.fixture(scope="module")
def light(browser: Browser) -> Iterator[BrowserContext]:
    """A browser context whose system colour scheme is light."""
    context = browser.new_context(color_scheme="light")
    yield context
    context.close()


@pytest.fixture(scope="module")
def dark(browser: Browser) -> Iterator[BrowserContext]:
    """A browser context whose system colour scheme is dark."""
    context = browser.new_context(color_scheme="dark")
    yield context
    context.close()


def audit(
    page: Page, report: PageReport, url: str, axe: Callable[[Page], list[dict[str, Any]]],
) -> list[str]:
    """Problems on one page (requests, console, axe, weight), reusing a watched page."""
    report.clear()
    page.goto(url, wait_until="load")
    problems = [*report.problems(), *describe_axe(axe(page))]
    weight = report.weight()
    if weight > BUDGET:
        problems.append(f"weighs {weight / 1024:.0f} KiB, over the {BUDGET // 1024} KiB budget")
    return problems


@pytest.fixture
def audited(
    request: pytest.FixtureRequest, watch_page: Callable[[Page], PageReport],
    run_axe: Callable[[Page], list[dict[str, Any]]],
) -> Iterator[Audit]:
    """audited(context, urls) -> problems of every page, each line starting with its URL."""
    opened: list[Page] = []

    def run(context: BrowserContext, urls: list[str]) -> list[str]:
        page = context.new_page()
        opened.append(page)
        report = watch_page(page)
        return [f"{url}: {line}" for url in urls for line in audit(page, report, url, run_axe)]

    yield run
    for page in opened:
        page.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("kind", KINDS)
def test_every_page_of_a_kind_passes_the_audits(
    kind: str, scheme: str, site_dir: Path, site_url: str, request: pytest.FixtureRequest,
    audited: Audit,
) -> None:
    """No console error, no failed or off-site request, no axe violation, under the budget."""
    paths = audited_pages(site_dir, kind)
    assert paths, f"the built site has no {kind} page"
    context: BrowserContext = request.getfixturevalue(scheme)
    problems = audited(context, [site_url + path for path in paths])
    assert problems == [], "\n".join(problems)


def test_the_audit_reports_each_kind_of_problem(
    tmp_path: Path, light: BrowserContext, audited: Audit,
) -> None:
    """The audit itself: a page with one of each problem yields one line for each."""
    filler = "<p>" + "words " * 40_000 + "</p>"  # 240 kB: over the budget
    (tmp_path / "index.html").write_text(
        '<!doctype html><html lang="en"><head><title>Bad</title>'
        '<link rel="icon" href="data:,"></head><body><main><h1>Bad</h1>'
        '<img src="missing.png" alt="missing"><img src="https://example.org/x.png" alt="far">'
        '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" width="1" height="1">'
        '<p style="color:#bbb;background:#fff">faint</p>'
        f'<script>console.error("boom")</script>{filler}</main></body></html>'
    )
    server = SiteServer(tmp_path)
    try:
        problems = audited(light, [server.url])
    finally:
        server.close()
    expected = [
        "console error: boom", "HTTP 404", "missing.png", "request left the site: https://example.org/x.png",
        "axe image-alt", "axe color-contrast", "over the 200 KiB budget",
    ]
    text = "\n".join(problems)
    assert [e for e in expected if e not in text] == [], text


def test_a_missing_page_answers_404_with_the_styled_404_page(
    page: Page, site_url: str, open_page: Callable[[Page, str], PageReport],
) -> None:
    """Served as GitHub Pages does: status 404, the site's page, its stylesheet loaded."""
    missing = site_url + "ml-engineer/stages/no-such-stage/"
    answer: list[int] = []
    page.on("response", lambda r: answer.append(r.status) if r.url == missing else None)
    report = open_page(page, missing)
    assert answer == [404]
    assert page.locator("h1").inner_text() == "Page not found"
    assert report.problems(allow={missing}) == []
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background not in {"rgba(0, 0, 0, 0)", "transparent"}, "the stylesheet did not load"


@pytest.mark.parametrize(("chosen", "system"), [("dark", "light"), ("light", "dark")])
def test_a_theme_chosen_against_the_system_one_keeps_its_contrast(
    chosen: Scheme, system: Scheme, browser: Browser, site_dir: Path, site_url: str,
    axe_script: Path,
) -> None:
    """The toggle's palettes (data-theme) are CSS apart from the system ones: check them too,
    with axe's colour rules on the largest page of each kind."""
    context = browser.new_context(color_scheme=system)
    context.add_init_script(f"localStorage.setItem('trekgen:theme', '{chosen}')")
    page = context.new_page()
    problems = []
    try:
        for path in largest_of_each_kind(site_dir):
            page.goto(site_url + path)
            assert page.evaluate("document.documentElement.dataset.theme") == chosen
            page.add_script_tag(path=str(axe_script))
            found = page.evaluate(COLOUR_RULES)
            problems += [f"/{path}: {line}" for line in describe_axe(found["violations"])]
    finally:
        context.close()
    assert problems == [], "\n".join(problems)


# --- the same under /trek/, as a GitHub Pages project site -------------------------------

SUBPATH_PAGES = [
    "", "ml-engineer/", "ml-engineer/stages/monitoring-drift/", "ml-engineer/all/",
    "ml-engineer/projects/mlops-pipeline/", "tags/", "tags/mlops/", "404.html", "search/",
]


def test_pages_under_a_subpath_pass_the_audits(
    light: BrowserContext, subpath_site_dir: Path, subpath_url: str,
    audited: Audit,
) -> None:
    """Served under /trek/, nothing points outside it: every request succeeds."""
    paths = [p for p in SUBPATH_PAGES if (subpath_site_dir / p).exists()]
    assert len(paths) >= len(SUBPATH_PAGES) - 1  # all but the search page, until it exists
    problems = audited(light, [subpath_url + path for path in paths])
    assert problems == [], "\n".join(problems)


def test_a_missing_page_under_a_subpath_links_back_into_it(
    page: Page, subpath_url: str, open_page: Callable[[Page, str], PageReport],
) -> None:
    """The 404 page is served at any depth, so its links and assets must start at /trek/."""
    missing = subpath_url + "a/deep/missing/page/"
    report = open_page(page, missing)
    assert report.problems(allow={missing}) == []
    home = page.get_by_role("link", name="All roadmaps")
    home.click()
    page.wait_for_load_state()
    assert page.url == subpath_url


# --- keyboard ----------------------------------------------------------------------------


def tab_through(page: Page, limit: int = 400) -> list[dict[str, Any]]:
    """Press Tab from the top of the page until focus wraps; what got focus, in order."""
    seen: list[dict[str, Any]] = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            """() => {
              const el = document.activeElement;
              if (!el || el === document.body) return null;
              const style = getComputedStyle(el);
              const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
              // A link of an SVG drawing shows focus with a ring drawn around its box instead.
              const ring = el.querySelector('.node-ring');
              const ringStyle = ring && getComputedStyle(ring);
              const drawn = !!ringStyle && ringStyle.stroke !== 'none'
                && parseFloat(ringStyle.strokeWidth) > 0;
              return {tag: el.tagName.toLowerCase(), cls: el.getAttribute('class') || '',
                      href: el.getAttribute('href') || el.getAttribute('xlink:href') || '',
                      text: (el.textContent || '').trim().slice(0, 80),
                      visible: outline || drawn};
            }"""
        )
        if focused is None or (seen and focused == seen[0]):
            break
        seen.append(focused)
    return seen


@pytest.mark.parametrize("where", ["root", "subpath"])
def test_keyboard_reaches_the_skip_link_then_every_stage_in_order(
    where: str, page: Page, request: pytest.FixtureRequest,
) -> None:
    """Tab from the top: the skip link first, then each stage link in order, focus visible
    (an outline wider than 0, or the drawn ring of a stage box in the roadmap drawing)."""
    base: str = request.getfixturevalue("site_url" if where == "root" else "subpath_url")
    page.goto(base + "ml-engineer/")
    stages = page.eval_on_selector_all(
        ".stage-list a", "links => links.map(a => a.getAttribute('href'))"
    )
    assert len(stages) == 13
    focused = tab_through(page)
    assert focused[0]["cls"] == "skip-link" and focused[0]["text"] == "Skip to content"
    reached = [f["href"] for f in focused if f["href"] in stages]
    first_visits = list(dict.fromkeys(reached))
    assert first_visits == stages
    invisible = [f for f in focused if not f["visible"]]
    assert invisible == [], f"focus without a visible outline or ring: {invisible}"


def test_the_skip_link_moves_focus_to_the_main_content(page: Page, site_url: str) -> None:
    """Activating the skip link lands on <main>, so the next Tab starts in the content."""
    page.goto(site_url + "ml-engineer/")
    page.keyboard.press("Tab")
    assert page.evaluate("getComputedStyle(document.activeElement).top") != "-48px"
    box = page.locator(".skip-link").bounding_box()
    assert box is not None and box["y"] >= 0, "the focused skip link is off screen"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


# --- the Nu HTML Checker, once over both builds ------------------------------------------


def test_the_nu_html_checker_finds_no_errors(
    java_bin: str, vnu_jar: Path, site_dir: Path, subpath_site_dir: Path, tmp_path: Path,
) -> None:
    """Valid HTML on every page of both builds; a known-bad page proves the checker looked."""
    canary = tmp_path / "canary.html"
    canary.write_text('<!doctype html><html lang="en"><title>x</title><p id="a"></p><p id="a"></p>')
    run = subprocess.run(
        [java_bin, "-jar", str(vnu_jar), "--errors-only", "--skip-non-html", "--format", "json",
         "--stdout", str(site_dir), str(subpath_site_dir), str(canary)],
        capture_output=True, text=True, check=False,
    )
    assert run.stdout.startswith("{"), f"the checker did not run:\n{run.stderr[-2000:]}"
    messages = json.loads(run.stdout)["messages"]
    errors = [
        f"{m.get('url', '').split('/site/', 1)[-1]}:{m.get('lastLine', '?')}: {m['message']}"
        for m in messages if m.get("type") in {"error", "non-document-error"}
    ]
    caught = [e for e in errors if "canary.html" in e]
    assert any("Duplicate ID" in e for e in caught), errors
    site_errors = [e for e in errors if "canary.html" not in e]
    assert site_errors == [], "\n".join(site_errors)


# --- Lighthouse --------------------------------------------------------------------------


def lighthouse(binary: Path, chromium: str, args: list[str], url: str) -> dict[str, Any]:
    """Lighthouse's report of one URL, in a throwaway Chromium profile."""
    with tempfile.TemporaryDirectory(prefix="trekgen-lighthouse-") as profile:
        flags = " ".join(["--headless=new", *args, f"--user-data-dir={profile}"])
        env = {**os.environ, "CHROME_PATH": chromium, "TMPDIR": profile}
        run = subprocess.run(
            [str(binary), url, f"--chrome-flags={flags}", "--output=json", "--output-path=stdout",
             "--only-categories=accessibility,best-practices,seo,performance", "--quiet"],
            capture_output=True, text=True, env=env, check=False,
        )
    assert run.returncode == 0, f"lighthouse failed on {url}:\n{run.stderr[-2000:]}"
    report: dict[str, Any] = json.loads(run.stdout)
    return report


def failed_audits(report: dict[str, Any], category: str) -> list[str]:
    """The audits that cost a category points, with their titles."""
    audits = report["audits"]
    refs = report["categories"][category]["auditRefs"]
    scored = [audits[ref["id"]] for ref in refs if ref["weight"] > 0]
    return [
        f"{a['id']}: {a['title']}" for a in scored
        if a["scoreDisplayMode"] in {"binary", "numeric", "metricSavings"} and (a["score"] or 0) < 1
    ]


def test_lighthouse_scores_100_for_accessibility_best_practices_and_seo(
    lighthouse_bin: Path, chromium_path: str, chromium_args: list[str], site_url: str,
    subpath_url: str, capsys: pytest.CaptureFixture[str],
) -> None:
    """The index, the ML overview and a stage, and the overview under /trek/; performance is
    printed, not gated (it varies on a shared two-core machine)."""
    urls = [site_url + p for p in LIGHTHOUSE_PAGES] + [subpath_url + LIGHTHOUSE_PAGES[1]]
    with ThreadPoolExecutor(max_workers=2) as pool:
        reports = list(
            pool.map(lambda u: lighthouse(lighthouse_bin, chromium_path, chromium_args, u), urls)
        )
    problems = []
    for url, report in zip(urls, reports, strict=True):
        scores = {k: round(v["score"] * 100) for k, v in report["categories"].items()}
        with capsys.disabled():  # the scores are worth seeing on every run, not only on failure
            print(f"\nlighthouse {url}: {scores}")
        for category in LIGHTHOUSE_GATED:
            if scores[category] < 100:
                problems += [f"{url} {category}: {a}" for a in failed_audits(report, category)]
    assert problems == [], "\n".join(problems)
