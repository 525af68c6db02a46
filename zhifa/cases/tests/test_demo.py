"""The demo cases: loaded through the services, every state present, documents verifiable, idempotent."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from zhifa.cases import demo, services
from zhifa.cases.models import Case, Evidence, Procedure, State
from zhifa.documents.models import IssuedDocument
from zhifa.documents.services import verify_document
from zhifa.files.services import blob_path
from zhifa.ledger.models import Event

pytestmark = pytest.mark.django_db


def test_demo_load_covers_every_state_and_its_documents_verify():
    from zhifa.catalog import demo as catalog_demo
    from zhifa.registry import demo as registry_demo

    # given the registry and catalog demo data
    registry = registry_demo.load()
    catalog_demo.load(registry["agencies"], registry["users"])

    # when a small demo (the first 20 cases of the plan) is loaded
    summary = demo.load(registry, count=20)

    # then every state of the lifecycle is present, and the other shapes the demo promises
    assert summary["created"] and summary["cases"] == 20
    assert summary["missing_states"] == [], summary
    cases = demo.demo_cases()
    assert {c.procedure for c in cases} == set(Procedure.values)
    assert cases.values("agency").distinct().count() >= 4
    today = timezone.localdate()
    dates = sorted(cases.values_list("source_received_on", flat=True))
    assert dates[0] <= today - dt.timedelta(days=180) and dates[-1] <= today  # a year, nothing in the future
    overdue = [
        c for c in cases.filter(state=State.EXECUTING)
        if (s := services.execution_status(c.execution)).late_fee_accrued > 0 and not s.settled
    ]  # fmt: skip
    assert overdue, "one case is overdue with 加处罚款 accruing"
    coercion = cases.filter(procedure=Procedure.COERCION)
    seized = [m for c in coercion for m in c.measures.all() if m.kind == "seize"]
    assert seized and all(m.av_evidence and m.av_evidence.is_av for m in seized)
    assert all(m.document_id for m in seized)

    # the evidence files are stored and readable
    for ev in Evidence.objects.filter(case__in=cases).select_related("blob"):
        assert ev.blob is None or blob_path(ev.blob).stat().st_size == ev.blob.size
    assert Evidence.objects.filter(case__in=cases, blob__content_type="audio/wav").exists()

    # every issued document belongs to a demo case, carries its number and verifies
    docs = IssuedDocument.objects.filter(case_id__in=cases.values("pk")).select_related("kind", "blob")
    assert docs.count() == summary["documents"] > 40
    codes = set(docs.values_list("kind__code", flat=True))
    assert {"case_filing", "on_site_record", "inquiry_record", "seizure_decision", "penalty_notice",
            "hearing_notice", "hearing_record", "penalty_decision", "service_receipt", "case_closing"} <= codes  # fmt: skip
    for doc in docs:
        assert (doc.number != "") == doc.kind.numbered
        result = verify_document(doc)
        assert result.ok, (doc.kind.code, result.problems)
    for c in cases.filter(state__in=[State.CLOSED, State.ARCHIVED]):
        assert c.closing_document_id and IssuedDocument.objects.filter(pk=c.closing_document_id).exists()

    # written through the services: each case's steps are on the ledger with its case_id
    for c in cases:
        assert Event.objects.filter(case_id=c.pk, event_type="case.registered").exists()
    # no real personal data: natural persons carry only synthetic DEMO- numbers, organisations all-zero codes
    from zhifa.cases.models import Party

    for p in Party.objects.filter(case_links__case__in=cases).distinct():
        assert p.id_number.startswith("DEMO-") or p.uscc[8:12] == "0000"

    # and loading again adds nothing
    events = Event.objects.count()
    again = demo.load(registry)
    assert not again["created"] and again["cases"] == 20 and Case.objects.count() == 20
    assert Event.objects.count() == events
