"""issue_document: numbering, signing, storing, ledger, verification, 第五十九条, permissions, corrections."""

import json
import stat

import pytest
from cryptography import x509
from cryptography.x509.oid import NameOID
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zhifa.core.errors import Conflict, PermissionDenied, ValidationFailed
from zhifa.documents import kinds, services, signing
from zhifa.documents.models import AgencySigningKey, DocumentNumberSequence, ImmutableError, IssuedDocument
from zhifa.documents.tests.helpers import pdf_text, squash
from zhifa.files.models import Blob
from zhifa.files.services import blob_path, read_bytes
from zhifa.ledger.models import Event

DECISION = kinds.PENALTY_DECISION


def issue(world, context, **kw):
    return services.issue_document(
        user=world.officer, agency=world.market, kind=DECISION, context=context, **kw
    )


@pytest.mark.django_db
def test_issue_numbers_signs_stores_and_records(world, decision_context):
    # when two 决定书 are issued
    first = issue(world, decision_context, case_id=41)
    second = issue(world, decision_context)
    year = first.year
    # then they carry consecutive numbers of the agency's 文书简称, the kind's prefix and the year
    assert first.number == f"昌市监罚〔{year}〕1号"
    assert second.number == f"昌市监罚〔{year}〕2号"
    assert (
        DocumentNumberSequence.objects.get(agency=world.market, kind__code=DECISION, year=year).next_number
        == 3
    )
    # the stored PDF is the blob, its digests recorded, its text the decision
    data = read_bytes(first.blob)
    assert first.sm3 == first.blob.sm3 and first.sha256 == first.blob.sha256 and first.size == len(data)
    text = squash(pdf_text(data))
    assert squash(first.number) in text and "昌吉市某某食品经营部" in text
    assert "六十日内" in text and "六个月内" in text  # 行政复议法第二十条, 行政诉讼法第四十六条
    # the ledger has document.issued with the digest, on the case's timeline
    event = Event.objects.get(event_type="document.issued", subject_id=str(first.pk))
    payload = json.loads(event.payload)
    assert event.case_id == 41
    assert payload == {
        "agency": world.market.pk,
        "kind": DECISION,
        "number": first.number,
        "sm3": first.sm3,
        "sha256": first.sha256,
        "size": first.size,
        "storage_key": first.blob.storage_key,
        "case_id": 41,
        "corrects": None,
        "signer_fingerprint": first.signer_fingerprint,
        "template": "平台内置模板",
        "channel": "",
    }
    # and the document verifies against the platform CA
    result = services.verify_document(first)
    assert result.ok, result.problems


@pytest.mark.django_db
def test_tampering_one_byte_fails_verification(world, decision_context):
    doc = issue(world, decision_context)
    path = blob_path(doc.blob)
    data = bytearray(path.read_bytes())
    # when one byte in the middle of the signed content changes
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    # then verification fails: digests and the signature both disagree
    result = services.verify_document(doc)
    assert not result.ok
    assert not result.sm3_ok and not result.sha256_ok and not result.ledger_ok
    assert not result.signature.intact
    assert "文件的SM3摘要与签发时记录的不一致。" in result.problems


@pytest.mark.django_db
def test_a_pdf_signed_by_another_ca_is_not_trusted(world, decision_context, settings, tmp_path):
    doc = issue(world, decision_context)
    # when the platform's trust root is another CA (e.g. a forger's), the same signature is not trusted
    settings.ZHIFA_CA_DIR = tmp_path / "other-ca"
    check = signing.check_pdf_signature(read_bytes(doc.blob), moment=doc.signed_at)
    assert check.intact and not check.trusted and not check.ok


