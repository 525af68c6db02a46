"""Base data of 法制审核: the default review period rule (a deadlines PeriodRule), loaded after every migrate.

No statute sets the review period. 行政处罚法第五十八条 makes the review mandatory; the period is local practice
under 国办发〔2018〕118号: typically 7 working days from receipt of a complete submission, 3 more with the agency
head's approval (domain.md §3.3 [E]). So the rule cites 第五十八条 for the review it times and names the local basis
for the length and the extension; an agency with another local rule gets its own rule code (ReviewBody.period_rule_code).
Idempotent: an existing version (code + valid_from) is left as the administrators keep it.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from zhifa.reviews.models import DEFAULT_PERIOD_CODE

PENALTY = "administrative-penalty-law"
# 国办发〔2018〕118号 was issued on 5 December 2018.
RULE_FROM = dt.date(2018, 12, 5)

RULES = [
    {
        "code": DEFAULT_PERIOD_CODE,
        "name": "重大执法决定法制审核（审核期限依地方规定）",
        "start_label": "收到完整的报送材料之日",
        "amount": 7,
        "extension_amount": 3,
        "citation": (PENALTY, 58, 1),
        "extension_basis": "国办发〔2018〕118号及本地重大执法决定法制审核办法：案情复杂的，经机关负责人批准可延长",
        "note": "审核期限非法律规定，为各地依国办发〔2018〕118号制定的重大执法决定法制审核办法的通行做法"
        "（7个工作日，经负责人批准延长3个工作日）。机关另有规定的，由系统管理员另建规则代码，"
        "并在该机关的法制审核机构设置中选用。",
    }
]


def seed() -> int:
    """Create the missing rule versions; returns how many were created."""
    from zhifa.core.roles import Role
    from zhifa.deadlines.models import PeriodRule, Unit
    from zhifa.deadlines.services import _save_rule
    from zhifa.laws.services import cite
    from zhifa.ledger.services import SYSTEM

    created = 0
    with transaction.atomic():
        for spec in RULES:
            if PeriodRule.objects.filter(code=spec["code"], valid_from=RULE_FROM).exists():
                continue
            rule = PeriodRule(
                code=spec["code"],
                name=spec["name"],
                start_label=spec["start_label"],
                amount=spec["amount"],
                unit=Unit.WORKING_DAY,
                citation=cite(*spec["citation"]),
                extension_amount=spec["extension_amount"],
                extension_unit=Unit.WORKING_DAY,
                extension_max_times=1,
                extension_approver=Role.HEAD,
                extension_basis=spec["extension_basis"],
                valid_from=RULE_FROM,
                note=spec["note"],
            )
            _save_rule(rule, SYSTEM, channel="seed")
            created += 1
    return created
