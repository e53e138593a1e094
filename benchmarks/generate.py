"""Synthetic content for the benchmarks: N roadmaps x M stages, deterministic for a seed.

The same stages can be written in trekgen's own format and as a plain Markdown site for
MkDocs, Pelican and Hugo, so that every generator renders the same text.

    python benchmarks/generate.py OUT --roadmaps 10 --stages 100 [--seed 6] [--format trekgen]
"""

from __future__ import annotations

import argparse
import random
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import yaml


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


WORDS = _words("""
    model data feature training pipeline gradient loss batch tensor metric baseline
    validation split leakage drift schema query index cache latency throughput replica
    shard queue worker service contract review release rollback canary trace log alert
    budget sample label annotation embedding vector retrieval ranking score threshold
    calibration precision recall error variance bias regularization optimizer scheduler
    checkpoint artifact registry container cluster node job scheduler storage format
    column table partition window aggregate join stream event consumer producer offset
    prompt token context window evaluation guardrail judge rubric dataset benchmark
    experiment hypothesis ablation notebook script module function interface test fixture
    deployment endpoint request response payload timeout retry backoff quota cost
    dashboard report owner incident runbook postmortem decision trade-off constraint
""")
LINKERS = _words("""
    so that when because while before after unless and but which where as once
    without through across against within between
""")
ADJECTIVES = _words("""
    reliable careful small large noisy clean stable fresh stale robust fragile shared
    private versioned typed measured expensive cheap fast slow sparse dense
""")
# Tags of one or two words, as real roadmaps have them.
TAGS = tuple(
    line.strip()
    for line in """
    Python
    SQL
    Statistics
    Deep Learning
    MLOps
    Data Engineering
    Evaluation
    Serving
    Monitoring
    Retrieval
    LLM
    Vision
    NLP
    Tabular
    Time Series
    Testing
    Security
    Cloud
    Spark
    Kubernetes
    PyTorch
    Feature Stores
    Experimentation
    Privacy
    Ethics
    Search
    Streaming
    Optimization
    Probability
    Linear Algebra
    Visualization
    Career
    """.strip().splitlines()
)
KINDS = ("course", "book", "docs", "paper", "video", "article", "tool")
LEVELS = ("beginner", "intermediate", "advanced")
UPDATED = "2026-11-01"


@dataclass
class Stage:
    """One synthetic stage: front matter values and a Markdown body."""

    number: int
    slug: str
    meta: dict[str, object]
    body: str


@dataclass
class Roadmap:
    """One synthetic roadmap: its header and its stages."""

    slug: str
    header: dict[str, object]
    stages: list[Stage] = field(default_factory=list)


class Writer:
    """Random text from a fixed vocabulary, reproducible for a seed."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def words(self, low: int, high: int) -> str:
        count = self.rng.randint(low, high)
        picked = [self.rng.choice(WORDS if i % 4 else ADJECTIVES + WORDS) for i in range(count)]
        for i in range(3, count - 2, self.rng.randint(5, 8)):
            picked[i] = self.rng.choice(LINKERS)
        return " ".join(picked)

    def sentence(self, low: int = 9, high: int = 17) -> str:
        text = self.words(low, high)
        return text[0].upper() + text[1:] + "."

    def paragraph(self, sentences: int) -> str:
        return " ".join(self.sentence() for _ in range(sentences))

    def title(self) -> str:
        text = self.words(2, 4)
        return text[0].upper() + text[1:]


def slugify(text: str) -> str:
    """Lowercase ASCII words joined by hyphens."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def site(roadmaps: int, stages: int, seed: int = 6) -> list[Roadmap]:
    """`roadmaps` roadmaps of `stages` stages each."""
    writer = Writer(seed)
    result = []
    for index in range(1, roadmaps + 1):
        title = f"{writer.title()} track {index}"
        slug = f"track-{index:03d}-{slugify(title)[:40].strip('-')}"
        result.append(Roadmap(slug, _header(writer, title)))
    for index, roadmap in enumerate(result):
        if len(result) > 1:
            roadmap.header["related"] = [result[(index + 1) % len(result)].slug]
        roadmap.stages = _stages(writer, stages)
    return result


def _header(writer: Writer, title: str) -> dict[str, object]:
    return {
        "title": title,
        "summary": writer.sentence(),
        "description": "\n\n".join(writer.paragraph(4) for _ in range(2)),
        "level": "beginner to advanced",
        "updated": UPDATED,
        "tags": writer.rng.sample(TAGS, 3),
        "audience": {"for": [writer.sentence() for _ in range(3)]},
        "prerequisites": [writer.sentence() for _ in range(3)],
        "maintainers": [{"name": "Benchmark editors", "role": "Editors"}],
        "faq": [
            {"question": writer.sentence()[:-1] + "?", "answer": writer.paragraph(3)}
            for _ in range(3)
        ],
        "resources": [_resource(writer) for _ in range(3)],
        "completion": {
            "title": "You made it",
            "body": writer.paragraph(3),
            "next": [writer.sentence() for _ in range(3)],
        },
    }


