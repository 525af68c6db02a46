"""Console pages of 法制审核. Reads start from the scoped querysets; every write is a service call."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from zhifa.cases.models import Case, Decision, Evidence
from zhifa.catalog.models import PenaltyKind, ReviewFlag
from zhifa.core.errors import DomainError, NotFound
from zhifa.core.roles import Role
from zhifa.core.scoping import user_role
from zhifa.documents.models import IssuedDocument
from zhifa.files.services import open_blob, store_stream
from zhifa.registry.models import Agency, User
from zhifa.reviews import rules, services
from zhifa.reviews.models import (
    Advisor,
    AdvisorAssignment,
    CheckPoint,
    CheckResult,
    Conclusion,
    Contest,
    Material,
    Opinion,
    Submission,
)

CH = "console"


def _case(user, pk):
    try:
        return services.get_case(user, pk, channel=CH)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _row(model, user, pk):
    try:
        return services.get_row(model, user, pk, channel=CH)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _run(request, fn, success: str) -> bool:
    try:
        fn()
    except DomainError as exc:
        messages.error(request, str(exc))
        return False
    messages.success(request, success)
    return True


@login_required
def index(request):
    user = request.user
    role = user_role(user)
    today = timezone.localdate()
    queue = list(services.queue(user))
    mine = []
    if role in (Role.OFFICER, Role.HEAD):
        cases = (
            Case.objects.visible_to(user).filter(state__in=services.REVIEW_STATES).select_related("agency")
        )
        if role == Role.OFFICER:
            cases = cases.filter(
                case_officers__officer_id=user.officer_id, case_officers__removed_at__isnull=True
            )
        mine = [(c, services.review_file(c)) for c in cases.distinct().order_by("-updated_at")[:100]]
    return render(
        request,
        "reviews/index.html",
        {
            "queue": queue,
            "mine": mine,
            "todo": services.handler_todo(user),
            "contests": services.open_contests_for(user),
            "today": today,
            "role": role,
            "supervisor": role in (Role.SUPERVISOR, Role.ADMIN, Role.HEAD),
        },
    )


@login_required
def case_review(request, pk: int):
    user = request.user
    case = _case(user, pk)
    f = services.review_file(case)
    previous_version = None
    if f.current is not None:
        earlier = [s for s in f.submissions if s.round < f.current.round]
        if earlier:
            previous_version = earlier[0].draft
    reviewed_draft = f.current.draft if f.current else None
    diff_target = f.latest if f.latest else None
    diff = []
    diff_base = None
    if f.current is not None and f.current.status == Submission.Status.PENDING and previous_version:
        diff_base, diff = previous_version, services.diff_drafts(previous_version, reviewed_draft)
    elif diff_target is not None and len(f.drafts) > 1:
        diff_base, diff = f.drafts[1], services.diff_drafts(f.drafts[1], diff_target)
    last_problems = []
    if f.opinion is not None and f.opinion.conclusion != Conclusion.APPROVE:
        last_problems = list(f.opinion.problems.all())
    earlier_opinion = None
    if f.current is not None and f.current.status == Submission.Status.PENDING and f.current.round > 1:
        prev = next((s for s in f.submissions if s.round == f.current.round - 1), None)
        earlier_opinion = services.current_opinion(prev) if prev else None
    handler = services.is_case_handler(user, case)
    problem = services.reviewer_problem(user, case) if user_role(user) == Role.REVIEWER else ("", "", "")
    history = []
    for s in f.submissions:
        history.append((s, list(s.opinions.select_related("document").prefetch_related("problems__answers"))))
    open_contest = next((c for c in f.contests if c.status != Contest.Status.RESOLVED), None)
    return render(
        request,
        "reviews/case_review.html",
        {
            "case": case,
            "f": f,
            "diff": diff,
            "diff_base": diff_base,
            "reviewed_draft": reviewed_draft,
            "earlier_opinion": earlier_opinion,
            "last_problems": last_problems,
            "history": history,
            "handler": handler,
            "is_officer": handler and user_role(user) == Role.OFFICER,
            "is_head": user_role(user) == Role.HEAD and user.agency_id == case.agency_id,
            "is_supervisor": user_role(user) in (Role.SUPERVISOR, Role.ADMIN),
            "can_review": problem is None,
            "review_problem": problem[1] if problem else "",
            "open_states": case.state in services.REVIEW_STATES,
            "pending": f.current is not None and f.current.status == Submission.Status.PENDING,
            "open_contest": open_contest,
            "outcomes": Decision.Outcome.choices,
            "grounds": Decision.NoPenaltyGround.choices,
            "kinds": PenaltyKind.choices,
            "flags": ReviewFlag.choices,
            "points": [(p.value, p.label, rules.CHECK_HINTS[p]) for p in CheckPoint],
            "results": CheckResult.choices,
            "conclusions": Conclusion.choices,
            "material_kinds": [(k.code, k.label) for k in rules.KINDS.values() if k.code != rules.DRAFT]
            + [(r["code"], r["label"]) for r in f.requirements if r["code"].startswith("row:")],
            "evidence": Evidence.objects.filter(case=case).order_by("pk"),
            "documents": IssuedDocument.objects.filter(case_id=case.pk).select_related("kind").order_by("pk"),
            "discretion": services.discretion_for(case, reviewed_draft or f.latest),
            "head_decisions": services.HEAD_DECISIONS.items(),
            "contest_outcomes": Contest.Outcome.choices,
        },
    )


def _back(pk):
    return redirect("reviews:case", pk=pk)


@login_required
@require_POST
def save_draft(request, pk: int):
    case = _case(request.user, pk)
    p = request.POST
    _run(
        request,
        lambda: services.save_draft(
            request.user, case, outcome=p.get("outcome", ""), penalty_kinds=p.getlist("penalty_kinds"),
            fine_amount=p.get("fine_amount"), confiscation_amount=p.get("confiscation_amount"),
            no_penalty_ground=p.get("no_penalty_ground", ""), transfer_to=p.get("transfer_to", ""),
            facts=p.get("facts", ""), basis=p.get("basis", ""), flags=p.getlist("flags"),
            change_note=p.get("change_note", ""), channel=CH,
        ),
        "代拟稿已保存，已评估法制审核范围。",
    )  # fmt: skip
    return _back(pk)


@login_required
@require_POST
def add_material(request, pk: int):
    case = _case(request.user, pk)
    p, upload = request.POST, request.FILES.get("file")

    def do():
        evidence = Evidence.objects.filter(case=case, pk=p.get("evidence_id") or 0).first()
        document = IssuedDocument.objects.filter(case_id=case.pk, pk=p.get("document_id") or 0).first()
        services.require_handler(request.user, case, "提交法制审核材料", CH)
        blob = store_stream(upload.chunks(), content_type=upload.content_type or "") if upload else None
        services.add_material(
            request.user, case, kind=p.get("kind", ""), title=p.get("title", ""), evidence=evidence,
            document=document, blob=blob, filename=upload.name if upload else "", text=p.get("text", ""),
            from_case_record=p.get("from_case_record") == "true", channel=CH,
        )  # fmt: skip

    _run(request, do, "材料已提交。")
    return _back(pk)


@login_required
@require_POST
def withdraw_material(request, pk: int):
    m = _row(Material, request.user, pk)
    _run(request, lambda: services.withdraw_material(request.user, m, channel=CH), "材料已撤回。")
    return _back(m.case_id)


@login_required
@require_POST
def submit(request, pk: int):
    case = _case(request.user, pk)
    p = request.POST
    answers = {k.removeprefix("answer_"): v for k, v in p.items() if k.startswith("answer_")}
    _run(
        request,
        lambda: services.submit(request.user, case, note=p.get("note", ""), answers=answers, channel=CH),
        "已报送法制审核。",
    )
    return _back(pk)


@login_required
@require_POST
def issue_opinion(request, pk: int):
    sub = _row(Submission, request.user, pk)
    p = request.POST
    checklist = {pt.value: {"result": p.get(f"result_{pt.value}", ""), "note": p.get(f"note_{pt.value}", "")}
                 for pt in CheckPoint}  # fmt: skip
    problems = [
        {"point": pt.value, "description": line.strip()}
        for pt in CheckPoint
        for line in p.get(f"problems_{pt.value}", "").splitlines()
        if line.strip()
    ]
    _run(
        request,
        lambda: services.issue_opinion(
            request.user, sub, conclusion=p.get("conclusion", ""), checklist=checklist, problems=problems,
            summary=p.get("summary", ""), channel=CH,
        ),
        "审核意见已出具，法制审核意见书已签章。",
    )  # fmt: skip
    return _back(sub.case_id)


@login_required
@require_POST
def extend(request, pk: int):
    sub = _row(Submission, request.user, pk)
    _run(
        request,
        lambda: services.extend_deadline(
            request.user, sub, reason=request.POST.get("reason", ""), channel=CH
        ),
        "审核期限已延长。",
    )
    return _back(sub.case_id)


@login_required
@require_POST
def contest(request, pk: int):
    op = _row(Opinion, request.user, pk)
    _run(
        request,
        lambda: services.contest(request.user, op, reason=request.POST.get("reason", ""), channel=CH),
        "异议已提出，待机关负责人决定。",
    )
    return _back(op.case_id)


@login_required
@require_POST
def decide_contest(request, pk: int):
    c = _row(Contest, request.user, pk)
    p = request.POST
    _run(
        request,
        lambda: services.decide_contest(
            request.user, c, decision=p.get("decision", ""), note=p.get("note", ""), channel=CH
        ),
        "异议已处理。",
    )
    return _back(c.case_id)


@login_required
@require_POST
def resolve_contest(request, pk: int):
    c = _row(Contest, request.user, pk)
    p = request.POST
    _run(
        request,
        lambda: services.resolve_contest(
            request.user, c, outcome=p.get("outcome", ""), note=p.get("note", ""),
            participants=p.get("participants", ""), channel=CH,
        ),
        "异议处理结果已记录。",
    )  # fmt: skip
    return _back(c.case_id)


@login_required
def material_download(request, pk: int):
    try:
        m = services.material_for_download(request.user, pk, channel=CH)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    blob = m.blob_ref
    if blob is None:
        raise Http404("该材料没有文件")
    name = m.filename or (m.evidence.filename if m.evidence_id else "") or f"material-{m.pk}"
    if m.document_id and not m.filename:
        name = f"{m.document.title}{m.document.number}.pdf"
    return FileResponse(open_blob(blob), as_attachment=True, filename=name)


@login_required
def opinion_pdf(request, pk: int):
    from zhifa.documents.services import record_download

    op = _row(Opinion, request.user, pk)
    if not op.document_id:
        raise Http404("该意见没有意见书")
    record_download(user=request.user, doc=op.document, channel=CH)
    return FileResponse(
        open_blob(op.document.blob), as_attachment=True, filename=f"法制审核意见书{op.document.number}.pdf"
    )


@login_required
def scope(request):
    year = request.GET.get("year", "")
    rows = services.scope_list(request.user, year=int(year) if year.isdigit() else None)
    return render(request, "reviews/scope.html", {"rows": rows, "year": year})


@login_required
def staffing(request):
    return render(
        request,
        "reviews/staffing.html",
        {"rows": services.staffing_report(request.user), "citation": rules.STAFFING_CITATION},
    )


@login_required
def statistics(request):
    year = request.GET.get("year", "")
    year = int(year) if year.isdigit() else timezone.localdate().year
    return render(
        request,
        "reviews/statistics.html",
        {"rows": services.statistics_for(request.user, year), "year": year},
    )


@login_required
def advisors(request):
    user = request.user
    role = user_role(user)
    keeper = role in (Role.SUPERVISOR, Role.ADMIN) and (
        role == Role.ADMIN or getattr(user.agency, "is_justice_bureau", False)
    )
    if request.method == "POST" and keeper:
        p = request.POST
        action = p.get("action")
        if action == "create":
            account = (
                User.objects.filter(username=p.get("username", "").strip()).first()
                if p.get("username")
                else None
            )

            def create():
                if p.get("username") and account is None:
                    raise DomainError("找不到该登录账号。", code="account_not_found")
                services.create_advisor(
                    user, pool_owner=user.agency, name=p.get("name", ""), kind=p.get("kind", ""),
                    organisation=p.get("organisation", ""), legal_qualification=p.get("legal_qualification") == "true",
                    qualification_number=p.get("qualification_number", ""),
                    licence_number=p.get("licence_number", ""), account=account, channel=CH,
                )  # fmt: skip

            _run(request, create, "已入库。")
        elif action == "assign":
            advisor = Advisor.objects.visible_to(user).filter(pk=p.get("advisor_id") or 0).first()
            agency = Agency.objects.filter(pk=p.get("agency_id") or 0).first()

            def assign():
                if advisor is None or agency is None:
                    raise DomainError("请选择人员和机关。", code="selection_required")
                services.assign_advisor(user, advisor, agency, channel=CH)

            _run(request, assign, "已派驻。")
        elif action == "end":
            a = AdvisorAssignment.objects.filter(pk=p.get("assignment_id") or 0).first()

            def end():
                if a is None:
                    raise DomainError("请选择派驻记录。", code="selection_required")
                services.end_assignment(user, a, reason=p.get("reason", ""), channel=CH)

            _run(request, end, "派驻已结束。")
        return redirect("reviews:advisors")
    pool = services.advisors_for(user)
    agencies = services._territory_agencies(user).filter(is_justice_bureau=False) if keeper else []
    return render(
        request,
        "reviews/advisors.html",
        {
            "pool": pool,
            "keeper": keeper,
            "agencies": agencies,
            "kinds": Advisor.Kind.choices,
            "today": dt.date.today(),
        },
    )
