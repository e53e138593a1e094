"""`trekgen serve`: build in memory, serve on 127.0.0.1, rebuild on change, reload the page.

The site lives in memory and is swapped whole after each successful build, so a request
never sees half a site. A failed build keeps the last good site and shows its errors over
every page. After an edit of page files only (stages, projects, guides), just those files
are read again and only the pages the edit can change are rendered again; tests/test_serve.py
proves that the result equals a full build. The edited pages are served as soon as they are
rendered; until the rest is done, a request for a file still to be made waits for it.
"""

from __future__ import annotations

import dataclasses
import gc
import html
import ipaddress
import mimetypes
import os
import signal
import threading
import time
import types
import webbrowser
from collections.abc import Callable, Collection, Iterable
from pathlib import Path
from typing import Any

import click
import jinja2
import watchfiles
from livereload.handlers import (  # type: ignore[import-untyped]
    LiveReloadHandler,
    LiveReloadJSHandler,
)
from tornado import httpserver, locks, netutil, web
from tornado.ioloop import IOLoop

from trekgen import models
from trekgen.build import Output, checked_base_url, template_problem, theme_assets
from trekgen.errors import Problem, Problems, UsageError, display_path
from trekgen.load import PageSource, RoadmapSource, SiteSource, load
from trekgen.load import _page as load_page
from trekgen.render import PageSpec, pages, render_files, site_files
from trekgen.search import Index
from trekgen.site import Page, Site, link
from trekgen.theme import Theme, default_theme

PAGE_MODELS: dict[str, type[models.Model]] = {
    "stages": models.StageMeta,
    "projects": models.ProjectMeta,
    "guides": models.GuideMeta,
}
# Files made from the whole site that show only front matter (with the default theme).
FRONT_MATTER_FILES = ("sitemap.xml", "robots.txt", "feed.xml")
# After a first event, wait this long for more: editors may save in several writes.
STEP_MS = 15

# --- what changed on disk -----------------------------------------------------------------


def files_under(roots: Iterable[Path]) -> set[Path]:
    """Every file under `roots`, hidden ones aside."""
    found: set[Path] = set()
    stack = [r for r in roots if r.is_dir()]
    while stack:
        with os.scandir(stack.pop()) as entries:
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                if entry.is_dir(follow_symlinks=True):
                    stack.append(Path(entry.path))
                elif entry.is_file(follow_symlinks=True):
                    found.add(Path(entry.path))
    return found


@dataclasses.dataclass(frozen=True)
class Changes:
    """Files modified, added and removed since the last build."""

    modified: frozenset[Path]
    added: frozenset[Path] = frozenset()
    removed: frozenset[Path] = frozenset()

    @classmethod
    def from_events(cls, events: Iterable[tuple[object, str]], known: set[Path]) -> Changes:
        """The changes behind file system events, judged by what exists now.

        Editors that save by writing a new file and renaming it over the old one send
        'added' and 'deleted' events for a file that was merely modified.
        """
        modified: set[Path] = set()
        added: set[Path] = set()
        removed: set[Path] = set()
        for _, name in events:
            path = Path(name)
            if path.is_file():
                (modified if path in known else added).add(path)
            elif path in known:
                removed.add(path)
        known.difference_update(removed)
        known.update(added)
        return cls(frozenset(modified), frozenset(added), frozenset(removed))

    def __bool__(self) -> bool:
        return bool(self.modified or self.added or self.removed)

    def names(self) -> str:
        """The changed files as the user knows them, shortest first, at most three."""
        every = sorted({display_path(p) for p in self.modified | self.added | self.removed})
        more = f" and {len(every) - 3} more" if len(every) > 3 else ""
        return ", ".join(every[:3]) + more


# --- what an edit changes on the site -----------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Edits:
    """Page edits between two builds: bodies alone, front matter (by roadmap), tag listings."""

    bodies: frozenset[str]
    metas: frozenset[str]
    tags: frozenset[str]
    edited: frozenset[str] = frozenset()

    @property
    def stage_roadmaps(self) -> frozenset[str]:
        """Roadmaps with a stage body edited: their all-in-one page shows every stage body."""
        return frozenset(u.split("/", 1)[0] for u in self.bodies if u.split("/")[1] == "stages")


