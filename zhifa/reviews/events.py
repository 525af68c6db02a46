"""The vocabulary of 法制审核 events on the ledger: event type → Chinese label. Events about a case carry its case_id,
so the case timeline and its 案卷 export show the review."""

DRAFT_SAVED = "review.draft_saved"
MATERIAL_ADDED = "review.material_added"
MATERIAL_WITHDRAWN = "review.material_withdrawn"
MATERIAL_DOWNLOADED = "review.material_downloaded"
SUBMITTED = "review.submitted"
DEADLINE_EXTENDED = "review.deadline_extended"
OPINION_ISSUED = "review.opinion_issued"
CONTEST_RAISED = "review.contest_raised"
CONTEST_HEAD_DECIDED = "review.contest_head_decided"
CONTEST_RESOLVED = "review.contest_resolved"
GATE_PASSED = "review.gate_passed"
BODY_CONFIGURED = "review.body_configured"
ADVISOR_CREATED = "review.advisor_created"
ADVISOR_ASSIGNED = "review.advisor_assigned"
ADVISOR_UNASSIGNED = "review.advisor_unassigned"
EXPERIENCE_RECORDED = "review.experience_recorded"

LABELS = {
    DRAFT_SAVED: "保存决定书代拟稿（评估法制审核范围）",
    MATERIAL_ADDED: "提交法制审核材料",
    MATERIAL_WITHDRAWN: "撤回法制审核材料",
    MATERIAL_DOWNLOADED: "调阅法制审核材料",
    SUBMITTED: "报送法制审核",
    DEADLINE_EXTENDED: "批准延长法制审核期限",
    OPINION_ISSUED: "出具法制审核意见",
    CONTEST_RAISED: "对法制审核意见提出异议",
    CONTEST_HEAD_DECIDED: "机关负责人处理审核异议",
    CONTEST_RESOLVED: "审核异议处理完毕",
    GATE_PASSED: "决定前核验法制审核通过",
    BODY_CONFIGURED: "设置法制审核机构",
    ADVISOR_CREATED: "法律顾问/公职律师入库",
    ADVISOR_ASSIGNED: "派驻法律顾问/公职律师",
    ADVISOR_UNASSIGNED: "结束派驻",
    EXPERIENCE_RECORDED: "登记法制审核从业经历",
}


def label(event_type: str) -> str:
    return LABELS.get(event_type, event_type)
