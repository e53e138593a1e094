"""One configured Markdown renderer: CommonMark with tables, raw HTML off, heading anchors."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

ANCHOR_LEVELS = (2, 3)


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
def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "typographer": False}).enable("table")
    md.enable("strikethrough")
    # Every target is checked by trekgen with its file and line, instead of being dropped silently.
    md.validateLink = lambda url: True  # type: ignore[method-assign]
    md.add_render_rule("heading_close", _heading_close)
    md.add_render_rule("table_open", _table_open)
    md.add_render_rule("table_close", _table_close)
    return md


def _heading_close(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    anchor = tokens[idx].meta.get("anchor")
    link = f' <a class="anchor" href="#{anchor}" aria-hidden="true" tabindex="-1">#</a>'
    if not anchor:
        link = ""
    return f"{link}</{tokens[idx].tag}>\n"


def _table_open(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    # A focusable wrapper that scrolls, so a wide table never widens the page on a phone.
    headers = []
    for token in tokens[idx:]:
        if token.type == "tr_close":
            break
        if token.type == "inline":
            headers.append(token.content)
    label = escapeHtml("Table: " + ", ".join(headers))
    return f'<div class="table-scroll" tabindex="0" role="region" aria-label="{label}">\n<table>\n'


def _table_close(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    return "</table>\n</div>\n"


def slugify(text: str) -> str:
    """A heading's id: lowercase ASCII words joined by hyphens."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "section"


def render_markdown(source: str, reserved_ids: Sequence[str] = ()) -> Rendered:
    """HTML, headings, links and plain text of one Markdown document."""
    md = _parser()
    tokens = md.parse(source)
    headings = _anchor_headings(tokens, set(reserved_ids))
    lines = source.splitlines()
    links = tuple(_links(tokens, lines))
    h1 = tuple(t.map[0] + 1 for t in tokens if t.type == "heading_open" and t.tag == "h1" and t.map)
    html = md.renderer.render(tokens, md.options, {})
    return Rendered(html, headings, links, _plain_text(tokens), h1)


def render_inline(source: str) -> str:
    """A short Markdown text rendered without a wrapping paragraph."""
    return str(_parser().renderInline(source))


def _anchor_headings(tokens: list[Token], taken: set[str]) -> tuple[Heading, ...]:
    headings = []
    for index, token in enumerate(tokens):
        if token.type != "heading_open":
            continue
        level = int(token.tag[1])
        inline = tokens[index + 1]
        text = "".join(
            c.content for c in inline.children or [] if c.type in {"text", "code_inline"}
        )
        if level not in ANCHOR_LEVELS:
            continue
        base = slugify(text)
        anchor, n = base, 1
        while anchor in taken:
            n += 1
            anchor = f"{base}-{n}"
        taken.add(anchor)
        token.attrSet("id", anchor)
        tokens[index + 2].meta["anchor"] = anchor
        headings.append(Heading(level, text, anchor))
    return tuple(headings)


def _links(tokens: list[Token], lines: list[str]) -> list[Link]:
    found = []
    for block in tokens:
        if block.type != "inline" or not block.map:
            continue
        for child in block.children or []:
            url: Any = child.attrGet("href") if child.type == "link_open" else None
            if child.type == "image":
                url = child.attrGet("src")
            if isinstance(url, str):
                line, column = _find(url, lines, block.map[0], block.map[1])
                found.append(Link(url, line, column, child.type == "image"))
    return found


def _find(url: str, lines: list[str], start: int, end: int) -> tuple[int, int]:
    for number in range(start, min(end, len(lines))):
        column = lines[number].find(url)
        if column >= 0:
            return number + 1, column + 1
    return start + 1, 1


def _plain_text(tokens: list[Token]) -> str:
    parts = []
    for token in tokens:
        if token.type == "inline":
            parts.append(" ".join(c.content for c in token.children or [] if c.content))
        elif token.type in {"fence", "code_block"}:
            parts.append(token.content)
    return re.sub(r"\s+", " ", " ".join(parts)).strip()
