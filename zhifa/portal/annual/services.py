"""The 年报's writers: generation, 填报, 文字说明, the workflow (draft → submitted → approved → published), corrections and
the due-date check. Every change is one transaction with its ledger event. The counting is zhifa.portal.annual.counting.

Who may do what:
  - a body's report: its officers, reviewers and head generate, fill in, write the 文字说明 and submit; only its head
    approves, returns and publishes (国办发〔2018〕118号: 公开本机关上年度行政执法总体情况).
  - a jurisdiction report: the supervisors (司法局) of that jurisdiction or above do every step.
  - everyone else is refused, and the refusal is recorded (access.denied).
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from zhifa.core.errors import Conflict, PermissionDenied, ValidationFailed
from zhifa.core.roles import AGENCY_ROLES, Role
from zhifa.core.scoping import get_visible, record_denied, user_role
from zhifa.ledger.services import SYSTEM, Actor, append
from zhifa.portal.annual import counting, events
from zhifa.portal.annual.models import AnnualReport, DueRule, NarrativeRevision

DUE_SHORT = "国办发〔2018〕118号“加强事后公开”"
YEAR_END = "年报公开的是上年度行政执法总体情况（国办发〔2018〕118号“加强事后公开”），统计年度结束后方可公开"
MAX_MANUAL = 10_000_000
Status = AnnualReport.Status


# --------------------------------------------------------------------------------------------------------------
# Rules


def due_rule(year: int) -> DueRule:
    rule = (
        DueRule.objects.filter(first_year__lte=year)
        .filter(Q(last_year__isnull=True) | Q(last_year__gte=year))
        .order_by("-first_year")
        .first()
    )
    if rule is None:
        raise ValidationFailed(
            f"未设置{year}年度年报的公开期限规则，请系统管理员在“年报公开期限”中补充。",
            code="annual_due_rule_missing",
        )
    return rule


def due_date(year: int) -> dt.date:
    return due_rule(year).due_for(year)


# --------------------------------------------------------------------------------------------------------------
# Permissions


def _territory_covers(user, jurisdiction) -> bool:
    mine = getattr(user, "scope_jurisdiction", None)
    return mine is not None and jurisdiction.path.startswith(mine.path)


def may(user, action: str, *, agency=None, jurisdiction=None) -> bool:
    """Whether `user` may take `action` (edit | approve | publish) on the report of `agency` (a body) or of
    `jurisdiction` (a jurisdiction report)."""
    role = user_role(user)
    if role is None:
        return False
    if agency is not None:
        if role == Role.ADMIN:
            return (
                action == "edit"
            )  # an administrator may (re)generate, never approve or publish for the head
        if role not in AGENCY_ROLES or getattr(user, "agency_id", None) != agency.pk:
            return False
        return action == "edit" or role == Role.HEAD
    if role == Role.ADMIN:
        return action == "edit"
    return role == Role.SUPERVISOR and _territory_covers(user, jurisdiction)


def _require(
    user, action: str, *, report: AnnualReport | None = None, agency=None, jurisdiction=None, channel=""
):
    if report is not None:
        agency = report.agency if report.scope == AnnualReport.Scope.AGENCY else None
        jurisdiction = report.jurisdiction
    if may(user, action, agency=agency, jurisdiction=jurisdiction):
        return
    lookup = (
        {"pk": report.pk}
        if report is not None
        else {"agency": getattr(agency, "pk", ""), "jurisdiction": jurisdiction.pk if jurisdiction else ""}
    )
    record_denied(user, AnnualReport, lookup, action, channel)
    who = (
        "本机关负责人"
        if agency is not None and action != "edit"
        else ("本机关工作人员" if agency is not None else "本级或上级司法局监督人员")
    )
    raise PermissionDenied(f"您无权对该年报执行此操作（仅{who}可以）。", code="annual_permission_denied")


def visible_report(user, pk: int, *, channel: str = "") -> AnnualReport:
    return get_visible(
        AnnualReport.objects.select_related("agency", "jurisdiction"), user, channel=channel, pk=pk
    )


def _lock(report: AnnualReport) -> AnnualReport:
    # of=("self",): PostgreSQL refuses FOR UPDATE on the nullable side of the outer join to the agency
    return (
        AnnualReport.objects.select_for_update(of=("self",))
        .select_related("agency", "jurisdiction")
        .get(pk=report.pk)
    )


def _actor(user) -> Actor:
    return Actor.from_user(user) if user is not None else SYSTEM


def _subject(report: AnnualReport):
    return ("annual.annualreport", report.pk)


def _fk(user):
    return user if user is not None and getattr(user, "pk", None) else None


# --------------------------------------------------------------------------------------------------------------
# Reading


def versions_of(*, year: int, agency=None, jurisdiction=None):
    if agency is not None:
        return AnnualReport.objects.filter(scope=AnnualReport.Scope.AGENCY, agency=agency, year=year)
    return AnnualReport.objects.filter(
        scope=AnnualReport.Scope.JURISDICTION, jurisdiction=jurisdiction, year=year
    )


def current_published(*, year: int, agency=None, jurisdiction=None) -> AnnualReport | None:
    return (
        versions_of(year=year, agency=agency, jurisdiction=jurisdiction)
        .filter(status=Status.PUBLISHED)
        .first()
    )


def open_version(*, year: int, agency=None, jurisdiction=None) -> AnnualReport | None:
    return (
        versions_of(year=year, agency=agency, jurisdiction=jurisdiction)
        .filter(status__in=AnnualReport.OPEN)
        .first()
    )


def _manual_of(agencies, year: int, own: AnnualReport | None) -> dict[int, dict]:
    """The values entered by each body: its own open version for a body report; for a jurisdiction report each
    body's published report of the year, else its latest open version."""
    if own is not None and own.scope == AnnualReport.Scope.AGENCY:
        return {own.agency_id: dict(own.manual)}
    out: dict[int, dict] = {}
    ids = [a.pk for a in agencies]
    reports = AnnualReport.objects.filter(
        scope=AnnualReport.Scope.AGENCY, year=year, agency_id__in=ids
    ).exclude(status=Status.SUPERSEDED)
    for r in reports.order_by("agency_id", "number"):
        if r.agency_id not in out or r.status == Status.PUBLISHED or out[r.agency_id][0] != Status.PUBLISHED:
            out[r.agency_id] = (r.status, dict(r.manual))
    return {k: v for k, (_s, v) in out.items()}


