"""Pure rendering: a linked Site in, {relative output path: bytes} out. No file I/O."""

from __future__ import annotations

import contextlib
import json
import posixpath
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TypeVar
from urllib.parse import urlsplit

import jinja2
from markupsafe import Markup

from trekgen import parallel, seo
from trekgen.search import fingerprint, search_index
from trekgen.site import Roadmap, Site

T = TypeVar("T")


@dataclass(frozen=True)
class PageSpec:
    """One page to render: where it goes, with which template and values."""

    url: str
    template: str
    title: str
    description: str
    values: dict[str, Any] = field(default_factory=dict)
    crumbs: tuple[tuple[str, str], ...] = ()

    @property
    def path(self) -> str:
        return self.url + "index.html" if self.url.endswith("/") or not self.url else self.url


def base_path(base_url: str | None) -> str:
    """The path part of the base URL, always with slashes at both ends: '/trek/'."""
    path = urlsplit(base_url or "/").path or "/"
    return "/" + path.strip("/") + "/" if path.strip("/") else "/"


def relative(target: str, from_url: str) -> str:
    """A link from the page at `from_url` to `target`, both relative to the site root."""
    here = from_url if from_url.endswith("/") or not from_url else posixpath.dirname(from_url) + "/"
    link = _relpath(target, here)
    if target.endswith("/") or not target:
        link = link.rstrip("/") + "/"
    return "./" if link == "./" or link == "/" else link.removeprefix("./")


def _relpath(target: str, here: str) -> str:
    """`posixpath.relpath("/" + target, "/" + here)`, quicker for paths without . or .. parts.

    Every page makes dozens of links, so relpath's normalising was a tenth of rendering on
    large sites (issue 6); the URLs trekgen makes never need it.
    """
    to, start = target.split("/"), here.split("/")
    if "." in to or ".." in to or "." in start or ".." in start:
        return posixpath.relpath("/" + target, "/" + here)
    return _climb([p for p in to if p], [p for p in start if p]) or "."


def _climb(to: list[str], start: list[str]) -> str:
    """The path from the folder `start` to `to`, both as lists of names; '' when the same."""
    common = 0
    for a, b in zip(to, start, strict=False):
        if a != b:
            break
        common += 1
    return "/".join([".."] * (len(start) - common) + to[common:])


def pages(site: Site) -> Iterator[PageSpec]:
    """Every HTML page of the site."""
    home = (("Roadmaps", ""),)
    yield PageSpec("", "index.html", site.config.title, site.config.description)
    for roadmap in site.roadmaps:
        yield from _roadmap_pages(site, roadmap, home)
    yield PageSpec("tags/", "tags.html", "Tags", f"Every tag on {site.config.title}.", crumbs=home)
    for tag in site.tags:
        yield PageSpec(
            tag.url,
            "tag.html",
            f"Tagged {tag.name}",
            f"Stages, projects and guides tagged {tag.name}.",
            {"tag": tag},
            (*home, ("Tags", "tags/")),
        )


Crumbs = tuple[tuple[str, str], ...]


def _roadmap_pages(site: Site, roadmap: Roadmap, home: Crumbs) -> Iterator[PageSpec]:
    values: dict[str, Any] = {"roadmap": roadmap}
    crumbs = (*home, (roadmap.title, roadmap.url))
    base = roadmap.url
    yield PageSpec(base, "overview.html", roadmap.title, roadmap.header.summary, values, home)
    for stage in roadmap.stages:
        yield PageSpec(
            stage.url,
            "stage.html",
            stage.title,
            stage.meta.summary,
            {**values, "stage": stage},
            crumbs,
        )
    sections: list[tuple[Any, str, str, str]] = [
        (roadmap.skills, "skills/", "skills.html", "Skill map"),
        (roadmap.workflow, "workflow/", "workflow.html", "Production workflow"),
        (roadmap.ladder, "ladder/", "ladder.html", "Learning ladder"),
        (roadmap.diagrams, "concepts/", "concepts.html", "Concept diagrams"),
        (roadmap.projects, "projects/", "projects.html", "Portfolio projects"),
    ]
    for present, path, template, title in sections:
        if present:
            description = f"{title} of the {roadmap.title} roadmap."
            yield PageSpec(base + path, template, title, description, values, crumbs)
    for project in roadmap.projects:
        yield PageSpec(
            project.url,
            "project.html",
            project.title,
            project.meta.summary,
            {**values, "project": project},
            (*crumbs, ("Portfolio projects", base + "projects/")),
        )
    for guide in roadmap.guides:
        yield PageSpec(
            guide.url,
            "guide.html",
            guide.title,
            guide.meta.summary,
            {**values, "guide": guide},
            crumbs,
        )
    yield PageSpec(
        base + "all/",
        "all.html",
        f"{roadmap.title}: the whole roadmap",
        f"Every stage of the {roadmap.title} roadmap on one printable page.",
        values,
        crumbs,
    )


