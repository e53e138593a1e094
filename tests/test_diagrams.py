"""The build-time drawings: roadmap, concept diagrams and workflow, read back as SVG."""

from __future__ import annotations

import random
import re
import textwrap
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from itertools import pairwise
from pathlib import Path

import pytest

from trekgen import diagrams
from trekgen.build import check
from trekgen.render import relative
from trekgen.site import Roadmap

NS = {"svg": "http://www.w3.org/2000/svg"}
BUNDLED = Path(__file__).resolve().parents[1] / "roadmap"
# A 375 px phone shows the drawing at most 367 px wide; 14-unit text must stay near 12 px.
MAX_WIDTH = 420.0
TRICKY = 'Tricky <b>&amp; "quoted" </svg> title'

Box = tuple[float, float, float, float]


# ---------------------------------------------------------------- building roadmaps


def synthetic_files(count: int, seed: int) -> dict[str, str]:
    """A roadmap of `count` stages with random prerequisites among the six before each."""
    rng = random.Random(seed)
    files = {
        "roadmap/site.yaml": "title: Test\ndescription: Synthetic.\nroadmaps: [big]\n",
        "roadmap/big/roadmap.yaml": (
            "title: Big roadmap\nsummary: Many stages.\nlevel: beginner\nupdated: 2026-01-01\n"
        ),
    }
    words = ["data", "models", "systems", "evaluation", "internationalization", "pipelines"]
    for number in range(1, count + 1):
        pool = list(range(max(1, number - 6), number))
        prereqs = sorted(rng.sample(pool, k=min(len(pool), rng.choice([0, 1, 1, 2, 2, 3]))))
        title = TRICKY if number == 7 else " ".join(rng.choices(words, k=rng.randint(1, 6)))
        files[f"roadmap/big/stages/{number:02d}-stage-{number}.md"] = textwrap.dedent(f"""\
            ---
            title: '{title}'
            summary: Stage {number}.
            duration: {rng.randint(1, 3)}-{rng.randint(4, 6)} weeks
            level: beginner
            prerequisites: [{", ".join(f"stage-{p}" for p in prereqs)}]
            topics: [One]
            ---
            ## Body
            """)
    return files


def load_roadmap(source: Path, slug: str) -> Roadmap:
    site, _ = check(source)
    return site.roadmap(slug)


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Callable[[int], Roadmap]:
    """Synthetic roadmaps by stage count, written once per module."""
    made: dict[int, Roadmap] = {}

    def make(count: int) -> Roadmap:
        if count not in made:
            root = tmp_path_factory.mktemp(f"synthetic{count}")
            for name, text in synthetic_files(count, seed=count).items():
                (root / name).parent.mkdir(parents=True, exist_ok=True)
                (root / name).write_text(text, encoding="utf-8")
            made[count] = load_roadmap(root / "roadmap", "big")
        return made[count]

    return make


@pytest.fixture(scope="module")
def ml() -> Roadmap:
    return load_roadmap(BUNDLED, "ml-engineer")


@pytest.fixture(params=["ml-engineer", 30, 40], ids=["bundled-ml", "30-stages", "40-stages"])
def roadmap(
    request: pytest.FixtureRequest, ml: Roadmap, synthetic: Callable[[int], Roadmap]
) -> Roadmap:
    return ml if request.param == "ml-engineer" else synthetic(request.param)


def drawn(roadmap: Roadmap) -> ET.Element:
    """The roadmap drawing as the overview page links it, parsed."""
    return ET.fromstring(diagrams.roadmap_svg(roadmap, lambda t: relative(t, roadmap.url)))


# ---------------------------------------------------------------- reading SVG back


def view_box(svg: ET.Element) -> tuple[float, float]:
    _, _, width, height = map(float, svg.attrib["viewBox"].split())
    return width, height


def rect_of(element: ET.Element) -> Box:
    return tuple(float(element.attrib[k]) for k in ("x", "y", "width", "height"))  # type: ignore[return-value]


def node_boxes(svg: ET.Element) -> list[Box]:
    return [rect_of(r) for r in svg.iterfind(".//svg:rect[@class='node-box']", NS)]


def overlap(a: Box, b: Box) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def edges(svg: ET.Element) -> list[tuple[str, str]]:
    return [
        (g.attrib["data-from"], g.attrib["data-to"])
        for g in svg.iterfind(".//svg:g[@data-from]", NS)
    ]


