"""What search engines, link previews and feed readers read: pure builders, no I/O."""

from __future__ import annotations

import datetime as dt
import json
import math
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from trekgen.site import Roadmap, Site, Stage
from trekgen.theme import markdown_filter

if TYPE_CHECKING:
    from trekgen.render import PageSpec

Link = Callable[[str], str]
JsonObject = dict[str, Any]

SCHEMA = "https://schema.org"
IMAGE = "social.png"
IMAGE_ALT = "A learning roadmap: stages joined by a path, three ticked off, a flag at the end"
# Readers poll the feed often; past this many entries only the newest are kept.
FEED_LIMIT = 100


@dataclass(frozen=True)
class PageMeta:
    """The <head> values of one page that are not its title and description."""

    canonical: str | None
    image: str | None
    image_alt: str
    noindex: bool
    structured: tuple[Markup, ...]


@dataclass(frozen=True)
class FeedEntry:
    """One Atom entry: a roadmap or a stage, as of its last update."""

    id: str
    title: str
    link: str
    updated: str
    summary: str


def json_ld(data: JsonObject) -> Markup:
    """`data` as JSON that is safe inside <script>: no '<', '>' or '&' can close or open a tag."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    # JSON allows \u escapes anywhere in a string, and '<', '>', '&' only occur inside strings.
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)


def absolute_url(site: Site, target: str) -> str | None:
    """`target` (relative to the site root) as a full URL, or None when no base URL is known."""
    base = site.config.base_url
    return base.rstrip("/") + "/" + target if base else None


def page_meta(site: Site, spec: PageSpec, assets: dict[str, str], url: Link) -> PageMeta:
    """Canonical URL, preview image and JSON-LD of a page; `url` links from the page itself."""

    def link(target: str) -> str:
        return absolute_url(site, target) or url(target)

    missing = spec.url == "404.html"
    image = social_image(spec, assets)
    return PageMeta(
        canonical=None if missing else absolute_url(site, spec.url),
        image=absolute_url(site, image),
        image_alt=IMAGE_ALT,
        noindex=missing,
        structured=tuple(json_ld(d) for d in structured_data(site, spec, link)),
    )


def social_image(spec: PageSpec, assets: dict[str, str]) -> str:
    """A roadmap's own preview image (static/social/<slug>.png) when the theme has one."""
    roadmap = spec.values.get("roadmap")
    own = f"social/{roadmap.slug}.png" if roadmap is not None else None
    if own and own in assets:
        return assets[own]
    return assets.get(IMAGE, "static/" + IMAGE)


def structured_data(site: Site, spec: PageSpec, link: Link) -> list[JsonObject]:
    """The JSON-LD objects of a page, by its kind."""
    found: list[JsonObject] = []
    if spec.url == "":
        found += [website(site, link), item_list(site, link)]
    if spec.template == "overview.html":
        roadmap: Roadmap = spec.values["roadmap"]
        found.append(course(site, roadmap, link))
        if roadmap.header.faq:
            found.append(faq_page(roadmap))
    if spec.crumbs:
        found.append(breadcrumbs(spec, link))
    return found


def website(site: Site, link: Link) -> JsonObject:
    """The site itself, so that search results can show its name."""
    return {
        "@context": SCHEMA,
        "@type": "WebSite",
        "name": site.config.title,
        "description": site.config.description,
        "url": link(""),
        "inLanguage": site.config.language,
    }


def item_list(site: Site, link: Link) -> JsonObject:
    """The roadmaps of the index, in their order."""
    return {
        "@context": SCHEMA,
        "@type": "ItemList",
        "name": "Roadmaps",
        "itemListElement": [
            {"@type": "ListItem", "position": i, "name": r.title, "url": link(r.url)}
            for i, r in enumerate(site.roadmaps, start=1)
        ],
    }


def course(site: Site, roadmap: Roadmap, link: Link) -> JsonObject:
    """A roadmap as a schema.org Course: its stages are the parts and the syllabus."""
    header = roadmap.header
    data: JsonObject = {
        "@context": SCHEMA,
        "@type": "Course",
        "name": roadmap.title,
        "description": header.summary,
        "url": link(roadmap.url),
        "inLanguage": site.config.language,
        "educationalLevel": header.level,
        "timeRequired": iso_duration(roadmap.total.low_weeks, roadmap.total.high_weeks),
        "dateModified": roadmap.updated.isoformat(),
        "isAccessibleForFree": True,
        "provider": {"@type": "Organization", "name": site.config.title, "url": link("")},
        "hasPart": [_stage_part(stage, link) for stage in roadmap.stages],
        "syllabusSections": [_syllabus(stage) for stage in roadmap.stages],
    }
    if header.tags:
        data["keywords"] = ", ".join(header.tags)
    if header.prerequisites:
        data["coursePrerequisites"] = list(header.prerequisites)
    return data


