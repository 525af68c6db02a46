"""The working-day calendar: chinesecalendar, administrators' overrides, and years without data."""

import datetime as dt

import chinese_calendar
import pytest
from django.core.management import call_command
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zhifa.core.errors import ValidationFailed
from zhifa.core.models import Alert
from zhifa.deadlines import services
from zhifa.deadlines.errors import CalendarDataMissing
from zhifa.deadlines.models import CalendarYear, HolidayOverride
from zhifa.deadlines.services import (
    BUNDLED_LAST_YEAR,
    FIRST_UNCOVERED_YEAR,
    add_working_days,
    calendar_days,
    check_calendar_coverage,
    declare_calendar_year,
    is_workday,
    set_holiday_override,
    working_days_between,
)
from zhifa.deadlines.tasks import check_calendar_coverage_task
from zhifa.ledger.models import Event

D = dt.date
pytestmark = pytest.mark.django_db
# The first year the installed chinesecalendar has no schedule for (2027 with 1.11.0); the tests of years without
# data use it, so that they keep testing a missing year when a newer chinesecalendar ships more years.
Y = FIRST_UNCOVERED_YEAR
MISSING_KEY = f"calendar.missing.{Y}"


def first_after(day: dt.date, weekday: int) -> dt.date:
    """The first date after `day` that falls on `weekday` (0 = Monday)."""
    return day + dt.timedelta(days=(weekday - day.weekday() - 1) % 7 + 1)


def test_the_first_uncovered_year_comes_from_the_library():
    assert FIRST_UNCOVERED_YEAR == max(d.year for d in chinese_calendar.constants.holidays) + 1
    chinese_calendar.is_workday(D(BUNDLED_LAST_YEAR, 12, 31))  # the last bundled year is known
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(D(Y, 6, 1))


def test_2026_national_day_schedule_with_its_adjusted_working_days():
    # 国办发明电〔2025〕7号 (as shipped in chinesecalendar 1.11.0): 中秋节 9月25日–27日, 国庆节 10月1日–7日;
    # 9月20日（周日）and 10月10日（周六）are working days; 10月8日 (Thursday) is an ordinary working day.
    assert is_workday(D(2026, 9, 20))  # Sunday, 调休上班
    assert not is_workday(D(2026, 9, 25))  # Friday, 中秋节
    assert not any(is_workday(D(2026, 10, d)) for d in range(1, 8))
    assert is_workday(D(2026, 10, 8))
    assert is_workday(D(2026, 10, 10))  # Saturday, 调休上班
    assert not is_workday(D(2026, 10, 11))  # an ordinary Sunday


def test_2026_spring_festival_schedule():
    # 春节 2月15日–23日 (9 days); 2月14日 and 2月28日 (Saturdays) are working days.
    assert is_workday(D(2026, 2, 14)) and is_workday(D(2026, 2, 28))
    assert not any(is_workday(D(2026, 2, d)) for d in range(15, 24))
    assert is_workday(D(2026, 2, 24))


def test_calendar_days_lists_named_holidays_and_adjusted_working_days():
    days = {d.date: d for d in calendar_days(2026)}
    assert days[D(2026, 10, 1)].name == "国庆节" and not days[D(2026, 10, 1)].workday
    assert days[D(2026, 9, 25)].name == "中秋节"
    assert days[D(2026, 2, 15)].name == "春节"
    assert days[D(2026, 10, 10)].workday and days[D(2026, 10, 10)].name == "国庆节调休上班"
    assert days[D(2026, 9, 20)].is_adjusted_workday
    assert D(2026, 10, 17) not in days  # plain weekends are not listed
    assert D(2026, 10, 8) not in days  # nor ordinary working days


def test_working_days_between_counts_the_half_open_interval():
    # (9月30日, 10月15日]: 10月8日, 9日, 10日(调休), 12日–15日 = 7 working days
    assert working_days_between(D(2026, 9, 30), D(2026, 10, 15)) == 7
    assert working_days_between(D(2026, 10, 15), D(2026, 9, 30)) == -7
    assert working_days_between(D(2026, 10, 1), D(2026, 10, 7)) == 0


