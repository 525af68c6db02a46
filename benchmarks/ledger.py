"""Ledger benchmarks: append rate vs a plain INSERT of the same rows; verification vs raw hashlib SM3.

append: `ledger.services.append` (INSERT of the event, queued by trigger; after commit the non-blocking integration
gives it its index and leaf) against an INSERT of the same column values into a table with the same columns and
indexes, one transaction per row (both called outside a transaction: a single statement in autocommit mode):
- single client, one event per transaction (the old line, kept for honesty: each append pays its own commit and,
  alone, also the integration's);
- N concurrent clients (processes, each with its own connection, for a fixed time), one event per transaction:
  the line that carries the target — commits of many clients share the integrator's batches. The integration lag
  is reported: the largest queue seen while the clients ran and how long after the last commit it was drained.
  The log is checked afterwards: gapless, one leaf per committed event;
- batches of 100 (`append_many` vs executemany).

verify: `zhifa verify`'s full check (the database renders every entry, or on PostgreSQL reads the rendering each event
stored at insert — "stored" in the note; Python hashes every leaf and compares, builds the tree, checks the
checkpoints) against hashlib hashing the same entry bytes (0x00 ‖ entry) one leaf at a time, with the bytes already
in memory. The streaming rate (one hash over all bytes) is printed as a note.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import time

from django.conf import settings
from django.db import connection, connections, transaction
from django.db.models import Max

from benchmarks import Context, Result, bench
from zhifa.ledger import hashing
from zhifa.ledger.models import Event, Leaf, LedgerHead, Pending
from zhifa.ledger.services import (
    Actor,
    append,
    append_many,
    create_checkpoint,
    pending_count,
    run_integrator,
)
from zhifa.ledger.verify import verify

ACTOR = Actor(id=41, name="张三", role="officer", agency_id=7)
CLIENTS = 8


def payload(i: int) -> dict:
    return {
        "case": 100000 + i,
        "step": "现场检查",
        "title": f"某某食品经营部未按规定公示食品经营许可证案（第{i}号）",
        "amount": "5000.00",
        "officers": [41, 42],
        "note": "执法人员出示执法证件，告知当事人陈述申辩权利，当事人对检查结果无异议并签字确认。",
    }


def _plain_table() -> None:
    pg = connection.vendor == "postgresql"
    ts, pk = (
        ("timestamptz", "bigserial PRIMARY KEY") if pg else ("datetime", "integer PRIMARY KEY AUTOINCREMENT")
    )
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_plain")
        cursor.execute(
            f"CREATE TABLE bench_plain (id {pk}, recorded_at {ts} NOT NULL, actor_id bigint, "
            "actor_name varchar(100) NOT NULL, actor_role varchar(32) NOT NULL, actor_agency_id bigint, "
            "event_type varchar(64) NOT NULL, subject_type varchar(64) NOT NULL, subject_id varchar(64) NOT NULL, "
            "case_id bigint, payload text NOT NULL)"
        )
        cursor.execute("CREATE INDEX bench_plain_t ON bench_plain (event_type)")
        cursor.execute("CREATE INDEX bench_plain_c ON bench_plain (case_id)")
        cursor.execute("CREATE INDEX bench_plain_s ON bench_plain (subject_type, subject_id)")
        cursor.execute("CREATE INDEX bench_plain_a ON bench_plain (actor_id, recorded_at)")


def _plain_row(i: int) -> tuple:
    from django.utils import timezone

    return (connection.ops.adapt_datetimefield_value(timezone.now()), ACTOR.id, ACTOR.name, ACTOR.role,
            ACTOR.agency_id, "bench.plain", "bench.thing", str(i), 100000 + i,
            hashing.canonical_json(payload(i)).decode())  # fmt: skip


INSERT = (
    "INSERT INTO bench_plain (recorded_at, actor_id, actor_name, actor_role, actor_agency_id, event_type, "
    "subject_type, subject_id, case_id, payload) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
)


def _append_one(i: int) -> None:
    append("bench.single", actor=ACTOR, subject=("bench.thing", i), payload=payload(i), case_id=100000 + i)


def _insert_one(i: int) -> None:
    """One INSERT in autocommit mode: its own transaction, as `append` outside a transaction."""
    row = _plain_row(i)
    with connection.cursor() as cursor:
        cursor.execute(INSERT, row)


def _client(job) -> tuple[float, float, int]:
    """One client process: its own connection, one transaction per event until the deadline."""
    kind, client, deadline = job
    work = _append_one if kind == "append" else _insert_one
    connection.close()  # never reuse the parent's socket
    started = time.time()
    count = 0
    try:
        while time.time() < deadline:
            work(client * 10_000_000 + count)
            count += 1
    finally:
        connection.close()
    return started, time.time(), count


def _integrator(stop) -> None:
    connection.close()  # never reuse the parent's socket
    run_integrator(stop)


def _concurrent(kind: str, clients: int, seconds: float, *, sequencer: bool = False) -> tuple[float, int]:
    """Events/s of `clients` processes for `seconds`, and the largest integration queue seen meanwhile.
    `sequencer`: the integrator loop of `zhifa worker` runs in its own process meanwhile (and is stopped once the
    queue is drained)."""
    connections.close_all()
    context = multiprocessing.get_context("fork")
    stop = context.Event()
    integrator = context.Process(target=_integrator, args=(stop,)) if sequencer else None
    if integrator is not None:
        integrator.start()
    try:
        return _run_clients(context, kind, clients, seconds)
    finally:
        if integrator is not None:
            _drain_time()
            stop.set()
            integrator.join(10)


def _run_clients(context, kind: str, clients: int, seconds: float) -> tuple[float, int]:
    deadline = time.time() + 0.5 + seconds  # 0.5 s to start the processes
    max_queue = 0
    with context.Pool(clients) as pool:
        waiting = pool.map_async(_client, [(kind, k, deadline) for k in range(clients)])
        while not waiting.ready():
            if kind == "append":
                max_queue = max(max_queue, Pending.objects.count())
            waiting.wait(0.05)
        results = waiting.get(timeout=60)
    connection.close()
    total = sum(count for _, _, count in results)
    span = max(end for _, end, _ in results) - min(start for start, _, _ in results)
    return total / span, max_queue


def _drain_time() -> float:
    """Seconds until the queue is empty (the clients' own on-commit integrations should already have done it)."""
    started = time.perf_counter()
    while Pending.objects.exists():
        if time.perf_counter() - started > 30:
            raise AssertionError("the integration queue was not drained within 30 s")
        time.sleep(0.001)
    return time.perf_counter() - started


def _check_log() -> None:
    """After the concurrent run: every committed event has exactly one leaf, indexes gapless from 0."""
    size = LedgerHead.objects.get().size
    assert Leaf.objects.count() == size == Event.objects.count(), (size, Event.objects.count())
    assert Leaf.objects.aggregate(m=Max("index"))["m"] == size - 1
    assert pending_count() == 0


@bench("ledger.append")
def append_rate(ctx: Context) -> list[Result]:
    single = 300 if ctx.quick else 2000
    batches = 20 if ctx.quick else 100
    clients, seconds = CLIENTS, (1.0 if ctx.quick else 4.0)
    batch = 100
    _plain_table()
    for i in range(50):  # warm up
        _append_one(i)
        _insert_one(i)

    pg = ctx.vendor == "postgresql"
    mode = settings.ZHIFA_LEDGER_INTEGRATION
    settings.ZHIFA_LEDGER_INTEGRATION = "commit"
    started = time.perf_counter()
    for i in range(single):
        _append_one(i)
    ledger_single = single / (time.perf_counter() - started)

    started = time.perf_counter()
    for i in range(single):
        _insert_one(i)
    plain_single = single / (time.perf_counter() - started)

    ledger_many, max_queue = _concurrent("append", clients, seconds)
    drained = _drain_time()
    _check_log()
    if pg:  # the PostgreSQL deployment: `zhifa worker` sequences (mode "worker"), appends only INSERT
        settings.ZHIFA_LEDGER_INTEGRATION = "worker"
        started = time.perf_counter()
        worker_many, worker_queue = _concurrent("append", clients, seconds, sequencer=True)
        worker_drained = time.perf_counter() - started - seconds - 0.5
        _check_log()
        settings.ZHIFA_LEDGER_INTEGRATION = "commit"
    plain_many, _ = _concurrent("insert", clients, seconds)

    items = [[("bench.batch", ("bench.thing", i), payload(i), 100000 + i) for i in range(batch)]] * batches
    started = time.perf_counter()
    for chunk in items:
        append_many(chunk, actor=ACTOR)
    ledger_batch = batch * batches / (time.perf_counter() - started)

    rows = [_plain_row(i) for i in range(batch)]
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for _ in range(batches):
            with transaction.atomic():
                cursor.executemany(INSERT, rows)
    plain_batch = batch * batches / (time.perf_counter() - started)
    _check_log()
    settings.ZHIFA_LEDGER_INTEGRATION = mode
    results = [
        Result("append, 1 client, 1 event/transaction, integration on commit", "events/s", ledger_single,
               "plain INSERT, 1 client", plain_single),
        Result(f"append, {clients} concurrent clients, 1 event/transaction, integration on commit", "events/s",
               ledger_many, f"plain INSERT, {clients} concurrent clients", plain_many,
               note=f"(integration lag: queue ≤ {max_queue} events while running, "
                    f"drained {drained * 1000:.0f} ms after the last commit)"),
    ]  # fmt: skip
    if pg:
        results.append(
            Result(f"append, {clients} concurrent clients, 1 event/transaction, sequencer of `zhifa worker`",
                   "events/s", worker_many, f"plain INSERT, {clients} concurrent clients", plain_many,
                   min_value=1500, target_vendor="postgresql",
                   note=f"(the PostgreSQL deployment; integration lag: queue ≤ {worker_queue} events while "
                        f"running, drained ≤ {max(worker_drained, 0) * 1000:.0f} ms after the last commit)")
        )  # fmt: skip
    results.append(
        Result(
            f"append_many, {batch}/transaction", "events/s", ledger_batch, "plain executemany", plain_batch
        )
    )
    return results


def _populate(total: int, every: int) -> None:
    size = 0
    block = 1000
    while size < total:
        count = min(block, total - size)
        append_many(
            [
                ("bench.verify", ("bench.thing", size + i), payload(size + i), 100000 + i)
                for i in range(count)
            ],
            actor=ACTOR,
        )
        size += count
        if size % every == 0:
            create_checkpoint()
    create_checkpoint()


def _entries() -> list[bytes]:
    """The entry bytes of every event, exactly as verify builds them (outside the timing)."""
    return [
        event.entry_bytes()
        for event in Event.objects.select_related("leaf").order_by("leaf__index").iterator(chunk_size=10000)
    ]


_HASH_ENTRIES: list[bytes] = []


def _hash_share(share: tuple[int, int, str]) -> None:
    """A forked process hashes its share of `_HASH_ENTRIES` as the per-leaf baseline does."""
    start, step, alg = share
    new = hashlib.new
    for entry in _HASH_ENTRIES[start::step]:
        new(alg, b"\x00" + entry).digest()


@bench("ledger.verify")
def verify_rate(ctx: Context) -> list[Result]:
    total = 20_000 if ctx.quick else 200_000
    _populate(total, every=50_000 if not ctx.quick else 5_000)
    connection.close()

    # Other processes share these cores: every rate is the best of a few rounds, baselines included, and each round
    # measures verify and its baselines one after the other, so that a slow spell of the machine hits both.
    entries = _entries()
    alg = hashing.default_algorithm()
    new = hashlib.new
    rate = single_rate = per_leaf = streaming = parallel = 0.0
    _HASH_ENTRIES[:] = entries
    connections.close_all()  # forked processes must not share the parent's connection
    pool = multiprocessing.get_context("fork").Pool(2)
    for _ in range(3):
        started = time.perf_counter()
        report = verify(files=False)
        rate = max(rate, report.events / (time.perf_counter() - started))
        assert report.ok, report.first
        single = verify(files=False, workers=1)
        assert single.ok, single.first
        single_rate = max(single_rate, single.events / single.seconds)
        started = time.perf_counter()
        for entry in entries:
            new(alg, b"\x00" + entry).digest()
        per_leaf = max(per_leaf, len(entries) / (time.perf_counter() - started))
        started = time.perf_counter()
        stream = new(alg)
        for entry in entries:
            stream.update(entry)
        stream.digest()
        streaming = max(streaming, len(entries) / (time.perf_counter() - started))
        # what a second core adds on this machine right now: the same per-leaf hashing in two processes at once
        started = time.perf_counter()
        pool.map(_hash_share, [(0, 2, alg), (1, 2, alg)])
        parallel = max(parallel, len(entries) / (time.perf_counter() - started))
    pool.close()
    pool.join()
    _HASH_ENTRIES.clear()
    mean = sum(map(len, entries)) / len(entries)
    return [
        Result(f"verify {report.events:,} events, {report.workers} proc", "events/s", rate,
               f"hashlib {alg} per leaf", per_leaf, target=0.7,
               note=f"(entries {mean:.0f} B, {report.entries}; {alg} streaming {streaming:,.0f}/s → {rate / streaming:.2f}x; "
                    f"1 proc {single_rate:,.0f}/s → {single_rate / per_leaf:.2f}x; "
                    f"hashlib in 2 procs at once {parallel / per_leaf:.2f}x of 1)"),
    ]  # fmt: skip
