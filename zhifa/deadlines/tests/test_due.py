"""Due dates and their explanations. Expected dates are counted by hand from the 2026 schedule:

2026 春节: 2月15日(日)–23日(一) 放假; 2月14日(六)、2月28日(六) 上班.
2026 中秋节 9月25日(五)–27日(日); 国庆节 10月1日(四)–7日(三) 放假; 9月20日(日)、10月10日(六) 上班.
"""

import datetime as dt
import zoneinfo

import chinese_calendar
import pytest
from django.db.models import Q
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zhifa.core.errors import NotFound, ValidationFailed
from zhifa.deadlines.errors import CalendarDataMissing
from zhifa.deadlines.models import HolidayOverride, PeriodRule
from zhifa.deadlines.seed import RULES
from zhifa.deadlines.services import (
    BUNDLED_LAST_YEAR,
    FIRST_UNCOVERED_YEAR,
    declare_calendar_year,
    due,
    is_workday,
    set_holiday_override,
)

D = dt.date
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db
Y = FIRST_UNCOVERED_YEAR  # the first year the installed chinesecalendar does not know (2027 with 1.11.0)


# --- acceptance: 国庆节/中秋节 2026 ---------------------------------------------------------------------------


def test_7_working_days_across_national_day():
    # given a penalty decision announced on Wed 30 Sep 2026 with the party absent (送达 within 7 working days)
    result = due("penalty.service", D(2026, 9, 30))
    # 10月1日–7日 holiday; 8日(四)=1, 9日(五)=2, 10日(六, 调休)=3, 11日(日) rest, 12日=4, 13日=5, 14日=6, 15日=7
    assert result.date == D(2026, 10, 15)
    # the explanation names the articles, the holiday skipped and the 调休 day counted
    assert result.explanation.startswith("《行政处罚法》第六十一条第一款")
    assert "《行政处罚法》第八十五条" in result.explanation
    assert "跳过 10月1日–10月7日 国庆节" in result.explanation
    assert "10月10日（国庆节调休上班）" in result.explanation
    assert "2026年10月15日" in result.explanation
    assert [(s.date_from, s.date_to, s.name) for s in result.skipped_holidays] == [
        (D(2026, 10, 1), D(2026, 10, 7), "国庆节")
    ]


def test_20_working_days_across_national_day():
    # 作出行政许可决定 within 20 working days of 受理 on 30 Sep 2026:
    # Oct 8, 9, 10(调休), 12–16, 19–23, 26–30 = 18 working days; Nov 2 = 19, Nov 3 = 20
    result = due("licensing.decision", D(2026, 9, 30))
    assert result.date == D(2026, 11, 3)
    assert "《行政许可法》第四十二条第一款" in result.explanation
    assert "《行政许可法》第八十二条" in result.explanation
    assert "国庆节" in result.explanation


def test_adjusted_working_sunday_before_mid_autumn_is_counted():
    # from Fri 18 Sep: 19日(六) rest, 20日(日, 调休)=1, 21–24日=2..5, 25–27日 中秋节, 28日=6, 29日=7
    result = due("penalty.preservation_decision", D(2026, 9, 18))
    assert result.date == D(2026, 9, 29)
    assert "9月20日（国庆节调休上班）" in result.explanation
    assert "9月25日–9月27日 中秋节" in result.explanation


def test_15_calendar_days_ending_inside_the_holiday_roll_forward():
    # 罚款 within 15 days of receiving the decision on 20 Sep: 20 + 15 = 5 Oct, inside 国庆节;
    # the first day after the holiday is Thu 8 Oct
    result = due("penalty.payment", D(2026, 9, 20))
    assert result.date == D(2026, 10, 8)
    assert result.rolled_from == D(2026, 10, 5)
    assert "《行政处罚法》第六十七条第三款" in result.explanation
    assert "按自然日计算" in result.explanation
    assert "原届满日10月5日适逢国庆节" in result.explanation
    assert "民法典》第二百零三条" in result.explanation


def test_15_calendar_days_ending_on_an_adjusted_working_saturday_do_not_move():
    # 25 Sep + 15 = Sat 10 Oct, a 调休 working day: no roll-forward
    result = due("penalty.payment", D(2026, 9, 25))
    assert result.date == D(2026, 10, 10)
    assert result.rolled_from is None


def test_15_calendar_days_count_holidays():
    # 30 Sep + 15 = Thu 15 Oct: the holiday days count
    assert due("penalty.payment", D(2026, 9, 30)).date == D(2026, 10, 15)


# --- acceptance: 春节 2026 --------------------------------------------------------------------------------------


