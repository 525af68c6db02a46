"""Appending, the append-only triggers, checkpoints and `zhifa verify` on the real database."""

import datetime as dt
import json
import stat

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zhifa.ledger import hashing, merkle, signing
from zhifa.ledger.models import Checkpoint, Event, Leaf, LedgerHead, Pending
from zhifa.ledger.services import (
    CHECKPOINT_EVENT,
    SYSTEM,
    Actor,
    append,
    append_many,
    consistency_proof,
    create_checkpoint,
    inclusion_proof,
    integrate,
    latest_checkpoint,
    log_size,
    pending_count,
    tree_root,
)
from zhifa.ledger.tests.conftest import (
    VERIFY_SETTINGS,
    drop_append_only_triggers,
    drop_entry_columns_check,
    pg_settings_now,
)
from zhifa.ledger.verify import (
    _TABLES,
    ENTRY_COLUMNS_CHECK,
    FILE_CHECKERS,
    PAIRED_SPREAD,
    TAIL_SPLIT,
    Problem,
    Report,
    _fast_query,
    _fast_sql,
    _job_ranges,
    _leaf_prefix,
    _pending_problem,
    _pg_paired_leaves,
    _Rescan,
    _slow_sql,
    pg_entry_columns_check_sql,
    pg_entry_columns_sql,
    register_file_checker,
    verify,
)

pytestmark = pytest.mark.django_db


def sql(statement, params=()):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def run_verify():
    """call_command('verify'): (exit code, message)."""
    try:
        call_command("verify")
    except CommandError as exc:
        return exc.returncode, str(exc)
    return 0, ""


# --- appending -------------------------------------------------------------------------------------------------


def test_integration_numbers_gaplessly_in_insertion_order_and_hashes_every_column(events):
    size = log_size()
    indexes = list(Leaf.objects.values_list("index", flat=True))
    assert indexes == list(range(size))
    assert LedgerHead.objects.get().size == size
    assert [e.index for e in events] == list(range(events[0].index, events[0].index + 12))
    assert not Pending.objects.exists() and pending_count() == 0
    event = Event.objects.select_related("leaf").get(id=events[0].id)
    # the stored leaf hash is the hash of the entry rebuilt from the row as the database returns it — for every
    # event of the batch (PostgreSQL's integrator has the database render entries: pinned to the Python reference)
    for each in Event.objects.select_related("leaf").filter(id__in=[e.id for e in events]):
        assert bytes(each.leaf.leaf_hash) == each.compute_leaf_hash()
    entry = event.entry()
    assert entry[0] == event.index and entry[1] == event.id
    assert entry[2:5] == [7, 3, 100]
    assert entry[6:12] == ["张三", "officer", "test.created", "test.thing", "0", hashing.default_algorithm()]
    assert entry[12] == {"n": 0, "名称": "事项0"}
    assert event.leaf.alg == ("sm3" if hashing.sm3_available() else "sha256")


def test_append_only_inserts_and_queues_the_event(db):
    # given the log as it is
    integrate()
    size = log_size()
    # when an event is appended (inside the test's transaction nothing commits, so nothing integrates it)
    event = append("test.queued", actor=SYSTEM, subject=("test.thing", 1), payload={"a": 1})
    # then it has an insertion id and waits in the queue; the log and its head are untouched
    assert event.id is not None and event.index is None
    assert list(Pending.objects.values_list("event_id", flat=True)) == [event.id]
    assert log_size() == size and pending_count() == 1
    # when the integrator runs, it gets the next index and leaves the queue
    assert integrate() == 1
    assert Event.objects.get(id=event.id).index == size and log_size() == size + 1
    assert not Pending.objects.exists()
    assert integrate() == 0


def test_integration_follows_insertion_ids_in_small_batches(db):
    integrate()
    size = log_size()
    appended = append_many(
        [("test.batch", ("test.thing", i), {"i": i}, None) for i in range(7)], actor=SYSTEM
    )
    # when integrating three at a time, one batch per call
    assert integrate(batch=3, max_batches=1) == 3
    assert pending_count() == 4
    assert integrate(batch=3) == 4
    got = {
        e.id: e.index for e in Event.objects.filter(id__in=[e.id for e in appended]).select_related("leaf")
    }
    assert [got[e.id] for e in appended] == list(range(size, size + 7))


def test_order_by_index_is_log_order_then_pending_by_insertion_id(db):
    integrate()
    first = append("test.order", actor=SYSTEM, subject=("test.thing", 1), payload={})
    integrate()
    second = append("test.order", actor=SYSTEM, subject=("test.thing", 2), payload={})  # still pending
    ordered = list(Event.objects.filter(event_type="test.order").order_by("index"))
    assert [e.id for e in ordered] == [first.id, second.id]
    assert [e.index for e in ordered] == [log_size() - 1, None]
    assert [e.id for e in Event.objects.filter(event_type="test.order").order_by("-index")] == [
        second.id,
        first.id,
    ]


def test_a_queue_entry_lost_is_still_integrated_by_the_full_pass(db):
    # given an event whose queue row disappeared (the queue is not append-only)
    integrate()
    event = append("test.unqueued", actor=SYSTEM, subject=("test.thing", 1), payload={})
    Pending.objects.filter(event_id=event.id).delete()
    # then the queue-driven integrator does not see it, verify's full pass does
    assert integrate() == 0 and pending_count() == 1
    report = verify(files=False)
    assert report.ok, report.first
    assert report.integrated == 1 and report.pending == 0 and Event.objects.get(id=event.id).index is not None


def test_the_pending_count_asks_for_a_second_pass_only_for_an_event_that_lost_its_queue_entry(db):
    # given an event appended after the check began: it is queued for the integrator
    integrate()
    head = log_size()
    event = append("test.late", actor=SYSTEM, subject=("test.thing", 1), payload={})
    report = Report()
    # then it is counted as pending, fresh, and nothing more happens
    assert _pending_problem(report, head, integrate=True) is None and report.pending == 1
    # when its queue entry is gone, nothing would ever integrate it: verify integrates it and checks again
    Pending.objects.filter(event_id=event.id).delete()
    with pytest.raises(_Rescan):
        _pending_problem(Report(), head, integrate=True)
    # unless told not to integrate: then it is reported, as pending
    report = Report()
    assert _pending_problem(report, head, integrate=False) is None and report.pending == 1


def test_a_stale_queue_entry_is_dropped(db):
    integrate()
    sql("INSERT INTO ledger_pending (event_id) VALUES (%s)", [10**12])  # no such event
    assert integrate() == 0 and not Pending.objects.exists()