def _stage_part(stage: Stage, link: Link) -> JsonObject:
    return {
        "@type": "LearningResource",
        "position": stage.number,
        "name": stage.title,
        "description": stage.meta.summary,
        "url": link(stage.url),
        "educationalLevel": stage.meta.level,
        "timeRequired": _stage_time(stage),
        "teaches": list(stage.meta.topics),
    }


def _syllabus(stage: Stage) -> JsonObject:
    return {
        "@type": "Syllabus",
        "name": f"{stage.number}. {stage.title}",
        "description": stage.meta.summary,
        "timeRequired": _stage_time(stage),
    }


def _stage_time(stage: Stage) -> str:
    return iso_duration(*stage.meta.duration.weeks())


def iso_duration(low_weeks: float, high_weeks: float) -> str:
    """The typical time of a range (its middle) as an ISO 8601 duration: 'P6W' or 'P10D'."""
    days = max(1, math.floor((low_weeks + high_weeks) / 2 * 7 + 0.5))  # halves round up
    return f"P{days // 7}W" if days % 7 == 0 else f"P{days}D"


def faq_page(roadmap: Roadmap) -> JsonObject:
    """The roadmap's FAQ; answers keep their HTML (links, lists), which FAQPage allows."""
    return {
        "@context": SCHEMA,
        "@type": "FAQPage",
        "mainEntity": [
            {
                "@type": "Question",
                "name": q.question,
                "acceptedAnswer": {"@type": "Answer", "text": _html(q.answer)},
            }
            for q in roadmap.header.faq
        ],
    }


def _html(markdown: str) -> str:
    # The cached filter: the overview has rendered these answers already.
    return str(markdown_filter(markdown)).strip()


def breadcrumbs(spec: PageSpec, link: Link) -> JsonObject:
    """The trail from the index to this page, the page itself last."""
    trail = [*spec.crumbs, (spec.title, spec.url)]
    return {
        "@context": SCHEMA,
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": i, "name": name, "item": link(target)}
            for i, (name, target) in enumerate(trail, start=1)
        ],
    }


def lastmod(site: Site, spec: PageSpec) -> dt.date:
    """When a page last changed, from the content: its own date, else its roadmap's."""
    roadmap: Roadmap | None = spec.values.get("roadmap")
    if roadmap is None:
        return site.updated
    for kind in ("stage", "guide"):
        page = spec.values.get(kind)
        if page is not None:
            return page.meta.updated or roadmap.header.updated
    return roadmap.updated


def feed_entries(site: Site, link: Link) -> list[FeedEntry]:
    """Newest first: each roadmap as of its last change, each stage as of its own date."""
    entries = sorted(_entries(site, link), key=lambda e: e.updated, reverse=True)
    return entries[:FEED_LIMIT]


def _entries(site: Site, link: Link) -> Iterator[FeedEntry]:
    def entry(title: str, target: str, updated: dt.date, summary: str) -> FeedEntry:
        # A new id for each dated update, so that readers show a changed stage as news.
        key = f"{target}@{updated.isoformat()}"
        return FeedEntry(feed_id(site, key), title, link(target), atom_date(updated), summary)

    for roadmap in site.roadmaps:
        yield entry(roadmap.title, roadmap.url, roadmap.updated, roadmap.header.summary)
        for stage in roadmap.stages:
            title = f"{roadmap.title}, stage {stage.number}: {stage.title}"
            # A stage without a date of its own changes with its roadmap's header.
            updated = stage.meta.updated or roadmap.header.updated
            yield entry(title, stage.url, updated, stage.meta.summary)


def feed_id(site: Site, key: str) -> str:
    """A stable id that survives a move to another domain: derived from the site title and `key`."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"trekgen:{site.config.title}/{key}").urn


def atom_date(day: dt.date) -> str:
    """A content date as an RFC 3339 timestamp (midnight UTC), as Atom requires."""
    return f"{day.isoformat()}T00:00:00Z"
