"""事前/事中 public pages (no login): jurisdiction home, bodies, officer roster, published lists, 服务指南,
执法流程图, 岗位信息公示牌, certificate cards and the certificate check.

Every page is the same for every visitor (no session, no form token: the check form is a GET), so responses are
marked publicly cacheable; the certificate check for a short time only (a suspension must show quickly).
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from zhifa.catalog.models import Kind
from zhifa.portal.prior import flowchart, qr, queries
from zhifa.registry.models import Agency, Officer

PAGE_SIZE = 50
cacheable = cache_control(public=True, max_age=300)
briefly_cacheable = cache_control(public=True, max_age=60)

PROCEDURES = ("ordinary", "simple", "coercion")


def _int(value) -> int | None:
    try:
        n = int(value)
    except (TypeError, ValueError):
        return None
    return n if n > 0 else None


# ----------------------------------------------------------------------------------------------------------------
# Jurisdictions and bodies


@require_safe
@cacheable
def home(request):
    j = queries.home_jurisdiction()
    if j is None:
        return render(request, "portal/prior/home.html", {"jurisdiction": None, "is_home": True})
    return render(request, "portal/prior/home.html", queries.jurisdiction_overview(j) | {"is_home": True})


@require_safe
@cacheable
def jurisdiction(request, code: str):
    j = queries.jurisdiction_by_code(code)
    return render(request, "portal/prior/home.html", queries.jurisdiction_overview(j) | {"is_home": False})


@require_safe
@cacheable
def bodies(request):
    q = request.GET.get("q", "").strip()[:60]
    qs = queries.public(Agency).select_related("jurisdiction").order_by("jurisdiction__path", "name")
    if q:
        qs = qs.filter(name__contains=q)
    agencies = list(qs)
    today = timezone.localdate()
    ids = [a.pk for a in agencies]
    valid, lists = queries.valid_counts(ids, today), queries.list_counts(ids)
    rows = [queries.BodyRow(a, valid.get(a.pk, 0), lists.get(a.pk, 0)) for a in agencies]
    return render(
        request, "portal/prior/bodies.html", {"rows": rows, "q": q, "home": queries.home_jurisdiction()}
    )


@require_safe
@cacheable
def body(request, pk: int):
    agency = queries.body(pk)
    today = timezone.localdate()
    power_version, power_items = queries.power_items(agency, today)
    review_body, court = queries.remedy_bodies(agency)
    by_category: dict[str, list] = {}
    for item in power_items:
        by_category.setdefault(item.get_category_display(), []).append(item)
    officers = queries.rows(queries.roster(agency_id=agency.pk, today=today), today)
    return render(
        request,
        "portal/prior/body.html",
        {
            "agency": agency,
            "ancestors": agency.jurisdiction.ancestors(),
            "power_version": power_version,
            "duties_by_category": sorted(by_category.items()),
            "review_body": review_body,
            "court": court,
            "lists": queries.body_lists(agency),
            "officers": officers,
            "valid_officers": sum(1 for r in officers if r.is_valid),
            "procedures": [(p, flowchart.procedure_chart(p).title) for p in PROCEDURES],
        },
    )


@require_safe
@cacheable
def body_board(request, pk: int):
    """岗位信息公示牌 of a body: its duties, consultation and complaint channels, and its officers on post."""
    agency = queries.body(pk)
    today = timezone.localdate()
    officers = queries.board_rows(agency, today)
    cards = [{"row": r, "url": qr.check_url(request, r.number)} for r in officers]
    for card in cards:
        card["qr"] = qr.svg(card["url"], label=f"{card['row'].name}的执法证查询二维码")
    justice = (
        queries.public(Agency)
        .filter(jurisdiction=agency.jurisdiction, is_justice_bureau=True, status=Agency.Status.ACTIVE)
        .exclude(pk=agency.pk)
        .first()
    )
    review_body, court = queries.remedy_bodies(agency)
    return render(
        request,
        "portal/prior/body_board.html",
        {
            "agency": agency,
            "cards": cards,
            "justice": justice,
            "review_body": review_body,
            "court": court,
            "today": today,
            "portal_url": request.build_absolute_uri("/"),
        },
    )


# ----------------------------------------------------------------------------------------------------------------
# Officers and certificates


@require_safe
@cacheable
def officers(request):
    today = timezone.localdate()
    agency_id = _int(request.GET.get("body"))
    q = request.GET.get("q", "").strip()[:40]
    valid_only = request.GET.get("valid") == "1"
    qs = queries.roster(agency_id=agency_id, q=q, valid_only=valid_only, today=today)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    agencies = list(
        queries.public(Agency)
        .filter(officers__status=Officer.Status.ACTIVE)
        .distinct()
        .only("pk", "name", "jurisdiction_id")
        .order_by("jurisdiction__path", "name")
    )
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "portal/prior/officers.html",
        {
            "page": page,
            "rows": queries.rows(page.object_list, today),
            "agencies": agencies,
            "agency_id": agency_id,
            "q": q,
            "valid_only": valid_only,
            "query": params.urlencode(),
        },
    )


def _check_response(request, number: str, *, from_qr: bool):
    result = queries.check(number) if number else None
    return render(
        request,
        "portal/prior/check.html",
        {
            "number": number,
            "result": result,
            "from_qr": from_qr,
            "check_url": qr.check_url(request, result.number) if result and result.found else "",
        },
    )


@require_safe
@briefly_cacheable
def certificate_check(request):
    number = request.GET.get("no", "").strip()[:60]
    return _check_response(request, number, from_qr=False)


@require_safe
@briefly_cacheable
def certificate_check_short(request, number: str):
    """The QR target: the check result for the 证号 in the path, in one request."""
    return _check_response(request, number.strip()[:60], from_qr=True)


def _certificate_or_404(number: str, *, with_post: bool = False):
    cert = queries.certificate(number, with_post=with_post)
    if cert is None:
        raise Http404("查无此证。")
    return cert


@require_safe
@briefly_cacheable
def certificate_card(request, number: str):
    """The certificate card (司办通〔2020〕78号 format: photo, 姓名, 单位, 证号, 执法领域, 有效期, QR), printable."""
    cert = _certificate_or_404(number)
    today = timezone.localdate()
    row = queries.rows([cert], today)[0]
    url = qr.check_url(request, cert.number)
    return render(
        request,
        "portal/prior/card.html",
        {
            "row": row,
            "issuer": cert.issuer,
            "url": url,
            "qr": qr.svg(url, label=f"执法证{cert.number}查询二维码"),
        },
    )


@require_safe
@briefly_cacheable
def officer_board(request, number: str):
    """The 岗位信息公示牌 of one officer on post (A4), printable."""
    cert = _certificate_or_404(number, with_post=True)
    if cert.officer.status != Officer.Status.ACTIVE:
        raise Http404("该人员不在岗。")
    today = timezone.localdate()
    row = queries.rows([cert], today, with_post=True)[0]
    agency = queries.body(cert.officer.agency_id)
    url = qr.check_url(request, cert.number)
    review_body, court = queries.remedy_bodies(agency)
    return render(
        request,
        "portal/prior/officer_board.html",
        {
            "row": row,
            "agency": agency,
            "url": url,
            "qr": qr.svg(url, label=f"{row.name}的执法证查询二维码"),
            "review_body": review_body,
            "court": court,
        },
    )


# ----------------------------------------------------------------------------------------------------------------
# Lists, guides and flowcharts


@require_safe
@cacheable
def lists(request):
    kind = request.GET.get("kind", "")
    kind = kind if kind in Kind.values else ""
    agency_id = _int(request.GET.get("body"))
    qs = queries.public_lists(agency_id=agency_id, kind=kind)
    agencies = (
        queries.public(Agency)
        .filter(catalog_lists__current_version__isnull=False)
        .distinct()
        .only("pk", "name", "jurisdiction_id")
        .order_by("jurisdiction__path", "name")
    )
    return render(
        request,
        "portal/prior/lists.html",
        {"lists": qs, "kinds": Kind.choices, "kind": kind, "agencies": agencies, "agency_id": agency_id},
    )


@require_safe
@cacheable
def list_detail(request, pk: int):
    from zhifa.catalog.services import published_version

    cl = queries.catalog_list(pk)
    in_force = published_version(cl.agency, cl.kind)
    shown = in_force or cl.current_version
    columns, rows = queries.version_table(shown)
    return render(
        request,
        "portal/prior/list.html",
        {
            "list": cl,
            "versions": queries.list_versions(cl),
            "version": shown,
            "in_force": in_force,
            "upcoming": cl.current_version if in_force and cl.current_version_id != in_force.pk else None,
            "columns": columns,
            "rows": rows,
            "is_power": cl.kind == Kind.POWER,
        },
    )


@require_safe
@cacheable
def version_detail(request, pk: int):
    v = queries.version(pk)
    columns, rows = queries.version_table(v)
    return render(
        request,
        "portal/prior/version.html",
        {
            "version": v,
            "list": v.catalog_list,
            "columns": columns,
            "rows": rows,
            "changes": queries.version_changes(v),
            "is_power": v.catalog_list.kind == Kind.POWER,
        },
    )


@require_safe
@cacheable
def guide(request, pk: int):
    """服务指南 of a 权责清单 item: basis, procedure (with its flowchart), time limit, remedy."""
    item = queries.power_item(pk)
    agency = item.version.catalog_list.agency
    steps = flowchart.procedure_steps(item.procedure)
    chart = flowchart.steps_chart(f"item-{item.pk}", f"{item.name}流程图", steps) if len(steps) > 1 else None
    review_body, court = queries.remedy_bodies(agency)
    return render(
        request,
        "portal/prior/guide.html",
        {
            "item": item,
            "agency": agency,
            "version": item.version,
            "steps": steps,
            "chart": chart,
            "svg": flowchart.render_svg(chart) if chart else "",
            "review_body": review_body,
            "court": court,
        },
    )


@require_safe
@cacheable
def procedures(request):
    charts = [flowchart.procedure_chart(p) for p in PROCEDURES]
    return render(
        request,
        "portal/prior/procedures.html",
        {"charts": [{"chart": c, "svg": flowchart.render_svg(c)} for c in charts]},
    )


@require_safe
@cacheable
def procedure(request, key: str):
    if key not in PROCEDURES:
        raise Http404("未知的执法程序。")
    chart = flowchart.procedure_chart(key)
    return render(
        request, "portal/prior/procedure.html", {"chart": chart, "svg": flowchart.render_svg(chart)}
    )


@require_safe
@cacheable
def procedure_svg(request, key: str):
    """The flowchart as a standalone SVG file (for download, printing and other channels)."""
    if key not in PROCEDURES:
        raise Http404("未知的执法程序。")
    svg = flowchart.render_svg(flowchart.procedure_chart(key))
    return HttpResponse('<?xml version="1.0" encoding="UTF-8"?>\n' + svg, content_type="image/svg+xml")
