"""Publishing: the Pages workflow, the pre-commit hook, sub-paths, feed, sitemap, caching, bytes."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
import yaml
from click.testing import CliRunner

from tests.browser.conftest import SiteServer
from trekgen.build import build
from trekgen.cli import main

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = ROOT / "roadmap"
WORKFLOW = ROOT / ".github/workflows/pages.yml"
HOOKS = ROOT / ".pre-commit-hooks.yaml"
ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
HASHED = re.compile(r"(?P<stem>.+)\.(?P<hash>[0-9a-f]{8})\.(?P<ext>css|js)")
RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")

Files = dict[str, str]

SITE: Files = {
    "roadmap/site.yaml": "title: Demo\ndescription: A demo site.\nroadmaps: [demo]\n",
    "roadmap/demo/roadmap.yaml": (
        "title: Demo roadmap\nsummary: A short roadmap.\nlevel: beginner\nupdated: 2026-01-15\n"
    ),
    "roadmap/demo/stages/01-start.md": (
        "---\ntitle: Start\nsummary: The first stage.\nduration: 1-2 weeks\nlevel: beginner\n"
        "topics: [One]\nupdated: 2026-03-01\n---\n## Why\n\nBecause.\n"
    ),
    "roadmap/demo/stages/02-next.md": (
        "---\ntitle: Next\nsummary: The second stage.\nduration: 2 weeks\nlevel: beginner\n"
        "topics: [Two]\n---\n## How\n\nLike this.\n"
    ),
}


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` with its bytes."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


# --- the GitHub Pages workflow ----------------------------------------------------------


def check_jsonschema(path: Path) -> subprocess.CompletedProcess[str]:
    """check-jsonschema with its vendored GitHub workflow schema (no network)."""
    command = [sys.executable, "-m", "check_jsonschema", "--builtin-schema"]
    return subprocess.run(
        [*command, "vendor.github-workflows", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )


def workflow() -> dict[Any, Any]:
    data: dict[Any, Any] = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    return data


def steps(job: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = workflow()["jobs"][job]["steps"]
    return found


def test_the_workflow_validates_against_the_github_workflow_schema() -> None:
    result = check_jsonschema(WORKFLOW)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_schema_check_catches_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / "pages.yml"
    broken.write_text(WORKFLOW.read_text().replace("runs-on:", "runs_on:"), encoding="utf-8")
    assert check_jsonschema(broken).returncode != 0


def test_the_workflow_runs_on_pushes_to_main_and_by_hand() -> None:
    triggers = workflow()[True]  # YAML 1.1 reads the key `on` as true
    assert triggers["push"] == {"branches": ["main"]}
    assert "workflow_dispatch" in triggers


def test_the_workflow_asks_for_the_least_permissions() -> None:
    data = workflow()
    assert data["permissions"] == {}
    assert data["jobs"]["build"]["permissions"] == {"contents": "read", "pages": "read"}
    assert data["jobs"]["deploy"]["permissions"] == {"pages": "write", "id-token": "write"}
    checkout = next(s for s in steps("build") if s.get("uses", "").startswith("actions/checkout"))
    assert checkout["with"]["persist-credentials"] is False


def test_the_workflow_deploys_one_at_a_time() -> None:
    assert workflow()["concurrency"] == {"group": "pages", "cancel-in-progress": False}


def test_every_action_is_pinned_to_a_major_version() -> None:
    used = [s["uses"] for job in ("build", "deploy") for s in steps(job) if "uses" in s]
    assert {u.split("@")[0] for u in used} == {
        "actions/checkout",
        "actions/setup-python",
        "actions/configure-pages",
        "actions/upload-pages-artifact",
        "actions/deploy-pages",
    }
    assert all(re.fullmatch(r"[\w-]+/[\w-]+@v\d+", u) for u in used), used


def test_the_workflow_checks_then_builds_for_the_pages_url() -> None:
    build_steps = steps("build")
    runs = [s.get("run", "") for s in build_steps]
    check = next(i for i, r in enumerate(runs) if r.startswith("trekgen check"))
    make = next(i for i, r in enumerate(runs) if r.startswith("trekgen build"))
    pages = next(i for i, s in enumerate(build_steps) if s.get("id") == "pages")
    upload = next(
        i for i, s in enumerate(build_steps) if "upload-pages-artifact" in s.get("uses", "")
    )
    assert check < make < upload and pages < make
    assert build_steps[make]["env"]["BASE_URL"] == "${{ steps.pages.outputs.base_url }}"
    assert '--base-url "${BASE_URL%/}/"' in runs[make]
    assert "--out site" in runs[make] and build_steps[upload]["with"]["path"] == "site"
    deploy = workflow()["jobs"]["deploy"]
    assert deploy["needs"] == "build"
    assert deploy["environment"]["name"] == "github-pages"


def test_the_workflow_builds_a_site_that_its_command_line_accepts(tmp_path: Path) -> None:
    # The same command line as the workflow, with the value configure-pages gives a project site.
    run = next(s for s in steps("build") if s.get("run", "").startswith("trekgen build"))
    args = run["run"].split()[2:]
    args[args.index('"${BASE_URL%/}/"')] = "https://user.github.io/repo/"
    args[args.index("site")] = str(tmp_path / "site")
    result = CliRunner().invoke(main, ["build", "--source", str(BUNDLED), *args])
    assert result.exit_code == 0, result.output
    assert "https://user.github.io/repo/sitemap.xml" in (tmp_path / "site/robots.txt").read_text()


# --- the pre-commit hook -------------------------------------------------------------------


def test_the_pre_commit_manifest_is_valid_and_runs_trekgen_check() -> None:
    from pre_commit.clientlib import load_manifest

    (hook,) = load_manifest(str(HOOKS))
    assert hook["id"] == "trekgen-check"
    assert hook["entry"] == "trekgen check"
    assert hook["language"] == "python"  # pre-commit installs trekgen from this repository
    assert hook["pass_filenames"] is False  # one run checks every reference at once
    assert re.match(hook["files"], "roadmap/ml-engineer/stages/01-math.md")


@pytest.mark.parametrize(("broken", "code"), [(False, 0), (True, 1)])
def test_the_hook_entry_passes_good_content_and_fails_bad(
    broken: bool, code: int, copy_bundled: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (hook,) = yaml.safe_load(HOOKS.read_text(encoding="utf-8"))
    if broken:
        stage = copy_bundled / "ml-engineer/stages/03-feature-engineering.md"
        stage.write_text(stage.read_text().replace("duration:", "duration: soon\nx:", 1))
    monkeypatch.chdir(copy_bundled.parent)
    entry = shutil.which(hook["entry"].split()[0], path=str(Path(sys.executable).parent))
    assert entry is not None
    result = subprocess.run(
        [entry, *hook["entry"].split()[1:]], capture_output=True, text=True, check=False
    )
    assert result.returncode == code, result.stderr


# --- every link works under a sub-path and at a domain root ------------------------------------


class Links(HTMLParser):
    """The link targets of a page and the ids it defines."""

    ATTRIBUTES = frozenset({"href", "src", "action", "data-index"})

    def __init__(self) -> None:
        super().__init__()
        self.targets: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v for k, v in attrs if v is not None}
        self.targets += [v for k, v in a.items() if k in self.ATTRIBUTES]
        self.targets += [part.split()[0] for part in a.get("srcset", "").split(",") if part.strip()]
        if a.get("property") in {"og:url", "og:image"} or a.get("name") == "twitter:image":
            self.targets.append(a["content"])
        if "id" in a:
            self.ids.add(a["id"])


@dataclass
class Crawl:
    """A crawl of a served site: what answered, and every problem found."""

    public: str  # the base URL the site was built for
    local: str  # where it is served here
    pages: dict[str, set[str]] = field(default_factory=dict)  # page URL -> its ids
    fetched: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    anchors: list[tuple[str, str, str]] = field(default_factory=list)

    def resolve(self, target: str, where: str) -> str | None:
        """The local URL of an internal link, or None for one that leaves the site."""
        if target.startswith(self.public):
            target = self.local + target.removeprefix(self.public)
        url = urljoin(where, target)
        parts, home = urlsplit(url), urlsplit(self.local)
        if parts.scheme not in {"http", "https"} or parts.netloc != home.netloc:
            if urlsplit(self.public).netloc == parts.netloc:
                self.problems.append(f"{where}: {target} is outside the base URL")
            return None
        if not parts.path.startswith(home.path):
            self.problems.append(f"{where}: {target} resolves outside {home.path}")
        return url

    def visit(self, url: str) -> None:
        """Fetch `url` and everything it links to, once each."""
        queue = [url]
        while queue:
            current = queue.pop()
            if current in self.fetched:
                continue
            status, kind, body = fetch(current)
            self.fetched[current] = status
            for target in self.targets(current, kind, body):
                resolved = self.resolve(target, current)
                if resolved is None:
                    continue
                address, fragment = urldefrag(resolved)
                if fragment:
                    self.anchors.append((current, address, fragment))
                queue.append(address)

    def targets(self, url: str, kind: str, body: bytes) -> list[str]:
        text = body.decode("utf-8", "replace")
        if kind == "text/html":
            parser = Links()
            parser.feed(text)
            self.pages[url] = parser.ids
            return parser.targets
        if kind == "text/css":
            return [t.strip("'\"") for t in re.findall(r"url\(([^)]+)\)", text)]
        if url.endswith((".xml", ".txt")):
            found = re.findall(r"<loc>([^<]+)<|href=\"([^\"]+)\"|^Sitemap: (\S+)", text, re.M)
            return ["".join(groups) for groups in found]  # one group matched in each
        return []


def fetch(url: str) -> tuple[int, str, bytes]:
    """Status, media type and body of a GET."""
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            kind = answer.headers.get_content_type()
            return answer.status, kind, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get_content_type(), error.read()


@pytest.fixture(params=["https://example.org/trek/", "https://example.org/"], ids=["trek", "root"])
def served(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str, Path]]:
    """(public base URL, local URL, folder) of the bundled site built for the base and served."""
    public: str = request.param
    folder = tmp_path / "site"
    build(BUNDLED, folder, base_url=public)
    server = SiteServer(folder, urlsplit(public).path)
    yield public, server.url, folder
    server.close()


def crawl(public: str, local: str, start: str) -> Crawl:
    """Everything reachable from `start`."""
    found = Crawl(public, local)
    found.visit(start)
    return found


def test_every_internal_link_resolves_under_the_base(served: tuple[str, str, Path]) -> None:
    public, local, folder = served
    found = crawl(public, local, local)
    for extra in ("sitemap.xml", "robots.txt", "feed.xml"):
        found.visit(local + extra)
    assert found.problems == []
    failed = {url: status for url, status in found.fetched.items() if status != 200}
    assert failed == {}
    built = {
        local + p.relative_to(folder).as_posix().removesuffix("index.html")
        for p in folder.rglob("*.html")
    }
    assert built - set(found.pages) == {local + "404.html"}  # every page is reachable
    assert any("/search/index.json?" in u for u in found.fetched)  # the search page's index
    assert any(re.search(r"/static/trekgen\.[0-9a-f]{8}\.css$", u) for u in found.fetched)


def test_every_in_page_anchor_exists(served: tuple[str, str, Path]) -> None:
    public, local, _ = served
    found = crawl(public, local, local)
    missing = [
        f"{page} -> {target}#{anchor}"
        for page, target, anchor in found.anchors
        if target in found.pages and anchor not in found.pages[target]
    ]
    assert missing == []


def test_the_404_page_works_at_any_depth(served: tuple[str, str, Path]) -> None:
    public, local, _ = served
    deep = local + "no/such/deep/page/"
    status, kind, body = fetch(deep)
    assert (status, kind) == (404, "text/html")
    assert b"Page not found" in body
    found = crawl(public, local, deep)
    assert found.problems == []
    assert {u: s for u, s in found.fetched.items() if s != 200} == {deep: 404}
    assert local + "ml-engineer/" in found.pages


# --- feed, sitemap, robots, .nojekyll ------------------------------------------------------


@pytest.fixture
def demo(write_files: Callable[[Files], Path]) -> Path:
    """A small site whose first stage has its own date."""
    return write_files(SITE)


def feed(site: Path) -> ET.Element:
    return ET.parse(site / "feed.xml").getroot()


def entries(site: Path) -> list[dict[str, str]]:
    """Each Atom entry's id, title, updated, link and summary."""
    found = []
    for entry in feed(site).iter(f"{ATOM}entry"):
        values = {child.tag.removeprefix(ATOM): (child.text or "") for child in entry}
        link = entry.find(f"{ATOM}link")
        assert link is not None
        found.append({**values, "link": link.get("href", "")})
    return found


