"""Appending to the ledger, signing checkpoints and producing proofs.

Call `append` inside the transaction of the change it records:

    with transaction.atomic():
        officer.save()
        append("registry.officer_created", actor=Actor.from_user(user), subject=officer, payload={...})

Checkpoints: `create_checkpoint()` signs (tree size, root, alg, time) with the platform key and records a
`ledger.checkpoint_signed` event. That event is appended *after* the tree it signs (at index tree_size), so a
checkpoint never has to sign a tree containing its own signature; the next checkpoint covers it. `zhifa verify`
checks that every checkpoint row has its event and every such event its row. Appends enqueue the checkpoint task
(on commit) whenever the log crosses a multiple of settings.ZHIFA_CHECKPOINT_EVERY.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone

from zhifa.core.errors import NotFound, ValidationFailed
from zhifa.ledger import hashing, merkle, signing
from zhifa.ledger.models import Checkpoint, Event, LedgerHead

CHECKPOINT_EVENT = "ledger.checkpoint_signed"
FETCH_CHUNK = 20000


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


_PLAIN = frozenset({str, int, bool, type(None)})


def _jsonable(value):
    """Payload values to plain JSON: Decimal and dates as strings, models as their pk."""
    if type(value) in _PLAIN:  # the common case first: most values are plain already
        return value
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
    if head is None:  # created by migration 0002; only a flushed test database lacks it
        LedgerHead.objects.get_or_create(pk=1, defaults={"size": Event.objects.count()})
        head = LedgerHead.objects.select_for_update().get(pk=1)
    return head


# One statement both locks the head row (until commit) and reserves `count` indexes: no SELECT ... FOR UPDATE
# round trip, and no ORM in the hot path of every state change of the platform.
_RESERVE = "UPDATE ledger_ledgerhead SET size = size + %s WHERE id = 1 RETURNING size"
_INSERT = (
    'INSERT INTO ledger_event ("index", recorded_at, actor_id, actor_name, actor_role, actor_agency_id, '
    "event_type, subject_type, subject_id, case_id, payload, hash_alg, leaf_hash) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
)


def _reserve(cursor, count: int) -> int:
    """Lock the head and advance it by `count`; returns the first reserved index."""
    cursor.execute(_RESERVE, [count])
    row = cursor.fetchone()
    if row is None:  # created by migration 0002; only a flushed test database lacks it
        LedgerHead.objects.get_or_create(pk=1, defaults={"size": Event.objects.count()})
        cursor.execute(_RESERVE, [count])
        row = cursor.fetchone()
    return row[0] - count


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
    return _append(items, actor, enqueue_checkpoint=True)


def _append(items, actor: Actor, *, enqueue_checkpoint: bool) -> list[Event]:
    alg = hashing.default_algorithm()
    prepared = []
    for event_type, subject, payload, case_id in items:
        subject_type, subject_id = _subject(subject)
        text = hashing.canonical_json(_jsonable(payload or {})).decode()
        prepared.append(
            (str(event_type), subject_type, subject_id, None if case_id is None else int(case_id), text)
        )
    if not prepared:
        return []
    name = str(actor.name)[:100]
    actor = Actor(
        id=None if actor.id is None else int(actor.id),
        name=name,
        role=str(actor.role),
        agency_id=None if actor.agency_id is None else int(actor.agency_id),
    )
    with transaction.atomic(), connection.cursor() as cursor:
        start = _reserve(cursor, len(prepared))
        now = timezone.now()
        when = hashing.time_text(now)
        db_now = connection.ops.adapt_datetimefield_value(now)
        events, rows = [], []
        for offset, (event_type, subject_type, subject_id, case_id, text) in enumerate(prepared):
            index = start + offset
            entry = hashing.entry_text(
                index, when, actor.id, name, actor.role, actor.agency_id,
                event_type, subject_type, subject_id, case_id, alg, text,
            )  # fmt: skip
            leaf = hashing.leaf_hash(alg, entry.encode())
            rows.append((index, db_now, actor.id, name, actor.role, actor.agency_id, event_type, subject_type,
                         subject_id, case_id, text, alg, leaf))  # fmt: skip
            # positional, in the model's field order (much cheaper than keyword arguments)
            event = Event(index, now, actor.id, name, actor.role, actor.agency_id, event_type, subject_type,
                          subject_id, case_id, text, alg, leaf)  # fmt: skip
            event._state.adding = False
            event._state.db = connection.alias
            events.append(event)
        if len(rows) == 1:
            cursor.execute(_INSERT, rows[0])
        else:
            cursor.executemany(_INSERT, rows)
        every = max(1, int(getattr(settings, "ZHIFA_CHECKPOINT_EVERY", 1000)))
        end = start + len(rows)
        if enqueue_checkpoint and start // every != end // every:
            transaction.on_commit(_enqueue_checkpoint)
    return events


def _enqueue_checkpoint() -> None:
    from zhifa.ledger.tasks import checkpoint

    checkpoint.enqueue()


# --- reading leaf hashes and subtrees ---------------------------------------------------------------------


def log_size() -> int:
    head = LedgerHead.objects.filter(pk=1).first()
    return head.size if head else 0


def iter_leaf_hashes(start: int, end: int):
    """Stored leaf hashes of indexes [start, end), in order, fetched in large chunks."""
    table = connection.ops.quote_name(Event._meta.db_table)
    idx = connection.ops.quote_name("index")
    position = start
    with connection.cursor() as cursor:
        while position < end:
            upper = min(end, position + FETCH_CHUNK)
            cursor.execute(
                f"SELECT {idx}, leaf_hash FROM {table} WHERE {idx} >= %s AND {idx} < %s ORDER BY {idx}",
                [position, upper],
            )
            for index, digest in cursor.fetchall():
                if index != position:
                    raise NotFound(f"记录第 {position} 条缺失。", code="ledger_gap")
                yield bytes(digest)
                position += 1
            if position < upper:
                raise NotFound(f"记录第 {position} 条缺失。", code="ledger_gap")


def subtree_hash(alg: str, start: int, end: int) -> bytes:
    """MTH of the stored leaf hashes [start, end)."""
    if start == end:
        return merkle.empty_root(alg)
    compact = merkle.CompactRange(alg)
    for digest in iter_leaf_hashes(start, end):
        compact.append(digest)
    return compact.root()


def tree_root(size: int, alg: str | None = None) -> bytes:
    """The root of the first `size` events, reusing the compact range of the latest checkpoint below it."""
    alg = alg or hashing.default_algorithm()
    return _compact_range(size, alg).root()


def _compact_range(size: int, alg: str) -> merkle.CompactRange:
    if size == 0:
        return merkle.CompactRange(alg)
    base = Checkpoint.objects.filter(tree_size__lte=size, alg=alg).order_by("-tree_size").first()
    compact = merkle.CompactRange(alg)
    if base is not None and base.compact_range:
        candidate = merkle.CompactRange.from_bytes(alg, base.tree_size, bytes(base.compact_range))
        if candidate.root() == bytes(base.root_hash):  # never extend a range that does not match its root
            compact = candidate
    for digest in iter_leaf_hashes(compact.size, size):
        compact.append(digest)
    return compact


# --- checkpoints -----------------------------------------------------------------------------------------


def latest_checkpoint() -> Checkpoint | None:
    return Checkpoint.objects.order_by("-tree_size").first()


def create_checkpoint() -> Checkpoint | None:
    """Sign the current tree unless nothing but the previous checkpoint's own event was added since.

    Returns the new checkpoint, or the latest one when there was nothing new (None for an empty log).
    """
    alg = hashing.default_algorithm()
    with transaction.atomic():
        head = _lock_head()  # no append can slip in between reading the size and signing it
        size = head.size
        latest = latest_checkpoint()
        if size == 0 or (latest is not None and size - latest.tree_size <= 1):
            return latest
        compact = _compact_range(size, alg)
        root_hash = compact.root()
        key = signing.platform_key()
        public = key.public_key()
        kid = signing.key_id(public)
        now = timezone.now()
        statement = Checkpoint.make_statement(size, root_hash, alg, now, kid)
        checkpoint = Checkpoint.objects.create(
            tree_size=size,
            root_hash=root_hash,
            alg=alg,
            created_at=now,
            signature=key.sign(statement),
            key_id=kid,
            public_key_pem=signing.public_pem(public),
            compact_range=compact.to_bytes(),
        )
        _append(
            [
                (
                    CHECKPOINT_EVENT,
                    ("ledger.checkpoint", checkpoint.pk),
                    {
                        "tree_size": size,
                        "root_hash": root_hash.hex(),
                        "alg": alg,
                        "key_id": kid,
                        "signature": bytes(checkpoint.signature).hex(),
                    },
                    None,
                )
            ],
            SYSTEM,
            enqueue_checkpoint=False,
        )
    return checkpoint


# --- proofs ----------------------------------------------------------------------------------------------


def _check_size(tree_size: int) -> None:
    size = log_size()
    if not 0 < tree_size <= size:
        raise ValidationFailed(
            f"树大小须在 1 到 {size} 之间。", code="bad_tree_size", details={"log_size": size}
        )


def inclusion_proof(index: int, tree_size: int, alg: str | None = None) -> dict:
    """Inclusion proof (RFC 9162 §2.1.3) of event `index` in the tree of the first `tree_size` events."""
    alg = alg or hashing.default_algorithm()
    _check_size(tree_size)
    if not 0 <= index < tree_size:
        raise ValidationFailed("序号须小于树大小。", code="bad_index")
    path = merkle.inclusion_proof(index, tree_size, lambda a, b: subtree_hash(alg, a, b))
    leaf = Event.objects.values_list("leaf_hash", flat=True).get(index=index)
    return {
        "index": index,
        "tree_size": tree_size,
        "alg": alg,
        "leaf_hash": bytes(leaf),
        "path": path,
        "root_hash": tree_root(tree_size, alg),
    }


def consistency_proof(first: int, second: int, alg: str | None = None) -> dict:
    """Consistency proof (RFC 9162 §2.1.4) between the trees of the first `first` and `second` events."""
    alg = alg or hashing.default_algorithm()
    _check_size(second)
    if not 0 < first <= second:
        raise ValidationFailed("须满足 0 < first ≤ second。", code="bad_sizes")
    path = merkle.consistency_proof(first, second, lambda a, b: subtree_hash(alg, a, b))
    return {
        "first": first,
        "second": second,
        "alg": alg,
        "first_root": tree_root(first, alg),
        "second_root": tree_root(second, alg),
        "path": path,
    }
