"""Excel (xlsx) export and reading of the item lists, with the real column headers (domain.md §4).

Layout of an exported sheet: row 1 the list's title, row 2 the headers, data from row 3. Reading finds the header
row by its headers (within the first 10 rows), so a sheet with or without a title row, or with the columns in
another order, imports the same; columns zhifa does not know are reported and left out.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from decimal import Decimal

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from zhifa.catalog.models import ListVersion
from zhifa.catalog.validation import display_value

MAX_ROWS = 20000
# An xlsx is a zip archive: a few MB of upload can inflate to gigabytes ("zip bomb"). A real list of MAX_ROWS rows
# stays far below this total uncompressed size, which is checked before openpyxl unpacks anything.
MAX_UNCOMPRESSED = 100 * 1024 * 1024
MAX_MEMBERS = 1000
HEADER_SEARCH_ROWS = 10
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def sheet_title(version: ListVersion) -> str:
    return (
        f"{version.catalog_list.agency.name}{version.catalog_list.get_kind_display()}（第{version.number}版）"
    )


def cell_value(column, value):
    """Numbers and dates stay typed in the sheet; everything else as its published text."""
    if value is None:
        return None
    if column.kind == "decimal":
        return int(value) if value == value.to_integral() else Decimal(value)
    if column.kind == "int":
        return int(value)
    if column.kind == "date":
        return value
    return display_value(column, value) or None


def export_workbook(version: ListVersion) -> bytes:
    model = version.item_model
    wb = Workbook()
    ws = wb.active
    ws.title = version.catalog_list.get_kind_display()[:31]
    headers = [c.header for c in model.COLUMNS]
    ws.append([sheet_title(version)])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    ws["A1"].font = Font(bold=True, size=14)
    ws["A1"].alignment = Alignment(horizontal="center")
    ws.append(headers)
    for cell in ws[2]:
        cell.font = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    for item in version.items().select_related(*model.related_fields()):
        ws.append([cell_value(c, getattr(item, c.field)) for c in model.COLUMNS])
        for column, cell in zip(model.COLUMNS, ws[ws.max_row], strict=True):
            cell.alignment = wrap
            if cell.data_type == "f":  # text that starts with "=" is data, never a formula
                cell.data_type = "s"
            if column.kind == "date" and cell.value is not None:
                cell.number_format = "yyyy-mm-dd"
    for i, column in enumerate(model.COLUMNS, start=1):
        width = 8 if column.field == "seq" else 14 if column.kind != "text" and column.kind != "basis" else 28
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A3"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


class UnreadableWorkbook(ValueError):
    pass


def read_rows(data: bytes, model) -> tuple[list[tuple[int, dict]], list[str]]:
    """[(excel row number, {header: value})] of the non-empty data rows, and the unknown headers.

    Raises UnreadableWorkbook (Chinese message) when the file is not an xlsx, would unpack to more than
    MAX_UNCOMPRESSED bytes, or the header row is missing.
    """
    check_archive(data)
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a non-xlsx file
        raise UnreadableWorkbook("无法读取该文件，请上传 Excel（.xlsx）格式的清单。") from exc
    try:
        ws = wb.worksheets[0]
        known = {c.header for c in model.COLUMNS}
        required = {c.header for c in model.COLUMNS if c.required}
        header_row, headers = None, []
        rows = ws.iter_rows(values_only=True)
        number = 0
        for number, values in enumerate(rows, start=1):
            cells = [_header(v) for v in values]
            if required <= set(cells):
                header_row, headers = number, cells
                break
            if number >= HEADER_SEARCH_ROWS:
                break
        if header_row is None:
            missing = "、".join(c.header for c in model.COLUMNS if c.required)
            raise UnreadableWorkbook(
                f"未找到表头行：前{HEADER_SEARCH_ROWS}行中没有一行包含全部必填列（{missing}）。"
            )
        unknown = [h for h in headers if h and h not in known]
        out: list[tuple[int, dict]] = []
        for number, values in enumerate(rows, start=header_row + 1):
            record = {
                h: _cell(v)
                for h, v in zip(headers, values, strict=False)
                if h in known and _cell(v) is not None
            }
            if not record:
                continue
            out.append((number, record))
            if len(out) > MAX_ROWS:
                raise UnreadableWorkbook(f"一次最多导入{MAX_ROWS}行。")
        return out, unknown
    finally:
        wb.close()


def check_archive(data: bytes) -> None:
    """Refuse a file that is not a zip archive or whose members declare more than MAX_UNCOMPRESSED bytes in all.

    zipfile never inflates a member beyond its declared size (it stops and fails the CRC check), so the declared
    sizes bound what openpyxl will unpack."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise UnreadableWorkbook("无法读取该文件，请上传 Excel（.xlsx）格式的清单。") from exc
    total = sum(m.file_size for m in members)
    if len(members) > MAX_MEMBERS or total > MAX_UNCOMPRESSED:
        raise UnreadableWorkbook(
            f"文件解压后超过{MAX_UNCOMPRESSED // (1024 * 1024)}MB（或包含过多内部文件），"
            "不是正常的清单表格，未导入。"
        )


def _header(value) -> str:
    return "".join(str(value).split()) if value is not None else ""


def _cell(value):
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, dt.datetime) and value.time() == dt.time(0):
        return value.date()
    return value
