"""Services of 法制审核: the only writers of review rows, the decision gate and the numbers.

Handlers (the case's officers, or the agency head):
    save_draft(user, case, *, outcome, penalty_kinds, fine_amount, ..., flags, change_note) -> DraftDecision
        a new version of the 决定书代拟稿; the scope (目录清单 rows + 行政处罚法第五十八条) is evaluated and stored
    add_material(user, case, *, kind, title, evidence=, document=, blob=, text=) / withdraw_material(user, m)
    submit(user, case, *, note, answers={problem_id: text}) -> Submission   refused while materials are missing
        or a problem of the last opinion is unanswered; the review period comes from the deadlines engine
    contest(user, opinion, *, reason) -> Contest
Reviewers (the agency's reviewers and the advisors / 公职律师 assigned to it; never the case's investigators;
a first-time reviewer needs 法律职业资格, 第五十八条第二款):
    issue_opinion(user, submission, *, conclusion, checklist, problems, summary) -> Opinion (+ signed 法制审核意见书)
Agency head: extend_deadline(user, submission, *, reason), decide_contest(user, contest, *, decision, note),
    resolve_contest(...) after 集体讨论; the Justice Bureau (supervisor) resolves contests referred to it and keeps
    the advisor pool: create_advisor, assign_advisor, end_assignment; record_experience; configure_body.
The gate: decision_gate(case, decision, user), registered with zhifa.cases.services.register_decision_guard.
Reading: review_file(user, case), queue(user), scope_list(user), staffing_report(user),
    review_statistics(agencies, year), check_deadlines(today), diff_drafts(old, new).
Every change is one transaction with its ledger event (case_id set for a case's events).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from zhifa.cases.models import (
    Case,
    CaseOfficer,
    CaseParty,
    CollectiveDiscussion,
    Decision,
    Hearing,
    Notice,
    State,
)
from zhifa.catalog.models import ActType, Kind, PenaltyKind, ReviewFlag
from zhifa.core.errors import Conflict, DomainError, NotFound, PermissionDenied, ValidationFailed
from zhifa.core.roles import Role
from zhifa.core.scoping import _territory_q, record_denied, user_role
from zhifa.ledger.services import Actor, append
from zhifa.registry.models import Agency, Officer, User
from zhifa.reviews import events, rules
from zhifa.reviews.models import (
    DEFAULT_PERIOD_CODE,
    Advisor,
    AdvisorAssignment,
    Answer,
    CheckPoint,
    CheckResult,
    Conclusion,
    Contest,
    DraftDecision,
    GateCheck,
    Material,
    Opinion,
    Problem,
    ReviewBody,
    ReviewerExperience,
    Submission,
)

OPINION_KIND = "legal_review_opinion"
# States in which a case can be drafted, submitted and reviewed: after 调查终结, before the decision.
REVIEW_STATES = (State.CASE_REVIEW, State.REVIEW_PASSED, State.NOTIFIED, State.HEARING, State.COLLECTIVE)
DUE_SOON_WORKING_DAYS = 2
CENT = Decimal("0.01")
DRAFT_FIELDS = (
    ("outcome", "处理结果"),
    ("penalty_kinds", "处罚种类"),
    ("fine_amount", "罚款（元）"),
    ("confiscation_amount", "没收违法所得（元）"),
    ("no_penalty_ground", "不予处罚理由"),
    ("transfer_to", "移送机关"),
    ("facts", "违法事实和证据"),
    ("basis", "依据"),
    ("flags", "承办人认定的情形"),
)
DECISION_FIELDS = ("outcome", "penalty_kinds", "fine_amount", "confiscation_amount")


class ReviewRefused(DomainError):
    """The decision gate refused: the decision needs a passed legal review of exactly this content."""

    status = 409
    code = "legal_review_required"


def _cite(article: int, paragraph: int = 0, item: int = 0) -> str:
    from zhifa.laws.services import cite

    return str(cite(rules.PENALTY, article, paragraph, item))


def _today() -> dt.date:
    return timezone.localdate()


def _actor(user) -> Actor:
    return Actor.from_user(user)


def _lock_case(case: Case) -> Case:
    return Case.objects.select_for_update(of=("self",)).select_related("agency").get(pk=case.pk)


def _deny(user, model, pk, action: str, channel: str, message: str, code: str, citation: str = ""):
    record_denied(user, model, {"pk": pk}, action, channel)
    raise PermissionDenied(message, code=code, citation=citation)


def _require_review_state(case: Case) -> None:
    if case.state not in REVIEW_STATES:
        raise Conflict(
            f"案件当前处于“{case.get_state_display()}”：法制审核在调查终结后、作出决定前进行。",
            code="case_not_in_review_state",
        )


# --------------------------------------------------------------------------------------------------------------
# Who may do what


def is_case_handler(user, case: Case) -> bool:
    role = user_role(user)
    if getattr(user, "agency_id", None) != case.agency_id:
        return False
    if role == Role.HEAD:
        return True
    return (
        role == Role.OFFICER
        and CaseOfficer.objects.filter(
            case=case, removed_at__isnull=True, officer_id=user.officer_id
        ).exists()
    )


def require_handler(user, case: Case, what: str, channel: str = "service", *, officers_only=False) -> None:
    """An officer of the case (or, unless officers_only, the agency head) — the handling unit (承办机构)."""
    ok = is_case_handler(user, case) and not (officers_only and user_role(user) != Role.OFFICER)
    if not ok:
        who = "本案执法人员" if officers_only else "本案执法人员或本机关负责人"
        _deny(user, Case, case.pk, what, channel, f"只有{who}可以{what}。", "review_not_handler")


def assigned_advisor(user, agency) -> Advisor | None:
    """The user's pool advisor record when it is currently assigned to `agency`."""
    if user_role(user) != Role.REVIEWER:
        return None
    return (
        Advisor.objects.filter(
            user=user,
            active=True,
            assignments__agency=agency,
            assignments__end_on__isnull=True,
        )
        .distinct()
        .first()
    )


def in_review_body(user, agency) -> tuple[bool, Advisor | None]:
    """Whether the user is a reviewer of the agency's review body: its own reviewer, or an assigned advisor."""
    if user_role(user) != Role.REVIEWER or not getattr(user, "is_active", False):
        return False, None
    if getattr(user, "agency_id", None) == agency.pk:
        return True, None
    advisor = assigned_advisor(user, agency)
    return advisor is not None, advisor


def may_sign_opinion(user, agency) -> bool:
    """Who may sign the 法制审核意见书 of `agency` (zhifa.documents consults this for the opinion kind)."""
    return in_review_body(user, agency)[0]


def qualification_of(user, advisor: Advisor | None) -> tuple[bool, str]:
    if advisor is not None:
        number = f"（证书编号{advisor.qualification_number}）" if advisor.qualification_number else ""
        return advisor.legal_qualification, (
            f"{advisor.get_kind_display()}，具有法律职业资格{number}"
            if advisor.legal_qualification
            else f"{advisor.get_kind_display()}，无法律职业资格"
        )
    officer = Officer.objects.filter(pk=getattr(user, "officer_id", None)).first()
    if officer is not None and officer.legal_qualification:
        number = (
            f"（证书编号{officer.legal_qualification_number}）" if officer.legal_qualification_number else ""
        )
        return True, f"具有法律职业资格{number}"
    return False, "无法律职业资格"


def is_first_time(user) -> bool:
    """初次从事法制审核: no opinion on the platform and no recorded review work before the rule applied."""
    if Opinion.objects.filter(reviewer=user).exists():
        return False
    exp = ReviewerExperience.objects.filter(user=user).first()
    return not (exp is not None and exp.since < rules.QUALIFICATION_RULE_FROM)


def reviewer_problem(user, case: Case) -> tuple[str, str, str] | None:
    """Why `user` may not review this case ((code, message, citation)), or None. Records nothing."""
    member, advisor = in_review_body(user, case.agency)
    if not member:
        return ("not_a_reviewer",
                "只有本机关法制审核机构的审核人员（含司法局派驻的法律顾问、公职律师）可以出具法制审核意见。",
                _cite(58, 1))  # fmt: skip
    officer_id = getattr(user, "officer_id", None)
    if officer_id and CaseOfficer.objects.filter(case=case, officer_id=officer_id).exists():
        return ("reviewer_investigated_case",
                "您是本案的执法人员，参与了调查，不能对本案进行法制审核（审查与调查分离）。", _cite(58, 1))  # fmt: skip
    qualified, _text = qualification_of(user, advisor)
    if not qualified and is_first_time(user):
        return ("first_time_reviewer_unqualified",
                "初次从事行政处罚决定法制审核的人员，应当通过国家统一法律职业资格考试取得法律职业资格；"
                "您尚无法律职业资格，也没有此前从事法制审核工作的记录。", _cite(58, 2))  # fmt: skip
    return None


