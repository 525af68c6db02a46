"""事后公示: creating, redacting, approving, correcting, withdrawing and expiring publications.

Writers (each one transaction with its ledger event):
    create_publication(user, *, category, agency, source_type, source_id, decided_on, ...)  any source module
    approve(user, publication, fields=None)   a reviewer of the agency approves the redacted text → published
    correct(user, publication, changes, reason)  a new version (corrections keep history), reviewed again
    withdraw(user, publication, reason, ...)  撤回 with a public reason and a takedown-log entry
    expire_due(today) / check_overdue(today)  periodic: expiry by rule; alerts for overdue publications
    save_redaction_rule(user, rule)           an administrator's extra redaction pattern
Hooks:
    on_transition(...)  registered with zhifa.cases.services.register_transition_listener in PortalConfig.ready():
                        decisions and 查封/扣押/先行登记保存 become publications, 决定变更/撤销 withdraws them.
    result_loader(ids)  registered with the search app: public rows for search hits.

The portal never reads case tables for display: what it shows is the snapshot taken here at creation.
"""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from zhifa.core.errors import Conflict, PermissionDenied, ValidationFailed
from zhifa.core.roles import Role
from zhifa.core.scoping import record_denied, require_can_create, require_editable, user_role
from zhifa.ledger.services import SYSTEM, Actor, append
from zhifa.portal import events, redaction
from zhifa.portal.models import (
    NATURAL_KINDS,
    Category,
    ExpiryRule,
    PartyKind,
    Publication,
    PublicationScopeRule,
    PublicationVersion,
    RedactionRule,
    Takedown,
)

log = logging.getLogger(__name__)

PENALTY_LAW_48_1 = "《中华人民共和国行政处罚法》第四十八条第一款"
PENALTY_LAW_48_2 = "《中华人民共和国行政处罚法》第四十八条第二款"
WITHDRAW_RULE = "penalty.withdraw_publication"
APPROVE_CITATION = "国办发〔2018〕118号（公示信息经审核后发布）；domain.md §3.4"

# The texts the public sees, redacted; a reviewer may edit them before approving.
TEXT_FIELDS = ("title", "party_name", "legal_representative", "facts", "basis", "content")
FIELD_LABELS = {
    "title": "违法行为类型/事项",
    "party_name": "行政相对人名称",
    "legal_representative": "法定代表人（负责人）",
    "facts": "违法事实/执法结论",
    "basis": "依据",
    "content": "处理内容",
}
# Structured fields copied to the public version as they are (none of them personal data of a natural person).
PLAIN_FIELDS = (
    "agency_name", "agency_uscc", "document_number", "party_kind", "kinds", "kinds_display", "fine_amount",
    "confiscation_amount", "licence", "decided_on", "procedure", "act_label", "case_number",
)  # fmt: skip
# Snapshot keys that are never public (kept in the internal original only).
PRIVATE_FIELDS = ("party_id_type", "party_id_number", "party_address", "party_phone", "natural_names")

REVISION_LABELS = {
    "changed": "变更",
    "revoked": "撤销",
    "confirmed_illegal": "确认违法",
    "confirmed_void": "确认无效",
    "remade": "责令重新作出",
}
REVISED_BY_LABELS = {
    "self": "本机关（自行纠正）",
    "reconsideration": "行政复议机关",
    "court": "人民法院",
    "supervision": "上级行政机关/执法监督机关",
}
CORRECTABLE_REVISIONS = ("changed", "remade")


# --------------------------------------------------------------------------------------------------------------
# Search (zhifa.portal.search): only published, redacted text is indexed; withdrawal and expiry remove it in the
# same transaction.


def _index(pub: Publication) -> None:
    from zhifa.portal.search import services as search

    if pub.current is None:
        return
    f = pub.current.fields
    search.index_document(
        pub.pk,
        agency_id=pub.agency_id,
        jurisdiction_path=pub.agency.jurisdiction.path,
        category=pub.category,
        published_on=pub.published_on,
        penalty_kinds=list(pub.penalty_kinds or []),
        title=public_title(f),
        text=public_text(f),
    )


def _unindex(pub: Publication) -> None:
    from zhifa.portal.search import services as search

    search.remove_document(pub.pk)


