"""What search engines and link previews read: canonical URLs, meta tags, Open Graph, JSON-LD."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trekgen.build import build
from trekgen.seo import iso_duration, json_ld

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = ROOT / "roadmap"
BASE = "https://example.org/trek/"
DURATION = re.compile(r"P(\d+W|\d+D)")
OPEN_GRAPH = ("og:type", "og:site_name", "og:title", "og:description", "og:url", "og:image")
TWITTER = ("twitter:card", "twitter:title", "twitter:description", "twitter:image")


class Head(HTMLParser):
    """The <head> facts of a page: meta tags, <link>s and JSON-LD blocks."""

    def __init__(self) -> None:
        super().__init__()
        self.meta: dict[str, str] = {}
        self.links: dict[str, str] = {}
        self.jsonld: list[str] = []
        self._in_jsonld = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "meta" and ("property" in a or "name" in a):
            self.meta[a.get("property") or a["name"]] = a.get("content", "")
        elif tag == "link" and "rel" in a:
            self.links[a["rel"]] = a.get("href", "")
        elif tag == "script" and a.get("type") == "application/ld+json":
            self._in_jsonld = True
            self.jsonld.append("")

    def handle_endtag(self, tag: str) -> None:
        self._in_jsonld = self._in_jsonld and tag != "script"

    def handle_data(self, data: str) -> None:
        if self._in_jsonld:
            self.jsonld[-1] += data

    def structured(self) -> dict[str, dict[str, Any]]:
        """The JSON-LD objects by @type."""
        objects = [json.loads(text) for text in self.jsonld]
        return {o["@type"]: o for o in objects}


def head(path: Path) -> Head:
    parser = Head()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def html_pages(site: Path) -> Iterator[tuple[str, Path]]:
    """(URL path relative to the site root, file) of every HTML page."""
    for path in sorted(site.rglob("*.html")):
        relative = path.relative_to(site).as_posix()
        yield relative.removesuffix("index.html"), path


@pytest.fixture(scope="module")
def trek_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled site built for https://example.org/trek/."""
    out = tmp_path_factory.mktemp("seo") / "site"
    build(BUNDLED, out, base_url=BASE)
    return out


@pytest.fixture(scope="module")
def heads(trek_site: Path) -> dict[str, Head]:
    """The <head> of every page of `trek_site`, by URL path: parsed once."""
    return {url: head(path) for url, path in html_pages(trek_site)}


# --- JSON-LD is safe inside <script> ----------------------------------------------------


@given(st.dictionaries(st.text(), st.text() | st.integers() | st.lists(st.text())))
def test_json_ld_never_holds_a_tag_character_and_parses_back(data: dict[str, Any]) -> None:
    text = str(json_ld(data))
    assert not set(text) & {"<", ">", "&"}
    assert json.loads(text) == data


def test_json_ld_cannot_close_its_script_element() -> None:
    text = str(json_ld({"name": "</script><script>alert(1)</script><!--"}))
    assert "</" not in text and "<!--" not in text
    assert json.loads(text)["name"] == "</script><script>alert(1)</script><!--"


def test_a_hostile_title_stays_inside_the_json_ld(
    write_files: Callable[[dict[str, str]], Path],
) -> None:
    title = 'Evil </script><script>alert("x")</script> & co'
    root = write_files(
        {
            "roadmap/site.yaml": "title: Demo\ndescription: A demo.\nroadmaps: [demo]\n",
            "roadmap/demo/roadmap.yaml": (
                f"title: '{title}'\nsummary: Short.\nlevel: beginner\nupdated: 2026-01-15\n"
            ),
            "roadmap/demo/stages/01-start.md": (
                "---\ntitle: Start\nsummary: First.\nduration: 1 week\nlevel: beginner\n"
                "topics: [One]\n---\n## Why\n\nBecause.\n"
            ),
        }
    )
    build(root / "roadmap", root / "site")
    page = head(root / "site/demo/index.html")
    assert page.structured()["Course"]["name"] == title
    assert "<script>alert" not in (root / "site/demo/index.html").read_text()