def _recompute(report: AnnualReport, today: dt.date) -> None:
    """Fill the report's tables from the case data (and its manual values) as of `today`; the caller saves it."""
    report.tables = _compute(report, today)
    report.generated_at = timezone.now()


def _compute(report: AnnualReport, today: dt.date) -> dict:
    agencies = counting.reporting_agencies(
        agency=report.agency if report.scope == AnnualReport.Scope.AGENCY else None,
        jurisdiction=report.jurisdiction,
        year=report.year,
    )
    snapshot = counting.compute(
        report.year, agencies, manual=_manual_of(agencies, report.year, report), today=today
    )
    rule = due_rule(report.year)
    snapshot["rules"]["due_on"] = rule.due_for(report.year).isoformat()
    snapshot["rules"]["due_citation"] = rule.citation
    return snapshot


def _summary(snapshot: dict) -> dict:
    """A few totals for the ledger payload (the event records what was generated, not the whole snapshot)."""
    t1 = counting.value(snapshot, "t1", "total")
    amount = counting.value(snapshot, "t1", "amount")
    return {"penalties": t1["v"], "amount": amount["v"], "bodies": len(snapshot["bodies"])}


# --------------------------------------------------------------------------------------------------------------
# Generation


def generate(
    user, *, year: int, agency=None, jurisdiction=None, today: dt.date | None = None, channel: str = "service"
):
    """Generate the report of a body (`agency`) or of a jurisdiction for `year`: a new draft, or the open version
    recomputed. A published report is frozen: a change needs a correction (create_correction)."""
    today = today or timezone.localdate()
    if (agency is None) == (jurisdiction is None):
        raise ValidationFailed("请选择执法主体或区划之一。", code="annual_subject_required")
    if jurisdiction is None:
        jurisdiction = agency.jurisdiction
    if year > today.year:
        raise ValidationFailed(f"{year}年度尚未开始，不能生成年报。", code="annual_year_in_future")
    _require(user, "edit", agency=agency, jurisdiction=jurisdiction, channel=channel)
    existing = open_version(year=year, agency=agency, jurisdiction=jurisdiction)
    if existing is not None:
        return regenerate(user, existing, today=today, channel=channel)
    if current_published(year=year, agency=agency, jurisdiction=jurisdiction) is not None:
        raise Conflict(
            f"{year}年度年报已公开，公开后的数据不再重新计算；如需更正，请新建更正版本。",
            code="annual_published_frozen",
        )
    with transaction.atomic():
        scope = AnnualReport.Scope.AGENCY if agency is not None else AnnualReport.Scope.JURISDICTION
        report = AnnualReport(
            year=year,
            scope=scope,
            agency=agency,
            jurisdiction=jurisdiction,
            number=1,
            due_on=due_date(year),
            created_by=_fk(user),
        )
        _recompute(report, today)
        report.save()
        append(
            events.GENERATED,
            actor=_actor(user),
            subject=_subject(report),
            payload={
                "year": year,
                "scope": scope,
                "number": 1,
                "channel": channel,
                **_summary(report.tables),
            },
        )
    return report


