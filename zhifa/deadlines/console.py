"""The deadlines engine's contribution to the console home page (zhifa.core.console)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from zhifa.core.console import Row, Section
from zhifa.core.roles import Role
from zhifa.core.scoping import user_role
from zhifa.deadlines import services

CONCERNED = {Role.SUPERVISOR, Role.ADMIN}


def home_sections(user, *, today: dt.date | None = None) -> list[Section]:
    """Supervisors and administrators see the calendar coverage of the years that need data now (`today`:
    default the current date in Asia/Shanghai)."""
    if user_role(user) not in CONCERNED:
        return []
    today = today or timezone.localdate()
    rows = []
    problems = False
    for c in services.coverage(services.years_to_check(today)):
        if c.covered:
            rows.append(Row(f"{c.year}年工作日历", url="/console/deadlines/", badge=c.status_text, tone="ok"))
        else:
            problems = True
            rows.append(
                Row(
                    f"{c.year}年工作日历缺少数据，涉及该年度的工作日期限无法计算",
                    url="/admin/deadlines/calendaryear/"
                    if user_role(user) == Role.ADMIN
                    else "/console/deadlines/",
                    badge=c.status_text,
                    tone="danger",
                    note="请系统管理员按国务院办公厅放假安排通知录入放假和调休日期",
                )
            )
    return [Section("工作日历", rows, attention=problems, more_url="/console/deadlines/")]
