"""Documents services: the only writers of 文书 rows.

issue_document(user=, agency=, kind=, context=, case_id=None, corrects=None) -> IssuedDocument
    checks the issuer, validates the content (行政处罚决定书: 行政处罚法第五十九条), takes the next 文号,
    renders HTML → PDF, signs (PAdES), stores the PDF, records `document.issued` — all in one transaction.
verify_document(doc) -> VerificationResult
record_download(user=, doc=, channel=) / record_view(...)   调阅 events
create_html_template(...), upload_word_template(...), render_word(...), preview_pdf(...)
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone

from zhifa.core.errors import Conflict, DomainError, PermissionDenied, ValidationFailed
from zhifa.core.roles import Role
from zhifa.core.scoping import can_create, get_visible, record_denied, require_can_create, user_role
from zhifa.documents import events, kinds, rendering, signing
from zhifa.documents.models import (
    AgencySigningKey,
    DocumentKind,
    DocumentNumberSequence,
    DocumentTemplate,
    IssuedDocument,
)
from zhifa.files.services import read_bytes, store_bytes
from zhifa.ledger.services import Actor, append

RESERVED_KEYS = frozenset({"agency", "document"})
ISSUER_ROLES = frozenset({Role.OFFICER, Role.HEAD})


class SigningFailed(DomainError):
    status = 503
    code = "signing_failed"


# --- kinds ------------------------------------------------------------------------------------------------


def _citation(spec):
    if not spec:
        return None
    from zhifa.laws.services import cite

    try:
        return cite(*spec)
    except DomainError:  # the statute is not loaded yet (first migrate of an empty database)
        return None


def seed_kinds() -> int:
    """Create the shipped document kinds that are missing (never overwrites an administrator's edits);
    fills in a missing citation once the statutes are loaded. Returns how many rows were created."""
    created = 0
    with transaction.atomic():
        for order, spec in enumerate(kinds.DEFAULT_KINDS):
            required = [
                {"key": r[0], "label": r[1], **({"item": r[2]} if len(r) > 2 else {})}
                for r in spec["required"]
            ]
            kind, made = DocumentKind.objects.get_or_create(
                code=spec["code"],
                defaults={
                    "name": spec["name"],
                    "number_prefix": spec["prefix"],
                    "required_fields": required,
                    "order": spec.get("order", order),
                    "citation": _citation(spec["citation"]),
                },
            )
            created += made
            if not made and kind.citation_id is None and spec["citation"]:
                citation = _citation(spec["citation"])
                if citation is not None:
                    DocumentKind.objects.filter(pk=kind.pk).update(citation=citation)
    return created


def get_kind(kind) -> DocumentKind:
    if isinstance(kind, DocumentKind):
        return kind
    row = DocumentKind.objects.filter(code=kind).select_related("citation__law").first()
    if row is None and kind in kinds.BY_CODE:
        seed_kinds()
        row = DocumentKind.objects.filter(code=kind).select_related("citation__law").first()
    if row is None or not row.active:
        raise ValidationFailed(f"没有“{kind}”这种执法文书。", code="unknown_document_kind")
    return row


# --- templates ----------------------------------------------------------------------------------------------


def active_template(
    agency, kind: DocumentKind, fmt: str = DocumentTemplate.Format.HTML
) -> DocumentTemplate | None:
    """The agency's active template of the kind, else the platform's (agency empty); None: the shipped file."""
    qs = DocumentTemplate.objects.filter(kind=kind, format=fmt, active=True).order_by("-version")
    if agency is not None:
        own = qs.filter(agency=agency).first()
        if own is not None:
            return own
    return qs.filter(agency__isnull=True).first()


def template_source(agency, kind: DocumentKind) -> tuple[str, DocumentTemplate | None, str]:
    """(HTML source, template row or None, label) used to render the kind for the agency."""
    row = active_template(agency, kind)
    if row is not None:
        owner = row.agency.short_name if row.agency_id else "平台"
        return row.body, row, f"{owner}模板“{row.name}”第{row.version}版"
    source = rendering.shipped_default(kind.code)
    if not source:
        raise ValidationFailed(f"“{kind.name}”没有可用的模板。", code="no_document_template")
    return source, None, "平台内置模板"


def may_edit_templates(user, agency) -> bool:
    """Whether `user` may save templates for `agency` (None: the platform defaults). Decides the console's forms;
    `_require_template_admin` enforces the same rule."""
    if agency is None:
        return user_role(user) == Role.ADMIN
    return can_create(user, DocumentTemplate, agency)


def _require_template_admin(user, agency, *, channel: str = "") -> None:
    if agency is None:
        if user_role(user) == Role.ADMIN:
            return
        record_denied(user, DocumentTemplate, {"agency": ""}, "create", channel)
        raise PermissionDenied("只有系统管理员可以维护平台默认文书模板。", code="document_template_denied")
    require_can_create(
        user,
        DocumentTemplate,
        agency,
        channel=channel,
        message="只有本机关负责人可以维护本机关的文书模板。",
        code="document_template_denied",
    )


def _next_template_version(agency, kind, fmt) -> int:
    last = DocumentTemplate.objects.filter(agency=agency, kind=kind, format=fmt).order_by("-version").first()
    return (last.version + 1) if last else 1


def _save_template(*, user, agency, kind, name, fmt, body="", docx=None, channel="") -> DocumentTemplate:
    with transaction.atomic():
        previous = list(
            DocumentTemplate.objects.select_for_update().filter(
                agency=agency, kind=kind, format=fmt, active=True
            )
        )
        template = DocumentTemplate.objects.create(
            agency=agency,
            kind=kind,
            version=_next_template_version(agency, kind, fmt),
            name=name or kind.name,
            format=fmt,
            body=body,
            docx=docx,
            active=True,
            created_by=user,
        )
        for old in previous:
            DocumentTemplate.objects.filter(pk=old.pk).update(active=False)
        append(
            events.TEMPLATE_CREATED,
            actor=Actor.from_user(user),
            subject=template,
            payload={
                "agency": agency.pk if agency else None,
                "kind": kind.code,
                "version": template.version,
                "format": fmt,
                "sha256": hashlib.sha256(body.encode()).hexdigest()
                if body
                else (docx.sha256 if docx else ""),
                "replaces": [t.pk for t in previous],
                "channel": channel,
            },
        )
    return template


def create_html_template(
    *, user, agency, kind, body: str, name: str = "", channel: str = ""
) -> DocumentTemplate:
    """A new active version of the agency's HTML template (agency None: the platform default, admins only).
    The template must render the kind's sample context in the sandbox."""
    kind = get_kind(kind)
    _require_template_admin(user, agency, channel=channel)
    context = _render_context(agency, kind, kinds.sample_context(kind.code), number="（样张）", preview=True)
    try:
        rendering.render_html(body, context)
    except rendering.TemplateProblem as exc:
        raise ValidationFailed(str(exc), code="document_template_invalid") from exc
    return _save_template(
        user=user, agency=agency, kind=kind, name=name, fmt="html", body=body, channel=channel
    )


def upload_word_template(
    *, user, agency, kind, data: bytes, name: str = "", channel: str = ""
) -> DocumentTemplate:
    """A new active Word (.docx, docxtpl placeholders) template of the kind for the agency."""
    kind = get_kind(kind)
    _require_template_admin(user, agency, channel=channel)
    try:
        rendering.docx_placeholders(data)
    except rendering.TemplateProblem as exc:
        raise ValidationFailed(str(exc), code="document_template_invalid") from exc
    blob = store_bytes(
        data, content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    return _save_template(
        user=user, agency=agency, kind=kind, name=name, fmt="docx", docx=blob, channel=channel
    )


def render_word(*, user, template: DocumentTemplate, context: dict) -> bytes:
    """Fill a Word template for editing and printing. Not signed and not numbered: the issued document is the
    signed PDF of the HTML path (converting .docx to PDF offline needs LibreOffice, which the platform lacks)."""
    template = get_visible(DocumentTemplate.objects.filter(pk=template.pk), user)
    if template.format != DocumentTemplate.Format.DOCX or template.docx_id is None:
        raise ValidationFailed("该模板不是Word模板。", code="not_a_word_template")
    agency = template.agency or getattr(user, "agency", None)
    ctx = _render_context(agency, template.kind, context, number="", preview=False)
    try:
        return rendering.render_docx(read_bytes(template.docx), ctx)
    except rendering.TemplateProblem as exc:
        raise ValidationFailed(str(exc), code="document_template_invalid") from exc


# --- context and validation -----------------------------------------------------------------------------------


def date_cn(value: dt.date) -> str:
    return f"{value.year}年{value.month}月{value.day}日"


def _as_date(value) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def _present(value) -> bool:
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, list | tuple | dict):
        return any(_present(v) for v in (value.values() if isinstance(value, dict) else value))
    return True


def prepare_context(agency, kind: DocumentKind, context: dict, *, today: dt.date | None = None) -> dict:
    """The kind's context with the platform's own facts filled in (agency name; the 决定书's decision date)."""
    context = dict(context or {})
    reserved = RESERVED_KEYS & context.keys()
    if reserved:
        raise ValidationFailed(
            f"文书内容不能使用保留字段：{'、'.join(sorted(reserved))}。", code="document_context_reserved"
        )
    today = today or timezone.localdate()
    if kind.code == kinds.PENALTY_DECISION:
        context.setdefault("agency_name", agency.name if agency else "")
        decided = _as_date(context.get("decision_date")) or (
            today if not context.get("decision_date") else None
        )
        if decided is not None:
            context["decision_date"] = decided.isoformat()
            context["decision_date_cn"] = date_cn(decided)
    return context


def validate_context(kind: DocumentKind, context: dict) -> None:
    """Refuse a document that lacks a required item, naming every missing item and the article demanding it."""
    missing = [f for f in kind.required_fields if not _present(context.get(f["key"]))]
    if (
        kind.code == kinds.PENALTY_DECISION
        and context.get("decision_date")
        and not _as_date(context["decision_date"])
    ):
        missing.append({"key": "decision_date", "label": "作出决定的日期（格式应为YYYY-MM-DD）", "item": 6})
    if not missing:
        return
    from zhifa.laws.parsing import int_to_cn

    parts = []
    for f in missing:
        prefix = f"（{int_to_cn(f['item'])}）" if f.get("item") else ""
        parts.append(f"{prefix}{f['label']}")
    citation = str(kind.citation) if kind.citation_id else ""
    rule = f"依照{citation}，" if citation else ""
    raise ValidationFailed(
        f"{rule}{kind.name}应当载明下列事项，以下事项缺失：{'；'.join(parts)}。",
        code="document_content_incomplete",
        citation=citation,
        details={"missing": [f["key"] for f in missing]},
    )


def _render_context(agency, kind, context, *, number, preview, issued_on=None, corrects=None) -> dict:
    issued_on = issued_on or timezone.localdate()
    ctx = prepare_context(agency, kind, context, today=issued_on)
    ctx["agency"] = {
        "name": agency.name if agency else "（执法主体名称）",
        "short_name": agency.short_name if agency else "",
        "address": agency.address if agency else "",
        "phone": agency.phone if agency else "",
    }
    ctx["document"] = {
        "title": kind.name,
        "kind": kind.code,
        "number": number,
        "date": issued_on.isoformat(),
        "date_cn": date_cn(issued_on),
        "preview": preview,
        "corrects_number": corrects.number if corrects else "",
        "corrects_title": corrects.title if corrects else "",
    }
    return ctx


def _jsonable(ctx: dict) -> dict:
    from django.core.serializers.json import DjangoJSONEncoder

    return json.loads(json.dumps(ctx, cls=DjangoJSONEncoder, ensure_ascii=False))


# --- issuing --------------------------------------------------------------------------------------------------


def _issuer_allowed(user, agency, kind) -> bool:
    """A kind may name who signs it (kinds.py "issuer": dotted path of fn(user, agency) -> bool, e.g. the
    法制审核意见书, signed by the agency's review body); otherwise the agency's officers and heads."""
    check = kinds.BY_CODE.get(getattr(kind, "code", ""), {}).get("issuer")
    if check:
        from django.utils.module_loading import import_string

        return bool(import_string(check)(user, agency))
    return user_role(user) in ISSUER_ROLES and getattr(user, "agency_id", None) == agency.pk


def _require_issuer(user, agency, *, channel: str, kind=None) -> None:
    from zhifa.laws.services import cite
    from zhifa.registry.models import Agency

    if _issuer_allowed(user, agency, kind):
        if agency.status != Agency.Status.ACTIVE:
            raise ValidationFailed(
                f"{agency.name}已{agency.get_status_display()}，不能再以其名义签发文书。",
                code="agency_inactive",
            )
        return
    record_denied(user, IssuedDocument, {"agency": agency.pk}, "create", channel)
    raise PermissionDenied(
        "只有本机关的执法人员或负责人可以签发本机关的执法文书。",
        code="document_issuer_denied",
        citation=str(cite("administrative-penalty-law", 17)),
    )


def _take_number(agency, kind, year: int) -> int:
    """The next number of the agency/kind/year, under a row lock held until the caller's transaction ends."""
    lookup = {"agency": agency, "kind": kind, "year": year}
    seq = DocumentNumberSequence.objects.select_for_update().filter(**lookup).first()
    if seq is None:
        try:
            with transaction.atomic():
                DocumentNumberSequence.objects.create(**lookup, next_number=1)
        except IntegrityError:  # created concurrently: the lock below waits for the other transaction
            pass
        seq = DocumentNumberSequence.objects.select_for_update().get(**lookup)
    number = seq.next_number
    DocumentNumberSequence.objects.filter(pk=seq.pk).update(next_number=number + 1)
    return number


def format_number(agency, kind: DocumentKind, year: int, n: int) -> str:
    return kind.number_format.format(short=agency.short_name, prefix=kind.number_prefix, year=year, n=n)


def issue_document(
    *, user, agency, kind, context: dict, case_id: int | None = None, corrects=None, channel: str = ""
) -> IssuedDocument:
    """Render, number, sign and store a 文书 of `kind` for `agency`; returns the IssuedDocument.

    One transaction: if anything fails (content, template, signing, storage), no number is consumed and nothing
    is written. `corrects` (an IssuedDocument of the same agency and kind) makes this a correction: the original
    stays as it is and a `document.corrected` event links the two.
    """
    kind = get_kind(kind)
    _require_issuer(user, agency, channel=channel, kind=kind)
    if corrects is not None:
        corrects = get_visible(IssuedDocument.objects.filter(pk=corrects.pk), user, channel=channel)
        if corrects.agency_id != agency.pk or corrects.kind_id != kind.pk:
            raise ValidationFailed("更正文书应与原文书属于同一机关、同一种类。", code="correction_mismatch")
        later = corrects.corrections.first()
        if later is not None:
            raise Conflict(
                f"该文书已被{later.number or later.title}更正，请对最新的文书进行更正。",
                code="already_corrected",
            )
        if case_id is None:
            case_id = corrects.case_id
    issued_on = timezone.localdate()
    context = prepare_context(agency, kind, context, today=issued_on)
    validate_context(kind, context)
    source, template, template_label = template_source(agency, kind)

    with transaction.atomic():
        try:
            signing_key = signing.ensure_agency_key(agency)
        except signing.SigningUnavailable as exc:
            raise SigningFailed(f"文书签章失败：{exc}", code="signing_failed") from exc
        year = issued_on.year
        sequence = _take_number(agency, kind, year) if kind.numbered else None
        number = format_number(agency, kind, year, sequence) if sequence else ""
        ctx = _render_context(
            agency, kind, context, number=number, preview=False, issued_on=issued_on, corrects=corrects
        )
        try:
            html = rendering.render_html(source, ctx)
        except rendering.TemplateProblem as exc:
            raise ValidationFailed(str(exc), code="document_template_invalid") from exc
        pdf = rendering.html_to_pdf(html)
        signed_at = timezone.now()
        try:
            signed = signing.sign_pdf(
                pdf,
                signing_key,
                reason=f"{kind.name}{number}",
                location=agency.jurisdiction.full_name,
                name=agency.name,
            )
        except signing.SigningUnavailable as exc:
            raise SigningFailed(f"文书签章失败：{exc}", code="signing_failed") from exc
        blob = store_bytes(signed, content_type="application/pdf")
        doc = IssuedDocument.objects.create(
            agency=agency,
            kind=kind,
            title=kind.name,
            number=number,
            year=year,
            sequence=sequence,
            case_id=case_id,
            blob=blob,
            sm3=blob.sm3,
            sha256=blob.sha256,
            size=blob.size,
            signed_at=signed_at,
            signing_key=signing_key,
            signer_fingerprint=signing_key.fingerprint,
            template=template,
            template_label=template_label,
            corrects=corrects,
            context=_jsonable({k: v for k, v in ctx.items() if k not in RESERVED_KEYS}),
            issued_by=user,
            issued_at=signed_at,
        )
        actor = Actor.from_user(user)
        append(
            events.ISSUED,
            actor=actor,
            subject=doc,
            case_id=case_id,
            payload={
                "agency": agency.pk,
                "kind": kind.code,
                "number": number,
                "sm3": blob.sm3,
                "sha256": blob.sha256,
                "size": blob.size,
                "storage_key": blob.storage_key,
                "case_id": case_id,
                "corrects": corrects.pk if corrects else None,
                "signer_fingerprint": signing_key.fingerprint,
                "template": template_label,
                "channel": channel,
            },
        )
        if corrects is not None:
            append(
                events.CORRECTED,
                actor=actor,
                subject=corrects,
                case_id=case_id,
                payload={
                    "number": corrects.number,
                    "corrected_by": doc.pk,
                    "corrected_by_number": number,
                    "reason": str(context.get("correction_reason", "")),
                },
            )
    return doc


# --- reading: 调阅 and verification ----------------------------------------------------------------------------


def _record_access(event_type: str, *, user, doc: IssuedDocument, channel: str) -> None:
    with transaction.atomic():
        append(
            event_type,
            actor=Actor.from_user(user),
            subject=doc,
            case_id=doc.case_id,
            payload={"number": doc.number, "kind": doc.kind.code, "sm3": doc.sm3, "channel": channel},
        )


def record_download(*, user, doc: IssuedDocument, channel: str = "") -> None:
    """调阅: put the download of a signed document on the ledger (call before sending the bytes)."""
    _record_access(events.DOWNLOADED, user=user, doc=doc, channel=channel)


def record_view(*, user, doc: IssuedDocument, channel: str = "") -> None:
    _record_access(events.VIEWED, user=user, doc=doc, channel=channel)


@dataclass
class VerificationResult:
    ok: bool
    file_present: bool = False
    size_ok: bool = False
    sm3_ok: bool = False
    sha256_ok: bool = False
    ledger_ok: bool = False
    signature: signing.SignatureCheck | None = None
    signer_matches: bool = False
    key_valid_at_signing: bool = False
    problems: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        sig = self.signature
        return {
            "ok": self.ok,
            "file_present": self.file_present,
            "size_ok": self.size_ok,
            "sm3_ok": self.sm3_ok,
            "sha256_ok": self.sha256_ok,
            "ledger_ok": self.ledger_ok,
            "signature_ok": bool(sig and sig.ok),
            "signature_intact": bool(sig and sig.intact),
            "signature_trusted": bool(sig and sig.trusted),
            "signer_subject": sig.signer_subject if sig else "",
            "signer_matches": self.signer_matches,
            "key_valid_at_signing": self.key_valid_at_signing,
            "problems": list(self.problems),
        }


def verify_document(doc: IssuedDocument) -> VerificationResult:
    """Re-hash the stored PDF against the recorded digests (row and ledger event) and validate its PAdES
    signature with the platform CA as the only trust root, at the recorded signing time."""
    from zhifa.files.services import blob_path
    from zhifa.ledger.models import Event

    result = VerificationResult(ok=False)
    try:
        data = blob_path(doc.blob).read_bytes()
        result.file_present = True
    except OSError:
        result.problems.append("签章文件缺失。")
        return result
    sm3 = hashlib.new("sm3", data).hexdigest()
    sha256 = hashlib.sha256(data).hexdigest()
    result.size_ok = len(data) == doc.size == doc.blob.size
    result.sm3_ok = sm3 == doc.sm3 == doc.blob.sm3
    result.sha256_ok = sha256 == doc.sha256 == doc.blob.sha256
    if not result.size_ok:
        result.problems.append("文件大小与签发时记录的不一致。")
    if not result.sm3_ok:
        result.problems.append("文件的SM3摘要与签发时记录的不一致。")
    if not result.sha256_ok:
        result.problems.append("文件的SHA-256摘要与签发时记录的不一致。")
    event = (
        Event.objects.filter(
            event_type=events.ISSUED, subject_type=IssuedDocument._meta.label_lower, subject_id=str(doc.pk)
        )
        .order_by("index")
        .first()
    )
    if event is None:
        result.problems.append("全过程记录中没有该文书的签发记录。")
    else:
        payload = json.loads(event.payload)
        result.ledger_ok = payload.get("sm3") == sm3 and payload.get("sha256") == sha256
        if not result.ledger_ok:
            result.problems.append("文件摘要与全过程记录中的签发记录不一致。")
    sig = signing.check_pdf_signature(data, moment=doc.signed_at)
    result.signature = sig
    result.problems.extend(sig.problems)
    key = doc.signing_key
    result.signer_matches = bool(sig.signer_fingerprint) and sig.signer_fingerprint == key.fingerprint
    if sig.present and not result.signer_matches:
        result.problems.append("签章证书与签发时记录的机关证书不一致。")
    result.key_valid_at_signing = key.revoked_at is None or key.revoked_at > doc.signed_at
    if not result.key_valid_at_signing:
        result.problems.append("签章时该机关签章密钥已被吊销。")
    result.ok = (
        result.size_ok
        and result.sm3_ok
        and result.sha256_ok
        and result.ledger_ok
        and sig.ok
        and result.signer_matches
        and result.key_valid_at_signing
    )
    return result


# --- keys and previews -----------------------------------------------------------------------------------------


def revoke_signing_key(*, user, key: AgencySigningKey, reason: str) -> AgencySigningKey:
    """Revoke an agency's signing key (e.g. the key file leaked); the next issue gets a new key. Documents signed
    before the revocation stay valid."""
    if user_role(user) != Role.ADMIN:
        record_denied(user, AgencySigningKey, {"pk": key.pk}, "revoke")
        raise PermissionDenied("只有系统管理员可以吊销机关签章密钥。", code="signing_key_revoke_denied")
    if not reason.strip():
        raise ValidationFailed("请填写吊销原因。", code="reason_required")
    with transaction.atomic():
        key = AgencySigningKey.objects.select_for_update().get(pk=key.pk)
        if key.revoked_at is not None:
            return key
        key.revoked_at = timezone.now()
        key.revoked_reason = reason
        key.save(update_fields=["revoked_at", "revoked_reason"])
        append(
            events.SIGNING_KEY_REVOKED,
            actor=Actor.from_user(user),
            subject=key,
            payload={"agency": key.agency_id, "fingerprint": key.fingerprint, "reason": reason},
        )
    return key


def preview_pdf(
    *, user, agency, kind, template: DocumentTemplate | None = None, context: dict | None = None
) -> bytes:
    """An unsigned, unnumbered PDF marked 样张 (template previews). Renders the sample context by default."""
    kind = get_kind(kind)
    if template is not None:
        template = get_visible(DocumentTemplate.objects.filter(pk=template.pk), user)
        source = template.body
    else:
        source = template_source(agency, kind)[0]
    ctx = _render_context(
        agency,
        kind,
        context if context is not None else kinds.sample_context(kind.code),
        number="（样张）",
        preview=True,
    )
    try:
        return rendering.html_to_pdf(rendering.render_html(source, ctx))
    except rendering.TemplateProblem as exc:
        raise ValidationFailed(str(exc), code="document_template_invalid") from exc
