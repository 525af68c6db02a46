"""Base data of the 事后 publications (zhifa.core.seeding): publication windows (deadlines PeriodRules), what is
published (PublicationScopeRule), how long it stays (ExpiryRule). Idempotent: existing rows (same key) are left as
the administrators keep them.

The windows come from 国办发〔2018〕118号 (许可、处罚 7 working days; other acts 20 working days). 118号 is a State
Council notice, not a statute in the law library, and a PeriodRule must cite a library article: the rules cite the
statutory duty to publish the decisions concerned (行政处罚法第四十八条第一款; 行政许可法第四十条) and name 118号 as the
source of the period in their name and note. The 20-day window for other acts (强制、检查、征收征用) has no statute
article of its own; it cites 行政处罚法第四十八条第一款 as the nearest statutory publication duty until a 118号
entry exists in the library.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction

from zhifa.deadlines.models import PeriodRule, Unit
from zhifa.ledger.services import SYSTEM
from zhifa.portal.models import Category, ExpiryRule, PublicationScopeRule

PENALTY = "administrative-penalty-law"
LICENSING = "administrative-licensing-law"
GUIDELINE_118 = "国办发〔2018〕118号"
G118_FROM = dt.date(2019, 1, 3)  # published (issued 2018-12-05)
PENALTY_FROM = dt.date(2021, 7, 15)  # 行政处罚法 (2021) 第四十八条 in force
SAMR_45 = "《市场监督管理行政处罚信息公示规定》（国家市场监督管理总局令第45号）"
SAMR_45_FROM = dt.date(2021, 9, 1)

G118_NOTE = (
    "期限来自国办发〔2018〕118号（行政许可、行政处罚的执法决定信息自作出决定之日起7个工作日内公开，其他执法决定信息"
    "20个工作日内公开）；118号不在法律法规库中，此处引用的是公开该类决定的法定义务条文。"
)

PERIOD_RULES = [
    {
        "code": "publicity.penalty",
        "name": "行政处罚决定信息公示（国办发〔2018〕118号：7个工作日）",
        "start_label": "作出行政处罚决定之日",
        "amount": 7,
        "unit": Unit.WORKING_DAY,
        "citation": (PENALTY, 48, 1),
        "valid_from": PENALTY_FROM,
        "note": G118_NOTE,
    },
    {
        "code": "publicity.licensing",
        "name": "行政许可决定信息公示（国办发〔2018〕118号：7个工作日）",
        "start_label": "作出行政许可决定之日",
        "amount": 7,
        "unit": Unit.WORKING_DAY,
        "citation": (LICENSING, 40),
        "valid_from": G118_FROM,
        "note": G118_NOTE,
    },
    {
        "code": "publicity.other",
        "name": "其他行政执法决定信息公示（国办发〔2018〕118号：20个工作日）",
        "start_label": "作出执法决定之日",
        "amount": 20,
        "unit": Unit.WORKING_DAY,
        "citation": (PENALTY, 48, 1),
        "valid_from": PENALTY_FROM,
        "note": G118_NOTE,
    },
]

C118 = f"{GUIDELINE_118}（谁执法谁公示；事后公开执法机关、执法对象、执法类别、执法结论）"
SCOPE_RULES = [
    # (sector, category, procedure, act, publish, excluded_kinds_only, period_code, citation, note)
    ("", Category.PENALTY, "", "", True, [], "publicity.penalty",
     f"《中华人民共和国行政处罚法》第四十八条第一款；{C118}", "行政处罚决定7个工作日内公示。"),
    ("", Category.PENALTY, "", "decide.no_penalty", False, [], "",
     "《中华人民共和国行政处罚法》第四十八条第一款（公开的是行政处罚决定）",
     "不予行政处罚决定不作为行政处罚信息公示；需要公示的，可改为“公示”。"),
    ("", Category.PENALTY, "", "decide.not_established", False, [], "",
     "《中华人民共和国行政处罚法》第四十八条第一款（公开的是行政处罚决定）", "违法事实不能成立的，不予公示。"),
    ("", Category.PENALTY, "", "decide.transfer", False, [], "",
     "《中华人民共和国行政处罚法》第二十七条（移送司法机关，不作行政处罚决定）", "移送司法机关的，不作为行政处罚信息公示。"),
    ("market", Category.PENALTY, "simple", "", False, [], "",
     f"{SAMR_45}（公示适用普通程序作出的行政处罚决定）", "市场监管部门简易程序（当场处罚）决定不公示。"),
    ("market", Category.PENALTY, "ordinary", "", True, ["warning"], "publicity.penalty",
     f"{SAMR_45}（仅受到警告行政处罚的不公示）；{C118}（7个工作日，严于第45号令的20个工作日）",
     "普通程序决定公示，仅给予警告的除外。"),
    ("", Category.LICENSING, "", "", True, [], "publicity.licensing", f"《中华人民共和国行政许可法》第四十条；{C118}", ""),
    ("", Category.COERCION, "", "", True, [], "publicity.other", C118, "查封、扣押等行政强制措施20个工作日内公示。"),
    ("", Category.COERCION, "", "preserve_evidence", True, [], "publicity.other", C118,
     "先行登记保存（行政处罚法第五十六条）按行政强制类信息公示；不需要公示的地方可改为“不公示”。"),
    ("", Category.INSPECTION, "", "", True, [], "publicity.other", C118, "检查结果20个工作日内公示。"),
    ("", Category.EXPROPRIATION, "", "", True, [], "publicity.other", C118, ""),
    ("", Category.OTHER, "", "", True, [], "publicity.other", C118, ""),
]  # fmt: skip

SMALL_FINE = Decimal("10000")  # [M] 较低数额罚款: set by each province; edit the row to the local standard
EXPIRY_RULES = [
    # (order, sector, category, only_kinds, max_fine, months, citation, note)
    (10, "", Category.PENALTY, ["warning", "circulation"], None, 3, f"{SAMR_45}（通报批评：公示期三个月）",
     "仅给予警告或通报批评的，公示三个月。"),
    (20, "", Category.PENALTY, ["warning", "circulation", "fine"], SMALL_FINE, 3,
     f"{SAMR_45}（较低数额罚款：公示期三个月）",
     "较低数额罚款的标准由各省规定（此处默认1万元，为可修改的数据，请按本地规定调整）。"),
    (90, "", Category.PENALTY, [], None, 36, f"{SAMR_45}（其他行政处罚：公示期三年）", ""),
    (99, "", "", [], None, 36, f"{GUIDELINE_118}；参照{SAMR_45}（三年）", "其他执法决定信息默认公示三年。"),
]  # fmt: skip


def seed() -> int:
    """Create the missing rows; returns how many were created."""
    from zhifa.deadlines.seed import build_rule
    from zhifa.deadlines.services import _save_rule

    created = 0
    with transaction.atomic():
        for spec in PERIOD_RULES:
            if not PeriodRule.objects.filter(code=spec["code"], valid_from=spec["valid_from"]).exists():
                _save_rule(build_rule(spec), SYSTEM, channel="seed")
                created += 1
        for sector, category, procedure, act, publish, excluded, code, citation, note in SCOPE_RULES:
            _, new = PublicationScopeRule.objects.get_or_create(
                sector=sector, category=category, procedure=procedure, act=act,
                defaults={"publish": publish, "excluded_kinds_only": excluded, "period_code": code,
                          "citation": citation, "note": note,
                          "valid_from": SAMR_45_FROM if sector == "market" else G118_FROM},
            )  # fmt: skip
            created += new
        for order, sector, category, kinds, max_fine, months, citation, note in EXPIRY_RULES:
            _, new = ExpiryRule.objects.get_or_create(
                order=order, sector=sector, category=category,
                defaults={"only_kinds": kinds, "max_fine": max_fine, "months": months, "citation": citation,
                          "note": note, "valid_from": SAMR_45_FROM if category == Category.PENALTY else G118_FROM},
            )  # fmt: skip
            created += new
    return created
