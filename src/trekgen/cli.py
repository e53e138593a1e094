"""The command line: click commands that turn trekgen's errors into exit codes."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from trekgen import __version__
from trekgen.errors import ContentError, Problem, UsageError

SOURCE = click.option(
    "--source", type=click.Path(path_type=Path), default=Path("roadmap"), show_default=True,
    help="Folder with site.yaml and the roadmaps.",
)


def report(problems: list[Problem]) -> None:
    """Print problems one a line on stderr, and as annotations under GitHub Actions."""
    for problem in problems:
        click.echo(str(problem), err=True)
    if os.environ.get("GITHUB_ACTIONS") == "true":
        for problem in problems:
            click.echo(problem.annotation())


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
@click.option("--out", type=click.Path(path_type=Path), default=Path("site"), show_default=True,
              help="Output folder; replaced only after a successful build.")
@click.option("--base-url", help="Public URL of the site, e.g. https://user.github.io/repo/.")
def build(source: Path, out: Path, base_url: str | None) -> None:
    """Validate the content and write the static site."""
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
def check(source: Path) -> None:
    """Validate the content without writing anything."""
    from trekgen.build import check as run_check

    try:
        site, warnings = run_check(source)
    except ContentError as exc:
        _fail(exc)
        return
    report(warnings)
    stages = sum(len(r.stages) for r in site.roadmaps)
    click.echo(f"trekgen: {len(site.roadmaps)} roadmaps, {stages} stages: no errors")
