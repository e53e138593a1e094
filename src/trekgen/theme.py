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
# What `embed` changes besides headings: an id, a link or an image source. The space before
# makes the pattern start with one character, which searches three times faster.
_EMBEDDED = re.compile(r' (href|src|id)="([^"]*)"')
_SCHEME = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*:")


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

    def environment(self, *, watch: bool = True) -> jinja2.Environment:
        """The environment; with `watch`, a template is read again when its file changes."""
        # A one-off build does without: the checks were four file stats on every page.
        return _environment(self.templates, watch)

    def static_files(self) -> dict[str, Path]:
        """Every static file by its path under `static/`; the site's own win."""
        found: dict[str, Path] = {}
        for folder in reversed(self.static):
            for path in sorted(folder.rglob("*")):
                if path.is_file() and not path.name.startswith("."):
                    found[path.relative_to(folder).as_posix()] = path
        return dict(sorted(found.items()))


@lru_cache(maxsize=8)
def _environment(folders: tuple[Path, ...], watch: bool) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(p) for p in folders]),
        autoescape=jinja2.select_autoescape(["html", "xml", "svg"], default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        bytecode_cache=_bytecode_cache(),
        auto_reload=watch,
    )
    env.filters["markdown"] = markdown_filter
    env.filters["inline"] = lambda text: Markup(render_inline(text))
    env.filters["tag_slug"] = slugify
    env.filters["embed"] = embed
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


def embed(html: str, from_url: str, to_url: str, prefix: str) -> Markup:
    """Rendered Markdown of the page at `from_url`, set into the page at `to_url`.

    Relative links are fixed for the new place, ids and #links get `prefix` so that many
    pages fit on one, and headings go one level down (h2 -> h3 ...) to sit under an h2.
    Quick, since the whole-roadmap page embeds every stage (issue 6).
    """

    def fix(match: re.Match[str]) -> str:
        attribute, target = match[1], match[2]
        if attribute == "id":
            return f' id="{prefix}-{target}"' if target else match[0]
        if target.startswith("#"):
            prefixed = attribute == "href" and target != "#"
            return f' href="#{prefix}-{target[1:]}"' if prefixed else match[0]
        if target.startswith("/") or _SCHEME.match(target):
            return match[0]
        path, hash_, fragment = target.partition("#")
        joined = (
            posixpath.normpath(posixpath.join("/" + from_url, path)) if path else "/" + from_url
        )
        link = posixpath.relpath(joined, "/" + to_url)
        if path.endswith("/") or not path:
            link += "/"
        return f' {attribute}="{link}{hash_}{fragment}"'

    html = str(html)  # re.sub on Markup would escape the replacements' quotes
    for level in range(5, 1, -1):  # from h5 up, so that no heading moves twice
        html = html.replace(f"<h{level}", f"<h{level + 1}").replace(
            f"</h{level}", f"</h{level + 1}"
        )
    return Markup(_EMBEDDED.sub(fix, html))
