"""Services of the registry (执法主体和人员库). Every change is one transaction with its ledger event."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from zhifa.core.errors import Conflict, ValidationFailed
from zhifa.core.roles import Role
from zhifa.core.scoping import require_can_create, require_editable
from zhifa.core.services import raise_alert, resolve_alert
from zhifa.ledger.services import SYSTEM, Actor, append
from zhifa.registry.models import (
    Agency,
    Certificate,
    EnforcementDomain,
    Jurisdiction,
    Officer,
    TrainingRecord,
    User,
)
from zhifa.registry.validators import is_valid_id_number, is_valid_uscc

# 行政处罚法第四十二条: 行政处罚应当由具有行政执法资格的执法人员实施; the certificate is that qualification.
CERT_CITATION = "《行政处罚法》第四十二条"
# Certificate alerts go to the agency's head (and the supervisors); each officer sees their own certificate
# on the home page's "我的执法证".
CERT_ALERT_AUDIENCE = (Role.HEAD,)
# Days before expiry at which an officer and the agency are warned (editable policy, not statute).
CERT_EXPIRY_WARNING_DAYS = 30


def _actor(user) -> Actor:
    return Actor.from_user(user) if user is not None else SYSTEM


def _require_domains_of(agency: Agency, domains: list[EnforcementDomain]) -> None:
    """An officer or certificate covers only domains the agency holds (its 职责)."""
    held = set(agency.domains.values_list("pk", flat=True))
    foreign = [d.name for d in domains if d.pk not in held]
    if foreign:
        raise ValidationFailed(
            f"执法领域“{'、'.join(foreign)}”不属于{agency.name}的职责。", code="domain_not_of_agency"
        )


def create_jurisdiction(code: str, name: str, level: int, parent: Jurisdiction | None = None, *, user=None):
    if not code.isdigit() or len(code) not in (2, 4, 6, 9, 12):
        raise ValidationFailed(
            f"区划代码“{code}”格式不正确（GB/T 2260：2/4/6位，乡镇街道9/12位）。", code="bad_code"
        )
    if parent is not None and level != parent.level + 1:
        raise ValidationFailed("下级区划的层级必须比上级低一级。", code="bad_level")
    with transaction.atomic():
        j = Jurisdiction(code=code, name=name, level=level, parent=parent)
        j.save()
        append(
            "registry.jurisdiction_created",
            actor=_actor(user),
            subject=j,
            payload={"code": code, "name": name, "level": level, "parent": parent.code if parent else None},
        )
    return j


def create_agency(*, user=None, domains: Iterable[EnforcementDomain] = (), basis=(), **fields) -> Agency:
    uscc = fields.get("uscc", "").strip().upper()
    if not is_valid_uscc(uscc):
        raise ValidationFailed(f"统一社会信用代码“{uscc}”校验不通过（GB 32100-2015）。", code="bad_uscc")
    fields["uscc"] = uscc
    if fields.get("kind") == Agency.Kind.ENTRUSTED and not fields.get("entrusted_by"):
        # 行政处罚法第二十条: 委托机关对受委托组织实施行政处罚的行为应当负责监督
        raise ValidationFailed(
            "受委托组织必须写明委托机关。",
            code="entrusting_agency_required",
            citation="《行政处罚法》第二十条",
        )
    with transaction.atomic():
        if Agency.objects.filter(uscc=uscc).exists():
            raise Conflict(f"统一社会信用代码“{uscc}”已登记。", code="uscc_exists")
        agency = Agency.objects.create(**fields)
        agency.domains.set(domains)
        agency.basis.set(basis)
        append(
            "registry.agency_created",
            actor=_actor(user),
            subject=agency,
            payload={
                "name": agency.name,
                "uscc": uscc,
                "kind": agency.kind,
                "jurisdiction": agency.jurisdiction.code,
                "domains": [d.code for d in agency.domains.all()],
            },
        )
    return agency


def reorganise(predecessors: list[Agency], successor: Agency, *, reason: str, user=None) -> None:
    """Record a reorganisation: the predecessors are merged into the successor (机构改革)."""
    if not reason.strip():
        raise ValidationFailed("机构调整必须写明依据或原因（如机构改革方案文号）。", code="reason_required")
    if successor in predecessors:
        raise ValidationFailed("承继机关不能是被撤并的机关本身。", code="bad_successor")
    with transaction.atomic():
        for agency in predecessors:
            agency.status = Agency.Status.MERGED
            agency.save(update_fields=["status", "updated_at"])
        successor.predecessors.add(*predecessors)
        append(
            "registry.agencies_reorganised",
            actor=_actor(user),
            subject=successor,
            payload={"predecessors": [a.pk for a in predecessors], "reason": reason},
        )


def create_officer(
    *, user, agency: Agency, name: str, domains: Iterable[EnforcementDomain] = (), **fields
) -> Officer:
    require_can_create(user, Officer, agency)
    if not name.strip():
        raise ValidationFailed("姓名不能为空。", code="name_required")
    id_number = fields.get("id_number", "")
    if id_number and not is_valid_id_number(id_number):
        raise ValidationFailed("身份证号码校验不通过（GB 11643）。", code="bad_id_number")
    domains = list(domains)
    _require_domains_of(agency, domains)
    with transaction.atomic():
        officer = Officer.objects.create(agency=agency, name=name.strip(), **fields)
        officer.domains.set(domains)
        append(
            "registry.officer_created",
            actor=_actor(user),
            subject=officer,
            payload={
                "agency": agency.pk,
                "name": officer.name,
                "post": officer.post,
                "domains": [d.code for d in domains],
                "legal_qualification": officer.legal_qualification,
            },
        )
    return officer


def issue_certificate(
    *,
    user,
    officer: Officer,
    number: str,
    domains: Iterable[EnforcementDomain],
    issuer: str,
    valid_from: dt.date,
    valid_until: dt.date,
    qualification: str = Certificate.Qualification.EXAM,
    exam_passed_on: dt.date | None = None,
) -> Certificate:
    """Issue a 行政执法证. The issuing side is the Justice Bureau (supervisor) of the officer's jurisdiction."""
    require_can_create(user, Certificate, officer.agency)
    domains = list(domains)
    if not domains:
        raise ValidationFailed("执法证必须载明执法领域。", code="domains_required")
    if valid_until < valid_from:
        raise ValidationFailed("有效期截止日期早于起始日期。", code="bad_period")
    if officer.status != Officer.Status.ACTIVE:
        raise ValidationFailed("非在岗人员不能申领执法证。", code="officer_inactive")
    if qualification == Certificate.Qualification.EXEMPT and not officer.legal_qualification:
        raise ValidationFailed(
            "免考须具有法律职业资格（实施方案：取得法律职业资格的人员可免于执法资格考试）。",
            code="exemption_without_qualification",
        )
    if qualification == Certificate.Qualification.EXAM and exam_passed_on is None:
        raise ValidationFailed(
            "须填写执法资格考试合格日期，或按具有法律职业资格免考办理。",
            code="exam_required",
            citation=CERT_CITATION,
        )
    _require_domains_of(officer.agency, domains)
    with transaction.atomic():
        if Certificate.objects.filter(number=number).exists():
            raise Conflict(f"证号“{number}”已存在。", code="number_exists")
        cert = Certificate.objects.create(
            number=number,
            officer=officer,
            issuer=issuer,
            valid_from=valid_from,
            valid_until=valid_until,
            qualification=qualification,
            exam_passed_on=exam_passed_on,
        )
        cert.domains.set(domains)
        append(
            "registry.certificate_issued",
            actor=_actor(user),
            subject=cert,
            payload={
                "number": number,
                "officer": officer.pk,
                "agency": officer.agency_id,
                "domains": [d.code for d in domains],
                "valid_from": valid_from,
                "valid_until": valid_until,
                "qualification": qualification,
            },
        )
    return cert