# --- every page, built for a sub-path -----------------------------------------------------


def test_every_page_has_a_canonical_url_under_the_base(heads: dict[str, Head]) -> None:
    for url, page in heads.items():
        if url == "404.html":
            # An error page has no address of its own to recommend, and stays out of indexes.
            assert "canonical" not in page.links
            assert page.meta["robots"] == "noindex"
            continue
        assert page.links["canonical"] == BASE + url, url
        assert page.meta["og:url"] == BASE + url, url


def test_every_page_has_a_description_open_graph_and_a_twitter_card(
    heads: dict[str, Head],
) -> None:
    for url, page in heads.items():
        wanted = OPEN_GRAPH if url != "404.html" else tuple(k for k in OPEN_GRAPH if k != "og:url")
        missing = [k for k in (*wanted, *TWITTER, "description") if not page.meta.get(k)]
        assert missing == [], url
        assert page.meta["og:description"] == page.meta["description"]
        assert page.meta["og:image"] == BASE + "static/social.png"
        assert page.meta["twitter:card"] == "summary_large_image"


def test_the_preview_image_is_a_1200_by_630_png(trek_site: Path) -> None:
    data = (trek_site / "static/social.png").read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (1200, 630)


def test_every_page_links_its_feed(heads: dict[str, Head]) -> None:
    for url, page in heads.items():
        href = page.links["alternate"]
        assert urljoin(BASE + url, href) == BASE + "feed.xml", url


def test_every_json_ld_block_parses_and_names_schema_org(heads: dict[str, Head]) -> None:
    for url, page in heads.items():
        for text in page.jsonld:
            data = json.loads(text)
            assert data["@context"] == "https://schema.org", url


def test_every_inner_page_has_breadcrumbs_ending_at_itself(heads: dict[str, Head]) -> None:
    for url, page in heads.items():
        if url in {"", "404.html"}:
            continue
        items = page.structured()["BreadcrumbList"]["itemListElement"]
        assert [i["position"] for i in items] == list(range(1, len(items) + 1))
        assert items[0]["item"] == BASE
        assert items[-1]["item"] == BASE + url, url
        assert all(i["item"].startswith(BASE) for i in items)


def test_the_index_lists_the_roadmaps_in_order(trek_site: Path) -> None:
    data = head(trek_site / "index.html").structured()
    items = data["ItemList"]["itemListElement"]
    assert [i["url"] for i in items] == [BASE + "ml-engineer/", BASE + "ai-engineer/"]
    assert [i["position"] for i in items] == [1, 2]
    assert data["WebSite"]["url"] == BASE
    assert "BreadcrumbList" not in data


def test_an_overview_is_a_course_with_its_stages(trek_site: Path) -> None:
    course = head(trek_site / "ml-engineer/index.html").structured()["Course"]
    stages = sorted(p.name for p in (trek_site / "ml-engineer/stages").iterdir())
    assert course["name"] == "Machine Learning Engineer"
    assert course["educationalLevel"] == "intermediate to advanced"
    assert course["provider"] == {
        "@type": "Organization",
        "name": "trekgen roadmaps",
        "url": BASE,
    }
    assert DURATION.fullmatch(course["timeRequired"])
    parts = course["hasPart"]
    assert len(parts) == len(stages) == 13
    assert [p["position"] for p in parts] == list(range(1, 14))
    prefix = BASE + "ml-engineer/stages/"
    assert sorted(p["url"].removeprefix(prefix).strip("/") for p in parts) == stages
    assert all(DURATION.fullmatch(p["timeRequired"]) for p in parts)
    sections = course["syllabusSections"]
    assert sections[0]["name"] == "1. Math and programming foundations"
    assert len(sections) == 13
    assert course["dateModified"] == "2026-11-01"


