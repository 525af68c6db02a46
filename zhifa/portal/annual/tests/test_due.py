"""The due date (31 January of the following year, 国办发〔2018〕118号) is tracked and alerted — with explicit dates."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from zhifa.core.models import Alert
from zhifa.core.periodic import PERIODIC
from zhifa.ledger.models import Event
from zhifa.portal.annual import console, services
from zhifa.portal.annual.models import DueRule

pytestmark = pytest.mark.django_db
# The world's agencies are registered now: they owe the report of the current year, due next 31 January.
YEAR = timezone.localdate().year


def test_due_date_is_a_dated_rule_with_its_citation():
    rule = services.due_rule(YEAR)
    assert services.due_date(YEAR) == dt.date(YEAR + 1, 1, 31)
    assert "国办发〔2018〕118号" in rule.citation and "1月31日" in rule.citation
    # a later version (e.g. a province moving the date) applies from its first year
    DueRule.objects.create(first_year=YEAR + 1, month=1, day=15, citation="某省规定")
    assert services.due_date(YEAR + 1) == dt.date(YEAR + 2, 1, 15)
    assert services.due_date(YEAR) == dt.date(YEAR + 1, 1, 31)


def test_alert_when_not_published_after_31_january(world):
    w = world
    # on the due date itself nothing is overdue
    assert services.check_overdue(today=dt.date(YEAR + 1, 1, 31))["raised"] == 0
    assert not Alert.objects.filter(kind="annual_report_overdue").exists()

    # the market agency has published its report; the others have not
    report = services.generate(w.officer, year=YEAR, agency=w.market, today=dt.date(YEAR + 1, 1, 5))
    report = services.approve(w.head, services.submit(w.officer, report))
    services.publish(w.head, report, today=dt.date(YEAR + 1, 1, 20))
    result = services.check_overdue(today=dt.date(YEAR + 1, 2, 1))
    assert result["year"] == YEAR and result["raised"] == 3
    alerts = Alert.objects.filter(kind="annual_report_overdue", resolved_at__isnull=True)
    assert {a.agency_id for a in alerts} == {w.ecology.pk, w.other_market.pk, w.justice.pk}
    a = alerts.get(agency=w.ecology)
    assert "逾期未公开" in a.title and f"{YEAR + 1}年01月31日" in a.detail and "118号" in a.citation
    assert Event.objects.filter(event_type="alert.raised", subject_id=str(a.pk)).exists()

    # to the heads and the supervisors of the jurisdiction (not to every officer, not to another county's)
    assert set(Alert.objects.visible_to(w.supervisor).filter(kind="annual_report_overdue")) == set(
        alerts.filter(agency__in=[w.ecology, w.justice])
    )
    assert not Alert.objects.visible_to(w.officer_b).filter(kind="annual_report_overdue").exists()
    assert (
        not Alert.objects.visible_to(w.head).filter(kind="annual_report_overdue").exists()
    )  # market published

    # idempotent: a second run keeps one alert per body
    services.check_overdue(today=dt.date(YEAR + 1, 2, 2))
    assert Alert.objects.filter(kind="annual_report_overdue").count() == 3

    # publishing late resolves the alert and records the lateness
    # (ecology has no head user in the world: the administrator generates, a new head approves and publishes)
    report = services.generate(w.admin, year=YEAR, agency=w.ecology, today=dt.date(YEAR + 1, 2, 3))
    assert Alert.objects.get(agency=w.ecology).resolved_at is None
    from zhifa.core.roles import Role
    from zhifa.registry import services as registry

    head_env = registry.create_user(
        username="t_head_env2", password="Pass-1234!", role=Role.HEAD, user=w.admin, agency=w.ecology
    )
    report = services.approve(head_env, services.submit(w.officer_b, report))
    report = services.publish(head_env, report, today=dt.date(YEAR + 1, 2, 5))
    assert Alert.objects.get(agency=w.ecology).resolved_at is not None
    published = Event.objects.filter(event_type="annual.published", subject_id=str(report.pk)).get()
    assert published.data["late"] is True


def test_bodies_registered_after_the_year_owe_nothing(world):
    # the world's agencies were registered this year: nothing is owed for the previous one
    assert services.check_overdue(today=dt.date(YEAR, 3, 1))["raised"] == 0


def test_console_home_shows_due_soon_and_overdue(world):
    w = world
    soon = console.home_sections(w.head, today=dt.date(YEAR + 1, 1, 20))
    assert soon and soon[0].attention
    row = soon[0].rows[0]
    assert f"{YEAR}年度行政执法统计年报" in row.text and row.badge == "11天后截止" and row.tone == "warn"
    late = console.home_sections(w.officer, today=dt.date(YEAR + 1, 2, 3))
    assert late[0].rows[0].badge == "已逾期3天" and late[0].rows[0].tone == "danger"
    sup = console.home_sections(w.supervisor, today=dt.date(YEAR + 1, 2, 3))
    names = {r.text for r in sup[0].rows}
    assert {w.market.name, w.ecology.name, w.justice.name} == names  # the city's bodies, not 阜康
    # far ahead of the due date, or for a year before the bodies were registered, there is nothing to show
    assert console.home_sections(w.head, today=dt.date(YEAR + 1, 1, 1) - dt.timedelta(days=62)) == []
    assert console.home_sections(w.head, today=dt.date(YEAR, 6, 1)) == []
    assert console.home_sections(w.supervisor, today=dt.date(YEAR, 6, 1)) == []


def test_periodic_job_is_registered():
    assert ("zhifa.portal.annual.tasks.check_overdue_task", 24 * 3600) in PERIODIC
    from zhifa.portal.annual.tasks import check_overdue_task

    assert check_overdue_task.call()["year"] == timezone.localdate().year - 1
