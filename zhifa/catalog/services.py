"""Services of the 执法事项库: the only writers of catalog rows, and the queries other apps evaluate.

Workflow (国办发〔2018〕118号: the lists published 事前 are reviewed by the agency's legal office before release and
updated when laws or duties change):

    create_draft ─► add/update/remove items, import_excel ─► submit ─► approve ─► publish
                                      ▲                         │
                                      └──────── return ◄────────┘

Officers and heads of the owning agency draft and submit; the agency's legal reviewers approve or return with a
written opinion; the head publishes an approved version, which supersedes the current one. Every step is a ledger
event whose subject is the version (so a version's history is read from the ledger).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from zhifa.catalog import excel
from zhifa.catalog.models import (
    ITEM_MODELS,
    ActType,
    AVRequirement,
    CatalogList,
    DiscretionItem,
    ItemBase,
    Kind,
    ListVersion,
    MajorReviewItem,
    PartyType,
    PenaltyKind,
    ReviewFlag,
    ThresholdItem,
)
from zhifa.catalog.validation import LawIndex, citations_for, clean_row, cross_checks, display_value
from zhifa.core.errors import Conflict, ValidationFailed
from zhifa.core.scoping import can_create, require_can_create, require_editable, user_role
from zhifa.ledger.services import SYSTEM, Actor, append

# Citations of the rules enforced here. 118号 is not in the laws library, so it is cited by its document number.
GUIDELINE_118 = (
    "国办发〔2018〕118号《关于全面推行行政执法公示制度执法全过程记录制度重大执法决定法制审核制度的指导意见》"
)
REVIEW_BEFORE_RELEASE = GUIDELINE_118 + "（事前公开信息经本机关法制审核后发布）"
UPDATE_ON_CHANGE = GUIDELINE_118 + "（法律法规或职责调整时及时更新公示信息）"
# 行政处罚法第五十八条: the cases where a penalty decision needs legal review whatever the agency's catalog says.
PENALTY_LAW = "administrative-penalty-law"

# The largest Excel file accepted for import. No statute sets it: it bounds the memory and time one request may use
# (a list of MAX_ROWS rows is well under 2 MB); excel.MAX_UNCOMPRESSED bounds what the archive may unpack to.
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_UPLOAD_TEXT = "10MB"


class ImportFailed(ValidationFailed):
    code = "import_failed"


class SystemUser:
    """The actor of demo and seed data loaded outside any request. Never handed out to a request."""

    pk = id = None
    is_authenticated = True
    is_active = True
    is_superuser = True
    is_staff = False
    role = "system"
    agency_id = None
    display_name = "系统（数据初始化）"
    # Counts as an administrator for drafting, but (like every administrator) it can never review or publish a
    # list: those steps need the owning agency's own reviewer and head (see NO_ADMIN_OVERRIDE).

    def get_username(self) -> str:
        return "system"


SYSTEM_USER = SystemUser()


def _fk(user):
    return user if getattr(user, "pk", None) is not None else None


def _actor(user) -> Actor:
    return Actor.from_user(user)


def _subject(version: ListVersion) -> tuple[str, str]:
    return ("catalog.listversion", str(version.pk))


ROLE_MESSAGES = {
    "edit": "只有本机关的执法人员或负责人可以编辑清单草稿。",
    "submit": "只有本机关的执法人员或负责人可以提交清单审核。",
    "review": "只有本机关的法制审核人员可以审核清单。",
    "publish": "只有本机关负责人可以发布清单。",
}


# Steps no administrator may stand in for: the owning agency's legal office reviews, its head publishes (118号).
NO_ADMIN_OVERRIDE = frozenset({"review", "publish"})


def _require(user, version: ListVersion, action: str) -> None:
    """The user holds a role allowed to `action` for the version's agency; otherwise the denial is recorded."""
    require_editable(
        user,
        version,
        action,
        channel="service",
        message=ROLE_MESSAGES[action],
        code=f"catalog_{action}_denied",
        citation=REVIEW_BEFORE_RELEASE,
        admin_override=action not in NO_ADMIN_OVERRIDE,
    )


