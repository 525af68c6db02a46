"""Core services: raising and resolving alerts (each on the ledger in the same transaction)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from zhifa.core.models import Alert


def raise_alert(
    key: str,
    *,
    kind: str,
    title: str,
    detail: str = "",
    citation: str = "",
    severity: str = Alert.Severity.WARNING,
    agency=None,
    jurisdiction=None,
    subject: tuple[str, str] | None = None,
    audience: tuple[str, ...] = (),
) -> Alert:
    """Open an alert unless the same one (same key) is already open; returns the open alert."""
    from zhifa.ledger.services import SYSTEM, append

    with transaction.atomic():
        existing = Alert.objects.filter(key=key, resolved_at__isnull=True).first()
        if existing:
            return existing
        alert = Alert.objects.create(
            key=key,
            kind=kind,
            title=title,
            detail=detail,
            citation=citation,
            severity=severity,
            agency=agency,
            jurisdiction=jurisdiction,
            subject_type=subject[0] if subject else "",
            subject_id=str(subject[1]) if subject else "",
            audience="," + ",".join(audience) + "," if audience else "",
        )
        append(
            "alert.raised",
            actor=SYSTEM,
            subject=("core.alert", alert.pk),
            payload={
                "key": key,
                "kind": kind,
                "title": title,
                "severity": severity,
                "agency": agency.pk if agency else None,
            },
        )
        return alert


def resolve_alert(key: str, *, actor=None, reason: str = "") -> int:
    """Close every open alert with this key; returns how many were closed."""
    from zhifa.ledger.services import SYSTEM, append

    with transaction.atomic():
        closed = 0
        for alert in Alert.objects.select_for_update().filter(key=key, resolved_at__isnull=True):
            alert.resolved_at = timezone.now()
            alert.save(update_fields=["resolved_at", "updated_at"])
            append(
                "alert.resolved",
                actor=actor or SYSTEM,
                subject=("core.alert", alert.pk),
                payload={"key": key, "reason": reason},
            )
            closed += 1
        return closed
