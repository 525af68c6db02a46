"""Public pages of the 年报 (/annual/, no login): the list of published reports, a report with its tables and
charts, and its Excel download. The portal always reads as the public, whoever is signed in: drafts are in the
console (/console/annual/)."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib.auth.models import AnonymousUser
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render

from zhifa.core.errors import NotFound
from zhifa.core.scoping import get_visible
from zhifa.portal.annual import charts, excel, presentation
from zhifa.portal.annual.models import AnnualReport
from zhifa.registry.models import Jurisdiction

PUBLIC = AnonymousUser()


def _public():
    return AnnualReport.objects.visible_to(PUBLIC).select_related("agency", "jurisdiction")


def _report(pk: int) -> AnnualReport:
    try:
        return get_visible(_public(), PUBLIC, channel="portal", pk=pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def index(request):
    qs = _public().filter(status=AnnualReport.Status.PUBLISHED)
    years = sorted(set(qs.values_list("year", flat=True)), reverse=True)
    year = request.GET.get("year", "")
    code = request.GET.get("region", "")
    if year.isdigit():
        qs = qs.filter(year=int(year))
    region = Jurisdiction.objects.filter(code=code).first() if code else None
    if region is not None:
        qs = qs.filter(jurisdiction__path__startswith=region.path)
    regions = Jurisdiction.objects.filter(
        pk__in=AnnualReport.objects.filter(status=AnnualReport.Status.PUBLISHED).values("jurisdiction_id")
    ).order_by("path")
    page = Paginator(qs.order_by("-year", "jurisdiction__path", "-scope", "agency__name"), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "annual/index.html",
        {"page": page, "years": years, "year": year, "regions": regions, "region": region},
    )


def detail(request, pk: int):
    report = _report(pk)
    history = (
        _public()
        .filter(scope=report.scope, agency=report.agency, jurisdiction=report.jurisdiction, year=report.year)
        .order_by("-number")
    )
    current = history.filter(status=AnnualReport.Status.PUBLISHED).first()
    return render(
        request,
        "annual/detail.html",
        {
            "report": report,
            "tables": presentation.tables(report.tables),
            "charts": charts.report_charts(report.tables),
            "rules": presentation.rules(report.tables),
            "history": history,
            "current": current,
        },
    )


def download(request, pk: int):
    report = _report(pk)
    data = excel.export_workbook(report)
    response = HttpResponse(data, content_type=excel.XLSX_CONTENT_TYPE)
    name = f"{excel.title_of(report)}（第{report.number}版）.xlsx"
    response["Content-Disposition"] = (
        f"attachment; filename=\"annual-{report.pk}.xlsx\"; filename*=UTF-8''{quote(name)}"
    )
    return response