def may(user, version: ListVersion, action: str) -> bool:
    """Whether `user` may attempt `action` on the version (to show a button; the service still decides)."""
    if action in NO_ADMIN_OVERRIDE and user_role(user) not in ListVersion.scope_edit_roles[action]:
        return False
    return ListVersion.objects.filter(pk=version.pk).editable_by(user, action).exists()


def may_create(user) -> bool:
    """Whether `user` may draft lists for their own agency (to show the button; the service still decides)."""
    agency = getattr(user, "agency", None)
    return agency is not None and can_create(user, ListVersion, agency)


def _lock(version: ListVersion) -> ListVersion:
    return (
        ListVersion.objects.select_for_update(of=("self",))
        .select_related("catalog_list__agency")
        .get(pk=version.pk)
    )


def _require_status(version: ListVersion, allowed, doing: str) -> None:
    if version.status not in allowed:
        raise Conflict(
            f"该版本当前状态为“{version.get_status_display()}”，不能{doing}。",
            code="catalog_wrong_status",
            citation=REVIEW_BEFORE_RELEASE,
        )


def item_values(item: ItemBase) -> dict[str, str]:
    """{header: published text} of an item: the ledger payloads, the diff and the API all use this."""
    return {c.header: display_value(c, getattr(item, c.field)) for c in type(item).COLUMNS}


# --------------------------------------------------------------------------------------------------------------
# Drafting


def create_draft(user, agency, kind: str, *, change_reason: str = "") -> ListVersion:
    """A new draft version of the agency's list of `kind`, copying the current published items (copy-on-write)."""
    if kind not in ITEM_MODELS:
        raise ValidationFailed(f"未知的清单类型“{kind}”。", code="catalog_unknown_kind")
    if agency is None:
        raise ValidationFailed("请指定清单所属的执法机关。", code="catalog_agency_required")
    require_can_create(
        user,
        ListVersion,
        agency,
        channel="service",
        message=ROLE_MESSAGES["edit"],
        code="catalog_edit_denied",
        citation=REVIEW_BEFORE_RELEASE,
    )
    with transaction.atomic():
        catalog_list, _ = CatalogList.objects.get_or_create(agency=agency, kind=kind)
        catalog_list = CatalogList.objects.select_for_update().get(pk=catalog_list.pk)
        open_version = catalog_list.versions.filter(status__in=ListVersion.OPEN).first()
        if open_version is not None:
            raise Conflict(
                f"该清单已有未发布的第{open_version.number}版（{open_version.get_status_display()}），"
                "请在该版本上继续修改。",
                code="catalog_open_version_exists",
                details={"version": open_version.pk},
            )
        number = (catalog_list.versions.aggregate(n=Max("number"))["n"] or 0) + 1
        base = catalog_list.current_version
        version = ListVersion.objects.create(
            catalog_list=catalog_list,
            number=number,
            change_reason=change_reason.strip(),
            based_on=base,
            created_by=_fk(user),
        )
        copied = _copy_items(base, version) if base else 0
        append(
            "catalog.version_created",
            actor=_actor(user),
            subject=_subject(version),
            payload={
                "agency": agency.pk,
                "kind": kind,
                "number": number,
                "based_on": base.pk if base else None,
                "copied_items": copied,
                "change_reason": version.change_reason,
            },
        )
    return version


def _copy_items(source: ListVersion, target: ListVersion) -> int:
    model = source.item_model
    originals = list(source.items().prefetch_related("citations"))
    copies = []
    for item in originals:
        data = {f.attname: getattr(item, f.attname) for f in model._meta.concrete_fields if not f.primary_key}
        data["version_id"] = target.pk
        copies.append(model(**data))
    created = model.objects.bulk_create(copies)
    through = model.citations.through
    links = [
        through(**{f"{model._meta.model_name}_id": new.pk, "citation_id": c.pk})
        for old, new in zip(originals, created, strict=True)
        for c in old.citations.all()
    ]
    through.objects.bulk_create(links)
    return len(created)


