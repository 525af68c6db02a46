"""Shared test data and helpers of the catalog tests."""

from __future__ import annotations

import datetime as dt
import io

from openpyxl import Workbook

from zhifa.catalog import services
from zhifa.catalog.models import ListVersion

POWER_ROW = {
    "权力类型": "行政处罚",
    "事项名称": "对生产经营不符合食品安全标准的食品的行政处罚",
    "执法主体": "昌吉市市场监督管理局",
    "承办机构": "食品经营安全监督管理科",
    "执法依据": "《中华人民共和国食品安全法》第一百二十四条；《中华人民共和国行政处罚法》第二十八条",
}


def publish_through(version, officer, reviewer, head, *, reason=None, effective_from=None):
    services.submit(officer, version, change_reason=reason)
    services.approve(reviewer, version, opinion="同意发布。")
    return services.publish(head, version, effective_from=effective_from)


def backdate(version, valid_from: dt.date) -> ListVersion:
    """Given state only: a version that has been in force since `valid_from` (publish() refuses past dates, so a
    list in force for years is set up by dating its row directly, as the history of a real deployment would be)."""
    ListVersion.objects.filter(pk=version.pk).update(valid_from=valid_from)
    version.refresh_from_db()
    return version


def xlsx(headers, rows, title=None) -> bytes:
    wb = Workbook()
    ws = wb.active
    if title:
        ws.append([title])
    ws.append(headers)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
