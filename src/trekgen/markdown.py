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

ANCHOR_LEVELS = (2, 3)
# markdown-it turns a javascript:, vbscript:, file: or data: target into plain text. trekgen
# refuses such a link at its file and line instead, so a text that may hold one (as a link,
# an autolink or a reference, or spelled with an entity) is read again by the reference
# parser, which keeps every target (see `_refused_links`).
MAYBE_REFUSED = re.compile(
    r"(?:\]\(\s*<?|\]:\s*<?|<)(?:javascript|vbscript|file|data)\\?:|&#|&colon;", re.IGNORECASE
)
# What markdown-it's validateLink refuses, as it says.
REFUSED_TARGET = re.compile(
    r"\s*(?:vbscript|javascript|file|data(?!:image/(?:gif|png|jpeg|webp);)):", re.IGNORECASE
)
INLINE_TEXT = frozenset({"text", "text_special"})
HEADING = re.compile(r"<h([23])>(.*?)</h\1>\n", re.DOTALL)
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
    links: tuple[Link, ...]
    text: str
    h1_lines: tuple[int, ...] = ()


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
    """HTML, headings, links and plain text of one Markdown document."""
    engine = _engine()
    tree = engine.tree(source)
    data = source.encode()
    where = _Positions(data)
    headings: list[Heading] = []
    taken = set(reserved_ids)
    h1: list[int] = []
    links: list[Link] = []
    labels: list[str] = []
    for node in tree.walk():
        name = node.name
        if name in {"heading", "lheading"}:
            level = node.meta["level"]
            if level == 1:
                h1.append(where.line(_start(node)))
            elif level in ANCHOR_LEVELS:
                headings.append(_anchored(node, level, taken))
        elif name in {"link", "image", "autolink"}:
            links.append(where.link(node.meta["url"], _start(node), name == "image"))
        elif name == "thead":
            labels.append(_table_label(node, data))
    if MAYBE_REFUSED.search(source):
        links += _refused_links(source, where)
        links.sort(key=lambda link: (link.line, link.column))
    html = engine.render(source)
    text = _plain_text(html)
    html = _decorated(html, headings, labels)
    return Rendered(html, tuple(headings), tuple(links), text, tuple(h1))


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


def _anchored(node: Node, level: int, taken: set[str]) -> Heading:
    text = "".join(_heading_text(node))
    base = slugify(text)
    anchor, n = base, 1
    while anchor in taken:
        n += 1
        anchor = f"{base}-{n}"
    taken.add(anchor)
    return Heading(level, text, anchor)


def _heading_text(node: Node) -> Iterator[str]:
    for child in node.children:
        if child.name in INLINE_TEXT:
            yield child.meta.get("content", "")
        elif child.name != "image":
            yield from _heading_text(child)


def _table_label(head: Node, data: bytes) -> str:
    cells = [c for row in head.children for c in row.children]
    text = [data[c.srcmap[0] : c.srcmap[1]].decode() if c.srcmap else "" for c in cells]
    return ("Table: " + ", ".join(text)).translate(ESCAPES)


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