def result_loader(ids) -> list[dict]:
    """Public rows for search hits (published only; pending, withdrawn and expired ones are left out)."""
    rows = {
        p.pk: p
        for p in Publication.objects.filter(
            pk__in=list(ids), status=Publication.Status.PUBLISHED
        ).select_related("agency", "current")
    }
    out = []
    for i in ids:
        p = rows.get(int(i))
        if p is None or p.current is None:
            continue
        f = p.current.fields
        out.append(
            {
                "id": p.pk,
                "url": reverse("portal:decision", args=[p.pk]),
                "title": public_title(f),
                "agency": p.agency.name,
                "category": p.get_category_display(),
                "published_on": p.published_on,
                "snippet_text": public_text(f),
            }
        )
    return out


def public_title(fields: dict) -> str:
    parts = [fields.get("title") or "", fields.get("party_name") or ""]
    return " · ".join(p for p in parts if p) or "公示信息"


def public_text(fields: dict) -> str:
    keys = (
        "document_number",
        "title",
        "party_name",
        "facts",
        "basis",
        "kinds_display",
        "content",
        "agency_name",
    )
    return "\n".join(str(fields.get(k) or "") for k in keys if fields.get(k))


# --------------------------------------------------------------------------------------------------------------
# Rules


def scope_rule(*, sector: str, category: str, procedure: str, act: str, on: dt.date):
    """The most specific PublicationScopeRule in force for the act (None: no rule, not published)."""
    rows = [
        r
        for r in PublicationScopeRule.in_force(on).filter(category=category)
        if r.sector in ("", sector or "")
        and r.procedure in ("", procedure or "")
        and r.act in ("", act or "")
    ]
    if not rows:
        return None
    return max(rows, key=lambda r: (r.specificity, r.valid_from, r.pk))


def decide_scope(*, sector, category, procedure, act, kinds, on) -> tuple[bool, PublicationScopeRule | None]:
    rule = scope_rule(sector=sector, category=category, procedure=procedure, act=act, on=on)
    if rule is None or not rule.publish:
        return False, rule
    excluded = set(rule.excluded_kinds_only or [])
    if excluded and kinds and set(kinds) <= excluded:
        return False, rule
    return True, rule


def expiry_rule(*, sector: str, category: str, kinds, fine, on: dt.date) -> ExpiryRule | None:
    for rule in ExpiryRule.in_force(on).order_by("order", "pk"):
        if rule.sector and rule.sector != (sector or ""):
            continue
        if rule.category and rule.category != category:
            continue
        if rule.only_kinds and not (kinds and set(kinds) <= set(rule.only_kinds)):
            continue
        if rule.max_fine is not None and fine is not None and Decimal(fine) > rule.max_fine:
            continue
        return rule
    return None


def add_months(day: dt.date, months: int) -> dt.date:
    import calendar

    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _due(code: str, start: dt.date) -> tuple[dt.date | None, str, dt.date | None]:
    """(due date, explanation, rule version) from the deadlines engine; a missing calendar year does not stop
    the act that triggered the publication: the due date stays open and the supervisor alert is raised."""
    from zhifa.core.errors import NotFound
    from zhifa.deadlines.errors import CalendarDataMissing
    from zhifa.deadlines.services import due

    try:
        d = due(code, start)
    except CalendarDataMissing as exc:
        exc.after_rollback()
        return None, exc.message, None
    except NotFound as exc:  # no rule version for that date: the window cannot be computed, say so
        return None, exc.message, None
    return d.date, d.explanation, d.rule.valid_from


# --------------------------------------------------------------------------------------------------------------
# Snapshot → public fields


def _known(original: dict) -> redaction.Known:
    natural = original.get("party_kind") in NATURAL_KINDS
    names = list(original.get("natural_names") or [])
    if natural and original.get("party_kind") == PartyKind.NATURAL:
        names.append(original.get("party_name") or "")
    names.append(original.get("legal_representative") or "")
    addresses = [original.get("party_address") or ""] if natural else []
    return redaction.Known.build(names=names, addresses=addresses, natural=natural)


