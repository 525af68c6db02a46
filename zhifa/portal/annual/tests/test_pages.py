"""The portal pages, the Excel download, the API and the console pages of the 年报."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from zhifa.cases.tests.conftest import client_for
from zhifa.ledger.models import Event
from zhifa.portal.annual import services
from zhifa.portal.annual.models import AnnualReport
from zhifa.portal.annual.tests.conftest import YEAR, Cases, publish_power_list

pytestmark = [pytest.mark.django_db, pytest.mark.urls("zhifa.portal.annual.tests.urls")]
AFTER = dt.date(YEAR + 1, 1, 10)


@pytest.fixture
def published(cw):
    c = Cases(cw)
    w = c.w
    c.onsite(c.d(2, 1), fine="200")
    c.onsite(c.d(2, 2), kinds=["warning"])
    publish_power_list(w, categories=("penalty", "inspection"))
    report = services.generate(w.officer, year=YEAR, agency=w.market, today=AFTER)
    report = services.set_manual(w.officer, report, {"t4.inspection": 9})
    report = services.edit_narrative(w.head, report, "全年依法实施行政处罚。\n第二段。")
    report = services.approve(w.head, services.submit(w.officer, report))
    report = services.publish(w.head, report, today=AFTER)
    draft = services.generate(w.officer, year=YEAR + 1, agency=w.market, today=dt.date(YEAR + 1, 3, 1))
    return report, draft


def test_portal_list_detail_and_excel(published):
    report, draft = published
    anon = Client()
    page = anon.get("/annual/").content.decode()
    assert "昌吉市市场监督管理局" in page and f"/annual/{report.pk}/" in page
    assert f"/annual/{draft.pk}/" not in page
    r = anon.get(f"/annual/{report.pk}/")
    html = r.content.decode()
    assert r.status_code == 200
    for text in ("表一 行政处罚", "表二 行政许可", "表三 行政强制", "表四 其他行政执法行为", "表五 行政执法证持证率",
                 "罚没金额(万元)", "无相关职责", "未填报（无数据来源）", "0.0200", "全年依法实施行政处罚", "<svg",
                 'role="img"', "国办发〔2018〕118号"):  # fmt: skip
        assert text in html, text
    assert "http://" not in html.replace("http://www.w3.org/2000/svg", "")  # nothing external
    # drafts are not on the portal, even for a signed-in officer of the agency
    assert anon.get(f"/annual/{draft.pk}/").status_code == 404
    assert client_for(published[0].created_by).get(f"/annual/{draft.pk}/").status_code == 404
    assert Event.objects.filter(event_type="access.denied", subject_id=str(draft.pk)).exists()

    # the Excel file: a sheet per table, with the real column headers and the values
    r = anon.get(f"/annual/{report.pk}/download.xlsx")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames[:6] == ["封面", "表一", "表一附", "表二", "表三", "表四"]
    t1 = wb["表一"]
    assert [c.value for c in t1[2]][:3] == ["执法主体", "行政处罚决定（件）", None]
    assert [c.value for c in t1[3]][1:12] == [
        "警告、通报批评", "罚款", "没收违法所得、没收非法财物", "暂扣许可证件、降低资质等级", "吊销许可证件",
        "限制开展生产经营活动", "责令停产停业、责令关闭、限制从业", "行政拘留", "其他", "合计", None,
    ]  # fmt: skip
    assert t1["L2"].value == "罚没金额(万元)"
    row = [c.value for c in t1[4]]
    assert (
        row[0] == "昌吉市市场监督管理局" and row[1] == 1 and row[2] == 1 and row[10] == 2 and row[11] == 0.02
    )
    t2 = [c.value for c in wb["表二"][3]]
    assert t2[1:] == ["无相关职责"] * 5
    t4 = [c.value for c in wb["表四"][3]]
    assert t4[1:] == [9, "无相关职责", "无相关职责"]
    assert "全年依法实施行政处罚。" in [c.value for c in wb["文字说明"]["A"]]


def test_api_public_and_roles(published):
    report, draft = published
    w_officer = draft.created_by
    anon = Client()
    listed = anon.get("/api/v1/annual/").json()
    assert [r["id"] for r in listed] == [report.pk]
    body = anon.get(f"/api/v1/annual/{report.pk}").json()
    assert body["status"] == "published" and body["tables"]["tables"][0]["code"] == "t1"
    assert anon.get(f"/api/v1/annual/{draft.pk}").status_code == 404
    assert anon.get(f"/api/v1/annual/{report.pk}/xlsx").status_code == 200
    assert (
        anon.post("/api/v1/annual/generate", {"year": YEAR}, content_type="application/json").status_code
        == 401
    )

    officer = client_for(w_officer)
    mine = {r["id"] for r in officer.get("/api/v1/annual/").json()}
    assert mine == {report.pk, draft.pk}
    r = officer.post(
        f"/api/v1/annual/{draft.pk}/narrative", {"text": "草稿说明"}, content_type="application/json"
    )
    assert r.status_code == 200 and r.json()["narrative"] == "草稿说明"
    r = officer.post(
        f"/api/v1/annual/{draft.pk}/manual", {"values": {"t2.apply": 3}}, content_type="application/json"
    )
    assert r.status_code == 200 and r.json()["manual"] == {"t2.apply": 3}
    assert officer.post(f"/api/v1/annual/{draft.pk}/submit").status_code == 200
    r = officer.post(f"/api/v1/annual/{draft.pk}/approve", {"opinion": ""}, content_type="application/json")
    assert r.status_code == 403 and r.json()["error"]["code"] == "annual_permission_denied"
    r = officer.post(
        "/api/v1/annual/generate",
        {"year": YEAR, "jurisdiction_code": "652301"},
        content_type="application/json",
    )
    assert r.status_code == 403
    r = officer.post(
        f"/api/v1/annual/{report.pk}/correct", {"reason": "更正"}, content_type="application/json"
    )
    assert r.status_code == 201 and r.json()["number"] == 2 and r.json()["based_on_id"] == report.pk


def test_api_generate_and_publish(world):
    w = world
    sup = client_for(w.supervisor)
    body = {"year": YEAR + 1, "jurisdiction_code": "652301"}  # the current year
    r = sup.post("/api/v1/annual/generate", body, content_type="application/json")
    assert r.status_code == 201, r.json()
    pk = r.json()["id"]
    assert r.json()["scope"] == "jurisdiction" and len(r.json()["tables"]["bodies"]) == 3
    assert sup.post(f"/api/v1/annual/{pk}/submit").status_code == 200
    assert sup.post(f"/api/v1/annual/{pk}/approve", {}, content_type="application/json").status_code == 200
    r = sup.post(f"/api/v1/annual/{pk}/publish")
    # the current year is not over yet
    assert r.status_code == 400 and r.json()["error"]["code"] == "annual_year_not_over"
    other = client_for(w.officer_b)
    assert other.get(f"/api/v1/annual/{pk}").status_code == 404  # ecology staff: a city draft is not theirs


def test_console_pages(world):
    w = world
    officer, head = client_for(w.officer), client_for(w.head)
    assert "生成年报" in officer.get("/console/annual/").content.decode()
    r = officer.post("/console/annual/generate/", {"year": YEAR})
    report = AnnualReport.objects.get(agency=w.market, year=YEAR)
    assert r.status_code == 302 and r["Location"] == f"/console/annual/{report.pk}/"
    page = officer.get(f"/console/annual/{report.pk}/").content.decode()
    assert "填报无数据来源的项目" in page and "提交负责人审批" in page and "<svg" in page
    officer.post(f"/console/annual/{report.pk}/manual/", {"t2.apply": "4", "t4.inspection": ""})
    officer.post(f"/console/annual/{report.pk}/narrative/", {"narrative": "说明文字"})
    report.refresh_from_db()
    assert report.manual == {"t2.apply": 4} and report.narrative == "说明文字"
    officer.post(f"/console/annual/{report.pk}/submit/")
    r = officer.post(f"/console/annual/{report.pk}/approve/", {"opinion": "同意"}, follow=True)
    assert "您无权" in r.content.decode()
    head.post(f"/console/annual/{report.pk}/approve/", {"opinion": "同意"})
    report.refresh_from_db()
    assert report.status == "approved"
    assert officer.get(f"/console/annual/{report.pk}/download.xlsx").status_code == 200
    # another agency's staff: not found (and recorded)
    assert client_for(w.officer_b).get(f"/console/annual/{report.pk}/").status_code == 404
    # the supervisor sees it, may generate the city's report, not the body's
    sup = client_for(w.supervisor)
    assert sup.get(f"/console/annual/{report.pk}/").status_code == 200
    assert "652301" in sup.get("/console/annual/").content.decode()
    r = sup.post("/console/annual/generate/", {"year": YEAR, "jurisdiction": "652301"})
    city = AnnualReport.objects.get(scope="jurisdiction", year=YEAR)
    assert r["Location"] == f"/console/annual/{city.pk}/"
    assert Client().get("/console/annual/").status_code == 302  # login required
