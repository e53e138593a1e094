"""`trekgen check`: everything `build` validates, plus every link written in the content.

Links inside the site are resolved against the URL of the page that shows them, in the site
as `build` would write it (rendered in memory here), and must reach a page or file; a
`#fragment` must name an id on that page. Web links are checked only on request, concurrently,
with timeouts, retries and an on-disk cache; a dead one is a warning at its file and line.
"""

from __future__ import annotations

import difflib
import json
import os
import posixpath
import re
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import jinja2
from pydantic import BaseModel

from trekgen import __version__
from trekgen.build import Output, check, render_site, template_problem
from trekgen.errors import ContentError, Location, Problem, display_path
from trekgen.load import STAGE_FILE
from trekgen.markdown import places
from trekgen.render import base_path, relative
from trekgen.site import Page, Roadmap, Site
from trekgen.theme import Theme

# Which page shows the Markdown fields of each YAML file, as render.py lays the site out.
SHOWN_ON = {
    "roadmap.yaml": "",
    "skills.yaml": "skills/",
    "workflow.yaml": "workflow/",
    "ladder.yaml": "ladder/",
    "diagrams.yaml": "concepts/",
}
# A character that can continue a URL; YAML flow syntax (`,` and `}`) and quotes end one.
URL_END = re.compile(r"[^\s)\]\"'>,}]")
ID_ATTRIBUTE = re.compile(rb'\sid="([^"]+)"')


@dataclass(frozen=True)
class Written:
    """A link target as the content writes it: where, and on which page of the site it shows."""

    url: str
    location: Location
    page: str
    image: bool = False

    @property
    def is_web(self) -> bool:
        return urlsplit(self.url).scheme.lower() in {"http", "https"}

    @property
    def is_internal(self) -> bool:
        parts = urlsplit(self.url)
        return not parts.scheme and not parts.netloc


@dataclass(frozen=True)
class CheckReport:
    """What `trekgen check` found when nothing was an error."""

    roadmaps: int
    stages: int
    internal: int
    web: int
    from_cache: int
    warnings: list[Problem]


def check_site(
    source: Path,
    *,
    web: bool = False,
    strict: bool = False,
    cache_dir: Path | None = None,
    fetch: Callable[[str], Verdict] | None = None,
) -> CheckReport:
    """Validate, render in memory and check links; raises ContentError with every problem."""
    site, warnings = check(source)
    try:
        output = render_site(site, Theme.for_source(source))
    except jinja2.TemplateError as exc:
        raise ContentError([template_problem(exc)]) from None
    links = list(written_links(site, source))
    problems = [*warnings, *internal_problems(links, output, site.config.base_url)]
    checked, cached = 0, 0
    if web:
        targets = web_targets(links)
        cache_file = LinkCache((cache_dir or default_cache_dir()) / "links.json")
        verdicts, cached = check_web(list(targets), cache_file, fetch or Fetcher().verdict)
        checked = len(targets)
        problems.extend(web_problems(targets, verdicts))
    if strict:
        problems = [Problem(p.location, p.message, "error") for p in problems]
    problems = sorted(set(problems))
    if any(p.severity == "error" for p in problems):
        raise ContentError(problems)
    stages = sum(len(r.stages) for r in site.roadmaps)
    internal = sum(link.is_internal for link in links)
    return CheckReport(len(site.roadmaps), stages, internal, checked, cached, problems)


# --- the links the content writes ---------------------------------------------------------


def written_links(site: Site, source: Path) -> Iterator[Written]:
    """Every link target of every page body and of every YAML file, at its place."""
    for roadmap in site.roadmaps:
        for page in _pages(roadmap):
            yield from _page_links(page)
        for name, page_url in SHOWN_ON.items():
            model = _section(roadmap, name)
            if model is not None:
                yield from _yaml_links(source / roadmap.slug / name, model, roadmap.url + page_url)