def test_verify_reports_pending_events_and_fails_on_old_ones(db, key_path, settings):
    integrate()
    event = append("test.pending", actor=SYSTEM, subject=("test.thing", 1), payload={})
    # a fresh pending event is reported, not a failure
    report = verify(files=False, integrate=False)
    assert report.ok and report.pending == 1
    # one older than the threshold is a failure naming it
    settings.ZHIFA_LEDGER_PENDING_MAX_SECONDS = 0
    report = verify(files=False, integrate=False)
    assert not report.ok and report.first.kind == "pending" and report.first.ref == f"event id {event.id}"
    try:
        call_command("verify", "--no-integrate")
    except CommandError as exc:
        assert exc.returncode == 1 and f"event id {event.id}" in str(exc)
    else:
        raise AssertionError("verify --no-integrate passed with a stale pending event")
    # verify without --no-integrate integrates it first, and passes
    assert run_verify() == (0, "")
    assert Event.objects.get(id=event.id).index is not None


def test_entry_encoding_is_injective_across_columns():
    # given two events whose columns differ only in where a character sits
    a = hashing.entry_text(1, 9, "2026-01-01 00:00:00.000000", None, "张三", "officer", None, "t", "s", "1", None,
                           "sm3", "{}")  # fmt: skip
    b = hashing.entry_text(1, 9, "2026-01-01 00:00:00.000000", None, "张三o", "fficer", None, "t", "s", "1", None,
                           "sm3", "{}")  # fmt: skip
    c = hashing.entry_text(1, 9, "2026-01-01 00:00:00.000000", "null", "张三", "officer", None, "t", "s", "1", None,
                           "sm3", "{}")  # fmt: skip
    assert len({a, b, c}) == 3
    assert json.loads(a)[6] == "张三"


@given(st.text(max_size=12), st.text(max_size=12), st.text(max_size=12))
def test_entry_is_json_that_decodes_to_the_columns(name, role, subject):
    text = hashing.entry_text(5, 77, "2026-01-01 00:00:00.000001", 1, name, role, 2, "x.y", "s", subject, 9,
                              "sm3", '{"a":1}')  # fmt: skip
    assert json.loads(text) == [5, 77, 1, 2, 9, "2026-01-01 00:00:00.000001", name, role, "x.y", "s", subject,
                                "sm3", {"a": 1}]  # fmt: skip


def test_time_text_is_utc_with_microseconds():
    shanghai = dt.timezone(dt.timedelta(hours=8))
    assert hashing.time_text(dt.datetime(2026, 10, 1, 8, 0, tzinfo=shanghai)) == "2026-10-01 00:00:00.000000"


def test_append_joins_the_callers_transaction_and_a_rollback_leaves_no_gap(db):
    integrate()
    before = log_size()
    with pytest.raises(RuntimeError), transaction.atomic():
        append("test.rolled_back", actor=SYSTEM, subject=("test.thing", 1), payload={})
        raise RuntimeError("the change it records failed")
    assert not Event.objects.filter(event_type="test.rolled_back").exists()
    assert not Pending.objects.exists() and integrate() == 0 and log_size() == before
    # the next event takes the next index: no hole where the rolled-back one was
    kept = append("test.kept", actor=SYSTEM, subject=("test.thing", 1), payload={})
    integrate()
    assert Event.objects.get(id=kept.id).index == before
    assert verify(files=False).ok


def test_float_payloads_are_refused(db):
    with pytest.raises(TypeError):
        append("test.float", actor=SYSTEM, subject=("test.thing", 1), payload={"amount": 1.5})


def test_actor_snapshot(django_user_model):
    user = django_user_model.objects.create_user(
        "li4", password="x" * 12, display_name="李四", role="reviewer"
    )
    actor = Actor.from_user(user)
    assert (actor.id, actor.name, actor.role) == (user.pk, "李四", "reviewer")


# --- append-only in the database -------------------------------------------------------------------------------


def test_update_and_delete_on_events_are_refused_by_the_database(events):
    event_id = events[0].id
    with pytest.raises(DatabaseError), transaction.atomic():
        sql("UPDATE ledger_event SET payload = %s WHERE id = %s", ['{"n":999}', event_id])
    with pytest.raises(DatabaseError), transaction.atomic():
        sql("DELETE FROM ledger_event WHERE id = %s", [event_id])
    with pytest.raises(DatabaseError), transaction.atomic():
        Event.objects.filter(id=event_id).delete()
    assert Event.objects.get(id=event_id).payload == events[0].payload


def test_update_and_delete_on_leaves_are_refused_by_the_database(events):
    index = events[0].index
    with pytest.raises(DatabaseError), transaction.atomic():
        sql('UPDATE ledger_leaf SET "index" = "index" + 1000000 WHERE "index" = %s', [index])
    with pytest.raises(DatabaseError), transaction.atomic():
        sql('UPDATE ledger_leaf SET event_id = event_id WHERE "index" = %s', [index])
    with pytest.raises(DatabaseError), transaction.atomic():
        sql('DELETE FROM ledger_leaf WHERE "index" = %s', [index])
    assert Leaf.objects.get(index=index).event_id == events[0].id


def test_update_and_delete_on_checkpoints_are_refused(events, key_path):
    checkpoint = create_checkpoint()
    with pytest.raises(DatabaseError), transaction.atomic():
        sql("UPDATE ledger_checkpoint SET tree_size = tree_size + 1 WHERE id = %s", [checkpoint.pk])
    with pytest.raises(DatabaseError), transaction.atomic():
        sql("DELETE FROM ledger_checkpoint WHERE id = %s", [checkpoint.pk])


@pytest.mark.skipif(connection.vendor != "postgresql", reason="TRUNCATE is a PostgreSQL statement")
def test_truncate_is_refused_on_postgresql(events):
    for table in ("ledger_event", "ledger_leaf", "ledger_checkpoint"):
        with pytest.raises(DatabaseError), transaction.atomic():
            sql(f"TRUNCATE {table} CASCADE")


# --- verify ----------------------------------------------------------------------------------------------------


def test_verify_passes_on_an_intact_log(events, key_path):
    create_checkpoint()
    append("test.after", actor=SYSTEM, subject=("test.thing", 1), payload={})
    assert run_verify() == (0, "")
    report = verify()
    assert report.ok and report.events == log_size() and report.checkpoints == 1


def test_one_changed_payload_byte_is_named_by_verify(events, key_path):
    # given a signed log, and an attacker who drops the trigger and changes one byte of one payload
    create_checkpoint()
    target = events[3]
    drop_append_only_triggers("ledger_event")
    forged = target.payload.replace('"n":3', '"n":4')
    assert forged != target.payload and len(forged) == len(target.payload)
    sql("UPDATE ledger_event SET payload = %s WHERE id = %s", [forged, target.id])
    # when verify runs
    code, message = run_verify()
    # then it exits 1 and names that event
    assert code == 1
    assert f"#{target.index}" in message


