"""The seeded statutory rules checked against the bundled law texts, and corrections of earlier seed data."""

import datetime as dt
import re

import pytest

from zhifa.core.errors import NotFound, ValidationFailed
from zhifa.deadlines import seed
from zhifa.deadlines.models import PeriodRule, Unit
from zhifa.deadlines.services import due, save_period_rule
from zhifa.laws.parsing import cn_to_int, int_to_cn
from zhifa.laws.services import cite
from zhifa.ledger.models import Event

D = dt.date
pytestmark = pytest.mark.django_db

CN_NUMBER = "[一二三四五六七八九十百]+"


def cited_words(citation) -> str:
    """The words of the cited paragraph, or of the cited item (（四）…) when the citation names one."""
    return citation.quoted_text


def amount_word(amount: int, unit: str) -> str:
    return int_to_cn(amount) + ("小时" if unit == Unit.HOUR else "日")


def unit_by_day_type_article(citation, amount: int) -> str:
    """The unit the day-type article gives a period of `amount` days, read from the article's own words."""
    text = citation.quoted_text
    quoted = re.findall(f"“({CN_NUMBER})日”", text)
    if quoted:  # 行政处罚法第八十五条, 行政复议法第八十八条第二款: the listed periods are working days
        working = {cn_to_int(q) for q in quoted}
        return Unit.WORKING_DAY if amount in working else Unit.CALENDAR_DAY
    if limit := re.search(f"({CN_NUMBER})日以内期限的规定是指工作日", text):  # 行政强制法第六十九条
        return Unit.WORKING_DAY if amount <= cn_to_int(limit.group(1)) else Unit.CALENDAR_DAY
    if "期限以工作日计算" in text:  # 行政许可法第八十二条: every period of the law
        return Unit.WORKING_DAY
    raise AssertionError(f"{citation} does not say which periods are working days: {text}")


def test_the_day_type_articles_read_as_the_statutes_say():
    # the reading of the articles themselves (so that the per-rule check below rests on the right sets)
    penalty85, coercion69 = cite("administrative-penalty-law", 85), cite("administrative-coercion-law", 69)
    reconsideration88 = cite("administrative-reconsideration-law", 88, 2)
    licensing82 = cite("administrative-licensing-law", 82)
    assert {n for n in range(1, 100) if unit_by_day_type_article(penalty85, n) == Unit.WORKING_DAY} == {
        2,
        3,
        5,
        7,
    }
    assert {n for n in range(1, 100) if unit_by_day_type_article(coercion69, n) == Unit.WORKING_DAY} == set(
        range(1, 11)
    )
    assert {
        n for n in range(1, 100) if unit_by_day_type_article(reconsideration88, n) == Unit.WORKING_DAY
    } == {3, 5, 7, 10}
    assert all(unit_by_day_type_article(licensing82, n) == Unit.WORKING_DAY for n in (5, 10, 20, 45))


def test_every_seeded_rule_agrees_with_the_law_text():
    codes = {spec["code"] for spec in seed.RULES}  # other apps seed their own rules (reviews, portal …)
    rules = list(
        PeriodRule.objects.filter(code__in=codes).select_related("citation__law", "day_type_citation__law")
    )
    assert {r.code for r in rules} == codes
    for rule in rules:
        # the period's words appear in the cited article (e.g. 七日, 十五日, 二十四小时)
        word = amount_word(rule.amount, rule.unit)
        assert word in cited_words(rule.citation), (rule.code, word, cited_words(rule.citation))
        if rule.direction == PeriodRule.Direction.BEFORE:
            assert word + "前" in cited_words(rule.citation), rule.code
        # the unit is the one the law's day-type article gives a period of that length
        if rule.unit == Unit.HOUR:
            assert rule.day_type_citation is None
            continue
        assert rule.day_type_citation is not None, rule.code
        assert rule.unit == unit_by_day_type_article(rule.day_type_citation, rule.amount), rule.code
        # an extension rests on an article that grants it, with its length in the article's words
        if rule.extension_amount and rule.extension_citation is None:
            # granted by a rule outside the library (a 部门规章 for a sector version), named in extension_basis
            assert rule.extension_basis and "." in rule.code, rule.code
        elif rule.extension_amount:
            granted = cited_words(rule.extension_citation)
            assert "延长" in granted, rule.code
            assert amount_word(rule.extension_amount, rule.effective_extension_unit) in granted, rule.code