def test_add_working_days_backwards_and_zero():
    assert add_working_days(D(2026, 10, 12), -7) == D(2026, 9, 24)
    assert add_working_days(D(2026, 10, 3), 0) == D(2026, 10, 3)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(start=st.dates(min_value=D(2004, 3, 1), max_value=D(BUNDLED_LAST_YEAR, 10, 31)), n=st.integers(1, 40))
def test_add_working_days_lands_on_a_working_day_and_counts_exactly_n(start, n):
    # chinesecalendar itself is the oracle (no overrides in the database here)
    end = add_working_days(start, n)
    assert chinese_calendar.is_workday(end)
    days = [start + dt.timedelta(days=i) for i in range(1, (end - start).days + 1)]
    assert sum(chinese_calendar.is_workday(d) for d in days) == n
    assert working_days_between(start, end) == n
    assert add_working_days(end, -n) <= start


def test_overrides_beat_chinesecalendar(admin_user):
    # given an administrator's correction of two dates chinesecalendar knows
    set_holiday_override(
        admin_user, date=D(2026, 10, 8), kind=HolidayOverride.Kind.HOLIDAY, name="临时调整放假"
    )
    set_holiday_override(admin_user, date=D(2026, 10, 11), kind=HolidayOverride.Kind.WORKDAY, name="调休上班")
    # then the overrides win
    assert not is_workday(D(2026, 10, 8))
    assert is_workday(D(2026, 10, 11))
    days = {d.date: d for d in calendar_days(2026)}
    assert days[D(2026, 10, 8)].source == "override"
    # and each change is on the ledger
    assert Event.objects.filter(event_type="deadlines.override_saved").count() == 2


def test_a_year_without_data_raises_a_clear_error():
    with pytest.raises(CalendarDataMissing) as info:
        is_workday(D(Y, 3, 1))
    assert info.value.year == Y
    assert f"{Y}年" in info.value.message and "系统管理员" in info.value.message
    assert info.value.as_dict()["code"] == "calendar_data_missing"


def test_overrides_alone_do_not_make_a_year(admin_user):
    # an override in the year without a complete CalendarYear: still no guess
    set_holiday_override(admin_user, date=D(Y, 1, 1), kind=HolidayOverride.Kind.HOLIDAY, name="元旦")
    with pytest.raises(CalendarDataMissing):
        is_workday(D(Y, 1, 1))
    declare_calendar_year(admin_user, year=Y, source="录入中", complete=False)
    with pytest.raises(CalendarDataMissing):
        is_workday(first_after(D(Y, 1, 1), 0))


def test_an_entered_year_uses_weekdays_plus_overrides(admin_user):
    # given the administrator enters the year (hypothetical entries for the test, not a real notice):
    # 元旦 on 1 January, and the first Saturday after it a 调休 working day
    saturday = first_after(D(Y, 1, 1), 5)
    set_holiday_override(admin_user, date=D(Y, 1, 1), kind=HolidayOverride.Kind.HOLIDAY, name="元旦")
    set_holiday_override(admin_user, date=saturday, kind=HolidayOverride.Kind.WORKDAY, name="调休上班")
    declare_calendar_year(admin_user, year=Y, source="国办发明电（测试号）", complete=True)
    # then
    assert not is_workday(D(Y, 1, 1))  # 元旦, whatever weekday it falls on
    assert is_workday(saturday)  # 调休上班
    assert not is_workday(saturday + dt.timedelta(days=1))  # the Sunday after it
    assert not is_workday(saturday + dt.timedelta(days=7))  # an ordinary Saturday
    monday = first_after(D(Y, 1, 1), 0)
    assert all(is_workday(monday + dt.timedelta(days=i)) for i in range(5))  # an ordinary week
    assert [d.date for d in calendar_days(Y)] == [D(Y, 1, 1), saturday]


