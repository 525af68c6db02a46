"""Each gate refuses with its article, and a refused call leaves the case tables and the ledger unchanged."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from zhifa.cases import services
from zhifa.cases.models import Case, CaseDeadline, Measure
from zhifa.cases.services import GateRefused, late_fee
from zhifa.cases.tests.conftest import snapshot
from zhifa.core.errors import DomainError
from zhifa.registry.models import Certificate

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


def refused(user, case, action, article: str, code: str | None = None, **data) -> DomainError:
    """Given a snapshot, when the action is refused, then nothing changed and the article is cited."""
    before = snapshot()
    with pytest.raises(DomainError) as info:
        services.transition(user, case, action, **data)
    assert snapshot() == before
    assert article in info.value.citation, (info.value.citation, info.value.message)
    if code:
        assert info.value.code == code
    return info.value


def investigating(cw):
    case = cw.filed_case()
    cw.evidence(case)
    return case


def test_fewer_than_two_officers(cw):
    case = cw.new_case(officers=False)
    services.assign_officer(cw.w.officer, case, cw.w.market_officer, "lead")
    services.transition(cw.w.officer, case, "start_verification")
    err = refused(cw.w.officer, case, "request_filing", "第四十二条第一款", "too_few_officers", opinion="x")
    assert "不得少于两人" in err.message


def test_officer_without_valid_certificate_for_the_domain(cw):
    case = cw.new_case()
    services.transition(cw.w.officer, case, "start_verification")
    Certificate.objects.filter(officer=cw.officer2_record).update(status=Certificate.Status.SUSPENDED)
    err = refused(
        cw.w.officer, case, "request_filing", "第四十二条", "officer_without_certificate", opinion="x"
    )
    assert cw.officer2_record.name in err.message


def test_pending_recusal_blocks_and_granted_recusal_removes(cw):
    w = cw.w
    case = cw.new_case()
    services.transition(w.officer, case, "start_verification")
    r = services.request_recusal(
        w.officer, case, cw.officer2_record, requested_by="party", reason="与当事人有亲属关系"
    )
    refused(w.officer, case, "request_filing", "第四十三条", "officer_recusal", opinion="x")
    with pytest.raises(DomainError):  # only the head decides
        services.decide_recusal(w.officer, r, grant=True)
    services.decide_recusal(w.head, r, grant=True, note="同意回避")
    assert not services.active_officers(case).filter(officer=cw.officer2_record).exists()
    before = snapshot()
    with pytest.raises(GateRefused) as info:
        services.assign_officer(w.officer, case, cw.officer2_record, "assist")
    assert "第四十三条" in info.value.citation and snapshot() == before


def test_decision_before_notice_or_before_the_period_ran_out(cw):
    w = cw.w
    case = investigating(cw)
    services.transition(w.officer, case, "submit_review", report="r")
    services.transition(w.reviewer, case, "approve_review", opinion="ok")
    decision = dict(outcome="penalty", penalty_kinds=["warning"], facts="f", basis="b", decided_on=TODAY())
    refused(w.head, case, "decide", "第四十四条", "decision_before_defence", **decision)
    services.transition(w.officer, case, "notify", served_on=TODAY(), facts="f", proposed_kinds=["warning"])
    err = refused(w.head, case, "decide", "第六十二条", "decision_before_defence", **decision)
    assert "尚未届满" in err.message
    # a written waiver ends the period
    services.transition(w.officer, case, "record_statement", kind="waiver", received_on=TODAY())
    assert services.transition(w.head, case, "decide", **decision).state == "decided"


def test_decision_after_the_period_ran_out_and_not_heavier(cw):
    w = cw.w
    case = investigating(cw)
    services.transition(w.officer, case, "submit_review", report="r")
    services.transition(w.reviewer, case, "approve_review", opinion="ok")
    served = TODAY() - dt.timedelta(days=20)
    services.transition(w.officer, case, "notify", served_on=served, facts="f", proposed_kinds=["warning"])
    reply = CaseDeadline.objects.get(case=case, key="reply")
    assert reply.due_on < TODAY() and "第八十五条" in reply.explanation
    refused(w.head, case, "decide", "第四十五条第二款", "heavier_than_notified", outcome="penalty",
            penalty_kinds=["warning", "fine"], fine_amount="100", facts="f", decided_on=TODAY())  # fmt: skip
    services.transition(w.head, case, "decide", outcome="penalty", penalty_kinds=["warning"], facts="f",
                        basis="b", decided_on=TODAY())  # fmt: skip


def test_onsite_limits_by_party_type(cw):
    w = cw.w
    at = timezone.now().isoformat()
    person_case = cw.new_case(procedure="simple", party=cw.person)
    common = dict(penalty_kinds=["fine"], facts="f", basis="b", decided_at=at, place="p", party_informed=True)
    err = refused(w.officer, person_case, "onsite_decide", "第五十一条", "onsite_limit_exceeded",
                  fine_amount="200.01", **common)  # fmt: skip
    assert "200" in err.message
    org_case = cw.new_case(procedure="simple", party=cw.company, title="b")
    refused(
        w.officer,
        org_case,
        "onsite_decide",
        "第五十一条",
        "onsite_limit_exceeded",
        fine_amount="3001",
        **common,
    )
    services.transition(w.officer, org_case, "onsite_decide", fine_amount="3000", **common)
    # not informing the party first is refused too
    other = cw.new_case(procedure="simple", party=cw.person, title="c")
    refused(w.officer, other, "onsite_decide", "第五十二条", "onsite_not_informed",
            **{**common, "party_informed": False, "fine_amount": "50"})  # fmt: skip


def test_seizure_without_av_record_and_case_room_interview_without_av(cw):
    w = cw.w
    case = cw.filed_case()
    doc = cw.evidence(case, kind="documentary", content_type="application/pdf")
    seize = dict(measure="seize", items="货物", started_on=TODAY(), head_approved=True)
    refused(w.officer, case, "seize", "118号", "av_record_required", **seize)
    refused(w.officer, case, "seize", "118号", "av_record_required", av_evidence_id=doc.pk, **seize)
    refused(w.officer, case, "seize", "行政强制法》第十八条", "head_approval_required",
            **{**seize, "head_approved": False, "av_evidence_id": cw.evidence(case).pk})  # fmt: skip
    interview = dict(
        person="张三", held_at=timezone.now().isoformat(), place="询问室", in_case_room=True, record="问答"
    )
    refused(w.officer, case, "record_interview", "118号", "av_record_required", **interview)


def test_agency_av_list_makes_a_step_mandatory(cw):
    from zhifa.catalog import services as catalog
    from zhifa.catalog.models import Kind

    w = cw.w
    version = catalog.create_draft(w.officer, w.market, Kind.AV_RECORD)
    catalog.add_item(w.officer, version, {"执法事项": "调查取证", "记录方式": "执法记录仪", "记录人": "执法人员",
                                          "记录过程": "全过程", "记录要求": "全程音像记录", "执法环节": "evidence"})  # fmt: skip
    catalog.submit(w.officer, version)
    catalog.approve(w.reviewer, version, opinion="同意")
    catalog.publish(w.head, version)
    case = cw.filed_case()
    interview = dict(person="张三", held_at=timezone.now().isoformat(), place="现场", record="问答")
    err = refused(w.officer, case, "record_interview", "音像记录事项清单", "av_record_required", **interview)
    assert "调查取证" in err.message
    services.transition(w.officer, case, "record_interview", av_evidence_id=cw.evidence(case).pk, **interview)


def test_seizure_beyond_thirty_days_without_extension(cw):
    w = cw.w
    case = investigating(cw)
    video = cw.evidence(case, data=b"seizure video")
    services.transition(w.officer, case, "seize", measure="seal", items="设备", head_approved=True,
                        started_on=TODAY() - dt.timedelta(days=31), av_evidence_id=video.pk)  # fmt: skip
    m = Measure.objects.get(case=case)
    assert m.due_on == TODAY() - dt.timedelta(days=1)
    refused(w.officer, case, "submit_review", "行政强制法》第二十五条", "seizure_overdue", report="r")
    refused(w.head, case, "extend_seizure", "第二十五条", "seizure_expired", measure_id=m.pk, reason="复杂")


def test_seizure_extension_once_and_then_allowed(cw):
    w = cw.w
    case = investigating(cw)
    video = cw.evidence(case, data=b"seizure video 2")
    services.transition(w.officer, case, "seize", measure="seize", items="设备", head_approved=True,
                        started_on=TODAY() - dt.timedelta(days=20), av_evidence_id=video.pk)  # fmt: skip
    m = Measure.objects.get(case=case)
    with pytest.raises(DomainError):  # officers cannot approve the extension
        services.transition(w.officer, case, "extend_seizure", measure_id=m.pk, reason="复杂")
    services.transition(w.head, case, "extend_seizure", measure_id=m.pk, reason="情况复杂")
    m.refresh_from_db()
    assert m.extended and m.due_on == TODAY() - dt.timedelta(days=20) + dt.timedelta(days=60)
    dl = CaseDeadline.objects.get(case=case, key="seizure", status="open")
    assert dl.extensions == 1 and "延长" in dl.explanation
    refused(
        w.head,
        case,
        "extend_seizure",
        "第二十五条",
        "seizure_extension_exhausted",
        measure_id=m.pk,
        reason="x",
    )


def test_hearing_rules(cw):
    w = cw.w
    case = investigating(cw)
    services.transition(w.officer, case, "submit_review", report="r")
    services.transition(w.reviewer, case, "approve_review", opinion="ok")
    services.transition(
        w.officer, case, "notify", served_on=TODAY(), facts="f", proposed_kinds=["revoke_licence"]
    )
    case.refresh_from_db()
    assert case.hearing_right  # 吊销许可证件 (第六十三条)
    services.transition(w.officer, case, "request_hearing", received_on=TODAY())
    far = TODAY() + dt.timedelta(days=30)
    refused(w.officer, case, "schedule_hearing", "第六十四条第（四）项", "host_is_investigator", notified_on=TODAY(),
            scheduled_for=far, place="p", host_officer_id=w.market_officer.pk)  # fmt: skip
    refused(w.officer, case, "schedule_hearing", "第六十四条第（二）项", "hearing_notice_late",
            notified_on=TODAY(), scheduled_for=TODAY() + dt.timedelta(days=2), place="p",
            host_officer_id=w.reviewer.officer_id)  # fmt: skip
    refused(w.head, case, "decide", "第六十四条", "decision_before_defence", outcome="penalty",
            penalty_kinds=["revoke_licence"], facts="f", decided_on=TODAY())  # fmt: skip


def test_no_hearing_right_below_threshold(cw):
    from zhifa.cases.tests.test_lifecycle import publish_threshold

    w = cw.w
    publish_threshold(w)
    case = investigating(cw)
    services.transition(w.officer, case, "submit_review", report="r")
    services.transition(w.reviewer, case, "approve_review", opinion="ok")
    services.transition(w.officer, case, "notify", served_on=TODAY(), facts="f", proposed_kinds=["fine"],
                        proposed_fine="5000")  # fmt: skip
    refused(w.officer, case, "request_hearing", "第六十三条", "no_hearing_right", received_on=TODAY())


def test_collective_discussion_required(cw):
    w = cw.w
    case = investigating(cw)
    services.transition(w.officer, case, "submit_review", report="r")
    services.transition(w.reviewer, case, "approve_review", opinion="ok", collective_required=True)
    services.transition(w.officer, case, "notify", served_on=TODAY(), facts="f", proposed_kinds=["warning"])
    services.transition(w.officer, case, "record_statement", kind="waiver", received_on=TODAY())
    refused(w.head, case, "decide", "第五十七条第二款", "collective_required", outcome="penalty",
            penalty_kinds=["warning"], facts="f", decided_on=TODAY())  # fmt: skip


def test_registered_decision_guard_refuses(cw):
    """The hook for the legal review of issue 4: a registered guard can refuse the decision."""
    w = cw.w
    case = investigating(cw)
    services.transition(w.officer, case, "submit_review", report="r")
    services.transition(w.reviewer, case, "approve_review", opinion="ok")

    def legal_review(case, decision, user):
        raise GateRefused(
            "未经法制审核，不得作出决定。", code="legal_review_missing", citation="《行政处罚法》第五十八条"
        )

    services.register_decision_guard(legal_review)
    try:
        refused(w.head, case, "decide", "第五十八条", "legal_review_missing", outcome="not_established", facts="f",
                decided_on=TODAY())  # fmt: skip
    finally:
        services.unregister_decision_guard(legal_review)
    assert services.transition(
        w.head, case, "decide", outcome="not_established", facts="f", decided_on=TODAY()
    )


def test_wrong_state_and_wrong_role_change_nothing_but_the_denial(cw):
    from zhifa.ledger.models import Event

    w = cw.w
    case = cw.new_case()
    before = snapshot()
    with pytest.raises(DomainError) as info:
        services.transition(
            w.officer, case, "decide", outcome="not_established", facts="f", decided_on=TODAY()
        )
    assert info.value.code == "case_permission_denied"  # only heads decide: recorded as a denied access
    rows, events = snapshot()
    assert rows == before[0] and events == before[1] + 1
    assert Event.objects.order_by("-id").first().event_type == "access.denied"
    before = snapshot()
    with pytest.raises(DomainError) as info:
        services.transition(w.head, case, "approve_filing", filed_on=TODAY())
    assert info.value.code == "wrong_state" and snapshot() == before


def test_case_numbers_are_gapless_per_agency_and_year(cw):
    w = cw.w
    first = cw.filed_case()
    # a refused 立案 does not consume a number
    second = cw.new_case(title="二")
    services.transition(w.officer, second, "start_verification")
    services.transition(w.officer, second, "request_filing", opinion="x")
    with pytest.raises(DomainError):
        services.transition(
            w.head, second, "approve_filing", filed_on=second.source_received_on - dt.timedelta(days=1)
        )
    second = services.transition(w.head, second, "approve_filing", filed_on=TODAY() - dt.timedelta(days=25))
    year = (TODAY() - dt.timedelta(days=25)).year
    assert [first.number, second.number] == [f"昌市监立〔{year}〕1号", f"昌市监立〔{year}〕2号"]
    assert Case.objects.filter(number_seq__isnull=False).count() == 2


def test_payment_late_fee_and_court(cw):
    from zhifa.cases.tests.test_lifecycle import publish_threshold

    w = cw.w
    publish_threshold(w)
    case = investigating(cw)
    services.transition(w.officer, case, "submit_review", report="r")
    services.transition(w.reviewer, case, "approve_review", opinion="ok")
    day = TODAY() - dt.timedelta(days=24)
    services.transition(
        w.officer, case, "notify", served_on=day, facts="f", proposed_kinds=["fine"], proposed_fine="1000"
    )
    services.transition(w.officer, case, "record_statement", kind="waiver", received_on=day)
    services.transition(
        w.head, case, "decide", outcome="penalty", penalty_kinds=["fine"], fine_amount="1000", facts="f",
        basis="b", decided_on=day + dt.timedelta(days=1),
    )  # fmt: skip
    services.transition(
        w.officer, case, "serve", method="direct", recipient="张三", served_on=day + dt.timedelta(days=2)
    )
    ex = Case.objects.get(pk=case.pk).execution
    status = services.execution_status(ex, TODAY())
    days = (TODAY() - ex.due_on).days
    assert status.late_fee_accrued == min(Decimal("1000"), Decimal("30") * days)
    refused(w.head, case, "close", "第七十二条", "execution_unfinished", closed_on=TODAY(), summary="s")
    services.transition(w.head, case, "apply_court", applied_on=TODAY(), court="昌吉市人民法院")
    assert (
        services.transition(w.head, case, "close", closed_on=TODAY(), summary="申请强制执行").state
        == "closed"
    )


@given(
    principal=st.decimals(min_value=0, max_value=10**7, places=2),
    days=st.integers(min_value=-5, max_value=200),
)
def test_late_fee_is_three_percent_a_day_capped_at_the_fine(principal, days):
    due = dt.date(2025, 3, 1)
    fee = late_fee(principal, due, due + dt.timedelta(days=days), rate_percent=Decimal("3"))
    assert Decimal("0") <= fee <= principal
    if days <= 0:
        assert fee == 0
    elif days <= 33:
        # money rounds half up (921367.485 → 921367.49), not the decimal context's half-even
        assert fee == (principal * 3 * days / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    else:
        assert fee == principal
