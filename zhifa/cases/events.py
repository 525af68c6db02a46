"""The vocabulary of case events on the ledger: event type → Chinese label (the timeline reads these)."""

REGISTERED = "case.registered"
VIEWED = "case.viewed"
EVIDENCE_DOWNLOADED = "case.evidence_downloaded"
PARTY_CREATED = "case.party_created"
PARTY_ADDED = "case.party_added"
OFFICER_ASSIGNED = "case.officer_assigned"
OFFICER_REMOVED = "case.officer_removed"
RECUSAL_REQUESTED = "case.recusal_requested"
RECUSAL_DECIDED = "case.recusal_decided"
EVIDENCE_ADDED = "case.evidence_added"
EVIDENCE_CUSTODY = "case.evidence_custody"
ARCHIVE_EXPORTED = "case.archive_exported"
# Reading events written by the documents app with the case's id.
DOCUMENT_VIEWED = "document.viewed"
DOCUMENT_DOWNLOADED = "document.downloaded"

LABELS = {
    REGISTERED: "案源登记",
    VIEWED: "调阅案件",
    EVIDENCE_DOWNLOADED: "调阅证据文件",
    PARTY_CREATED: "登记执法对象",
    PARTY_ADDED: "列为当事人",
    OFFICER_ASSIGNED: "指派执法人员",
    OFFICER_REMOVED: "执法人员撤出",
    RECUSAL_REQUESTED: "提出回避",
    RECUSAL_DECIDED: "回避决定",
    EVIDENCE_ADDED: "登记证据",
    EVIDENCE_CUSTODY: "证据保管流转",
    ARCHIVE_EXPORTED: "导出案卷",
    DOCUMENT_VIEWED: "调阅文书",
    DOCUMENT_DOWNLOADED: "下载文书",
    "document.issued": "制发文书",
    "document.corrected": "文书更正",
    "access.denied": "越权访问被拒绝",
}

# Events of reading, not of the process: the 调阅 report shows them, the timeline leaves them out.
ACCESS_EVENTS = (VIEWED, EVIDENCE_DOWNLOADED, ARCHIVE_EXPORTED, DOCUMENT_VIEWED, DOCUMENT_DOWNLOADED)


# Labels of events other apps write with a case's id (法制审核, 公示 …), registered by those apps in ready().
OTHER_LABELS: dict[str, str] = {}


def register_labels(labels: dict[str, str]) -> None:
    OTHER_LABELS.update(labels)


def label(event_type: str) -> str:
    from zhifa.cases.transitions import TRANSITIONS

    if event_type in LABELS:
        return LABELS[event_type]
    if event_type in OTHER_LABELS:
        return OTHER_LABELS[event_type]
    for t in TRANSITIONS.values():
        if t.event == event_type:
            return t.label
    return event_type