def page_edits(old: Site, new: Site) -> Edits | None:
    """The edits that turn `old` into `new`, or None when more than page contents changed."""
    if old.config != new.config or [r.slug for r in old.roadmaps] != [r.slug for r in new.roadmaps]:
        return None
    bodies: set[str] = set()
    metas: set[str] = set()
    edited: set[str] = set()
    for before, after in zip(old.roadmaps, new.roadmaps, strict=True):
        sections = ("header", "skills", "workflow", "ladder", "diagrams")
        if any(_differ(getattr(before, s), getattr(after, s)) for s in sections):
            return None
        for kind in PAGE_MODELS:
            was, now = getattr(before, kind), getattr(after, kind)
            if [(p.slug, p.number) for p in was] != [(p.slug, p.number) for p in now]:
                return None
            for a, b in zip(was, now, strict=True):
                if _differ(a.meta, b.meta):
                    metas.add(after.slug)
                    edited.add(b.url)
                elif _differ(a.content, b.content):
                    bodies.add(b.url)
                    edited.add(b.url)
    listed = {t.slug: t.items for t in old.tags}
    now_listed = {t.slug: t.items for t in new.tags}
    tags = {s for s in listed.keys() | now_listed.keys() if listed.get(s) != now_listed.get(s)}
    return Edits(frozenset(bodies), frozenset(metas), frozenset(tags), frozenset(edited))


def _differ(a: object, b: object) -> bool:
    # Most values are the very same objects in both sites, and comparing models field by
    # field on every page of a large site is slow.
    return a is not b and a != b


def affected(spec: PageSpec, edits: Edits) -> bool:
    """Whether the page of `spec` can show what `edits` changed.

    A body shows on its own page and on its roadmap's all-in-one page. Front matter (titles,
    durations, dates...) shows across its own roadmap and on the index, never on another
    roadmap's pages; a tag page shows only its own listing.
    """
    tag = spec.values.get("tag")
    if tag is not None:
        return tag.slug in edits.tags
    if spec.url == "tags/":
        return bool(edits.tags)
    page: Page[Any] | None = next(
        (spec.values[k] for k in ("stage", "project", "guide") if k in spec.values), None
    )
    roadmap = spec.values.get("roadmap")
    if roadmap is None:
        return bool(edits.metas)
    if roadmap.slug in edits.metas:
        return True
    if page is not None:
        return page.url in edits.bodies
    return spec.url == roadmap.url + "all/" and roadmap.slug in edits.stage_roadmaps


# --- building, again and again ------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Built:
    """One build: the site's files when it succeeded, its problems either way."""

    output: Output | None
    problems: list[Problem]
    rendered: int
    pages: int
    seconds: float
    first_seconds: float = 0.0
    read_all: bool = False  # every file was read again

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]


