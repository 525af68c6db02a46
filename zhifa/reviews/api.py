"""法制审核 API (/api/v1/reviews/). Reads start from the scoped querysets; every write is a service call, so the
API obeys the same rules as the console (refusals come back as structured errors with the article they enforce)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from zhifa.cases.models import Evidence
from zhifa.core.errors import ValidationFailed
from zhifa.documents.models import IssuedDocument
from zhifa.files.services import store_stream
from zhifa.registry.models import Agency, User
from zhifa.reviews import services
from zhifa.reviews.models import (
    Advisor,
    AdvisorAssignment,
    Contest,
    DraftDecision,
    Material,
    Opinion,
    Submission,
)

router = Router()
CH = "api"


class DraftIn(Schema):
    outcome: str
    penalty_kinds: list[str] = []
    fine_amount: Decimal | None = None
    confiscation_amount: Decimal | None = None
    no_penalty_ground: str = ""
    transfer_to: str = ""
    facts: str
    basis: str = ""
    flags: list[str] = []
    change_note: str = ""


class DraftOut(Schema):
    id: int
    case_id: int
    version: int
    outcome: str
    penalty_kinds: list[str]
    fine_amount: Decimal | None
    confiscation_amount: Decimal | None
    no_penalty_ground: str
    transfer_to: str
    facts: str
    basis: str
    flags: list[str]
    change_note: str
    in_scope: bool
    scope_matches: list[dict]
    scope_reasons: str
    scope_on: dt.date
    party_types: list[str]
    hearing_held: bool

    @staticmethod
    def resolve_scope_reasons(obj):
        return services.scope_text(obj.scope_matches)


class DiffOut(Schema):
    field: str
    label: str
    before: str
    after: str


class MaterialIn(Schema):
    kind: str
    title: str = ""
    evidence_id: int | None = None
    document_id: int | None = None
    text: str = ""
    from_case_record: bool = False


class MaterialOut(Schema):
    id: int
    case_id: int
    kind: str
    title: str
    evidence_id: int | None
    document_id: int | None
    filename: str
    text: str
    sm3: str | None

    @staticmethod
    def resolve_sm3(obj):
        blob = obj.blob_ref
        return blob.sm3 if blob else None


class SubmitIn(Schema):
    note: str = ""
    answers: dict[str, str] = {}


class SubmissionOut(Schema):
    id: int
    case_id: int
    case_number: str
    draft_version: int
    round: int
    status: str
    submitted_on: dt.date
    due_on: dt.date
    due_explanation: str
    rule_code: str
    extensions: int
    requirements: list[dict]
    materials: list[dict]

    @staticmethod
    def resolve_case_number(obj):
        return obj.case.display_number

    @staticmethod
    def resolve_draft_version(obj):
        return obj.draft.version


class ProblemIn(Schema):
    point: str
    description: str


class OpinionIn(Schema):
    conclusion: str
    checklist: dict[str, dict]
    problems: list[ProblemIn] = []
    summary: str


class ProblemOut(Schema):
    id: int
    seq: int
    point: str
    description: str
    answers: list[str]

    @staticmethod
    def resolve_answers(obj):
        return [a.text for a in obj.answers.all()]


class OpinionOut(Schema):
    id: int
    submission_id: int
    case_id: int
    conclusion: str
    checklist: dict
    summary: str
    reviewer_name: str
    qualification: str
    issued_on: dt.date
    working_days: int
    calendar_days: int
    overdue: bool
    set_aside: bool
    document_number: str | None
    document_sm3: str | None
    problems: list[ProblemOut]

    @staticmethod
    def resolve_document_number(obj):
        return obj.document.number if obj.document_id else None

    @staticmethod
    def resolve_document_sm3(obj):
        return obj.document.sm3 if obj.document_id else None

    @staticmethod
    def resolve_problems(obj):
        return list(obj.problems.all())


class ReasonIn(Schema):
    reason: str


class ContestDecisionIn(Schema):
    decision: str
    note: str


class ContestResolveIn(Schema):
    outcome: str
    note: str
    participants: str = ""


class ContestOut(Schema):
    id: int
    opinion_id: int
    case_id: int
    reason: str
    status: str
    head_note: str
    outcome: str
    outcome_note: str
    resolved_by_level: str


class ReviewFileOut(Schema):
    case_id: int
    status: str
    approved: bool
    drafts: list[DraftOut]
    submissions: list[SubmissionOut]
    materials: list[MaterialOut]
    requirements: list[dict]
    missing: list[dict]
    opinions: list[OpinionOut]
    contests: list[ContestOut]


class ScopeRowOut(Schema):
    case_id: int
    case_number: str
    title: str
    agency: str
    decided: bool
    decided_on: dt.date | None
    reasons: str
    reviewed: bool
    status: str
    opinion_document: str | None


class StaffingOut(Schema):
    agency_id: int
    agency: str
    officers: int
    reviewers: int
    advisors: int
    ratio: Decimal | None
    low: bool
    note: str


class StatsOut(Schema):
    agency_id: int
    agency: str
    reviews: int
    corrected: int
    cases_reviewed: int
    cases_corrected: int
    avg_working_days: Decimal | None
    avg_calendar_days: Decimal | None
    overdue: int


class AdvisorIn(Schema):
    name: str
    kind: str
    organisation: str = ""
    legal_qualification: bool = False
    qualification_number: str = ""
    licence_number: str = ""
    username: str = ""


class AdvisorOut(Schema):
    id: int
    pool_owner_id: int
    name: str
    kind: str
    organisation: str
    legal_qualification: bool
    active: bool
    agencies: list[int]

    @staticmethod
    def resolve_agencies(obj):
        return [a.agency_id for a in obj.assignments.all() if a.end_on is None]


class AssignIn(Schema):
    agency_id: int


class AssignmentOut(Schema):
    id: int
    advisor_id: int
    agency_id: int
    start_on: dt.date
    end_on: dt.date | None


def _case(request, case_id: int):
    return services.get_case(request.user, case_id, channel=CH)


@router.get("/queue", response=list[SubmissionOut])
def my_queue(request):
    """The reviewer's queue: pending submissions by due date."""
    return list(services.queue(request.user)[:500])