def check_reviewer(user, case: Case, *, channel: str = "service") -> Advisor | None:
    """Refuse (and record) unless `user` may review this case; returns the advisor record for pooled advisors."""
    problem = reviewer_problem(user, case)
    if problem is not None:
        code, message, citation = problem
        _deny(user, Case, case.pk, "legal_review", channel, message, code, citation)
    return in_review_body(user, case.agency)[1]


def _require_head(user, agency, what: str, obj, channel: str) -> None:
    if user_role(user) != Role.HEAD or getattr(user, "agency_id", None) != agency.pk:
        _deny(
            user,
            type(obj),
            obj.pk,
            what,
            channel,
            f"只有{agency.name}的负责人可以{what}。",
            "review_head_only",
        )


def _require_supervisor_of(user, agency, what: str, obj, channel: str) -> None:
    ok = user_role(user) in (Role.SUPERVISOR, Role.ADMIN) and (
        Agency.objects.filter(pk=agency.pk).filter(_territory_q(Agency, user)).exists()
    )
    if not ok:
        _deny(user, type(obj), obj.pk, what, channel, f"只有管辖{agency.name}的司法局监督人员可以{what}。",
              "review_supervisor_only")  # fmt: skip


def get_case(user, pk: int, *, channel: str = "service") -> Case:
    """A case whose review file the user may see: the case's scope, or an advisor assigned to its agency."""
    case = Case.objects.filter(pk=pk).select_related("agency", "domain").first()
    if case is not None and (
        Case.objects.visible_to(user).filter(pk=pk).exists() or assigned_advisor(user, case.agency)
    ):
        return case
    if case is not None:
        record_denied(user, Case, {"pk": pk}, "view", channel)
    raise NotFound("未找到该记录，或您无权查看。", code="not_found")


def get_row(model, user, pk: int, *, channel: str = "service"):
    obj = model.objects.visible_to(user).filter(pk=pk).first()
    if obj is not None:
        return obj
    if model._base_manager.filter(pk=pk).exists():
        record_denied(user, model, {"pk": pk}, "view", channel)
    raise NotFound("未找到该记录，或您无权查看。", code="not_found")


# --------------------------------------------------------------------------------------------------------------
# Scope


@dataclass
class Scope:
    in_scope: bool
    matches: list[dict]
    version: object  # catalog ListVersion in force, or None
    party_types: list[str]
    hearing_held: bool

    def reasons_text(self) -> str:
        return scope_text(self.matches)


def scope_text(matches: list[dict]) -> str:
    parts = []
    for m in matches:
        where = f"目录清单第{m['seq']}项“{m['decision_item']}”" if m.get("row") else "行政处罚法第五十八条"
        cite = f"，{m['citation']}" if m.get("citation") else ""
        parts.append(f"{where}：{'，'.join(m['reasons'])}{cite}")
    return "；".join(parts)


def party_types(case: Case) -> list[str]:
    return sorted({cp.party.kind for cp in CaseParty.objects.filter(case=case).select_related("party")})


def hearing_held(case: Case) -> bool:
    return Hearing.objects.filter(case=case, held_on__isnull=False).exists()


def evaluate_scope(
    case: Case, *, outcome: str, penalty_kinds=(), fine_amount=None, flags=(), on: dt.date | None = None
) -> Scope:
    """Evaluate the agency's 重大执法决定法制审核目录清单 in force on `on` and 行政处罚法第五十八条 for a decision on
    this case. With several parties, every party type is evaluated and any match puts the decision in scope."""
    from zhifa.catalog.services import evaluate_major_review, published_version

    on = on or _today()
    penalty = outcome == Decision.Outcome.PENALTY
    kinds = list(penalty_kinds or ()) if penalty else []
    fine = fine_amount if penalty and PenaltyKind.FINE in kinds else None
    types = party_types(case)
    held = hearing_held(case)
    seen: dict[tuple, dict] = {}
    for party_type in types or [None]:
        for m in evaluate_major_review(
            case.agency, act_type=ActType.PENALTY, penalty_kinds=kinds, fine_amount=fine,
            party_type=party_type, hearing_held=held, flags=list(flags or ()), on=on,
        ):  # fmt: skip
            row = m.row
            key = (row.pk if row else None, str(m.citation or ""), tuple(m.reasons))
            seen.setdefault(
                key,
                {
                    "row": row.pk if row else None,
                    "seq": row.seq if row else None,
                    "category": row.category if row else "",
                    "decision_item": row.decision_item if row else "",
                    "materials": row.materials if row else "",
                    "focus": row.focus if row else "",
                    "reasons": list(m.reasons),
                    "citation": str(m.citation) if m.citation else "",
                    "statutory": row is None,
                },
            )
    version = published_version(case.agency, Kind.MAJOR_REVIEW, on)
    return Scope(bool(seen), list(seen.values()), version, types, held)


# --------------------------------------------------------------------------------------------------------------
# Drafts


def _decimal(value, label: str) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation as exc:
        raise ValidationFailed(f"{label}不是有效的金额。", code="amount_invalid") from exc
    if amount < 0 or not amount.is_finite():
        raise ValidationFailed(f"{label}不能为负数。", code="amount_invalid")
    return amount.quantize(CENT)


def clean_draft(data: dict) -> dict:
    """Parse and check a draft's content with the decision's own rules (zhifa.cases: 第九条、第三十三条)."""
    from zhifa.cases.services import _check_decision

    outcome = (data.get("outcome") or "").strip()
    if outcome not in Decision.Outcome.values:
        raise ValidationFailed("请选择处理结果（行政处罚法第五十七条）。", code="outcome_invalid")
    kinds = data.get("penalty_kinds") or []
    if isinstance(kinds, str):
        kinds = [k for k in kinds.replace("，", ",").split(",") if k.strip()]
    kinds = sorted({k.strip() for k in kinds})
    unknown = [k for k in kinds if k not in PenaltyKind.values]
    if unknown:
        raise ValidationFailed(f"未知的处罚种类：{'、'.join(unknown)}。", code="kinds_invalid")
    flags = data.get("flags") or []
    if isinstance(flags, str):
        flags = [f for f in flags.split(",") if f.strip()]
    flags = sorted({f.strip() for f in flags})
    bad = [f for f in flags if f not in ReviewFlag.values]
    if bad:
        raise ValidationFailed(f"未知的情形：{'、'.join(bad)}。", code="flags_invalid")
    clean = {
        "outcome": outcome,
        "penalty_kinds": kinds,
        "fine_amount": _decimal(data.get("fine_amount"), "罚款"),
        "confiscation_amount": _decimal(data.get("confiscation_amount"), "没收违法所得"),
        "no_penalty_ground": (data.get("no_penalty_ground") or "").strip(),
        "transfer_to": (data.get("transfer_to") or "").strip(),
        "facts": (data.get("facts") or "").strip(),
        "basis": (data.get("basis") or "").strip(),
        "flags": flags,
    }
    if PenaltyKind.FINE not in kinds:
        clean["fine_amount"] = clean["fine_amount"] if outcome != Decision.Outcome.PENALTY else None
    if not clean["facts"]:
        raise ValidationFailed("请填写违法事实和证据。", code="facts_required")
    _check_decision(clean)
    return clean


def draft_values(draft: DraftDecision) -> dict:
    return {name: getattr(draft, name) for name, _label in DRAFT_FIELDS}


def latest_draft(case: Case) -> DraftDecision | None:
    return DraftDecision.objects.filter(case=case).order_by("-version").first()


def latest_submission(case: Case) -> Submission | None:
    return Submission.objects.filter(case=case).order_by("-round").first()


def current_opinion(submission: Submission | None) -> Opinion | None:
    if submission is None:
        return None
    return submission.opinions.filter(set_aside=False).order_by("-pk").first()


def save_draft(user, case: Case, *, change_note: str = "", channel: str = "service", **data) -> DraftDecision:
    """Save a new version of the case's 决定书代拟稿 and store its scope evaluation (with reasons)."""
    require_handler(user, case, "拟写决定书代拟稿", channel)
    clean = clean_draft(data)
    change_note = (change_note or "").strip()
    with transaction.atomic():
        case = _lock_case(case)
        _require_review_state(case)
        if Submission.objects.filter(case=case, status=Submission.Status.PENDING).exists():
            raise Conflict("代拟稿已报送法制审核，审核期间不能修改；请待审核意见出具后再修改。",
                           code="draft_under_review")  # fmt: skip
        latest = latest_draft(case)
        if latest is not None and draft_values(latest) == clean:
            raise Conflict(f"代拟稿内容与第{latest.version}版相同，无需保存新版本。", code="draft_unchanged")
        if latest is not None and not change_note:
            raise ValidationFailed(
                "修改代拟稿须说明修改内容（审核人员据此比对各版本）。", code="change_note_required"
            )
        today = _today()
        scope = evaluate_scope(
            case, on=today, **{k: clean[k] for k in ("outcome", "penalty_kinds", "fine_amount", "flags")}
        )
        draft = DraftDecision.objects.create(
            case=case, version=(latest.version + 1) if latest else 1, change_note=change_note, created_by=user,
            party_types=scope.party_types, hearing_held=scope.hearing_held, in_scope=scope.in_scope,
            scope_matches=scope.matches, scope_version=scope.version, scope_on=today, **clean,
        )  # fmt: skip
        append(
            events.DRAFT_SAVED,
            actor=_actor(user),
            subject=draft,
            case_id=case.pk,
            payload={
                "version": draft.version,
                "content": {k: clean[k] for k in DECISION_FIELDS} | {"flags": clean["flags"]},
                "in_scope": scope.in_scope,
                "reasons": scope.reasons_text(),
                "matches": [
                    {"row": m["row"], "seq": m["seq"], "citation": m["citation"]} for m in scope.matches
                ],
                "list_version": scope.version.pk if scope.version else None,
                "change_note": change_note,
                "channel": channel,
            },
        )
    return draft