def test_a_rewrite_with_recomputed_leaf_hashes_is_caught_by_the_checkpoint(events, key_path):
    # given a checkpoint, then an attacker who rewrites an event *and* its stored leaf hash
    checkpoint = create_checkpoint()
    target = events[2]
    drop_append_only_triggers("ledger_event")
    drop_append_only_triggers("ledger_leaf")
    drop_entry_columns_check()
    row = Event.objects.select_related("leaf").get(id=target.id)
    row.actor_name = "王五"
    sql("UPDATE ledger_event SET actor_name = %s WHERE id = %s", ["王五", target.id])
    sql('UPDATE ledger_leaf SET leaf_hash = %s WHERE "index" = %s', [row.compute_leaf_hash(), target.index])
    report = verify()
    assert not report.ok
    assert report.first.kind == "checkpoint" and report.first.ref == f"checkpoint {checkpoint.tree_size}"
    if connection.vendor == "postgresql":  # and the dropped constraint is reported too
        assert report.problems[-1].kind == "schema" and report.entries == "rendered"


def test_a_deleted_event_is_detected(events, key_path):
    target = events[4]
    drop_append_only_triggers("ledger_event")
    # its leaf stays (SQLite: the leaf's FK check is deferred; PostgreSQL has no FK on leaves)
    sql("DELETE FROM ledger_event WHERE id = %s", [target.id])
    code, message = run_verify()
    assert code == 1 and f"#{target.index}" in message and "event row missing" in message
    # (put the row back so that SQLite's deferred foreign key holds when the test's transaction ends)
    target.save(force_insert=True)


def test_a_deleted_event_with_its_leaf_is_a_gap(events, key_path):
    drop_append_only_triggers("ledger_event")
    drop_append_only_triggers("ledger_leaf")
    sql('DELETE FROM ledger_leaf WHERE "index" = %s', [events[4].index])
    sql("DELETE FROM ledger_event WHERE id = %s", [events[4].id])
    code, message = run_verify()
    assert code == 1 and f"#{events[4].index}" in message


def test_a_deleted_leaf_is_detected(events, key_path):
    drop_append_only_triggers("ledger_leaf")
    sql('DELETE FROM ledger_leaf WHERE "index" = %s', [events[4].index])
    report = verify(files=False, integrate=False)  # (integrating would give the orphaned event a new index)
    assert report.first.kind == "event" and report.first.ref == f"#{events[4].index}"


def test_a_deleted_tail_is_detected_by_the_head_and_the_checkpoint(events, key_path):
    create_checkpoint()  # signs all but its own event
    drop_append_only_triggers("ledger_leaf")
    last = log_size() - 1
    sql('DELETE FROM ledger_leaf WHERE "index" >= %s', [last - 3])
    report = verify(integrate=False)
    assert not report.ok
    assert report.first.kind == "head" and report.first.ref == f"#{last - 3}"
    assert any(p.kind == "checkpoint" for p in report.problems)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="only SQLite lets a text column hold a blob")
def test_a_column_of_the_wrong_type_is_named(events, key_path):
    drop_append_only_triggers("ledger_event")
    sql("UPDATE ledger_event SET actor_name = X'E5BCA0' WHERE id = %s", [events[1].id])
    code, message = run_verify()
    assert code == 1 and f"#{events[1].index}" in message


@pytest.mark.skipif(connection.vendor != "sqlite", reason="only SQLite lets an integer column hold text")
def test_text_in_an_integer_column_does_not_pass_for_null(events, key_path):
    # actor_id of the SYSTEM events is NULL; the text 'null' must not render the same
    target = events[-1]
    assert target.actor_id is None
    drop_append_only_triggers("ledger_event")
    sql("UPDATE ledger_event SET actor_id = 'null' WHERE id = %s", [target.id])
    code, message = run_verify()
    assert code == 1 and f"#{target.index}" in message


def test_reordered_events_are_detected(events, key_path):
    # swapping the events of two leaves keeps the log gapless, but the index is inside each leaf
    a, b = events[0].index, events[1].index
    drop_append_only_triggers("ledger_leaf")
    sql('UPDATE ledger_leaf SET event_id = -1 WHERE "index" = %s', [a])
    sql('UPDATE ledger_leaf SET event_id = %s WHERE "index" = %s', [events[0].id, b])
    sql('UPDATE ledger_leaf SET event_id = %s WHERE "index" = %s', [events[1].id, a])
    code, message = run_verify()
    assert code == 1 and f"#{a}" in message


def test_a_forged_checkpoint_signature_is_detected(events, key_path):
    checkpoint = create_checkpoint()
    drop_append_only_triggers("ledger_checkpoint")
    signature = bytearray(bytes(checkpoint.signature))
    signature[0] ^= 1
    sql("UPDATE ledger_checkpoint SET signature = %s WHERE id = %s", [bytes(signature), checkpoint.pk])
    code, message = run_verify()
    assert code == 1 and f"checkpoint {checkpoint.tree_size}" in message


def test_a_checkpoint_signed_by_another_key_is_not_trusted(events, key_path):
    # given an attacker who rewrites history and signs a new checkpoint with a key of their own
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    create_checkpoint()
    rogue = Ed25519PrivateKey.generate()
    size = log_size()
    root = tree_root(size)
    kid = signing.key_id(rogue.public_key())
    now = dt.datetime.now(dt.UTC)
    Checkpoint.objects.create(
        tree_size=size,
        root_hash=root,
        alg=hashing.default_algorithm(),
        created_at=now,
        signature=rogue.sign(Checkpoint.make_statement(size, root, hashing.default_algorithm(), now, kid)),
        key_id=kid,
        public_key_pem=signing.public_pem(rogue.public_key()),
    )
    report = verify()
    assert any("untrusted" in p.message and p.ref == f"checkpoint {size}" for p in report.problems)


def test_a_deleted_checkpoint_row_is_noticed_through_its_event(events, key_path):
    checkpoint = create_checkpoint()
    drop_append_only_triggers("ledger_checkpoint")
    sql("DELETE FROM ledger_checkpoint WHERE id = %s", [checkpoint.pk])
    report = verify()
    assert not report.ok and "checkpoint row missing" in report.first.message


def test_registered_file_checkers_run(events, key_path, tmp_path):
    stored = tmp_path / "evidence.bin"
    stored.write_bytes(b"original evidence")
    recorded = hashing.new("sm3", b"original evidence").hexdigest()

    def evidence_checker():
        if hashing.new("sm3", stored.read_bytes()).hexdigest() != recorded:
            yield Problem("file", f"evidence {stored.name}", "文件摘要不符 / digest mismatch")

    register_file_checker(evidence_checker)
    try:
        assert run_verify() == (0, "")
        stored.write_bytes(b"altered evidence")
        code, message = run_verify()
        assert code == 1 and "evidence evidence.bin" in message
    finally:
        FILE_CHECKERS.remove(evidence_checker)