def _stages(writer: Writer, count: int) -> list[Stage]:
    stages: list[Stage] = []
    taken: set[str] = set()
    for number in range(1, count + 1):
        title = writer.title()
        slug = slugify(title)[:50].strip("-")
        while slug in taken:
            slug += "-x"
        taken.add(slug)
        earlier = [s.slug for s in stages]
        prerequisites = earlier[-1:] + writer.rng.sample(
            earlier[:-1], min(1, max(0, len(earlier) - 1))
        )
        stages.append(
            Stage(
                number,
                slug,
                _stage_meta(writer, title, prerequisites),
                _body(writer, prerequisites),
            )
        )
    return stages


def _stage_meta(writer: Writer, title: str, prerequisites: list[str]) -> dict[str, object]:
    low = writer.rng.randint(1, 4)
    meta: dict[str, object] = {
        "title": title,
        "summary": writer.sentence(),
        "duration": f"{low}-{low + writer.rng.randint(1, 3)} weeks",
        "level": writer.rng.choice(LEVELS),
        "tags": writer.rng.sample(TAGS, writer.rng.randint(2, 4)),
        "prerequisites": prerequisites,
        "topics": [writer.sentence(5, 10)[:-1] for _ in range(writer.rng.randint(5, 8))],
        "outcomes": [writer.sentence(8, 14)[:-1] for _ in range(writer.rng.randint(3, 5))],
        "resources": [_resource(writer) for _ in range(writer.rng.randint(3, 6))],
    }
    if not prerequisites:
        del meta["prerequisites"]
    return meta


def _resource(writer: Writer) -> dict[str, object]:
    resource: dict[str, object] = {
        "title": writer.title(),
        "url": f"https://example.org/{slugify(writer.words(2, 3))}/",
        "kind": writer.rng.choice(KINDS),
        "free": writer.rng.random() < 0.8,
    }
    if writer.rng.random() < 0.6:
        resource["note"] = writer.sentence()
    return resource


def _body(writer: Writer, prerequisites: list[str]) -> str:
    """About 600 words with headings, lists, a table, links and inline code."""
    rng = writer.rng
    link = f"[the earlier stage](../{prerequisites[0]}/)" if prerequisites else "the overview"
    parts = [
        "## Why it matters",
        writer.paragraph(4),
        writer.paragraph(3),
        writer.paragraph(3),
        "## What to learn",
        *(
            f"**{writer.title()}.** {writer.paragraph(3)} See "
            f"[{writer.title().lower()}](https://example.org/{slugify(writer.words(2, 2))}/) "
            f"and `{rng.choice(WORDS)}_{rng.choice(WORDS)}()`."
            for _ in range(3)
        ),
        "| Concept | What it means | Where it shows up |\n|---|---|---|\n"
        + "\n".join(
            f"| {writer.words(1, 2)} | {writer.words(4, 7)} | {writer.words(2, 4)} |"
            for _ in range(4)
        ),
        "## How to practise",
        "\n".join(f"{i}. {writer.sentence(10, 16)}" for i in range(1, 7)),
        "### A worked example",
        f"{writer.paragraph(2)} Start from {link} before you go further.",
        "## Common mistakes",
        "\n".join(f"- {writer.sentence(8, 14)}" for _ in range(5)),
        "## You are ready to move on when",
        writer.paragraph(3),
    ]
    return "\n\n".join(parts) + "\n"


def plain_markdown(stage: Stage) -> str:
    """The text of a stage page as plain Markdown, for the other generators."""
    meta = stage.meta
    resources = meta["resources"]
    assert isinstance(resources, list)
    lines = [
        str(meta["summary"]),
        "",
        f"Time: {meta['duration']}. Level: {meta['level']}.",
        "",
        "## Topics",
        "",
        *(f"- {t}" for t in _strings(meta["topics"])),
        "",
        "## By the end you can",
        "",
        *(f"- {o}" for o in _strings(meta["outcomes"])),
        "",
        stage.body,
        "## Resources",
        "",
        *(
            f"- [{r['title']}]({r['url']}) ({r['kind']}, {'free' if r['free'] else 'paid'})"
            + (f": {r['note']}" if "note" in r else "")
            for r in resources
        ),
    ]
    return "\n".join(lines) + "\n"


def _strings(value: object) -> list[str]:
    assert isinstance(value, list)
    return [str(v) for v in value]


def _dump(data: object) -> str:
    # The C emitter when PyYAML has it: writing 10,000 stages is then a few seconds.
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return yaml.dump(data, Dumper=dumper, sort_keys=False, allow_unicode=True, width=100)


def write_trekgen(roadmaps: list[Roadmap], out: Path) -> Path:
    """trekgen's own layout: out/roadmap/...; returns the source folder."""
    source = out / "roadmap"
    listed = [r.slug for r in roadmaps]
    _write(
        source / "site.yaml",
        _dump(
            {
                "title": "Benchmark roadmaps",
                "description": "Synthetic roadmaps for measuring trekgen.",
                "language": "en",
                "roadmaps": listed,
            }
        ),
    )
    for roadmap in roadmaps:
        folder = source / roadmap.slug
        _write(folder / "roadmap.yaml", _dump(roadmap.header))
        for stage in roadmap.stages:
            text = f"---\n{_dump(stage.meta)}---\n\n{stage.body}"
            _write(folder / "stages" / f"{stage.number:02d}-{stage.slug}.md", text)
    return source