def set_change_reason(user, version: ListVersion, change_reason: str) -> ListVersion:
    _require(user, version, "edit")
    with transaction.atomic():
        version = _lock(version)
        _require_status(version, ListVersion.EDITABLE, "修改修订原因")
        version.change_reason = change_reason.strip()
        version.save(update_fields=["change_reason", "updated_at"])
        append(
            "catalog.change_reason_set",
            actor=_actor(user),
            subject=_subject(version),
            payload={"change_reason": version.change_reason},
        )
    return version


def _clean(model, version: ListVersion, data: dict, *, laws: LawIndex, partial: bool = False):
    """Check a row and resolve its citations (laws.services.cite); call inside the writing transaction."""
    row = clean_row(model, data, laws=laws, agency=version.catalog_list.agency, partial=partial)
    if not row.errors:
        row.errors.extend(cross_checks(model, row.values))
    if not row.errors and row.citations:
        row.resolved, problems = citations_for(row.citations)
        basis = next(c.header for c in model.COLUMNS if c.kind == "basis")
        row.errors.extend((basis, p) for p in problems)
    return row


def _row_error(errors) -> ValidationFailed:
    text = "；".join(f"{header}：{reason}" for header, reason in errors)
    return ValidationFailed(
        f"数据有误：{text}",
        code="catalog_invalid_item",
        details={"errors": [{"column": h, "message": m} for h, m in errors]},
    )


def _check_seq_free(version: ListVersion, seq: int, exclude_pk=None) -> None:
    qs = version.item_model.objects.filter(version=version, seq=seq)
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    if qs.exists():
        raise ValidationFailed(f"序号{seq}已被使用。", code="catalog_duplicate_seq")


def add_item(user, version: ListVersion, data: dict) -> ItemBase:
    """Add one row to a draft. `data` is {header or field name: value}; 序号 defaults to the next number."""
    _require(user, version, "edit")
    with transaction.atomic():
        version = _lock(version)
        _require_status(version, ListVersion.EDITABLE, "编辑")
        model = version.item_model
        data = dict(data)
        if not any(k in data and data[k] not in (None, "") for k in ("seq", "序号")):
            data["seq"] = (model.objects.filter(version=version).aggregate(n=Max("seq"))["n"] or 0) + 1
        row = _clean(model, version, data, laws=LawIndex())
        if row.errors:
            raise _row_error(row.errors)
        _check_seq_free(version, row.values["seq"])
        item = model.objects.create(version=version, **row.values)
        item.citations.set(row.resolved)
        append(
            "catalog.item_added",
            actor=_actor(user),
            subject=_subject(version),
            payload={"item": item.pk, "values": item_values(item)},
        )
    return item


def update_item(user, item: ItemBase, data: dict) -> ItemBase:
    """Change the given columns of a row of a draft (absent columns are kept)."""
    version = item.version
    _require(user, version, "edit")
    with transaction.atomic():
        version = _lock(version)
        _require_status(version, ListVersion.EDITABLE, "编辑")
        model = type(item)
        item = model.objects.select_for_update().get(pk=item.pk)
        before = item_values(item)
        row = _clean(model, version, data, laws=LawIndex(), partial=True)
        if row.errors:
            raise _row_error(row.errors)
        merged = {c.field: getattr(item, c.field) for c in model.COLUMNS} | row.values
        errors = cross_checks(model, merged)
        if errors:
            raise _row_error(errors)
        if "seq" in row.values:
            _check_seq_free(version, row.values["seq"], exclude_pk=item.pk)
        for name, value in row.values.items():
            setattr(item, name, value)
        item.save()
        if "basis_text" in row.values:
            item.citations.set(row.resolved)
        after = item_values(item)
        changes = {h: [before[h], after[h]] for h in after if before[h] != after[h]}
        append(
            "catalog.item_changed",
            actor=_actor(user),
            subject=_subject(version),
            payload={"item": item.pk, "changes": changes},
        )
    return item


def remove_item(user, item: ItemBase) -> None:
    version = item.version
    _require(user, version, "edit")
    with transaction.atomic():
        version = _lock(version)
        _require_status(version, ListVersion.EDITABLE, "编辑")
        values = item_values(item)
        pk = item.pk
        type(item).objects.filter(pk=pk).delete()
        append(
            "catalog.item_removed",
            actor=_actor(user),
            subject=_subject(version),
            payload={"item": pk, "values": values},
        )