def render_files(
    site: Site,
    env: jinja2.Environment,
    assets: dict[str, str],
    only: Callable[[PageSpec], bool] | None = None,
    *,
    whole_site: bool = True,
    specs: list[PageSpec] | None = None,
) -> Iterator[tuple[str, bytes]]:
    """Every output file but the static ones, pages first, one at a time as it is made.

    `specs` are the site's `pages()` when the caller has them already.
    """
    specs = list(pages(site)) if specs is None else specs
    # `only` picks the pages an edit affects, and `whole_site=False` leaves out the files made
    # from the whole site (search index, sitemap, feed...), so that `trekgen serve` can show
    # an edited page first and render the rest right after (issue 4).
    chosen = [spec for spec in specs if only is None or only(spec)]
    yield from render_pages(site, env, assets, chosen, _pair)
    if whole_site:
        yield from site_files(site, env, assets, specs)


def render_pages(
    site: Site,
    env: jinja2.Environment,
    assets: dict[str, str],
    specs: list[PageSpec],
    keep: Callable[[str, bytes], T],
) -> Iterator[T]:
    """`keep(path, html)` for each page, where the page is made: in a worker on a large site.

    `trekgen build` keeps a page by writing it there and then, so that pages never travel back
    to the main process, which had been the bottleneck at 10,000 pages (issue 6).
    """
    render_one = partial(_kept_page, keep, env, site, assets, SiteNav(env, site))
    return parallel.imap(render_one, specs, prepare=partial(_compile_templates, env))


def _pair(path: str, html: bytes) -> tuple[str, bytes]:
    return path, html


def site_files(
    site: Site,
    env: jinja2.Environment,
    assets: dict[str, str],
    specs: list[PageSpec],
    known: Mapping[str, bytes] | None = None,
) -> Iterator[tuple[str, bytes]]:
    """The files made from the whole site: 404 page, search, roadmap data, sitemap, feed...

    `known` holds files the caller has made already for this very site, used as they are:
    `trekgen serve` keeps its search index and the files an edit cannot change (issue 4).
    """
    known = known or {}
    prefix = base_path(site.config.base_url)
    missing = PageSpec("404.html", "404.html", "Page not found", "This page does not exist.")
    # The 404 page is served at any depth, so its links start from the base path.
    yield "404.html", _page(env, site, missing, assets, lambda t: prefix + t)
    yield from search_files(site, env, assets, known.get("search/index.json")).items()
    paths = [f"{roadmap.slug}/roadmap.json" for roadmap in site.roadmaps]
    todo = [r for r, path in zip(site.roadmaps, paths, strict=True) if path not in known]
    # A roadmap's data costs about what a third of its stage pages do: 1 MB of JSON at 200.
    weight = sum(len(roadmap.stages) for roadmap in todo) / 3 / max(1, len(todo))
    made = parallel.imap(roadmap_json, todo, weight=weight)
    for path in paths:
        yield path, known[path] if path in known else next(made)
    data = {
        "site": site,
        "pages": specs,
        "absolute": lambda t: absolute(site, t),
        "lastmod": lambda spec: seo.lastmod(site, spec),
    }
    for name in ("sitemap.xml", "robots.txt"):
        yield name, known.get(name) or env.get_template(name).render(data).encode()
    yield "feed.xml", known.get("feed.xml") or feed(site, env)
    # GitHub Pages would otherwise run Jekyll over a branch-published site and drop _folders.
    yield ".nojekyll", b""


def feed(site: Site, env: jinja2.Environment) -> bytes:
    """The Atom feed; without a base URL its links are relative to the feed, at the root."""

    def link(target: str) -> str:
        return seo.absolute_url(site, target) or target

    template = env.get_template("feed.xml")
    text = template.render(
        site=site,
        entries=seo.feed_entries(site, link),
        id=seo.feed_id(site, "feed.xml"),
        link=link,
        updated=seo.atom_date(site.updated),
    )
    return text.encode("utf-8")


def search_files(
    site: Site, env: jinja2.Environment, assets: dict[str, str], index: bytes | None = None
) -> dict[str, bytes]:
    """The search page and its index; not in `pages()`, since a sitemap has no use for it."""
    index = search_index(site) if index is None else index
    spec = PageSpec(
        "search/",
        "search.html",
        "Search",
        f"Search every roadmap on {site.config.title}.",
        {"index_version": fingerprint(index)},
        (("Roadmaps", ""),),
    )
    page = _page(env, site, spec, assets, links_from(spec.url))
    return {spec.path: page, "search/index.json": index}


