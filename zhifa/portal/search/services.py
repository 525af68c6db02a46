"""The search interface (the only writer of the search index). See zhifa/portal/search/__init__.py.

The index is derived data, not a record: writing it appends no ledger event (the caller's own publication,
withdrawal or expiry event is the record); index_document/remove_document join the caller's transaction, so the
index changes exactly when the caller's change commits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection, transaction

from zhifa.portal.search import tokens as T
from zhifa.portal.search.backends import COUNT_CAP, Compiled, backend
from zhifa.portal.search.models import SearchDocument

EPOCH = dt.date(1970, 1, 1).toordinal()
ID_LIMIT = 1 << 32
MAX_PER_PAGE = 100
MAX_QUERY_LENGTH = 200
STORED_TITLE = 500


def sort_key(published_on: dt.date, doc_id: int) -> int:
    """(days since 1970-01-01) × 2³² + doc_id: newest first is sort_key descending."""
    return ((published_on.toordinal() - EPOCH) << 32) | doc_id


def _day_bounds(date_from: dt.date | None, date_to: dt.date | None) -> tuple[int, int]:
    lo = sort_key(date_from, 0) if date_from else -(1 << 63)
    hi = sort_key(date_to + dt.timedelta(days=1), 0) - 1 if date_to else (1 << 63) - 1
    return lo, hi


def _meta(doc: SearchDocument) -> list[str]:
    return T.meta_tokens(
        agency_id=doc.agency_id,
        jurisdiction_path=doc.jurisdiction_path,
        category=doc.category,
        penalty_kinds=doc.penalty_kinds,
    )


def _analysed(doc: SearchDocument) -> T.Analysed:
    return T.analyse(doc.title + "\n" + doc.text)


def _write_fulltext(cursor, doc: SearchDocument) -> None:
    b = backend()
    if b.vendor == "sqlite":
        b.insert(cursor, doc.sort_key, _analysed(doc), _meta(doc))
    else:
        b.insert(cursor, doc.sort_key, _analysed(doc), _meta(doc), doc.doc_id)


def _remove_fulltext(cursor, doc: SearchDocument) -> None:
    b = backend()
    if b.vendor == "sqlite":
        if doc.tokenizer != T.TOKENIZER_VERSION:  # its indexed values cannot be recomputed: rebuild first
            raise RuntimeError(
                "the search index was built by another tokenizer version: run services.rebuild()"
            )
        b.delete(cursor, doc.sort_key, _analysed(doc), _meta(doc))
    # PostgreSQL: the tsvector lives in the row itself


# ----------------------------------------------------------------------------------------------------------------
# Writing


def index_document(
    doc_id: int,
    *,
    agency_id: int,
    jurisdiction_path: str,
    category: str,
    published_on: dt.date,
    penalty_kinds: list[str],
    title: str,
    text: str,
) -> None:
    """Insert or replace document `doc_id` in the index. Call inside the caller's transaction."""
    if not (0 < int(doc_id) < ID_LIMIT):
        raise ValueError(f"doc_id must be in 1..{ID_LIMIT - 1}: {doc_id!r}")
    if not isinstance(published_on, dt.date) or isinstance(published_on, dt.datetime):
        raise TypeError("published_on must be a datetime.date")
    if not category:
        raise ValueError("category is required")
    doc = SearchDocument(
        doc_id=int(doc_id),
        sort_key=sort_key(published_on, int(doc_id)),
        agency_id=int(agency_id),
        jurisdiction_path=jurisdiction_path or "",
        category=category,
        published_on=published_on,
        penalty_kinds=list(dict.fromkeys(penalty_kinds or ())),
        title=(title or "")[:STORED_TITLE],
        text=text or "",
        tokenizer=T.TOKENIZER_VERSION,
    )
    with transaction.atomic(), connection.cursor() as cursor:
        old = SearchDocument.objects.select_for_update().filter(pk=doc.doc_id).first()
        if old is not None:
            _remove_fulltext(cursor, old)
            old.delete()
        doc.save(force_insert=True)
        _write_fulltext(cursor, doc)


def remove_document(doc_id: int) -> None:
    """Remove document `doc_id` from the index (withdrawn, expired); a no-op when it is not indexed. Call inside
    the caller's transaction: searches see it gone as soon as that commits."""
    with transaction.atomic(), connection.cursor() as cursor:
        old = SearchDocument.objects.select_for_update().filter(pk=int(doc_id)).first()
        if old is not None:
            _remove_fulltext(cursor, old)
            old.delete()


def rebuild() -> int:
    """Re-create the full-text index from the stored rows (after a tokenizer change). Returns the row count."""
    count = 0
    with transaction.atomic(), connection.cursor() as cursor:
        b = backend()
        if b.vendor == "sqlite":
            b.clear(cursor)
        for doc in SearchDocument.objects.order_by("pk").iterator(chunk_size=2000):
            if doc.tokenizer != T.TOKENIZER_VERSION:
                SearchDocument.objects.filter(pk=doc.pk).update(tokenizer=T.TOKENIZER_VERSION)
            _write_fulltext(cursor, doc)
            count += 1
    return count


# ----------------------------------------------------------------------------------------------------------------
# Searching


