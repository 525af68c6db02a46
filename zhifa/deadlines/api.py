"""期限计算 API (/api/v1/deadlines/): period rules, due-date computation, the working-day calendar.

Writes (calendar overrides, calendar years, rule versions) go through the Django admin, which calls the services.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from ninja import Field, Router, Schema

from zhifa.core.errors import ValidationFailed
from zhifa.deadlines import services
from zhifa.deadlines.errors import CalendarDataMissing
from zhifa.deadlines.models import CalendarYear, HolidayOverride, PeriodRule

router = Router()


class ErrorBody(Schema):
    code: str
    message: str
    citation: str = ""
    details: dict = Field(default_factory=dict)


class ErrorOut(Schema):
    error: ErrorBody


class RuleOut(Schema):
    id: int
    code: str
    name: str
    start_label: str
    amount: int
    unit: str
    unit_label: str
    direction: str
    period: str = Field(description="如“7个工作日”")
    citation: str
    citation_text: str = Field(description="所引条文（款）的原文")
    day_type_citation: str
    extension: str = Field(description="延长规则说明；空表示不可延长")
    extension_amount: int
    extension_unit: str
    extension_max_times: int
    extension_approver: str
    extension_citation: str
    extension_basis: str = Field(description="延长依据不在法律法规库中时的文字依据（如部门规章）")
    allows_excluded_intervals: bool
    excluded_citation: str
    roll_forward: bool
    roll_forward_basis: str
    valid_from: dt.date
    valid_to: dt.date | None
    note: str


def _c(citation) -> str:
    return str(citation) if citation is not None else ""


def rule_out(rule: PeriodRule) -> dict:
    return {
        "id": rule.pk,
        "code": rule.code,
        "name": rule.name,
        "start_label": rule.start_label,
        "amount": rule.amount,
        "unit": rule.unit,
        "unit_label": rule.get_unit_display(),
        "direction": rule.direction,
        "period": rule.amount_text,
        "citation": _c(rule.citation),
        "citation_text": rule.citation.quoted_text,
        "day_type_citation": _c(rule.day_type_citation),
        "extension": rule.extension_text,
        "extension_amount": rule.extension_amount,
        "extension_unit": rule.effective_extension_unit if rule.extension_amount else "",
        "extension_max_times": rule.extension_max_times,
        "extension_approver": rule.extension_approver,
        "extension_citation": _c(rule.extension_citation),
        "extension_basis": rule.extension_basis,
        "allows_excluded_intervals": rule.allows_excluded_intervals,
        "excluded_citation": _c(rule.excluded_citation),
        "roll_forward": rule.roll_forward,
        "roll_forward_basis": _c(rule.roll_forward_citation) or rule.roll_forward_basis,
        "valid_from": rule.valid_from,
        "valid_to": rule.valid_to,
        "note": rule.note,
    }


RULE_RELATED = (
    "citation__law",
    "day_type_citation__law",
    "extension_citation__law",
    "excluded_citation__law",
    "roll_forward_citation__law",
)


@router.get("/rules", response=list[RuleOut], summary="期限规则列表")
def list_rules(request, on: dt.date | None = None, all_versions: bool = False):
    """Rules valid on `on` (default today); `all_versions=true` lists every version."""
    qs = PeriodRule.objects.visible_to(request.auth).select_related(*RULE_RELATED)
    if not all_versions:
        day = on or timezone.localdate()
        qs = qs.filter(valid_from__lte=day).exclude(valid_to__lt=day)
    return [rule_out(r) for r in qs.order_by("code", "-valid_from")]


class IntervalIn(Schema):
    date_from: dt.date = Field(description="扣除期间开始日（含）")
    date_to: dt.date = Field(description="扣除期间结束日（含）")


class DueIn(Schema):
    code: str = Field(description="规则代码，如 penalty.service")
    start: str = Field(description="起算日 YYYY-MM-DD；按小时计算的规则用 YYYY-MM-DDTHH:MM（北京时间）")
    extensions: int = Field(0, ge=0, description="已批准的延长次数")
    excluded: list[IntervalIn] = Field(default_factory=list, description="不计入期限的期间")
    on: dt.date | None = Field(None, description="按哪一天选取规则版本（默认起算日）")


class SkippedOut(Schema):
    date_from: dt.date
    date_to: dt.date
    name: str


class AdjustedOut(Schema):
    date: dt.date
    name: str


class DueOut(Schema):
    date: str = Field(description="届满日（YYYY-MM-DD），按小时计算时为带时区的时间")
    weekday: str
    rule: RuleOut
    start: str
    explanation: str
    skipped: list[SkippedOut]
    adjusted_workdays: list[AdjustedOut]
    excluded_days: int
    extensions: int
    rolled_from: dt.date | None


def parse_start(text: str) -> dt.date | dt.datetime:
    text = text.strip()
    try:
        if "T" in text or " " in text:
            value = dt.datetime.fromisoformat(text)
            return timezone.make_aware(value) if timezone.is_naive(value) else value
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise ValidationFailed(
            f"起算日“{text}”格式不正确，应为 YYYY-MM-DD 或 YYYY-MM-DDTHH:MM。", code="start_invalid"
        ) from exc


@router.post(
    "/due", response={200: DueOut, 400: ErrorOut, 404: ErrorOut, 409: ErrorOut}, summary="计算期限届满日"
)
def compute_due(request, body: DueIn):
    start = parse_start(body.start)
    # CalendarDataMissing propagates: the central handler (zhifa.api.api.domain_error) calls after_rollback(),
    # which raises the supervisor alert.
    result = services.due(
        body.code,
        start,
        extensions=body.extensions,
        excluded=[(i.date_from, i.date_to) for i in body.excluded],
        on=body.on,
    )
    date = result.date
    local = timezone.localtime(date) if isinstance(date, dt.datetime) else date
    return {
        "date": date.isoformat(),
        "weekday": "星期" + services.WEEKDAYS[local.weekday()],
        "rule": rule_out(result.rule),
        "start": start.isoformat(),
        "explanation": result.explanation,
        "skipped": [{"date_from": s.date_from, "date_to": s.date_to, "name": s.name} for s in result.skipped],
        "adjusted_workdays": [{"date": a.date, "name": a.name} for a in result.adjusted_workdays],
        "excluded_days": result.excluded_days,
        "extensions": result.extensions,
        "rolled_from": result.rolled_from,
    }


class DayOut(Schema):
    date: dt.date
    workday: bool
    name: str
    source: str = Field(description="chinesecalendar | override | calendar_year")


class CalendarOut(Schema):
    year: int
    covered: bool
    source: str
    message: str = ""
    days: list[DayOut] = Field(description="放假日（含假期内的周末）、调休上班日和人工调整；普通周末不列出")


@router.get("/calendar/{year}", response=CalendarOut, summary="某年度的放假和调休安排")
def calendar_year(request, year: int):
    if not 1900 <= year <= 2200:
        raise ValidationFailed("年度超出范围。", code="year_invalid")
    info = services.coverage([year])[0]
    if info.covered:
        days = services.calendar_days(year)
        return {
            "year": year,
            "covered": True,
            "source": info.source,
            "days": [
                {"date": d.date, "workday": d.workday, "name": d.name, "source": d.source} for d in days
            ],
        }
    # No data for the year: say so, and list what administrators have entered so far (no guessed days).
    overrides = HolidayOverride.objects.visible_to(request.auth).filter(date__year=year)
    declared = CalendarYear.objects.visible_to(request.auth).filter(year=year).first()
    return {
        "year": year,
        "covered": False,
        "source": info.source if declared else "",
        "message": CalendarDataMissing(year).message,
        "days": [
            {
                "date": o.date,
                "workday": o.kind == HolidayOverride.Kind.WORKDAY,
                "name": o.name,
                "source": "override",
            }
            for o in overrides
        ],
    }
