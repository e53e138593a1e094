"""JSON Schemas of every content file, generated from the models, for editors and CI."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trekgen import models
from trekgen.errors import UsageError, display_path
from trekgen.fieldhelp import FIELD_HELP

DRAFT = "https://json-schema.org/draft/2020-12/schema"
LEVEL_RANGE = "^({0})( to ({0}))?$".format("|".join(models.LEVELS))


@dataclass(frozen=True)
class FileKind:
    """One kind of content file: its model, its schema's name and where such files live."""

    name: str
    model: type[models.Model]
    where: str
    summary: str
    yaml: bool

    @property
    def schema_file(self) -> str:
        return f"{self.name}.schema.json"


KINDS: tuple[FileKind, ...] = (
    FileKind("site", models.SiteConfig, "site.yaml", "The site as a whole.", yaml=True),
    FileKind(
        "roadmap",
        models.RoadmapHeader,
        "<roadmap>/roadmap.yaml",
        "A roadmap's header and its optional sections.",
        yaml=True,
    ),
    FileKind(
        "stage",
        models.StageMeta,
        "<roadmap>/stages/NN-<slug>.md",
        "One stage; NN is its position, the rest of the name its slug.",
        yaml=False,
    ),
    FileKind(
        "skills",
        models.SkillMap,
        "<roadmap>/skills.yaml",
        "The skill map: areas with topics and practices.",
        yaml=True,
    ),
    FileKind(
        "workflow",
        models.Workflow,
        "<roadmap>/workflow.yaml",
        "Ordered steps of the work, which may loop back.",
        yaml=True,
    ),
    FileKind(
        "ladder",
        models.Ladder,
        "<roadmap>/ladder.yaml",
        "The learning ladder: rungs, each with a proof.",
        yaml=True,
    ),
    FileKind(
        "diagrams",
        models.Diagrams,
        "<roadmap>/diagrams.yaml",
        "Concept diagrams as data: boxes, arrows and a caption.",
        yaml=True,
    ),
    FileKind(
        "project",
        models.ProjectMeta,
        "<roadmap>/projects/<slug>.md",
        "A portfolio project; the Markdown body is its brief.",
        yaml=False,
    ),
    FileKind(
        "guide",
        models.GuideMeta,
        "<roadmap>/guides/<slug>.md",
        "A long-form article.",
        yaml=False,
    ),
)
# Schema extras the models cannot express through pydantic's own schema generation.
EXTRAS: dict[tuple[str, str], dict[str, Any]] = {
    ("RoadmapHeader", "level"): {"pattern": LEVEL_RANGE},
}


def kind_of(path: Path) -> FileKind | None:
    """The kind of a content file from its name and folder, or None for other files."""
    by_name = {k.where.rsplit("/", 1)[-1]: k for k in KINDS if k.yaml}
    if path.name in by_name:
        return by_name[path.name]
    folders = {"stages": "stage", "projects": "project", "guides": "guide"}
    name = folders.get(path.parent.name)
    return next((k for k in KINDS if k.name == name), None) if path.suffix == ".md" else None


def json_schema(kind: FileKind) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of one kind of file, with a description on every key."""
    raw = kind.model.model_json_schema(by_alias=True, mode="validation")
    _describe(raw, kind.model.__name__)
    for name, definition in raw.get("$defs", {}).items():
        _describe(definition, name)
    title = kind.where if kind.yaml else f"front matter of {kind.where}"
    raw["description"] = kind.summary
    return {"$schema": DRAFT, "title": f"trekgen: {title}", **_without_title(raw)}


def _describe(schema: dict[str, Any], model: str) -> None:
    help_for = FIELD_HELP.get(model, {})
    for key, prop in schema.get("properties", {}).items():
        prop.pop("title", None)
        for part in (prop, *prop.get("anyOf", [])):
            if part.get("description") == "Markdown":
                del part["description"]
                part["contentMediaType"] = "text/markdown"
        if key in help_for:
            prop["description"] = help_for[key]
        prop.update(EXTRAS.get((model, key), {}))


def _without_title(schema: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in schema.items() if k != "title"}


def schema_texts() -> dict[str, str]:
    """Every schema as the text of its file, by file name; stable from run to run."""
    return {
        kind.schema_file: json.dumps(json_schema(kind), indent=2, ensure_ascii=False) + "\n"
        for kind in KINDS
    }


def write_schemas(out: Path) -> list[Path]:
    """Write every schema into `out`; returns the files written."""
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out: {display_path(out)} is a file, not a folder")
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in schema_texts().items():
        path = out / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def modeline(yaml_file: Path, schemas: Path, kind: FileKind) -> str:
    """The first line that points editors at the schema: a path relative to the YAML file."""
    target = os.path.relpath(schemas / kind.schema_file, yaml_file.parent)
    return f"# yaml-language-server: $schema={Path(target).as_posix()}"


@dataclass(frozen=True)
class Key:
    """One key of a model as its schema describes it, for docs and scaffolds."""

    name: str
    required: bool
    schema: dict[str, Any]
    help: str

    @property
    def is_list(self) -> bool:
        return _plain(self.schema).get("type") == "array"

    @property
    def inner(self) -> str | None:
        """The name of the nested model (a mapping, or a list of mappings), if any."""
        plain = _plain(self.schema)
        ref = plain.get("items", plain).get("$ref", "")
        return str(ref).rsplit("/", 1)[-1] or None


def keys_of(kind: FileKind, model: str | None = None) -> list[Key]:
    """The keys of a kind's model, or of the nested model named `model` (like 'Resource')."""
    schema = json_schema(kind)
    part = schema if model is None else schema["$defs"][model]
    name = model or kind.model.__name__
    required = set(part.get("required", []))
    return [
        Key(key, key in required, prop, FIELD_HELP.get(name, {}).get(key, ""))
        for key, prop in part.get("properties", {}).items()
    ]


def _plain(prop: dict[str, Any]) -> dict[str, Any]:
    """The schema of a value without its `| None` wrapper."""
    options = [p for p in prop.get("anyOf", []) if p.get("type") != "null"]
    return options[0] if len(options) == 1 else prop