@dataclass
class SearchPage:
    total: int  # exact up to COUNT_CAP; when total_capped, there are more than COUNT_CAP matches
    ids: list[int]  # newest first: published_on desc, doc_id desc
    page: int
    per_page: int
    has_next: bool
    total_capped: bool = False
    terms: list[str] = field(default_factory=list)  # the normalised query terms (for highlighting)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def compile_query(
    q: str = "",
    *,
    agency_id=None,
    jurisdiction_path=None,
    category=None,
    date_from=None,
    date_to=None,
    penalty_kind=None,
) -> tuple[list[T.Term], Compiled]:
    terms = T.parse_query((q or "")[:MAX_QUERY_LENGTH])
    meta = []
    if agency_id not in (None, ""):
        meta.append(T.agency_token(int(agency_id)))
    if jurisdiction_path:
        token = T.jurisdiction_token(jurisdiction_path)
        if token:
            meta.append(token)
    if category:
        meta.append(T.category_token(category))
    if penalty_kind:
        meta.append(T.kind_token(penalty_kind))
    lo, hi = _day_bounds(date_from, date_to)
    return terms, Compiled(backend().expression(terms, meta), lo, hi)


def search(
    q: str = "",
    *,
    agency_id: int | None = None,
    jurisdiction_path: str | None = None,
    category: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    penalty_kind: str | None = None,
    page: int = 1,
    per_page: int = 20,
) -> SearchPage:
    """Documents matching every query term (each a bigram phrase) and every filter, newest first."""
    page = max(1, int(page))
    per_page = min(max(1, int(per_page)), MAX_PER_PAGE)
    terms, c = compile_query(
        q, agency_id=agency_id, jurisdiction_path=jurisdiction_path, category=category,
        date_from=date_from, date_to=date_to, penalty_kind=penalty_kind,
    )  # fmt: skip
    offset = (page - 1) * per_page
    words = [t.raw for t in terms]
    if c.lo > c.hi:
        return SearchPage(0, [], page, per_page, False, terms=words)
    if offset >= COUNT_CAP:  # deep pages beyond the counted results are not served
        total, capped = _count(c)
        return SearchPage(total, [], page, per_page, False, capped, words)
    ids, exact = _page(c, per_page + 1, offset)
    has_next = len(ids) > per_page and offset + per_page < COUNT_CAP
    ids = ids[:per_page]
    if exact is not None:
        total, capped = min(exact, COUNT_CAP), exact > COUNT_CAP
    elif offset == 0 and not has_next:
        total, capped = len(ids), False
    else:
        total, capped = _count(c)
    return SearchPage(total, ids, page, per_page, has_next, capped, words)


def _page(c: Compiled, limit: int, offset: int) -> tuple[list[int], int | None]:
    if c.expression is None:  # no text, no filter but dates: the sort_key b-tree
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT doc_id FROM portal_search_document WHERE sort_key BETWEEN %s AND %s "
                "ORDER BY sort_key DESC LIMIT %s OFFSET %s",
                [c.lo, c.hi, limit, offset],
            )
            return [r[0] for r in cursor.fetchall()], None
    return backend().page(c, limit, offset)


def _count(c: Compiled) -> tuple[int, bool]:
    if c.expression is None:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM (SELECT 1 FROM portal_search_document WHERE sort_key BETWEEN %s AND %s "
                "LIMIT %s) AS s",
                [c.lo, c.hi, COUNT_CAP + 1],
            )
            n = cursor.fetchone()[0]
    else:
        n = backend().count(c)
    return min(n, COUNT_CAP), n > COUNT_CAP


# ----------------------------------------------------------------------------------------------------------------
# Results for display: the publications app registers a loader; until then the index's own rows are shown.

ResultLoader = Callable[[list[int]], list[dict]]
_loaders: list[ResultLoader] = []


def register_result_loader(fn: ResultLoader) -> None:
    """fn(ids) -> [{id, url, title, agency, category, published_on, snippet_text}] for the ids it knows (any
    order). The last registered loader wins; ids it does not return are shown from the index's own row (the
    indexed title and text, which are public by construction: only published, redacted text is indexed)."""
    if fn not in _loaders:
        _loaders.append(fn)


def unregister_result_loader(fn: ResultLoader) -> None:
    if fn in _loaders:
        _loaders.remove(fn)


def _own_rows(ids: list[int]) -> list[dict]:
    from zhifa.registry.models import Agency

    docs = list(SearchDocument.objects.filter(pk__in=ids))
    names = dict(Agency.objects.filter(pk__in={d.agency_id for d in docs}).values_list("pk", "name"))
    return [
        {
            "id": d.doc_id,
            "url": "",
            "title": d.title,
            "agency": names.get(d.agency_id, ""),
            "category": d.category,
            "published_on": d.published_on,
            "snippet_text": d.text,
        }
        for d in docs
    ]


def load_results(ids: list[int]) -> list[dict]:
    """The display rows of `ids`, in the order of `ids`."""
    if not ids:
        return []
    if not _loaders:  # no publications app: the index's own (public, redacted) rows
        by_id = {r["id"]: r for r in _own_rows(list(ids))}
    else:  # the publications app is authoritative: a hit it does not return as public is not shown
        by_id = {int(r["id"]): r for r in _loaders[-1](list(ids))}
    return [by_id[i] for i in ids if i in by_id]
