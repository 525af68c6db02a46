"""Public pages of the 事后 publications (no login): decisions, the takedown log, open data, the record (signed
ledger checkpoints) and 核验文书. Only published data; pending and expired items are 404; a withdrawn one shows
only its withdrawal. Every list is one query per page (select_related), whatever the page size."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from zhifa.portal import exports
from zhifa.portal.models import Category, Publication, PublicationVersion, Takedown
from zhifa.portal.services import FIELD_LABELS
from zhifa.registry.models import Agency

PAGE_SIZE = 20
MAX_UPLOAD = 30 * 1024 * 1024


def _date(value: str):
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _int(value):
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _public_agencies():
    ids = Publication.objects.filter(status=Publication.Status.PUBLISHED).values("agency_id").distinct()
    return Agency.objects.filter(pk__in=ids).order_by("name")


def decision_list(request):
    qs = Publication.objects.filter(status=Publication.Status.PUBLISHED).select_related("agency", "current")
    agency = _int(request.GET.get("agency"))
    category = request.GET.get("category", "")
    date_from, date_to = _date(request.GET.get("from", "")), _date(request.GET.get("to", ""))
    if agency:
        qs = qs.filter(agency_id=agency)
    if category in Category.values:
        qs = qs.filter(category=category)
    else:
        category = ""
    if date_from:
        qs = qs.filter(published_on__gte=date_from)
    if date_to:
        qs = qs.filter(published_on__lte=date_to)
    page = Paginator(qs.order_by("-published_on", "-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "portal/decisions.html",
        {
            "page": page,
            "agencies": _public_agencies(),
            "categories": Category.choices,
            "agency": agency,
            "category": category,
            "date_from": date_from,
            "date_to": date_to,
            "query": query.urlencode(),
        },
    )


def decision_detail(request, pk: int):
    pub = (
        Publication.objects.filter(Publication.public_q(), pk=pk).select_related("agency", "current").first()
    )
    if pub is None:
        raise Http404("未找到该公示信息。")
    history = []
    if pub.status == Publication.Status.PUBLISHED:
        history = list(
            pub.versions.filter(
                status__in=(PublicationVersion.Status.APPROVED, PublicationVersion.Status.SUPERSEDED)
            ).order_by("number")
        )
    takedowns = list(pub.takedowns.order_by("withdrawn_at"))
    return render(
        request,
        "portal/decision_detail.html",
        {
            "pub": pub,
            "f": pub.current.fields if pub.current and pub.status == Publication.Status.PUBLISHED else {},
            "labels": FIELD_LABELS,
            "history": history,
            "older": [v for v in history if v.pk != pub.current_id],
            "takedowns": takedowns,
        },
    )


def takedown_list(request):
    qs = Takedown.objects.select_related("agency").order_by("-withdrawn_at", "-pk")
    agency = _int(request.GET.get("agency"))
    if agency:
        qs = qs.filter(agency_id=agency)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "portal/takedowns.html", {"page": page})


def open_data(request):
    return render(
        request,
        "portal/open_data.html",
        {
            "agencies": _public_agencies(),
            "categories": Category.choices,
            "layouts": [(k, exports.LAYOUT_LABELS[k]) for k in exports.LAYOUTS],
        },
    )


def export(request, layout: str, fmt: str):
    if layout not in exports.LAYOUTS or fmt not in ("csv", "xlsx"):
        raise Http404
    category = request.GET.get("category", "")
    qs = exports.queryset(
        layout,
        agency=_int(request.GET.get("agency")),
        category=category if category in Category.values else "",
        date_from=_date(request.GET.get("from", "")),
        date_to=_date(request.GET.get("to", "")),
    )
    base = request.build_absolute_uri("/").rstrip("/")
    header = exports.LAYOUTS[layout]
    data = exports.rows(qs, layout, base)
    name = f"{layout}-{dt.date.today():%Y%m%d}.{fmt}"
    if fmt == "csv":
        return exports.csv_response(header, data, name)
    return exports.xlsx_response(header, data, name, exports.LAYOUT_LABELS[layout])


# --- the record ----------------------------------------------------------------------------------------------


def record(request):
    from zhifa.ledger.models import Checkpoint
    from zhifa.ledger.services import latest_checkpoint

    latest = latest_checkpoint()
    checkpoints = Paginator(Checkpoint.objects.order_by("-tree_size"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "portal/record.html", {"latest": latest, "page": checkpoints})


def _lookup(data: bytes) -> dict:
    """What the public may learn about a file: whether an issued document has exactly these bytes, and then only
    what it may know (see verify())."""
    from zhifa.documents.models import IssuedDocument
    from zhifa.files.models import Blob
    from zhifa.ledger.models import Event

    sm3 = hashlib.new("sm3", data).hexdigest()
    sha256 = hashlib.sha256(data).hexdigest()
    result = {"sm3": sm3, "sha256": sha256, "size": len(data), "found": False}
    blob = Blob.objects.filter(sm3=sm3, sha256=sha256, size=len(data)).first()
    doc = (
        IssuedDocument.objects.filter(blob=blob).select_related("agency", "kind").order_by("pk").first()
        if blob
        else None
    )
    if doc is None:
        return result
    event = (
        Event.objects.filter(subject_type=IssuedDocument._meta.label_lower, subject_id=str(doc.pk))
        .filter(event_type="document.issued")
        .order_by("pk")
        .first()
    )
    result |= {
        "found": True,
        "agency": doc.agency.name,
        "issued_on": timezone.localdate(doc.issued_at) if doc.issued_at else None,
        "ledger_index": getattr(getattr(event, "leaf", None), "index", None) if event else None,
    }
    pub = (
        Publication.objects.filter(document_id=doc.pk, status=Publication.Status.PUBLISHED)
        .select_related("current")
        .first()
    )
    if pub is not None:
        f = pub.current.fields
        result |= {
            "published": True,
            "publication": pub,
            "kind": doc.kind.name,
            "number": f.get("document_number") or doc.number,
            "case_number": f.get("case_number", ""),
        }
    return result


@require_http_methods(["GET", "POST"])
def verify(request):
    """核验文书. Only the digest is compared: the file is not stored. If the document belongs to a published
    decision, the page names the body, the 文号/案号, the dates and links the publication. Otherwise it says only
    that the document is on the record, with the issuing body and the issue date — facts printed on the document
    the visitor holds — and nothing about the party, the content, the case or whether it was published, withdrawn
    or expired."""
    context: dict = {}
    if request.method == "POST":
        upload = request.FILES.get("document")
        if upload is None:
            context["error"] = "请选择要核验的文书文件（PDF）。"
        elif upload.size > MAX_UPLOAD:
            context["error"] = "文件过大（上限30MB）。"
        else:
            data = b"".join(upload.chunks())
            context["result"] = _lookup(data)
            context["filename"] = upload.name
    return render(request, "portal/verify.html", context)