def path_points(d: str) -> Iterator[tuple[float, float]]:
    """Points along a path of M, L, Q and C commands (absolute), every curve sampled."""
    here = (0.0, 0.0)
    for command, args in re.findall(r"([MLQC])([^MLQC]*)", d):
        numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", args)]
        points = [here, *zip(numbers[::2], numbers[1::2], strict=True)]
        if command == "M":
            here = points[-1]
            continue
        for step in range(21):
            yield bezier(points, step / 20)
        here = points[-1]


def bezier(points: list[tuple[float, float]], t: float) -> tuple[float, float]:
    while len(points) > 1:
        points = [
            ((1 - t) * a[0] + t * b[0], (1 - t) * a[1] + t * b[1]) for a, b in pairwise(points)
        ]
    return points[0]


def inside(point: tuple[float, float], box: Box, inset: float = 1.0) -> bool:
    x, y = point
    return (
        box[0] + inset < x < box[0] + box[2] - inset
        and box[1] + inset < y < box[1] + box[3] - inset
    )


# ---------------------------------------------------------------- the roadmap drawing


def test_every_stage_is_one_link_to_its_page(roadmap: Roadmap) -> None:
    links = drawn(roadmap).findall(".//svg:a", NS)
    assert [a.attrib["data-stage"] for a in links] == [s.slug for s in roadmap.stages]
    assert [a.attrib["href"] for a in links] == [f"stages/{s.slug}/" for s in roadmap.stages]


def test_each_link_is_named_by_number_title_and_duration(roadmap: Roadmap) -> None:
    names = [a.attrib["aria-label"] for a in drawn(roadmap).findall(".//svg:a", NS)]
    assert names == [f"Stage {s.number}: {s.title}, {s.meta.duration}" for s in roadmap.stages]


def test_node_boxes_never_overlap(roadmap: Roadmap) -> None:
    boxes = node_boxes(drawn(roadmap))
    assert len(boxes) == len(roadmap.stages)
    clashes = [(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1 :] if overlap(a, b)]
    assert clashes == []


def test_every_prerequisite_is_exactly_one_arrow(roadmap: Roadmap) -> None:
    expected = sorted((p, s.slug) for s in roadmap.stages for p in s.meta.prerequisites)
    assert sorted(edges(drawn(roadmap))) == expected


def test_arrows_pass_through_no_box(roadmap: Roadmap) -> None:
    svg = drawn(roadmap)
    boxes = node_boxes(svg)
    crossing = [
        (g.attrib["data-from"], g.attrib["data-to"])
        for g in svg.iterfind(".//svg:g[@data-from]", NS)
        for path in g.iterfind("svg:path[@class='edge-line']", NS)
        if any(inside(p, b) for p in path_points(path.attrib["d"]) for b in boxes)
    ]
    assert crossing == []


def test_drawing_stays_narrow_and_inside_its_view_box(roadmap: Roadmap) -> None:
    svg = drawn(roadmap)
    width, height = view_box(svg)
    assert width <= MAX_WIDTH
    assert svg.attrib["width"] == f"{width:g}"
    boxes = node_boxes(svg)
    assert len({b[0] for b in boxes}) <= 3  # left, centre, right: never a third column
    assert all(b[0] >= 0 and b[0] + b[2] <= width and b[1] + b[3] <= height for b in boxes)


def test_long_titles_wrap_inside_their_box(roadmap: Roadmap) -> None:
    for link in drawn(roadmap).findall(".//svg:a", NS):
        _, _, w, _ = rect_of(link.find("svg:rect[@class='node-box']", NS))  # type: ignore[arg-type]
        for line in link.iterfind(".//svg:tspan[@class='node-title']", NS):
            text = "".join(line.itertext())
            assert (
                diagrams.text_width(text, diagrams.TITLE_SIZE, bold=True) <= w - 2 * diagrams.PAD_X
            )


def test_boxes_follow_prerequisites_downward(roadmap: Roadmap) -> None:
    svg = drawn(roadmap)
    top = {
        a.attrib["data-stage"]: rect_of(a.find("svg:rect[@class='node-box']", NS))
        for a in svg.iterfind(".//svg:a", NS)
    }  # type: ignore[arg-type]
    for stage in roadmap.stages:
        for prereq in stage.meta.prerequisites:
            before, after = top[prereq], top[stage.slug]
            assert before[1] + before[3] < after[1], f"{prereq} is not above {stage.slug}"


