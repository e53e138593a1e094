"""The linked site: URLs, cross-references, the prerequisite graph and derived totals."""

from __future__ import annotations

import datetime as dt
import difflib
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from trekgen import models
from trekgen.errors import Location, Problems
from trekgen.load import Loaded, PageSource, RoadmapSource, SiteSource, unsafe_link
from trekgen.markdown import Rendered, places, slugify
from trekgen.sources import Document, Key
from trekgen.validate import key_path

M = TypeVar("M", bound=BaseModel)


@dataclass
class Page(Generic[M]):
    """A stage, project or guide: validated front matter plus rendered Markdown."""

    roadmap: str
    slug: str
    url: str
    meta: M
    content: Rendered
    source: str
    number: int = 0
    previous: Page[M] | None = None
    next: Page[M] | None = None

    @property
    def title(self) -> str:
        return str(getattr(self.meta, "title"))  # noqa: B009


Stage = Page[models.StageMeta]


@dataclass(frozen=True)
class Total:
    """A roadmap's time, derived from its stages."""

    low_weeks: float
    high_weeks: float

    @property
    def months(self) -> int:
        return max(1, round((self.low_weeks + self.high_weeks) / 2 / (52 / 12)))

    def __str__(self) -> str:
        low, high = round(self.low_weeks), round(self.high_weeks)
        span = f"{low}-{high}" if low != high else f"{low}"
        return f"{span} weeks"


@dataclass
class Roadmap:
    """One roadmap with everything resolved."""

    slug: str
    header: models.RoadmapHeader
    stages: list[Stage]
    skills: models.SkillMap | None
    workflow: models.Workflow | None
    ladder: models.Ladder | None
    diagrams: models.Diagrams | None
    projects: list[Page[models.ProjectMeta]]
    guides: list[Page[models.GuideMeta]]
    total: Total
    updated: dt.date
    related: list[Roadmap] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"{self.slug}/"

    @property
    def title(self) -> str:
        return self.header.title

    def stage(self, slug: str) -> Stage:
        return self._stages_by_slug[slug]

    @cached_property
    def _stages_by_slug(self) -> dict[str, Stage]:
        return {s.slug: s for s in self.stages}

    @cached_property
    def stage_slugs(self) -> str:
        """Every stage's slug in order, space-separated, for the progress script.

        Made once: every stage page carries it, and a long roadmap made it a third of a page.
        """
        return " ".join(s.slug for s in self.stages)


@dataclass(frozen=True)
class TagItem:
    kind: str
    title: str
    url: str
    roadmap: str


@dataclass
class Tag:
    name: str
    slug: str
    items: list[TagItem] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"tags/{self.slug}/"


@dataclass
class Site:
    """Everything a template may show, linked and checked."""

    config: models.SiteConfig
    roadmaps: list[Roadmap]
    tags: list[Tag]
    updated: dt.date

    def roadmap(self, slug: str) -> Roadmap:
        return next(r for r in self.roadmaps if r.slug == slug)


def link(source: SiteSource, problems: Problems) -> Site:
    """Resolve every reference of a loaded site; problems are collected, never raised."""
    order = {slug: i for i, slug in enumerate(source.config.model.roadmaps)}
    for raw in source.roadmaps:
        _check_roadmap(raw, list(order), problems)
    complete = [r for r in source.roadmaps if r.header and r.slug in order]
    listed = sorted(complete, key=lambda r: order[r.slug])
    roadmaps = [_roadmap(r, problems) for r in listed]
    by_slug = {r.slug: r for r in roadmaps}
    for roadmap in roadmaps:
        related = roadmap.header.related
        roadmap.related = [by_slug[s] for s in related if s in by_slug and s != roadmap.slug]
    updated = max((r.updated for r in roadmaps), default=dt.date(1970, 1, 1))
    return Site(source.config.model, roadmaps, _tags(roadmaps), updated)


def _check_roadmap(raw: RoadmapSource, roadmaps: list[str], problems: Problems) -> None:
    slugs = raw.stage_files
    _check_prerequisites(raw, slugs, problems)
    if raw.header:
        _check_header(raw.header, slugs, problems)
        _check_related(raw.slug, raw.header, roadmaps, problems)
    for section in (raw.skills, raw.workflow, raw.ladder, raw.diagrams):
        if section:
            _check_section(section, slugs, problems)
    for project in raw.projects:
        _check_refs(project.doc, ("stages",), project.meta.stages, slugs, "stage", problems)


