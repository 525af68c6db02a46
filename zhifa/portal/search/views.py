"""The public search page /search/ (no login): 关键词, 执法主体, 类别, 日期范围, 处罚种类; newest first."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlencode

from django.shortcuts import render
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from zhifa.catalog.models import PenaltyKind
from zhifa.portal.search import services, tokens
from zhifa.registry.models import Agency

# 执法类别 of 国办发〔2018〕118号 (the values the publications use).
CATEGORIES = [
    ("penalty", "行政处罚"),
    ("licensing", "行政许可"),
    ("coercion", "行政强制"),
    ("inspection", "行政检查"),
    ("expropriation", "行政征收征用"),
    ("other", "其他"),
]
SNIPPET = 120  # characters of text shown around the first match


def parse_params(data) -> dict:
    """The search parameters of a GET query (invalid values are ignored, never an error page)."""

    def integer(name):
        try:
            value = int(data.get(name) or 0)
        except (TypeError, ValueError):
            return None
        return value if value > 0 else None

    def date(name):
        try:
            return dt.date.fromisoformat(data.get(name) or "")
        except ValueError:
            return None

    kinds = {k for k, _ in PenaltyKind.choices}
    return {
        "q": (data.get("q") or "").strip()[: services.MAX_QUERY_LENGTH],
        "agency_id": integer("agency"),
        "category": data.get("category") if data.get("category") in dict(CATEGORIES) else None,
        "date_from": date("from"),
        "date_to": date("to"),
        "penalty_kind": data.get("kind") if data.get("kind") in kinds else None,
        "page": integer("page") or 1,
    }


def snippet(text: str, needles: list[str], width: int = SNIPPET) -> str:
    """HTML: a window of `text` around the first match, every match wrapped in <mark> (matching on the
    normalised text, so full-width and case variants are marked too)."""
    text = " ".join((text or "").split())
    norm = tokens.normalise(text)
    if len(norm) != len(text):  # NFKC changed the length (rare compatibility characters): match on the text
        norm = text.lower()
    spans = []
    if needles:
        pattern = re.compile("|".join(re.escape(n) for n in needles))
        spans = [m.span() for m in pattern.finditer(norm)]
    start = max(0, spans[0][0] - width // 3) if spans else 0
    return _marked(text, spans, start, min(len(text), start + width))


def _marked(text: str, spans: list[tuple[int, int]], start: int, end: int) -> str:
    out, pos = [], start
    for a, b in spans:
        if b <= start or a >= end:
            continue
        a, b = max(a, start), min(b, end)
        out += [escape(text[pos:a]), "<mark>", escape(text[a:b]), "</mark>"]
        pos = b
    out.append(escape(text[pos:end]))
    return mark_safe(("…" if start > 0 else "") + "".join(out) + ("…" if end < len(text) else ""))


def mark(text: str, needles: list[str]) -> str:
    """HTML: the whole of `text` with every match marked (titles)."""
    return snippet(text, needles, width=len(text or "") * 3 + 3)


@require_safe
@cache_control(public=True, max_age=60)
def search_page(request):
    params = parse_params(request.GET)
    filters = {k: v for k, v in params.items() if k not in ("q", "page") and v is not None}
    asked = bool(params["q"] or filters)
    result, rows = None, []
    if asked:
        result = services.search(params["q"], **filters, page=params["page"], per_page=20)
        needles = tokens.highlight_needles(params["q"])
        labels = dict(CATEGORIES)
        for row in services.load_results(result.ids):
            rows.append(
                {
                    **row,
                    "title_html": mark(row.get("title", ""), needles),
                    "snippet_html": snippet(row.get("snippet_text", ""), needles),
                    "category_label": labels.get(row.get("category"), row.get("category", "")),
                }
            )
    keep = {
        "q": params["q"],
        "agency": params["agency_id"] or "",
        "category": params["category"] or "",
        "from": params["date_from"].isoformat() if params["date_from"] else "",
        "to": params["date_to"].isoformat() if params["date_to"] else "",
        "kind": params["penalty_kind"] or "",
    }
    query = urlencode({k: v for k, v in keep.items() if v})
    return render(
        request,
        "portal/search/search.html",
        {
            "params": params,
            "asked": asked,
            "result": result,
            "rows": rows,
            "query": query,
            "start": (params["page"] - 1) * 20 + 1,
            "agencies": Agency.objects.select_related("jurisdiction").order_by("jurisdiction__path", "name"),
            "categories": CATEGORIES,
            "kinds": PenaltyKind.choices,
        },
    )
