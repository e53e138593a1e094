"""Data -> SVG at build time: the roadmap drawing, concept diagrams and the workflow.

Every drawing is laid out the same way, top to bottom and at most two boxes wide, so
that it stays readable on a phone. Each box goes in the first row below everything
that points to it; arrows between neighbouring rows are short curves through the gap
between them, and every longer arrow or loop runs along a lane at the side of the
drawing, where no box can be in its way. Pure functions: data in, markup out.
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from functools import cache
from itertools import pairwise
from typing import Literal

from trekgen import models
from trekgen.site import Roadmap

Point = tuple[float, float]
Side = Literal["left", "right"]
Column = Literal["L", "C", "R"]
Align = Literal["start", "middle"]
End = Literal["side", "bottom", "top"]

# A 375 px phone shows the drawing 367 px wide (see the drawings section of
# trekgen.css), a scale of 0.87: 15-unit titles stay at 13 px, 14-unit text at 12 px.
WIDTH = 420.0
MAX_COLUMNS = 2
TOP, BOTTOM = 16.0, 16.0
GUTTER = 36.0  # two columns: the lanes run in these outer strips
COLUMN_GAP = 16.0
SINGLE_MARGIN = 24.0
NODE_WIDTH = {1: 220.0, 2: (WIDTH - 2 * GUTTER - COLUMN_GAP) / 2}
LANE_STEP = {1: 12.0, 2: 7.0}
LANE_CAP = {1: 4, 2: 3}
PAD_X, PAD_Y = 11.0, 14.0
TITLE_SIZE, NOTE_SIZE, LABEL_SIZE = 15.0, 14.0, 14.0
LINE = {TITLE_SIZE: 20.0, NOTE_SIZE: 20.0}
LABEL_LINE = 17.0
GAP_MIN = 36.0
ARROW, ARROW_HALF = 8.0, 4.5
BADGE_RADIUS = 13.0
RADIUS = {"flow": 8.0, "loop": 16.0}


@dataclass(frozen=True)
class Node:
    """A box: a title, perhaps numbered, a small note below it and a link."""

    id: str
    title: str
    number: str = ""  # shown before the title
    badge: str = ""  # shown in a disc on the top left corner, so the title keeps its width
    note: str = ""  # a small line below the title
    href: str | None = None
    name: str = ""  # the accessible name of the link
    stage: str | None = None


@dataclass(frozen=True)
class Edge:
    """An arrow; `loop` draws it as a loop back (edges that close a cycle always are)."""

    source: str
    target: str
    label: str | None = None
    loop: bool = False


@dataclass(frozen=True)
class Graph:
    """What a drawing shows, before any geometry."""

    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    align: Align = "middle"


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    w: float
    h: float

    @property
    def right(self) -> float:
        return self.x + self.w

    @property
    def bottom(self) -> float:
        return self.y + self.h

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        return self.y + self.h / 2

    def overlaps(self, other: Box, margin: float = 0.0) -> bool:
        return not (
            self.right + margin <= other.x
            or other.right + margin <= self.x
            or self.bottom + margin <= other.y
            or other.bottom + margin <= self.y
        )


@dataclass(frozen=True)
class Plan:
    """How one edge is drawn, decided before any coordinate is known."""

    index: int
    edge: Edge
    direct: bool  # a short curve to the next row; otherwise along a side lane
    forward: bool
    side: Side
    start: End  # where it leaves its box; lane edges always enter by the side
    start_id: str  # edges of a bundle share their start (or end) port and their lane
    end_id: str
    bundle: str
    lane: int = 0


@dataclass(frozen=True)
class Label:
    lines: tuple[str, ...]
    box: Box
    align: Literal["start", "middle", "end"] = "middle"


@dataclass(frozen=True)
class Drawing:
    """A laid-out graph: boxes, edge paths and labels, in drawing units."""

    nodes: tuple[Node, ...]
    align: Align
    width: float
    height: float
    boxes: dict[str, Box]
    lines: dict[str, tuple[str, ...]]
    paths: tuple[tuple[Plan, str, str], ...]  # plan, line path, arrowhead path
    labels: tuple[Label, ...]


# ---------------------------------------------------------------- public API


def roadmap_svg(roadmap: Roadmap, href: Callable[[str], str]) -> str:
    """The roadmap drawing: one linked box per stage, arrows from prerequisites."""
    nodes = tuple(
        Node(
            s.slug,
            s.title,
            badge=str(s.number),
            note=str(s.meta.duration),
            href=href(s.url),
            name=f"Stage {s.number}: {s.title}, {s.meta.duration}",
            stage=s.slug,
        )
        for s in roadmap.stages
    )
    edges = tuple(Edge(p, s.slug) for s in roadmap.stages for p in s.meta.prerequisites)
    count = len(roadmap.stages)
    title = f"Map of the {count} stage{'s' if count != 1 else ''} of {roadmap.title}"
    desc = (
        "Each box is a stage with its number and time. An arrow leads from a stage to a "
        "stage that builds on it; boxes side by side do not depend on each other. "
        "The same stages are listed in order below the drawing."
    )
    return to_svg(layout(Graph(nodes, edges, "start")), "drawing-roadmap", title, desc, img=False)


def concept_svg(diagram: models.Diagram) -> str:
    """One concept diagram of diagrams.yaml; edges that close a cycle are drawn as loops."""
    nodes = tuple(Node(n.id, n.label) for n in diagram.nodes)
    edges = tuple(Edge(e.from_, e.to, e.label) for e in diagram.edges)
    drawing = layout(Graph(nodes, edges))
    loops = "; dashed arrows loop back to an earlier one" if _has_loops(drawing) else ""
    desc = (
        f"Arrows lead from one part to the next{loops}. "
        "The parts and arrows are also listed as text below the drawing."
    )
    return to_svg(drawing, f"drawing-{diagram.id}", diagram.title, desc)


def workflow_svg(workflow: models.Workflow) -> str:
    """The workflow: its steps in order, and its loops back to earlier steps."""
    steps = workflow.steps
    nodes = tuple(Node(s.id, s.title, number=str(i)) for i, s in enumerate(steps, start=1))
    edges = (
        *(Edge(a.id, b.id) for a, b in pairwise(steps)),
        *(Edge(loop.from_, loop.to, loop.label, loop=True) for loop in workflow.loops),
    )
    drawing = layout(Graph(nodes, edges))
    if _has_loops(drawing):
        title = f"The {len(steps)} steps of the workflow and where it loops back"
        desc = (
            "Solid arrows lead to the next step; dashed arrows loop back to an earlier step. "
            "The steps are listed in order below the drawing, and the loops after them."
        )
    else:
        title = f"The {len(steps)} steps of the workflow"
        desc = "Arrows lead to the next step. The steps are listed in order below the drawing."
    return to_svg(drawing, "drawing-workflow", title, desc)


def _has_loops(drawing: Drawing) -> bool:
    return any(plan.edge.loop for plan, _, _ in drawing.paths)


# ---------------------------------------------------------------- text


# DejaVu Sans advance widths in em, grouped: the widest common fallback font, so
# that a title wrapped for it fits in every other font too.
_WIDTH_GROUPS = (
    ("ijl|'", 0.28),
    ("IJ", 0.30),
    (" .,:;!", 0.33),
    ("ft-()[]/", 0.39),
    ("r", 0.42),
    ('"*sz', 0.53),
    ("c", 0.55),
    ("kvxyL?", 0.59),
    ("aeoFP", 0.62),
    ("bdghnpqu0123456789$_#STYE", 0.64),
    ("ABKRVXZ", 0.69),
    ("CDGHNOQU", 0.76),
    ("w", 0.82),
    ("mM%", 0.95),
    ("W@", 1.0),
)
_WIDTHS = {char: width for chars, width in _WIDTH_GROUPS for char in chars}


def text_width(text: str, size: float, bold: bool = False) -> float:
    """The estimated width of one line of text; on the safe (wide) side."""
    em = sum(_WIDTHS.get(c, 0.65 if ord(c) < 0x2E80 else 1.0) for c in text)
    return em * size * (1.1 if bold else 1.0)


def wrap(text: str, width: float, size: float, bold: bool = False) -> tuple[str, ...]:
    """Greedy word wrap to `width`; a word too long for a line is cut."""
    lines: list[str] = []
    current = ""
    for word in (piece for w in text.split() for piece in _cut(w, width, size, bold)):
        candidate = f"{current} {word}" if current else word
        if current and text_width(candidate, size, bold) > width:
            lines.append(current)
            current = word
        else:
            current = candidate
    return (*lines, current) if current else tuple(lines) or ("",)


def _cut(word: str, width: float, size: float, bold: bool) -> list[str]:
    if text_width(word, size, bold) <= width:  # nearly every word: no need to try each cut
        return [word]
    pieces = [""]
    for char in word:
        if pieces[-1] and text_width(pieces[-1] + char, size, bold) > width:
            pieces.append("")
        pieces[-1] += char
    return pieces


# ---------------------------------------------------------------- topology


def back_edges(order: Sequence[str], edges: Sequence[Edge]) -> set[int]:
    """Indices of the edges that close a cycle, by depth-first search in the given order."""
    out: dict[str, list[tuple[int, str]]] = {n: [] for n in order}
    for index, edge in enumerate(edges):
        out[edge.source].append((index, edge.target))
    state: dict[str, int] = {}  # 1: on the current path, 2: finished
    back: set[int] = set()

    def visit(node: str) -> None:
        state[node] = 1
        for index, succ in out[node]:
            if state.get(succ) == 1:
                back.add(index)
            elif succ not in state:
                visit(succ)
        state[node] = 2

    for node in order:
        if node not in state:
            visit(node)
    return back


def rows_of(order: Sequence[str], forward: Iterable[Edge]) -> list[list[str]]:
    """Rows of at most MAX_COLUMNS boxes: each box in the first row with room below all
    boxes that point to it, boxes taken in the given order as soon as they are free."""
    preds: dict[str, list[str]] = {n: [] for n in order}
    for edge in forward:
        preds[edge.target].append(edge.source)
    row: dict[str, int] = {}
    rows: list[list[str]] = []
    while len(row) < len(order):
        node = next(n for n in order if n not in row and all(p in row for p in preds[n]))
        index = max((row[p] + 1 for p in preds[node]), default=0)
        while index < len(rows) and len(rows[index]) >= MAX_COLUMNS:
            index += 1
        rows += [[] for _ in range(index + 1 - len(rows))]
        rows[index].append(node)
        row[node] = index
    return rows


def columns_of(rows: list[list[str]], edges: Sequence[Edge]) -> dict[str, Column]:
    """Left, centre or right for each box: a pair takes the order that costs its incoming
    arrows less, in stage order when both cost the same."""
    row = {n: r for r, members in enumerate(rows) for n in members}
    column: dict[str, Column] = {}
    for members in rows:
        if len(members) == 1:
            column[members[0]] = "C"
            continue
        first, second = members
        kept = _cost(first, "L", edges, column, row) + _cost(second, "R", edges, column, row)
        swapped = _cost(first, "R", edges, column, row) + _cost(second, "L", edges, column, row)
        if swapped < kept:
            first, second = second, first
        column[first], column[second] = "L", "R"
    return column


def _cost(
    node: str,
    place: Column,
    edges: Sequence[Edge],
    column: dict[str, Column],
    row: dict[str, int],
) -> float:
    """What the arrows into `node` cost if it goes to `place`: a slanted curve from the row
    above costs 1, a long arrow that must cross to the other side's lane costs 3."""
    cost = 0.0
    for edge in edges:
        source = column.get(edge.source)
        if edge.target != node or source is None or source in ("C", place):
            continue
        cost += 1.0 if row[node] - row[edge.source] == 1 else 3.0
    return cost


