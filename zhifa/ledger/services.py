"""Appending to the ledger. Call `append` inside the transaction of the change it records.

with transaction.atomic():
    officer.save()
    append("registry.officer_created", actor=Actor.from_user(user), subject=officer, payload={...})
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import uuid
from dataclasses import dataclass

from django.db import models, transaction
from django.utils import timezone

from zhifa.ledger import hashing
from zhifa.ledger.models import Event, LedgerHead


@dataclass(frozen=True)
class Actor:
    id: int | None
    name: str
    role: str = ""
    agency_id: int | None = None

    @classmethod
    def from_user(cls, user) -> Actor:
        if user is None or not getattr(user, "is_authenticated", False):
            return ANONYMOUS
        name = getattr(user, "display_name", "") or user.get_username()
        role = "admin" if user.is_superuser and not getattr(user, "role", "") else getattr(user, "role", "")
        return cls(id=user.pk, name=name, role=role, agency_id=getattr(user, "agency_id", None))


SYSTEM = Actor(id=None, name="系统", role="system")
ANONYMOUS = Actor(id=None, name="公众（未登录）", role="public")


def _jsonable(value):
    """Payload values to plain JSON: Decimal and dates as strings, models as their pk."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [_jsonable(v) for v in value]
        return sorted(items, key=json.dumps) if isinstance(value, set | frozenset) else items
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat(timespec="microseconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, float):
        # Floats have no single canonical text; money and measures travel as Decimal strings.
        raise TypeError("ledger payloads take Decimal, not float")
    return value


def _subject(subject) -> tuple[str, str]:
    if isinstance(subject, models.Model):
        return subject._meta.label_lower, str(subject.pk)
    kind, ident = subject
    return str(kind), str(ident)


def _lock_head() -> LedgerHead:
    head = LedgerHead.objects.select_for_update().filter(pk=1).first()
    if head is None:  # created by migration 0001; only a flushed test database lacks it
        LedgerHead.objects.get_or_create(pk=1, defaults={"size": Event.objects.count()})
        head = LedgerHead.objects.select_for_update().get(pk=1)
    return head


def append(
    event_type: str,
    *,
    actor: Actor,
    subject,
    payload: dict | None = None,
    case_id: int | None = None,
) -> Event:
    """Append one event; joins the caller's transaction (its own, if there is none)."""
    return append_many([(event_type, subject, payload or {}, case_id)], actor=actor)[0]


def append_many(items, *, actor: Actor) -> list[Event]:
    """Append several events in one go: [(event_type, subject, payload, case_id), ...]."""
    alg = hashing.default_algorithm()
    with transaction.atomic():
        head = _lock_head()
        now = timezone.now()
        events = []
        for offset, (event_type, subject, payload, case_id) in enumerate(items):
            subject_type, subject_id = _subject(subject)
            event = Event(
                index=head.size + offset,
                recorded_at=now,
                actor_id=actor.id,
                actor_name=actor.name[:100],
                actor_role=actor.role,
                actor_agency_id=actor.agency_id,
                event_type=event_type,
                subject_type=subject_type,
                subject_id=subject_id,
                case_id=case_id,
                payload=hashing.canonical_json(_jsonable(payload or {})).decode(),
                hash_alg=alg,
            )
            event.leaf_hash = event.compute_leaf_hash()
            events.append(event)
        Event.objects.bulk_create(events)
        head.size += len(events)
        head.save(update_fields=["size"])
    return events
