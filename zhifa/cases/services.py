"""Services of the 办案平台: the only writers of case rows.

Public functions (each checks its rules, writes, and appends its ledger event with case_id in one transaction):
    create_case(user, *, agency, title, procedure, source_type, source_received_on, domain, ...) -> Case
    register_party(user, *, kind, name, uscc="", id_type="", id_number="", ...) -> Party
    add_party(user, case, party) -> CaseParty
    assign_officer(user, case, officer, role) / remove_officer(user, case, officer, reason)
    request_recusal(user, case, officer, *, requested_by, reason) / decide_recusal(user, recusal, *, grant, note)
    add_evidence(user, case, *, kind, title, recorded_at, blob=None, ...) / record_custody(user, evidence, ...)
    transition(user, case, action, **data) -> Case          the declared table of zhifa.cases.transitions
    view_case(user, pk, channel) -> Case                     调阅: records case.viewed
    evidence_for_download(user, pk, channel) -> Evidence     records case.evidence_downloaded
Reading:
    allowed_actions(user, case), next_actions(user, case), timeline(case), access_report(user, case=/target=),
    late_fee(principal, due_on, on), execution_status(execution, on), statutory_limit(code, on)
文书: the steps issue their documents through zhifa.documents.services.issue_document inside their own transaction
(立案审批表 at approve_filing, 现场笔录/询问笔录 at record_interview, 先行登记保存证据通知书 at preserve_evidence,
查封扣押决定书 at seize, 行政处罚告知书 (+ 听证告知书) at notify, 听证笔录 at record_hearing, 行政处罚决定书 at decide
(第五十九条 validated: a missing item refuses the decision), 送达回证 at serve, 当场处罚决定书 at onsite_decide,
结案审批表 at close); the IssuedDocument pk is kept on the step's row (Case.filing_document_id, Interview.document_id,
Measure.document_id, Notice.document_id / hearing_document_id, Hearing.document_id, Decision.document_id,
Service.document_id, Case.closing_document_id) and the document's ledger event carries the case_id.
Hooks:
    register_transition_listener(fn)  fn(case=, action=, data=, payload=, user=) after every transition, in its
                                  transaction (the portal creates and withdraws publications here).
    register_decision_guard(fn)  fn(case, decision: dict, user) raises DomainError to refuse a decision (issue 4:
                                  法制审核 registers its gate here).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from zhifa.cases import events
from zhifa.cases.models import (
    Case,
    CaseDeadline,
    CaseNumberCounter,
    CaseOfficer,
    CaseParty,
    CollectiveDiscussion,
    Decision,
    Evidence,
    EvidenceKind,
    Execution,
    Hearing,
    IdType,
    Interview,
    Measure,
    Notice,
    Party,
    PartyKind,
    Payment,
    Procedure,
    Recusal,
    Service,
    State,
    Statement,
    StatutoryLimit,
)
from zhifa.cases.seed import LATE_FEE_DAILY_PERCENT, ONSITE_MAX_NATURAL, ONSITE_MAX_ORG
from zhifa.cases.transitions import TRANSITIONS, Transition
from zhifa.catalog.models import AVRequirement, PenaltyKind
from zhifa.core.errors import Conflict, DomainError, NotFound, PermissionDenied, ValidationFailed
from zhifa.core.roles import Role
from zhifa.core.scoping import get_visible, record_denied, require_can_create, user_role
from zhifa.ledger.services import Actor, append
from zhifa.registry.models import Officer
from zhifa.registry.validators import is_valid_id_number, is_valid_uscc

PENALTY = "administrative-penalty-law"
COERCION = "administrative-coercion-law"
GUIDELINE_118 = "国办发〔2018〕118号（执法全过程记录制度：音像记录）"
# No statute sets a separate 陈述申辩 period; the agency's 告知书 uses a sector rule when one is seeded as
# "penalty.statement", else the statutory 5 working days of the hearing request (第六十四条第一项), which
# every 告知书 that carries the hearing right states anyway.
STATEMENT_RULE_CODES = ("penalty.statement", "penalty.hearing_request")
CENT = Decimal("0.01")


class GateRefused(DomainError):
    status = 409
    code = "case_gate"


def _cite(article: int, paragraph: int = 0, item: int = 0, law: str = PENALTY) -> str:
    from zhifa.laws.services import cite

    return str(cite(law, article, paragraph, item))


def _refuse(message: str, code: str, citation: str, **details) -> None:
    raise GateRefused(message, code=code, citation=citation, details=details or None)


def _today() -> dt.date:
    return timezone.localdate()


def _actor(user) -> Actor:
    return Actor.from_user(user)


def _same_agency_role(user, case: Case, roles, what: str, channel: str = "service") -> None:
    """The user holds one of `roles` in the case's agency; otherwise the denial is recorded and raised."""
    role = user_role(user)
    if role in roles and getattr(user, "agency_id", None) == case.agency_id:
        return
    record_denied(user, Case, {"pk": case.pk}, what, channel)
    names = "、".join(Role(r).label for r in sorted(roles))
    raise PermissionDenied(f"只有本机关的{names}可以{what}。", code="case_permission_denied")


def statutory_limit(code: str, on: dt.date | None = None) -> StatutoryLimit:
    on = on or _today()
    row = (
        StatutoryLimit.objects.filter(code=code, valid_from__lte=on)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
        .select_related("citation__law")
        .order_by("-valid_from")
        .first()
    )
    if row is None:
        raise NotFound(f"缺少法定数额“{code}”适用于{on}的版本。", code="limit_not_found")
    return row


# --------------------------------------------------------------------------------------------------------------
# Parties


def _clean_party(kind, name, uscc, id_type, id_number) -> tuple[str, str, str]:
    uscc = (uscc or "").strip().upper()
    id_number = (id_number or "").strip().upper()
    if kind not in PartyKind.values:
        raise ValidationFailed("请选择当事人类型。", code="party_kind_invalid")
    if not (name or "").strip():
        raise ValidationFailed("请填写当事人名称或姓名。", code="party_name_required")
    if uscc and not is_valid_uscc(uscc):
        raise ValidationFailed(
            f"统一社会信用代码“{uscc}”校验不通过。", code="uscc_invalid", citation="GB 32100-2015"
        )
    if id_number and id_type == IdType.RESIDENT_ID and not is_valid_id_number(id_number):
        raise ValidationFailed(
            f"居民身份证号码“{id_number}”校验不通过。", code="id_number_invalid", citation="GB 11643-1999"
        )
    if id_number and not id_type:
        raise ValidationFailed("请选择证件类型。", code="id_type_required")
    if kind == PartyKind.ORGANISATION and not uscc:
        raise ValidationFailed("法人及非法人组织须填写统一社会信用代码。", code="uscc_required")
    if kind == PartyKind.NATURAL and not id_number:
        raise ValidationFailed("自然人须填写证件号码。", code="id_number_required")
    if kind == PartyKind.INDIVIDUAL_BUSINESS and not (uscc or id_number):
        raise ValidationFailed(
            "个体工商户须填写统一社会信用代码或经营者证件号码。", code="identifier_required"
        )
    return uscc, (id_type or "") if id_number else "", id_number


def find_party(*, uscc: str = "", id_type: str = "", id_number: str = "") -> Party | None:
    if uscc:
        found = Party.objects.filter(uscc=uscc.strip().upper()).first()
        if found:
            return found
    if id_number:
        return Party.objects.filter(id_type=id_type, id_number=id_number.strip().upper()).first()
    return None


def register_party(
    user,
    *,
    kind: str,
    name: str,
    uscc: str = "",
    id_type: str = "",
    id_number: str = "",
    legal_representative: str = "",
    address: str = "",
    phone: str = "",
) -> Party:
    """The 执法对象 with this identifier (existing record reused: all records of one party come together), or a
    new one registered by the user's agency."""
    agency = getattr(user, "agency", None)
    if agency is None or user_role(user) not in (Role.OFFICER, Role.HEAD):
        record_denied(user, Party, {"pk": ""}, "create", "service")
        raise PermissionDenied(
            "只有执法机关的执法人员或负责人可以登记执法对象。", code="case_permission_denied"
        )
    uscc, id_type, id_number = _clean_party(kind, name, uscc, id_type, id_number)
    with transaction.atomic():
        existing = find_party(uscc=uscc, id_type=id_type, id_number=id_number)
        if existing is not None:
            return existing
        party = Party.objects.create(
            kind=kind,
            name=name.strip(),
            uscc=uscc,
            id_type=id_type,
            id_number=id_number,
            legal_representative=legal_representative.strip(),
            address=address.strip(),
            phone=phone.strip(),
            registered_by=agency,
        )
        append(
            events.PARTY_CREATED,
            actor=_actor(user),
            subject=party,
            payload={"kind": kind, "name": party.name, "identifier": party.identifier},
        )
    return party


def add_party(user, case: Case, party: Party) -> CaseParty:
    _same_agency_role(user, case, {Role.OFFICER, Role.HEAD}, "添加当事人")
    with transaction.atomic():
        case = _lock(case)
        if case.state in (State.CLOSED, State.ARCHIVED, State.NOT_FILED):
            raise Conflict("案件已结束，不能再添加当事人。", code="case_finished")
        link, created = CaseParty.objects.get_or_create(case=case, party=party)
        if created:
            append(
                events.PARTY_ADDED,
                actor=_actor(user),
                subject=case,
                payload={"party": party.pk, "name": party.name, "identifier": party.identifier},
                case_id=case.pk,
            )
    return link


# --------------------------------------------------------------------------------------------------------------
# Cases, officers, recusal


def _lock(case: Case) -> Case:
    # of=("self",): lock the case row only, not the agency and 执法领域 rows the join reads (PostgreSQL would lock
    # every joined row, queueing all case steps of a domain behind each other).
    return Case.objects.select_for_update(of=("self",)).select_related("agency", "domain").get(pk=case.pk)


def create_case(
    user,
    *,
    title: str,
    source_type: str,
    source_received_on: dt.date,
    domain,
    agency=None,
    procedure: str = Procedure.ORDINARY,
    source_description: str = "",
    parties=(),
) -> Case:
    """案源登记. The case belongs to the user's agency (or `agency`, which must be in the user's territory)."""
    agency = agency or getattr(user, "agency", None)
    if agency is None:
        raise ValidationFailed("请指定办案机关。", code="agency_required")
    require_can_create(
        user, Case, agency, channel="service", message="只有本机关的执法人员或负责人可以登记案源。",
        code="case_permission_denied",
    )  # fmt: skip
    from zhifa.cases.models import SourceType

    if source_type not in SourceType.values:
        raise ValidationFailed("请选择案源类型。", code="source_type_invalid")
    if procedure not in Procedure.values:
        raise ValidationFailed("请选择程序。", code="procedure_invalid")
    if not (title or "").strip():
        raise ValidationFailed("请填写案由。", code="title_required")
    source_received_on = _as_date(source_received_on, "案源登记日期")
    if not agency.domains.filter(pk=domain.pk).exists():
        raise ValidationFailed(
            f"{agency.name}的执法领域不含“{domain.name}”。", code="domain_not_of_agency", citation=_cite(18)
        )
    with transaction.atomic():
        case = Case.objects.create(
            agency=agency,
            title=title.strip(),
            procedure=procedure,
            source_type=source_type,
            source_description=source_description.strip(),
            source_received_on=source_received_on,
            domain=domain,
            created_by=user if getattr(user, "pk", None) else None,
        )
        append(
            events.REGISTERED,
            actor=_actor(user),
            subject=case,
            payload={
                "agency": agency.pk,
                "title": case.title,
                "procedure": procedure,
                "source_type": source_type,
                "source_description": case.source_description,
                "source_received_on": source_received_on,
                "domain": domain.code,
            },
            case_id=case.pk,
        )
        for party in parties:
            CaseParty.objects.create(case=case, party=party)
            append(
                events.PARTY_ADDED,
                actor=_actor(user),
                subject=case,
                payload={"party": party.pk, "name": party.name, "identifier": party.identifier},
                case_id=case.pk,
            )
    return case


def active_officers(case: Case):
    return CaseOfficer.objects.filter(case=case, removed_at__isnull=True).select_related("officer")