def public_fields(original: dict) -> tuple[dict, list[dict]]:
    """The redacted public fields of a snapshot and the record of what was replaced (labels, never the values)."""
    known = _known(original)
    custom = redaction._custom_patterns()
    fields = {k: original.get(k, "") for k in PLAIN_FIELDS}
    kind = original.get("party_kind")
    fields["party_kind_label"] = PartyKind(kind).label if kind in PartyKind.values else ""
    # 统一社会信用代码 of organisations and 个体工商户 are public registration data; a natural person has none.
    fields["party_uscc"] = original.get("party_uscc", "") if kind != PartyKind.NATURAL else ""
    report: list[dict] = []
    for key in TEXT_FIELDS:
        value = str(original.get(key) or "")
        if key == "party_name" and kind == PartyKind.NATURAL:
            value = redaction.mask_name(value)
        if key == "legal_representative":
            value = redaction.mask_name(value)
        result = redaction.redact(value, known, custom=custom)
        fields[key] = result.text
        report.extend({"field": key, **h.as_dict()} for h in result.hits)
    return fields, report


def check_fields(original: dict, fields: dict) -> list[str]:
    """Problems of a would-be public text: every redaction pattern that still matches, per field."""
    known = _known(original)
    custom = redaction._custom_patterns()
    problems = []
    for key in TEXT_FIELDS:
        for hit in redaction.leaks(str(fields.get(key) or ""), known, custom=custom):
            problems.append(f"“{FIELD_LABELS[key]}”仍含{hit.label}")
    return sorted(set(problems))


def _money(value) -> str:
    return f"{Decimal(value):,.2f}"


def penalty_content(kinds, fine, confiscation, kinds_display: str) -> str:
    parts = []
    for k in kinds or []:
        if k == "fine" and fine:
            parts.append(f"罚款人民币{_money(fine)}元")
        elif k == "confiscate_gains" and confiscation:
            parts.append(f"没收违法所得人民币{_money(confiscation)}元")
        else:
            from zhifa.catalog.models import PenaltyKind

            parts.append(dict(PenaltyKind.choices).get(k, k))
    if "confiscate_gains" not in (kinds or []) and confiscation:
        parts.append(f"没收违法所得人民币{_money(confiscation)}元")
    return "；".join(parts) or kinds_display


# --------------------------------------------------------------------------------------------------------------
# Creating


def _new_version(pub: Publication, original: dict, user, reason: str = "") -> PublicationVersion:
    fields, report = public_fields(original)
    last = pub.versions.order_by("-number").first()
    return PublicationVersion.objects.create(
        publication=pub,
        number=(last.number + 1) if last else 1,
        original=original,
        fields=fields,
        redaction=report,
        reason=reason,
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )


def _jsonable(original: dict) -> dict:
    out = {}
    for k, v in original.items():
        if isinstance(v, Decimal):
            out[k] = str(v)
        elif isinstance(v, dt.date):
            out[k] = v.isoformat()
        elif isinstance(v, list | tuple):
            out[k] = [str(x) for x in v]
        else:
            out[k] = "" if v is None else v
    return out


