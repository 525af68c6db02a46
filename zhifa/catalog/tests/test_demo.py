"""The demo loader: published lists through the workflow, a pending draft, idempotent."""

import datetime as dt
from decimal import Decimal

import pytest

from zhifa.catalog import demo, services
from zhifa.catalog.models import CatalogList, Kind, ListVersion, PowerItem, ThresholdItem
from zhifa.ledger.models import Event

pytestmark = pytest.mark.django_db


def test_demo_load(agency_a, agency_b, justice, officer_a, reviewer_a, head_a, tree):
    agencies = {"昌市监": agency_a, "阜环": agency_b, "昌州司": justice}
    # given staff for the market agency only (the others act as the system)
    created = demo.load(agencies, {"officer_a": officer_a})
    assert {k: len(v) for k, v in created.items()} == {"昌市监": 7, "阜环": 3, "昌州司": 1}
    # the market lists were published by its own staff, one revision waits for review
    power = CatalogList.objects.get(agency=agency_a, kind=Kind.POWER)
    v1, v2 = power.versions.order_by("number")
    assert (
        v1.status == ListVersion.Status.PUBLISHED
        and v1.published_by == head_a
        and v1.reviewed_by == reviewer_a
    )
    assert v2.status == ListVersion.Status.SUBMITTED and "食品安全法" in v2.change_reason
    # bundled statutes resolve to citations, other laws stay text
    seizure = PowerItem.objects.get(version=v1, category="coercion")
    assert [str(c) for c in seizure.citations.all()] == ["《行政强制法》第二十五条"]
    # the major-review catalog works with the 1万/10万 standard
    hit = services.evaluate_major_review(
        agency_a,
        act_type="penalty",
        penalty_kinds=["fine"],
        fine_amount=Decimal(150000),
        party_type="organisation",
    )
    assert [m.row.seq for m in hit] == [1]
    # A/V: seizure and case room mandatory
    assert services.av_requirement(agency_a, "seizure").requirement == "mandatory"
    assert services.av_requirement(agency_a, "case_room_interview").requirement == "mandatory"
    # thresholds of the justice bureau (昌吉州): own rows, and the regional ones restated for 昌吉州
    row = services.large_amount_threshold("市场监管", tree["city"], dt.date(2024, 6, 1))
    assert row.amount_org == Decimal(100000) and "演示数据" in row.note
    assert services.large_amount_threshold("公安", tree["fk"], dt.date(2024, 6, 1)).amount_natural == Decimal(
        2000
    )
    assert ThresholdItem.objects.filter(jurisdiction=tree["xj"]).count() == 0  # 新疆 is not the bureau's area
    # the system acted where no user exists, on the ledger
    assert Event.objects.filter(event_type="catalog.version_published", actor_role="system").count() == 4
    # idempotent
    events = Event.objects.count()
    assert demo.load(agencies, {"officer_a": officer_a}) == {"昌市监": [], "阜环": [], "昌州司": []}
    assert Event.objects.count() == events
