"""执法流程图: the procedures drawn as accessible inline SVG, laid out on the server (no JavaScript).

The procedure data is the case platform's declared state machine (zhifa.cases.transitions): for one procedure
(普通程序, 简易程序, 行政强制) the states reachable from the initial state are the boxes, the transitions that change
the state are the arrows (labelled with their actions), and the actions that record a step without changing the
state are listed inside their boxes. A 权责清单 item's own 实施程序 text ("申请—受理—审查—决定") is drawn as a
simple chain.

Layout: back edges are found by a depth-first walk from the initial state; the remaining graph is ranked by its
longest path (one row per rank, top to bottom). The longest chain from the initial state is the main column; other
states sit in a side column to its right. Arrows between neighbouring rows of the main column are straight; arrows
that skip rows or go back run in lanes on the left; arrows to the side column run right, then down.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

BOX_W = 224
TITLE_H = 30
LINE_H = 17
PAD = 10
ROW_GAP = 44
LANE_W = 26
SIDE_GAP = 96
MARGIN = 16
STEP_CHARS = 15  # CJK characters per line inside a box (12px text in a 224px box)
SHARED_MIN = 3  # an in-state step allowed in this many states or more is listed once, below the chart


@dataclass
class Node:
    key: str
    label: str
    steps: list[str] = field(default_factory=list)
    rank: int = 0
    col: int = 0
    x: float = 0
    y: float = 0
    h: float = 0

    @property
    def cx(self) -> float:
        return self.x + BOX_W / 2

    @property
    def bottom(self) -> float:
        return self.y + self.h

    @property
    def mid(self) -> float:
        return self.y + self.h / 2


@dataclass
class Edge:
    source: str
    target: str
    labels: list[str]

    @property
    def label(self) -> str:
        return "、".join(self.labels)


@dataclass
class Chart:
    """A laid-out procedure: what the SVG draws and what the page lists as text."""

    key: str
    title: str
    nodes: list[Node]
    edges: list[Edge]
    shared_steps: list[tuple[str, list[str]]] = field(default_factory=list)  # (step, state labels)
    # Set by layout():
    lanes: dict[tuple[str, str], int] = field(default_factory=dict)  # (target, label) -> left lane index
    back: set[tuple[str, str]] = field(default_factory=set)  # edges that go back (drawn dashed)
    left: float = MARGIN  # x of the main column
    width: float = 0
    height: float = 0

    def node(self, key: str) -> Node:
        return next(n for n in self.nodes if n.key == key)

    def transition_lines(self) -> list[str]:
        """The labelled arrows as text: "核查 —提请立案审批→ 立案审批"."""
        names = {n.key: n.label for n in self.nodes}
        return [f"{names[e.source]} —{e.label}→ {names[e.target]}" for e in self.edges if e.labels]

    def describe(self) -> str:
        """The chart in words (the SVG's <desc>, and the text the page shows beside it)."""
        names = {n.key: n.label for n in self.nodes}
        parts = [f"{self.title}，共{len(self.nodes)}个环节：" + "、".join(n.label for n in self.nodes) + "。"]
        for e in self.edges:
            parts.append(f"{names[e.source]}经“{e.label}”至{names[e.target]}。")
        for n in self.nodes:
            if n.steps:
                parts.append(f"{n.label}阶段可办理：{'、'.join(n.steps)}。")
        for step, states in self.shared_steps:
            parts.append(f"{step}：可在{'、'.join(states)}阶段办理。")
        return "".join(parts)


# ----------------------------------------------------------------------------------------------------------------
# Graphs


def procedure_chart(procedure: str) -> Chart:
    """The chart of one case procedure (zhifa.cases.models.Procedure value) from the declared transitions."""
    from zhifa.cases.models import Case, Procedure, State
    from zhifa.cases.transitions import TRANSITIONS

    labels = dict(State.choices)
    initial = str(Case._meta.get_field("state").default)
    table = [t for t in TRANSITIONS.values() if procedure in t.procedures]
    reachable = [initial]
    changed = True
    while changed:
        changed = False
        for t in table:
            if t.target and str(t.target) not in reachable and any(s in reachable for s in t.sources):
                reachable.append(str(t.target))
                changed = True
    order = {s: i for i, s in enumerate(State.values)}
    reachable.sort(key=order.__getitem__)
    nodes = {s: Node(s, str(labels[s])) for s in reachable}
    edges: dict[tuple[str, str], Edge] = {}
    steps: dict[str, list[str]] = {}  # step label -> states where it may be taken
    for t in table:
        target = str(t.target) if t.target else None
        for s in map(str, t.sources):
            if s not in nodes:
                continue
            if target is None or target == s:
                steps.setdefault(str(t.label), []).append(s)
            else:
                edges.setdefault((s, target), Edge(s, target, [])).labels.append(str(t.label))
    shared = []
    for step, states in steps.items():
        if len(states) >= SHARED_MIN:
            shared.append((step, [nodes[s].label for s in states]))
        else:
            for s in states:
                nodes[s].steps.append(step)
    chart = Chart(
        key=procedure,
        title=f"{Procedure(procedure).label}流程图",
        nodes=list(nodes.values()),
        edges=list(edges.values()),
        shared_steps=shared,
    )
    layout(chart, initial)
    return chart


STEP_SPLIT = re.compile(r"\s*(?:—+|－+|→|->|=>|＞|>|\n|；|;)\s*")
NUMBERING = re.compile(r"^(?:\d+|[一二三四五六七八九十]+)\s*[.、．)）]\s*")


def procedure_steps(text: str) -> list[str]:
    """The steps of a 实施程序 text: "申请—受理—审查—决定", one per line, or "1.申请；2.受理"."""
    steps = [NUMBERING.sub("", s).strip(" 。，,") for s in STEP_SPLIT.split(text or "")]
    return [s for s in steps if s]


def steps_chart(key: str, title: str, steps: list[str]) -> Chart:
    nodes = [Node(f"s{i}", step) for i, step in enumerate(steps)]
    edges = [Edge(a.key, b.key, []) for a, b in zip(nodes, nodes[1:], strict=False)]
    chart = Chart(key=key, title=title, nodes=nodes, edges=edges)
    if nodes:
        layout(chart, nodes[0].key)
    return chart


# ----------------------------------------------------------------------------------------------------------------
# Layout


def _wrap(text: str, width: int = STEP_CHARS) -> list[str]:
    lines, line, size = [], "", 0.0
    for ch in text:
        w = 0.55 if ord(ch) < 0x2E80 else 1.0  # Latin and digits are about half a CJK character wide
        if size + w > width and line:
            lines.append(line)
            line, size = "", 0.0
        line += ch
        size += w
    if line:
        lines.append(line)
    return lines


def _box_lines(node: Node) -> tuple[list[str], list[str]]:
    title = _wrap(node.label, 13)
    steps = _wrap("、".join(node.steps)) if node.steps else []
    return title, steps


def layout(chart: Chart, initial: str) -> None:
    by_key = {n.key: n for n in chart.nodes}
    out: dict[str, list[str]] = {k: [] for k in by_key}
    for e in chart.edges:
        out[e.source].append(e.target)
    # Back edges: edges into a state still on the depth-first path from the initial state.
    back: set[tuple[str, str]] = set()
    state: dict[str, int] = {}  # 1 on the path, 2 done

    def walk(k: str) -> None:
        state[k] = 1
        for t in out[k]:
            if state.get(t) == 1:
                back.add((k, t))
            elif t not in state:
                walk(t)
        state[k] = 2

    walk(initial)
    for k in by_key:
        if k not in state:
            walk(k)
    forward = [(e.source, e.target) for e in chart.edges if (e.source, e.target) not in back]
    # Longest-path ranks (Kahn's order over the acyclic forward edges).
    indeg = {k: 0 for k in by_key}
    for _s, t in forward:
        indeg[t] += 1
    queue = [k for k in by_key if indeg[k] == 0]
    rank = {k: 0 for k in by_key}
    prev: dict[str, str] = {}
    while queue:
        k = queue.pop(0)
        for s, t in forward:
            if s != k:
                continue
            if rank[k] + 1 > rank[t]:
                rank[t] = rank[k] + 1
                prev[t] = k
            indeg[t] -= 1
            if indeg[t] == 0:
                queue.append(t)
    # The main column: the longest chain, traced back from the deepest state.
    end = max(by_key, key=lambda k: (rank[k], -list(by_key).index(k)))
    main = {end}
    while end in prev:
        end = prev[end]
        main.add(end)
    side_count: dict[int, int] = {}
    for n in chart.nodes:
        n.rank = rank[n.key]
        if n.key in main:
            n.col = 0
        else:
            side_count[n.rank] = side_count.get(n.rank, 0) + 1
            n.col = side_count[n.rank]
    # Heights per row, then positions.
    rows: dict[int, float] = {}
    for n in chart.nodes:
        title, steps = _box_lines(n)
        n.h = TITLE_H + (len(title) - 1) * LINE_H + (len(steps) * LINE_H + PAD if steps else 0)
        rows[n.rank] = max(rows.get(n.rank, 0), n.h)
    lanes = _assign_lanes(chart, back)
    left = MARGIN + (20 + max(lanes.values()) * LANE_W if lanes else 0)
    y = MARGIN + 28  # room for the heading inside the SVG
    row_y = {}
    for r in sorted(rows):
        row_y[r] = y
        y += rows[r] + ROW_GAP
    for n in chart.nodes:
        n.x = left + n.col * (BOX_W + SIDE_GAP)
        n.y = row_y[n.rank] + (rows[n.rank] - n.h) / 2
    chart.lanes, chart.back, chart.left = lanes, back, left
    chart.height = y - ROW_GAP + MARGIN
    chart.width = left + (1 + max(side_count.values(), default=0)) * (BOX_W + SIDE_GAP) - SIDE_GAP + MARGIN


def _lane_groups(chart: Chart, back: set[tuple[str, str]]) -> dict[tuple[str, str], list[Edge]]:
    """Arrows between main-column states that are not neighbours, or that go back, grouped by (target, label):
    the arrows of one group share one lane (e.g. “作出决定” from 审核通过, 告知 and 听证)."""
    by_key = {n.key: n for n in chart.nodes}
    groups: dict[tuple[str, str], list[Edge]] = {}
    for e in chart.edges:
        s, t = by_key[e.source], by_key[e.target]
        if s.col == 0 and t.col == 0 and ((e.source, e.target) in back or t.rank - s.rank != 1):
            groups.setdefault((e.target, e.label), []).append(e)
    return groups


def _assign_lanes(chart: Chart, back: set[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """A left lane per group of _lane_groups; groups whose row spans do not overlap share a lane."""
    by_key = {n.key: n for n in chart.nodes}
    spans = []
    for key, edges in _lane_groups(chart, back).items():
        ranks = [by_key[key[0]].rank] + [by_key[e.source].rank for e in edges]
        spans.append((key, min(ranks), max(ranks)))
    spans.sort(key=lambda x: (x[2] - x[1], x[1]))
    taken: list[list[tuple[int, int]]] = []
    lanes = {}
    for key, lo, hi in spans:
        for i, used in enumerate(taken):
            if all(hi < a or lo > b for a, b in used):
                used.append((lo, hi))
                lanes[key] = i
                break
        else:
            taken.append([(lo, hi)])
            lanes[key] = len(taken) - 1
    return lanes


# ----------------------------------------------------------------------------------------------------------------
# SVG


def _text(x, y, text, *, size=12, weight="normal", anchor="middle", fill="#1f2328", extra="") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" font-weight="{weight}" text-anchor="{anchor}" '
        f'fill="{fill}"{extra}>{escape(text)}</text>'
    )


def render_svg(chart: Chart, *, svg_id: str = "") -> str:
    """The chart as an inline <svg> element (role="img", <title> and <desc>): well-formed XML."""
    svg_id = svg_id or f"flow-{chart.key}"
    by_key = {n.key: n for n in chart.nodes}
    lanes, back, left = chart.lanes, chart.back, chart.left
    width, height = chart.width, chart.height
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="{svg_id}" class="flowchart" role="img" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" width="{width:.0f}" height="{height:.0f}" '
        f'aria-labelledby="{svg_id}-title {svg_id}-desc" '
        f'font-family="Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, sans-serif">',
        f'<title id="{svg_id}-title">{escape(chart.title)}</title>',
        f'<desc id="{svg_id}-desc">{escape(chart.describe())}</desc>',
        "<defs>"
        f'<marker id="{svg_id}-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M0 0 L10 5 L0 10 z" fill="#57606a"/></marker>'
        "</defs>",
        _text(MARGIN, MARGIN + 12, chart.title, size=15, weight="bold", anchor="start"),
    ]
    arrow = f'marker-end="url(#{svg_id}-arrow)"'
    line = 'fill="none" stroke="#57606a" stroke-width="1.5"'
    # Arrows first, boxes on top.
    side_feeds: dict[str, list[Edge]] = {}
    groups = _lane_groups(chart, back)
    laned = {id(e) for edges in groups.values() for e in edges}
    for e in chart.edges:
        s, t = by_key[e.source], by_key[e.target]
        if id(e) in laned:
            continue  # drawn per lane group below
        elif s.col == 0 and t.col == 0:
            out.append(
                f'<path class="edge" data-from="{s.key}" data-to="{t.key}" d="M{s.cx:.1f} {s.bottom:.1f} '
                f'V{t.y:.1f}" {line} {arrow}><title>{escape(e.label)}</title></path>'
            )
            if e.labels:
                out.append(
                    _text(
                        s.cx + 8, (s.bottom + t.y) / 2 + 4, e.label, size=12, anchor="start", fill="#57606a"
                    )
                )
        elif t.col > 0 and s.rank < t.rank:
            side_feeds.setdefault(t.key, []).append(e)
            out.append(
                f'<path class="edge" data-from="{s.key}" data-to="{t.key}" d="M{s.x + BOX_W:.1f} {s.mid:.1f} '
                f'H{t.cx:.1f} V{t.y:.1f}" {line} {arrow}><title>{escape(e.label)}</title></path>'
            )
        elif s.rank == t.rank:
            x1, x2 = (s.x + BOX_W, t.x) if s.x < t.x else (s.x, t.x + BOX_W)
            out.append(
                f'<path class="edge" data-from="{s.key}" data-to="{t.key}" d="M{x1:.1f} {s.mid:.1f} '
                f'H{x2:.1f}" {line} {arrow}><title>{escape(e.label)}</title></path>'
            )
        else:  # generic: down from the source, across, down into the target
            ym = t.y - ROW_GAP / 2
            out.append(
                f'<path class="edge" data-from="{s.key}" data-to="{t.key}" d="M{s.cx:.1f} {s.bottom:.1f} '
                f'V{ym:.1f} H{t.cx:.1f} V{t.y:.1f}" {line} {arrow}><title>{escape(e.label)}</title></path>'
            )
    for (target, label), edges in groups.items():
        t = by_key[target]
        lx = left - 14 - lanes[(target, label)] * LANE_W
        sources = [by_key[e.source] for e in edges]
        far = max(sources, key=lambda s: abs(s.mid - t.mid))
        dashed = ' stroke-dasharray="5 3"' if any((e.source, e.target) in back for e in edges) else ""
        stubs = "".join(f"M{s.x:.1f} {s.mid:.1f} H{lx:.1f} " for s in sources)
        out.append(
            f'<path class="edge" data-from="{" ".join(s.key for s in sources)}" data-to="{t.key}" '
            f'd="{stubs}M{lx:.1f} {far.mid:.1f} V{t.mid:.1f} H{t.x:.1f}" {line} {arrow}{dashed}>'
            f"<title>{escape(label)}</title></path>"
        )
        out.append(
            _text(
                lx,
                (far.mid + t.mid) / 2,
                label,
                size=12,
                fill="#57606a",
                extra=' writing-mode="tb" stroke="#fff" stroke-width="4" paint-order="stroke"',
            )
        )
    for target, feeds in side_feeds.items():
        t = by_key[target]
        labels = list(dict.fromkeys(lbl for e in feeds for lbl in e.labels))
        out.append(_text(t.cx + 8, t.y - 8, "、".join(labels), size=12, anchor="start", fill="#57606a"))
    for n in chart.nodes:
        title, steps = _box_lines(n)
        out.append(f'<g class="state" data-state="{n.key}">')
        out.append(
            f'<rect x="{n.x:.1f}" y="{n.y:.1f}" width="{BOX_W}" height="{n.h:.1f}" rx="6" '
            f'fill="{"#fff5f5" if n.col == 0 else "#f6f8fa"}" stroke="#b4232a" stroke-width="1.5"/>'
        )
        for i, text in enumerate(title):
            out.append(_text(n.cx, n.y + 20 + i * LINE_H, text, size=15, weight="bold"))
        top = n.y + TITLE_H + (len(title) - 1) * LINE_H + 4
        for i, text in enumerate(steps):
            out.append(_text(n.x + PAD, top + i * LINE_H + 8, text, size=12, anchor="start", fill="#57606a"))
        out.append("</g>")
    out.append("</svg>")
    return "".join(out)