def test_the_feed_is_atom_with_every_required_element(trek_site: Path) -> None:
    root = feed(trek_site)
    assert root.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated", "author/{ns}name", "link"):
        element = root.find(f"{ATOM}" + name.format(ns=ATOM))
        assert element is not None and (element.text or element.get("href")), name
    self_link = root.find(f"{ATOM}link[@rel='self']")
    assert self_link is not None and self_link.get("href") == TREK + "feed.xml"
    assert RFC3339.fullmatch(root.findtext(f"{ATOM}updated") or "")
    found = entries(trek_site)
    assert len(found) == 13 + 6 + 2  # a stage each, and a roadmap each
    for entry in found:
        assert entry["id"].startswith("urn:uuid:") and entry["title"] and entry["summary"]
        assert RFC3339.fullmatch(entry["updated"])
        assert entry["link"].startswith(TREK)
    assert len({e["id"] for e in found}) == len(found)


def test_feed_dates_come_from_the_content(demo: Path) -> None:
    build(demo / "roadmap", demo / "site")
    dated = {e["title"]: e["updated"][:10] for e in entries(demo / "site")}
    assert dated == {
        "Demo roadmap": "2026-03-01",  # its latest change: the first stage's date
        "Demo roadmap, stage 1: Start": "2026-03-01",
        "Demo roadmap, stage 2: Next": "2026-01-15",  # no date of its own: the roadmap's
    }
    newest_first = [e["updated"][:10] for e in entries(demo / "site")]
    assert newest_first == sorted(dated.values(), reverse=True)


