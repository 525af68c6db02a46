"""The 年报 as an Excel workbook (openpyxl): one sheet per table with its real column headers, then the 文字说明
and the counting rules. Numbers stay numbers; "无相关职责" and "未填报（无数据来源）" are written as such, never 0."""

from __future__ import annotations

import io
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from zhifa.portal.annual import counting
from zhifa.portal.annual.models import AnnualReport

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BOLD = Font(bold=True)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
WRAP = Alignment(wrap_text=True, vertical="top")


def title_of(report: AnnualReport) -> str:
    return f"{report.subject_name}{report.year}年度行政执法统计年报"


def _value(cell: dict, kind: str):
    if cell["s"] in counting.STATE_TEXT or cell["v"] is None:
        return counting.display(cell, kind)
    if kind == "money":
        return float((Decimal(cell["v"]) / 10000).quantize(Decimal("0.0001")))
    if kind == "percent":
        return float(Decimal(cell["v"]) / 100)
    return int(cell["v"])


def _sheet(wb: Workbook, report: AnnualReport, t: dict) -> None:
    ws = wb.create_sheet(t["title"].split(" ")[0])
    columns = t["columns"]
    width = len(columns) + 1
    ws.append([f"{title_of(report)}　{t['title']}（单位：{t['unit']}）"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    ws["A1"].font = Font(bold=True, size=13)
    grouped = any(c["group"] for c in columns)
    header_rows = 2 if grouped else 1
    if grouped:
        ws.append(["执法主体"] + [c["group"] or c["label"] for c in columns])
        ws.append([""] + [c["label"] if c["group"] else "" for c in columns])
        ws.merge_cells(start_row=2, start_column=1, end_row=3, end_column=1)
        i = 0
        while i < len(columns):
            j = i
            while j + 1 < len(columns) and columns[j + 1]["group"] == columns[i]["group"]:
                j += 1
            col = i + 2
            if columns[i]["group"] and j > i:
                ws.merge_cells(start_row=2, start_column=col, end_row=2, end_column=j + 2)
            elif not columns[i]["group"]:
                ws.merge_cells(start_row=2, start_column=col, end_row=3, end_column=col)
            i = j + 1
    else:
        ws.append(["执法主体"] + [c["label"] for c in columns])
    for row in ws.iter_rows(min_row=2, max_row=1 + header_rows):
        for cell in row:
            cell.font, cell.alignment = BOLD, CENTER
    for r in t["rows"] + ([t["total"]] if t["total"] else []):
        ws.append(
            [r["label"]] + [_value(cell, c["kind"]) for cell, c in zip(r["cells"], columns, strict=True)]
        )
        for cell, c in zip(ws[ws.max_row][1:], columns, strict=True):
            if c["kind"] == "money" and isinstance(cell.value, float):
                cell.number_format = "0.0000"
            elif c["kind"] == "percent" and isinstance(cell.value, float):
                cell.number_format = "0.00%"
    if t["total"]:
        for cell in ws[ws.max_row]:
            cell.font = BOLD
    ws.append([])
    for note in t["notes"]:
        ws.append([f"注：{note}"])
        ws.merge_cells(start_row=ws.max_row, start_column=1, end_row=ws.max_row, end_column=width)
    ws.column_dimensions["A"].width = 30
    for i in range(2, width + 1):
        ws.column_dimensions[get_column_letter(i)].width = 14
    ws.freeze_panes = ws.cell(row=2 + header_rows, column=2)


def export_workbook(report: AnnualReport) -> bytes:
    wb = Workbook()
    cover = wb.active
    cover.title = "封面"
    snap = report.tables
    rows = [
        [title_of(report)],
        ["统计期间", f"{snap['period'][0]} 至 {snap['period'][1]}"],
        ["版本", f"第{report.number}版（{report.get_status_display()}）"],
        ["公开日期", report.published_on.isoformat() if report.published_on else "未公开"],
        ["公开期限", report.due_on.isoformat()],
        ["生成日期", snap.get("generated_on", "")],
    ]
    if report.correction_reason:
        rows.append(["更正原因", report.correction_reason])
    for r in rows:
        cover.append(r)
    cover["A1"].font = Font(bold=True, size=14)
    cover.column_dimensions["A"].width = 14
    cover.column_dimensions["B"].width = 60
    for t in snap["tables"]:
        _sheet(wb, report, t)
    text = wb.create_sheet("文字说明")
    text.column_dimensions["A"].width = 100
    for para in (report.narrative or "（无）").splitlines():
        text.append([para])
        text.cell(row=text.max_row, column=1).alignment = WRAP
    rules = wb.create_sheet("统计口径")
    rules.column_dimensions["A"].width = 100
    r = snap["rules"]
    for line in (r["period"], r["concurrent"], r["amount"], r["entrusted"], r["duty"], r["manual"]):
        rules.append([line])
    order = counting.severity_text(snap)
    rules.append([f"处罚种类轻重顺序（由轻到重）：{order}"])
    if r.get("due_citation"):
        rules.append([f"公开期限：{r.get('due_on')}（{r['due_citation']}）"])
    for b in snap["bodies"]:
        if b.get("duty_note"):
            rules.append([f"{b['name']}：{b['duty_note']}"])
    for row in rules.iter_rows():
        for cell in row:
            cell.alignment = WRAP
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
