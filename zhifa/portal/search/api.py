"""Public JSON search (no login): GET /api/v1/portal/search/ with the page's parameters.

Results carry only what the search index holds or the registered result loader returns (public, redacted data).
"""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Query, Router, Schema

from zhifa.api.auth import OPTIONAL
from zhifa.portal.search import services

router = Router()


class SearchIn(Schema):
    q: str = ""
    agency_id: int | None = None
    jurisdiction_path: str | None = None
    category: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    penalty_kind: str | None = None
    page: int = 1
    per_page: int = 20


class ResultOut(Schema):
    id: int
    url: str
    title: str
    agency: str
    category: str
    published_on: dt.date
    snippet_text: str


class SearchOut(Schema):
    total: int
    total_capped: bool
    page: int
    per_page: int
    has_next: bool
    results: list[ResultOut]


@router.get("/", response=SearchOut, auth=OPTIONAL, summary="公示信息全文检索（公开）")
def search(request: HttpRequest, params: Query[SearchIn]):
    """Every whitespace-separated term must occur (two characters are enough: 食品, 罚款); filters are ANDed;
    newest first (公示日期 desc). `total` is exact up to 10000; above, `total_capped` is true."""
    page = services.search(
        params.q[: services.MAX_QUERY_LENGTH],
        agency_id=params.agency_id,
        jurisdiction_path=params.jurisdiction_path or None,
        category=params.category or None,
        date_from=params.date_from,
        date_to=params.date_to,
        penalty_kind=params.penalty_kind or None,
        page=max(1, params.page),
        per_page=params.per_page,
    )
    return {
        "total": page.total,
        "total_capped": page.total_capped,
        "page": page.page,
        "per_page": page.per_page,
        "has_next": page.has_next,
        "results": [
            {k: r.get(k) or "" for k in ("url", "title", "agency", "category", "snippet_text")}
            | {"id": r["id"], "published_on": r["published_on"]}
            for r in services.load_results(page.ids)
        ],
    }