def _display(name: str, value) -> str:
    from zhifa.catalog.models import ReviewFlag

    if value in (None, "", []):
        return "—"
    if name == "penalty_kinds":
        return "、".join(PenaltyKind(k).label for k in value)
    if name == "flags":
        return "、".join(ReviewFlag(f).label for f in value)
    if name == "outcome":
        return Decision.Outcome(value).label
    if name == "no_penalty_ground":
        return Decision.NoPenaltyGround(value).label
    return str(value)


def diff_drafts(old: DraftDecision | None, new: DraftDecision) -> list[dict]:
    """Field-by-field changes from `old` to `new` (every field when old is None)."""
    out = []
    for name, label in DRAFT_FIELDS:
        before = getattr(old, name) if old is not None else None
        after = getattr(new, name)
        if before != after:
            out.append(
                {
                    "field": name,
                    "label": label,
                    "before": _display(name, before),
                    "after": _display(name, after),
                }
            )
    return out


# --------------------------------------------------------------------------------------------------------------
# Materials


DEFAULT_SOURCE = "默认报送清单（" + rules.CONTENT_CITATION + "）"


def requirements(case: Case, draft: DraftDecision) -> list[dict]:
    """The materials the submission must carry: the default list plus what the matched catalog rows require."""
    held = hearing_held(case)
    notified = Notice.objects.filter(case=case).exists()
    discussed = CollectiveDiscussion.objects.filter(case=case).exists()
    out: dict[str, dict] = {}

    def add(code, label, source):
        if code == rules.HEARING and not held:
            if not notified:
                return
            code, label = rules.STATEMENT, rules.KINDS[rules.STATEMENT].label
        elif code == rules.STATEMENT and held:
            code, label = rules.HEARING, rules.KINDS[rules.HEARING].label
        out.setdefault(code, {"code": code, "label": label, "sources": []})
        if source not in out[code]["sources"]:
            out[code]["sources"].append(source)

    for code in (rules.DRAFT, rules.REPORT, rules.EVIDENCE):
        add(code, rules.KINDS[code].label, DEFAULT_SOURCE)
    if held or notified:
        add(rules.HEARING, rules.KINDS[rules.HEARING].label, DEFAULT_SOURCE)
    if discussed:
        add(rules.COLLECTIVE, rules.KINDS[rules.COLLECTIVE].label, DEFAULT_SOURCE)
    for m in draft.scope_matches:
        if m.get("row") and m.get("materials"):
            for code, label in rules.parse_materials(m["materials"]):
                add(code, label, f"目录清单第{m['seq']}项“应提交的审核资料”")
    return list(out.values())


def active_materials(case: Case):
    return Material.objects.filter(case=case, withdrawn_at__isnull=True).select_related(
        "evidence", "document", "blob"
    )


def missing_materials(case: Case, draft: DraftDecision) -> list[dict]:
    have = set(active_materials(case).values_list("kind", flat=True)) | {rules.DRAFT}
    return [r for r in requirements(case, draft) if r["code"] not in have]


def case_record_text(case: Case, kind: str) -> tuple[str, str]:
    """(title, text) of a material taken from the case record itself, for the kinds the platform holds."""
    from zhifa.cases.models import Statement
    from zhifa.ledger.models import Event

    if kind == rules.REPORT:
        e = Event.objects.filter(case_id=case.pk, event_type="case.review_submitted").order_by("-id").first()
        report = ((e.data or {}).get("data") or {}).get("report", "") if e else ""
        return "调查终结报告", report
    if kind == rules.STATEMENT:
        rows = Statement.objects.filter(case=case).order_by("received_on", "pk")
        text = "\n".join(f"{s.received_on:%Y-%m-%d} {s.get_kind_display()}：{s.content}" for s in rows)
        return "陈述申辩记录", text
    if kind == rules.HEARING:
        h = Hearing.objects.filter(case=case, held_on__isnull=False).order_by("-held_on").first()
        return "听证笔录", (f"{h.held_on:%Y-%m-%d} {h.place}\n{h.record}" if h else "")
    if kind == rules.COLLECTIVE:
        rows = CollectiveDiscussion.objects.filter(case=case).order_by("held_on")
        text = "\n".join(
            f"{c.held_on:%Y-%m-%d} 参加人员：{c.participants}\n结论：{c.conclusion}" for c in rows
        )
        return "集体讨论记录", text
    return "", ""


def add_material(
    user, case: Case, *, kind: str, title: str = "", evidence=None, document=None, blob=None, filename: str = "",
    text: str = "", from_case_record: bool = False, channel: str = "service",
) -> Material:  # fmt: skip
    """Attach a material: a reference to the case's evidence or issued 文书, an uploaded file (Blob), a text, or
    (from_case_record) the text the case record holds for the kind (调查终结报告, 陈述申辩, 听证, 集体讨论)."""
    from zhifa.cases.models import Evidence
    from zhifa.documents.models import IssuedDocument

    require_handler(user, case, "提交法制审核材料", channel)
    kind = (kind or "").strip()
    if kind not in rules.KINDS and not kind.startswith("row:"):
        raise ValidationFailed("请选择材料类别。", code="material_kind_invalid")
    if from_case_record:
        title_from, text = case_record_text(case, kind)
        if not text.strip():
            raise ValidationFailed(f"本案尚无可引用的{rules.kind_label(kind)}。", code="case_record_missing")
        title = title or title_from
    if evidence is not None and not Evidence.objects.filter(pk=evidence.pk, case=case).exists():
        raise ValidationFailed("引用的证据不属于本案。", code="material_not_of_case")
    if document is not None and not IssuedDocument.objects.filter(pk=document.pk, case_id=case.pk).exists():
        raise ValidationFailed("引用的文书不属于本案。", code="material_not_of_case")
    if not any((evidence, document, blob, (text or "").strip())):
        raise ValidationFailed("请引用本案证据或文书、上传文件，或填写材料内容。", code="material_empty")
    title = (title or "").strip() or (
        evidence.title if evidence else (str(document) if document else filename or rules.kind_label(kind))
    )
    with transaction.atomic():
        case = _lock_case(case)
        _require_review_state(case)
        m = Material.objects.create(
            case=case, kind=kind, title=title[:200], evidence=evidence, document=document, blob=blob,
            filename=filename[:200], text=text or "", added_by=user,
        )  # fmt: skip
        append(
            events.MATERIAL_ADDED,
            actor=_actor(user),
            subject=m,
            case_id=case.pk,
            payload={
                "kind": kind, "title": m.title, "evidence": evidence, "document": document,
                "blob": {"sm3": blob.sm3, "size": blob.size} if blob else None, "channel": channel,
            },
        )  # fmt: skip
    return m


def withdraw_material(user, material: Material, *, channel: str = "service") -> Material:
    require_handler(user, material.case, "撤回法制审核材料", channel)
    with transaction.atomic():
        m = Material.objects.select_for_update().get(pk=material.pk)
        if m.withdrawn_at:
            raise Conflict("该材料已撤回。", code="material_withdrawn")
        if Submission.objects.filter(case_id=m.case_id, status=Submission.Status.PENDING).exists():
            raise Conflict("报送审核期间不能撤回材料。", code="draft_under_review")
        m.withdrawn_at = timezone.now()
        m.save(update_fields=["withdrawn_at", "updated_at"])
        append(events.MATERIAL_WITHDRAWN, actor=_actor(user), subject=m, case_id=m.case_id,
               payload={"kind": m.kind, "title": m.title, "channel": channel})  # fmt: skip
    return m


def material_for_download(user, pk: int, *, channel: str = "service") -> Material:
    m = get_row(Material, user, pk, channel=channel)
    with transaction.atomic():
        append(events.MATERIAL_DOWNLOADED, actor=_actor(user), subject=m, case_id=m.case_id,
               payload={"title": m.title, "channel": channel})  # fmt: skip
    return m


# --------------------------------------------------------------------------------------------------------------
# Submission and the review period