# --------------------------------------------------------------------------------------------------------------
# Excel


@dataclass
class RowError:
    row: int
    column: str
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass
class ImportResult:
    version: ListVersion
    created: int
    ignored_columns: list[str] = field(default_factory=list)


def check_upload_size(size: int | None) -> None:
    """Refuse an upload announced or found larger than MAX_UPLOAD_BYTES (call before reading it)."""
    if size is not None and size > MAX_UPLOAD_BYTES:
        raise ImportFailed(
            f"文件超过{MAX_UPLOAD_TEXT}，未导入。请拆分清单后分批导入。",
            code="import_too_large",
            details={"rows": []},
        )


def _read_upload(upload) -> bytes:
    """The bytes of an upload (bytes or a file object), never reading more than MAX_UPLOAD_BYTES + 1."""
    if isinstance(upload, bytes | bytearray):
        data = bytes(upload)
    else:
        check_upload_size(getattr(upload, "size", None))
        data = upload.read(MAX_UPLOAD_BYTES + 1)
    check_upload_size(len(data))
    return data


def import_excel(user, version: ListVersion, upload, *, filename: str = "") -> ImportResult:
    """Replace the rows of a draft by those of an xlsx file (bytes or an uploaded file object).

    Every row is checked first; on any error nothing is imported and ImportFailed lists every bad row
    (details["rows"]: row number, column, Chinese reason). A file over MAX_UPLOAD_BYTES is refused before it is
    read in full, and one whose archive unpacks to more than excel.MAX_UNCOMPRESSED before openpyxl opens it."""
    _require(user, version, "edit")
    data = _read_upload(upload)
    filename = filename or getattr(upload, "name", "") or ""
    model = version.item_model
    try:
        rows, unknown = excel.read_rows(data, model)
    except excel.UnreadableWorkbook as exc:
        raise ImportFailed(str(exc), code="import_unreadable", details={"rows": []}) from exc
    with transaction.atomic():
        version = _lock(version)
        _require_status(version, ListVersion.EDITABLE, "导入")
        laws = LawIndex()
        errors: list[RowError] = []
        cleaned = []
        seen_seq: dict[int, int] = {}
        for number, record in rows:
            row = _clean(model, version, record, laws=laws)
            errors.extend(RowError(number, h, m) for h, m in row.errors)
            seq = row.values.get("seq")
            if seq is not None:
                if seq in seen_seq:
                    errors.append(RowError(number, "序号", f"与第{seen_seq[seq]}行的序号重复"))
                else:
                    seen_seq[seq] = number
            cleaned.append(row)
        if not rows:
            errors.append(RowError(0, "", "文件中没有数据行"))
        if errors:
            bad_rows = sorted({e.row for e in errors})
            listed = "、".join(f"第{r}行" for r in bad_rows[:10]) + ("等" if len(bad_rows) > 10 else "")
            raise ImportFailed(
                f"导入失败：{listed}有误（共{len(errors)}处），未导入任何数据。",
                details={"rows": [e.as_dict() for e in errors]},
            )
        removed = model.objects.filter(version=version).count()
        model.objects.filter(version=version).delete()
        for row in cleaned:
            item = model.objects.create(version=version, **row.values)
            if row.resolved:
                item.citations.set(row.resolved)
        append(
            "catalog.items_imported",
            actor=_actor(user),
            subject=_subject(version),
            payload={
                "filename": filename[:200],
                "sha256": hashlib.sha256(data).hexdigest(),
                "rows": len(cleaned),
                "replaced": removed,
                "ignored_columns": unknown,
            },
        )
    return ImportResult(version=version, created=len(cleaned), ignored_columns=unknown)


def export_excel(version: ListVersion) -> bytes:
    """The version as xlsx. Read access is the caller's business (start from ListVersion.objects.visible_to)."""
    return excel.export_workbook(version)


# --------------------------------------------------------------------------------------------------------------
# Review and publication


