import pytest
from django.test import Client

from zhifa.ledger.models import Event

pytestmark = pytest.mark.django_db


def test_admin_edit_of_system_data_goes_on_the_ledger(world):
    c = Client()
    c.force_login(world.admin)
    r = c.post(
        f"/admin/registry/jurisdiction/{world.city.pk}/change/",
        {"code": "652301", "name": "昌吉市（改）", "level": 3, "parent": world.prefecture.pk},
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    event = Event.objects.filter(event_type="admin.changed", subject_type="registry.jurisdiction").get()
    assert event.actor_id == world.admin.pk
    assert event.data["fields"] == ["name"]


def test_rule_governed_records_are_read_only_in_admin(world):
    c = Client()
    c.force_login(world.admin)
    cert = world.market_officer.certificates.get()
    assert c.get(f"/admin/registry/certificate/{cert.pk}/change/").status_code == 200  # view
    r = c.post(f"/admin/registry/certificate/{cert.pk}/change/", {"number": "X"})
    assert r.status_code == 403
    assert c.get("/admin/registry/certificate/add/").status_code == 403


def test_non_staff_cannot_use_admin(world):
    c = Client()
    c.force_login(world.supervisor)
    assert c.get("/admin/").status_code == 302