def create_publication(
    user,
    *,
    category: str,
    agency,
    source_type: str,
    source_id: str = "",
    decided_on: dt.date,
    title: str,
    party_name: str,
    party_kind: str,
    facts: str,
    content: str = "",
    basis: str = "",
    document_number: str = "",
    party_uscc: str = "",
    party_id_type: str = "",
    party_id_number: str = "",
    legal_representative: str = "",
    party_address: str = "",
    natural_names=(),
    penalty_kinds=(),
    fine_amount=None,
    confiscation_amount=None,
    licence: str = "",
    procedure: str = "",
    act: str = "",
    act_label: str = "",
    case_number: str = "",
    case_id: int | None = None,
    document_id: int | None = None,
    check_permission: bool = True,
    channel: str = "service",
) -> Publication | None:
    """Create a publication awaiting redaction review, with its due date from the deadlines engine.

    For modules without their own hook yet (许可, 检查, 征收征用 …) and for the console form. Returns None when the
    scope rules say the act is not published (e.g. 市场监管 简易程序 or warning only). `natural_names` are further
    natural persons named in the texts (witnesses, employees) whose names must be masked.
    """
    if category not in Category.values:
        raise ValidationFailed(f"未知的执法类别“{category}”。", code="category_invalid")
    if party_kind not in PartyKind.values:
        raise ValidationFailed("请选择行政相对人类别。", code="party_kind_invalid")
    if not (title or "").strip() or not (party_name or "").strip() or not (facts or "").strip():
        raise ValidationFailed("事项、行政相对人和事实（结论）均须填写。", code="fields_required")
    today = timezone.localdate()
    if decided_on > today:
        raise ValidationFailed("决定日期不能晚于今天。", code="date_in_future")
    if check_permission:
        require_can_create(user, Publication, agency, channel=channel, message="只能为本机关录入公示信息。")
    kinds = sorted(set(penalty_kinds or []))
    publish, rule = decide_scope(
        sector=agency.sector, category=category, procedure=procedure, act=act, kinds=kinds, on=decided_on
    )
    if not publish:
        return None
    if source_id and Publication.objects.filter(source_type=source_type, source_id=str(source_id)).exists():
        raise Conflict("该执法行为已生成公示信息。", code="publication_exists")
    if not content:
        content = penalty_content(kinds, fine_amount, confiscation_amount, "")
    from zhifa.catalog.models import PenaltyKind

    labels = dict(PenaltyKind.choices)
    original = _jsonable(
        {
            "category": category,
            "agency_name": agency.name,
            "agency_uscc": agency.uscc,
            "document_number": document_number,
            "title": title,
            "party_name": party_name,
            "party_kind": party_kind,
            "party_uscc": party_uscc,
            "party_id_type": party_id_type,
            "party_id_number": party_id_number,
            "legal_representative": legal_representative,
            "party_address": party_address,
            "natural_names": list(natural_names or []),
            "facts": facts,
            "basis": basis,
            "content": content,
            "kinds": kinds,
            "kinds_display": "、".join(labels.get(k, k) for k in kinds),
            "fine_amount": fine_amount if fine_amount is not None else "",
            "confiscation_amount": confiscation_amount if confiscation_amount is not None else "",
            "licence": licence,
            "decided_on": decided_on,
            "procedure": procedure,
            "act_label": act_label,
            "case_number": case_number,
        }
    )
    code = rule.period_code or ("publicity.penalty" if category == Category.PENALTY else "publicity.other")
    due_on, explanation, valid_from = _due(code, decided_on)
    with transaction.atomic():
        pub = Publication.objects.create(
            agency=agency,
            category=category,
            source_type=source_type,
            source_id=str(source_id or ""),
            case_id=case_id,
            document_id=document_id,
            party_kind=party_kind,
            penalty_kinds=kinds,
            fine_amount=fine_amount,
            procedure=procedure or "",
            decided_on=decided_on,
            scope_citation=rule.citation,
            rule_code=code,
            rule_valid_from=valid_from,
            due_on=due_on,
            due_explanation=explanation,
            created_by=user if getattr(user, "is_authenticated", False) else None,
        )
        version = _new_version(pub, original, user)
        append(
            events.CREATED,
            actor=Actor.from_user(user) if user is not None else SYSTEM,
            subject=pub,
            payload={
                "category": category,
                "agency": agency.pk,
                "source": f"{source_type}:{source_id}",
                "version": version.number,
                "due_on": due_on,
                "rule": code,
                "scope_citation": rule.citation,
                "redacted": sorted({h["code"] for h in version.redaction}),
                "channel": channel,
            },
            case_id=case_id,
        )
    return pub


def _document_number(document_id) -> str:
    if not document_id:
        return ""
    from zhifa.documents.models import IssuedDocument

    return IssuedDocument.objects.filter(pk=document_id).values_list("number", flat=True).first() or ""


def _party_snapshot(case) -> dict:
    from zhifa.cases.models import CaseParty

    parties = [cp.party for cp in CaseParty.objects.filter(case=case).select_related("party").order_by("pk")]
    if not parties:
        return {"party_name": "（未登记当事人）", "party_kind": PartyKind.ORGANISATION}
    first = parties[0]
    natural_names = [p.name for p in parties if p.kind == PartyKind.NATURAL]
    natural_names += [p.legal_representative for p in parties if p.legal_representative]
    return {
        "party_name": "、".join(
            redaction.mask_name(p.name) if p.kind == PartyKind.NATURAL else p.name for p in parties
        )
        if len(parties) > 1
        else first.name,
        "party_kind": first.kind,
        "party_uscc": first.uscc,
        "party_id_type": first.get_id_type_display() if first.id_type else "",
        "party_id_number": first.id_number,
        "legal_representative": first.legal_representative,
        "party_address": first.address if first.is_natural else "",
        "natural_names": natural_names,
    }


