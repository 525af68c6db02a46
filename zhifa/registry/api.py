"""Registry API: jurisdictions, agencies (public), officers and certificates (scoped), certificate check."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from zhifa.api.auth import OPTIONAL
from zhifa.core.scoping import get_visible
from zhifa.registry import services
from zhifa.registry.models import Agency, Certificate, EnforcementDomain, Jurisdiction, Officer

router = Router()


class JurisdictionOut(Schema):
    id: int
    code: str
    name: str
    level: int
    parent_code: str | None = Field(None, alias="parent.code")


class AgencyOut(Schema):
    id: int
    name: str
    short_name: str
    kind: str
    uscc: str
    jurisdiction_code: str = Field(..., alias="jurisdiction.code")
    jurisdiction_name: str = Field(..., alias="jurisdiction.name")
    sector: str
    domains: list[str]
    is_justice_bureau: bool
    status: str
    duties: str
    address: str
    phone: str
    remedy_channels: str
    basis: list[str]
    predecessor_ids: list[int]

    @staticmethod
    def resolve_domains(obj):
        return [d.name for d in obj.domains.all()]

    @staticmethod
    def resolve_basis(obj):
        return [str(c) for c in obj.basis.all()]

    @staticmethod
    def resolve_predecessor_ids(obj):
        return [a.pk for a in obj.predecessors.all()]


class CertificateOut(Schema):
    id: int
    number: str
    officer_id: int
    officer_name: str = Field(..., alias="officer.name")
    agency_id: int = Field(..., alias="officer.agency_id")
    domains: list[str]
    issuer: str
    valid_from: dt.date
    valid_until: dt.date
    status: str
    effective_status: str
    status_reason: str
    qualification: str

    @staticmethod
    def resolve_domains(obj):
        return [d.name for d in obj.domains.all()]

    @staticmethod
    def resolve_effective_status(obj):
        return obj.effective_status()


class OfficerOut(Schema):
    id: int
    agency_id: int
    agency_name: str = Field(..., alias="agency.name")
    name: str
    gender: str
    post: str
    domains: list[str]
    legal_qualification: bool
    status: str

    @staticmethod
    def resolve_domains(obj):
        return [d.name for d in obj.domains.all()]


class OfficerDetail(OfficerOut):
    phone: str
    certificates: list[CertificateOut]

    @staticmethod
    def resolve_certificates(obj):
        return list(obj.certificates.all())


class OfficerIn(Schema):
    agency_id: int
    name: str
    gender: str = ""
    id_number: str = ""
    phone: str = ""
    post: str = ""
    domain_codes: list[str] = []
    legal_qualification: bool = False
    legal_qualification_number: str = ""


class CertificateIn(Schema):
    officer_id: int
    number: str
    domain_codes: list[str]
    issuer: str
    valid_from: dt.date
    valid_until: dt.date
    qualification: str = Certificate.Qualification.EXAM
    exam_passed_on: dt.date | None = None


class StatusChangeIn(Schema):
    action: str = Field(..., description="suspend | revoke | reinstate")
    reason: str


class CertificateCheckOut(Schema):
    number: str
    status: str
    status_label: str
    holder: str | None = None
    agency: str | None = None
    domains: list[str] = []
    valid_until: dt.date | None = None


class MeOut(Schema):
    username: str
    display_name: str
    role: str
    agency_id: int | None
    jurisdiction_code: str | None


@router.get("/me", response=MeOut, summary="当前用户")
def me(request: HttpRequest):
    j = request.user.scope_jurisdiction
    return MeOut(
        username=request.user.username,
        display_name=request.user.display_name,
        role=request.user.role,
        agency_id=request.user.agency_id,
        jurisdiction_code=j.code if j else None,
    )


@router.get("/jurisdictions", response=list[JurisdictionOut], auth=OPTIONAL, summary="行政区划")
@paginate(PageNumberPagination, page_size=100)
def list_jurisdictions(request: HttpRequest, parent: str | None = None):
    qs = Jurisdiction.objects.visible_to(request.user).select_related("parent")
    if parent:
        qs = qs.filter(parent__code=parent)
    return qs


@router.get("/agencies", response=list[AgencyOut], auth=OPTIONAL, summary="执法主体")
@paginate(PageNumberPagination, page_size=50)
def list_agencies(request: HttpRequest, jurisdiction: str | None = None, q: str | None = None):
    qs = (
        Agency.objects.visible_to(request.user)
        .select_related("jurisdiction")
        .prefetch_related("domains", "basis__law", "predecessors")
    )
    if jurisdiction:
        j = Jurisdiction.objects.filter(code=jurisdiction).first()
        qs = qs.filter(jurisdiction__path__startswith=j.path) if j else qs.none()
    if q:
        qs = qs.filter(name__contains=q)
    return qs


@router.get("/agencies/{agency_id}", response=AgencyOut, auth=OPTIONAL, summary="执法主体详情")
def get_agency(request: HttpRequest, agency_id: int):
    return get_visible(Agency, request.user, channel="api", pk=agency_id)


@router.get("/officers", response=list[OfficerOut], summary="执法人员（按权限范围）")
@paginate(PageNumberPagination, page_size=50)
def list_officers(request: HttpRequest, agency_id: int | None = None, q: str | None = None):
    qs = Officer.objects.visible_to(request.user).select_related("agency").prefetch_related("domains")
    if agency_id:
        qs = qs.filter(agency_id=agency_id)
    if q:
        qs = qs.filter(name__contains=q)
    return qs


@router.get("/officers/{officer_id}", response=OfficerDetail, summary="执法人员详情")
def get_officer(request: HttpRequest, officer_id: int):
    return get_visible(Officer.objects.select_related("agency"), request.user, channel="api", pk=officer_id)


def _domains(codes: list[str]) -> list[EnforcementDomain]:
    found = list(EnforcementDomain.objects.filter(code__in=codes))
    missing = sorted(set(codes) - {d.code for d in found})
    if missing:
        from zhifa.core.errors import ValidationFailed

        raise ValidationFailed(f"未知执法领域代码：{'、'.join(missing)}", code="unknown_domain")
    return found


@router.post("/officers", response={201: OfficerDetail}, summary="新增执法人员")
def create_officer(request: HttpRequest, data: OfficerIn):
    agency = get_visible(Agency, request.user, channel="api", pk=data.agency_id)
    fields = data.dict(exclude={"agency_id", "domain_codes", "name"})
    officer = services.create_officer(
        user=request.user, agency=agency, name=data.name, domains=_domains(data.domain_codes), **fields
    )
    return Status(201, officer)


@router.get("/certificates", response=list[CertificateOut], summary="执法证（按权限范围）")
@paginate(PageNumberPagination, page_size=50)
def list_certificates(
    request: HttpRequest, status: str | None = None, expiring_within_days: int | None = None
):
    qs = Certificate.objects.visible_to(request.user).select_related("officer").prefetch_related("domains")
    today = timezone.localdate()
    if expiring_within_days is not None:
        qs = qs.expiring_within(today, expiring_within_days)
    if status == "expired":
        qs = qs.filter(status=Certificate.Status.VALID, valid_until__lt=today)
    elif status == "valid":
        qs = qs.valid_on(today)
    elif status:
        qs = qs.filter(status=status)
    return qs


@router.get("/certificates/check", response=CertificateCheckOut, auth=OPTIONAL, summary="执法证查验（公开）")
def check_certificate(request: HttpRequest, number: str):
    """Public check by 证号: status, holder, agency, domains, validity — nothing more (domain.md §7)."""
    cert = (
        Certificate.objects.select_related("officer__agency")
        .prefetch_related("domains")
        .filter(number=number.strip())
        .first()
    )
    if cert is None:
        return CertificateCheckOut(number=number, status="unknown", status_label="查无此证")
    status = cert.effective_status()
    return CertificateCheckOut(
        number=cert.number,
        status=status,
        status_label=Certificate.Effective(status).label,
        holder=cert.officer.name,
        agency=cert.officer.agency.name,
        domains=[d.name for d in cert.domains.all()],
        valid_until=cert.valid_until,
    )


@router.get("/certificates/{cert_id}", response=CertificateOut, summary="执法证详情")
def get_certificate(request: HttpRequest, cert_id: int):
    return get_visible(Certificate.objects.select_related("officer"), request.user, channel="api", pk=cert_id)


@router.post("/certificates", response={201: CertificateOut}, summary="核发执法证（司法局）")
def issue_certificate(request: HttpRequest, data: CertificateIn):
    officer = get_visible(Officer, request.user, channel="api", pk=data.officer_id)
    cert = services.issue_certificate(
        user=request.user,
        officer=officer,
        number=data.number,
        domains=_domains(data.domain_codes),
        issuer=data.issuer,
        valid_from=data.valid_from,
        valid_until=data.valid_until,
        qualification=data.qualification,
        exam_passed_on=data.exam_passed_on,
    )
    return Status(201, cert)


@router.post("/certificates/{cert_id}/status", response=CertificateOut, summary="暂扣、注销或恢复执法证")
def change_certificate_status(request: HttpRequest, cert_id: int, data: StatusChangeIn):
    cert = get_visible(Certificate, request.user, channel="api", pk=cert_id)
    return services.change_certificate_status(
        user=request.user, certificate=cert, action=data.action, reason=data.reason
    )
