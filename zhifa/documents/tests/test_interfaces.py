"""API, console and templates (HTML versions and Word/docxtpl)."""

import io
import json

import docx
import pytest

from zhifa.core.errors import PermissionDenied, ValidationFailed
from zhifa.documents import kinds, services
from zhifa.documents.models import DocumentTemplate
from zhifa.documents.tests.helpers import pdf_text, squash
from zhifa.files.services import read_bytes
from zhifa.ledger.models import Event

DECISION = kinds.PENALTY_DECISION


@pytest.fixture
def doc(world, decision_context):
    return services.issue_document(
        user=world.officer, agency=world.market, kind=DECISION, context=decision_context, case_id=5
    )


def _login(client, user):
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_api_issue_list_detail_download_verify(client, world, decision_context):
    _login(client, world.officer)
    # issue through the API
    r = client.post(
        "/api/v1/documents/",
        data=json.dumps(
            {"agency_id": world.market.pk, "kind": DECISION, "context": decision_context, "case_id": 9}
        ),
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["number"].startswith("昌市监罚〔") and body["case_id"] == 9
    doc_id = body["id"]
    # a refusal carries the article
    bad = {k: v for k, v in decision_context.items() if k != "facts"}
    r = client.post(
        "/api/v1/documents/",
        data=json.dumps({"agency_id": world.market.pk, "kind": DECISION, "context": bad}),
        content_type="application/json",
    )
    assert r.status_code == 400 and r.json()["error"]["citation"] == "《行政处罚法》第五十九条"
    assert [d["id"] for d in client.get("/api/v1/documents/?case_id=9").json()["items"]] == [doc_id]
    assert client.get(f"/api/v1/documents/{doc_id}").json()["context"]["party_name"] == "昌吉市某某食品经营部"
    # download: the bytes, and a 调阅 event on the case's timeline
    r = client.get(f"/api/v1/documents/{doc_id}/download")
    assert r.status_code == 200 and b"".join(r.streaming_content).startswith(b"%PDF")
    event = Event.objects.get(event_type="document.downloaded", subject_id=str(doc_id))
    assert event.actor_id == world.officer.pk and event.case_id == 9
    assert client.get(f"/api/v1/documents/{doc_id}/verify").json()["ok"] is True


@pytest.mark.django_db
def test_api_scoping_and_denials(client, world, doc):
    # another agency's officer sees nothing and a direct lookup is a recorded denial
    _login(client, world.officer_b)
    assert client.get("/api/v1/documents/").json()["items"] == []
    assert client.get(f"/api/v1/documents/{doc.pk}/download").status_code == 404
    assert Event.objects.filter(event_type="access.denied", actor_id=world.officer_b.pk).exists()
    assert not Event.objects.filter(event_type="document.downloaded").exists()
    # issuing for another agency is refused
    r = client.post(
        "/api/v1/documents/",
        data=json.dumps({"agency_id": world.market.pk, "kind": DECISION, "context": doc.context}),
        content_type="application/json",
    )
    assert r.status_code == 403, r.content.decode()
    # the supervisor of the jurisdiction reads it
    _login(client, world.supervisor)
    assert [d["id"] for d in client.get("/api/v1/documents/").json()["items"]] == [doc.pk]
    assert client.get(f"/api/v1/documents/{doc.pk}").status_code == 200


@pytest.mark.django_db
def test_console_list_detail_download(client, world, doc):
    _login(client, world.officer)
    assert doc.number in client.get("/console/documents/").content.decode()
    page = client.get(f"/console/documents/{doc.pk}/").content.decode()
    assert "验证通过" in page and doc.sm3 in page
    assert Event.objects.filter(event_type="document.viewed", subject_id=str(doc.pk)).exists()
    r = client.get(f"/console/documents/{doc.pk}/download/")
    assert r.status_code == 200
    assert Event.objects.filter(event_type="document.downloaded", subject_id=str(doc.pk)).exists()
    _login(client, world.officer_b)
    assert doc.number not in client.get("/console/documents/").content.decode()
    assert client.get(f"/console/documents/{doc.pk}/").status_code == 404


@pytest.mark.django_db
def test_console_templates_and_preview(client, world):
    _login(client, world.head)
    page = client.get("/console/documents/templates/").content.decode()
    assert "行政处罚决定书" in page and "新增模板版本" in page
    r = client.get(f"/console/documents/templates/{DECISION}/preview/")
    assert r["Content-Type"] == "application/pdf"
    assert "行政处罚决定书（样张）" in squash(pdf_text(r.content))
    # a head saves an agency version from the console; it is used from now on
    body = '{% extends "documents/defaults/_layout.html" %}{% block body %}<p>本局专用告知：{{ party_name }}</p>{% endblock %}'
    r = client.post(
        "/console/documents/templates/new/",
        {"agency": world.market.pk, "kind": "penalty_notice", "name": "本局告知书", "body": body},
    )
    assert r.status_code == 302
    assert DocumentTemplate.objects.get(agency=world.market, kind__code="penalty_notice").version == 1
    # an officer sees the list but no form
    _login(client, world.officer)
    assert "新增模板版本" not in client.get("/console/documents/templates/").content.decode()


@pytest.mark.django_db
def test_agency_html_template_versions(world):
    body = '{% extends "documents/defaults/_layout.html" %}{% block body %}<p>本局专用告知：{{ party_name }}</p>{% endblock %}'
    t1 = services.create_html_template(user=world.head, agency=world.market, kind="penalty_notice", body=body)
    t2 = services.create_html_template(
        user=world.head, agency=world.market, kind="penalty_notice", body=body + " "
    )
    t1.refresh_from_db()
    assert (t1.version, t1.active, t2.version, t2.active) == (1, False, 2, True)
    assert Event.objects.filter(event_type="document.template_created").count() == 2
    doc = services.issue_document(
        user=world.officer,
        agency=world.market,
        kind="penalty_notice",
        context=kinds.sample_context("penalty_notice"),
    )
    assert doc.template == t2 and "本局专用告知：昌吉市某某食品经营部" in squash(
        pdf_text(read_bytes(doc.blob))
    )
    # the ecology agency still gets the shipped default
    other = services.issue_document(
        user=world.officer_b,
        agency=world.ecology,
        kind="penalty_notice",
        context=kinds.sample_context("penalty_notice"),
    )
    assert other.template is None and other.template_label == "平台内置模板"
    # a broken template is refused; an officer may not change templates; only admins set platform defaults
    with pytest.raises(ValidationFailed):
        services.create_html_template(
            user=world.head, agency=world.market, kind="penalty_notice", body="{% if %}"
        )
    with pytest.raises(PermissionDenied):
        services.create_html_template(
            user=world.officer, agency=world.market, kind="penalty_notice", body=body
        )
    with pytest.raises(PermissionDenied):
        services.create_html_template(user=world.head, agency=None, kind="penalty_notice", body=body)


def _docx_bytes(*paragraphs):
    document = docx.Document()
    for p in paragraphs:
        document.add_paragraph(p)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


@pytest.mark.django_db
def test_word_template_upload_and_render(world):
    data = _docx_bytes("{{ agency.name }}", "行政处罚告知书", "{{ party_name }}：", "{{ proposed_penalty }}")
    template = services.upload_word_template(
        user=world.head, agency=world.market, kind="penalty_notice", data=data
    )
    assert template.format == "docx" and template.docx.size == len(data)
    out = services.render_word(
        user=world.officer,
        template=template,
        context={"party_name": "<某>经营部", "proposed_penalty": "罚款5000元"},
    )
    text = [p.text for p in docx.Document(io.BytesIO(out)).paragraphs]
    assert text == ["昌吉市市场监督管理局", "行政处罚告知书", "<某>经营部：", "罚款5000元"]
    with pytest.raises(ValidationFailed):
        services.upload_word_template(
            user=world.head, agency=world.market, kind="penalty_notice", data=b"not a docx"
        )
    with pytest.raises(PermissionDenied):
        services.upload_word_template(
            user=world.officer_b, agency=world.market, kind="penalty_notice", data=data
        )
    # another agency's officer cannot use it
    with pytest.raises(Exception) as err:
        services.render_word(user=world.officer_b, template=template, context={})
    assert getattr(err.value, "code", "") == "not_found"