_TRANSITIONS = {
    "suspend": ({Certificate.Status.VALID}, Certificate.Status.SUSPENDED, "registry.certificate_suspended"),
    "revoke": (
        {Certificate.Status.VALID, Certificate.Status.SUSPENDED},
        Certificate.Status.REVOKED,
        "registry.certificate_revoked",
    ),
    "reinstate": (
        {Certificate.Status.SUSPENDED},
        Certificate.Status.VALID,
        "registry.certificate_reinstated",
    ),
}


def change_certificate_status(*, user, certificate: Certificate, action: str, reason: str) -> Certificate:
    """suspend (暂扣) / revoke (注销、吊销) / reinstate (恢复) a certificate, with a recorded reason."""
    if action not in _TRANSITIONS:
        raise ValidationFailed(f"未知操作“{action}”。", code="bad_action")
    require_editable(user, certificate, "change")
    if not reason.strip():
        raise ValidationFailed("须写明原因。", code="reason_required")
    sources, target, event = _TRANSITIONS[action]
    with transaction.atomic():
        cert = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if cert.status not in sources:
            raise Conflict(
                f"执法证当前状态为“{cert.get_status_display()}”，不能执行该操作。", code="bad_transition"
            )
        previous = cert.status
        cert.status, cert.status_reason = target, reason.strip()
        cert.save(update_fields=["status", "status_reason", "updated_at"])
        append(
            event,
            actor=_actor(user),
            subject=cert,
            payload={"number": cert.number, "from": previous, "to": target, "reason": cert.status_reason},
        )
    return cert


