"""`trekgen new`: files that build at once, with every key present and a comment on each."""

from __future__ import annotations

import datetime as dt
import difflib
import json
import re
import unicodedata
from pathlib import Path

import yaml

from trekgen.errors import UsageError, display_path
from trekgen.load import RESERVED_SLUGS, STAGE_FILE
from trekgen.models import SLUG_RE
from trekgen.schema import KINDS, FileKind, Key, keys_of, modeline
from trekgen.sources import SourceError, parse_yaml

COMMENT_COLUMN = 40
# Top-level folders of the built site that a roadmap folder must not shadow.
TAKEN = RESERVED_SLUGS

STAGE_BODY = """
## Why it matters

Why a learner needs this stage, and what goes wrong without it.

## What to learn

The ideas of this stage, in the order to learn them.

## How to practise

An exercise that shows the outcomes are reached.
"""
PROJECT_BODY = """
## The brief

What to build, for whom, and with which data.

## Milestones

1. A first version that runs end to end.
2. The version that meets the brief.

## What good looks like

How a reviewer can tell the project is done well.
"""
GUIDE_BODY = """
## Overview

What this guide explains and who it is for.
"""


def slug_from_title(title: str) -> str:
    """Lowercase ASCII words joined by hyphens, or a usage error when none are left."""
    ascii_text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if not slug:
        raise UsageError(f"cannot make a slug from {title!r}; give one with --slug")
    return slug


def checked_slug(slug: str) -> str:
    """`slug` when it is one, else a usage error that shows the expected form."""
    if not SLUG_RE.fullmatch(slug):
        raise UsageError(
            f"--slug: expected lowercase ASCII words joined by hyphens, like 'model-serving', "
            f"got {slug!r}"
        )
    return slug


# --- the text of new files (pure) ---------------------------------------------------------


def yaml_scalar(text: str) -> str:
    """`text` as a YAML value: plain when YAML reads it back unchanged, else double-quoted."""
    try:
        plain = yaml.safe_load(f"key: {text}") == {"key": text}
    except yaml.YAMLError:
        plain = False
    return text if plain and "#" not in text else json.dumps(text, ensure_ascii=False)


def mapping_lines(kind: FileKind, starters: dict[str, str], model: str | None = None) -> list[str]:
    """One line per key with its starter value, or an empty one; nested keys as comments."""
    lines = []
    for key in keys_of(kind, model):
        value = starters.get(key.name, "[]" if key.is_list else "")
        lines.append(_commented(f"{key.name}: {value}".rstrip(), key.help))
        if key.inner and key.name not in starters:
            lines.extend(_example(kind, key, "  "))
    return lines


def _example(kind: FileKind, key: Key, indent: str) -> list[str]:
    """The keys of a nested mapping as commented lines, to uncomment and fill in."""
    assert key.inner is not None
    lines = []
    for index, inner in enumerate(keys_of(kind, key.inner)):
        dash = ("- " if index == 0 else "  ") if key.is_list else ""
        # A list of mappings shows its items below, so `[]` would only be in the way.
        value = "[]" if inner.is_list and not inner.inner else ""
        text = f"#{indent}{dash}{inner.name}: {value}".rstrip()
        lines.append(_commented(text, inner.help))
        if inner.inner:
            lines.extend(_example(kind, inner, indent + ("    " if key.is_list else "  ")))
    return lines


def _commented(line: str, help_text: str) -> str:
    if not help_text:
        return line
    return f"{line.ljust(COMMENT_COLUMN - 2)}  # {help_text}"


def _kind(name: str) -> FileKind:
    return next(k for k in KINDS if k.name == name)


def roadmap_text(title: str, today: dt.date, first_line: str = "") -> str:
    """A new `roadmap.yaml`."""
    starters = {
        "title": yaml_scalar(title),
        "summary": "Say in one sentence where this roadmap leads.",
        "level": "beginner",
        "updated": today.isoformat(),
    }
    lines = [first_line] if first_line else []
    return "\n".join([*lines, *mapping_lines(_kind("roadmap"), starters)]) + "\n"


def stage_text(title: str, today: dt.date) -> str:
    """A new stage file."""
    starters = {
        "title": yaml_scalar(title),
        "summary": "Say in one sentence what a learner gets from this stage.",
        "duration": "1-2 weeks",
        "level": "beginner",
        "topics": "[First topic]",
        "updated": today.isoformat(),
    }
    return _page(_kind("stage"), starters, STAGE_BODY)


def project_text(title: str) -> str:
    """A new project file."""
    starters = {
        "title": yaml_scalar(title),
        "summary": "Say in one sentence what the learner builds.",
        "level": "beginner",
    }
    return _page(_kind("project"), starters, PROJECT_BODY)


def guide_text(title: str, today: dt.date) -> str:
    """A new guide file."""
    starters = {
        "title": yaml_scalar(title),
        "summary": "Say in one sentence what this guide explains.",
        "updated": today.isoformat(),
    }
    return _page(_kind("guide"), starters, GUIDE_BODY)


