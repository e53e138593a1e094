"""`trekgen new`: scaffolds that build at once, with every key present and commented."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result
from hypothesis import given
from hypothesis import strategies as st

from trekgen.build import build
from trekgen.cli import main
from trekgen.scaffold import (
    add_to_listing,
    guide_text,
    project_text,
    roadmap_text,
    slug_from_title,
    stage_text,
    yaml_scalar,
)
from trekgen.schema import KINDS, FileKind, keys_of

TODAY = dt.date(2026, 1, 31)
ROOT = Path(__file__).resolve().parents[1]


def new(project: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["new", *args, "--source", str(project / "roadmap")])


def kind(name: str) -> FileKind:
    return next(k for k in KINDS if k.name == name)


def test_new_stage_builds_at_once_as_the_next_stage(copy_bundled: Path, tmp_path: Path) -> None:
    result = new(tmp_path, "stage", "ml-engineer", "Model serving: the basics")
    assert result.exit_code == 0, result.output
    path = copy_bundled / "ml-engineer" / "stages" / "14-model-serving-the-basics.md"
    assert path.is_file()
    assert result.output.strip().endswith("14-model-serving-the-basics.md")
    out = tmp_path / "site"
    build(copy_bundled, out)
    page = (out / "ml-engineer" / "stages" / "model-serving-the-basics" / "index.html").read_text()
    assert "Model serving: the basics" in page
    assert "Stage 14 of 14" in page


def test_new_roadmap_stage_project_and_guide_build_together(
    copy_bundled: Path, tmp_path: Path
) -> None:
    (tmp_path / "schemas").mkdir()
    site_yaml = (copy_bundled / "site.yaml").read_text(encoding="utf-8")
    for args in (
        ("roadmap", "Data Engineer"),
        ("stage", "data-engineer", "SQL first"),
        ("stage", "data-engineer", "Pipelines"),
        ("project", "data-engineer", "A nightly pipeline"),
        ("guide", "data-engineer", "Choosing a warehouse"),
    ):
        result = new(tmp_path, *args)
        assert result.exit_code == 0, result.output
    folder = copy_bundled / "data-engineer"
    assert sorted(p.name for p in (folder / "stages").iterdir()) == [
        "01-sql-first.md",
        "02-pipelines.md",
    ]
    listing = (copy_bundled / "site.yaml").read_text(encoding="utf-8")
    assert listing.splitlines()[0] == site_yaml.splitlines()[0]  # the schema line is kept
    assert yaml.safe_load(listing)["roadmaps"] == ["ml-engineer", "ai-engineer", "data-engineer"]
    first = (folder / "roadmap.yaml").read_text(encoding="utf-8").splitlines()[0]
    assert first == "# yaml-language-server: $schema=../../schemas/roadmap.schema.json"
    out = tmp_path / "site"
    build(copy_bundled, out)
    for page in (
        "data-engineer/",
        "data-engineer/projects/a-nightly-pipeline/",
        "data-engineer/guides/choosing-a-warehouse/",
    ):
        assert (out / page / "index.html").is_file()


def test_a_new_roadmap_without_stages_builds(copy_bundled: Path, tmp_path: Path) -> None:
    assert new(tmp_path, "roadmap", "Empty for now").exit_code == 0
    build(copy_bundled, tmp_path / "site")
    assert (tmp_path / "site" / "empty-for-now" / "index.html").is_file()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("stage", "ml-enginer", "X"),
            "no roadmap 'ml-enginer' in roadmap; did you mean 'ml-engineer'?",
        ),
        (("stage", "ml-engineer", "Feature engineering"), "stage 'feature-engineering' exists"),
        (("stage", "ml-engineer", "X", "--slug", "Not_a_slug"), "--slug: expected lowercase"),
        (("guide", "ml-engineer", "???"), "cannot make a slug from '???'; give one with --slug"),
        (("roadmap", "ML Engineer", "--slug", "ml-engineer"), "roadmap/ml-engineer already exists"),
        (("roadmap", "Tags"), "'tags' is taken by the site's /tags/ pages"),
        (("guide", "ml-engineer", "From notebook to production"), "already exists"),
    ],
    ids=[
        "unknown-roadmap",
        "stage-exists",
        "bad-slug",
        "no-slug",
        "roadmap-exists",
        "taken",
        "guide-exists",
    ],
)
def test_new_refuses_with_a_reason_and_writes_nothing(
    copy_bundled: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    args: tuple[str, ...],
    message: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    before = sorted(p.relative_to(copy_bundled) for p in copy_bundled.rglob("*"))
    site_yaml = (copy_bundled / "site.yaml").read_bytes()
    result = CliRunner().invoke(main, ["new", *args])
    assert result.exit_code == 2
    assert message in result.stderr
    assert sorted(p.relative_to(copy_bundled) for p in copy_bundled.rglob("*")) == before
    assert (copy_bundled / "site.yaml").read_bytes() == site_yaml


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("roadmap", roadmap_text("T", TODAY)),
        ("stage", stage_text("T", TODAY)),
        ("project", project_text("T")),
        ("guide", guide_text("T", TODAY)),
    ],
)
def test_every_key_is_present_with_a_comment(name: str, text: str) -> None:
    lines = text.splitlines()
    for key in keys_of(kind(name)):
        line = next((x for x in lines if x.startswith(f"{key.name}:")), None)
        assert line is not None, f"{name}: no line for {key.name}"
        assert f"  # {key.help}" in line
        if key.inner:
            for inner in keys_of(kind(name), key.inner):
                pattern = rf"^#\s+(- )?{re.escape(inner.name)}:.*  # {re.escape(inner.help)}$"
                assert any(re.match(pattern, x) for x in lines), f"{name}: {key.name}.{inner.name}"


def test_nested_examples_become_valid_yaml_when_uncommented() -> None:
    # A list whose items get uncommented loses its `[]`, as a maintainer would remove it.
    text = roadmap_text("T", TODAY).replace("#  ", "  ").replace(": []", ":")
    data = yaml.safe_load(text)
    assert set(data["audience"]) == {"for", "choose_another"}
    assert set(data["careers"][0]["salary"]) == {"range", "source", "year"}


@given(st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40))
def test_titles_survive_the_trip_through_yaml(title: str) -> None:
    assert yaml.safe_load(f"title: {yaml_scalar(title)}") == {"title": title}


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Model serving: the basics", "model-serving-the-basics"),
        ("Café & Crème", "cafe-creme"),
        ("  C++ for ML  ", "c-for-ml"),
    ],
)
def test_slugs_come_from_titles(title: str, slug: str) -> None:
    assert slug_from_title(title) == slug


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("roadmaps: [a, b]  # order\n", "roadmaps: [a, b, new]  # order\n"),
        ("roadmaps:\n  - a\n  - b\nlang: en\n", "roadmaps:\n  - a\n  - b\n  - new\nlang: en\n"),
        ("roadmaps:\n- a\n- b", "roadmaps:\n- a\n- b\n- new\n"),
    ],
    ids=["flow", "block", "no-final-newline"],
)
def test_listing_a_roadmap_keeps_the_layout(before: str, after: str) -> None:
    assert add_to_listing(before, "new", "site.yaml") == after
