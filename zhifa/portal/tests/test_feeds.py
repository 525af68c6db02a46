"""Open data and docking: Atom feeds, the JSON API, the signed feed for the upper-level platform (verified with the
platform's public key), the record page (signed checkpoints), 核验文书. The portal's demo loader is tested in
zhifa/core/tests/test_demo_loaders.py, on the demo cases shared with the other loaders."""

# ruff: noqa: F811  (the `pw` fixture is imported from publications_support)
from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from zhifa.api.auth import issue_token
from zhifa.cases import services as cases
from zhifa.ledger import signing
from zhifa.ledger.models import Checkpoint
from zhifa.ledger.services import create_checkpoint
from zhifa.portal import services
from zhifa.portal.models import Publication
from zhifa.portal.tests.publications_support import manual, pw, scan  # noqa: F401

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


def _published(pw, n=2, **kw):
    pubs = []
    for i in range(n):
        pub = manual(pw.w, source_type="test", source_id=f"f{i}", **kw)
        services.approve(pw.w.reviewer, pub)
        pubs.append(Publication.objects.get(pk=pub.pk))
    return pubs


def test_atom_feeds_per_body_and_category(pw, client):
    a, b = _published(pw)
    licence = manual(pw.w, category="licensing", title="食品经营许可", penalty_kinds=[], content="准予许可",
                     source_type="test", source_id="lic")  # fmt: skip
    services.approve(pw.w.reviewer, licence)
    r = client.get(f"/feeds/agency/{pw.w.market.pk}.atom")
    assert r["Content-Type"].startswith("application/atom+xml")
    entries = ET.fromstring(r.content).findall(f"{ATOM}entry")
    assert len(entries) == 3
    assert {e.find(f"{ATOM}link").get("href").rsplit("/", 2)[-2] for e in entries} == {
        str(a.pk),
        str(b.pk),
        str(licence.pk),
    }
    cat = ET.fromstring(client.get("/feeds/category/licensing.atom").content).findall(f"{ATOM}entry")
    assert [e.find(f"{ATOM}title").text for e in cat] == ["食品经营许可 · 昌吉市某某食品有限公司"]
    assert (
        ET.fromstring(client.get(f"/feeds/agency/{pw.w.ecology.pk}.atom").content).findall(f"{ATOM}entry")
        == []
    )
    assert client.get("/feeds/category/nothing.atom").status_code == 404


def test_json_api_per_body_and_category(pw, client):
    _published(pw)
    data = client.get(f"/api/v1/portal/publications?agency={pw.w.market.pk}&category=penalty").json()
    assert data["count"] == 2 and data["items"][0]["fields"]["legal_representative"] == "张某"
    assert client.get(f"/api/v1/portal/agencies/{pw.w.ecology.pk}/publications").json()["count"] == 0
    assert client.get("/api/v1/portal/categories/penalty/publications").json()["count"] == 2
    assert client.get("/api/v1/portal/categories/bogus/publications").status_code == 404