class Builder:
    """Builds the site again after each change, doing only the work the change needs."""

    def __init__(self, source: Path, base_url: str) -> None:
        self.source, self.base_url = source, checked_base_url(base_url)
        self._loaded: SiteSource | None = None
        self._load_problems: list[Problem] = []
        self._good: tuple[Site, Output] | None = None
        self._link_problems: list[Problem] = []
        self._render_all = True  # the next good build renders every page
        self._clean = False  # the last build succeeded: the loaded and the shown site agree
        self._index = Index()

    def build(
        self, changes: Changes | None = None, early: Callable[[Output], None] | None = None
    ) -> Built:
        """Build after `changes` (everything when None); keeps the last good site on errors.

        When only some pages need rendering, `early` gets the site with those pages as soon
        as they are ready, before the files made from the whole site (search index, feed...).
        """
        started = time.perf_counter()
        pages_only = changes is not None and self._pages_only(changes)
        self._render_all |= not pages_only
        problems = Problems()
        before = self._loaded
        loaded = self._reload(changes.modified, problems) if changes and pages_only else None
        read_all = loaded is None
        if loaded is None:
            loaded = self._load_all(problems)
        site, edits = None, None
        if changes and pages_only and before and not problems.errors:
            site, edits = self._patched(before, changes.modified)
        if site is None:
            site = self._link(loaded)
        problems.extend(self._link_problems)
        self._clean = site is not None and not problems.errors
        if site is None or not self._clean:
            return Built(None, problems.sorted(), 0, 0, time.perf_counter() - started)
        site.config = site.config.model_copy(update={"base_url": self.base_url})
        specs = list(pages(site))
        first: list[float] = []

        def shown_early(output: Output) -> None:
            first.append(time.perf_counter() - started)
            if early is not None:
                early(output)

        try:
            output, rendered = self._render(site, specs, shown_early, edits)
        except jinja2.TemplateError as exc:
            self._render_all, self._clean = True, False
            problems.extend([template_problem(exc)])
            return Built(None, problems.sorted(), 0, 0, time.perf_counter() - started)
        self._good, self._render_all = (site, output), False
        seconds = time.perf_counter() - started
        built = Built(output, problems.sorted(), rendered, len(specs), seconds, read_all=read_all)
        return dataclasses.replace(built, first_seconds=first[0] if first else seconds)

    def forget(self) -> None:
        """Trust nothing kept from earlier builds: the next one loads and renders everything."""
        self._loaded, self._clean, self._render_all = None, False, True

    def _link(self, loaded: SiteSource | None) -> Site | None:
        linked = Problems()
        site = link(loaded, linked) if loaded is not None else None
        self._link_problems = linked.sorted()
        return site

    def _patched(
        self, before: SiteSource, paths: Collection[Path]
    ) -> tuple[Site | None, Edits | None]:
        """After body-only edits, the last good site with the new bodies swapped in.

        Linking reads no body, so it would give the same site: this skips it, which is most
        of the work on a large site. Anything more than a body edit returns (None, None).
        """
        if not (self._clean and self._good and self._loaded) or self._render_all:
            return None, None
        shown = {display_path(self._in_source(p)) for p in paths}
        old = {
            s.doc.path: s for r in before.roadmaps for s in _page_sources(r) if s.doc.path in shown
        }
        new = {
            s.doc.path: s
            for r in self._loaded.roadmaps
            for s in _page_sources(r)
            if s.doc.path in shown
        }
        same = old.keys() == new.keys() == shown and all(
            (old[k].meta, old[k].slug, old[k].number) == (new[k].meta, new[k].slug, new[k].number)
            for k in shown
        )
        if not same:
            return None, None
        site = self._good[0]
        by_source = {page.source: page for r in site.roadmaps for page in _site_pages(r)}
        urls = set()
        for path in shown:
            page = by_source[path]
            if page.content != new[path].content:
                page.content = new[path].content
                urls.add(page.url)
        bodies = frozenset(urls)
        return site, Edits(bodies, frozenset(), frozenset(), bodies)

    def _in_source(self, path: Path) -> Path:
        """A watcher's (resolved) path spelled from the source folder as given, as load() does."""
        return self.source / path.resolve().relative_to(self.source.resolve())

    @property
    def output(self) -> Output | None:
        """The files of the last good build."""
        return self._good[1] if self._good else None

    def _pages_only(self, changes: Changes) -> bool:
        root = self.source.resolve()
        return not (changes.added or changes.removed) and all(
            path.suffix == ".md"
            and path.parent.name in PAGE_MODELS
            and path.resolve().parents[2] == root
            for path in changes.modified
        )

    def _load_all(self, problems: Problems) -> SiteSource | None:
        found = Problems()
        self._loaded = load(self.source, found)
        self._load_problems = found.sorted()
        problems.extend(self._load_problems)
        return self._loaded

    def _reload(self, paths: Collection[Path], problems: Problems) -> SiteSource | None:
        """The last load with only `paths` read again: the same result as loading everything."""
        if self._loaded is None:
            return None
        paths = [self._in_source(p) for p in paths]
        shown = {display_path(p) for p in paths}
        found = Problems()
        found.extend(p for p in self._load_problems if p.location.path not in shown)
        fresh = {
            p: load_page(p, PAGE_MODELS[p.parent.name], found, p.parent.name == "stages")
            for p in paths
        }
        roadmaps = [self._replace(r, fresh) for r in self._loaded.roadmaps]
        self._loaded = dataclasses.replace(self._loaded, roadmaps=roadmaps)
        self._load_problems = found.sorted()
        problems.extend(self._load_problems)
        return self._loaded

    def _replace(
        self, roadmap: RoadmapSource, fresh: dict[Path, PageSource[Any] | None]
    ) -> RoadmapSource:
        lists: dict[str, Any] = {}
        for kind in PAGE_MODELS:
            mine = {
                p: s
                for p, s in fresh.items()
                if p.parent.name == kind and p.parent.parent.name == roadmap.slug
            }
            if mine:
                lists[kind] = _merged(getattr(roadmap, kind), mine)
        return dataclasses.replace(roadmap, **lists) if lists else roadmap

    def _render(
        self,
        site: Site,
        specs: list[PageSpec],
        early: Callable[[Output], None],
        edits: Edits | None = None,
    ) -> tuple[Output, int]:
        theme = Theme.for_source(self.source)
        env, (assets, served) = theme.environment(), theme_assets(theme)

        def rendered(chosen: Collection[str] | None) -> dict[str, bytes]:
            only = None if chosen is None else (lambda spec: spec.path in chosen)
            return dict(render_files(site, env, assets, only, whole_site=False, specs=specs))

        if edits is None and self._good is not None and not self._render_all:
            edits = page_edits(self._good[0], site)
        if edits is None or self._good is None:
            files = self._whole(site, env, assets, specs, rendered(None), None)
            return Output(files, served), len(specs)
        old = self._good[1].files
        paths = [spec.path for spec in specs]
        chosen = {
            p for s, p in zip(specs, paths, strict=True) if p not in old or affected(s, edits)
        }
        # Pages the edit cannot change are the bytes of the last build, already final.
        files = {p: old[p] for p in paths if p not in chosen}
        # First the pages of the edited files, which the maintainer is looking at.
        first = {
            p
            for s, p in zip(specs, paths, strict=True)
            if p in chosen and _page_of(s) in edits.edited
        }
        files.update(rendered(first))
        if first:
            early(Output(dict(files), served))
        files.update(rendered(chosen - first))
        made = {p: files[p] for p in paths}
        return Output(self._whole(site, env, assets, specs, made, edits), served), len(chosen)

    def _whole(
        self,
        site: Site,
        env: jinja2.Environment,
        assets: dict[str, str],
        specs: list[PageSpec],
        made: dict[str, bytes],
        edits: Edits | None,
    ) -> dict[str, bytes]:
        """The rendered pages with the files made from the whole site added.

        The search index is made again entry by entry, and files an edit cannot change are
        kept: on 1,000 stages, making them all again was most of the time an edit took (issue 4).
        """
        known = {}
        if edits is not None and self._good is not None:
            known = unchanged(self._good[1].files, site, edits, env)
        known["search/index.json"] = self._index(site)
        return {**made, **dict(site_files(site, env, assets, specs, known))}


