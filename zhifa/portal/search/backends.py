"""The two full-text backends behind services.search: SQLite FTS5 and PostgreSQL tsvector/GIN.

Both index the same tokens (tokens.py) and both answer "the newest matches first" from an index, never by ranking
or sorting every match:

SQLite: the FTS5 rowid is the document's sort_key, so `ORDER BY rowid DESC LIMIT n` is FTS5's own doclist walk
(it stops after n rows), and the date range is a rowid range. One statement for the page, one for the count.

PostgreSQL: GIN gives no order. Two plans, chosen per query by how common the match is among recent documents:
1. probe: walk the newest PROBE documents in the date range by the sort_key b-tree and test `tsv @@ query`; if that
   yields the page (n rows), they are exactly the newest n matches (the walk is in order). Common terms end here.
2. otherwise the matches are rare: collect them all through the GIN index (a materialized CTE, so the planner
   cannot turn it into a walk of the whole table) and take the newest n; the count comes with it, exact.
The count of a common term is capped (COUNT_CAP) and taken by a LIMITed GIN query.
The GIN statements run with sequential and plain index scans disabled for that statement only (`_bitmap_only`):
given a LIMIT, the planner otherwise prefers a sequential scan testing every row's tsvector (measured: 290 ms vs
38 ms for a term in half of 20k documents), or a walk of the date index for a rare term (seconds on 1M).
"""

from __future__ import annotations

from contextlib import contextmanager

from django.db import connection, transaction

from zhifa.portal.search import tokens as T

COUNT_CAP = 10_000  # totals above this are reported as "more than COUNT_CAP" (SearchPage.total_capped)
PROBE = 1_000  # newest documents tested before falling back to the GIN collection (PostgreSQL)
MAX_POSITIONS = (
    16_383  # tsvector's largest position; both backends index at most this many tokens per document
)


class Compiled:
    """A query compiled for one backend: the full-text expression (or None: no full-text condition)."""

    def __init__(self, expression: str | None, lo: int, hi: int):
        self.expression = expression
        self.lo = lo
        self.hi = hi


# ----------------------------------------------------------------------------------------------------------------
# SQLite FTS5


def _fts_string(token: T.Token) -> str:
    return f'"{token.text}"' + ("*" if token.prefix else "")


class SQLiteBackend:
    vendor = "sqlite"

    # writing ------------------------------------------------------------------------------------------------
    @staticmethod
    def columns(analysed: T.Analysed, meta: list[str]) -> tuple[str, str, str]:
        return " ".join(analysed.tokens[:MAX_POSITIONS]), " ".join(meta), " ".join(analysed.ends)

    def insert(self, cursor, sort_key: int, analysed: T.Analysed, meta: list[str]) -> None:
        cursor.execute(
            "INSERT INTO portal_search_fts (rowid, body, meta, ends) VALUES (%s, %s, %s, %s)",
            [sort_key, *self.columns(analysed, meta)],
        )

    def delete(self, cursor, sort_key: int, analysed: T.Analysed, meta: list[str]) -> None:
        # Contentless FTS5 (SQLite < 3.43 has no contentless_delete): a delete names the exact indexed values,
        # which tokens.py recomputes from the stored row (same tokenizer version, else services.rebuild()).
        cursor.execute(
            "INSERT INTO portal_search_fts (portal_search_fts, rowid, body, meta, ends) "
            "VALUES ('delete', %s, %s, %s, %s)",
            [sort_key, *self.columns(analysed, meta)],
        )

    def clear(self, cursor) -> None:
        cursor.execute("INSERT INTO portal_search_fts (portal_search_fts) VALUES ('delete-all')")

    # querying -----------------------------------------------------------------------------------------------
    @staticmethod
    def expression(terms: list[T.Term], meta: list[str]) -> str | None:
        parts = []
        for term in terms:
            if term.single:
                parts.append(f'(body : "{term.single}"* OR ends : "{term.single}")')
            else:
                parts.append("(body : " + " + ".join(_fts_string(t) for t in term.tokens) + ")")
        parts += [f"(meta : {m})" for m in meta]
        return " AND ".join(parts) or None

    def page(self, c: Compiled, limit: int, offset: int) -> tuple[list[int], int | None]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT rowid FROM portal_search_fts WHERE portal_search_fts MATCH %s AND rowid BETWEEN %s AND %s "
                "ORDER BY rowid DESC LIMIT %s OFFSET %s",
                [c.expression, c.lo, c.hi, limit, offset],
            )
            return [row[0] & 0xFFFFFFFF for row in cursor.fetchall()], None

    def count(self, c: Compiled) -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM (SELECT rowid FROM portal_search_fts WHERE portal_search_fts MATCH %s "
                "AND rowid BETWEEN %s AND %s LIMIT %s)",
                [c.expression, c.lo, c.hi, COUNT_CAP + 1],
            )
            return cursor.fetchone()[0]