def test_the_national_rule_for_penalty_decisions_has_no_extension():
    # 行政处罚法第六十条 grants no extension; it defers to other laws, regulations and rules ("从其规定")
    rule = PeriodRule.objects.get(code="penalty.decide")
    assert "延长" not in rule.citation.quoted_text and "从其规定" in rule.citation.quoted_text
    assert rule.extension_amount == 0 and rule.extension_citation is None and rule.extension_basis == ""
    assert "penalty.decide.market" in rule.note and "市场监督管理行政处罚程序规定" in rule.note
    with pytest.raises(ValidationFailed) as info:
        due("penalty.decide", D(2026, 3, 2), extensions=1)
    assert info.value.code == "extension_not_allowed"


def test_article_60_is_refused_as_an_extension_basis(admin_user):
    # given an administrator trying to rest an extension on 第六十条 again
    national = PeriodRule.objects.get(code="penalty.decide")
    rule = _sector_rule(national, extension_citation=cite("administrative-penalty-law", 60))
    with pytest.raises(ValidationFailed) as info:
        save_period_rule(admin_user, rule)
    assert "extension_citation" in info.value.details and "没有规定延长" in info.value.message
    # and an extension with no basis at all
    rule = _sector_rule(national, extension_basis="")
    with pytest.raises(ValidationFailed) as info:
        save_period_rule(admin_user, rule)
    assert "extension_basis" in info.value.details
    assert not PeriodRule.objects.filter(code="penalty.decide.market_regulation").exists()


SECTOR_BASIS = "《市场监督管理行政处罚程序规定》关于办案期限延长的规定（经市场监督管理部门负责人批准）"


def _sector_rule(national, **extra):
    values = {
        "code": "penalty.decide.market_regulation",
        "name": "立案后作出行政处罚决定（市场监管部门）",
        "start_label": national.start_label,
        "amount": 90,
        "unit": Unit.CALENDAR_DAY,
        "citation": national.citation,
        "day_type_citation": national.day_type_citation,
        "extension_amount": 30,
        "extension_approver": "head",
        "extension_basis": SECTOR_BASIS,
        "valid_from": D(2021, 7, 15),
    }
    values.update(extra)
    return PeriodRule(**values)


def test_a_sector_rule_extends_with_its_own_basis(admin_user):
    # given the sector rule as its own code, its extension resting on the department rule (free text)
    rule = save_period_rule(admin_user, _sector_rule(PeriodRule.objects.get(code="penalty.decide")))
    event = Event.objects.get(event_type="deadlines.rule_created", subject_id=str(rule.pk))
    assert event.data["extension_basis"] == SECTOR_BASIS
    # when a decision period is extended once: 90 + 30 days from 2 Mar 2026 (29 + 30 + 31 + 30) = 30 Jun 2026
    result = due("penalty.decide.market_regulation", D(2026, 3, 2), extensions=1)
    assert result.date == D(2026, 6, 30)
    # then the explanation names the department rule for the extension and never 第六十条
    extension = next(part for part in result.explanation.split("；") if part.startswith("含延长"))
    assert SECTOR_BASIS in extension and "第六十条" not in extension
    assert result.explanation.startswith("《行政处罚法》第六十条：")  # the 90 days themselves
    # the national rule is unchanged
    with pytest.raises(ValidationFailed):
        due("penalty.decide", D(2026, 3, 2), extensions=1)


def test_no_explanation_claims_an_extension_from_an_article_without_one():
    for spec in seed.RULES:
        rule = PeriodRule.objects.get(code=spec["code"])
        if not rule.extension_amount:
            continue
        start = D(2026, 3, 2)
        extension = next(
            p for p in due(rule, start, extensions=1).explanation.split("；") if p.startswith("含延长")
        )
        if rule.extension_citation is None:  # a sector rule: the 部门规章 outside the library is named
            assert rule.extension_basis in extension
            continue
        assert str(rule.extension_citation) in extension
        assert "延长" in rule.extension_citation.quoted_text


# --- validity: when each rule's text applied ---------------------------------------------------------------