def unchanged(
    old: dict[str, bytes], site: Site, edits: Edits, env: jinja2.Environment
) -> dict[str, bytes]:
    """The files made from the whole site that `edits` cannot change, as last made.

    A roadmap's data holds only that roadmap. The default theme's sitemap, robots.txt and
    feed show front matter and never a body; a site's own template might show anything.
    """
    touched = edits.metas | {url.split("/", 1)[0] for url in edits.edited}
    paths = [f"{r.slug}/roadmap.json" for r in site.roadmaps if r.slug not in touched]
    if not (edits.metas or edits.tags):
        paths += [name for name in FRONT_MATTER_FILES if _from_default_theme(env, name)]
    return {path: old[path] for path in paths if path in old}


def _from_default_theme(env: jinja2.Environment, name: str) -> bool:
    filename = env.get_template(name).filename
    return filename is not None and Path(filename) == default_theme() / "templates" / name


def _page_sources(roadmap: RoadmapSource) -> list[PageSource[Any]]:
    return [*roadmap.stages, *roadmap.projects, *roadmap.guides]


def _site_pages(roadmap: Any) -> list[Page[Any]]:
    return [*roadmap.stages, *roadmap.projects, *roadmap.guides]


def _page_of(spec: PageSpec) -> str | None:
    """The URL of the stage, project or guide a page shows, if it shows one."""
    page = next((spec.values[k] for k in ("stage", "project", "guide") if k in spec.values), None)
    return page.url if page is not None else None


