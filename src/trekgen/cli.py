"""The command line: click commands that turn trekgen's errors into exit codes."""

from __future__ import annotations

import datetime as dt
import gc
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from trekgen import __version__, collector
from trekgen.errors import ContentError, Problem, UsageError

SOURCE = click.option(
    "--source",
    type=click.Path(path_type=Path),
    default=Path("roadmap"),
    show_default=True,
    help="Folder with site.yaml and the roadmaps.",
)


def report(problems: list[Problem]) -> None:
    """Print problems one a line on stderr, and as annotations under GitHub Actions."""
    for problem in problems:
        click.echo(str(problem), err=True)
    if os.environ.get("GITHUB_ACTIONS") == "true":
        for problem in problems:
            click.echo(problem.annotation())


@contextmanager
def _imports_frozen() -> Iterator[None]:
    """Import a command's modules without the cycle collector, then freeze what they made.

    Imports make hundreds of thousands of objects that live as long as the process and are
    never garbage; collections walking them again and again, and once more at exit, were some
    4% of the bundled `trekgen check` (issue 6). Later collections skip frozen objects.
    """
    with collector.paused():
        yield
    gc.freeze()


def _fail(exc: ContentError | UsageError) -> None:
    if isinstance(exc, ContentError):
        report(exc.problems)
        errors = sum(p.severity == "error" for p in exc.problems)
        plural = "s" if errors != 1 else ""
        click.echo(f"trekgen: {errors} error{plural}; nothing was written", err=True)
        sys.exit(1)
    click.echo(f"trekgen: {exc}", err=True)
    sys.exit(2)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="trekgen")
def main() -> None:
    """trekgen: build learning roadmap sites from YAML and Markdown."""


@main.command()
@SOURCE
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=Path("site"),
    show_default=True,
    help="Output folder; replaced only after a successful build.",
)
@click.option("--base-url", help="Public URL of the site, e.g. https://user.github.io/repo/.")
def build(source: Path, out: Path, base_url: str | None) -> None:
    """Validate the content and write the static site."""
    with _imports_frozen():
        from trekgen.build import build as run_build

    try:
        result = run_build(source, out, base_url)
    except (ContentError, UsageError) as exc:
        _fail(exc)
        return
    report(result.warnings)
    click.echo(
        f"trekgen: built {result.pages} pages ({result.files} files) into {out} "
        f"in {result.seconds * 1000:.0f} ms"
    )


@main.command()
@SOURCE
@click.option(
    "--external-links",
    is_flag=True,
    help="Also check web links (http and https), concurrently, with a cache.",
)
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option(
    "--cache-dir",
    type=click.Path(path_type=Path),
    help="Where to keep web links found alive (default: ~/.cache/trekgen).",
)
def check(source: Path, external_links: bool, strict: bool, cache_dir: Path | None) -> None:
    """Validate the content and every link in it, without writing anything."""
    with _imports_frozen():
        from trekgen.linkcheck import check_site

    try:
        result = check_site(source, web=external_links, strict=strict, cache_dir=cache_dir)
    except (ContentError, UsageError) as exc:
        _fail(exc)
        return
    report(result.warnings)
    web = f", {result.web} web links ({result.from_cache} from the cache)" if external_links else ""
    click.echo(
        f"trekgen: {result.roadmaps} roadmaps, {result.stages} stages, "
        f"{result.internal} links inside the site{web}: no errors"
    )


@main.command()
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=Path("schemas"),
    show_default=True,
    help="Folder to write the *.schema.json files into.",
)
def schema(out: Path) -> None:
    """Write JSON Schemas of every content file, for editor completion and checks."""
    from trekgen.schema import write_schemas

    try:
        written = write_schemas(out)
    except UsageError as exc:
        _fail(exc)
        return
    click.echo(f"trekgen: wrote {len(written)} schemas into {out}")


@main.group()
def new() -> None:
    """Create a roadmap, stage, project or guide that builds at once."""


SLUG = click.option("--slug", help="File or folder name; made from the title when not given.")


def _created(paths: list[Path]) -> None:
    from trekgen.errors import display_path

    for path in paths:
        click.echo(f"trekgen: wrote {display_path(path)}")


@new.command("roadmap")
@SOURCE
@SLUG
@click.argument("title")
def new_roadmap(source: Path, slug: str | None, title: str) -> None:
    """A roadmap folder with roadmap.yaml, listed in site.yaml."""
    from trekgen import scaffold

    try:
        _created(scaffold.new_roadmap(source, title, slug, dt.date.today()))
    except UsageError as exc:
        _fail(exc)


@new.command("stage")
@SOURCE
@SLUG
@click.argument("roadmap")
@click.argument("title")
def new_stage(source: Path, slug: str | None, roadmap: str, title: str) -> None:
    """The next stage of ROADMAP, numbered after the last one."""
    from trekgen import scaffold

    try:
        _created([scaffold.new_stage(source, roadmap, title, slug, dt.date.today())])
    except UsageError as exc:
        _fail(exc)


@new.command("project")
@SOURCE
@SLUG
@click.argument("roadmap")
@click.argument("title")
def new_project(source: Path, slug: str | None, roadmap: str, title: str) -> None:
    """A portfolio project of ROADMAP."""
    from trekgen import scaffold

    try:
        _created([scaffold.new_project(source, roadmap, title, slug)])
    except UsageError as exc:
        _fail(exc)


@new.command("guide")
@SOURCE
@SLUG
@click.argument("roadmap")
@click.argument("title")
def new_guide(source: Path, slug: str | None, roadmap: str, title: str) -> None:
    """A guide of ROADMAP."""
    from trekgen import scaffold

    try:
        _created([scaffold.new_guide(source, roadmap, title, slug, dt.date.today())])
    except UsageError as exc:
        _fail(exc)


@main.command()
@SOURCE
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on; anything but loopback lets other machines connect.",
)
@click.option(
    "--port",
    default=8000,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Port to listen on; 0 picks a free one.",
)
@click.option("--open", "open_browser", is_flag=True, help="Open the site in a web browser.")
def serve(source: Path, host: str, port: int, open_browser: bool) -> None:
    """Build, serve and rebuild on every change; the open page reloads itself."""
    from trekgen.serve import serve as run_serve

    try:
        run_serve(source, host, port, open_browser)
    except UsageError as exc:
        _fail(exc)