def _roadmap(raw: RoadmapSource, problems: Problems) -> Roadmap:
    assert raw.header is not None  # only complete roadmaps are linked
    header = raw.header.model
    stages = _stages(raw, problems)
    projects = [_page(raw.slug, "projects", p) for p in raw.projects]
    guides = [_page(raw.slug, "guides", g) for g in raw.guides]
    low = sum(s.meta.duration.weeks()[0] for s in stages)
    high = sum(s.meta.duration.weeks()[1] for s in stages)
    dates = [header.updated, *(s.meta.updated for s in stages if s.meta.updated)]
    return Roadmap(
        slug=raw.slug,
        header=header,
        stages=stages,
        skills=raw.skills.model if raw.skills else None,
        workflow=raw.workflow.model if raw.workflow else None,
        ladder=raw.ladder.model if raw.ladder else None,
        diagrams=raw.diagrams.model if raw.diagrams else None,
        projects=projects,
        guides=guides,
        total=Total(low, high),
        updated=max(dates),
    )


def _stages(raw: RoadmapSource, problems: Problems) -> list[Stage]:
    stages: list[Stage] = []
    seen: dict[int, str] = {}
    for source in sorted(raw.stages, key=lambda s: (s.number, s.slug)):
        if source.number in seen:
            problems.error(
                Location(source.doc.path),
                f"stage number {source.number:02d} is also used by {seen[source.number]}",
            )
            continue
        seen[source.number] = source.doc.path
        stages.append(_page(raw.slug, "stages", source))
    for before, after in itertools.pairwise(stages):
        before.next, after.previous = after, before
    return stages


def _page(roadmap: str, kind: str, source: PageSource[M]) -> Page[M]:
    url = f"{roadmap}/{kind}/{source.slug}/"
    return Page(
        roadmap, source.slug, url, source.meta, source.content, source.doc.path, source.number
    )


def _check_prerequisites(raw: RoadmapSource, slugs: list[str], problems: Problems) -> None:
    graph: dict[str, list[str]] = {}
    numbers = {s.slug: s.number for s in raw.stages}
    for stage in raw.stages:
        refs = stage.meta.prerequisites
        _check_refs(stage.doc, ("prerequisites",), refs, slugs, "stage", problems)
        for index, ref in enumerate(refs):
            # Located only for a problem: looking up every prerequisite was a tenth of link().
            if ref == stage.slug:
                problems.error(
                    stage.doc.locate(("prerequisites", index)),
                    f"prerequisites[{index}]: a stage cannot require itself",
                )
            elif numbers.get(ref, 0) > stage.number:
                problems.warning(
                    stage.doc.locate(("prerequisites", index)),
                    f"prerequisites[{index}]: '{ref}' is stage {numbers[ref]}, after this one "
                    f"({stage.number}); learners meet the stages in number order",
                )
        graph[stage.slug] = [r for r in refs if r in slugs and r != stage.slug]
    cycle = find_cycle(graph)
    if cycle:
        first = next(s for s in raw.stages if s.slug == cycle[0])
        index = first.meta.prerequisites.index(cycle[1])
        problems.error(
            first.doc.locate(("prerequisites", index)),
            f"prerequisites[{index}]: the prerequisites form a cycle: {' -> '.join(cycle)}",
        )