def test_output_is_byte_identical_across_runs(roadmap: Roadmap) -> None:
    def once() -> str:
        return diagrams.roadmap_svg(roadmap, lambda t: relative(t, roadmap.url))

    assert once() == once()


def test_titles_stay_text(synthetic: Callable[[int], Roadmap]) -> None:
    roadmap = synthetic(30)
    source = diagrams.roadmap_svg(roadmap, lambda t: relative(t, roadmap.url))
    assert "<b>" not in source and "</svg> title" not in source
    svg = ET.fromstring(source)  # parses, so nothing broke out of its text
    tricky = next(a for a in svg.iterfind(".//svg:a", NS) if a.attrib["data-stage"] == "stage-7")
    shown = " ".join(
        "".join(t.itertext()) for t in tricky.iterfind(".//svg:tspan[@class='node-title']", NS)
    )
    assert shown == TRICKY
    assert tricky.attrib["aria-label"] == f"Stage 7: {TRICKY}, {roadmap.stages[6].meta.duration}"


def test_names_itself_and_points_to_the_stage_list(ml: Roadmap) -> None:
    svg = drawn(ml)
    title, desc = (svg.find(f"svg:{t}", NS) for t in ("title", "desc"))
    assert title is not None and desc is not None
    assert svg.attrib["aria-labelledby"] == f"{title.attrib['id']} {desc.attrib['id']}"
    assert "13 stages" in (title.text or "")
    assert "listed in order below" in (desc.text or "")


def test_every_node_carries_a_hidden_done_mark(ml: Roadmap) -> None:
    marks = drawn(ml).findall(".//svg:a/svg:g[@class='node-check']", NS)
    assert len(marks) == 13
    assert {m.attrib["visibility"] for m in marks} == {"hidden"}


# ---------------------------------------------------------------- concept diagrams and workflow


def concept(diagram_id: str, ml: Roadmap) -> tuple[ET.Element, object]:
    assert ml.diagrams is not None
    diagram = next(d for d in ml.diagrams.diagrams if d.id == diagram_id)
    return ET.fromstring(diagrams.concept_svg(diagram)), diagram


@pytest.mark.parametrize(
    "diagram_id", ["ml-lifecycle", "error-analysis-loop", "bias-variance-compass", "serving-loop"]
)
def test_concept_diagram_draws_each_edge_once_and_loops_apart(diagram_id: str, ml: Roadmap) -> None:
    svg, diagram = concept(diagram_id, ml)
    assert sorted(edges(svg)) == sorted((e.from_, e.to) for e in diagram.edges)  # type: ignore[attr-defined]
    loops = {
        (g.attrib["data-from"], g.attrib["data-to"])
        for g in svg.iterfind(".//svg:g[@data-from]", NS)
        if "edge-loop" in g.attrib["class"]
    }
    assert loops  # every bundled diagram has a cycle, and its closing edge is drawn as a loop
    boxes = node_boxes(svg)
    assert not any(overlap(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])
    labels = [rect_of(r) for r in svg.iterfind(".//svg:rect[@class='edge-label-bg']", NS)]
    assert len(labels) == sum(1 for e in diagram.edges if e.label)  # type: ignore[attr-defined]
    assert not any(overlap(label, box) for label in labels for box in boxes)
    assert not any(overlap(a, b) for i, a in enumerate(labels) for b in labels[i + 1 :])
    assert view_box(svg)[0] <= MAX_WIDTH
    assert svg.attrib["role"] == "img"


def test_lifecycle_loops_are_the_edges_that_go_back(ml: Roadmap) -> None:
    svg, _ = concept("ml-lifecycle", ml)
    loops = sorted(
        (g.attrib["data-from"], g.attrib["data-to"])
        for g in svg.iterfind(".//svg:g[@data-from]", NS)
        if "edge-loop" in g.attrib["class"]
    )
    assert loops == [("evaluate", "features"), ("monitor", "data"), ("monitor", "frame")]


def test_an_acyclic_diagram_has_no_loops() -> None:
    nodes = (diagrams.Node("a", "A"), diagrams.Node("b", "B"), diagrams.Node("c", "C"))
    graph = diagrams.Graph(
        nodes, (diagrams.Edge("a", "b"), diagrams.Edge("a", "c"), diagrams.Edge("b", "c"))
    )
    svg = ET.fromstring(diagrams.to_svg(diagrams.layout(graph), "t", "T", "D"))
    assert [g.attrib["class"] for g in svg.iterfind(".//svg:g[@data-from]", NS)] == [
        "edge edge-next",
        "edge edge-long",
        "edge edge-next",
    ]


