"""The deadlines engine: the working-day calendar, due dates that explain themselves, and the writers of the
calendar and rule tables.

Reading:
    is_workday(day) -> bool
    working_days_between(start, end) -> int          working days in (start, end]
    add_working_days(start, n) -> date               the n-th working day after start (start not counted)
    due(rule_or_code, start, *, extensions=0, excluded=(), on=None) -> Due
    calendar_days(year) -> list[DayInfo]             the special days of a year (holidays, 调休 working days)
    coverage(years) -> list[YearCoverage]
Writing (administrators only; each on the ledger in one transaction):
    set_holiday_override, delete_holiday_override, declare_calendar_year, delete_calendar_year, save_period_rule
Checking:
    check_calendar_coverage(today=None) -> list[int]   raises the supervisor alert for missing years

The start day is never counted (期间开始之日不计算在期间内). Working days follow chinesecalendar (the State Council
schedules it ships) with HolidayOverride rows on top; a year with no data raises CalendarDataMissing.
"""

from __future__ import annotations

import calendar as pycalendar
import datetime as dt
from dataclasses import dataclass, field

import chinese_calendar
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from zhifa.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from zhifa.core.roles import Role
from zhifa.core.scoping import record_denied, require_editable, user_role
from zhifa.deadlines import events
from zhifa.deadlines.errors import CalendarDataMissing, alert_key
from zhifa.deadlines.models import UNIT_WORD, CalendarYear, HolidayOverride, PeriodRule, Unit
from zhifa.ledger.services import SYSTEM, Actor, append

ONE_DAY = dt.timedelta(days=1)
WEEKDAYS = "一二三四五六日"
WEEKEND = "周末"
# Chinese names of chinesecalendar's holidays (its Holiday enum says 中秋/端午/清明; the notices say …节).
_FULL_NAMES = {"中秋": "中秋节", "端午": "端午节", "清明": "清明节"}
HOLIDAY_NAMES = {h.value: _FULL_NAMES.get(h.chinese, h.chinese) for h in chinese_calendar.Holiday}
_BUNDLED_YEARS = sorted({d.year for d in chinese_calendar.constants.holidays})
BUNDLED_FIRST_YEAR, BUNDLED_LAST_YEAR = _BUNDLED_YEARS[0], _BUNDLED_YEARS[-1]
# The first year chinesecalendar has no schedule for: needs a CalendarYear entered by an administrator.
FIRST_UNCOVERED_YEAR = BUNDLED_LAST_YEAR + 1
BUNDLED_SOURCE = f"chinesecalendar（内置，{BUNDLED_FIRST_YEAR}–{BUNDLED_LAST_YEAR}年国务院办公厅放假安排）"


# ---------------------------------------------------------------------------------------------------------------
# The calendar


@dataclass(frozen=True)
class DayInfo:
    date: dt.date
    workday: bool
    name: str  # holiday name, "周末", "国庆节调休上班", or "" for an ordinary working day
    source: str  # "override" | "chinesecalendar" | "calendar_year"

    @property
    def is_adjusted_workday(self) -> bool:
        """A 调休 working day: a Saturday/Sunday (or any listed date) on which people work."""
        return self.workday and (self.date.weekday() >= 5 or self.source == "override")

    @property
    def is_named_holiday(self) -> bool:
        return not self.workday and self.name != WEEKEND


def bundled_covers(year: int) -> bool:
    return BUNDLED_FIRST_YEAR <= year <= BUNDLED_LAST_YEAR


