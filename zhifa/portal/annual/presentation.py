"""Turning a report's snapshot into what the templates show (the public page and the console share it)."""

from __future__ import annotations

from zhifa.portal.annual import counting

SOURCE_LABELS = {
    "case": "办案数据",
    "manual": "机关填报",
    "registry": "主体和人员库",
    "derived": "合计/计算",
}


def _headers(columns: list[dict]) -> list[list[dict]]:
    grouped = any(c["group"] for c in columns)
    if not grouped:
        return [
            [{"text": "执法主体", "rowspan": 1, "colspan": 1}]
            + [{"text": c["label"], "rowspan": 1, "colspan": 1, "source": c["source"]} for c in columns]
        ]
    first = [{"text": "执法主体", "rowspan": 2, "colspan": 1}]
    second = []
    i = 0
    while i < len(columns):
        c = columns[i]
        if not c["group"]:
            first.append({"text": c["label"], "rowspan": 2, "colspan": 1, "source": c["source"]})
            i += 1
            continue
        j = i
        while j + 1 < len(columns) and columns[j + 1]["group"] == c["group"]:
            j += 1
        first.append({"text": c["group"], "rowspan": 1, "colspan": j - i + 1})
        second.extend(
            {"text": x["label"], "rowspan": 1, "colspan": 1, "source": x["source"]}
            for x in columns[i : j + 1]
        )
        i = j + 1
    return [first, second]


def _row(row: dict, columns: list[dict]) -> dict:
    cells = []
    for cell, col in zip(row["cells"], columns, strict=True):
        cells.append(
            {
                "text": counting.display(cell, col["kind"]),
                "state": cell["s"],
                "flag": cell.get("flag", ""),
                "numeric": cell["s"] not in counting.STATE_TEXT,
            }
        )
    return {"label": row["label"], "cells": cells}


def tables(snapshot: dict) -> list[dict]:
    out = []
    for t in snapshot.get("tables", []):
        out.append(
            {
                "code": t["code"],
                "title": t["title"],
                "unit": t["unit"],
                "headers": _headers(t["columns"]),
                "rows": [_row(r, t["columns"]) for r in t["rows"]],
                "total": _row(t["total"], t["columns"]) if t["total"] else None,
                "notes": t["notes"],
                "sources": sorted({SOURCE_LABELS[c["source"]] for c in t["columns"]}),
            }
        )
    return out


def rules(snapshot: dict) -> list[str]:
    r = snapshot.get("rules", {})
    lines = [r.get("period", ""), r.get("concurrent", ""), f"处罚种类轻重顺序（由轻到重）：{counting.severity_text(snapshot)}",
             r.get("amount", ""), r.get("entrusted", ""), r.get("duty", ""), r.get("manual", "")]  # fmt: skip
    if r.get("due_citation"):
        lines.append(f"公开期限：{r.get('due_on')}前（{r['due_citation']}）")
    for b in snapshot.get("bodies", []):
        if b.get("duty_note"):
            lines.append(f"{b['name']}：{b['duty_note']}")
    return [line for line in lines if line]
