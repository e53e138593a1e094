"""Build synthetic sites of growing size with trekgen, MkDocs, Pelican and Hugo; print the figures.

    .venv/bin/python benchmarks/run.py            # 100, 1,000 and 10,000 stage pages
    .venv/bin/python benchmarks/run.py --quick    # 100 and 1,000, fewer repeats

Run it with the Python that has trekgen installed. The other generators are looked up in
benchmarks/.venv (see benchmarks/README.md); one that is missing is skipped with a message.
Every build runs as a child process: wall time includes start-up, and peak memory is the
child's own maximum resident set size (ru_maxrss), with that of its largest worker apart.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402  (a sibling script, not a package)

TOOLS_VENV = HERE / ".venv"
SETUP = (
    "python3 -m venv benchmarks/.venv && "
    "benchmarks/.venv/bin/pip install -r benchmarks/requirements.txt"
)
# The other generators grow at least linearly; past these sizes a run takes many minutes
# (MkDocs grows faster than linearly). --competitor-max raises or lowers every cap.
CAPS = {"mkdocs": 1_000, "pelican": 10_000, "hugo": 10_000}
# Runs the trekgen command line in a child process and reports the child's own peak memory
# apart from its workers', which ru_maxrss of a waited-for child would merge.
MEASURED_CLI = """
import json, resource, sys
{setup}
from trekgen.cli import main
try:
    main(sys.argv[2:], prog_name="trekgen")
except SystemExit as exit:
    code = exit.code or 0
else:
    code = 0
own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
with open(sys.argv[1], "w") as report:
    json.dump({"own_kb": own, "workers_kb": workers}, report)
sys.exit(code)
"""

# With --baseline: trekgen with the speed work of issue 6 switched off, as far as switches go
# (the Python YAML loader, one process, templates compiled every run, posixpath.relpath, every
# page in memory before writing), to show what that work changed.
BASELINE = """
import posixpath
from trekgen import parallel, render, sources, theme
sources._FAST_LOADER = None
parallel.MIN_ITEMS = 10**12
theme._bytecode_cache = lambda: None
render._relpath = lambda target, here: posixpath.relpath("/" + target, "/" + here)
from trekgen import output
held = []
write, commit = output.Staging.write, output.Staging.commit
def hold(self, relative, data):
    held.append((relative, data))
    return relative
def commit_held(self):
    for relative, data in held:
        write(self, relative, data)
    commit(self)
