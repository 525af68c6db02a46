"""A full 普通程序 penalty case from 案源 to 归档 through the API, and the 简易程序 path."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from zhifa.cases.models import Case, CaseDeadline, State
from zhifa.cases.tests.conftest import client_for
from zhifa.catalog import services as catalog
from zhifa.catalog.models import Kind
from zhifa.ledger.models import Event

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


def post(client, url, data):
    r = client.post(url, data, content_type="application/json")
    return r


def act(client, case_id, action, **data):
    r = post(client, f"/api/v1/cases/{case_id}/transitions/{action}", data)
    assert r.status_code == 200, (action, r.json())
    return r.json()


def test_full_ordinary_case_through_the_api(cw):
    w = cw.w
    publish_threshold(w)
    today = timezone.localdate()
    officer, head, reviewer = client_for(w.officer), client_for(w.head), client_for(w.reviewer)

    # 案源登记 with a new party (identifier validated), two officers
    party = post(
        officer,
        "/api/v1/cases/parties",
        {"kind": "organisation", "name": "昌吉市某某商贸有限公司", "uscc": cw.company.uscc[:-1] + "0"},
    )
    assert party.status_code == 400 and party.json()["error"]["code"] == "uscc_invalid"
    party = post(
        officer, "/api/v1/cases/parties", {"kind": "organisation", "name": "某公司", "uscc": cw.company.uscc}
    )
    assert party.json()["id"] == cw.company.pk  # one 执法对象 record, reused
    r = post(
        officer,
        "/api/v1/cases/",
        {
            "title": "销售超过保质期的食品",
            "source_type": "complaint",
            "source_description": "12315转办",
            "source_received_on": str(today - dt.timedelta(days=40)),
            "domain": "market",
            "party_ids": [cw.company.pk],
        },
    )
    assert r.status_code == 201, r.json()
    case_id = r.json()["id"]
    assert r.json()["state"] == "registered"
    for officer_id, role in ((w.market_officer.pk, "lead"), (cw.officer2_record.pk, "assist")):
        assert (
            post(
                officer, f"/api/v1/cases/{case_id}/officers", {"officer_id": officer_id, "role": role}
            ).status_code
            == 201
        )

    act(officer, case_id, "start_verification", note="现场核查")
    act(officer, case_id, "request_filing", opinion="涉嫌违反食品安全法")
    filed = act(head, case_id, "approve_filing", filed_on=str(today - dt.timedelta(days=35)))
    year = (today - dt.timedelta(days=35)).year
    assert filed["number"] == f"昌市监立〔{year}〕1号"
    assert filed["state"] == "investigating"

    # 调查取证: evidence (plain upload), a case-room interview with its video, 扣押 with full AV, released
    r = officer.post(
        f"/api/v1/cases/{case_id}/evidence",
        {"kind": "audiovisual", "title": "询问同步录音录像", "recorded_at": (timezone.now() - dt.timedelta(days=30)).isoformat(),
         "device": "DSJ-001", "place": "执法办案场所", "step": "case_room_interview",
         "file": _file(b"interview-video", "interview.mp4", "video/mp4")},
    )  # fmt: skip
    assert r.status_code == 201, r.json()
    video_id = r.json()["id"]
    assert r.json()["sm3"] and r.json()["kind_label"] == "视听资料"
    act(officer, case_id, "record_interview", person="张三", held_at=(timezone.now() - dt.timedelta(days=30)).isoformat(),
        place="执法办案场所", in_case_room=True, record="问：……答：……", av_evidence_id=video_id)  # fmt: skip
    seized = act(officer, case_id, "seize", measure="seize", items="过期食品20箱",
                 started_on=str(today - dt.timedelta(days=30)), head_approved=True, av_evidence_id=video_id)  # fmt: skip
    case = Case.objects.get(pk=case_id)
    measure = case.measures.get()
    act(officer, case_id, "release_measure", measure_id=measure.pk, released_on=str(today - dt.timedelta(days=20)),
        outcome="依法没收")  # fmt: skip
    assert seized["state"] == "investigating"

    act(officer, case_id, "submit_review", report="调查终结报告")
    act(reviewer, case_id, "approve_review", opinion="事实清楚，证据确凿", collective_required=True)

    # 告知: the fine reaches the 较大数额 standard for organisations → hearing right
    notice_day = today - dt.timedelta(days=20)
    body = act(officer, case_id, "notify", served_on=str(notice_day), facts="销售过期食品",
               proposed_kinds=["fine", "confiscate_property"], proposed_fine="150000")  # fmt: skip
    assert body["hearing_right"] is True
    act(officer, case_id, "request_hearing", received_on=str(notice_day + dt.timedelta(days=1)))
    act(officer, case_id, "schedule_hearing", notified_on=str(notice_day + dt.timedelta(days=2)),
        scheduled_for=str(today - dt.timedelta(days=5)), place="第一听证室", host_officer_id=w.reviewer.officer_id)  # fmt: skip
    act(officer, case_id, "record_hearing", held_on=str(today - dt.timedelta(days=5)), record="听证笔录……")
    act(head, case_id, "refer_collective", note="重大案件")
    act(head, case_id, "record_collective", held_on=str(today - dt.timedelta(days=4)), participants="局长、副局长",
        conclusion="同意处罚")  # fmt: skip
    decided = act(head, case_id, "decide", outcome="penalty", penalty_kinds=["fine", "confiscate_property"],
                  fine_amount="120000", facts="销售过期食品", basis="食品安全法第一百二十四条",
                  decided_on=str(today - dt.timedelta(days=3)))  # fmt: skip
    assert decided["state"] == "decided"
    act(
        officer,
        case_id,
        "serve",
        method="direct",
        served_on=str(today - dt.timedelta(days=2)),
        recipient="张三",
    )
    act(officer, case_id, "record_payment", paid_on=str(today - dt.timedelta(days=1)), amount="120000")
    act(officer, case_id, "record_performed", done_on=str(today), note="没收的过期食品已销毁")
    act(head, case_id, "close", closed_on=str(today), summary="已缴清罚款")
    done = act(officer, case_id, "archive", archived_on=str(today))
    assert done["state"] == "archived"

    # the timeline is read from the ledger, with Chinese labels, in order
    timeline = officer.get(f"/api/v1/cases/{case_id}/timeline").json()
    labels = [e["label"] for e in timeline]
    for expected in ("案源登记", "批准立案", "查封/扣押", "事先告知", "当事人要求听证", "听证笔录", "集体讨论记录",
                     "作出决定", "送达决定书", "登记缴款", "结案", "归档"):  # fmt: skip
        assert expected in labels, expected
    assert labels.index("批准立案") < labels.index("作出决定") < labels.index("归档")
    assert all(e["case_id"] == case_id for e in Event.objects.filter(case_id=case_id).values("case_id"))

    # deadlines were stored with their rule versions and explanations, and met
    dls = {d.key: d for d in CaseDeadline.objects.filter(case_id=case_id)}
    # a 市场监管 case runs on the sector version of 第六十条's 90 days (the SAMR rules add one 30-day extension)
    assert dls["decide"].rule_code == "penalty.decide.market" and "第六十条" in dls["decide"].explanation
    assert dls["seizure"].rule_code == "coercion.seizure" and dls["seizure"].status == "met"
    assert dls["payment"].rule.code == "penalty.payment" and dls["payment"].status == "met"
    assert dls["reply"].rule_code == "penalty.hearing_request"
    assert not CaseDeadline.objects.filter(case_id=case_id, status="open").exists()


def _file(data: bytes, name: str, content_type: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type=content_type)


def test_simple_procedure_onsite_penalty(cw):
    w = cw.w
    case = cw.new_case(procedure="simple", party=cw.person, title="占道经营")
    c = client_for(w.officer)
    body = act(c, case.pk, "onsite_decide", penalty_kinds=["fine"], fine_amount="200", facts="占道经营",
               basis="《某条例》第十条", decided_at=timezone.now().isoformat(), place="昌吉市延安路",
               party_informed=True, statement="无异议")  # fmt: skip
    assert body["state"] == "executing" and body["number"].startswith("昌市监立〔")
    case.refresh_from_db()
    assert case.decision.onsite and case.services.get().method == "on_spot"
    payment = case.deadlines.get(key="payment")
    assert payment.rule_code == "penalty.payment" and payment.due_on >= timezone.localdate() + dt.timedelta(
        days=15
    )
    act(c, case.pk, "record_payment", paid_on=str(timezone.localdate()), amount="200")
    act(client_for(w.head), case.pk, "close", closed_on=str(timezone.localdate()), summary="当场缴纳")
    assert act(c, case.pk, "archive", archived_on=str(timezone.localdate()))["state"] == State.ARCHIVED
    # the ordinary-procedure steps do not exist on this path
    r = post(c, f"/api/v1/cases/{case.pk}/transitions/notify", {})
    assert r.status_code == 409