@router.get("/cases/{int:case_id}", response=ReviewFileOut)
def review_file(request, case_id: int):
    case = _case(request, case_id)
    f = services.review_file(case)
    opinions = (
        Opinion.objects.filter(case=case).select_related("document").prefetch_related("problems__answers")
    )
    return {
        "case_id": case.pk, "status": f.status, "approved": f.approved, "drafts": f.drafts,
        "submissions": f.submissions, "materials": f.materials, "requirements": f.requirements,
        "missing": f.missing, "opinions": list(opinions.order_by("pk")), "contests": f.contests,
    }  # fmt: skip


@router.post("/cases/{int:case_id}/drafts", response={201: DraftOut})
def save_draft(request, case_id: int, payload: DraftIn):
    case = _case(request, case_id)
    data = payload.dict()
    draft = services.save_draft(request.user, case, channel=CH, **data)
    return Status(201, draft)


@router.get("/drafts/{int:draft_id}/diff", response=list[DiffOut])
def draft_diff(request, draft_id: int, base: int | None = None):
    """What changed from version `base` (default: the previous version) to this draft."""
    draft = services.get_row(DraftDecision, request.user, draft_id, channel=CH)
    base_version = base if base is not None else draft.version - 1
    old = DraftDecision.objects.filter(case_id=draft.case_id, version=base_version).first()
    return services.diff_drafts(old, draft)


@router.post("/cases/{int:case_id}/materials", response={201: MaterialOut})
def add_material(request, case_id: int, payload: MaterialIn):
    case = _case(request, case_id)
    evidence = document = None
    if payload.evidence_id:
        evidence = Evidence.objects.filter(pk=payload.evidence_id, case=case).first()
        if evidence is None:
            raise ValidationFailed("引用的证据不属于本案。", code="material_not_of_case")
    if payload.document_id:
        document = IssuedDocument.objects.filter(pk=payload.document_id, case_id=case.pk).first()
        if document is None:
            raise ValidationFailed("引用的文书不属于本案。", code="material_not_of_case")
    m = services.add_material(
        request.user, case, kind=payload.kind, title=payload.title, evidence=evidence, document=document,
        text=payload.text, from_case_record=payload.from_case_record, channel=CH,
    )  # fmt: skip
    return Status(201, m)


@router.post("/cases/{int:case_id}/materials/upload", response={201: MaterialOut})
def upload_material(request, case_id: int, kind: Form[str], file: File[UploadedFile], title: Form[str] = ""):
    case = _case(request, case_id)
    services.require_handler(request.user, case, "提交法制审核材料", CH)
    blob = store_stream(file.chunks(), content_type=file.content_type or "")
    m = services.add_material(
        request.user, case, kind=kind, title=title, blob=blob, filename=file.name or "", channel=CH
    )
    return Status(201, m)


@router.post("/materials/{int:material_id}/withdraw", response=MaterialOut)
def withdraw_material(request, material_id: int):
    m = services.get_row(Material, request.user, material_id, channel=CH)
    return services.withdraw_material(request.user, m, channel=CH)


@router.post("/cases/{int:case_id}/submit", response={201: SubmissionOut})
def submit(request, case_id: int, payload: SubmitIn):
    case = _case(request, case_id)
    sub = services.submit(request.user, case, note=payload.note, answers=payload.answers, channel=CH)
    return Status(201, sub)


