"""Writers of the calendar and rule tables: administrators only, each change on the ledger, versions fixed."""

import datetime as dt

import pytest

from zhifa.core.errors import Conflict, PermissionDenied, ValidationFailed
from zhifa.deadlines import seed
from zhifa.deadlines.models import CalendarYear, HolidayOverride, PeriodRule
from zhifa.deadlines.services import (
    declare_calendar_year,
    delete_calendar_year,
    delete_holiday_override,
    save_period_rule,
    set_holiday_override,
)
from zhifa.ledger.models import Event

D = dt.date
pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("who", ["officer", "head", "supervisor"])
def test_only_administrators_may_change_the_calendar(request, who):
    user = request.getfixturevalue(who)
    # when a non-administrator tries to add an override or declare a year
    with pytest.raises(PermissionDenied):
        set_holiday_override(user, date=D(2026, 10, 8), kind=HolidayOverride.Kind.HOLIDAY, name="放假")
    with pytest.raises(PermissionDenied):
        declare_calendar_year(user, year=2027, source="x", complete=False)
    # then nothing is written and both denials are on the ledger
    assert not HolidayOverride.objects.exists() and not CalendarYear.objects.exists()
    denied = Event.objects.filter(event_type="access.denied", actor_id=user.pk)
    assert {e.subject_type for e in denied} == {"deadlines.holidayoverride", "deadlines.calendaryear"}


def test_denied_change_and_delete_of_an_existing_override(admin_user, supervisor):
    row = set_holiday_override(
        admin_user, date=D(2026, 10, 8), kind=HolidayOverride.Kind.HOLIDAY, name="放假"
    )
    with pytest.raises(PermissionDenied):
        set_holiday_override(supervisor, date=D(2026, 10, 8), kind=HolidayOverride.Kind.WORKDAY, name="上班")
    with pytest.raises(PermissionDenied):
        delete_holiday_override(supervisor, row)
    row.refresh_from_db()
    assert row.kind == HolidayOverride.Kind.HOLIDAY
    assert Event.objects.filter(event_type="access.denied", subject_id=str(row.pk)).count() == 2


def test_override_lifecycle_on_the_ledger(admin_user):
    row = set_holiday_override(
        admin_user, date=D(2026, 10, 8), kind=HolidayOverride.Kind.HOLIDAY, name="放假"
    )
    set_holiday_override(admin_user, date=D(2026, 10, 8), kind=HolidayOverride.Kind.WORKDAY, name="上班")
    assert HolidayOverride.objects.get().kind == HolidayOverride.Kind.WORKDAY
    events = list(Event.objects.filter(event_type="deadlines.override_saved").order_by("index"))
    assert events[1].data["before"] == {"kind": "holiday", "name": "放假", "note": ""}
    assert events[1].actor_id == admin_user.pk
    delete_holiday_override(admin_user, HolidayOverride.objects.get(pk=row.pk))
    assert not HolidayOverride.objects.exists()
    assert Event.objects.filter(event_type="deadlines.override_deleted").count() == 1


def test_override_needs_a_valid_kind(admin_user):
    with pytest.raises(ValidationFailed):
        set_holiday_override(admin_user, date=D(2026, 10, 8), kind="sometimes", name="x")


def test_a_year_cannot_be_complete_without_rest_days(admin_user):
    with pytest.raises(ValidationFailed) as info:
        declare_calendar_year(admin_user, year=2027, source="国办发明电〔2026〕测试号", complete=True)
    assert info.value.code == "calendar_year_empty"
    row = declare_calendar_year(admin_user, year=2027, source="录入中", complete=False)
    assert Event.objects.filter(event_type="deadlines.calendar_year_saved", subject_id=str(row.pk)).exists()
    delete_calendar_year(admin_user, row)
    assert Event.objects.filter(event_type="deadlines.calendar_year_deleted").count() == 1


def test_rule_changes_are_for_administrators(supervisor, admin_user):
    rule = PeriodRule.objects.get(code="penalty.service")
    rule.note = "监督人员的修改"
    with pytest.raises(PermissionDenied):
        save_period_rule(supervisor, rule)
    rule.refresh_from_db()
    assert rule.note == ""
    # an administrator may change the descriptive fields
    rule.note = "按第八十五条计算工作日"
    save_period_rule(admin_user, rule)
    event = Event.objects.filter(event_type="deadlines.rule_changed").get()
    assert event.data["note"] == "按第八十五条计算工作日" and event.actor_id == admin_user.pk


def test_a_saved_version_keeps_its_arithmetic(admin_user):
    rule = PeriodRule.objects.get(code="penalty.service")
    rule.amount = 5
    with pytest.raises(Conflict) as info:
        save_period_rule(admin_user, rule)
    assert info.value.code == "rule_version_fixed" and info.value.details["fields"] == ["amount"]


def test_a_new_version_replaces_the_old_one_without_overlap(admin_user):
    old = PeriodRule.objects.get(code="penalty.service")
    new = PeriodRule(
        code="penalty.service",
        name=old.name,
        amount=5,
        unit=old.unit,
        citation=old.citation,
        day_type_citation=old.day_type_citation,
        valid_from=D(2026, 12, 1),
    )
    # overlapping the open-ended old version is refused
    with pytest.raises(Conflict) as info:
        save_period_rule(admin_user, new)
    assert info.value.code == "rule_version_overlap"
    # end the old version first, then add the new one
    old.valid_to = D(2026, 11, 30)
    save_period_rule(admin_user, old)
    save_period_rule(admin_user, new)
    from zhifa.deadlines.services import due

    assert due("penalty.service", D(2026, 11, 30)).rule == old
    assert due("penalty.service", D(2026, 12, 1)).rule == new
    assert Event.objects.filter(event_type="deadlines.rule_created", subject_id=str(new.pk)).exists()


def test_rule_validation(admin_user):
    base = PeriodRule.objects.get(code="penalty.payment")
    bad = PeriodRule(
        code="test.bad",
        name="测试",
        amount=5,
        unit="working_day",
        roll_forward=True,
        roll_forward_basis="测试",
        citation=base.citation,
        valid_from=D(2026, 1, 1),
    )
    with pytest.raises(ValidationFailed) as info:
        save_period_rule(admin_user, bad)
    assert "roll_forward" in info.value.details
    bad.roll_forward, bad.code = False, "Not A Code"
    with pytest.raises(ValidationFailed):
        save_period_rule(admin_user, bad)


def test_seed_is_idempotent_and_on_the_ledger():
    # the seed ran after migrate; running it again creates nothing
    count = PeriodRule.objects.count()
    assert PeriodRule.objects.filter(code__in={spec["code"] for spec in seed.RULES}).count() == len(
        seed.RULES
    )
    assert seed.seed() == []
    assert PeriodRule.objects.count() == count
    created = Event.objects.filter(event_type="deadlines.rule_created", actor_role="system")
    assert {e.data.get("code") for e in created} >= {spec["code"] for spec in seed.RULES}
