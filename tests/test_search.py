"""The search index and page: what goes in, the weights, anchors that resolve, determinism."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from trekgen import search
from trekgen.build import build, check
from trekgen.search import WEIGHTS, Index, fingerprint, html_sections, search_index

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = ROOT / "roadmap"
MONITORING = "ml-engineer/stages/monitoring-drift/"

TINY: dict[str, str] = {
    "roadmap/site.yaml": "title: Démo\ndescription: Un site.\nlanguage: fr\nroadmaps: [demo]\n",
    "roadmap/demo/roadmap.yaml": (
        "title: Demo <b>roadmap</b>\nsummary: A short roadmap.\n"
        "level: beginner\nupdated: 2026-01-15\n"
    ),
    "roadmap/demo/stages/01-start.md": (
        "---\ntitle: Start </script> here\nsummary: The first stage.\nduration: 1-2 weeks\n"
        "level: beginner\ntopics: [Café crème]\n---\n"
        "Before any heading.\n\n## Why it matters\n\nBecause **zebras** matter.\n\n"
        "### Deeper\n\nStill deeper.\n\n#### Not anchored\n\nStays in Deeper.\n"
    ),
}


@pytest.fixture(scope="module")
def index() -> dict[str, Any]:
    site, _ = check(BUNDLED)
    data: dict[str, Any] = json.loads(search_index(site))
    return data


@pytest.fixture(scope="module")
def by_url(index: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {page["url"]: page for page in index["pages"]}


def html_files(site: Path) -> list[str]:
    return sorted(p.relative_to(site).as_posix() for p in site.rglob("index.html"))


def test_every_stage_project_guide_and_section_page_is_in_and_nothing_else(
    bundled_site: Path, by_url: dict[str, dict[str, Any]]
) -> None:
    pages = {f.removesuffix("index.html") for f in html_files(bundled_site)}
    left_out = {p for p in pages if re.search(r"^(tags/|search/|$)|/all/$|/projects/$", p)}
    assert set(by_url) == pages - left_out
    assert "ml-engineer/guides/from-notebook-to-production/" in by_url
    assert len([u for u in by_url if "/stages/" in u]) == 13 + 6


def test_a_stage_brings_its_fields_and_its_sections(by_url: dict[str, dict[str, Any]]) -> None:
    page = by_url[MONITORING]
    assert page["title"] == "Model monitoring and drift detection"
    assert (page["kind"], page["roadmap"]) == ("Stage 10", "Machine Learning Engineer")
    assert page["tags"] == ["Monitoring", "Drift Detection", "Production"]
    assert "Concept drift and performance decay when labels arrive late" in page["topics"]
    ids = [s[0] for s in page["sections"]]
    assert ids[:3] == ["outcomes", "why-it-matters", "kinds-of-change"]
    assert ids[-1] == "resources"
    kinds = dict((s[0], s) for s in page["sections"])["kinds-of-change"]
    assert kinds[1] == "Kinds of change"
    assert "Data (covariate) drift" in kinds[2]  # table cells are searchable text
    assert "Evidently documentation" in dict((s[0], s[2]) for s in page["sections"])["resources"]


def test_yaml_sections_are_split_at_their_anchors(by_url: dict[str, dict[str, Any]]) -> None:
    skills = by_url["ml-engineer/skills/"]
    assert skills["kind"] == "Skill map"
    assert any(s[0] == "mlops" and "drift" in s[2] for s in skills["sections"])
    assert next(s[0] for s in by_url["ml-engineer/workflow/"]["sections"]) == "frame"
    overview = {s[0] for s in by_url["ml-engineer/"]["sections"]}
    assert {"faq", "tools", "careers", "role", "resources"} <= overview


def test_every_anchor_in_the_index_is_an_id_on_its_page(
    bundled_site: Path, index: dict[str, Any]
) -> None:
    missing = []
    for page in index["pages"]:
        html = (bundled_site / page["url"] / "index.html").read_text(encoding="utf-8")
        ids = set(re.findall(r'\bid="([^"]+)"', html))
        missing += [f"{page['url']}#{s[0]}" for s in page["sections"] if s[0] and s[0] not in ids]
    assert missing == []


def test_weights_rank_title_first_and_body_last(index: dict[str, Any]) -> None:
    weights = index["weights"]
    assert weights == WEIGHTS
    assert set(weights) == {"title", "topics", "headings", "tags", "summary", "body"}
    assert max(weights, key=weights.__getitem__) == "title"
    assert min(weights, key=weights.__getitem__) == "body"
    assert weights["topics"] > weights["summary"] and weights["headings"] > weights["summary"]


def test_english_sites_ship_stopwords(index: dict[str, Any]) -> None:
    assert {"the", "how", "to"} <= set(index["stopwords"])
    assert "drift" not in index["stopwords"]


def test_markdown_is_split_at_anchored_h2_and_h3_only() -> None:
    html = (
        "<p>Intro &amp; more.</p>\n"
        '<h2 id="why">Why <code>it</code> <a class="anchor" href="#why">#</a></h2>\n'
        "<p>Because.</p><ul><li>one</li><li>two</li></ul>\n"
        "<h3>No id</h3><p>Same part.</p>\n"
        '<h3 id="deeper">Deeper</h3><h4 id="x">Small</h4><p>Text.</p>'
    )
    sections = [(s.id, s.heading, s.text) for s in html_sections(html)]
    assert sections == [
        ("", "", "Intro & more."),
        ("why", "Why it", "Because. one. two. No id. Same part."),
        ("deeper", "Deeper", "Small. Text."),
    ]


def test_a_tiny_site_is_indexed_as_text_and_without_english_stopwords(
    write_files: Callable[[dict[str, str]], Path],
) -> None:
    site_dir = write_files(TINY) / "site"
    build(site_dir.parent / "roadmap", site_dir)
    raw = (site_dir / "search" / "index.json").read_bytes()
    data = json.loads(raw)
    assert data["stopwords"] == []
    stage = next(p for p in data["pages"] if p["url"] == "demo/stages/start/")
    assert stage["title"] == "Start </script> here"  # text, never markup: the page shows it as text
    assert stage["topics"] == ["Café crème"]
    assert [s[:2] for s in stage["sections"]] == [
        ["", ""],
        ["why-it-matters", "Why it matters"],
        ["deeper", "Deeper"],
    ]
    assert stage["sections"][2][2] == "Still deeper. Not anchored. Stays in Deeper."
    assert "Café".encode() in raw  # UTF-8 as is, not \\u escapes: smaller
    # Written entry by entry, it is still the one compact text a single encoding would give.
    compact = json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n"
    assert raw == compact.encode("utf-8")


class _Form(HTMLParser):
    """The forms, inputs and labels of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def tags_of(path: Path, name: str) -> list[dict[str, str | None]]:
    parser = _Form()
    parser.feed(path.read_text(encoding="utf-8"))
    return [attrs for tag, attrs in parser.tags if tag == name]