def period_code(agency) -> str:
    body = ReviewBody.objects.filter(agency=agency).first()
    return body.period_rule_code if body else DEFAULT_PERIOD_CODE


def _due(rule_or_code, start: dt.date, extensions: int = 0):
    from zhifa.deadlines.services import due

    return due(rule_or_code, start, extensions=extensions)


def submit(
    user, case: Case, *, note: str = "", answers: dict | None = None, channel: str = "service"
) -> Submission:
    """报送法制审核: the latest draft with its materials; after an opinion with problems, each problem answered."""
    require_handler(user, case, "报送法制审核", channel)
    answers = {int(k): str(v).strip() for k, v in (answers or {}).items() if str(v or "").strip()}
    with transaction.atomic():
        case = _lock_case(case)
        _require_review_state(case)
        draft = latest_draft(case)
        if draft is None:
            raise ValidationFailed("请先拟写决定书代拟稿。", code="draft_required")
        if Submission.objects.filter(case=case, status=Submission.Status.PENDING).exists():
            raise Conflict("本案已报送法制审核，正在审核中。", code="submission_pending")
        if Contest.objects.filter(case=case).exclude(status=Contest.Status.RESOLVED).exists():
            raise Conflict("对审核意见的异议尚在处理中，处理完毕后再报送。", code="contest_open")
        last = latest_submission(case)
        last_opinion = current_opinion(last)
        problems = []
        if last_opinion is not None:
            if last_opinion.conclusion == Conclusion.APPROVE and last.draft_id == draft.pk:
                raise Conflict(
                    f"代拟稿第{draft.version}版已经审核同意，无需重复报送。", code="already_approved"
                )
            if last_opinion.conclusion != Conclusion.APPROVE:
                problems = list(last_opinion.problems.all())
                unanswered = [p for p in problems if p.pk not in answers]
                if unanswered:
                    listed = "；".join(
                        f"第{p.seq}项（{p.get_point_display()}）{p.description}" for p in unanswered
                    )
                    raise ValidationFailed(
                        f"重新报送须逐项说明对审核意见所提问题的处理情况，以下问题尚未说明：{listed}。",
                        code="problems_unanswered", citation=rules.CONTENT_CITATION,
                        details={"unanswered": [p.pk for p in unanswered]},
                    )  # fmt: skip
        missing = missing_materials(case, draft)
        if missing:
            raise ValidationFailed(
                "报送材料不齐全，缺少：" + "、".join(r["label"] for r in missing) + "。",
                code="materials_incomplete", citation=rules.GUIDELINE_118 + "（送审材料）",
                details={"missing": [{"code": r["code"], "label": r["label"], "sources": r["sources"]} for r in missing]},
            )  # fmt: skip
        today = _today()
        d = _due(period_code(case.agency), today)
        materials = [{"id": m.pk, "kind": m.kind, "title": m.title} for m in active_materials(case)]
        sub = Submission.objects.create(
            case=case, draft=draft, round=(last.round + 1) if last else 1, note=(note or "").strip(),
            requirements=requirements(case, draft), materials=materials, submitted_by=user, submitted_on=today,
            rule=d.rule, rule_code=d.rule.code, rule_valid_from=d.rule.valid_from, period_start=today,
            due_on=d.date, due_explanation=d.explanation,
        )  # fmt: skip
        for p in problems:
            Answer.objects.create(problem=p, submission=sub, text=answers[p.pk], answered_by=user)
        append(
            events.SUBMITTED,
            actor=_actor(user),
            subject=sub,
            case_id=case.pk,
            payload={
                "round": sub.round, "draft_version": draft.version, "in_scope": draft.in_scope,
                "materials": materials, "due_on": d.date, "rule": d.rule.code, "rule_valid_from": d.rule.valid_from,
                "answers": {str(p.pk): answers[p.pk] for p in problems}, "channel": channel,
            },
        )  # fmt: skip
    return sub


def extend_deadline(user, submission: Submission, *, reason: str, channel: str = "service") -> Submission:
    """Extend the review period once (default +3 working days) with the head's approval."""
    case = submission.case
    rule = submission.rule
    approver = rule.extension_approver or Role.HEAD
    if user_role(user) != approver or getattr(user, "agency_id", None) != case.agency_id:
        _deny(user, Submission, submission.pk, "extend", channel,
              f"延长法制审核期限须经{case.agency.name}负责人批准。", "review_head_only")  # fmt: skip
    if not (reason or "").strip():
        raise ValidationFailed("请写明延长理由。", code="reason_required")
    with transaction.atomic():
        sub = Submission.objects.select_for_update().get(pk=submission.pk)
        if sub.status != Submission.Status.PENDING:
            raise Conflict("审核意见已出具，无需延长。", code="submission_not_pending")
        d = _due(sub.rule, sub.period_start, extensions=sub.extensions + 1)
        sub.extensions += 1
        sub.due_on, sub.due_explanation = d.date, d.explanation
        sub.extension_reason = reason.strip()
        sub.save(update_fields=["extensions", "due_on", "due_explanation", "extension_reason", "updated_at"])
        append(events.DEADLINE_EXTENDED, actor=_actor(user), subject=sub, case_id=sub.case_id,
               payload={"due_on": d.date, "extensions": sub.extensions, "reason": sub.extension_reason,
                        "channel": channel})  # fmt: skip
        _resolve_deadline_alerts(sub, user, "审核期限已延长")
    return sub


# --------------------------------------------------------------------------------------------------------------
# The opinion


def clean_checklist(checklist: dict) -> dict:
    out, missing = {}, []
    for point in CheckPoint:
        item = (checklist or {}).get(point.value) or {}
        if isinstance(item, str):
            item = {"result": item}
        result = (item.get("result") or "").strip()
        if result not in CheckResult.values:
            missing.append(point.label)
            continue
        out[point.value] = {"result": result, "note": (item.get("note") or "").strip()}
    if missing:
        raise ValidationFailed("请逐项填写审核要点：" + "、".join(missing) + "。", code="checklist_incomplete",
                               citation=rules.CONTENT_CITATION)  # fmt: skip
    return out


def issue_opinion(
    user, submission: Submission, *, conclusion: str, checklist: dict, problems=(), summary: str,
    channel: str = "service",
) -> Opinion:  # fmt: skip
    """出具书面审核意见 and sign it as a 法制审核意见书 (zhifa.documents), its digest on the ledger."""
    from zhifa.deadlines.services import working_days_between
    from zhifa.documents.services import issue_document

    case = submission.case
    advisor = check_reviewer(user, case, channel=channel)
    if conclusion not in Conclusion.values:
        raise ValidationFailed("请选择审核意见：同意、存在问题或建议修改后提交。", code="conclusion_invalid")
    checklist = clean_checklist(checklist)
    items = []
    for p in problems or ():
        point, text = (p.get("point"), p.get("description")) if isinstance(p, dict) else p
        text = (text or "").strip()
        if not text:
            continue
        if point not in CheckPoint.values:
            raise ValidationFailed("每个问题须对应一个审核要点。", code="problem_point_invalid")
        items.append((point, text))
    summary = (summary or "").strip()
    if not summary:
        raise ValidationFailed("请填写具体审核意见。", code="summary_required")
    flagged = {p for p, v in checklist.items() if v["result"] == CheckResult.PROBLEM}
    if conclusion == Conclusion.APPROVE:
        if items or flagged:
            raise ValidationFailed("审核要点存在问题的，不能出具“同意”的意见。", code="approve_with_problems",
                                   citation=rules.CONTENT_CITATION)  # fmt: skip
    else:
        if not items:
            raise ValidationFailed("“存在问题”或“建议修改后提交”的意见须逐项列明问题，并对应审核要点。",
                                   code="problems_required", citation=rules.CONTENT_CITATION)  # fmt: skip
        for point, _ in items:
            checklist[point]["result"] = CheckResult.PROBLEM
        without = [CheckPoint(p).label for p in flagged - {p for p, _ in items}]
        if without:
            raise ValidationFailed(f"审核要点“{'、'.join(without)}”标为存在问题，请列明具体问题。",
                                   code="problem_not_listed")  # fmt: skip
    _qualified, qualification = qualification_of(user, advisor)
    with transaction.atomic():
        case = _lock_case(case)
        sub = Submission.objects.select_for_update().get(pk=submission.pk)
        if sub.status != Submission.Status.PENDING:
            raise Conflict("该报送已出具审核意见。", code="submission_not_pending")
        _require_review_state(case)
        today = _today()
        name = (advisor.name if advisor else "") or getattr(user, "display_name", "") or user.get_username()
        opinion = Opinion.objects.create(
            submission=sub, case=case, reviewer=user, advisor=advisor, reviewer_name=name,
            qualification=qualification, conclusion=conclusion, checklist=checklist, summary=summary,
            issued_on=today, working_days=max(0, working_days_between(sub.period_start, today)),
            calendar_days=(today - sub.submitted_on).days, overdue=today > sub.due_on,
        )  # fmt: skip
        for seq, (point, text) in enumerate(items, start=1):
            Problem.objects.create(opinion=opinion, seq=seq, point=point, description=text)
        doc = issue_document(
            user=user, agency=case.agency, kind=OPINION_KIND, context=opinion_context(opinion),
            case_id=case.pk, channel=channel,
        )  # fmt: skip
        opinion.document = doc
        opinion.save(update_fields=["document", "updated_at"])
        sub.status = Submission.Status.REVIEWED
        sub.save(update_fields=["status", "updated_at"])
        append(
            events.OPINION_ISSUED,
            actor=_actor(user),
            subject=opinion,
            case_id=case.pk,
            payload={
                "round": sub.round, "draft_version": sub.draft.version, "conclusion": conclusion,
                "checklist": {k: v["result"] for k, v in checklist.items()},
                "problems": [{"point": p, "description": t} for p, t in items],
                "reviewer": name, "qualification": qualification, "advisor": advisor,
                "document": {"id": doc.pk, "number": doc.number, "sm3": doc.sm3, "sha256": doc.sha256},
                "due_on": sub.due_on, "overdue": opinion.overdue, "working_days": opinion.working_days,
                "channel": channel,
            },
        )  # fmt: skip
        _resolve_deadline_alerts(sub, user, "审核意见已出具")
    return opinion