def test_7_working_days_across_spring_festival():
    # from Thu 12 Feb: 13日=1, 14日(六, 调休)=2, 15–23日 春节, 24日=3, 25=4, 26=5, 27=6, 28日(六, 调休)=7
    result = due("penalty.service", D(2026, 2, 12))
    assert result.date == D(2026, 2, 28)
    assert "跳过 2月15日–2月23日 春节" in result.explanation
    assert "2月14日（春节调休上班）" in result.explanation and "2月28日（春节调休上班）" in result.explanation


def test_20_working_days_across_spring_festival():
    # continuing the count above: 28 Feb = 7, Mar 2–6 = 8..12, Mar 9–13 = 13..17, Mar 16, 17, 18 = 18, 19, 20
    assert due("licensing.decision", D(2026, 2, 12)).date == D(2026, 3, 18)


def test_15_calendar_days_ending_in_spring_festival():
    # 5 Feb + 15 = Fri 20 Feb (春节); 21–23 Feb still 春节 → Tue 24 Feb
    result = due("penalty.payment", D(2026, 2, 5))
    assert result.date == D(2026, 2, 24)
    assert "春节" in result.explanation


# --- directions, hours, extensions, excluded intervals ---------------------------------------------------------


def test_hearing_notice_counts_back_from_the_hearing():
    # hearing on Mon 12 Oct; back: 11日 rest, 10日(调休)=1, 9日=2, 8日=3, 1–7日 国庆节, 30日=4, 29=5, 28=6,
    # 25–27 中秋节, 24日=7 → the notice must go out by Thu 24 Sep
    result = due("penalty.hearing_notice", D(2026, 10, 12))
    assert result.date == D(2026, 9, 24)
    assert "向前倒数" in result.explanation and "第六十四条第（二）项" in result.explanation


def test_24_hours():
    start = dt.datetime(2026, 9, 30, 22, 15, tzinfo=SHANGHAI)
    result = due("coercion.emergency_report", start)
    assert result.date == dt.datetime(2026, 10, 1, 22, 15, tzinfo=SHANGHAI)
    assert "《行政强制法》第十九条" in result.explanation
    with pytest.raises(ValidationFailed) as info:
        due("coercion.emergency_report", D(2026, 9, 30))
    assert info.value.code == "start_time_required"


def test_extension_of_working_days():
    # 20 working days from 30 Sep end on 3 Nov; +10: Nov 4, 5, 6, 9, 10, 11, 12, 13, 16, 17
    result = due("licensing.decision", D(2026, 9, 30), extensions=1)
    assert result.date == D(2026, 11, 17)
    assert (
        "含延长1次，每次10个工作日（经执法机关负责人批准，依《行政许可法》第四十二条第一款）"
        in result.explanation
    )
    with pytest.raises(ValidationFailed) as info:
        due("licensing.decision", D(2026, 9, 30), extensions=2)
    assert info.value.code == "extension_limit"


def test_calendar_extension_without_roll_forward():
    # 查封扣押 30 + 30 days from 1 Sep: 1 Sep + 60 = Sat 31 Oct; an agency's limit is not rolled forward
    result = due("coercion.seizure", D(2026, 9, 1), extensions=1)
    assert result.date == D(2026, 10, 31)
    assert result.rolled_from is None
    assert "《行政强制法》第六十九条" in result.explanation


def test_period_that_cannot_be_extended():
    with pytest.raises(ValidationFailed) as info:
        due("penalty.service", D(2026, 9, 30), extensions=1)
    assert info.value.code == "extension_not_allowed"
    assert "第六十一条" in info.value.citation


def test_excluded_interval_of_working_days():
    # 20 working days from Mon 2 Nov end on Mon 30 Nov; 检测 from 9 to 13 Nov (5 working days) does not count:
    # Dec 1, 2, 3, 4, 7
    result = due("licensing.decision", D(2026, 11, 2), excluded=[(D(2026, 11, 9), D(2026, 11, 13))])
    assert result.date == D(2026, 12, 7)
    assert result.excluded_days == 5
    assert "《行政许可法》第四十五条" in result.explanation


def test_excluded_interval_of_calendar_days():
    # 30 days from 2 Nov end on 2 Dec; 10 days of 鉴定 (10–19 Nov) push it to 12 Dec
    result = due("coercion.seizure", D(2026, 11, 2), excluded=[(D(2026, 11, 10), D(2026, 11, 19))])
    assert result.date == D(2026, 12, 12)
    assert "第二十五条第三款" in result.explanation


