"""Concurrency checks of the sequencer with real threads, each on its own database connection, committing for real.

Run by test_concurrency.py in a child process on a throw-away database (committed rows of an append-only log can
never be cleaned up, so this cannot share the test database):

    DATABASE_URL=... python -m zhifa.ledger.tests.concurrent_check

Exits 0 and prints "OK ..." when every check holds; an AssertionError (exit 1) otherwise.
"""

from __future__ import annotations

import sys
import threading
import time


def _thread(target, *args):
    from django.db import connection

    def run():
        try:
            target(*args)
        except BaseException as exc:  # surfaced by the main thread
            errors.append(exc)
            raise
        finally:
            connection.close()

    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t


errors: list[BaseException] = []


def _index(event_id: int):
    from zhifa.ledger.models import Event

    return Event.objects.select_related("leaf").get(id=event_id).index


def lower_id_commits_after_higher() -> None:
    """A transaction holding a lower insertion id commits after a higher id was integrated: it gets the next index."""
    from django.db import transaction

    from zhifa.ledger.services import SYSTEM, append

    ready, go, out = threading.Event(), threading.Event(), {}

    def slow():
        with transaction.atomic():
            out["a"] = append("conc.slow", actor=SYSTEM, subject=("conc.thing", "a"), payload={})
            ready.set()
            assert go.wait(20)

    t = _thread(slow)
    assert ready.wait(20)
    b = append(
        "conc.fast", actor=SYSTEM, subject=("conc.thing", "b"), payload={}
    )  # commits, integrates on commit
    b_index = _index(b.id)
    assert out["a"].id < b.id, (out["a"].id, b.id)
    assert b_index is not None, "the committed event was not integrated right after its commit"
    go.set()
    t.join(20)
    assert not errors, errors
    assert _index(out["a"].id) == b_index + 1, (_index(out["a"].id), b_index)


def commit_while_integrator_holds_the_lock() -> None:
    """An append that commits while an integrator holds the head lock is skipped by its own on-commit integration
    and picked up by the integrator when it re-reads the queue after releasing the lock."""
    from zhifa.ledger.services import SYSTEM, append, integrate

    in_batch, release, out = threading.Event(), threading.Event(), {}

    def hold(*_):
        if not in_batch.is_set():
            in_batch.set()
            assert release.wait(20)

    def integrator():
        out["n"] = integrate(wait=True, on_batch=hold)

    t = _thread(integrator)
    assert in_batch.wait(20)
    started = time.monotonic()
    c = append("conc.during", actor=SYSTEM, subject=("conc.thing", "c"), payload={})
    assert time.monotonic() - started < 5, "the append waited for the integrator"
    assert _index(c.id) is None, "integrated although the head was locked"
    release.set()
    t.join(20)
    assert not errors, errors
    assert out["n"] == 1 and _index(c.id) is not None, out


def two_integrators() -> None:
    """A second integrator that does not wait returns at once while the first holds the lock."""
    from zhifa.ledger.services import SYSTEM, append, integrate

    in_batch, release, out = threading.Event(), threading.Event(), {}

    def hold(*_):
        if not in_batch.is_set():
            in_batch.set()
            assert release.wait(20)

    append("conc.two", actor=SYSTEM, subject=("conc.thing", "d"), payload={})
    t = _thread(lambda: out.setdefault("first", integrate(wait=True, on_batch=hold)))
    assert in_batch.wait(20)
    second = {}
    t2 = _thread(lambda: second.setdefault("n", (time.monotonic(), integrate(wait=False), time.monotonic())))
    t2.join(10)
    assert not t2.is_alive(), "the non-waiting integrator blocked"
    began, n, ended = second["n"]
    assert n == 0 and ended - began < 5, second
    release.set()
    t.join(20)
    assert not errors, errors


