"""JSON Schemas and docs/authoring.md: generated from the models, committed, never stale."""

from __future__ import annotations

import datetime as dt
import json
import typing
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from click.testing import CliRunner
from pydantic import BaseModel

from trekgen import models
from trekgen.authoring import authoring_markdown
from trekgen.cli import main
from trekgen.fieldhelp import FIELD_HELP
from trekgen.schema import KINDS, json_schema, kind_of, modeline, schema_texts
from trekgen.sources import split_front_matter

ROOT = Path(__file__).resolve().parents[1]
SCHEMAS = ROOT / "schemas"
BUNDLED = ROOT / "roadmap"
REGENERATE = "run `trekgen schema --out schemas` and commit the result"


def plain(value: Any) -> Any:
    """YAML data as an editor's YAML server sees it: dates are strings."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value.isoformat() if isinstance(value, dt.date) else value


def validator(name: str) -> jsonschema.Draft202012Validator:
    schema = json.loads((SCHEMAS / f"{name}.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def errors(name: str, data: Any) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator(name).iter_errors(data)]


def content_files() -> list[Path]:
    return sorted(p for p in BUNDLED.rglob("*") if p.is_file() and kind_of(p) is not None)


# --- committed and fresh --------------------------------------------------------------


def test_committed_schemas_match_the_models() -> None:
    committed = {p.name: p.read_text(encoding="utf-8") for p in SCHEMAS.glob("*.json")}
    assert committed == schema_texts(), REGENERATE


def test_authoring_doc_matches_the_models() -> None:
    committed = (ROOT / "docs" / "authoring.md").read_text(encoding="utf-8")
    assert committed == authoring_markdown(), (
        "docs/authoring.md is stale: run `python -m trekgen.authoring > docs/authoring.md`"
    )


def test_schema_command_writes_every_schema(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["schema", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    written = {p.name: p.read_text(encoding="utf-8") for p in (tmp_path / "out").iterdir()}
    assert written == schema_texts()
    assert f"wrote {len(KINDS)} schemas" in result.output


def _models(model: type[BaseModel], seen: set[type[BaseModel]]) -> None:
    seen.add(model)
    for field in model.model_fields.values():
        stack = [field.annotation]
        while stack:
            current = stack.pop()
            if isinstance(current, type) and issubclass(current, BaseModel):
                if current not in seen:
                    _models(current, seen)
            else:
                stack.extend(typing.get_args(current))


def test_every_field_of_every_model_has_a_sentence_and_none_is_left_over() -> None:
    seen: set[type[BaseModel]] = set()
    for kind in KINDS:
        _models(kind.model, seen)
    expected = {m.__name__: sorted(f.alias or n for n, f in m.model_fields.items()) for m in seen}
    described = {name: sorted(keys) for name, keys in FIELD_HELP.items()}
    assert described == expected
    assert all(text.strip() for keys in FIELD_HELP.values() for text in keys.values())


def test_every_file_model_has_a_kind() -> None:
    assert {k.model for k in KINDS} == set(models.FILE_MODELS.values())


# --- the schemas describe the content -------------------------------------------------


@pytest.mark.parametrize("path", content_files(), ids=lambda p: str(p.relative_to(BUNDLED)))
def test_bundled_content_validates_against_its_schema(path: Path) -> None:
    kind = kind_of(path)
    assert kind is not None
    text = path.read_text(encoding="utf-8")
    data = yaml.safe_load(text) if kind.yaml else split_front_matter(text, str(path)).meta.data
    assert errors(kind.name, plain(data)) == []


@pytest.mark.parametrize(
    "path", [p for p in content_files() if p.suffix == ".yaml"], ids=lambda p: p.name
)
def test_bundled_yaml_starts_with_its_schema_line(path: Path) -> None:
    kind = kind_of(path)
    assert kind is not None
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first == modeline(path, SCHEMAS, kind)
    target = (path.parent / first.split("$schema=", 1)[1]).resolve()
    assert target == (SCHEMAS / kind.schema_file).resolve()
    assert target.is_file()


def test_every_bundled_kind_of_file_is_covered() -> None:
    kinds = {kind_of(p).name for p in content_files()}  # type: ignore[union-attr]
    assert kinds == {k.name for k in KINDS}


STAGE = {
    "title": "T",
    "summary": "S",
    "duration": "1-2 weeks",
    "level": "beginner",
    "topics": ["One"],
}


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ({"titel": "T"}, "Additional properties are not allowed ('titel' was unexpected)"),
        ({"level": "expert"}, "'expert' is not one of ['beginner', 'intermediate', 'advanced']"),
        ({"duration": "soon"}, "'soon' does not match"),
        ({"prerequisites": ["Not A Slug"]}, "'Not A Slug' does not match"),
        ({"updated": "31/01/2026"}, "'31/01/2026' is not valid under any of the given"),
        ({"topics": []}, "[] should be non-empty"),
        (
            {"resources": [{"title": "x", "url": "https://e.org/", "kind": "blog", "free": True}]},
            "'blog' is not one of",
        ),
    ],
    ids=["unknown-key", "enum", "duration", "slug", "date", "min-items", "nested-enum"],
)
def test_schemas_refuse_what_the_models_refuse(change: dict[str, Any], complaint: str) -> None:
    assert errors("stage", STAGE) == []
    found = errors("stage", {**STAGE, **change})
    assert any(complaint in line for line in found), found
    document = split_front_matter("---\n" + yaml.safe_dump({**STAGE, **change}) + "---\n", "x")
    with pytest.raises(ValueError):
        models.StageMeta.model_validate(document.meta.data)


@pytest.mark.parametrize("level", ["beginner", "intermediate to advanced"])
def test_roadmap_level_accepts_a_level_or_a_range(level: str) -> None:
    header = {"title": "T", "summary": "S", "level": level, "updated": "2026-01-31"}
    assert errors("roadmap", header) == []
    assert errors("roadmap", {**header, "level": "expert to guru"}) != []


def test_every_key_carries_its_description() -> None:
    for kind in KINDS:
        schema = json_schema(kind)
        parts = [schema, *schema.get("$defs", {}).values()]
        for part in parts:
            for key, prop in part["properties"].items():
                assert prop.get("description"), f"{kind.name}: {key}"


def test_schema_refuses_a_file_as_its_folder(tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("", encoding="utf-8")
    result = CliRunner().invoke(main, ["schema", "--out", str(tmp_path / "taken")])
    assert result.exit_code == 2
    assert "is a file, not a folder" in result.stderr
