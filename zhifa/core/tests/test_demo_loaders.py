"""The demo loaders built on the demo cases: the cases demo itself, then the reviews, the portal and the 年报 demos.

Each of these checks needs the registry, the catalog and the first 20 demo cases (documents rendered and signed:
the expensive part). `cases_demo` loads them once for this module, in a transaction rolled back after the module;
every test runs in a savepoint inside it (pytest-django's `db`), so what one test adds is gone for the next and
each one starts from exactly the state it would have built itself. The whole `zhifa demo` command, from an empty
database, is test_demo.py's.
"""

from __future__ import annotations

import datetime as dt
from contextlib import ExitStack
from dataclasses import dataclass

import pytest
from django.utils import timezone

from zhifa.cases import demo as cases_demo_loader
from zhifa.cases import services
from zhifa.cases.models import Case, Decision, Evidence, Party, Procedure, State
from zhifa.documents.models import IssuedDocument
from zhifa.documents.services import verify_document
from zhifa.files.services import blob_path
from zhifa.ledger.models import Event
from zhifa.portal.models import Publication
from zhifa.portal.tests.publications_support import scan

pytestmark = pytest.mark.django_db

COUNT = 20  # the first 20 cases of the plan: every state of the lifecycle, and a year of dates


@dataclass
class CasesDemo:
    summary: dict  # what the first load of the cases demo returned


@pytest.fixture(scope="module")
def cases_demo(django_db_setup, django_db_blocker):
    """The registry, catalog and cases demos, loaded once for the module (see the module docstring)."""
    from django.db import transaction
    from django.test import override_settings

    from zhifa.catalog import demo as catalog_demo
    from zhifa.registry import demo as registry_demo

    with ExitStack() as stack:
        with django_db_blocker.unblock():
            atomic = transaction.atomic()
            atomic.__enter__()

            def rollback():
                with django_db_blocker.unblock():
                    transaction.set_rollback(True)
                    atomic.__exit__(None, None, None)

            stack.callback(rollback)
            # as the root conftest's autouse fixture does for every test (it is function-scoped: not active here)
            with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
                registry = registry_demo.load()
                catalog_demo.load(registry["agencies"], registry["users"])
                summary = cases_demo_loader.load(registry, count=COUNT)
        yield CasesDemo(summary=summary)


@pytest.fixture
def registry(cases_demo):
    """The registry demo's result, fetched afresh for each test (loading it again returns the existing one)."""
    from zhifa.registry import demo as registry_demo

    return registry_demo.load()


def test_demo_load_covers_every_state_and_its_documents_verify(cases_demo, registry):
    # given the registry and catalog demo data, when a small demo (the first 20 cases of the plan) is loaded
    summary = cases_demo.summary

    # then every state of the lifecycle is present, and the other shapes the demo promises
    assert summary["created"] and summary["cases"] == 20
    assert summary["missing_states"] == [], summary
    cases = cases_demo_loader.demo_cases()
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
    for p in Party.objects.filter(case_links__case__in=cases).distinct():
        assert p.id_number.startswith("DEMO-") or p.uscc[8:12] == "0000"

    # and loading again adds nothing
    events = Event.objects.count()
    again = cases_demo_loader.load(registry)
    assert not again["created"] and again["cases"] == 20 and Case.objects.count() == 20
    assert Event.objects.count() == events


def test_demo_reviews_major_decisions_and_leaves_reviews_in_flight(cases_demo):
    """The cases demo decides its major cases only after a review, and the reviews demo leaves reviews in flight."""
    from zhifa.reviews import demo
    from zhifa.reviews.models import Advisor, Contest, GateCheck, Opinion, Submission

    # every in-scope demo decision passed the gate with a 同意 opinion on the decided content
    gates = GateCheck.objects.filter(in_scope=True).select_related("opinion", "draft")
    assert gates.exists()
    for g in gates:
        assert g.opinion.conclusion == "approve" and g.opinion.submission.draft == g.draft
        assert g.case.decision.fine_amount == g.draft.fine_amount
    summary = demo.load()
    assert summary["pools"] >= 1 and Advisor.objects.filter(user__isnull=False).exists()
    assert Submission.objects.filter(status="pending").exists()
    assert Opinion.objects.filter(conclusion="problems").exists()
    assert Contest.objects.exists() or summary["contested"] == 0
    # idempotent
    again = demo.load()
    assert again == {"pools": 0, "pending": 0, "returned": 0, "contested": 0}


def test_demo_loader_publishes_withdraws_and_expires(cases_demo, client):
    """The portal demo publishes, withdraws and expires publications, and no real name leaks into public pages."""
    from zhifa.portal import demo

    summary = demo.load()
    states = summary["states"]
    assert states["published"] >= 3 and states["pending"] >= 1
    assert states["withdrawn"] == 1 and states["expired"] == 1
    assert demo.load() == summary  # idempotent
    names = list(
        Publication.objects.filter(party_kind="natural").values_list(
            "versions__original__party_name", flat=True
        )
    )
    for url in ("/decisions/", "/takedowns/", "/feeds/decisions.atom", "/api/v1/portal/publications"):
        text = client.get(url).content.decode()
        assert scan(text, [n for n in names if n and "某" not in n]) == [], url
    assert "行政复议机关认为" in client.get("/takedowns/").content.decode()


def test_demo_reports(cases_demo, registry):
    """The demo 年报: made through the services from the demo cases, published for last year, drafted for this year."""
    from zhifa.portal.annual import counting, demo
    from zhifa.portal.annual.models import AnnualReport

    last = timezone.localdate().year - 1

    result = demo.load(registry)

    published = AnnualReport.objects.filter(status="published", year=last)
    assert published.filter(scope="agency").count() == 4
    city = published.get(scope="jurisdiction")
    assert city.jurisdiction.code == "652301" and city.narrative
    assert AnnualReport.objects.filter(status="draft", year=last + 1).count() == 2
    # the city's 表一 total is the number of last year's penalty decisions of its bodies
    expected = sum(
        1
        for d in Decision.objects.filter(outcome="penalty")
        if d.decided_on.year == last and d.case.agency.jurisdiction.path.startswith(city.jurisdiction.path)
    )
    assert counting.value(city.tables, "t1", "total")["v"] == expected
    market = published.get(agency=registry["agencies"]["昌市监"])
    assert counting.value(market.tables, "t4", "inspection")["v"] == 36
    # idempotent
    again = demo.load(registry)
    assert again["published"] == [] and again["drafts"] == [] and again["reports"] == result["reports"]