def record_training(
    *, user, officer: Officer, title: str, organiser: str, hours, completed_on: dt.date, passed: bool = True
) -> TrainingRecord:
    require_can_create(user, TrainingRecord, officer.agency)
    if completed_on > timezone.localdate():
        raise ValidationFailed("完成日期不能晚于今天。", code="future_date")
    with transaction.atomic():
        record = TrainingRecord.objects.create(
            officer=officer,
            title=title,
            organiser=organiser,
            hours=hours,
            completed_on=completed_on,
            passed=passed,
        )
        append(
            "registry.training_recorded",
            actor=_actor(user),
            subject=record,
            payload={
                "officer": officer.pk,
                "title": title,
                "hours": record.hours,
                "completed_on": completed_on,
                "passed": passed,
            },
        )
    return record


def create_user(
    *,
    username: str,
    password: str | None,
    role: str,
    display_name: str = "",
    agency=None,
    jurisdiction=None,
    officer=None,
    is_staff: bool = False,
    user=None,
) -> User:
    if role not in Role.values:
        raise ValidationFailed(f"未知角色“{role}”。", code="bad_role")
    if role in (Role.OFFICER, Role.REVIEWER, Role.HEAD) and agency is None:
        raise ValidationFailed(
            "执法人员、法制审核人员和机关负责人必须属于一个执法主体。", code="agency_required"
        )
    if role in (Role.SUPERVISOR, Role.MACHINE) and agency is None and jurisdiction is None:
        raise ValidationFailed("监督人员和上级平台必须指定所属机关或监督区域。", code="scope_required")
    if officer is not None and agency is not None and officer.agency_id != agency.pk:
        raise ValidationFailed("用户所属机关与对应执法人员的机关不一致。", code="officer_agency_mismatch")
    with transaction.atomic():
        if User.objects.filter(username=username).exists():
            raise Conflict(f"用户名“{username}”已存在。", code="username_exists")
        account = User(
            username=username,
            role=role,
            display_name=display_name,
            agency=agency,
            jurisdiction=jurisdiction,
            officer=officer,
            is_staff=is_staff or role == Role.ADMIN,
            is_superuser=role == Role.ADMIN,
        )
        if password:
            account.set_password(password)
        else:
            account.set_unusable_password()
        account.save()
        append(
            "registry.user_created",
            actor=_actor(user),
            subject=account,
            payload={
                "username": username,
                "role": role,
                "agency": agency.pk if agency else None,
                "jurisdiction": jurisdiction.code if jurisdiction else None,
                "officer": officer.pk if officer else None,
            },
        )
    return account


def check_certificates(on: dt.date | None = None) -> dict[str, int]:
    """Raise alerts for certificates expiring within CERT_EXPIRY_WARNING_DAYS and for active officers whose
    certificates have all lapsed; resolve alerts that no longer hold. Run daily by the task worker."""
    on = on or timezone.localdate()
    expiring = Certificate.objects.expiring_within(on, CERT_EXPIRY_WARNING_DAYS).select_related(
        "officer__agency"
    )
    raised = 0
    open_keys = set()
    for cert in expiring:
        key = f"certificate.expiring.{cert.pk}"
        open_keys.add(key)
        raise_alert(
            key,
            kind="certificate_expiring",
            agency=cert.officer.agency,
            title=f"{cert.officer.name}的执法证（{cert.number}）将于{cert.valid_until:%Y年%m月%d日}到期",
            detail="请及时办理换证；到期后不得从事执法活动。",
            citation=CERT_CITATION,
            subject=("registry.certificate", cert.pk),
            audience=CERT_ALERT_AUDIENCE,
        )
        raised += 1
    lapsed = (
        Officer.objects.filter(status=Officer.Status.ACTIVE, certificates__isnull=False)
        .exclude(certificates__in=Certificate.objects.valid_on(on))
        .select_related("agency")
        .distinct()
    )
    for officer in lapsed:
        key = f"officer.no_valid_certificate.{officer.pk}"
        open_keys.add(key)
        raise_alert(
            key,
            kind="officer_without_certificate",
            agency=officer.agency,
            title=f"{officer.name}（{officer.agency.name}）已无有效执法证",
            detail="在取得有效执法证前不得从事执法活动。",
            citation=CERT_CITATION,
            subject=("registry.officer", officer.pk),
            severity="critical",
            audience=CERT_ALERT_AUDIENCE,
        )
        raised += 1
    from zhifa.core.models import Alert

    resolved = 0
    stale = Alert.objects.open().filter(kind__in=["certificate_expiring", "officer_without_certificate"])
    for key in stale.exclude(key__in=open_keys).values_list("key", flat=True).distinct():
        resolved += resolve_alert(key, reason="条件已消除（已换证或人员状态变更）")
    return {"raised": raised, "resolved": resolved}