def write_mkdocs(roadmaps: list[Roadmap], out: Path) -> Path:
    """An MkDocs project: out/mkdocs.yml and out/docs/; returns the project folder."""
    _write(out / "mkdocs.yml", "site_name: Benchmark roadmaps\nsite_dir: site\n")
    _write(out / "docs" / "index.md", "# Benchmark roadmaps\n\nSynthetic roadmaps.\n")
    for roadmap, stage in _every_stage(roadmaps):
        text = f"# {stage.meta['title']}\n\n{plain_markdown(stage)}"
        _write(out / "docs" / roadmap.slug / f"{stage.number:03d}-{stage.slug}.md", text)
    return out


def write_pelican(roadmaps: list[Roadmap], out: Path) -> Path:
    """A Pelican project: out/pelicanconf.py and out/content/; returns the project folder."""
    _write(out / "pelicanconf.py", PELICAN_CONF)
    for roadmap, stage in _every_stage(roadmaps):
        head = (
            f"Title: {stage.meta['title']}\nDate: {UPDATED}\n"
            f"Category: {roadmap.slug}\nTags: {', '.join(_strings(stage.meta['tags']))}\n"
            f"Slug: {roadmap.slug}-{stage.slug}\nSummary: {stage.meta['summary']}\n\n"
        )
        _write(
            out / "content" / roadmap.slug / f"{stage.number:03d}-{stage.slug}.md",
            head + plain_markdown(stage),
        )
    return out


def write_hugo(roadmaps: list[Roadmap], out: Path) -> Path:
    """A Hugo project with a minimal layout; returns the project folder."""
    # Feeds of 100 entries, as trekgen's; Hugo's default puts every page in every feed.
    config = 'baseURL = "https://example.org/"\ntitle = "Benchmark roadmaps"\n'
    _write(out / "hugo.toml", config + "[services.rss]\nlimit = 100\n")
    for name, text in HUGO_LAYOUTS.items():
        _write(out / "layouts" / "_default" / name, text)
    for roadmap, stage in _every_stage(roadmaps):
        head = _dump(
            {
                "title": stage.meta["title"],
                "tags": stage.meta["tags"],
                "summary": stage.meta["summary"],
                "date": UPDATED,
            }
        )
        _write(
            out / "content" / roadmap.slug / f"{stage.number:03d}-{stage.slug}.md",
            f"---\n{head}---\n\n{plain_markdown(stage)}",
        )
    return out


PELICAN_CONF = """\
AUTHOR = "Benchmark"
SITENAME = "Benchmark roadmaps"
PATH = "content"
TIMEZONE = "UTC"
DEFAULT_LANG = "en"
FEED_ALL_ATOM = None
CATEGORY_FEED_ATOM = None
TRANSLATION_FEED_ATOM = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None
"""

HUGO_LAYOUTS = {
    "baseof.html": (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        "<title>{{ .Title }} · {{ .Site.Title }}</title></head><body>"
        "<nav>{{ range .Site.Sections }}"
        '<a href="{{ .RelPermalink }}">{{ .Title }}</a> {{ end }}</nav>'
        '<main>{{ block "main" . }}{{ end }}</main></body></html>\n'
    ),
    "single.html": (
        '{{ define "main" }}<h1>{{ .Title }}</h1>{{ .Content }}'
        '{{ range .Params.tags }}<a href="/tags/{{ . | urlize }}/">{{ . }}</a> {{ end }}{{ end }}\n'
    ),
    "list.html": (
        '{{ define "main" }}<h1>{{ .Title }}</h1><ul>{{ range .Pages }}'
        '<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ul>{{ end }}\n'
    ),
}

WRITERS: dict[str, Callable[[list[Roadmap], Path], Path]] = {
    "trekgen": write_trekgen,
    "mkdocs": write_mkdocs,
    "pelican": write_pelican,
    "hugo": write_hugo,
}


def _every_stage(roadmaps: list[Roadmap]) -> Iterator[tuple[Roadmap, Stage]]:
    for roadmap in roadmaps:
        for stage in roadmap.stages:
            yield roadmap, stage


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def main() -> None:
    """Write a synthetic site in one format."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="folder to write into (created)")
    parser.add_argument("--roadmaps", type=int, default=10)
    parser.add_argument("--stages", type=int, default=100, help="stages per roadmap (max 999)")
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--format", choices=sorted(WRITERS), default="trekgen")
    args = parser.parse_args()
    written = WRITERS[args.format](site(args.roadmaps, args.stages, args.seed), args.out)
    print(f"wrote {args.roadmaps * args.stages} stages into {written}")


if __name__ == "__main__":
    main()