# ---------------------------------------------------------------- planning


def _side(source: Column, target: Column, forward: bool) -> Side:
    """The lane side: the target's side, else the source's; between centred boxes,
    long arrows go left and loops go right, so that the two never share lanes."""
    for column in (target, source):
        if column != "C":
            return "left" if column == "L" else "right"
    return "left" if forward else "right"


def plan_edges(
    edges: Sequence[Edge],
    row: dict[str, int],
    column: dict[str, Column],
    columns: int,
) -> list[Plan]:
    """How each edge is drawn: a short curve, or a lane shared with its bundle."""
    plans = _bundle([_plan(i, e, row, column) for i, e in enumerate(edges)])
    return _assign_lanes(plans, row, columns)


def _plan(index: int, edge: Edge, row: dict[str, int], column: dict[str, Column]) -> Plan:
    forward = row[edge.target] > row[edge.source]
    direct = forward and row[edge.target] == row[edge.source] + 1 and not edge.loop
    side = _side(column[edge.source], column[edge.target], forward)
    # A box can leave by its side only when no other box of its row is in the way.
    opened = column[edge.source] in ("C", "L" if side == "left" else "R")
    start: End = "bottom" if direct or (forward and not opened) else ("side" if opened else "top")
    own = f"e{index}"
    return Plan(index, edge, direct, forward, side, start, own, own, own)


