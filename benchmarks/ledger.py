"""Ledger benchmarks: append rate vs a plain INSERT of the same rows; verification vs raw hashlib SM3.

append: single events, each in its own transaction, through `ledger.services.append` (head lock, leaf hash,
insert, head update), against an INSERT of the same column values into a table with the same columns and indexes,
also one transaction per row; and the same in batches of 100 (`append_many` vs executemany).

verify: `zhifa verify`'s full check (stream every row, rebuild every entry, hash every leaf, compare, build the
tree, check the checkpoints) against hashlib hashing the same entry bytes (0x00 ‖ entry) one leaf at a time, with
the bytes already in memory. The streaming rate (one hash over all bytes) is printed as a note.
"""

from __future__ import annotations

import hashlib
import time

from django.db import connection, transaction

from benchmarks import Context, Result, bench
from zhifa.ledger import hashing
from zhifa.ledger.models import Event
from zhifa.ledger.services import Actor, append, append_many, create_checkpoint
from zhifa.ledger.verify import verify

ACTOR = Actor(id=41, name="张三", role="officer", agency_id=7)


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
    ts, blob = ("timestamptz", "bytea") if pg else ("datetime", "blob")
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_plain")
        cursor.execute(
            f'CREATE TABLE bench_plain ("index" bigint PRIMARY KEY, recorded_at {ts} NOT NULL, actor_id bigint, '
            "actor_name varchar(100) NOT NULL, actor_role varchar(32) NOT NULL, actor_agency_id bigint, "
            "event_type varchar(64) NOT NULL, subject_type varchar(64) NOT NULL, subject_id varchar(64) NOT NULL, "
            f"case_id bigint, payload text NOT NULL, hash_alg varchar(16) NOT NULL, leaf_hash {blob} NOT NULL)"
        )
        cursor.execute("CREATE INDEX bench_plain_t ON bench_plain (event_type)")
        cursor.execute("CREATE INDEX bench_plain_c ON bench_plain (case_id)")
        cursor.execute("CREATE INDEX bench_plain_s ON bench_plain (subject_type, subject_id)")
        cursor.execute("CREATE INDEX bench_plain_a ON bench_plain (actor_id, recorded_at)")


def _plain_rows(start: int, count: int) -> list[tuple]:
    from django.utils import timezone

    now = timezone.now()
    digest = b"\x00" * 32
    return [
        (start + i, now, ACTOR.id, ACTOR.name, ACTOR.role, ACTOR.agency_id, "bench.plain", "bench.thing",
         str(i), 100000 + i, hashing.canonical_json(payload(i)).decode(), "sm3", digest)
        for i in range(count)
    ]  # fmt: skip


INSERT = "INSERT INTO bench_plain VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"


@bench("ledger.append")
def append_rate(ctx: Context) -> list[Result]:
    single = 300 if ctx.quick else 3000
    batches = 20 if ctx.quick else 200
    batch = 100
    _plain_table()
    # warm up both paths
    for i in range(50):
        append("bench.warmup", actor=ACTOR, subject=("bench.thing", i), payload=payload(i))

    started = time.perf_counter()
    for i in range(single):
        append(
            "bench.single", actor=ACTOR, subject=("bench.thing", i), payload=payload(i), case_id=100000 + i
        )
    ledger_single = single / (time.perf_counter() - started)

    rows = _plain_rows(0, single)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for row in rows:
            with transaction.atomic():
                cursor.execute(INSERT, row)
    plain_single = single / (time.perf_counter() - started)

    items = [[("bench.batch", ("bench.thing", i), payload(i), 100000 + i) for i in range(batch)]] * batches
    started = time.perf_counter()
    for chunk in items:
        append_many(chunk, actor=ACTOR)
    ledger_batch = batch * batches / (time.perf_counter() - started)

    rows = _plain_rows(single, batch * batches)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for k in range(batches):
            with transaction.atomic():
                cursor.executemany(INSERT, rows[k * batch : (k + 1) * batch])
    plain_batch = batch * batches / (time.perf_counter() - started)
    return [
        Result("append, 1 event/transaction", "events/s", ledger_single, "plain INSERT", plain_single,
               min_value=1500, target_vendor="postgresql"),
        Result(f"append_many, {batch}/transaction", "events/s", ledger_batch, "plain executemany", plain_batch),
    ]  # fmt: skip


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
    return [event.entry_bytes() for event in Event.objects.order_by("index").iterator(chunk_size=10000)]


@bench("ledger.verify")
def verify_rate(ctx: Context) -> list[Result]:
    total = 20_000 if ctx.quick else 200_000
    _populate(total, every=50_000 if not ctx.quick else 5_000)
    connection.close()

    # Other processes share these cores: every rate is the best of a few runs, baselines included.
    rate = single_rate = 0.0
    for _ in range(3):
        started = time.perf_counter()
        report = verify(files=False)
        rate = max(rate, report.events / (time.perf_counter() - started))
        assert report.ok, report.first
        single = verify(files=False, workers=1)
        assert single.ok, single.first
        single_rate = max(single_rate, single.events / single.seconds)

    entries = _entries()
    alg = hashing.default_algorithm()
    new = hashlib.new
    per_leaf = streaming = 0.0
    for _ in range(3):
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
    mean = sum(map(len, entries)) / len(entries)
    return [
        Result(f"verify {report.events:,} events, {report.workers} proc", "events/s", rate,
               f"hashlib {alg} per leaf", per_leaf, target=0.7,
               note=f"(entries {mean:.0f} B; {alg} streaming {streaming:,.0f}/s → {rate / streaming:.2f}x; "
                    f"1 proc {single_rate:,.0f}/s → {single_rate / per_leaf:.2f}x)"),
    ]  # fmt: skip
