"""The review loop through the API, with the same rules (and refusals) as the services."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from zhifa.reviews.tests.conftest import ALL_OK, client_for

pytestmark = pytest.mark.django_db


def post(client, url, data):
    return client.post(url, data, content_type="application/json")


def test_review_loop_through_the_api(rw):
    w = rw.w
    case = rw.ready_case()
    officer, reviewer, head = client_for(w.officer), client_for(w.reviewer), client_for(w.head)
    base = f"/api/v1/reviews/cases/{case.pk}"
    r = post(officer, f"{base}/drafts", {"outcome": "penalty", "penalty_kinds": ["fine"], "fine_amount": "150000",
                                         "facts": "当事人销售不合格产品。", "basis": "《产品质量法》第四十九条"})  # fmt: skip
    assert r.status_code == 201, r.json()
    draft = r.json()
    assert draft["in_scope"] and "目录清单第1项" in draft["scope_reasons"]
    # the reviewer may not write the draft
    r = post(reviewer, f"{base}/drafts", {"outcome": "penalty", "penalty_kinds": ["warning"], "facts": "x"})
    assert r.status_code == 403 and r.json()["error"]["code"] == "review_not_handler"
    r = post(officer, f"{base}/submit", {})
    assert r.status_code == 400 and r.json()["error"]["code"] == "materials_incomplete"
    assert {m["code"] for m in r.json()["error"]["details"]["missing"]} == {
        "investigation_report", "evidence", "statement_record", "risk_assessment"}  # fmt: skip
    for kind in ("investigation_report", "statement_record"):
        assert post(officer, f"{base}/materials", {"kind": kind, "from_case_record": True}).status_code == 201
    ev = case.evidence.first()
    assert post(officer, f"{base}/materials", {"kind": "evidence", "evidence_id": ev.pk}).status_code == 201
    upload = SimpleUploadedFile("风险评估.pdf", b"%PDF-1.4 risk", content_type="application/pdf")
    r = officer.post(f"{base}/materials/upload", {"kind": "risk_assessment", "file": upload})
    assert r.status_code == 201, r.json()
    assert r.json()["sm3"]
    r = post(officer, f"{base}/submit", {"note": "请审核"})
    assert r.status_code == 201, r.json()
    sub = r.json()
    assert sub["round"] == 1 and sub["due_on"]
    queue = reviewer.get("/api/v1/reviews/queue").json()
    assert [s["id"] for s in queue] == [sub["id"]]
    # the head may not issue an opinion
    opinion = {"conclusion": "problems", "checklist": ALL_OK, "summary": "请补充",
               "problems": [{"point": "facts", "description": "货值金额的计算依据不明"}]}  # fmt: skip
    r = post(head, f"/api/v1/reviews/submissions/{sub['id']}/opinion", opinion)
    assert r.status_code == 403 and r.json()["error"]["code"] == "not_a_reviewer"
    r = post(reviewer, f"/api/v1/reviews/submissions/{sub['id']}/opinion", opinion)
    assert r.status_code == 201, r.json()
    op = r.json()
    assert op["conclusion"] == "problems" and op["document_number"] and op["problems"][0]["point"] == "facts"
    problem_id = op["problems"][0]["id"]
    r = post(officer, f"{base}/submit", {})
    assert r.status_code == 400 and r.json()["error"]["code"] == "problems_unanswered"
    r = post(officer, f"{base}/submit", {"answers": {str(problem_id): "已补充货值计算明细"}})
    assert r.status_code == 201, r.json()
    sub2 = r.json()
    r = post(reviewer, f"/api/v1/reviews/submissions/{sub2['id']}/opinion",
             {"conclusion": "approve", "checklist": ALL_OK, "summary": "同意"})  # fmt: skip
    assert r.status_code == 201
    file = officer.get(base).json()
    assert file["approved"] and file["status"] == "审核意见：同意"
    assert [o["conclusion"] for o in file["opinions"]] == ["problems", "approve"]
    assert file["opinions"][0]["problems"][0]["answers"] == ["已补充货值计算明细"]
    # another agency's officer: not found (and recorded)
    assert client_for(w.officer_b).get(base).status_code == 404