def _create_from_decision(user, case, action: str) -> Publication | None:
    from zhifa.cases.models import Decision

    d = Decision.objects.get(case=case)
    act = action if d.outcome == Decision.Outcome.PENALTY else f"decide.{d.outcome}"
    party = _party_snapshot(case)
    if d.outcome != Decision.Outcome.PENALTY:
        content = d.get_outcome_display()
    else:
        content = penalty_content(d.penalty_kinds, d.fine_amount, d.confiscation_amount, d.kinds_display)
    return create_publication(
        user,
        category=Category.PENALTY,
        agency=case.agency,
        source_type="cases.decision",
        source_id=str(d.pk),
        decided_on=d.decided_on,
        title=case.title,
        facts=d.facts,
        basis=d.basis,
        content=content,
        document_number=_document_number(d.document_id),
        penalty_kinds=d.penalty_kinds if d.outcome == Decision.Outcome.PENALTY else [],
        fine_amount=d.fine_amount,
        confiscation_amount=d.confiscation_amount,
        procedure=case.procedure,
        act=act,
        act_label="当场处罚（简易程序）" if d.onsite else "行政处罚决定",
        case_number=case.number,
        case_id=case.pk,
        document_id=d.document_id,
        check_permission=False,
        **party,
    )


def _create_from_measure(user, case, action: str, data: dict, payload: dict) -> Publication | None:
    from zhifa.cases.models import Measure

    m = Measure.objects.get(pk=payload["measure"])
    label = m.get_kind_display()
    party = _party_snapshot(case)
    reason = data.get("reason") or ""
    return create_publication(
        user,
        category=Category.COERCION,
        agency=case.agency,
        source_type="cases.measure",
        source_id=str(m.pk),
        decided_on=m.started_on,
        title=f"{case.title}（{label}）",
        facts=reason or f"对涉案财物实施{label}。",
        basis=data.get("legal_basis") or "",
        content=f"实施{label}，期限至{m.due_on:%Y年%m月%d日}",
        document_number=_document_number(m.document_id),
        procedure=case.procedure,
        act=action,
        act_label=label,
        case_number=case.number,
        case_id=case.pk,
        document_id=m.document_id,
        check_permission=False,
        **party,
    )


def on_transition(*, case, action: str, data: dict, payload: dict, user) -> None:
    """The case platform's transition listener (runs inside the transition's transaction)."""
    if action in ("decide", "onsite_decide"):
        _create_from_decision(user, case, action)
    elif action in ("seize", "preserve_evidence") and payload.get("measure"):
        _create_from_measure(user, case, action, data, payload)
    elif action == "revise_decision":
        _on_revision(user, case, data)


def _on_revision(user, case, data: dict) -> None:
    revision = data["revision"]
    pubs = Publication.objects.select_for_update().filter(
        case_id=case.pk,
        source_type="cases.decision",
        status__in=(Publication.Status.PENDING, Publication.Status.PUBLISHED),
    )
    for pub in pubs:
        _withdraw(
            user,
            pub,
            reason=data["reason"],
            revision=revision,
            revised_by=data.get("revised_by") or "",
            revised_on=data["revised_on"],
            correctable=revision in CORRECTABLE_REVISIONS,
        )


# --------------------------------------------------------------------------------------------------------------
# Approving (publication)


def can_approve(user, pub: Publication) -> bool:
    return (
        user_role(user) == Role.REVIEWER
        and getattr(user, "agency_id", None) == pub.agency_id
        and pub.versions.filter(status=PublicationVersion.Status.DRAFT).exists()
    )


def draft_of(pub: Publication) -> PublicationVersion | None:
    return pub.versions.filter(status=PublicationVersion.Status.DRAFT).order_by("-number").first()