def test_a_course_takes_the_middle_of_its_time_range(trek_site: Path) -> None:
    data = json.loads((trek_site / "ml-engineer/roadmap.json").read_text())
    low, high = data["total"]["low_weeks"], data["total"]["high_weeks"]
    course = head(trek_site / "ml-engineer/index.html").structured()["Course"]
    assert course["timeRequired"] == iso_duration(low, high)


def test_a_faq_becomes_an_faq_page_with_every_question(trek_site: Path) -> None:
    page = (trek_site / "ml-engineer/index.html").read_text()
    faq = head(trek_site / "ml-engineer/index.html").structured()["FAQPage"]["mainEntity"]
    shown = re.findall(r"<summary>(.*?)</summary>", page.split('id="faq"')[1])
    assert len(faq) == len(shown) > 0
    assert all(q["@type"] == "Question" and q["acceptedAnswer"]["text"] for q in faq)


def test_only_a_roadmap_with_a_faq_gets_an_faq_page(
    trek_site: Path, heads: dict[str, Head]
) -> None:
    has_faq = 'id="faq"' in (trek_site / "ai-engineer/index.html").read_text()
    structured = head(trek_site / "ai-engineer/index.html").structured()
    assert ("FAQPage" in structured) == has_faq
    assert "Course" in structured
    for url, page in heads.items():
        if not url.endswith("-engineer/"):
            assert "FAQPage" not in page.structured(), url


# --- without a base URL ----------------------------------------------------------------


def test_without_a_base_url_nothing_claims_an_absolute_address(bundled_site: Path) -> None:
    page = head(bundled_site / "ml-engineer/stages/feature-engineering/index.html")
    assert "canonical" not in page.links
    assert "og:url" not in page.meta and "og:image" not in page.meta
    assert page.meta["og:title"] == "Feature engineering and data preparation"
    assert page.meta["twitter:card"] == "summary"


def test_without_a_base_url_json_ld_links_are_relative_and_resolve(bundled_site: Path) -> None:
    for url, path in html_pages(bundled_site):
        if url == "404.html":
            continue
        for data in head(path).structured().values():
            for link in re.findall(r'"(?:url|item)": "([^"]*)"', json.dumps(data)):
                assert "://" not in link, (url, link)
                target = urljoin("/" + url, link).lstrip("/")
                assert (bundled_site / target / "index.html").is_file(), (url, link)


# --- a roadmap's own preview image ---------------------------------------------------------


def test_a_roadmap_may_have_its_own_preview_image(
    write_files: Callable[[dict[str, str]], Path],
) -> None:
    root = write_files(
        {
            "roadmap/site.yaml": (
                "title: Demo\ndescription: A demo.\nbase_url: https://example.org/\n"
                "roadmaps: [demo]\n"
            ),
            "roadmap/demo/roadmap.yaml": (
                "title: Demo\nsummary: Short.\nlevel: beginner\nupdated: 2026-01-15\n"
            ),
            "roadmap/demo/stages/01-start.md": (
                "---\ntitle: Start\nsummary: First.\nduration: 1 week\nlevel: beginner\n"
                "topics: [One]\n---\n## Why\n\nBecause.\n"
            ),
            "static/social/demo.png": "not really a PNG, but only its name matters here",
        }
    )
    build(root / "roadmap", root / "site")
    own = "https://example.org/static/social/demo.png"
    assert head(root / "site/demo/stages/start/index.html").meta["og:image"] == own
    assert (
        head(root / "site/index.html").meta["og:image"] == "https://example.org/static/social.png"
    )
    assert (root / "site/static/social/demo.png").is_file()


# --- pure helpers ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [
        (4, 6, "P5W"),
        (3, 4, "P25D"),
        (1, 1, "P1W"),
        (1 / 7, 1 / 7, "P1D"),
        (0.01, 0.01, "P1D"),
        (40, 50, "P45W"),
    ],
)
def test_iso_duration_is_the_middle_of_the_range(low: float, high: float, expected: str) -> None:
    assert iso_duration(low, high) == expected