def _merged(
    pages_now: list[PageSource[Any]], fresh: dict[Path, PageSource[Any] | None]
) -> list[PageSource[Any]]:
    """`pages_now` with the fresh pages in place of their files' old ones, in file name order."""
    replaced = {display_path(p) for p in fresh}
    kept = [p for p in pages_now if p.doc.path not in replaced]
    added = [p for p in fresh.values() if p is not None]
    return sorted([*kept, *added], key=lambda page: Path(page.doc.path).name)


# --- serving ------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Shown:
    """What the server shows: the last good site and the problems of the latest build.

    While a build finishes after showing the edited pages early, `partial` is true and
    `output` holds only the files that are already final; a request for any other file waits
    for the build instead of getting an old file beside new ones (docs/design-notes.md).
    """

    output: Output | None
    problems: tuple[Problem, ...] = ()
    partial: bool = False


OVERLAY_STYLE = (
    "position:fixed;inset:1rem;z-index:2147483647;margin:0;max-width:none;max-height:none;"
    "overflow:auto;padding:1.25rem 1.5rem;border:3px solid #b3261e;border-radius:8px;"
    "background:#fff;color:#1b1b1b;font:15px/1.5 ui-monospace,SFMono-Regular,Menlo,monospace;"
    "box-shadow:0 0 0 100vmax rgba(0,0,0,.45)"
)


def overlay(problems: Iterable[Problem], has_site: bool) -> str:
    """The errors of a failed build as a dialog over the page; it closes without JavaScript."""
    lines = "\n".join(html.escape(str(p)) for p in problems)
    errors = sum(p.severity == "error" for p in problems)
    plural = "s" if errors != 1 else ""
    kept = (
        "You are looking at the last version that built." if has_site else "Nothing has built yet."
    )
    return (
        f'<dialog open id="trekgen-errors" aria-labelledby="trekgen-errors-title" '
        f'style="{OVERLAY_STYLE}">'
        f'<h2 id="trekgen-errors-title" style="margin:0 0 .5rem;font-size:1.1rem;color:#b3261e">'
        f"trekgen: {errors} error{plural}; the site was not rebuilt</h2>"
        f'<p style="margin:0 0 1rem">{kept} Fix the file and save: the page reloads itself.</p>'
        f'<pre style="margin:0 0 1rem;white-space:pre-wrap">{lines}</pre>'
        '<form method="dialog"><button style="font:inherit;padding:.25rem 1rem">Close</button>'
        "</form></dialog>"
    )


def inject(page: bytes, shown: Shown, port: int) -> bytes:
    """The page with the live reload script and, after a failed build, the error overlay."""
    script = f'<script src="/livereload.js?port={port}"></script>'.encode()
    page = page.replace(b"</head>", script + b"</head>", 1)
    if shown.problems:
        dialog = overlay(shown.problems, shown.output is not None).encode()
        page = page.replace(b"</body>", dialog + b"</body>", 1)
    return page