def _money(value) -> str:
    return f"{Decimal(value).quantize(CENT):,.2f}"


def decision_summary(draft: DraftDecision) -> str:
    parts = [draft.outcome_display]
    if draft.penalty_kinds:
        parts.append(draft.kinds_display)
    if draft.fine_amount:
        parts.append(f"罚款人民币{_money(draft.fine_amount)}元")
    if draft.confiscation_amount:
        parts.append(f"没收违法所得人民币{_money(draft.confiscation_amount)}元")
    if draft.transfer_to:
        parts.append(f"移送{draft.transfer_to}")
    return "，".join(parts) + f"（决定书代拟稿第{draft.version}版）"


def opinion_context(opinion: Opinion) -> dict:
    """The 法制审核意见书 (domain.md §4: 单位名称, 文号, 日期, 当事人, 执法决定简述, 法律依据, 事实认定, 审核意见, 具体意见,
    审核人, 日期, 附件)."""
    sub = opinion.submission
    draft = sub.draft
    case = opinion.case
    parties = [cp.party.name for cp in CaseParty.objects.filter(case=case).select_related("party")]
    body = ReviewBody.objects.filter(agency=case.agency).first()
    problems = [f"{p.seq}. 【{p.get_point_display()}】{p.description}" for p in opinion.problems.all()]
    return {
        "review_body": body.name if body else "法制审核机构",
        "case_number": case.number or case.display_number,
        "case_title": case.title,
        "party_name": "、".join(parties) or "（未列当事人）",
        "decision_summary": decision_summary(draft),
        "legal_basis": draft.basis or "代拟稿未载明依据",
        "facts": draft.facts,
        "scope": scope_text(draft.scope_matches) or "承办机构主动报送审核",
        "round": sub.round,
        "conclusion": opinion.get_conclusion_display(),
        "details": opinion.summary,
        "problems": problems,
        "checklist": [
            {
                "point": CheckPoint(p).label,
                "hint": rules.CHECK_HINTS[CheckPoint(p)],
                "result": CheckResult(v["result"]).label,
                "note": v.get("note", ""),
            }
            for p, v in opinion.checklist.items()
        ],  # fmt: skip
        "reviewer": f"{opinion.reviewer_name}（{opinion.qualification}）",
        "attachments": [m["title"] for m in sub.materials],
        "submitted_on": f"{sub.submitted_on.year}年{sub.submitted_on.month}月{sub.submitted_on.day}日",
    }


# --------------------------------------------------------------------------------------------------------------
# Disagreement


def contest(user, opinion: Opinion, *, reason: str, channel: str = "service") -> Contest:
    """The handling unit contests an opinion with problems; the agency head decides."""
    from zhifa.core.services import raise_alert

    require_handler(user, opinion.case, "对法制审核意见提出异议", channel, officers_only=True)
    if not (reason or "").strip():
        raise ValidationFailed("请写明异议理由。", code="reason_required")
    with transaction.atomic():
        case = _lock_case(opinion.case)
        _require_review_state(case)
        op = Opinion.objects.select_for_update().get(pk=opinion.pk)
        if op.set_aside or current_opinion(latest_submission(case)) != op:
            raise Conflict("只能对本案当前有效的审核意见提出异议。", code="opinion_not_current")
        if op.conclusion == Conclusion.APPROVE:
            raise Conflict("审核意见为同意，无需提出异议。", code="opinion_approved")
        if Contest.objects.filter(case=case).exclude(status=Contest.Status.RESOLVED).exists():
            raise Conflict("本案已有尚未处理完毕的异议。", code="contest_open")
        c = Contest.objects.create(opinion=op, case=case, reason=reason.strip(), raised_by=user)
        append(events.CONTEST_RAISED, actor=_actor(user), subject=c, case_id=case.pk,
               payload={"opinion": op.pk, "reason": c.reason, "channel": channel})  # fmt: skip
        raise_alert(
            f"review.contest.{c.pk}", kind="review_contest", title=f"审核意见异议待决定：{case.display_number} {case.title}",
            detail=c.reason, citation=rules.DISAGREEMENT_CITATION, agency=case.agency,
            subject=("reviews.contest", c.pk), audience=(Role.HEAD,),
        )  # fmt: skip
    return c


HEAD_DECISIONS = {
    "uphold": "维持审核意见",
    "rereview": "撤销审核意见，重新审核",
    "collective": "提交机关负责人集体讨论",
    "bureau": "报请司法局（执法监督机构）决定",
}


def decide_contest(
    user, contest_obj: Contest, *, decision: str, note: str, channel: str = "service"
) -> Contest:
    """The agency head: uphold the opinion, send it back for a new review, or refer to 集体讨论 / the Justice Bureau."""
    from zhifa.core.services import raise_alert, resolve_alert

    case = contest_obj.case
    _require_head(user, case.agency, "处理审核意见异议", contest_obj, channel)
    if decision not in HEAD_DECISIONS:
        raise ValidationFailed("请选择处理方式。", code="decision_invalid")
    if not (note or "").strip():
        raise ValidationFailed("请写明处理意见。", code="note_required")
    with transaction.atomic():
        c = Contest.objects.select_for_update().get(pk=contest_obj.pk)
        if c.status != Contest.Status.HEAD:
            raise Conflict("该异议不在待负责人决定阶段。", code="contest_wrong_stage")
        c.head_by, c.head_at, c.head_note = user, timezone.now(), note.strip()
        if decision in ("uphold", "rereview"):
            c.save()
            _resolve(c, user, decision, note.strip(), Contest.Status.HEAD, channel=channel)
        else:
            c.status = Contest.Status.COLLECTIVE if decision == "collective" else Contest.Status.BUREAU
            c.save()
            append(events.CONTEST_HEAD_DECIDED, actor=_actor(user), subject=c, case_id=c.case_id,
                   payload={"decision": decision, "label": HEAD_DECISIONS[decision], "note": c.head_note,
                            "channel": channel})  # fmt: skip
            resolve_alert(f"review.contest.{c.pk}", actor=_actor(user), reason=HEAD_DECISIONS[decision])
            if decision == "bureau":
                raise_alert(
                    f"review.contest.bureau.{c.pk}", kind="review_contest_bureau",
                    title=f"审核意见异议报请司法局决定：{case.agency.name} {case.display_number}",
                    detail=f"异议理由：{c.reason}\n负责人意见：{c.head_note}", citation=rules.DISAGREEMENT_CITATION,
                    agency=case.agency, subject=("reviews.contest", c.pk), audience=(Role.HEAD,),
                )  # fmt: skip
    return c


def resolve_contest(
    user, contest_obj: Contest, *, outcome: str, note: str, participants: str = "", channel: str = "service"
) -> Contest:
    """Record the outcome of 集体讨论 (the head records it, with the participants) or of the Justice Bureau."""
    contest_obj = Contest.objects.select_related("case__agency").get(pk=contest_obj.pk)
    case = contest_obj.case
    if contest_obj.status == Contest.Status.COLLECTIVE:
        _require_head(user, case.agency, "记录集体讨论结果", contest_obj, channel)
        if not (participants or "").strip():
            raise ValidationFailed("请填写集体讨论参加人员。", code="participants_required")
    elif contest_obj.status == Contest.Status.BUREAU:
        _require_supervisor_of(user, case.agency, "决定审核意见异议", contest_obj, channel)
    else:
        raise Conflict("该异议不在待集体讨论或待司法局决定阶段。", code="contest_wrong_stage")
    if outcome not in Contest.Outcome.values:
        raise ValidationFailed("请选择处理结果。", code="outcome_invalid")
    if not (note or "").strip():
        raise ValidationFailed("请写明处理意见。", code="note_required")
    with transaction.atomic():
        c = Contest.objects.select_for_update().get(pk=contest_obj.pk)
        if c.status != contest_obj.status:
            raise Conflict("该异议的处理阶段已变化，请刷新后重试。", code="contest_wrong_stage")
        c.participants = (participants or "").strip()
        c.save(update_fields=["participants", "updated_at"])
        _resolve(c, user, outcome, note.strip(), c.status, channel=channel)
    return c