def submit(user, version: ListVersion, *, change_reason: str | None = None) -> ListVersion:
    _require(user, version, "submit")
    with transaction.atomic():
        version = _lock(version)
        _require_status(version, ListVersion.EDITABLE, "提交审核")
        if change_reason is not None:
            version.change_reason = change_reason.strip()
        if version.number > 1 and not version.change_reason:
            raise ValidationFailed(
                "修订清单必须说明修订原因（如法律法规修订、职责调整）。",
                code="catalog_change_reason_required",
                citation=UPDATE_ON_CHANGE,
            )
        count = version.items().count()
        if count == 0:
            raise ValidationFailed("清单没有任何事项，不能提交审核。", code="catalog_empty")
        version.status = ListVersion.Status.SUBMITTED
        version.submitted_by = _fk(user)
        version.submitted_at = timezone.now()
        version.save(update_fields=["status", "change_reason", "submitted_by", "submitted_at", "updated_at"])
        append(
            "catalog.version_submitted",
            actor=_actor(user),
            subject=_subject(version),
            payload={"change_reason": version.change_reason, "items": count},
        )
    return version


def _review(user, version: ListVersion, opinion: str, *, approve: bool) -> ListVersion:
    _require(user, version, "review")
    opinion = (opinion or "").strip()
    if not opinion:
        raise ValidationFailed(
            "法制审核应当出具书面审核意见。", code="catalog_opinion_required", citation=REVIEW_BEFORE_RELEASE
        )
    with transaction.atomic():
        version = _lock(version)
        _require_status(version, (ListVersion.Status.SUBMITTED,), "审核")
        version.status = ListVersion.Status.APPROVED if approve else ListVersion.Status.RETURNED
        version.reviewed_by = _fk(user)
        version.reviewed_at = timezone.now()
        version.review_opinion = opinion
        version.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_opinion", "updated_at"])
        append(
            "catalog.version_approved" if approve else "catalog.version_returned",
            actor=_actor(user),
            subject=_subject(version),
            payload={"opinion": opinion},
        )
    return version


def approve(user, version: ListVersion, *, opinion: str) -> ListVersion:
    return _review(user, version, opinion, approve=True)


def return_for_revision(user, version: ListVersion, *, opinion: str) -> ListVersion:
    return _review(user, version, opinion, approve=False)


def publish(user, version: ListVersion, *, effective_from: dt.date | None = None) -> ListVersion:
    """Publish an approved version from `effective_from` (default today, never earlier).

    The current version stays in force until the day before `effective_from`: when that is today it is superseded
    at once; when it is a later date it stays published (valid_to set) and `supersede_due` marks it superseded on
    that day. A date in the past is refused: publishing cannot rewrite which list was in force before."""
    _require(user, version, "publish")
    today = timezone.localdate()
    effective_from = effective_from or today
    if effective_from < today:
        raise ValidationFailed(
            f"施行日期（{effective_from}）不能早于今日（{today}）：不能发布一份从过去某日起施行的清单。",
            code="catalog_effective_in_past",
            citation=REVIEW_BEFORE_RELEASE,
        )
    with transaction.atomic():
        version = _lock(version)
        if version.status != ListVersion.Status.APPROVED:
            raise Conflict(
                f"该版本当前状态为“{version.get_status_display()}”，未经法制审核通过不得发布。",
                code="catalog_not_approved",
                citation=REVIEW_BEFORE_RELEASE,
            )
        catalog_list = CatalogList.objects.select_for_update().get(pk=version.catalog_list_id)
        previous = catalog_list.current_version
        if previous is not None and previous.valid_from and effective_from < previous.valid_from:
            raise ValidationFailed(
                f"施行日期不能早于现行第{previous.number}版的施行日期（{previous.valid_from}）。",
                code="catalog_effective_before_current",
            )
        now = timezone.now()
        events = []
        if previous is not None:
            previous.valid_to = effective_from
            if effective_from <= today:
                previous.status = ListVersion.Status.SUPERSEDED
                previous.superseded_at = now
                events.append(
                    ("catalog.version_superseded", previous, {"by": version.pk, "valid_to": effective_from})
                )
            previous.save(update_fields=["status", "valid_to", "superseded_at", "updated_at"])
        version.status = ListVersion.Status.PUBLISHED
        version.published_by = _fk(user)
        version.published_at = now
        version.valid_from = effective_from
        version.save(update_fields=["status", "published_by", "published_at", "valid_from", "updated_at"])
        catalog_list.current_version = version
        catalog_list.save(update_fields=["current_version", "updated_at"])
        append(
            "catalog.version_published",
            actor=_actor(user),
            subject=_subject(version),
            payload={
                "valid_from": effective_from,
                "supersedes": previous.pk if previous else None,
                "change_reason": version.change_reason,
            },
        )
        for event_type, subject, payload in events:
            append(event_type, actor=_actor(user), subject=_subject(subject), payload=payload)
    return version