def test_feed_links_without_a_base_url_resolve_from_the_feed(demo: Path) -> None:
    build(demo / "roadmap", demo / "site")
    for entry in entries(demo / "site"):
        assert (demo / "site" / entry["link"] / "index.html").is_file(), entry["link"]


def test_feed_ids_are_stable_and_change_with_an_update(demo: Path) -> None:
    build(demo / "roadmap", demo / "one")
    build(demo / "roadmap", demo / "two")
    first = {e["title"]: e["id"] for e in entries(demo / "one")}
    assert first == {e["title"]: e["id"] for e in entries(demo / "two")}
    stage = demo / "roadmap/demo/stages/02-next.md"
    stage.write_text(stage.read_text().replace("topics:", "updated: 2026-02-01\ntopics:"))
    build(demo / "roadmap", demo / "three")
    third = {e["title"]: e["id"] for e in entries(demo / "three")}
    changed = {title for title in first if first[title] != third[title]}
    assert changed == {"Demo roadmap, stage 2: Next"}


def test_feed_ids_do_not_depend_on_the_domain(demo: Path) -> None:
    build(demo / "roadmap", demo / "one", base_url="https://one.example/")
    build(demo / "roadmap", demo / "two", base_url="https://two.example/docs/")
    assert [e["id"] for e in entries(demo / "one")] == [e["id"] for e in entries(demo / "two")]