def _pages(roadmap: Roadmap) -> Iterator[Page[Any]]:
    yield from roadmap.stages
    yield from roadmap.projects
    yield from roadmap.guides


def _section(roadmap: Roadmap, name: str) -> BaseModel | None:
    if name == "roadmap.yaml":
        return roadmap.header
    section: BaseModel | None = getattr(roadmap, name.removesuffix(".yaml"))
    return section


def _page_links(page: Page[Any]) -> Iterator[Written]:
    text = Path(page.source).read_text(encoding="utf-8")
    offset = body_line(text) - 1
    lines = text.splitlines(keepends=True)
    for link in places("".join(lines[offset:])).links:
        where = Location(page.source, link.line + offset, link.column)
        yield Written(link.url, where, page.url, link.image)
    front = "".join(lines[:offset])
    yield from _located(page.source, front, _urls_in(page.meta), page.url)


def _yaml_links(path: Path, model: BaseModel, page_url: str) -> Iterator[Written]:
    shown = display_path(path)
    yield from _located(shown, path.read_text(encoding="utf-8"), _urls_in(model), page_url)


def body_line(text: str) -> int:
    """The line where the Markdown body starts, after the closing `---` of the front matter."""
    lines = text.removeprefix("\ufeff").splitlines()
    closing = next((i for i in range(1, len(lines)) if lines[i].rstrip() == "---"), len(lines))
    return closing + 2


def _urls_in(model: BaseModel) -> list[str]:
    """URL values of a model (any key named url) and link targets inside its Markdown fields."""
    found: list[str] = []

    def walk(value: Any, key: str = "") -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, str(k))
        elif isinstance(value, list):
            for item in value:
                walk(item, key)
        elif isinstance(value, str) and key == "url":
            found.append(value)
        elif isinstance(value, str) and ("](" in value or "<http" in value):
            found.extend(link.url for link in _markdown_links(value))

    walk(model.model_dump(mode="json", by_alias=True))
    return list(dict.fromkeys(found))


@cache
def _markdown_links(text: str) -> tuple[Any, ...]:
    return places(text).links


def _located(path: str, text: str, urls: Iterable[str], page: str) -> Iterator[Written]:
    """Each URL at every place the text writes it; at the top of the file if none is found."""
    for url in urls:
        places = list(_occurrences(text, url)) or [(1, 1)]
        for line, column in places:
            yield Written(url, Location(path, line, column), page)


def _occurrences(text: str, url: str) -> Iterator[tuple[int, int]]:
    # str.find, as re.finditer over the escaped URL would find them: compiling a pattern for
    # each URL was most of the time spent finding links (issue 6).
    start = text.find(url)
    while start >= 0:
        end = start + len(url)
        if end >= len(text) or not URL_END.match(text[end]):  # else a longer URL
            line = text.count("\n", 0, start) + 1
            column = start - (text.rfind("\n", 0, start) + 1) + 1
            yield line, column
        start = text.find(url, max(end, start + 1))  # an empty URL: the next character


# --- links inside the site ----------------------------------------------------------------


@dataclass
class SiteIndex:
    """The output paths of a rendered site and, on demand, the ids of each HTML page."""

    output: Output
    base: str
    _ids: dict[str, set[str]] = field(default_factory=dict)

    def has(self, path: str) -> bool:
        return path in self.output.files or path in self.output.static

    def ids(self, path: str) -> set[str]:
        if path not in self._ids:
            html = self.output.files.get(path, b"")
            self._ids[path] = {m.decode() for m in ID_ATTRIBUTE.findall(html)}
        return self._ids[path]

    def page_urls(self) -> list[str]:
        return sorted(
            p.removesuffix("index.html") for p in self.output.files if p.endswith(".html")
        )


def internal_problems(links: list[Written], output: Output, base_url: str | None) -> list[Problem]:
    """A problem for every link inside the site that reaches no page, file or id."""
    index = SiteIndex(output, base_path(base_url))
    problems = []
    for link in links:
        if link.is_internal:
            problems.extend(_check_internal(link, index))
    return problems


