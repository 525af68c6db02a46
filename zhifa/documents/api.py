"""Documents API (/api/v1/documents/): list and detail (scoped), download (调阅 on the ledger), issue, verify."""

from __future__ import annotations

import datetime as dt

from django.http import FileResponse, HttpRequest
from ninja import Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from zhifa.core.errors import NotFound
from zhifa.core.scoping import get_visible
from zhifa.documents import services
from zhifa.documents.models import DocumentKind, IssuedDocument
from zhifa.files.services import open_blob
from zhifa.registry.models import Agency

router = Router()


class KindOut(Schema):
    code: str
    name: str
    number_prefix: str
    required_fields: list[dict]


class DocumentOut(Schema):
    id: int
    agency_id: int
    agency_name: str
    kind: str
    title: str
    number: str
    case_id: int | None
    sm3: str
    sha256: str
    size: int
    signed_at: dt.datetime
    signer_fingerprint: str
    corrects_id: int | None
    corrected_by: list[int]
    issued_by: str

    @staticmethod
    def resolve_agency_name(obj):
        return obj.agency.name

    @staticmethod
    def resolve_kind(obj):
        return obj.kind.code

    @staticmethod
    def resolve_corrected_by(obj):
        return [d.pk for d in obj.corrections.all()]

    @staticmethod
    def resolve_issued_by(obj):
        return str(obj.issued_by)


class DocumentDetail(DocumentOut):
    context: dict
    template_label: str


class IssueIn(Schema):
    agency_id: int
    kind: str
    context: dict
    case_id: int | None = None
    corrects_id: int | None = None


class VerifyOut(Schema):
    ok: bool
    file_present: bool
    size_ok: bool
    sm3_ok: bool
    sha256_ok: bool
    ledger_ok: bool
    signature_ok: bool
    signature_intact: bool
    signature_trusted: bool
    signer_subject: str
    signer_matches: bool
    key_valid_at_signing: bool
    problems: list[str]


def _docs():
    return IssuedDocument.objects.select_related("agency", "kind", "issued_by").prefetch_related(
        "corrections"
    )


@router.get("/kinds", response=list[KindOut], summary="文书种类")
def list_kinds(request: HttpRequest):
    return DocumentKind.objects.filter(active=True)


@router.get("/", response=list[DocumentOut], summary="已签发文书（按权限范围）")
@paginate(PageNumberPagination, page_size=50)
def list_documents(
    request: HttpRequest, case_id: int | None = None, kind: str | None = None, agency_id: int | None = None
):
    qs = _docs().visible_to(request.user)
    if case_id is not None:
        qs = qs.filter(case_id=case_id)
    if kind:
        qs = qs.filter(kind__code=kind)
    if agency_id is not None:
        qs = qs.filter(agency_id=agency_id)
    return qs


@router.post("/", response={201: DocumentDetail}, summary="签发文书（编号、生成PDF、电子签章）")
def issue(request: HttpRequest, data: IssueIn):
    # issue_document decides (and records) whether the caller may issue for this agency
    agency = Agency.objects.select_related("jurisdiction").filter(pk=data.agency_id).first()
    if agency is None:
        raise NotFound("未找到该执法主体。", code="not_found")
    corrects = None
    if data.corrects_id is not None:
        corrects = get_visible(IssuedDocument, request.user, channel="api", pk=data.corrects_id)
    doc = services.issue_document(
        user=request.user,
        agency=agency,
        kind=data.kind,
        context=data.context,
        case_id=data.case_id,
        corrects=corrects,
        channel="api",
    )
    return Status(201, _docs().get(pk=doc.pk))


@router.get("/{doc_id}", response=DocumentDetail, summary="文书详情（调阅记录）")
def get_document(request: HttpRequest, doc_id: int):
    doc = get_visible(_docs(), request.user, channel="api", pk=doc_id)
    services.record_view(user=request.user, doc=doc, channel="api")
    return doc


@router.get("/{doc_id}/download", summary="下载签章PDF（调阅记录）", response={200: None})
def download(request: HttpRequest, doc_id: int):
    doc = get_visible(_docs(), request.user, channel="api", pk=doc_id)
    services.record_download(user=request.user, doc=doc, channel="api")
    name = f"{doc.title}{doc.number or doc.pk}.pdf"
    return FileResponse(
        open_blob(doc.blob), content_type="application/pdf", as_attachment=True, filename=name
    )


@router.get("/{doc_id}/verify", response=VerifyOut, summary="验证文书（摘要、全过程记录、电子签章）")
def verify(request: HttpRequest, doc_id: int):
    doc = get_visible(_docs(), request.user, channel="api", pk=doc_id)
    return services.verify_document(doc).as_dict()
