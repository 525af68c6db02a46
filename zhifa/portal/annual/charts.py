"""Server-generated inline SVG bar charts of a report (no JavaScript, no external resources).

The SVG carries role="img", a <title> and a <desc> listing the values, so that a screen reader gets the numbers
the bars show; the same numbers are in the tables next to it.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from zhifa.portal.annual import counting

WIDTH = 640
BAR_H = 22
GAP = 8
LABEL_W = 210
VALUE_W = 70
COLOURS = ("#b4232a", "#0b5cad", "#1a7f37", "#9a6700", "#6f42c1", "#57606a")


def bar_chart(
    title: str, items: list[tuple[str, Decimal | int]], *, unit: str = "", chart_id: str = ""
) -> SafeString:
    """A horizontal bar chart of (label, value) pairs; values ≥ 0."""
    top = 30
    height = top + max(1, len(items)) * (BAR_H + GAP) + 6
    biggest = max((Decimal(v) for _l, v in items), default=Decimal(0)) or Decimal(1)
    span = WIDTH - LABEL_W - VALUE_W
    desc = "；".join(f"{label}：{_fmt(v)}{unit}" for label, v in items) or "无数据"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="annual-chart" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" role="img" aria-labelledby="{chart_id}-t {chart_id}-d" id="{chart_id}" '
        f'preserveAspectRatio="xMinYMin meet">',
        f'<title id="{chart_id}-t">{escape(title)}</title>',
        f'<desc id="{chart_id}-d">{escape(desc)}</desc>',
        f'<text x="0" y="18" font-size="15" font-weight="600" fill="#1f2328">{escape(title)}</text>',
    ]
    for i, (label, v) in enumerate(items):
        y = top + i * (BAR_H + GAP)
        w = 0 if not v else max(2, int(span * Decimal(v) / biggest))
        colour = COLOURS[i % len(COLOURS)]
        parts.append(
            f'<text x="{LABEL_W - 8}" y="{y + BAR_H - 6}" font-size="13" text-anchor="end" fill="#1f2328">'
            f"{escape(_short(label))}</text>"
        )
        parts.append(
            f'<rect class="bar" x="{LABEL_W}" y="{y}" width="{w}" height="{BAR_H}" fill="{colour}"/>'
        )
        parts.append(
            f'<text x="{LABEL_W + w + 6}" y="{y + BAR_H - 6}" font-size="13" fill="#1f2328">'
            f"{escape(_fmt(v))}{escape(unit)}</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every text part above is escaped


def _fmt(v) -> str:
    if isinstance(v, Decimal):
        return f"{v.normalize():f}" if v == v.to_integral() else f"{v}"
    return str(v)


def _short(label: str, limit: int = 14) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def report_charts(snapshot: dict) -> list[SafeString]:
    """The charts of a report: 表一 by category; for several bodies, penalties and 罚没金额 by body."""
    charts = []
    t1 = counting.table(snapshot, "t1")
    keys = [c["key"] for c in t1["columns"]]
    row = t1["total"] or t1["rows"][0]
    items = []
    for key, label, _kinds in counting.T1_GROUPS:
        cell = row["cells"][keys.index(key)]
        items.append((label, cell["v"] or 0))
    charts.append(bar_chart("行政处罚决定按种类（件）", items, unit="件", chart_id="chart-t1"))
    if len(t1["rows"]) > 1:
        total_i, amount_i = keys.index("total"), keys.index("amount")
        by_body = [(r["label"], r["cells"][total_i]["v"] or 0) for r in t1["rows"]]
        charts.append(bar_chart("行政处罚决定按执法主体（件）", by_body, unit="件", chart_id="chart-bodies"))
        money = [
            (r["label"], (Decimal(r["cells"][amount_i]["v"] or 0) / 10000).quantize(Decimal("0.0001")))
            for r in t1["rows"]
        ]
        charts.append(bar_chart("罚没金额按执法主体（万元）", money, unit="万元", chart_id="chart-amount"))
    t3 = counting.table(snapshot, "t3")
    k3 = [c["key"] for c in t3["columns"]]
    r3 = t3["total"] or t3["rows"][0]
    coercion = [
        (
            c["label"] if not c["group"] else f"{c['group'][-2:]}·{c['label']}",
            r3["cells"][k3.index(c["key"])]["v"] or 0,
        )
        for c in t3["columns"]
        if c["source"] == "case"
    ]
    charts.append(bar_chart("行政强制（件，平台办案数据）", coercion, unit="件", chart_id="chart-t3"))
    return charts
