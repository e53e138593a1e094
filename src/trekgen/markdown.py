"""One configured Markdown renderer: CommonMark with tables, raw HTML off, heading anchors."""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from html import unescape
from typing import TYPE_CHECKING, Any

from markdown_it_pyrs import MarkdownIt as Engine
from markdown_it_pyrs import Node

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

# markdown-it turns a javascript:, vbscript:, file: or data: target into plain text. trekgen
# refuses such a link at its file and line instead, so a text that may hold one (as a link,
# an autolink or a reference, or spelled with an entity) is read again by the reference
# parser, which keeps every target (see `_refused_links`).
MAYBE_REFUSED = re.compile(
    r"""[\]<&]  # one class first, which the engine scans for: 4x quicker on every document
    (?: (?<=\])[(:]\s*<?(?i:javascript|vbscript|file|data)\\?:  # [a](x:...) and [r]: x:...
      | (?<=<)(?i:javascript|vbscript|file|data)\\?:  # <x:...>
      | (?<=&)(?:\#|(?i:colon);) )  # entities""",
    re.VERBOSE,
)
# What markdown-it's validateLink refuses, as it says.
REFUSED_TARGET = re.compile(
    r"\s*(?:vbscript|javascript|file|data(?!:image/(?:gif|png|jpeg|webp);)):", re.IGNORECASE
)
# The headings that get an id and an anchor link: h2 and h3.
HEADING = re.compile(r"<h([23])>(.*?)</h\1>\n", re.DOTALL)
TARGET = re.compile(r'<a href="([^"]*)"|<img src="([^"]*)"')
TABLE_HEAD = re.compile(r"<thead>\n(.*?)</thead>", re.DOTALL)
TABLE_CELL = re.compile(r"<th[^>]*>(.*?)</th>", re.DOTALL)
IMAGE = re.compile(r'<img src="[^"]*" alt="([^"]*)"[^>]*>')
TAG = re.compile(r"<[^>]*>")
ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"})


@dataclass(frozen=True)
class Heading:
    level: int
    text: str
    id: str


@dataclass(frozen=True)
class Link:
    """A link or image target, at its line and column inside the Markdown text (from 1)."""

    url: str
    line: int
    column: int
    image: bool = False


@dataclass(frozen=True)
class Rendered:
    html: str
    headings: tuple[Heading, ...]
    # Every link and image target, in order, as the parser read it.
    urls: tuple[str, ...]
    text: str
    # True when `places` may find a top-level heading or a target the engine left as text.
    flagged: bool = False


@dataclass(frozen=True)
class Places:
    """Where a document's top-level headings and link targets stand, for error messages."""

    h1_lines: tuple[int, ...]
    links: tuple[Link, ...]


@cache
def _engine() -> Engine:
    # markdown-it.rs: markdown-it's rules and output at a tenth of the time (issue 6). Raw HTML
    # is left out (so it is escaped); GitHub's tables and ~~strike~~ are in.
    return Engine("zero").enable_many(
        ["blockquote", "code", "fence", "heading", "hr", "lheading", "list", "paragraph",
         "reference", "autolink", "backticks", "emphasis", "entity", "escape", "image", "link",
         "newline", "table", "strikethrough"]
    )  # fmt: skip


@cache
def _parser() -> MarkdownIt:
    """markdown-it-py, for short inline texts and for targets the engine drops."""
    from markdown_it import MarkdownIt  # only some texts need it: keeps start-up short

    md = MarkdownIt("commonmark", {"html": False, "typographer": False}).enable("table")
    md.enable("strikethrough")
    md.validateLink = lambda url: True  # type: ignore[method-assign]
    return md