def supersede_due(today: dt.date | None = None) -> int:
    """Mark superseded the published versions whose valid_to has come (a successor published ahead of its date).

    Idempotent; run daily (catalog.tasks.supersede_due_task). Queries never depend on it: what is in force on a
    date is read from valid_from/valid_to."""
    today = today or timezone.localdate()
    done = 0
    with transaction.atomic():
        due = ListVersion.objects.select_for_update().filter(
            status=ListVersion.Status.PUBLISHED, valid_to__isnull=False, valid_to__lte=today
        )
        for old in due.select_related("catalog_list"):
            old.status = ListVersion.Status.SUPERSEDED
            old.superseded_at = timezone.now()
            old.save(update_fields=["status", "superseded_at", "updated_at"])
            append(
                "catalog.version_superseded",
                actor=SYSTEM,
                subject=_subject(old),
                payload={"by": old.catalog_list.current_version_id, "valid_to": old.valid_to},
            )
            done += 1
    return done


# --------------------------------------------------------------------------------------------------------------
# Comparing versions


@dataclass
class ItemChange:
    old: ItemBase
    new: ItemBase
    columns: list[tuple[str, str, str]]  # (header, old text, new text)


@dataclass
class VersionDiff:
    version: ListVersion
    base: ListVersion | None
    added: list[ItemBase] = field(default_factory=list)
    removed: list[ItemBase] = field(default_factory=list)
    changed: list[ItemChange] = field(default_factory=list)
    unchanged: int = 0

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.removed or self.changed)


def diff_versions(version: ListVersion, base: ListVersion | None = None) -> VersionDiff:
    """Rows added, removed and changed between `base` (default: the version it is based on) and `version`.

    Rows are matched by the kind's identifying columns (e.g. 权力类型 + 事项名称 + 子项名称), not by 序号."""
    base = base if base is not None else version.based_on
    result = VersionDiff(version=version, base=base)
    related = version.item_model.related_fields()
    new_items = list(version.items().select_related(*related))
    if base is None:
        result.added = new_items
        return result
    old_by_key: dict[tuple, list[ItemBase]] = {}
    for item in base.items().select_related(*related):
        old_by_key.setdefault(_key(item), []).append(item)
    for item in new_items:
        candidates = old_by_key.get(_key(item))
        if not candidates:
            result.added.append(item)
            continue
        old = candidates.pop(0)
        before, after = item_values(old), item_values(item)
        columns = [(h, before[h], after[h]) for h in after if h != "序号" and before[h] != after[h]]
        if columns:
            result.changed.append(ItemChange(old, item, columns))
        else:
            result.unchanged += 1
    result.removed = [item for items in old_by_key.values() for item in items]
    result.removed.sort(key=lambda i: i.seq)
    return result


def _key(item: ItemBase) -> tuple:
    columns = {c.field: c for c in type(item).COLUMNS}
    return tuple(display_value(columns[f], getattr(item, f)) for f in type(item).KEY_FIELDS)


# --------------------------------------------------------------------------------------------------------------
# Queries other apps evaluate


def published_version(agency, kind: str, on: dt.date | None = None) -> ListVersion | None:
    """The agency's version of the list of `kind` in force on `on` (default today)."""
    on = on or timezone.localdate()
    return (
        ListVersion.objects.filter(
            catalog_list__agency=agency,
            catalog_list__kind=kind,
            status__in=ListVersion.PUBLIC,
            valid_from__lte=on,
        )
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=on))
        .order_by("-valid_from", "-number")
        .first()
    )


