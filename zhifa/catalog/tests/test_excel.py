"""Excel import/export: real headers, row-level error report, all-or-nothing, round trip."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from zhifa.catalog import services
from zhifa.catalog.models import ITEM_MODELS, Kind, MajorReviewItem, PowerItem, ThresholdItem
from zhifa.catalog.tests.helpers import xlsx
from zhifa.core.errors import PermissionDenied
from zhifa.ledger.models import Event

pytestmark = pytest.mark.django_db

POWER_HEADERS = ["序号", "权力类型", "事项名称", "子项名称", "执法主体", "承办机构", "执法依据", "备注"]


def power_row(n, **override):
    row = {
        "序号": n,
        "权力类型": "行政处罚",
        "事项名称": f"事项{n}",
        "子项名称": "",
        "执法主体": "昌吉市市场监督管理局",
        "承办机构": "执法大队",
        "执法依据": "《中华人民共和国行政处罚法》第五十一条",
        "备注": "",
    }
    row.update(override)
    return [row[h] for h in POWER_HEADERS]


def test_one_bad_row_imports_nothing_and_names_the_row(officer_a, agency_a):
    # given a draft with one row already
    version = services.create_draft(officer_a, agency_a, Kind.POWER)
    services.add_item(
        officer_a,
        version,
        {"权力类型": "行政检查", "事项名称": "原有事项", "执法主体": "本局", "执法依据": "x"},
    )
    # and a sheet (with a title row) whose 4th data row has an unknown category and whose 5th lacks the body
    rows = [power_row(n) for n in range(1, 4)]
    rows.append(power_row(4, 权力类型="行政审批"))
    rows.append(power_row(5, 执法主体=None))
    data = xlsx(POWER_HEADERS, rows, title="昌吉市市场监督管理局权责清单")
    # when it is imported
    with pytest.raises(services.ImportFailed) as exc:
        services.import_excel(officer_a, version, data, filename="清单.xlsx")
    # then nothing changed, and the report names rows 6 and 7 (title row 1, header row 2) and why
    assert list(PowerItem.objects.filter(version=version).values_list("name", flat=True)) == ["原有事项"]
    report = exc.value.details["rows"]
    assert [(r["row"], r["column"]) for r in report] == [(6, "权力类型"), (7, "执法主体")]
    assert "行政审批" in report[0]["message"] and "必填" in report[1]["message"]
    assert "第6行、第7行" in exc.value.message and "未导入任何数据" in exc.value.message
    assert not Event.objects.filter(event_type="catalog.items_imported").exists()


def test_good_import_replaces_rows_and_resolves_citations(officer_a, agency_a):
    version = services.create_draft(officer_a, agency_a, Kind.POWER)
    rows = [
        power_row(1),
        power_row(2, 权力类型="强制", 执法依据="《行政强制法》第二十五条、第二十六条；《某某条例》第三条"),
    ]
    result = services.import_excel(
        officer_a, version, xlsx(POWER_HEADERS + ["未知列"], [r + ["x"] for r in rows])
    )
    assert result.created == 2 and result.ignored_columns == ["未知列"]
    second = PowerItem.objects.get(version=version, seq=2)
    assert second.category == "coercion"
    assert sorted(str(c) for c in second.citations.all()) == [
        "《行政强制法》第二十五条",
        "《行政强制法》第二十六条",
    ]
    event = Event.objects.get(event_type="catalog.items_imported")
    assert event.data["rows"] == 2 and len(event.data["sha256"]) == 64


def test_bad_citation_bad_number_bad_date_and_duplicate_seq_are_all_reported(officer_a, agency_a, tree):
    version = services.create_draft(officer_a, agency_a, Kind.LARGE_AMOUNT)
    headers = [
        "序号",
        "行业领域",
        "区划代码",
        "对公民（元）",
        "对法人或其他组织（元）",
        "施行日期",
        "设定依据",
    ]
    basis = "《中华人民共和国行政处罚法》第六十三条"
    rows = [
        [1, "市场监管", "652301", 10000, 100000, "2024-01-01", basis],
        [1, "市场监管", "652301", "一万", 100000, "2024年13月1日", "《中华人民共和国行政处罚法》第二百条"],
        [
            3,
            "市场监管",
            "652302",
            10000,
            100000,
            dt.datetime(2024, 1, 1),
            basis,
        ],  # 阜康: not the agency's area
        [4, "市场监管", "999999", 10000, 100000, "2024-01-01", basis],
    ]
    with pytest.raises(services.ImportFailed) as exc:
        services.import_excel(officer_a, version, xlsx(headers, rows))
    found = {(r["row"], r["column"]) for r in exc.value.details["rows"]}
    assert found == {
        (3, "序号"),
        (3, "对公民（元）"),
        (3, "施行日期"),
        (3, "设定依据"),
        (4, "区划代码"),
        (5, "区划代码"),
    }
    assert not ThresholdItem.objects.exists()


def test_unreadable_file_and_missing_headers(officer_a, agency_a):
    version = services.create_draft(officer_a, agency_a, Kind.POWER)
    with pytest.raises(services.ImportFailed) as exc:
        services.import_excel(officer_a, version, b"not an excel file")
    assert "xlsx" in exc.value.message
    with pytest.raises(services.ImportFailed) as exc:
        services.import_excel(officer_a, version, xlsx(["序号", "事项名称"], [[1, "x"]]))
    assert "未找到表头行" in exc.value.message


def test_import_by_another_agency_is_denied(officer_a, agency_a, officer_b):
    version = services.create_draft(officer_a, agency_a, Kind.POWER)
    with pytest.raises(PermissionDenied):
        services.import_excel(officer_b, version, xlsx(POWER_HEADERS, [power_row(1)]))
    assert Event.objects.filter(event_type="access.denied", actor_id=officer_b.pk).exists()


def test_export_has_the_real_headers(published_a):
    wb = load_workbook(io.BytesIO(services.export_excel(published_a)))
    ws = wb.active
    assert ws["A1"].value.startswith("昌吉市市场监督管理局权责清单")
    headers = [c.value for c in ws[2]]
    assert headers[:8] == POWER_HEADERS
    assert ws["B3"].value == "行政处罚"


def _round_trip(version, user, agency):
    """Export the draft, import the file back into it (its rows are replaced), compare the rows."""
    before = [services.item_values(i) for i in version.items()]
    old_pks = set(version.items().values_list("pk", flat=True))
    services.import_excel(user, version, services.export_excel(version))
    assert not old_pks & set(version.items().values_list("pk", flat=True))
    return before, [services.item_values(i) for i in version.items()]


def test_round_trip_major_review_and_thresholds(officer_a, agency_a, tree):
    major = services.create_draft(officer_a, agency_a, Kind.MAJOR_REVIEW)
    services.add_item(
        officer_a,
        major,
        {
            "执法项目类别": "行政处罚",
            "审核的具体执法决定项目": "拟对公民处以1万元以上、对法人或者其他组织处以10万元以上的罚款",
            "应提交的审核资料": "案件调查终结报告、证据材料",
            "审核重点": "事实、证据、依据、程序、裁量",
            "职权来源": "《中华人民共和国行政处罚法》第五十八条",
            "行为类型": "处罚",
            "处罚种类": "罚款",
            "对公民罚款达到（元）": "10000",
            "对法人或其他组织罚款达到（元）": "100000.50",
            "其他情形": "涉及重大公共利益、案件情况疑难复杂",
            "经过听证": "否",
        },
    )
    before, after = _round_trip(major, officer_a, agency_a)
    assert before == after
    row = MajorReviewItem.objects.get(version=major)
    assert row.min_fine_org == Decimal("100000.50") and row.flags == ["public_interest", "complex"]
    assert row.penalty_kinds == ["fine"] and row.act_type == "penalty" and row.requires_hearing is False

    thresholds = services.create_draft(officer_a, agency_a, Kind.LARGE_AMOUNT)
    services.add_item(
        officer_a,
        thresholds,
        {
            "行业领域": "市场监管",
            "区划代码": "652301",
            "对公民（元）": 10000,
            "对法人或其他组织（元）": 100000,
            "施行日期": "2024-01-01",
            "失效日期": "2026-01-01",
            "设定依据": "《中华人民共和国行政处罚法》第六十三条",
        },
    )
    before, after = _round_trip(thresholds, officer_a, agency_a)
    assert before == after


TEXT = (
    st.text(
        alphabet=st.characters(
            codec="utf-8", categories=("L", "N", "P", "Zs"), exclude_characters="《》\x00"
        ),
        min_size=1,
        max_size=40,
    )
    .map(str.strip)
    .filter(bool)
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(
        st.tuples(
            TEXT, st.sampled_from(["行政许可", "行政处罚", "行政强制", "行政检查"]), TEXT, st.integers(0, 400)
        ),
        min_size=1,
        max_size=6,
    )
)
def test_round_trip_property_power_list(officer_a, agency_a, rows):
    # given any rows of a power list, export → import into a fresh draft gives the same rows
    version = services.create_draft(officer_a, agency_a, Kind.POWER)
    try:
        for name, category, note, days in rows:
            services.add_item(
                officer_a,
                version,
                {
                    "权力类型": category,
                    "事项名称": name,
                    "执法主体": "本局",
                    "执法依据": f"《中华人民共和国行政处罚法》第{days % 86 + 1}条",
                    "备注": note,
                    "法定期限（日）": days,
                },
            )
        before, after = _round_trip(version, officer_a, agency_a)
        assert before == after
    finally:
        # hypothesis reuses the database of the test: clear the lists of this example
        ITEM_MODELS[Kind.POWER].objects.all().delete()
        from zhifa.catalog.models import CatalogList, ListVersion

        ListVersion.objects.all().delete()
        CatalogList.objects.all().delete()
