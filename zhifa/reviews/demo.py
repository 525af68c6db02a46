"""Demo data of 法制审核, written through zhifa.reviews.services (every step on the ledger).

    review_for_decision(case, decision)   called by zhifa.cases.demo right before it decides a case: when the
                                          decision is a major one, the whole review runs first (代拟稿 → 材料 → 报送 →
                                          同意), so the decision gate lets the demo decision through
    load()                                the advisor pool of the 司法局 and reviews in flight on open demo cases
                                          (one pending, one returned with problems, one contested); idempotent

Synthetic data only.
"""

from __future__ import annotations

from django.db.models import Q

from zhifa.cases.models import Case, CaseOfficer, Evidence
from zhifa.core.roles import Role
from zhifa.registry.models import Agency, User
from zhifa.reviews import rules, services
from zhifa.reviews.models import (
    Advisor,
    CheckPoint,
    CheckResult,
    Conclusion,
    Submission,
)

DEMO_NOTE = "（演示数据）"
ALL_OK = {p.value: {"result": CheckResult.OK, "note": ""} for p in CheckPoint}


def _head(case: Case) -> User | None:
    return User.objects.filter(agency=case.agency, role=Role.HEAD, is_active=True).order_by("pk").first()


def _handler(case: Case) -> User | None:
    lead = (
        CaseOfficer.objects.filter(case=case, removed_at__isnull=True, officer__user__isnull=False)
        .select_related("officer__user")
        .order_by("role", "pk")
        .first()
    )
    return lead.officer.user if lead else _head(case)


def reviewer_for(case: Case) -> User | None:
    """A reviewer who may review this case: the agency's own, else an advisor assigned to it."""
    candidates = list(
        User.objects.filter(agency=case.agency, role=Role.REVIEWER, is_active=True).order_by("pk")
    )
    candidates += [
        a.user
        for a in Advisor.objects.filter(
            active=True, user__isnull=False, assignments__agency=case.agency, assignments__end_on__isnull=True
        ).select_related("user")
    ]
    return next((u for u in candidates if services.reviewer_problem(u, case) is None), None)


def _provide_materials(handler, case: Case, draft) -> None:
    for req in services.missing_materials(case, draft):
        code = req["code"]
        if code in (rules.REPORT, rules.STATEMENT, rules.HEARING, rules.COLLECTIVE):
            _title, text = services.case_record_text(case, code)
            if text.strip():
                services.add_material(handler, case, kind=code, from_case_record=True, channel="demo")
                continue
        if code == rules.EVIDENCE:
            ev = Evidence.objects.filter(case=case).order_by("pk").first()
            if ev is not None:
                services.add_material(handler, case, kind=code, evidence=ev, channel="demo")
                continue
        services.add_material(
            handler, case, kind=code, title=req["label"], text=f"{req['label']}：见本案案卷。{DEMO_NOTE}",
            channel="demo",
        )  # fmt: skip


def draft_and_submit(case: Case, decision: dict, *, handler=None, flags=(), note: str = "") -> Submission:
    """Write the draft with exactly the decision's content, attach the missing materials, submit."""
    handler = handler or _handler(case)
    data = {k: decision.get(k) for k in ("outcome", "penalty_kinds", "fine_amount", "confiscation_amount",
                                         "no_penalty_ground", "transfer_to", "facts", "basis")}  # fmt: skip
    data["flags"] = list(flags)
    latest = services.latest_draft(case)
    clean = services.clean_draft(data)
    if latest is None or services.draft_values(latest) != clean:
        services.save_draft(
            handler, case, change_note="按拟作出的决定内容修改" if latest else "", channel="demo", **data
        )
    draft = services.latest_draft(case)
    _provide_materials(handler, case, draft)
    last = services.current_opinion(services.latest_submission(case))
    answers = {}
    if last is not None and last.conclusion != Conclusion.APPROVE:
        answers = {p.pk: "已按审核意见修改代拟稿并补充材料。" for p in last.problems.all()}
    return services.submit(handler, case, note=note, answers=answers, channel="demo")


def review_for_decision(case: Case, decision: dict, *, handler=None, reviewer=None, flags=()):
    """Run the legal review a major decision needs before `decision` (the data passed to the decide transition)
    is made; returns the 同意 opinion, or None when the decision is not in scope (nothing written then)."""
    draft = services.latest_draft(case)
    scope = services.decision_scope(case, decision, list(flags) or (draft.flags if draft else []))
    if not scope.in_scope and not (draft and draft.in_scope):
        return None
    f = services.review_file(case)
    if f.approved and not services.decision_differences(f.latest, decision):
        return f.opinion
    if reviewer is None:
        reviewer = reviewer_for(case) or _assign_pool_advisor(case)
    pending = f.current if f.current is not None and f.current.status == Submission.Status.PENDING else None
    sub = pending or draft_and_submit(
        case, decision, handler=handler, flags=flags or (draft.flags if draft else ())
    )
    return services.issue_opinion(
        reviewer, sub, conclusion=Conclusion.APPROVE, checklist=ALL_OK,
        summary="主体合法，程序合法，事实清楚，证据确实充分，适用依据正确，裁量适当，同意作出决定。", channel="demo",
    )  # fmt: skip


# --- the advisor pool -------------------------------------------------------------------------------------------


POOL = [
    ("邹律师", Advisor.Kind.PUBLIC_LAWYER, "昌吉市司法局公职律师办公室", "A2015"),
    ("韩顾问", Advisor.Kind.LEGAL_ADVISOR, "新疆某某律师事务所（演示）", "A2012"),
]


