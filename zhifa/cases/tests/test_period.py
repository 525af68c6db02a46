"""办案期限: 第六十条's 90 days, the sector rule of the case's domain, and the approved extension it allows."""

from __future__ import annotations

import datetime as dt

import pytest

from zhifa.cases import services
from zhifa.cases.models import CaseDeadline, Procedure
from zhifa.cases.tests.conftest import snapshot
from zhifa.core.errors import PermissionDenied, ValidationFailed
from zhifa.core.testing import make_uscc
from zhifa.ledger.models import Event


def _open(case):
    return CaseDeadline.objects.get(case=case, key="decide", status="open")


def test_market_case_gets_one_thirty_day_extension_from_its_head(cw):
    case = cw.filed_case()
    first = _open(case)
    assert first.rule_code == "penalty.decide.market"
    assert first.due_on == first.start + dt.timedelta(days=90)
    services.transition(cw.w.head, case, "extend_decide_period", reason="需要对涉案食品进行检验")
    extended = _open(case)
    assert extended.extensions == 1 and extended.due_on == first.due_on + dt.timedelta(days=30)
    assert (
        "市场监督管理行政处罚程序规定" in extended.explanation
        and "需要对涉案食品进行检验" in extended.explanation
    )
    first.refresh_from_db()
    assert first.status == "cancelled"
    ev = Event.objects.filter(case_id=case.pk, event_type="case.decide_period_extended").get()
    assert ev.data["due_on"] == str(extended.due_on)
    # the SAMR rule allows one extension by the head; a second one is refused with the rule's basis
    before = snapshot()
    with pytest.raises(ValidationFailed) as e:
        services.transition(cw.w.head, case, "extend_decide_period", reason="再次延长")
    assert e.value.code == "extension_limit"
    assert snapshot() == before


def test_the_statutory_period_of_other_domains_cannot_be_extended(world):
    from zhifa.cases.models import SourceType
    from zhifa.core.roles import Role
    from zhifa.registry import services as registry

    w = world
    eco_head = registry.create_user(
        username="t_eco_head", password="Pass-1234!", role=Role.HEAD, user=w.admin, agency=w.ecology
    )
    case = services.create_case(
        w.officer_b, title="未批先建", procedure=Procedure.ORDINARY, source_type=SourceType.INSPECTION,
        source_received_on=dt.date.today() - dt.timedelta(days=10), domain=w.ecology_domain,
        parties=[services.register_party(w.officer_b, kind="organisation", name="某建材有限公司",
                                         uscc=make_uscc(77))],
    )  # fmt: skip
    services.assign_officer(w.officer_b, case, w.ecology_officer, "lead")
    second = registry.create_officer(
        user=w.admin, agency=w.ecology, name="己协办", domains=[w.ecology_domain]
    )
    registry.issue_certificate(
        user=w.admin, officer=second, number="T-ECO-2", domains=[w.ecology_domain], issuer="新疆维吾尔自治区人民政府",
        valid_from=dt.date.today() - dt.timedelta(days=100), valid_until=dt.date.today() + dt.timedelta(days=700),
        qualification="exam", exam_passed_on=dt.date.today() - dt.timedelta(days=200),
    )  # fmt: skip
    services.assign_officer(w.officer_b, case, second, "assist")
    services.transition(w.officer_b, case, "start_verification")
    services.transition(w.officer_b, case, "request_filing", opinion="建议立案")
    services.transition(eco_head, case, "approve_filing", filed_on=dt.date.today() - dt.timedelta(days=5))
    assert _open(case).rule_code == "penalty.decide"
    with pytest.raises(ValidationFailed) as e:
        services.transition(eco_head, case, "extend_decide_period", reason="案情复杂")
    assert e.value.code == "extension_not_allowed" and "第六十条" in e.value.citation


def test_only_the_head_extends(cw):
    case = cw.filed_case()
    with pytest.raises(PermissionDenied):
        services.transition(cw.w.officer, case, "extend_decide_period", reason="案情复杂")
    assert _open(case).extensions == 0
