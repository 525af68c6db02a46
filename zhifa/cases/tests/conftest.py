"""Case fixtures on top of the shared `world`: a second market officer, parties, a filed case."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from zhifa.cases import services
from zhifa.cases.models import CaseOfficer, Procedure, SourceType
from zhifa.core.roles import Role
from zhifa.core.testing import make_uscc
from zhifa.files.services import store_bytes
from zhifa.registry import services as registry
from zhifa.registry.validators import id_check_char


def make_id_number(seq: int) -> str:
    body = f"65230119900101{seq:03d}"
    return body + id_check_char(body)


class CaseWorld:
    def __init__(self, world):
        self.w = world
        today = timezone.localdate()
        o2 = registry.create_officer(
            user=world.admin, agency=world.market, name="戊协办", domains=[world.market_domain]
        )
        registry.issue_certificate(
            user=world.admin, officer=o2, number=f"T{o2.pk:06d}", domains=[world.market_domain],
            issuer="新疆维吾尔自治区人民政府", valid_from=today - dt.timedelta(days=100),
            valid_until=today + dt.timedelta(days=700), qualification="exam",
            exam_passed_on=today - dt.timedelta(days=200),
        )  # fmt: skip
        self.officer2_record = o2
        self.officer2 = registry.create_user(
            username="t_officer2", password="Pass-1234!", role=Role.OFFICER, user=world.admin,
            agency=world.market, officer=o2, display_name=o2.name,
        )  # fmt: skip
        self.company = services.register_party(
            world.officer, kind="organisation", name="昌吉市某某食品有限公司", uscc=make_uscc(901),
            legal_representative="张三", address="昌吉市北京南路1号",
        )  # fmt: skip
        self.person = services.register_party(
            world.officer, kind="natural", name="李四", id_type="resident_id", id_number=make_id_number(1)
        )

    def new_case(self, *, procedure=Procedure.ORDINARY, party=None, officers=True, title="销售过期食品"):
        w = self.w
        case = services.create_case(
            w.officer, title=title, procedure=procedure, source_type=SourceType.COMPLAINT,
            source_description="群众电话投诉", source_received_on=timezone.localdate() - dt.timedelta(days=30),
            domain=w.market_domain, parties=[party or self.company],
        )  # fmt: skip
        if officers:
            services.assign_officer(w.officer, case, w.market_officer, CaseOfficer.Role.LEAD)
            services.assign_officer(w.officer, case, self.officer2_record, CaseOfficer.Role.ASSIST)
        return case

    def filed_case(self, **kw):
        w = self.w
        case = self.new_case(**kw)
        services.transition(w.officer, case, "start_verification")
        services.transition(w.officer, case, "request_filing", opinion="涉嫌违法，建议立案")
        return services.transition(
            w.head, case, "approve_filing", filed_on=timezone.localdate() - dt.timedelta(days=25)
        )

    def evidence(self, case, *, kind="audiovisual", data=b"video-bytes", content_type="video/mp4", step=""):
        blob = store_bytes(data + str(case.pk).encode(), content_type=content_type)
        return services.add_evidence(
            self.w.officer, case, kind=kind, title="执法记录仪视频", blob=blob, filename="rec.mp4",
            recorded_at=timezone.now() - dt.timedelta(days=20), device="DSJ-001", place="昌吉市北京南路1号",
            step=step,
        )  # fmt: skip


@pytest.fixture
def cw(world):
    return CaseWorld(world)


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def snapshot():
    """Every row of the case tables and the ledger size: a refused call must leave this unchanged."""
    from django.apps import apps

    from zhifa.ledger.models import Event

    rows = {}
    for model in apps.get_app_config("cases").get_models():
        rows[model.__name__] = sorted(map(repr, model.objects.values()))
    return rows, Event.objects.count()