@router.post("/submissions/{int:submission_id}/extend", response=SubmissionOut)
def extend(request, submission_id: int, payload: ReasonIn):
    sub = services.get_row(Submission, request.user, submission_id, channel=CH)
    return services.extend_deadline(request.user, sub, reason=payload.reason, channel=CH)


@router.post("/submissions/{int:submission_id}/opinion", response={201: OpinionOut})
def issue_opinion(request, submission_id: int, payload: OpinionIn):
    sub = services.get_row(Submission, request.user, submission_id, channel=CH)
    op = services.issue_opinion(
        request.user, sub, conclusion=payload.conclusion, checklist=payload.checklist,
        problems=[p.dict() for p in payload.problems], summary=payload.summary, channel=CH,
    )  # fmt: skip
    return Status(201, op)


@router.post("/opinions/{int:opinion_id}/contest", response={201: ContestOut})
def contest(request, opinion_id: int, payload: ReasonIn):
    op = services.get_row(Opinion, request.user, opinion_id, channel=CH)
    return Status(201, services.contest(request.user, op, reason=payload.reason, channel=CH))


@router.post("/contests/{int:contest_id}/decide", response=ContestOut)
def decide_contest(request, contest_id: int, payload: ContestDecisionIn):
    c = services.get_row(Contest, request.user, contest_id, channel=CH)
    return services.decide_contest(request.user, c, decision=payload.decision, note=payload.note, channel=CH)


@router.post("/contests/{int:contest_id}/resolve", response=ContestOut)
def resolve_contest(request, contest_id: int, payload: ContestResolveIn):
    c = services.get_row(Contest, request.user, contest_id, channel=CH)
    return services.resolve_contest(
        request.user,
        c,
        outcome=payload.outcome,
        note=payload.note,
        participants=payload.participants,
        channel=CH,
    )


@router.get("/scope", response=list[ScopeRowOut])
def scope(request, year: int | None = None):
    """Every decision (or pending draft) in scope in the caller's territory, and whether it was reviewed."""
    return [
        {
            "case_id": r["case"].pk, "case_number": r["case"].display_number, "title": r["case"].title,
            "agency": r["agency"].name, "decided": r["decided"], "decided_on": r["decided_on"],
            "reasons": r["reasons"], "reviewed": r["reviewed"], "status": r["status"],
            "opinion_document": r["document"].number if r["document"] else None,
        }
        for r in services.scope_list(request.user, year=year)
    ]  # fmt: skip


@router.get("/staffing", response=list[StaffingOut])
def staffing(request):
    return [
        {
            **{k: v for k, v in r.items() if k != "agency"},
            "agency_id": r["agency"].pk,
            "agency": r["agency"].name,
        }
        for r in services.staffing_report(request.user)
    ]


@router.get("/statistics", response=list[StatsOut])
def statistics(request, year: int):
    return [
        {
            **{k: v for k, v in r.items() if k != "agency"},
            "agency_id": r["agency"].pk,
            "agency": r["agency"].name,
        }
        for r in services.statistics_for(request.user, year)
    ]


@router.get("/advisors", response=list[AdvisorOut])
def advisors(request):
    return list(services.advisors_for(request.user).prefetch_related("assignments"))


@router.post("/advisors", response={201: AdvisorOut})
def create_advisor(request, payload: AdvisorIn):
    account = None
    if payload.username:
        account = User.objects.filter(username=payload.username).first()
        if account is None:
            raise ValidationFailed("找不到该登录账号。", code="account_not_found")
    if not getattr(request.user, "agency_id", None):
        raise ValidationFailed("法律顾问、公职律师库由司法局监督人员维护。", code="pool_keeper_only")
    a = services.create_advisor(
        request.user, pool_owner=request.user.agency, name=payload.name, kind=payload.kind,
        organisation=payload.organisation, legal_qualification=payload.legal_qualification,
        qualification_number=payload.qualification_number, licence_number=payload.licence_number,
        account=account, channel=CH,
    )  # fmt: skip
    return Status(201, a)


@router.post("/advisors/{int:advisor_id}/assignments", response={201: AssignmentOut})
def assign(request, advisor_id: int, payload: AssignIn):
    advisor = services.get_row(Advisor, request.user, advisor_id, channel=CH)
    agency = Agency.objects.filter(pk=payload.agency_id).first()
    if agency is None:
        raise ValidationFailed("未知的执法机关。", code="agency_unknown")
    return Status(201, services.assign_advisor(request.user, advisor, agency, channel=CH))


@router.post("/assignments/{int:assignment_id}/end", response=AssignmentOut)
def end_assignment(request, assignment_id: int, payload: ReasonIn):
    a = services.get_row(AdvisorAssignment, request.user, assignment_id, channel=CH)
    return services.end_assignment(request.user, a, reason=payload.reason, channel=CH)