output.Staging.write, output.Staging.commit = hold, commit_held
"""


@dataclass(frozen=True)
class Run:
    """One build: wall and CPU seconds (children included), peak memory in MB."""

    wall: float
    cpu: float
    peak_mb: float
    worker_mb: float = 0.0


def shape(stages: int) -> tuple[int, int]:
    """(roadmaps, stages per roadmap) for a size: dozens of roadmaps of up to 200 stages."""
    per = min(200, max(20, stages // 10))
    return math.ceil(stages / per), per


def timed(
    command: list[str], cwd: Path, report: Path | None = None, env: dict[str, str] | None = None
) -> Run:
    """Run `command` to completion; its wall time, CPU time and peak memory."""
    started = time.perf_counter()
    child = subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    errors = child.stderr.read().decode() if child.stderr else ""
    if child.returncode != 0:
        raise SystemExit(f"failed: {' '.join(command)}\n{errors[-2000:]}")
    peak, workers = usage.ru_maxrss / 1024, 0.0
    if report is not None and report.exists():
        measured = json.loads(report.read_text())
        peak, workers = measured["own_kb"] / 1024, measured["workers_kb"] / 1024
    return Run(wall, usage.ru_utime + usage.ru_stime, peak, workers)


class Outputs:
    """A new output folder for every timed build, all of them deleted only when the run ends.

    Here (ext4 without a journal, mounted with `discard`, on a virtual disk) deleting a large
    site makes the files created after it cost two to four times as much for a minute or
    more, whichever generator creates them; so nothing is deleted while builds are timed.
    """

    def __init__(self) -> None:
        self.made: list[Path] = []

    def new(self, parent: Path, name: str) -> str:
        """The name of a folder in `parent` that does not exist yet: name-1, name-2..."""
        number = 1
        while (parent / f"{name}-{number}").exists():
            number += 1
        self.made.append(parent / f"{name}-{number}")
        return f"{name}-{number}"

    def remove(self) -> None:
        for path in self.made:
            shutil.rmtree(path, ignore_errors=True)


def median_run(runs: list[Run]) -> Run:
    """The run with the median wall time."""
    return sorted(runs, key=lambda r: r.wall)[len(runs) // 2]


def trekgen_command(report: Path, *args: str, baseline: bool = False) -> list[str]:
    code = MEASURED_CLI.replace("{setup}", BASELINE if baseline else "")
    return [sys.executable, "-c", code, str(report), *args]


def bench_trekgen(work: Path, repeat: int, outputs: Outputs, baseline: bool = False) -> Run:
    """`trekgen build` of work/roadmap into a new folder of `work`, `repeat` times."""
    report = work / "measured.json"
    runs = []
    for _ in range(repeat):
        args = ("build", "--source", "roadmap", "--out", outputs.new(work, "site"))
        runs.append(timed(trekgen_command(report, *args, baseline=baseline), work, report=report))
    return median_run(runs)


def competitor_args(name: str, out: str) -> list[str]:
    """The arguments that make the generator `name` (its executable's name too) build into `out`."""
    return {
        "mkdocs": ["build", "--quiet", "-f", "mkdocs.yml", "--site-dir", out],
        "pelican": ["content", "-s", "pelicanconf.py", "-o", out, "-q"],
        "hugo": ["--quiet", "--destination", out],
    }[name]


def tool(name: str) -> Path | None:
    """An executable of benchmarks/.venv, or None when it is not installed."""
    folder = TOOLS_VENV / ("Scripts" if os.name == "nt" else "bin")
    found = shutil.which(name, path=str(folder))
    return Path(found) if found else None


def bench_competitor(
    name: str, roadmaps: list[generate.Roadmap], work: Path, repeat: int, outputs: Outputs
) -> Run:
    """Write the same stages as a plain Markdown site for `name`, then build it."""
    folder = work / name
    if not folder.exists():
        generate.WRITERS[name](roadmaps, folder)
    path = tool(name)
    assert path is not None
    # The tools' own virtual environment comes first on PATH, as when it is activated.
    env = {**os.environ, "PATH": str(path.parent) + os.pathsep + os.environ.get("PATH", "")}
    runs = []
    for _ in range(repeat):
        args = competitor_args(name, outputs.new(folder, "out"))
        runs.append(timed([str(path), *args], folder, env=env))
    return median_run(runs)


def prepare(stages: int, work_root: Path, seed: int) -> tuple[Path, list[generate.Roadmap]]:
    """The synthetic site of `stages` stages in trekgen's format, written once per size."""
    roadmaps, per = shape(stages)
    work = work_root / f"stages-{stages}-seed-{seed}"
    content = generate.site(roadmaps, per, seed)
    if not (work / "roadmap" / "site.yaml").exists():
        generate.write_trekgen(content, work)
    return work, content


def machine() -> str:
    """The machine in one line, read from it: cores, CPU model, memory, OS, Python."""
    cpu = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        models = [
            line.split(":", 1)[1].strip()
            for line in cpuinfo.read_text().splitlines()
            if line.startswith("model name")
        ]
        cpu = models[0] if models else cpu
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        kb = int(meminfo.read_text().split()[1])
        memory = f", {kb / 1024 / 1024:.0f} GiB RAM"
    load = f", load average {os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else ""
    return (
        f"{cores} cores ({cpu}){memory}, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}{load}; reference loop {reference_loop():.2f} s"
    )


def reference_loop() -> float:
    """CPU seconds of a fixed pure-Python loop: how fast this machine is at the moment.

    Shared and virtual machines change speed from hour to hour; compare figures taken at
    different times through this number, or better through the ratios of one run.
    """
    started = time.process_time()
    total = 0
    for number in range(5_000_000):
        total += number
    return time.process_time() - started


def bench_bundled(repeat: int, baseline: bool = False) -> dict[str, float]:
    """Median wall seconds of `trekgen build` and `trekgen check` on the bundled site."""
    folder = Path(tempfile.mkdtemp(prefix="trekgen-bundled-"))
    report = folder / "measured.json"
    commands = {
        "build": trekgen_command(report, "build", "--out", str(folder / "site"), baseline=baseline),
        "check": trekgen_command(report, "check", baseline=baseline),
    }
    figures = {}
    for name, command in commands.items():
        timed(command, ROOT)  # a first run fills the file cache, as any second build would
        figures[name] = statistics.median(timed(command, ROOT).wall for _ in range(repeat))
    shutil.rmtree(folder, ignore_errors=True)
    return figures


def print_row(cells: list[str], widths: list[int]) -> None:
    print("  ".join(cell.rjust(width) for cell, width in zip(cells, widths, strict=True)))


def main() -> None:
    """Run the benchmark and print the figures."""
    args = parse_args()
    work_root = args.work or Path(tempfile.gettempdir()) / "trekgen-bench"
    work_root.mkdir(parents=True, exist_ok=True)
    print(f"date: {dt.date.today().isoformat()}")
    print(f"machine: {machine()}")
    print(f"work folder: {work_root}")
    for baseline in [False, True] if args.baseline else [False]:
        if args.no_bundled:
            break
        figures = bench_bundled(args.repeat_bundled, baseline)
        print(
            f"bundled site (19 stages){' before issue 6' if baseline else ''}, command line "
            f"with start-up, median of {args.repeat_bundled}: build {figures['build']:.2f} s, "
            f"check {figures['check']:.2f} s"
        )
    results = {}
    outputs = Outputs()
    try:
        for stages in args.sizes:
            results[stages] = run_size(stages, work_root, args, outputs)
    finally:
        if not args.keep:
            outputs.remove()
    print_growth(results)


def run_size(stages: int, work_root: Path, args: argparse.Namespace, outputs: Outputs) -> Run:
    """Build one size with trekgen and each competitor; print one block of figures."""
    work, content = prepare(stages, work_root, args.seed)
    repeat = args.repeat if stages <= 1_000 else max(1, args.repeat // 2)
    ours = bench_trekgen(work, repeat, outputs)
    print(f"\n{stages:,} stage pages ({len(content)} roadmaps), median of {repeat}:")
    print(f"  trekgen: {describe(ours, stages)}")
    if args.baseline:
        before = bench_trekgen(work, repeat, outputs, baseline=True)
        print(f"  trekgen before issue 6: {describe(before, stages)}")
    for name in args.competitors:
        cap = args.competitor_max or CAPS[name]
        if tool(name) is None:
            print(f"  {name}: skipped, not installed in benchmarks/.venv ({SETUP})")
        elif stages > cap:
            print(f"  {name}: skipped above {cap:,} pages (raise it with --competitor-max)")
        else:
            theirs = bench_competitor(name, content, work, repeat, outputs)
            print(
                f"  {name}: {theirs.wall:.2f} s, {theirs.wall * 1000 / stages:.2f} ms per page, "
                f"peak {theirs.peak_mb:.0f} MB; trekgen/{name} time ratio "
                f"{ours.wall / theirs.wall:.2f}"
            )
    return ours


def describe(run: Run, stages: int) -> str:
    return (
        f"{run.wall:.2f} s wall, {run.wall * 1000 / stages:.2f} ms per stage page, "
        f"{run.cpu:.1f} s CPU, peak {run.peak_mb:.0f} MB (largest worker {run.worker_mb:.0f} MB)"
    )


def print_growth(results: dict[int, Run]) -> None:
    """ms per stage page at each size, against the smallest size."""
    if len(results) < 2:
        return
    first = min(results)
    base = results[first].wall / first
    steps = ", ".join(
        f"{n:,}: {r.wall * 1000 / n:.2f} ms (x{r.wall / n / base:.2f})" for n, r in results.items()
    )
    print(f"\ngrowth, ms per stage page against {first:,} pages: {steps}")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100 and 1,000 pages, 3 repeats")
    parser.add_argument("--sizes", type=_sizes, help="stage pages, e.g. 100,1000,10000")
    parser.add_argument("--repeat", type=int, help="builds per size (median; halved over 1,000)")
    parser.add_argument("--repeat-bundled", type=int, default=10)
    parser.add_argument("--competitors", type=_names, default=list(CAPS))
    parser.add_argument("--competitor-max", type=int, help="largest size for every competitor")
    parser.add_argument("--no-bundled", action="store_true", help="skip the bundled-site timings")
    parser.add_argument(
        "--baseline", action="store_true", help="also build with the issue 6 work switched off"
    )
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--work", type=Path, help="where the sites go (default: a temp folder)")
    parser.add_argument("--keep", action="store_true", help="keep the built sites")
    args = parser.parse_args()
    args.sizes = args.sizes or ([100, 1_000] if args.quick else [100, 1_000, 10_000])
    args.repeat = args.repeat or (3 if args.quick else 5)
    return args


def _sizes(text: str) -> list[int]:
    return [int(part.replace("_", "")) for part in text.split(",") if part]


def _names(text: str) -> list[str]:
    names = [part for part in text.split(",") if part]
    unknown = set(names) - set(CAPS)
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown: {', '.join(sorted(unknown))}")
    return names


if __name__ == "__main__":
    main()
