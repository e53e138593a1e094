"""The pydantic models of every content file: what a maintainer may write."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    WithJsonSchema,
)

SLUG_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
LEVELS = ("beginner", "intermediate", "advanced")
SAFE_SCHEMES = ("http", "https", "mailto")
UNITS = {"day": 1 / 7, "week": 1.0, "month": 52 / 12}


def _slug(value: str) -> str:
    if not SLUG_RE.fullmatch(value):
        raise ValueError(
            "expected a slug: lowercase ASCII words joined by hyphens, "
            f"like 'feature-engineering', got {value!r}"
        )
    return value


def _url(value: str) -> str:
    scheme = value.split(":", 1)[0].lower() if ":" in value else ""
    if scheme not in SAFE_SCHEMES:
        raise ValueError(f"expected an http(s) or mailto URL, got {value!r}")
    if scheme.startswith("http") and not re.match(r"https?://[^/\s]+", value, re.I):
        raise ValueError(f"expected a URL with a host, like 'https://example.org/', got {value!r}")
    return value


def _level_range(value: str) -> str:
    parts = [p.strip() for p in value.split(" to ")]
    if len(parts) > 2 or any(p not in LEVELS for p in parts):
        raise ValueError(
            "expected a level (beginner, intermediate, advanced) "
            f"or a range like 'intermediate to advanced', got {value!r}"
        )
    return value


Slug = Annotated[
    str,
    AfterValidator(_slug),
    WithJsonSchema({"type": "string", "pattern": f"^{SLUG_RE.pattern}$"}),
]
Url = Annotated[str, AfterValidator(_url), WithJsonSchema({"type": "string", "format": "uri"})]
Text = Annotated[str, Field(min_length=1)]
Markdown = Annotated[str, Field(min_length=1, description="Markdown")]
Level = Literal["beginner", "intermediate", "advanced"]
LevelRange = Annotated[str, AfterValidator(_level_range)]
ResourceKind = Literal["course", "book", "docs", "paper", "video", "article", "tool"]


@dataclass(frozen=True)
class Duration:
    """A range of time such as '4-6 weeks'."""

    low: float
    high: float
    unit: str

    @classmethod
    def parse(cls, value: object) -> Duration:
        if isinstance(value, Duration):
            return value
        match = re.fullmatch(
            r"\s*(\d+(?:\.\d+)?)\s*(?:-\s*(\d+(?:\.\d+)?))?\s*(day|week|month)s?\s*",
            str(value),
        )
        if not match or float(match[2] or match[1]) < float(match[1]) or float(match[1]) <= 0:
            raise ValueError(f"expected a range like '4-6 weeks', got {value!r}")
        low = float(match[1])
        return cls(low, float(match[2] or low), match[3])

    def weeks(self) -> tuple[float, float]:
        factor = UNITS[self.unit]
        return self.low * factor, self.high * factor

    def __str__(self) -> str:
        numbers = _number(self.low)
        if self.high != self.low:
            numbers += f"-{_number(self.high)}"
        plural = "" if self.high == 1 else "s"
        return f"{numbers} {self.unit}{plural}"


def _number(value: float) -> str:
    return str(int(value)) if value == int(value) else str(value)


DurationField = Annotated[
    Duration,
    BeforeValidator(Duration.parse),
    PlainSerializer(str, return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^\d+(\.\d+)?(-\d+(\.\d+)?)? (day|week|month)s?$",
            "examples": ["4-6 weeks"],
        }
    ),
]


class Model(BaseModel):
    """Every content model: unknown keys are errors, values never change after loading."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class SiteConfig(Model):
    """`site.yaml`: the site as a whole."""

    title: Text
    description: Text
    base_url: Url | None = None
    language: Annotated[str, Field(pattern=r"^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$")] = "en"
    roadmaps: list[Slug] = Field(min_length=1)


class Resource(Model):
    """A link worth a learner's time."""

    title: Text
    url: Url
    kind: ResourceKind
    free: bool
    note: Text | None = None


class OtherPath(Model):
    """A path that fits some learners better: a roadmap of this site or an outside one."""

    roadmap: Slug | None = None
    title: Text | None = None
    url: Url | None = None
    when: Text


class Audience(Model):
    """Who the roadmap is for, and when another path fits better."""

    for_: list[Text] = Field(alias="for", min_length=1)
    choose_another: list[OtherPath] = []


