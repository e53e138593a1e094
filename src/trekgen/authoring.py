"""docs/authoring.md, generated from the models so that it cannot drift from them.

Regenerate with `python -m trekgen.authoring > docs/authoring.md`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from trekgen.errors import Problem
from trekgen.scaffold import stage_text
from trekgen.schema import KINDS, LEVEL_RANGE, FileKind, Key, keys_of
from trekgen.sources import split_front_matter
from trekgen.validate import validate

EXAMPLE_DATE = dt.date(2026, 1, 31)
EXAMPLE_PATH = "roadmap/ml-engineer/stages/14-model-serving.md"
SLUG_PATTERN = "^[a-z0-9]+(?:-[a-z0-9]+)*$"

FILLED_STAGE = """---
title: Model serving
summary: Put a trained model behind an API that answers within its latency budget.
duration: 2-3 weeks
level: intermediate
tags: [Serving, MLOps]
prerequisites: [mlops-lifecycle]
topics:
  - Batch and online inference
  - Model formats and runtimes
  - Latency budgets, batching and autoscaling
outcomes:
  - Serve a model behind an HTTP API with a tested request schema
resources:
  - title: FastAPI tutorial
    url: https://fastapi.tiangolo.com/tutorial/
    kind: docs
    free: true
    note: Enough of the framework to wrap a model in a typed API.
---

## Why it matters

A model helps nobody until it answers requests reliably.
"""
# The same stage with two mistakes, to show the messages trekgen prints.
BROKEN_STAGE = FILLED_STAGE.replace("title:", "titel:", 1).replace("2-3 weeks", "soon", 1)

INTRO = """# Writing roadmap content

<!-- Generated from src/trekgen/models.py and src/trekgen/fieldhelp.py by
     `python -m trekgen.authoring > docs/authoring.md`; edit those, not this file. -->

Every file of a roadmap site, every key it may hold, and what each key means.
Keys not listed here are errors (trekgen suggests the closest known key).
A key marked *yes* under "Required" must be present; the others may be left
out. Slugs are lowercase ASCII words joined by hyphens, like
`feature-engineering`. Markdown is CommonMark with tables; raw HTML is not
allowed.
"""

EDITORS = """## Editor support

`trekgen schema --out schemas` writes a JSON Schema for every kind of file
into `schemas/` (this repository keeps them committed). Each YAML file starts
with a line that points editors at its schema, relative to the file:

```yaml
# yaml-language-server: $schema=../../schemas/roadmap.schema.json
```

With the YAML extension for VS Code (redhat.vscode-yaml), or any editor that
uses the YAML language server, you then get completion, hover help and
checks as you type. `trekgen new roadmap` writes that line for you when a
`schemas/` folder sits next to the source folder. To map schemas by path
instead of by a first line, add this to `.vscode/settings.json`:

```json
{
  "yaml.schemas": {
    "./schemas/site.schema.json": "roadmap/site.yaml",
    "./schemas/roadmap.schema.json": "roadmap/*/roadmap.yaml",
    "./schemas/skills.schema.json": "roadmap/*/skills.yaml",
    "./schemas/workflow.schema.json": "roadmap/*/workflow.yaml",
    "./schemas/ladder.schema.json": "roadmap/*/ladder.yaml",
    "./schemas/diagrams.schema.json": "roadmap/*/diagrams.yaml"
  }
}
```

Front matter in `.md` files cannot carry that line, and the YAML extension
does not look inside Markdown files (redhat-developer/vscode-yaml issue 207).
`trekgen serve` and `trekgen check` report front matter mistakes at their
line and column. If you lint Markdown with remark (the unifiedjs.vscode-remark
extension), the remark-lint-frontmatter-schema plugin can apply
`stage.schema.json`, `project.schema.json` and `guide.schema.json` by path:

```js
// .remarkrc.mjs
import remarkFrontmatter from "remark-frontmatter";
import remarkLintFrontmatterSchema from "remark-lint-frontmatter-schema";

export default {
  plugins: [
    remarkFrontmatter,
    [remarkLintFrontmatterSchema, {
      schemas: {
        "./schemas/stage.schema.json": ["./roadmap/*/stages/*.md"],
        "./schemas/project.schema.json": ["./roadmap/*/projects/*.md"],
        "./schemas/guide.schema.json": ["./roadmap/*/guides/*.md"],
      },
    }],
  ],
};
```
"""


def authoring_markdown() -> str:
    """The whole of docs/authoring.md."""
    parts = [INTRO, _file_table(), _worked_example(), EDITORS]
    nested: dict[str, FileKind] = {}
    for kind in KINDS:
        parts.append(_kind_section(kind))
        _collect_nested(kind, keys_of(kind), nested)
    parts.append("## Nested mappings\n\nMappings that appear inside the files above.\n")
    parts.extend(_nested_section(name, kind) for name, kind in sorted(nested.items()))
    return "\n".join(parts)


def _file_table() -> str:
    rows = ["| File | What it holds | Schema |", "|---|---|---|"]
    for kind in KINDS:
        where = kind.where if kind.yaml else f"{kind.where} (front matter)"
        link = f"[`{where}`](#{_anchor(kind)})"
        rows.append(f"| {link} | {kind.summary} | `schemas/{kind.schema_file}` |")
    return "## The files\n\nInside the source folder (`roadmap/` by default):\n\n" + "\n".join(rows)


def _worked_example() -> str:
    problems = sorted(_problems(BROKEN_STAGE))
    valid = _problems(FILLED_STAGE)
    assert not valid, f"the worked example must be valid: {valid}"
    errors = "\n".join(f"   {p}" for p in problems)
    return f"""