class WorkCalendar:
    """Resolves dates to DayInfo with per-year caches; one instance per computation (reads each year once)."""

    def __init__(self):
        self._overrides: dict[int, dict[dt.date, HolidayOverride]] = {}
        self._declared: dict[int, bool] = {}

    def overrides(self, year: int) -> dict[dt.date, HolidayOverride]:
        if year not in self._overrides:
            self._overrides[year] = {o.date: o for o in HolidayOverride.objects.filter(date__year=year)}
        return self._overrides[year]

    def declared(self, year: int) -> bool:
        if year not in self._declared:
            self._declared[year] = CalendarYear.objects.filter(year=year, complete=True).exists()
        return self._declared[year]

    def has_data(self, year: int) -> bool:
        return bundled_covers(year) or self.declared(year)

    def require(self, year: int) -> None:
        if not self.has_data(year):
            missing = CalendarDataMissing(year)
            if not connection.in_atomic_block:
                # Nothing can roll the alert back here: raise it now. Inside a transaction the caller's error
                # handler calls missing.after_rollback() once the transaction is gone.
                missing.after_rollback()
            raise missing

    def day(self, day: dt.date) -> DayInfo:
        if isinstance(day, dt.datetime):
            day = timezone.localtime(day).date() if timezone.is_aware(day) else day.date()
        self.require(day.year)
        override = self.overrides(day.year).get(day)
        if override is not None:
            workday = override.kind == HolidayOverride.Kind.WORKDAY
            return DayInfo(day, workday, override.name, "override")
        if bundled_covers(day.year):
            on_holiday, english = chinese_calendar.get_holiday_detail(day)
            holiday = HOLIDAY_NAMES.get(english, english or "")
            if not on_holiday:
                return DayInfo(day, True, f"{holiday}调休上班" if holiday else "", "chinesecalendar")
            return DayInfo(day, False, holiday or WEEKEND, "chinesecalendar")
        workday = day.weekday() < 5
        return DayInfo(day, workday, "" if workday else WEEKEND, "calendar_year")

    def is_workday(self, day: dt.date) -> bool:
        return self.day(day).workday


def is_workday(day: dt.date) -> bool:
    """Is `day` a working day (State Council schedule with 调休, plus administrators' overrides)?"""
    return WorkCalendar().is_workday(day)


def add_working_days(start: dt.date, n: int, *, calendar: WorkCalendar | None = None) -> dt.date:
    """The n-th working day after `start` (start not counted); n < 0 counts back before start; n == 0 → start."""
    cal = calendar or WorkCalendar()
    step = ONE_DAY if n >= 0 else -ONE_DAY
    day, counted = start, 0
    while counted < abs(n):
        day += step
        if cal.is_workday(day):
            counted += 1
    return day


def working_days_between(start: dt.date, end: dt.date, *, calendar: WorkCalendar | None = None) -> int:
    """How many working days lie in (start, end]; negative (those in (end, start]) when end is before start."""
    if end < start:
        return -working_days_between(end, start, calendar=calendar)
    cal = calendar or WorkCalendar()
    count, day = 0, start
    while day < end:
        day += ONE_DAY
        count += cal.is_workday(day)
    return count


def calendar_days(year: int) -> list[DayInfo]:
    """The special days of a year: named holidays (including the weekends inside them) and 调休 working days;
    plain weekends and ordinary weekdays are left out. Raises CalendarDataMissing for a year without data."""
    cal = WorkCalendar()
    cal.require(year)
    day, end, out = dt.date(year, 1, 1), dt.date(year, 12, 31), []
    while day <= end:
        info = cal.day(day)
        if info.is_named_holiday or info.is_adjusted_workday or info.source == "override":
            out.append(info)
        day += ONE_DAY
    return out


@dataclass
class YearCoverage:
    year: int
    covered: bool
    source: str
    overrides: int
    calendar_year: CalendarYear | None = None

    @property
    def status_text(self) -> str:
        if self.covered:
            return "数据完整"
        if self.calendar_year is not None:
            return "录入中（尚未确认完整）"
        return "缺少数据"


def coverage(years) -> list[YearCoverage]:
    declared = {c.year: c for c in CalendarYear.objects.filter(year__in=list(years))}
    out = []
    for year in years:
        cy = declared.get(year)
        n = HolidayOverride.objects.filter(date__year=year).count()
        if bundled_covers(year):
            source = BUNDLED_SOURCE + (f"；另有{n}条人工调整" if n else "")
            out.append(YearCoverage(year, True, source, n, cy))
        elif cy is not None:
            out.append(YearCoverage(year, cy.complete, f"人工录入：{cy.source}", n, cy))
        else:
            out.append(YearCoverage(year, False, "无", n, None))
    return out