def assign_officer(user, case: Case, officer: Officer, role: str = CaseOfficer.Role.ASSIST) -> CaseOfficer:
    _same_agency_role(user, case, {Role.OFFICER, Role.HEAD}, "指派执法人员")
    if role not in CaseOfficer.Role.values:
        raise ValidationFailed("请选择主办或协办。", code="officer_role_invalid")
    with transaction.atomic():
        case = _lock(case)
        if case.state in (State.CLOSED, State.ARCHIVED, State.NOT_FILED):
            raise Conflict("案件已结束，不能再指派执法人员。", code="case_finished")
        if officer.agency_id != case.agency_id or officer.status != Officer.Status.ACTIVE:
            raise ValidationFailed(f"{officer.name}不是本机关在岗执法人员。", code="officer_not_of_agency")
        if Recusal.objects.filter(case=case, officer=officer, status=Recusal.Status.GRANTED).exists():
            _refuse(
                f"{officer.name}已被决定回避，不得参与本案。", "officer_recused", _cite(43),
                officer=officer.pk,
            )  # fmt: skip
        if active_officers(case).filter(officer=officer).exists():
            raise Conflict(f"{officer.name}已是本案执法人员。", code="officer_already_assigned")
        if (
            role == CaseOfficer.Role.LEAD
            and active_officers(case).filter(role=CaseOfficer.Role.LEAD).exists()
        ):
            raise Conflict("本案已有主办人员。", code="lead_exists")
        link = CaseOfficer.objects.create(case=case, officer=officer, role=role)
        append(
            events.OFFICER_ASSIGNED,
            actor=_actor(user),
            subject=case,
            payload={"officer": officer.pk, "name": officer.name, "role": role},
            case_id=case.pk,
        )
    return link


def _remove(user, case: Case, link: CaseOfficer, reason: str) -> None:
    link.removed_at = timezone.now()
    link.removed_reason = reason
    link.save(update_fields=["removed_at", "removed_reason"])
    append(
        events.OFFICER_REMOVED,
        actor=_actor(user),
        subject=case,
        payload={"officer": link.officer_id, "name": link.officer.name, "reason": reason},
        case_id=case.pk,
    )


def remove_officer(user, case: Case, officer: Officer, reason: str) -> None:
    _same_agency_role(user, case, {Role.HEAD}, "调整执法人员")
    if not (reason or "").strip():
        raise ValidationFailed("请填写撤出原因。", code="reason_required")
    with transaction.atomic():
        case = _lock(case)
        link = active_officers(case).filter(officer=officer).first()
        if link is None:
            raise NotFound(f"{officer.name}不是本案执法人员。", code="not_assigned")
        _remove(user, case, link, reason.strip())


def request_recusal(user, case: Case, officer: Officer, *, requested_by: str, reason: str) -> Recusal:
    """行政处罚法第四十三条: the officer withdraws (requested_by="officer", by that officer) or the party applies
    (requested_by="party", recorded by an officer or head of the agency)."""
    _same_agency_role(user, case, {Role.OFFICER, Role.HEAD}, "提出回避")
    if requested_by not in Recusal.By.values:
        raise ValidationFailed("请选择回避的提出方。", code="recusal_by_invalid")
    if requested_by == Recusal.By.OFFICER and getattr(user, "officer_id", None) != officer.pk:
        raise ValidationFailed(
            "自行回避须由该执法人员本人提出。", code="recusal_not_self", citation=_cite(43)
        )
    if not (reason or "").strip():
        raise ValidationFailed("请填写回避理由。", code="reason_required", citation=_cite(43))
    with transaction.atomic():
        case = _lock(case)
        if not active_officers(case).filter(officer=officer).exists():
            raise NotFound(f"{officer.name}不是本案执法人员。", code="not_assigned")
        if Recusal.objects.filter(case=case, officer=officer, status=Recusal.Status.PENDING).exists():
            raise Conflict("该执法人员已有待决定的回避申请。", code="recusal_pending")
        recusal = Recusal.objects.create(case=case, officer=officer, requested_by=requested_by, reason=reason)
        append(
            events.RECUSAL_REQUESTED,
            actor=_actor(user),
            subject=recusal,
            payload={"officer": officer.pk, "name": officer.name, "by": requested_by, "reason": reason},
            case_id=case.pk,
        )
    return recusal


def decide_recusal(user, recusal: Recusal, *, grant: bool, note: str = "") -> Recusal:
    """The head decides (第四十三条第三款); a granted recusal takes the officer off the case at once."""
    case = recusal.case
    _same_agency_role(user, case, {Role.HEAD}, "决定回避")
    with transaction.atomic():
        case = _lock(case)
        recusal = Recusal.objects.select_for_update().get(pk=recusal.pk)
        if recusal.status != Recusal.Status.PENDING:
            raise Conflict("该回避申请已经决定。", code="recusal_decided")
        recusal.status = Recusal.Status.GRANTED if grant else Recusal.Status.REJECTED
        recusal.decided_by = user
        recusal.decided_at = timezone.now()
        recusal.decision_note = note
        recusal.save()
        append(
            events.RECUSAL_DECIDED,
            actor=_actor(user),
            subject=recusal,
            payload={"officer": recusal.officer_id, "granted": grant, "note": note},
            case_id=case.pk,
        )
        if grant:
            link = active_officers(case).filter(officer_id=recusal.officer_id).first()
            if link is not None:
                _remove(user, case, link, "决定回避")
    return recusal


# --------------------------------------------------------------------------------------------------------------
# Evidence


def _require_case_worker(user, case: Case, what: str, channel: str = "service") -> None:
    """An officer of the case or the agency's head."""
    _same_agency_role(user, case, {Role.OFFICER, Role.HEAD}, what, channel)
    if (
        user_role(user) == Role.OFFICER
        and not active_officers(case).filter(officer_id=user.officer_id).exists()
    ):
        record_denied(user, Case, {"pk": case.pk}, what, channel)
        raise PermissionDenied(f"您不是本案执法人员，不能{what}。", code="not_case_officer")


EVIDENCE_CLOSED = (State.CLOSED, State.ARCHIVED, State.NOT_FILED)


def add_evidence(
    user,
    case: Case,
    *,
    kind: str,
    title: str,
    recorded_at: dt.datetime,
    blob=None,
    filename: str = "",
    device: str = "",
    officer: Officer | None = None,
    place: str = "",
    step: str = "",
    description: str = "",
    channel: str = "service",
) -> Evidence:
    """Register an evidence record (行政处罚法第四十六条 types) pointing to a stored Blob."""
    _require_case_worker(user, case, "登记证据", channel)
    if kind not in EvidenceKind.values:
        raise ValidationFailed(
            "请选择第四十六条规定的证据种类。", code="evidence_kind_invalid", citation=_cite(46)
        )
    if not (title or "").strip():
        raise ValidationFailed("请填写证据名称。", code="evidence_title_required")
    recorded_at = _as_datetime(recorded_at, "记录时间")
    if recorded_at > timezone.now() + dt.timedelta(minutes=5):
        raise ValidationFailed("记录时间不能晚于当前时间。", code="recorded_at_future")
    if kind != EvidenceKind.PHYSICAL and blob is None:
        raise ValidationFailed("请上传证据文件。", code="evidence_file_required")
    from zhifa.catalog.models import AVStep

    if step and step not in AVStep.values:
        raise ValidationFailed("执法环节无效。", code="evidence_step_invalid")
    officer = officer or getattr(user, "officer", None)
    with transaction.atomic():
        case = _lock(case)
        if case.state in EVIDENCE_CLOSED:
            raise Conflict("案件已结束，不能再登记证据。", code="case_finished")
        ev = Evidence.objects.create(
            case=case,
            kind=kind,
            title=title.strip(),
            description=description,
            blob=blob,
            filename=filename[:200],
            step=step,
            recorded_at=recorded_at,
            device=device,
            officer=officer,
            place=place,
        )
        payload = {
            "evidence": ev.pk,
            "kind": kind,
            "title": ev.title,
            "recorded_at": recorded_at,
            "device": device,
            "officer": officer.pk if officer else None,
            "place": place,
            "step": step,
            "channel": channel,
        }
        if blob is not None:
            payload |= {"sm3": blob.sm3, "sha256": blob.sha256, "size": blob.size, "filename": filename}
        append(events.EVIDENCE_ADDED, actor=_actor(user), subject=ev, payload=payload, case_id=case.pk)
    return ev


CUSTODY_ACTIONS = {
    "sealed": "封存",
    "transferred": "移交",
    "examined": "送检/鉴定",
    "returned": "退还",
    "copied": "复制",
}


def record_custody(user, evidence: Evidence, *, action: str, note: str = "", to: str = "") -> None:
    """A chain-of-custody step of an evidence item (on the ledger, case_id set)."""
    case = evidence.case
    _require_case_worker(user, case, "记录证据保管")
    if action not in CUSTODY_ACTIONS:
        raise ValidationFailed("保管环节无效。", code="custody_action_invalid")
    with transaction.atomic():
        append(
            events.EVIDENCE_CUSTODY,
            actor=_actor(user),
            subject=evidence,
            payload={"evidence": evidence.pk, "action": action, "label": CUSTODY_ACTIONS[action], "to": to,
                     "note": note},
            case_id=case.pk,
        )  # fmt: skip


# --------------------------------------------------------------------------------------------------------------
# 调阅


def view_case(user, pk: int, *, channel: str = "console") -> Case:
    """The case, if visible; the view is a ledger event (调阅), a denied one an access.denied event."""
    case = get_visible(Case.objects.select_related("agency", "domain"), user, channel=channel, pk=pk)
    with transaction.atomic():
        append(
            events.VIEWED,
            actor=_actor(user),
            subject=case,
            payload={"channel": channel},
            case_id=case.pk,
        )
    return case


def visible_evidence(user):
    return Evidence.objects.filter(case__in=Case.objects.visible_to(user))


def get_evidence(user, pk: int, *, channel: str = "console") -> Evidence:
    ev = Evidence.objects.filter(pk=pk, case__in=Case.objects.visible_to(user)).select_related("blob").first()
    if ev is None:
        if Evidence.objects.filter(pk=pk).exists():
            record_denied(user, Evidence, {"pk": pk}, "view", channel)
        raise NotFound("未找到该记录，或您无权查看。", code="not_found")
    return ev


def evidence_for_download(user, pk: int, *, channel: str = "console") -> Evidence:
    ev = get_evidence(user, pk, channel=channel)
    with transaction.atomic():
        append(
            events.EVIDENCE_DOWNLOADED,
            actor=_actor(user),
            subject=ev,
            payload={"evidence": ev.pk, "sm3": ev.blob.sm3 if ev.blob_id else None, "channel": channel},
            case_id=ev.case_id,
        )
    return ev


# --------------------------------------------------------------------------------------------------------------
# Data parsing for transitions


