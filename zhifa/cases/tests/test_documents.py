"""文书 issued by the case lifecycle: each step's document inside the step's transaction, numbered, signed,
linked to the case and the step, shown in the timeline; a refused document refuses the step."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from zhifa.cases import services
from zhifa.cases.models import Case, Decision, Hearing, Interview, Measure, Notice, Service
from zhifa.cases.tests.conftest import client_for, snapshot
from zhifa.catalog import services as catalog
from zhifa.catalog.models import Kind
from zhifa.core.errors import DomainError
from zhifa.core.testing import make_uscc
from zhifa.documents.models import DocumentNumberSequence, IssuedDocument
from zhifa.documents.services import verify_document

pytestmark = pytest.mark.django_db


def publish_threshold(w, natural=10000, org=100000):
    version = catalog.create_draft(w.officer, w.market, Kind.LARGE_AMOUNT)
    catalog.add_item(
        w.officer, version,
        {"行业领域": "market", "区划代码": "652301", "对公民（元）": natural, "对法人或其他组织（元）": org,
         "施行日期": "2021-07-15", "设定依据": "《中华人民共和国行政处罚法》第六十三条"},
    )  # fmt: skip
    catalog.submit(w.officer, version)
    catalog.approve(w.reviewer, version, opinion="同意")
    catalog.publish(w.head, version)


def act(client, case_id, action, **data):
    r = client.post(f"/api/v1/cases/{case_id}/transitions/{action}", data, content_type="application/json")
    assert r.status_code == 200, (action, r.json())
    return r.json()


def refused_api(client, case_id, action, **data):
    r = client.post(f"/api/v1/cases/{case_id}/transitions/{action}", data, content_type="application/json")
    assert r.status_code >= 400, (action, r.json())
    return r.json()["error"]


EXPECTED = {
    "case_filing": "",  # carries the case number instead of one of its own
    "on_site_record": "",
    "inquiry_record": "",
    "evidence_preservation_notice": "先保",
    "seizure_decision": "封",
    "penalty_notice": "罚告",
    "hearing_notice": "听告",
    "hearing_record": "",
    "penalty_decision": "罚",
    "service_receipt": "送",
    "case_closing": "结",
}


def test_full_ordinary_case_issues_every_document_and_all_verify(cw):
    w = cw.w
    publish_threshold(w)
    today = timezone.localdate()
    year = today.year
    day = lambda n: str(today - dt.timedelta(days=n))  # noqa: E731
    officer, head, reviewer = client_for(w.officer), client_for(w.head), client_for(w.reviewer)

    # given a registered case with a company party and two officers
    case = cw.new_case(title="销售超过保质期的食品")
    cid = case.pk
    act(officer, cid, "start_verification", note="现场核查")
    # 现场笔录 during verification
    act(officer, cid, "record_interview", record_kind="on_site", person="张三（负责人）",
        held_at=(timezone.now() - dt.timedelta(days=29)).isoformat(), place="昌吉市北京南路1号",
        record="执法人员出示证件后检查，发现货架上有超过保质期的酱牛肉12袋。")  # fmt: skip
    act(officer, cid, "request_filing", opinion="涉嫌违反食品安全法第三十四条，建议立案")
    filed = act(head, cid, "approve_filing", filed_on=day(28), opinion="同意立案")
    assert filed["number"].startswith("昌市监立〔")

    # 调查取证: evidence, a 询问笔录 in the case room with its video, 先行登记保存, 扣押 (released)
    video = cw.evidence(case, step="case_room_interview")
    act(officer, cid, "record_interview", person="张三", held_at=(timezone.now() - dt.timedelta(days=22)).isoformat(),
        place="执法办案场所", in_case_room=True, av_evidence_id=video.pk,
        record="问：酱牛肉何时开始销售？答：今年2月。问：卖出多少？答：4袋。")  # fmt: skip
    act(officer, cid, "preserve_evidence", items="酱牛肉8袋\n进货单据3张", started_on=day(22), head_approved=True,
        storage_place="当事人仓库")  # fmt: skip
    act(officer, cid, "seize", measure="seize", items="过期酱牛肉20箱", started_on=day(22), head_approved=True,
        av_evidence_id=video.pk, reason="涉嫌销售过期食品", legal_basis="《中华人民共和国食品安全法》第一百一十条")  # fmt: skip
    for m in Case.objects.get(pk=cid).measures.all():
        act(officer, cid, "release_measure", measure_id=m.pk, released_on=day(21), outcome="依法处理")
    act(officer, cid, "submit_review", report="调查终结报告")
    act(reviewer, cid, "approve_review", opinion="事实清楚，证据确凿")

    # 告知 with the hearing right (150000 reaches the organisation standard) → 告知书 + 听证告知书
    body = act(officer, cid, "notify", served_on=day(20), facts="当事人销售超过保质期的食品",
               basis="《中华人民共和国食品安全法》第一百二十四条", proposed_kinds=["fine", "confiscate_property"],
               proposed_fine="150000")  # fmt: skip
    assert body["hearing_right"] is True
    act(officer, cid, "request_hearing", received_on=day(19))
    act(officer, cid, "schedule_hearing", notified_on=day(18), scheduled_for=day(6), place="第一听证室",
        host_officer_id=w.reviewer.officer_id)  # fmt: skip
    act(
        officer,
        cid,
        "record_hearing",
        held_on=day(6),
        record="主持人宣布听证纪律。\n当事人申辩。",
        recorder="丁记录",
    )
    decided = act(head, cid, "decide", outcome="penalty", penalty_kinds=["fine", "confiscate_property"],
                  fine_amount="120000", facts="当事人销售超过保质期的食品12袋",
                  basis="《中华人民共和国食品安全法》第一百二十四条第一款第（五）项", decided_on=day(3))  # fmt: skip
    assert decided["state"] == "decided"
    act(officer, cid, "serve", method="direct", served_on=day(2), recipient="张三", place="昌吉市北京南路1号")
    act(officer, cid, "record_payment", paid_on=day(1), amount="120000")
    act(officer, cid, "record_performed", done_on=day(0), note="没收的食品已销毁")
    act(head, cid, "close", closed_on=day(0), summary="已执行完毕，建议结案")

    # then every kind was issued once, numbered where the kind is, linked to the case, and verifies
    docs = list(IssuedDocument.objects.filter(case_id=cid).select_related("kind"))
    assert sorted(d.kind.code for d in docs) == sorted(EXPECTED)
    for d in docs:
        prefix = EXPECTED[d.kind.code]
        if prefix:
            assert re.fullmatch(rf"昌市监{prefix}〔{year}〕\d+号", d.number), d.number
        else:
            assert d.number == ""
        if d.kind.code == "case_filing":  # one 立 number per case: the 案号 printed on the form
            assert d.context["case_number"] == Case.objects.get(pk=cid).number
        result = verify_document(d)
        assert result.ok, (d.kind.code, result.problems)
    by_kind = {d.kind.code: d for d in docs}

    # and each step points to its document
    case = Case.objects.get(pk=cid)
    assert case.filing_document_id == by_kind["case_filing"].pk
    assert case.closing_document_id == by_kind["case_closing"].pk
    kinds_of = {i.record_kind: i.document_id for i in Interview.objects.filter(case=case)}
    assert kinds_of == {"on_site": by_kind["on_site_record"].pk, "inquiry": by_kind["inquiry_record"].pk}
    assert {m.kind: m.document_id for m in Measure.objects.filter(case=case)} == {
        "preserve": by_kind["evidence_preservation_notice"].pk,
        "seize": by_kind["seizure_decision"].pk,
    }
    notice = Notice.objects.get(case=case)
    assert (notice.document_id, notice.hearing_document_id) == (
        by_kind["penalty_notice"].pk,
        by_kind["hearing_notice"].pk,
    )
    assert Hearing.objects.get(case=case).document_id == by_kind["hearing_record"].pk
    assert Decision.objects.get(case=case).document_id == by_kind["penalty_decision"].pk
    assert Service.objects.get(case=case).document_id == by_kind["service_receipt"].pk

    # the 决定书 carries the 第五十九条 items built from the case
    ctx = by_kind["penalty_decision"].context
    assert ctx["party_name"] == "昌吉市某某食品有限公司" and ctx["party_address"] == "昌吉市北京南路1号"
    assert any("视听资料" in e for e in ctx["evidence"]) and any("询问笔录" in e for e in ctx["evidence"])
    assert ctx["penalty"] == ["罚款人民币120,000.00元", "没收非法财物"]
    assert "第一百二十四条" in ctx["legal_basis"]
    assert "十五日" in ctx["performance"] and "第六十七条" in ctx["performance"]
    assert ctx["review_body"] == "昌吉市人民政府" and ctx["court"] == "昌吉市人民法院"
    assert ctx["agency_name"] == "昌吉市市场监督管理局" and ctx["decision_date"] == day(3)
    assert "举行了听证" in ctx["statement"]
    # the 送达回证 names the 决定书 by its number
    assert by_kind["penalty_decision"].number in by_kind["service_receipt"].context["served_document"]
    assert by_kind["case_filing"].context["filing_opinion"].startswith("涉嫌违反食品安全法")

    # the timeline (from the ledger) shows each issue with its number, inside its step
    timeline = officer.get(f"/api/v1/cases/{cid}/timeline").json()
    labels = [e["label"] for e in timeline]
    decision_label = f"签发《行政处罚决定书》{by_kind['penalty_decision'].number}"
    assert decision_label in labels
    assert labels.index("作出决定") == labels.index(decision_label) + 1
    assert sum(1 for x in labels if x.startswith("签发《")) == len(EXPECTED)
    # the step's ledger event lists the documents it issued
    decide_event = next(e for e in timeline if e["event_type"] == "case.decided")
    assert decide_event["payload"]["documents"][0]["number"] == by_kind["penalty_decision"].number
    # the case page lists the case's documents with their numbers and download links
    page = officer.get(f"/console/cases/{cid}/").content.decode()
    assert by_kind["penalty_decision"].number in page
    assert f"/console/documents/{by_kind['penalty_decision'].pk}/download/" in page


def _ready_to_decide(cw, party):
    w = cw.w
    case = cw.new_case(party=party)
    services.transition(w.officer, case, "start_verification")
    services.transition(w.officer, case, "request_filing", opinion="建议立案")
    services.transition(w.head, case, "approve_filing", filed_on=timezone.localdate() - dt.timedelta(days=20))
    cw.evidence(case, kind="documentary", content_type="image/jpeg")
    services.transition(w.officer, case, "submit_review", report="r")
    services.transition(w.reviewer, case, "approve_review", opinion="ok")
    day = timezone.localdate() - dt.timedelta(days=10)
    services.transition(w.officer, case, "notify", served_on=day, facts="f", proposed_kinds=["warning"])
    services.transition(w.officer, case, "record_statement", kind="waiver", received_on=day)
    return case


def test_decision_missing_a_59_item_is_refused_with_the_article_and_changes_nothing(cw):
    w = cw.w
    # given a party registered without an address (第五十九条第一项) and a case ready for the decision
    party = services.register_party(
        w.officer, kind="organisation", name="昌吉市无址商贸有限公司", uscc=make_uscc(933)
    )
    case = _ready_to_decide(cw, party)
    before = snapshot()
    numbers = list(DocumentNumberSequence.objects.values_list("kind__code", "next_number"))
    docs = IssuedDocument.objects.count()

    # when the head decides a penalty: refused with 第五十九条, naming the missing item
    with pytest.raises(DomainError) as err:
        services.transition(
            w.head, case, "decide", outcome="penalty", penalty_kinds=["warning"], facts="f",
            basis="《某法》第十条", decided_on=timezone.localdate(),
        )  # fmt: skip
    assert "第五十九条" in err.value.citation and "当事人的地址" in err.value.message
    assert err.value.code == "document_content_incomplete"
    # then nothing changed: no decision, no document, no number consumed, no ledger event
    assert snapshot() == before
    assert IssuedDocument.objects.count() == docs
    assert list(DocumentNumberSequence.objects.values_list("kind__code", "next_number")) == numbers
    assert Case.objects.get(pk=case.pk).state == "notified"

    # and a decision without its basis (第五十九条第三项) is refused the same way
    case2 = _ready_to_decide(cw, cw.company)
    with pytest.raises(DomainError) as err:
        services.transition(
            w.head, case2, "decide", outcome="penalty", penalty_kinds=["warning"], facts="f",
            decided_on=timezone.localdate(),
        )  # fmt: skip
    assert "第五十九条" in err.value.citation and "行政处罚的依据" in err.value.message
    assert not Decision.objects.filter(case=case2).exists()

    # with the basis it goes through, and the 决定书 verifies
    done = services.transition(
        w.head, case2, "decide", outcome="penalty", penalty_kinds=["warning"], facts="f",
        basis="《某法》第十条", decided_on=timezone.localdate(),
    )  # fmt: skip
    doc = IssuedDocument.objects.get(pk=done.decision.document_id)
    assert doc.case_id == case2.pk and verify_document(doc).ok


def test_a_refused_document_refuses_the_step_through_the_api(cw):
    # given a case whose party is unknown yet: the 立案审批表 needs the 当事人
    w = cw.w
    case = services.create_case(
        w.officer, title="无照经营", source_type="complaint", source_received_on=timezone.localdate(),
        domain=w.market_domain,
    )  # fmt: skip
    services.assign_officer(w.officer, case, w.market_officer, "lead")
    services.assign_officer(w.officer, case, cw.officer2_record, "assist")
    services.transition(w.officer, case, "start_verification")
    services.transition(w.officer, case, "request_filing", opinion="建议立案")
    before = snapshot()
    err = refused_api(client_for(w.head), case.pk, "approve_filing", filed_on=str(timezone.localdate()))
    assert err["code"] == "document_content_incomplete" and "当事人" in err["message"]
    # then the case is not filed, no 案号 was taken, nothing was written
    assert snapshot() == before
    case.refresh_from_db()
    assert case.state == "filing_review" and case.number == "" and case.filing_document_id is None


def test_onsite_decision_issues_the_decision_document(cw):
    w = cw.w
    case = cw.new_case(procedure="simple", party=cw.person, title="占道经营")
    done = services.transition(
        w.officer, case, "onsite_decide", penalty_kinds=["fine"], fine_amount="100", facts="占道经营",
        basis="《某条例》第十条", decided_at=timezone.now(), place="昌吉市延安路", party_informed=True,
    )  # fmt: skip
    doc = IssuedDocument.objects.get(pk=done.decision.document_id)
    assert doc.kind.code == "penalty_decision" and doc.case_id == case.pk and doc.number
    assert doc.context["party_address"] == "未登记" and "第五十一条" in doc.context["case_source_text"]
    assert verify_document(doc).ok