def _bundle(plans: list[Plan]) -> list[Plan]:
    """Lane edges from one box share a trunk that branches; failing that, edges into one
    box merge. Either way one lane serves several arrows without hiding where they go."""
    sides = [p for p in plans if not p.direct]
    by_source = Counter(_source_key(p) for p in sides)
    by_target = Counter(_target_key(p) for p in sides if by_source[_source_key(p)] == 1)
    out: list[Plan] = []
    for plan in plans:
        if plan.direct:
            out.append(plan)
        elif by_source[_source_key(plan)] > 1:
            key = "from " + " ".join(map(str, _source_key(plan)))
            out.append(replace(plan, start_id=key, bundle=key))
        elif by_target[_target_key(plan)] > 1:
            key = "to " + " ".join(map(str, _target_key(plan)))
            out.append(replace(plan, end_id=key, bundle=key))
        else:
            out.append(plan)
    return out


def _source_key(plan: Plan) -> tuple[str, str, str, bool, bool]:
    return plan.edge.source, plan.side, plan.start, plan.forward, plan.edge.loop


def _target_key(plan: Plan) -> tuple[str, str, bool, bool]:
    return plan.edge.target, plan.side, plan.forward, plan.edge.loop


def _span(plan: Plan, row: dict[str, int]) -> tuple[float, float]:
    """The rows a lane covers; an end in a gap counts half a row."""
    rs: float = row[plan.edge.source]
    rt: float = row[plan.edge.target]
    rs += {"bottom": 0.5, "top": -0.5, "side": 0.0}[plan.start]
    return min(rs, rt), max(rs, rt)


