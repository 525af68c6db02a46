"""Public JSON of the 事前/事中 pages: the roster (same projection as the page) and the procedures as data."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from ninja.testing import TestClient

from zhifa.cases.transitions import TRANSITIONS
from zhifa.portal.prior.api import router
from zhifa.registry import services as registry
from zhifa.registry.validators import id_check_char


def test_roster_json_has_the_public_projection_only(world):
    today = timezone.localdate()
    id_number = "65230119900101123" + id_check_char("65230119900101123")
    o = registry.create_officer(
        user=world.admin, agency=world.market, name="己隐私", domains=[world.market_domain],
        id_number=id_number, phone="13912345678",
    )  # fmt: skip
    registry.issue_certificate(
        user=world.admin, officer=o, number="J000001", domains=[world.market_domain], issuer="自治区人民政府",
        valid_from=today - dt.timedelta(days=10), valid_until=today - dt.timedelta(days=1), exam_passed_on=today,
    )  # fmt: skip
    client = TestClient(router)
    r = client.get("/officers")
    assert r.status_code == 200
    data = r.json()
    assert data["count"] == 5
    row = next(i for i in data["items"] if i["number"] == "J000001")
    assert set(row) == {
        "name", "number", "agency", "agency_id", "domains", "valid_from", "valid_until", "status", "status_label",
    }  # fmt: skip
    assert (
        row["status"] == "expired" and row["domains"] == ["市场监管"] and row["agency"] == world.market.name
    )
    assert id_number not in r.content.decode() and "13912345678" not in r.content.decode()
    r = client.get(f"/officers?body={world.ecology.pk}")
    assert [i["name"] for i in r.json()["items"]] == ["丁执法"]
    r = client.get("/officers?q=J0000&valid=true")
    assert r.json()["count"] == 0


def test_procedure_json_is_the_declared_state_machine(db):
    client = TestClient(router)
    data = client.get("/procedures/simple").json()
    assert [n["key"] for n in data["nodes"]] == ["registered", "executing", "closed", "archived"]
    assert {"source": "registered", "target": "executing", "label": "当场处罚"} in data["edges"]
    assert TRANSITIONS["onsite_decide"].label == "当场处罚"
    assert "决定变更/撤销" in data["shared_steps"]
    assert client.get("/procedures/nothing").status_code == 404