def _kept_page(
    keep: Callable[[str, bytes], T],
    env: jinja2.Environment,
    site: Site,
    assets: dict[str, str],
    nav: SiteNav,
    spec: PageSpec,
) -> T:
    return keep(spec.path, _page(env, site, spec, assets, links_from(spec.url), nav))


def _compile_templates(env: jinja2.Environment) -> None:
    """Compile every template once, before parallel workers would each compile their own."""
    for name in env.list_templates(filter_func=lambda name: not name.startswith(".")):
        # A broken template is reported by the page that uses it, as without workers.
        with contextlib.suppress(jinja2.TemplateError, UnicodeDecodeError):
            env.get_template(name)


def links_from(from_url: str) -> Callable[[str], str]:
    """`relative(target, from_url)` for one page, quicker: a page makes dozens of links."""
    here = from_url if from_url.endswith("/") or not from_url else posixpath.dirname(from_url) + "/"
    start = [p for p in here.split("/") if p]
    if "." in start or ".." in start:
        return lambda target: relative(target, from_url)

    def link(target: str) -> str:
        to = [p for p in target.split("/") if p]
        if "." in to or ".." in to:
            return relative(target, from_url)
        made = _climb(to, start)
        if target.endswith("/") or not target:
            return made + "/" if made else "./"
        return made or "."

    return link


def absolute(site: Site, target: str) -> str:
    """`target` as a full URL when the base URL is known, else as a path from the root."""
    base = site.config.base_url or "/"
    return base.rstrip("/") + "/" + target if "://" in base else base_path(base) + target


class SiteNav:
    """The site's links for each page header, made once per top-level folder and depth.

    Every page carries them; with dozens of roadmaps they were half of a stage page (issue 6).
    Links to top-level folders (`slug/`, `tags/`) from two pages at the same depth in the same
    top-level folder are the same, and nav.html makes no other links.
    """

    def __init__(self, env: jinja2.Environment, site: Site) -> None:
        self.env, self.site = env, site
        self.made: dict[tuple[str | None, str, int], Markup] = {}

    def __call__(self, spec: PageSpec, url: Callable[[str], str]) -> Markup:
        roadmap = spec.values.get("roadmap")
        current = roadmap.slug if roadmap is not None else None
        folder = spec.url if spec.url.endswith("/") else posixpath.dirname(spec.url) + "/"
        parts = [p for p in folder.split("/") if p]
        key = (current, parts[0] if parts else "", len(parts))
        if key not in self.made:
            template = self.env.get_template("nav.html")
            html = template.render(site=self.site, current=current, url=url)
            self.made[key] = Markup(html.rstrip("\n"))
        return self.made[key]


def _page(
    env: jinja2.Environment,
    site: Site,
    spec: PageSpec,
    assets: dict[str, str],
    url: Callable[[str], str],
    nav: SiteNav | None = None,
) -> bytes:
    template = env.get_template(spec.template)
    html = template.render(
        site=site,
        page=spec,
        url=url,
        site_nav=(nav or SiteNav(env, site))(spec, url),
        asset=lambda name: url(assets.get(name, "static/" + name)),
        meta=seo.page_meta(site, spec, assets, url),
        **spec.values,
    )
    return html.encode("utf-8")


def roadmap_json(roadmap: Roadmap) -> bytes:
    """The validated roadmap as data, for other tools."""

    def dump(model: Any) -> Any:
        return model.model_dump(mode="json", by_alias=True, exclude_none=True) if model else None

    data = {
        "slug": roadmap.slug,
        **dump(roadmap.header),
        "total": {
            "low_weeks": roadmap.total.low_weeks,
            "high_weeks": roadmap.total.high_weeks,
            "about_months": roadmap.total.months,
        },
        "stages": [
            {"number": s.number, "slug": s.slug, "url": s.url, **dump(s.meta)}
            | {"body": s.content.text}
            for s in roadmap.stages
        ],
        "skills": dump(roadmap.skills),
        "workflow": dump(roadmap.workflow),
        "ladder": dump(roadmap.ladder),
        "diagrams": dump(roadmap.diagrams),
        "projects": [{"slug": p.slug, "url": p.url, **dump(p.meta)} for p in roadmap.projects],
        "guides": [{"slug": g.slug, "url": g.url, **dump(g.meta)} for g in roadmap.guides],
    }
    present = {k: v for k, v in data.items() if v is not None}
    # Compact: an indent makes json use its pure-Python encoder, at twice the time (issue 6).
    text = json.dumps(present, ensure_ascii=False, separators=(",", ":"))
    return (text + "\n").encode("utf-8")
