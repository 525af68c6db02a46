"""Supervision: the list of in-scope decisions, reviewers vs officers, and the numbers for the 年报."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from zhifa.cases import services as cases
from zhifa.core.roles import Role
from zhifa.registry import services as registry
from zhifa.reviews import services
from zhifa.reviews.models import Opinion, Submission
from zhifa.reviews.tests.conftest import TODAY, client_for

pytestmark = pytest.mark.django_db


def test_scope_list_staffing_and_statistics(rw):
    w = rw.w
    # a decided case (reviewed: problems, then 同意), a pending in-scope draft, and a small decision
    decided, sub = rw.submitted()
    op = rw.problems(sub)
    resub = services.submit(w.officer, decided, answers={p.pk: "已修改" for p in op.problems.all()})
    rw.approve(resub)
    cases.transition(w.head, decided, "decide", **rw.decision())
    pending, pending_sub = rw.submitted()
    small = rw.ready_case(fine=Decimal("5000"))
    cases.transition(w.head, small, "decide", **rw.decision(fine=Decimal("5000")))

    # the supervisor of 昌吉市 sees both in-scope cases, with whether each was reviewed
    rows = {r["case"].pk: r for r in services.scope_list(w.supervisor)}
    assert set(rows) == {decided.pk, pending.pk}
    assert rows[decided.pk]["decided"] and rows[decided.pk]["reviewed"]
    assert rows[decided.pk]["document"].number.startswith("昌市监法审")
    assert not rows[pending.pk]["decided"] and not rows[pending.pk]["reviewed"]
    assert rows[pending.pk]["status"] == "审核中" and "目录清单第1项" in rows[pending.pk]["reasons"]
    api = client_for(w.supervisor).get("/api/v1/reviews/scope").json()
    assert {r["case_id"] for r in api} == {decided.pk, pending.pk}
    # a supervisor of another county sees none of them (denied by scope)
    other = registry.create_user(username="sup_fk", password="Pass-1234!", role=Role.SUPERVISOR, user=w.admin,
                                 jurisdiction=w.other_county, display_name="阜康司法局")  # fmt: skip
    assert services.scope_list(other) == []
    assert client_for(other).get("/api/v1/reviews/scope").json() == []
    page = client_for(w.supervisor).get("/console/reviews/scope/").content.decode()
    assert decided.display_number in page and "已审核" in page

    # reviewers vs officers: market 1 reviewer / 4 officers = 25%; ecology 0 / 1 flagged (国办发〔2018〕118号)
    staffing = {r["agency"].pk: r for r in services.staffing_report(w.supervisor)}
    assert w.other_market.pk not in staffing
    market = staffing[w.market.pk]
    assert (market["officers"], market["reviewers"], market["low"]) == (4, 1, False)
    assert market["ratio"] == Decimal("25.0")
    ecology = staffing[w.ecology.pk]
    assert ecology["low"] and ecology["reviewers"] == 0 and "低于5%" in ecology["note"]
    home = client_for(w.supervisor).get("/console/").content.decode()
    assert "法制审核人员配备" in home and w.ecology.name in home
    # the market head sees only the own agency
    assert [r["agency"] for r in services.staffing_report(w.head)] == [w.market]

    # the numbers for the 年报: 2 reviews of 1 case, 1 纠错; the pending one becomes overdue later
    year = TODAY().year
    stats = services.review_statistics([w.market, w.ecology], year)
    m = stats[w.market.pk]
    assert (m["reviews"], m["corrected"], m["cases_reviewed"], m["cases_corrected"]) == (2, 1, 1, 1)
    assert m["avg_working_days"] == Decimal("0.0") and m["avg_calendar_days"] == Decimal("0.0")
    assert m["overdue"] == 0
    assert stats[w.ecology.pk]["reviews"] == 0 and stats[w.ecology.pk]["avg_working_days"] is None
    later = services.review_statistics([w.market], year, today=pending_sub.due_on + dt.timedelta(days=1))
    assert later[w.market.pk]["overdue"] == 1
    # an opinion issued late counts as overdue, with its working days
    Submission.objects.filter(pk=pending_sub.pk).update(
        submitted_on=pending_sub.submitted_on - dt.timedelta(days=20),
        period_start=pending_sub.period_start - dt.timedelta(days=20),
        due_on=pending_sub.due_on - dt.timedelta(days=20),
    )
    late = rw.approve(Submission.objects.get(pk=pending_sub.pk))
    assert late.overdue and late.calendar_days == 20 and late.working_days >= 10
    stats = services.review_statistics(w.market.__class__.objects.filter(pk=w.market.pk), year)
    assert stats[w.market.pk]["overdue"] == 1 and stats[w.market.pk]["reviews"] == 3
    assert Opinion.objects.filter(overdue=True).count() == 1
    api = client_for(w.supervisor).get(f"/api/v1/reviews/statistics?year={year}").json()
    assert next(r for r in api if r["agency_id"] == w.market.pk)["corrected"] == 1


def test_console_pages_and_the_pool_page(world):
    from zhifa.reviews.models import Advisor, AdvisorAssignment

    w = world
    for user in (w.officer, w.reviewer, w.head, w.supervisor, w.admin):
        assert client_for(user).get("/console/reviews/").status_code == 200
    sup = client_for(w.supervisor)
    for url in ("staffing/", "statistics/?year=2026", "scope/", "advisors/"):
        r = sup.get(f"/console/reviews/{url}")
        assert r.status_code == 200, url
    # the Justice Bureau keeps its pool from the console
    r = sup.post("/console/reviews/advisors/", {"action": "create", "name": "韩顾问", "kind": "legal_advisor",
                                                "legal_qualification": "true", "qualification_number": "A2012001"})  # fmt: skip
    assert r.status_code == 302
    advisor = Advisor.objects.get(name="韩顾问")
    sup.post(
        "/console/reviews/advisors/",
        {"action": "assign", "advisor_id": advisor.pk, "agency_id": w.ecology.pk},
    )
    assert AdvisorAssignment.objects.filter(advisor=advisor, agency=w.ecology, end_on__isnull=True).exists()
    page = sup.get("/console/reviews/advisors/").content.decode()
    assert "韩顾问" in page and w.ecology.name in page
    # a head posting to the pool page changes nothing
    client_for(w.head).post("/console/reviews/advisors/", {"action": "create", "name": "x", "kind": "other"})
    assert not Advisor.objects.filter(name="x").exists()
    # the ecology agency (0 reviewers of 1 officer) shows with its pooled advisor
    staffing = {r["agency"].pk: r for r in services.staffing_report(w.supervisor)}
    assert staffing[w.ecology.pk]["advisors"] == 1 and staffing[w.ecology.pk]["low"]