def _assign_lanes(plans: list[Plan], row: dict[str, int], columns: int) -> list[Plan]:
    """Shortest spans take the inner lanes, so that loops nest instead of crossing."""
    spans: dict[str, tuple[float, float]] = {}
    side_of: dict[str, Side] = {}
    for plan in plans:
        if not plan.direct:
            lo, hi = _span(plan, row)
            old = spans.get(plan.bundle, (lo, hi))
            spans[plan.bundle] = (min(lo, old[0]), max(hi, old[1]))
            side_of[plan.bundle] = plan.side
    taken: dict[tuple[Side, int], list[tuple[float, float]]] = {}
    lanes: dict[str, int] = {}
    by_length = sorted(spans.items(), key=lambda kv: (kv[1][1] - kv[1][0], kv[1], kv[0]))
    for bundle, (lo, hi) in by_length:
        side = side_of[bundle]
        clashes = [
            sum(1 for a, b in taken.get((side, lane), []) if a <= hi and lo <= b)
            for lane in range(LANE_CAP[columns])
        ]
        # Past the cap, edges share the least busy lane rather than widen the drawing.
        lane = clashes.index(min(clashes))
        taken.setdefault((side, lane), []).append((lo, hi))
        lanes[bundle] = lane
    return [replace(p, lane=lanes.get(p.bundle, 0)) for p in plans]


# ---------------------------------------------------------------- geometry


def layout(graph: Graph) -> Drawing:
    """Place every box, route every edge and place every label."""
    order = [n.id for n in graph.nodes]
    back = back_edges(order, graph.edges)
    # An edge that closes a cycle is a loop, however the data names it.
    marked = tuple(replace(e, loop=e.loop or i in back) for i, e in enumerate(graph.edges))
    graph = replace(graph, edges=marked)
    forward = [e for i, e in enumerate(graph.edges) if i not in back]
    rows = rows_of(order, forward)
    row = {n: r for r, members in enumerate(rows) for n in members}
    column = columns_of(rows, forward)
    columns = 2 if any(len(r) > 1 for r in rows) else 1
    plans = plan_edges(graph.edges, row, column, columns)
    xs = _column_x(columns, plans)
    lines = {n.id: _title_lines(n, columns) for n in graph.nodes}
    heights = {n.id: _node_height(n, lines[n.id]) for n in graph.nodes}
    label_lines = _label_lines(plans, columns, xs)
    gaps = _gap_heights(rows, row, plans, label_lines, columns)
    boxes, height = _place(rows, column, xs, columns, heights, gaps)
    sides: tuple[Side, Side] = ("left", "right")
    used = {
        side: 1 + max((p.lane for p in plans if not p.direct and p.side == side), default=-1)
        for side in sides
    }
    geometry = Geometry(boxes, row, rows, columns, xs, used)
    paths, labels = _route(plans, geometry, label_lines)
    return Drawing(graph.nodes, graph.align, WIDTH, height, boxes, lines, paths, labels)


def _column_x(columns: int, plans: Sequence[Plan]) -> dict[Column, float]:
    """The left edge of each column; a single column moves aside to make room for the
    labels of its lanes when they are all on one side."""
    width = NODE_WIDTH[columns]
    if columns == 2:
        return {"L": GUTTER, "R": WIDTH - GUTTER - width, "C": (WIDTH - width) / 2}
    labelled = {p.side for p in plans if not p.direct and p.edge.label}
    x = (WIDTH - width) / 2
    if labelled == {"right"}:
        x = SINGLE_MARGIN
    elif labelled == {"left"}:
        x = WIDTH - SINGLE_MARGIN - width
    return {"L": x, "R": x, "C": x}


def _title_lines(node: Node, columns: int) -> tuple[str, ...]:
    title = f"{node.number} {node.title}" if node.number else node.title
    return wrap(title, NODE_WIDTH[columns] - 2 * PAD_X, TITLE_SIZE, bold=True)


def _node_height(node: Node, lines: tuple[str, ...]) -> float:
    return 2 * PAD_Y + (LINE[NOTE_SIZE] if node.note else 0) + LINE[TITLE_SIZE] * len(lines)


def _lane_x(plan: Plan, columns: int, xs: dict[Column, float]) -> float:
    step = LANE_STEP[columns] * plan.lane
    if columns == 2:
        return GUTTER - 14 - step if plan.side == "left" else WIDTH - GUTTER + 14 + step
    edge = xs["C"] if plan.side == "left" else xs["C"] + NODE_WIDTH[1]
    return edge - 16 - step if plan.side == "left" else edge + 16 + step


def _beside_width(plan: Plan, columns: int, xs: dict[Column, float]) -> float:
    """Room for a label beside its lane, outside the boxes; 0 in two-column drawings."""
    if columns == 2:
        return 0.0
    # Measured from the outermost lane the side may have, so that no lane runs under a label.
    lane = _lane_x(replace(plan, lane=LANE_CAP[1] - 1), columns, xs)
    room = WIDTH - 4 - (lane + 6) if plan.side == "right" else lane - 6 - 4
    return min(room, 180.0) if room >= 80 else 0.0


def _label_lines(
    plans: Sequence[Plan],
    columns: int,
    xs: dict[Column, float],
) -> dict[int, tuple[str, ...]]:
    out: dict[int, tuple[str, ...]] = {}
    for plan in plans:
        if plan.edge.label:
            width = (_beside_width(plan, columns, xs) or (130.0 if columns == 2 else 180.0)) - 10
            out[plan.index] = wrap(plan.edge.label, width, LABEL_SIZE)
    return out


def _label_height(lines: tuple[str, ...]) -> float:
    return LABEL_LINE * len(lines) + 6


