"""Console home sections of the 年报 (provider path: zhifa.portal.annual.console.home_sections): the previous year's
report due by 31 January (due soon / overdue), and the reports waiting for the head."""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from zhifa.core.console import Row, Section
from zhifa.core.roles import AGENCY_ROLES, Role
from zhifa.core.scoping import user_role
from zhifa.portal.annual import services
from zhifa.portal.annual.models import AnnualReport


def _url(name: str, *args) -> str:
    try:
        return reverse(f"annual_console:{name}", args=args)
    except NoReverseMatch:  # console pages not mounted
        return ""


def _badge(left: int) -> tuple[str, str]:
    if left < 0:
        return f"已逾期{-left}天", "danger"
    return ("今日截止" if left == 0 else f"{left}天后截止"), "warn"


def home_sections(user, today=None) -> list[Section]:
    role = user_role(user)
    today = today or timezone.localdate()
    sections: list[Section] = []
    if role in AGENCY_ROLES and getattr(user, "agency_id", None):
        rows = []
        due = services.due_status(user.agency, today)
        if due is not None:
            badge, tone = _badge(due["left"])
            r = due["report"]
            rows.append(
                Row(
                    f"{due['year']}年度行政执法统计年报：{due['due_on']:%Y-%m-%d}前公开",
                    url=_url("detail", r.pk) if r else _url("index"),
                    badge=badge,
                    tone=tone,
                    note=f"当前：第{r.number}版 {r.get_status_display()}" if r else "尚未生成",
                )
            )
        if role == Role.HEAD:
            waiting = AnnualReport.objects.filter(
                agency_id=user.agency_id,
                status__in=(AnnualReport.Status.SUBMITTED, AnnualReport.Status.APPROVED),
            )
            for r in waiting:
                rows.append(
                    Row(
                        f"{r} 待{('审批' if r.status == 'submitted' else '公开')}",
                        url=_url("detail", r.pk),
                        tone="warn",
                    )
                )
        if rows:
            sections.append(Section("统计年报", rows, attention=True, more_url=_url("index")))
    elif role == Role.SUPERVISOR and getattr(user, "scope_jurisdiction", None) is not None:
        year = today.year - 1
        try:
            due_on = services.due_date(year)
        except Exception:  # no due rule: nothing to track
            return []
        left = (due_on - today).days
        if left > 60:
            return []
        path = user.scope_jurisdiction.path
        published = set(
            AnnualReport.objects.filter(
                scope=AnnualReport.Scope.AGENCY, year=year, status__in=AnnualReport.PUBLIC
            ).values_list("agency_id", flat=True)
        )
        missing = [
            a
            for a in services.bodies_required(year).filter(jurisdiction__path__startswith=path)
            if a.pk not in published
        ]
        if not missing:
            return []
        badge, tone = _badge(left)
        rows = [Row(a.name, badge=badge, tone=tone) for a in missing[:10]]
        if len(missing) > 10:
            rows.append(Row(f"另有{len(missing) - 10}个执法主体"))
        sections.append(
            Section(
                f"{year}年度年报未公开（{due_on:%Y-%m-%d}前）",
                rows,
                attention=True,
                more_url=_url("index"),
            )
        )
    return sections
