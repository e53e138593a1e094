"""The shortcuts taken for speed (issue 6) give exactly what the plain ways give."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import pickle
import posixpath
import random
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trekgen import markdown, parallel, sources
from trekgen.render import _relpath, links_from, relative
from trekgen.theme import embed

BUNDLED = Path(__file__).resolve().parents[1] / "roadmap"
# What a maintainer's slip inserts: YAML syntax, whitespace, odd characters.
SLIPS = [*":- \t\"'*&!\n[]{}#|>?,%@`\\", "\u00e9", "\u2028", "\x85", "\x07", "\ufeff"]
SLIPS += ["  ", "\n  ", ": ", "- ", "*a", "&a ", "? "]


def yaml_texts() -> list[str]:
    """The YAML of every bundled file: whole YAML files and front matter."""
    texts = []
    for path in sorted(BUNDLED.rglob("*")):
        if path.suffix in {".yaml", ".md"}:
            text = path.read_text(encoding="utf-8")
            texts.append(text.split("---\n")[1] if path.suffix == ".md" else text)
    return texts


def parsed(text: str, fast: bool, monkeypatch: pytest.MonkeyPatch) -> object:
    """The Document of `text`, or the problem it raises, with or without libyaml."""
    loader = sources._FAST_LOADER if fast else None
    with monkeypatch.context() as patch:
        patch.setattr(sources, "_FAST_LOADER", loader)
        try:
            doc = sources.parse_yaml(text, "x.yaml", first_line=2)
        except sources.SourceError as exc:
            return str(exc.problem)
        except Exception as exc:  # a crash must at least be the same crash
            return type(exc).__name__
    return repr(doc.data), doc.values, doc.keys


def mutated(text: str, rng: random.Random) -> str:
    """A few lines of `text` with one to four slips."""
    lines = text.splitlines(keepends=True)
    start = rng.randrange(max(1, len(lines) - 12))
    text = "".join(lines[start : start + rng.randint(1, 12)])
    for _ in range(rng.randint(1, 4)):
        at = rng.randrange(len(text) + 1)
        roll = rng.random()
        if roll < 0.5:
            text = text[:at] + rng.choice(SLIPS) + text[at:]
        elif roll < 0.8:
            text = text[:at] + text[at + rng.randint(1, 3) :]
        else:
            text = text[:at] + rng.choice(SLIPS) + text[at + 1 :]
    return text


@pytest.mark.skipif(sources._FAST_LOADER is None, reason="PyYAML without libyaml")
def test_libyaml_gives_what_the_python_loader_gives(monkeypatch: pytest.MonkeyPatch) -> None:
    """Same values, same lines and columns, same errors: on the content and on broken copies."""
    texts = yaml_texts()
    rng = random.Random(6)
    cases = texts + [mutated(rng.choice(texts), rng) for _ in range(1500)]
    different = [
        text
        for text in cases
        if parsed(text, True, monkeypatch) != parsed(text, False, monkeypatch)
    ]
    assert different == []


def test_aliases_are_refused_with_libyaml_too() -> None:
    with pytest.raises(sources.SourceError, match="aliases"):
        sources.parse_yaml("a: &x [1]\nb: *x\n", "x.yaml")


def test_too_many_values_are_refused_with_libyaml_too(monkeypatch: pytest.MonkeyPatch) -> None:
    # Without an alias, the count is skipped only for a text too short to reach the limit.
    monkeypatch.setattr(sources, "MAX_NODES", 50)
    assert sources.parse_yaml("[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]", "x.yaml").data == list(
        range(1, 12)
    )
    with pytest.raises(sources.SourceError, match="more than 50 YAML values"):
        sources.parse_yaml("[" + ", ".join(["1"] * 60) + "]", "x.yaml")


# Markdown a maintainer writes, and some they should not: each case joins a few of these.
BLOCKS = [
    "## Title", "### Sub *em* `code`", "# Top", "Setext\n---", "Setext one\n===",
    "para with [a link](u.md) and ![an image](i.png)", "text \\* escaped &amp; &copy; &#65;",
    "- a\n- b\n  - c [z](z.md#q)", "1. one\n2. two\n\n   more", "> quote\n> ## in a quote",
    "| a | `b` | |\n|---|:-:|--:|\n| 1 | [t](t.md) | x |", "```py\ncode [n](m) <b>\n```",
    "    indented code", "[r][ref]\n\n[ref]: <a b> 'T'", "~~struck~~ __strong__ _em_",
    "line  \nhard break\nsoft", "<b>raw</b> <script>x</script>", "***", "é [ü](ü.md) ![ö](ö.png)",
    "<https://example.org>", "[x](javascript:alert(1))", "![d](data:image/png;base64,AAAA)",
    "[multi\nline](m.md) [m2](m.md)", "a | b\n- | -\n1 | 2", "* [ ] task\n* [x] done",
    "Setext *over*\ntwo  \nlines\n---",
]  # fmt: skip


def markdown_texts() -> list[str]:
    """The bundled Markdown bodies, then deterministic mixes of BLOCKS."""
    texts = [p.read_text(encoding="utf-8").split("---\n", 2)[-1] for p in BUNDLED.rglob("*.md")]
    rng = random.Random(6)
    texts += ["\n\n".join(rng.choices(BLOCKS, k=rng.randint(1, 8))) for _ in range(1500)]
    return texts


def test_the_markdown_engine_renders_what_markdown_it_py_renders() -> None:
    """markdown-it.rs in place of markdown-it-py (issue 6): the same HTML, raw HTML escaped."""
    from markdown_it import MarkdownIt

    reference = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])
    engine = markdown._engine()
    different = [t for t in markdown_texts() if engine.render(t) != reference.render(t)]
    assert different == []


def tree_headings(text: str) -> list[tuple[int, str]]:
    """Level and text of each h2 and h3, read off the engine's syntax tree."""

    def words(node: markdown.Node) -> str:
        if node.name in {"text", "text_special"}:
            return str(node.meta.get("content", ""))
        return "" if node.name == "image" else "".join(words(c) for c in node.children)

    return [
        (node.meta["level"], words(node))
        for node in markdown._engine().tree(text).walk()
        if node.name in {"heading", "lheading"} and node.meta["level"] in (2, 3)
    ]


