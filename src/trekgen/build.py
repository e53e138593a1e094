"""`build()`: load, validate, link, render, write."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from trekgen.errors import Problem, Problems
from trekgen.load import load
from trekgen.output import check_output, safe_join, write_site
from trekgen.render import render
from trekgen.site import Site, link
from trekgen.theme import Theme


@dataclass(frozen=True)
class Report:
    """What a build did."""

    pages: int
    files: int
    seconds: float
    warnings: list[Problem]


def check(source: Path, base_url: str | None = None) -> tuple[Site, list[Problem]]:
    """Load, validate and link; raises ContentError with every problem if any is an error."""
    problems = Problems()
    loaded = load(source, problems)
    if loaded is None:
        problems.raise_if_errors()
    assert loaded is not None  # load returns None only with errors
    # Link even when some files failed, so that every problem is reported in one run.
    site = link(loaded, problems)
    problems.raise_if_errors()
    if base_url is not None:
        site.config = site.config.model_copy(update={"base_url": base_url})
    return site, problems.warnings


def build(source: Path, out: Path, base_url: str | None = None) -> Report:
    """Build the site in `source` into `out`; nothing is written unless all is well."""
    started = time.perf_counter()
    check_output(out, source)
    site, warnings = check(source, base_url)
    theme = Theme.for_source(source)
    static = theme.static_files()
    files = render(site, theme.environment(), {})
    for relative in files:
        safe_join(out, relative)
    write_site(out, files, {f"static/{name}": path for name, path in static.items()})
    pages = sum(name.endswith(".html") for name in files)
    return Report(pages, len(files) + len(static), time.perf_counter() - started, warnings)