EMPTY_PAGE = b"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>trekgen: not built yet</title></head>
<body><main><h1>trekgen: the site has not built yet</h1></main></body></html>
"""


class Showing:
    """What the server shows, replaced whole by the build thread; requests may wait on it."""

    def __init__(self) -> None:
        self.shown = Shown(None)
        self.loop: IOLoop | None = None  # the server's, once it runs
        self._again = locks.Condition()  # notified on that loop after each change

    def show(self, shown: Shown) -> None:
        """Show `shown` from now on, and wake the requests waiting for a build to finish."""
        self.shown = shown
        if self.loop is not None:
            self.loop.add_callback(self._again.notify_all)

    async def settled(self, path: str) -> Shown:
        """What to answer `path` from: what is shown, once it holds the final file for it."""
        while self.shown.partial and self.shown.output and not find(path, self.shown.output):
            await self._again.wait()
        return self.shown


class SiteHandler(web.RequestHandler):
    """Serves the site from memory, as a static host would: folders answer with index.html."""

    def initialize(self, server: LiveServer) -> None:
        self.server = server

    async def get(self, path: str) -> None:
        shown = await self.server.showing.settled(path)
        self.set_header("Cache-Control", "no-store")
        if shown.output is None:
            self._send(500, "index.html", EMPTY_PAGE, shown)
            return
        found = find(path, shown.output)
        if found is None and find(path + "/", shown.output):
            self.redirect("/" + path + "/", permanent=False)
            return
        if found is None:
            self._send(404, "404.html", shown.output.files.get("404.html", b""), shown)
            return
        name, data = found
        self._send(200, name, data, shown)

    async def head(self, path: str) -> None:
        await self.get(path)

    def _send(self, status: int, name: str, data: bytes, shown: Shown) -> None:
        kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
        if kind == "text/html":
            data = inject(data, shown, self.server.port)
        self.set_status(status)
        self.set_header(
            "Content-Type", f"{kind}; charset=utf-8" if kind.startswith("text/") else kind
        )
        self.finish(data)


def find(path: str, output: Output) -> tuple[str, bytes] | None:
    """The file a static host would answer `path` with, and its name."""
    name = path + "index.html" if not path or path.endswith("/") else path
    if name in output.files:
        return name, output.files[name]
    if name in output.static:
        return name, output.static[name].read_bytes()
    return None


def is_loopback(host: str) -> bool:
    """True for 127.0.0.1, ::1, localhost and the like: only this machine can connect."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def exposure_warning(host: str) -> str | None:
    """The warning for a host other machines can reach, or None on loopback."""
    if is_loopback(host):
        return None
    return (
        f"trekgen: warning: serving on {host}, so other machines on the network can open "
        "the site; use --host 127.0.0.1 to keep it on this machine"
    )


class LiveServer:
    """The live preview: an HTTP server, a watcher thread, and the last good site."""

    def __init__(
        self, source: Path, host: str, port: int, say: Callable[[str, bool], None]
    ) -> None:
        self.source, self.host, self.say = source, host, say
        try:
            self._sockets = netutil.bind_sockets(port, host)
        except OSError as exc:
            raise UsageError(
                f"cannot serve on {host}:{port}: {exc.strerror}; choose another --port"
            ) from None
        self.port = int(self._sockets[0].getsockname()[1])
        shown_host = "127.0.0.1" if host in {"0.0.0.0", "::", ""} else host
        self.url = f"http://{_bracketed(shown_host)}:{self.port}/"
        self.builder = Builder(source, self.url)
        self.showing = Showing()
        self._stop = threading.Event()
        self._loop: IOLoop | None = None

    @property
    def shown(self) -> Shown:
        return self.showing.shown

    def roots(self) -> list[Path]:
        """The folders to watch: the content and the templates and static files of the theme."""
        theme = Theme.for_source(self.source)
        found = [self.source, *theme.templates, *theme.static]
        return list(dict.fromkeys(p.resolve() for p in found if p.is_dir()))

    def run(self, open_browser: bool = False) -> None:
        """Build, serve and watch until Ctrl-C."""
        http: httpserver.HTTPServer | None = None
        watcher: threading.Thread | None = None
        _stop_on_signals()
        try:
            known = files_under(self.roots())
            self._publish(self._build(None), "")
            self._loop = self.showing.loop = IOLoop.current()
            http = httpserver.HTTPServer(self._application())
            http.add_sockets(self._sockets)
            watcher = threading.Thread(target=self._watch, args=(known,), daemon=True)
            watcher.start()
            self.say(f"trekgen: serving {self.url} (Ctrl-C stops)", False)
            if open_browser:
                self._loop.add_callback(webbrowser.open, self.url)
            self._loop.start()
        except KeyboardInterrupt:
            pass
        finally:
            self._stop.set()
            if http is not None:
                http.stop()
            if watcher is not None:
                watcher.join(timeout=5)
        self.say("trekgen: stopped", False)

    def _application(self) -> web.Application:
        # livereload's handlers speak its protocol to the livereload.js client in the page.
        LiveReloadHandler.live_css = False  # a new stylesheet changes every page's HTML anyway
        LiveReloadHandler.watcher = types.SimpleNamespace(filepath=None)  # it logs this name
        return web.Application(
            [
                (r"/livereload", LiveReloadHandler),
                (r"/livereload\.js", LiveReloadJSHandler),
                (r"/(.*)", SiteHandler, {"server": self}),
            ],
            log_function=lambda handler: None,  # the terminal is for builds and their errors
        )

    def _watch(self, known: set[Path]) -> None:
        """Rebuild after every batch of changes, until stopped."""
        events = watchfiles.watch(
            *self.roots(),
            watch_filter=_visible,
            step=STEP_MS,
            stop_event=self._stop,
            rust_timeout=200,
            raise_interrupt=False,
        )
        for batch in events:
            changes = Changes.from_events(batch, known)
            if not changes:
                continue
            try:
                built = self._build(changes)
            except Exception as exc:  # a bug must not stop the preview; the next save retries
                self.builder.forget()
                self.showing.show(Shown(self.builder.output, self.shown.problems))
                self._reload_browsers()
                self.say(
                    f"trekgen: the build failed: {exc!r}; still serving the last good site", True
                )
                continue
            self._publish(built, changes.names())

    def _build(self, changes: Changes | None) -> Built:
        built = self.builder.build(changes, early=self._show_early)
        if built.output is not None and built.read_all:
            _out_of_collection()
        return built

    def _show_early(self, output: Output) -> None:
        """Serve the edited pages and reload the browser before the rest of the site is done."""
        self.showing.show(Shown(output, partial=True))
        self._reload_browsers()

    def _reload_browsers(self) -> None:
        if self._loop is not None:
            self._loop.add_callback(LiveReloadHandler.reload_waiters, "*")

    def _publish(self, built: Built, changed: str) -> None:
        """Show the build: the new site when it succeeded, the errors over the old one if not."""
        output = built.output or self.builder.output
        self.showing.show(Shown(output, tuple(built.errors)))
        for problem in built.problems:
            self.say(str(problem), True)
        took = f"in {built.seconds * 1000:.0f} ms"
        what = f"{changed} changed; " if changed else ""
        if built.errors:
            errors = len(built.errors)
            still = "still serving the last good site" if output else "nothing to serve yet"
            self.say(f"trekgen: {what}{errors} error{'s' if errors != 1 else ''}; {still}", True)
        else:
            total = f" of {built.pages}" if built.pages != built.rendered else ""
            first = ""
            if built.first_seconds < built.seconds:
                first = f" (served after {built.first_seconds * 1000:.0f} ms)"
            self.say(f"trekgen: {what}rendered {built.rendered}{total} pages {took}{first}", False)
        if built.first_seconds == built.seconds or built.errors:
            self._reload_browsers()  # otherwise the browsers reloaded with the early pages


