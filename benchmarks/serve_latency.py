"""Live preview latency: from saving a stage file to `trekgen serve` serving the updated page.

Starts a real `trekgen serve` on 127.0.0.1 for a copy of the bundled site and for a synthetic
site of 1,000 stages (10 roadmaps x 100, from benchmarks/generate.py), saves a stage file
again and again (1.5 s apart), and polls the stage's URL until the new words are served. Prints the
median, 90th percentile and worst time per site and kind of edit, beside the targets
(bundled: under 100 ms; 1,000 stages: under 300 ms).

    python benchmarks/serve_latency.py [--edits 15] [--roadmaps 10 --stages 100]
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
POLL_SECONDS = 0.002
PAUSE_SECONDS = 1.5
TARGETS_MS = {"bundled": 100, "synthetic": 300}


@contextmanager
def serve(source: Path) -> Iterator[str]:
    """A `trekgen serve` process for `source`; yields its URL."""
    command = [sys.executable, "-m", "trekgen", "serve", "--source", str(source), "--port", "0"]
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert process.stdout is not None
    url = ""
    for line in process.stdout:
        found = re.search(r"serving (http://\S+)", line)
        if found:
            url = found[1]
            break
    threading.Thread(target=process.stdout.read, daemon=True).start()  # keep the pipe drained
    try:
        yield url
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as answer:
        return bytes(answer.read())


def latency(path: Path, url: str, change: Callable[[str, int], str], edit: int) -> float:
    """Seconds from writing `path` to `url` serving the words the edit put there."""
    text = path.read_text(encoding="utf-8")
    marker = f"edit-{edit}-{time.monotonic_ns()}"
    started = time.perf_counter()
    path.write_text(change(text, edit).replace("MARKER", marker), encoding="utf-8")
    while marker.encode() not in fetch(url):
        time.sleep(POLL_SECONDS)
    return time.perf_counter() - started


def body_edit(text: str, edit: int) -> str:
    """A new sentence at the end of the body: the most common save."""
    return re.sub(r"\n\nEdited: [^\n]*\n$", "\n", text) + "\nEdited: MARKER\n"


def title_edit(text: str, edit: int) -> str:
    """A new title: front matter, shown across the roadmap."""
    return re.sub(r"^title: .*$", "title: Stage MARKER", text, count=1, flags=re.M)


def measure(name: str, source: Path, stage: Path, page: str, edits: int) -> list[str]:
    """One line per kind of edit: median, 90th percentile and worst latency."""
    lines = []
    with serve(source) as url:
        fetch(url + page)
        for kind, change in (("body edit", body_edit), ("title edit", title_edit)):
            times = []
            for edit in range(edits):
                times.append(latency(stage, url + page, change, edit))
                # A maintainer saves every few seconds; by then the server has also rebuilt
                # what the page does not show (search index, feed), which takes longer.
                time.sleep(PAUSE_SECONDS)
            ms = sorted(t * 1000 for t in times)
            p90 = ms[min(len(ms) - 1, round(0.9 * (len(ms) - 1)))]
            lines.append(
                f"{name:<28} {kind:<11} median {statistics.median(ms):6.0f} ms   "
                f"p90 {p90:6.0f} ms   worst {ms[-1]:6.0f} ms   "
                f"target < {TARGETS_MS[name.split()[0]]} ms"
            )
    return lines


def synthetic(out: Path, roadmaps: int, stages: int) -> Path:
    """benchmarks/generate.py's synthetic site, written in trekgen's format."""
    sys.path.insert(0, str(HERE))
    import generate  # a sibling script, not an installed module

    return generate.write_trekgen(generate.site(roadmaps, stages), out)


def first_stage(source: Path) -> tuple[Path, str]:
    """The middle stage of the first roadmap and its URL."""
    stages = sorted(next(p for p in sorted(source.iterdir()) if p.is_dir()).glob("stages/*.md"))
    stage = stages[len(stages) // 2]
    slug = re.sub(r"^\d+-", "", stage.stem)
    return stage, f"{stage.parent.parent.name}/stages/{slug}/"


def main() -> None:
    """Measure both sites and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edits", type=int, default=15, help="saves per kind of edit")
    parser.add_argument("--roadmaps", type=int, default=10)
    parser.add_argument("--stages", type=int, default=100, help="stages per roadmap")
    args = parser.parse_args()
    load = ", ".join(f"{n:.1f}" for n in os.getloadavg())
    print(f"# {platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"# load average before the run: {load} (figures grow with it)")
    with tempfile.TemporaryDirectory(prefix="trekgen-serve-latency-") as tmp:
        bundled = shutil.copytree(ROOT / "roadmap", Path(tmp) / "bundled" / "roadmap")
        stage = bundled / "ml-engineer" / "stages" / "03-feature-engineering.md"
        page = "ml-engineer/stages/feature-engineering/"
        lines = measure("bundled (19 stages)", bundled, stage, page, args.edits)
        count = args.roadmaps * args.stages
        source = synthetic(Path(tmp) / "synthetic", args.roadmaps, args.stages)
        stage, page = first_stage(source)
        lines += measure(f"synthetic ({count:,} stages)", source, stage, page, args.edits)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