def _resolve(c: Contest, user, outcome: str, note: str, level: str, *, channel: str) -> None:
    from zhifa.core.services import resolve_alert

    c.outcome, c.outcome_note, c.outcome_by, c.outcome_at = outcome, note, user, timezone.now()
    c.resolved_by_level, c.status = level, Contest.Status.RESOLVED
    c.save()
    payload = {"outcome": outcome, "label": Contest.Outcome(outcome).label, "level": level, "note": note,
               "participants": c.participants, "channel": channel}  # fmt: skip
    if outcome == Contest.Outcome.REREVIEW:
        op = Opinion.objects.select_for_update().get(pk=c.opinion_id)
        op.set_aside, op.set_aside_reason = True, note
        op.save(update_fields=["set_aside", "set_aside_reason", "updated_at"])
        sub = Submission.objects.select_for_update().get(pk=op.submission_id)
        today = _today()
        d = _due(sub.rule, today)
        sub.status, sub.period_start, sub.extensions = Submission.Status.PENDING, today, 0
        sub.due_on, sub.due_explanation = d.date, d.explanation
        sub.save()
        payload |= {"opinion_set_aside": op.pk, "due_on": d.date}
    append(events.CONTEST_RESOLVED, actor=_actor(user), subject=c, case_id=c.case_id, payload=payload)
    for key in (f"review.contest.{c.pk}", f"review.contest.bureau.{c.pk}"):
        resolve_alert(key, actor=_actor(user), reason=Contest.Outcome(outcome).label)


# --------------------------------------------------------------------------------------------------------------
# The decision gate


def _decision_value(decision: dict, name: str):
    value = decision.get(name)
    if name == "penalty_kinds":
        return sorted(set(value or []))
    if name in ("fine_amount", "confiscation_amount"):
        return Decimal(value).quantize(CENT) if value not in (None, "") else None
    return value


def decision_differences(draft: DraftDecision, decision: dict) -> list[str]:
    labels = dict(DRAFT_FIELDS)
    out = []
    for name in DECISION_FIELDS:
        mine, theirs = getattr(draft, name), _decision_value(decision, name)
        if name == "fine_amount" and PenaltyKind.FINE not in (draft.penalty_kinds or []):
            mine = None
            theirs = theirs if PenaltyKind.FINE in _decision_value(decision, "penalty_kinds") else None
        if mine != theirs:
            out.append(f"{labels[name]}：代拟稿为{_display(name, mine)}，决定为{_display(name, theirs)}")
    return out


def decision_scope(case: Case, decision: dict, flags=()) -> Scope:
    """The scope of a decision about to be recorded: the catalog in force on its stated date *and* today (a
    decision dated back to before the catalog's publication is still recorded now: it cannot skip the review)."""
    args = {
        "outcome": decision.get("outcome", ""),
        "penalty_kinds": decision.get("penalty_kinds") or [],
        "fine_amount": decision.get("fine_amount"),
        "flags": list(flags or ()),
    }
    today = _today()
    scope = evaluate_scope(case, on=today, **args)
    stated = decision.get("decided_on") or today
    if stated != today:
        earlier = evaluate_scope(case, on=stated, **args)
        known = {(m["row"], m["citation"], tuple(m["reasons"])) for m in scope.matches}
        scope.matches += [
            m for m in earlier.matches if (m["row"], m["citation"], tuple(m["reasons"])) not in known
        ]
        scope.in_scope = bool(scope.matches)
    return scope


def decision_gate(case: Case, decision: dict, user) -> None:
    """Registered with zhifa.cases.services.register_decision_guard: runs inside the decide transaction.

    The decision is evaluated against the catalog and 第五十八条 (flags from the latest draft); when it, or the latest
    draft, is in scope, the latest opinion must be 同意 on the current draft version, and the decision must carry
    exactly the approved content (outcome, kinds, amounts). Records a GateCheck (and, in scope, a ledger event)."""
    on = decision.get("decided_on") or _today()
    draft = latest_draft(case)
    scope = decision_scope(case, decision, draft.flags if draft else [])
    in_scope = scope.in_scope or bool(draft and draft.in_scope)
    matches = scope.matches or (draft.scope_matches if draft else [])
    citation = _cite(58, 1)
    opinion = None
    if in_scope:
        why = scope_text(matches)
        if draft is None:
            raise ReviewRefused(
                f"该决定属于重大执法决定法制审核范围（{why}），未经法制审核不得作出决定：请先拟写决定书代拟稿并报送法制审核。",
                code="legal_review_missing", citation=citation,
            )  # fmt: skip
        sub = latest_submission(case)
        opinion = current_opinion(sub)
        if sub is None or opinion is None:
            state = "尚未报送法制审核" if sub is None else "法制审核尚未出具意见"
            raise ReviewRefused(f"该决定属于重大执法决定法制审核范围（{why}），{state}，不得作出决定。",
                                code="legal_review_missing", citation=citation)  # fmt: skip
        if opinion.conclusion != Conclusion.APPROVE:
            raise ReviewRefused(
                f"法制审核意见为“{opinion.get_conclusion_display()}”，审核未通过的不得作出决定："
                "请按审核意见处理后重新报送，经审核同意后再作出决定。",
                code="legal_review_not_passed", citation=citation,
            )  # fmt: skip
        if sub.draft_id != draft.pk:
            raise ReviewRefused(
                f"代拟稿在审核同意后被修改（审核同意的是第{sub.draft.version}版，现为第{draft.version}版）："
                "修改代拟稿后须重新报送法制审核。",
                code="legal_review_outdated", citation=citation,
            )  # fmt: skip
        diffs = decision_differences(draft, decision)
        if diffs:
            raise ReviewRefused(
                f"决定内容与审核同意的代拟稿第{draft.version}版不一致（{'；'.join(diffs)}）："
                "修改代拟稿后须重新报送法制审核。",
                code="decision_differs_from_review", citation=citation,
            )  # fmt: skip
    GateCheck.objects.create(
        case=case, decided_on=on, in_scope=in_scope, matches=matches, draft=draft if in_scope else None,
        opinion=opinion,
    )  # fmt: skip
    if in_scope:
        append(
            events.GATE_PASSED,
            actor=_actor(user),
            subject=opinion,
            case_id=case.pk,
            payload={"draft_version": draft.version, "opinion": opinion.pk,
                     "document": opinion.document.number if opinion.document_id else "",
                     "reasons": scope_text(matches)},
        )  # fmt: skip


# --------------------------------------------------------------------------------------------------------------
# Configuration: review bodies, the advisor pool, reviewers' experience


def configure_body(
    user, agency, *, name: str, period_rule_code: str, note: str = "", channel: str = "service"
):
    from zhifa.deadlines.services import rule_for

    if user_role(user) not in (Role.HEAD, Role.SUPERVISOR, Role.ADMIN) or not (
        Agency.objects.filter(pk=agency.pk).filter(_territory_q(Agency, user)).exists()
    ):
        _deny(user, Agency, agency.pk, "configure_review", channel,
              "只有本机关负责人或管辖的司法局可以设置法制审核机构。", "permission_denied")  # fmt: skip
    code = (period_rule_code or "").strip() or DEFAULT_PERIOD_CODE
    rule_for(code, _today())  # an unknown code (or one not in force) is refused here
    with transaction.atomic():
        body, _ = ReviewBody.objects.get_or_create(agency=agency)
        body.name, body.period_rule_code, body.note = (name or "").strip() or body.name, code, note or ""
        body.save()
        append(
            events.BODY_CONFIGURED,
            actor=_actor(user),
            subject=body,
            payload={"agency": agency.pk, "name": body.name, "period_rule_code": code, "channel": channel},
        )
    return body


def _require_pool_keeper(user, pool_owner, channel: str) -> None:
    ok = (
        user_role(user) in (Role.SUPERVISOR, Role.ADMIN)
        and pool_owner.is_justice_bureau
        and (user_role(user) == Role.ADMIN or getattr(user, "agency_id", None) == pool_owner.pk)
    )
    if not ok:
        _deny(user, Agency, pool_owner.pk, "advisor_pool", channel,
              "法律顾问、公职律师库由司法局监督人员维护。", "pool_keeper_only", rules.POOL_CITATION)  # fmt: skip


