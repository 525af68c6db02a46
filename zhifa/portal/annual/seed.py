"""Base data of the 年报 (run after every migrate, zhifa.core.seeding): the default 并处 severity order and the
publication due date. Idempotent: a version already present (same kind + valid_from / same first_year) is left as
the administrators keep it."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from zhifa.ledger.services import SYSTEM, append
from zhifa.portal.annual.counting import DEFAULT_SEVERITY, RULE_CONCURRENT

# The 年报 system starts with 国办发〔2018〕118号 (2018-12-05): the first year reported is 2018 (published by 31 January
# 2019). The order applies to the kinds of 行政处罚法第九条 as revised in 2021; earlier years simply have no
# decisions of the kinds added then.
SEVERITY_FROM = dt.date(2018, 1, 1)
SEVERITY_NOTE = (
    "默认顺序：警告＜通报批评＜罚款＜没收违法所得、没收非法财物＜暂扣许可证件＜降低资质等级＜限制开展生产经营活动＜"
    "责令停产停业＜责令关闭、限制从业＜吊销许可证件＜行政拘留；“其他”最轻。各地统计口径不同的，由管理员新建版本调整。"
)
DUE_CITATION = (
    "《国务院办公厅关于全面推行行政执法公示制度执法全过程记录制度重大执法决定法制审核制度的指导意见》"
    "（国办发〔2018〕118号）“加强事后公开”：每年1月31日前公开本机关上年度行政执法总体情况有关数据"
)
DUE_NOTE = (
    "昌吉市实施方案（昌市政办发〔2019〕18号）二（二）4“加强事后公开”第四项：建立行政执法统计年报制度，每年1月31日前"
    "公开本机关上年度行政执法总体情况有关数据，并报市人民政府和上级主管部门。截止日为固定日期，不顺延。"
)


def seed() -> dict:
    from zhifa.portal.annual.models import DueRule, PenaltySeverity

    created = {"severity": 0, "due": 0}
    with transaction.atomic():
        for kind, rank in DEFAULT_SEVERITY.items():
            row, made = PenaltySeverity.objects.get_or_create(
                kind=str(kind),
                valid_from=SEVERITY_FROM,
                defaults={"rank": rank, "citation": RULE_CONCURRENT, "note": SEVERITY_NOTE},
            )
            if made:
                created["severity"] += 1
        rule, made = DueRule.objects.get_or_create(
            first_year=SEVERITY_FROM.year,
            defaults={"month": 1, "day": 31, "citation": DUE_CITATION, "note": DUE_NOTE},
        )
        if made:
            created["due"] += 1
        if created["severity"] or created["due"]:
            append("annual.rules_seeded", actor=SYSTEM, subject=("annual.duerule", rule.pk), payload=created)
    return created
