"""The search index: every page's words by field, as JSON for static/search.js. Pure."""

from __future__ import annotations

import hashlib
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from html import unescape
from typing import Any

from trekgen import parallel
from trekgen.markdown import render_markdown
from trekgen.models import GuideMeta, ProjectMeta, Resource, StageMeta
from trekgen.site import Page, Roadmap, Site

# How much a match counts in each field; the browser ranks with these (see docs/search.md).
WEIGHTS = {"title": 10, "topics": 5, "headings": 5, "tags": 4, "summary": 3, "body": 1}
# Words a query drops unless it holds nothing else; only for English sites.
ENGLISH_STOPWORDS = (
    "a about an and are as at be by can do for from how i in into is it its of on or that the "
    "their then there these this to was what when where which who why with you your"
)
INDEX_VERSION = 1
TAIL = b"]}\n"

ANCHORED_HEADING = re.compile(r'<h([23])\b[^>]*\bid="([^"]+)"[^>]*>(.*?)</h\1>', re.DOTALL)
ANCHOR_LINK = re.compile(r'<a class="anchor"[^>]*>.*?</a>', re.DOTALL)
BLOCKS = "p|li|td|th|dt|dd|pre|blockquote|h[1-6]"
BLOCK_START = re.compile(rf"<(?:{BLOCKS}|br|tr|ul|ol|table|thead|tbody|dl|div)\b[^>]*>")
BLOCK_END = re.compile(rf"</(?:{BLOCKS})>")
TAG = re.compile(r"<[^>]*>")


@dataclass(frozen=True)
class Section:
    """A part of a page that has its own anchor ('' for the part before the first heading)."""

    id: str
    heading: str
    text: str


@dataclass(frozen=True)
class Entry:
    """One page as the search sees it."""

    url: str
    title: str
    kind: str
    roadmap: str
    summary: str
    tags: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    sections: tuple[Section, ...] = field(default_factory=tuple)


def search_index(site: Site) -> bytes:
    """The index of every searchable page, as compact, deterministic UTF-8 JSON.

    Each entry is encoded as soon as it is made and then let go: at 10,000 pages the index
    is some 60 MB, and holding every entry and then the whole text three times over was the
    build's peak memory (issue 6).
    """
    out = io.BytesIO()
    out.write(_head(site))
    # Entries are made from rendered Markdown, a tenth of a large build: in parallel, once
    # there are enough to pay for forking workers (an entry costs a fraction of a page).
    makes = [make for _, _, make in parts(site)]
    made = parallel.imap(_encoded_entries, makes, weight=1 / 8)
    pieces = (piece for piece in made if piece)
    for n, piece in enumerate(pieces):
        if n:
            out.write(b",")
        out.write(piece)
    out.write(TAIL)
    # CPython hands over the buffer itself here, not a copy of it.
    return out.getvalue()


class Index:
    """The search index made again and again, as `trekgen serve` does after each edit.

    Each part is kept encoded with the values it was made from, and encoded again only when
    they no longer compare equal: one edited stage costs one entry, not the whole index.
    The result is the same bytes as `search_index` (tests/test_serve.py compares them).
    """

    def __init__(self) -> None:
        self._parts: dict[str, tuple[tuple[object, ...], bytes]] = {}

    def __call__(self, site: Site) -> bytes:
        """The index of `site`."""
        kept: dict[str, tuple[tuple[object, ...], bytes]] = {}
        for name, inputs, make in parts(site):
            made = self._parts.get(name)
            if made is None or made[0] != inputs:
                made = (inputs, _encoded_entries(make))
            kept[name] = made
        self._parts = kept
        entries = b",".join(encoded for _, encoded in kept.values() if encoded)
        return b"".join([_head(site), entries, TAIL])


def stopwords(language: str) -> list[str]:
    """Words a query can do without, for the site's language (English only, for now)."""
    return ENGLISH_STOPWORDS.split() if language.lower().split("-")[0] == "en" else []


def fingerprint(data: bytes) -> str:
    """A short hash of the index, so that browsers never pair a page with a stale index."""
    return hashlib.sha256(data).hexdigest()[:10]


def entries(site: Site) -> Iterator[Entry]:
    """Every page worth finding, in site order: overviews, stages, sections, projects, guides."""
    for _, _, make in parts(site):
        yield from make()