def _out_of_collection() -> None:
    """After a build that read every file, keep what it made out of the collector's full passes.

    On 1,000 stages a full pass over the site's millions of objects took up to 0.2 s, and
    could fall between a save and its page being served (issue 4). Objects made by later
    edits are collected as usual; each such build first hands everything back to the
    collector, so garbage kept from collection lives at most until the next one.
    """
    gc.unfreeze()
    gc.collect()
    gc.freeze()


_HIDDEN = watchfiles.DefaultFilter()


def _visible(change: watchfiles.Change, path: str) -> bool:
    """Not a hidden file or an editor's swap or backup file."""
    return not Path(path).name.startswith(".") and _HIDDEN(change, path)


def _stop_on_signals() -> None:
    """Ctrl-C and SIGTERM stop the server cleanly, even when started with SIGINT ignored."""
    if threading.current_thread() is not threading.main_thread():
        return  # only the main thread may set handlers; tests run the server in a thread

    def interrupt(number: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, interrupt)
    signal.signal(signal.SIGTERM, interrupt)


def _bracketed(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def serve(source: Path, host: str, port: int, open_browser: bool) -> None:
    """`trekgen serve`: refuse a missing source, warn when others can connect, then run."""
    if not source.is_dir():
        raise UsageError(f"no source folder {display_path(source)}; give one with --source")
    # Forking render workers (trekgen.parallel) from a process that runs a server thread and a
    # watcher thread can deadlock a worker; an edit re-renders a few pages anyway.
    os.environ.setdefault("TREKGEN_JOBS", "1")
    warning = exposure_warning(host)
    if warning:
        click.echo(warning, err=True)
    server = LiveServer(source, host, port, lambda text, err: click.echo(text, err=err))
    server.run(open_browser)
