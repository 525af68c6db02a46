"""Demo data of the 事后 publications, after the cases demo (zhifa.cases.demo.load).

The cases demo's decisions and 查封/扣押 already created their publications through the transition listener
(awaiting redaction review). This loader, through the same services:
- has each agency's reviewer approve them, except the most recent few (left pending, one of them overdue-looking
  on the console);
- revokes one published penalty decision through the case platform (决定变更/撤销 by the agency head, 复议机关),
  which withdraws its publication with the public reason and a takedown-log entry;
- lets one small-fine publication run past its three-month period (expire_due for that row at its end date) so
  the portal shows one expired item gone from the pages and feeds.
Idempotent: nothing is done once a demo publication has been approved.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from zhifa.core.roles import Role
from zhifa.portal import services
from zhifa.portal.models import Publication
from zhifa.registry.models import User

LEAVE_PENDING = 3
REVOKE_REASON = "行政复议机关认为该决定认定事实的主要证据不足，依法决定撤销。"


def _staff(agency_id: int, role: str):
    return User.objects.filter(agency_id=agency_id, role=role, is_active=True).order_by("pk").first()


def load(today: dt.date | None = None) -> dict:
    today = today or timezone.localdate()
    if Publication.objects.filter(published_at__isnull=False).exists():
        return summary()
    pending = list(
        Publication.objects.filter(status=Publication.Status.PENDING).order_by("-decided_on", "-pk")
    )
    keep = {p.pk for p in pending[:LEAVE_PENDING]}
    for pub in pending:
        if pub.pk in keep:
            continue
        reviewer = _staff(pub.agency_id, Role.REVIEWER)
        if reviewer is not None:
            services.approve(reviewer, pub, channel="demo")
    _revoke_one(today)
    _expire_one()
    return summary()


def _revoke_one(today: dt.date) -> None:
    from zhifa.cases import services as cases
    from zhifa.cases.models import Case, Decision, State

    pub = (
        Publication.objects.filter(status=Publication.Status.PUBLISHED, source_type="cases.decision")
        .exclude(case_id=None)
        .order_by("decided_on", "pk")
        .first()
    )
    if pub is None:
        return
    case = Case.objects.get(pk=pub.case_id)
    head = _staff(pub.agency_id, Role.HEAD)
    if head is None or case.state not in (State.DECIDED, State.EXECUTING, State.CLOSED, State.ARCHIVED):
        return
    cases.transition(
        head, case, "revise_decision", revision=Decision.Revision.REVOKED, revised_by=Decision.RevisedBy.RECONSIDERATION,
        revised_on=today, reason=REVOKE_REASON, channel="demo",
    )  # fmt: skip


def _expire_one() -> None:
    pub = (
        Publication.objects.filter(status=Publication.Status.PUBLISHED, expires_on__isnull=False)
        .order_by("expires_on", "pk")
        .first()
    )
    if pub is not None:
        # The passage of time, for one row: its publication period ends on expires_on.
        services.expire_due(pub.expires_on + dt.timedelta(days=1), only=[pub.pk])


def summary() -> dict:
    counts = {s: Publication.objects.filter(status=s).count() for s in Publication.Status.values}
    return {"publications": sum(counts.values()), "states": counts}