def years_to_check(today: dt.date) -> list[int]:
    """The current year and, from 1 November (when the State Council usually publishes it), the next year."""
    return [today.year, today.year + 1] if today >= dt.date(today.year, 11, 1) else [today.year]


def missing_years(today: dt.date | None = None) -> list[int]:
    today = today or timezone.localdate()
    return [c.year for c in coverage(years_to_check(today)) if not c.covered]


def check_calendar_coverage(today: dt.date | None = None) -> list[int]:
    """Raise the critical supervisor alert for each year that needs data and has none; returns those years.

    Run daily (tasks.check_calendar_coverage_task, or `zhifa check_calendar`)."""
    missing = missing_years(today)
    for year in missing:
        CalendarDataMissing(year).after_rollback()
    return missing


# ---------------------------------------------------------------------------------------------------------------
# Due dates


@dataclass(frozen=True)
class SkippedRun:
    """Consecutive non-working days passed over while counting working days (or rolled over at the end)."""

    date_from: dt.date
    date_to: dt.date
    name: str

    @property
    def days(self) -> int:
        return (self.date_to - self.date_from).days + 1


@dataclass
class Due:
    date: dt.date | dt.datetime
    rule: PeriodRule
    start: dt.date | dt.datetime
    explanation: str
    skipped: list[SkippedRun] = field(default_factory=list)  # holidays and weekends not counted
    adjusted_workdays: list[DayInfo] = field(default_factory=list)  # 调休 working days that were counted
    excluded_days: int = 0
    extensions: int = 0
    rolled_from: dt.date | None = None  # the unadjusted last day when it was rolled forward

    @property
    def skipped_holidays(self) -> list[SkippedRun]:
        return [s for s in self.skipped if s.name != WEEKEND]

    def as_dict(self) -> dict:
        return {
            "date": self.date.isoformat(),
            "rule": {
                "code": self.rule.code,
                "id": self.rule.pk,
                "valid_from": self.rule.valid_from.isoformat(),
            },
            "start": self.start.isoformat(),
            "explanation": self.explanation,
            "skipped": [
                {"from": s.date_from.isoformat(), "to": s.date_to.isoformat(), "name": s.name}
                for s in self.skipped
            ],
            "adjusted_workdays": [
                {"date": d.date.isoformat(), "name": d.name} for d in self.adjusted_workdays
            ],
            "excluded_days": self.excluded_days,
            "extensions": self.extensions,
            "rolled_from": self.rolled_from.isoformat() if self.rolled_from else None,
        }


def rule_for(code: str, on: dt.date) -> PeriodRule:
    """The version of rule `code` valid on `on`."""
    rule = (
        PeriodRule.objects.filter(code=code, valid_from__lte=on)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
        .select_related("citation__law", "day_type_citation__law", "extension_citation__law")
        .select_related("excluded_citation__law", "roll_forward_citation__law")
        .order_by("-valid_from")
        .first()
    )
    if rule is None:
        if PeriodRule.objects.filter(code=code).exists():
            raise NotFound(f"期限规则“{code}”没有适用于{_full(on)}的版本。", code="rule_not_in_force")
        raise NotFound(f"没有代码为“{code}”的期限规则。", code="rule_not_found")
    return rule


def sector_rule_code(code: str, domain_code: str, on: dt.date) -> str:
    """The code of the rule that governs a case of enforcement domain `domain_code`: the sector version
    "<code>.<domain_code>" (e.g. penalty.decide.market, set up from a 部门规章) when one is in force on `on`,
    else `code` itself."""
    candidate = f"{code}.{domain_code}"
    exists = (
        PeriodRule.objects.filter(code=candidate, valid_from__lte=on)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
        .exists()
    )
    return candidate if exists else code


