"""The published 年报 page in headless Chromium: the list, the tables, a chart, and the Excel download (issue 5 #8).

The server (zhifa.core.browser) runs on its own SQLite database; `prepare` runs there once: a second certified
market officer, last year's 当场处罚 and 扣押 cases through the case services, the market's 权责清单, and the market's
report generated, approved and published through the 年报 services.
"""

from __future__ import annotations

import datetime as dt
import io
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook

pytest.register_assert_rewrite("zhifa.core.browser")
pytest_plugins = ["zhifa.core.browser"]

from zhifa.core.browser import PHONE  # noqa: E402

BROWSER_SETUP = ("zhifa.portal.annual.tests.test_browser:prepare",)


def prepare() -> dict:
    from decimal import Decimal

    from django.utils import timezone

    from zhifa.cases import services as cases
    from zhifa.cases.models import CaseOfficer, Procedure, SourceType
    from zhifa.catalog.models import CatalogList, Kind
    from zhifa.files.services import store_bytes
    from zhifa.portal.annual import services
    from zhifa.portal.annual.tests.conftest import publish_power_list
    from zhifa.registry import services as registry
    from zhifa.registry.models import Agency, EnforcementDomain, User

    today = timezone.localdate()
    year = today.year - 1
    admin = User.objects.get(username="t_admin")
    officer, reviewer, head = (User.objects.get(username=u) for u in ("t_officer", "t_reviewer", "t_head"))
    market = Agency.objects.get(short_name="昌市监")
    domain = EnforcementDomain.objects.get(code="market")
    o2 = registry.create_officer(user=admin, agency=market, name="庚协办", domains=[domain])
    registry.issue_certificate(
        user=admin, officer=o2, number=f"A{o2.pk:06d}", domains=[domain], issuer="新疆维吾尔自治区人民政府",
        valid_from=today - dt.timedelta(days=500), valid_until=today + dt.timedelta(days=700),
        qualification="exam", exam_passed_on=today - dt.timedelta(days=600),
    )  # fmt: skip

    def open_case(on, procedure, n):
        party = cases.register_party(
            officer,
            kind="natural",
            name=f"钱某{n}",
            id_type="other",
            id_number=f"BR-{n}",
            address="新疆昌吉市延安北路1号（演示地址）",
        )
        case = cases.create_case(
            officer, title="占道经营", procedure=procedure, source_type=SourceType.INSPECTION, source_received_on=on,
            domain=domain, parties=[party],
        )  # fmt: skip
        cases.assign_officer(officer, case, officer.officer, CaseOfficer.Role.LEAD)
        cases.assign_officer(officer, case, o2, CaseOfficer.Role.ASSIST)
        return case

    for n, (month, kinds, fine) in enumerate(
        ((3, ["fine"], "200"), (5, ["fine"], "150"), (6, ["warning"], None))
    ):
        on = dt.date(year, month, 10)
        case = open_case(on, Procedure.SIMPLE, n)
        cases.transition(
            officer, case, "onsite_decide", penalty_kinds=kinds, fine_amount=Decimal(fine) if fine else None,
            facts="占道经营", basis="《城市道路管理条例》第四十二条", place="昌吉市延安路", party_informed=True,
            decided_at=timezone.make_aware(dt.datetime.combine(on, dt.time(10))),
        )  # fmt: skip
    on = dt.date(year, 7, 1)
    case = open_case(on, Procedure.COERCION, 9)
    cases.transition(officer, case, "start_verification")
    cases.transition(officer, case, "request_filing", opinion="需依法扣押")
    cases.transition(head, case, "approve_filing", filed_on=on)
    blob = store_bytes(b"browser-av", content_type="video/mp4")
    av = cases.add_evidence(
        officer, case, kind="audiovisual", title="执法记录仪视频", blob=blob, filename="a.mp4",
        recorded_at=timezone.now() - dt.timedelta(days=1), device="DSJ", place="现场", step="seizure",
    )  # fmt: skip
    cases.transition(officer, case, "seize", measure="seize", items="涉案物品", started_on=on, head_approved=True,
                     av_evidence_id=av.pk, reason="防止证据灭失", legal_basis="《中华人民共和国食品安全法》第一百一十条")  # fmt: skip
    cases.transition(officer, case, "release_measure", measure_id=case.measures.get().pk,
                     released_on=on + dt.timedelta(days=5), outcome="依法处理")  # fmt: skip
    if not CatalogList.objects.filter(agency=market, kind=Kind.POWER).exists():
        publish_power_list(SimpleNamespace(officer=officer, reviewer=reviewer, head=head, market=market))
    after = dt.date(year + 1, 1, 10)
    report = services.generate(officer, year=year, agency=market, today=after)
    report = services.set_manual(officer, report, {"t4.inspection": 21}, today=after)
    report = services.edit_narrative(head, report, "本年度依法实施当场处罚和行政强制。")
    report = services.approve(head, services.submit(officer, report), opinion="同意")
    report = services.publish(head, report, today=after)
    return {"report": report.pk, "year": year}


def test_published_annual_report_page_tables_chart_and_excel(new_context, zhifa_server):
    facts = zhifa_server.setup["zhifa.portal.annual.tests.test_browser:prepare"]
    context, watch = new_context(viewport=PHONE)
    page = context.new_page()
    page.goto(f"{zhifa_server.url}/annual/")
    link = page.get_by_role("link", name=f"昌吉市市场监督管理局{facts['year']}年度行政执法统计年报")
    link.click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/annual/{facts['report']}/")
    assert page.get_by_role("heading", name="表一 行政处罚").is_visible()

    # the tables: 表一's headers and the body's row (2 罚款, 1 警告, 罚没 350元 = 0.0350万元)
    t1 = page.locator("#t1 table")
    assert t1.get_by_role("columnheader", name="罚没金额(万元)").count() == 1
    row = t1.locator("tbody tr").first
    cells = row.locator("td").all_inner_texts()
    assert row.locator("th").inner_text() == "昌吉市市场监督管理局"
    assert cells[0] == "1" and cells[1] == "2" and cells[9] == "3" and cells[10] == "0.0350"
    assert "无相关职责" in page.locator("#t2").inner_text()  # the 权责清单 has no 行政许可 item
    assert "21" in page.locator("#t4").inner_text()  # entered by the body
    assert page.locator("#t3 tbody td").nth(1).inner_text() == "1"  # 扣押

    # a chart: inline SVG with its bars and an accessible name listing the values
    chart = page.locator("svg#chart-t1")
    assert chart.is_visible()
    assert chart.locator("rect.bar").count() == 9
    assert "罚款：2件" in chart.locator("desc").text_content()
    box = chart.bounding_box()
    assert box and box["width"] <= PHONE["width"]  # fits the phone

    # the Excel download
    with page.expect_download() as info:
        page.get_by_role("link", name="下载 Excel").click()
    download = info.value
    data = open(download.path(), "rb").read()
    wb = load_workbook(io.BytesIO(data))
    sheet = wb["表一"]
    assert sheet["A2"].value == "执法主体" and sheet["L2"].value == "罚没金额(万元)"
    assert [c.value for c in sheet[4]][:3] == ["昌吉市市场监督管理局", 1, 2]
    watch.assert_clean()