@pytest.mark.django_db
def test_ca_and_agency_key_are_files_with_owner_only_permissions(world, decision_context, settings):
    doc = issue(world, decision_context)
    ca_key = signing.ca_dir() / signing.CA_KEY_FILE
    agency_key = signing.agency_key_dir() / doc.signing_key.key_file
    for path in (ca_key, agency_key):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert str(path).startswith(str(settings.VAR_DIR))
    cert = x509.load_pem_x509_certificate(doc.signing_key.certificate_pem.encode())
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "昌吉市市场监督管理局"
    assert cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == "昌吉市市场监督管理局"
    assert cert.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)[0].value == world.market.uscc
    assert cert.issuer == signing.platform_ca().cert.subject
    # one key per agency, reused
    assert issue(world, decision_context).signing_key_id == doc.signing_key_id
    assert Event.objects.filter(event_type="document.signing_key_issued").count() == 1


@pytest.mark.django_db
def test_decision_missing_article_59_items_is_refused_with_citation(world, decision_context):
    context = dict(decision_context)
    del context["party_address"]
    context["legal_basis"] = "  "
    context["review_body"] = ""
    with pytest.raises(ValidationFailed) as err:
        issue(world, context)
    exc = err.value
    assert exc.code == "document_content_incomplete"
    assert exc.citation == "《行政处罚法》第五十九条"
    assert "（一）当事人的地址" in exc.message
    assert "（三）行政处罚的依据" in exc.message
    assert "（五）申请行政复议的途径（复议机关）" in exc.message
    assert exc.details["missing"] == ["party_address", "legal_basis", "review_body"]
    # nothing consumed, nothing written
    assert not DocumentNumberSequence.objects.exists()
    assert not IssuedDocument.objects.exists()
    assert not Event.objects.filter(event_type="document.issued").exists()


REQUIRED_59 = [
    f[0] for f in kinds.BY_CODE[DECISION]["required"] if f[0] not in ("agency_name", "decision_date")
]


@pytest.mark.django_db
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(missing=st.sets(st.sampled_from(REQUIRED_59), min_size=1))
def test_every_missing_item_is_named(world, decision_context, missing):
    context = {k: v for k, v in decision_context.items() if k not in missing}
    kind = services.get_kind(DECISION)
    with pytest.raises(ValidationFailed) as err:
        services.validate_context(kind, services.prepare_context(world.market, kind, context))
    assert set(err.value.details["missing"]) == missing


@pytest.mark.django_db
def test_platform_fills_agency_name_and_decision_date(world, decision_context):
    doc = issue(world, {**decision_context, "decision_date": "2026-03-25"})
    assert doc.context["agency_name"] == "昌吉市市场监督管理局"
    assert doc.context["decision_date_cn"] == "2026年3月25日"
    assert "2026年3月25日" in squash(pdf_text(read_bytes(doc.blob)))
    with pytest.raises(ValidationFailed) as err:
        issue(world, {**decision_context, "decision_date": "三月"})
    assert err.value.details["missing"] == ["decision_date"]


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["officer_b", "supervisor", "reviewer", "machine", "admin"])
def test_only_officers_and_heads_of_the_agency_may_issue(world, decision_context, who):
    user = getattr(world, who)
    with pytest.raises(PermissionDenied) as err:
        services.issue_document(user=user, agency=world.market, kind=DECISION, context=decision_context)
    assert err.value.citation == "《行政处罚法》第十七条"
    assert Event.objects.filter(event_type="access.denied", actor_id=user.pk).exists()
    assert not IssuedDocument.objects.exists()
    assert not DocumentNumberSequence.objects.exists()


@pytest.mark.django_db
def test_head_may_issue(world, decision_context):
    doc = services.issue_document(
        user=world.head, agency=world.market, kind=DECISION, context=decision_context
    )
    assert doc.issued_by == world.head


@pytest.mark.django_db
def test_signing_failure_consumes_no_number_and_writes_nothing(world, decision_context):
    first = issue(world, decision_context)
    key_file = signing.agency_key_dir() / first.signing_key.key_file
    good = key_file.read_bytes()
    events_before = Event.objects.count()
    blobs_before = Blob.objects.count()
    # given the agency's private key file is damaged
    key_file.chmod(0o600)
    key_file.write_bytes(b"-----BEGIN PRIVATE KEY-----\nbroken\n-----END PRIVATE KEY-----\n")
    # when a document is issued, signing fails
    with pytest.raises(services.SigningFailed):
        issue(world, decision_context)
    # then no number was consumed and nothing was written
    assert DocumentNumberSequence.objects.get(agency=world.market).next_number == 2
    assert IssuedDocument.objects.count() == 1
    assert Event.objects.count() == events_before
    assert Blob.objects.count() == blobs_before
    # and once the key is restored, the next document takes number 2 (gapless)
    key_file.write_bytes(good)
    assert issue(world, decision_context).sequence == 2


