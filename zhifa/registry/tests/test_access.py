"""Scoping through the console and the API: who sees which officers and certificates; denials on the ledger."""

import pytest
from django.test import Client

from zhifa.api.auth import issue_token
from zhifa.ledger.models import Event

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def denied_events(user, subject_type):
    return Event.objects.filter(event_type="access.denied", actor_id=user.pk, subject_type=subject_type)


def test_officer_reads_own_agency_officer_via_api(world):
    c = client_for(world.officer)
    r = c.get(f"/api/v1/registry/officers/{world.market_officer.pk}")
    assert r.status_code == 200
    assert r.json()["name"] == world.market_officer.name
    assert r.json()["certificates"][0]["effective_status"] == "valid"


def test_officer_cannot_read_other_agency_officer_via_api_and_it_is_recorded(world):
    # given an officer of the ecology branch
    c = client_for(world.officer_b)
    # when they ask for a market officer by id
    r = c.get(f"/api/v1/registry/officers/{world.market_officer.pk}")
    # then 404 with a structured Chinese error, and the attempt is on the ledger
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "not_found"
    event = denied_events(world.officer_b, "registry.officer").get()
    assert event.subject_id == str(world.market_officer.pk)
    assert event.data["channel"] == "api"
    assert event.actor_agency_id == world.ecology.pk


def test_officer_cannot_read_other_agency_certificate_via_api(world):
    cert = world.market_officer.certificates.get()
    r = client_for(world.officer_b).get(f"/api/v1/registry/certificates/{cert.pk}")
    assert r.status_code == 404
    assert denied_events(world.officer_b, "registry.certificate").filter(subject_id=str(cert.pk)).exists()


def test_officer_cannot_read_other_agency_officer_via_console(world):
    r = client_for(world.officer_b).get(f"/console/registry/officers/{world.market_officer.pk}/")
    assert r.status_code == 404
    assert denied_events(world.officer_b, "registry.officer").get().data["channel"] == "console"


def test_lists_are_scoped(world):
    ids = {o["id"] for o in client_for(world.officer).get("/api/v1/registry/officers").json()["items"]}
    assert world.market_officer.pk in ids
    assert world.ecology_officer.pk not in ids
    # the city supervisor sees every agency of 昌吉市 but not the other county
    sup = client_for(world.supervisor).get("/api/v1/registry/officers?page=1").json()
    agencies = {o["agency_id"] for o in sup["items"]}
    assert {world.market.pk, world.ecology.pk} <= agencies
    assert world.other_market.pk not in agencies


def test_nonexistent_id_is_404_without_a_denial_event(world):
    r = client_for(world.officer).get("/api/v1/registry/officers/999999")
    assert r.status_code == 404
    assert not denied_events(world.officer, "registry.officer").exists()


def test_anonymous_gets_401_on_officers_but_reads_agencies_and_laws(world):
    c = Client()
    assert c.get("/api/v1/registry/officers").status_code == 401
    agencies = c.get("/api/v1/registry/agencies").json()["items"]
    assert {a["name"] for a in agencies} >= {"昌吉市市场监督管理局"}
    laws = c.get("/api/v1/laws/").json()["items"]
    assert {law["short_title"] for law in laws} == {"行政处罚法", "行政许可法", "行政强制法", "行政复议法"}


def test_public_certificate_check(world):
    cert = world.market_officer.certificates.get()
    body = Client().get(f"/api/v1/registry/certificates/check?number={cert.number}").json()
    assert body["status"] == "valid"
    assert body["holder"] == world.market_officer.name
    assert body["agency"] == "昌吉市市场监督管理局"
    assert "id_number" not in body and "phone" not in body
    assert Client().get("/api/v1/registry/certificates/check?number=NOPE").json()["status"] == "unknown"


def test_machine_token_reads_its_jurisdiction(world):
    _token, secret = issue_token(world.machine, "上级平台")
    c = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    r = c.get("/api/v1/registry/officers")
    assert r.status_code == 200
    assert r.json()["count"] == 4  # the prefecture subtree holds all four test officers
    assert Client(HTTP_AUTHORIZATION="Bearer zf_wrong").get("/api/v1/registry/officers").status_code == 401


def test_revoked_token_is_refused(world):
    token, secret = issue_token(world.machine, "上级平台")
    token.revoked_at = token.created_at
    token.save()
    assert Client(HTTP_AUTHORIZATION=f"Bearer {secret}").get("/api/v1/registry/officers").status_code == 401


def test_machine_client_cannot_write(world):
    _token, secret = issue_token(world.machine, "上级平台")
    c = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    r = c.post(
        "/api/v1/registry/officers",
        {"agency_id": world.market.pk, "name": "x"},
        content_type="application/json",
    )
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "permission_denied"


def test_head_creates_officer_via_api_and_bad_input_is_structured(world):
    c = client_for(world.head)
    r = c.post(
        "/api/v1/registry/officers",
        {"agency_id": world.market.pk, "name": "新同事", "domain_codes": ["market"]},
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    r = c.post(
        "/api/v1/registry/officers",
        {"agency_id": world.market.pk, "name": "新同事", "domain_codes": ["nope"]},
        content_type="application/json",
    )
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "unknown_domain"
    r = c.post("/api/v1/registry/officers", {"name": "缺机关"}, content_type="application/json")
    assert r.status_code == 422


def test_supervisor_suspends_certificate_via_api(world):
    cert = world.market_officer.certificates.get()
    r = client_for(world.supervisor).post(
        f"/api/v1/registry/certificates/{cert.pk}/status",
        {"action": "suspend", "reason": "调查"},
        content_type="application/json",
    )
    assert r.status_code == 200
    assert r.json()["effective_status"] == "suspended"
    r = client_for(world.head).post(
        f"/api/v1/registry/certificates/{cert.pk}/status",
        {"action": "reinstate", "reason": "x"},
        content_type="application/json",
    )
    assert r.status_code == 403


def test_law_import_restricted_to_supervisors_and_admins(world):
    text = "# 测试条例\n\n<!-- INFO END -->\n\n## 第一章 总则\n\n第一条 为了测试，制定本条例。\n\n第二条 本条例自公布之日起施行。\n"
    payload = {
        "code": "test-regulation",
        "text": text,
        "level": "local_regulation",
        "issuer": "某人大常委会",
        "version_date": "2026-01-01",
    }
    r = client_for(world.officer).post("/api/v1/laws/", payload, content_type="application/json")
    assert r.status_code == 403
    r = client_for(world.supervisor).post("/api/v1/laws/", payload, content_type="application/json")
    assert r.status_code == 201
    assert r.json()["article_count"] == 2


def test_openapi_document(world):
    r = Client().get("/api/v1/openapi.json")
    assert r.status_code == 200
    paths = r.json()["paths"]
    assert "/api/v1/registry/officers" in paths
    assert "/api/v1/laws/" in paths


def test_public_rows_stay_visible_to_agency_staff(world):
    # agencies are public (事前公示): an officer sees every agency, not only their own
    from zhifa.registry.models import Agency

    visible = set(Agency.objects.visible_to(world.officer).values_list("pk", flat=True))
    assert {world.market.pk, world.ecology.pk, world.other_market.pk} <= visible
    r = client_for(world.officer).get(f"/api/v1/registry/agencies/{world.ecology.pk}")
    assert r.status_code == 200
