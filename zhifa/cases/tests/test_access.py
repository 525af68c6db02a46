"""Scoping, 调阅 events, access reports, party page, console pages and the evidence upload handler."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from zhifa.cases import services
from zhifa.cases.tests.conftest import client_for, snapshot
from zhifa.cases.uploads import evidence_upload_completed
from zhifa.core.errors import DomainError
from zhifa.files.services import store_bytes
from zhifa.ledger.models import Event

pytestmark = pytest.mark.django_db


def test_views_are_recorded_and_outsiders_denied(cw):
    w = cw.w
    case = cw.filed_case()
    r = client_for(w.officer).get(f"/api/v1/cases/{case.pk}")
    assert r.status_code == 200 and r.json()["number"] == case.number
    assert Event.objects.filter(case_id=case.pk, event_type="case.viewed", actor_id=w.officer.pk).exists()
    # another agency's officer: 404 and an access.denied event
    r = client_for(w.officer_b).get(f"/api/v1/cases/{case.pk}")
    assert r.status_code == 404
    assert Event.objects.filter(event_type="access.denied", subject_type="cases.case", subject_id=str(case.pk),
                                actor_id=w.officer_b.pk).exists()  # fmt: skip
    assert client_for(w.officer_b).get("/api/v1/cases/").json() == []
    assert client_for(w.officer_b).get(f"/api/v1/cases/{case.pk}/timeline").status_code == 404
    assert client_for(w.officer_b).post(f"/api/v1/cases/{case.pk}/transitions/submit_review", {"report": "x"},
                                        content_type="application/json").status_code == 404  # fmt: skip
    # the supervisor of the city reads it; anonymous callers get nothing
    assert client_for(w.supervisor).get(f"/api/v1/cases/{case.pk}").status_code == 200
    from django.test import Client

    assert Client().get(f"/api/v1/cases/{case.pk}").status_code == 401


def test_supervisor_cannot_act_and_denial_is_recorded(cw):
    w = cw.w
    case = cw.new_case()
    before = snapshot()
    with pytest.raises(DomainError):
        services.transition(w.supervisor, case, "start_verification")
    assert snapshot()[0] == before[0]
    assert Event.objects.order_by("-id").first().event_type == "access.denied"


def test_officer_not_on_the_case_cannot_act(cw):
    w = cw.w
    case = cw.new_case(officers=False)
    services.assign_officer(w.head, case, cw.officer2_record, "lead")
    services.assign_officer(w.head, case, w.reviewer.officer, "assist")
    services.transition(w.head, case, "start_verification")
    with pytest.raises(DomainError) as info:
        services.transition(w.officer, case, "request_filing", opinion="x")
    assert info.value.code == "not_case_officer"


def test_access_report_per_case_and_per_user(cw):
    w = cw.w
    case = cw.filed_case()
    client_for(w.officer).get(f"/api/v1/cases/{case.pk}")
    client_for(w.officer_b).get(f"/api/v1/cases/{case.pk}")
    report = client_for(w.supervisor).get(f"/api/v1/cases/{case.pk}/access-report").json()
    kinds = {(r["actor"], r["event_type"]) for r in report}
    assert (w.officer.display_name, "case.viewed") in kinds
    assert (w.officer_b.display_name, "access.denied") in kinds
    per_user = client_for(w.head).get(f"/api/v1/cases/access-report/users/{w.officer.pk}").json()
    assert any(r["case_id"] == case.pk and r["event_type"] == "case.viewed" for r in per_user)
    # officers may not read the report; the refusal is recorded
    r = client_for(w.officer).get(f"/api/v1/cases/{case.pk}/access-report")
    assert r.status_code == 403
    # a head of another agency cannot read the report of a user outside their agency
    assert client_for(w.head).get(f"/api/v1/cases/access-report/users/{w.officer_b.pk}").status_code == 404


def test_party_page_in_scope(cw):
    w = cw.w
    case = cw.filed_case()
    body = client_for(w.officer).get(f"/api/v1/cases/parties/{cw.company.pk}").json()
    assert [c["id"] for c in body["cases"]] == [case.pk]
    assert client_for(w.officer_b).get(f"/api/v1/cases/parties/{cw.company.pk}").status_code == 404
    page = client_for(w.supervisor).get(f"/console/cases/parties/{cw.company.pk}/")
    assert page.status_code == 200 and case.number in page.content.decode()


def test_identifiers_are_validated(cw):
    with pytest.raises(DomainError) as info:
        services.register_party(cw.w.officer, kind="natural", name="王五", id_type="resident_id",
                                id_number="652301199001010010")  # fmt: skip
    assert info.value.code == "id_number_invalid"
    with pytest.raises(DomainError):
        services.register_party(cw.w.officer, kind="organisation", name="无代码公司")


def test_console_pages(cw):
    w = cw.w
    case = cw.filed_case()
    c = client_for(w.officer)
    page = c.get(f"/console/cases/{case.pk}/").content.decode()
    assert case.number in page and "调查终结，提交审核" in page and "作出处理决定" in page
    assert "昌吉市某某食品有限公司" in page
    assert case.title in c.get("/console/cases/").content.decode()
    # a step through the console form; a refusal shows the article and changes nothing
    r = c.post(f"/console/cases/{case.pk}/act/submit_review/", {"report": "报告"}, follow=True)
    assert "第四十条" in r.content.decode()
    r = c.post(f"/console/cases/{case.pk}/evidence/", {"kind": "documentary", "title": "营业执照复印件",
               "recorded_at": "2026-01-05T10:00", "file": _upload()}, follow=True)  # fmt: skip
    assert "证据已登记" in r.content.decode()
    r = c.post(f"/console/cases/{case.pk}/act/submit_review/", {"report": "报告"}, follow=True)
    assert "已办理：调查终结，提交审核" in r.content.decode()
    ev = case.evidence.get()
    assert c.get(f"/console/cases/evidence/{ev.pk}/download/").status_code == 200
    assert Event.objects.filter(case_id=case.pk, event_type="case.evidence_downloaded").exists()
    assert client_for(w.officer_b).get(f"/console/cases/{case.pk}/").status_code == 404


def test_console_create_case(cw):
    c = client_for(cw.w.officer)
    r = c.post("/console/cases/new/", {"title": "无照经营", "procedure": "ordinary", "source_type": "inspection",
               "source_received_on": str(timezone.localdate()), "domain": cw.w.market_domain.pk,
               "party_kind": "organisation", "party_name": "某公司", "party_uscc": cw.company.uscc}, follow=True)  # fmt: skip
    assert "案源已登记" in r.content.decode()


def test_home_sections_show_due_and_overdue_steps(cw):
    from zhifa.cases.console import home_sections
    from zhifa.cases.models import CaseDeadline

    case = cw.filed_case()
    CaseDeadline.objects.filter(case=case, key="decide").update(
        due_on=timezone.localdate() - dt.timedelta(days=2)
    )
    sections = home_sections(cw.w.officer)
    due = sections[0]
    assert due.attention and "已逾期2天" in due.rows[0].badge and "作出处理决定" in due.rows[0].text
    assert case.title in sections[1].rows[0].text
    assert home_sections(cw.w.officer_b)[0].rows == []
    assert "办案期限" in client_for(cw.w.officer).get("/console/").content.decode()


def test_evidence_upload_handler(cw):
    w = cw.w
    case = cw.filed_case()
    blob = store_bytes(b"\x00body-camera", content_type="video/mp4")
    upload = SimpleNamespace(metadata={"purpose": "evidence", "case_id": str(case.pk), "evidence_type": "audiovisual",
                                       "filename": "cam.mp4", "recorded_at": "2026-01-02T09:00:00", "device": "DSJ-9",
                                       "place": "现场"})  # fmt: skip
    ev = evidence_upload_completed(upload, blob, w.officer)
    assert ev.blob == blob and ev.is_av and ev.device == "DSJ-9"
    event = Event.objects.get(case_id=case.pk, event_type="case.evidence_added")
    assert event.data["sm3"] == blob.sm3 and event.data["channel"] == "upload"
    # an outsider's upload is refused (and so would leave the upload unfinished)
    with pytest.raises(DomainError):
        evidence_upload_completed(upload, blob, w.officer_b)
    services.record_custody(w.officer, ev, action="sealed", note="封存于证据室")
    assert Event.objects.filter(case_id=case.pk, event_type="case.evidence_custody").exists()


def _upload():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("licence.pdf", b"%PDF-1.4 test", content_type="application/pdf")