def regenerate(user, report: AnnualReport, *, today: dt.date | None = None, channel: str = "service"):
    """Recompute an unpublished report from the case data. A submitted or approved one goes back to draft: what
    the head approved is no longer what the tables say."""
    today = today or timezone.localdate()
    _require(user, "edit", report=report, channel=channel)
    with transaction.atomic():
        report = _lock(report)
        if not report.is_open:
            raise Conflict(
                "已公开的年报数据已固定，不能重新生成；如需更正，请新建更正版本。",
                code="annual_published_frozen",
            )
        before = report.status
        _recompute(report, today)
        report.status = Status.DRAFT
        report.approved_at = report.approved_by = report.submitted_at = report.submitted_by = None
        report.save()
        append(
            events.REGENERATED,
            actor=_actor(user),
            subject=_subject(report),
            payload={"status_before": before, "channel": channel, **_summary(report.tables)},
        )
    return report


def set_manual(
    user, report: AnnualReport, values: dict, *, today: dt.date | None = None, channel: str = "service"
):
    """Enter the values the platform has no data source for (表二 行政许可, 表四 行政检查 …). None or "" clears one.
    Only in a draft; the tables are recomputed with them."""
    today = today or timezone.localdate()
    _require(user, "edit", report=report, channel=channel)
    if report.scope != AnnualReport.Scope.AGENCY:
        raise Conflict(
            "区域汇总年报的填报数据取自各执法主体的年报，请由各执法主体填报。",
            code="annual_manual_jurisdiction",
        )
    unknown = sorted(set(values) - set(counting.MANUAL_KEYS))
    if unknown:
        raise ValidationFailed(f"没有这些填报项目：{'、'.join(unknown)}。", code="annual_manual_unknown")
    clean: dict[str, int | None] = {}
    for key, raw in values.items():
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            clean[key] = None
            continue
        text = str(raw).strip()
        if isinstance(raw, bool) or not (text.isascii() and text.isdigit()) or int(text) > MAX_MANUAL:
            raise ValidationFailed(f"“{_manual_label(key)}”须填写非负整数。", code="annual_manual_invalid")
        number = int(text)
        clean[key] = number
    with transaction.atomic():
        report = _lock(report)
        if report.status != Status.DRAFT:
            raise Conflict(
                f"年报当前为“{report.get_status_display()}”，只有草稿可以填报；请先退回修改。",
                code="annual_not_draft",
            )
        before = {k: report.manual.get(k) for k in clean}
        manual = dict(report.manual)
        for key, number in clean.items():
            if number is None:
                manual.pop(key, None)
            else:
                manual[key] = number
        report.manual = manual
        _recompute(report, today)
        report.save()
        append(
            events.MANUAL_SET,
            actor=_actor(user),
            subject=_subject(report),
            payload={"before": before, "after": clean, "channel": channel},
        )
    return report


def _manual_label(key: str) -> str:
    code, col = key.split(".", 1)
    spec = counting.TABLE_BY_CODE[code]
    return f"{spec.title}·{next(c.label for c in spec.columns if c.key == col)}"


def manual_fields() -> list[dict]:
    """The fields of the 填报 form: key, table and column labels, grouped by table."""
    out = []
    for spec in counting.TABLES:
        cols = [c for c in spec.columns if c.source == "manual"]
        if cols:
            out.append(
                {
                    "title": spec.title,
                    "fields": [
                        {"key": f"{spec.code}.{c.key}", "label": (c.group + "·" if c.group else "") + c.label}
                        for c in cols
                    ],
                }
            )
    return out


def edit_narrative(user, report: AnnualReport, text: str, *, channel: str = "service") -> AnnualReport:
    """Save the 文字说明 (a draft or a report awaiting the head's approval); each saved text is kept."""
    _require(user, "edit", report=report, channel=channel)
    text = (text or "").strip()
    if len(text) > 20000:
        raise ValidationFailed("文字说明不能超过20000字。", code="annual_narrative_too_long")
    with transaction.atomic():
        report = _lock(report)
        if report.status not in (Status.DRAFT, Status.SUBMITTED):
            raise Conflict(
                f"年报当前为“{report.get_status_display()}”，文字说明已随审批固定。",
                code="annual_narrative_locked",
            )
        if text == report.narrative:
            return report
        number = (
            report.narrative_revisions.order_by("-number").values_list("number", flat=True).first() or 0
        ) + 1
        NarrativeRevision.objects.create(
            report=report, number=number, text=text, author=_fk(user), author_name=_actor(user).name[:60]
        )
        report.narrative = text
        report.save(update_fields=["narrative", "updated_at"])
        append(
            events.NARRATIVE_EDITED,
            actor=_actor(user),
            subject=_subject(report),
            payload={"revision": number, "length": len(text), "text": text, "channel": channel},
        )
    return report