def _page(kind: FileKind, starters: dict[str, str], body: str) -> str:
    front = "\n".join(mapping_lines(kind, starters))
    return f"---\n{front}\n---\n{body}"


def add_to_listing(site_yaml: str, slug: str, shown: str) -> str:
    """site.yaml's text with `slug` appended to `roadmaps`, keeping comments and layout."""
    try:
        doc = parse_yaml(site_yaml, shown)
    except SourceError as exc:
        raise UsageError(f"fix {shown} first: {exc.problem}") from None
    listed = doc.data.get("roadmaps") if isinstance(doc.data, dict) else None
    if not isinstance(listed, list) or not listed:
        raise UsageError(f"fix {shown} first: it needs a 'roadmaps' list")
    lines = site_yaml.splitlines(keepends=True)
    line, column = doc.values[("roadmaps", len(listed) - 1)]
    text = lines[line - 1]
    start = doc.values[("roadmaps",)]
    if lines[start[0] - 1][start[1] - 1] == "[":
        close = text.index("]", column - 1)
        lines[line - 1] = f"{text[:close]}, {slug}{text[close:]}"
    else:
        newline = "\n" if text.endswith("\n") else ""
        lines[line - 1] = text if newline else text + "\n"
        lines.insert(line, f"{text[: column - 1]}{slug}\n")
    return "".join(lines)


# --- writing them -------------------------------------------------------------------------


def new_roadmap(source: Path, title: str, slug: str | None, today: dt.date) -> list[Path]:
    """Create `<source>/<slug>/roadmap.yaml` and list it in site.yaml; returns both paths."""
    slug = checked_slug(slug) if slug else slug_from_title(title)
    site_yaml = _site_yaml(source)
    folder = source / slug
    if slug in TAKEN:
        raise UsageError(f"'{slug}' is taken by the site's /{slug}/ pages; choose another --slug")
    if folder.exists():
        raise UsageError(f"{display_path(folder)} already exists")
    listing = add_to_listing(site_yaml.read_text(encoding="utf-8"), slug, display_path(site_yaml))
    schema = source.resolve().parent / "schemas"
    target = folder / "roadmap.yaml"
    first = modeline(target, schema, _kind("roadmap")) if schema.is_dir() else ""
    _create(target, roadmap_text(title, today, first))
    site_yaml.write_text(listing, encoding="utf-8")
    return [target, site_yaml]


def new_stage(source: Path, roadmap: str, title: str, slug: str | None, today: dt.date) -> Path:
    """Create the next stage of `roadmap`: number after the last, slug from the title."""
    slug = checked_slug(slug) if slug else slug_from_title(title)
    stages = _roadmap_folder(source, roadmap) / "stages"
    numbers = [m for p in sorted(stages.glob("*.md")) if (m := STAGE_FILE.fullmatch(p.name))]
    for match in numbers:
        if match[2] == slug:
            raise UsageError(f"stage '{slug}' exists: {display_path(stages / match[0])}")
    number = max((int(m[1]) for m in numbers), default=0) + 1
    width = max([2, *(len(m[1]) for m in numbers)])
    if number >= 10**3:
        raise UsageError("a roadmap holds at most 999 stages")
    target = stages / f"{number:0{width}d}-{slug}.md"
    _create(target, stage_text(title, today))
    return target


def new_project(source: Path, roadmap: str, title: str, slug: str | None) -> Path:
    """Create `projects/<slug>.md` in `roadmap`."""
    slug = checked_slug(slug) if slug else slug_from_title(title)
    target = _roadmap_folder(source, roadmap) / "projects" / f"{slug}.md"
    _create(target, project_text(title))
    return target


def new_guide(source: Path, roadmap: str, title: str, slug: str | None, today: dt.date) -> Path:
    """Create `guides/<slug>.md` in `roadmap`."""
    slug = checked_slug(slug) if slug else slug_from_title(title)
    target = _roadmap_folder(source, roadmap) / "guides" / f"{slug}.md"
    _create(target, guide_text(title, today))
    return target


def _site_yaml(source: Path) -> Path:
    path = source / "site.yaml"
    if not path.is_file():
        raise UsageError(f"no {display_path(path)}: is --source the folder of your site?")
    return path


def _roadmap_folder(source: Path, roadmap: str) -> Path:
    _site_yaml(source)
    folder = source / roadmap
    if not (folder / "roadmap.yaml").is_file():
        known = sorted(p.parent.name for p in source.glob("*/roadmap.yaml"))
        close = difflib.get_close_matches(roadmap, known, n=1, cutoff=0.6)
        hint = f"; did you mean '{close[0]}'?" if close else f"; roadmaps: {', '.join(known)}"
        raise UsageError(f"no roadmap '{roadmap}' in {display_path(source)}{hint}")
    return folder


def _create(path: Path, text: str) -> None:
    """Write a new file; an existing one is never overwritten."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with path.open("x", encoding="utf-8") as file:
            file.write(text)
    except FileExistsError:
        raise UsageError(f"{display_path(path)} already exists") from None