def _gap_heights(
    rows: list[list[str]],
    row: dict[str, int],
    plans: Sequence[Plan],
    label_lines: dict[int, tuple[str, ...]],
    columns: int,
) -> list[float]:
    """Each gap between rows fits its arrows' turns and the labels placed in it."""
    # In two columns the labels of lanes go into gaps too, so every gap can hold one.
    lane_labels = [_label_height(v) for i, v in label_lines.items() if not plans[i].direct]
    floor = max(lane_labels, default=0) + 20 if columns == 2 else 0
    # Grouped by gap in one pass: a roadmap of hundreds of stages has as many gaps and plans.
    turns: dict[int | None, set[str]] = {}
    labels: dict[int, list[float]] = {}
    for p in plans:
        turns.setdefault(_track_gap(p, row), set()).add(p.start_id)
        if p.direct and p.index in label_lines:
            labels.setdefault(row[p.edge.source], []).append(_label_height(label_lines[p.index]))
    return [
        max(
            GAP_MIN,
            10.0 * (len(turns.get(gap, ())) + 1),
            max(labels.get(gap, ()), default=0) + 22,
            floor,
        )
        for gap in range(len(rows) - 1)
    ]


def _track_gap(plan: Plan, row: dict[str, int]) -> int | None:
    """The gap where an edge that leaves by the top or bottom of its box turns to its lane."""
    if plan.direct or plan.start == "side":
        return None
    return row[plan.edge.source] + (0 if plan.start == "bottom" else -1)


def _place(
    rows: list[list[str]],
    column: dict[str, Column],
    xs: dict[Column, float],
    columns: int,
    heights: dict[str, float],
    gaps: list[float],
) -> tuple[dict[str, Box], float]:
    """Boxes row by row; the boxes of a row share its height."""
    boxes: dict[str, Box] = {}
    y = TOP
    for index, members in enumerate(rows):
        h = max(heights[n] for n in members)
        for n in members:
            boxes[n] = Box(xs[column[n]], y, NODE_WIDTH[columns], h)
        y += h + (gaps[index] if index < len(gaps) else 0)
    return boxes, y + BOTTOM


# ---------------------------------------------------------------- routing


@dataclass(frozen=True)
class Geometry:
    """Where the boxes are, for routing."""

    boxes: dict[str, Box]
    row: dict[str, int]
    rows: list[list[str]]
    columns: int
    xs: dict[Column, float]
    used_lanes: dict[Side, int]  # how many lanes each side uses

    def lane(self, plan: Plan) -> float:
        return _lane_x(plan, self.columns, self.xs)


Ports = dict[tuple[str, str], Point]  # (attachment id, 'start' | 'end') -> point


def _route(
    plans: list[Plan],
    geo: Geometry,
    label_lines: dict[int, tuple[str, ...]],
) -> tuple[tuple[tuple[Plan, str, str], ...], tuple[Label, ...]]:
    ports: Ports = {**_top_bottom_ports(plans, geo), **_side_ports(plans, geo)}
    tracks = _tracks(plans, geo, ports)
    paths: list[tuple[Plan, str, str]] = []
    placed: list[Label] = []
    for plan in plans:
        points = _points(plan, geo, ports, tracks)
        line, head = _direct_path(points) if plan.direct else _lane_path(points, plan)
        paths.append((plan, line, head))
        if plan.index in label_lines:
            placed.append(_place_label(plan, points, label_lines[plan.index], geo, placed))
    return tuple(paths), tuple(placed)


def _spread(center: float, count: int, room: float, step: float) -> list[float]:
    """`count` positions around `center`, `step` apart, squeezed into `room`."""
    if count <= 1:
        return [center] * count
    step = min(step, room / (count - 1))
    return [center + (i - (count - 1) / 2) * step for i in range(count)]


def _top_bottom_ports(plans: Sequence[Plan], geo: Geometry) -> Ports:
    """Arrows leave a box's bottom and enter its top in the order of their other ends."""
    ends: dict[tuple[str, str], dict[tuple[str, str], float]] = {}
    for plan in plans:
        src, dst = plan.edge.source, plan.edge.target
        if plan.direct:
            ends.setdefault((src, "bottom"), {})[(plan.start_id, "start")] = geo.boxes[dst].cx
            ends.setdefault((dst, "top"), {})[(plan.end_id, "end")] = geo.boxes[src].cx
        elif plan.start != "side":
            ends.setdefault((src, plan.start), {})[(plan.start_id, "start")] = geo.lane(plan)
    ports: Ports = {}
    for (node, where), found in sorted(ends.items()):
        box = geo.boxes[node]
        keys = sorted(found, key=lambda k: (found[k], k))
        y = box.bottom if where == "bottom" else box.y
        for x, key in zip(_spread(box.cx, len(keys), box.w - 40, 16.0), keys, strict=True):
            ports[key] = (x, y)
    return ports