def find_cycle(graph: dict[str, list[str]]) -> list[str]:
    """One cycle of `graph` as [a, b, ..., a], or [] when there is none."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        path.append(node)
        for succ in graph.get(node, []):
            if state.get(succ) == 1:
                return [*path[path.index(succ) :], succ]
            if succ not in state and (found := visit(succ)):
                return found
        path.pop()
        state[node] = 2
        return []

    for start in sorted(graph):
        if start not in state and (found := visit(start)):
            return found
    return []


def _check_header(
    header: Loaded[models.RoadmapHeader], slugs: list[str], problems: Problems
) -> None:
    model, doc = header.model, header.doc
    for index, tool in enumerate(model.tools):
        _check_refs(doc, ("tools", index, "stages"), tool.stages, slugs, "stage", problems)
    others = model.audience.choose_another if model.audience else []
    for index, other in enumerate(others):
        if not (other.roadmap or other.title):
            key: Key = ("audience", "choose_another", index)
            problems.error(doc.locate(key), f"{key_path(key)}: give a roadmap slug or a title")
    markdown_fields: list[tuple[Key, str | None]] = [
        (("description",), model.description),
        (("role", "summary"), model.role.summary if model.role else None),
        (("completion", "body"), model.completion.body if model.completion else None),
        *((("faq", i, "answer"), q.answer) for i, q in enumerate(model.faq)),
    ]
    for key, text in markdown_fields:
        if text:
            _check_markdown_field(doc, key, text, problems)


def _check_markdown_field(doc: Document, key: Key, text: str, problems: Problems) -> None:
    for url in _unsafe_links(text):
        problems.error(doc.locate(key), f"{key_path(key)}: unsafe link target {url!r}")


@lru_cache(maxsize=1024)
def _unsafe_links(text: str) -> tuple[str, ...]:
    # Cached: `trekgen serve` links the whole site again after each front matter edit, and
    # rendering every roadmap's Markdown fields was a third of that (issue 4).
    return tuple(t.url for t in places(text).links if unsafe_link(t.url))


def _check_section(section: Loaded[Any], slugs: list[str], problems: Problems) -> None:
    model, doc = section.model, section.doc
    if getattr(model, "intro", None):
        _check_markdown_field(doc, ("intro",), model.intro, problems)
    if isinstance(model, models.SkillMap):
        _check_unique(doc, "areas", [a.id for a in model.areas], problems)
    elif isinstance(model, models.Workflow):
        ids = [s.id for s in model.steps]
        _check_unique(doc, "steps", ids, problems)
        for index, loop in enumerate(model.loops):
            _check_refs(doc, ("loops", index, "from"), [loop.from_], ids, "step", problems)
            _check_refs(doc, ("loops", index, "to"), [loop.to], ids, "step", problems)
    elif isinstance(model, models.Ladder):
        _check_unique(doc, "rungs", [r.id for r in model.rungs], problems)
        for index, rung in enumerate(model.rungs):
            _check_refs(doc, ("rungs", index, "stages"), rung.stages, slugs, "stage", problems)
    elif isinstance(model, models.Diagrams):
        _check_unique(doc, "diagrams", [d.id for d in model.diagrams], problems)
        for d_index, diagram in enumerate(model.diagrams):
            nodes = [n.id for n in diagram.nodes]
            _check_unique(doc, ("diagrams", d_index, "nodes"), nodes, problems)
            for e_index, edge in enumerate(diagram.edges):
                key: Key = ("diagrams", d_index, "edges", e_index)
                _check_refs(doc, (*key, "from"), [edge.from_], nodes, "node", problems)
                _check_refs(doc, (*key, "to"), [edge.to], nodes, "node", problems)


def _check_unique(doc: Document, where: str | Key, ids: Sequence[str], problems: Problems) -> None:
    base: Key = (where,) if isinstance(where, str) else where
    for index, value in enumerate(ids):
        if ids.index(value) != index:
            key: Key = (*base, index, "id")
            problems.error(doc.locate(key), f"{key_path(key)}: id '{value}' is used twice")


def _check_refs(
    doc: Document,
    key: Key,
    refs: Iterable[str],
    known: Sequence[str],
    what: str,
    problems: Problems,
) -> None:
    single = key[-1] in {"from", "to"}
    for index, ref in enumerate(refs):
        if ref in known:
            continue
        at: Key = key if single else (*key, index)
        close = difflib.get_close_matches(ref, known, n=1, cutoff=0.6)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        problems.error(doc.locate(at), f"{key_path(at)}: no {what} '{ref}'{hint}")


def _check_related(
    slug: str, header: Loaded[models.RoadmapHeader], roadmaps: list[str], problems: Problems
) -> None:
    model, doc = header.model, header.doc
    known = [s for s in roadmaps if s != slug]
    _check_refs(doc, ("related",), model.related, known, "roadmap", problems)
    others = model.audience.choose_another if model.audience else []
    for index, other in enumerate(others):
        if other.roadmap:
            key: Key = ("audience", "choose_another", index, "roadmap")
            _check_refs(doc, key, [other.roadmap], known, "roadmap", problems)


def _tags(roadmaps: list[Roadmap]) -> list[Tag]:
    tags: dict[str, Tag] = {}
    slugs: dict[str, str] = {}  # a few dozen names, used thousands of times on a large site

    def add(names: Iterable[str], item: TagItem) -> None:
        for name in names:
            slug = slugs.get(name) or slugs.setdefault(name, slugify(name))
            tags.setdefault(slug, Tag(name, slug)).items.append(item)

    for roadmap in roadmaps:
        add(roadmap.header.tags, TagItem("Roadmap", roadmap.title, roadmap.url, roadmap.title))
        for stage in roadmap.stages:
            add(stage.meta.tags, TagItem("Stage", stage.title, stage.url, roadmap.title))
        for project in roadmap.projects:
            add(project.meta.tags, TagItem("Project", project.title, project.url, roadmap.title))
        for guide in roadmap.guides:
            add(guide.meta.tags, TagItem("Guide", guide.title, guide.url, roadmap.title))
    return sorted(tags.values(), key=lambda t: t.slug)
