"""年报 API (/api/v1/annual/). Reading is public for published reports (no token); drafts are visible to the owning
body and the supervisors above it. Generation and the workflow go through zhifa.portal.annual.services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpResponse
from ninja import Router, Schema, Status

from zhifa.api.auth import OPTIONAL
from zhifa.core.errors import NotFound
from zhifa.portal.annual import excel, services
from zhifa.portal.annual.models import AnnualReport
from zhifa.registry.models import Agency, Jurisdiction

router = Router()


class ReportOut(Schema):
    id: int
    year: int
    scope: str
    scope_label: str
    agency_id: int | None
    jurisdiction_code: str
    subject: str
    number: int
    status: str
    status_label: str
    due_on: dt.date
    published_on: dt.date | None
    based_on_id: int | None
    correction_reason: str


class ReportDetail(ReportOut):
    tables: dict[str, Any]
    narrative: str
    manual: dict[str, Any]


class GenerateIn(Schema):
    year: int
    agency_id: int | None = None
    jurisdiction_code: str | None = None


class ManualIn(Schema):
    values: dict[str, int | None]


class TextIn(Schema):
    text: str


class OpinionIn(Schema):
    opinion: str = ""


class ReasonIn(Schema):
    reason: str


class Error(Schema):
    error: dict[str, Any]


def out(r: AnnualReport) -> dict:
    return {
        "id": r.pk,
        "year": r.year,
        "scope": r.scope,
        "scope_label": r.get_scope_display(),
        "agency_id": r.agency_id,
        "jurisdiction_code": r.jurisdiction.code,
        "subject": r.subject_name,
        "number": r.number,
        "status": r.status,
        "status_label": r.get_status_display(),
        "due_on": r.due_on,
        "published_on": r.published_on,
        "based_on_id": r.based_on_id,
        "correction_reason": r.correction_reason,
    }


def detail_out(r: AnnualReport, user=None) -> dict:
    return out(r) | {"tables": r.tables, "narrative": r.narrative, "manual": r.manual}


def _user(request):
    return request.user  # TokenAuth sets it for machine clients; the session for the console; else anonymous


def _get(request, pk: int) -> AnnualReport:
    return services.visible_report(_user(request), pk, channel="api")


@router.get("/", response=list[ReportOut], auth=OPTIONAL)
def list_reports(
    request, year: int | None = None, jurisdiction: str | None = None, status: str | None = None
):
    """Published reports for everyone; a signed-in user also sees the drafts of their scope (status filter)."""
    qs = AnnualReport.objects.visible_to(_user(request)).select_related("agency", "jurisdiction")
    if year:
        qs = qs.filter(year=year)
    if jurisdiction:
        region = Jurisdiction.objects.filter(code=jurisdiction).first()
        qs = qs.filter(jurisdiction__path__startswith=region.path) if region else qs.none()
    if status:
        qs = qs.filter(status=status)
    elif not _user(request).is_authenticated:
        qs = qs.filter(status=AnnualReport.Status.PUBLISHED)
    return [
        out(r) for r in qs.order_by("-year", "jurisdiction__path", "scope", "agency__name", "-number")[:500]
    ]


@router.get("/{int:pk}", response={200: ReportDetail, 404: Error}, auth=OPTIONAL)
def get_report(request, pk: int):
    return detail_out(_get(request, pk), _user(request))


@router.get("/{int:pk}/xlsx", auth=OPTIONAL)
def download(request, pk: int):
    report = _get(request, pk)
    response = HttpResponse(excel.export_workbook(report), content_type=excel.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="annual-{report.pk}.xlsx"'
    return response


@router.post("/generate", response={201: ReportDetail, 400: Error, 403: Error, 404: Error, 409: Error})
def generate(request, body: GenerateIn):
    user = _user(request)
    agency = jurisdiction = None
    if body.agency_id is not None:
        agency = Agency.objects.filter(pk=body.agency_id).first()
        if agency is None:
            raise NotFound("未找到该执法主体。", code="not_found")
    if body.jurisdiction_code:
        jurisdiction = Jurisdiction.objects.filter(code=body.jurisdiction_code).first()
        if jurisdiction is None:
            raise NotFound("未找到该区划。", code="not_found")
    report = services.generate(user, year=body.year, agency=agency, jurisdiction=jurisdiction, channel="api")
    return Status(201, detail_out(report, user))


@router.post(
    "/{int:pk}/regenerate", response={200: ReportDetail, 400: Error, 403: Error, 404: Error, 409: Error}
)
def regenerate(request, pk: int):
    user = _user(request)
    return detail_out(services.regenerate(user, _get(request, pk), channel="api"), user)


@router.post("/{int:pk}/manual", response={200: ReportDetail, 400: Error, 403: Error, 404: Error, 409: Error})
def set_manual(request, pk: int, body: ManualIn):
    user = _user(request)
    return detail_out(services.set_manual(user, _get(request, pk), body.values, channel="api"), user)


@router.post(
    "/{int:pk}/narrative", response={200: ReportDetail, 400: Error, 403: Error, 404: Error, 409: Error}
)
def narrative(request, pk: int, body: TextIn):
    user = _user(request)
    return detail_out(services.edit_narrative(user, _get(request, pk), body.text, channel="api"), user)


@router.post("/{int:pk}/submit", response={200: ReportDetail, 403: Error, 404: Error, 409: Error})
def submit(request, pk: int):
    user = _user(request)
    return detail_out(services.submit(user, _get(request, pk), channel="api"), user)


@router.post("/{int:pk}/approve", response={200: ReportDetail, 403: Error, 404: Error, 409: Error})
def approve(request, pk: int, body: OpinionIn):
    user = _user(request)
    return detail_out(services.approve(user, _get(request, pk), opinion=body.opinion, channel="api"), user)


@router.post("/{int:pk}/return", response={200: ReportDetail, 400: Error, 403: Error, 404: Error, 409: Error})
def return_report(request, pk: int, body: OpinionIn):
    user = _user(request)
    return detail_out(
        services.return_report(user, _get(request, pk), opinion=body.opinion, channel="api"), user
    )


@router.post(
    "/{int:pk}/publish", response={200: ReportDetail, 400: Error, 403: Error, 404: Error, 409: Error}
)
def publish(request, pk: int):
    user = _user(request)
    return detail_out(services.publish(user, _get(request, pk), channel="api"), user)


@router.post(
    "/{int:pk}/correct", response={201: ReportDetail, 400: Error, 403: Error, 404: Error, 409: Error}
)
def correct(request, pk: int, body: ReasonIn):
    user = _user(request)
    return Status(
        201,
        detail_out(
            services.create_correction(user, _get(request, pk), reason=body.reason, channel="api"), user
        ),
    )
