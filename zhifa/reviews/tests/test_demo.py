"""The demo: the cases demo decides its major cases only after a review, and reviews are in flight."""

from __future__ import annotations

import pytest

from zhifa.reviews import demo
from zhifa.reviews.models import Advisor, Contest, GateCheck, Opinion, Submission

pytestmark = pytest.mark.django_db


def test_demo_reviews_major_decisions_and_leaves_reviews_in_flight():
    from zhifa.cases import demo as cases_demo
    from zhifa.catalog import demo as catalog_demo
    from zhifa.registry import demo as registry_demo

    registry = registry_demo.load()
    catalog_demo.load(registry["agencies"], registry["users"])
    cases_demo.load(registry, count=20)
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