def test_the_alert_survives_a_rolled_back_transaction(supervisor, officer):
    # when the error happens inside a service's transaction, nothing can be written there
    with pytest.raises(CalendarDataMissing) as info:
        with transaction.atomic():
            is_workday(D(Y, 5, 6))
    assert not Alert.objects.filter(key=MISSING_KEY).exists()
    # then the error handler, outside the transaction, raises the alert (once, however often it is called)
    info.value.after_rollback()
    info.value.after_rollback()
    alert = Alert.objects.get(key=MISSING_KEY)
    assert alert.severity == Alert.Severity.CRITICAL and alert.kind == "calendar_missing"
    assert alert.agency is None and alert.jurisdiction is None
    assert Event.objects.filter(event_type="alert.raised", subject_id=str(alert.pk)).count() == 1
    # every supervisor sees it; an officer does not
    assert Alert.objects.visible_to(supervisor).filter(pk=alert.pk).exists()
    assert not Alert.objects.visible_to(officer).filter(pk=alert.pk).exists()


def test_coverage_check_from_1_november_asks_for_next_year(supervisor):
    # before 1 November only the current year is needed
    assert check_calendar_coverage(D(Y - 1, 10, 31)) == []
    assert not Alert.objects.filter(kind="calendar_missing").exists()
    # from 1 November the next year's schedule is needed, and the library has none
    assert check_calendar_coverage(D(Y - 1, 11, 1)) == [Y]
    assert Alert.objects.visible_to(supervisor).open().filter(key=MISSING_KEY).count() == 1
    # in that year itself the current year is missing
    assert check_calendar_coverage(D(Y, 2, 1)) == [Y]
    assert Alert.objects.filter(key=MISSING_KEY).count() == 1


def test_completing_the_year_resolves_the_alert(admin_user):
    check_calendar_coverage(D(Y - 1, 11, 28))
    set_holiday_override(admin_user, date=D(Y, 1, 1), kind=HolidayOverride.Kind.HOLIDAY, name="元旦")
    declare_calendar_year(admin_user, year=Y, source="国办发明电（测试号）", complete=True)
    alert = Alert.objects.get(key=MISSING_KEY)
    assert alert.resolved_at is not None
    assert Event.objects.filter(event_type="alert.resolved", subject_id=str(alert.pk)).exists()
    assert check_calendar_coverage(D(Y - 1, 11, 28)) == []


def test_coverage_task_and_command():
    result = check_calendar_coverage_task.enqueue(today=f"{Y - 1}-11-28")
    assert result.return_value == [Y]
    call_command("check_calendar", today=D(Y - 1, 11, 28))
    assert Alert.objects.filter(key=MISSING_KEY).count() == 1


def test_coverage_rows():
    rows = {c.year: c for c in services.coverage([Y - 1, Y])}
    assert rows[Y - 1].covered and "chinesecalendar" in rows[Y - 1].source
    assert not rows[Y].covered and rows[Y].status_text == "缺少数据"
    assert not CalendarYear.objects.exists()


def test_declaring_a_year_complete_checks_the_rest_days_in_its_transaction(admin_user):
    # a rest day of another year or a 调休 working day does not count as the year's schedule
    set_holiday_override(admin_user, date=D(Y + 1, 1, 1), kind=HolidayOverride.Kind.HOLIDAY, name="元旦")
    set_holiday_override(admin_user, date=D(Y, 1, 9), kind=HolidayOverride.Kind.WORKDAY, name="调休上班")
    with pytest.raises(ValidationFailed) as info:
        declare_calendar_year(admin_user, year=Y, source="国办发明电（测试号）", complete=True)
    assert info.value.code == "calendar_year_empty"
    # the refusal inside the transaction left nothing behind: no row, no ledger event
    assert not CalendarYear.objects.filter(year=Y).exists()
    assert not Event.objects.filter(event_type="deadlines.calendar_year_saved").exists()
    # an existing incomplete declaration is not changed by a refused completion either
    declare_calendar_year(admin_user, year=Y, source="录入中", complete=False)
    with pytest.raises(ValidationFailed):
        declare_calendar_year(admin_user, year=Y, source="国办发明电（测试号）", complete=True)
    row = CalendarYear.objects.get(year=Y)
    assert row.source == "录入中" and not row.complete
    assert Event.objects.filter(event_type="deadlines.calendar_year_saved").count() == 1