def test_headings_and_targets_read_off_the_html_match_the_syntax_tree() -> None:
    """`render_markdown` reads the HTML (issue 6); `places` and the tree must agree with it."""
    different = []
    for text in markdown_texts():
        rendered = markdown.render_markdown(text)
        found = markdown.places(text)
        read = [(h.level, h.text) for h in rendered.headings]
        # The engine leaves refused targets as text, so only `places` sees them.
        refused = [link.url for link in found.links if markdown.REFUSED_TARGET.match(link.url)]
        targets = [link.url for link in found.links if link.url not in refused]
        flagged = bool(found.h1_lines or refused)
        if (
            read != tree_headings(text)
            or list(rendered.urls) != targets
            or (flagged and not rendered.flagged)
        ):
            different.append(text)
    assert different == []


def test_headings_and_tables_are_decorated_in_order() -> None:
    text = "## One\n\n| a | `b` |\n|---|---|\n| 1 | 2 |\n\n### One\n\n## Two & more\n"
    rendered = markdown.render_markdown(text, reserved_ids=["two-more"])
    assert [h.id for h in rendered.headings] == ["one", "one-2", "two-more-2"]
    assert rendered.html.splitlines()[:3] == [
        '<h2 id="one">One <a class="anchor" href="#one" aria-hidden="true" tabindex="-1">#</a>'
        "</h2>",
        '<div class="table-scroll" tabindex="0" role="region" aria-label="Table: a, b">',
        "<table>",
    ]
    assert rendered.html.count("</table>\n</div>\n") == 1
    assert rendered.text == "One a b 1 2 One Two & more"


def test_links_are_placed_at_their_own_line_and_column() -> None:
    text = "Intro [a](x.md) and [b](x.md)\non [c](<y z.md>)\n\n![é](é.png)\n"
    found = [(link.url, link.line, link.column, link.image) for link in markdown.places(text).links]
    assert found == [
        ("x.md", 1, 11, False),
        ("x.md", 1, 25, False),
        ("y%20z.md", 2, 4, False),
        ("%C3%A9.png", 4, 1, True),
    ]