def test_upper_platform_pulls_a_signed_feed_with_the_latest_checkpoint(pw, client):
    pubs = _published(pw)
    services.withdraw(pw.w.head, pubs[1], reason="误发，撤回。")
    create_checkpoint()
    _token, secret = issue_token(pw.w.machine, "上级平台")
    r = client.get("/api/v1/portal/upper/feed", headers={"Authorization": f"Bearer {secret}"})
    assert r.status_code == 200
    body = r.content
    # verify: the signature over the exact body bytes with the platform public key published by the ledger API
    pem = client.get("/api/v1/ledger/public-key").json()["public_key_pem"]
    public = signing.load_public_pem(pem)
    signature = bytes.fromhex(r["X-Zhifa-Signature"])
    assert r["X-Zhifa-Signature-Alg"] == "Ed25519" and r["X-Zhifa-Key-Id"] == signing.key_id(public)
    assert signing.verify_signature(public, signature, body)
    tampered = body.replace("误发".encode(), "错发".encode())
    assert tampered != body and not signing.verify_signature(public, signature, tampered)
    doc = json.loads(body)
    assert doc["kind"] == "zhifa-portal-feed/v1"
    # the checkpoint inside verifies against the same key, and is the latest one
    cp = doc["checkpoint"]
    latest = Checkpoint.objects.order_by("-tree_size").first()
    assert cp["tree_size"] == latest.tree_size and cp["root_hash"] == latest.root_hex
    assert signing.verify_signature(public, bytes.fromhex(cp["signature"]), cp["statement"].encode())
    statuses = {i["id"]: i["status"] for i in doc["items"]}
    assert statuses == {pubs[0].pk: "published", pubs[1].pk: "withdrawn"}
    withdrawn = next(i for i in doc["items"] if i["id"] == pubs[1].pk)
    assert "fields" not in withdrawn and withdrawn["reason"] == "误发，撤回。"
    assert scan(body.decode(), ["张三"]) == []
    # incremental pull: nothing changed since the last item
    again = client.get(
        "/api/v1/portal/upper/feed",
        {"since": doc["next_since"]},
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert json.loads(again.content)["items"] == [], (doc["next_since"], json.loads(again.content)["since"])


def test_upper_feed_is_refused_to_the_public_and_to_officers(pw, client):
    assert client.get("/api/v1/portal/upper/feed").status_code == 401
    client.force_login(pw.w.officer)
    assert client.get("/api/v1/portal/upper/feed").status_code == 403


def test_record_page_publishes_the_signed_checkpoints(pw, client):
    _published(pw, n=1)
    checkpoint = create_checkpoint()
    page = client.get("/record/").content.decode()
    assert str(checkpoint.tree_size) in page and checkpoint.root_hex in page
    assert checkpoint.signature_hex in page and "BEGIN PUBLIC KEY" in page


def _verify(client, data: bytes) -> str:
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("doc.pdf", data, content_type="application/pdf")
    r = client.post("/record/verify/", {"document": upload})
    assert r.status_code == 200
    return r.content.decode()


def test_verify_document_tells_only_what_is_public(pw, client):
    from zhifa.documents.models import IssuedDocument
    from zhifa.files.services import read_bytes
    from zhifa.portal.models import PublicationScopeRule

    # a published penalty (the agency's sector publishes 当场处罚) and an unpublished 文书 (the 立案审批表)
    PublicationScopeRule.objects.filter(sector="market", procedure="simple").update(publish=True)
    case = pw.new_case(procedure="simple", party=pw.person, title="占道经营")
    from django.utils import timezone

    cases.transition(
        pw.w.officer, case, "onsite_decide", penalty_kinds=["fine"], fine_amount="200", facts="占道经营",
        basis="《某条例》第十条", decided_at=timezone.now(), place="昌吉市延安路", party_informed=True,
    )  # fmt: skip
    pub = Publication.objects.get(case_id=case.pk)
    services.approve(pw.w.reviewer, pub)
    doc = IssuedDocument.objects.get(pk=pub.document_id)
    page = _verify(client, read_bytes(doc.blob))
    assert (
        "一致" in page and pw.w.market.name in page and doc.number in page and f"/decisions/{pub.pk}/" in page
    )
    filed = pw.filed_case()
    internal = IssuedDocument.objects.filter(case_id=filed.pk).first()
    page = _verify(client, read_bytes(internal.blob))
    date = internal.issued_at.astimezone(timezone.get_current_timezone()).date()
    assert (
        f"该文书已登记于执法记录，签发机关：{pw.w.market.name}，签发日期：{date.year}年{date.month}月{date.day}日"
        in page
    )
    for secret in [s for s in (internal.number, filed.number, "昌吉市某某食品有限公司", "销售过期食品") if s]:
        assert secret not in page.split("<main", 1)[1], secret
    assert "未找到" in _verify(client, b"%PDF-1.7 not a document of ours")
