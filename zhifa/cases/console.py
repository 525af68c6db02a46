"""Home-page sections of the 办案平台: overdue and due-soon steps of my cases, and my open cases."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from zhifa.cases import services
from zhifa.cases.models import State
from zhifa.core.console import Row, Section
from zhifa.core.roles import Role
from zhifa.core.scoping import user_role

DUE_SOON_DAYS = 7
FINISHED = (State.CLOSED, State.ARCHIVED, State.NOT_FILED)


def home_sections(user) -> list[Section]:
    if user_role(user) not in (Role.OFFICER, Role.HEAD, Role.REVIEWER):
        return []
    today = timezone.localdate()
    rows = []
    for d in services.deadlines_for(user, within_days=DUE_SOON_DAYS):
        left = (d.due_on - today).days
        overdue = left < 0
        rows.append(
            Row(
                f"{d.case.display_number} {d.label}：{d.due_on:%Y-%m-%d}",
                url=reverse("cases:detail", args=[d.case_id]),
                badge=f"已逾期{-left}天" if overdue else ("今日届满" if left == 0 else f"{left}天后届满"),
                tone="danger" if overdue else "warn",
                note=d.explanation,
            )
        )
    mine = services.my_cases(user).exclude(state__in=FINISHED).order_by("-updated_at")[:10]
    cases = [
        Row(
            f"{c.display_number} {c.title}",
            url=reverse("cases:detail", args=[c.pk]),
            badge=c.get_state_display(),
        )
        for c in mine
    ]
    return [
        Section("办案期限", rows, attention=bool(rows), empty_text="没有逾期或七日内届满的办案环节",
                more_url=reverse("cases:list")),
        Section("我的案件", cases, empty_text="暂无在办案件", more_url=reverse("cases:list")),
    ]  # fmt: skip
