"""Console pages: visibility, the workflow buttons, the import error report, the home sections."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from zhifa.catalog import services
from zhifa.catalog.console import home_sections
from zhifa.catalog.models import Kind, ListVersion, PowerItem
from zhifa.catalog.tests.helpers import xlsx
from zhifa.ledger.models import Event

pytestmark = pytest.mark.django_db


def test_officer_of_another_agency_gets_404_and_the_attempt_is_on_the_ledger(client, draft_a, officer_b):
    client.force_login(officer_b)
    response = client.get(f"/console/catalog/versions/{draft_a.pk}/")
    assert response.status_code == 404
    event = Event.objects.get(event_type="access.denied", actor_id=officer_b.pk)
    assert event.subject_id == str(draft_a.pk) and event.data["channel"] == "console"
    # the draft is not listed for him either, and its export is refused the same way
    assert "昌吉市市场监督管理局" not in client.get("/console/catalog/").content.decode()
    assert client.get(f"/console/catalog/versions/{draft_a.pk}/export.xlsx").status_code == 404
    assert client.post(f"/console/catalog/versions/{draft_a.pk}/submit/").status_code == 404
    draft_a.refresh_from_db()
    assert draft_a.status == ListVersion.Status.DRAFT


def test_anonymous_is_sent_to_login(client, draft_a):
    response = client.get(f"/console/catalog/versions/{draft_a.pk}/")
    assert response.status_code == 302 and "/console/login/" in response["Location"]


def test_workflow_through_the_console(client, draft_a, officer_a, reviewer_a, head_a):
    url = f"/console/catalog/versions/{draft_a.pk}/"
    client.force_login(officer_a)
    page = client.get(url).content.decode()
    assert (
        "提交审核" in page
        and "对生产经营不符合食品安全标准的食品的行政处罚" in page
        and "审核通过" not in page
    )
    client.post(url + "submit/")
    client.force_login(head_a)
    response = client.post(url + "publish/", follow=True)
    assert "未经法制审核通过不得发布" in response.content.decode()
    client.force_login(reviewer_a)
    assert "审核通过" in client.get(url).content.decode()
    client.post(url + "approve/", {"opinion": "同意发布。"})
    client.force_login(head_a)
    start = (timezone.localdate() + dt.timedelta(days=5)).isoformat()
    client.post(url + "publish/", {"effective_from": start})
    draft_a.refresh_from_db()
    assert draft_a.status == ListVersion.Status.PUBLISHED and str(draft_a.valid_from) == start
    history = client.get(url).content.decode()
    for label in ("创建版本", "提交法制审核", "法制审核通过", "发布", "同意发布。"):
        assert label in history


def test_import_error_report_on_the_page(client, officer_a, agency_a):
    version = services.create_draft(officer_a, agency_a, Kind.CERTIFICATION)
    client.force_login(officer_a)
    headers = ["序号", "证明名称", "证明用途", "设定依据", "索要单位", "开具单位"]
    rows = [
        [1, "无犯罪记录证明", "申请执业登记", "《某某条例》第十条", "市场监管局", "公安机关"],
        [2, "居住证明", "", "《某某办法》第三条", "市场监管局", "社区"],
    ]
    upload = SimpleUploadedFile("证明事项.xlsx", xlsx(headers, rows))
    response = client.post(f"/console/catalog/versions/{version.pk}/import/", {"file": upload})
    assert response.status_code == 400
    page = response.content.decode()
    assert "第3行" in page and "证明用途" in page and "未导入任何数据" in page
    assert not version.items().exists()


def test_item_form_and_diff(client, published_a, officer_a, agency_a):
    client.force_login(officer_a)
    response = client.post("/console/catalog/new/", {"kind": "power", "change_reason": "职责调整"})
    v2 = ListVersion.objects.get(number=2)
    assert response["Location"] == f"/console/catalog/versions/{v2.pk}/"
    form = client.get(f"/console/catalog/versions/{v2.pk}/items/new/")
    assert "权力类型" in form.content.decode()
    bad = client.post(f"/console/catalog/versions/{v2.pk}/items/new/", {"category": "penalty", "name": ""})
    assert bad.status_code == 400 and "必填" in bad.content.decode()
    ok = client.post(
        f"/console/catalog/versions/{v2.pk}/items/new/",
        {
            "category": "inspection",
            "name": "食品生产经营日常监督检查",
            "body": "本局",
            "basis_text": "《食品安全法》第八十七条",
        },
    )
    assert ok.status_code == 302
    item = PowerItem.objects.get(version=v2, name="食品生产经营日常监督检查")
    assert item.seq == 2
    diff = client.get(f"/console/catalog/versions/{v2.pk}/diff/").content.decode()
    assert "新增（1）" in diff and "食品生产经营日常监督检查" in diff


def test_home_sections(draft_a, officer_a, reviewer_a, head_a, supervisor_cj, officer_b):
    assert [r.text for r in home_sections(officer_a)[0].rows] == [f"{draft_a.catalog_list} 第1版"]
    services.submit(officer_a, draft_a)
    [pending] = home_sections(reviewer_a)
    assert pending.title == "待审核清单" and len(pending.rows) == 1
    assert home_sections(head_a)[0].rows == []  # nothing approved yet
    services.approve(reviewer_a, draft_a, opinion="同意")
    assert home_sections(head_a)[0].title == "待发布清单" and len(home_sections(head_a)[0].rows) == 1
    assert len(home_sections(supervisor_cj)[0].rows) == 1
    assert home_sections(officer_b)[0].rows == []