def stress(clients: int = 8, per_client: int = 60, *, sequencer: bool = False) -> int:
    """Many appenders (some rolling back) and a looping integrator at once; then the log must be exact.
    `sequencer`: integration mode "worker" — appends do not integrate, `run_integrator` (the loop of `zhifa worker`)
    alone must drain the queue."""
    from django.conf import settings
    from django.db import connection, transaction

    from zhifa.ledger.models import Event, Leaf, LedgerHead, Pending
    from zhifa.ledger.services import Actor, append, integrate, run_integrator

    mode = settings.ZHIFA_LEDGER_INTEGRATION
    settings.ZHIFA_LEDGER_INTEGRATION = "worker" if sequencer else "commit"

    committed: dict[int, list[int]] = {}
    stop = threading.Event()

    def client(k):
        actor = Actor(id=k, name=f"客户{k}", role="officer")
        mine = committed.setdefault(k, [])
        for i in range(per_client):
            if i % 7 == 3:
                try:
                    with transaction.atomic():
                        append("conc.rolled_back", actor=actor, subject=("conc.thing", i), payload={"i": i})
                        raise RuntimeError("rolled back")
                except RuntimeError:
                    pass
                continue
            mine.append(
                append("conc.stress", actor=actor, subject=("conc.thing", i), payload={"k": k, "i": i}).id
            )

    def looping_integrator():
        while not stop.is_set():
            integrate(wait=False)
            time.sleep(0.001)

    loop = _thread(run_integrator, stop) if sequencer else _thread(looping_integrator)
    threads = [_thread(client, k) for k in range(clients)]
    for t in threads:
        t.join(120)
    if sequencer:  # nobody integrates but the loop: it must drain the queue on its own
        deadline = time.monotonic() + 20
        while Pending.objects.exists():
            assert time.monotonic() < deadline, "the sequencer loop did not drain the queue"
            time.sleep(0.01)
        assert not Event.objects.filter(leaf__isnull=True).exists()
    stop.set()
    loop.join(20)
    assert not errors, errors
    settings.ZHIFA_LEDGER_INTEGRATION = mode
    integrate(wait=True)
    size = LedgerHead.objects.get().size
    assert list(Leaf.objects.order_by("index").values_list("index", flat=True)) == list(range(size))
    assert Event.objects.count() == size and not Pending.objects.exists()
    assert not Event.objects.filter(event_type="conc.rolled_back").exists()
    indexes = dict(Leaf.objects.values_list("event_id", "index"))
    for k, ids in committed.items():
        got = [indexes[i] for i in ids]
        # one client commits one after another: its later events come later in the log
        assert got == sorted(got), (k, got)
    connection.close()
    return sum(map(len, committed.values()))


