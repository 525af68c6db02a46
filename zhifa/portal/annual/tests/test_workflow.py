"""Generation, 填报, 文字说明, the workflow to publication, the frozen snapshot, corrections and scoping."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser

from zhifa.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from zhifa.ledger.models import Event
from zhifa.portal.annual import counting, services
from zhifa.portal.annual.models import AnnualReport
from zhifa.portal.annual.tests.conftest import YEAR, Cases

pytestmark = pytest.mark.django_db
AFTER = dt.date(YEAR + 1, 1, 10)  # the year is over


@pytest.fixture
def light(cw):
    return Cases(cw)


def events_of(report) -> list[str]:
    return list(
        Event.objects.filter(subject_type="annual.annualreport", subject_id=str(report.pk))
        .exclude(event_type="access.denied")
        .order_by("id")
        .values_list("event_type", flat=True)
    )


def denied(user) -> int:
    return Event.objects.filter(event_type="access.denied", actor_id=user.pk).count()


def penalties(report) -> int:
    return counting.value(report.tables, "t1", "total")["v"]


def test_draft_to_published_then_frozen_and_corrected(light):
    w = light.w
    light.onsite(light.d(3, 1))
    report = services.generate(w.officer, year=YEAR, agency=w.market, today=AFTER)
    assert report.status == "draft" and report.number == 1 and penalties(report) == 1
    assert report.due_on == dt.date(YEAR + 1, 1, 31)

    # regeneration of an unpublished report recomputes (generate again returns the same, recomputed, draft)
    light.onsite(light.d(4, 1), fine="100")
    again = services.generate(w.officer, year=YEAR, agency=w.market, today=AFTER)
    assert again.pk == report.pk and penalties(again) == 2

    # 文字说明: each edit is kept and on the ledger
    report = services.edit_narrative(w.reviewer, again, "第一稿")
    report = services.edit_narrative(w.head, report, "第二稿：总体情况良好")
    assert [r.text for r in report.narrative_revisions.all()] == ["第二稿：总体情况良好", "第一稿"]

    report = services.submit(w.officer, report)
    # the officer cannot approve; the head can
    before = denied(w.officer)
    with pytest.raises(PermissionDenied):
        services.approve(w.officer, report)
    assert denied(w.officer) == before + 1
    report = services.approve(w.head, report, opinion="同意")
    with pytest.raises(Conflict):
        services.edit_narrative(w.head, report, "审批后改")  # fixed with the approval
    # not before the year is over
    with pytest.raises(ValidationFailed) as exc:
        services.publish(w.head, report, today=dt.date(YEAR, 12, 31))
    assert exc.value.code == "annual_year_not_over"
    report = services.publish(w.head, report, today=AFTER)
    assert report.status == "published" and report.published_on == AFTER
    assert events_of(report) == [
        "annual.generated", "annual.regenerated", "annual.narrative_edited", "annual.narrative_edited",
        "annual.submitted", "annual.approved", "annual.published",
    ]  # fmt: skip

    # frozen: later case data changes nothing, and regeneration is refused
    light.onsite(light.d(5, 1), fine="50")
    with pytest.raises(Conflict):
        services.regenerate(w.officer, report)
    with pytest.raises(Conflict):
        services.generate(w.officer, year=YEAR, agency=w.market, today=AFTER)
    report.refresh_from_db()
    assert penalties(report) == 2

    # a correction is a new version, recomputed, keeping the history
    with pytest.raises(ValidationFailed):
        services.create_correction(w.officer, report, reason=" ")
    v2 = services.create_correction(w.officer, report, reason="补录漏报的当场处罚决定", today=AFTER)
    assert v2.number == 2 and v2.based_on_id == report.pk and penalties(v2) == 3
    assert v2.narrative == report.narrative
    with pytest.raises(Conflict):
        services.create_correction(w.officer, report, reason="再更正")  # one open correction at a time
    v2 = services.approve(w.head, services.submit(w.officer, v2))
    v2 = services.publish(w.head, v2, today=AFTER + dt.timedelta(days=3))
    report.refresh_from_db()
    assert report.status == "superseded" and v2.status == "published"
    assert penalties(report) == 2  # the old version's snapshot is kept as it was published
    assert services.current_published(year=YEAR, agency=w.market).pk == v2.pk


def test_submitted_report_regenerated_goes_back_to_draft(light):
    w = light.w
    report = services.submit(w.officer, services.generate(w.officer, year=YEAR, agency=w.market, today=AFTER))
    report = services.regenerate(w.officer, report, today=AFTER)
    assert report.status == "draft" and events_of(report)[-1] == "annual.regenerated"
    with pytest.raises(ValidationFailed):
        services.return_report(w.head, services.submit(w.officer, report), opinion="")
    report = services.return_report(w.head, AnnualReport.objects.get(pk=report.pk), opinion="请补充文字说明")
    assert report.status == "draft" and report.approval_opinion == "请补充文字说明"


def test_manual_values_are_validated(light):
    w = light.w
    report = services.generate(w.officer, year=YEAR, agency=w.market, today=AFTER)
    for bad in ({"t9.nothing": 1}, {"t2.apply": -1}, {"t2.apply": "3.5"}, {"t2.apply": "三"}, {"t1.fine": 4}):
        with pytest.raises(ValidationFailed):
            services.set_manual(w.officer, report, bad)
    report = services.set_manual(w.officer, report, {"t2.apply": "7", "t2.grant": 5})
    assert report.manual == {"t2.apply": 7, "t2.grant": 5}
    report = services.set_manual(w.officer, report, {"t2.apply": ""})
    assert report.manual == {"t2.grant": 5}
    assert events_of(report).count("annual.manual_set") == 2
    city = services.generate(w.supervisor, year=YEAR, jurisdiction=w.city, today=AFTER)
    with pytest.raises(Conflict):
        services.set_manual(w.supervisor, city, {"t2.apply": 1})
    services.submit(w.officer, report)
    with pytest.raises(Conflict):
        services.set_manual(w.officer, report, {"t2.apply": 1})  # only a draft


def test_scoping_of_reports(light):
    w = light.w
    draft = services.generate(w.officer, year=YEAR, agency=w.market, today=AFTER)
    city = services.generate(w.supervisor, year=YEAR, jurisdiction=w.city, today=AFTER)

    # the owning agency and the supervisors above it see the drafts; another agency and the public do not
    assert set(AnnualReport.objects.visible_to(w.officer)) == {draft}
    assert set(AnnualReport.objects.visible_to(w.supervisor)) == {draft, city}
    assert set(AnnualReport.objects.visible_to(w.machine)) == {draft, city}
    assert not AnnualReport.objects.visible_to(w.officer_b).exists()
    assert not AnnualReport.objects.visible_to(AnonymousUser()).exists()
    before = denied(w.officer_b)
    with pytest.raises(NotFound):
        services.visible_report(w.officer_b, draft.pk)
    assert denied(w.officer_b) == before + 1
    with pytest.raises(NotFound):
        services.visible_report(AnonymousUser(), draft.pk)

    # editing: only the agency's own staff for its report; only supervisors for a jurisdiction report
    for user, kwargs in (
        (w.officer_b, {"agency": w.market}),  # another agency
        (w.supervisor, {"agency": w.market}),  # supervisors see, but do not make, a body's report
        (w.machine, {"jurisdiction": w.city}),  # machine clients only read
        (w.officer, {"jurisdiction": w.city}),  # an agency does not make the city's report
        (w.head, {"jurisdiction": w.prefecture}),
    ):
        with pytest.raises(PermissionDenied):
            services.generate(user, year=YEAR, today=AFTER, **kwargs)
    with pytest.raises(PermissionDenied):
        services.generate(
            w.supervisor, year=YEAR, jurisdiction=w.prefecture, today=AFTER
        )  # above its territory
    with pytest.raises(PermissionDenied):
        services.edit_narrative(w.officer_b, draft, "越权")
    with pytest.raises(PermissionDenied):
        services.edit_narrative(w.head, city, "越权")

    # approval and publication: the head of the agency (never the administrator); the supervisor for the city
    draft = services.submit(w.officer, draft)
    for user in (w.reviewer, w.admin, w.supervisor):
        with pytest.raises(PermissionDenied):
            services.approve(user, draft)
    draft = services.approve(w.head, draft)
    for user in (w.officer, w.admin, w.supervisor):
        with pytest.raises(PermissionDenied):
            services.publish(user, draft, today=AFTER)
    city = services.approve(w.supervisor, services.submit(w.supervisor, city))
    with pytest.raises(PermissionDenied):
        services.publish(w.head, city, today=AFTER)
    services.publish(w.supervisor, city, today=AFTER)
    services.publish(w.head, draft, today=AFTER)

    # once published, everyone sees them
    assert set(AnnualReport.objects.visible_to(AnonymousUser())) == {draft, city}
    assert set(AnnualReport.objects.visible_to(w.officer_b)) == {draft, city}


def test_generation_input_checks(light):
    w = light.w
    with pytest.raises(ValidationFailed):
        services.generate(w.officer, year=YEAR, today=AFTER)
    with pytest.raises(ValidationFailed):
        services.generate(w.officer, year=AFTER.year + 1, agency=w.market, today=AFTER)