def approve(user, pub: Publication, *, fields: dict | None = None, channel: str = "service") -> Publication:
    """A reviewer (法制审核人员) of the publishing agency approves the redacted text, possibly edited; the edit is
    checked again by the redactor and refused while a pattern still matches. Then the publication is public."""
    require_editable(
        user, pub, "approve", channel=channel, admin_override=False, code="not_agency_reviewer",
        message="公示信息须由本机关法制审核人员审核脱敏内容后发布。", citation=APPROVE_CITATION,
    )  # fmt: skip
    with transaction.atomic():
        pub = (
            Publication.objects.select_for_update(of=("self",))
            .select_related("agency__jurisdiction")
            .get(pk=pub.pk)
        )
        version = draft_of(pub)
        if version is None:
            raise Conflict("没有待审核的公示内容。", code="nothing_to_approve")
        if pub.status not in (Publication.Status.PENDING, Publication.Status.PUBLISHED):
            raise Conflict(f"该公示信息{pub.get_status_display()}，不能发布。", code="wrong_status")
        edited = False
        if fields:
            new = dict(version.fields)
            for key in TEXT_FIELDS:
                if (
                    key in fields
                    and fields[key] is not None
                    and str(fields[key]).strip() != str(new.get(key) or "")
                ):
                    new[key] = str(fields[key]).strip()
                    edited = True
            if edited:
                version.fields = new
        problems = check_fields(version.original, version.fields)
        if problems:
            raise ValidationFailed(
                "脱敏不完整，不能发布：" + "；".join(problems) + "。",
                code="redaction_incomplete",
                citation=redaction.PIPL_SENSITIVE,
                details={"problems": problems},
            )
        now = timezone.now()
        today = timezone.localdate(now)
        previous = pub.current
        if previous is not None and previous.status == PublicationVersion.Status.APPROVED:
            previous.status = PublicationVersion.Status.SUPERSEDED
            previous.save(update_fields=["status"])
        version.status = PublicationVersion.Status.APPROVED
        version.approved_at, version.approved_by, version.reviewer_edited = now, user, edited
        version.save()
        first = pub.published_at is None
        pub.current = version
        pub.status = Publication.Status.PUBLISHED
        pub.correctable = False
        late = None
        if first:
            pub.published_at, pub.published_on = now, today
            if pub.due_on and today > pub.due_on:
                from zhifa.deadlines.services import working_days_between

                late = working_days_between(pub.due_on, today)
                pub.late_working_days = late
            rule = expiry_rule(
                sector=pub.agency.sector, category=pub.category, kinds=pub.penalty_kinds, fine=pub.fine_amount,
                on=today,
            )  # fmt: skip
            if rule is not None:
                pub.expires_on = add_months(today, rule.months)
                pub.expiry_citation = f"{rule.citation}（{rule.months}个月）"
        pub.save()
        append(
            events.PUBLISHED,
            actor=Actor.from_user(user),
            subject=pub,
            payload={
                "version": version.number,
                "reviewer_edited": edited,
                "published_on": pub.published_on,
                "due_on": pub.due_on,
                "late_working_days": late,
                "expires_on": pub.expires_on,
                "correction": not first,
                "channel": channel,
            },
            case_id=pub.case_id,
        )
        _index(pub)
        _after_publish_alerts(pub, late)
    return pub


def overdue_key(pub) -> str:
    return f"portal.publication_overdue.{pub.pk}"


def late_key(pub) -> str:
    return f"portal.publication_late.{pub.pk}"


def _after_publish_alerts(pub: Publication, late: int | None) -> None:
    from zhifa.core.models import Alert
    from zhifa.core.services import raise_alert, resolve_alert

    resolve_alert(overdue_key(pub), reason=f"已于{pub.published_on}公示")
    if late:
        raise_alert(
            late_key(pub),
            kind="publication_late",
            severity=Alert.Severity.WARNING,
            title=f"逾期公示：{public_title(pub.current.fields)}（应于{pub.due_on}前公示，逾期{late}个工作日）",
            detail=pub.due_explanation,
            citation=pub.scope_citation,
            agency=pub.agency,
            subject=("portal.publication", pub.pk),
            audience=(Role.HEAD, Role.REVIEWER),
        )


# --------------------------------------------------------------------------------------------------------------
# Correcting and withdrawing


