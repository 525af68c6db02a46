"""The rules of 法制审核 as data: citations, the checklist, the default material list and how a catalog row's
“应提交的审核资料” text maps to materials the platform can check."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from zhifa.reviews.models import CheckPoint

PENALTY = "administrative-penalty-law"
GUIDELINE_118 = (
    "国办发〔2018〕118号《关于全面推行行政执法公示制度执法全过程记录制度重大执法决定法制审核制度的指导意见》"
)
# 118号 (配强审核力量): 原则上各级行政执法机关的法制审核人员不少于本单位执法人员总数的5%.
STAFFING_RATIO = 5  # percent
STAFFING_CITATION = GUIDELINE_118 + "（法制审核人员原则上不少于本单位执法人员总数的5%）"
POOL_CITATION = GUIDELINE_118 + "（建立健全法律顾问、公职律师统筹调用机制）"
CONTENT_CITATION = GUIDELINE_118 + "（审核内容；书面审核意见）"
DISAGREEMENT_CITATION = GUIDELINE_118 + "（承办机构对审核意见有异议的处理）"
# The first-time qualification rule entered the 行政处罚法 with the 2017 amendment (第三十八条第三款, in force
# 1 January 2018) and is 第五十八条第二款 of the 2021 text: a reviewer who did the work before that date is not
# 初次从事 under the rule.
QUALIFICATION_RULE_FROM = dt.date(2018, 1, 1)

CHECK_HINTS = {
    CheckPoint.SUBJECT: "执法主体是否合法，执法人员是否具备执法资格",
    CheckPoint.PROCEDURE: "执法程序是否合法",
    CheckPoint.FACTS: "案件事实是否清楚，证据是否合法充分",
    CheckPoint.LAW: "适用法律、法规、规章是否准确，裁量基准运用是否适当",
    CheckPoint.AUTHORITY: "是否超越执法机关法定权限",
    CheckPoint.DOCUMENTS: "执法文书是否完备、规范",
    CheckPoint.CRIME: "违法行为是否涉嫌犯罪、需要移送司法机关",
}


@dataclass(frozen=True)
class MaterialKind:
    code: str
    label: str
    hint: str = ""


DRAFT = "draft_decision"
REPORT = "investigation_report"
EVIDENCE = "evidence"
STATEMENT = "statement_record"
HEARING = "hearing_record"
COLLECTIVE = "collective_record"
RISK = "risk_assessment"
OTHER = "other"

KINDS = {
    k.code: k
    for k in (
        MaterialKind(DRAFT, "决定书代拟稿", "报送时随附当前版本的代拟稿"),
        MaterialKind(REPORT, "调查终结报告", "可引用本案“调查终结，提交审核”时的报告"),
        MaterialKind(EVIDENCE, "证据材料", "引用本案证据"),
        MaterialKind(STATEMENT, "陈述申辩笔录", "可引用本案陈述、申辩记录"),
        MaterialKind(HEARING, "听证笔录", "可引用本案听证笔录"),
        MaterialKind(COLLECTIVE, "集体讨论记录", "可引用本案集体讨论记录"),
        MaterialKind(RISK, "风险评估材料", "上传文件"),
        MaterialKind(OTHER, "其他材料", ""),
    )
}

# Keywords of the catalog's “应提交的审核资料” text, first match wins; "案卷" means the file as a whole.
KEYWORDS = [
    (("代拟稿", "决定书"), (DRAFT,)),
    (("调查终结报告", "调查报告", "案件调查"), (REPORT,)),
    (("证据",), (EVIDENCE,)),
    (("听证",), (HEARING,)),
    (("陈述", "申辩"), (STATEMENT,)),
    (("集体讨论",), (COLLECTIVE,)),
    (("风险评估", "风险"), (RISK,)),
    (("案卷", "案件材料"), (REPORT, EVIDENCE)),
]
SPLIT = re.compile(r"[、，,；;。\s]+|及|和|与")


def parse_materials(text: str) -> list[tuple[str, str]]:
    """The catalog row's material text as (kind code, label) pairs; unknown items become custom kinds
    ("row:<text>") that an uploaded file of that name satisfies."""
    out: list[tuple[str, str]] = []
    for part in SPLIT.split(text or ""):
        part = part.strip()
        if not part or part in ("等",):
            continue
        for words, codes in KEYWORDS:
            if any(w in part for w in words):
                out.extend((c, KINDS[c].label) for c in codes)
                break
        else:
            out.append((f"row:{part[:60]}", part[:60]))
    return out


def kind_label(code: str) -> str:
    if code in KINDS:
        return KINDS[code].label
    return code.removeprefix("row:")