def test_licensing_rules_apply_since_the_law_took_effect():
    # 行政许可法 in force 1 July 2004; the 2019 amendment left 第三十二、四十二、四十四、四十五、八十二条 unchanged
    for code in ("licensing.correction_notice", "licensing.decision", "licensing.issue_certificate"):
        assert PeriodRule.objects.get(code=code).valid_from == D(2004, 7, 1)
    # 20 working days from Thu 1 Jul 2004: Jul 2 = 1, 5–9 = 2..6, 12–16 = 7..11, 19–23 = 12..16, 26–29 = 17..20
    assert due("licensing.decision", D(2004, 7, 1)).date == D(2004, 7, 29)
    with pytest.raises(NotFound) as info:
        due("licensing.decision", D(2004, 6, 30))
    assert info.value.code == "rule_not_in_force"


def test_rules_whose_text_changed_keep_the_later_start():
    # 行政处罚法 2021: 第八十五条 (working days) and 第六十条's 90 days are new; 行政复议法 2023 reworded its periods
    expected = {"penalty": D(2021, 7, 15), "reconsideration": D(2024, 1, 1), "coercion": D(2012, 1, 1)}
    codes = {spec["code"] for spec in seed.RULES}
    for rule in PeriodRule.objects.filter(code__in=codes).exclude(code__startswith="licensing."):
        assert rule.valid_from == expected[rule.code.split(".")[0]], rule.code


# --- corrections of an earlier seed ------------------------------------------------------------------------


def _as_earlier_seed_left_them():
    """The rows as the earlier seed wrote them (this database was seeded by the corrected seed)."""
    PeriodRule.objects.filter(code="penalty.decide").update(
        extension_amount=30,
        extension_approver="head",
        extension_citation=cite("administrative-penalty-law", 60),
    )
    PeriodRule.objects.filter(code__startswith="licensing.").update(valid_from=D(2019, 4, 23))


def test_the_seed_corrects_rows_of_the_earlier_seed():
    # given a database seeded before the corrections
    _as_earlier_seed_left_them()
    with pytest.raises(NotFound):
        due("licensing.decision", D(2010, 5, 6))
    # when the seed runs again (after every migrate)
    corrected = seed.seed()
    # then the four rows are corrected in place, each on the ledger with the erroneous values and the reason
    assert sorted(r.code for r in corrected) == [
        "licensing.correction_notice",
        "licensing.decision",
        "licensing.issue_certificate",
        "penalty.decide",
    ]
    decide = PeriodRule.objects.get(code="penalty.decide")
    assert (
        decide.extension_amount == 0 and decide.extension_citation is None and decide.extension_approver == ""
    )
    assert decide.note == seed.PENALTY_DECIDE_NOTE
    event = Event.objects.get(event_type="deadlines.rule_corrected", subject_id=str(decide.pk))
    assert event.actor_role == "system"
    assert event.data["before"]["extension_amount"] == 30 and event.data["after"]["extension_amount"] == 0
    assert "第六十条没有规定延长" in event.data["reason"]
    assert due("licensing.decision", D(2010, 5, 6)).rule.valid_from == D(2004, 7, 1)
    codes = {spec["code"] for spec in seed.RULES}
    assert PeriodRule.objects.filter(code__in=codes).count() == len(seed.RULES)  # corrected, not duplicated
    # and a second run changes nothing
    assert seed.seed() == []
    assert Event.objects.filter(event_type="deadlines.rule_corrected").count() == 4


def test_the_seed_leaves_rows_an_administrator_changed(admin_user):
    # given the earlier seed's licensing.decision, already replaced by an administrator's own version from 2004
    _as_earlier_seed_left_them()
    old = PeriodRule.objects.get(code="licensing.decision")
    own = PeriodRule(
        code="licensing.decision",
        name=old.name,
        amount=old.amount,
        unit=old.unit,
        citation=old.citation,
        day_type_citation=old.day_type_citation,
        valid_from=D(2004, 7, 1),
        valid_to=D(2019, 4, 22),
    )
    save_period_rule(admin_user, own)
    # when the seed runs, the correction would overlap the administrator's version: it is left to them
    corrected = seed.seed()
    assert "licensing.decision" not in {r.code for r in corrected}
    old.refresh_from_db()
    assert old.valid_from == D(2019, 4, 23)
    assert due("licensing.decision", D(2010, 5, 6)).rule == own
    # and a row whose arithmetic an administrator changed otherwise is not "the earlier seed's" row either
    PeriodRule.objects.filter(code="penalty.decide").update(extension_amount=20)
    assert seed.seed() == []
    assert PeriodRule.objects.get(code="penalty.decide").extension_amount == 20