def _full(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _short(day: dt.date, ref_year: int) -> str:
    return f"{day.month}月{day.day}日" if day.year == ref_year else _full(day)


def _range(a: dt.date, b: dt.date, ref_year: int) -> str:
    if a == b:
        return _short(a, ref_year)
    return f"{_short(a, ref_year)}–{_short(b, a.year)}"


def _stamp(value) -> str:
    if isinstance(value, dt.datetime):
        local = timezone.localtime(value)
        return f"{_full(local.date())}{local:%H:%M}"
    return f"{_full(value)}（星期{WEEKDAYS[value.weekday()]}）"


def _runs(days: list[DayInfo]) -> list[SkippedRun]:
    runs: list[list[DayInfo]] = []
    for info in sorted(days, key=lambda d: d.date):
        if runs and info.date - runs[-1][-1].date == ONE_DAY:
            runs[-1].append(info)
        else:
            runs.append([info])
    out = []
    for run in runs:
        names = list(dict.fromkeys(d.name for d in run if d.name and d.name != WEEKEND))
        out.append(SkippedRun(run[0].date, run[-1].date, "、".join(names) or WEEKEND))
    return out


def _normalise_excluded(rule: PeriodRule, excluded) -> list[tuple[dt.date, dt.date]]:
    intervals = []
    for item in excluded or ():
        date_from, date_to = item
        if isinstance(date_from, dt.datetime) or isinstance(date_to, dt.datetime):
            date_from, date_to = _as_date(date_from), _as_date(date_to)
        if date_to < date_from:
            raise ValidationFailed(
                f"扣除期间的结束日（{_full(date_to)}）早于开始日（{_full(date_from)}）。",
                code="excluded_interval_invalid",
            )
        intervals.append((date_from, date_to))
    if intervals and not rule.allows_excluded_intervals:
        raise ValidationFailed(
            f"“{rule.name}”的期限没有可以扣除的期间。",
            code="excluded_not_allowed",
            citation=str(rule.citation),
        )
    return intervals


def _as_date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def _add_months(day: dt.date, months: int) -> dt.date:
    """The corresponding day `months` later; the month's last day when it has none (民法典第二百零二条)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, pycalendar.monthrange(year, month)[1]))


class _Walk:
    """Counts days from a start, recording what it skipped; shared by the stages of one due() computation."""

    def __init__(self, cal: WorkCalendar, excluded: list[tuple[dt.date, dt.date]]):
        self.cal = cal
        self.excluded = excluded
        self.skipped: list[DayInfo] = []
        self.adjusted: list[DayInfo] = []
        self.excluded_days = 0

    def is_excluded(self, day: dt.date) -> bool:
        return any(a <= day <= b for a, b in self.excluded)

    def count(self, start: dt.date, n: int, unit: str, step: dt.timedelta) -> dt.date:
        if unit == Unit.MONTH:
            return _add_months(start, n if step > dt.timedelta(0) else -n)
        if unit == Unit.CALENDAR_DAY and not self.excluded:
            return start + step * n  # calendar days need no calendar
        day, counted = start, 0
        while counted < n:
            day += step
            if self.is_excluded(day):
                self.excluded_days += 1
                continue
            if unit == Unit.WORKING_DAY:
                info = self.cal.day(day)
                if not info.workday:
                    self.skipped.append(info)
                    continue
                if info.is_adjusted_workday:
                    self.adjusted.append(info)
            counted += 1
        return day


def due(
    rule_or_code: PeriodRule | str,
    start: dt.date | dt.datetime,
    *,
    extensions: int = 0,
    excluded=(),
    on: dt.date | None = None,
) -> Due:
    """When does the period end? `start` is the day of the starting event (not counted) — or, for a rule with
    direction "before", the day of the event the act must precede (then the result is the last day to act).

    extensions: how many approved extensions to add (at most rule.extension_max_times).
    excluded:   [(date_from, date_to), ...] inclusive intervals that do not count (检测、鉴定、听证 … time),
                only for rules that allow them.
    on:         the date that selects the rule version when a code is given (default: the start date).
    Raises CalendarDataMissing when a day to be examined lies in a year without calendar data, NotFound for an
    unknown rule, ValidationFailed for arguments the rule does not allow.
    """
    start_day = _as_date(start)
    rule = rule_or_code if isinstance(rule_or_code, PeriodRule) else rule_for(rule_or_code, on or start_day)
    if extensions < 0:
        raise ValidationFailed("延长次数不能为负数。", code="extensions_invalid")
    if extensions and not rule.extension_amount:
        raise ValidationFailed(
            f"“{rule.name}”的期限依法不能延长。", code="extension_not_allowed", citation=str(rule.citation)
        )
    if extensions > rule.extension_max_times:
        raise ValidationFailed(
            f"“{rule.name}”最多延长{rule.extension_max_times}次。",
            code="extension_limit",
            citation=str(rule.extension_citation or rule.citation),
        )
    intervals = _normalise_excluded(rule, excluded)

    if rule.unit == Unit.HOUR:
        return _due_hours(rule, start, extensions)

    cal = WorkCalendar()
    walk = _Walk(cal, intervals)
    before = rule.direction == PeriodRule.Direction.BEFORE
    step = -ONE_DAY if before else ONE_DAY
    stages = [(rule.amount, rule.unit)] + [
        (rule.extension_amount, rule.effective_extension_unit)
    ] * extensions
    end = start_day
    for amount, unit in stages:
        end = walk.count(end, amount, unit, step)

    rolled_from, rolled = None, []
    if rule.roll_forward and not before:
        last = end
        while not (info := cal.day(end)).workday:
            rolled.append(info)
            end += ONE_DAY
        if end != last:
            rolled_from = last

    result = Due(
        date=end,
        rule=rule,
        start=start,
        explanation="",
        skipped=_runs(walk.skipped + rolled),
        adjusted_workdays=walk.adjusted,
        excluded_days=walk.excluded_days,
        extensions=extensions,
        rolled_from=rolled_from,
    )
    result.explanation = _explain(result, intervals, rolled)
    return result


def _due_hours(rule: PeriodRule, start, extensions: int) -> Due:
    if not isinstance(start, dt.datetime):
        raise ValidationFailed(
            f"“{rule.name}”按小时计算，须提供起算的具体时间（日期和时刻）。",
            code="start_time_required",
            citation=str(rule.citation),
        )
    if timezone.is_naive(start):
        start = timezone.make_aware(start)  # console input is Asia/Shanghai
    hours = rule.amount + extensions * rule.extension_amount
    sign = -1 if rule.direction == PeriodRule.Direction.BEFORE else 1
    end = start + dt.timedelta(hours=sign * hours)
    result = Due(date=end, rule=rule, start=start, explanation="", extensions=extensions)
    result.explanation = _explain(result, [], [])
    return result


def _explain(d: Due, intervals, rolled: list[DayInfo]) -> str:
    rule = d.rule
    ref_year = _as_date(d.start).year
    parts = [f"{rule.citation}：{rule.name}，{rule.amount_text}"]
    if rule.unit == Unit.WORKING_DAY:
        basis = f"依{rule.day_type_citation}" if rule.day_type_citation_id else ""
        parts[-1] += f"（{basis}按工作日计算，不含法定节假日）"
    elif rule.unit == Unit.CALENDAR_DAY:
        basis = f"依{rule.day_type_citation}" if rule.day_type_citation_id else ""
        parts[-1] += f"（{basis}按自然日计算，期间内的节假日计入）"
    elif rule.unit == Unit.HOUR:
        parts[-1] += "（按小时连续计算）"
    if d.extensions:
        ext = f"含延长{d.extensions}次，每次{rule.extension_amount}{UNIT_WORD[rule.effective_extension_unit]}"
        basis = [f"经{Role(rule.extension_approver).label}批准"] if rule.extension_approver else []
        # The extension rests on its own basis (an article that grants it, or a sector rule outside the library),
        # never on the article that sets the period unless that article itself says 延长.
        if rule.extension_citation_id:
            basis.append(f"依{rule.extension_citation}")
        elif rule.extension_basis:
            basis.append(f"依{rule.extension_basis}")
        parts.append(ext + (f"（{'，'.join(basis)}）" if basis else ""))
    label = f"（{rule.start_label}）" if rule.start_label else ""
    if rule.direction == PeriodRule.Direction.BEFORE:
        parts.append(f"自{_full(_as_date(d.start))}{label}向前倒数，当日不计入")
    elif rule.unit == Unit.HOUR:
        parts.append(f"自{_stamp(d.start)}{label}起算")
    else:
        parts.append(f"自{_full(_as_date(d.start))}{label}起算，当日不计入")
    counted_skips = [s for s in d.skipped if not d.rolled_from or s.date_to < d.rolled_from]
    if counted_skips:
        named = [s for s in counted_skips if s.name != WEEKEND]
        weekend_days = sum(s.days for s in counted_skips if s.name == WEEKEND)
        text = []
        if named:
            text.append(
                "跳过 " + "、".join(f"{_range(s.date_from, s.date_to, ref_year)} {s.name}" for s in named)
            )
        if weekend_days:
            text.append(("另" if named else "") + f"跳过周末休息日{weekend_days}日")
        parts.append("，".join(text))
    if d.adjusted_workdays:
        parts.append(
            "计入调休工作日 "
            + "、".join(f"{_short(a.date, ref_year)}（{a.name or '调休上班'}）" for a in d.adjusted_workdays)
        )
    if intervals:
        spans = "、".join(_range(a, b, ref_year) for a, b in intervals)
        basis = f"，{rule.excluded_citation}" if rule.excluded_citation_id else ""
        parts.append(f"扣除不计入期限的期间 {spans}（计{d.excluded_days}日{basis}）")
    if d.rolled_from:
        basis = (
            f"依{rule.roll_forward_citation}" if rule.roll_forward_citation_id else rule.roll_forward_basis
        )
        holiday = "、".join(dict.fromkeys(i.name for i in rolled)) or WEEKEND
        parts.append(
            f"原届满日{_short(d.rolled_from, ref_year)}适逢{holiday}，{basis}，顺延至节假日后的第一日"
        )
    if rule.direction == PeriodRule.Direction.BEFORE:
        parts.append(f"最迟应于{_stamp(d.date)}完成")
    else:
        parts.append(f"届满日：{_stamp(d.date)}")
    return "；".join(parts) + "。"


# ---------------------------------------------------------------------------------------------------------------
# Writers (administrators only)

DENIED_MESSAGE = "只有系统管理员可以维护工作日历和期限规则。"


def _require_admin(user, model, action: str, obj=None, *, channel: str = "") -> None:
    """Permission check before the transaction (a denial is recorded on the ledger on its own)."""
    if obj is not None and obj.pk:
        require_editable(user, obj, action, channel=channel)
        return
    role = user_role(user)
    if role == Role.ADMIN or role in getattr(model, "scope_edit_roles", {}).get(action, ()):
        return
    record_denied(user, model, {"pk": ""}, action, channel)
    raise PermissionDenied(DENIED_MESSAGE, code="permission_denied")


def _full_clean(obj, exclude=None) -> None:
    try:
        obj.full_clean(exclude=exclude)
    except ValidationError as exc:
        messages = []
        for field_name, errors in exc.message_dict.items():
            label = obj._meta.get_field(field_name).verbose_name if field_name != "__all__" else ""
            messages.extend(f"{label}：{e}" if label else e for e in errors)
        raise ValidationFailed("；".join(messages), code="invalid", details=exc.message_dict) from exc


def set_holiday_override(
    user, *, date: dt.date, kind: str, name: str, note: str = "", channel: str = ""
) -> HolidayOverride:
    """Create or change the override of one date."""
    existing = HolidayOverride.objects.filter(date=date).first()
    _require_admin(user, HolidayOverride, "change" if existing else "create", existing, channel=channel)
    with transaction.atomic():
        row = HolidayOverride.objects.select_for_update().filter(date=date).first() or HolidayOverride(
            date=date
        )
        before = {"kind": row.kind, "name": row.name, "note": row.note} if row.pk else None
        row.kind, row.name, row.note = kind, name, note
        _full_clean(row, exclude=["date"] if row.pk else None)
        row.save()
        append(
            events.OVERRIDE_SAVED,
            actor=Actor.from_user(user),
            subject=row,
            payload={
                "date": date,
                "kind": kind,
                "name": name,
                "note": note,
                "before": before,
                "channel": channel,
            },
        )
    return row


def delete_holiday_override(user, override: HolidayOverride, *, channel: str = "") -> None:
    _require_admin(user, HolidayOverride, "delete", override, channel=channel)
    with transaction.atomic():
        payload = {"date": override.date, "kind": override.kind, "name": override.name, "channel": channel}
        append(events.OVERRIDE_DELETED, actor=Actor.from_user(user), subject=override, payload=payload)
        override.delete()


def declare_calendar_year(
    user, *, year: int, source: str, complete: bool, note: str = "", channel: str = ""
) -> CalendarYear:
    """Record (or change) an administrator's declaration of a year. Marking it complete needs the year's rest
    days entered first, and resolves the year's calendar-missing alert in the same transaction."""
    existing = CalendarYear.objects.filter(year=year).first()
    _require_admin(user, CalendarYear, "change" if existing else "create", existing, channel=channel)
    from zhifa.core.services import resolve_alert

    with transaction.atomic():
        row = CalendarYear.objects.select_for_update().filter(year=year).first() or CalendarYear(year=year)
        # Checked inside the transaction: the year's rest days are locked (select_for_update) so that a
        # concurrent delete_holiday_override cannot empty the year between this check and the save.
        if complete and not _lock_year_holidays(year):
            raise ValidationFailed(
                f"{year}年尚未录入任何放假日期，不能标记为已完整录入。请先按国务院办公厅通知逐日录入放假和调休上班日期。",
                code="calendar_year_empty",
            )
        before = {"source": row.source, "complete": row.complete} if row.pk else None
        row.source, row.complete, row.note = source, complete, note
        _full_clean(row, exclude=["year"] if row.pk else None)
        row.save()
        actor = Actor.from_user(user)
        append(
            events.CALENDAR_YEAR_SAVED,
            actor=actor,
            subject=row,
            payload={
                "year": year,
                "source": source,
                "complete": complete,
                "before": before,
                "channel": channel,
            },
        )
        if complete:
            resolve_alert(alert_key(year), actor=actor, reason=f"{year}年工作日历已录入：{source}")
    return row


def _lock_year_holidays(year: int) -> bool:
    """Lock the year's rest-day overrides for the rest of the transaction; True when there is at least one."""
    holidays = HolidayOverride.objects.select_for_update().filter(
        date__year=year, kind=HolidayOverride.Kind.HOLIDAY
    )
    return bool(list(holidays.values_list("pk", flat=True)))


def delete_calendar_year(user, calendar_year: CalendarYear, *, channel: str = "") -> None:
    _require_admin(user, CalendarYear, "delete", calendar_year, channel=channel)
    with transaction.atomic():
        append(
            events.CALENDAR_YEAR_DELETED,
            actor=Actor.from_user(user),
            subject=calendar_year,
            payload={"year": calendar_year.year, "source": calendar_year.source, "channel": channel},
        )
        calendar_year.delete()


def save_period_rule(user, rule: PeriodRule, *, channel: str = "") -> PeriodRule:
    """Create a rule version, or change the descriptive fields (name, start label, note, valid_to) of one.

    A saved version's arithmetic is fixed: to change a period, end the old version (valid_to) and add a new
    version with a later valid_from. Versions of one code may not overlap."""
    _require_admin(
        user, PeriodRule, "change" if rule.pk else "create", rule if rule.pk else None, channel=channel
    )
    return _save_rule(rule, Actor.from_user(user), channel=channel)


def fixed_values(rule: PeriodRule) -> dict:
    """The values of a version's fixed fields (citations as ids), for comparison and for the ledger."""
    return {f: getattr(rule, PeriodRule._meta.get_field(f).attname) for f in PeriodRule.FIXED_FIELDS}


def correct_seeded_rule(rule: PeriodRule, *, before: dict, reason: str) -> PeriodRule:
    """Correct, in place, a rule version that an earlier platform seed got wrong (zhifa.deadlines.seed.CORRECTIONS).

    Not for changes of law (those are new versions, see save_period_rule): a correction replaces values the law
    never had, so there is no earlier law for the erroneous version to keep. The platform itself is the actor;
    the ledger event keeps the erroneous values (`before`) and the reason, so that a due date computed with them
    stays explainable. Refused (Conflict) if the corrected validity would overlap another version of the code."""
    with transaction.atomic():
        stored = PeriodRule.objects.select_for_update().get(pk=rule.pk)
        if fixed_values(stored) != before:
            raise Conflict(
                f"期限规则“{rule.code}”已被修改，不再是需要更正的内置数据。", code="rule_correction_stale"
            )
        _check_overlap(rule)
        _full_clean(rule)
        rule.save()
        append(
            events.RULE_CORRECTED,
            actor=SYSTEM,
            subject=rule,
            payload={
                "code": rule.code,
                "reason": reason,
                "before": before,
                "after": fixed_values(rule),
                "note": rule.note,
                "channel": "seed",
            },
        )
    return rule


def _check_overlap(rule: PeriodRule) -> None:
    overlapping = PeriodRule.objects.filter(code=rule.code).exclude(pk=rule.pk)
    overlapping = overlapping.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=rule.valid_from))
    if rule.valid_to:
        overlapping = overlapping.filter(valid_from__lte=rule.valid_to)
    clash = overlapping.first()
    if clash is not None:
        raise Conflict(
            f"期限规则“{rule.code}”在{_full(clash.valid_from)}起已有适用版本，适用期间不能重叠。",
            code="rule_version_overlap",
        )