def verify_locks_the_tables() -> None:
    """verify, outside a transaction, holds the ledger tables from its schema check until after its scan: meanwhile
    nobody can rename them or drop the constraint it relies on (here: a second session gives up after its lock
    timeout); afterwards the tables are free again."""
    import psycopg
    from django.db import connection

    from zhifa.ledger.verify import ENTRY_COLUMNS_CHECK, verify

    def other():
        session = connection.get_new_connection(connection.get_connection_params())
        session.autocommit = True
        session.execute("SET lock_timeout = '300ms'")
        return session

    refused = []

    def meanwhile(done, total):
        if refused:
            return
        session = other()
        try:
            for statement in (
                "ALTER TABLE ledger_event RENAME TO ledger_event_moved",
                "ALTER TABLE ledger_leaf RENAME TO ledger_leaf_moved",
                f"ALTER TABLE ledger_event DROP CONSTRAINT {ENTRY_COLUMNS_CHECK}",
            ):
                try:
                    session.execute(statement)
                except psycopg.errors.LockNotAvailable:
                    refused.append(statement)
        finally:
            session.close()

    report = verify(files=False, chunk=16, progress=meanwhile)
    assert report.ok and report.entries == "stored", (report.problems, report.entries)
    assert len(refused) == 3, refused
    session = other()
    try:
        with session.transaction():
            session.execute("LOCK TABLE ledger_event, ledger_leaf IN ACCESS EXCLUSIVE MODE NOWAIT")
    finally:
        session.close()

    # a session of the same role terminates the lock's holder: reported, not silently scanned on
    def terminate(done, total):
        if done == 16:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid() AND query LIKE 'LOCK TABLE %%'"
                )
                assert cursor.fetchone()[0]

    report = verify(files=False, chunk=16, progress=terminate)
    assert [p.kind for p in report.problems] == ["schema"] and "锁被解除" in report.first.message, (
        report.problems
    )

    # DDL queued behind verify's lock (a migration): verify gives up after LOCK_TIMEOUT instead of waiting for the
    # DDL that waits for it, and says so, keeping what it found before (here: an event pending for too long); the DDL
    # then goes through. Once with the scan in this process, once in worker processes.
    from django.conf import settings

    from zhifa.ledger import verify as verify_module
    from zhifa.ledger.services import SYSTEM, append, integrate

    stale = []  # the pending events, oldest first

    def queue_ddl_behind_verify(workers: int) -> None:
        altered, threads = [], []

        def alter():
            session = connection.get_new_connection(connection.get_connection_params())
            session.autocommit = True
            try:
                session.execute("ALTER TABLE ledger_event ADD COLUMN zhifa_check_note text")
                altered.append(time.monotonic())
            finally:
                session.close()

        def queue_ddl(done, total):
            if threads:
                return
            threads.append(threading.Thread(target=alter, daemon=True))
            threads[0].start()
            with connection.cursor() as cursor:
                for _ in range(200):  # until the ALTER waits for verify's lock
                    cursor.execute(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                        "AND wait_event_type = 'Lock' AND query LIKE 'ALTER TABLE ledger_event%%'"
                    )
                    if cursor.fetchone()[0]:
                        return
                    time.sleep(0.01)
            raise AssertionError("the ALTER never waited for verify's lock")

        # an event whose queue entry was lost: pending, and (at most 0 s allowed) pending too long
        pending = append("check.pending", actor=SYSTEM, subject=("check.thing", workers), payload={})
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM ledger_pending WHERE event_id = %s", [pending.id])
        started = time.monotonic()
        report = verify(files=False, chunk=16, progress=queue_ddl, integrate=False, workers=workers)
        threads[0].join(30)
        assert altered and altered[0] - started < 20, altered
        assert report.workers == workers, report.workers
        assert [p.kind for p in report.problems] == ["pending", "schema"], report.problems
        stale.append(f"event id {pending.id}")
        assert report.first.ref == stale[0] and "校验未完成" in report.problems[1].message, report.problems
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE ledger_event DROP COLUMN zhifa_check_note")

    saved = (
        verify_module.pending_max_seconds(),
        settings.ZHIFA_LEDGER_INTEGRATION,
        verify_module.PARALLEL_MIN,
    )
    settings.ZHIFA_LEDGER_PENDING_MAX_SECONDS = 0
    settings.ZHIFA_LEDGER_INTEGRATION = "worker"  # the append stays pending: nothing integrates it on commit
    verify_module.PARALLEL_MIN = 32  # worker processes for this small log
    try:
        queue_ddl_behind_verify(workers=1)
        queue_ddl_behind_verify(workers=2)
        assert integrate(wait=True, full=True) == len(stale)  # the unqueued events are integrated after all
    finally:
        (settings.ZHIFA_LEDGER_PENDING_MAX_SECONDS, settings.ZHIFA_LEDGER_INTEGRATION,
         verify_module.PARALLEL_MIN) = saved  # fmt: skip


def session_settings_restored() -> None:
    """verify sets search_path, lock_timeout and the scan's planner settings for its session (in autocommit, at
    session level); afterwards the session has what it had before. With worker processes the parent's connection is
    a new one (closed before the fork): it gets the caller's search_path and lock_timeout back, the rest is as
    a new session has it (here: as before the caller's SETs), never the scan's settings."""
    from django.db import connection

    from zhifa.ledger import verify as verify_module
    from zhifa.ledger.tests.conftest import VERIFY_SETTINGS
    from zhifa.ledger.tests.conftest import pg_settings_now as now

    assert connection.get_autocommit() and not connection.in_atomic_block
    defaults = now()
    with connection.cursor() as cursor:
        cursor.execute("SET work_mem = '9MB'")
        cursor.execute("SET lock_timeout = '43s'")
        cursor.execute("SET search_path = public")
    before = now()
    assert len(before) == len(VERIFY_SETTINGS) and before["lock_timeout"] == "43000", before
    saved = verify_module.PARALLEL_MIN
    verify_module.PARALLEL_MIN = 32
    try:
        for workers in (1, 2):
            report = verify_module.verify(files=False, workers=workers, chunk=16)
            assert report.ok, report.first
            assert report.workers == workers, report.workers
            expected = (
                before
                if workers == 1
                else {**defaults, **{k: before[k] for k in ("search_path", "lock_timeout")}}
            )
            assert now() == expected, (workers, now(), expected)
    finally:
        verify_module.PARALLEL_MIN = saved
        with connection.cursor() as cursor:
            cursor.execute("RESET work_mem")
            cursor.execute("RESET lock_timeout")
            cursor.execute("RESET search_path")


