"""The declared state machine of a case: one table, evaluated by zhifa.cases.services.transition().

Each Transition says from which states an action may be taken, the state it leads to (None: the state stays, the
action records a step), who may take it (roles; `case_officer` additionally requires an officer user to be one of
the case's active officers), the guards (named gates in services.GUARDS, each citing its article), the ledger event
and the Chinese label, and the data fields it takes (parsed and checked in one place for API and console alike).
"""

from __future__ import annotations

from dataclasses import dataclass

from zhifa.cases.models import Decision, Measure, Procedure, Service, State
from zhifa.catalog.models import PenaltyKind
from zhifa.core.roles import Role

OF, H, R = Role.OFFICER, Role.HEAD, Role.REVIEWER


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: str = "text"  # text | longtext | date | datetime | decimal | int | bool | choice | multichoice
    required: bool = True
    choices: tuple = ()


@dataclass(frozen=True)
class Transition:
    action: str
    label: str
    sources: tuple[str, ...]
    target: str | None
    roles: frozenset
    event: str
    guards: tuple[str, ...] = ()
    fields: tuple[Field, ...] = ()
    procedures: tuple[str, ...] = (Procedure.ORDINARY, Procedure.COERCION)
    case_officer: bool = True  # an OFFICER user must be an active officer of the case
    note: str = ""


def _c(choices) -> tuple:
    return tuple((str(v), str(lbl)) for v, lbl in choices.choices)


OFFICER_GATES = ("two_officers", "certificates", "no_recusal")
OPEN_STATES = (
    State.INVESTIGATING,
    State.CASE_REVIEW,
    State.REVIEW_PASSED,
    State.NOTIFIED,
    State.HEARING,
    State.COLLECTIVE,
)
REASON = Field("reason", "理由", "longtext")
PENALTY_KINDS = _c(PenaltyKind)

