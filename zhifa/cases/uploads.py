"""The "evidence" completion handler of zhifa.files' tus uploads.

The upload's metadata carries purpose="evidence" and: case_id, evidence_type (行政处罚法第四十六条 kind), filename,
recorded_at (ISO), device, place, title (default: filename), step (音像记录 step, optional), description.
The handler runs inside the transaction that finishes the upload: a DomainError leaves the upload unfinished.
"""

from __future__ import annotations

from zhifa.cases import services
from zhifa.cases.models import Case, Evidence
from zhifa.core.errors import ValidationFailed


def _metadata(upload) -> dict:
    meta = getattr(upload, "metadata", None)
    if callable(meta):
        meta = meta()
    return dict(meta or {})


def evidence_upload_completed(upload, blob, user) -> Evidence:
    meta = _metadata(upload)
    try:
        case_id = int(meta.get("case_id", ""))
    except ValueError:
        raise ValidationFailed("上传信息缺少案件编号。", code="evidence_case_required") from None
    case = Case.objects.filter(pk=case_id).first()
    if case is None or not Case.objects.visible_to(user).filter(pk=case_id).exists():
        services.get_visible(Case, user, channel="upload", pk=case_id)  # records the denial, raises NotFound
    filename = meta.get("filename", "")
    return services.add_evidence(
        user,
        case,
        kind=meta.get("evidence_type", ""),
        title=meta.get("title") or filename,
        recorded_at=meta.get("recorded_at") or "",
        blob=blob,
        filename=filename,
        device=meta.get("device", ""),
        place=meta.get("place", ""),
        step=meta.get("step", ""),
        description=meta.get("description", ""),
        channel="upload",
    )
