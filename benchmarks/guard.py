"""A speed guard that does not flake: trekgen's build against a floor measured in the same run.

The floor is the least any generator must do for the same pages: read the front matter,
render the Markdown with markdown-it and fill a small Jinja template. The guard fails only
when trekgen takes more than LIMIT times the floor, never on a wall-clock figure, so a busy
or slow machine slows both sides alike. Both sides run serially in this process and are
timed in CPU seconds; each keeps its best of several runs.

    .venv/bin/python benchmarks/guard.py      # prints the figures; exit status 1 on a regression
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import jinja2
import yaml
from markdown_it import MarkdownIt

sys.path.insert(0, str(Path(__file__).resolve().parent))

import generate  # a sibling script, not a package

# trekgen measured about 2.3 times the floor on a busy 2-core machine (2026-11-25); four times
# that leaves room for noise and for features, and still catches a page rendered twice, a
# parser run per link, or work that grows with the square of the site.
OBSERVED = 2.3
LIMIT = 4 * OBSERVED
ROADMAPS, STAGES = 3, 25
RUNS = 5

FLOOR_TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ meta.title }}</title></head>
<body><nav>{% for r in roadmaps %}<a href="../{{ r }}/">{{ r }}</a>{% endfor %}</nav>
<main><h1>{{ meta.title }}</h1><p>{{ meta.summary }}</p>
<ul>{% for t in meta.topics %}<li>{{ t }}</li>{% endfor %}</ul>
{{ body | safe }}
<ul>{% for r in meta.resources %}<li><a href="{{ r.url }}">{{ r.title }}</a></li>{% endfor %}</ul>
</main></body></html>
"""


@dataclass(frozen=True)
class Verdict:
    """The two timings, per stage page, and their ratio."""

    floor_ms: float
    trekgen_ms: float

    @property
    def ratio(self) -> float:
        return self.trekgen_ms / self.floor_ms

    @property
    def ok(self) -> bool:
        return self.ratio <= LIMIT


def floor(source: Path) -> Callable[[], object]:
    """Render every stage of `source` the least costly way; the pages, by path."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    markdown = MarkdownIt("commonmark").enable("table")
    template = jinja2.Environment(autoescape=True).from_string(FLOOR_TEMPLATE)
    files = sorted(source.glob("*/stages/*.md"))
    roadmaps = sorted(p.name for p in source.iterdir() if p.is_dir())

    def run() -> dict[str, bytes]:
        pages = {}
        for path in files:
            _, front, body = path.read_text(encoding="utf-8").split("---\n", 2)
            meta = yaml.load(front, Loader=loader)  # the safe loader, C or Python
            html = template.render(meta=meta, body=markdown.render(body), roadmaps=roadmaps)
            pages[path.as_posix()] = html.encode()
        return pages

    return run


def trekgen(source: Path, out: Path) -> Callable[[], object]:
    """trekgen's whole build of `source`, serially, into `out`."""
    from trekgen.build import build

    def run() -> object:
        return build(source, out)

    return run


def best_cpu(run: Callable[[], object], runs: int) -> float:
    """The least CPU time of `runs` calls, in seconds."""
    best = float("inf")
    for _ in range(runs):
        started = time.process_time()
        run()
        best = min(best, time.process_time() - started)
    return best


def measure(runs: int = RUNS) -> Verdict:
    """Time the floor and trekgen on the same synthetic site."""
    jobs = os.environ.get("TREKGEN_JOBS")
    os.environ["TREKGEN_JOBS"] = "1"  # the floor is serial too
    try:
        with tempfile.TemporaryDirectory(prefix="trekgen-guard-") as folder:
            work = Path(folder)
            source = generate.write_trekgen(generate.site(ROADMAPS, STAGES, seed=6), work)
            ours, theirs = trekgen(source, work / "site"), floor(source)
            ours(), theirs()  # compile templates and warm caches outside the timings
            pages = ROADMAPS * STAGES
            floor_ms = best_cpu(theirs, runs) * 1000 / pages
            trekgen_ms = best_cpu(ours, runs) * 1000 / pages
    finally:
        if jobs is None:
            del os.environ["TREKGEN_JOBS"]
        else:
            os.environ["TREKGEN_JOBS"] = jobs
    return Verdict(floor_ms, trekgen_ms)


def main() -> None:
    """Print the figures; exit 1 on a gross regression."""
    verdict = measure()
    print(
        f"{ROADMAPS * STAGES} stage pages, best of {RUNS}, CPU ms per stage page: "
        f"floor {verdict.floor_ms:.2f}, trekgen {verdict.trekgen_ms:.2f}; "
        f"ratio {verdict.ratio:.2f} (limit {LIMIT:.1f})"
    )
    sys.exit(0 if verdict.ok else 1)


if __name__ == "__main__":
    main()
