"""`zhifa verify`: recompute every leaf and every checkpoint root, check every signature and every stored file.

What is checked, in order:
0. pending events (committed, no leaf yet) are integrated first (unless --no-integrate); those still pending are
   counted, and one pending for longer than settings.ZHIFA_LEDGER_PENDING_MAX_SECONDS (default 300) is a failure;
1. leaves: indexes are gapless from 0 and match LedgerHead.size; every leaf hash recomputed from its event's columns
   plus its index (hashing.entry_text, rendered by the database in SQL; on PostgreSQL read from the rendering each
   event stores at insert, once its CHECK constraint is found intact, see ENTRY_COLUMNS_CHECK) equals the stored one
   — this names the first altered event;
2. checkpoints: the root recomputed from the leaves at each checkpoint's size equals its signed root (this catches
   a rewrite that also recomputed the stored leaf hashes), the Ed25519 signature over the statement verifies with
   the stored public key, and that key is trusted (the platform key file or settings.ZHIFA_LEDGER_TRUSTED_KEYS);
   every checkpoint has its `ledger.checkpoint_signed` event and every such event its checkpoint;
3. files: every registered checker in FILE_CHECKERS re-hashes the files it owns.

PostgreSQL, against someone with DDL rights on the tables: verify resolves the ledger tables as its session does and
names them schema-qualified, holds them with an ACCESS SHARE lock from its schema check until after the scan (see
`_pg_locked`, LOCK_TIMEOUT), runs with pg_catalog first and pg_temp last on the search_path, and trusts
ledger_event.entry_columns only as `_pg_stored_entries` says.

Rows are streamed in aligned chunks of CHUNK (a power of two) indexes (the last ones in smaller aligned pieces when
workers share them: TAIL_SPLIT), so memory stays flat; a chunk fetches only
(entry, stored hash) per leaf (on PostgreSQL, with the stored entries, its leaves and its events by two range scans,
paired in Python: see PAIRED_SPREAD), and a chunk with any problem is read again with the index and per-row
algorithm to name the first one; a chunk's leaves form
a perfect subtree, so chunks can be hashed by worker processes (each with its own database connection) and merged
into one compact range. Workers are used only for large logs read outside a transaction (a test's uncommitted
rows are invisible to other connections).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import hashlib
import itertools
import json
import multiprocessing
import operator
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import DatabaseError, connection, connections, transaction
from django.utils import timezone

from zhifa.ledger import hashing, merkle, signing
from zhifa.ledger.models import Checkpoint, Event, Leaf, LedgerHead

try:  # OpenSSL's constructor without hashlib's Python wrapper: the wrapper costs a third of a leaf hash
    from _hashlib import new as _hash_new
except ImportError:  # pragma: no cover - CPython without OpenSSL
    _hash_new = hashlib.new

CHUNK = 1 << 14
PARALLEL_MIN = 4 * CHUNK
# With worker processes, the last chunks (one per worker) are read in pieces of CHUNK / TAIL_SPLIT: a worker that runs
# out of work waits for the others at most one piece, not one chunk (each piece is itself aligned, so it is a perfect
# subtree as a chunk is).
TAIL_SPLIT = 4
CHECKPOINT_EVENT = "ledger.checkpoint_signed"


@dataclass(frozen=True)
class Problem:
    kind: str  # "event", "head", "pending", "checkpoint", "file", "schema"
    ref: str  # what is wrong: "#123", "checkpoint 4096", a file name ...
    message: str
    index: int | None = None

    def __str__(self) -> str:
        return f"{self.ref}: {self.message}"


# A file checker re-hashes the stored files of one app and yields a Problem for each one that does not match its
# recorded digest (or is missing). Apps register theirs with `register_file_checker`.
FileChecker = Callable[[], Iterable[Problem]]
FILE_CHECKERS: list[FileChecker] = []


def register_file_checker(checker: FileChecker) -> FileChecker:
    if checker not in FILE_CHECKERS:
        FILE_CHECKERS.append(checker)
    return checker


@dataclass
class Report:
    events: int = 0
    checkpoints: int = 0
    files_checked: int = 0
    problems: list[Problem] = field(default_factory=list)
    seconds: float = 0.0
    workers: int = 1
    pending: int = 0  # events without a log index after the check's own integration
    integrated: int = 0  # events the check integrated first
    # "stored": PostgreSQL read each entry's columns from ledger_event.entry_columns (see ENTRY_COLUMNS_CHECK)
    entries: str = "rendered"

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first(self) -> Problem | None:
        return self.problems[0] if self.problems else None


# --- scanning a chunk of leaves --------------------------------------------------------------------------------


_SQLITE_TIME = "CASE WHEN length(e.recorded_at) = 19 THEN e.recorded_at || '.000000' ELSE e.recorded_at END"
_TEXTS = ("e.actor_name", "e.actor_role", "e.event_type", "e.subject_type", "e.subject_id", "l.alg")


def _entry_sql(vendor: str, *, checked: bool = False) -> str:
    """SQL rendering `hashing.entry_text` of the leaf `l` joined with its event `e`.

    PostgreSQL: to_json() escapes text exactly as Python's json (", \\, \\b \\f \\n \\r \\t, other controls as
    lowercase \\u00xx, everything else verbatim), the integers are typed columns, the time is digits. Text, which
    the fast path loads as raw UTF-8 bytes (no decoding); Python adds the 0x00 leaf prefix.

    SQLite: a BLOB that already starts with the 0x00 leaf prefix, so Python only hashes it. json_array() writes
    integers, null and strings exactly as Python's json with these separators (SQLite's jsonAppendString escapes
    like json_quote); its closing "]" gives way to the payload, embedded verbatim. A value of an unexpected type
    renders differently (text in an integer column becomes a quoted string) or makes json_array() fail (a BLOB):
    either way the chunk is read again with `checked=True`, which type-checks every column (anything unexpected
    renders as "!", never part of an integrated entry) and cannot fail.
    Both are pinned against `hashing.entry_text` by hypothesis tests over arbitrary text.
    """
    if vendor == "postgresql":
        return (
            "pg_catalog.concat('[', l.\"index\", ',', " + ", ',', ".join(_pg_tail_parts("l.alg")) + ", ']')"
        )
    if not checked:
        columns = ", ".join(
            ['l."index"', "e.id", "e.actor_id", "e.actor_agency_id", "e.case_id", _SQLITE_TIME, *_TEXTS]
        )
        return f"CAST(char(0) || rtrim(json_array({columns}), ']') || ',' || e.payload || ']' AS BLOB)"

    def integer(c):
        return f"CASE typeof({c}) WHEN 'integer' THEN {c} WHEN 'null' THEN 'null' ELSE '!' END"

    def text(c):
        return f"CASE typeof({c}) WHEN 'text' THEN json_quote({c}) ELSE '!' END"

    parts = (
        [integer('l."index"'), integer("e.id")]
        + [integer(c) for c in ("e.actor_id", "e.actor_agency_id", "e.case_id")]
        + [f"CASE typeof(e.recorded_at) WHEN 'text' THEN json_quote({_SQLITE_TIME}) ELSE '!' END"]
        + [text(c) for c in _TEXTS]
        + ["CASE typeof(e.payload) WHEN 'text' THEN e.payload ELSE '!' END"]
    )
    return "CAST(char(0) || '[' || " + " || ',' || ".join(parts) + " || ']' AS BLOB)"


def pg_entry_tail_sql(alg: str) -> str:
    """PostgreSQL: the entry of the event `e` after its index and that index's comma (see `_entry_sql`), with the
    leaf algorithm given by the SQL expression `alg`. The sequencer has the database render this (it does not know
    the index until it takes the batch; Python puts "[index," in front) and hashes it; verify renders the whole
    entry. Both are pinned against `hashing.entry_text` by the tests."""
    return "pg_catalog.concat(" + ", ',', ".join(_pg_tail_parts(alg)) + ", ']')"


def pg_entry_columns_sql(ref: str = "") -> str:
    """PostgreSQL: the entry's rendering of an event's own columns, from its id to its subject_id (what comes between
    "[index," and ',"alg",payload]'), over the columns named `ref` + column ("" in the CHECK constraint, "NEW." in
    the trigger). Stored in ledger_event.entry_columns, see ENTRY_COLUMNS_CHECK."""
    return "pg_catalog.concat(" + ", ',', ".join(_pg_parts(ref, None)) + ")"


_INT_COLUMNS = ("actor_id", "actor_agency_id", "case_id")
_TEXT_COLUMNS = ("actor_name", "actor_role", "event_type", "subject_type", "subject_id")


def _pg_tail_parts(alg: str) -> list[str]:
    return [*_pg_parts("e.", alg), "e.payload"]


def _pg_parts(ref: str, alg: str | None) -> list[str]:
    """The elements of the entry from the event id to the subject id (and the leaf algorithm `alg`, if given), for one
    concat() (a single allocation, where a chain of || copies the growing text at every step). concat() writes an
    integer as ::text does and skips a NULL: the nullable integers are rendered "null" first, texts inside to_json
    render a NULL as null, so only e.payload (NOT NULL) could be skipped — a rendering ending in ",]" that no
    canonical payload gives."""
    ints = [f"{ref}id"] + [f"COALESCE({ref}{c}::text, 'null')" for c in _INT_COLUMNS]
    # to_char's YYYY drops the era: a time before year 1 (which Python's reference cannot even hold) renders null,
    # never like the year after Christ with the same digits
    when = (
        f"CASE WHEN {ref}recorded_at OPERATOR(pg_catalog.>=) '0001-01-01 00:00:00+00'::pg_catalog.timestamptz "
        f"THEN pg_catalog.to_char({ref}recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') END"
    )
    strings = [when, *(ref + c for c in _TEXT_COLUMNS), *([alg] if alg else [])]
    # One to_json over an array quotes the time and all strings in one call ('["t","a",...]', "," separators, a NULL
    # as null); btrim drops only the brackets, since the elements start and end with '"'. Functions are
    # schema-qualified: a function of the same name earlier on the search_path cannot stand in.
    return [*ints, f"pg_catalog.btrim(pg_catalog.to_json(ARRAY[{', '.join(strings)}])::text, '[]')"]


# PostgreSQL: ledger_event.entry_columns holds `pg_entry_columns_sql()` of the row, filled by a BEFORE INSERT
# trigger and held to it by this CHECK constraint (migration 0005), so the scan reads each entry without rendering
# it (the rendering cost the server more than a leaf hash costs Python). The constraint is what makes the stored
# text trustworthy: a row can hold no other entry_columns than its columns render to, whatever triggers an attacker
# drops, and an UPDATE of a column fails unless entry_columns changes too — which changes the hashed entry. So verify
# reads entry_columns only after `_pg_stored_entries` found the constraint in place, validated and with exactly this
# expression, over columns of the built-in types with deterministic collations and no row-level security; otherwise
# it renders every entry from the columns (and reports what it found). A constraint dropped and put back while the
# scan runs shows as another oid afterwards (see `_pg_schema`).
ENTRY_COLUMNS_CHECK = "ledger_event_entry_columns_check"


_RANGE = 'l."index" >= %s AND l."index" < %s ORDER BY l."index"'
# (events, leaves): on PostgreSQL verify reads the tables it resolved, locked and checked, by schema-qualified name
# (see `_pg_tables`), whatever else an unlocked search_path could turn up meanwhile.
_TABLES = ("ledger_event", "ledger_leaf")


def _fast_sql(vendor: str, tables: tuple[str, str] = _TABLES) -> str:
    """(entry, stored leaf hash) of the leaves [%s, %s) in index order, each entry rendered from its event's columns:
    on SQLite the entry is a BLOB that starts with the 0x00 leaf prefix, on PostgreSQL text without it (see
    `_leaf_prefix`)."""
    return (
        f"SELECT {_entry_sql(vendor)} AS entry, l.leaf_hash FROM {tables[1]} l "
        f"JOIN {tables[0]} e ON e.id = l.event_id WHERE {_RANGE}"
    )


# PostgreSQL, with the constraint in place: the entry from the stored rendering of the columns. A leaf of another
# algorithm than the scan's gives NULL (then the slow path checks it with its own): the algorithm is not in the stored
# text, and comparing it here keeps an altered l.alg from shifting bytes between the algorithm and the payload.
def _pg_stored_sql(tables: tuple[str, str]) -> str:
    return (
        "SELECT CASE WHEN l.alg::text OPERATOR(pg_catalog.=) %s::text "
        """THEN pg_catalog.concat('[', l."index", ',', e.entry_columns, %s::text, e.payload, ']') END AS entry, """
        f"l.leaf_hash FROM {tables[1]} l JOIN {tables[0]} e ON e.id = l.event_id WHERE {_RANGE}"
    )


# PostgreSQL, with the constraint in place, the way a chunk is normally read: its leaves by one range scan of
# ledger_leaf, its events by one range scan of ledger_event over the leaves' event ids, paired in Python by event id
# (`_pg_paired_leaves`). The join above probes ledger_event's primary key once per leaf, which cost the server more
# than both range scans together. The events' ids lie in a narrow range because events are integrated in about the
# order they were inserted (a long transaction commits late and its events come a little later): when the range is
# wider than PAIRED_SPREAD times the chunk (an event integrated long after it was inserted), the chunk is read by the
# join instead, never a whole table.
PAIRED_SPREAD = 2


def _pg_leaf_rows_sql(tables: tuple[str, str]) -> str:
    """(index, event id, stored hash) of the leaves [%s, %s) of the algorithm %s, in index order; a leaf of another
    algorithm is left out (and the chunk, one row short, is read again by the slow path, which names it)."""
    return (
        f'SELECT l."index", l.event_id, l.leaf_hash FROM {tables[1]} l WHERE l."index" >= %s AND l."index" < %s '
        'AND l.alg::text OPERATOR(pg_catalog.=) %s::text ORDER BY l."index"'
    )


def _pg_tails_sql(tables: tuple[str, str]) -> str:
    """(id, the entry after "[index,") of the events with ids in [%s, %s] in id order (the primary key's), the leaf
    algorithm's text %s between the stored columns and the payload (what `_pg_stored_sql` renders after the index)."""
    return (
        "SELECT e.id, pg_catalog.concat(e.entry_columns, %s::text, e.payload, ']') "
        f"FROM {tables[0]} e WHERE e.id >= %s AND e.id <= %s ORDER BY e.id"
    )


def _pg_paired_leaves(
    start: int, end: int, alg: str, tables: tuple[str, str]
) -> tuple[bool, list[bytes] | None]:
    """(read, leaves): the leaves [start, end) recomputed from the stored entries, read as PAIRED_SPREAD describes.
    `read` is False when the chunk's event ids are spread too wide (then nothing was decided: use the join); leaves
    is None unless every index of the chunk is there once, in order, with the scan's algorithm, every leaf's event is
    there once and every recomputed leaf equals its stored hash (then the slow path names what is wrong)."""
    import psycopg

    count = end - start
    with psycopg.Cursor(connection.connection) as raw:
        raw.execute(_pg_leaf_rows_sql(tables), [start, end, alg], binary=True)
        rows = raw.fetchall()
    if len(rows) != count or [row[0] for row in rows] != list(range(start, end)):
        return True, None
    ids = [row[1] for row in rows]
    low, high = min(ids), max(ids)
    if high - low >= PAIRED_SPREAD * count:
        return False, None
    tails = _stream_fast(_pg_tails_sql(tables), [f",{hashing._q(alg)},", low, high])
    proto = _hash_new(alg)  # copying a started hash skips OpenSSL's digest lookup per call
    proto.update(hashing.LEAF_PREFIX + b"[")
    if _increasing(ids):
        leaves = _hash_in_id_order(tails, ids, start, proto.copy)
    else:
        leaves = _hash_by_id(tails, ids, start, proto.copy)
    return True, leaves if leaves is not None and leaves == [row[2] for row in rows] else None


def _increasing(ids: list[int]) -> bool:
    return all(map(operator.lt, ids, itertools.islice(ids, 1, None)))


def _hash_in_id_order(tails, ids: list[int], start: int, copy) -> list[bytes] | None:
    """The leaves from (event id, tail) rows in id order, while they stream in, for a chunk whose event ids increase
    with its indexes (the usual case): each row is the next leaf's event or an event of another chunk (or one not
    integrated yet). None if a leaf's event is missing or an id has two rows. Reads `tails` to its end."""
    leaves: list[bytes] = []
    add = leaves.append
    wanted = iter(ids)
    want = next(wanted)
    index, previous, good = start, None, True
    for event_id, tail in tails:
        if event_id == previous:  # two rows with one id (its primary key dropped): which one is the event?
            good = False
        previous = event_id
        if event_id != want:
            if want is not None and event_id > want:  # the event `want` is gone
                good = False
            continue
        h = copy()
        h.update(b"%d," % index)
        h.update(tail)
        add(h.digest())
        index += 1
        want = next(wanted, None)
    return leaves if good and want is None else None


def _hash_by_id(tails, ids: list[int], start: int, copy) -> list[bytes] | None:
    """The leaves from (event id, tail) rows, for a chunk whose events came in another order than its leaves (a
    transaction that committed late): all rows first, then each leaf's by id. None as in `_hash_in_id_order`."""
    pairs = list(tails)
    by_id = dict(pairs)
    if len(by_id) != len(pairs):  # two rows with one id
        return None
    get = by_id.get
    leaves: list[bytes] = []
    add = leaves.append
    for index, event_id in enumerate(ids, start):
        tail = get(event_id)
        if tail is None:  # the event row is gone
            return None
        h = copy()
        h.update(b"%d," % index)
        h.update(tail)
        add(h.digest())
    return leaves


def _fast_query(
    vendor: str, start: int, end: int, alg: str, stored: bool, tables: tuple[str, str] = _TABLES
) -> tuple[str, list]:
    """The fast path's statement and parameters for the leaves [start, end): rendered from the columns, or on
    PostgreSQL (`stored`) read from ledger_event.entry_columns."""
    if stored and vendor == "postgresql":
        return _pg_stored_sql(tables), [alg, f",{hashing._q(alg)},", start, end]
    return _fast_sql(vendor, tables), [start, end]


def _leaf_prefix(vendor: str) -> bytes:
    """What the fast path's entries lack of the leaf hash input: PostgreSQL text cannot hold the 0x00 byte, and
    prepending it in SQL (a bytea) costs the server a conversion per row; the hash object starts with it instead."""
    return hashing.LEAF_PREFIX if vendor == "postgresql" else b""


def _slow_sql(vendor: str, tables: tuple[str, str] = _TABLES) -> str:
    """(index, alg, entry or NULL when the event row is gone, stored hash): for naming the first problem."""
    return (
        f'SELECT l."index", l.alg, CASE WHEN e.id IS NULL THEN NULL ELSE {_entry_sql(vendor, checked=True)} END '
        f"AS entry, l.leaf_hash FROM {tables[1]} l "
        f"LEFT JOIN {tables[0]} e ON e.id = l.event_id WHERE {_RANGE}"
    )


@dataclass
class ChunkResult:
    start: int
    end: int  # the end of the range asked for
    count: int  # leaves seen, in order without gaps, from `start`
    problem: Problem | None  # the first problem in the chunk
    nodes: dict[str, list[bytes]]  # per tree alg: compact range of [start, start + count)
    cuts: dict[
        int, dict[str, list[bytes]]
    ]  # per checkpoint size in the chunk: compact range of [start, size)


def _levels(alg: str, leaves: list[bytes]) -> list[list[bytes]]:
    """levels[h][j] = hash of the perfect subtree of leaves [j * 2**h, (j + 1) * 2**h)."""
    node = _hash_new(
        alg, hashing.NODE_PREFIX
    )  # copying a started hash skips OpenSSL's digest lookup per call
    copy = node.copy
    levels = [leaves]
    level = leaves
    while len(level) > 1:
        nxt = []
        add = nxt.append
        for left, right in zip(level[0::2], level[1::2], strict=False):
            h = copy()
            h.update(left + right)
            add(h.digest())
        level = nxt
        levels.append(level)
    return levels


def _range_nodes(levels: list[list[bytes]], count: int) -> list[bytes]:
    """The compact range of the first `count` leaves of a chunk, largest subtree first."""
    nodes, offset = [], 0
    for height in range(count.bit_length() - 1, -1, -1):
        if count >> height & 1:
            nodes.append(levels[height][offset >> height])
            offset += 1 << height
    return nodes


def _fast_leaves(alg: str, rows, count: int, prefix: bytes = b"") -> list[bytes] | None:
    """Recompute every leaf with `alg` from (entry, stored hash) rows, a list or an iterator (`prefix` ‖ entry is
    what the leaf hashes); None unless there are `count` rows and every leaf equals its stored hash (then: the slow
    path). The only per-row Python work: one hash. An iterator is always read to its end."""
    # copying a started hash skips OpenSSL's digest lookup that a constructor does per call
    proto = _hash_new(alg)
    if prefix:
        proto.update(prefix)
    copy = proto.copy
    leaves: list[bytes] = []
    stored: list[bytes] = []
    add, keep = leaves.append, stored.append
    good = True
    for entry, expected in rows:
        h = copy()
        try:
            h.update(entry)
        except TypeError:  # a NULL entry (a column that should never be NULL is): the slow path names it
            good = False
            continue
        add(h.digest())
        keep(expected)
    return leaves if good and len(leaves) == count and leaves == stored else None


def _slow_leaves(vendor: str, rows, start: int, leaves: list[bytes]) -> Problem | None:
    """Check row by row (per-row alg), appending good leaves; the first problem, if any."""
    expected = start
    for index, alg, entry, stored in rows:
        if (
            index == expected - 1
        ):  # a second row for the index just checked: another leaf, or another event row
            return Problem(
                "event",
                f"#{index}",
                "同一序号有多条记录（事件或记录行重复）/ more than one row for this index",
                index,
            )
        if index != expected:
            return Problem("event", f"#{expected}", "记录缺失（序号不连续）/ event missing", expected)
        if entry is None:
            return Problem("event", f"#{index}", "记录对应的事件被删除 / event row missing", index)
        data = b"\x00" + entry.encode() if isinstance(entry, str) else bytes(entry)
        try:
            leaf = _hash_new(alg, data).digest()
        except (TypeError, ValueError) as exc:  # an unknown algorithm ...
            return Problem("event", f"#{index}", f"字段无法解析 / unreadable columns: {exc}", index)
        if leaf != stored:  # memoryview vs bytes compares by content
            return Problem(
                "event", f"#{index}", "内容与摘要不符（已被修改）/ leaf hash does not match", index
            )
        leaves.append(leaf)
        expected += 1
    return None


# PostgreSQL: rows per network batch, so that the server renders the next batch while Python hashes this one
STREAM_ROWS = 256


def _fetch_fast(cursor, vendor: str, start: int, end: int, alg: str, stored: bool, tables: tuple[str, str]):
    """The fast rows, as a list (SQLite) or an iterator (PostgreSQL).

    PostgreSQL: streamed in batches of STREAM_ROWS (libpq's chunked rows mode) through psycopg's binary protocol,
    so the database produces entries while Python hashes the ones already received; the entry text is loaded as raw
    bytes (neither decoded nor re-encoded), bytea as raw bytes (no hex)."""
    sql, params = _fast_query(vendor, start, end, alg, stored, tables)
    if vendor != "postgresql":
        cursor.execute(sql, params)
        return cursor.fetchall()
    return _stream_fast(sql, params)


def _stream_fast(sql: str, params: list):
    import psycopg
    from psycopg.types.string import ByteaBinaryLoader

    with psycopg.Cursor(connection.connection) as raw:  # server-side binding: binary results are available
        raw.adapters.register_loader("text", ByteaBinaryLoader)  # this cursor only
        if psycopg.pq.version() < 170000:  # chunked rows mode needs libpq 17: fetch the chunk at once
            raw.execute(sql, params, binary=True)
            yield from raw.fetchall()
            return
        yield from raw.stream(sql, params, binary=True, size=STREAM_ROWS)


def _reference_check(index: int, leaf: bytes, tables: tuple[str, str] = _TABLES) -> Problem | None:
    """PostgreSQL renders entries in SQL for both the integrator and this check, so the first leaf of each chunk is
    also rebuilt in Python by the reference (`hashing.entry_text`, what proofs and archives use): a database whose
    rendering drifted from it (another to_json escaping after an upgrade, a server encoding) shows as soon as a
    sampled entry contains what renders differently; the tests pin the rendering over arbitrary text."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT e.id, e.recorded_at, e.actor_id, e.actor_name, e.actor_role, e.actor_agency_id, e.event_type, "
            f"e.subject_type, e.subject_id, e.case_id, l.alg, e.payload FROM {tables[1]} l "
            f'JOIN {tables[0]} e ON e.id = l.event_id WHERE l."index" = %s',
            [index],
        )
        row = cursor.fetchone()
    if row is not None:
        event_id, when, actor_id, name, role, agency_id, etype, stype, sid, case_id, alg, payload = row
        entry = hashing.entry_bytes(
            index, event_id, hashing.time_text(when), actor_id, name, role, agency_id,
            etype, stype, sid, case_id, alg, payload,
        )  # fmt: skip
        if alg in merkle.ALGORITHMS and hashing.leaf_hash(alg, entry) == leaf:
            return None
    return Problem(
        "event", f"#{index}",
        "数据库对记录的计算与参考实现不一致 / the database renders this entry unlike hashing.entry_text", index,
    )  # fmt: skip


def scan_chunk(
    start: int, end: int, tree_algs: tuple[str, ...], cuts: tuple[int, ...], alg: str, stored: bool = False,
    tables: tuple[str, str] = _TABLES,
) -> ChunkResult:  # fmt: skip
    """Check leaves [start, end) on the current connection; `start` is a multiple of a power of two at least
    `end - start` (the range is one perfect subtree, or the start of one at the log's end). `stored`: on
    PostgreSQL read the entries' columns from ledger_event.entry_columns (only once `_pg_stored_entries` said so)."""
    vendor = connection.vendor
    collecting = gc.isenabled()
    gc.disable()  # a chunk allocates ~2 objects per row and none in a cycle: the collector would only rescan them
    try:
        return _scan_chunk(vendor, start, end, tree_algs, cuts, alg, stored, tables)
    finally:
        if collecting:
            gc.enable()


def _scan_chunk(vendor, start, end, tree_algs, cuts, alg, stored, tables) -> ChunkResult:
    with connection.cursor() as cursor:
        read, leaves = (
            _pg_paired_leaves(start, end, alg, tables) if stored and vendor == "postgresql" else (False, None)
        )
        if not read:
            try:
                rows = _fetch_fast(cursor, vendor, start, end, alg, stored, tables)
            except (
                DatabaseError
            ):  # SQLite (whose failed SELECT leaves a transaction usable): json_array() refused a BLOB
                if vendor != "sqlite":
                    raise
                rows = []
            leaves = _fast_leaves(alg, rows, end - start, _leaf_prefix(vendor))
            del rows
        problem = None
        if leaves and vendor == "postgresql":
            problem = _reference_check(start, leaves[0], tables)
        if leaves is None:  # a gap, a missing event, another algorithm or a mismatch: find the first one
            cursor.execute(_slow_sql(vendor, tables), [start, end])
            leaves = []
            problem = _slow_leaves(vendor, cursor.fetchall(), start, leaves)
    count = len(leaves)
    nodes: dict[str, list[bytes]] = {}
    cut_nodes: dict[int, dict[str, list[bytes]]] = {}
    for tree_alg in tree_algs:
        levels = _levels(tree_alg, leaves)
        nodes[tree_alg] = _range_nodes(levels, count)
        for size in cuts:
            if size - start <= count:
                cut_nodes.setdefault(size, {})[tree_alg] = _range_nodes(levels, size - start)
    return ChunkResult(start=start, end=end, count=count, problem=problem, nodes=nodes, cuts=cut_nodes)


_session_ready = False

# PostgreSQL settings for scanning: sort in memory if at all, no parallel query competing for the cores, every table
# read through its primary key over the chunk's range (never a sequential scan of a table that grows with the log,
# whatever the statistics say; the leaves in index order, so rows stream out while the server renders the next ones),
# in the join each leaf's event fetched through the event's primary key (a nested loop: the planner, seeing a chunk's
# thousands of leaves, would otherwise hash the whole event table for every chunk), never a JIT compilation of a
# chunk's query.
_SCAN_SETTINGS = {
    "lock_timeout": "5s",  # see LOCK_TIMEOUT
    "work_mem": "64MB",
    "max_parallel_workers_per_gather": "0",
    "enable_seqscan": "off",
    "enable_bitmapscan": "off",
    "enable_hashjoin": "off",
    "enable_mergejoin": "off",
    "jit": "off",
}


# How long verify's sessions wait for a lock on the ledger tables. It waits only when DDL on them is queued (appends and
# integration never conflict with its reads): the DDL waits for verify's table lock, verify's next query would wait
# behind the DDL (PostgreSQL queues lock requests), and the cycle runs through verify's own process, where the
# server's deadlock detector cannot see it. So verify gives up, releases its lock and reports the ledger tables as
# being changed (see `_lock_wait_ended`), and the DDL and the appends queued behind it go on.
LOCK_TIMEOUT = _SCAN_SETTINGS["lock_timeout"]


def _lock_wait_ended(exc: BaseException) -> bool:
    """Did a lock wait on the ledger tables hit LOCK_TIMEOUT (raised by psycopg in a worker, or wrapped by Django)?"""
    import psycopg

    return any(isinstance(e, psycopg.errors.LockNotAvailable) for e in (exc, exc.__cause__, exc.__context__))


def _apply_settings(settings_: dict[str, str]) -> dict[str, str]:
    """Set these for the session (inside a caller's transaction for that transaction only, so that a caller's own SET
    LOCAL still ends with it); returns the previous values."""
    previous = {}
    local = connection.in_atomic_block
    with connection.cursor() as cursor:
        for name, value in settings_.items():
            cursor.execute(
                "SELECT pg_catalog.current_setting(%s), pg_catalog.set_config(%s, %s, %s)",
                [name, name, value, local],
            )
            previous[name] = cursor.fetchone()[0]
    return previous


def _catalog_first_path() -> str:
    """The session's search_path with pg_catalog first and pg_temp last, for the whole of verify (its own sessions and
    its workers'): where a built-in operator or function and another of the same argument types both exist (an
    `ALTER ROLE/DATABASE ... SET search_path` can put pg_catalog after a schema the attacker writes to), the built-in
    one is taken; a temporary table cannot stand in for a ledger table; the tables are found as before."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_catalog.current_schemas(false)")
        schemas = [
            name for name in cursor.fetchone()[0] if name != "pg_catalog" and not name.startswith("pg_temp")
        ]
    return ", ".join(["pg_catalog", *(connection.ops.quote_name(name) for name in schemas), "pg_temp"])


def _pg_tables() -> tuple[str, str] | None:
    """The schema-qualified names of the ledger tables the session resolves; None if one is missing."""
    names = []
    with connection.cursor() as cursor:
        for table in _TABLES:
            cursor.execute(
                "SELECT pg_catalog.format('%%I.%%I', n.nspname, c.relname) FROM pg_catalog.pg_class c "
                "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = pg_catalog.to_regclass(%s)",
                [table],
            )
            row = cursor.fetchone()
            if row is None:
                return None
            names.append(row[0])
    return names[0], names[1]


@contextlib.contextmanager
def _pg_locked(tables: tuple[str, str]):
    """ACCESS SHARE on both tables from the schema check until after the scan and its re-check: nobody can RENAME,
    move, drop or ALTER them (constraints, column types) meanwhile, while appends and integration go on. Inside a
    caller's transaction the lock is taken there, in a savepoint (a second connection would wait for that
    transaction's own locks, and the scan runs on that connection anyway); otherwise on a connection of its own,
    opened after the workers were forked, holding its transaction open (it takes no snapshot; no idle timeout ends it)
    and rolled back at the end. Yields a callable that says whether the lock is still held: a session of the same role
    can terminate the holder's backend."""
    statement = f"LOCK TABLE {tables[0]}, {tables[1]} IN ACCESS SHARE MODE"
    if connection.in_atomic_block:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
        yield lambda: True  # verify's own session: if it is gone, nothing after this runs anyway
        return
    holder = connection.get_new_connection(connection.get_connection_params())
    try:
        holder.autocommit = False
        with holder.cursor() as cursor:
            cursor.execute(
                "SELECT pg_catalog.set_config('idle_in_transaction_session_timeout', '0', false), "
                "pg_catalog.set_config('lock_timeout', %s, false)",
                [LOCK_TIMEOUT],
            )
            if holder.info.server_version >= 170000:  # a role's transaction_timeout would end it, too
                cursor.execute("SELECT pg_catalog.set_config('transaction_timeout', '0', false)")
            cursor.execute(statement)

        def held() -> bool:
            try:
                with holder.cursor() as cursor:
                    cursor.execute("SELECT 1")
                return True
            except Exception:  # terminated, timed out, the connection gone: the lock was released
                return False

        yield held
    finally:
        holder.close()


_worker_settings: dict[str, str] = {}  # set before the workers are forked


def _init_worker() -> None:
    """A worker's first act after the fork: its own session, opened while the parent still counts and checks (see
    `_verify`). A failure here is left for the first chunk to raise (lazily, in `_scan_in_worker`): an initializer
    that raises makes the pool fork a replacement worker, again and again."""
    global _session_ready
    if connection.vendor != "postgresql":
        return
    try:
        _apply_settings(_worker_settings)
        _session_ready = True
    except Exception:
        connection.close()


def _scan_in_worker(args) -> ChunkResult:
    global _session_ready
    if not _session_ready and connection.vendor == "postgresql":
        _apply_settings(_worker_settings)  # this worker's own throw-away session
        _session_ready = True
    try:
        return scan_chunk(*args)
    except Exception as exc:
        # what reaches the parent is pickled, without __cause__: a lock timeout wrapped by Django would arrive as a
        # bare OperationalError, and the parent could no longer tell it from any other failure
        if _lock_wait_ended(exc) and not isinstance(exc, _lock_not_available()):
            raise _lock_not_available()(str(exc)) from None
        raise


def _lock_not_available():
    import psycopg

    return psycopg.errors.LockNotAvailable


# Built-in type OIDs, fixed in PostgreSQL's catalog: the types the models give these columns. Another type (a domain
# with its own "=", timestamp without time zone read in the session's TimeZone ...) would keep a constraint's printed
# definition and change what it means, and change what the rendering means.
_INT8, _TIMESTAMPTZ, _VARCHAR, _TEXT, _BYTEA = 20, 1184, 1043, 25, 17
_PG_COLUMN_TYPES = {
    **{("ledger_event", c): _INT8 for c in ("id", *_INT_COLUMNS)},
    ("ledger_event", "recorded_at"): _TIMESTAMPTZ,
    **{("ledger_event", c): _VARCHAR for c in _TEXT_COLUMNS},
    ("ledger_event", "payload"): _TEXT,
    ("ledger_event", "entry_columns"): _TEXT,
    ("ledger_leaf", "index"): _INT8,
    ("ledger_leaf", "event_id"): _INT8,
    ("ledger_leaf", "alg"): _VARCHAR,
    ("ledger_leaf", "leaf_hash"): _BYTEA,
}
# The probe's table: the columns the constraint reads, with the types above.
_TYPE_NAMES = {_INT8: "bigint", _TIMESTAMPTZ: "timestamptz", _VARCHAR: "varchar", _TEXT: "text"}
_PROBE_COLUMNS = ", ".join(
    f"{c} {_TYPE_NAMES[t]}"
    for (table, c), t in _PG_COLUMN_TYPES.items()
    if table == "ledger_event" and c != "payload"
)
# Names resolved in pg_catalog only (then pg_temp): a definition is printed with every function, operator, type and
# collation from elsewhere schema-qualified, and no operator or function of another schema can stand in.
_CATALOG_ONLY = "SET LOCAL search_path = pg_catalog, pg_temp"


def pg_entry_columns_check_sql() -> str:
    """The CHECK constraint's expression: entry_columns equals the rendering of the row's columns, byte for byte
    (collation "C", the built-in operator)."""
    return f'(entry_columns COLLATE pg_catalog."C") OPERATOR(pg_catalog.=) {pg_entry_columns_sql()}'


def _pg_schema(tables: tuple[str, str]) -> tuple:
    """What the stored path relies on, as the catalog says now: the tables' oids, (every column of the two tables:
    table, row-level security, name, type, NOT NULL, deterministic collation), (the constraint's oid, validated,
    definition) or None. Compared before and after the scan: a constraint dropped and put back meanwhile has another
    oid."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_catalog.to_regclass(%s)::oid, pg_catalog.to_regclass(%s)::oid", list(tables)
        )
        event, leaf = cursor.fetchone()
        cursor.execute(_CATALOG_ONLY)
        cursor.execute(
            "SELECT c.relname, c.relrowsecurity, a.attname, a.atttypid, a.attnotnull, "
            "COALESCE(col.collisdeterministic, true) FROM pg_class c "
            "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped "
            "LEFT JOIN pg_collation col ON col.oid = a.attcollation WHERE c.oid IN (%s, %s) ORDER BY 1, 3",
            [event, leaf],
        )
        columns = tuple(cursor.fetchall())
        cursor.execute(
            "SELECT oid, convalidated, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s AND conname = %s AND contype = 'c'",
            [event, ENTRY_COLUMNS_CHECK],
        )
        constraint = cursor.fetchone()
        transaction.set_rollback(True)  # (and the search_path with it)
    return (event, leaf), columns, constraint


def _pg_expected_definition() -> str | None:
    """How the server prints the constraint as it should be: the same expression added to an empty temporary table
    with the expected column types, rolled back at once. None where that cannot run (a read-only standby has no
    temporary tables; a role without the TEMPORARY privilege)."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(_CATALOG_ONLY)
            cursor.execute(f"CREATE TEMPORARY TABLE zhifa_verify_probe ({_PROBE_COLUMNS}) ON COMMIT DROP")
            cursor.execute(
                "ALTER TABLE pg_temp.zhifa_verify_probe ADD CONSTRAINT zhifa_verify_probe "
                f"CHECK ({pg_entry_columns_check_sql()})"
            )
            cursor.execute(
                "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = 'pg_temp.zhifa_verify_probe'::regclass"
            )
            expected = cursor.fetchone()[0]
            transaction.set_rollback(True)
    except DatabaseError:
        return None
    return expected


def _pg_stored_entries(tables: tuple[str, str]) -> tuple[bool, Problem | None, tuple]:
    """PostgreSQL: may the scan read ledger_event.entry_columns instead of rendering the columns? Yes when the columns
    of both tables have their built-in types and deterministic collations, neither table has row-level security,
    entry_columns is NOT NULL and the CHECK constraint ENTRY_COLUMNS_CHECK is there, validated and printed exactly as
    `pg_entry_columns_check_sql()` prints on a probe table. Anything else found is a Problem (and every entry is
    rendered from the columns, so an altered event is still named); a probe that cannot run only means rendering.
    Returns (stored, problem, the schema seen, to compare after the scan)."""
    state = _pg_schema(tables)
    _, columns, constraint = state
    reasons = []
    found = {
        (table, name): (typ, not_null, deterministic)
        for table, _, name, typ, not_null, deterministic in columns
    }
    for table in sorted({table for table, row_security, *_ in columns if row_security}):
        reasons.append(f"{table} 启用了行级安全策略 / row-level security on {table}")
    for (table, name), typ in _PG_COLUMN_TYPES.items():
        got = found.get((table, name))
        if got is None:
            reasons.append(f"{table}.{name} 列缺失 / column missing")
        elif got[0] != typ:
            reasons.append(f"{table}.{name} 类型被改动 / type changed")
        elif not got[2]:
            reasons.append(f"{table}.{name} 使用非确定性排序规则 / nondeterministic collation")
    if ("ledger_event", "entry_columns") in found and not found["ledger_event", "entry_columns"][1]:
        reasons.append("ledger_event.entry_columns 可为空 / nullable")
    expected = None
    if constraint is None:
        reasons.append(f"约束 {ENTRY_COLUMNS_CHECK} 缺失 / constraint missing")
    elif not constraint[1]:
        reasons.append(f"约束 {ENTRY_COLUMNS_CHECK} 未生效（NOT VALID）/ not validated")
    else:
        expected = _pg_expected_definition()
        if expected is not None and constraint[2] != expected:
            reasons.append(f"约束 {ENTRY_COLUMNS_CHECK} 被改动 / altered")
    if reasons:
        message = "记录表结构被改动，已改为逐条由字段重算：" + "；".join(reasons)
        return False, Problem("schema", "ledger_event", message), state
    return expected is not None, None, state


def _job_ranges(end: int, chunk: int, workers: int) -> list[tuple[int, int]]:
    """The ranges [start, end) the scan reads, in order: aligned chunks, the last `workers` of them in TAIL_SPLIT
    pieces when there is more than one worker (see TAIL_SPLIT)."""
    ranges = [(start, min(end, start + chunk)) for start in range(0, end, chunk)]
    piece = chunk // TAIL_SPLIT
    if workers < 2 or piece < 1:
        return ranges
    split = len(ranges) - min(workers, len(ranges))
    tail = [
        (start, min(stop, start + piece))
        for first, stop in ranges[split:]
        for start in range(first, stop, piece)
    ]
    return ranges[:split] + tail


def _node_sizes(start: int, count: int) -> list[int]:
    """Sizes of the perfect subtrees covering [start, start + count) for an aligned start, largest first."""
    return [1 << b for b in range(count.bit_length() - 1, -1, -1) if count >> b & 1]


# --- the whole check -------------------------------------------------------------------------------------------


def _default_workers() -> int:
    return max(1, min(4, os.cpu_count() or 1))


def pending_max_seconds() -> float:
    return float(getattr(settings, "ZHIFA_LEDGER_PENDING_MAX_SECONDS", 300))


def verify(
    *, workers: int | None = None, files: bool = True, chunk: int = CHUNK, progress=None, integrate: bool = True,
) -> Report:  # fmt: skip
    """Run every check; `chunk` (a power of two) is the number of indexes read and hashed at a time.

    `integrate`: first give every queued event its index; an event found without a leaf and without a queue entry
    (lost: nothing else would integrate it) is integrated, too, and the check starts again to cover it. Events still
    pending (appended while the check runs) are counted in the report; one pending for longer than
    settings.ZHIFA_LEDGER_PENDING_MAX_SECONDS is a failure.

    The caller's session on PostgreSQL: verify sets search_path, lock_timeout and its scan's planner settings and puts
    back what the session had (inside a transaction they are SET LOCAL). With worker processes (outside a
    transaction only) it first closes the process's database connections, as a forked child must not share a socket:
    the session afterwards is a new one, given the caller's search_path and lock_timeout, and whatever else the
    caller had set for the old session is gone.
    """
    if chunk < 1 or chunk & (chunk - 1):
        raise ValueError("chunk must be a power of two")
    if connection.vendor != "postgresql":
        return _verify(workers, files, chunk, progress, integrate, None)
    path = _catalog_first_path()
    previous = _apply_settings({"search_path": path, "lock_timeout": _current_setting("lock_timeout")})
    try:
        return _verify(workers, files, chunk, progress, integrate, path)
    finally:
        try:  # the caller's session as it was
            _apply_settings(previous)
        except DatabaseError:  # an aborted transaction: its rollback undoes the setting anyway
            pass


def _current_setting(name: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_catalog.current_setting(%s)", [name])
        return cursor.fetchone()[0]


def _verify(workers, files, chunk, progress, integrate, path: str | None) -> Report:
    """verify(); `path`: PostgreSQL, the session's search_path (already set, see `_catalog_first_path`)."""
    started = time.perf_counter()
    report = Report()
    from zhifa.ledger.services import integrate as integrate_pending

    if integrate:
        report.integrated = integrate_pending(wait=True)
    head_size, scan_end = _extent()
    workers = workers if workers is not None else _default_workers()
    in_memory = connection.vendor == "sqlite" and connection.is_in_memory_db()
    parallel = (
        workers > 1
        and scan_end >= max(PARALLEL_MIN, 2 * chunk)
        and not connection.in_atomic_block  # other connections would not see uncommitted rows
        and not in_memory
    )
    report.workers = workers if parallel else 1
    while True:
        # The workers are forked first: each opens its session while this process checks the schema below.
        pool = _start_pool(workers, path) if parallel else None
        try:
            return _verify_scan(
                report, pool, chunk, progress, integrate, files, path, head_size, scan_end, started
            )
        except _Rescan:
            pass
        finally:
            if pool is not None:
                pool.terminate()
                pool.join()
        # Events with neither a leaf nor a queue entry were found (see `_pending_problem`): integrate them, then check
        # again from the start (once), so that this check covers them, too.
        report = Report(workers=report.workers, integrated=report.integrated)
        report.integrated += integrate_pending(wait=True, full=True)
        head_size, scan_end = _extent()
        integrate = False


class _Rescan(Exception):
    """Raised by `_verify_scan` when events without a leaf and without a queue entry are to be integrated first."""


def _extent() -> tuple[int, int]:
    """(the head's size, the end of the scan): the extent of the leaf table, independent of the head, so that rows
    beyond the head or a head beyond the rows show."""
    head = LedgerHead.objects.filter(pk=1).first()
    head_size = head.size if head else 0
    last = Leaf.objects.order_by("-index").values_list("index", flat=True).first()
    return head_size, max(head_size, (last + 1) if last is not None else 0)


def _start_pool(workers: int, path: str | None):
    _worker_settings.clear()
    _worker_settings.update({**_SCAN_SETTINGS, "search_path": path} if path is not None else {})
    connections.close_all()  # children must open their own connections, never share the parent's socket
    pool = multiprocessing.get_context("fork").Pool(workers, initializer=_init_worker)
    if path is not None:  # the parent's session is a new one
        _apply_settings({"search_path": path, "lock_timeout": LOCK_TIMEOUT})
    return pool


def _verify_scan(
    report, pool, chunk, progress, integrate, files, path, head_size, scan_end, started
) -> Report:
    stale_problem = None
    checkpoints = list(Checkpoint.objects.order_by("tree_size"))
    report.checkpoints = len(checkpoints)
    tree_algs = tuple(sorted({c.alg for c in checkpoints})) or (hashing.default_algorithm(),)
    for alg in tree_algs:
        if alg not in merkle.ALGORITHMS:
            report.problems.append(Problem("checkpoint", f"alg {alg}", "未知摘要算法 / unknown algorithm"))
            return report
    cut_sizes = sorted({c.tree_size for c in checkpoints})

    pg = path is not None
    if pg:  # again: integrating ran the tables' triggers in this session, whatever they set
        _apply_settings({"search_path": path, "lock_timeout": LOCK_TIMEOUT})
    tables = (_pg_tables() or _TABLES) if pg else _TABLES
    compact = {alg: merkle.CompactRange(alg) for alg in tree_algs}
    roots: dict[int, dict[str, bytes]] = {}
    event_problem = None
    seen = 0

    def merge(result: ChunkResult) -> bool:
        nonlocal event_problem, seen
        for size, by_alg in result.cuts.items():
            roots[size] = {}
            for alg, nodes in by_alg.items():
                cut = compact[alg].copy()
                for node, width in zip(nodes, _node_sizes(result.start, size - result.start), strict=True):
                    cut.append_subtree(node, width)
                roots[size][alg] = cut.root()
        for alg, nodes in result.nodes.items():
            for node, width in zip(nodes, _node_sizes(result.start, result.count), strict=True):
                compact[alg].append_subtree(node, width)
        seen += result.count
        if result.problem is not None:
            event_problem = result.problem
            return False
        if result.start + result.count < result.end:  # rows missing at the end of the chunk
            if result.end < scan_end or head_size < scan_end:  # later rows exist: a hole in the log
                missing = result.start + result.count
                event_problem = Problem(
                    "event", f"#{missing}", "记录缺失（序号不连续）/ event missing", missing
                )
            return False  # otherwise the tail is missing: reported against the head below
        if progress:
            progress(seen, scan_end)
        return True

    stored, schema_problem, schema = False, None, None
    try:
        with _pg_locked(tables) if pg and scan_end else contextlib.nullcontext(lambda: True) as held:
            if pg and scan_end:
                stored, schema_problem, schema = _pg_stored_entries(tables)
            report.entries = "stored" if stored else "rendered"
            jobs = []
            for start, end in _job_ranges(scan_end, chunk, report.workers if pool is not None else 1):
                cuts = tuple(s for s in cut_sizes if start < s <= end)
                jobs.append((start, end, tree_algs, cuts, hashing.default_algorithm(), stored, tables))
            if pool is not None:
                results = pool.imap(_scan_in_worker, jobs)  # the workers start on them now
                stale_problem = _pending_problem(report, head_size, integrate)
                for result in results:
                    if not merge(result):
                        break
            else:
                stale_problem = _pending_problem(report, head_size, integrate)
                previous = _apply_settings(_SCAN_SETTINGS) if pg and jobs else None
                try:
                    for job in jobs:
                        if not merge(scan_chunk(*job)):
                            break
                finally:
                    if previous is not None:  # the caller's session as it was
                        try:
                            _apply_settings(previous)
                        except DatabaseError:  # an aborted transaction: its rollback undoes them anyway
                            pass
            checkpoint_events = [(i, p) for i, p in _checkpoint_events(tables) if i < seen]
            if schema_problem is None and schema is not None and _pg_schema(tables) != schema:
                schema_problem = Problem(
                    "schema", "ledger_event",
                    "校验期间记录表结构或约束被改动，请重新校验 / the schema changed during verification",
                )  # fmt: skip
            if schema_problem is None and not held():
                schema_problem = Problem(
                    "schema", "ledger_event",
                    "校验期间记录表的锁被解除（持锁会话被终止），请重新校验 / the lock on the ledger tables was lost",
                )  # fmt: skip
    except Exception as exc:
        # (inside a caller's transaction the error aborted it: raised, never swallowed)
        if not (pg and _lock_wait_ended(exc)) or connection.in_atomic_block:
            raise
        # what was found before stays in the report; the check itself did not finish
        report.events = seen
        report.problems += [p for p in (event_problem, stale_problem, schema_problem) if p is not None]
        report.problems.append(
            Problem(
                "schema", "ledger_event",
                f"校验未完成：等待记录表的锁超过 {LOCK_TIMEOUT}，另有会话正在修改或锁定记录表结构，结果不能视为通过；"
                "查明该会话后重新校验 / verification incomplete: a lock wait on the ledger tables timed out "
                "(another session alters or locks them)",
            )
        )  # fmt: skip
        report.seconds = time.perf_counter() - started
        return report

    report.events = seen
    if event_problem is not None:
        report.problems.append(event_problem)
    elif seen != head_size:
        if seen > head_size:
            report.problems.append(
                Problem(
                    "head",
                    f"#{head_size}",
                    f"记录头为 {head_size}，但表中有 {seen} 条 / rows beyond the head",
                )
            )
        else:
            report.problems.append(
                Problem(
                    "head", f"#{seen}", f"记录头为 {head_size}，但只找到 {seen} 条 / events missing", seen
                )
            )

    if stale_problem is not None:
        report.problems.append(stale_problem)
    _check_checkpoints(report, checkpoints, roots, checkpoint_events, seen if event_problem is None else None)
    if files:
        for checker in list(FILE_CHECKERS):
            name = getattr(checker, "__qualname__", repr(checker))
            try:
                for problem in checker():
                    report.problems.append(problem)
            except Exception as exc:  # a broken checker is a failed check, not a crash of verify
                report.problems.append(Problem("file", name, f"检查程序出错 / checker failed: {exc!r}"))
            report.files_checked += 1
    if schema_problem is not None:
        report.problems.append(schema_problem)
    report.seconds = time.perf_counter() - started
    return report


def _pending_problem(report: Report, head_size: int, integrate: bool) -> Problem | None:
    """Events without a leaf: counted into the report; a Problem for the oldest one if it has waited too long.

    Leaves are append-only and hold exactly the indexes [0, head) (where they do not, the scan reports it): normally
    the count of events equals the head's size, and only otherwise the anti-join runs. With worker processes this runs
    while they scan. Events appended since the check began are queued for the integrator, as any later append is.
    One without a queue entry (lost: nothing would ever integrate it) raises _Rescan when `integrate`, so that the
    check integrates it and starts again (`_verify`)."""
    from zhifa.ledger.models import Pending

    report.pending = Event.objects.count() - head_size
    if not report.pending:
        return None
    pending = Event.objects.filter(leaf__isnull=True)
    report.pending = pending.count()
    if report.pending and integrate and pending.exclude(id__in=Pending.objects.values("event_id")).exists():
        raise _Rescan
    limit = timezone.now() - dt.timedelta(seconds=pending_max_seconds())
    stale = pending.filter(recorded_at__lt=limit).order_by("id").values_list("id", "recorded_at").first()
    if stale is None:
        return None
    event_id, recorded_at = stale
    return Problem(
        "pending",
        f"event id {event_id}",
        f"事件自 {recorded_at:%Y-%m-%d %H:%M:%S} UTC 起未进入记录序列（超过 {pending_max_seconds():.0f} 秒）"
        f" / pending, not integrated for too long",
    )


def _checkpoint_events(tables: tuple[str, str]) -> list[tuple[int, str]]:
    """(index, payload) of every `ledger.checkpoint_signed` event. PostgreSQL: the built-in text equality, not
    whatever "=" an exact match of varchar's types would otherwise find first."""
    equals = "e.event_type::text OPERATOR(pg_catalog.=) %s::text" if connection.vendor == "postgresql" else (
        "e.event_type = %s"
    )  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT l."index", e.payload FROM {tables[1]} l JOIN {tables[0]} e ON e.id = l.event_id WHERE {equals}',
            [CHECKPOINT_EVENT],
        )
        return cursor.fetchall()


def _check_checkpoints(report, checkpoints, roots, checkpoint_events, complete_size) -> None:
    trusted = signing.trusted_keys()
    events_by_size: dict[int, tuple[int, dict]] = {}
    for index, payload in checkpoint_events:
        try:
            data = json.loads(payload)
            events_by_size[int(data["tree_size"])] = (index, data)
        except (ValueError, KeyError, TypeError):
            report.problems.append(
                Problem("event", f"#{index}", "检查点事件内容无效 / bad checkpoint event", index)
            )
    for cp in checkpoints:
        ref = f"checkpoint {cp.tree_size}"
        root = roots.get(cp.tree_size, {}).get(cp.alg)
        if root is None:
            if complete_size is not None:  # the scan went through, so the tree never reached this size
                report.problems.append(
                    Problem("checkpoint", ref, "检查点超出现有记录（记录被删除）/ checkpoint beyond the log")
                )
        elif root != bytes(cp.root_hash):
            report.problems.append(
                Problem(
                    "checkpoint",
                    ref,
                    f"根摘要不符：前 {cp.tree_size} 条记录中有被改写的记录 / root mismatch, history rewritten",
                )
            )
        try:
            public = signing.load_public_pem(cp.public_key_pem)
        except ValueError as exc:
            report.problems.append(Problem("checkpoint", ref, f"公钥无效 / bad public key: {exc}"))
            continue
        if signing.key_id(public) != cp.key_id:
            report.problems.append(Problem("checkpoint", ref, "密钥标识与公钥不符 / key id mismatch"))
        elif cp.key_id not in trusted:
            report.problems.append(Problem("checkpoint", ref, "签名密钥不受信任 / untrusted signing key"))
        if not signing.verify_signature(public, bytes(cp.signature), cp.statement()):
            report.problems.append(Problem("checkpoint", ref, "签名无效（伪造或被改写）/ bad signature"))
        if complete_size is not None:
            found = events_by_size.pop(cp.tree_size, None)
            if found is None:
                report.problems.append(Problem("checkpoint", ref, "缺少签名事件 / no checkpoint event"))
            elif (
                found[1].get("signature") != bytes(cp.signature).hex()
                or found[1].get("root_hash") != bytes(cp.root_hash).hex()
            ):
                report.problems.append(
                    Problem("checkpoint", ref, f"与事件 #{found[0]} 记载的签名不符 / differs from its event")
                )
    if complete_size is not None:
        for size, (index, _data) in sorted(events_by_size.items()):
            report.problems.append(
                Problem("event", f"#{index}", f"检查点 {size} 的记录被删除 / checkpoint row missing", index)
            )
