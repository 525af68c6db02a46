"""The demo 年报: made through the services from the demo cases, published for last year, drafted for this year."""

from __future__ import annotations

import pytest
from django.utils import timezone

from zhifa.cases.models import Decision
from zhifa.portal.annual import counting, demo
from zhifa.portal.annual.models import AnnualReport

pytestmark = pytest.mark.django_db


def test_demo_reports():
    from zhifa.cases import demo as cases_demo
    from zhifa.catalog import demo as catalog_demo
    from zhifa.registry import demo as registry_demo

    registry = registry_demo.load()
    catalog_demo.load(registry["agencies"], registry["users"])
    cases_demo.load(registry, count=20)
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