def create_advisor(
    user, *, pool_owner, name: str, kind: str, organisation: str = "", legal_qualification: bool = False,
    qualification_number: str = "", licence_number: str = "", account=None, channel: str = "service",
) -> Advisor:  # fmt: skip
    _require_pool_keeper(user, pool_owner, channel)
    if not (name or "").strip():
        raise ValidationFailed("姓名不能为空。", code="name_required")
    if kind not in Advisor.Kind.values:
        raise ValidationFailed("请选择类别。", code="kind_invalid")
    if legal_qualification and not (qualification_number or "").strip():
        raise ValidationFailed("请填写法律职业资格证书编号。", code="qualification_number_required")
    if account is not None and user_role(account) != Role.REVIEWER:
        raise ValidationFailed("登录账号的角色应为法制审核人员。", code="account_role_invalid")
    with transaction.atomic():
        a = Advisor.objects.create(
            pool_owner=pool_owner, name=name.strip(), kind=kind, organisation=organisation.strip(),
            legal_qualification=legal_qualification, qualification_number=qualification_number.strip(),
            licence_number=licence_number.strip(), user=account,
        )  # fmt: skip
        append(
            events.ADVISOR_CREATED,
            actor=_actor(user),
            subject=a,
            payload={
                "name": a.name,
                "kind": kind,
                "pool_owner": pool_owner.pk,
                "legal_qualification": legal_qualification,
                "account": account,
                "channel": channel,
            },
        )
    return a


def assign_advisor(user, advisor: Advisor, agency, *, channel: str = "service") -> AdvisorAssignment:
    """The Justice Bureau assigns a pooled advisor to an agency of its jurisdiction (统筹调用)."""
    _require_pool_keeper(user, advisor.pool_owner, channel)
    if user_role(user) != Role.ADMIN and not agency.jurisdiction.path.startswith(
        advisor.pool_owner.jurisdiction.path
    ):
        _deny(user, Agency, agency.pk, "advisor_pool", channel, f"{agency.name}不在本司法局的管辖范围内。",
              "agency_outside_jurisdiction", rules.POOL_CITATION)  # fmt: skip
    if not advisor.active:
        raise Conflict("该人员已不在库中。", code="advisor_inactive")
    with transaction.atomic():
        if AdvisorAssignment.objects.filter(advisor=advisor, agency=agency, end_on__isnull=True).exists():
            raise Conflict(f"{advisor.name}已派驻{agency.name}。", code="already_assigned")
        a = AdvisorAssignment.objects.create(
            advisor=advisor, agency=agency, assigned_by=user, start_on=_today()
        )
        append(
            events.ADVISOR_ASSIGNED,
            actor=_actor(user),
            subject=a,
            payload={"advisor": advisor.pk, "name": advisor.name, "agency": agency.pk, "channel": channel},
        )
    return a


def end_assignment(user, assignment: AdvisorAssignment, *, reason: str, channel: str = "service"):
    _require_pool_keeper(user, assignment.advisor.pool_owner, channel)
    with transaction.atomic():
        a = AdvisorAssignment.objects.select_for_update().get(pk=assignment.pk)
        if a.end_on:
            raise Conflict("该派驻已结束。", code="assignment_ended")
        a.end_on, a.end_reason = _today(), (reason or "").strip()
        a.save(update_fields=["end_on", "end_reason", "updated_at"])
        append(
            events.ADVISOR_UNASSIGNED,
            actor=_actor(user),
            subject=a,
            payload={
                "advisor": a.advisor_id,
                "agency": a.agency_id,
                "reason": a.end_reason,
                "channel": channel,
            },
        )
    return a


def record_experience(user, reviewer: User, *, since: dt.date, evidence: str, channel: str = "service"):
    """Record that a reviewer did legal review work since `since` (so a pre-2018 reviewer is not 初次从事)."""
    agency = reviewer.agency
    allowed = agency is not None and (
        (user_role(user) == Role.HEAD and user.agency_id == agency.pk)
        or (user_role(user) in (Role.SUPERVISOR, Role.ADMIN)
            and Agency.objects.filter(pk=agency.pk).filter(_territory_q(Agency, user)).exists())
    )  # fmt: skip
    if not allowed:
        _deny(user, User, reviewer.pk, "record_experience", channel,
              "只有审核人员所在机关的负责人或管辖的司法局可以登记其从业经历。", "permission_denied")  # fmt: skip
    if not (evidence or "").strip():
        raise ValidationFailed("请写明证明材料（如任职文件）。", code="evidence_required")
    if since > _today():
        raise ValidationFailed("开始日期不能晚于今天。", code="date_in_future")
    with transaction.atomic():
        exp, _ = ReviewerExperience.objects.update_or_create(
            user=reviewer, defaults={"since": since, "evidence": evidence.strip(), "recorded_by": user}
        )
        append(
            events.EXPERIENCE_RECORDED,
            actor=_actor(user),
            subject=exp,
            payload={"user": reviewer.pk, "since": since, "evidence": exp.evidence, "channel": channel},
        )
    return exp


# --------------------------------------------------------------------------------------------------------------
# Deadlines and alerts


def _alert_keys(sub: Submission) -> tuple[str, str]:
    return f"review.due_soon.{sub.pk}", f"review.overdue.{sub.pk}"


def _resolve_deadline_alerts(sub: Submission, user, reason: str) -> None:
    from zhifa.core.services import resolve_alert

    for key in _alert_keys(sub):
        resolve_alert(key, actor=_actor(user) if user else None, reason=reason)


def check_deadlines(today: dt.date | None = None) -> dict:
    """Due-soon (within DUE_SOON_WORKING_DAYS working days) and overdue alerts for pending submissions."""
    from zhifa.core.models import Alert
    from zhifa.core.services import raise_alert, resolve_alert
    from zhifa.deadlines.services import working_days_between

    today = today or _today()
    counts = {"due_soon": 0, "overdue": 0}
    pending = Submission.objects.filter(status=Submission.Status.PENDING).select_related(
        "case__agency", "rule__citation__law"
    )
    for sub in pending:
        soon_key, overdue_key = _alert_keys(sub)
        case = sub.case
        common = {"agency": case.agency, "subject": ("reviews.submission", sub.pk),
                  "audience": (Role.REVIEWER, Role.HEAD), "citation": str(sub.rule.citation)}  # fmt: skip
        if today > sub.due_on:
            resolve_alert(soon_key, reason="已逾期")
            raise_alert(overdue_key, kind="review_overdue", severity=Alert.Severity.CRITICAL,
                        title=f"法制审核逾期：{case.display_number} {case.title}（{sub.due_on:%Y-%m-%d}届满）",
                        detail=sub.due_explanation, **common)  # fmt: skip
            counts["overdue"] += 1
        elif working_days_between(today, sub.due_on) <= DUE_SOON_WORKING_DAYS:
            raise_alert(soon_key, kind="review_due_soon",
                        title=f"法制审核即将届满：{case.display_number} {case.title}（{sub.due_on:%Y-%m-%d}）",
                        detail=sub.due_explanation, **common)  # fmt: skip
            counts["due_soon"] += 1
    return counts


# --------------------------------------------------------------------------------------------------------------
# Reading


@dataclass
class ReviewFile:
    case: Case
    drafts: list
    latest: DraftDecision | None
    submissions: list
    current: Submission | None
    opinion: Opinion | None
    materials: list
    requirements: list = field(default_factory=list)
    missing: list = field(default_factory=list)
    contests: list = field(default_factory=list)

    @property
    def status(self) -> str:
        if self.latest is None:
            return "未拟写代拟稿"
        if self.current is not None and self.current.status == Submission.Status.PENDING:
            return "审核中"
        if self.opinion is not None and self.current.draft_id == self.latest.pk:
            return f"审核意见：{self.opinion.get_conclusion_display()}"
        if self.opinion is not None:
            return "代拟稿已修改，待重新报送"
        return "待报送审核" if self.latest.in_scope else "不属于法制审核范围"

    @property
    def approved(self) -> bool:
        return bool(
            self.opinion
            and self.opinion.conclusion == Conclusion.APPROVE
            and self.current.draft_id == self.latest.pk
        )


def review_file(case: Case) -> ReviewFile:
    drafts = list(DraftDecision.objects.filter(case=case).order_by("-version"))
    latest = drafts[0] if drafts else None
    subs = list(Submission.objects.filter(case=case).select_related("draft").order_by("-round"))
    current = subs[0] if subs else None
    f = ReviewFile(
        case=case, drafts=drafts, latest=latest, submissions=subs, current=current, opinion=current_opinion(current),
        materials=list(active_materials(case)),
        contests=list(Contest.objects.filter(case=case).select_related("opinion").order_by("-pk")),
    )  # fmt: skip
    if latest is not None:
        f.requirements = requirements(case, latest)
        have = {m.kind for m in f.materials} | {rules.DRAFT}
        f.missing = [r for r in f.requirements if r["code"] not in have]
    return f


def review_state(case: Case) -> dict:
    """A short summary for the case page: in scope? reviewed?"""
    f = review_file(case)
    return {"status": f.status, "in_scope": bool(f.latest and f.latest.in_scope), "approved": f.approved}


