"""Scope evaluation and the decision gate (issue 4 acceptance)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from zhifa.cases import services as cases
from zhifa.cases.tests.conftest import snapshot
from zhifa.core.errors import DomainError
from zhifa.ledger.models import Event
from zhifa.reviews import services
from zhifa.reviews.models import GateCheck, Opinion
from zhifa.reviews.tests.conftest import ALL_OK

pytestmark = pytest.mark.django_db


def refused_decision(rw, case, code: str, **overrides) -> DomainError:
    """The head's decision is refused by the gate with 第五十八条; nothing of the case changed."""
    before = snapshot()
    with pytest.raises(DomainError) as info:
        cases.transition(rw.w.head, case, "decide", **(rw.decision() | overrides))
    assert info.value.code == code, (info.value.code, info.value.message)
    assert "第五十八条" in info.value.citation
    assert snapshot() == before
    return info.value


def test_fine_above_the_threshold_for_an_organisation_is_in_scope_with_row_and_article(rw):
    case = rw.ready_case()
    above = rw.draft(case, fine_amount=Decimal("150000"))
    assert above.in_scope
    [match] = above.scope_matches
    assert match["seq"] == 1 and "10万元以上" in match["decision_item"]
    assert "对法人或者其他组织罚款150000元，达到100000元的标准" in match["reasons"]
    assert match["citation"] == "《行政处罚法》第五十八条第一款第（四）项"
    assert above.party_types == ["organisation"] and above.scope_version == rw.catalog
    # the reasons are on the ledger with the draft
    event = Event.objects.filter(event_type="review.draft_saved", case_id=case.pk).get()
    assert event.data["in_scope"] is True and "目录清单第1项" in event.data["reasons"]
    below = rw.draft(case, fine_amount=Decimal("99999.99"), change_note="降低罚款")
    assert not below.in_scope and below.scope_matches == []
    # the same amount for a natural person (公民 threshold 1万) is in scope
    person_case = rw.ready_case(party=rw.person, fine=Decimal("20000"))
    assert rw.draft(person_case, fine_amount=Decimal("20000")).in_scope


def test_statutory_flags_put_a_decision_in_scope_without_a_catalog_row(rw):
    case = rw.ready_case(fine=Decimal("5000"))
    d = rw.draft(case, fine_amount=Decimal("5000"), flags=["complex"])
    assert d.in_scope and d.scope_matches[0]["row"] is None
    assert d.scope_matches[0]["citation"] == "《行政处罚法》第五十八条第一款第（三）项"


def test_decision_refused_without_review_after_problems_and_after_the_draft_changed(rw):
    w = rw.w
    case = rw.ready_case()
    # no draft at all: the gate evaluates the decision itself
    err = refused_decision(rw, case, "legal_review_missing")
    assert "目录清单第1项" in err.message
    # a draft, submitted, but no opinion yet
    case, sub = rw.submitted(case)
    refused_decision(rw, case, "legal_review_missing")
    # 存在问题
    op = rw.problems(sub)
    err = refused_decision(rw, case, "legal_review_not_passed")
    assert "存在问题" in err.message
    # the handler answers and resubmits; the reviewer approves
    sub2 = services.submit(w.officer, case, answers={p.pk: "已补充裁量理由" for p in op.problems.all()})
    rw.approve(sub2)
    # a decision that differs from the approved draft is refused
    err = refused_decision(rw, case, "decision_differs_from_review", fine_amount=Decimal("120000"))
    assert "罚款" in err.message
    # the draft edited after the approval: a new review is needed
    rw.draft(case, fine_amount=Decimal("140000"), change_note="调整罚款数额")
    err = refused_decision(rw, case, "legal_review_outdated", fine_amount=Decimal("140000"))
    assert "第1版" in err.message and "第2版" in err.message
    # a fresh 同意 on the current version lets the decision through
    rw.materials(case)
    sub3 = services.submit(w.officer, case)
    rw.approve(sub3)
    decided = cases.transition(w.head, case, "decide", **rw.decision(fine=Decimal("140000")))
    assert decided.state == "decided"
    gate = GateCheck.objects.get(case=case)
    assert gate.in_scope and gate.opinion.submission == sub3
    assert Event.objects.filter(case_id=case.pk, event_type="review.gate_passed").count() == 1


def test_a_decision_below_the_threshold_passes_without_review(rw):
    case = rw.ready_case(fine=Decimal("5000"))
    decided = cases.transition(rw.w.head, case, "decide", **rw.decision(fine=Decimal("5000")))
    assert decided.state == "decided"
    assert GateCheck.objects.get(case=case).in_scope is False
    assert not Event.objects.filter(case_id=case.pk, event_type="review.gate_passed").exists()


def test_a_small_draft_does_not_let_a_major_decision_skip_the_review(rw):
    case = rw.ready_case()
    rw.draft(case, fine_amount=Decimal("5000"))  # not in scope
    refused_decision(rw, case, "legal_review_missing")


def test_the_api_obeys_the_gate(rw):
    from zhifa.reviews.tests.conftest import client_for

    case = rw.ready_case()
    data = rw.decision()
    payload = {k: (v if isinstance(v, list) else str(v)) for k, v in data.items()}
    r = client_for(rw.w.head).post(
        f"/api/v1/cases/{case.pk}/transitions/decide", payload, content_type="application/json"
    )
    assert r.status_code == 409, r.json()
    assert r.json()["error"]["code"] == "legal_review_missing"
    assert "第五十八条" in r.json()["error"]["citation"]


def test_opinion_document_is_signed_and_its_digest_on_the_ledger(rw):
    case, sub = rw.submitted()
    op = rw.approve(sub)
    doc = op.document
    assert doc.kind.code == "legal_review_opinion" and doc.number.startswith("昌市监法审")
    assert doc.context["conclusion"] == "同意"
    issued = Event.objects.get(event_type="document.issued", subject_id=str(doc.pk))
    assert issued.data["sm3"] == doc.sm3 and issued.case_id == case.pk
    opinion_event = Event.objects.get(event_type="review.opinion_issued", case_id=case.pk)
    assert opinion_event.data["document"]["sm3"] == doc.sm3
    from zhifa.documents.services import verify_document

    assert verify_document(doc).ok
    assert Opinion.objects.get(pk=op.pk).working_days == 0
    assert ALL_OK  # the checklist fixture covers every point