# --- checkpoints and proofs --------------------------------------------------------------------------------


def test_checkpoint_is_signed_recorded_and_idempotent(events, key_path):
    size = log_size()
    checkpoint = create_checkpoint()
    assert checkpoint.tree_size == size
    assert bytes(checkpoint.root_hash) == tree_root(size)
    public = signing.load_public_pem(checkpoint.public_key_pem)
    assert signing.verify_signature(public, bytes(checkpoint.signature), checkpoint.statement())
    # its event comes right after the tree it signs
    event = Leaf.objects.get(index=size).event
    assert event.event_type == CHECKPOINT_EVENT and event.data["root_hash"] == checkpoint.root_hex
    # nothing new but its own event: no second checkpoint
    assert create_checkpoint() == checkpoint
    append(
        "test.more", actor=SYSTEM, subject=("test.thing", 1), payload={}
    )  # pending: the checkpoint integrates it
    second = create_checkpoint()
    assert second.tree_size == size + 2 and latest_checkpoint() == second
    # the second root extends the first (consistency), computed from its stored compact range
    proof = consistency_proof(size, second.tree_size)
    assert merkle.verify_consistency(
        checkpoint.alg, size, second.tree_size, checkpoint.root_hash, second.root_hash, proof["path"]
    )


def test_platform_key_is_created_once_with_0600(key_path, db):
    assert not key_path.exists()
    key = signing.platform_key()
    assert key_path.exists()
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
    assert signing.platform_key().public_key() == key.public_key()


def test_inclusion_proofs_for_every_event_verify(events, key_path):
    checkpoint = create_checkpoint()
    size = checkpoint.tree_size
    for index in range(size):
        proof = inclusion_proof(index, size)
        assert proof["root_hash"] == bytes(checkpoint.root_hash)
        assert merkle.verify_inclusion(
            checkpoint.alg, index, size, proof["leaf_hash"], proof["path"], checkpoint.root_hash
        )


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_consistency_between_any_two_sizes(events, data):
    size = log_size()
    second = data.draw(st.integers(1, size))
    first = data.draw(st.integers(1, second))
    proof = consistency_proof(first, second)
    assert merkle.verify_consistency(
        proof["alg"], first, second, proof["first_root"], proof["second_root"], proof["path"]
    )


def test_checkpoint_task_is_enqueued_when_the_log_crosses_a_multiple(db, settings, key_path,
                                                                      django_capture_on_commit_callbacks):  # fmt: skip
    settings.ZHIFA_CHECKPOINT_EVERY = 5
    integrate()
    size = log_size()
    needed = 5 - size % 5

    def committed(label, i):
        """One append in a transaction of its own: its on-commit callbacks run, and are gone afterwards as after a
        real commit (the test's own transaction never commits, so Django would keep them listed)."""
        start = len(connection.run_on_commit)
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            append(label, actor=SYSTEM, subject=("test.thing", i), payload={})
        del connection.run_on_commit[start:]
        return callbacks

    for i in range(needed - 1):
        assert len(committed("test.fill", i)) == 1  # the integration after commit, nothing else
    assert latest_checkpoint() is None and log_size() == size + needed - 1
    callbacks = committed("test.cross", 0)
    # the integration crossed the multiple; the immediate task backend of the tests ran the checkpoint on commit
    assert len(callbacks) == 2
    assert latest_checkpoint().tree_size == size + needed


TRICKY = [
    '"',
    "\\",
    "\\u0041",
    "\n\r\t\b\f",
    "\x01\x1f\x7f",
    "中文",
    "😀",
    "\u2028\u2029",
    "</script>",
    "a,b]",
]

text_without_nul = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=20
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=text_without_nul)
def test_the_database_quotes_text_exactly_as_python(db, value):
    # verify has the database render every string of the entry: json_quote (SQLite), to_json (PostgreSQL)
    # (SQLite's fast path also uses json_array, which shares json_quote's escaping)
    if connection.vendor == "sqlite":
        statement, expected = "SELECT json_quote(%s), json_array(%s, 1, NULL)", (value, value)
        rendered = (hashing._q(value), f"[{hashing._q(value)},1,null]")
    else:
        statement, expected = "SELECT to_json(%s::text)::text", (value,)
        rendered = (hashing._q(value),)
    with connection.cursor() as cursor:
        cursor.execute(statement, expected)
        assert cursor.fetchone() == rendered


@pytest.mark.parametrize("value", TRICKY)
def test_the_database_quotes_tricky_text_exactly_as_python(db, value):
    test_the_database_quotes_text_exactly_as_python.hypothesis.inner_test(db, value)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=text_without_nul, subject=text_without_nul, value=text_without_nul)
def test_any_text_round_trips_through_the_database_and_verifies(db, name, subject, value):
    # the database's rendering of the entry (verify; on PostgreSQL also the integration's) equals Python's reference
    # (`hashing.entry_text`, which proofs and SQLite's integration use), byte for byte
    event = append("test.text" + name[:8], actor=Actor(id=1, name=name, role=name[:32], agency_id=None),
                   subject=(subject[:64], subject[:64]), payload={"v": value, "t": TRICKY})  # fmt: skip
    integrate()
    event = Event.objects.select_related("leaf").get(id=event.id)
    with connection.cursor() as cursor:
        cursor.execute(_fast_sql(connection.vendor), [event.index, event.index + 1])
        ((rendered, stored),) = cursor.fetchall()
        cursor.execute(
            _slow_sql(connection.vendor), [event.index, event.index + 1]
        )  # the type-checked rendering
        ((_, _, checked, _),) = cursor.fetchall()
    # SQLite: bytes with the leaf prefix; PostgreSQL: text, the prefix added by the hash (verify loads it as bytes)
    data = rendered.encode() if isinstance(rendered, str) else bytes(rendered)
    assert _leaf_prefix(connection.vendor) + data == hashing.LEAF_PREFIX + event.entry_bytes()
    if connection.vendor == "postgresql":  # the entry read from the rendering stored at insert is the same
        with connection.cursor() as cursor:
            cursor.execute(*_fast_query("postgresql", event.index, event.index + 1, event.leaf.alg, True))
            ((stored_entry, _),) = cursor.fetchall()
        assert stored_entry.encode() == event.entry_bytes()
    if connection.vendor == "sqlite":
        assert bytes(checked) == hashing.LEAF_PREFIX + event.entry_bytes()
    else:
        assert checked.encode() == event.entry_bytes()
    assert bytes(stored) == event.compute_leaf_hash()
    report = verify(files=False)
    assert report.ok, report.first


