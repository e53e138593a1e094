"""`build()`: load, validate, link, render, write."""

from __future__ import annotations

import hashlib
import os
import re
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import jinja2

from trekgen import collector
from trekgen.errors import (
    ContentError,
    Location,
    Problem,
    Problems,
    UsageError,
    display_path,
)
from trekgen.load import load
from trekgen.output import Staging, check_output
from trekgen.render import PageSpec, pages, render_files, render_pages, site_files
from trekgen.site import Site, link
from trekgen.theme import Theme

# Static files whose names carry a content hash.
HASHED = ("css", "js")


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
        site.config = site.config.model_copy(update={"base_url": checked_base_url(base_url)})
    return site, problems.warnings


def build(source: Path, out: Path, base_url: str | None = None) -> Report:
    """Build the site in `source` into `out`; nothing is written unless all is well."""
    started = time.perf_counter()
    check_output(out, source)
    epoch = source_date_epoch(os.environ)
    with collector.paused():
        site, warnings = check(source, base_url)
    with collector.frozen():  # the site lives until the build ends
        try:
            written = write_site(site, Theme.for_source(source), out)
        except jinja2.TemplateError as exc:  # as `check` reports it, not as a traceback
            raise ContentError([template_problem(exc)]) from None
    if epoch is not None:
        clamp_times(out, epoch)
    html = sum(name.endswith(".html") for name in written)
    return Report(html, len(written), time.perf_counter() - started, warnings)


def write_site(site: Site, theme: Theme, out: Path) -> list[str]:
    """Render every file into a staging folder, then swap it in place of `out`; the paths.

    Each page is written where it is rendered, in a worker on a large site, and let go: a
    large site is never whole in memory, and pages never travel between processes (issue 6).
    The output folder itself changes only once every file has been made.
    """
    assets, static = theme_assets(theme)
    env = theme.environment(watch=False)
    specs = list(pages(site))
    staging = Staging(out)
    try:
        written = [staging.copy(name, path) for name, path in static.items()]
        written += render_pages(site, env, assets, specs, staging.write)
        for path, data in site_files(site, env, assets, specs):
            written.append(staging.write(path, data))
        staging.commit()
    except BaseException:
        staging.discard()
        raise
    return list(dict.fromkeys(written))


@dataclass(frozen=True)
class Output:
    """A rendered site in memory: bytes by output path, and static files by output path."""

    files: dict[str, bytes]
    static: dict[str, Path]


def render_site(
    site: Site,
    theme: Theme,
    only: Callable[[PageSpec], bool] | None = None,
    *,
    whole_site: bool = True,
) -> Output:
    """Every output file of the site, in memory, for `check` and `serve`."""
    assets, static = theme_assets(theme)
    files = render_files(site, theme.environment(), assets, only, whole_site=whole_site)
    return Output(dict(files), static)


def template_problem(exc: jinja2.TemplateError) -> Problem:
    """A template's mistake as a problem at its file and line, instead of a traceback."""
    name = getattr(exc, "filename", None) or getattr(exc, "name", None)
    line = getattr(exc, "lineno", None)
    if name is None:
        # A mistake found while rendering, such as a missing attribute, carries no place of
        # its own; Jinja points the traceback's frames at the template's file and line.
        frames = [(f.filename, f.lineno) for f in traceback.extract_tb(exc.__traceback__)]
        # Raised in a worker process (trekgen.parallel): the frames there come last.
        frames += getattr(exc, "worker_frames", [])
        in_templates = [(file, n) for file, n in frames if not file.endswith(".py")]
        if in_templates:
            name, line = in_templates[-1]
    place = Location(display_path(Path(name or "templates")), line or 1)
    return Problem(place, f"template error: {exc.message}")


def checked_base_url(value: str) -> str:
    """A --base-url given on the command line, with its trailing slash; refused unless http(s)."""
    if not re.fullmatch(r"https?://[^/\s?#]+(/[^\s?#]*)?", value):
        raise UsageError(
            f"--base-url: expected a URL like https://user.github.io/repo/, got {value!r}"
        )
    return value.rstrip("/") + "/"


def theme_assets(theme: Theme) -> tuple[dict[str, str], dict[str, Path]]:
    """The theme's static files: where each goes by its name, and each source by where it goes."""
    static = theme.static_files()
    names = asset_names(static)
    return names, {names[name]: path for name, path in static.items()}


def asset_names(static: dict[str, Path]) -> dict[str, str]:
    """Where each static file goes; CSS and JS names carry a hash of their content.

    Browsers may then cache them for good, while HTML keeps stable URLs.
    """
    return {name: "static/" + _hashed(name, path) for name, path in static.items()}


def _hashed(name: str, path: Path) -> str:
    stem, dot, extension = name.rpartition(".")
    if extension not in HASHED:
        return name
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:8]
    return f"{stem}.{digest}{dot}{extension}"


def source_date_epoch(environ: Mapping[str, str]) -> int | None:
    """SOURCE_DATE_EPOCH (reproducible-builds.org), or None when unset or empty."""
    value = environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not value:
        return None
    if not value.isdigit():
        raise UsageError(f"SOURCE_DATE_EPOCH: expected whole seconds since 1970, got {value!r}")
    return int(value)


def clamp_times(out: Path, epoch: int) -> None:
    """Give every written file the time SOURCE_DATE_EPOCH, so that archives of the site match."""
    for path in out.rglob("*"):
        os.utime(path, (epoch, epoch), follow_symlinks=False)
    os.utime(out, (epoch, epoch))
