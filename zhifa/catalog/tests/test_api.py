"""The catalog API: visibility of drafts, the workflow, the import error report."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import load_workbook

from zhifa.api.auth import issue_token
from zhifa.catalog.models import ListVersion, PowerItem
from zhifa.catalog.tests.helpers import xlsx
from zhifa.ledger.models import Event

pytestmark = pytest.mark.django_db
BASE = "/api/v1/catalog"


def bearer(user):
    return {"HTTP_AUTHORIZATION": f"Bearer {issue_token(user, 'test')[1]}"}


def test_officer_of_another_agency_gets_404_and_the_attempt_is_on_the_ledger(client, draft_a, officer_b):
    # given agency A's draft, when an officer of agency B asks for it through the API
    response = client.get(f"{BASE}/versions/{draft_a.pk}", **bearer(officer_b))
    # then it does not exist for him, and the attempt is recorded
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    event = Event.objects.get(event_type="access.denied", actor_id=officer_b.pk)
    assert event.subject_type == "catalog.listversion" and event.subject_id == str(draft_a.pk)
    assert event.data["channel"] == "api"
    # nor can he change it, export it, or see it in the lists
    assert (
        client.post(
            f"{BASE}/versions/{draft_a.pk}/submit", {}, "application/json", **bearer(officer_b)
        ).status_code
        == 404
    )
    assert client.get(f"{BASE}/versions/{draft_a.pk}/export", **bearer(officer_b)).status_code == 404
    assert client.get(f"{BASE}/lists", **bearer(officer_b)).json() == []


def test_anonymous_sees_published_only(client, published_a, officer_a, agency_a):
    # given a published v1 and a draft v2 with a reason
    v2 = client.post(
        f"{BASE}/drafts",
        {"agency_id": agency_a.pk, "kind": "power", "change_reason": "法律修订"},
        "application/json",
        **bearer(officer_a),
    )
    assert v2.status_code == 201
    # anonymous: v1 readable, v2 not
    assert client.get(f"{BASE}/versions/{published_a.pk}").status_code == 200
    assert client.get(f"{BASE}/versions/{v2.json()['id']}").status_code == 404
    detail = client.get(f"{BASE}/lists/{published_a.catalog_list_id}").json()
    assert [v["number"] for v in detail["versions"]] == [1]
    item = client.get(f"{BASE}/versions/{published_a.pk}").json()["items"][0]
    assert item["values"]["权力类型"] == "行政处罚"
    assert item["citations"] == ["《行政处罚法》第二十八条"]
    # and anonymous cannot write
    assert (
        client.post(f"{BASE}/versions/{published_a.pk}/items", {"values": {}}, "application/json").status_code
        == 401
    )


def test_supervisor_reads_drafts_of_the_subtree_but_cannot_approve(client, draft_a, officer_a, supervisor_cj):
    assert client.get(f"{BASE}/versions/{draft_a.pk}", **bearer(supervisor_cj)).status_code == 200
    client.post(f"{BASE}/versions/{draft_a.pk}/submit", {}, "application/json", **bearer(officer_a))
    r = client.post(
        f"{BASE}/versions/{draft_a.pk}/approve",
        {"opinion": "同意"},
        "application/json",
        **bearer(supervisor_cj),
    )
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "catalog_review_denied"


def test_workflow_through_the_api(client, officer_a, reviewer_a, head_a, agency_a):
    v = client.post(
        f"{BASE}/drafts",
        {"agency_id": agency_a.pk, "kind": "av_record"},
        "application/json",
        **bearer(officer_a),
    ).json()
    row = {
        "执法事项": "查封、扣押财产",
        "记录方式": "执法记录仪",
        "记录人": "执法人员",
        "记录过程": "全过程",
        "记录要求": "全程音像记录",
        "执法环节": "查封扣押财产",
    }
    r = client.post(
        f"{BASE}/versions/{v['id']}/items", {"values": row}, "application/json", **bearer(officer_a)
    )
    assert r.status_code == 201, r.json()
    item_id = r.json()["id"]
    r = client.patch(
        f"{BASE}/versions/{v['id']}/items/{item_id}",
        {"values": {"记录人": "主办执法人员"}},
        "application/json",
        **bearer(officer_a),
    )
    assert r.json()["values"]["记录人"] == "主办执法人员"
    bad = client.post(
        f"{BASE}/versions/{v['id']}/items",
        {"values": {"执法事项": "x"}},
        "application/json",
        **bearer(officer_a),
    )
    assert bad.status_code == 400 and bad.json()["error"]["details"]["errors"]
    assert (
        client.post(
            f"{BASE}/versions/{v['id']}/publish", {}, "application/json", **bearer(head_a)
        ).status_code
        == 409
    )
    assert (
        client.post(
            f"{BASE}/versions/{v['id']}/submit", {}, "application/json", **bearer(officer_a)
        ).status_code
        == 200
    )
    r = client.post(
        f"{BASE}/versions/{v['id']}/return",
        {"opinion": "补充记录要求"},
        "application/json",
        **bearer(reviewer_a),
    )
    assert r.json()["status"] == "returned"
    client.post(f"{BASE}/versions/{v['id']}/submit", {}, "application/json", **bearer(officer_a))
    client.post(
        f"{BASE}/versions/{v['id']}/approve", {"opinion": "同意"}, "application/json", **bearer(reviewer_a)
    )
    r = client.post(
        f"{BASE}/versions/{v['id']}/publish",
        {"effective_from": "2020-03-01"},
        "application/json",
        **bearer(head_a),
    )
    assert r.status_code == 400 and r.json()["error"]["code"] == "catalog_effective_in_past"
    start = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    r = client.post(
        f"{BASE}/versions/{v['id']}/publish",
        {"effective_from": start},
        "application/json",
        **bearer(head_a),
    )
    assert r.status_code == 200 and r.json()["status"] == "published" and r.json()["valid_from"] == start
    # export is public now, with the real headers
    wb = load_workbook(io.BytesIO(client.get(f"{BASE}/versions/{v['id']}/export").content))
    assert [c.value for c in wb.active[2]][:5] == ["序号", "执法事项", "记录方式", "记录人", "记录过程"]


def test_import_with_a_bad_row_returns_400_with_rows(client, draft_a, officer_a):
    headers = ["序号", "权力类型", "事项名称", "执法主体", "执法依据"]
    rows = [
        [1, "行政许可", "食品经营许可", "本局", "《行政许可法》第十二条"],
        [2, "行政许可", "", "本局", "x"],
    ]
    upload = SimpleUploadedFile("list.xlsx", xlsx(headers, rows))
    r = client.post(f"{BASE}/versions/{draft_a.pk}/import", {"file": upload}, **bearer(officer_a))
    assert r.status_code == 400
    assert r.json()["error"]["details"]["rows"] == [
        {"row": 3, "column": "事项名称", "message": "必填，不能为空"}
    ]
    assert PowerItem.objects.filter(version=draft_a).count() == 1  # the draft's existing row is untouched
    good = SimpleUploadedFile("list.xlsx", xlsx(headers, rows[:1]))
    r = client.post(f"{BASE}/versions/{draft_a.pk}/import", {"file": good}, **bearer(officer_a))
    assert r.status_code == 200 and r.json()["created"] == 1
    assert PowerItem.objects.get(version=draft_a).name == "食品经营许可"


def test_diff_and_evaluate_and_threshold_endpoints(client, published_a, officer_a, agency_a, tree):
    v2 = ListVersion.objects.get(
        pk=client.post(
            f"{BASE}/drafts",
            {"agency_id": agency_a.pk, "kind": "power"},
            "application/json",
            **bearer(officer_a),
        ).json()["id"]
    )
    item = PowerItem.objects.get(version=v2)
    client.patch(
        f"{BASE}/versions/{v2.pk}/items/{item.pk}",
        {"values": {"备注": "新"}},
        "application/json",
        **bearer(officer_a),
    )
    d = client.get(f"{BASE}/versions/{v2.pk}/diff", **bearer(officer_a)).json()
    assert d["base_id"] == published_a.pk and d["changed"][0]["columns"] == [["备注", "", "新"]]
    r = client.post(
        f"{BASE}/evaluate/major-review", {"agency_id": agency_a.pk, "act_type": "penalty"}, "application/json"
    )
    assert r.status_code == 200 and r.json() == []
    r = client.get(f"{BASE}/thresholds/large-amount", {"sector": "市场监管", "jurisdiction_code": "652301"})
    assert r.status_code == 404 and r.json()["error"]["code"] == "threshold_not_found"
    assert len(client.get(f"{BASE}/kinds").json()) == 7


def test_openapi_lists_the_catalog_endpoints(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert "/api/v1/catalog/versions/{version_id}/import" in paths
    assert "/api/v1/catalog/evaluate/major-review" in paths