def correct(
    user, pub: Publication, *, changes: dict, reason: str, channel: str = "service"
) -> PublicationVersion:
    """A new version of the original (e.g. the changed decision's new content), redacted and awaiting review.
    The published version stays visible until the new one is approved; history is kept."""
    require_editable(user, pub, "correct", channel=channel, message="只能更正本机关的公示信息。")
    if not (reason or "").strip():
        raise ValidationFailed(
            "请写明更正理由（将公开）。", code="reason_required", citation=APPROVE_CITATION
        )
    allowed = set(TEXT_FIELDS) | {
        "document_number",
        "fine_amount",
        "confiscation_amount",
        "licence",
        "natural_names",
    }
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationFailed(f"不能更正这些内容：{'、'.join(sorted(unknown))}。", code="fields_invalid")
    with transaction.atomic():
        pub = Publication.objects.select_for_update().get(pk=pub.pk)
        if pub.status == Publication.Status.EXPIRED or (
            pub.status == Publication.Status.WITHDRAWN and not pub.correctable
        ):
            raise Conflict(
                f"该公示信息{pub.get_status_display()}，不能更正。",
                code="not_correctable",
                citation=PENALTY_LAW_48_2,
            )
        base = draft_of(pub) or pub.current or pub.versions.order_by("-number").first()
        original = dict(base.original)
        original.update(_jsonable({k: v for k, v in changes.items()}))
        for old in pub.versions.filter(status=PublicationVersion.Status.DRAFT):
            old.status = PublicationVersion.Status.DISCARDED
            old.save(update_fields=["status"])
        public_reason = redaction.redact(reason.strip(), _known(original)).text
        version = _new_version(pub, original, user, reason=public_reason)
        if pub.status == Publication.Status.WITHDRAWN:
            pub.status = Publication.Status.PENDING
            pub.save(update_fields=["status", "updated_at"])
        append(
            events.DRAFTED,
            actor=Actor.from_user(user),
            subject=pub,
            payload={
                "version": version.number,
                "fields": sorted(changes),
                "reason": reason,
                "channel": channel,
            },
            case_id=pub.case_id,
        )
    return version


def withdraw(user, pub: Publication, *, reason: str, channel: str = "service") -> Publication:
    """The head of the agency withdraws a publication by hand (e.g. published in error), with a public reason."""
    require_editable(user, pub, "withdraw", channel=channel, message="撤回公示信息须由本机关负责人决定。")
    if not (reason or "").strip():
        raise ValidationFailed(
            "请写明撤回理由（将公开）。", code="reason_required", citation=PENALTY_LAW_48_2
        )
    with transaction.atomic():
        pub = Publication.objects.select_for_update().get(pk=pub.pk)
        return _withdraw(user, pub, reason=reason.strip(), revision="", revised_by="", revised_on=None,
                         correctable=False, channel=channel)  # fmt: skip


def _withdraw(user, pub, *, reason, revision, revised_by, revised_on, correctable, channel="service"):
    if pub.status not in (Publication.Status.PENDING, Publication.Status.PUBLISHED):
        raise Conflict(f"该公示信息{pub.get_status_display()}，不能撤回。", code="wrong_status")
    now = timezone.now()
    today = timezone.localdate(now)
    was_public = pub.status == Publication.Status.PUBLISHED
    version = pub.current if was_public else (draft_of(pub) or pub.versions.order_by("-number").first())
    public_reason = redaction.redact(reason, _known(version.original)).text
    due_on, explanation = None, ""
    if revised_on is not None:
        due_on, explanation, _ = _due(WITHDRAW_RULE, revised_on)
    for v in pub.versions.filter(status=PublicationVersion.Status.DRAFT):
        v.status = PublicationVersion.Status.DISCARDED
        v.save(update_fields=["status"])
    if was_public:
        version.status = PublicationVersion.Status.WITHDRAWN
        version.save(update_fields=["status"])
    pub.status = Publication.Status.WITHDRAWN
    pub.withdrawn_at, pub.withdrawal_reason, pub.correctable = now, public_reason, correctable
    pub.save()
    entry = None
    if pub.published_at is not None:
        entry = Takedown.objects.create(
            publication=pub,
            version=version,
            agency=pub.agency,
            category=pub.category,
            title=public_title(version.fields),
            document_number=version.fields.get("document_number") or "",
            revision=revision,
            revision_label=REVISION_LABELS.get(revision, "撤回"),
            revised_by_label=REVISED_BY_LABELS.get(revised_by, ""),
            revised_on=revised_on,
            reason=public_reason,
            due_on=due_on,
            due_explanation=explanation,
            withdrawn_at=now,
            withdrawn_on=today,
            on_time=due_on is None or today <= due_on,
            citation=PENALTY_LAW_48_2 if revision else "",
        )
    append(
        events.WITHDRAWN,
        actor=Actor.from_user(user) if user is not None else SYSTEM,
        subject=pub,
        payload={
            "reason": public_reason,
            "revision": revision,
            "revised_by": revised_by,
            "revised_on": revised_on,
            "due_on": due_on,
            "was_public": was_public,
            "takedown": entry.pk if entry else None,
            "correctable": correctable,
            "citation": PENALTY_LAW_48_2 if revision else "",
            "channel": channel,
        },
        case_id=pub.case_id,
    )
    _unindex(pub)
    from zhifa.core.services import resolve_alert

    resolve_alert(overdue_key(pub), reason="公示信息已撤回")
    return pub