# --------------------------------------------------------------------------------------------------------------
# Workflow


def submit(user, report: AnnualReport, *, channel: str = "service") -> AnnualReport:
    _require(user, "edit", report=report, channel=channel)
    with transaction.atomic():
        report = _lock(report)
        if report.status != Status.DRAFT:
            raise Conflict(
                f"年报当前为“{report.get_status_display()}”，不能提交。", code="annual_wrong_state"
            )
        report.status = Status.SUBMITTED
        report.submitted_by, report.submitted_at = _fk(user), timezone.now()
        report.save()
        append(events.SUBMITTED, actor=_actor(user), subject=_subject(report), payload={"channel": channel})
    return report


def approve(user, report: AnnualReport, *, opinion: str = "", channel: str = "service") -> AnnualReport:
    _require(user, "approve", report=report, channel=channel)
    with transaction.atomic():
        report = _lock(report)
        if report.status != Status.SUBMITTED:
            raise Conflict(
                f"年报当前为“{report.get_status_display()}”，须先提交负责人审批。", code="annual_wrong_state"
            )
        report.status = Status.APPROVED
        report.approved_by, report.approved_at = _fk(user), timezone.now()
        report.approval_opinion = (opinion or "").strip()
        report.save()
        append(
            events.APPROVED,
            actor=_actor(user),
            subject=_subject(report),
            payload={"opinion": report.approval_opinion, "channel": channel},
        )
    return report


def return_report(user, report: AnnualReport, *, opinion: str, channel: str = "service") -> AnnualReport:
    _require(user, "approve", report=report, channel=channel)
    if not (opinion or "").strip():
        raise ValidationFailed("退回须写明意见。", code="annual_opinion_required")
    with transaction.atomic():
        report = _lock(report)
        if report.status not in (Status.SUBMITTED, Status.APPROVED):
            raise Conflict(
                f"年报当前为“{report.get_status_display()}”，不能退回。", code="annual_wrong_state"
            )
        report.status = Status.DRAFT
        report.approval_opinion = opinion.strip()
        report.approved_by = report.approved_at = None
        report.save()
        append(
            events.RETURNED,
            actor=_actor(user),
            subject=_subject(report),
            payload={"opinion": opinion, "channel": channel},
        )
    return report


def publish(
    user, report: AnnualReport, *, today: dt.date | None = None, channel: str = "service"
) -> AnnualReport:
    """Publish an approved report on the portal. From now on its tables are a frozen snapshot; a correction it
    replaces becomes 已被更正版本替代 (still public, as history). The report's overdue alert is resolved."""
    today = today or timezone.localdate()
    _require(user, "publish", report=report, channel=channel)
    if today <= counting.period(report.year)[1]:
        raise ValidationFailed(
            f"{report.year}年度尚未结束，年报须在统计年度结束后公开。",
            code="annual_year_not_over",
            citation=YEAR_END,
        )
    with transaction.atomic():
        report = _lock(report)
        if report.status != Status.APPROVED:
            raise Conflict(
                f"年报当前为“{report.get_status_display()}”，须经负责人审批同意后方可公开。",
                code="annual_not_approved",
            )
        now = timezone.now()
        replaced = None
        if report.based_on_id:
            replaced = AnnualReport.objects.select_for_update().get(pk=report.based_on_id)
            if replaced.status == Status.PUBLISHED:
                replaced.status = Status.SUPERSEDED
                replaced.superseded_at = now
                replaced.save(update_fields=["status", "superseded_at", "updated_at"])
        report.status = Status.PUBLISHED
        report.published_by, report.published_at, report.published_on = _fk(user), now, today
        report.save()
        late = today > report.due_on
        append(
            events.PUBLISHED,
            actor=_actor(user),
            subject=_subject(report),
            payload={
                "year": report.year,
                "number": report.number,
                "published_on": today,
                "due_on": report.due_on,
                "late": late,
                "replaces": replaced.pk if replaced else None,
                "channel": channel,
                **_summary(report.tables),
            },
        )
        if replaced is not None:
            append(
                events.SUPERSEDED, actor=_actor(user), subject=_subject(replaced), payload={"by": report.pk}
            )
    if report.scope == AnnualReport.Scope.AGENCY:
        from zhifa.core.services import resolve_alert

        resolve_alert(overdue_key(report.year, report.agency_id), actor=_actor(user), reason="年报已公开")
    return report


