"""执法事项库 API (/api/v1/catalog/). Reads start from visible_to(user); writes go through catalog.services.

Published versions are public (no token needed); drafts are visible only inside the owning agency (and to the
supervisors above it). A lookup of an invisible version answers 404 and is recorded on the ledger.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpResponse
from ninja import File, Router, Schema, Status
from ninja.files import UploadedFile

from zhifa.api.auth import OPTIONAL
from zhifa.catalog import services
from zhifa.catalog.excel import XLSX_CONTENT_TYPE
from zhifa.catalog.models import ITEM_MODELS, CatalogList, ItemBase, Kind, ListVersion, ThresholdItem
from zhifa.core.errors import NotFound
from zhifa.core.scoping import get_visible
from zhifa.registry.models import Agency, Jurisdiction

router = Router()


class ListOut(Schema):
    id: int
    agency_id: int
    agency_name: str
    kind: str
    kind_label: str
    current_version_id: int | None


class VersionOut(Schema):
    id: int
    list_id: int
    agency_id: int
    agency_name: str
    kind: str
    kind_label: str
    number: int
    status: str
    status_label: str
    change_reason: str
    based_on_id: int | None
    submitted_at: dt.datetime | None
    reviewed_at: dt.datetime | None
    review_opinion: str
    published_at: dt.datetime | None
    valid_from: dt.date | None
    valid_to: dt.date | None


class ItemOut(Schema):
    id: int
    seq: int
    values: dict[str, str]
    citations: list[str]


class VersionDetail(VersionOut):
    columns: list[str]
    items: list[ItemOut]


class ListDetail(ListOut):
    versions: list[VersionOut]


class DraftIn(Schema):
    agency_id: int
    kind: str
    change_reason: str = ""


class ItemIn(Schema):
    values: dict[str, Any]


class ReasonIn(Schema):
    change_reason: str


class SubmitIn(Schema):
    change_reason: str | None = None


class OpinionIn(Schema):
    opinion: str


class PublishIn(Schema):
    effective_from: dt.date | None = None


class ImportOut(Schema):
    version_id: int
    created: int
    ignored_columns: list[str]


class ChangeOut(Schema):
    item_id: int
    columns: list[list[str]]


class DiffOut(Schema):
    version_id: int
    base_id: int | None
    added: list[ItemOut]
    removed: list[ItemOut]
    changed: list[ChangeOut]
    unchanged: int


class EvaluateIn(Schema):
    agency_id: int
    act_type: str
    penalty_kinds: list[str] = []
    fine_amount: Decimal | None = None
    party_type: str | None = None
    hearing_held: bool = False
    flags: list[str] = []
    on: dt.date | None = None


class MatchOut(Schema):
    statutory: bool  # true: a case of 行政处罚法第五十八条 itself (no catalog row)
    item: ItemOut | None
    version_id: int | None
    reasons: list[str]
    citation: str


class ThresholdOut(Schema):
    item: ItemOut
    version_id: int
    jurisdiction_code: str
    amount_natural: Decimal
    amount_org: Decimal
    valid_from: dt.date
    valid_to: dt.date | None


class Error(Schema):
    error: dict[str, Any]


def list_out(cl: CatalogList) -> dict:
    return {
        "id": cl.pk,
        "agency_id": cl.agency_id,
        "agency_name": cl.agency.name,
        "kind": cl.kind,
        "kind_label": cl.get_kind_display(),
        "current_version_id": cl.current_version_id,
    }


def version_out(v: ListVersion) -> dict:
    cl = v.catalog_list
    return {
        "id": v.pk,
        "list_id": cl.pk,
        "agency_id": cl.agency_id,
        "agency_name": cl.agency.name,
        "kind": cl.kind,
        "kind_label": cl.get_kind_display(),
        "number": v.number,
        "status": v.status,
        "status_label": v.get_status_display(),
        "change_reason": v.change_reason,
        "based_on_id": v.based_on_id,
        "submitted_at": v.submitted_at,
        "reviewed_at": v.reviewed_at,
        "review_opinion": v.review_opinion,
        "published_at": v.published_at,
        "valid_from": v.valid_from,
        "valid_to": v.valid_to,
    }


def item_out(item: ItemBase) -> dict:
    return {
        "id": item.pk,
        "seq": item.seq,
        "values": services.item_values(item),
        "citations": [str(c) for c in item.citations.all()],
    }


def _items(version: ListVersion):
    related = version.item_model.related_fields()
    return version.items().select_related(*related).prefetch_related("citations__law")


def _version(request, version_id: int) -> ListVersion:
    qs = ListVersion.objects.select_related("catalog_list__agency")
    return get_visible(qs, request.user, channel="api", pk=version_id)


def _item(version: ListVersion, item_id: int) -> ItemBase:
    item = version.item_model.objects.filter(version=version, pk=item_id).first()
    if item is None:
        raise NotFound("该版本中没有这一事项。", code="not_found")
    return item


@router.get("/lists", response=list[ListOut], auth=OPTIONAL, summary="清单列表（公众仅见已发布的清单）")
def lists(request, agency_id: int | None = None, kind: str | None = None):
    qs = CatalogList.objects.visible_to(request.user).select_related("agency")
    if agency_id:
        qs = qs.filter(agency_id=agency_id)
    if kind:
        qs = qs.filter(kind=kind)
    return [list_out(cl) for cl in qs]


@router.get("/lists/{list_id}", response=ListDetail, auth=OPTIONAL, summary="清单及其可见的各版本")
def list_detail(request, list_id: int):
    cl = get_visible(CatalogList.objects.select_related("agency"), request.user, channel="api", pk=list_id)
    versions = (
        ListVersion.objects.visible_to(request.user)
        .filter(catalog_list=cl)
        .select_related("catalog_list__agency")
    )
    return list_out(cl) | {"versions": [version_out(v) for v in versions]}


@router.post("/drafts", response={201: VersionOut}, summary="新建清单草稿（已发布清单则复制现行版本）")
def create_draft(request, payload: DraftIn):
    agency = get_visible(Agency, request.user, channel="api", pk=payload.agency_id)
    version = services.create_draft(request.user, agency, payload.kind, change_reason=payload.change_reason)
    return Status(201, version_out(version))


@router.get("/versions/{version_id}", response=VersionDetail, auth=OPTIONAL, summary="版本及其事项")
def version_detail(request, version_id: int):
    version = _version(request, version_id)
    return version_out(version) | {
        "columns": [c.header for c in version.item_model.COLUMNS],
        "items": [item_out(i) for i in _items(version)],
    }


@router.get("/versions/{version_id}/export", auth=OPTIONAL, summary="导出 Excel（真实列名）")
def export(request, version_id: int):
    version = _version(request, version_id)
    response = HttpResponse(services.export_excel(version), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="catalog-{version.kind}-v{version.number}.xlsx"'
    return response


@router.get("/versions/{version_id}/diff", response=DiffOut, auth=OPTIONAL, summary="与所依据版本的差异")
def diff(request, version_id: int):
    version = _version(request, version_id)
    base = version.based_on
    if base is not None and not ListVersion.objects.visible_to(request.user).filter(pk=base.pk).exists():
        base = None
    d = services.diff_versions(version, base) if base else services.VersionDiff(version, None)
    return {
        "version_id": version.pk,
        "base_id": base.pk if base else None,
        "added": [item_out(i) for i in d.added],
        "removed": [item_out(i) for i in d.removed],
        "changed": [{"item_id": c.new.pk, "columns": [list(t) for t in c.columns]} for c in d.changed],
        "unchanged": d.unchanged,
    }


@router.post("/versions/{version_id}/items", response={201: ItemOut}, summary="新增事项（草稿）")
def add_item(request, version_id: int, payload: ItemIn):
    item = services.add_item(request.user, _version(request, version_id), payload.values)
    return Status(201, item_out(item))


@router.patch("/versions/{version_id}/items/{item_id}", response=ItemOut, summary="修改事项（草稿）")
def update_item(request, version_id: int, item_id: int, payload: ItemIn):
    version = _version(request, version_id)
    return item_out(services.update_item(request.user, _item(version, item_id), payload.values))


@router.delete("/versions/{version_id}/items/{item_id}", response={204: None}, summary="删除事项（草稿）")
def remove_item(request, version_id: int, item_id: int):
    version = _version(request, version_id)
    services.remove_item(request.user, _item(version, item_id))
    return Status(204, None)


@router.post("/versions/{version_id}/change-reason", response=VersionOut, summary="填写修订原因")
def change_reason(request, version_id: int, payload: ReasonIn):
    return version_out(
        services.set_change_reason(request.user, _version(request, version_id), payload.change_reason)
    )


@router.post("/versions/{version_id}/submit", response=VersionOut, summary="提交法制审核")
def submit(request, version_id: int, payload: SubmitIn):
    version = services.submit(
        request.user, _version(request, version_id), change_reason=payload.change_reason
    )
    return version_out(version)


@router.post("/versions/{version_id}/approve", response=VersionOut, summary="法制审核通过")
def approve(request, version_id: int, payload: OpinionIn):
    return version_out(services.approve(request.user, _version(request, version_id), opinion=payload.opinion))


@router.post("/versions/{version_id}/return", response=VersionOut, summary="退回修改")
def return_version(request, version_id: int, payload: OpinionIn):
    version = services.return_for_revision(
        request.user, _version(request, version_id), opinion=payload.opinion
    )
    return version_out(version)


@router.post("/versions/{version_id}/publish", response=VersionOut, summary="发布（负责人）")
def publish(request, version_id: int, payload: PublishIn):
    version = services.publish(
        request.user, _version(request, version_id), effective_from=payload.effective_from
    )
    return version_out(version)


@router.post(
    "/versions/{version_id}/import",
    response={200: ImportOut, 400: Error},
    summary="从 Excel 导入（替换草稿的全部事项；任何一行有误则不导入，返回各行错误）",
)
def import_excel(request, version_id: int, file: UploadedFile = File(...)):  # noqa: B008
    version = _version(request, version_id)
    result = services.import_excel(request.user, version, file, filename=file.name or "")
    return {"version_id": version.pk, "created": result.created, "ignored_columns": result.ignored_columns}


@router.post(
    "/evaluate/major-review",
    response=list[MatchOut],
    auth=OPTIONAL,
    summary="拟作出的执法决定是否属于重大执法决定法制审核目录",
)
def evaluate_major_review(request, payload: EvaluateIn):
    agency = get_visible(Agency, request.user, channel="api", pk=payload.agency_id)
    matches = services.evaluate_major_review(
        agency,
        act_type=payload.act_type,
        penalty_kinds=payload.penalty_kinds,
        fine_amount=payload.fine_amount,
        party_type=payload.party_type,
        hearing_held=payload.hearing_held,
        flags=payload.flags,
        on=payload.on,
    )
    return [
        {
            "statutory": m.statutory,
            "item": item_out(m.row) if m.row is not None else None,
            "version_id": m.row.version_id if m.row is not None else None,
            "reasons": m.reasons,
            "citation": str(m.citation) if m.citation else "",
        }
        for m in matches
    ]


@router.get(
    "/thresholds/large-amount",
    response={200: ThresholdOut, 404: Error},
    auth=OPTIONAL,
    summary="较大数额标准（沿区划向上查找，取施行日期最近的一条）",
)
def large_amount(request, sector: str, jurisdiction_code: str, on: dt.date | None = None):
    jurisdiction = Jurisdiction.objects.filter(code=jurisdiction_code).first()
    if jurisdiction is None:
        raise NotFound(f"区划代码“{jurisdiction_code}”未登记。", code="not_found")
    row = services.large_amount_threshold(
        sector, jurisdiction, on, queryset=ThresholdItem.objects.visible_to(request.user)
    )
    if row is None:
        raise NotFound(
            f"{jurisdiction.name}尚未公布“{sector}”领域的较大数额标准。", code="threshold_not_found"
        )
    return {
        "item": item_out(row),
        "version_id": row.version_id,
        "jurisdiction_code": row.jurisdiction.code,
        "amount_natural": row.amount_natural,
        "amount_org": row.amount_org,
        "valid_from": row.valid_from,
        "valid_to": row.valid_to,
    }


KINDS = [{"value": k.value, "label": k.label} for k in Kind]


@router.get("/kinds", auth=OPTIONAL, summary="清单类型及各类型的列名")
def kinds(request):
    return [
        k
        | {"columns": [{"header": c.header, "required": c.required} for c in ITEM_MODELS[k["value"]].COLUMNS]}
        for k in KINDS
    ]
