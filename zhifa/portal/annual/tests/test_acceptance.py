"""Issue 5 acceptance: "The 年报 tables equal counts computed independently from the case data".

A varied year of cases is run through the real case services (并处 of several kinds, 不予处罚, 违法事实不能成立, 移送,
当场处罚, 先行登记保存, 查封, 扣押, late payment with 加处罚款, 申请法院强制执行, a revoked decision, decisions on the
year's boundaries, another agency's case). The expected numbers are then recomputed here with plain Python over the
Decision / Measure / Payment / Execution rows — with the counting rules written out literally from domain.md §5,
not by calling zhifa.portal.annual.counting — and compared table by table, for the body's report and for the
jurisdiction report.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal

import pytest

from zhifa.cases import services as case_services
from zhifa.cases.models import CaseOfficer, Decision, Execution, Measure, Payment, Procedure, SourceType
from zhifa.cases.transitions import TRANSITIONS
from zhifa.core.roles import Role
from zhifa.portal.annual import counting, services
from zhifa.portal.annual.tests.conftest import YEAR, publish_power_list
from zhifa.registry import services as registry
from zhifa.registry.models import Certificate, Officer

pytestmark = pytest.mark.django_db

# domain.md §5, written out literally: 表一's columns (by penalty kind) and the default severity order.
COLUMN = {
    "warning": "warning", "circulation": "warning", "fine": "fine", "confiscate_gains": "confiscate",
    "confiscate_property": "confiscate", "suspend_licence": "suspend", "downgrade": "suspend", "revoke_licence": "revoke",
    "restrict_business": "restrict", "suspend_business": "close", "close": "close", "restrict_practice": "close",
    "detention": "detention", "other": "other",
}  # fmt: skip
ORDER = ["other", "warning", "circulation", "fine", "confiscate", "suspend_licence", "downgrade", "restrict_business",
         "suspend_business", "close", "revoke_licence", "detention"]  # fmt: skip


def rank(kind: str) -> int:
    if kind in ("confiscate_gains", "confiscate_property"):
        return ORDER.index("confiscate")
    if kind == "restrict_practice":
        return ORDER.index("close")
    return ORDER.index(kind)


def expected_tables(agency_ids: list[int], year: int) -> dict:
    """Recompute 表一, 表一附, 表三 (case columns) and 表五 from the rows, independently of the service."""
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    t1 = Counter()
    amount = Decimal(0)
    t1b = Counter()
    for d in Decision.objects.all():
        if d.case.agency_id not in agency_ids or not (start <= d.decided_on <= end):
            continue
        if d.outcome == "penalty":
            heaviest = max(d.penalty_kinds, key=rank)
            t1[COLUMN[heaviest]] += 1
            amount += (d.fine_amount or 0) + (d.confiscation_amount or 0)
            t1b["simple" if d.onsite else "ordinary"] += 1
        else:
            t1b[d.outcome] += 1
    for d in Decision.objects.exclude(revision=""):
        if d.case.agency_id in agency_ids and start <= d.revised_on <= end:
            t1b["corrected"] += 1
    t3 = Counter()
    for m in Measure.objects.all():
        if m.case.agency_id in agency_ids and start <= m.started_on <= end:
            (t1b if m.kind == "preserve" else t3)[m.kind] += 1
    t3["late_fee"] = len(
        {p.execution.case_id for p in Payment.objects.all()
         if p.execution.case.agency_id in agency_ids and start <= p.paid_on <= end and p.late_fee_part > 0}
    )  # fmt: skip
    t3["court"] = sum(
        1 for e in Execution.objects.all()
        if e.case.agency_id in agency_ids and e.court_applied_on and start <= e.court_applied_on <= end
    )  # fmt: skip
    officers = [o for o in Officer.objects.all() if o.agency_id in agency_ids and o.status == "active"]
    certified = [
        o for o in officers
        if any(c.status == "valid" and c.valid_from <= end <= c.valid_until for c in Certificate.objects.filter(officer=o))
    ]  # fmt: skip
    return {
        "t1": t1,
        "amount": amount,
        "t1b": t1b,
        "t3": t3,
        "officers": len(officers),
        "certified": len(certified),
    }


def assert_report_matches(snapshot: dict, exp: dict, *, agency_id: int | None = None) -> None:
    def v(code, key):
        return counting.value(snapshot, code, key, agency_id=agency_id)["v"]

    # 表一
    for key in (
        "warning",
        "fine",
        "confiscate",
        "suspend",
        "revoke",
        "restrict",
        "close",
        "detention",
        "other",
    ):
        assert v("t1", key) == exp["t1"][key], ("t1", key)
    assert v("t1", "total") == sum(exp["t1"].values())
    assert Decimal(v("t1", "amount")) == exp["amount"]
    # 表一附
    for key, exp_key in (("simple", "simple"), ("ordinary", "ordinary"), ("no_penalty", "no_penalty"),
                         ("not_established", "not_established"), ("transfer", "transfer"), ("preserve", "preserve"),
                         ("corrected", "corrected")):  # fmt: skip
        assert v("t1b", key) == exp["t1b"][exp_key], ("t1b", key)
    # 表三 (the columns with a data source)
    for key in ("seal", "seize", "late_fee", "court"):
        assert v("t3", key) == exp["t3"][key], ("t3", key)
    # 表五
    assert v("t5", "officers") == exp["officers"]
    assert v("t5", "certified") == exp["certified"]


def ecology_staff(w):
    """A second certified ecology officer and an ecology head, so the ecology agency can decide a case."""
    today = dt.date.today()
    o2 = registry.create_officer(user=w.admin, agency=w.ecology, name="己执法", domains=[w.ecology_domain])
    registry.issue_certificate(
        user=w.admin, officer=o2, number=f"E{o2.pk:06d}", domains=[w.ecology_domain], issuer="新疆维吾尔自治区人民政府",
        valid_from=today - dt.timedelta(days=800), valid_until=today + dt.timedelta(days=700), qualification="exam",
        exam_passed_on=today - dt.timedelta(days=900),
    )  # fmt: skip
    head = registry.create_user(
        username="t_head_env", password="Pass-1234!", role=Role.HEAD, user=w.admin, agency=w.ecology, officer=o2,
        display_name=o2.name,
    )  # fmt: skip
    return o2, head


def ecology_onsite(w, o2, on: dt.date, fine: str):
    from django.utils import timezone

    party = case_services.register_party(
        w.officer_b, kind="natural", name="赵某", id_type="other", id_number="T-ECO-1"
    )
    case = case_services.create_case(
        w.officer_b, title="露天焚烧", procedure=Procedure.SIMPLE, source_type=SourceType.INSPECTION,
        source_received_on=on, domain=w.ecology_domain, parties=[party],
    )  # fmt: skip
    case_services.assign_officer(w.officer_b, case, w.ecology_officer, CaseOfficer.Role.LEAD)
    case_services.assign_officer(w.officer_b, case, o2, CaseOfficer.Role.ASSIST)
    return case_services.transition(
        w.officer_b, case, "onsite_decide", penalty_kinds=["fine"], fine_amount=Decimal(fine), facts="露天焚烧",
        basis="《中华人民共和国大气污染防治法》第一百一十九条", party_informed=True, place="昌吉市郊",
        decided_at=timezone.make_aware(dt.datetime.combine(on, dt.time(11))),
    )  # fmt: skip


def test_tables_equal_counts_computed_independently_from_the_case_data(cases):
    c, w = cases, cases.w
    d = c.d
    # given: a varied year of the market agency's cases, through the case services
    single = c.decide(d(2, 10), kinds=["fine"], fine="3000")
    warned = c.decide(d(3, 3), kinds=["warning", "fine"], fine="5000")  # 并处: counted once, as 罚款
    c.decide(
        d(3, 20),
        kinds=["fine", "confiscate_gains", "confiscate_property"],
        fine="20000",
        confiscation="1520.50",
    )
    c.decide(d(4, 8), kinds=["confiscate_property", "fine", "suspend_business"], fine="80000")  # → 停产停业
    c.decide(d(5, 12), kinds=["revoke_licence", "fine", "warning"], fine="10000")  # → 吊销
    c.decide(d(6, 1), kinds=["warning"])
    c.decide(d(6, 15), kinds=["circulation"])
    c.decide(d(7, 1), kinds=["suspend_licence", "downgrade"])  # 暂扣 + 降低资质: one, in 暂扣、降低资质
    c.decide(d(7, 9), kinds=["restrict_business", "fine"], fine="6000")
    c.decide(d(7, 20), kinds=["other"])
    c.decide(d(8, 5), kinds=["fine"], fine="2000", preserve=True)  # with 先行登记保存
    c.decide(d(8, 20), outcome="no_penalty", ground="first_minor")
    c.decide(d(9, 2), outcome="not_established")
    c.decide(d(9, 15), outcome="transfer", transfer_to="昌吉市公安局")
    c.decide(d(12, 31), kinds=["fine"], fine="1000")  # the last day counts
    c.decide(dt.date(YEAR - 1, 12, 31), kinds=["fine"], fine="99999")  # the year before: not counted
    c.onsite(d(1, 1))  # the first day counts
    c.onsite(d(10, 10), fine="150")
    c.onsite(d(10, 11), kinds=["warning"])
    c.coercion(d(4, 1), measure="seize")
    c.coercion(d(4, 2), measure="seal")
    c.coercion(d(11, 25), measure="seize", release=False)
    c.coercion(dt.date(YEAR - 1, 11, 30), measure="seal")  # started the year before: not counted
    # execution: late payment with 加处罚款, and an application to the court
    c.serve(single, d(2, 12))
    c.pay_late(single, days_late=6)
    c.serve(warned, d(3, 5))
    c.apply_court(warned, days_late=20)
    # a decision revoked by the agency itself within the year
    if "revise_decision" in TRANSITIONS:
        case_services.transition(
            w.head, warned, "revise_decision", revision="revoked", revised_by="self", revised_on=d(6, 30),
            reason="适用依据错误，自行撤销",
        )  # fmt: skip
    # another agency of the same city
    o2, _head = ecology_staff(w)
    ecology_onsite(w, o2, d(5, 5), "100")
    publish_power_list(w)  # market: 处罚、强制、检查 — no 许可, no 征收征用

    # when: the market agency's report and the city's report are generated
    report = services.generate(w.officer, year=YEAR, agency=w.market)
    city = services.generate(w.supervisor, year=YEAR, jurisdiction=w.city)

    # then: table by table, they equal the independent count
    exp_market = expected_tables([w.market.pk], YEAR)
    assert (
        exp_market["t1"]["fine"] >= 4 and exp_market["t1b"]["no_penalty"] == 1
    )  # the data is as varied as meant
    assert (
        exp_market["t3"]["seal"] == 1 and exp_market["t3"]["seize"] == 2 and exp_market["t3"]["late_fee"] == 1
    )
    assert_report_matches(report.tables, exp_market)
    for agency in (w.market, w.ecology, w.justice):
        assert_report_matches(city.tables, expected_tables([agency.pk], YEAR), agency_id=agency.pk)
    exp_city = expected_tables([w.market.pk, w.ecology.pk, w.justice.pk], YEAR)
    assert_report_matches(city.tables, exp_city)  # the 合计 row
    assert sorted(b["id"] for b in city.tables["bodies"]) == sorted(
        [w.market.pk, w.ecology.pk, w.justice.pk]
    )  # not 阜康

    # 并处 counted once: every penalty decision is in exactly one column
    t1_total = counting.value(report.tables, "t1", "total")["v"]
    penalties = Decision.objects.filter(
        case__agency=w.market, outcome="penalty", decided_on__year=YEAR
    ).count()
    assert t1_total == penalties == 15

    # "无相关职责" vs 0 vs no data source, from the market's 权责清单
    def cell(code, key, snap=report.tables):
        return counting.value(snap, code, key)

    assert cell("t2", "apply")["s"] == "no_duty"  # no 行政许可 item
    assert counting.display(cell("t2", "apply")) == "无相关职责"
    assert cell("t4", "inspection")["s"] == "missing"  # a duty, but no data source: never a silent 0
    assert counting.display(cell("t4", "inspection")) == "未填报（无数据来源）"
    assert cell("t4", "expropriation")["s"] == "no_duty"
    assert cell("t1", "detention") == {"v": 0, "s": "case"}  # the duty, and no act: 0
    assert cell("t3", "freeze")["s"] == "missing"
    # the body enters what has no data source; the tables are recomputed with it
    report = services.set_manual(w.officer, report, {"t4.inspection": "12", "t3.freeze": 0})
    assert cell("t4", "inspection", report.tables) == {"v": 12, "s": "manual"}
    assert cell("t3", "freeze", report.tables) == {"v": 0, "s": "manual"}
    # ecology has published no 权责清单: its duties are unknown, shown with a note rather than "无相关职责"
    eco = counting.value(city.tables, "t2", "apply", agency_id=w.ecology.pk)
    assert eco["s"] == "missing"
    # the city total of a manual column takes the market's entry once regenerated, flagged as partial
    city = services.generate(w.supervisor, year=YEAR, jurisdiction=w.city)
    total = counting.value(city.tables, "t4", "inspection")
    assert total["v"] == 12 and total.get("flag") == "部分主体未填报"