def _side_ports(plans: Sequence[Plan], geo: Geometry) -> Ports:
    """Ports on a box's side: lanes running up above lanes running down, and in each
    group the order that keeps the short runs to the lanes from crossing each other."""
    ends: dict[tuple[str, Side], dict[tuple[str, str], tuple[int, int]]] = {}
    for plan in plans:
        if plan.direct:
            continue
        if plan.start == "side":
            at = ends.setdefault((plan.edge.source, plan.side), {})
            at[(plan.start_id, "start")] = _nest(plan, up=not plan.forward)
        at = ends.setdefault((plan.edge.target, plan.side), {})
        at[(plan.end_id, "end")] = _nest(plan, up=plan.forward)
    ports: Ports = {}
    for (node, side), found in sorted(ends.items()):
        box = geo.boxes[node]
        keys = sorted(found, key=lambda k: (found[k], k))
        x = box.x if side == "left" else box.right
        for y, key in zip(_spread(box.cy, len(keys), box.h - 16, 12.0), keys, strict=True):
            ports[key] = (x, y)
    return ports


def _nest(plan: Plan, up: bool) -> tuple[int, int]:
    """Sort key on a side: lanes that run up come first, inner lanes first among them;
    lanes that run down come last, outer lanes first."""
    return (0, plan.lane) if up else (1, -plan.lane)


def _tracks(plans: Sequence[Plan], geo: Geometry, ports: Ports) -> dict[str, float]:
    """The height at which each edge leaving by a top or bottom turns to its lane."""
    by_gap: dict[int, dict[str, float]] = {}
    for plan in plans:
        gap = _track_gap(plan, geo.row)
        if gap is not None:
            run = abs(ports[(plan.start_id, "start")][0] - geo.lane(plan))
            # Short runs turn nearest their box, so long runs pass beside them, not through.
            by_gap.setdefault(gap, {})[plan.start_id] = run if plan.start == "bottom" else -run
    tracks: dict[str, float] = {}
    for gap, runs in sorted(by_gap.items()):
        top = geo.boxes[geo.rows[gap][0]].bottom
        bottom = geo.boxes[geo.rows[gap + 1][0]].y
        for i, key in enumerate(sorted(runs, key=lambda k: (runs[k], k))):
            tracks[key] = top + (bottom - top) * (i + 1) / (len(runs) + 1)
    return tracks


def _points(plan: Plan, geo: Geometry, ports: Ports, tracks: dict[str, float]) -> list[Point]:
    start, end = ports[(plan.start_id, "start")], ports[(plan.end_id, "end")]
    if plan.direct:
        return [start, end]
    lane = geo.lane(plan)
    head = [start, (lane, start[1])]
    if plan.start != "side":
        track = tracks[plan.start_id]
        head = [start, (start[0], track), (lane, track)]
    return [*head, (lane, end[1]), end]


def _num(value: float) -> str:
    text = f"{value:.1f}"
    if text.endswith(".0"):  # one decimal at most, without a trailing zero
        text = text[:-2]
    return "0" if text == "-0" else text


def _arrowhead(tip: Point, before: Point) -> tuple[Point, str]:
    """The triangle at `tip`, pointing away from `before`, and where the line should stop."""
    dx, dy = tip[0] - before[0], tip[1] - before[1]
    length = (dx * dx + dy * dy) ** 0.5 or 1.0
    ux, uy = dx / length, dy / length
    bx, by = tip[0] - ux * ARROW, tip[1] - uy * ARROW
    wing = (-uy * ARROW_HALF, ux * ARROW_HALF)
    corners = [tip, (bx + wing[0], by + wing[1]), (bx - wing[0], by - wing[1])]
    return (bx, by), "M" + " L".join(_pt(p) for p in corners) + " Z"


def _pt(point: Point) -> str:
    return f"{_num(point[0])},{_num(point[1])}"


def _direct_path(points: list[Point]) -> tuple[str, str]:
    """A short S-curve from a bottom port to a top port, vertical at both ends."""
    (x1, y1), (x2, y2) = points
    (_, stop), head = _arrowhead((x2, y2), (x2, y2 - 1))
    if abs(x1 - x2) < 0.5:
        return f"M{_pt((x1, y1))} L{_pt((x2, stop))}", head
    mid = (y1 + stop) / 2
    return f"M{_pt((x1, y1))} C{_pt((x1, mid))} {_pt((x2, mid))} {_pt((x2, stop))}", head


def _lane_path(points: list[Point], plan: Plan) -> tuple[str, str]:
    """Straight runs joined by rounded corners; loops get wide curves."""
    points = _dedupe(points)
    stop, head = _arrowhead(points[-1], points[-2])
    points = [*points[:-1], stop]
    radius = RADIUS["loop" if plan.edge.loop else "flow"]
    parts = [f"M{_pt(points[0])}"]
    last = len(points) - 1
    for i in range(1, last):
        before, corner, after = points[i - 1], points[i], points[i + 1]
        # The first and last runs have one corner each and may give it their whole length.
        cut = min(
            radius,
            _dist(before, corner) * (1 if i == 1 else 0.5),
            _dist(corner, after) * (1 if i + 1 == last else 0.5),
        )
        a, b = _toward(corner, before, cut), _toward(corner, after, cut)
        parts.append(f"L{_pt(a)} Q{_pt(corner)} {_pt(b)}")
    parts.append(f"L{_pt(points[-1])}")
    return " ".join(parts), head