class Maintainer(Model):
    name: Text
    role: Text | None = None


class Responsibility(Model):
    title: Text
    description: Text


class Role(Model):
    """What the job is."""

    summary: Markdown
    responsibilities: list[Responsibility] = []


class Tool(Model):
    name: Text
    url: Url | None = None
    stages: list[Slug] = []


class Salary(Model):
    """A salary figure: never without its source and year."""

    range: Text
    source: Text
    year: int = Field(ge=1990, le=2100)


class Career(Model):
    title: Text
    description: Text
    salary: Salary | None = None


class Question(Model):
    question: Text
    answer: Markdown


class Completion(Model):
    """What to do once the roadmap is done."""

    title: Text
    body: Markdown
    next: list[Text] = []


class RoadmapHeader(Model):
    """`<roadmap>/roadmap.yaml`: the roadmap's header and its optional sections."""

    title: Text
    summary: Text
    description: Markdown | None = None
    level: LevelRange
    updated: dt.date
    reviewed: dt.date | None = None
    tags: list[Text] = []
    audience: Audience | None = None
    prerequisites: list[Text] = []
    maintainers: list[Maintainer] = []
    related: list[Slug] = []
    role: Role | None = None
    tools: list[Tool] = []
    careers: list[Career] = []
    faq: list[Question] = []
    resources: list[Resource] = []
    completion: Completion | None = None


class StageMeta(Model):
    """The front matter of `stages/NN-<slug>.md`."""

    title: Text
    summary: Text
    duration: DurationField
    level: Level
    tags: list[Text] = []
    prerequisites: list[Slug] = []
    topics: list[Text] = Field(min_length=1, max_length=12)
    outcomes: list[Text] = []
    resources: list[Resource] = []
    updated: dt.date | None = None


class SkillArea(Model):
    id: Slug
    title: Text
    summary: Text
    topics: list[Text] = []
    practices: list[Text] = []


class SkillMap(Model):
    """`skills.yaml`: areas of skill, each with topics and practices."""

    intro: Markdown | None = None
    areas: list[SkillArea] = Field(min_length=1)


class Step(Model):
    id: Slug
    title: Text
    summary: Text
    checks: list[Text] = []


class Loop(Model):
    """An arrow from a later step back to an earlier one."""

    model_config = ConfigDict(populate_by_name=True)

    from_: Slug = Field(alias="from")
    to: Slug
    label: Text | None = None


class Workflow(Model):
    """`workflow.yaml`: ordered steps that may loop back."""

    intro: Markdown | None = None
    steps: list[Step] = Field(min_length=1)
    loops: list[Loop] = []


class Rung(Model):
    id: Slug
    title: Text
    summary: Text
    proof: Text
    stages: list[Slug] = []


class Ladder(Model):
    """`ladder.yaml`: the learning ladder."""

    intro: Markdown | None = None
    rungs: list[Rung] = Field(min_length=1)


class Node(Model):
    id: Slug
    label: Text


class Edge(Model):
    model_config = ConfigDict(populate_by_name=True)

    from_: Slug = Field(alias="from")
    to: Slug
    label: Text | None = None


class Diagram(Model):
    id: Slug
    title: Text
    caption: Text
    nodes: list[Node] = Field(min_length=1)
    edges: list[Edge] = []


class Diagrams(Model):
    """`diagrams.yaml`: concept diagrams as data."""

    diagrams: list[Diagram] = Field(min_length=1)


class ProjectMeta(Model):
    """The front matter of `projects/<slug>.md`."""

    title: Text
    summary: Text
    level: Level
    duration: DurationField | None = None
    tags: list[Text] = []
    skills: list[Text] = []
    deliverables: list[Text] = []
    stages: list[Slug] = []


class GuideMeta(Model):
    """The front matter of `guides/<slug>.md`."""

    title: Text
    summary: Text
    updated: dt.date | None = None
    tags: list[Text] = []


FILE_MODELS: dict[str, type[Model]] = {
    "site.yaml": SiteConfig,
    "roadmap.yaml": RoadmapHeader,
    "skills.yaml": SkillMap,
    "workflow.yaml": Workflow,
    "ladder.yaml": Ladder,
    "diagrams.yaml": Diagrams,
    "stage": StageMeta,
    "project": ProjectMeta,
    "guide": GuideMeta,
}
