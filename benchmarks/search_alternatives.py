"""Trigram alternatives to our bigram search, measured against `zhifa.portal.search.services.search` in the same run.

Corpus: the search benchmark's (benchmarks/search.py `documents()`, the same seeds and chunks as its `load()`), loaded
into the app's search tables with `benchmarks.search.load` (ours) and into a scratch table per database (theirs):
- SQLite: FTS5 `tokenize='trigram'` (defaults otherwise: content stored, detail=full) over title + "\\n" + text,
  rowid = sort_key (as ours), so "newest first" is FTS5's own rowid-descending walk;
- PostgreSQL: `pg_trgm`, a GIN `gin_trgm_ops` index over the same body, in a table with doc_id as primary key and a
  unique b-tree on sort_key (as ours); loaded with COPY, the GIN index built after the load, then VACUUM ANALYZE.
The build row compares documents/s of the builds (ours: `load()`, i.e. generating and tokenising the text on 2
processes plus the inserts and the GIN index; theirs: the database work only, text generation excluded) and notes
table+index and index-only sizes.

Per query term (2 characters: the common case; also 1, 3 and 7 characters), what a results page needs: the newest
20 matches (21 fetched, as search() does, to know whether there is a next page) and, when there are more, the match
count capped at COUNT_CAP as zhifa/portal/search/backends.py does (`count(*)` over a `LIMIT COUNT_CAP + 1`
subquery). Statements:
- FTS5 trigram, ≥ 3 characters: `MATCH '"term"'` ORDER BY rowid DESC. Under 3 characters MATCH finds nothing
  (a trigram index has no shorter tokens) and SQLite's documentation has FTS5 answer `body LIKE '%x%'` by a linear
  scan of the table. That is checked in every run against SQLite evaluating the LIKE itself (`+body LIKE`: the
  unary plus keeps the constraint from FTS5, so SQLite tests every row of FTS5's rowid-descending scan); if FTS5's
  own LIKE returns other rows (SQLite 3.40.1 returns none for 1-2 CJK characters, apparently counting the pattern's
  bytes: its plan hands the LIKE to the trigram index; 2 ASCII characters work), the note says so and the correct
  `+body LIKE` scan is measured.
- pg_trgm: `body LIKE '%x%'` ORDER BY sort_key DESC for every length; the planner chooses. EXPLAIN of each
  statement is put in the note (whether the trigram GIN index is used: it is of no help under 3 characters, where
  the pattern yields no trigram).
Ours: search(term), end to end. Both run through Django's cursor, alternating per repetition (the machine may be
shared). Value and baseline are queries/s of the medians; the note has median/p95 in ms, hits (N+ = more than
COUNT_CAP) and whether both returned the same page of ids. `--quick`: 20k documents; 100k otherwise; with
ZHIFA_BENCH_SEARCH_FULL=1 also 1M (long: the trigram builds alone take ~10-20 min per database at 1M).
"""

from __future__ import annotations

import os
import statistics
import sys
import time

from benchmarks import Context, Result, bench
from benchmarks.search import CHUNK, _percentile, documents, load

TERMS = [
    ("2字 食品", "食品"),
    ("2字 罚款", "罚款"),
    ("2字 昌吉", "昌吉"),
    ("2字 子酱 (rare)", "子酱"),
    ("1字 罚", "罚"),
    ("3字 玛纳斯", "玛纳斯"),
    ("7字 市场监督管理局", "市场监督管理局"),
]
PAGE = 21  # search()'s default page of 20, plus one to know whether there is a next page
FTS = "bench_trgm_fts"  # SQLite scratch table
TABLE = "bench_trgm"  # PostgreSQL scratch table
GIN = "bench_trgm_body"


def _corpus(first_id: int, count: int):
    """Documents first_id..first_id+count-1, exactly as benchmarks.search.load() generates them (same chunks)."""
    for start in range(first_id, first_id + count, CHUNK):
        yield list(documents(min(CHUNK, first_id + count - start), seed=20260101 + start, start_id=start))


# ---------------------------------------------------------------------------------------------------- building


