"""Open-data exports of the published decisions: CSV and Excel, in three layouts.

    standard       the portal's own columns (every category)
    shuanggongshi  信用中国 “双公示” 行政处罚 field layout (domain.md §3.4), penalties only
    gsxt           国家企业信用信息公示系统 行政处罚 list view (摘要), penalties only

Only published rows, only their approved redacted version: the personal-data rule holds here too (a natural
person's name is masked, no ID number, no phone, no address; 证件类型/证件号码 stay empty for natural persons).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from decimal import Decimal, InvalidOperation

from django.http import HttpResponse, StreamingHttpResponse

from zhifa.portal.models import Category, PartyKind, Publication

MAX_ROWS = 100_000

STANDARD = [
    "公示编号", "执法类别", "执法机关", "决定书文号", "行政相对人名称", "行政相对人类别", "统一社会信用代码",
    "违法行为类型（事项）", "违法事实（执法结论）", "依据", "处理内容", "决定日期", "公示日期", "公示截止期", "链接",
]  # fmt: skip

# 信用中国 双公示 行政处罚 (standard order).
SHUANGGONGSHI = [
    "行政相对人名称", "行政相对人类别", "行政相对人代码_1（统一社会信用代码）", "行政相对人代码_2（工商注册号）",
    "行政相对人代码_3（组织机构代码）", "行政相对人代码_4（税务登记号）", "行政相对人代码_5（事业单位证书号）",
    "行政相对人代码_6（社会组织登记证号）", "法定代表人", "法定代表人证件类型", "法定代表人证件号码", "证件类型",
    "证件号码", "行政处罚决定书文号", "违法行为类型", "违法事实", "处罚依据", "处罚类别", "处罚内容",
    "罚款金额（万元）", "没收违法所得、没收非法财物的金额（万元）", "暂扣或吊销证照名称及编号", "处罚决定日期",
    "处罚有效期", "公示截止期", "处罚机关", "处罚机关统一社会信用代码", "数据来源单位", "数据来源单位统一社会信用代码",
    "备注",
]  # fmt: skip

# 国家企业信用信息公示系统, 行政处罚信息 list view.
GSXT = ["决定书文号", "违法行为类型", "行政处罚内容", "决定机关名称", "处罚决定日期", "公示日期"]

LAYOUTS = {"standard": STANDARD, "shuanggongshi": SHUANGGONGSHI, "gsxt": GSXT}
LAYOUT_LABELS = {
    "standard": "公示信息（全部类别）",
    "shuanggongshi": "双公示（信用中国）行政处罚",
    "gsxt": "企业信用信息公示系统 行政处罚摘要",
}
PENALTY_ONLY = {"shuanggongshi", "gsxt"}


def _wan(value) -> str:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return ""
    return f"{amount / 10000:.6f}"


def _date(value) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value or "")


def row(pub: Publication, layout: str, base_url: str = "") -> list[str]:
    f = pub.current.fields
    kind = f.get("party_kind") or pub.party_kind
    natural = kind == PartyKind.NATURAL
    if layout == "standard":
        return [
            str(pub.pk), pub.get_category_display(), pub.agency.name, f.get("document_number", ""),
            f.get("party_name", ""), f.get("party_kind_label", ""), f.get("party_uscc", ""), f.get("title", ""),
            f.get("facts", ""), f.get("basis", ""), f.get("content", ""), f.get("decided_on", ""),
            _date(pub.published_on), _date(pub.expires_on), f"{base_url}/decisions/{pub.pk}/",
        ]  # fmt: skip
    if layout == "shuanggongshi":
        return [
            f.get("party_name", ""), f.get("party_kind_label", ""), "" if natural else f.get("party_uscc", ""),
            "", "", "", "", "",
            "" if natural else f.get("legal_representative", ""), "", "",  # 法定代表人证件: never published
            "", "",  # 证件类型/证件号码 of natural persons: never published (domain.md §3.4)
            f.get("document_number", ""), f.get("title", ""), f.get("facts", ""), f.get("basis", ""),
            f.get("kinds_display", ""), f.get("content", ""), _wan(f.get("fine_amount")),
            _wan(f.get("confiscation_amount")), f.get("licence", ""), f.get("decided_on", ""),
            _date(pub.expires_on), _date(pub.expires_on), pub.agency.name, pub.agency.uscc, pub.agency.name,
            pub.agency.uscc, "",
        ]  # fmt: skip
    if layout == "gsxt":
        return [
            f.get("document_number", ""), f.get("title", ""), f.get("content", ""), pub.agency.name,
            f.get("decided_on", ""), _date(pub.published_on),
        ]  # fmt: skip
    raise ValueError(layout)


def queryset(layout: str, *, agency: int | None = None, category: str = "", date_from=None, date_to=None):
    qs = Publication.objects.filter(status=Publication.Status.PUBLISHED).select_related("agency", "current")
    if layout in PENALTY_ONLY:
        qs = qs.filter(category=Category.PENALTY)
    elif category:
        qs = qs.filter(category=category)
    if agency:
        qs = qs.filter(agency_id=agency)
    if date_from:
        qs = qs.filter(published_on__gte=date_from)
    if date_to:
        qs = qs.filter(published_on__lte=date_to)
    return qs.order_by("-published_on", "-pk")[:MAX_ROWS]


def rows(qs, layout: str, base_url: str = "") -> Iterator[list[str]]:
    for pub in qs.iterator(chunk_size=2000):
        yield row(pub, layout, base_url)


class _Echo:
    def write(self, value):
        return value


def csv_response(header: list[str], data: Iterable[list[str]], filename: str) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def stream():
        yield "\ufeff"  # BOM: spreadsheet programs then read UTF-8
        yield writer.writerow(header)
        for r in data:
            yield writer.writerow(r)

    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def xlsx_bytes(header: list[str], data: Iterable[list[str]], title: str) -> bytes:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=title[:31])
    ws.append(header)
    for r in data:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def xlsx_response(header, data, filename: str, title: str) -> HttpResponse:
    response = HttpResponse(
        xlsx_bytes(header, data, title),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