def discretion_for(case: Case, draft: DraftDecision | None) -> dict:
    """The agency's 裁量基准 rows that match the case's 案由, and whether the draft's fine lies in their range."""
    from zhifa.catalog.models import DiscretionItem
    from zhifa.catalog.services import published_version

    version = published_version(case.agency, Kind.DISCRETION)
    if version is None:
        return {"rows": [], "within": None}
    title = case.title
    rows = [
        r
        for r in DiscretionItem.objects.filter(version=version).order_by("seq")
        if r.item_name == title or title in r.violation or r.item_name in title or title in r.item_name
    ]
    fine = draft.fine_amount if draft is not None else None
    within = None
    if rows and fine is not None:
        within = any(
            (r.fine_min is None or fine >= r.fine_min) and (r.fine_max is None or fine <= r.fine_max)
            for r in rows
        )
    return {"rows": rows, "within": within}


def queue(user):
    """Pending submissions the user may review (own agency, or agencies an advisor is assigned to), by due date."""
    if user_role(user) != Role.REVIEWER:
        return Submission.objects.none()
    return (
        Submission.objects.visible_to(user)
        .filter(status=Submission.Status.PENDING)
        .select_related("case__agency", "draft")
        .order_by("due_on", "pk")
    )


def handler_todo(user):
    """Cases of the user (officer on the case) whose latest opinion asks for changes, awaiting resubmission."""
    if user_role(user) != Role.OFFICER or not getattr(user, "officer_id", None):
        return []
    cases = Case.objects.filter(
        case_officers__officer_id=user.officer_id,
        case_officers__removed_at__isnull=True,
        state__in=REVIEW_STATES,
    ).distinct()
    out = []
    for sub in Submission.objects.filter(case__in=cases, status=Submission.Status.REVIEWED).select_related(
        "case"
    ):
        if latest_submission(sub.case) != sub:
            continue
        op = current_opinion(sub)
        if op is not None and op.conclusion != Conclusion.APPROVE:
            out.append((sub, op))
    return out


def scope_list(user, *, year: int | None = None) -> list[dict]:
    """Every decision (or pending draft) that was in scope in the user's territory, and whether it was reviewed."""
    rows = []
    checks = (
        GateCheck.objects.visible_to(user)
        .filter(in_scope=True)
        .select_related("case__agency", "opinion__document")
    )
    if year:
        checks = checks.filter(decided_on__year=year)
    for g in checks:
        rows.append({
            "case": g.case, "agency": g.case.agency, "decided_on": g.decided_on, "decided": True,
            "reasons": scope_text(g.matches), "reviewed": g.opinion is not None,
            "status": "已审核同意后决定" if g.opinion is not None else "未经审核",
            "opinion": g.opinion, "document": g.opinion.document if g.opinion else None,
        })  # fmt: skip
    drafts = (
        DraftDecision.objects.visible_to(user)
        .filter(in_scope=True, case__decision__isnull=True)
        .select_related("case__agency")
        .order_by("case_id", "-version")
    )
    seen = set()
    for d in drafts:
        if d.case_id in seen or latest_draft(d.case).pk != d.pk:
            seen.add(d.case_id)
            continue
        seen.add(d.case_id)
        if year and d.scope_on.year != year:
            continue
        f = review_file(d.case)
        rows.append({
            "case": d.case, "agency": d.case.agency, "decided_on": None, "decided": False,
            "reasons": scope_text(d.scope_matches), "reviewed": f.approved, "status": f.status,
            "opinion": f.opinion, "document": f.opinion.document if f.opinion else None,
        })  # fmt: skip
    return rows


def _territory_agencies(user):
    return Agency.objects.filter(_territory_q(Agency, user), status=Agency.Status.ACTIVE).select_related(
        "jurisdiction"
    )


def staffing_report(user) -> list[dict]:
    """Reviewers vs officers per agency of the user's territory; flags agencies under 5% (国办发〔2018〕118号)."""
    agencies = list(_territory_agencies(user))
    ids = [a.pk for a in agencies]
    officers = dict(
        Officer.objects.filter(agency_id__in=ids, status=Officer.Status.ACTIVE)
        .values_list("agency_id").annotate(n=Count("pk"))
    )  # fmt: skip
    reviewers = dict(
        User.objects.filter(agency_id__in=ids, role=Role.REVIEWER, is_active=True)
        .exclude(advisor__isnull=False)
        .values_list("agency_id").annotate(n=Count("pk"))
    )  # fmt: skip
    advisors = dict(
        AdvisorAssignment.objects.filter(agency_id__in=ids, end_on__isnull=True, advisor__active=True)
        .values_list("agency_id").annotate(n=Count("pk"))
    )  # fmt: skip
    out = []
    for a in agencies:
        n_off, n_rev, n_adv = officers.get(a.pk, 0), reviewers.get(a.pk, 0), advisors.get(a.pk, 0)
        ratio = (Decimal(n_rev * 100) / n_off).quantize(Decimal("0.1")) if n_off else None
        low = bool(n_off) and n_rev * 100 < rules.STAFFING_RATIO * n_off
        out.append({
            "agency": a, "officers": n_off, "reviewers": n_rev, "advisors": n_adv, "ratio": ratio, "low": low,
            "note": (f"法制审核人员占执法人员{ratio}%，低于{rules.STAFFING_RATIO}%" if low else ""),
        })  # fmt: skip
    return out


def review_statistics(agencies, year: int, *, today: dt.date | None = None) -> dict[int, dict]:
    """Numbers for the 年报 and supervision, per agency (keyed by agency pk, every agency given is present):

    reviews               opinions issued in the year (set-aside opinions not counted)
    corrected             of which 存在问题 / 建议修改后提交 (纠错)
    cases_reviewed        distinct cases with an opinion in the year
    cases_corrected       distinct cases with a 纠错 opinion in the year
    avg_working_days      mean working days from submission to opinion (Decimal, 1 place; None without reviews)
    avg_calendar_days     mean calendar days (Decimal, 1 place; None without reviews)
    overdue               opinions issued after the due date + submissions of the year still pending past it
    """
    today = today or _today()
    ids = [a.pk for a in agencies]
    out = {
        pk: {"reviews": 0, "corrected": 0, "cases_reviewed": 0, "cases_corrected": 0,
             "avg_working_days": None, "avg_calendar_days": None, "overdue": 0}
        for pk in ids
    }  # fmt: skip
    opinions = Opinion.objects.filter(
        case__agency_id__in=ids, issued_on__year=year, set_aside=False
    ).values_list("case__agency_id", "case_id", "conclusion", "working_days", "calendar_days", "overdue")
    acc: dict[int, dict] = {}
    for agency_id, case_id, conclusion, wd, cd, overdue in opinions:
        a = acc.setdefault(agency_id, {"wd": 0, "cd": 0, "cases": set(), "corrected_cases": set()})
        row = out[agency_id]
        row["reviews"] += 1
        row["overdue"] += bool(overdue)
        a["wd"] += wd
        a["cd"] += cd
        a["cases"].add(case_id)
        if conclusion != Conclusion.APPROVE:
            row["corrected"] += 1
            a["corrected_cases"].add(case_id)
    for agency_id, a in acc.items():
        row = out[agency_id]
        n = row["reviews"]
        row["cases_reviewed"], row["cases_corrected"] = len(a["cases"]), len(a["corrected_cases"])
        row["avg_working_days"] = (Decimal(a["wd"]) / n).quantize(Decimal("0.1"))
        row["avg_calendar_days"] = (Decimal(a["cd"]) / n).quantize(Decimal("0.1"))
    late = (
        Submission.objects.filter(
            case__agency_id__in=ids,
            submitted_on__year=year,
            status=Submission.Status.PENDING,
            due_on__lt=today,
        )
        .values_list("case__agency_id")
        .annotate(n=Count("pk"))
    )
    for agency_id, n in late:
        out[agency_id]["overdue"] += n
    return out


def statistics_for(user, year: int) -> list[dict]:
    agencies = list(_territory_agencies(user))
    stats = review_statistics(agencies, year)
    return [{"agency": a, **stats[a.pk]} for a in agencies]


def open_contests_for(user):
    role = user_role(user)
    qs = Contest.objects.visible_to(user).select_related("case__agency", "opinion")
    if role == Role.HEAD:
        return qs.filter(status__in=(Contest.Status.HEAD, Contest.Status.COLLECTIVE))
    if role in (Role.SUPERVISOR, Role.ADMIN):
        return qs.filter(status=Contest.Status.BUREAU)
    return qs.none()


def advisors_for(user):
    role = user_role(user)
    if role in (Role.SUPERVISOR, Role.ADMIN):
        return Advisor.objects.visible_to(user).prefetch_related("assignments__agency")
    return Advisor.objects.filter(
        Q(assignments__agency_id=getattr(user, "agency_id", None), assignments__end_on__isnull=True)
    ).distinct()
