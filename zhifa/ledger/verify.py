"""`zhifa verify`: recompute every leaf and every checkpoint root, check every signature and every stored file.

What is checked, in order:
1. events: indexes are gapless from 0 and match LedgerHead.size; every leaf hash recomputed from the row's columns
   (hashing.entry_text) equals the stored one — this names the first altered event;
2. checkpoints: the root recomputed from the leaves at each checkpoint's size equals its signed root (this catches
   a rewrite that also recomputed the stored leaf hashes), the Ed25519 signature over the statement verifies with
   the stored public key, and that key is trusted (the platform key file or settings.ZHIFA_LEDGER_TRUSTED_KEYS);
   every checkpoint has its `ledger.checkpoint_signed` event and every such event its checkpoint;
3. files: every registered checker in FILE_CHECKERS re-hashes the files it owns.

Rows are streamed in aligned chunks of CHUNK (a power of two) indexes, so memory stays flat; a chunk's leaves form
a perfect subtree, so chunks can be hashed by worker processes (each with its own database connection) and merged
into one compact range. Workers are used only for large logs read outside a transaction (a test's uncommitted
rows are invisible to other connections).
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import operator
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import connection, connections

from zhifa.ledger import hashing, merkle, signing
from zhifa.ledger.models import Checkpoint, Event, LedgerHead

try:  # OpenSSL's constructor without hashlib's Python wrapper: the wrapper costs a third of a leaf hash
    from _hashlib import new as _hash_new
except ImportError:  # pragma: no cover - CPython without OpenSSL
    _hash_new = hashlib.new

CHUNK = 1 << 14
PARALLEL_MIN = 4 * CHUNK
CHECKPOINT_EVENT = "ledger.checkpoint_signed"


@dataclass(frozen=True)
class Problem:
    kind: str  # "event", "head", "checkpoint", "file"
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

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first(self) -> Problem | None:
        return self.problems[0] if self.problems else None


# --- scanning a chunk of events --------------------------------------------------------------------------------


def _select_sql(vendor: str) -> str:
    """The rows of events [%s, %s) for the leaf check.

    PostgreSQL renders the whole entry: its to_json() escapes text exactly as Python's json (", \\, \\b \\f \\n
    \\r \\t, other controls as lowercase \\u00xx, everything else verbatim; pinned by a test), the integers are
    typed columns, and the time is digits. Rows: (index, alg, entry text, stored leaf hash).

    SQLite columns may hold values of any type, so Python renders the entry (type-checking the integers: anything
    else renders as "!", which never matches); the payload comes as bytes to skip a decode and re-encode. Rows:
    (index, actor_id, agency_id, case_id, time, name, role, type, subject type, subject id, alg, payload, hash).
    """
    where = 'FROM ledger_event WHERE "index" >= %s AND "index" < %s'
    if vendor == "postgresql":
        ints = " || ',' || ".join(
            ['"index"::text']
            + [f"COALESCE({c}::text, 'null')" for c in ("actor_id", "actor_agency_id", "case_id")]
        )
        strings = " || ',' || ".join(
            f"to_json({c})::text"
            for c in ("actor_name", "actor_role", "event_type", "subject_type", "subject_id", "hash_alg")
        )
        when = "to_char(recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')"
        entry = f"'[' || {ints} || ',\"' || {when} || '\",' || {strings} || ',' || payload || ']'"
        # No ORDER BY: with stale statistics the planner sorts on disk; rows come (almost) in index order from
        # an append-only heap, and Python's sort of a sorted list is linear.
        return f'SELECT "index", hash_alg, {entry}, leaf_hash {where}'
    when = "CASE WHEN length(recorded_at) = 19 THEN recorded_at || '.000000' ELSE recorded_at END"
    return (
        f'SELECT "index", actor_id, actor_agency_id, case_id, {when}, actor_name, actor_role, event_type, '
        f'subject_type, subject_id, hash_alg, CAST(payload AS BLOB), leaf_hash {where} ORDER BY "index"'
    )


@dataclass
class ChunkResult:
    start: int
    count: int  # rows seen, in order without gaps, from `start`
    problem: Problem | None  # the first problem in the chunk
    nodes: dict[str, list[bytes]]  # per tree alg: compact range of [start, start + count)
    cuts: dict[
        int, dict[str, list[bytes]]
    ]  # per checkpoint size in the chunk: compact range of [start, size)
    checkpoint_events: list[tuple[int, str]]


def _levels(alg: str, leaves: list[bytes]) -> list[list[bytes]]:
    """levels[h][j] = hash of the perfect subtree of leaves [j * 2**h, (j + 1) * 2**h)."""
    new = _hash_new
    prefix = hashing.NODE_PREFIX
    levels = [leaves]
    level = leaves
    while len(level) > 1:
        level = [new(alg, prefix + a + b).digest() for a, b in zip(level[0::2], level[1::2], strict=False)]
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


def _first_gap(rows, start: int) -> Problem | None:
    expected = start
    for row in rows:
        if row[0] != expected:
            break
        expected += 1
    return Problem("event", f"#{expected}", "记录缺失（序号不连续）/ event missing", expected)


def _check_rows(vendor: str, rows, start: int, leaves: list[bytes]) -> Problem | None:
    """Recompute and compare every leaf, appending them to `leaves`; the first problem, if any.

    `rows` are sorted by index within [start, end); they are gapless iff the last index is start + len - 1.
    """
    gap = None
    if rows and rows[-1][0] != start + len(rows) - 1 or rows and rows[0][0] != start:
        gap = _first_gap(rows, start)
        rows = rows[: gap.index - start]
    new = _hash_new
    add = leaves.append
    index = start
    try:
        if vendor == "postgresql":
            for index, alg, entry, stored in rows:
                leaf = new(alg, b"\x00" + entry.encode()).digest()
                if leaf != stored:  # memoryview vs bytes compares by content
                    return Problem(
                        "event", f"#{index}", "内容与摘要不符（已被修改）/ leaf hash does not match", index
                    )
                add(leaf)
        else:
            q = hashing._q
            for index, aid, ag, case, when, aname, arole, etype, stype, sid, alg, payload, stored in rows:
                leaf = new(
                    alg,
                    (
                        f"\x00[{index},{'null' if aid is None else aid if type(aid) is int else '!'},"
                        f"{'null' if ag is None else ag if type(ag) is int else '!'},"
                        f"{'null' if case is None else case if type(case) is int else '!'},"
                        f"{q(when)},{q(aname)},{q(arole)},{q(etype)},{q(stype)},{q(sid)},{q(alg)},"
                    ).encode()
                    + payload
                    + b"]",
                ).digest()
                if leaf != stored:
                    return Problem(
                        "event", f"#{index}", "内容与摘要不符（已被修改）/ leaf hash does not match", index
                    )
                add(leaf)
    except (
        TypeError,
        ValueError,
        UnicodeError,
    ) as exc:  # a blob where text belongs, an unknown algorithm ...
        return Problem("event", f"#{index}", f"字段无法解析 / unreadable columns: {exc}", index)
    return gap


_first = operator.itemgetter(0)


def scan_chunk(start: int, end: int, tree_algs: tuple[str, ...], cuts: tuple[int, ...]) -> ChunkResult:
    """Check events [start, end) on the current connection; `start` is a multiple of the chunk size."""
    vendor = connection.vendor
    with connection.cursor() as cursor:
        cursor.execute(_select_sql(vendor), [start, end])
        rows = cursor.fetchall()
        if vendor == "postgresql":
            rows.sort(key=_first)
        cursor.execute(
            'SELECT "index", payload FROM ledger_event WHERE event_type = %s AND "index" >= %s AND "index" < %s',
            [CHECKPOINT_EVENT, start, end],
        )
        checkpoint_events = cursor.fetchall()
    leaves: list[bytes] = []
    problem = _check_rows(vendor, rows, start, leaves)
    count = len(leaves)
    del rows
    nodes: dict[str, list[bytes]] = {}
    cut_nodes: dict[int, dict[str, list[bytes]]] = {}
    for alg in tree_algs:
        levels = _levels(alg, leaves)
        nodes[alg] = _range_nodes(levels, count)
        for size in cuts:
            if size - start <= count:
                cut_nodes.setdefault(size, {})[alg] = _range_nodes(levels, size - start)
    return ChunkResult(
        start=start,
        count=count,
        problem=problem,
        nodes=nodes,
        cuts=cut_nodes,
        checkpoint_events=[(i, p) for i, p in checkpoint_events if i < start + count],
    )


def _scan_in_worker(args) -> ChunkResult:
    return scan_chunk(*args)


def _node_sizes(start: int, count: int) -> list[int]:
    """Sizes of the perfect subtrees covering [start, start + count) for an aligned start, largest first."""
    return [1 << b for b in range(count.bit_length() - 1, -1, -1) if count >> b & 1]


# --- the whole check -------------------------------------------------------------------------------------------


def _default_workers() -> int:
    return max(1, min(4, os.cpu_count() or 1))


def verify(*, workers: int | None = None, files: bool = True, chunk: int = CHUNK, progress=None) -> Report:
    """Run every check; `chunk` (a power of two) is the number of indexes read and hashed at a time."""
    if chunk < 1 or chunk & (chunk - 1):
        raise ValueError("chunk must be a power of two")
    started = time.perf_counter()
    report = Report()
    head = LedgerHead.objects.filter(pk=1).first()
    head_size = head.size if head else 0
    checkpoints = list(Checkpoint.objects.order_by("tree_size"))
    report.checkpoints = len(checkpoints)
    tree_algs = tuple(sorted({c.alg for c in checkpoints})) or (hashing.default_algorithm(),)
    for alg in tree_algs:
        if alg not in merkle.ALGORITHMS:
            report.problems.append(Problem("checkpoint", f"alg {alg}", "未知摘要算法 / unknown algorithm"))
            return report
    cut_sizes = sorted({c.tree_size for c in checkpoints})

    # The extent of the table, independent of the head: rows beyond the head or a head beyond the rows.
    last = Event.objects.order_by("-index").values_list("index", flat=True).first()
    scan_end = max(head_size, (last + 1) if last is not None else 0)

    jobs = []
    for start in range(0, scan_end, chunk):
        end = min(scan_end, start + chunk)
        jobs.append((start, end, tree_algs, tuple(s for s in cut_sizes if start < s <= end)))

    workers = workers if workers is not None else _default_workers()
    in_memory = connection.vendor == "sqlite" and connection.is_in_memory_db()
    parallel = (
        workers > 1
        and scan_end >= max(PARALLEL_MIN, 2 * chunk)
        and not connection.in_atomic_block  # other connections would not see uncommitted rows
        and not in_memory
    )
    report.workers = workers if parallel else 1
    compact = {alg: merkle.CompactRange(alg) for alg in tree_algs}
    roots: dict[int, dict[str, bytes]] = {}
    checkpoint_events: list[tuple[int, str]] = []
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
        checkpoint_events.extend(result.checkpoint_events)
        seen += result.count
        if result.problem is not None:
            event_problem = result.problem
            return False
        chunk_end = min(scan_end, result.start + chunk)
        if result.start + result.count < chunk_end:  # rows missing at the end of the chunk
            if chunk_end < scan_end or head_size < scan_end:  # later rows exist: a hole in the log
                missing = result.start + result.count
                event_problem = Problem(
                    "event", f"#{missing}", "记录缺失（序号不连续）/ event missing", missing
                )
            return False  # otherwise the tail is missing: reported against the head below
        if progress:
            progress(seen, scan_end)
        return True

    if parallel:
        connections.close_all()  # children must open their own connections, never share the parent's socket
        context = multiprocessing.get_context("fork")
        with context.Pool(workers) as pool:
            for result in pool.imap(_scan_in_worker, jobs):
                if not merge(result):
                    pool.terminate()
                    break
    else:
        for job in jobs:
            if not merge(scan_chunk(*job)):
                break

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
    report.seconds = time.perf_counter() - started
    return report


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
