"""Property tests: mutated and random content never raises anything but trekgen's own error."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trekgen.build import check
from trekgen.errors import ContentError
from trekgen.sources import parse_yaml, split_front_matter

from .test_errors import BASE_SITE

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=30),
    st.dates().map(str),
    st.sampled_from(["4-6 weeks", "soon", "beginner", "https://x.org/", "javascript:x"]),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)


def run(files: dict[str, str]) -> None:
    """Check a site made of the base site overlaid with `files`; only ContentError may escape."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        for relative, content in {**BASE_SITE, **files}.items():
            path = root / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content, encoding="utf-8")
        try:
            check(root / "roadmap")
        except ContentError as exc:
            assert exc.problems, "a ContentError always carries its problems"
            for problem in exc.problems:
                assert problem.location.line >= 1 and problem.location.column >= 1


FILES = sorted(BASE_SITE)
SETTINGS = settings(
    max_examples=int(os.environ.get("TREKGEN_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@SETTINGS
@given(st.sampled_from(FILES), st.text(max_size=300))
def test_random_text_in_any_file(name: str, text: str) -> None:
    run({name: text})


@SETTINGS
@given(st.sampled_from(FILES), st.text(min_size=1, max_size=20), values)
def test_mutated_key_in_any_file(name: str, key: str, value: Any) -> None:
    original = BASE_SITE[name]
    if name.endswith(".md"):
        _, meta, body = original.split("---\n", 2)
        data = yaml.safe_load(meta)
        data[key] = value
        run({name: "---\n" + yaml.safe_dump(data) + "---\n" + body})
    else:
        data = yaml.safe_load(original)
        data[key] = value
        run({name: yaml.safe_dump(data)})


@SETTINGS
@given(values)
def test_any_yaml_document(value: Any) -> None:
    run({"roadmap/demo/roadmap.yaml": yaml.safe_dump(value)})


@SETTINGS
@given(st.text(max_size=200))
def test_parsers_raise_only_their_own_error(text: str) -> None:
    from trekgen.sources import SourceError

    for parse in (lambda t: parse_yaml(t, "x.yaml"), lambda t: split_front_matter(t, "x.md")):
        try:
            parse(text)
        except SourceError as exc:
            assert exc.problem.location.path in {"x.yaml", "x.md"}