@dataclass
class Match:
    row: (
        MajorReviewItem | None
    )  # None: a case of 行政处罚法第五十八条 itself, not a row of the agency's catalog
    reasons: list[str]
    citation: object  # laws.Citation or None

    @property
    def statutory(self) -> bool:
        return self.row is None


def _natural(party_type: str | None) -> bool:
    # 个体工商户 is a natural person carrying on business (民法典第五十四条): the 公民 amounts apply.
    return party_type in (PartyType.NATURAL, PartyType.INDIVIDUAL_BUSINESS)


def evaluate_major_review(
    agency,
    *,
    act_type: str,
    penalty_kinds=(),
    fine_amount: Decimal | None = None,
    party_type: str | None = None,
    hearing_held: bool = False,
    flags=(),
    on: dt.date | None = None,
) -> list[Match]:
    """Rows of the agency's 重大执法决定法制审核目录清单 (version in force on `on`) that a proposed decision meets.

    A row matches when every criterion it states holds: its act type; any of its penalty kinds; the fine reaches
    its amount for the party's type (a row with amounts only for the other party type does not match); the
    hearing was held; any of its flags. Rows stating no criterion are text only and never match automatically.
    For a penalty (act_type "penalty"), the cases of 行政处罚法第五十八条第一款 that the flags establish are added
    whatever the catalog says (Match.row None, citing the item): 涉及重大公共利益 (一); 直接关系重大权益 *and*
    经过听证 (二); 疑难复杂 or 涉及多个法律关系 (三). An empty result means neither the catalog nor those cases apply.
    """
    penalty_kinds = set(penalty_kinds or ())
    flags = set(flags or ())
    matches = _catalog_matches(
        agency,
        act_type=act_type,
        penalty_kinds=penalty_kinds,
        fine=Decimal(fine_amount) if fine_amount is not None else None,
        party_type=party_type,
        hearing_held=hearing_held,
        flags=flags,
        on=on,
    )
    if act_type == ActType.PENALTY:
        matches.extend(_statutory_matches(flags, hearing_held))
    return matches


def _statutory_matches(flags: set, hearing_held: bool) -> list[Match]:
    """行政处罚法第五十八条第一款第（一）至（三）项, evaluated from the flags (item 4 refers to other laws)."""
    label = {f.value: f.label for f in ReviewFlag}
    out = []
    if ReviewFlag.PUBLIC_INTEREST in flags:
        out.append(([label[ReviewFlag.PUBLIC_INTEREST]], 1))
    if ReviewFlag.MAJOR_RIGHTS in flags and hearing_held:
        out.append(([label[ReviewFlag.MAJOR_RIGHTS], "经过听证程序"], 2))
    complex_hit = [label[f] for f in (ReviewFlag.COMPLEX, ReviewFlag.MULTIPLE_RELATIONS) if f in flags]
    if complex_hit:
        out.append((complex_hit, 3))
    return [
        Match(
            row=None,
            reasons=[*reasons, "属于行政处罚法第五十八条规定应当进行法制审核的情形"],
            citation=_penalty_review_citation(paragraph=1, item=item),
        )
        for reasons, item in out
    ]