_TABLE = [
    Transition(
        "start_verification",
        "开始核查",
        (State.REGISTERED,),
        State.VERIFYING,
        frozenset({OF, H}),
        "case.verification_started",
        case_officer=False,
        fields=(Field("note", "核查安排", "longtext", required=False),),
    ),
    Transition(
        "request_filing",
        "提请立案审批",
        (State.VERIFYING,),
        State.FILING_REVIEW,
        frozenset({OF, H}),
        "case.filing_requested",
        guards=OFFICER_GATES,
        fields=(Field("opinion", "立案理由及承办意见", "longtext"),),
    ),
    Transition(
        "approve_filing",
        "批准立案",
        (State.FILING_REVIEW,),
        State.INVESTIGATING,
        frozenset({H}),
        "case.filed",
        guards=OFFICER_GATES,
        case_officer=False,
        fields=(
            Field("filed_on", "立案日期", "date"),
            Field("opinion", "负责人意见", "longtext", required=False),
        ),
        note="行政处罚法第五十四条第二款：符合立案标准的，应当及时立案；负责人批准。",
    ),
    Transition(
        "decline_filing",
        "不予立案",
        (State.REGISTERED, State.VERIFYING, State.FILING_REVIEW),
        State.NOT_FILED,
        frozenset({H}),
        "case.not_filed",
        case_officer=False,
        fields=(REASON,),
    ),
    Transition(
        "preserve_evidence",
        "先行登记保存",
        (State.INVESTIGATING,),
        None,
        frozenset({OF, H}),
        "case.evidence_preserved",
        guards=(*OFFICER_GATES, "head_approval_flag", "av_evidence_preservation"),
        fields=(
            Field("items", "保存物品清单", "longtext"),
            Field("started_on", "保存日期", "date"),
            Field("storage_place", "保存地点", "text", required=False),
            Field("head_approved", "已经机关负责人批准", "bool", required=False),
            Field("av_evidence_id", "音像记录（证据编号）", "int", required=False),
        ),
    ),
    Transition(
        "seize",
        "查封/扣押",
        (State.INVESTIGATING,),
        None,
        frozenset({OF, H}),
        "case.seized",
        guards=(*OFFICER_GATES, "head_approval_flag", "av_seizure"),
        fields=(
            Field("measure", "措施", "choice", choices=(("seal", "查封"), ("seize", "扣押"))),
            Field("items", "财物清单", "longtext"),
            Field("started_on", "实施日期", "date"),
            Field("reason", "查封、扣押的理由", "longtext", required=False),
            Field("legal_basis", "查封、扣押的依据", "text", required=False),
            Field("head_approved", "已经机关负责人批准", "bool", required=False),
            Field("av_evidence_id", "全程音像记录（证据编号）", "int", required=False),
        ),
    ),
    Transition(
        "extend_seizure",
        "批准延长查封/扣押",
        OPEN_STATES,
        None,
        frozenset({H}),
        "case.seizure_extended",
        guards=("seizure_extendable",),
        case_officer=False,
        fields=(Field("measure_id", "措施编号", "int"), REASON),
    ),
    Transition(
        "extend_decide_period",
        "批准延长办案期限",
        OPEN_STATES,
        None,
        frozenset({H}),
        "case.decide_period_extended",
        case_officer=False,
        procedures=(Procedure.ORDINARY,),
        fields=(REASON,),
        note="行政处罚法第六十条：法律、法规、规章对办案期限另有规定的，从其规定；能否延长、延长多久、由谁批准，"
        "以本案适用的期限规则为准。",
    ),
    Transition(
        "release_measure",
        "解除/处理措施",
        OPEN_STATES + (State.DECIDED, State.EXECUTING),
        None,
        frozenset({OF, H}),
        "case.measure_released",
        fields=(
            Field("measure_id", "措施编号", "int"),
            Field("released_on", "解除/处理日期", "date"),
            Field("outcome", "处理结果", "longtext"),
        ),
    ),
    Transition(
        "record_interview",
        "询问/检查笔录",
        (State.VERIFYING, State.INVESTIGATING),
        None,
        frozenset({OF, H}),
        "case.interview_recorded",
        guards=(*OFFICER_GATES, "av_case_room"),
        fields=(
            Field(
                "record_kind",
                "笔录种类",
                "choice",
                required=False,
                choices=(("inquiry", "询问笔录"), ("on_site", "现场笔录")),
            ),
            Field("person", "被询问人/现场负责人", "text"),
            Field("held_at", "时间", "datetime"),
            Field("place", "地点", "text"),
            Field("in_case_room", "在执法办案场所", "bool", required=False),
            Field("record", "笔录内容", "longtext"),
            Field("av_evidence_id", "音像记录（证据编号）", "int", required=False),
        ),
    ),
    Transition(
        "submit_review",
        "调查终结，提交审核",
        (State.INVESTIGATING,),
        State.CASE_REVIEW,
        frozenset({OF, H}),
        "case.review_submitted",
        guards=(*OFFICER_GATES, "has_evidence", "no_overdue_seizure"),
        procedures=(Procedure.ORDINARY,),
        fields=(Field("report", "调查终结报告", "longtext"),),
    ),
    Transition(
        "return_investigation",
        "退回补充调查",
        (State.CASE_REVIEW,),
        State.INVESTIGATING,
        frozenset({R, H}),
        "case.review_returned",
        case_officer=False,
        fields=(REASON,),
        procedures=(Procedure.ORDINARY,),
    ),
    Transition(
        "approve_review",
        "审核通过",
        (State.CASE_REVIEW,),
        State.REVIEW_PASSED,
        frozenset({R, H}),
        "case.review_passed",
        case_officer=False,
        procedures=(Procedure.ORDINARY,),
        fields=(
            Field("opinion", "审核意见", "longtext"),
            Field(
                "collective_required",
                "情节复杂或重大违法，须集体讨论（第五十七条第二款）",
                "bool",
                required=False,
            ),
        ),
    ),
    Transition(
        "notify",
        "事先告知",
        (State.REVIEW_PASSED, State.NOTIFIED),
        State.NOTIFIED,
        frozenset({OF, H}),
        "case.notified",
        guards=(*OFFICER_GATES, "no_overdue_seizure"),
        procedures=(Procedure.ORDINARY,),
        fields=(
            Field("served_on", "告知书送达日期", "date"),
            Field("facts", "拟作出处罚的事实、理由及依据", "longtext"),
            Field("proposed_kinds", "拟处罚种类", "multichoice", choices=PENALTY_KINDS),
            Field("proposed_fine", "拟罚款（元）", "decimal", required=False),
            Field("proposed_confiscation", "拟没收金额（元）", "decimal", required=False),
            Field("basis", "处罚依据", "text", required=False),
        ),
        note="行政处罚法第四十四条；较大数额或第六十三条所列种类同时告知听证权利。",
    ),
    Transition(
        "record_statement",
        "记录陈述申辩/放弃",
        (State.NOTIFIED,),
        None,
        frozenset({OF, H}),
        "case.statement_recorded",
        procedures=(Procedure.ORDINARY,),
        fields=(
            Field(
                "kind",
                "类型",
                "choice",
                choices=(("statement", "陈述、申辩"), ("waiver", "书面放弃陈述、申辩和听证")),
            ),
            Field("received_on", "收到日期", "date"),
            Field("content", "内容", "longtext", required=False),
        ),
    ),
    Transition(
        "request_hearing",
        "当事人要求听证",
        (State.NOTIFIED,),
        State.HEARING,
        frozenset({OF, H}),
        "case.hearing_requested",
        guards=("hearing_right", "hearing_request_in_time"),
        procedures=(Procedure.ORDINARY,),
        fields=(
            Field("received_on", "提出日期", "date"),
            Field("content", "申请内容", "longtext", required=False),
        ),
    ),
    Transition(
        "schedule_hearing",
        "通知听证",
        (State.HEARING,),
        None,
        frozenset({OF, H}),
        "case.hearing_scheduled",
        guards=("hearing_host", "hearing_notice_in_time"),
        procedures=(Procedure.ORDINARY,),
        fields=(
            Field("notified_on", "通知日期", "date"),
            Field("scheduled_for", "举行日期", "date"),
            Field("place", "地点", "text"),
            Field("host_officer_id", "主持人（执法人员编号）", "int"),
            Field("public", "公开举行", "bool", required=False),
        ),
    ),
    Transition(
        "record_hearing",
        "听证笔录",
        (State.HEARING,),
        None,
        frozenset({OF, H}),
        "case.hearing_held",
        guards=("hearing_scheduled", "av_hearing"),
        procedures=(Procedure.ORDINARY,),
        fields=(
            Field("held_on", "举行日期", "date"),
            Field("record", "听证笔录", "longtext"),
            Field("recorder", "记录人", "text", required=False),
            Field("av_evidence_id", "音像记录（证据编号）", "int", required=False),
        ),
    ),
    Transition(
        "refer_collective",
        "提交集体讨论",
        (State.NOTIFIED, State.HEARING),
        State.COLLECTIVE,
        frozenset({H}),
        "case.referred_collective",
        guards=("defence_period_over",),
        case_officer=False,
        procedures=(Procedure.ORDINARY,),
        fields=(Field("note", "说明", "longtext", required=False),),
    ),
    Transition(
        "record_collective",
        "集体讨论记录",
        (State.COLLECTIVE,),
        None,
        frozenset({H}),
        "case.collective_discussed",
        case_officer=False,
        procedures=(Procedure.ORDINARY,),
        fields=(
            Field("held_on", "讨论日期", "date"),
            Field("participants", "参加人员", "longtext"),
            Field("conclusion", "讨论结论", "longtext"),
        ),
    ),
    Transition(
        "decide",
        "作出决定",
        (State.REVIEW_PASSED, State.NOTIFIED, State.HEARING, State.COLLECTIVE),
        State.DECIDED,
        frozenset({H}),
        "case.decided",
        guards=(
            *OFFICER_GATES,
            "notice_and_defence",
            "not_heavier",
            "collective",
            "no_overdue_seizure",
            "decision_hooks",
        ),
        case_officer=False,
        procedures=(Procedure.ORDINARY,),
        fields=(
            Field("outcome", "处理结果", "choice", choices=_c(Decision.Outcome)),
            Field("penalty_kinds", "处罚种类", "multichoice", required=False, choices=PENALTY_KINDS),
            Field("fine_amount", "罚款（元）", "decimal", required=False),
            Field("confiscation_amount", "没收违法所得（元）", "decimal", required=False),
            Field(
                "no_penalty_ground",
                "不予处罚理由（第三十三条）",
                "choice",
                required=False,
                choices=_c(Decision.NoPenaltyGround),
            ),
            Field("transfer_to", "移送机关", "text", required=False),
            Field("facts", "违法事实和证据", "longtext"),
            Field("basis", "依据", "longtext", required=False),
            Field("decided_on", "决定日期", "date"),
        ),
    ),
    Transition(
        "serve",
        "送达决定书",
        (State.DECIDED,),
        State.EXECUTING,
        frozenset({OF, H}),
        "case.served",
        guards=("av_service",),
        procedures=(Procedure.ORDINARY,),
        fields=(
            Field("method", "送达方式", "choice", choices=_c(Service.Method)),
            Field("served_on", "送达日期", "date"),
            Field("recipient", "受送达人", "text"),
            Field("place", "送达地点", "text", required=False),
            Field("av_evidence_id", "音像记录（证据编号）", "int", required=False),
        ),
    ),
    Transition(
        "onsite_decide",
        "当场处罚",
        (State.REGISTERED,),
        State.EXECUTING,
        frozenset({OF, H}),
        "case.onsite_decided",
        guards=(*OFFICER_GATES, "onsite_limits", "onsite_informed"),
        procedures=(Procedure.SIMPLE,),
        fields=(
            Field(
                "penalty_kinds", "处罚种类", "multichoice", choices=(("warning", "警告"), ("fine", "罚款"))
            ),
            Field("fine_amount", "罚款（元）", "decimal", required=False),
            Field("facts", "违法事实", "longtext"),
            Field("basis", "依据", "longtext"),
            Field("decided_at", "处罚时间", "datetime"),
            Field("place", "地点", "text"),
            Field(
                "party_informed",
                "已当场告知事实、理由、依据和陈述申辩权利（第五十二条）",
                "bool",
                required=False,
            ),
            Field("statement", "当事人陈述申辩", "longtext", required=False),
            Field("av_evidence_id", "音像记录（证据编号）", "int", required=False),
        ),
    ),
    Transition(
        "record_payment",
        "登记缴款",
        (State.EXECUTING,),
        None,
        frozenset({OF, H}),
        "case.payment_recorded",
        procedures=(Procedure.ORDINARY, Procedure.SIMPLE),
        fields=(
            Field("paid_on", "缴款日期", "date"),
            Field("amount", "金额（元）", "decimal"),
            Field("receipt", "票据号", "text", required=False),
        ),
    ),
    Transition(
        "approve_arrangement",
        "批准延期/分期缴纳",
        (State.EXECUTING,),
        None,
        frozenset({H}),
        "case.payment_arranged",
        guards=("arrangement_once",),
        case_officer=False,
        procedures=(Procedure.ORDINARY, Procedure.SIMPLE),
        fields=(
            Field(
                "arrangement",
                "方式",
                "choice",
                choices=(("deferral", "延期缴纳"), ("installment", "分期缴纳")),
            ),
            Field("new_due_on", "最后缴纳期限", "date"),
            Field("note", "理由及分期安排", "longtext"),
        ),
        note="行政处罚法第六十六条第二款：确有经济困难，经当事人申请和行政机关批准。",
    ),
    Transition(
        "record_performed",
        "其他处罚已执行",
        (State.EXECUTING,),
        None,
        frozenset({OF, H}),
        "case.penalty_performed",
        procedures=(Procedure.ORDINARY, Procedure.SIMPLE),
        fields=(Field("done_on", "执行完毕日期", "date"), Field("note", "执行情况", "longtext")),
    ),
    Transition(
        "apply_court",
        "申请法院强制执行",
        (State.EXECUTING,),
        None,
        frozenset({H}),
        "case.court_enforcement",
        guards=("payment_overdue",),
        case_officer=False,
        procedures=(Procedure.ORDINARY, Procedure.SIMPLE),
        fields=(Field("applied_on", "申请日期", "date"), Field("court", "受理法院", "text")),
    ),
    Transition(
        "close",
        "结案",
        (State.EXECUTING, State.DECIDED, State.INVESTIGATING),
        State.CLOSED,
        frozenset({H}),
        "case.closed",
        guards=("closable",),
        case_officer=False,
        procedures=(Procedure.ORDINARY, Procedure.SIMPLE, Procedure.COERCION),
        fields=(Field("closed_on", "结案日期", "date"), Field("summary", "结案报告", "longtext")),
    ),
    Transition(
        "revise_decision",
        "决定变更/撤销",
        (State.DECIDED, State.EXECUTING, State.CLOSED, State.ARCHIVED),
        None,
        frozenset({H}),
        "case.decision_revised",
        guards=("decision_revisable",),
        case_officer=False,
        procedures=(Procedure.ORDINARY, Procedure.SIMPLE),
        fields=(
            Field("revision", "变更情况", "choice", choices=_c(Decision.Revision)),
            Field("revised_by", "作出机关", "choice", choices=_c(Decision.RevisedBy)),
            Field("revised_on", "变更/撤销日期", "date"),
            Field("reason", "理由（将公开）", "longtext"),
            Field("instrument", "复议决定书/判决书/纠正决定文号", "text", required=False),
        ),
        note="行政处罚法第四十八条第二款：公开的行政处罚决定被依法变更、撤销、确认违法或者确认无效的，"
        "行政机关应当在三日内撤回行政处罚决定信息并公开说明理由。",
    ),
    Transition(
        "archive",
        "归档",
        (State.CLOSED,),
        State.ARCHIVED,
        frozenset({OF, H}),
        "case.archived",
        procedures=(Procedure.ORDINARY, Procedure.SIMPLE, Procedure.COERCION),
        fields=(Field("archived_on", "归档日期", "date"),),
    ),
]

TRANSITIONS: dict[str, Transition] = {t.action: t for t in _TABLE}
assert len(TRANSITIONS) == len(_TABLE), "duplicate action in the transition table"

MEASURE_KINDS = Measure.Kind
