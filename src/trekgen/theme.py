"""The Jinja environment: the site's own templates first, then the default theme."""

from __future__ import annotations

import contextlib
import hashlib
import os
import posixpath
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import jinja2
from jinja2.bccache import Bucket
from markupsafe import Markup

from trekgen import diagrams
from trekgen.markdown import render_inline, render_markdown, slugify

PACKAGE = Path(__file__).resolve().parent
# An id, or a link to one on the same page.
_PREFIXED = re.compile(r'(id="|href="#)([^"]+)"')


def default_theme() -> Path:
    """The default theme: inside the installed wheel, or at the top of a source checkout."""
    installed = PACKAGE / "theme"
    return installed if (installed / "templates").is_dir() else PACKAGE.parents[1]


@dataclass(frozen=True)
class Theme:
    """Template and static folders, searched in order."""

    templates: tuple[Path, ...]
    static: tuple[Path, ...]

    @classmethod
    def for_source(cls, source: Path) -> Theme:
        """A site's own `templates/` and `static/` beside its source, over the default theme."""
        project, default = source.resolve().parent, default_theme()
        folders = [p for p in (project, default) if p.is_dir()]
        if project == default:
            folders = [default]
        return cls(
            tuple(p / "templates" for p in folders if (p / "templates").is_dir()),
            tuple(p / "static" for p in folders if (p / "static").is_dir()),
        )

    def environment(self) -> jinja2.Environment:
        return _environment(self.templates)

    def static_files(self) -> dict[str, Path]:
        """Every static file by its path under `static/`; the site's own win."""
        found: dict[str, Path] = {}
        for folder in reversed(self.static):
            for path in sorted(folder.rglob("*")):
                if path.is_file() and not path.name.startswith("."):
                    found[path.relative_to(folder).as_posix()] = path
        return dict(sorted(found.items()))


@lru_cache(maxsize=8)
def _environment(folders: tuple[Path, ...]) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(p) for p in folders]),
        autoescape=jinja2.select_autoescape(["html", "xml", "svg"], default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        bytecode_cache=_bytecode_cache(),
    )
    env.filters["markdown"] = markdown_filter
    env.filters["inline"] = lambda text: Markup(render_inline(text))
    env.filters["tag_slug"] = slugify
    env.filters["prefix_ids"] = prefix_ids
    env.filters["rebase"] = rebase
    env.filters["demote"] = demote
    # Drawings are built from the data at render time; diagrams.py escapes every value.
    env.filters["roadmap_drawing"] = lambda roadmap, url: Markup(diagrams.roadmap_svg(roadmap, url))
    env.filters["concept_drawing"] = lambda diagram: Markup(diagrams.concept_svg(diagram))
    env.filters["workflow_drawing"] = lambda workflow: Markup(diagrams.workflow_svg(workflow))
    return env


class _QuietCache(jinja2.FileSystemBytecodeCache):
    """Jinja's cache of compiled templates on disk; a cache that fails only costs time."""

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except (OSError, ValueError, EOFError, TypeError):  # unreadable or damaged: compile
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


def _bytecode_cache() -> jinja2.BytecodeCache | None:
    """Compiled templates kept between runs in the user's cache folder, or None if none.

    Compiling the templates was a fifth of building a small site (issue 6). Jinja checks each
    entry against its template's source; the folder's name covers this file, where the
    environment's options live, and the Jinja version.
    """
    try:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
        stamp = hashlib.sha256(Path(__file__).read_bytes() + jinja2.__version__.encode())
        folder = base / "trekgen" / f"templates-{stamp.hexdigest()[:16]}"
        folder.mkdir(parents=True, exist_ok=True)
    except (OSError, RuntimeError):  # no home folder, or not writable
        return None
    return _QuietCache(str(folder))


@lru_cache(maxsize=4096)
def markdown_filter(text: str) -> Markup:
    """A Markdown field of a YAML file as HTML (raw HTML is off, so this is safe)."""
    return Markup(render_markdown(text).html)


def prefix_ids(html: str, prefix: str) -> Markup:
    """Rendered Markdown with its ids and #links prefixed, so that many fit on one page."""
    # re.sub on Markup joins with Markup.join, which would escape the replacements' quotes.
    return Markup(_PREFIXED.sub(lambda m: f'{m[1]}{prefix}-{m[2]}"', str(html)))


def rebase(html: str, from_url: str, to_url: str) -> Markup:
    """HTML rendered for the page at `from_url`, its relative links fixed for `to_url`."""

    def fix(match: re.Match[str]) -> str:
        target = match[2]
        if target.startswith(("#", "/")) or re.match(r"[a-zA-Z][a-zA-Z0-9+.-]*:", target):
            return match[0]
        path, hash_, fragment = target.partition("#")
        joined = (
            posixpath.normpath(posixpath.join("/" + from_url, path)) if path else "/" + from_url
        )
        link = posixpath.relpath(joined, "/" + to_url)
        if path.endswith("/") or not path:
            link += "/"
        return f'{match[1]}{link}{hash_}{fragment}"'

    return Markup(re.sub(r'(href="|src=")([^"]*)"', fix, str(html)))


def demote(html: str) -> Markup:
    """Rendered Markdown one heading level down (h2 -> h3 ...), to sit under an h2."""
    return Markup(re.sub(r"<(/?)h([2-5])\b", lambda m: f"<{m[1]}h{int(m[2]) + 1}", str(html)))