def create_correction(
    user, report: AnnualReport, *, reason: str, today: dt.date | None = None, channel: str = "service"
):
    """A new version of a published report (更正): recomputed from the case data, with the manual values and the
    文字说明 carried over; it replaces the published one only when it is published in turn."""
    today = today or timezone.localdate()
    _require(user, "edit", report=report, channel=channel)
    if not (reason or "").strip():
        raise ValidationFailed("请写明更正原因。", code="annual_reason_required")
    with transaction.atomic():
        report = _lock(report)
        if report.status != Status.PUBLISHED:
            raise Conflict("只能更正现行公开的年报。", code="annual_not_published")
        agency = report.agency if report.scope == AnnualReport.Scope.AGENCY else None
        if open_version(year=report.year, agency=agency, jurisdiction=report.jurisdiction) is not None:
            raise Conflict("该年报已有未公开的更正版本。", code="annual_correction_open")
        new = AnnualReport(
            year=report.year,
            scope=report.scope,
            agency=report.agency,
            jurisdiction=report.jurisdiction,
            number=report.number + 1,
            based_on=report,
            correction_reason=reason.strip(),
            manual=dict(report.manual),
            narrative=report.narrative,
            due_on=report.due_on,
            created_by=_fk(user),
        )
        _recompute(new, today)
        new.save()
        append(
            events.CORRECTION_CREATED,
            actor=_actor(user),
            subject=_subject(new),
            payload={
                "based_on": report.pk,
                "number": new.number,
                "reason": new.correction_reason,
                "channel": channel,
            },
        )
    return new


# --------------------------------------------------------------------------------------------------------------
# The due date


def overdue_key(year: int, agency_id: int) -> str:
    return f"annual.overdue.{year}.{agency_id}"


def bodies_required(year: int):
    """The bodies that owe a report for `year`: active, not 受委托组织 (they act in the entrusting agency's name),
    and on the platform by the end of that year."""
    from zhifa.registry.models import Agency

    end = counting.period(year)[1]
    end_moment = timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min))
    return (
        Agency.objects.filter(status=Agency.Status.ACTIVE, created_at__lt=end_moment)
        .exclude(kind=Agency.Kind.ENTRUSTED)
        .select_related("jurisdiction")
    )


def check_overdue(today: dt.date | None = None) -> dict:
    """Raise an alert to the head of every body (and, by scope, its supervisors) whose report of the previous year
    is not published once its due date has passed. Idempotent (alerts are keyed); run daily."""
    from zhifa.core.services import raise_alert

    today = today or timezone.localdate()
    year = today.year - 1
    due = due_date(year)
    if today <= due:
        return {"year": year, "due_on": due.isoformat(), "raised": 0, "checked": 0}
    published = set(
        AnnualReport.objects.filter(
            scope=AnnualReport.Scope.AGENCY, year=year, status__in=AnnualReport.PUBLIC
        ).values_list("agency_id", flat=True)
    )
    raised = checked = 0
    for agency in bodies_required(year):
        checked += 1
        if agency.pk in published:
            continue
        report = versions_of(year=year, agency=agency).order_by("-number").first()
        state = f"当前状态：{report.get_status_display()}" if report else "尚未生成"
        raise_alert(
            overdue_key(year, agency.pk),
            kind="annual_report_overdue",
            title=f"{agency.name}{year}年度行政执法统计年报逾期未公开",
            detail=f"应于{due:%Y年%m月%d日}前公开，{state}。",
            citation=DUE_SHORT,
            severity="critical",
            agency=agency,
            audience=(Role.HEAD,),
            subject=("annual.annualreport", report.pk) if report else None,
        )
        raised += 1
    return {"year": year, "due_on": due.isoformat(), "raised": raised, "checked": checked}


def due_status(agency, today: dt.date | None = None) -> dict | None:
    """The previous year's report of a body as the console shows it: due date, days left, state; None once it is
    published or before the year's reports matter (more than 60 days ahead)."""
    today = today or timezone.localdate()
    year = today.year - 1
    try:
        due = due_date(year)
    except ValidationFailed:
        return None
    if current_published(year=year, agency=agency) is not None:
        return None
    if not bodies_required(year).filter(pk=agency.pk).exists():
        return None
    left = (due - today).days
    if left > 60:
        return None
    report = versions_of(year=year, agency=agency).order_by("-number").first()
    return {"year": year, "due_on": due, "left": left, "report": report}