def parallel_verify_integrates_an_event_that_lost_its_queue_entry() -> None:
    """With worker processes, the pending count runs while they scan: an event with neither a leaf nor a queue entry
    makes verify stop, integrate it and scan again, so that the report covers it."""
    from django.conf import settings

    from zhifa.ledger import verify as verify_module
    from zhifa.ledger.models import Event, LedgerHead, Pending
    from zhifa.ledger.services import SYSTEM, append

    saved = settings.ZHIFA_LEDGER_INTEGRATION, verify_module.PARALLEL_MIN
    settings.ZHIFA_LEDGER_INTEGRATION = "worker"  # the append stays queued: nothing integrates it on commit
    verify_module.PARALLEL_MIN = 32
    try:
        lost = append("check.lost", actor=SYSTEM, subject=("check.thing", "lost"), payload={})
        Pending.objects.filter(event_id=lost.id).delete()
        report = verify_module.verify(files=False, workers=2, chunk=16)
        assert report.ok and report.workers == 2, report.problems
        assert report.integrated == 1 and report.pending == 0, (report.integrated, report.pending)
        size = LedgerHead.objects.get().size
        assert (
            report.events == size and Event.objects.select_related("leaf").get(id=lost.id).index == size - 1
        )
    finally:
        settings.ZHIFA_LEDGER_INTEGRATION, verify_module.PARALLEL_MIN = saved


def parallel_verify_names_a_change_in_a_tail_piece() -> None:
    """Workers read the last chunks in pieces (verify.TAIL_SPLIT): an event changed inside one of them is named by its
    index, as one process names it. Run last: it changes a committed event of this throw-away database for good."""
    from django.db import connection

    from zhifa.ledger import verify as verify_module
    from zhifa.ledger.models import LedgerHead
    from zhifa.ledger.tests.conftest import drop_append_only_triggers, drop_entry_columns_check

    size = LedgerHead.objects.get().size
    chunk = 16
    ranges = verify_module._job_ranges(size, chunk, 2)
    piece = ranges[-2]  # a piece of the last chunks
    assert piece[1] - piece[0] == chunk // verify_module.TAIL_SPLIT, ranges[-6:]
    target = piece[0] + 1
    drop_append_only_triggers("ledger_event")
    drop_entry_columns_check()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE ledger_event SET payload = payload || ' ' WHERE id = "
            '(SELECT event_id FROM ledger_leaf WHERE "index" = %s)',
            [target],
        )
    saved = verify_module.PARALLEL_MIN
    verify_module.PARALLEL_MIN = 32
    try:
        for workers in (2, 1):
            report = verify_module.verify(files=False, workers=workers, chunk=chunk, integrate=False)
            assert report.workers == workers, report.workers
            assert not report.ok and report.first.kind == "event", report.problems
            assert report.first.ref == f"#{target}", (workers, report.first)
    finally:
        verify_module.PARALLEL_MIN = saved


def main() -> int:
    import django
    from django.core.management import call_command
    from django.db import connection

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    from zhifa.ledger.services import integrate
    from zhifa.ledger.verify import verify

    integrate()
    done = []
    if (
        connection.vendor == "postgresql"
    ):  # SQLite lets one writer at a time: these interleavings cannot happen
        lower_id_commits_after_higher()
        commit_while_integrator_holds_the_lock()
        done += ["lower id commits later", "commit while locked"]
    two_integrators()
    appended = stress()
    if connection.vendor == "postgresql":  # the PostgreSQL deployment: the sequencer loop of `zhifa worker`
        appended += stress(sequencer=True)
        done.append("sequencer loop")
    if connection.vendor == "postgresql":
        verify_locks_the_tables()
        done.append("verify locks the tables")
    if connection.vendor == "postgresql":  # the integrator's session lock and commit mode are restored
        integrate(wait=False)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"
            )
            assert cursor.fetchone()[0] == 0
            cursor.execute("SHOW synchronous_commit")
            assert cursor.fetchone()[0] == "on"
    if connection.vendor == "postgresql":  # outside a transaction: verify puts the session's settings back
        session_settings_restored()
        done.append("settings restored")
    report = verify(files=False)
    assert report.ok, report.first
    assert report.pending == 0 and report.integrated == 0, (report.pending, report.integrated)
    parallel_verify_integrates_an_event_that_lost_its_queue_entry()
    parallel_verify_names_a_change_in_a_tail_piece()
    done += ["a lost queue entry integrated", "a change in a tail piece named"]
    print(f"OK {connection.vendor}: {', '.join(done + ['two integrators'])}, stress {appended} events, "
          f"{report.events} in the log, {report.checkpoints} checkpoints")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