def _justice_bureau(agency: Agency) -> Agency | None:
    path = agency.jurisdiction.path
    bureaus = Agency.objects.filter(is_justice_bureau=True).select_related("jurisdiction")
    mine = [b for b in bureaus if path.startswith(b.jurisdiction.path)]
    return max(mine, key=lambda b: len(b.jurisdiction.path)) if mine else None


def _keeper(bureau: Agency) -> User | None:
    return User.objects.filter(agency=bureau, role=Role.SUPERVISOR, is_active=True).order_by("pk").first()


def ensure_pool(bureau: Agency) -> list[Advisor]:
    """The bureau's demo pool: a 公职律师 and a 法律顾问, each with a reviewer account."""
    from zhifa.registry import services as registry
    from zhifa.registry.demo import DEMO_PASSWORD

    keeper = _keeper(bureau)
    if keeper is None:
        return []
    out = []
    for i, (name, kind, org, number) in enumerate(POOL, start=1):
        advisor = Advisor.objects.filter(pool_owner=bureau, name=name).first()
        if advisor is None:
            username = f"advisor{i}_{bureau.pk}"
            account = User.objects.filter(username=username).first() or registry.create_user(
                username=username, password=DEMO_PASSWORD, role=Role.REVIEWER, display_name=name, agency=bureau,
                user=User.objects.filter(is_superuser=True).first() or keeper,
            )  # fmt: skip
            advisor = services.create_advisor(
                keeper, pool_owner=bureau, name=name, kind=kind, organisation=org, legal_qualification=True,
                qualification_number=f"{number}{bureau.pk:05d}{i}", account=account, channel="demo",
            )  # fmt: skip
        out.append(advisor)
    return out


def _assign_pool_advisor(case: Case) -> User:
    bureau = _justice_bureau(case.agency)
    pool = ensure_pool(bureau) if bureau else []
    if not pool:
        raise RuntimeError(f"{case.agency.name}没有可以审核的人员，也没有可派驻的法律顾问。")
    advisor = pool[0]
    if not advisor.assignments.filter(agency=case.agency, end_on__isnull=True).exists():
        services.assign_advisor(_keeper(bureau), advisor, case.agency, channel="demo")
    return advisor.user


# --- reviews in flight on open demo cases -------------------------------------------------------------------------


def _open_cases(state: str):
    from zhifa.cases.demo import demo_cases

    return demo_cases().filter(state=state).exclude(review_submissions__isnull=False).order_by("pk")


def _matter(case: Case) -> dict:
    from zhifa.cases.demo import MATTERS

    for matters in MATTERS.values():
        for m in matters:
            if m.title == case.title:
                return {"facts": m.facts, "basis": m.basis, "kinds": list(m.kinds), "fine": m.fine}
    return {"facts": f"{case.title}（演示）", "basis": "", "kinds": ["warning"], "fine": 0}


def _decision_of(case: Case, *, fine_factor: int = 1) -> dict:
    from decimal import Decimal

    from zhifa.cases.models import Notice

    notice = Notice.objects.filter(case=case).order_by("-served_on").first()
    m = _matter(case)
    kinds = list(notice.proposed_kinds) if notice else m["kinds"]
    fine = (notice.proposed_fine if notice else None) or (Decimal(m["fine"]) if "fine" in kinds else None)
    return {"outcome": "penalty", "penalty_kinds": kinds, "fine_amount": fine,
            "confiscation_amount": notice.proposed_confiscation if notice else None,
            "facts": m["facts"], "basis": m["basis"] or (notice.facts if notice else "")}  # fmt: skip


def load() -> dict:
    """Reviews in flight on open demo cases (idempotent: a case that already has a submission is left alone)."""
    summary = {"pools": 0, "pending": 0, "returned": 0, "contested": 0}
    for bureau in Agency.objects.filter(is_justice_bureau=True):
        if Advisor.objects.filter(pool_owner=bureau).exists():
            continue
        if ensure_pool(bureau):
            summary["pools"] += 1
    candidates = [c for state in ("notified", "review_passed", "hearing") for c in _open_cases(state)]
    plan = ["pending", "returned", "contested"]
    for case, what in zip(candidates, plan, strict=False):
        decision = _decision_of(case)
        flags = ["complex"]  # the handler judges it 疑难复杂: in scope by 第五十八条第一款第（三）项
        sub = draft_and_submit(case, decision, flags=flags, note=f"报送法制审核{DEMO_NOTE}")
        summary["pending"] += 1
        if what == "pending":
            continue
        reviewer = reviewer_for(case) or _assign_pool_advisor(case)
        checklist = dict(ALL_OK) | {CheckPoint.LAW.value: {"result": CheckResult.PROBLEM, "note": ""}}
        op = services.issue_opinion(
            reviewer, sub, conclusion=Conclusion.PROBLEMS, checklist=checklist,
            problems=[{"point": CheckPoint.LAW.value,
                       "description": "未说明适用裁量基准的理由，罚款数额的裁量依据不明。"}],
            summary=f"适用裁量基准的理由不充分，请补充说明后重新报送。{DEMO_NOTE}", channel="demo",
        )  # fmt: skip
        summary["pending"] -= 1
        summary["returned"] += 1
        if what == "contested":
            handler = _handler(case)
            if handler is not None and handler.role == Role.OFFICER:
                services.contest(handler, op, reason=f"罚款数额已依裁量基准“一般处罚”档确定，理由见调查终结报告。{DEMO_NOTE}",
                                 channel="demo")  # fmt: skip
                summary["contested"] += 1
    return summary


def demo_reviews():
    """Submissions on demo cases (for tests)."""
    from zhifa.cases.demo import DEMO_TAG

    return Submission.objects.filter(Q(case__source_description__endswith=DEMO_TAG))