# A part of the index: a unique name, every value its entries are made from, and how to make
# them. The values compare equal only when the entries would be the same.
Part = tuple[str, tuple[object, ...], Callable[[], Iterable[Entry]]]


def parts(site: Site) -> Iterator[Part]:
    """The entries of `entries`, in groups, each with the values it is made from."""
    for roadmap in site.roadmaps:
        name, url = roadmap.title, roadmap.url
        yield url, (roadmap.header,), _one(_overview, roadmap)
        for s in roadmap.stages:
            made_of = (name, s.number, s.meta, s.content.html)
            yield s.url, made_of, _one(_stage, roadmap, s)
        sections = (name, roadmap.skills, roadmap.workflow, roadmap.ladder, roadmap.diagrams)
        yield url + "#sections", sections, partial(_sections, roadmap)
        for p in roadmap.projects:
            yield p.url, (name, p.meta, p.content.html), _one(_project, roadmap, p)
        for g in roadmap.guides:
            make = _one(_markdown_page, roadmap, g, "Guide", g.meta.tags)
            yield g.url, (name, g.meta, g.content.html), make


def _one(make: Callable[..., Entry], *args: Any) -> Callable[[], list[Entry]]:
    return lambda: [make(*args)]


def _head(site: Site) -> bytes:
    """The index up to its first entry."""
    data = {
        "version": INDEX_VERSION,
        "weights": WEIGHTS,
        "stopwords": stopwords(site.config.language),
    }
    return _dumps(data)[:-1].encode("utf-8") + b',"pages":['


def _encoded_entries(make: Callable[[], Iterable[Entry]]) -> bytes:
    return b",".join(_encoded(entry) for entry in make())


def _encoded(entry: Entry) -> bytes:
    return _dumps(_as_json(entry)).encode("utf-8")


def _dumps(data: object) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def _as_json(entry: Entry) -> dict[str, object]:
    data: dict[str, object] = {
        "url": entry.url,
        "title": entry.title,
        "kind": entry.kind,
        "roadmap": entry.roadmap,
        "summary": entry.summary,
    }
    if entry.tags:
        data["tags"] = list(entry.tags)
    if entry.topics:
        data["topics"] = list(entry.topics)
    # Sections as [id, heading, text] triples: the bulk of the index, so no repeated keys.
    data["sections"] = [[s.id, s.heading, s.text] for s in entry.sections if s.text or s.heading]
    return data


def _overview(roadmap: Roadmap) -> Entry:
    h = roadmap.header
    sections = [Section("", "", _markdown_text(h.description))]
    if h.audience:
        others = [o.when for o in h.audience.choose_another]
        sections.append(Section("audience", "Who it is for", _join([*h.audience.for_, *others])))
    if h.prerequisites:
        sections.append(Section("prerequisites", "Before you start", _join(h.prerequisites)))
    if h.role:
        duties = [f"{r.title}: {r.description}" for r in h.role.responsibilities]
        role = _join([_markdown_text(h.role.summary), *duties])
        sections.append(Section("role", "The role", role))
    if h.tools:
        sections.append(Section("tools", "Tools", _join(t.name for t in h.tools)))
    if h.careers:
        careers = [f"{c.title}: {c.description}" for c in h.careers]
        sections.append(Section("careers", "Where it leads", _join(careers)))
    if h.faq:
        faq = [f"{q.question} {_markdown_text(q.answer)}" for q in h.faq]
        sections.append(Section("faq", "Questions learners ask", _join(faq)))
    if h.resources:
        sections.append(_resources(h.resources))
    if h.completion:
        done = [_markdown_text(h.completion.body), *h.completion.next]
        sections.append(Section("completion", h.completion.title, _join(done)))
    return Entry(
        roadmap.url,
        roadmap.title,
        "Roadmap",
        roadmap.title,
        h.summary,
        tuple(h.tags),
        sections=tuple(sections),
    )


def _stage(roadmap: Roadmap, stage: Page[StageMeta]) -> Entry:
    meta = stage.meta
    sections = [*html_sections(stage.content.html)]
    if meta.outcomes:
        sections.insert(0, Section("outcomes", "By the end you can", _join(meta.outcomes)))
    if meta.resources:
        sections.append(_resources(meta.resources))
    return Entry(
        stage.url,
        stage.title,
        f"Stage {stage.number}",
        roadmap.title,
        meta.summary,
        tuple(meta.tags),
        tuple(meta.topics),
        tuple(sections),
    )


