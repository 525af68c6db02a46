"""Appending to the ledger, integrating events into the log, signing checkpoints and producing proofs.

Call `append` inside the transaction of the change it records:

    with transaction.atomic():
        officer.save()
        append("registry.officer_created", actor=Actor.from_user(user), subject=officer, payload={...})

Appending only INSERTs event rows (no shared lock: appends of the whole province run in parallel; a trigger queues
each new event id in ledger_pending). The log index is assigned later by `integrate` (a sequencer, as Trillian
integrates its queue): holding the integrator lock (a PostgreSQL advisory lock; SQLite serialises writers anyway) it
takes the committed, queued events in insertion-id order, in batches of at most INTEGRATE_BATCH, and INSERTs one
leaf each (gapless index, leaf hash over every column plus the index), removing them from the queue and advancing
the head in the same statement. Integration runs
- in integration mode "commit" (settings.ZHIFA_LEDGER_INTEGRATION; SQLite's default), right after the appending
  transaction commits (transaction.on_commit, non-blocking: when another integrator holds the lock it is skipped,
  and that integrator reads the queue again after releasing the lock, so no commit is left behind);
- in mode "worker" (PostgreSQL's default), by `run_integrator`, the loop `zhifa worker` runs in a thread: appends
  cost their INSERT alone and the sequencer integrates the queue in batches about a tenth of a second behind;
- from the periodic task `zhifa.ledger.tasks.integrate_pending`;
- before a checkpoint, a proof and `zhifa verify` (which also integrates events whose queue entry was lost).
A rolled-back append leaves no trace (its row and queue entry vanish with it), so indexes stay gapless. An event whose
transaction commits after events with higher ids were integrated simply gets the next index.

Checkpoints: `create_checkpoint()` integrates everything pending, signs (tree size, root, alg, time) with the
platform key and records a `ledger.checkpoint_signed` event, integrated in the same transaction *after* the tree it
signs, so a checkpoint never has to sign a tree containing its own signature; the next checkpoint covers it. `zhifa
verify` checks that every checkpoint row has its event and every such event its row. Integration enqueues the
checkpoint task (on commit) whenever the log crosses a multiple of settings.ZHIFA_CHECKPOINT_EVERY.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import hashlib
import json
import logging
import threading
import time
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections, models, transaction
from django.utils import timezone

from zhifa.core.errors import NotFound, ValidationFailed
from zhifa.ledger import hashing, merkle, signing
from zhifa.ledger.models import Checkpoint, Event, Leaf, LedgerHead

log = logging.getLogger(__name__)

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


_COLUMNS = (
    "recorded_at, actor_id, actor_name, actor_role, actor_agency_id, event_type, subject_type, subject_id, "
    "case_id, payload"
)
_ROW = "(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
INSERT_CHUNK = 500  # rows per INSERT statement (10 parameters each, far below SQLite's limit)


def _insert_events(conn, rows: list[tuple]) -> list[int]:
    """SQLite: INSERT the rows, returning their insertion ids in row order (a sequence numbers a multi-row insert in
    order; sorting the returned ids makes that independent of the order RETURNING lists them)."""
    ids: list[int] = []
    with conn.cursor() as cursor:
        for k in range(0, len(rows), INSERT_CHUNK):
            part = rows[k : k + INSERT_CHUNK]
            params = [value for row in part for value in row]
            cursor.execute(
                f"INSERT INTO ledger_event ({_COLUMNS}) VALUES {', '.join([_ROW] * len(part))} RETURNING id",
                params,
            )
            ids.extend(sorted(r[0] for r in cursor.fetchall()))
    return ids


# PostgreSQL: two fixed statements (one row; any number of rows as arrays) with typed parameters, prepared once per
# connection (see `prepared_statements`), so the server neither parses nor plans an append again; values are sent in
# binary, never quoted into the SQL text.
_PG_INSERT_ONE = (
    f"INSERT INTO ledger_event ({_COLUMNS}) VALUES (%s::timestamptz, %s::bigint, %s::varchar, %s::varchar, "
    "%s::bigint, %s::varchar, %s::varchar, %s::varchar, %s::bigint, %s::text) RETURNING id"
)
_PG_INSERT_MANY = (
    f"INSERT INTO ledger_event ({_COLUMNS}) SELECT * FROM unnest(%s::timestamptz[], %s::bigint[], %s::varchar[], "
    "%s::varchar[], %s::bigint[], %s::varchar[], %s::varchar[], %s::varchar[], %s::bigint[], %s::text[]) "
    "RETURNING id"
)


def prepared_statements() -> bool:
    """settings.ZHIFA_LEDGER_PREPARED_STATEMENTS (default True): PostgreSQL prepares the ledger's fixed statements
    (appends, the sequencer's read and write) once per connection. Django itself prepares nothing (it sets psycopg's
    prepare_threshold to None unless OPTIONS say otherwise). Set False behind a connection pooler in transaction
    mode that cannot carry prepared statements (PgBouncer before 1.21)."""
    return bool(getattr(settings, "ZHIFA_LEDGER_PREPARED_STATEMENTS", True))


def _raw_cursor(conn):
    """A psycopg cursor on Django's connection for the ledger's fixed statements, with what Django's cursor wrapper
    would do first: the health check (CONN_HEALTH_CHECKS), an open connection, no broken transaction. Its errors
    are raised as Django's database errors by the caller's `conn.wrap_database_errors`. Not seen by Django's
    execute wrappers or its DEBUG query log."""
    import psycopg

    conn.close_if_health_check_failed()
    conn.ensure_connection()
    conn.validate_no_broken_transaction()
    raw = conn.connection
    if raw.prepare_threshold is None and prepared_statements():
        # Django connects with prepare_threshold None, with which psycopg ignores even an explicit prepare=True. A
        # threshold no query reaches keeps Django's statements unprepared and lets the ledger's be prepared.
        raw.prepare_threshold = NEVER_AUTOMATICALLY
    return psycopg.Cursor(raw)


NEVER_AUTOMATICALLY = 2**31 - 1


def _pg_insert_events(conn, rows: list[tuple]) -> list[int]:
    """Straight through psycopg, not Django's cursor wrapper: an append is the hottest statement of the platform, and
    the wrapper (with its client-side quoting) cost more CPU than the INSERT itself."""
    prepare = prepared_statements()  # False: never, not even a statement this session prepared before
    with conn.wrap_database_errors, _raw_cursor(conn) as raw:
        if len(rows) == 1:
            raw.execute(_PG_INSERT_ONE, rows[0], prepare=prepare)
        else:
            raw.execute(
                _PG_INSERT_MANY, [list(column) for column in zip(*rows, strict=True)], prepare=prepare
            )
        return sorted(r[0] for r in raw.fetchall())


def append(
    event_type: str,
    *,
    actor: Actor,
    subject,
    payload: dict | None = None,
    case_id: int | None = None,
) -> Event:
    """Append one event; joins the caller's transaction (its own, if there is none). A failed append (a database
    error) aborts the caller's transaction: the change it records must not commit without it.

    The returned event has its insertion id; its log `index` is assigned once its transaction has committed.
    """
    return append_many([(event_type, subject, payload or {}, case_id)], actor=actor)[0]


def append_many(items, *, actor: Actor) -> list[Event]:
    """Append several events in one go: [(event_type, subject, payload, case_id), ...]."""
    return _append(items, actor, integrate_on_commit=True)


def _append(items, actor: Actor, *, integrate_on_commit: bool) -> list[Event]:
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
    actor_id = None if actor.id is None else int(actor.id)
    role = str(actor.role)[:32]
    agency_id = None if actor.agency_id is None else int(actor.agency_id)
    conn = connections[DEFAULT_DB_ALIAS]  # once: each use of the `connection` proxy is a context-local lookup
    now = timezone.now()
    db_now = conn.ops.adapt_datetimefield_value(now)
    rows = [
        (db_now, actor_id, name, role, agency_id, event_type, subject_type, subject_id, case_id, text)
        for event_type, subject_type, subject_id, case_id, text in prepared
    ]
    pg = conn.vendor == "postgresql"
    # Outside a transaction, one INSERT statement is a transaction of its own: no BEGIN/COMMIT round trips. Inside
    # the caller's transaction no savepoint either (an error aborts the caller's transaction, as it should).
    single = not conn.in_atomic_block and (pg or len(rows) <= INSERT_CHUNK)
    with contextlib.nullcontext() if single else transaction.atomic(savepoint=False):
        ids = _pg_insert_events(conn, rows) if pg else _insert_events(conn, rows)
        if integrate_on_commit and integration_mode() == "commit" and not _integration_registered(conn):
            transaction.on_commit(_integrate_after_commit, robust=True)
    events = []
    for event_id, (event_type, subject_type, subject_id, case_id, text) in zip(ids, prepared, strict=True):
        # positional, in the model's field order (much cheaper than keyword arguments)
        event = Event(event_id, now, actor_id, name, role, agency_id, event_type, subject_type, subject_id,
                      case_id, text)  # fmt: skip
        event._state.adding = False
        event._state.db = DEFAULT_DB_ALIAS
        events.append(event)
    return events


def integration_mode() -> str:
    """settings.ZHIFA_LEDGER_INTEGRATION: "commit" (on commit of the appending transaction) or "worker" (the
    integrator loop of `zhifa worker`, see `run_integrator`)."""
    return getattr(settings, "ZHIFA_LEDGER_INTEGRATION", "commit")


def _integration_registered(conn) -> bool:
    """Whether this transaction already integrates on commit (one integration per transaction is enough)."""
    return any(entry[1] is _integrate_after_commit for entry in getattr(conn, "run_on_commit", ()))


def _integrate_after_commit() -> None:
    integrate(wait=False, max_batches=AFTER_COMMIT_MAX_BATCHES)


# --- integration: the sequencer ------------------------------------------------------------------------------

INTEGRATE_BATCH = 500  # events per integration step: the integrator lock is held for one batch at a time
AFTER_COMMIT_MAX_BATCHES = (
    20  # an appending request integrates at most this many batches, then leaves the rest
)
_thread_lock = threading.RLock()  # SQLite only, see _lock()

# PostgreSQL advisory lock key of the integrator (and of create_checkpoint): "zhifa.ledger.integrate" of sorts
INTEGRATOR_LOCK = 0x7A6869666C6564

_EVENT_COLUMNS = (
    "e.id, e.recorded_at, e.actor_id, e.actor_name, e.actor_role, e.actor_agency_id, e.event_type, "
    "e.subject_type, e.subject_id, e.case_id, e.payload"
)
_UNINTEGRATED = "NOT EXISTS (SELECT 1 FROM ledger_leaf l WHERE l.event_id = e.id)"
_HEAD = "(SELECT size FROM ledger_ledgerhead WHERE id = 1)"


def _lock(cursor, *, wait: bool, session: bool) -> bool:
    """Take the integrator lock; False when `wait` is false and another integrator holds it.

    PostgreSQL: an advisory lock. Outside a transaction, a session lock taken in one round trip and released by
    `_unlock`; inside an outer transaction, a transaction lock (released when that transaction ends). SQLite:
    writers are serialised by the database (each batch runs in a BEGIN IMMEDIATE transaction, see settings), so
    this only keeps the threads of one process from queueing behind each other.
    """
    if connection.vendor != "postgresql":
        return _thread_lock.acquire(blocking=wait)
    function = f"pg_{'' if wait else 'try_'}advisory_{'' if session else 'xact_'}lock"
    cursor.execute(f"SELECT {function}(%s)", [INTEGRATOR_LOCK])
    return True if wait else bool(cursor.fetchone()[0])


def _unlock(cursor, *, session: bool) -> None:
    if connection.vendor != "postgresql":
        _thread_lock.release()
    elif session:
        cursor.execute("SELECT pg_advisory_unlock(%s)", [INTEGRATOR_LOCK])


def _peek(cursor, *, full: bool, limit: int) -> tuple[list[int], list[tuple], int | None]:
    """The next pending events in insertion-id order: (queue ids taken, their events without a leaf, head size).

    Queue mode: the lowest `limit` ids of the queue (an id without an event row, or whose event has a leaf already,
    is only dropped from the queue). `full`: the lowest `limit` events without a leaf, queued or not.
    An event is its columns (SQLite) or (id, the entry's tail rendered by the database as UTF-8 bytes) on
    PostgreSQL, see `_leaves`.
    """
    pg = connection.vendor == "postgresql"
    columns = f"e.id, {_pg_tail()}" if pg else _EVENT_COLUMNS
    params = [hashing.default_algorithm()] if pg else []
    limit_sql = "%s::bigint" if pg else "%s"  # typed: one prepared statement whatever the limit
    if full:
        rows = _fetch(
            cursor,
            f"SELECT {columns}, {_HEAD} FROM ledger_event e WHERE {_UNINTEGRATED} ORDER BY e.id LIMIT {limit_sql}",
            [*params, limit],
        )
        return [row[0] for row in rows], [row[:-1] for row in rows], rows[-1][-1] if rows else None
    rows = _fetch(
        cursor,
        f"SELECT p.event_id, {columns}, {_HEAD} FROM "
        f"(SELECT event_id FROM ledger_pending ORDER BY event_id LIMIT {limit_sql}) p "
        f"LEFT JOIN ledger_event e ON e.id = p.event_id AND {_UNINTEGRATED} ORDER BY p.event_id",
        [*params, limit],
    )
    events = [row[1:-1] for row in rows if row[1] is not None]
    return [row[0] for row in rows], events, rows[-1][-1] if rows else None


def _pg_tail() -> str:
    from zhifa.ledger.verify import pg_entry_tail_sql

    return pg_entry_tail_sql("%s::text")


def _leaves(events: list[tuple], size: int, alg: str) -> list[tuple]:
    """(index, event id, leaf hash, alg) of `events` at the indexes from `size` on.

    SQLite: the entry is rendered by `hashing.entry_text` from the columns. PostgreSQL: the database rendered all of
    the entry but its head "[index," (the same SQL as `zhifa verify`, pinned against `hashing.entry_text` by the
    tests); Python hashes 0x00 ‖ "[index," ‖ tail from a started hash (no per-event rendering in Python).
    """
    leaves = []
    if connection.vendor == "postgresql":
        proto = hashlib.new(alg, hashing.LEAF_PREFIX)
        for index, (event_id, tail) in enumerate(events, start=size):
            h = proto.copy()
            h.update(b"[%d," % index)
            h.update(tail)
            leaves.append((index, event_id, h.digest(), alg))
        return leaves
    for index, row in enumerate(events, start=size):
        event_id, when, actor_id, name, role, agency_id, etype, stype, sid, case_id, payload = row
        entry = hashing.entry_text(
            index, event_id, hashing.time_text(when), actor_id, name, role, agency_id,
            etype, stype, sid, case_id, alg, payload,
        )  # fmt: skip
        leaves.append((index, event_id, hashing.leaf_hash(alg, entry.encode()), alg))
    return leaves


def _fetch(cursor, sql: str, params: list) -> list[tuple]:
    """Rows of a sequencer query. PostgreSQL: through a server-side binding cursor, so that the fixed statements of
    the sequencer are prepared once per connection (see `prepared_statements`) instead of being split and quoted by
    the client every time; results in binary, text loaded as raw UTF-8 bytes."""
    if connection.vendor != "postgresql":
        cursor.execute(sql, params)
        return cursor.fetchall()
    from psycopg.types.string import ByteaBinaryLoader

    with connection.wrap_database_errors, _raw_cursor(connection) as raw:
        raw.adapters.register_loader("text", ByteaBinaryLoader)  # this cursor only
        raw.execute(sql, params, binary=True, prepare=prepared_statements())
        return raw.fetchall()


# PostgreSQL: one fixed statement whatever the batch size (arrays, not a VALUES list of N rows): it drops the taken
# ids from the queue, inserts the leaves and sets the head.
_PG_WRITE = (
    "WITH taken AS (DELETE FROM ledger_pending WHERE event_id = ANY(%s::bigint[])), "
    'added AS (INSERT INTO ledger_leaf ("index", event_id, leaf_hash, alg) '
    "SELECT * FROM unnest(%s::bigint[], %s::bigint[], %s::bytea[], %s::varchar[])) "
    "UPDATE ledger_ledgerhead SET size = %s::bigint WHERE id = 1"
)


def _write(cursor, taken: list[int], leaves: list[tuple], end: int) -> None:
    """Drop `taken` from the queue, insert the leaves, set the head. PostgreSQL: one statement, so it needs no
    transaction of its own (the integrator lock keeps other integrators out between the peek and this)."""
    if connection.vendor == "postgresql":
        # Outside a caller's transaction this statement is its own transaction; unless settings say otherwise it
        # commits asynchronously (set_config(..., true) is SET LOCAL), see `durable_integration`.
        mode = "" if connection.in_atomic_block or durable_integration() else _ASYNC_COMMIT
        prepare = prepared_statements()
        with connection.wrap_database_errors, _raw_cursor(connection) as raw:
            if leaves:
                columns = [list(column) for column in zip(*leaves, strict=True)]
                raw.execute(_PG_WRITE + mode, [taken, *columns, end], prepare=prepare)
            else:
                raw.execute(
                    "DELETE FROM ledger_pending WHERE event_id = ANY(%s::bigint[])", [taken], prepare=prepare
                )
        return
    marks = ", ".join(["%s"] * len(taken))
    cursor.execute(f"DELETE FROM ledger_pending WHERE event_id IN ({marks})", taken)
    if leaves:
        cursor.execute(
            f'INSERT INTO ledger_leaf ("index", event_id, leaf_hash, alg) VALUES '
            f"{', '.join(['(%s, %s, %s, %s)'] * len(leaves))}",
            [value for leaf in leaves for value in leaf],
        )
        cursor.execute("UPDATE ledger_ledgerhead SET size = %s WHERE id = 1", [end])


_ASYNC_COMMIT = " AND set_config('synchronous_commit', 'off', true) IS NOT NULL"


def durable_integration() -> bool:
    """settings.ZHIFA_LEDGER_DURABLE_INTEGRATION (default False): make each integration wait for the disk.

    By default an integration step commits asynchronously on PostgreSQL (synchronous_commit = off for that one
    statement; never inside a caller's transaction). The events themselves were committed durably by their
    appending transactions; a leaf is derived from them. PostgreSQL writes its log in order, so the next durable
    commit of anything (an append, a checkpoint) makes every earlier integration durable too; a crash within that
    fraction of a second loses only those last integrations: their queue rows come back with them, and the events
    are integrated again, in insertion-id order. Nothing a signed checkpoint covers can be lost that way.
    """
    return bool(getattr(settings, "ZHIFA_LEDGER_DURABLE_INTEGRATION", False))


def _ensure_head(cursor) -> int:
    """Created by migration 0002; only a flushed test database lacks it."""
    cursor.execute("SELECT COUNT(*) FROM ledger_leaf")
    head, _ = LedgerHead.objects.get_or_create(pk=1, defaults={"size": cursor.fetchone()[0]})
    return head.size


def _integrate_batch(cursor, *, full: bool, limit: int, enqueue: bool) -> tuple[int, int]:
    """Integrate up to `limit` pending events in insertion-id order at the indexes following the head.

    Must run under the integrator lock (and, on SQLite, in a transaction). Returns (queue rows or events consumed,
    events integrated).
    """
    taken, events, size = _peek(cursor, full=full, limit=limit)
    if not taken:
        return 0, 0
    if size is None and events:
        size = _ensure_head(cursor)
    alg = hashing.default_algorithm()
    leaves = _leaves(events, size or 0, alg)
    end = (size or 0) + len(leaves)
    _write(cursor, taken, leaves, end)
    every = max(1, int(getattr(settings, "ZHIFA_CHECKPOINT_EVERY", 1000)))
    if enqueue and leaves and (size // every != end // every):
        transaction.on_commit(_enqueue_checkpoint)
    return len(taken), len(leaves)


def _has_queued(cursor) -> bool:
    # through the primary key: the queue's integrated rows are dead until (auto)vacuum comes, and a sequential scan
    # reads every one of them at each poll, where an index scan marks their entries dead once and skips them after
    cursor.execute("SELECT 1 FROM ledger_pending ORDER BY event_id LIMIT 1")
    return cursor.fetchone() is not None


def integrate(
    *, wait: bool = True, full: bool = False, batch: int = INTEGRATE_BATCH, max_batches: int | None = None,
    on_batch=None,
) -> int:  # fmt: skip
    """Give the pending (committed, not integrated) events their log indexes; returns how many were integrated.

    Batch after batch under the integrator lock (see `_lock`): on PostgreSQL a batch is a read and one writing
    statement, on SQLite a short transaction. `wait=False` returns at once when another integrator holds the lock;
    that one reads the queue again after releasing the lock, so a commit that found the lock taken is never left
    behind. `full`: also events missing from the queue (verify). `on_batch()` is called after each batch with the
    lock still held (instrumentation for the concurrency tests).
    """
    total = batches = 0
    sqlite = connection.vendor == "sqlite"
    while True:
        session = not connection.in_atomic_block  # inside a transaction, the lock lasts until it ends
        with connection.cursor() as cursor:
            if not _lock(cursor, wait=wait, session=session):
                return total  # the holder reads the queue again after releasing the lock
            try:
                while True:  # batch after batch while the queue is full
                    with transaction.atomic() if sqlite else contextlib.nullcontext():
                        consumed, integrated = _integrate_batch(cursor, full=full, limit=batch, enqueue=True)
                        if on_batch is not None:
                            on_batch()
                    total += integrated
                    batches += 1
                    if consumed < batch or (max_batches is not None and batches >= max_batches):
                        break
            finally:
                _unlock(cursor, session=session)
            if max_batches is not None and batches >= max_batches:
                return total
            # The lock is released: a commit that was refused the lock while we held it is visible now.
            if full or not _has_queued(cursor):
                return total


def run_integrator(
    stop: threading.Event, *, busy_poll: float = 0.1, idle_poll: float = 0.2, idle_after: float = 1.0
) -> None:
    """The sequencer loop of `zhifa worker` (integration mode "worker"): integrate one batch of what is queued; after
    a full batch go on at once, after a partial one (or none) let appends gather for `busy_poll` seconds while they
    keep coming, `idle_poll` once nothing came for `idle_after` seconds — batches, not a core spent on a few events
    at a time. An event therefore waits for its index about a `busy_poll` under load and at most an `idle_poll`
    after a quiet spell. Errors are logged and retried; the
    periodic task and every checkpoint, proof and verify integrate too, so a stopped loop delays indexes but
    loses nothing. Runs on the calling thread's connection (the caller closes it).
    """
    from django.db import close_old_connections

    last_work = time.monotonic()
    while not stop.is_set():
        try:
            done = integrate(wait=False, max_batches=1)
        except Exception:  # keep the sequencer alive: log, drop the connection, retry
            log.exception("ledger integration failed")
            close_old_connections()
            connection.close()
            stop.wait(idle_poll)
            continue
        now = time.monotonic()
        if done:
            last_work = now
            if done >= INTEGRATE_BATCH:
                continue  # a full batch: more is queued, go on at once
        # a partial batch: let appends gather for `busy_poll`, so the sequencer integrates in batches instead of
        # spending a core on a few events at a time
        stop.wait(busy_poll if now - last_work < idle_after else idle_poll)


def pending_count() -> int:
    """Committed events without a log index yet (the anti-join, independent of the queue)."""
    return Event.objects.filter(leaf__isnull=True).count()


def _enqueue_checkpoint() -> None:
    from zhifa.ledger.tasks import checkpoint

    checkpoint.enqueue()


# --- reading leaf hashes and subtrees ---------------------------------------------------------------------


def log_size() -> int:
    head = LedgerHead.objects.filter(pk=1).first()
    return head.size if head else 0


def iter_leaf_hashes(start: int, end: int):
    """Stored leaf hashes of indexes [start, end), in order, fetched in large chunks."""
    table = connection.ops.quote_name(Leaf._meta.db_table)
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
    with transaction.atomic(), connection.cursor() as cursor:
        # no integration slips in between reading the size and signing it
        if connection.vendor == "postgresql":  # (SQLite: this transaction holds the database's write lock)
            _lock(cursor, wait=True, session=False)
        _drain(cursor)
        size = log_size()
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
            integrate_on_commit=False,
        )
        _drain(cursor)  # its own event, right after the tree it signs
    return checkpoint


def _drain(cursor) -> None:
    """Integrate the whole queue within the current transaction (integrator lock held)."""
    while _integrate_batch(cursor, full=False, limit=INTEGRATE_BATCH, enqueue=False)[0] == INTEGRATE_BATCH:
        pass


# --- proofs ----------------------------------------------------------------------------------------------


def _check_size(tree_size: int) -> None:
    integrate(wait=False)  # whatever is pending gets its index first (skipped if another integrator is at it)
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
    leaf = Leaf.objects.values_list("leaf_hash", flat=True).get(index=index)
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