# --------------------------------------------------------------------------------------------------------------
# Periodic work


def expire_due(today: dt.date | None = None, *, only=None) -> int:
    """Take down published items whose publication period has ended (ExpiryRule); returns how many.
    `only`: restrict to these publication ids (the demo shows one expired item this way)."""
    today = today or timezone.localdate()
    n = 0
    qs = Publication.objects.filter(status=Publication.Status.PUBLISHED, expires_on__lt=today)
    if only is not None:
        qs = qs.filter(pk__in=list(only))
    ids = list(qs.values_list("pk", flat=True))
    for pk in ids:
        with transaction.atomic():
            pub = (
                Publication.objects.select_for_update()
                .filter(pk=pk, status=Publication.Status.PUBLISHED)
                .first()
            )
            if pub is None:
                continue
            pub.status, pub.expired_at = Publication.Status.EXPIRED, timezone.now()
            pub.save(update_fields=["status", "expired_at", "updated_at"])
            append(
                events.EXPIRED,
                actor=SYSTEM,
                subject=pub,
                payload={"expires_on": pub.expires_on, "citation": pub.expiry_citation},
                case_id=pub.case_id,
            )
            _unindex(pub)
            n += 1
    return n


def check_overdue(today: dt.date | None = None) -> int:
    """Raise an alert for each publication still awaiting review after its due date; returns how many are open."""
    from zhifa.core.services import raise_alert

    today = today or timezone.localdate()
    overdue = Publication.objects.filter(status=Publication.Status.PENDING, due_on__lt=today).select_related(
        "agency", "current"
    )
    n = 0
    for pub in overdue:
        version = draft_of(pub)
        title = public_title(version.fields) if version else str(pub)
        raise_alert(
            overdue_key(pub),
            kind="publication_overdue",
            title=f"公示逾期：{title}（应于{pub.due_on}前公示）",
            detail=pub.due_explanation,
            citation=pub.scope_citation,
            agency=pub.agency,
            subject=("portal.publication", pub.pk),
        )
        n += 1
    return n


# --------------------------------------------------------------------------------------------------------------
# Rules maintained by administrators


def save_redaction_rule(user, rule: RedactionRule, *, channel: str = "admin") -> RedactionRule:
    if user_role(user) != Role.ADMIN:
        record_denied(user, RedactionRule, {"pk": rule.pk or ""}, "change", channel)
        raise PermissionDenied("仅系统管理员可维护脱敏规则。", code="permission_denied")
    error = redaction.validate_pattern(rule.pattern)
    if error:
        raise ValidationFailed(error, code="pattern_invalid")
    with transaction.atomic():
        created = rule.pk is None
        rule.save()
        append(
            events.REDACTION_RULE_SAVED,
            actor=Actor.from_user(user),
            subject=rule,
            payload={"created": created, "name": rule.name, "pattern": rule.pattern, "active": rule.active,
                     "natural_only": rule.natural_only, "citation": rule.citation},
        )  # fmt: skip
    return rule


def pending_for(user):
    """Publications awaiting redaction review that the user sees (handlers, reviewers, heads, supervisors)."""
    return (
        Publication.objects.visible_to(user)
        .filter(status=Publication.Status.PENDING)
        .select_related("agency")
        .order_by("due_on", "pk")
    )