@pytest.mark.django_db
def test_revoked_key_is_replaced_and_old_documents_still_verify(world, decision_context):
    old = issue(world, decision_context)
    services.revoke_signing_key(user=world.admin, key=old.signing_key, reason="私钥文件疑似泄露")
    new = issue(world, decision_context)
    assert new.signing_key_id != old.signing_key_id
    assert services.verify_document(old).ok
    assert services.verify_document(new).ok
    with pytest.raises(PermissionDenied):
        services.revoke_signing_key(user=world.head, key=new.signing_key, reason="x")
    assert AgencySigningKey.objects.filter(revoked_at__isnull=True).count() == 1


@pytest.mark.django_db
def test_correction_is_a_new_document_and_the_original_never_changes(world, decision_context):
    original = issue(world, decision_context, case_id=7)
    original_bytes = read_bytes(original.blob)
    fixed = issue(
        world, {**decision_context, "party_address": "新疆昌吉市延安北路99号", "correction_reason": "当事人地址笔误"},
        corrects=original,
    )  # fmt: skip
    assert fixed.corrects == original and fixed.case_id == 7
    assert fixed.sequence == original.sequence + 1
    text = squash(pdf_text(read_bytes(fixed.blob)))
    assert f"本文书更正行政处罚决定书（{squash(original.number)}）" in text
    original.refresh_from_db()
    assert read_bytes(original.blob) == original_bytes and services.verify_document(original).ok
    corrected = Event.objects.get(event_type="document.corrected")
    assert corrected.subject_id == str(original.pk) and corrected.case_id == 7
    assert json.loads(corrected.payload)["corrected_by"] == fixed.pk
    # the original cannot be corrected twice, nor changed, nor deleted
    with pytest.raises(Conflict):
        issue(world, decision_context, corrects=original)
    original.number = "x"
    with pytest.raises(ImmutableError):
        original.save()
    with pytest.raises(ImmutableError):
        original.delete()


@pytest.mark.django_db
def test_correction_of_another_agency_is_not_visible(world, decision_context):
    original = issue(world, decision_context)
    eco_context = kinds.sample_context(DECISION)
    with pytest.raises(Exception) as err:
        services.issue_document(
            user=world.officer_b, agency=world.ecology, kind=DECISION, context=eco_context, corrects=original
        )
    assert getattr(err.value, "code", "") == "not_found"


@pytest.mark.django_db
def test_unnumbered_kind_and_reserved_keys(world):
    record = services.issue_document(
        user=world.officer,
        agency=world.market,
        kind="on_site_record",
        context=kinds.sample_context("on_site_record"),
    )
    assert record.number == "" and record.sequence is None
    assert services.verify_document(record).ok
    with pytest.raises(ValidationFailed):
        services.issue_document(
            user=world.officer, agency=world.market, kind="on_site_record",
            context={**kinds.sample_context("on_site_record"), "agency": {"name": "伪造"}},
        )  # fmt: skip


@pytest.mark.django_db
def test_numbering_is_per_agency_kind_and_year(world, decision_context):
    a = issue(world, decision_context)
    notice = services.issue_document(
        user=world.officer,
        agency=world.market,
        kind="penalty_notice",
        context=kinds.sample_context("penalty_notice"),
    )
    eco = services.issue_document(
        user=world.officer_b, agency=world.ecology, kind=DECISION, context=decision_context
    )
    assert (a.sequence, notice.sequence, eco.sequence) == (1, 1, 1)
    assert notice.number == f"昌市监罚告〔{a.year}〕1号"
    assert eco.number == f"昌环罚〔{a.year}〕1号"
