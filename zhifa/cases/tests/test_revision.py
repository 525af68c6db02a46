"""决定变更/撤销 (行政处罚法第四十八条第二款) and the transition-listener hook the portal uses."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from zhifa.cases import services
from zhifa.cases.models import Decision
from zhifa.cases.tests.conftest import snapshot
from zhifa.core.errors import Conflict, PermissionDenied, ValidationFailed
from zhifa.ledger.models import Event


def _decided(cw):
    case = cw.new_case(procedure="simple", party=cw.person, title="占道经营")
    return services.transition(
        cw.w.officer, case, "onsite_decide", penalty_kinds=["fine"], fine_amount="200", facts="占道经营",
        basis="《某条例》第十条", decided_at=timezone.now(), place="昌吉市延安路", party_informed=True,
    )  # fmt: skip


@pytest.fixture
def heard():
    calls = []

    def listener(**kw):
        calls.append(kw)

    services.register_transition_listener(listener)
    yield calls
    services.TRANSITION_LISTENERS.remove(listener)


def test_head_revokes_a_decision_and_listeners_hear_it(cw, heard):
    case = _decided(cw)
    assert [c["action"] for c in heard] == ["onsite_decide"]
    today = timezone.localdate()
    services.transition(
        cw.w.head, case, "revise_decision", revision="revoked", revised_by="reconsideration",
        revised_on=today, reason="复议机关认定事实不清，决定撤销。",
    )  # fmt: skip
    d = Decision.objects.get(case=case)
    assert (d.revision, d.revised_by, d.revised_on) == ("revoked", "reconsideration", today)
    assert heard[-1]["action"] == "revise_decision" and heard[-1]["data"]["revision"] == "revoked"
    ev = Event.objects.filter(case_id=case.pk, event_type="case.decision_revised").get()
    assert ev.data["citation"].endswith("第四十八条第二款")
    # a revoked decision cannot be revoked again
    with pytest.raises(Conflict) as e:
        services.transition(
            cw.w.head, case, "revise_decision", revision="changed", revised_by="self", revised_on=today,
            reason="再次变更",
        )  # fmt: skip
    assert e.value.code == "already_revoked"


def test_revision_refusals_change_nothing(cw):
    case = _decided(cw)
    before = snapshot()
    with pytest.raises(PermissionDenied):  # only the agency head decides it
        services.transition(
            cw.w.officer, case, "revise_decision", revision="revoked", revised_by="self",
            revised_on=timezone.localdate(), reason="自行纠正",
        )  # fmt: skip
    with pytest.raises(ValidationFailed):
        services.transition(
            cw.w.head, case, "revise_decision", revision="revoked", revised_by="self",
            revised_on=timezone.localdate() + dt.timedelta(days=2), reason="自行纠正",
        )  # fmt: skip
    rows, events = snapshot()
    assert rows == before[0]
    assert events == before[1] + 1  # only the access.denied record of the refused officer


def test_listener_refusal_rolls_back_the_step(cw):
    def refuse(**kw):
        if kw["action"] == "revise_decision":
            raise Conflict("拒绝", code="listener_refused")

    case = _decided(cw)
    services.register_transition_listener(refuse)
    try:
        before = snapshot()
        with pytest.raises(Conflict):
            services.transition(
                cw.w.head, case, "revise_decision", revision="changed", revised_by="self",
                revised_on=timezone.localdate(), reason="变更罚款数额",
            )  # fmt: skip
        assert snapshot() == before
    finally:
        services.TRANSITION_LISTENERS.remove(refuse)