def test_search_page_has_a_labelled_get_form_and_a_versioned_index(bundled_site: Path) -> None:
    page = bundled_site / "search" / "index.html"
    forms = tags_of(page, "form")
    assert [(f["action"], f["method"], f["role"]) for f in forms] == [("./", "get", "search")]
    (box,) = [i for i in tags_of(page, "input") if i.get("type") == "search"]
    assert box["name"] == "q" and box["id"] in {lb["for"] for lb in tags_of(page, "label")}
    (status,) = [p for p in tags_of(page, "p") if p.get("id") == "search-status"]
    assert status["role"] == "status"
    (results,) = tags_of(page, "ol")[-1:]
    index = (bundled_site / "search" / "index.json").read_bytes()
    assert results["data-index"] == f"index.json?v={fingerprint(index)}"
    assert results["data-root"] == "../"


@pytest.mark.parametrize(
    ("page", "action"),
    [
        ("index.html", "search/"),
        (MONITORING + "index.html", "../../../search/"),
        ("404.html", "/search/"),
    ],
)
def test_every_page_has_a_header_search_form_to_the_search_page(
    bundled_site: Path, page: str, action: str
) -> None:
    forms = [
        f for f in tags_of(bundled_site / page, "form") if "header-search" in (f["class"] or "")
    ]
    assert [(f["action"], f["method"]) for f in forms] == [(action, "get")]
    boxes = [i for i in tags_of(bundled_site / page, "input") if i.get("name") == "q"]
    assert [(b["type"], b["aria-keyshortcuts"]) for b in boxes] == [("search", "/")]


def test_under_a_sub_path_the_search_links_stay_relative(tmp_path: Path) -> None:
    out = tmp_path / "site"
    build(BUNDLED, out, base_url="https://example.org/trek/")
    assert next(f["action"] for f in tags_of(out / "404.html", "form")) == "/trek/search/"
    assert [f["action"] for f in tags_of(out / "index.html", "form")] == ["search/"]


def test_two_builds_give_byte_identical_search_files(tmp_path: Path) -> None:
    first, second = tmp_path / "one", tmp_path / "two"
    build(BUNDLED, first)
    build(BUNDLED, second)
    for name in ("search/index.json", "search/index.html"):
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_the_index_is_pure_and_changes_with_the_content(copy_bundled: Path) -> None:
    site, _ = check(copy_bundled)
    assert search_index(site) == search_index(site)
    stage = copy_bundled / "ml-engineer/stages/10-monitoring-drift.md"
    stage.write_text(stage.read_text(encoding="utf-8") + "\nA zanzibar line.\n", encoding="utf-8")
    changed, _ = check(copy_bundled)
    assert fingerprint(search_index(changed)) != fingerprint(search_index(site))
    assert b"zanzibar" in search_index(changed)


def test_made_again_the_index_encodes_only_the_entries_of_edited_pages(
    copy_bundled: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = Index()
    site, _ = check(copy_bundled)
    assert index(site) == search_index(site)
    made: list[str] = []
    encoded = search._encoded

    def counted(entry: search.Entry) -> bytes:
        made.append(entry.url)
        return encoded(entry)

    monkeypatch.setattr(search, "_encoded", counted)
    stage = copy_bundled / "ml-engineer/stages/10-monitoring-drift.md"
    stage.write_text(stage.read_text(encoding="utf-8") + "\nA zanzibar line.\n", encoding="utf-8")
    edited, _ = check(copy_bundled)
    again = index(edited)
    assert made == [MONITORING]
    assert again == search_index(edited)