def _build(first_id: int, count: int) -> float:
    """Add documents first_id.. to the trigram scratch table; returns the seconds of database work."""
    from django.db import connection, transaction

    from zhifa.portal.search.services import sort_key

    seconds = 0.0
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS} USING fts5(body, tokenize='trigram')")
        for docs in _corpus(first_id, count):
            rows = [(sort_key(d.published_on, d.doc_id), d.title + "\n" + d.text) for d in docs]
            started = time.perf_counter()
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.executemany(f"INSERT INTO {FTS} (rowid, body) VALUES (%s, %s)", rows)
            seconds += time.perf_counter() - started
        return seconds
    with connection.cursor() as cursor:
        cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {TABLE} (doc_id bigint PRIMARY KEY, sort_key bigint NOT NULL UNIQUE, "
            "body text NOT NULL)"
        )
        cursor.execute(f"DROP INDEX IF EXISTS {GIN}")  # built after the load, as load() does with ours
    raw = connection.connection
    for docs in _corpus(first_id, count):
        rows = [(d.doc_id, sort_key(d.published_on, d.doc_id), d.title + "\n" + d.text) for d in docs]
        started = time.perf_counter()
        with transaction.atomic(), raw.cursor() as cursor:
            with cursor.copy(f"COPY {TABLE} (doc_id, sort_key, body) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        seconds += time.perf_counter() - started
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '512MB'")
        cursor.execute(f"CREATE INDEX {GIN} ON {TABLE} USING gin (body gin_trgm_ops)")
        cursor.execute(f"VACUUM ANALYZE {TABLE}")
    return seconds + time.perf_counter() - started


def _sizes() -> dict[str, float]:
    """MB: ours (table+index, index), trigram (table+index, index)."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT pg_total_relation_size('portal_search_document'), "
                "pg_relation_size('portal_search_document_tsv'), "
                f"pg_total_relation_size('{TABLE}'), pg_relation_size('{GIN}')"
            )
            ours, ours_index, alt, alt_index = cursor.fetchone()
        else:
            cursor.execute(
                "SELECT s.tbl_name, s.name, sum(d.pgsize) FROM dbstat AS d JOIN sqlite_master AS s "
                "ON s.name = d.name GROUP BY s.name"
            )
            ours = ours_index = alt = alt_index = 0
            for table, name, size in cursor.fetchall():
                if name.startswith("portal_search_fts_"):
                    ours, ours_index = ours + size, ours_index + size
                elif table == "portal_search_document":
                    ours += size
                elif name.startswith(FTS + "_"):
                    alt += size
                    alt_index += size if name in (f"{FTS}_data", f"{FTS}_idx") else 0
    return {
        k: v / 1e6 for k, v in dict(ours=ours, ours_index=ours_index, alt=alt, alt_index=alt_index).items()
    }


# ---------------------------------------------------------------------------------------------------- queries


def _statements(term: str, like_by: str) -> tuple[str, str, str, list]:
    """(how, page SQL, capped count SQL, params) of the trigram alternative for `term` on this database.
    like_by (SQLite, < 3 characters): "fts5" (FTS5's own LIKE) or "sqlite" (`+body LIKE`, evaluated by SQLite)."""
    from django.db import connection

    from zhifa.portal.search.backends import COUNT_CAP

    if connection.vendor == "postgresql":
        where, params, how = "body LIKE %s", [f"%{term}%"], "LIKE"
        page = f"SELECT doc_id FROM {TABLE} WHERE {where} ORDER BY sort_key DESC LIMIT {PAGE}"
        count = f"SELECT count(*) FROM (SELECT 1 FROM {TABLE} WHERE {where} LIMIT {COUNT_CAP + 1}) AS s"
        return how, page, count, params
    if len(term) >= 3:
        where, params, how = f"{FTS} MATCH %s", ['"' + term.replace('"', '""') + '"'], "MATCH"
    elif like_by == "fts5":
        where, params, how = "body LIKE %s", [f"%{term}%"], "FTS5 LIKE"
    else:
        where, params, how = "+body LIKE %s", [f"%{term}%"], "+body LIKE"
    page = f"SELECT rowid FROM {FTS} WHERE {where} ORDER BY rowid DESC LIMIT {PAGE}"
    count = f"SELECT count(*) FROM (SELECT rowid FROM {FTS} WHERE {where} LIMIT {COUNT_CAP + 1})"
    return how, page, count, params


def _alternative(page_sql: str, count_sql: str, params: list) -> tuple[list[int], int, bool]:
    """The results page of the alternative: (ids of the newest 20, total up to COUNT_CAP, capped)."""
    from django.db import connection

    from zhifa.portal.search.backends import COUNT_CAP

    with connection.cursor() as cursor:
        cursor.execute(page_sql, params)
        ids = [
            r[0] & 0xFFFFFFFF for r in cursor.fetchall()
        ]  # SQLite: rowid = sort_key; doc_id its low 32 bits
        if len(ids) < PAGE:
            return ids, len(ids), False
        cursor.execute(count_sql, params)
        n = cursor.fetchone()[0]
    return ids[: PAGE - 1], min(n, COUNT_CAP), n > COUNT_CAP


def _plan(sql: str, params: list) -> str:
    """A short plan: the scans (and their index) of `sql`."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
            # FTS5's plan: "INDEX <flags>:<constraints>", M = MATCH, L = LIKE handed to FTS5, none = full scan
            scans = [r[3].rsplit(" INDEX ", 1)[-1] for r in cursor.fetchall() if FTS in r[3]]
            return ", ".join(f"fts5 {x}" + ("" if "M" in x or "L" in x else " (full scan)") for x in scans)
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
    plan = plan[0]["Plan"] if isinstance(plan, list) else plan
    scans = []

    def walk(node):
        if "Index Name" in node or "Relation Name" in node:
            where = node.get("Index Name") or node.get("Relation Name")
            scans.append(f"{node['Node Type']}{' Backward' if node.get('Scan Direction') == 'Backward' else ''}"
                         f" {where}")  # fmt: skip
        elif node["Node Type"] == "Gather":
            scans.append(f"Gather({node.get('Workers Planned')})")
        for child in node.get("Plans", []):
            walk(child)

    walk(plan)
    return " > ".join(scans)


def _ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:.1f}/{_percentile(values, 0.95) * 1000:.1f} ms"


def _hits(total: int, capped: bool) -> str:
    return f"{total}{'+' if capped else ''}"


def _measure(label: str, term: str, reps: int, budget: float) -> Result:
    from django.db import connection

    from zhifa.portal.search.services import search

    notes = []
    like_by = "fts5"
    if connection.vendor == "sqlite" and len(term) < 3:
        # what FTS5's own LIKE does for a short pattern, checked against SQLite evaluating the LIKE itself
        _, page, count, params = _statements(term, "fts5")
        started = time.perf_counter()
        fts5 = _alternative(page, count, params)
        fts5_s = time.perf_counter() - started
        fts5_plan = _plan(page, params)
        _, page, count, params = _statements(term, "sqlite")
        if _alternative(page, count, params) != fts5:
            like_by = "sqlite"
            notes.append(
                f"FTS5's own LIKE is wrong here: {_hits(*fts5[1:])} hits in {fts5_s * 1000:.1f} ms ({fts5_plan}), "
                "so +body LIKE is measured"
            )
    how, page, count, params = _statements(term, like_by)
    ours_page = search(term)  # warm both
    alt_page = _alternative(page, count, params)
    ours, alt = [], []
    started = time.perf_counter()
    while len(ours) < reps and (len(ours) < 3 or time.perf_counter() - started < budget):
        t0 = time.perf_counter()
        search(term)
        t1 = time.perf_counter()
        _alternative(page, count, params)
        ours.append(t1 - t0)
        alt.append(time.perf_counter() - t1)
    same = alt_page[0] == ours_page.ids
    plans = f"page: {_plan(page, params)}"
    if alt_page[1] >= PAGE - 1 and len(alt_page[0]) == PAGE - 1:
        plans += f"; count: {_plan(count, params)}"
    note = (
        f"trigram {how} {_ms(alt)}, {_hits(*alt_page[1:])} hits; ours {_ms(ours)}, "
        f"{_hits(ours_page.total, ours_page.total_capped)} hits; {'same page' if same else 'PAGES DIFFER'}; "
        f"{len(ours)} reps; {plans}"
    )
    if notes:
        note += "; " + "; ".join(notes)
    print(f"    {label:24s} {note}", file=sys.stderr, flush=True)
    return Result(
        name=label,
        unit="q/s",
        value=1 / statistics.median(alt),
        baseline_name="bigram search()",
        baseline=1 / statistics.median(ours),
        note=note,
    )


@bench("search.alternatives")
def search_alternatives(ctx: Context) -> list[Result]:
    sizes = [20_000] if ctx.quick else [100_000]
    if not ctx.quick and os.environ.get("ZHIFA_BENCH_SEARCH_FULL") == "1":
        sizes.append(1_000_000)
    reps = 7 if ctx.quick else 15
    budget = 10.0 if ctx.quick else 30.0  # seconds per term and size (at least 3 repetitions)
    what = "FTS5 trigram" if ctx.vendor == "sqlite" else "pg_trgm GIN"
    results, loaded = [], 0
    for size in sizes:
        added = size - loaded
        ours_s = load(loaded + 1, added)
        alt_s = _build(loaded + 1, added)
        loaded = size
        mb = _sizes()
        note = (
            f"{what} {alt_s:.0f} s, table+index {mb['alt']:,.0f} MB (index {mb['alt_index']:,.0f}); "
            f"ours {ours_s:.0f} s, table+index {mb['ours']:,.0f} MB (index {mb['ours_index']:,.0f})"
        )
        print(f"  [{ctx.vendor}] {size:,} docs: {note}", file=sys.stderr, flush=True)
        k = f"trigram {size // 1000}k"
        results.append(
            Result(f"{k}: build", "docs/s", added / alt_s, "bigram load()", added / ours_s, note=note)
        )
        for label, term in TERMS:
            results.append(_measure(f"{k}: {label}", term, reps, budget))
    return results
