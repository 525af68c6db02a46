"""Statutory period rules (domain.md §3), loaded after every migrate (zhifa.core.seeding). Idempotent: a rule
version (code + valid_from) already present is left as the administrators keep it.

Article numbers and wording are those of the bundled texts in zhifa/laws/data (checked there):
  行政处罚法 (2021)  第四十八条第二款 三日 · 第五十六条 七日 · 第六十条 九十日 · 第六十一条第一款 七日 ·
                     第六十四条第（一）项 五日、第（二）项 七日前 · 第六十七条第三款 十五日 · 第八十五条 day types
                     (第七十二条 加处罚款 is a daily surcharge, not a period: not here)
  行政许可法 (2019)  第三十二条第一款第（四）项 五日 · 第四十二条第一款 二十日+十日 · 第四十四条 十日 ·
                     第四十五条 excluded time (本节 = 第四章第三节 期限: 42–45) · 第八十二条 all working days
  行政强制法 (2011)  第十九条 二十四小时 · 第二十五条 三十日+三十日, 第三款 excluded time · 第六十九条 ≤10日 working days
  行政复议法 (2023)  第二十条第一款 六十日 · 第六十二条 六十日+三十日 / 简易程序 三十日 ·
                     第八十八条 第一款 期间 per 民事诉讼法 (last-day roll-forward), 第二款 3/5/7/10日 working days

valid_from of each rule: the day from which the bundled article's period and day type applied (not simply the
day the bundled version took effect); see the comments at the *_FROM constants.

Corrections of earlier seed data (CORRECTIONS): a version's arithmetic is fixed because a change of law is a new
version, so that decisions keep the version they used. A seed error is not a change of law — the erroneous values
were never the law, so there is no earlier law for the erroneous version to keep. The seed therefore corrects such
a row in place (services.correct_seeded_rule), only while the row still holds exactly the erroneous seed values
(a row an administrator has changed or replaced is left alone and reported in the log), and records the erroneous
values, the corrected ones and the reason on the ledger (deadlines.rule_corrected). Idempotent: a corrected row no
longer matches, so a later run does nothing.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction

from zhifa.core.roles import Role
from zhifa.deadlines.models import PeriodRule, Unit
from zhifa.laws.services import cite
from zhifa.ledger.services import SYSTEM

logger = logging.getLogger(__name__)

PENALTY = "administrative-penalty-law"
LICENSING = "administrative-licensing-law"
COERCION = "administrative-coercion-law"
RECONSIDERATION = "administrative-reconsideration-law"

# 行政处罚法: the 2021 revision (in force 15 July 2021) changed every seeded period's basis — 第八十五条 (2/3/5/7
# days are working days) is new, so the 7-day periods (送达 61, 登记保存 56, 听证通知 64(2)) were calendar days before;
# 听证申请 64(1) was 三日 (1996 第四十二条); 第六十条's 90 days and 第四十八条's 3 days are new; 罚款 15 days (1996
# 第四十六条) kept its length but is cited as 第六十七条第三款 and rolled forward by the 民法典 (in force 2021).
# So every penalty.* rule starts on 2021-07-15; earlier cases need versions entered from the 1996/2009/2017 text.
PENALTY_FROM = dt.date(2021, 7, 15)
# 行政许可法: in force 1 July 2004. The 2019 amendment (2019-04-23) changed only 第五条、第三十一条、第七十二条 and
# renumbered nothing: 第三十二条 (5 days), 第四十二条 (20 + 10 days), 第四十四条 (10 days), 第四十五条 (excluded time)
# and 第八十二条 (working days) read the same since 2004, so the licensing.* rules apply from 2004-07-01.
LICENSING_FROM = dt.date(2004, 7, 1)
LICENSING_FROM_SEEDED_BEFORE = dt.date(2019, 4, 23)  # the earlier seed's error, see CORRECTIONS
# 行政强制法: in force 1 January 2012, never amended.
COERCION_FROM = dt.date(2012, 1, 1)
# 行政复议法: the 2023 revision (in force 1 January 2024) renumbered and reworded the seeded articles: 申请期限 第九条 →
# 第二十条 ("知道或者应当知道", one-year cap new); 复议决定 第三十一条 → 第六十二条 (extension approved by the 复议机构's
# head instead of the 复议机关's; the 30-day 简易程序 is new); 期间 第四十条 → 第八十八条 (10日 added to the working
# days). So the reconsideration.* rules start on 2024-01-01.
RECONSIDERATION_FROM = dt.date(2024, 1, 1)

CIVIL_CODE_203 = "参照《中华人民共和国民法典》第二百零三条（期间的最后一日是法定休假日的，以法定休假日结束的次日为期间的最后一日）"

PENALTY_DECIDE_NOTE = (
    "第六十条规定自立案之日起九十日内作出决定，本身不设延长，只规定“法律、法规、规章另有规定的，从其规定”，"
    "因此本条全国通用规则不可延长。部门规章规定延长的（如《市场监督管理行政处罚程序规定》第六十四条），"
    "由系统管理员另建一条期限规则，规则代码为“penalty.decide.执法领域代码”（如 penalty.decide.market），"
    "该领域的案件立案时即适用该规则；期限依据仍为第六十条，在“延长依据（库外法规、规章）”中写明该规章的名称和条号，"
    "并按该规章填写延长期限、次数和审批角色；只有全国统一适用的变化才作为本规则代码的新版本。"
    "机关自身的办案期限，届满日不顺延。"
)
MARKET_DECIDE_BASIS = "《市场监督管理行政处罚程序规定》（2022年修正）第六十四条第一款"

# (law, article, paragraph, item) tuples are resolved with laws.services.cite.
RULES = [
    {
        "code": "penalty.decide",
        "name": "立案后作出行政处罚决定",
        "start_label": "立案之日",
        "amount": 90,
        "unit": Unit.CALENDAR_DAY,
        "citation": (PENALTY, 60),
        "day_type_citation": (PENALTY, 85),
        # No extension: 第六十条 grants none; it only defers to "法律、法规、规章另有规定的，从其规定".
        "valid_from": PENALTY_FROM,
        "note": PENALTY_DECIDE_NOTE,
    },
    {
        # The sector version for cases of the enforcement domain "market" (see PENALTY_DECIDE_NOTE): the 90 days of
        # 第六十条, plus the one 30-day extension the head approves under the SAMR procedure rules. A further
        # extension there is decided by the heads' collective discussion with a period they set: recorded as such,
        # not computed.
        "code": "penalty.decide.market",
        "name": "立案后作出行政处罚决定（市场监管）",
        "start_label": "立案之日",
        "amount": 90,
        "unit": Unit.CALENDAR_DAY,
        "citation": (PENALTY, 60),
        "day_type_citation": (PENALTY, 85),
        "extension_amount": 30,
        "extension_unit": Unit.CALENDAR_DAY,
        "extension_max_times": 1,
        "extension_approver": Role.HEAD,
        "extension_basis": MARKET_DECIDE_BASIS,
        "valid_from": PENALTY_FROM,
        "note": "因案情复杂或者其他原因，不能在规定期限内作出处理决定的，经市场监督管理部门负责人批准，可以延长三十日"
        f"（{MARKET_DECIDE_BASIS}）。",
    },
    {
        "code": "penalty.service",
        "name": "行政处罚决定书送达（当事人不在场）",
        "start_label": "宣告之日",
        "amount": 7,
        "unit": Unit.WORKING_DAY,
        "citation": (PENALTY, 61, 1),
        "day_type_citation": (PENALTY, 85),
        "valid_from": PENALTY_FROM,
    },
    {
        "code": "penalty.hearing_request",
        "name": "当事人要求听证",
        "start_label": "行政机关告知之日",
        "amount": 5,
        "unit": Unit.WORKING_DAY,
        "citation": (PENALTY, 64, 0, 1),
        "day_type_citation": (PENALTY, 85),
        "valid_from": PENALTY_FROM,
    },
    {
        "code": "penalty.hearing_notice",
        "name": "通知听证时间、地点",
        "start_label": "举行听证之日",
        "amount": 7,
        "unit": Unit.WORKING_DAY,
        "direction": PeriodRule.Direction.BEFORE,
        "citation": (PENALTY, 64, 0, 2),
        "day_type_citation": (PENALTY, 85),
        "valid_from": PENALTY_FROM,
        "note": "倒数计算：通知日与听证日之间须有七个工作日（通知日不计入，听证日为第七个工作日）。",
    },
    {
        "code": "penalty.preservation_decision",
        "name": "先行登记保存后作出处理决定",
        "start_label": "先行登记保存之日",
        "amount": 7,
        "unit": Unit.WORKING_DAY,
        "citation": (PENALTY, 56),
        "day_type_citation": (PENALTY, 85),
        "valid_from": PENALTY_FROM,
    },
    {
        "code": "penalty.payment",
        "name": "当事人缴纳罚款",
        "start_label": "收到行政处罚决定书之日",
        "amount": 15,
        "unit": Unit.CALENDAR_DAY,
        "citation": (PENALTY, 67, 3),
        "day_type_citation": (PENALTY, 85),
        "roll_forward": True,
        "roll_forward_basis": CIVIL_CODE_203,
        "valid_from": PENALTY_FROM,
        "note": "第八十五条只把二日、三日、五日、七日规定为工作日，十五日按自然日计算。当事人的期间，届满日遇节假日顺延；"
        "逾期按第七十二条每日加处百分之三罚款。",
    },
    {
        "code": "penalty.withdraw_publication",
        "name": "撤回已公开的行政处罚决定信息",
        "start_label": "决定被变更、撤销、确认违法或者确认无效之日",
        "amount": 3,
        "unit": Unit.WORKING_DAY,
        "citation": (PENALTY, 48, 2),
        "day_type_citation": (PENALTY, 85),
        "valid_from": PENALTY_FROM,
    },
    {
        "code": "licensing.correction_notice",
        "name": "一次告知申请人补正材料",
        "start_label": "收到申请材料之日",
        "amount": 5,
        "unit": Unit.WORKING_DAY,
        "citation": (LICENSING, 32, 1, 4),
        "day_type_citation": (LICENSING, 82),
        "valid_from": LICENSING_FROM,
        "note": "逾期不告知的，自收到申请材料之日起即为受理。",
    },
    {
        "code": "licensing.decision",
        "name": "作出行政许可决定",
        "start_label": "受理申请之日",
        "amount": 20,
        "unit": Unit.WORKING_DAY,
        "citation": (LICENSING, 42, 1),
        "day_type_citation": (LICENSING, 82),
        "extension_amount": 10,
        "extension_approver": Role.HEAD,
        "extension_citation": (LICENSING, 42, 1),
        "allows_excluded_intervals": True,
        "excluded_citation": (LICENSING, 45),
        "valid_from": LICENSING_FROM,
        "note": "延长须将理由告知申请人。听证、招标、拍卖、检验、检测、检疫、鉴定和专家评审所需时间不计入，并书面告知申请人。",
    },
    {
        "code": "licensing.issue_certificate",
        "name": "颁发、送达行政许可证件",
        "start_label": "作出准予行政许可决定之日",
        "amount": 10,
        "unit": Unit.WORKING_DAY,
        "citation": (LICENSING, 44),
        "day_type_citation": (LICENSING, 82),
        "allows_excluded_intervals": True,
        "excluded_citation": (LICENSING, 45),
        "valid_from": LICENSING_FROM,
    },
    {
        "code": "coercion.emergency_report",
        "name": "当场实施行政强制措施后向负责人报告",
        "start_label": "当场实施行政强制措施之时",
        "amount": 24,
        "unit": Unit.HOUR,
        "citation": (COERCION, 19),
        "valid_from": COERCION_FROM,
        "note": "报告并补办批准手续；负责人认为不应当采取的，应当立即解除。",
    },
    {
        "code": "coercion.seizure",
        "name": "查封、扣押期限",
        "start_label": "实施查封、扣押之日",
        "amount": 30,
        "unit": Unit.CALENDAR_DAY,
        "citation": (COERCION, 25, 1),
        "day_type_citation": (COERCION, 69),
        "extension_amount": 30,
        "extension_approver": Role.HEAD,
        "extension_citation": (COERCION, 25, 1),
        "allows_excluded_intervals": True,
        "excluded_citation": (COERCION, 25, 3),
        "valid_from": COERCION_FROM,
        "note": "第六十九条只把十日以内的期限规定为工作日，三十日按自然日计算。延长须书面告知当事人并说明理由。"
        "检测、检验、检疫或者技术鉴定的期间不计入，应当明确并书面告知当事人。期限限制的是机关，届满日不顺延。",
    },
    {
        "code": "reconsideration.application",
        "name": "申请行政复议",
        "start_label": "知道或者应当知道该行政行为之日",
        "amount": 60,
        "unit": Unit.CALENDAR_DAY,
        "citation": (RECONSIDERATION, 20, 1),
        "day_type_citation": (RECONSIDERATION, 88, 2),
        "roll_forward": True,
        "roll_forward_citation": (RECONSIDERATION, 88, 1),
        "valid_from": RECONSIDERATION_FROM,
        "note": "法律规定的申请期限超过六十日的除外；未告知申请权利的，最长不超过一年（第二十条第三款）。",
    },
    {
        "code": "reconsideration.decision",
        "name": "作出行政复议决定（普通程序）",
        "start_label": "受理申请之日",
        "amount": 60,
        "unit": Unit.CALENDAR_DAY,
        "citation": (RECONSIDERATION, 62, 1),
        "day_type_citation": (RECONSIDERATION, 88, 2),
        "extension_amount": 30,
        "extension_approver": Role.HEAD,
        "extension_citation": (RECONSIDERATION, 62, 1),
        "roll_forward": True,
        "roll_forward_citation": (RECONSIDERATION, 88, 1),
        "valid_from": RECONSIDERATION_FROM,
        "note": "延长由行政复议机构的负责人批准并书面告知当事人，最多三十日。法律规定的复议期限少于六十日的从其规定。",
    },
    {
        "code": "reconsideration.decision_simple",
        "name": "作出行政复议决定（简易程序）",
        "start_label": "受理申请之日",
        "amount": 30,
        "unit": Unit.CALENDAR_DAY,
        "citation": (RECONSIDERATION, 62, 2),
        "day_type_citation": (RECONSIDERATION, 88, 2),
        "roll_forward": True,
        "roll_forward_citation": (RECONSIDERATION, 88, 1),
        "valid_from": RECONSIDERATION_FROM,
    },
]

CITATION_FIELDS = (
    "citation",
    "day_type_citation",
    "extension_citation",
    "excluded_citation",
    "roll_forward_citation",
)


# Errors of earlier seeds, corrected in place by seed() (see the module docstring). "was" overlays the current
# spec with the erroneous values: a row is corrected only if all its fixed fields equal that erroneous state.
CORRECTIONS = [
    {
        "code": "penalty.decide",
        "was": {
            "extension_amount": 30,
            "extension_approver": Role.HEAD,
            "extension_citation": (PENALTY, 60),
        },
        "reason": "《行政处罚法》第六十条没有规定延长（只规定“法律、法规、规章另有规定的，从其规定”），"
        "更正此前内置数据中以第六十条为依据的“经负责人批准延长三十日”；部门规章规定的延长另建规则。",
    },
] + [
    {
        "code": code,
        "was": {"valid_from": LICENSING_FROM_SEEDED_BEFORE},
        "reason": "《行政许可法》2019年修正未改变该期限的条文，期限自2004年7月1日施行起适用；"
        "更正此前内置数据的适用起始日2019年4月23日。",
    }
    for code in ("licensing.correction_notice", "licensing.decision", "licensing.issue_certificate")
]


def build_rule(spec: dict) -> PeriodRule:
    values = dict(spec)
    for name in CITATION_FIELDS:
        if name in values:
            values[name] = cite(*values[name])
    return PeriodRule(**values)


DESCRIPTIVE_FIELDS = ("name", "start_label", "note")


def apply_corrections() -> list[PeriodRule]:
    """Correct the rows that still hold an earlier seed's erroneous values; returns those corrected."""
    from zhifa.core.errors import Conflict, ValidationFailed
    from zhifa.deadlines.services import correct_seeded_rule, fixed_values

    specs = {spec["code"]: spec for spec in RULES}
    corrected = []
    for fix in CORRECTIONS:
        spec = specs[fix["code"]]
        erroneous = fixed_values(build_rule({**spec, **fix["was"]}))
        row = PeriodRule.objects.filter(code=spec["code"], valid_from=erroneous["valid_from"]).first()
        if row is None or fixed_values(row) != erroneous:
            continue  # never seeded wrongly, already corrected, or changed by an administrator
        target = build_rule(spec)
        for name in PeriodRule.FIXED_FIELDS + DESCRIPTIVE_FIELDS:
            attname = PeriodRule._meta.get_field(name).attname
            setattr(row, attname, getattr(target, attname))
        try:
            corrected.append(correct_seeded_rule(row, before=erroneous, reason=fix["reason"]))
        except (Conflict, ValidationFailed) as exc:
            # e.g. an administrator already added a version covering the corrected validity: leave it to them
            logger.warning("期限规则 %s 的内置数据未能自动更正：%s", spec["code"], exc.message)
    return corrected


def seed() -> list[PeriodRule]:
    """Correct earlier seed errors (CORRECTIONS), then create the statutory rule versions that are missing;
    returns the rows created or corrected."""
    from zhifa.deadlines.services import _save_rule

    with transaction.atomic():
        changed = apply_corrections()
        for spec in RULES:
            if PeriodRule.objects.filter(code=spec["code"], valid_from=spec["valid_from"]).exists():
                continue
            changed.append(_save_rule(build_rule(spec), SYSTEM, channel="seed"))
    return changed