## A worked example: adding a stage

1. Create the file. The number follows the last stage; the slug comes from
   the title:

   ```sh
   trekgen new stage ml-engineer "Model serving"
   ```

   It writes `{EXAMPLE_PATH}`, with every key present and a comment on each:

   ```markdown
{_indent(stage_text("Model serving", EXAMPLE_DATE), "   ")}
   ```

2. Fill it in, keep the keys you need and delete the rest of the comments:

   ```markdown
{_indent(FILLED_STAGE, "   ")}
   ```

3. Run `trekgen serve` and open <http://127.0.0.1:8000/ml-engineer/stages/model-serving/>.
   Each time you save, the page reloads itself.

4. Mistakes show in the terminal and over the page, each at its file, line and
   column. With `titel:` instead of `title:` and `duration: soon`, trekgen says:

   ```text
{errors}
   ```

   The last good version of the site stays on screen until the file is fixed.

5. Before you push, run `trekgen check`. It also follows the links inside
   Markdown bodies (to stages, pages, `#anchors` and images); add
   `--external-links` to check web links too.
"""


def _problems(text: str) -> list[Problem]:
    source = split_front_matter(text, EXAMPLE_PATH)
    return validate(source.meta, KINDS[2].model)[1]


def _kind_section(kind: FileKind) -> str:
    title = kind.where if kind.yaml else f"{kind.where}: front matter"
    head = f'<a id="{_anchor(kind)}"></a>\n\n### `{title}`\n\n{kind.summary}\n'
    return f"{head}\n{_table(kind, keys_of(kind))}\n"


def _nested_section(name: str, kind: FileKind) -> str:
    doc = (_defs(kind)[name].get("description") or "").strip()
    head = f'<a id="{name.lower()}"></a>\n\n### {name}\n\n' + (f"{doc}\n\n" if doc else "")
    return f"{head}{_table(kind, keys_of(kind, name))}\n"


def _collect_nested(kind: FileKind, keys: list[Key], found: dict[str, FileKind]) -> None:
    for key in keys:
        if key.inner and key.inner not in found:
            found[key.inner] = kind
            _collect_nested(kind, keys_of(kind, key.inner), found)


def _defs(kind: FileKind) -> dict[str, Any]:
    defs: dict[str, Any] = kind.model.model_json_schema(by_alias=True).get("$defs", {})
    return defs


def _table(kind: FileKind, keys: list[Key]) -> str:
    rows = ["| Key | Required | Value | Meaning |", "|---|---|---|---|"]
    for key in keys:
        required = "yes" if key.required else ""
        rows.append(f"| `{key.name}` | {required} | {value_form(key.schema)} | {key.help} |")
    return "\n".join(rows)


def value_form(prop: dict[str, Any]) -> str:
    """What a value looks like, in words, from its JSON Schema."""
    options = [p for p in prop.get("anyOf", []) if p.get("type") != "null"]
    if options:
        return value_form({**options[0], **_shown_default(prop)})
    text = _form(prop)
    default = prop.get("default")
    if default not in (None, [], {}):
        text += f", default `{default}`"
    return text


def _shown_default(prop: dict[str, Any]) -> dict[str, Any]:
    return {"default": prop["default"]} if "default" in prop else {}


def _form(prop: dict[str, Any]) -> str:
    if "$ref" in prop:
        name = str(prop["$ref"]).rsplit("/", 1)[-1]
        return f"mapping: [{name}](#{name.lower()})"
    if prop.get("type") == "array":
        text = f"list of {_plural(_form(prop.get('items', {})))}"
        low, high = prop.get("minItems"), prop.get("maxItems")
        if low and high:
            return f"{text}, {low} to {high}"
        return f"{text}, at least {low}" if low else text
    if "enum" in prop:
        return "one of " + ", ".join(f"`{v}`" for v in prop["enum"])
    return _scalar_form(prop)


def _scalar_form(prop: dict[str, Any]) -> str:
    kind, pattern = prop.get("type"), prop.get("pattern", "")
    if kind == "boolean":
        return "`true` or `false`"
    if kind == "integer":
        low, high = prop.get("minimum"), prop.get("maximum")
        return f"whole number from {low} to {high}" if low and high else "whole number"
    if prop.get("format") == "date":
        return "date, like `2026-01-31`"
    if prop.get("format") == "uri":
        return "URL, like `https://example.org/`"
    if pattern == SLUG_PATTERN:
        return "slug"
    if pattern == LEVEL_RANGE:
        return "level, or a range like `intermediate to advanced`"
    if prop.get("examples"):
        return f"duration, like `{prop['examples'][0]}`"
    if prop.get("contentMediaType") == "text/markdown":
        return "Markdown"
    if pattern:
        return f"text matching `{pattern}`"
    return "text"


def _plural(form: str) -> str:
    irregular = {"text": "texts", "slug": "slugs", "Markdown": "Markdown texts"}
    if form in irregular:
        return irregular[form]
    return form.replace("mapping:", "mappings:", 1) if form.startswith("mapping:") else form


def _anchor(kind: FileKind) -> str:
    return f"file-{kind.name}"


def _indent(text: str, prefix: str) -> str:
    return "\n".join(prefix + line if line else "" for line in text.rstrip("\n").splitlines())


if __name__ == "__main__":
    print(authoring_markdown(), end="")
