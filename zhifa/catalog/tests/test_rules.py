"""The queries other apps evaluate: the major-review catalog and the 较大数额 thresholds."""

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zhifa.catalog import services
from zhifa.catalog.models import Kind, PartyType
from zhifa.catalog.tests.helpers import backdate, publish_through
from zhifa.core.errors import ValidationFailed
from zhifa.core.roles import Role
from zhifa.registry.models import Agency, User

pytestmark = pytest.mark.django_db

FINE_ROW = {
    "执法项目类别": "行政处罚",
    "审核的具体执法决定项目": "拟对公民处以1万元以上、对法人或者其他组织处以10万元以上的罚款",
    "行为类型": "行政处罚",
    "处罚种类": "罚款",
    "对公民罚款达到（元）": 10000,
    "对法人或其他组织罚款达到（元）": 100000,
}
REVOKE_ROW = {
    "执法项目类别": "行政处罚",
    "审核的具体执法决定项目": "拟吊销许可证件、责令停产停业、责令关闭",
    "行为类型": "行政处罚",
    "处罚种类": "吊销许可证件、责令停产停业、责令关闭",
    "职权来源": "《中华人民共和国行政处罚法》第五十八条第一款第（二）项",
}
FLAG_ROW = {
    "执法项目类别": "各类执法决定",
    "审核的具体执法决定项目": "涉及重大公共利益的",
    "其他情形": "涉及重大公共利益",
}
TEXT_ROW = {"执法项目类别": "其他", "审核的具体执法决定项目": "法律法规规定的其他情形"}


@pytest.fixture
def catalog(officer_a, reviewer_a, head_a, agency_a):
    version = services.create_draft(officer_a, agency_a, Kind.MAJOR_REVIEW)
    for row in (FINE_ROW, REVOKE_ROW, FLAG_ROW, TEXT_ROW):
        services.add_item(officer_a, version, row)
    return backdate(publish_through(version, officer_a, reviewer_a, head_a), dt.date(2024, 1, 1))


def evaluate(agency, **kw):
    kw.setdefault("act_type", "penalty")
    kw.setdefault("on", dt.date(2024, 6, 1))
    return services.evaluate_major_review(agency, **kw)


def test_organisation_above_and_below_threshold(catalog, agency_a):
    above = evaluate(
        agency_a, penalty_kinds=["fine"], fine_amount=Decimal("100000"), party_type="organisation"
    )
    assert [m.row.seq for m in above] == [1]
    assert "对法人或者其他组织罚款100000元，达到100000元的标准" in above[0].reasons
    assert str(above[0].citation) == "《行政处罚法》第五十八条"  # row without 职权来源: the statute's article
    below = evaluate(
        agency_a, penalty_kinds=["fine"], fine_amount=Decimal("99999.99"), party_type="organisation"
    )
    assert below == []


def test_natural_person_and_individual_business(catalog, agency_a):
    for party in (PartyType.NATURAL, PartyType.INDIVIDUAL_BUSINESS):
        hit = evaluate(agency_a, penalty_kinds=["fine"], fine_amount=Decimal("10000"), party_type=party)
        assert [m.row.seq for m in hit] == [1]
        assert "公民" in hit[0].reasons[-1]
    assert evaluate(agency_a, penalty_kinds=["fine"], fine_amount=Decimal("9999"), party_type="natural") == []


def test_penalty_kinds_flags_and_row_citation(catalog, agency_a):
    hit = evaluate(agency_a, penalty_kinds=["warning", "revoke_licence"], party_type="organisation")
    assert [m.row.seq for m in hit] == [2]
    assert str(hit[0].citation) == "《行政处罚法》第五十八条第一款第（二）项"
    flagged = evaluate(agency_a, act_type="coercion", flags=["public_interest"])
    assert [m.row.seq for m in flagged] == [3]  # not a penalty: no statutory case of 第五十八条 is added
    # a text-only row never matches; another act type does not match act-type rows
    assert evaluate(agency_a, act_type="license", penalty_kinds=["revoke_licence"]) == []


def test_catalog_in_force_on_the_date(catalog, agency_a, agency_b):
    assert evaluate(agency_a, on=dt.date(2023, 12, 31), penalty_kinds=["revoke_licence"]) == []
    assert evaluate(agency_b, penalty_kinds=["revoke_licence"]) == []  # agency B published none


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(fine=st.decimals(min_value=0, max_value=1_000_000, places=2), natural=st.booleans())
def test_fine_rule_property(catalog, agency_a, fine, natural):
    limit = Decimal(10000) if natural else Decimal(100000)
    hit = evaluate(
        agency_a,
        penalty_kinds=["fine"],
        fine_amount=fine,
        party_type="natural" if natural else "organisation",
    )
    assert bool(hit) == (fine >= limit)


