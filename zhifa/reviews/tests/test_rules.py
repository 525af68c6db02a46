"""Who may review, submit, extend, contest and keep the pool — each rule with its denied case — and the materials,
resubmission, version diff, contest and deadline rules."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from zhifa.cases import services as cases
from zhifa.core.errors import DomainError, NotFound, PermissionDenied
from zhifa.core.models import Alert
from zhifa.core.roles import Role
from zhifa.ledger.models import Event
from zhifa.registry import services as registry
from zhifa.reviews import services
from zhifa.reviews.models import Contest, Submission
from zhifa.reviews.tests.conftest import ALL_OK, TODAY, client_for

pytestmark = pytest.mark.django_db


def denied(fn, code: str, article: str = "") -> DomainError:
    """Refused with `code` (and the article), and the denial is on the ledger as access.denied."""
    before = Event.objects.filter(event_type="access.denied").count()
    with pytest.raises(DomainError) as info:
        fn()
    assert info.value.code == code, (info.value.code, info.value.message)
    if article:
        assert article in info.value.citation, info.value.citation
    if isinstance(info.value, PermissionDenied):
        assert Event.objects.filter(event_type="access.denied").count() == before + 1
    return info.value


def reviewer_user(w, name, *, qualified, agency=None, username=None):
    agency = agency or w.market
    officer = registry.create_officer(user=w.admin, agency=agency, name=name, domains=[w.market_domain],
                                      legal_qualification=qualified, legal_qualification_number="A1" if qualified else "")  # fmt: skip
    return registry.create_user(username=username or f"rv_{officer.pk}", password="Pass-1234!", role=Role.REVIEWER,
                                user=w.admin, agency=agency, officer=officer, display_name=name)  # fmt: skip


def opinion(user, sub, conclusion="approve"):
    return lambda: services.issue_opinion(user, sub, conclusion=conclusion, checklist=ALL_OK, summary="同意")


def test_who_may_issue_an_opinion(rw):
    w = rw.w
    case, sub = rw.submitted()
    # another agency's reviewer (an ecology reviewer), an officer, the head, the administrator: refused
    eco_reviewer = registry.create_user(username="eco_rev", password="Pass-1234!", role=Role.REVIEWER,
                                        user=w.admin, agency=w.ecology, display_name="生态审核")  # fmt: skip
    for user in (eco_reviewer, w.officer, w.head, w.admin, w.supervisor):
        denied(opinion(user, sub), "not_a_reviewer", "第五十八条第一款")
    # a first-time reviewer without 法律职业资格: refused with 第五十八条第二款
    novice = reviewer_user(w, "新审核", qualified=False)
    err = denied(opinion(novice, sub), "first_time_reviewer_unqualified", "第五十八条第二款")
    assert "法律职业资格" in err.message
    # the case's own investigator: a qualified reviewer who is an officer on the case
    investigator = reviewer_user(w, "兼办审核", qualified=True)
    cases.assign_officer(w.officer, case, investigator.officer, "assist")
    denied(opinion(investigator, sub), "reviewer_investigated_case", "第五十八条")
    assert Submission.objects.get(pk=sub.pk).status == Submission.Status.PENDING
    # a reviewer who did legal review work before the rule applied (2018) is not 初次从事
    with pytest.raises(DomainError):  # only the head or the supervisor may record it
        services.record_experience(w.officer, novice, since=dt.date(2015, 3, 1), evidence="任命文件")
    services.record_experience(
        w.head, novice, since=dt.date(2015, 3, 1), evidence="昌市监〔2015〕3号任命文件"
    )
    op = services.issue_opinion(novice, sub, conclusion="approve", checklist=ALL_OK, summary="同意")
    assert op.qualification == "无法律职业资格" and op.document.issued_by == novice
    # the 法制审核意见书 cannot be signed around the review: an officer issuing the kind directly is refused
    from zhifa.documents.services import issue_document

    context = services.opinion_context(op)
    denied(lambda: issue_document(user=w.officer, agency=w.market, kind="legal_review_opinion", context=context),
           "document_issuer_denied")  # fmt: skip


def test_advisor_pool_assignment_and_review(rw):
    w = rw.w
    case, sub = rw.submitted()
    account = registry.create_user(username="lawyer1", password="Pass-1234!", role=Role.REVIEWER, user=w.admin,
                                   agency=w.justice, display_name="邹律师")  # fmt: skip
    # only the Justice Bureau's supervisors keep the pool
    for user in (w.head, w.officer, w.reviewer):
        denied(lambda u=user: services.create_advisor(u, pool_owner=w.justice, name="邹律师", kind="public_lawyer"),
               "pool_keeper_only")  # fmt: skip
    advisor = services.create_advisor(w.supervisor, pool_owner=w.justice, name="邹律师", kind="public_lawyer",
                                      legal_qualification=True, qualification_number="A2015000", account=account)  # fmt: skip
    # not assigned yet: cannot see the case, cannot review it
    with pytest.raises(NotFound):
        services.get_case(account, case.pk)
    denied(opinion(account, sub), "not_a_reviewer")
    # the bureau may not assign to an agency outside its jurisdiction (阜康市)
    denied(
        lambda: services.assign_advisor(w.supervisor, advisor, w.other_market), "agency_outside_jurisdiction"
    )
    services.assign_advisor(w.supervisor, advisor, w.market)
    assert services.get_case(account, case.pk) == case
    assert list(services.queue(account)) == [sub]
    op = services.issue_opinion(account, sub, conclusion="approve", checklist=ALL_OK, summary="同意")
    assert op.advisor == advisor and "公职律师" in op.qualification
    assert op.document.agency == w.market and op.document.issued_by == account
    # the assignment ends: the advisor no longer sees the agency's reviews
    services.end_assignment(w.supervisor, advisor.assignments.get(), reason="派驻期满")
    with pytest.raises(NotFound):
        services.get_case(account, case.pk)


def test_handlers_only_and_cross_agency_invisible(rw):
    w = rw.w
    case = rw.ready_case()
    # the reviewer, an officer not on the case, an officer of another agency: no draft
    outsider = registry.create_officer(
        user=w.admin, agency=w.market, name="局外人", domains=[w.market_domain]
    )
    outsider_user = registry.create_user(username="outsider", password="Pass-1234!", role=Role.OFFICER,
                                         user=w.admin, agency=w.market, officer=outsider)  # fmt: skip
    for user in (w.reviewer, outsider_user, w.officer_b, w.supervisor):
        denied(lambda u=user: rw.draft(case, user=u), "review_not_handler")
    # the ecology officer cannot even open the review file (recorded as a denied access)
    before = Event.objects.filter(event_type="access.denied").count()
    r = client_for(w.officer_b).get(f"/console/reviews/cases/{case.pk}/")
    assert r.status_code == 404
    r = client_for(w.officer_b).get(f"/api/v1/reviews/cases/{case.pk}")
    assert r.status_code == 404
    assert Event.objects.filter(event_type="access.denied").count() == before + 2
    # the head may draft
    assert rw.draft(case, user=w.head).version == 1


def test_incomplete_submission_is_refused_naming_the_missing_materials(rw):
    w = rw.w
    case = rw.ready_case()
    rw.draft(case)
    with pytest.raises(DomainError) as info:
        services.submit(w.officer, case)
    err = info.value
    assert err.code == "materials_incomplete"
    assert err.message == "报送材料不齐全，缺少：调查终结报告、证据材料、陈述申辩笔录、风险评估材料。"
    assert [m["code"] for m in err.details["missing"]] == [
        "investigation_report", "evidence", "statement_record", "risk_assessment",
    ]  # fmt: skip
    risk = next(m for m in err.details["missing"] if m["code"] == "risk_assessment")
    assert risk["sources"] == ["目录清单第1项“应提交的审核资料”"]
    services.add_material(w.officer, case, kind="investigation_report", from_case_record=True)
    services.add_material(w.officer, case, kind="evidence", evidence=case.evidence.first())
    with pytest.raises(DomainError) as info:
        services.submit(w.officer, case)
    assert info.value.message == "报送材料不齐全，缺少：陈述申辩笔录、风险评估材料。"
    services.add_material(w.officer, case, kind="statement_record", from_case_record=True)
    services.add_material(w.officer, case, kind="risk_assessment", text="社会稳定风险评估：风险较低。")
    sub = services.submit(w.officer, case)
    assert sub.round == 1 and len(sub.materials) == 4
    assert sub.rule_code == "review.legal_review" and "7个工作日" in sub.due_explanation
    # the reviewer's materials are taken from the case record
    report = next(m for m in services.active_materials(case) if m.kind == "investigation_report")
    assert report.text.startswith("经调查")
    # while the review runs, the draft and the materials are frozen
    denied(lambda: rw.draft(case, fine_amount=Decimal("120000"), change_note="x"), "draft_under_review")
    with pytest.raises(DomainError) as info:
        services.submit(w.officer, case)
    assert info.value.code == "submission_pending"


def test_resubmission_answers_every_problem_and_the_reviewer_sees_the_diff(rw):
    w = rw.w
    case, sub = rw.submitted()
    op = rw.problems(sub)
    problem = op.problems.get()
    assert problem.point == "law" and op.checklist["law"]["result"] == "problem"
    # 存在问题 without a listed problem, or 同意 with a problem point, is refused
    case2, sub2 = rw.submitted(rw.ready_case())
    with pytest.raises(DomainError) as info:
        services.issue_opinion(w.reviewer, sub2, conclusion="problems", checklist=ALL_OK, summary="有问题")
    assert info.value.code == "problems_required"
    with pytest.raises(DomainError) as info:
        services.issue_opinion(w.reviewer, sub2, conclusion="approve", summary="同意",
                               checklist=ALL_OK | {"facts": {"result": "problem"}})  # fmt: skip
    assert info.value.code == "approve_with_problems"
    # resubmitting without answering is refused, naming the problem
    with pytest.raises(DomainError) as info:
        services.submit(w.officer, case)
    assert info.value.code == "problems_unanswered" and "罚款数额偏离裁量基准" in info.value.message
    # the handler changes the draft and answers
    v2 = rw.draft(case, fine_amount=Decimal("120000"), change_note="按裁量基准调整罚款数额")
    diff = services.diff_drafts(sub.draft, v2)
    assert diff == [
        {"field": "fine_amount", "label": "罚款（元）", "before": "150000.00", "after": "120000.00"}
    ]
    resub = services.submit(w.officer, case, answers={problem.pk: "已按裁量基准“一般处罚”档调整为12万元"})
    assert resub.round == 2 and resub.draft == v2
    assert problem.answers.get().submission == resub
    # the reviewer's page shows the diff, the answer and the item's 裁量基准 with the draft's fine against it
    from zhifa.catalog import services as catalog
    from zhifa.catalog.models import Kind

    version = catalog.create_draft(w.officer, w.market, Kind.DISCRETION)
    catalog.add_item(w.officer, version, {
        "事项名称": "销售过期食品", "违法行为": "销售超过保质期的食品", "裁量阶次": "一般处罚",
        "罚款下限（元）": 50000, "罚款上限（元）": 100000, "裁量依据": "《中华人民共和国食品安全法》第一百二十四条",
    })  # fmt: skip
    catalog.submit(w.officer, version)
    catalog.approve(w.reviewer, version, opinion="同意")
    catalog.publish(w.head, version)
    ranges = services.discretion_for(case, v2)
    assert [r.circumstance for r in ranges["rows"]] == ["ordinary"] and ranges["within"] is False
    page = client_for(w.reviewer).get(f"/console/reviews/cases/{case.pk}/").content.decode()
    assert "版本比对：第1版 → 第2版" in page and "已按裁量基准“一般处罚”档调整为12万元" in page
    assert "裁量基准" in page and "拟罚款金额不在裁量基准范围内" in page
    api = client_for(w.reviewer).get(f"/api/v1/reviews/drafts/{v2.pk}/diff").json()
    assert api[0]["field"] == "fine_amount"


def test_contest_head_bureau_and_rereview(rw):
    w = rw.w
    case, sub = rw.submitted()
    op = rw.problems(sub)
    # only the case's officers contest; the head decides
    denied(lambda: services.contest(w.head, op, reason="不同意"), "review_not_handler")
    denied(lambda: services.contest(w.reviewer, op, reason="不同意"), "review_not_handler")
    c = services.contest(w.officer, op, reason="罚款数额已按裁量基准确定")
    assert Alert.objects.open().filter(key=f"review.contest.{c.pk}").exists()
    denied(lambda: services.decide_contest(w.officer, c, decision="rereview", note="x"), "review_head_only")
    with pytest.raises(DomainError) as info:  # resubmission waits for the contest
        services.submit(w.officer, case, answers={p.pk: "x" for p in op.problems.all()})
    assert info.value.code == "contest_open"
    services.decide_contest(w.head, c, decision="bureau", note="争议涉及裁量基准适用，报请司法局决定")
    c.refresh_from_db()
    assert c.status == Contest.Status.BUREAU
    # a supervisor of another county may not decide it; the city's may
    other = registry.create_user(username="sup_fk", password="Pass-1234!", role=Role.SUPERVISOR, user=w.admin,
                                 jurisdiction=w.other_county, display_name="阜康司法局")  # fmt: skip
    with pytest.raises(DomainError):
        services.resolve_contest(other, c, outcome="rereview", note="x")
    services.resolve_contest(
        w.supervisor, c, outcome="rereview", note="审核意见对裁量基准的理解有误，重新审核"
    )
    c.refresh_from_db()
    op.refresh_from_db()
    sub.refresh_from_db()
    assert c.status == Contest.Status.RESOLVED and c.resolved_by_level == Contest.Status.BUREAU
    assert op.set_aside and sub.status == Submission.Status.PENDING
    # the new review is an opinion on the same submission
    rw.approve(sub)
    assert cases.transition(w.head, case, "decide", **rw.decision()).state == "decided"
    types = list(
        Event.objects.filter(case_id=case.pk, event_type__startswith="review.").values_list(
            "event_type", flat=True
        )
    )
    for t in (
        "review.contest_raised",
        "review.contest_head_decided",
        "review.contest_resolved",
        "review.gate_passed",
    ):
        assert t in types


def test_collective_discussion_upholds_the_opinion(rw):
    w = rw.w
    case, sub = rw.submitted()
    op = rw.problems(sub)
    c = services.contest(w.officer, op, reason="不同意")
    services.decide_contest(w.head, c, decision="collective", note="提交负责人集体讨论")
    with pytest.raises(DomainError) as info:
        services.resolve_contest(w.head, c, outcome="uphold", note="维持")
    assert info.value.code == "participants_required"
    denied(lambda: services.resolve_contest(w.supervisor, c, outcome="uphold", note="维持", participants="x"),
           "review_head_only")  # fmt: skip
    services.resolve_contest(w.head, c, outcome="uphold", note="维持审核意见", participants="丙负责、甲、乙")
    op.refresh_from_db()
    assert not op.set_aside
    with pytest.raises(DomainError) as info:
        cases.transition(w.head, case, "decide", **rw.decision())
    assert info.value.code == "legal_review_not_passed"


def test_deadline_extension_and_alerts(rw):
    w = rw.w
    case, sub = rw.submitted()
    denied(lambda: services.extend_deadline(w.officer, sub, reason="复杂"), "review_head_only")
    denied(lambda: services.extend_deadline(w.reviewer, sub, reason="复杂"), "review_head_only")
    first_due = sub.due_on
    services.extend_deadline(w.head, sub, reason="案情复杂，需补充核实")
    sub.refresh_from_db()
    from zhifa.deadlines.services import working_days_between

    assert working_days_between(first_due, sub.due_on) == 3 and "延长1次" in sub.due_explanation
    with pytest.raises(DomainError) as info:
        services.extend_deadline(w.head, sub, reason="再延长")
    assert info.value.code == "extension_limit"
    # due soon, then overdue: alerts for the reviewers and the head, resolved by the opinion
    soon = services.check_deadlines(sub.due_on - dt.timedelta(days=1))
    assert soon["due_soon"] == 1
    assert services.check_deadlines(sub.due_on + dt.timedelta(days=1))["overdue"] == 1
    alert = Alert.objects.open().get(key=f"review.overdue.{sub.pk}")
    assert alert.severity == "critical" and Alert.objects.visible_to(w.reviewer).filter(pk=alert.pk).exists()
    assert not Alert.objects.visible_to(w.officer).filter(pk=alert.pk).exists()
    assert not Alert.objects.open().filter(key=f"review.due_soon.{sub.pk}").exists()
    home = client_for(w.reviewer).get("/console/").content.decode()
    assert "法制审核待办" in home and case.display_number in home
    rw.approve(sub)
    assert not Alert.objects.open().filter(key__startswith="review.").exists()


def test_period_is_configurable_per_agency(rw):
    from zhifa.core.errors import NotFound as RuleMissing
    from zhifa.deadlines.models import PeriodRule, Unit
    from zhifa.deadlines.services import save_period_rule
    from zhifa.laws.services import cite

    w = rw.w
    with pytest.raises(RuleMissing):
        services.configure_body(w.head, w.market, name="法制科", period_rule_code="review.nonexistent")
    denied(
        lambda: services.configure_body(w.officer, w.market, name="x", period_rule_code=""),
        "permission_denied",
    )
    save_period_rule(w.admin, PeriodRule(
        code="review.legal_review.market", name="市场监管法制审核", amount=5, unit=Unit.WORKING_DAY,
        citation=cite("administrative-penalty-law", 58, 1), valid_from=dt.date(2020, 1, 1),
    ))  # fmt: skip
    services.configure_body(w.head, w.market, name="法制科", period_rule_code="review.legal_review.market")
    case, sub = rw.submitted()
    assert sub.rule_code == "review.legal_review.market" and "5个工作日" in sub.due_explanation
    assert sub.due_on > TODAY()
