"""The demo loader: lists go through the real workflow with the agencies' own staff, a pending draft, idempotent."""

from decimal import Decimal

import pytest

from zhifa.catalog import demo, services
from zhifa.catalog.models import CatalogList, Kind, ListVersion, PowerItem, ThresholdItem
from zhifa.core.roles import Role
from zhifa.ledger.models import Event
from zhifa.registry.models import User

pytestmark = pytest.mark.django_db


def test_demo_load(agency_a, agency_b, justice, officer_a, reviewer_a, head_a, tree):
    # given full staff for the market agency and the justice bureau; agency B has no user at all
    for name, role in (("j_off", Role.OFFICER), ("j_rev", Role.REVIEWER), ("j_head", Role.HEAD)):
        User.objects.create_user(name, password="x-pass-123", role=role, agency=justice)
    agencies = {"昌市监": agency_a, "阜环": agency_b, "昌州司": justice}
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
    # agency B has no reviewer: its lists wait for the legal review; nobody stood in for it
    assert set(
        ListVersion.objects.filter(catalog_list__agency=agency_b).values_list("status", flat=True)
    ) == {ListVersion.Status.SUBMITTED}
    # review and publication were never done by the system or an administrator
    steps = Event.objects.filter(event_type__in=["catalog.version_approved", "catalog.version_published"])
    assert steps.count() == 2 * 7  # 6 market lists + the bureau's table, each approved and published
    assert not steps.filter(actor_role__in=["system", "admin"]).exists()
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
    # thresholds of the justice bureau (昌吉州), in force from today: own rows, and the regional ones restated
    row = services.large_amount_threshold("市场监管", tree["city"])
    assert row.amount_org == Decimal(100000) and "演示数据" in row.note
    assert services.large_amount_threshold("公安", tree["fk"]).amount_natural == Decimal(2000)
    assert ThresholdItem.objects.filter(jurisdiction=tree["xj"]).count() == 0  # 新疆 is not the bureau's area
    # idempotent
    events = Event.objects.count()
    assert demo.load(agencies, {"officer_a": officer_a}) == {"昌市监": [], "阜环": [], "昌州司": []}
    assert Event.objects.count() == events