def _dedupe(points: list[Point]) -> list[Point]:
    """Drop repeated points and points in the middle of a straight run."""
    out: list[Point] = []
    for p in points:
        if out and _dist(out[-1], p) < 0.01:
            continue
        if len(out) >= 2 and _collinear(out[-2], out[-1], p):
            out[-1] = p
            continue
        out.append(p)
    return out


def _collinear(a: Point, b: Point, c: Point) -> bool:
    return abs((b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])) < 0.01


def _dist(a: Point, b: Point) -> float:
    return float(((a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2) ** 0.5)


def _toward(origin: Point, target: Point, distance: float) -> Point:
    t = distance / (_dist(origin, target) or 1.0)
    return origin[0] + (target[0] - origin[0]) * t, origin[1] + (target[1] - origin[1]) * t


# ---------------------------------------------------------------- labels


def _place_label(
    plan: Plan,
    points: list[Point],
    lines: tuple[str, ...],
    geo: Geometry,
    placed: list[Label],
) -> Label:
    """The first spot that overlaps no other label: on a short curve, beside a lane or in a gap."""
    w = max(text_width(line, LABEL_SIZE) for line in lines) + 10
    h = _label_height(lines)
    spots = _curve_spots(points, w, h) if plan.direct else _lane_spots(plan, points, w, h, geo)
    align: Literal["start", "middle", "end"] = "middle"
    if not plan.direct and _beside_width(plan, geo.columns, geo.xs):
        align = "start" if plan.side == "right" else "end"
    for box in spots:
        if not any(box.overlaps(other.box, 2) for other in placed):
            return Label(lines, box, align)
    return Label(lines, spots[0], align)


def _curve_spots(points: list[Point], w: float, h: float) -> list[Box]:
    """Centred on the curve, at its middle first; the curve's x eases like 3t² - 2t³."""
    (x1, y1), (x2, y2) = points
    spots = []
    for t in (0.5, 0.3, 0.7):
        x = x1 + (x2 - x1) * (3 * t * t - 2 * t * t * t)
        y = y1 + (y2 - ARROW - y1) * t
        spots.append(_clamp(Box(x - w / 2, y - h / 2, w, h)))
    return spots


def _lane_spots(plan: Plan, points: list[Point], w: float, h: float, geo: Geometry) -> list[Box]:
    """Near the arrow's end, where a bundle's branches have parted."""
    lane, end_y = points[-2][0], points[-1][1]
    start_y = points[-3][1]
    up = end_y < start_y
    if _beside_width(plan, geo.columns, geo.xs):
        outer = max(geo.used_lanes[plan.side] - 1, 0)
        lane_out = _lane_x(replace(plan, lane=outer), geo.columns, geo.xs)
        x = lane_out + 4 if plan.side == "right" else lane_out - 4 - w
        first = end_y + 6 if up else end_y - 6 - h
        step = (h + 4) if up else -(h + 4)
        return [Box(x, first + k * step, w, h) for k in range(4)]
    low, high = sorted((start_y, end_y))
    gaps = _gaps_between(geo, low - 1, high + 1)
    gaps.sort(key=lambda g: abs((g[0] + g[1]) / 2 - end_y))
    spots = [_clamp(Box(lane - w / 2, (a + b) / 2 - h / 2, w, h)) for a, b in gaps]
    return spots or [_clamp(Box(lane - w / 2, (low + high) / 2 - h / 2, w, h))]


def _gaps_between(geo: Geometry, top: float, bottom: float) -> list[tuple[float, float]]:
    """The gaps between rows that lie, at least partly, between `top` and `bottom`."""
    out = []
    for upper, lower in zip(geo.rows, geo.rows[1:], strict=False):
        a, b = geo.boxes[upper[0]].bottom, geo.boxes[lower[0]].y
        if a < bottom and b > top:
            out.append((a, b))
    return out


def _clamp(box: Box) -> Box:
    x = min(max(box.x, 4.0), WIDTH - 4 - box.w)
    return Box(x, box.y, box.w, box.h)


# ---------------------------------------------------------------- SVG


def _tag(name: str, body: str | None = None, /, **attrs: str | float) -> str:
    """One element. Attribute values are escaped and numbers shortened; a trailing or
    inner underscore in a name stands for nothing or a hyphen: class_, aria_label."""
    written = "".join(f' {_attribute(key)}="{_value(value)}"' for key, value in attrs.items())
    return f"<{name}{written}/>" if body is None else f"<{name}{written}>{body}</{name}>"


@cache
def _attribute(key: str) -> str:
    return key.rstrip("_").replace("_", "-")


def _value(value: str | float) -> str:
    return html.escape(value, quote=True) if isinstance(value, str) else _num(value)


def _text(value: str) -> str:
    return html.escape(value, quote=True)


def to_svg(drawing: Drawing, prefix: str, title: str, desc: str, img: bool = True) -> str:
    """The drawing as an inline SVG element, named by its <title> and <desc>."""
    roles = {"role": "img"} if img else {}
    parts = [
        _tag("title", _text(title), id=f"{prefix}-title"),
        _tag("desc", _text(desc), id=f"{prefix}-desc"),
        _group("edges", [_edge_svg(plan, line, head) for plan, line, head in drawing.paths]),
        _group("edge-labels", [_label_svg(x) for x in drawing.labels]) if drawing.labels else "",
        _tag("g", "\n" + "\n".join(_nodes_svg(drawing)) + "\n", class_="nodes"),
    ]
    return _tag(
        "svg",
        "\n" + "\n".join(p for p in parts if p) + "\n",
        xmlns="http://www.w3.org/2000/svg",
        class_=f"drawing {prefix}",
        viewBox=f"0 0 {_num(drawing.width)} {_num(drawing.height)}",
        width=drawing.width,
        height=drawing.height,
        **roles,
        aria_labelledby=f"{prefix}-title {prefix}-desc",
    )


def _group(name: str, children: list[str]) -> str:
    """Lines and labels say nothing a reader needs twice: the names and lists do."""
    return _tag("g", "\n" + "\n".join(children) + "\n", class_=name, aria_hidden="true")


def _edge_svg(plan: Plan, line: str, head: str) -> str:
    kind = "edge-loop" if plan.edge.loop else ("edge-next" if plan.direct else "edge-long")
    body = _tag("path", d=line, class_="edge-line", fill="none")
    body += _tag("path", d=head, class_="edge-head")
    edge = plan.edge
    return _tag("g", body, class_=f"edge {kind}", data_from=edge.source, data_to=edge.target)


def _label_svg(label: Label) -> str:
    b = label.box
    x = {"start": b.x + 5, "middle": b.cx, "end": b.right - 5}[label.align]
    spans = "".join(
        _tag("tspan", _text(line), x=x, y=b.y + 3 + LABEL_LINE * i + LABEL_LINE * 0.72)
        for i, line in enumerate(label.lines)
    )
    background = _tag("rect", class_="edge-label-bg", x=b.x, y=b.y, width=b.w, height=b.h, rx=4.0)
    return background + _tag("text", spans, class_="edge-label", text_anchor=label.align)


def _nodes_svg(drawing: Drawing) -> list[str]:
    """Boxes in the order of the data, so that Tab visits the stages in order."""
    return [
        _node_svg(node, drawing.boxes[node.id], drawing.lines[node.id], drawing.align)
        for node in drawing.nodes
    ]


def _node_svg(node: Node, box: Box, lines: tuple[str, ...], align: Align) -> str:
    anchor = {} if align == "start" else {"text_anchor": "middle"}
    text = _tag("text", _node_lines(node, box, lines, align), class_="node-text", **anchor)
    body = _tag("rect", class_="node-box", x=box.x, y=box.y, width=box.w, height=box.h, rx=10.0)
    # Spaces between the pieces of text, so that their words do not run together when the
    # link's text is read as a whole (axe compares it with the link's name).
    body += " " + _badge(node, box) + " " + text
    if not node.href:
        return _tag("g", body, class_="node", data_node=node.id)
    ring = _tag(
        "rect",
        class_="node-ring",
        x=box.x - 4,
        y=box.y - 4,
        width=box.w + 8,
        height=box.h + 8,
        rx=13.0,
        fill="none",
    )
    stage = {"data_stage": node.stage} if node.stage else {}
    body = ring + body + _check(box)
    return _tag("a", body, class_="node", href=node.href, **stage, aria_label=node.name)


def _node_lines(node: Node, box: Box, lines: tuple[str, ...], align: Align) -> str:
    """Number, title and note, in the order they read in; a link's name repeats that order."""
    x = box.x + PAD_X if align == "start" else box.cx
    y = box.y + PAD_Y
    spans: list[str] = []
    for i, line in enumerate(lines):
        text = _text(line)
        if i == 0 and node.number and line.startswith(node.number + " "):
            rest = line[len(node.number) :]
            text = _tag("tspan", _text(node.number), class_="node-num") + _text(rest)
        spans.append(_tag("tspan", text, class_="node-title", x=x, y=_baseline(y, TITLE_SIZE)))
        y += LINE[TITLE_SIZE]
    if node.note:
        note = _text(node.note)
        spans.append(_tag("tspan", note, class_="node-note", x=x, y=_baseline(y, NOTE_SIZE)))
    return " ".join(spans)


def _badge(node: Node, box: Box) -> str:
    """The number in a disc on the box's top left corner; first, so that it is read first."""
    if not node.badge:
        return ""
    cx, cy = box.x + 3, box.y + 1
    disc = _tag("circle", class_="node-badge", cx=cx, cy=cy, r=BADGE_RADIUS)
    label = _text(node.badge)
    return disc + _tag("text", label, class_="node-num", x=cx, y=cy + 5, text_anchor="middle")


def _baseline(top: float, size: float) -> float:
    """The baseline that centres one line of text in its line box."""
    return top + LINE[size] / 2 + size * 0.35


def _check(box: Box) -> str:
    """The done mark: a check in a disc on the box's top right corner, shown by the stylesheet."""
    cx, cy = box.right - 3, box.y + 3
    tick = f"M{_num(cx - 4.5)},{_num(cy + 0.5)} l3,3 l6,-6.5"
    body = _tag("circle", cx=cx, cy=cy, r=10.0) + _tag("path", d=tick, fill="none")
    return _tag("g", body, class_="node-check", visibility="hidden")
