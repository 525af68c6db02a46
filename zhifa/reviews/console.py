"""Home-page sections of 法制审核: the reviewer's queue with due dates, opinions awaiting the handler, contests."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from zhifa.core.console import Row, Section
from zhifa.core.roles import Role
from zhifa.core.scoping import user_role
from zhifa.reviews import services

HOME_ROWS = 10


def _due_row(sub, today) -> Row:
    left = (sub.due_on - today).days
    overdue = left < 0
    return Row(
        f"{sub.case.display_number} {sub.case.title}（第{sub.round}次报送）",
        url=reverse("reviews:case", args=[sub.case_id]),
        badge=f"已逾期{-left}天" if overdue else ("今日届满" if left == 0 else f"{sub.due_on:%m-%d}届满"),
        tone="danger" if overdue else ("warn" if left <= 2 else ""),
        note=f"{sub.case.agency.name} · {sub.due_explanation}",
    )


def home_sections(user) -> list[Section]:
    role = user_role(user)
    today = timezone.localdate()
    out = []
    if role == Role.REVIEWER:
        queue = list(services.queue(user)[:HOME_ROWS])
        out.append(
            Section("法制审核待办", [_due_row(s, today) for s in queue], attention=bool(queue),
                    empty_text="没有待审核的重大执法决定", more_url=reverse("reviews:index"))
        )  # fmt: skip
    if role == Role.OFFICER:
        rows = [
            Row(f"{s.case.display_number} {s.case.title}", url=reverse("reviews:case", args=[s.case_id]),
                badge=op.get_conclusion_display(), tone="warn", note="逐项说明处理情况后重新报送，或提出异议")
            for s, op in services.handler_todo(user)[:HOME_ROWS]
        ]  # fmt: skip
        if rows:
            out.append(Section("法制审核意见待处理", rows, attention=True, more_url=reverse("reviews:index")))
    if role in (Role.HEAD, Role.SUPERVISOR):
        contests = list(services.open_contests_for(user)[:HOME_ROWS])
        if contests:
            out.append(
                Section("审核意见异议待处理", [
                    Row(f"{c.case.display_number} {c.case.title}", url=reverse("reviews:case", args=[c.case_id]),
                        badge=c.get_status_display(), tone="warn", note=c.case.agency.name)
                    for c in contests
                ], attention=True, more_url=reverse("reviews:index"))
            )  # fmt: skip
    if role == Role.SUPERVISOR:
        low = [r for r in services.staffing_report(user) if r["low"]]
        out.append(
            Section("法制审核人员配备", [Row(r["agency"].name, badge="低于5%", tone="warn", note=r["note"]) for r in low],
                    empty_text="各机关法制审核人员均不低于执法人员的5%", more_url=reverse("reviews:staffing"))
        )  # fmt: skip
    return out