def slugify(text: str) -> str:
    """A heading's id: lowercase ASCII words joined by hyphens."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "section"


def render_markdown(source: str, reserved_ids: Sequence[str] = ()) -> Rendered:
    """HTML, headings, link targets and plain text of one Markdown document."""
    # All of it is read off the HTML: the engine's syntax tree took longer to hand over to
    # Python than the HTML took to make (issue 6). `places` reads the tree when errors need it.
    html = _engine().render(source)
    taken = set(reserved_ids)
    headings = [_anchored(int(m[1]), _inline_text(m[2]), taken) for m in HEADING.finditer(html)]
    urls = tuple(unescape(m[1] or m[2] or "") for m in TARGET.finditer(html))
    labels = [_table_label(m[1]) for m in TABLE_HEAD.finditer(html)]
    flagged = "<h1>" in html or MAYBE_REFUSED.search(source) is not None
    text = _plain_text(html)
    html = _decorated(html, headings, labels)
    return Rendered(html, tuple(headings), urls, text, flagged)


def places(source: str) -> Places:
    """The lines of top-level headings and the place of every link target, refused ones too."""
    tree = _engine().tree(source)
    where = _Positions(source.encode())
    h1: list[int] = []
    links: list[Link] = []
    for node in tree.walk():
        name = node.name
        if name in {"heading", "lheading"} and node.meta["level"] == 1:
            h1.append(where.line(_start(node)))
        elif name in {"link", "image", "autolink"}:
            links.append(where.link(node.meta["url"], _start(node), name == "image"))
    if MAYBE_REFUSED.search(source):
        links += _refused_links(source, where)
        links.sort(key=lambda link: (link.line, link.column))
    return Places(tuple(h1), tuple(links))


def render_inline(source: str) -> str:
    """A short Markdown text rendered without a wrapping paragraph."""
    return str(_parser().renderInline(source))


def _start(node: Node) -> int:
    return node.srcmap[0] if node.srcmap else 0


class _Positions:
    """Lines and columns (from 1, in characters) of byte offsets into a UTF-8 text."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.starts = [0, *(m.end() for m in re.finditer(b"\n", data))]

    def line(self, offset: int) -> int:
        return bisect_right(self.starts, offset)

    def link(self, url: str, offset: int, image: bool) -> Link:
        # The target as written, when it is (not percent-encoded by the parser, say).
        found = self.data.find(url.encode(), offset)
        end = self.data.find(b"\n\n", offset)
        if found >= 0 and (end < 0 or found < end):
            offset = found
        line = self.line(offset)
        column = len(self.data[self.starts[line - 1] : offset].decode()) + 1
        return Link(url, line, column, image)


def _anchored(level: int, text: str, taken: set[str]) -> Heading:
    base = slugify(text)
    anchor, n = base, 1
    while anchor in taken:
        n += 1
        anchor = f"{base}-{n}"
    taken.add(anchor)
    return Heading(level, text, anchor)


def _inline_text(html: str) -> str:
    """The text of rendered inline Markdown; line breaks join without a space, images drop."""
    return unescape(TAG.sub("", html.replace("\n", "")))


def _table_label(head: str) -> str:
    cells = (_inline_text(cell) for cell in TABLE_CELL.findall(head))
    return ("Table: " + ", ".join(cells)).translate(ESCAPES)


def _decorated(html: str, headings: Sequence[Heading], labels: Sequence[str]) -> str:
    """Ids and anchor links on h2 and h3, and a scrolling region around each table."""
    anchors = iter(headings)

    def anchored(match: re.Match[str]) -> str:
        anchor = next(anchors).id
        link = f'<a class="anchor" href="#{anchor}" aria-hidden="true" tabindex="-1">#</a>'
        return f'<h{match[1]} id="{anchor}">{match[2]} {link}</h{match[1]}>\n'

    if headings:
        html = HEADING.sub(anchored, html)
    if labels:
        # A focusable wrapper that scrolls, so a wide table never widens the page on a phone.
        parts = html.split("<table>\n")
        html = parts[0] + "".join(
            f'<div class="table-scroll" tabindex="0" role="region" aria-label="{label}">'
            f"\n<table>\n{part}"
            for label, part in zip(labels, parts[1:], strict=True)
        )
        html = html.replace("</table>\n", "</table>\n</div>\n")
    return html


def _plain_text(html: str) -> str:
    # From the HTML, quicker than from the tree's nodes; an image counts as its alt text.
    text = TAG.sub(" ", IMAGE.sub(r" \1 ", html))
    return " ".join(unescape(text).split())


def _refused_links(source: str, where: _Positions) -> Iterator[Link]:
    """Targets the engine leaves as text, read by the reference parser at their place."""
    for block in _parser().parse(source):
        if block.type != "inline" or not block.map:
            continue
        for child in block.children or []:
            url: Any = child.attrGet("href") if child.type == "link_open" else None
            if child.type == "image":
                url = child.attrGet("src")
            if isinstance(url, str) and REFUSED_TARGET.match(url):
                start = where.starts[min(block.map[0], len(where.starts) - 1)]
                yield where.link(url, start, child.type == "image")
