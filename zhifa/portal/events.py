"""Event types of the 事后 publications on the ledger: event type → Chinese label."""

CREATED = "publication.created"
DRAFTED = "publication.version_drafted"
PUBLISHED = "publication.published"
WITHDRAWN = "publication.withdrawn"
EXPIRED = "publication.expired"
REDACTION_RULE_SAVED = "portal.redaction_rule_saved"
RULE_SAVED = "portal.rule_saved"
VERIFY_LOOKUP = "portal.document_verified"

LABELS = {
    CREATED: "生成公示信息（待脱敏审核）",
    DRAFTED: "更正公示信息（新版本待审核）",
    PUBLISHED: "审核通过并公示",
    WITHDRAWN: "撤回公示信息",
    EXPIRED: "公示期满下线",
    REDACTION_RULE_SAVED: "保存脱敏规则",
    RULE_SAVED: "保存公示规则",
    VERIFY_LOOKUP: "公众核验文书",
}
