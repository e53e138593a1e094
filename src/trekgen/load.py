"""Walking the source folder in sorted order: every file read and validated."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from trekgen import models, parallel
from trekgen.errors import Location, Problem, Problems, display_path
from trekgen.markdown import Places, Rendered, places, render_markdown
from trekgen.sources import Document, SourceError, read_front_matter, read_yaml
from trekgen.validate import validate

M = TypeVar("M", bound=BaseModel)

STAGE_FILE = re.compile(r"(\d{1,3})-(.+)\.md")
SECTION_FILES = ("skills.yaml", "workflow.yaml", "ladder.yaml", "diagrams.yaml")
KNOWN = {"roadmap.yaml", *SECTION_FILES, "stages", "projects", "guides"}
# The page folders of a roadmap: the model of their front matter, and whether files are numbered.
PAGE_FOLDERS: tuple[tuple[str, type[BaseModel], bool], ...] = (
    ("stages", models.StageMeta, True),
    ("projects", models.ProjectMeta, False),
    ("guides", models.GuideMeta, False),
)
# Top-level folders of the built site that a roadmap cannot take.
RESERVED_SLUGS = ("tags", "search", "static")
SAFE_LINK_PREFIXES = ("http://", "https://", "mailto:")
# Ids the templates use on a page; Markdown headings never take them.
RESERVED_IDS = (
    "main",
    "top",
    "topics",
    "outcomes",
    "resources",
    "prerequisites",
    "progress",
    "search",
)


@dataclass
class Loaded(Generic[M]):
    """A validated model and the document it came from, to point at its lines."""

    model: M
    doc: Document


@dataclass
class PageSource(Generic[M]):
    """A Markdown file with front matter: a stage, a project or a guide."""

    slug: str
    meta: M
    doc: Document
    content: Rendered
    number: int = 0


@dataclass
class RoadmapSource:
    """One roadmap folder, validated file by file."""

    slug: str
    header: Loaded[models.RoadmapHeader] | None
    stages: list[PageSource[models.StageMeta]] = field(default_factory=list)
    # Every stage file's slug, valid or not, so references to a broken stage are not errors too.
    stage_files: list[str] = field(default_factory=list)
    skills: Loaded[models.SkillMap] | None = None
    workflow: Loaded[models.Workflow] | None = None
    ladder: Loaded[models.Ladder] | None = None
    diagrams: Loaded[models.Diagrams] | None = None
    projects: list[PageSource[models.ProjectMeta]] = field(default_factory=list)
    guides: list[PageSource[models.GuideMeta]] = field(default_factory=list)


# A page file read: the page, or None when it has errors, and its problems; and every page
# file read, by folder.
PageRead = tuple["PageSource[Any] | None", list[Problem]]
PageReads = dict[Path, list[PageRead]]


@dataclass
class SiteSource:
    """The whole source folder."""

    root: Path
    config: Loaded[models.SiteConfig]
    roadmaps: list[RoadmapSource]


def load(root: Path, problems: Problems) -> SiteSource | None:
    """Read and validate every file under `root`; problems are collected, never raised."""
    if not root.is_dir():
        problems.error(Location(display_path(root)), "source folder not found")
        return None
    config = _yaml(root / "site.yaml", models.SiteConfig, problems)
    folders = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    pages = _read_pages(folders)
    roadmaps = [_roadmap(p, problems, pages) for p in folders]
    if config is None:
        return None
    _check_listed(config, [p.name for p in folders], problems)
    return SiteSource(root, config, roadmaps)


def _check_listed(
    config: Loaded[models.SiteConfig], folders: list[str], problems: Problems
) -> None:
    listed = config.model.roadmaps
    for index, slug in enumerate(listed):
        if slug in RESERVED_SLUGS:
            problems.error(
                config.doc.locate(("roadmaps", index)),
                f"roadmaps[{index}]: '{slug}' is taken by the site's own pages; rename the folder",
            )
        elif slug not in folders:
            problems.error(
                config.doc.locate(("roadmaps", index)),
                f"roadmaps[{index}]: no roadmap folder '{slug}'{_hint(slug, folders)}",
            )
        elif listed.index(slug) != index:
            problems.error(config.doc.locate(("roadmaps", index)), f"'{slug}' is listed twice")
    for name in folders:
        if name not in listed:
            problems.error(
                config.doc.locate(("roadmaps",)),
                f"roadmaps: folder '{name}' is not listed; add it to show it, or move it out",
            )


def _roadmap(folder: Path, problems: Problems, pages: PageReads) -> RoadmapSource:
    for entry in sorted(folder.iterdir()):
        if entry.name not in KNOWN and not entry.name.startswith("."):
            problems.error(
                Location(display_path(entry)),
                f"unknown file in a roadmap folder{_hint(entry.name, sorted(KNOWN))}",
            )
    header = _yaml(folder / "roadmap.yaml", models.RoadmapHeader, problems)
    sections = {
        name: _yaml(folder / name, models.FILE_MODELS[name], problems)
        for name in SECTION_FILES
        if (folder / name).exists()
    }
    stages = _pages(folder / "stages", pages, problems)
    stage_files = sorted(
        m[2] for p in (folder / "stages").glob("*.md") if (m := STAGE_FILE.fullmatch(p.name))
    )
    projects = _pages(folder / "projects", pages, problems)
    guides = _pages(folder / "guides", pages, problems)
    return RoadmapSource(
        slug=folder.name,
        header=header,
        stages=stages,
        stage_files=stage_files,
        skills=sections.get("skills.yaml"),  # type: ignore[arg-type]
        workflow=sections.get("workflow.yaml"),  # type: ignore[arg-type]
        ladder=sections.get("ladder.yaml"),  # type: ignore[arg-type]
        diagrams=sections.get("diagrams.yaml"),  # type: ignore[arg-type]
        projects=projects,
        guides=guides,
    )


def _yaml(path: Path, model: type[M], problems: Problems) -> Loaded[M] | None:
    shown = display_path(path)
    if not path.is_file():
        problems.error(Location(shown), f"missing file: {path.name} is required")
        return None
    try:
        doc = read_yaml(path, shown)
    except SourceError as exc:
        problems.extend([exc.problem])
        return None
    value, found = validate(doc, model)
    problems.extend(found)
    return Loaded(value, doc) if value is not None else None


def _read_pages(folders: list[Path]) -> PageReads:
    """Every stage, project and guide file of every roadmap, read and validated, by folder.

    The files are independent and reading them is most of the work of a large build, so they
    are read all at once, in parallel when there are many (issue 6).
    """
    kinds = {
        folder / name: (model, numbered)
        for folder in folders
        for name, model, numbered in PAGE_FOLDERS
    }
    files = {place: _page_files(place) for place in kinds}
    # Each folder's path is made relative once: per file it was a twentieth of reading one.
    shown = {place: display_path(place) + "/" for place in files}
    jobs = [
        (path, *kinds[place], (shown[place] + path.name).removeprefix("./"))
        for place, paths in files.items()
        for path in paths
    ]
    reads = parallel.imap(_read_page, jobs)
    return {place: [next(reads) for _ in paths] for place, paths in files.items()}


def _read_page(job: tuple[Path, type[BaseModel], bool, str]) -> PageRead:
    path, model, numbered, shown = job
    problems = Problems()
    page = _page(path, model, problems, numbered, shown)
    return page, problems.sorted()


def _page_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return [path for path in sorted(folder.iterdir()) if not path.name.startswith(".")]


def _pages(folder: Path, pages: PageReads, problems: Problems) -> list[PageSource[Any]]:
    found = []
    for page, page_problems in pages[folder]:
        problems.extend(page_problems)
        if page:
            found.append(page)
    return found


def _page(
    path: Path, model: type[M], problems: Problems, numbered: bool, shown: str | None = None
) -> PageSource[M] | None:
    shown = shown or display_path(path)
    match = STAGE_FILE.fullmatch(path.name) if numbered else re.fullmatch(r"(.+)\.md", path.name)
    if match is None or not models.SLUG_RE.fullmatch(match[match.lastindex or 1]):
        form = "NN-<slug>.md, like 03-feature-engineering.md" if numbered else "<slug>.md"
        problems.error(Location(shown), f"file name must be {form}")
        return None
    try:
        source = read_front_matter(path, shown)
    except SourceError as exc:
        problems.extend([exc.problem])
        return None
    meta, found = validate(source.meta, model)
    # The raw values live on in `meta`; only their positions are needed from here (issue 6).
    source.meta.data = None
    problems.extend(found)
    content = render_markdown(source.body, RESERVED_IDS)
    if content.flagged or any(unsafe_link(url) for url in content.urls):
        _check_body(places(source.body), shown, source.body_line - 1, problems)
    if meta is None:
        return None
    number = int(match[1]) if numbered else 0
    slug = match[2] if numbered else match[1]
    return PageSource(slug, meta, source.meta, content, number)


def _check_body(found: Places, path: str, offset: int, problems: Problems) -> None:
    for line in found.h1_lines:
        problems.error(
            Location(path, line + offset, 1),
            "a body starts at '##': the page title is its only top-level heading",
        )
    for target in found.links:
        if unsafe_link(target.url):
            problems.error(
                Location(path, target.line + offset, target.column),
                f"unsafe link target {target.url!r}: use http(s), mailto or a relative link",
            )


def unsafe_link(url: str) -> bool:
    """True for a target with a scheme other than http(s) and mailto (javascript:, data:...)."""
    head = url.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    return ":" in head and not url.lower().startswith(SAFE_LINK_PREFIXES)


def _hint(name: str, options: list[str]) -> str:
    close = difflib.get_close_matches(name, options, n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""
