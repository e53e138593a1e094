"""Every internal link and #fragment of the built site resolves, at the root and under /trek/.

A pure-Python crawl of the built files: no browser, no server."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest

ROOT_URL = "http://site.test/"
# Attributes that point at another resource; srcset holds several, split below.
LINKING = {"href", "src", "xlink:href", "action", "poster", "data"}


@dataclass
class Parsed:
    """What one HTML file holds: its ids and the addresses it points at."""

    ids: set[str] = field(default_factory=set)
    links: list[str] = field(default_factory=list)


class Collector(HTMLParser):
    """Collects ids, a names and outgoing addresses of one HTML document."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parsed = Parsed()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is None:
                continue
            if name == "id" or (tag == "a" and name == "name"):
                self.parsed.ids.add(value)
            elif name in LINKING:
                self.parsed.links.append(value)
            elif name == "srcset":
                self.parsed.links += [c.split()[0] for c in value.split(",") if c.strip()]


def parse(file: Path) -> Parsed:
    """The ids and links of an HTML file."""
    collector = Collector()
    collector.feed(file.read_text(encoding="utf-8"))
    return collector.parsed


@dataclass
class Crawl:
    """A built site read from disk, as served at `base` (a full URL ending in /)."""

    folder: Path
    base: str
    pages: dict[str, Parsed] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for file in sorted(self.folder.rglob("*.html")):
            self.pages[file.relative_to(self.folder).as_posix()] = parse(file)

    def page_url(self, path: str) -> str:
        """The public URL of a file: folders end in / (pretty URLs)."""
        return self.base + path.removesuffix("index.html")

    def target(self, url: str) -> Path | None:
        """The file a URL of this site is served from, or None when it leaves the site."""
        parts = urlsplit(url)
        base = urlsplit(self.base)
        if (parts.scheme, parts.netloc) != (base.scheme, base.netloc):
            return None
        path = unquote(parts.path)
        if not path.startswith(base.path):
            return self.folder / "\0outside"  # on the host but outside the site: broken
        relative = path.removeprefix(base.path)
        file = self.folder / relative
        return file / "index.html" if relative == "" or relative.endswith("/") else file

    def broken(self) -> list[str]:
        """Every link to a missing file, a folder without its slash, or a missing #id."""
        found = []
        for path, parsed in self.pages.items():
            here = self.page_url(path)
            for link in parsed.links:
                problem = self.check(urljoin(here, link))
                if problem:
                    found.append(f"{path}: {link!r} {problem}")
        return found

    def check(self, url: str) -> str | None:
        """Why a link is broken, or None when it resolves."""
        if urlsplit(url).scheme not in {"http", "https"}:
            return None  # mailto:, tel:, data: and the like
        file = self.target(url)
        if file is None:
            return None  # external; `trekgen check --external-links` is the place for those
        if "\0" in str(file) or not file.is_file():
            return "points at nothing"
        fragment = unquote(urlsplit(url).fragment)
        if not fragment or fragment == "top":
            return None
        relative = file.relative_to(self.folder).as_posix()
        if relative not in self.pages:
            return f"has a #fragment on a file that is not HTML ({relative})"
        return None if fragment in self.pages[relative].ids else f"has no element id={fragment!r}"

    def unreachable(self, start: str = "index.html") -> list[str]:
        """Pages that no chain of links from the index reaches (404.html excepted)."""
        seen, todo = {start}, [start]
        while todo:
            path = todo.pop()
            for link in self.pages[path].links:
                file = self.target(urljoin(self.page_url(path), link))
                if file is None or "\0" in str(file) or not file.is_file():
                    continue
                relative = file.relative_to(self.folder).as_posix()
                if relative in self.pages and relative not in seen:
                    seen.add(relative)
                    todo.append(relative)
        return sorted(set(self.pages) - seen - {"404.html"})


def test_the_crawler_reports_a_missing_page_and_a_missing_fragment(tmp_path: Path) -> None:
    """The crawl itself: a broken link and a broken #fragment are caught, good ones are not."""
    (tmp_path / "a").mkdir()
    (tmp_path / "index.html").write_text(
        '<a href="a/">ok</a> <a href="a/#here">ok</a> <a href="a/#gone">bad</a>'
        ' <a href="b/">bad</a> <a href="https://example.org/">external</a> <a href="#top">ok</a>'
        ' <a href="mailto:x@example.org">mail</a> <a href="a">no slash</a>'
    )
    (tmp_path / "a" / "index.html").write_text('<h2 id="here">Here</h2><a href="../">up</a>')
    crawl = Crawl(tmp_path, ROOT_URL)
    assert crawl.broken() == [
        "index.html: 'a/#gone' has no element id='gone'",
        "index.html: 'b/' points at nothing",
        "index.html: 'a' points at nothing",
    ]
    assert crawl.unreachable() == []


@pytest.fixture(scope="module", params=["root", "subpath"])
def crawl(request: pytest.FixtureRequest) -> Crawl:
    """The bundled site as served at the root, then as built for and served under /trek/."""
    if request.param == "root":
        return Crawl(request.getfixturevalue("site_dir"), ROOT_URL)
    folder: Path = request.getfixturevalue("subpath_site_dir")
    return Crawl(folder, request.getfixturevalue("subpath_url"))


def test_every_internal_link_and_fragment_resolves(crawl: Crawl) -> None:
    """No link inside the site points at a missing page, file or #id."""
    broken = crawl.broken()
    assert broken == [], "\n".join(broken)


def test_every_page_is_reachable_from_the_index(crawl: Crawl) -> None:
    """Nothing is built that a reader cannot get to by following links."""
    assert crawl.unreachable() == []


def test_every_sitemap_address_is_a_page_of_the_site(crawl: Crawl) -> None:
    """The sitemap lists real pages (full URLs under a base URL, paths from / without one)."""
    text = (crawl.folder / "sitemap.xml").read_text(encoding="utf-8")
    locations = re.findall(r"<loc>([^<]+)</loc>", text)
    assert locations
    missing = [loc for loc in locations if crawl.check(urljoin(crawl.base, loc))]
    assert missing == []
