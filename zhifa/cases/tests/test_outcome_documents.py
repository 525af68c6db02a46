"""Every written decision of a case has its document: 不予行政处罚决定书 (第三十三条/第五十七条), 涉嫌犯罪案件移送书
(第二十七条) and 延长查封扣押期限决定书 (行政强制法第二十五条第二款), signed and numbered like the others."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from zhifa.cases import services
from zhifa.cases.models import Decision, Measure
from zhifa.documents.models import IssuedDocument

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


def _ready_to_decide(cw):
    w = cw.w
    case = cw.filed_case()
    cw.evidence(case)
    services.transition(w.officer, case, "submit_review", report="调查终结")
    services.transition(w.reviewer, case, "approve_review", opinion="同意")
    services.transition(w.officer, case, "notify", served_on=TODAY(), facts="f", proposed_kinds=["warning"])
    services.transition(w.officer, case, "record_statement", kind="waiver", received_on=TODAY())
    return case


def _doc(case) -> IssuedDocument:
    return IssuedDocument.objects.get(pk=Decision.objects.get(case=case).document_id)


def test_no_penalty_decision_names_its_ground_and_educates(cw):
    case = _ready_to_decide(cw)
    services.transition(cw.w.head, case, "decide", outcome="no_penalty", no_penalty_ground="minor_corrected",
                        facts="当事人标签瑕疵，已当场改正。", decided_on=TODAY())  # fmt: skip
    doc = _doc(case)
    assert doc.kind.code == "no_penalty_decision" and doc.number.startswith("昌市监不罚〔")
    assert (
        "违法行为轻微并及时改正" in doc.context["ground"] and "第三十三条第一款" in doc.context["legal_basis"]
    )
    assert "批评教育" in doc.context["education"]


def test_facts_not_established_cite_article_57(cw):
    case = _ready_to_decide(cw)
    services.transition(cw.w.head, case, "decide", outcome="not_established", facts="现有证据不能证明。",
                        decided_on=TODAY())  # fmt: skip
    doc = _doc(case)
    assert (
        doc.context["ground"] == "违法事实不能成立"
        and "第五十七条第一款第（三）项" in doc.context["legal_basis"]
    )
    assert doc.context["education"] == ""


def test_transfer_issues_the_transfer_letter_with_its_materials(cw):
    case = _ready_to_decide(cw)
    services.transition(cw.w.head, case, "decide", outcome="transfer", transfer_to="昌吉市公安局",
                        facts="当事人销售假冒注册商标的商品，货值金额十万余元。", decided_on=TODAY())  # fmt: skip
    doc = _doc(case)
    assert doc.kind.code == "case_transfer" and doc.context["transfer_to"] == "昌吉市公安局"
    assert "第二十七条第一款" in doc.context["legal_basis"]
    assert any(m.startswith("证据：") for m in doc.context["materials"])


def test_seizure_extension_is_told_to_the_party_in_writing(cw):
    w = cw.w
    case = cw.filed_case()
    video = cw.evidence(case, data=b"seizure video ext")
    services.transition(w.officer, case, "seize", measure="seize", items="设备", head_approved=True,
                        started_on=TODAY() - dt.timedelta(days=20), av_evidence_id=video.pk)  # fmt: skip
    m = Measure.objects.get(case=case)
    original = IssuedDocument.objects.get(pk=m.document_id)
    services.transition(w.head, case, "extend_seizure", measure_id=m.pk, reason="涉案设备须经检测，情况复杂")
    m.refresh_from_db()
    ext = IssuedDocument.objects.filter(kind__code="seizure_extension", case_id=case.pk).get()
    assert ext.context["original_number"] == original.number
    assert ext.context["period"].endswith(f"{m.due_on.year}年{m.due_on.month}月{m.due_on.day}日")
    assert "涉案设备须经检测" in ext.context["reason"]