def _check_internal(link: Written, index: SiteIndex) -> list[Problem]:
    parts = urlsplit(link.url)
    path, rooted = unquote(parts.path), parts.path.startswith("/")
    if rooted:
        target = path[len(index.base) :] if path.startswith(index.base) else path.lstrip("/")
    else:
        here = (
            link.page if link.page.endswith("/") or not link.page else posixpath.dirname(link.page)
        )
        target = posixpath.normpath(posixpath.join(here or ".", path)) if path else link.page
        if target == ".":
            target = ""
        elif path.endswith("/") and not target.endswith("/"):
            target += "/"
    if target == ".." or target.startswith("../"):
        return [_error(link, f"link {link.url!r} leads outside the site")]
    found = _file_for(target, index)
    if found is None:
        return [
            _error(
                link,
                f"link {link.url!r} reaches no page or file of the site"
                f" (/{target}){_suggest(link, target, index)}",
            )
        ]
    problems = []
    if parts.fragment and found.endswith(".html") and parts.fragment not in index.ids(found):
        ids = sorted(index.ids(found))
        close = difflib.get_close_matches(parts.fragment, ids, n=1, cutoff=0.6)
        hint = f"; did you mean '#{close[0]}'?" if close else ""
        shown = "this page" if found == _file_for(link.page, index) else f"/{target}"
        problems.append(
            _error(link, f"link {link.url!r}: no id '{parts.fragment}' on {shown}{hint}")
        )
    if rooted:
        better = relative(target, link.page) + (f"#{parts.fragment}" if parts.fragment else "")
        problems.append(
            Problem(
                link.location,
                (
                    f"link {link.url!r} starts at the site root, so it breaks when the site "
                    f"is served under a sub-path; write {better!r}"
                ),
                "warning",
            )
        )
    return problems


def _file_for(target: str, index: SiteIndex) -> str | None:
    """The output file a link target reaches, as a static server would find it."""
    if not target or target.endswith("/"):
        candidates = [target + "index.html"]
    else:
        candidates = [target, target + "/index.html"]
    return next((c for c in candidates if index.has(c)), None)


def _suggest(link: Written, target: str, index: SiteIndex) -> str:
    name = posixpath.basename(target.rstrip("/"))
    match = STAGE_FILE.fullmatch(name) or re.fullmatch(r"()(.+)\.md", name)
    wanted = target
    if match:
        # A link to a source file: the page of that file has its slug as folder name.
        pages = [u for u in index.page_urls() if u.endswith(f"/{match[2]}/")]
        if pages:
            return f"; link to the page, not its source file: {relative(pages[0], link.page)!r}"
        wanted = posixpath.dirname(target) + f"/{match[2]}/"
    close = difflib.get_close_matches(wanted, index.page_urls(), n=1, cutoff=0.6)
    return f"; did you mean {relative(close[0], link.page)!r}?" if close else ""


def _error(link: Written, message: str) -> Problem:
    return Problem(link.location, message, "error")


# --- web links ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    """What a web link answered: alive or dead, and why."""

    alive: bool
    reason: str


def web_targets(links: Iterable[Written]) -> dict[str, list[Location]]:
    """Every http(s) URL, with every place that writes it."""
    targets: dict[str, list[Location]] = {}
    for link in links:
        if link.is_web:
            targets.setdefault(link.url.split("#", 1)[0], []).append(link.location)
    return targets


def web_problems(targets: dict[str, list[Location]], verdicts: dict[str, Verdict]) -> list[Problem]:
    """A warning at each place that writes a dead web link."""
    return [
        Problem(place, f"web link {url} is dead: {verdicts[url].reason}", "warning")
        for url, places in targets.items()
        if not verdicts[url].alive
        for place in places
    ]


