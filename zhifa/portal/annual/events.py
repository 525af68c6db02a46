"""The 年报's event types on the ledger: event type -> Chinese label."""

RULES_SEEDED = "annual.rules_seeded"
GENERATED = "annual.generated"
REGENERATED = "annual.regenerated"
MANUAL_SET = "annual.manual_set"
NARRATIVE_EDITED = "annual.narrative_edited"
SUBMITTED = "annual.submitted"
RETURNED = "annual.returned"
APPROVED = "annual.approved"
PUBLISHED = "annual.published"
SUPERSEDED = "annual.superseded"
CORRECTION_CREATED = "annual.correction_created"
OVERDUE = "annual.overdue_checked"

LABELS = {
    RULES_SEEDED: "载入年报统计规则",
    GENERATED: "生成年报",
    REGENERATED: "重新生成年报",
    MANUAL_SET: "填报无数据来源项目",
    NARRATIVE_EDITED: "修改文字说明",
    SUBMITTED: "提交负责人审批",
    RETURNED: "退回修改",
    APPROVED: "负责人审批同意",
    PUBLISHED: "公开年报",
    SUPERSEDED: "被更正版本替代",
    CORRECTION_CREATED: "新建更正版本",
    OVERDUE: "检查年报公开期限",
}