def test_edge_labels_and_node_labels_stay_text() -> None:
    nodes = (diagrams.Node("a", "<A & B>"), diagrams.Node("b", '"quoted"'))
    graph = diagrams.Graph(
        nodes, (diagrams.Edge("a", "b", "x < y & z"), diagrams.Edge("b", "a", "</text>"))
    )
    svg = ET.fromstring(diagrams.to_svg(diagrams.layout(graph), "t", "<T>", "D & E"))
    texts = ["".join(t.itertext()) for t in svg.iter("{http://www.w3.org/2000/svg}text")]
    assert texts == ["x < y & z", "</text>", "<A & B>", '"quoted"']
    assert svg.find("svg:title", NS).text == "<T>"  # type: ignore[union-attr]


def test_a_node_that_points_to_itself_gets_a_loop() -> None:
    graph = diagrams.Graph((diagrams.Node("a", "Again"),), (diagrams.Edge("a", "a", "retry"),))
    svg = ET.fromstring(diagrams.to_svg(diagrams.layout(graph), "t", "T", "D"))
    assert [g.attrib["class"] for g in svg.iterfind(".//svg:g[@data-from]", NS)] == [
        "edge edge-loop"
    ]


def test_workflow_shows_steps_in_order_and_its_loops(ml: Roadmap) -> None:
    assert ml.workflow is not None
    svg = ET.fromstring(diagrams.workflow_svg(ml.workflow))
    steps = ml.workflow.steps
    shown = ["".join(t.itertext()) for t in svg.iterfind(".//svg:tspan[@class='node-title']", NS)]
    assert shown == [f"{i} {s.title}" for i, s in enumerate(steps, start=1)]
    tops = [rect_of(r)[1] for r in svg.iterfind(".//svg:rect[@class='node-box']", NS)]
    assert tops == sorted(tops)
    kinds = [
        (g.attrib["data-from"], g.attrib["data-to"], g.attrib["class"])
        for g in svg.iterfind(".//svg:g[@data-from]", NS)
    ]
    assert kinds[: len(steps) - 1] == [(a.id, b.id, "edge edge-next") for a, b in pairwise(steps)]
    assert kinds[len(steps) - 1 :] == [
        (lp.from_, lp.to, "edge edge-loop") for lp in ml.workflow.loops
    ]
    assert "listed in order below" in (svg.find("svg:desc", NS).text or "")  # type: ignore[union-attr]


# ---------------------------------------------------------------- the built pages


def svg_in(page: Path, prefix: str) -> list[ET.Element]:
    """Every drawing of a built page whose class includes `prefix`."""
    html = page.read_text(encoding="utf-8")
    found = re.findall(
        r'<svg xmlns="http://www.w3.org/2000/svg" class="drawing [^"]*".*?</svg>', html, re.S
    )
    return [ET.fromstring(s) for s in found if prefix in s.split(">", 1)[0]]


def test_overview_links_from_the_drawing_reach_the_stage_pages(bundled_site: Path) -> None:
    page = bundled_site / "ml-engineer" / "index.html"
    (svg,) = svg_in(page, "drawing-roadmap")
    hrefs = [a.attrib["href"] for a in svg.iterfind(".//svg:a", NS)]
    assert len(hrefs) == 13
    assert all((page.parent / h / "index.html").is_file() for h in hrefs)
    html = page.read_text(encoding="utf-8")
    assert html.index('class="drawing drawing-roadmap"') < html.index('class="stage-list"')


def test_workflow_and_concepts_pages_keep_their_text_beside_the_drawings(
    bundled_site: Path,
) -> None:
    workflow = bundled_site / "ml-engineer" / "workflow" / "index.html"
    assert len(svg_in(workflow, "drawing-workflow")) == 1
    assert 'id="loops"' in workflow.read_text(encoding="utf-8")
    concepts = bundled_site / "ml-engineer" / "concepts" / "index.html"
    drawings = svg_in(concepts, "drawing-")
    assert len(drawings) == 4
    ids = [e.attrib["id"] for svg in drawings for e in svg.iter() if "id" in e.attrib]
    assert len(ids) == len(set(ids)) == 8
    html = concepts.read_text(encoding="utf-8")
    assert html.count('class="arrows"') == 4 and html.count("<figcaption>") == 4