def _catalog_matches(
    agency, *, act_type, penalty_kinds: set, fine, party_type, hearing_held: bool, flags: set, on
) -> list[Match]:
    version = published_version(agency, Kind.MAJOR_REVIEW, on)
    if version is None:
        return []
    fallback = _penalty_review_citation() if act_type == ActType.PENALTY else None
    matches = []
    for row in version.items().prefetch_related("citations__law"):
        if not row.has_criteria:
            continue
        reasons: list[str] = []
        if row.act_type:
            if row.act_type != act_type:
                continue
            reasons.append(f"执法行为类型为{ActType(row.act_type).label}")
        if row.penalty_kinds:
            hit = [k for k in row.penalty_kinds if k in penalty_kinds]
            if not hit:
                continue
            reasons.append("处罚种类含" + "、".join(PenaltyKind(k).label for k in hit))
        if row.min_fine_natural is not None or row.min_fine_org is not None:
            natural = _natural(party_type)
            limit = row.min_fine_natural if natural else row.min_fine_org
            if limit is None or fine is None or fine < limit:
                continue
            whom = "公民" if natural else "法人或者其他组织"
            reasons.append(f"对{whom}罚款{_yuan(fine)}元，达到{_yuan(limit)}元的标准")
        if row.requires_hearing:
            if not hearing_held:
                continue
            reasons.append("经过听证程序")
        if row.flags:
            hit = [f for f in row.flags if f in flags]
            if not hit:
                continue
            reasons.append("、".join(ReviewFlag(f).label for f in hit))
        citations = list(row.citations.all())
        matches.append(Match(row=row, reasons=reasons, citation=citations[0] if citations else fallback))
    return matches


def _penalty_review_citation(paragraph: int = 0, item: int = 0):
    from zhifa.laws.services import cite

    return cite(PENALTY_LAW, 58, paragraph, item)


def _yuan(amount: Decimal) -> str:
    return format(amount.normalize(), "f") if amount == amount.to_integral() else str(amount)


def large_amount_threshold(
    sector: str, jurisdiction, on: dt.date | None = None, *, queryset=None
) -> ThresholdItem | None:
    """The 较大数额 standard (行政处罚法第六十三条) for `sector` in `jurisdiction` on `on` (default today).

    Only rows of list versions in force on `on` count (published, valid_from ≤ on < valid_to, as in
    published_version): a version published ahead of its date changes nothing before that date. Looks at the
    jurisdiction itself and then up its tree (nearest first); at one level the row with the latest 施行日期 ≤ on
    (and not yet expired) wins. `queryset` narrows the rows (the API passes ThresholdItem.objects.visible_to(user)).
    """
    on = on or timezone.localdate()
    chain = jurisdiction.ancestors()
    depth = {j.pk: len(j.path) for j in chain}
    rows = (
        (queryset if queryset is not None else ThresholdItem.objects.all())
        .filter(
            version__status__in=ListVersion.PUBLIC,
            version__valid_from__lte=on,
            sector=sector,
            jurisdiction__in=chain,
            valid_from__lte=on,
        )
        .filter(Q(version__valid_to__isnull=True) | Q(version__valid_to__gt=on))
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=on))
        .select_related("jurisdiction", "version")
    )
    best = sorted(
        rows,
        key=lambda r: (depth[r.jurisdiction_id], r.valid_from, r.version.valid_from, r.version.number),
        reverse=True,
    )
    return best[0] if best else None


def is_large_amount(
    *, sector: str, jurisdiction, amount: Decimal, party_type: str, on: dt.date | None = None
) -> bool | None:
    """Whether `amount` reaches the 较大数额 standard; None when no standard is published for the place."""
    row = large_amount_threshold(sector, jurisdiction, on)
    if row is None:
        return None
    limit = row.amount_natural if _natural(party_type) else row.amount_org
    return Decimal(amount) >= limit


def av_requirement(agency, step: str, on: dt.date | None = None):
    """The agency's 音像记录事项 row for an enforcement step (mandatory rows first), or None."""
    version = published_version(agency, Kind.AV_RECORD, on)
    if version is None:
        return None
    rows = [r for r in version.items() if r.step == step]
    rows.sort(key=lambda r: (r.requirement != AVRequirement.MANDATORY, r.seq))
    return rows[0] if rows else None


def discretion_ranges(
    agency, *, item_name: str = "", item_code: str = "", on: dt.date | None = None
) -> list[DiscretionItem]:
    """The agency's 裁量基准 rows for a power item (by 事项编码 or 事项名称) in force on `on`."""
    version = published_version(agency, Kind.DISCRETION, on)
    if version is None:
        return []
    qs = DiscretionItem.objects.filter(version=version)
    if item_code:
        qs = qs.filter(item_code=item_code)
    elif item_name:
        qs = qs.filter(item_name=item_name)
    return list(qs.order_by("seq"))