@pytest.fixture
def thresholds(tree, justice, agency_a):
    """The Justice Bureau of 昌吉州 publishes 昌吉州 and 昌吉市 rows; a regional row is published by a regional body."""
    reviewer = User.objects.create_user("j_rev", password="x-pass-123", role=Role.REVIEWER, agency=justice)
    head = User.objects.create_user("j_head", password="x-pass-123", role=Role.HEAD, agency=justice)
    officer = User.objects.create_user("j_off", password="x-pass-123", role=Role.OFFICER, agency=justice)
    basis = "《中华人民共和国行政处罚法》第六十三条"
    version = services.create_draft(officer, justice, Kind.LARGE_AMOUNT)
    for code, amount_n, amount_o, start, end in (
        ("6523", 5000, 50000, "2020-01-01", None),
        ("652301", 8000, 80000, "2022-01-01", "2024-01-01"),
        ("652301", 10000, 100000, "2024-01-01", None),
    ):
        services.add_item(
            officer,
            version,
            {
                "行业领域": "市场监管",
                "区划代码": code,
                "对公民（元）": amount_n,
                "对法人或其他组织（元）": amount_o,
                "施行日期": start,
                "失效日期": end,
                "设定依据": basis,
            },
        )
    backdate(publish_through(version, officer, reviewer, head), dt.date(2010, 1, 1))
    regional = Agency.objects.create(
        name="新疆维吾尔自治区市场监督管理局",
        short_name="新市监",
        uscc="11650000MB0000009X",
        jurisdiction=tree["xj"],
    )
    r_off = User.objects.create_user("r_off", password="x-pass-123", role=Role.OFFICER, agency=regional)
    r_rev = User.objects.create_user("r_rev", password="x-pass-123", role=Role.REVIEWER, agency=regional)
    r_head = User.objects.create_user("r_head", password="x-pass-123", role=Role.HEAD, agency=regional)
    v = services.create_draft(r_off, regional, Kind.LARGE_AMOUNT)
    services.add_item(
        r_off,
        v,
        {
            "行业领域": "市场监管",
            "区划代码": "65",
            "对公民（元）": 3000,
            "对法人或其他组织（元）": 30000,
            "施行日期": "2015-01-01",
            "设定依据": basis,
        },
    )
    backdate(publish_through(v, r_off, r_rev, r_head), dt.date(2010, 1, 1))
    return tree


def test_threshold_by_date_and_up_the_tree(thresholds):
    tree = thresholds
    city, fk = tree["city"], tree["fk"]
    # 昌吉市 in 2023: its own row of 2022
    assert services.large_amount_threshold("市场监管", city, dt.date(2023, 6, 1)).amount_org == Decimal(80000)
    # 昌吉市 from 2024: the newer row
    assert services.large_amount_threshold("市场监管", city, dt.date(2024, 1, 1)).amount_org == Decimal(
        100000
    )
    # 昌吉市 in 2021: no own row yet → 昌吉州's
    assert services.large_amount_threshold("市场监管", city, dt.date(2021, 1, 1)).amount_natural == Decimal(
        5000
    )
    # 阜康市: no own row → 昌吉州
    assert services.large_amount_threshold("市场监管", fk, dt.date(2024, 6, 1)).jurisdiction == tree["cj"]
    # 2018: only the regional row
    assert services.large_amount_threshold("市场监管", fk, dt.date(2018, 1, 1)).amount_natural == Decimal(
        3000
    )
    # before any standard, and another sector: none
    assert services.large_amount_threshold("市场监管", fk, dt.date(2010, 1, 1)) is None
    assert services.large_amount_threshold("公安", city, dt.date(2024, 6, 1)) is None
    assert services.is_large_amount(
        sector="市场监管",
        jurisdiction=city,
        amount=Decimal(10000),
        party_type="natural",
        on=dt.date(2024, 6, 1),
    )
    assert not services.is_large_amount(
        sector="市场监管",
        jurisdiction=city,
        amount=Decimal(9999),
        party_type="natural",
        on=dt.date(2024, 6, 1),
    )


def test_draft_thresholds_do_not_count(tree, officer_a, agency_a):
    version = services.create_draft(officer_a, agency_a, Kind.LARGE_AMOUNT)
    services.add_item(
        officer_a,
        version,
        {
            "行业领域": "市场监管",
            "区划代码": "652301",
            "对公民（元）": 1,
            "对法人或其他组织（元）": 1,
            "施行日期": "2000-01-01",
            "设定依据": "x",
        },
    )
    assert services.large_amount_threshold("市场监管", tree["city"], dt.date(2024, 1, 1)) is None


def test_av_requirement_and_discretion(officer_a, reviewer_a, head_a, agency_a):
    av = services.create_draft(officer_a, agency_a, Kind.AV_RECORD)
    for step, req in (("seizure", "全程音像记录"), ("on_site", "根据需要音像记录")):
        services.add_item(
            officer_a,
            av,
            {
                "执法事项": step,
                "记录方式": "执法记录仪",
                "记录人": "执法人员",
                "记录过程": "全过程",
                "记录要求": req,
                "执法环节": step,
            },
        )
    publish_through(av, officer_a, reviewer_a, head_a)
    assert services.av_requirement(agency_a, "seizure").requirement == "mandatory"
    assert services.av_requirement(agency_a, "on_site").requirement == "as_needed"
    assert services.av_requirement(agency_a, "hearing") is None

    d = services.create_draft(officer_a, agency_a, Kind.DISCRETION)
    services.add_item(
        officer_a,
        d,
        {
            "事项名称": "食品",
            "违法行为": "无证经营",
            "裁量阶次": "从轻处罚",
            "罚款下限（元）": 50000,
            "罚款上限（元）": 80000,
            "裁量依据": "x",
        },
    )
    with pytest.raises(ValidationFailed):
        services.add_item(
            officer_a,
            d,
            {
                "事项名称": "食品",
                "违法行为": "无证经营",
                "裁量阶次": "从重",
                "罚款下限（元）": 9,
                "罚款上限（元）": 1,
                "裁量依据": "x",
            },
        )
    publish_through(d, officer_a, reviewer_a, head_a)
    [row] = services.discretion_ranges(agency_a, item_name="食品")
    assert (row.fine_min, row.fine_max, row.circumstance) == (Decimal(50000), Decimal(80000), "lighter")