def test_excluded_interval_refused_where_the_law_has_none():
    with pytest.raises(ValidationFailed) as info:
        due("penalty.service", D(2026, 9, 30), excluded=[(D(2026, 10, 8), D(2026, 10, 9))])
    assert info.value.code == "excluded_not_allowed"
    with pytest.raises(ValidationFailed):
        due("licensing.decision", D(2026, 9, 30), excluded=[(D(2026, 10, 9), D(2026, 10, 8))])


def test_reconsideration_application_rolls_forward_by_article_88():
    # 60 days from 2 Aug = 1 Oct (国庆节) → 8 Oct, by 行政复议法第八十八条第一款
    result = due("reconsideration.application", D(2026, 8, 2))
    assert result.date == D(2026, 10, 8)
    assert "依《行政复议法》第八十八条第一款" in result.explanation


# --- years without data, overrides, versions -------------------------------------------------------------------


def test_a_date_in_a_year_without_data_raises_until_the_year_is_entered(admin_user):
    # 7 working days from 28 Dec of the last bundled year reach into the next year (at most 3 of them in December)
    start = D(Y - 1, 12, 28)
    with pytest.raises(CalendarDataMissing) as info:
        due("penalty.service", start)
    assert info.value.year == Y
    # when an administrator enters the year (hypothetical: 元旦 on 1 January only) and confirms it
    set_holiday_override(admin_user, date=D(Y, 1, 1), kind=HolidayOverride.Kind.HOLIDAY, name="元旦")
    declare_calendar_year(admin_user, year=Y, source="国办发明电（测试号）", complete=True)
    # then the count uses chinesecalendar for December and weekdays minus 元旦 for January (independent oracle)
    day, counted = start, 0
    while counted < 7:
        day += dt.timedelta(days=1)
        if day.year < Y:
            counted += chinese_calendar.is_workday(day)
        else:
            counted += day.weekday() < 5 and day != D(Y, 1, 1)
    result = due("penalty.service", start)
    assert result.date == day and result.date.year == Y
    assert f"跳过 {Y}年1月1日" in result.explanation and "元旦" in result.explanation


def test_a_calendar_period_without_roll_forward_needs_no_calendar():
    # 90 calendar days from 立案 on 1 Dec end in the next year; nothing about that year's holidays is needed
    assert due("penalty.decide", D(Y - 1, 12, 1)).date == D(Y - 1, 12, 1) + dt.timedelta(days=90)
    # but a roll-forward period ending in that year does need it (20 Dec + 15 days = 4 Jan)
    with pytest.raises(CalendarDataMissing) as info:
        due("penalty.payment", D(Y - 1, 12, 20))
    assert info.value.year == Y


def test_overrides_change_the_due_date(admin_user):
    # an administrator's correction: 8 Oct also a rest day → Oct 9, 10(调休), 12, 13, 14, 15, 16
    set_holiday_override(admin_user, date=D(2026, 10, 8), kind=HolidayOverride.Kind.HOLIDAY, name="国庆节")
    assert due("penalty.service", D(2026, 9, 30)).date == D(2026, 10, 16)


def test_rule_version_by_start_date(admin_user):
    old = PeriodRule.objects.get(code="penalty.service")
    assert old.valid_from == D(2021, 7, 15)
    with pytest.raises(NotFound) as info:
        due("penalty.service", D(2020, 5, 6))
    assert info.value.code == "rule_not_in_force"
    with pytest.raises(NotFound):
        due("penalty.no_such_rule", D(2026, 5, 6))
    # `on` selects the version when the start is another day
    assert due("penalty.service", D(2026, 9, 30), on=D(2026, 1, 1)).rule == old


def test_every_seeded_rule_computes():
    for spec in RULES:
        start = dt.datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI) if spec["unit"] == "hour" else D(2026, 3, 2)
        result = due(spec["code"], start)
        assert result.explanation.startswith("《")
        assert result.rule.citation.quoted_text  # the cited article exists in the library


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(start=st.dates(min_value=D(2005, 1, 1), max_value=D(BUNDLED_LAST_YEAR, 12, 1)))
def test_roll_forward_lands_on_the_first_working_day_not_before_the_last_day(start):
    rule = PeriodRule.objects.get(code="penalty.payment")  # the 2021 version, applied to any start date
    result = due(rule, start)
    last = start + dt.timedelta(days=15)
    assert result.date >= last
    assert is_workday(result.date)
    gap = [last + dt.timedelta(days=i) for i in range((result.date - last).days)]
    assert not any(is_workday(d) for d in gap)


def test_seeded_rules_are_current():
    current = PeriodRule.objects.filter(Q(valid_to__isnull=True), code__in={spec["code"] for spec in RULES})
    assert current.count() == len(RULES)