def check_web(
    urls: list[str], cache: LinkCache, fetch: Callable[[str], Verdict], workers: int = 8
) -> tuple[dict[str, Verdict], int]:
    """A verdict for every URL, fetched concurrently unless the cache vouches for it."""
    # Imported here, as urllib.request is below: only --external-links needs them, and they
    # cost some 30 ms of start-up on every `trekgen check` (issue 6).
    import concurrent.futures

    verdicts = {url: Verdict(True, "cached") for url in urls if cache.fresh(url)}
    missing = [url for url in urls if url not in verdicts]
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
        for url, verdict in zip(missing, pool.map(fetch, missing), strict=True):
            verdicts[url] = verdict
            cache.record(url, verdict)
    cache.save()
    return verdicts, len(urls) - len(missing)


class Fetcher:
    """HTTP checks: HEAD first, GET when HEAD is refused; retries on timeouts, 429 and 5xx."""

    def __init__(
        self, timeout: float = 10.0, retries: int = 2, backoff: float = 1.0, per_host: int = 2
    ) -> None:
        self.timeout, self.retries, self.backoff = timeout, retries, backoff
        self._per_host = per_host
        self._hosts: dict[str, threading.Semaphore] = {}
        self._lock = threading.Lock()

    def verdict(self, url: str) -> Verdict:
        """Whether `url` answers, after retries."""
        verdict = Verdict(False, "not checked")
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(self.backoff * 2 ** (attempt - 1))
            verdict, again = self._once(url)
            if not again:
                break
        return verdict

    def _once(self, url: str) -> tuple[Verdict, bool]:
        with self._host(url):
            status = self._status(url, "HEAD")
            if status in {403, 404, 405, 501} or status is None:
                # Many servers refuse HEAD but answer GET; only a GET's answer is final.
                status = self._status(url, "GET")
        if isinstance(status, int) and status < 400:
            return Verdict(True, f"HTTP {status}"), False
        reason = f"HTTP {status}" if isinstance(status, int) else str(status or "no answer")
        transient = not isinstance(status, int) or status == 429 or status >= 500
        return Verdict(False, reason), transient

    def _status(self, url: str, method: str) -> int | str | None:
        import urllib.error
        import urllib.request

        request = urllib.request.Request(
            url,
            method=method,
            headers={
                "User-Agent": f"trekgen-linkcheck/{__version__}",
                "Accept": "*/*",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                return int(answer.status)
        except urllib.error.HTTPError as exc:
            return int(exc.code)
        except TimeoutError:
            return f"no answer within {self.timeout:g} s"
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            return "timed out" if isinstance(reason, TimeoutError) else str(reason)

    def _host(self, url: str) -> threading.Semaphore:
        host = urlsplit(url).netloc.lower()
        with self._lock:
            return self._hosts.setdefault(host, threading.Semaphore(self._per_host))


def default_cache_dir() -> Path:
    """$XDG_CACHE_HOME/trekgen, or ~/.cache/trekgen."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "trekgen"


class LinkCache:
    """Web links found alive, with when: trusted for a day; dead ones are always checked again."""

    def __init__(self, path: Path, max_age: float = 24 * 3600) -> None:
        self.path, self.max_age = path, max_age
        self._alive: dict[str, float] = self._read()

    def _read(self) -> dict[str, float]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}  # no cache yet, or a damaged one: check everything again
        alive = data.get("alive", {}) if isinstance(data, dict) else {}
        return {str(k): float(v) for k, v in alive.items() if isinstance(v, int | float)}

    def fresh(self, url: str) -> bool:
        return time.time() - self._alive.get(url, float("-inf")) < self.max_age

    def record(self, url: str, verdict: Verdict) -> None:
        if verdict.alive:
            self._alive[url] = time.time()
        else:
            self._alive.pop(url, None)

    def save(self) -> None:
        """Write the cache atomically, so that two runs never leave half a file."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = json.dumps({"alive": dict(sorted(self._alive.items()))}, indent=0)
        handle, name = tempfile.mkstemp(prefix=".links-", dir=self.path.parent)
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(data)
        os.replace(name, self.path)