def _save_rule(rule: PeriodRule, actor: Actor, *, channel: str = "") -> PeriodRule:
    with transaction.atomic():
        before = None
        if rule.pk:
            stored = PeriodRule.objects.select_for_update().get(pk=rule.pk)
            changed = [
                f
                for f in PeriodRule.FIXED_FIELDS
                if getattr(stored, PeriodRule._meta.get_field(f).attname)
                != getattr(rule, PeriodRule._meta.get_field(f).attname)
            ]
            if changed:
                labels = "、".join(str(PeriodRule._meta.get_field(f).verbose_name) for f in changed)
                raise Conflict(
                    f"已保存的期限规则版本不能修改{labels}：请为原版本填写适用截止日，再新增一个版本。",
                    code="rule_version_fixed",
                    details={"fields": changed},
                )
            before = {"name": stored.name, "valid_to": stored.valid_to, "note": stored.note}
        _full_clean(rule)
        _check_overlap(rule)
        created = rule.pk is None
        rule.save()
        append(
            events.RULE_CREATED if created else events.RULE_CHANGED,
            actor=actor,
            subject=rule,
            payload={
                "code": rule.code,
                "name": rule.name,
                "amount": rule.amount,
                "unit": rule.unit,
                "direction": rule.direction,
                "citation": str(rule.citation),
                "day_type_citation": str(rule.day_type_citation) if rule.day_type_citation_id else "",
                "extension": [rule.extension_amount, rule.effective_extension_unit, rule.extension_approver],
                "extension_basis": str(rule.extension_citation)
                if rule.extension_citation_id
                else rule.extension_basis,
                "extension_max_times": rule.extension_max_times,
                "allows_excluded_intervals": rule.allows_excluded_intervals,
                "roll_forward": rule.roll_forward,
                "valid_from": rule.valid_from,
                "valid_to": rule.valid_to,
                "note": rule.note,
                "before": before,
                "channel": channel,
            },
        )
    return rule