# ----------------------------------------------------------------------------------------------------------------
# PostgreSQL tsvector


def _lexeme(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "''") + "'"


def _tsq(token: T.Token) -> str:
    return _lexeme(token.text) + (":*" if token.prefix else "")


@contextmanager
def _bitmap_only(cursor):
    """Within the statement(s) of this block, PostgreSQL may only use bitmap scans; settings restored after."""
    with transaction.atomic():
        cursor.execute(
            "SELECT current_setting('enable_seqscan'), current_setting('enable_indexscan'), "
            "set_config('enable_seqscan', 'off', true), set_config('enable_indexscan', 'off', true)"
        )
        seqscan, indexscan = cursor.fetchone()[:2]
        try:
            yield
        finally:
            cursor.execute(
                "SELECT set_config('enable_seqscan', %s, true), set_config('enable_indexscan', %s, true)",
                [seqscan, indexscan],
            )


class PostgresBackend:
    vendor = "postgresql"

    @staticmethod
    def tsvector(analysed: T.Analysed, meta: list[str]) -> str:
        """A tsvector literal: positional bigrams/words (1-based positions), position-less '#' filter tokens and
        '^' run-final ideographs."""
        positions: dict[str, list[str]] = {}
        for i, tok in enumerate(analysed.tokens[:MAX_POSITIONS], start=1):
            positions.setdefault(tok, []).append(str(i))
        parts = [f"{_lexeme(tok)}:{','.join(pos)}" for tok, pos in positions.items()]
        parts += [_lexeme("#" + m) for m in meta]
        parts += [_lexeme("^" + e) for e in analysed.ends]
        return " ".join(parts)

    def insert(self, cursor, sort_key: int, analysed: T.Analysed, meta: list[str], doc_id: int) -> None:
        cursor.execute(
            "UPDATE portal_search_document SET tsv = %s::tsvector WHERE doc_id = %s",
            [self.tsvector(analysed, meta), doc_id],
        )

    @staticmethod
    def expression(terms: list[T.Term], meta: list[str]) -> str | None:
        parts = []
        for term in terms:
            if term.single:
                parts.append(f"({_lexeme(term.single)}:* | {_lexeme('^' + term.single)})")
            else:
                parts.append("(" + " <-> ".join(_tsq(t) for t in term.tokens) + ")")
        parts += [_lexeme("#" + m) for m in meta]
        return " & ".join(parts) or None

    def page(self, c: Compiled, limit: int, offset: int) -> tuple[list[int], int | None]:
        """(ids, exact total or None). Probe the newest documents first; fall back to the GIN collection."""
        want = offset + limit
        with connection.cursor() as cursor:
            probe = max(PROBE, want * 50)
            cursor.execute(
                "SELECT doc_id FROM (SELECT doc_id, sort_key, tsv FROM portal_search_document "
                "WHERE sort_key BETWEEN %s AND %s ORDER BY sort_key DESC LIMIT %s) AS recent "
                "WHERE tsv @@ %s::tsquery ORDER BY sort_key DESC LIMIT %s",
                [c.lo, c.hi, probe, c.expression, want],
            )
            rows = [r[0] for r in cursor.fetchall()]
            if len(rows) == want:
                return rows[offset:], None
            with _bitmap_only(cursor):
                cursor.execute(
                    "WITH m AS MATERIALIZED (SELECT doc_id, sort_key FROM portal_search_document "
                    "WHERE tsv @@ %s::tsquery AND sort_key BETWEEN %s AND %s) "
                    "SELECT doc_id, count(*) OVER () FROM m ORDER BY sort_key DESC LIMIT %s OFFSET %s",
                    [c.expression, c.lo, c.hi, limit, offset],
                )
                rows = cursor.fetchall()
            if rows:
                return [r[0] for r in rows], rows[0][1]
            if offset == 0:
                return [], 0
            return [], None

    def count(self, c: Compiled) -> int:
        with connection.cursor() as cursor, _bitmap_only(cursor):
            cursor.execute(
                "SELECT count(*) FROM (SELECT 1 FROM portal_search_document WHERE tsv @@ %s::tsquery "
                "AND sort_key BETWEEN %s AND %s LIMIT %s) AS s",
                [c.expression, c.lo, c.hi, COUNT_CAP + 1],
            )
            return cursor.fetchone()[0]


def backend():
    if connection.vendor == "sqlite":
        return SQLiteBackend()
    if connection.vendor == "postgresql":
        return PostgresBackend()
    raise RuntimeError(f"no search backend for database vendor {connection.vendor!r}")