@pytest.mark.parametrize("chunk", [1, 2, 4, 8, 1024])
def test_chunked_scan_merges_to_the_same_roots(events, key_path, chunk):
    # given checkpoints at sizes that fall inside chunks and on their borders
    create_checkpoint()
    append_rows = [("test.more", ("test.thing", i), {"i": i}, None) for i in range(5)]
    append_many(append_rows, actor=SYSTEM)
    create_checkpoint()
    append_many(append_rows, actor=SYSTEM)
    report = verify(chunk=chunk, files=False)
    assert report.ok, report.first
    assert report.checkpoints == 2 and report.events == log_size()


@pytest.mark.parametrize("end", [0, 1, 15, 16, 17, 63, 64, 70, 200])
@pytest.mark.parametrize("workers", [1, 2, 3])
def test_the_scan_ranges_cover_the_log_in_aligned_pieces(end, workers):
    # the ranges follow each other from 0 to the end; each starts at a multiple of a power of two at least its size
    # (a perfect subtree, or the start of one at the end); with workers, the last chunks come in smaller pieces
    chunk = 16
    ranges = _job_ranges(end, chunk, workers)
    bounds = [0] + [stop for _, stop in ranges]
    assert [start for start, _ in ranges] == bounds[:-1] and bounds[-1] == end
    for start, stop in ranges:
        size = stop - start
        width = 1 << (size - 1).bit_length()
        assert 0 < size <= chunk and start % width == 0, (start, stop)
    full = [(s, min(end, s + chunk)) for s in range(0, end, chunk)]
    if workers == 1:
        assert ranges == full
    else:
        split = max(0, len(full) - workers)
        assert ranges[:split] == full[:split]
        assert all(e - s <= chunk // TAIL_SPLIT for s, e in ranges[split:])


@pytest.mark.parametrize("chunk", [2, 4, 8])
def test_a_hole_at_the_end_of_a_chunk_is_named(events, key_path, chunk):
    # given a log where the last index of some chunk was deleted, with later events still present
    hole = (events[0].index // chunk + 1) * chunk - 1
    assert hole < log_size() - 1
    drop_append_only_triggers("ledger_leaf")
    sql('DELETE FROM ledger_leaf WHERE "index" = %s', [hole])
    report = verify(chunk=chunk, files=False, integrate=False)
    assert report.first.kind == "event" and report.first.ref == f"#{hole}"


class _StopWhenIdle:
    """A stop flag for `run_integrator` that stops the loop the first time it goes idle."""

    def __init__(self):
        self.waits = []

    def is_set(self) -> bool:
        return bool(self.waits)

    def wait(self, seconds: float) -> bool:
        self.waits.append(seconds)
        return True


def test_worker_mode_leaves_sequencing_to_the_worker_loop(db, settings, django_capture_on_commit_callbacks):
    from zhifa.ledger.services import run_integrator

    integrate()
    size = log_size()
    settings.ZHIFA_LEDGER_INTEGRATION = "worker"
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        events = [
            append("test.worker", actor=SYSTEM, subject=("test.thing", i), payload={"i": i}) for i in range(3)
        ]
    assert callbacks == []  # no integration on commit: the append was its INSERT alone
    assert log_size() == size and Pending.objects.count() == 3
    stop = _StopWhenIdle()
    run_integrator(stop, busy_poll=0.01, idle_poll=0.5)
    assert stop.waits == [
        0.01
    ]  # it integrated, found the queue empty, and waited the short poll (work was recent)
    assert log_size() == size + 3 and not Pending.objects.exists()
    indexes = [Leaf.objects.get(event_id=e.id).index for e in events]
    assert indexes == [size, size + 1, size + 2]


def test_system_events_without_actor_agency_or_case_hash_as_the_reference(db):
    # given events with every nullable integer NULL (the system actor), several in one statement
    appended = append_many([("test.sys", ("test.thing", i), {"i": i}, None) for i in range(3)], actor=SYSTEM)
    integrate()
    # then each leaf is the Python reference's hash of its entry
    for event in Event.objects.select_related("leaf").filter(id__in=[e.id for e in appended]):
        assert event.actor_id is None and event.actor_agency_id is None and event.case_id is None
        assert bytes(event.leaf.leaf_hash) == event.compute_leaf_hash()


def test_verify_checks_one_leaf_per_chunk_against_the_python_reference(events):
    # the check PostgreSQL's verify runs on the first leaf of every chunk (its integrator and its scan share the
    # database's rendering): a stored leaf the reference does not give is named, the reference's own passes
    from zhifa.ledger.verify import _reference_check

    event = Event.objects.select_related("leaf").get(id=events[3].id)
    assert _reference_check(event.index, event.compute_leaf_hash()) is None
    problem = _reference_check(event.index, b"\x00" * 32)
    assert problem.kind == "event" and problem.ref == f"#{event.index}" and "参考实现" in problem.message


def test_appends_and_integration_without_prepared_statements(db, settings):
    # behind a pooler that cannot carry prepared statements the same statements run unprepared
    settings.ZHIFA_LEDGER_PREPARED_STATEMENTS = False
    before = _prepared_statements()
    appended = [
        append("test.unprepared", actor=SYSTEM, subject=("test.thing", i), payload={"i": i}) for i in range(7)
    ]
    appended += append_many([("test.unprepared", ("test.thing", 9), {"i": 9}, 4)] * 3, actor=SYSTEM)
    integrate()
    events = Event.objects.select_related("leaf").filter(id__in=[e.id for e in appended]).order_by("id")
    assert [e.index for e in events] == list(range(events[0].index, events[0].index + 10))
    for event in events:
        assert bytes(event.leaf.leaf_hash) == event.compute_leaf_hash()
    assert _prepared_statements() == before  # nothing newly prepared


def _prepared_statements() -> set[str]:
    if connection.vendor != "postgresql":
        return set()
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return {row[0] for row in cursor.fetchall()}


def test_postgresql_prepares_the_ledger_statements(db):
    # Django prepares nothing (psycopg's prepare_threshold is None); the ledger's fixed statements are prepared
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    append("test.prep", actor=SYSTEM, subject=("test.thing", 1), payload={})
    append_many([("test.prep", ("test.thing", 2), {}, None)] * 2, actor=SYSTEM)
    integrate()
    statements = _prepared_statements()
    # the one-row and the array insert, the sequencer's read and its write
    assert sum("INSERT INTO ledger_event" in s for s in statements) == 2
    assert any("FROM ledger_pending" in s and s.lstrip().startswith("SELECT") for s in statements)
    assert any("INSERT INTO ledger_leaf" in s for s in statements)


# --- PostgreSQL: the rendering of the columns stored at insert (migration 0005) --------------------------------

postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="ledger_event.entry_columns")


def forge_actor_name(event_id: int) -> None:
    """What it takes to change a column on PostgreSQL: drop the append-only trigger and the constraint, UPDATE."""
    drop_append_only_triggers("ledger_event")
    drop_entry_columns_check()
    sql("UPDATE ledger_event SET actor_name = %s WHERE id = %s", ["王五", event_id])


def _entry_columns(event_id: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT entry_columns FROM ledger_event WHERE id = %s", [event_id])
        return cursor.fetchone()[0]


@postgresql_only
def test_every_inserted_event_stores_the_rendering_of_its_columns(events, key_path):
    # however the row was inserted: append_many (the fixture), append, the ORM
    appended = append("test.one", actor=Actor(id=None, name='引号"\\\n', role="officer", agency_id=None),
                      subject=("test.thing", "x\ty"), payload={"a": 1})  # fmt: skip
    orm = Event.objects.create(recorded_at=appended.recorded_at, actor_name="李四", actor_role="officer",
                               event_type="test.orm", subject_type="test.thing", subject_id="2", payload="{}")  # fmt: skip
    integrate()
    for row in Event.objects.select_related("leaf").filter(
        id__in=[*(e.id for e in events), appended.id, orm.id]
    ):
        entry = row.entry_bytes().decode()
        head, tail = f"[{row.index},", f",{hashing._q(row.leaf.alg)},{row.payload}]"
        assert entry.startswith(head) and entry.endswith(tail)
        assert _entry_columns(row.id) == entry[len(head) : -len(tail)]
    report = verify(files=False)
    assert report.ok, report.first
    assert report.entries == "stored"  # the scan read them instead of rendering


def _paired(start: int, end: int) -> tuple[bool, list[bytes] | None]:
    """verify's paired read of the leaves [start, end) (see PAIRED_SPREAD). Ids of events the migrations seeded lie
    far below a test's own: a range that starts at the test's first leaf keeps them out of the spread."""
    return _pg_paired_leaves(start, end, hashing.default_algorithm(), _TABLES)


def _stored_leaves(first: int) -> list[bytes]:
    return [
        bytes(h)
        for h in Leaf.objects.filter(index__gte=first).order_by("index").values_list("leaf_hash", flat=True)
    ]


@postgresql_only
def test_a_chunk_pairs_its_leaves_with_events_integrated_out_of_order(db, key_path):
    # given an event integrated after twenty later ones (its queue row was lost: verify's full pass integrates it)
    integrate()
    late = append("test.late", actor=SYSTEM, subject=("test.thing", 0), payload={"n": 0})
    Pending.objects.filter(event_id=late.id).delete()
    append_many([("test.on_time", ("test.thing", i), {"n": i}, None) for i in range(1, 21)], actor=SYSTEM)
    integrate()
    report = verify(files=False)
    assert report.ok and report.integrated == 1, report.first
    late_index = Event.objects.get(id=late.id).index
    assert late_index == log_size() - 1
    first = late_index - 20  # the first of the twenty
    # then a chunk holding it, whose events' ids are not in the order of its leaves, is read by two range scans
    assert _paired(first, late_index + 1) == (True, _stored_leaves(first))
    # a chunk whose events' ids spread wider than PAIRED_SPREAD times its size is left to the join
    start = late_index - 4
    ids = Leaf.objects.filter(index__gte=start, index__lte=late_index).values_list("event_id", flat=True)
    assert max(ids) - min(ids) >= PAIRED_SPREAD * 5
    assert _paired(start, late_index + 1) == (False, None)
    # and verify passes whichever way each chunk is read
    for chunk in (2, 4, 8, 64):
        report = verify(files=False, chunk=chunk)
        assert report.ok and report.events == log_size(), (chunk, report.first)


@postgresql_only
def test_an_event_not_integrated_amid_a_chunks_events_is_passed_over(db, key_path):
    # given a chunk whose events' ids increase with its leaves, and between two of them an event that has no leaf
    # (its queue row was lost and nothing integrated it yet)
    integrate()
    before = append_many([("test.before", ("test.thing", i), {"n": i}, None) for i in range(3)], actor=SYSTEM)
    middle = append("test.middle", actor=SYSTEM, subject=("test.thing", 3), payload={"n": 3})
    Pending.objects.filter(event_id=middle.id).delete()
    append_many([("test.after", ("test.thing", i), {"n": i}, None) for i in range(4, 7)], actor=SYSTEM)
    integrate()
    first = Event.objects.get(id=before[0].id).index
    stored = _stored_leaves(first)
    assert len(stored) == 6
    # then the range scan of the events meets it and passes over it
    assert _paired(first, first + 6) == (True, stored)
    report = verify(files=False, integrate=False)
    assert report.ok and report.pending == 1, report.first


@postgresql_only
def test_a_duplicated_leaf_index_is_named(events, key_path):
    # given an attacker who drops the leaves' keys and puts a copy of leaf #3 where leaf #4 was: as many rows as
    # before, every one hashing right
    drop_append_only_triggers("ledger_leaf")
    sql("ALTER TABLE ledger_leaf DROP CONSTRAINT ledger_leaf_pkey")
    sql("ALTER TABLE ledger_leaf DROP CONSTRAINT ledger_leaf_event_id_key")
    a, b = events[3].index, events[4].index
    sql('DELETE FROM ledger_leaf WHERE "index" = %s', [b])
    sql('INSERT INTO ledger_leaf SELECT * FROM ledger_leaf WHERE "index" = %s', [a])
    assert Leaf.objects.count() == log_size()
    # then verify names the index that has two rows
    report = verify(files=False, integrate=False)
    assert report.first.kind == "event" and report.first.ref == f"#{a}", report.first
    assert "more than one row" in report.first.message
    assert _paired(events[0].index, events[-1].index + 1) == (True, None)


@postgresql_only
def test_a_second_row_with_an_events_id_is_named(events, key_path):
    # given an attacker who drops the events' primary key and puts a forged copy of an event under its id, ahead of
    # the genuine row in the table (the insert trigger stores each row's own rendering, so the CHECK constraint holds)
    target = events[4]
    drop_append_only_triggers("ledger_event")
    sql("ALTER TABLE ledger_event DROP CONSTRAINT ledger_event_pkey CASCADE")
    columns = "recorded_at, actor_id, actor_agency_id, event_type, subject_type, subject_id, case_id, payload"
    sql("CREATE TEMPORARY TABLE genuine AS SELECT * FROM ledger_event WHERE id = %s", [target.id])
    sql("DELETE FROM ledger_event WHERE id = %s", [target.id])
    sql(
        f"INSERT INTO ledger_event (id, actor_name, actor_role, {columns}) "
        f"SELECT id, '王五', actor_role, {columns} FROM genuine"
    )
    sql("DELETE FROM ledger_pending WHERE event_id = %s", [target.id])  # (its insert trigger queued the id)
    sql(
        f"INSERT INTO ledger_event (id, actor_name, actor_role, {columns}) "
        f"SELECT id, actor_name, actor_role, {columns} FROM genuine"
    )
    assert Event.objects.filter(id=target.id).count() == 2
    # then whichever of the two rows a scan meets last, verify names the event's index
    report = verify(files=False, integrate=False)
    assert report.first.kind == "event" and report.first.ref == f"#{target.index}", report.first
    assert _paired(events[0].index, events[-1].index + 1) == (True, None)


@postgresql_only
def test_the_check_constraint_refuses_a_changed_column_even_without_the_append_only_trigger(events):
    drop_append_only_triggers("ledger_event")
    target = events[2]
    for statement, params in [
        ("UPDATE ledger_event SET actor_name = %s WHERE id = %s", ["王五", target.id]),
        ("UPDATE ledger_event SET case_id = 999 WHERE id = %s", [target.id]),
        (
            "UPDATE ledger_event SET recorded_at = recorded_at + interval '1 second' WHERE id = %s",
            [target.id],
        ),
        ("UPDATE ledger_event SET entry_columns = entry_columns || ' ' WHERE id = %s", [target.id]),
        # both at once: the new entry_columns matches the new columns, but the entry's hash no longer matches
    ]:
        with pytest.raises(DatabaseError, match="ledger_event_entry_columns_check"), transaction.atomic():
            sql(statement, params)
    assert Event.objects.get(id=target.id).actor_name == "张三"


def _retamper_constraint(how: str) -> None:
    expression = pg_entry_columns_check_sql()
    with connection.cursor() as cursor:
        if how == "not valid":  # put back as it was, but without checking the rows
            cursor.execute(
                f"ALTER TABLE ledger_event ADD CONSTRAINT {ENTRY_COLUMNS_CHECK} CHECK ({expression}) NOT VALID"
            )
        elif how == "other expression":
            cursor.execute(
                f"ALTER TABLE ledger_event ADD CONSTRAINT {ENTRY_COLUMNS_CHECK} CHECK (entry_columns IS NOT NULL)"
            )
        elif how == "nullable":  # the constraint back and valid, the column nullable (a NULL passes a CHECK)
            cursor.execute("ALTER TABLE ledger_event ALTER COLUMN entry_columns DROP NOT NULL")
            cursor.execute(
                f"ALTER TABLE ledger_event ADD CONSTRAINT {ENTRY_COLUMNS_CHECK} CHECK ({expression})"
            )


@postgresql_only
@pytest.mark.parametrize("how", ["dropped", "not valid", "other expression"])
def test_without_its_constraint_verify_renders_every_entry_and_names_the_changed_event(events, key_path, how):
    # given an attacker who drops the trigger and the constraint, changes a column (entry_columns keeps the old
    # text, so it still hashes to the stored leaf) and perhaps puts a constraint back
    target = events[4]
    forge_actor_name(target.id)
    if how != "dropped":
        _retamper_constraint(how)
    # then verify does not trust the stored text: it renders the columns, names the event and the constraint
    report = verify(files=False, integrate=False)
    assert report.entries == "rendered"
    assert report.first.kind == "event" and report.first.ref == f"#{target.index}"
    assert report.problems[-1].kind == "schema" and ENTRY_COLUMNS_CHECK in report.problems[-1].message
    code, message = run_verify()
    assert code == 1 and f"#{target.index}" in message


@postgresql_only
def test_a_nullable_entry_columns_is_reported(events, key_path):
    drop_entry_columns_check()
    _retamper_constraint("nullable")
    report = verify(files=False, integrate=False)
    assert report.entries == "rendered" and [p.kind for p in report.problems] == ["schema"]
    assert "entry_columns 可为空" in report.first.message


@postgresql_only
def test_a_shadowing_equals_operator_does_not_pass_for_the_constraint(events, key_path):
    # an attacker's "=" that is always true, first on the search_path (as ALTER ROLE ... SET search_path would put
    # it), and the constraint re-created with it after changing a column
    target = events[4]
    sql(
        "CREATE FUNCTION public.zhifa_test_eq(text, text) RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT true'"
    )
    sql("CREATE OPERATOR public.= (LEFTARG = text, RIGHTARG = text, FUNCTION = public.zhifa_test_eq)")
    forge_actor_name(target.id)
    sql("SET LOCAL search_path = public, pg_catalog")
    sql(f"ALTER TABLE ledger_event ADD CONSTRAINT {ENTRY_COLUMNS_CHECK} "
        f"CHECK (entry_columns = {pg_entry_columns_sql()})")  # fmt: skip
    report = verify(files=False, integrate=False)
    assert report.entries == "rendered"
    assert report.first.ref == f"#{target.index}"
    assert "被改动 / altered" in report.problems[-1].message


@postgresql_only
@pytest.mark.parametrize(
    "alter, reason",
    [
        # read in the session's TimeZone, a timestamp without time zone renders as the attacker's session likes
        ("ALTER TABLE ledger_event ALTER COLUMN recorded_at TYPE timestamp", "recorded_at 类型被改动"),
        ("CREATE DOMAIN public.zhifa_test_text AS text; "
         "ALTER TABLE ledger_event ALTER COLUMN entry_columns TYPE public.zhifa_test_text", "entry_columns 类型被改动"),
        # a case-insensitive collation would let "SYSTEM" equal "system"
        ("CREATE COLLATION public.zhifa_test_ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false); "
         "ALTER TABLE ledger_event ALTER COLUMN actor_role TYPE varchar(32) COLLATE public.zhifa_test_ci",
         "actor_role 使用非确定性排序规则"),
        ("ALTER TABLE ledger_event ENABLE ROW LEVEL SECURITY", "行级安全策略"),
        ("ALTER TABLE ledger_leaf ALTER COLUMN alg TYPE text", "ledger_leaf.alg 类型被改动"),
    ],
)  # fmt: skip
def test_a_changed_column_type_collation_or_row_security_is_reported(events, key_path, alter, reason):
    for statement in alter.split("; "):
        sql(statement)
    report = verify(files=False, integrate=False)
    assert report.entries == "rendered"
    assert [p.kind for p in report.problems] == ["schema"] and reason in report.first.message


@postgresql_only
def test_a_constraint_dropped_and_put_back_while_verify_runs_is_reported(events, key_path):
    # between two chunks (the progress callback runs in between): drop the constraint, put it back as it was
    def meanwhile(done, total):
        if done == 4:
            drop_entry_columns_check()
            sql(
                f"ALTER TABLE ledger_event ADD CONSTRAINT {ENTRY_COLUMNS_CHECK} CHECK ({pg_entry_columns_check_sql()})"
            )

    report = verify(files=False, integrate=False, chunk=4, progress=meanwhile)
    assert report.entries == "stored"
    assert [p.kind for p in report.problems] == ["schema"] and "校验期间" in report.first.message
    assert verify(files=False, integrate=False).ok  # the same constraint: the next run passes


@postgresql_only
def test_where_the_constraint_cannot_be_probed_verify_renders_without_a_problem(events, key_path):
    # a read-only session (a hot standby) cannot create the temporary table the comparison needs
    sql("SET TRANSACTION READ ONLY")
    report = verify(files=False, integrate=False)
    assert report.ok, report.first
    assert report.entries == "rendered"


@postgresql_only
def test_the_migration_fills_entry_columns_of_existing_events(events, key_path):
    # unapply 0005 (drops the column) and apply it again over the existing events: the UPDATE fills every row
    create_checkpoint()
    call_command("migrate", "ledger", "0004", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_attribute WHERE attrelid = 'ledger_event'::regclass "
                       "AND attname = 'entry_columns' AND NOT attisdropped")  # fmt: skip
        assert cursor.fetchone()[0] == 0
    call_command("migrate", "ledger", verbosity=0)
    for row in Event.objects.select_related("leaf").filter(id__in=[e.id for e in events]):
        entry = row.entry_bytes().decode()
        assert entry.startswith(f"[{row.index},{_entry_columns(row.id)},")
    report = verify(files=False, integrate=False)
    assert report.ok, report.first
    assert report.entries == "stored"


@postgresql_only
def test_a_time_before_year_one_does_not_render_like_the_same_digits_after_christ(events, key_path):
    # to_char's YYYY has no era: 2026 BC must not pass for 2026 (AD)
    target = events[4]
    bc = (
        "(pg_catalog.to_char(recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || ' BC')::timestamp"
    )
    drop_append_only_triggers("ledger_event")
    with pytest.raises(DatabaseError, match=ENTRY_COLUMNS_CHECK), transaction.atomic():
        sql(f"UPDATE ledger_event SET recorded_at = {bc} AT TIME ZONE 'UTC' WHERE id = %s", [target.id])
    drop_entry_columns_check()
    sql(f"UPDATE ledger_event SET recorded_at = {bc} AT TIME ZONE 'UTC' WHERE id = %s", [target.id])
    report = verify(files=False, integrate=False)
    assert report.first.kind == "event" and report.first.ref == f"#{target.index}"


@postgresql_only
def test_verify_reads_the_tables_the_session_resolves(events, key_path):
    # the real ledger_event moved to a schema first on the search_path, a copy of its rows left in public under its
    # name (which sorts first): verify reads what the application reads, so the change is named
    target = events[4]
    sql("CREATE SCHEMA zhifa_test_a")
    sql("ALTER TABLE ledger_event SET SCHEMA zhifa_test_a")
    sql("CREATE TABLE public.ledger_event AS SELECT * FROM zhifa_test_a.ledger_event")
    sql("SET LOCAL search_path = zhifa_test_a, public")
    forge_actor_name(target.id)
    assert Event.objects.get(id=target.id).actor_name == "王五"  # what the application now reads
    report = verify(files=False, integrate=False)
    assert report.first.kind == "event" and report.first.ref == f"#{target.index}"


@postgresql_only
def test_an_equals_operator_on_varchar_cannot_hide_the_checkpoint_events(events, key_path):
    # pg_catalog has no "=" for exactly (varchar, varchar), so an attacker's would be an exact match on any
    # search_path; verify compares event types with the built-in text equality, so deleted checkpoints are named
    create_checkpoint()
    sql("CREATE FUNCTION public.zhifa_test_never(varchar, varchar) RETURNS boolean LANGUAGE sql IMMUTABLE "
        "AS 'SELECT false'")  # fmt: skip
    sql(
        "CREATE OPERATOR public.= (LEFTARG = varchar, RIGHTARG = varchar, FUNCTION = public.zhifa_test_never)"
    )
    drop_append_only_triggers("ledger_checkpoint")
    sql("DELETE FROM ledger_checkpoint")
    report = verify(files=False, integrate=False)
    assert any("checkpoint row missing" in p.message for p in report.problems), report.problems


@postgresql_only
def test_triggers_run_by_verifys_own_integration_cannot_redirect_its_reads(events, key_path):
    # a trigger on ledger_leaf (fired when verify integrates a pending event first) points verify's session at a
    # clean copy of ledger_event; verify sets its search_path again after integrating, so the change is named
    target = events[4]
    sql("CREATE SCHEMA zhifa_test_b")
    sql("CREATE TABLE zhifa_test_b.ledger_event (LIKE public.ledger_event INCLUDING ALL)")
    sql("INSERT INTO zhifa_test_b.ledger_event SELECT * FROM public.ledger_event")
    sql("CREATE FUNCTION public.zhifa_test_redirect() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "PERFORM pg_catalog.set_config('search_path', 'pg_catalog, zhifa_test_b, public, pg_temp', false); "
        "RETURN NULL; END $$")  # fmt: skip
    sql("CREATE TRIGGER zhifa_test_redirect AFTER INSERT ON ledger_leaf "
        "FOR EACH STATEMENT EXECUTE FUNCTION public.zhifa_test_redirect()")  # fmt: skip
    forge_actor_name(target.id)
    append("test.pending", actor=SYSTEM, subject=("test.thing", 1), payload={})  # verify integrates it first
    report = verify(files=False)
    assert report.integrated == 1
    assert report.first.kind == "event" and report.first.ref == f"#{target.index}"


@postgresql_only
def test_verify_inside_a_callers_transaction_leaves_its_settings_as_they_were(events, key_path):
    # verify sets search_path, lock_timeout and the scan's planner settings; inside a caller's transaction it sets
    # them for that transaction only and puts back what the caller had, including the caller's own SET LOCAL
    sql("SET LOCAL work_mem = '7MB'")
    sql("SET LOCAL enable_hashjoin = on")
    sql("SET LOCAL lock_timeout = '42s'")
    before = pg_settings_now()
    assert len(before) == len(VERIFY_SETTINGS)
    assert (before["work_mem"], before["lock_timeout"]) == ("7168", "42000")  # kB and ms
    report = verify(files=False, workers=1)
    assert report.ok, report.problems
    assert pg_settings_now() == before
    # (outside a transaction, where it sets them for the session: concurrent_check.session_settings_restored)