TREK = "https://example.org/trek/"


@pytest.fixture(scope="module")
def trek_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled site built for https://example.org/trek/."""
    out = tmp_path_factory.mktemp("publishing") / "site"
    build(BUNDLED, out, base_url=TREK)
    return out


def test_the_sitemap_lists_every_page_under_the_base(trek_site: Path) -> None:
    root = ET.parse(trek_site / "sitemap.xml").getroot()
    urls = [
        (u.findtext(f"{SITEMAP}loc") or "", u.findtext(f"{SITEMAP}lastmod") or "") for u in root
    ]
    locs = [loc for loc, _ in urls]
    assert all(loc.startswith(TREK) for loc in locs)
    assert len(set(locs)) == len(locs)
    pages = {
        TREK + p.relative_to(trek_site).as_posix().removesuffix("index.html")
        for p in trek_site.rglob("*.html")
    }
    # The 404 page has no address, and search results are not worth indexing.
    assert pages - set(locs) == {TREK + "404.html", TREK + "search/"}
    assert set(locs) <= pages
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d", lastmod) for _, lastmod in urls)


def test_sitemap_dates_come_from_the_content(demo: Path) -> None:
    build(demo / "roadmap", demo / "site", base_url="https://example.org/")
    root = ET.parse(demo / "site/sitemap.xml").getroot()
    lastmod = {u.findtext(f"{SITEMAP}loc"): u.findtext(f"{SITEMAP}lastmod") for u in root}
    assert lastmod["https://example.org/demo/stages/start/"] == "2026-03-01"
    assert lastmod["https://example.org/demo/stages/next/"] == "2026-01-15"
    assert lastmod["https://example.org/demo/"] == "2026-03-01"
    assert lastmod["https://example.org/"] == "2026-03-01"


def test_robots_txt_points_at_the_sitemap(trek_site: Path) -> None:
    lines = (trek_site / "robots.txt").read_text().splitlines()
    assert "User-agent: *" in lines
    assert f"Sitemap: {TREK}sitemap.xml" in lines