def _as_date(value, label: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationFailed(f"{label}应为日期（如 2026-03-01）。", code="invalid_date") from None


def _as_datetime(value, label: str) -> dt.datetime:
    if isinstance(value, dt.datetime):
        out = value
    elif isinstance(value, dt.date):
        out = dt.datetime.combine(value, dt.time(0, 0))
    else:
        try:
            out = dt.datetime.fromisoformat(str(value).strip())
        except ValueError:
            raise ValidationFailed(
                f"{label}应为日期时间（如 2026-03-01T09:30）。", code="invalid_datetime"
            ) from None
    return timezone.make_aware(out) if timezone.is_naive(out) else out


def _parse(t: Transition, data: dict) -> dict:
    out = {}
    for f in t.fields:
        raw = data.get(f.name)
        empty = (
            raw is None
            or raw == ""
            or raw == []
            or (f.kind == "bool" and raw in (False, "false", "0", "off"))
        )
        if empty:
            if f.required:
                raise ValidationFailed(
                    f"请填写“{f.label}”。", code="field_required", details={"field": f.name}
                )
            out[f.name] = False if f.kind == "bool" else ([] if f.kind == "multichoice" else None)
            continue
        if f.kind in ("text", "longtext"):
            out[f.name] = str(raw).strip()
        elif f.kind == "date":
            out[f.name] = _as_date(raw, f.label)
        elif f.kind == "datetime":
            out[f.name] = _as_datetime(raw, f.label)
        elif f.kind == "decimal":
            try:
                value = Decimal(str(raw)).quantize(CENT)
            except (InvalidOperation, ValueError):
                raise ValidationFailed(f"“{f.label}”应为金额。", code="invalid_amount") from None
            if value < 0:
                raise ValidationFailed(f"“{f.label}”不能为负数。", code="invalid_amount")
            out[f.name] = value
        elif f.kind == "int":
            try:
                out[f.name] = int(raw)
            except (TypeError, ValueError):
                raise ValidationFailed(f"“{f.label}”应为编号。", code="invalid_int") from None
        elif f.kind == "bool":
            out[f.name] = raw in (True, "true", "1", "on", "yes", 1)
        elif f.kind == "choice":
            if str(raw) not in {c for c, _ in f.choices}:
                raise ValidationFailed(f"“{f.label}”的取值无效。", code="invalid_choice")
            out[f.name] = str(raw)
        elif f.kind == "multichoice":
            values = raw if isinstance(raw, list | tuple) else [v for v in str(raw).split(",") if v]
            allowed = {c for c, _ in f.choices}
            if any(str(v) not in allowed for v in values):
                raise ValidationFailed(f"“{f.label}”的取值无效。", code="invalid_choice")
            out[f.name] = list(dict.fromkeys(str(v) for v in values))
    return out


# --------------------------------------------------------------------------------------------------------------
# Deadlines


def _open_deadline(case, key, label, code, start, *, extensions=0, measure=None) -> CaseDeadline:
    from zhifa.deadlines.services import due

    result = due(code, start, extensions=extensions)
    return CaseDeadline.objects.create(
        case=case,
        key=key,
        label=label,
        rule=result.rule,
        rule_code=result.rule.code,
        rule_valid_from=result.rule.valid_from,
        start=_as_date(start, "起算日"),
        due_on=_as_date(result.date, "届满日"),
        explanation=result.explanation,
        extensions=extensions,
        measure=measure,
    )


def _close_deadlines(case, key, on: dt.date, status=CaseDeadline.Status.MET, measure=None) -> None:
    qs = CaseDeadline.objects.filter(case=case, key=key, status=CaseDeadline.Status.OPEN)
    if measure is not None:
        qs = qs.filter(measure=measure)
    qs.update(status=status, closed_on=on, updated_at=timezone.now())


def _statement_rule_code() -> str:
    from zhifa.deadlines.models import PeriodRule

    for code in STATEMENT_RULE_CODES:
        if PeriodRule.objects.filter(code=code).exists():
            return code
    return STATEMENT_RULE_CODES[-1]


# --------------------------------------------------------------------------------------------------------------
# Late fee and execution


def late_fee(
    principal: Decimal, due_on: dt.date, on: dt.date, *, rate_percent: Decimal | None = None
) -> Decimal:
    """加处罚款 (行政处罚法第七十二条第一款第一项): each day after `due_on` up to `on`, rate_percent (3) of the
    principal; never more than the principal."""
    principal = Decimal(principal)
    if principal <= 0 or on <= due_on:
        return Decimal("0.00")
    if rate_percent is None:
        rate_percent = statutory_limit(LATE_FEE_DAILY_PERCENT, due_on).value
    days = (on - due_on).days
    fee = (principal * Decimal(rate_percent) * days / 100).quantize(CENT, rounding=ROUND_HALF_UP)
    return min(fee, principal.quantize(CENT))


@dataclass
class ExecutionStatus:
    fine: Decimal
    principal_paid: Decimal
    late_fee_accrued: Decimal
    late_fee_paid: Decimal
    due_on: dt.date | None
    on: dt.date

    @property
    def principal_outstanding(self) -> Decimal:
        return self.fine - self.principal_paid

    @property
    def late_fee_outstanding(self) -> Decimal:
        return self.late_fee_accrued - self.late_fee_paid

    @property
    def total_outstanding(self) -> Decimal:
        return self.principal_outstanding + self.late_fee_outstanding

    @property
    def settled(self) -> bool:
        return self.total_outstanding <= 0


def execution_status(execution: Execution, on: dt.date | None = None, extra=()) -> ExecutionStatus:
    """Amounts owed on `on`: payments go to the fine first, then to the 加处罚款, which accrues day by day on the
    unpaid part of the fine after the due date, capped at the fine (第七十二条). `extra`: [(date, amount)] not yet
    stored (to allocate a new payment)."""
    on = on or _today()
    fine = execution.fine_amount or Decimal("0")
    rate = statutory_limit(LATE_FEE_DAILY_PERCENT, execution.due_on or on).value if execution.due_on else 0
    pays = sorted([(p.paid_on, p.amount) for p in execution.payments.all()] + list(extra))
    principal_paid = Decimal("0")
    fee_accrued = Decimal("0")
    fee_paid = Decimal("0")
    cursor = execution.due_on
    for day, amount in [*pays, (on, Decimal("0"))]:
        if day > on:
            break
        if cursor is not None and day > cursor:
            fee_accrued += late_fee(fine - principal_paid, cursor, day, rate_percent=rate)
            fee_accrued = min(fee_accrued, fine)
            cursor = day
        to_principal = min(amount, fine - principal_paid)
        principal_paid += to_principal
        fee_paid += amount - to_principal
    return ExecutionStatus(fine, principal_paid, fee_accrued, fee_paid, execution.due_on, on)


# --------------------------------------------------------------------------------------------------------------
# Guards: each a cited rule; a guard raises GateRefused inside the transition's transaction (nothing written)


@dataclass
class Ctx:
    user: object
    case: Case
    t: Transition
    data: dict
    payload: dict = field(default_factory=dict)
    channel: str = "service"

    @property
    def today(self) -> dt.date:
        return _today()


def g_two_officers(ctx: Ctx) -> None:
    n = active_officers(ctx.case).count()
    if n < 2:
        _refuse(f"执法人员不得少于两人（本案现有{n}人）。", "too_few_officers", _cite(42, 1), officers=n)


def g_certificates(ctx: Ctx) -> None:
    for link in active_officers(ctx.case):
        o = link.officer
        if o.status != Officer.Status.ACTIVE or o.valid_certificate(ctx.today, ctx.case.domain) is None:
            _refuse(
                f"执法人员{o.name}没有覆盖“{ctx.case.domain.name}”领域的有效执法证，不得从事执法活动。",
                "officer_without_certificate", _cite(42, 1), officer=o.pk,
            )  # fmt: skip


def g_no_recusal(ctx: Ctx) -> None:
    ids = list(active_officers(ctx.case).values_list("officer_id", flat=True))
    r = (
        Recusal.objects.filter(case=ctx.case, officer_id__in=ids)
        .exclude(status=Recusal.Status.REJECTED)
        .select_related("officer")
        .first()
    )
    if r is not None:
        state = "回避申请尚待负责人决定" if r.status == Recusal.Status.PENDING else "已被决定回避"
        _refuse(
            f"执法人员{r.officer.name}{state}，不得继续执法。",
            "officer_recusal",
            _cite(43),
            officer=r.officer_id,
        )


def g_head_approval_flag(ctx: Ctx) -> None:
    if user_role(ctx.user) == Role.HEAD or ctx.data.get("head_approved"):
        ctx.payload["head_approved"] = True
        return
    if ctx.t.action == "seize":
        _refuse(
            "实施查封、扣押前须报经行政机关负责人批准。",
            "head_approval_required",
            _cite(18, 0, 1, law=COERCION),
        )
    _refuse("先行登记保存须经行政机关负责人批准。", "head_approval_required", _cite(56))


def _av_evidence(ctx: Ctx) -> Evidence | None:
    pk = ctx.data.get("av_evidence_id")
    if not pk:
        return None
    ev = Evidence.objects.filter(pk=pk, case=ctx.case).select_related("blob").first()
    if ev is None:
        raise ValidationFailed("音像记录不是本案的证据。", code="av_not_of_case")
    return ev


def _av_gate(ctx: Ctx, step: str, *, always: bool = False, what: str = "") -> None:
    """A step that needs its audio/video record: always (118号: 查封扣押、强制拆除、执法办案场所), or when the
    agency's 音像记录事项清单 marks the step mandatory."""
    from zhifa.catalog.models import AVStep
    from zhifa.catalog.services import av_requirement

    row = None if always else av_requirement(ctx.case.agency, step)
    if not always and (row is None or row.requirement != AVRequirement.MANDATORY):
        return
    ev = _av_evidence(ctx)
    what = what or AVStep(step).label
    if ev is None or not ev.is_av:
        basis = GUIDELINE_118 if always else f"{ctx.case.agency.name}音像记录事项清单（{GUIDELINE_118}）"
        _refuse(f"“{what}”须有全程音像记录，请先上传音像资料并选择。", "av_record_required", basis, step=step)
    ctx.payload["av_evidence"] = ev.pk


def g_av_seizure(ctx: Ctx) -> None:
    _av_gate(ctx, "seizure", always=True)


def g_av_evidence_preservation(ctx: Ctx) -> None:
    _av_gate(ctx, "evidence_preservation")


def g_av_case_room(ctx: Ctx) -> None:
    if ctx.data.get("in_case_room"):
        _av_gate(ctx, "case_room_interview", always=True)
    else:
        _av_gate(ctx, "evidence")


def g_av_service(ctx: Ctx) -> None:
    step = {"leaving": "service_by_leaving", "notice": "service_by_notice"}.get(ctx.data.get("method"))
    if step:
        _av_gate(ctx, step)


def g_av_hearing(ctx: Ctx) -> None:
    _av_gate(ctx, "hearing")


def _active_measure(ctx: Ctx) -> Measure:
    m = Measure.objects.select_for_update().filter(pk=ctx.data.get("measure_id"), case=ctx.case).first()
    if m is None:
        raise NotFound("本案没有该强制措施。", code="measure_not_found")
    return m


def g_seizure_extendable(ctx: Ctx) -> None:
    m = _active_measure(ctx)
    art25 = _cite(25, law=COERCION)
    if m.kind == Measure.Kind.PRESERVE or m.status != Measure.Status.ACTIVE:
        _refuse("只有实施中的查封、扣押可以延长。", "measure_not_extendable", art25)
    if m.extended:
        _refuse("查封、扣押只能延长一次，延长期限不得超过三十日。", "seizure_extension_exhausted", art25)
    if ctx.today > m.due_on:
        _refuse(f"查封、扣押期限已于{m.due_on}届满，不能再延长，应当解除。", "seizure_expired", art25)


def g_no_overdue_seizure(ctx: Ctx) -> None:
    today = ctx.today
    for m in Measure.objects.filter(case=ctx.case, status=Measure.Status.ACTIVE, due_on__lt=today):
        if m.kind == Measure.Kind.PRESERVE:
            _refuse(
                f"先行登记保存的证据应在七日内作出处理决定（期限{m.due_on}已届满），请先处理。",
                "preservation_overdue", _cite(56), measure=m.pk,
            )  # fmt: skip
        msg = "已经批准延长的期限也已届满" if m.extended else "且未经批准延长"
        _refuse(
            f"{m.get_kind_display()}期限已于{m.due_on}届满{msg}，须先解除或作出处理决定。",
            "seizure_overdue", _cite(25, law=COERCION), measure=m.pk,
        )  # fmt: skip


def g_has_evidence(ctx: Ctx) -> None:
    if not Evidence.objects.filter(case=ctx.case).exists():
        _refuse("尚无证据材料，违法事实不清、证据不足的，不得给予行政处罚。", "no_evidence", _cite(40))


def _notice(case) -> Notice | None:
    return Notice.objects.filter(case=case).order_by("-served_on", "-pk").first()


def g_hearing_right(ctx: Ctx) -> None:
    if not ctx.case.hearing_right:
        _refuse("拟作出的处罚不属于当事人有权要求听证的情形。", "no_hearing_right", _cite(63))


def g_hearing_request_in_time(ctx: Ctx) -> None:
    notice = _notice(ctx.case)
    if notice is None or ctx.data["received_on"] > notice.reply_due_on:
        due = notice.reply_due_on if notice else "—"
        _refuse(
            f"当事人应在告知后五日内提出听证要求（期限至{due}）。", "hearing_request_late", _cite(64, 0, 1)
        )


def g_hearing_host(ctx: Ctx) -> None:
    host = Officer.objects.filter(pk=ctx.data["host_officer_id"], agency=ctx.case.agency).first()
    if host is None:
        raise ValidationFailed("主持人须为本机关执法人员。", code="host_invalid")
    if active_officers(ctx.case).filter(officer=host).exists():
        _refuse(f"{host.name}是本案调查人员，不得主持听证。", "host_is_investigator", _cite(64, 0, 4))


def g_hearing_notice_in_time(ctx: Ctx) -> None:
    from zhifa.deadlines.services import due

    last = due("penalty.hearing_notice", ctx.data["scheduled_for"])
    ctx.payload["hearing_notice_due"] = last.as_dict()
    if ctx.data["notified_on"] > _as_date(last.date, "通知期限"):
        _refuse(
            f"应当在举行听证的七日前通知当事人（最迟{last.date}）。{last.explanation}",
            "hearing_notice_late", _cite(64, 0, 2),
        )  # fmt: skip


def g_hearing_scheduled(ctx: Ctx) -> None:
    if not Hearing.objects.filter(case=ctx.case, held_on__isnull=True).exists():
        raise Conflict("请先通知听证时间、地点。", code="hearing_not_scheduled", citation=_cite(64, 0, 2))


def _defence_done(case, on: dt.date) -> tuple[bool, str]:
    """Whether the party had the chance to state, defend and ask for a hearing, and it is used or over."""
    notice = _notice(case)
    if notice is None:
        return False, "尚未告知当事人拟作出处罚的内容及事实、理由、依据和陈述、申辩、要求听证的权利"
    statements = Statement.objects.filter(case=case, notice=notice)
    if statements.filter(kind=Statement.Kind.HEARING_REQUEST).exists():
        if not Hearing.objects.filter(case=case, held_on__isnull=False).exists():
            return False, "当事人要求听证，尚未举行听证"
        return True, ""
    if statements.filter(kind=Statement.Kind.WAIVER).exists():
        return True, ""
    if on > notice.reply_due_on:
        return True, ""
    if not notice.hearing_right and statements.filter(kind=Statement.Kind.STATEMENT).exists():
        return True, ""
    return (
        False,
        f"陈述、申辩{'及要求听证' if notice.hearing_right else ''}的期限至{notice.reply_due_on}尚未届满，当事人也未书面放弃",
    )


DEFENCE_CITATION = ((44,), (45,), (62,), (64,))


def _defence_citation() -> str:
    return "、".join(_cite(*a) for a in DEFENCE_CITATION)


def g_defence_period_over(ctx: Ctx) -> None:
    ok, why = _defence_done(ctx.case, ctx.today)
    if not ok:
        _refuse(why + "。", "defence_not_finished", _defence_citation())


def g_notice_and_defence(ctx: Ctx) -> None:
    if ctx.data.get("outcome") != Decision.Outcome.PENALTY:
        return
    ok, why = _defence_done(ctx.case, ctx.data["decided_on"])
    if not ok:
        _refuse(f"不能作出行政处罚决定：{why}。", "decision_before_defence", _defence_citation())


def g_not_heavier(ctx: Ctx) -> None:
    if ctx.data.get("outcome") != Decision.Outcome.PENALTY:
        return
    notice = _notice(ctx.case)
    if notice is None:
        return
    heavier = set(ctx.data.get("penalty_kinds") or []) - set(notice.proposed_kinds)
    for amount, proposed in (
        (ctx.data.get("fine_amount"), notice.proposed_fine),
        (ctx.data.get("confiscation_amount"), notice.proposed_confiscation),
    ):
        if amount and amount > (proposed or 0):
            heavier.add("amount")
    if heavier:
        _refuse(
            "决定的处罚重于告知的内容：不得因当事人陈述、申辩而给予更重的处罚；确需加重的，应当重新告知。",
            "heavier_than_notified", _cite(45, 2),
        )  # fmt: skip


def g_collective(ctx: Ctx) -> None:
    if ctx.case.collective_required and not CollectiveDiscussion.objects.filter(case=ctx.case).exists():
        _refuse("情节复杂或者重大违法行为给予行政处罚，应当由行政机关负责人集体讨论决定。", "collective_required",
                _cite(57, 2))  # fmt: skip


# The 法制审核 gate of issue 4 (and any later pre-decision check) registers here: fn(case, decision, user) raises
# DomainError to refuse. Runs inside the decision's transaction, after the statutory guards above.
DECISION_GUARDS: list[Callable] = []


def register_decision_guard(fn: Callable) -> Callable:
    if fn not in DECISION_GUARDS:
        DECISION_GUARDS.append(fn)
    return fn


def unregister_decision_guard(fn: Callable) -> None:
    if fn in DECISION_GUARDS:
        DECISION_GUARDS.remove(fn)


def g_decision_hooks(ctx: Ctx) -> None:
    for fn in list(DECISION_GUARDS):
        fn(ctx.case, dict(ctx.data), ctx.user)


def g_decision_revisable(ctx: Ctx) -> None:
    d = Decision.objects.filter(case=ctx.case).first()
    if d is None:
        raise Conflict("本案尚未作出决定，不能变更或撤销。", code="no_decision")
    if d.revision in (Decision.Revision.REVOKED, Decision.Revision.CONFIRMED_VOID):
        raise Conflict(
            f"该决定已于{d.revised_on}被{d.get_revision_display()}，不能再次变更。", code="already_revoked"
        )
    if ctx.data["revised_on"] < d.decided_on:
        raise ValidationFailed("变更/撤销日期不能早于决定日期。", code="date_invalid")
    if ctx.data["revised_on"] > ctx.today:
        raise ValidationFailed("变更/撤销日期不能晚于今天。", code="date_in_future")


def _parties(case) -> list[Party]:
    return [cp.party for cp in CaseParty.objects.filter(case=case).select_related("party")]


def g_onsite_limits(ctx: Ctx) -> None:
    art51 = _cite(51)
    parties = _parties(ctx.case)
    if not parties:
        raise ValidationFailed("请先登记当事人。", code="party_required")
    kinds = set(ctx.data["penalty_kinds"])
    fine = ctx.data.get("fine_amount") or Decimal("0")
    if PenaltyKind.FINE in kinds and fine <= 0:
        raise ValidationFailed("请填写罚款金额。", code="fine_required")
    if PenaltyKind.FINE not in kinds and fine > 0:
        raise ValidationFailed("处罚种类未选罚款，不能填写罚款金额。", code="fine_without_kind")
    for p in parties:
        limit = statutory_limit(ONSITE_MAX_NATURAL if p.is_natural else ONSITE_MAX_ORG, ctx.today)
        if fine > limit.value:
            whom = "公民" if p.is_natural else "法人或者其他组织"
            _refuse(
                f"当场处罚对{whom}罚款不得超过{limit.value.normalize():f}元（本次{fine.normalize():f}元），应适用普通程序。",
                "onsite_limit_exceeded", art51, limit=str(limit.value),
            )  # fmt: skip


def g_onsite_informed(ctx: Ctx) -> None:
    if not ctx.data.get("party_informed"):
        _refuse("当场处罚前须告知当事人违法事实、处罚理由和依据，并告知其陈述、申辩的权利。",
                "onsite_not_informed", _cite(44) + "、" + _cite(52))  # fmt: skip
    _av_gate(ctx, "on_site")


def g_arrangement_once(ctx: Ctx) -> None:
    ex = getattr(ctx.case, "execution", None)
    art = _cite(66, 2)
    if ex is None or ex.fine_amount <= 0:
        _refuse("本案没有应缴纳的罚款。", "no_fine", art)
    if ex.arrangement:
        _refuse("本案已批准过延期或分期缴纳。", "arrangement_exists", art)
    if ex.due_on and ctx.data["new_due_on"] <= ex.due_on:
        raise ValidationFailed("延期/分期的最后期限应晚于原缴纳期限。", code="arrangement_date_invalid")


def g_payment_overdue(ctx: Ctx) -> None:
    ex = getattr(ctx.case, "execution", None)
    citation = _cite(72, 1, 4)
    if ex is None or ex.court_applied_on:
        _refuse("本案没有可申请强制执行的事项或已申请。", "court_not_applicable", citation)
    status = execution_status(ex, ctx.data["applied_on"])
    non_money = _non_monetary(ctx.case) and not ex.non_monetary_done_on
    if not non_money and (status.settled or not ex.due_on or ctx.data["applied_on"] <= ex.due_on):
        _refuse("当事人尚未逾期不履行行政处罚决定，不能申请人民法院强制执行。", "not_overdue", citation)


MONETARY = {PenaltyKind.FINE, PenaltyKind.CONFISCATE_GAINS, PenaltyKind.WARNING, PenaltyKind.CIRCULATION}


def _non_monetary(case) -> bool:
    d = getattr(case, "decision", None)
    return bool(d and d.outcome == Decision.Outcome.PENALTY and set(d.penalty_kinds) - MONETARY)


def g_closable(ctx: Ctx) -> None:
    case = ctx.case
    art27 = _cite(27, law=COERCION)
    if Measure.objects.filter(case=case, status=Measure.Status.ACTIVE).exists():
        _refuse("尚有未解除或未处理的查封、扣押或先行登记保存措施。", "measures_open", art27)
    if case.state == State.INVESTIGATING:
        if case.procedure != Procedure.COERCION:
            raise Conflict("普通程序案件须作出决定并送达后方可结案。", code="not_closable")
        return
    d = getattr(case, "decision", None)
    if case.state == State.DECIDED and (d is None or d.outcome != Decision.Outcome.TRANSFER):
        raise Conflict("决定书送达后方可结案。", code="not_closable", citation=_cite(61))
    ex = getattr(case, "execution", None)
    if ex is None or ex.court_applied_on:
        return
    status = execution_status(ex, ctx.data["closed_on"])
    if not status.settled:
        _refuse(
            f"罚没款尚未缴清（尚欠{status.total_outstanding}元，其中加处罚款{status.late_fee_outstanding}元），"
            "不能结案；逾期不缴纳的可申请人民法院强制执行。",
            "execution_unfinished", _cite(72, 1),
        )  # fmt: skip
    if _non_monetary(case) and not ex.non_monetary_done_on:
        _refuse("处罚决定尚未执行完毕。", "execution_unfinished", _cite(66, 1))


GUARDS = {
    "two_officers": g_two_officers,
    "certificates": g_certificates,
    "no_recusal": g_no_recusal,
    "head_approval_flag": g_head_approval_flag,
    "av_seizure": g_av_seizure,
    "av_evidence_preservation": g_av_evidence_preservation,
    "av_case_room": g_av_case_room,
    "av_service": g_av_service,
    "av_hearing": g_av_hearing,
    "seizure_extendable": g_seizure_extendable,
    "no_overdue_seizure": g_no_overdue_seizure,
    "has_evidence": g_has_evidence,
    "hearing_right": g_hearing_right,
    "hearing_request_in_time": g_hearing_request_in_time,
    "hearing_host": g_hearing_host,
    "hearing_notice_in_time": g_hearing_notice_in_time,
    "hearing_scheduled": g_hearing_scheduled,
    "defence_period_over": g_defence_period_over,
    "notice_and_defence": g_notice_and_defence,
    "not_heavier": g_not_heavier,
    "collective": g_collective,
    "decision_hooks": g_decision_hooks,
    "decision_revisable": g_decision_revisable,
    "onsite_limits": g_onsite_limits,
    "onsite_informed": g_onsite_informed,
    "arrangement_once": g_arrangement_once,
    "payment_overdue": g_payment_overdue,
    "closable": g_closable,
}
_missing = {g for t in TRANSITIONS.values() for g in t.guards} - set(GUARDS)
assert not _missing, f"guards declared but not implemented: {_missing}"


# --------------------------------------------------------------------------------------------------------------
# 文书: each step's document is issued by zhifa.documents.services.issue_document inside the transition's
# transaction (a refused or failed issue refuses the step and writes nothing). The builders below read the case.


def _issue(ctx: Ctx, kind: str, context: dict) -> int:
    from zhifa.documents.services import issue_document

    doc = issue_document(
        user=ctx.user, agency=ctx.case.agency, kind=kind, context=context, case_id=ctx.case.pk,
        channel=ctx.channel,
    )  # fmt: skip
    ctx.payload.setdefault("documents", []).append({"kind": kind, "id": doc.pk, "number": doc.number})
    return doc.pk


def _date_cn(value: dt.date) -> str:
    return f"{value.year}年{value.month}月{value.day}日"


def _time_cn(value: dt.datetime) -> str:
    t = timezone.localtime(value)
    return f"{_date_cn(t.date())}{t.hour}时{t.minute:02d}分"


def _money(value) -> str:
    return f"{Decimal(value).quantize(CENT):,.2f}"


def _party_context(case: Case, *, address_fallback: str = "") -> dict:
    """The parties of the case as the 文书 name them. A party without a registered address leaves
    party_address empty (a 决定书 then refuses, 行政处罚法第五十九条第一项) unless a fallback is given."""
    parties = _parties(case)
    many = len(parties) > 1

    def each(fn) -> str:
        values = [(p, fn(p)) for p in parties]
        return "；".join(f"{p.name}：{v}" if many else v for p, v in values if v)

    def id_label(p: Party) -> str:
        return "统一社会信用代码" if p.uscc else (IdType(p.id_type).label if p.id_type else "")

    address = "" if any(not p.address for p in parties) else each(lambda p: p.address)
    return {
        "party_name": "、".join(p.name for p in parties),
        "party_type": "、".join(p.get_kind_display() for p in parties),
        "party_id_label": "身份证件/统一社会信用代码" if many else (id_label(parties[0]) if parties else ""),
        "party_id": each(lambda p: p.identifier),
        "party_address": address or address_fallback,
        "party_representative": each(lambda p: p.legal_representative),
        "party_phone": each(lambda p: p.phone),
    }


def _officers_text(case: Case, on: dt.date | None = None) -> str:
    on = on or _today()
    out = []
    for link in active_officers(case):
        cert = link.officer.valid_certificate(on, case.domain)
        out.append(f"{link.officer.name}（执法证号：{cert.number}）" if cert else link.officer.name)
    return "、".join(out)


def _step_data(case: Case, event_type: str) -> dict:
    """The data of the latest ledger event of a step (e.g. the 承办人意见 given when filing was requested)."""
    from zhifa.ledger.models import Event

    e = Event.objects.filter(case_id=case.pk, event_type=event_type).order_by("-id").first()
    return (e.data.get("data") or {}) if e is not None else {}


def _penalty_lines(kinds, fine, confiscation) -> list[str]:
    lines = []
    for k in sorted(set(kinds), key=lambda k: PenaltyKind.values.index(k) if k in PenaltyKind.values else 99):
        if k == PenaltyKind.FINE and fine:
            lines.append(f"罚款人民币{_money(fine)}元")
        elif k == PenaltyKind.CONFISCATE_GAINS and confiscation:
            lines.append(f"没收违法所得人民币{_money(confiscation)}元")
        else:
            lines.append(PenaltyKind(k).label if k in PenaltyKind.values else k)
    return lines


def remedy_bodies(agency) -> tuple[str, str]:
    """(复议机关, 人民法院) from the agency's published 救济渠道, else those of its area (行政复议法第二十四条:
    the people's government of the level; 行政诉讼法第十八条: the court of the place)."""
    import re

    text = agency.remedy_channels or ""
    review = re.search(r"向([^，。；、]{2,40}?)申请行政复议", text)
    court = re.search(r"向([^，。；、]{2,40}?人民法院)", text)
    place = agency.jurisdiction.name
    return (
        review.group(1) if review else f"{place}人民政府",
        court.group(1) if court else f"{place}人民法院",
    )


def _evidence_lines(case: Case) -> list[str]:
    lines = []
    for ev in Evidence.objects.filter(case=case).order_by("recorded_at", "pk"):
        when = _date_cn(timezone.localtime(ev.recorded_at).date())
        where = f"，{ev.place}" if ev.place else ""
        lines.append(f"{ev.get_kind_display()}：{ev.title}（{when}{where}）")
    for i in Interview.objects.filter(case=case).order_by("held_at", "pk"):
        lines.append(f"{i.get_record_kind_display()}：{i.person}（{_time_cn(i.held_at)}，{i.place}）")
    return lines


def _payment_text(decision: Decision | None) -> str:
    """履行方式和期限: 15 days from service (行政处罚法第六十七条第三款), 加处罚款 (第七十二条第一款第一项)."""
    from zhifa.deadlines.models import PeriodRule

    money = decision and ((decision.fine_amount or 0) + (decision.confiscation_amount or 0))
    if not money:
        return "本决定书自送达之日起生效，当事人应当自觉履行。"
    from zhifa.laws.parsing import int_to_cn

    rule = PeriodRule.objects.filter(code="penalty.payment").order_by("-valid_from").first()
    days = int_to_cn(rule.amount if rule else 15)
    rate = statutory_limit(LATE_FEE_DAILY_PERCENT).value
    rate = int_to_cn(int(rate)) if rate == int(rate) else f"{rate.normalize():f}"
    return (
        f"当事人应当自收到本决定书之日起{days}日内（{_cite(67, 3)}），持本决定书到指定银行或者通过电子支付系统"
        f"缴纳罚没款人民币{_money(money)}元。到期不缴纳罚款的，本机关可以每日按罚款数额的百分之{rate}加处罚款，"
        f"加处罚款的数额不超过罚款的数额（{_cite(72, 1, 1)}）。"
    )


def docs_filing(ctx: Ctx) -> dict:
    case = ctx.case
    request = _step_data(case, "case.filing_requested")
    source = case.get_source_type_display() + (
        f"（{case.source_description}）" if case.source_description else ""
    )
    return _party_context(case) | {
        "case_number": case.number,
        "case_source": source,
        "case_summary": f"{case.title}。{case.source_description}".strip("。") + "。",
        "filing_opinion": request.get("opinion") or "",
        "officers": _officers_text(case),
        "head_opinion": ctx.data.get("opinion") or "同意立案。",
        "head_name": getattr(ctx.user, "display_name", "") or str(ctx.user),
    }


def docs_interview(ctx: Ctx, i: Interview) -> dict:
    import re

    base = _party_context(ctx.case) | {
        "case_number": ctx.case.number,
        "place": i.place,
        "record_time": _time_cn(i.held_at),
        "officers": _officers_text(ctx.case),
    }
    if i.record_kind == Interview.RecordKind.ON_SITE:
        av = i.av_evidence
        return base | {
            "findings": i.record,
            "av_record": f"{av.device or '音像记录设备'}，{av.title}（证据{av.pk}）" if av else "无",
        }
    pairs = re.findall(r"问[:：](.*?)答[:：](.*?)(?=问[:：]|$)", i.record, flags=re.S)
    qa = [{"q": q.strip(), "a": a.strip()} for q, a in pairs] or [{"q": "（询问内容）", "a": i.record}]
    return base | {"interviewee": i.person, "qa": qa}


def docs_preservation(ctx: Ctx, m: Measure) -> dict:
    return _party_context(ctx.case) | {
        "case_number": ctx.case.number,
        "reason": "因证据可能灭失或者以后难以取得，经本机关负责人批准，依据《中华人民共和国行政处罚法》第五十六条的规定，"
        "对下列物品予以先行登记保存。",
        "items": [line.strip() for line in m.items.splitlines() if line.strip()],
        "storage_place": ctx.data.get("storage_place") or "就地保存（由当事人妥善保管，不得转移、损毁）",
        "period_text": f"本机关将在{_date_cn(m.due_on)}前依法作出处理决定（{_cite(56)}）。",
    }


def docs_seizure(ctx: Ctx, m: Measure) -> dict:
    review, court = remedy_bodies(ctx.case.agency)
    return _party_context(ctx.case) | {
        "case_number": ctx.case.number,
        "reason": ctx.data.get("reason") or f"当事人涉嫌{ctx.case.title}，为防止证据损毁、制止违法行为。",
        "legal_basis": ctx.data.get("legal_basis")
        or "《中华人民共和国行政强制法》第九条第（二）项、第二十二条",
        "items": [line.strip() for line in m.items.splitlines() if line.strip()],
        "period": f"三十日（自{_date_cn(m.started_on)}至{_date_cn(m.due_on)}）；情况复杂的，经本机关负责人批准，"
        f"可以延长，但延长期限不得超过三十日（{_cite(25, law=COERCION)}）",
        "review_body": review,
        "court": court,
    }


def docs_notice(ctx: Ctx, notice: Notice) -> dict:
    data = ctx.data
    penalty = _penalty_lines(notice.proposed_kinds, notice.proposed_fine, notice.proposed_confiscation)
    return _party_context(ctx.case) | {
        "case_number": ctx.case.number,
        "facts": notice.facts,
        "legal_basis": data.get("basis") or "前述法律、法规、规章",
        "proposed_penalty": "；".join(f"{n}. {line}" for n, line in enumerate(penalty, 1)) + "。",
        "statement_days": "五",
    }


def docs_hearing(ctx: Ctx, h: Hearing) -> dict:
    lines = [line.strip() for line in h.record.splitlines() if line.strip()]
    return _party_context(ctx.case) | {
        "case_number": ctx.case.number,
        "hearing_time": _date_cn(h.held_on),
        "place": h.place,
        "host": h.host.name,
        "recorder": ctx.data.get("recorder") or "",
        "investigators": _officers_text(ctx.case),
        "proceedings": lines,
    }


def docs_decision(ctx: Ctx, d: Decision) -> dict:
    """The 行政处罚决定书 (第五十九条: parties and addresses; facts and evidence; kinds and basis; manner and term
    of performance; remedy; agency and date) from the case."""
    case = ctx.case
    review, court = remedy_bodies(case.agency)
    notice = _notice(case)
    statement = ""
    if notice is not None:
        statement = f"本机关于{_date_cn(notice.served_on)}向当事人送达了《行政处罚告知书》"
        if notice.hearing_right:
            statement += "和《听证告知书》"
        statement += "，告知当事人拟作出行政处罚的内容及事实、理由、依据，并告知其依法享有的陈述、申辩"
        statement += "、要求听证的权利。" if notice.hearing_right else "的权利。"
        held = Hearing.objects.filter(case=case, held_on__isnull=False).order_by("-held_on").first()
        said = Statement.objects.filter(case=case, notice=notice).exclude(kind=Statement.Kind.HEARING_REQUEST)
        if held is not None:
            statement += f"应当事人要求，本机关于{_date_cn(held.held_on)}举行了听证。"
        elif said.filter(kind=Statement.Kind.WAIVER).exists():
            statement += "当事人书面放弃陈述、申辩和听证的权利。"
        elif said.exists():
            statement += "当事人提出了陈述、申辩意见，本机关已进行复核。"
        else:
            statement += "当事人在法定期限内未提出陈述、申辩意见。"
    filed = f"经本机关负责人批准，于{_date_cn(case.filed_on)}立案调查。" if case.filed_on else ""
    return _party_context(case) | {
        "case_number": case.number,
        "case_source_text": f"{_date_cn(case.source_received_on)}，本机关通过{case.get_source_type_display()}途径"
        f"获得案件线索，当事人涉嫌{case.title}，{filed}",
        "facts": d.facts,
        "evidence": _evidence_lines(case),
        "statement": statement,
        "legal_basis": d.basis,
        "penalty": _penalty_lines(d.penalty_kinds, d.fine_amount, d.confiscation_amount),
        "performance": _payment_text(d),
        "review_body": review,
        "court": court,
        "agency_name": case.agency.name,
        "decision_date": d.decided_on.isoformat(),
    }


def docs_no_penalty(ctx: Ctx, d: Decision) -> dict:
    """不予行政处罚决定书: the facts, the ground (第三十三条, or 第五十七条第一款第三项 when the facts are not
    established), the basis and the remedies."""
    review, court = remedy_bodies(ctx.case.agency)
    if d.outcome == Decision.Outcome.NOT_ESTABLISHED:
        ground, basis = "违法事实不能成立", _cite(57, 1, 3)
    else:
        label = d.get_no_penalty_ground_display()
        ground, basis = label.split("（")[0], _cite(33, 1 if d.no_penalty_ground != "no_fault" else 2)
    return _party_context(ctx.case) | {
        "case_number": ctx.case.number,
        "facts": d.facts,
        "ground": ground,
        "legal_basis": f"{basis}{'、' + d.basis if d.basis else ''}",
        # 第三十三条第三款: 对当事人的违法行为依法不予行政处罚的，行政机关应当对当事人进行教育。
        "education": "本机关已对你（单位）进行了批评教育，望今后严格遵守法律、法规的规定。"
        if d.outcome == Decision.Outcome.NO_PENALTY
        else "",
        "review_body": review,
        "court": court,
    }


def docs_transfer(ctx: Ctx, d: Decision) -> dict:
    """涉嫌犯罪案件移送书 (第二十七条第一款), listing what goes with the case."""
    materials = ["涉嫌犯罪案件调查报告"] + [
        f"证据：{e.title}" for e in Evidence.objects.filter(case=ctx.case)
    ]
    if Measure.objects.filter(case=ctx.case).exclude(kind=Measure.Kind.PRESERVE).exists():
        materials.append("涉案物品清单")
    return _party_context(ctx.case) | {
        "case_number": ctx.case.number,
        "transfer_to": d.transfer_to,
        "facts": d.facts.rstrip("。") + "，涉嫌犯罪。",
        "legal_basis": _cite(27, 1),
        "materials": materials,
    }


def docs_seizure_extension(ctx: Ctx, m: Measure, original_number: str) -> dict:
    review, court = remedy_bodies(ctx.case.agency)
    reason = ctx.data["reason"].rstrip("。") + "，"
    return _party_context(ctx.case) | {
        "case_number": ctx.case.number,
        "original_number": original_number or "查封扣押决定书",
        "reason": reason,
        "period": f"延长三十日，至{_date_cn(m.due_on)}",
        "review_body": review,
        "court": court,
    }


def docs_onsite_decision(ctx: Ctx, d: Decision) -> dict:
    """当场处罚决定书 (第五十二条: 违法行为, 种类和依据, 罚款数额, 时间, 地点, 救济途径, 机关名称), in the 决定书 kind;
    the address, not demanded by 第五十二条, reads “未登记” when the party has none."""
    context = docs_decision(ctx, d)
    context |= _party_context(ctx.case, address_fallback="未登记")
    statement = ctx.data.get("statement") or "当事人未提出陈述、申辩意见"
    context |= {
        "case_source_text": f"{_time_cn(ctx.data['decided_at'])}，本机关执法人员在{ctx.data['place']}"
        f"发现当事人{ctx.case.title}，适用简易程序当场作出行政处罚决定（{_cite(51)}）。",
        "evidence": _evidence_lines(ctx.case) or [f"执法人员现场检查情况（{ctx.data['place']}）"],
        "statement": f"执法人员当场告知了当事人拟作出行政处罚的事实、理由和依据及其陈述、申辩的权利；{statement}。",
    }
    return context


def docs_service(ctx: Ctx, s: Service, decision: Decision) -> dict:
    from zhifa.documents.models import IssuedDocument

    doc = IssuedDocument.objects.filter(pk=decision.document_id).first() if decision.document_id else None
    served = f"{doc.title}（{doc.number}）" if doc else "处理决定书"
    party = _party_context(ctx.case)
    return party | {
        "case_number": ctx.case.number,
        "served_document": served,
        "recipient": s.recipient,
        "service_place": ctx.data.get("place") or party["party_address"] or "本机关",
        "service_method": s.get_method_display(),
        "servers": _officers_text(ctx.case),
        "remarks": f"送达日期：{_date_cn(s.served_on)}",
    }


def docs_closing(ctx: Ctx) -> dict:
    case = ctx.case
    d = getattr(case, "decision", None)
    from zhifa.documents.models import IssuedDocument

    if d is None:
        summary = "未作出行政处罚决定。"
    elif d.outcome == Decision.Outcome.PENALTY:
        doc = IssuedDocument.objects.filter(pk=d.document_id).first() if d.document_id else None
        summary = "；".join(_penalty_lines(d.penalty_kinds, d.fine_amount, d.confiscation_amount))
        summary += f"（{doc.number}）。" if doc and doc.number else "。"
    else:
        summary = d.get_outcome_display() + (f"（{d.transfer_to}）" if d.transfer_to else "") + "。"
    lines = []
    ex = getattr(case, "execution", None)
    if ex is not None:
        for p in ex.payments.order_by("paid_on", "pk"):
            fee = f"（其中加处罚款{_money(p.late_fee_part)}元）" if p.late_fee_part else ""
            lines.append(f"{_date_cn(p.paid_on)}缴纳{_money(p.amount)}元{fee}")
        if ex.non_monetary_done_on:
            lines.append(f"其他处罚于{_date_cn(ex.non_monetary_done_on)}执行完毕")
        if ex.court_applied_on:
            lines.append(f"{_date_cn(ex.court_applied_on)}申请{ex.court}强制执行")
    for m in Measure.objects.filter(case=case).order_by("started_on", "pk"):
        when = _date_cn(m.released_on) if m.released_on else ""
        lines.append(f"{m.get_kind_display()}于{when}解除/处理：{m.outcome}")
    return _party_context(case) | {
        "case_number": case.number,
        "decision_summary": summary,
        "execution": "；\n".join(lines) or "无需执行事项",
        "closing_opinion": ctx.data.get("summary") or "",
        "head_opinion": "同意结案。",
        "head_name": getattr(ctx.user, "display_name", "") or str(ctx.user),
    }


# --------------------------------------------------------------------------------------------------------------
# Handlers: the writes of each action (after every guard passed)


def _next_number(case: Case, on: dt.date) -> None:
    counter, _ = CaseNumberCounter.objects.get_or_create(agency=case.agency, year=on.year)
    counter = CaseNumberCounter.objects.select_for_update().get(pk=counter.pk)
    counter.last += 1
    counter.save(update_fields=["last"])
    case.number_year, case.number_seq = on.year, counter.last
    case.number = f"{case.agency.short_name}立〔{on.year}〕{counter.last}号"


def h_approve_filing(ctx: Ctx) -> None:
    case, filed_on = ctx.case, ctx.data["filed_on"]
    if filed_on < case.source_received_on:
        raise ValidationFailed("立案日期不能早于案源登记日期。", code="filed_before_source")
    _next_number(case, filed_on)
    case.filed_on = filed_on
    d = _open_deadline(case, "decide", "作出处理决定", _decide_rule_code(case, filed_on), filed_on)
    ctx.payload |= {"number": case.number, "decide_due": d.due_on, "explanation": d.explanation}
    case.filing_document_id = _issue(ctx, "case_filing", docs_filing(ctx))


def _decide_rule_code(case: Case, on: dt.date) -> str:
    """第六十条's 90 days, or the sector rule of the case's domain (e.g. penalty.decide.market) where one is set up."""
    from zhifa.deadlines.services import sector_rule_code

    return sector_rule_code("penalty.decide", case.domain.code, on)


def h_extend_decide_period(ctx: Ctx) -> None:
    """Extend the open 办案期限 by one approved extension of its own rule: the rule says whether it can be
    extended, by how much, how often and by whom (deadlines.due refuses with its citation otherwise)."""
    from zhifa.deadlines.services import due

    current = CaseDeadline.objects.filter(
        case=ctx.case, key="decide", status=CaseDeadline.Status.OPEN
    ).first()
    if current is None:
        raise Conflict("本案没有进行中的办案期限。", code="no_open_period")
    rule = current.rule
    if rule.extension_approver and user_role(ctx.user) != rule.extension_approver:
        raise PermissionDenied(
            f"延长“{rule.name}”须由{Role(rule.extension_approver).label}批准。", code="extension_approver"
        )
    result = due(rule, current.start, extensions=current.extensions + 1)
    current.status, current.closed_on = CaseDeadline.Status.CANCELLED, ctx.today
    current.save(update_fields=["status", "closed_on", "updated_at"])
    d = CaseDeadline.objects.create(
        case=ctx.case, key="decide", label="作出处理决定（经批准延长）", rule=rule, rule_code=rule.code,
        rule_valid_from=rule.valid_from, start=current.start, due_on=_as_date(result.date, "届满日"),
        explanation=f"{result.explanation}（延长理由：{ctx.data['reason']}）", extensions=current.extensions + 1,
    )  # fmt: skip
    ctx.payload |= {"old_due": current.due_on, "due_on": d.due_on, "extensions": d.extensions,
                    "rule": rule.code, "explanation": d.explanation}  # fmt: skip


def h_decline_filing(ctx: Ctx) -> None:
    ctx.case.not_filed_reason = ctx.data["reason"]


def _measure(ctx: Ctx, kind: str, code: str, key: str, label: str) -> None:
    started = ctx.data["started_on"]
    if started > ctx.today:
        raise ValidationFailed("实施日期不能晚于今天。", code="date_in_future")
    m = Measure.objects.create(
        case=ctx.case, kind=kind, items=ctx.data["items"], started_on=started, due_on=started,
        av_evidence=_av_evidence(ctx),
    )  # fmt: skip
    d = _open_deadline(ctx.case, key, f"{m.get_kind_display()}{label}", code, started, measure=m)
    m.due_on = d.due_on
    ctx.payload |= {"measure": m.pk, "kind": kind, "due_on": d.due_on, "explanation": d.explanation}
    if kind == Measure.Kind.PRESERVE:
        m.document_id = _issue(ctx, "evidence_preservation_notice", docs_preservation(ctx, m))
    else:
        m.document_id = _issue(ctx, "seizure_decision", docs_seizure(ctx, m))
    m.save(update_fields=["due_on", "document_id"])


def h_preserve_evidence(ctx: Ctx) -> None:
    _measure(ctx, Measure.Kind.PRESERVE, "penalty.preservation_decision", "preservation", "后作出处理决定")


def h_seize(ctx: Ctx) -> None:
    _measure(ctx, ctx.data["measure"], "coercion.seizure", "seizure", "期限")


def h_extend_seizure(ctx: Ctx) -> None:
    m = _active_measure(ctx)
    _close_deadlines(ctx.case, "seizure", ctx.today, CaseDeadline.Status.CANCELLED, measure=m)
    d = _open_deadline(ctx.case, "seizure", f"{m.get_kind_display()}期限（已延长）", "coercion.seizure",
                       m.started_on, extensions=1, measure=m)  # fmt: skip
    m.extended, m.extension_reason, m.due_on = True, ctx.data["reason"], d.due_on
    m.save(update_fields=["extended", "extension_reason", "due_on", "updated_at"])
    ctx.payload |= {"measure": m.pk, "due_on": d.due_on, "explanation": d.explanation}
    # 行政强制法第二十五条第二款: the extension is told to the party in writing, with its reason.
    from zhifa.documents.models import IssuedDocument

    original = IssuedDocument.objects.filter(pk=m.document_id).values_list("number", flat=True).first() or ""
    _issue(ctx, "seizure_extension", docs_seizure_extension(ctx, m, original))


def h_release_measure(ctx: Ctx) -> None:
    m = _active_measure(ctx)
    if m.status != Measure.Status.ACTIVE:
        raise Conflict("该措施已解除或处理。", code="measure_released")
    if ctx.data["released_on"] < m.started_on:
        raise ValidationFailed("解除日期不能早于实施日期。", code="date_invalid")
    m.status, m.released_on, m.outcome = Measure.Status.RELEASED, ctx.data["released_on"], ctx.data["outcome"]
    m.save(update_fields=["status", "released_on", "outcome", "updated_at"])
    key = "preservation" if m.kind == Measure.Kind.PRESERVE else "seizure"
    _close_deadlines(ctx.case, key, m.released_on, measure=m)
    ctx.payload["measure"] = m.pk


def h_record_interview(ctx: Ctx) -> None:
    kind = ctx.data.get("record_kind") or Interview.RecordKind.INQUIRY
    i = Interview.objects.create(
        case=ctx.case, record_kind=kind, in_case_room=ctx.data["in_case_room"], person=ctx.data["person"],
        held_at=ctx.data["held_at"], place=ctx.data["place"], record=ctx.data["record"],
        av_evidence=_av_evidence(ctx),
    )  # fmt: skip
    ctx.payload["interview"] = i.pk
    doc_kind = "on_site_record" if kind == Interview.RecordKind.ON_SITE else "inquiry_record"
    i.document_id = _issue(ctx, doc_kind, docs_interview(ctx, i))
    i.save(update_fields=["document_id"])


def h_approve_review(ctx: Ctx) -> None:
    ctx.case.collective_required = bool(ctx.data.get("collective_required"))


def _hearing_right(case: Case, kinds: set, fine, confiscation) -> tuple[bool, str]:
    """行政处罚法第六十三条: 较大数额罚款/没收 (per the published 较大数额标准), or the listed kinds."""
    from zhifa.catalog.services import is_large_amount

    listed = {
        PenaltyKind.DOWNGRADE, PenaltyKind.REVOKE_LICENCE, PenaltyKind.SUSPEND_BUSINESS, PenaltyKind.CLOSE,
        PenaltyKind.RESTRICT_PRACTICE,
    }  # fmt: skip
    hit = kinds & listed
    if hit:
        return True, "拟作出" + "、".join(PenaltyKind(k).label for k in hit)
    parties = _parties(case)
    for amount, what in ((fine, "罚款"), (confiscation, "没收")):
        if not amount:
            continue
        for p in parties:
            large = is_large_amount(
                sector=case.agency.sector,
                jurisdiction=case.agency.jurisdiction,
                amount=amount,
                party_type=p.kind,
            )
            if large is None:
                raise ValidationFailed(
                    f"{case.agency.jurisdiction.name}尚未公布“{case.agency.sector}”领域的较大数额标准，"
                    "无法判断当事人是否享有听证权利。",
                    code="large_amount_standard_missing",
                    citation=_cite(63),
                )
            if large:
                return True, f"拟{what}{amount}元达到较大数额标准"
    return False, ""


def h_notify(ctx: Ctx) -> None:
    data, case = ctx.data, ctx.case
    if not _parties(case):
        raise ValidationFailed("请先登记当事人。", code="party_required")
    kinds = set(data["proposed_kinds"])
    if PenaltyKind.FINE in kinds and not data.get("proposed_fine"):
        raise ValidationFailed("拟罚款的，请填写拟罚款金额。", code="fine_required")
    right, why = _hearing_right(case, kinds, data.get("proposed_fine"), data.get("proposed_confiscation"))
    _close_deadlines(case, "reply", data["served_on"], CaseDeadline.Status.CANCELLED)
    code = "penalty.hearing_request" if right else _statement_rule_code()
    label = "陈述、申辩及要求听证" if right else "陈述、申辩"
    d = _open_deadline(case, "reply", label, code, data["served_on"])
    notice = Notice.objects.create(
        case=case, served_on=data["served_on"], facts=data["facts"], proposed_kinds=sorted(kinds),
        proposed_fine=data.get("proposed_fine"), proposed_confiscation=data.get("proposed_confiscation"),
        hearing_right=right, reply_due_on=d.due_on,
    )  # fmt: skip
    case.hearing_right = right
    ctx.payload |= {"notice": notice.pk, "hearing_right": right, "hearing_reason": why, "reply_due": d.due_on,
                    "explanation": d.explanation}  # fmt: skip
    context = docs_notice(ctx, notice)
    notice.document_id = _issue(ctx, "penalty_notice", context)
    if right:
        notice.hearing_document_id = _issue(ctx, "hearing_notice", context)
    notice.save(update_fields=["document_id", "hearing_document_id"])


def h_record_statement(ctx: Ctx) -> None:
    notice = _notice(ctx.case)
    s = Statement.objects.create(
        case=ctx.case, notice=notice, kind=ctx.data["kind"], received_on=ctx.data["received_on"],
        content=ctx.data.get("content") or "",
    )  # fmt: skip
    if s.kind == Statement.Kind.WAIVER:
        _close_deadlines(ctx.case, "reply", s.received_on)
    ctx.payload["statement"] = s.pk


def h_request_hearing(ctx: Ctx) -> None:
    notice = _notice(ctx.case)
    s = Statement.objects.create(
        case=ctx.case, notice=notice, kind=Statement.Kind.HEARING_REQUEST, received_on=ctx.data["received_on"],
        content=ctx.data.get("content") or "",
    )  # fmt: skip
    _close_deadlines(ctx.case, "reply", s.received_on)
    ctx.payload["statement"] = s.pk


def h_schedule_hearing(ctx: Ctx) -> None:
    from zhifa.deadlines.services import due

    data = ctx.data
    last = due("penalty.hearing_notice", data["scheduled_for"])
    h = Hearing.objects.create(
        case=ctx.case, scheduled_for=data["scheduled_for"], notified_on=data["notified_on"], place=data["place"],
        public=bool(data.get("public")), host_id=data["host_officer_id"],
    )  # fmt: skip
    CaseDeadline.objects.create(
        case=ctx.case, key="hearing_notice", label="通知听证时间、地点", rule=last.rule, rule_code=last.rule.code,
        rule_valid_from=last.rule.valid_from, start=data["scheduled_for"], due_on=_as_date(last.date, "期限"),
        explanation=last.explanation, status=CaseDeadline.Status.MET, closed_on=data["notified_on"],
    )  # fmt: skip
    ctx.payload["hearing"] = h.pk


def h_record_hearing(ctx: Ctx) -> None:
    h = Hearing.objects.filter(case=ctx.case, held_on__isnull=True).order_by("-pk").first()
    if ctx.data["held_on"] < h.notified_on:
        raise ValidationFailed("举行日期不能早于通知日期。", code="date_invalid")
    h.held_on, h.record = ctx.data["held_on"], ctx.data["record"]
    h.document_id = _issue(ctx, "hearing_record", docs_hearing(ctx, h))
    h.save(update_fields=["held_on", "record", "document_id", "updated_at"])
    ctx.payload["hearing"] = h.pk


def h_record_collective(ctx: Ctx) -> None:
    c = CollectiveDiscussion.objects.create(
        case=ctx.case, held_on=ctx.data["held_on"], participants=ctx.data["participants"],
        conclusion=ctx.data["conclusion"],
    )  # fmt: skip
    ctx.payload["discussion"] = c.pk


def _check_decision(data: dict) -> None:
    outcome = data["outcome"]
    kinds = set(data.get("penalty_kinds") or [])
    if outcome == Decision.Outcome.PENALTY:
        if not kinds:
            raise ValidationFailed(
                "请选择处罚种类（行政处罚法第九条）。", code="kinds_required", citation=_cite(9)
            )
        if PenaltyKind.FINE in kinds and not data.get("fine_amount"):
            raise ValidationFailed("请填写罚款金额。", code="fine_required")
        if PenaltyKind.CONFISCATE_GAINS in kinds and not data.get("confiscation_amount"):
            raise ValidationFailed("请填写没收违法所得金额。", code="confiscation_required")
    elif kinds or data.get("fine_amount"):
        raise ValidationFailed("不予处罚或移送的决定不能填写处罚种类和金额。", code="kinds_not_allowed")
    if outcome == Decision.Outcome.NO_PENALTY and not data.get("no_penalty_ground"):
        raise ValidationFailed(
            "请选择不予处罚的理由（第三十三条）。", code="ground_required", citation=_cite(33)
        )
    if outcome == Decision.Outcome.TRANSFER and not data.get("transfer_to"):
        raise ValidationFailed("请填写移送的司法机关。", code="transfer_to_required", citation=_cite(27))


def h_decide(ctx: Ctx) -> None:
    data, case = ctx.data, ctx.case
    decided_on = data["decided_on"]
    if case.filed_on and decided_on < case.filed_on:
        raise ValidationFailed("决定日期不能早于立案日期。", code="date_invalid")
    d = Decision.objects.create(
        case=case, outcome=data["outcome"], penalty_kinds=sorted(set(data.get("penalty_kinds") or [])),
        fine_amount=data.get("fine_amount"), confiscation_amount=data.get("confiscation_amount"),
        no_penalty_ground=data.get("no_penalty_ground") or "", transfer_to=data.get("transfer_to") or "",
        facts=data["facts"], basis=data.get("basis") or "", decided_on=decided_on, decided_by=ctx.user,
    )  # fmt: skip
    case.decided_on = decided_on
    _close_deadlines(case, "decide", decided_on)
    ctx.payload |= {"decision": d.pk, "outcome": d.outcome, "kinds": d.penalty_kinds, "fine": d.fine_amount,
                    "confiscation": d.confiscation_amount}  # fmt: skip
    if d.outcome != Decision.Outcome.TRANSFER:
        s = _open_deadline(case, "service", "送达决定书", "penalty.service", decided_on)
        ctx.payload["service_due"] = s.due_on
    if d.outcome == Decision.Outcome.PENALTY:
        # 行政处罚决定书, validated against 行政处罚法第五十九条 by zhifa.documents (a missing item refuses).
        d.document_id = _issue(ctx, "penalty_decision", docs_decision(ctx, d))
    elif d.outcome == Decision.Outcome.TRANSFER:
        d.document_id = _issue(ctx, "case_transfer", docs_transfer(ctx, d))  # 第二十七条第一款
    else:  # 不予行政处罚 (第三十三条) or 违法事实不能成立 (第五十七条第一款第三项)
        d.document_id = _issue(ctx, "no_penalty_decision", docs_no_penalty(ctx, d))
    d.save(update_fields=["document_id"])


def _start_execution(ctx: Ctx, decision: Decision, served_on: dt.date) -> None:
    money = (decision.fine_amount or 0) + (decision.confiscation_amount or 0)
    ex = Execution.objects.create(case=ctx.case, fine_amount=money)
    if money > 0:
        d = _open_deadline(ctx.case, "payment", "缴纳罚没款", "penalty.payment", served_on)
        ex.due_on = d.due_on
        ex.save(update_fields=["due_on"])
        ctx.payload |= {"payment_due": d.due_on, "explanation": d.explanation}


def h_serve(ctx: Ctx) -> None:
    data, case = ctx.data, ctx.case
    decision = case.decision
    if data["served_on"] < decision.decided_on:
        raise ValidationFailed("送达日期不能早于决定日期。", code="date_invalid")
    s = Service.objects.create(
        case=case, method=data["method"], served_on=data["served_on"], recipient=data["recipient"],
        av_evidence=_av_evidence(ctx),
    )  # fmt: skip
    s.document_id = _issue(ctx, "service_receipt", docs_service(ctx, s, decision))
    s.save(update_fields=["document_id"])
    _close_deadlines(case, "service", s.served_on)
    ctx.payload["service"] = s.pk
    _start_execution(ctx, decision, s.served_on)


def h_onsite_decide(ctx: Ctx) -> None:
    data, case = ctx.data, ctx.case
    if data["decided_at"] > timezone.now() + dt.timedelta(minutes=5):
        raise ValidationFailed("处罚时间不能晚于当前时间。", code="date_in_future")
    on = timezone.localtime(data["decided_at"]).date()
    _next_number(case, on)
    case.filed_on = case.decided_on = on
    d = Decision.objects.create(
        case=case, outcome=Decision.Outcome.PENALTY, penalty_kinds=sorted(set(data["penalty_kinds"])),
        fine_amount=data.get("fine_amount"), facts=data["facts"], basis=data["basis"], decided_on=on,
        decided_by=ctx.user, onsite=True,
    )  # fmt: skip
    parties = _parties(case)
    Service.objects.create(
        case=case, method=Service.Method.ON_SPOT, served_on=on, recipient="、".join(p.name for p in parties)
    )
    # 当场处罚决定书 (第五十二条): the 决定书 kind, issued on the spot and handed to the party.
    d.document_id = _issue(ctx, "penalty_decision", docs_onsite_decision(ctx, d))
    d.save(update_fields=["document_id"])
    ctx.payload |= {"number": case.number, "decision": d.pk, "fine": d.fine_amount, "place": data["place"],
                    "statement": data.get("statement") or ""}  # fmt: skip
    _start_execution(ctx, d, on)


def h_record_payment(ctx: Ctx) -> None:
    ex = ctx.case.execution
    paid_on, amount = ctx.data["paid_on"], ctx.data["amount"]
    if amount <= 0:
        raise ValidationFailed("缴款金额应大于零。", code="invalid_amount")
    before = execution_status(ex, paid_on)
    if amount > before.total_outstanding:
        raise ValidationFailed(
            f"缴款金额超过应缴金额（截至{paid_on}应缴{before.total_outstanding}元）。", code="overpayment"
        )
    fee_part = max(Decimal("0"), amount - before.principal_outstanding)
    Payment.objects.create(
        execution=ex,
        paid_on=paid_on,
        amount=amount,
        late_fee_part=fee_part,
        receipt=ctx.data.get("receipt") or "",
    )
    after = execution_status(ex, paid_on)
    if after.settled:
        _close_deadlines(ctx.case, "payment", paid_on)
    ctx.payload |= {"amount": amount, "late_fee_part": fee_part, "outstanding": after.total_outstanding}


def h_approve_arrangement(ctx: Ctx) -> None:
    ex = ctx.case.execution
    ex.arrangement, ex.arrangement_note, old = ctx.data["arrangement"], ctx.data["note"], ex.due_on
    ex.due_on = ctx.data["new_due_on"]
    ex.save(update_fields=["arrangement", "arrangement_note", "due_on", "updated_at"])
    open_dl = CaseDeadline.objects.filter(
        case=ctx.case, key="payment", status=CaseDeadline.Status.OPEN
    ).first()
    if open_dl is not None:
        open_dl.status, open_dl.closed_on = CaseDeadline.Status.CANCELLED, ctx.today
        open_dl.save(update_fields=["status", "closed_on", "updated_at"])
        CaseDeadline.objects.create(
            case=ctx.case, key="payment", label="缴纳罚没款（经批准延期/分期）", rule=open_dl.rule,
            rule_code=open_dl.rule_code, rule_valid_from=open_dl.rule_valid_from, start=open_dl.start,
            due_on=ex.due_on,
            explanation=f"原缴纳期限{old}；经行政机关负责人批准{ex.get_arrangement_display()}至{ex.due_on}"
            f"（{_cite(66, 2)}）。",
        )  # fmt: skip
    ctx.payload |= {"old_due": old, "new_due": ex.due_on}


def h_record_performed(ctx: Ctx) -> None:
    ex = ctx.case.execution
    ex.non_monetary_done_on = ctx.data["done_on"]
    ex.save(update_fields=["non_monetary_done_on", "updated_at"])


def h_apply_court(ctx: Ctx) -> None:
    ex = ctx.case.execution
    ex.court_applied_on, ex.court = ctx.data["applied_on"], ctx.data["court"]
    ex.save(update_fields=["court_applied_on", "court", "updated_at"])
    _close_deadlines(ctx.case, "payment", ex.court_applied_on, CaseDeadline.Status.CANCELLED)


def h_close(ctx: Ctx) -> None:
    ctx.case.closed_on = ctx.data["closed_on"]
    CaseDeadline.objects.filter(case=ctx.case, status=CaseDeadline.Status.OPEN).update(
        status=CaseDeadline.Status.CANCELLED, closed_on=ctx.data["closed_on"]
    )
    ctx.case.closing_document_id = _issue(ctx, "case_closing", docs_closing(ctx))


def h_revise_decision(ctx: Ctx) -> None:
    d = ctx.case.decision
    d.revision, d.revised_on = ctx.data["revision"], ctx.data["revised_on"]
    d.revised_by, d.revision_reason = ctx.data["revised_by"], ctx.data["reason"]
    d.save(update_fields=["revision", "revised_on", "revised_by", "revision_reason", "updated_at"])
    ctx.payload |= {"decision": d.pk, "revision": d.revision, "citation": _cite(48, 2)}


def h_archive(ctx: Ctx) -> None:
    ctx.case.archived_on = ctx.data["archived_on"]


HANDLERS = {name[2:]: fn for name, fn in globals().items() if name.startswith("h_") and callable(fn)}


# --------------------------------------------------------------------------------------------------------------
# The one transition function


def _check_actor(user, case: Case, t: Transition, channel: str) -> None:
    role = user_role(user)
    if role not in t.roles or getattr(user, "agency_id", None) != case.agency_id:
        record_denied(user, Case, {"pk": case.pk}, t.action, channel)
        names = "、".join(Role(r).label for r in sorted(t.roles))
        raise PermissionDenied(f"“{t.label}”须由本机关{names}办理。", code="case_permission_denied")
    if role == Role.OFFICER and t.case_officer:
        if not active_officers(case).filter(officer_id=getattr(user, "officer_id", None)).exists():
            record_denied(user, Case, {"pk": case.pk}, t.action, channel)
            raise PermissionDenied(f"您不是本案执法人员，不能办理“{t.label}”。", code="not_case_officer")


def transition(user, case: Case, action: str, *, channel: str = "service", **data) -> Case:
    """Take `action` on the case: the declared transition's role, state and guards are checked, its writes done,
    the state changed and its ledger event appended, all in one transaction. Refusals raise DomainError and
    change nothing (a permission refusal records access.denied on its own)."""
    t = TRANSITIONS.get(action)
    if t is None:
        raise NotFound(f"未知的办案操作“{action}”。", code="unknown_action")
    if not Case.objects.visible_to(user).filter(pk=case.pk).exists():
        get_visible(Case, user, channel=channel, pk=case.pk)  # records the denial, raises NotFound
    _check_actor(user, case, t, channel)
    with transaction.atomic():
        case = _lock(case)
        if case.procedure not in t.procedures:
            raise Conflict(f"{case.get_procedure_display()}案件没有“{t.label}”环节。", code="wrong_procedure")
        if case.state not in t.sources:
            raise Conflict(
                f"案件当前处于“{case.get_state_display()}”，不能办理“{t.label}”。",
                code="wrong_state",
                details={"state": case.state, "allowed_from": list(t.sources)},
            )
        ctx = Ctx(user=user, case=case, t=t, data=_parse(t, data), channel=channel)
        for name in t.guards:
            GUARDS[name](ctx)
        before = case.state
        handler = HANDLERS.get(action)
        if handler is not None:
            handler(ctx)
        if t.target is not None:
            case.state = t.target
        case.save()
        append(
            t.event,
            actor=_actor(user),
            subject=case,
            payload={
                "action": action,
                "label": t.label,
                "from": before,
                "to": case.state,
                "data": ctx.data,
                "channel": channel,
                **ctx.payload,
            },
            case_id=case.pk,
        )
        for fn in list(TRANSITION_LISTENERS):
            fn(case=case, action=action, data=dict(ctx.data), payload=dict(ctx.payload), user=user)
    return case


# Platforms that read from the case (the portal's publications, statistics) register here:
# fn(case=, action=, data=, payload=, user=) runs inside the transition's transaction after its ledger event, so
# what it writes commits or rolls back with the step. It may raise DomainError to refuse the step.
TRANSITION_LISTENERS: list[Callable] = []


def register_transition_listener(fn: Callable) -> Callable:
    if fn not in TRANSITION_LISTENERS:
        TRANSITION_LISTENERS.append(fn)
    return fn


# --------------------------------------------------------------------------------------------------------------
# Reading


def allowed_actions(user, case: Case) -> list[Transition]:
    """Transitions whose state, procedure and role fit this user now (the guards still decide on submit)."""
    role = user_role(user)
    if getattr(user, "agency_id", None) != case.agency_id:
        return []
    is_case_officer = active_officers(case).filter(officer_id=getattr(user, "officer_id", None)).exists()
    out = []
    for t in TRANSITIONS.values():
        if case.state not in t.sources or case.procedure not in t.procedures or role not in t.roles:
            continue
        if role == Role.OFFICER and t.case_officer and not is_case_officer:
            continue
        out.append(t)
    return out


def open_deadlines(case: Case):
    return CaseDeadline.objects.filter(case=case, status=CaseDeadline.Status.OPEN).order_by("due_on")


def next_actions(user, case: Case) -> list[dict]:
    deadlines = list(open_deadlines(case))
    return [
        {"action": t.action, "label": t.label, "due": deadlines[0] if deadlines else None}
        for t in allowed_actions(user, case)
    ]


def timeline(case: Case, *, include_access: bool = False) -> list[dict]:
    from zhifa.ledger.models import Event

    qs = Event.objects.filter(case_id=case.pk).order_by("index")
    if not include_access:
        qs = qs.exclude(event_type__in=events.ACCESS_EVENTS)
    return [
        {
            "id": e.pk,
            "index": e.index,  # the ledger leaf index (None while the event awaits integration)
            "at": e.recorded_at,
            "event_type": e.event_type,
            "label": _event_label(e.event_type, data),
            "actor": e.actor_name,
            "actor_role": e.actor_role,
            "payload": data,
        }
        for e in qs
        for data in (e.data,)
    ]


def _event_label(event_type: str, data: dict) -> str:
    """The Chinese label of a timeline event; a 文书 issued for the case names its kind and number."""
    if event_type in ("document.issued", "document.corrected"):
        from zhifa.documents.kinds import BY_CODE

        if event_type == "document.corrected":
            return f"文书被更正：{data.get('number', '')}（更正文书{data.get('corrected_by_number', '')}）"
        name = BY_CODE.get(data.get("kind"), {}).get("name", data.get("kind", "文书"))
        return f"签发《{name}》{data.get('number') or ''}"
    return events.label(event_type)


REPORT_ROLES = {Role.HEAD, Role.SUPERVISOR, Role.ADMIN}


def access_report_allowed(user) -> bool:
    return user_role(user) in REPORT_ROLES


def access_report(user, *, case: Case | None = None, target=None, channel: str = "service") -> list[dict]:
    """调阅 report: every view/download (and denied attempt) of a case, or by a user, within the requester's scope.
    For heads (their agency), supervisors (their jurisdiction) and administrators."""
    from zhifa.ledger.models import Event

    if user_role(user) not in REPORT_ROLES:
        record_denied(user, Case, {"pk": case.pk if case else ""}, "access_report", channel)
        raise PermissionDenied("只有机关负责人和监督人员可以查看调阅记录。", code="case_permission_denied")
    visible = Case.objects.visible_to(user)
    if case is not None:
        if not visible.filter(pk=case.pk).exists():
            get_visible(Case, user, channel=channel, pk=case.pk)
        qs = Event.objects.filter(
            Q(case_id=case.pk, event_type__in=events.ACCESS_EVENTS)
            | Q(event_type="access.denied", subject_type="cases.case", subject_id=str(case.pk))
        )
    else:
        if target is None:
            raise ValidationFailed("请指定案件或用户。", code="report_target_required")
        from zhifa.registry.models import User

        if not User.objects.visible_to(user).filter(pk=target.pk).exists() and user_role(user) != Role.ADMIN:
            get_visible(User, user, channel=channel, pk=target.pk)
        ids = [str(i) for i in visible.values_list("pk", flat=True)]
        qs = Event.objects.filter(actor_id=target.pk).filter(
            Q(event_type__in=events.ACCESS_EVENTS, case_id__in=[int(i) for i in ids])
            | Q(event_type="access.denied", subject_type__in=("cases.case", "cases.evidence"))
        )
    return [
        {
            "id": e.pk,
            "index": e.index,  # the ledger leaf index (None while the event awaits integration)
            "at": e.recorded_at,
            "event_type": e.event_type,
            "label": events.label(e.event_type),
            "actor_id": e.actor_id,
            "actor": e.actor_name,
            "case_id": e.case_id
            or (int(e.subject_id) if e.subject_type == "cases.case" and e.subject_id else None),
            "channel": e.data.get("channel", ""),
        }
        for e in qs.order_by("-index")
    ]


def party_cases(user, party: Party):
    """Every case about the party that the user may see (across agencies for supervisors)."""
    return (
        Case.objects.visible_to(user)
        .filter(case_parties__party=party)
        .select_related("agency")
        .order_by("-source_received_on", "-pk")
    )


def my_cases(user):
    qs = Case.objects.visible_to(user)
    if user_role(user) == Role.OFFICER:
        qs = qs.filter(
            Q(case_officers__officer_id=user.officer_id, case_officers__removed_at__isnull=True)
            | Q(created_by=user)
        ).distinct()
    return qs.select_related("agency")


def deadlines_for(user, *, within_days: int = 7):
    """Open step deadlines of the user's cases that are overdue or due within `within_days`."""
    horizon = _today() + dt.timedelta(days=within_days)
    return (
        CaseDeadline.objects.filter(
            case__in=my_cases(user), status=CaseDeadline.Status.OPEN, due_on__lte=horizon
        )
        .select_related("case")
        .order_by("due_on")
    )


def totals(execution: Execution) -> dict:
    s = execution_status(execution)
    paid = execution.payments.aggregate(s=Sum("amount"))["s"] or Decimal("0")
    return {"status": s, "paid": paid}
