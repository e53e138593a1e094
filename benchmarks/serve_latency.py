"""Live preview latency: from saving a stage file to `trekgen serve` serving the updated page.

Starts a real `trekgen serve` on 127.0.0.1 for a copy of the bundled site and for a synthetic
site of 1,000 stages (10 roadmaps x 100, from benchmarks/generate.py), saves a stage file
again and again (1.5 s after the last edit showed, or --pause), and waits until the stage's
URL serves the new words. Prints the median, 90th percentile and worst time per site and kind
of edit, beside the targets (bundled: under 100 ms; 1,000 stages: under 300 ms), and
"rebuild", the median time the server reports for rebuilding the whole site after the edit.
A rebuild longer than the pause delays the next edit's page: the server reads the next save
only once done.

By default the page is fetched as the browser does: when the live reload connection says to
reload, and again at each reload until it shows the edit. `--wait poll` fetches it every
2 ms instead, as the first version of this script did; those hundreds of requests a second
compete with the build for the server's one interpreter lock and slow it down.

    python benchmarks/serve_latency.py [--edits 15] [--roadmaps 10 --stages 100] [--wait poll]
                                       [--pause 1.5]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import queue
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

from tornado.websocket import websocket_connect

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
POLL_SECONDS = 0.002
PAUSE_SECONDS = 1.5
PROTOCOL = "http://livereload.com/protocols/official-7"
# What the server prints after each rebuild: "... rendered 2 of 1103 pages in 212 ms ..."
REBUILT = re.compile(r"rendered \d+ (?:of \d+ )?pages in (\d+) ms")
TARGETS_MS = {"bundled": 100, "synthetic": 300}


@contextmanager
def serve(source: Path) -> Iterator[tuple[str, list[str]]]:
    """A `trekgen serve` process for `source`; yields its URL and the lines it prints."""
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
    printed: list[str] = []  # filled line by line as the server prints, which drains the pipe
    threading.Thread(target=printed.extend, args=(process.stdout,), daemon=True).start()
    try:
        yield url, printed
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)


class Browser:
    """A live reload client, as livereload.js in the page is: told when to load it again."""

    def __init__(self, root: str) -> None:
        self.reloads: queue.Queue[None] = queue.Queue()
        connected = threading.Event()
        listen = self._listen(root, connected)
        threading.Thread(target=asyncio.run, args=(listen,), daemon=True).start()
        if not connected.wait(30):
            raise RuntimeError("no live reload connection")
        time.sleep(0.2)  # the server counts the client in once it has read the last message

    async def _listen(self, root: str, connected: threading.Event) -> None:
        connection = await websocket_connect(root.replace("http", "ws", 1) + "livereload")
        await connection.write_message(json.dumps({"command": "hello", "protocols": [PROTOCOL]}))
        await connection.read_message()
        await connection.write_message(json.dumps({"command": "info", "url": root}))
        connected.set()
        while (message := await connection.read_message()) is not None:
            if json.loads(message).get("command") == "reload":
                self.reloads.put(None)

    def forget(self) -> None:
        """Drop the reloads told so far."""
        while not self.reloads.empty():
            self.reloads.get_nowait()

    def reloaded(self) -> None:
        """Wait for the next reload."""
        self.reloads.get(timeout=30)


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as answer:
        return bytes(answer.read())


def latency(
    path: Path, url: str, change: Callable[[str, int], str], edit: int, browser: Browser | None
) -> float:
    """Seconds from writing `path` to `url` serving the words the edit put there; without a
    browser, the page is polled."""
    text = path.read_text(encoding="utf-8")
    marker = f"edit-{edit}-{time.monotonic_ns()}"
    if browser is not None:
        browser.forget()
    started = time.perf_counter()
    path.write_text(change(text, edit).replace("MARKER", marker), encoding="utf-8")
    while True:
        if browser is not None:
            browser.reloaded()
        if marker.encode() in fetch(url):
            return time.perf_counter() - started
        if browser is None:
            time.sleep(POLL_SECONDS)


def rebuilds(printed: list[str], since: int, count: int) -> list[float]:
    """The milliseconds of the `count` rebuilds reported after line `since`, once reported."""
    deadline = time.monotonic() + 60
    while True:
        found = [float(m[1]) for m in map(REBUILT.search, printed[since:]) if m]
        if len(found) >= count or time.monotonic() > deadline:
            return found[:count]
        time.sleep(0.05)


def body_edit(text: str, edit: int) -> str:
    """A new sentence at the end of the body: the most common save."""
    return re.sub(r"\n\nEdited: [^\n]*\n$", "\n", text) + "\nEdited: MARKER\n"


def title_edit(text: str, edit: int) -> str:
    """A new title: front matter, shown across the roadmap."""
    return re.sub(r"^title: .*$", "title: Stage MARKER", text, count=1, flags=re.M)


def measure(
    name: str, source: Path, stage: Path, page: str, edits: int, poll: bool, pause: float
) -> list[str]:
    """One line per kind of edit: median, 90th percentile and worst latency."""
    lines = []
    with serve(source) as (url, printed):
        fetch(url + page)
        browser = None if poll else Browser(url)
        for kind, change in (("body edit", body_edit), ("title edit", title_edit)):
            times = []
            before = len(printed)
            for edit in range(edits):
                times.append(latency(stage, url + page, change, edit, browser))
                # A maintainer saves every few seconds; the server may still be rebuilding
                # what the page does not show (search index, feed...).
                time.sleep(pause)
            ms = sorted(t * 1000 for t in times)
            p90 = ms[min(len(ms) - 1, round(0.9 * (len(ms) - 1)))]
            lines.append(
                f"{name:<28} {kind:<11} median {statistics.median(ms):6.0f} ms   "
                f"p90 {p90:6.0f} ms   worst {ms[-1]:6.0f} ms   "
                f"target < {TARGETS_MS[name.split()[0]]} ms   "
                f"rebuild {statistics.median(rebuilds(printed, before, edits)):6.0f} ms"
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
    parser.add_argument("--wait", choices=("reload", "poll"), default="reload")
    parser.add_argument("--pause", type=float, default=PAUSE_SECONDS, help="seconds between saves")
    args = parser.parse_args()
    poll = args.wait == "poll"
    load = ", ".join(f"{n:.1f}" for n in os.getloadavg())
    print(f"# {platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"# load average before the run: {load} (figures grow with it); waiting by {args.wait}")
    with tempfile.TemporaryDirectory(prefix="trekgen-serve-latency-") as tmp:
        bundled = shutil.copytree(ROOT / "roadmap", Path(tmp) / "bundled" / "roadmap")
        stage = bundled / "ml-engineer" / "stages" / "03-feature-engineering.md"
        page = "ml-engineer/stages/feature-engineering/"
        lines = measure("bundled (19 stages)", bundled, stage, page, args.edits, poll, args.pause)
        count = args.roadmaps * args.stages
        source = synthetic(Path(tmp) / "synthetic", args.roadmaps, args.stages)
        stage, page = first_stage(source)
        lines += measure(
            f"synthetic ({count:,} stages)", source, stage, page, args.edits, poll, args.pause
        )
    print("\n".join(lines))


if __name__ == "__main__":
    main()