def test_nojekyll_is_written(trek_site: Path) -> None:
    assert (trek_site / ".nojekyll").read_bytes() == b""


# --- caching: content-hashed CSS and JS ----------------------------------------------------


def test_css_and_js_names_carry_their_content_hash(trek_site: Path) -> None:
    static = sorted((trek_site / "static").rglob("*"))
    scripts = [p for p in static if p.suffix in {".css", ".js"}]
    assert any(p.suffix == ".css" for p in scripts)
    for path in scripts:
        match = HASHED.fullmatch(path.name)
        assert match, path.name
        assert match["hash"] == hashlib.sha256(path.read_bytes()).hexdigest()[:8]
    assert (trek_site / "static/favicon.svg").is_file()  # other files keep their names
    assert (trek_site / "static/social.png").is_file()


def test_pages_refer_to_the_hashed_files(trek_site: Path) -> None:
    for page in trek_site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        refs = re.findall(r'(?:href|src)="([^"]+\.(?:css|js))"', text)
        assert refs, page
        for ref in refs:
            assert HASHED.fullmatch(ref.rsplit("/", 1)[-1]), (page, ref)


def test_a_changed_stylesheet_gets_a_new_name(demo: Path) -> None:
    build(demo / "roadmap", demo / "before")
    (demo / "static").mkdir()
    theme_css = ROOT / "static/trekgen.css"
    (demo / "static/trekgen.css").write_text(theme_css.read_text() + "\n/* changed */\n")
    build(demo / "roadmap", demo / "after")
    before = {p.name for p in (demo / "before/static").iterdir()}
    after = {p.name for p in (demo / "after/static").iterdir()}
    assert len(before - after) == 1 and len(after - before) == 1
    (old,), (new,) = before - after, after - before
    assert old.startswith("trekgen.") and new.startswith("trekgen.") and new.endswith(".css")
    assert new in (demo / "after/index.html").read_text()


# --- reproducible ----------------------------------------------------------------------------


def cli_build(out: Path, extra_env: dict[str, str]) -> None:
    env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    command = [sys.executable, "-m", "trekgen", "build", "--out", str(out)]
    command += ["--base-url", TREK]
    result = subprocess.run(
        command, cwd=ROOT, env={**env, **extra_env}, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


@pytest.fixture(scope="module")
def two_builds(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The bundled site built twice from the command line: other hash seeds, other clocks."""
    folder = tmp_path_factory.mktemp("reproducible")
    cli_build(folder / "one", {"PYTHONHASHSEED": "1"})
    cli_build(folder / "two", {"PYTHONHASHSEED": "2", "SOURCE_DATE_EPOCH": "1700000000"})
    return folder / "one", folder / "two"


def test_two_builds_are_byte_identical_whatever_the_clock_and_hash_seed(
    two_builds: tuple[Path, Path],
) -> None:
    one, two = (snapshot(folder) for folder in two_builds)
    assert one.keys() == two.keys()
    assert [name for name in one if one[name] != two[name]] == []


def test_source_date_epoch_sets_every_file_time(two_builds: tuple[Path, Path]) -> None:
    times = {int(p.stat().st_mtime) for p in two_builds[1].rglob("*")}
    assert times == {1700000000}


@pytest.mark.parametrize("value", ["yesterday", "-5", "1.5"])
def test_a_bad_source_date_epoch_is_a_usage_error(
    value: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", value)
    result = CliRunner().invoke(
        main, ["build", "--source", str(BUNDLED), "--out", str(tmp_path / "site")]
    )
    assert result.exit_code == 2
    assert "SOURCE_DATE_EPOCH: expected whole seconds since 1970" in result.stderr
    assert not (tmp_path / "site").exists()


@pytest.mark.parametrize("value", ["example.org/trek/", "/trek/", "ftp://example.org/", "https://"])
def test_a_base_url_must_be_http(value: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main,
        ["build", "--source", str(BUNDLED), "--out", str(tmp_path / "site"), "--base-url", value],
    )
    assert result.exit_code == 2
    assert "--base-url: expected a URL like https://user.github.io/repo/" in result.stderr


def test_a_base_url_gets_its_trailing_slash(tmp_path: Path) -> None:
    out = tmp_path / "site"
    build(BUNDLED, out, base_url="https://example.org/trek")
    assert (
        '<link rel="canonical" href="https://example.org/trek/ml-engineer/">'
        in (out / "ml-engineer/index.html").read_text()
    )