def _project(roadmap: Roadmap, project: Page[ProjectMeta]) -> Entry:
    meta = project.meta
    entry = _markdown_page(roadmap, project, "Project", meta.tags)
    extra = []
    if meta.skills:
        extra.append(Section("skills-proved", "Skills it proves", _join(meta.skills)))
    if meta.deliverables:
        extra.append(Section("deliverables", "Deliverables", _join(meta.deliverables)))
    return Entry(
        entry.url,
        entry.title,
        entry.kind,
        entry.roadmap,
        entry.summary,
        entry.tags,
        sections=(*extra, *entry.sections),
    )


def _markdown_page(
    roadmap: Roadmap, page: Page[ProjectMeta] | Page[GuideMeta], kind: str, tags: Iterable[str]
) -> Entry:
    return Entry(
        page.url,
        page.title,
        kind,
        roadmap.title,
        page.meta.summary,
        tuple(tags),
        sections=tuple(html_sections(page.content.html)),
    )


def _sections(roadmap: Roadmap) -> Iterator[Entry]:
    """The skill map, workflow, ladder and concepts pages: one section per area, step, rung."""
    base, name = roadmap.url, roadmap.title
    if roadmap.skills:
        s = roadmap.skills
        areas = [
            Section(a.id, a.title, _join([a.summary, *a.topics, *a.practices])) for a in s.areas
        ]
        yield Entry(
            base + "skills/",
            "Skill map",
            "Skill map",
            name,
            _markdown_text(s.intro),
            sections=tuple(areas),
        )
    if roadmap.workflow:
        w = roadmap.workflow
        steps = [Section(st.id, st.title, _join([st.summary, *st.checks])) for st in w.steps]
        yield Entry(
            base + "workflow/",
            "Production workflow",
            "Workflow",
            name,
            _markdown_text(w.intro),
            sections=tuple(steps),
        )
    if roadmap.ladder:
        ld = roadmap.ladder
        rungs = [Section(r.id, r.title, _join([r.summary, r.proof])) for r in ld.rungs]
        yield Entry(
            base + "ladder/",
            "Learning ladder",
            "Learning ladder",
            name,
            _markdown_text(ld.intro),
            sections=tuple(rungs),
        )
    if roadmap.diagrams:
        diagrams = [
            Section(
                d.id,
                d.title,
                _join(
                    [d.caption, *(n.label for n in d.nodes), *(e.label for e in d.edges if e.label)]
                ),
            )
            for d in roadmap.diagrams.diagrams
        ]
        yield Entry(
            base + "concepts/",
            "Concept diagrams",
            "Concepts",
            name,
            "Small maps of ideas that come back in every stage.",
            sections=tuple(diagrams),
        )


def _resources(items: Iterable[Resource]) -> Section:
    return Section("resources", "Resources", _join(f"{r.title} {r.note or ''}" for r in items))


def _markdown_text(text: str | None) -> str:
    return render_markdown(text).text if text else ""


def _join(parts: Iterable[str]) -> str:
    """Sentences joined with a full stop, so that a snippet never runs two of them together."""
    cleaned = [" ".join(p.split()).rstrip(".") for p in parts]
    return ". ".join(p for p in cleaned if p) + ("." if any(cleaned) else "")


def html_sections(html: str) -> list[Section]:
    """Rendered Markdown split at its anchored h2 and h3 headings, as plain text."""
    # Regular expressions suffice: the HTML comes from our own renderer, with raw HTML off.
    parts = ANCHORED_HEADING.split(ANCHOR_LINK.sub("", html))
    sections = [Section("", "", _plain(parts[0]))]
    for at in range(1, len(parts), 4):
        anchor, heading, body = parts[at + 1], parts[at + 2], parts[at + 3]
        sections.append(Section(anchor, _inline(heading), _plain(body)))
    return sections


def _plain(html: str) -> str:
    """Text of an HTML fragment; the end of a paragraph, item or cell ends a sentence."""
    pieces = BLOCK_END.split(BLOCK_START.sub(" ", html))
    return " ".join(_full_stop(s) for s in map(_inline, pieces) if s)


def _inline(html: str) -> str:
    return " ".join(unescape(TAG.sub("", html)).split())


def _full_stop(sentence: str) -> str:
    return sentence if sentence.endswith((".", "!", "?", ":", ";")) else sentence + "."