def test_documents_come_back_from_a_worker_whole() -> None:
    """Values travel by pickle; positions are worked out again where they are asked for."""
    doc = sources.parse_yaml("a: 1\nb: [x, {c: 2026-01-02}]\n", "f.yaml", first_line=2)
    back = pickle.loads(pickle.dumps(doc))
    assert (back.path, back.data, back.values, back.keys) == (
        "f.yaml",
        {"a": 1, "b": ["x", {"c": dt.date(2026, 1, 2)}]},
        doc.values,
        doc.keys,
    )
    assert back.values[("b", 1, "c")] == (3, 12)


PARTS = st.sampled_from(["a", "b", "", ".", "..", "#top", "c.json", "..."])


@given(st.lists(PARTS, max_size=5), st.lists(PARTS, max_size=5))
def test_relpath_matches_posixpath(target: list[str], here: list[str]) -> None:
    target_path, here_path = "/".join(target), "/".join(here)
    expected = posixpath.relpath("/" + target_path, "/" + here_path)
    assert _relpath(target_path, here_path) == expected


URLS = st.lists(PARTS, max_size=5).map("/".join) | st.sampled_from(["", "a/", "a/b.html"])


@given(URLS, URLS)
def test_links_from_a_page_match_relative(target: str, page: str) -> None:
    assert links_from(page)(target) == relative(target, page)


def square(n: int) -> int:
    if n == 13:
        raise ValueError("thirteen")
    return n * n


@pytest.mark.skipif(sys.platform != "linux", reason="parallel maps fork, on Linux")
def test_forked_map_keeps_order_and_errors() -> None:
    # `_forked` directly: the map in `imap` stays serial in a test session, which has threads.
    numbers = [n for n in range(40) if n != 13]
    assert list(parallel._forked(square, numbers, 2)) == [n * n for n in numbers]
    with pytest.raises(ValueError, match="thirteen"):
        list(parallel._forked(square, list(range(40)), 2))


class Unpicklable(Exception):
    def __init__(self) -> None:
        super().__init__("cannot travel")
        self.callback = lambda: None


def refuse(n: int) -> int:
    if n == 5:
        raise Unpicklable()
    return n


@pytest.mark.skipif(sys.platform != "linux", reason="parallel maps fork, on Linux")
def test_a_worker_error_that_cannot_be_pickled_still_says_what_it_was() -> None:
    with pytest.raises(RuntimeError, match=r"^Unpicklable: cannot travel$"):
        list(parallel._forked(refuse, list(range(40)), 2))


@pytest.mark.skipif(sys.platform != "linux", reason="parallel maps fork, on Linux")
def test_a_worker_pipe_takes_a_chunk_of_pages_without_waiting() -> None:
    reader, writer = multiprocessing.get_context("fork").Pipe(duplex=False)
    parallel._widen(writer)
    os.set_blocking(writer.fileno(), False)
    chunk = b"x" * (parallel.PIPE_BYTES // 2)  # a 64 KB pipe would refuse the rest
    writer.send_bytes(chunk)
    assert reader.recv_bytes() == chunk
    reader.close()
    writer.close()


def test_small_maps_stay_in_the_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TREKGEN_JOBS", "2")
    result = parallel.imap(square, range(parallel.MIN_ITEMS - 1))
    assert isinstance(result, map)


def test_embedded_markdown_is_rebased_prefixed_and_demoted() -> None:
    html = (
        '<h2 id="why">Why <a class="anchor" href="#why">#</a></h2>\n'
        '<p><a href="../b/">b</a> <a href="c.md#x">c</a> <a href="https://e.org/">e</a> '
        '<a href="#">top</a> <img src="i.png" alt=""> <a href="/r/">r</a></p>\n<h3>Next</h3>\n'
    )
    assert embed(html, "ml/stages/a/", "ml/all/", "a") == (
        '<h3 id="a-why">Why <a class="anchor" href="#a-why">#</a></h3>\n'
        '<p><a href="../stages/b/">b</a> <a href="../stages/a/c.md#x">c</a> '
        '<a href="https://e.org/">e</a> <a href="#">top</a> <img src="../stages/a/i.png" alt="">'
        ' <a href="/r/">r</a></p>\n<h4>Next</h4>\n'
    )
