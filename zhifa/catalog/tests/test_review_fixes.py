"""Rules found missing in review: dates in force, 第五十八条's own cases, no administrator override of the legal
review, upload and cell bounds, publication dates, the version history, citations through laws.services.cite."""

import datetime as dt
import io
import zipfile
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from zhifa.api.auth import issue_token
from zhifa.catalog import excel, services
from zhifa.catalog.models import Kind, ListVersion, PowerItem
from zhifa.catalog.tests.helpers import POWER_ROW, backdate, publish_through, xlsx
from zhifa.catalog.validation import CitationRef, citations_for
from zhifa.core.errors import PermissionDenied, ValidationFailed
from zhifa.core.roles import Role
from zhifa.laws.services import cite
from zhifa.ledger.models import Event
from zhifa.registry.models import User

pytestmark = pytest.mark.django_db
API = "/api/v1/catalog"
BASIS = "《中华人民共和国行政处罚法》第六十三条"


def bearer(user):
    return {"HTTP_AUTHORIZATION": f"Bearer {issue_token(user, 'test')[1]}"}


def threshold_row(amount, start):
    return {
        "行业领域": "市场监管",
        "区划代码": "6523",
        "对公民（元）": amount,
        "对法人或其他组织（元）": amount * 10,
        "施行日期": start,
        "设定依据": BASIS,
    }


@pytest.fixture
def justice_staff(justice):
    return {
        role: User.objects.create_user(f"j_{role}", password="x-pass-123", role=role, agency=justice)
        for role in (Role.OFFICER, Role.REVIEWER, Role.HEAD)
    }


# 1. thresholds follow the version in force ---------------------------------------------------------------------


def test_threshold_published_for_2099_changes_nothing_before_2099(client, tree, justice, justice_staff):
    off, rev, head = (justice_staff[r] for r in (Role.OFFICER, Role.REVIEWER, Role.HEAD))
    # given v1 (1000元) in force since 2020
    v1 = services.create_draft(off, justice, Kind.LARGE_AMOUNT)
    services.add_item(off, v1, threshold_row(1000, "2020-01-01"))
    backdate(publish_through(v1, off, rev, head), dt.date(2020, 1, 1))
    # when v2 (5000元, its row dated 2020 as well) is published to take effect in 2099
    v2 = services.create_draft(off, justice, Kind.LARGE_AMOUNT, change_reason="标准调整")
    item = v2.items().get()
    services.update_item(off, item, {"对公民（元）": 5000, "对法人或其他组织（元）": 50000})
    publish_through(v2, off, rev, head, effective_from=dt.date(2099, 1, 1))
    # then today and 2021 still give v1's 1000元; from 2099 v2's 5000元
    city = tree["city"]
    assert services.large_amount_threshold("市场监管", city).amount_natural == Decimal(1000)
    assert services.large_amount_threshold("市场监管", city, dt.date(2021, 6, 1)).amount_natural == Decimal(
        1000
    )
    assert services.large_amount_threshold("市场监管", city, dt.date(2099, 6, 1)).amount_natural == Decimal(
        5000
    )
    assert services.large_amount_threshold("市场监管", city, dt.date(2019, 6, 1)) is None
    assert services.is_large_amount(
        sector="市场监管", jurisdiction=city, amount=Decimal(4000), party_type="natural"
    )
    # and the public API answers the same
    r = client.get(f"{API}/thresholds/large-amount", {"sector": "市场监管", "jurisdiction_code": "652301"})
    assert r.status_code == 200 and r.json()["version_id"] == v1.pk
    assert Decimal(r.json()["amount_natural"]) == Decimal(1000)


# 2. 行政处罚法第五十八条 applies without any catalog ---------------------------------------------------------------


def test_statutory_cases_of_article_58_without_a_catalog(client, agency_b):
    def evaluate(**kw):
        return services.evaluate_major_review(agency_b, act_type=kw.pop("act_type", "penalty"), **kw)

    # given agency B, which published no 法制审核目录
    assert evaluate() == []
    [m] = evaluate(flags=["public_interest"])
    assert m.row is None and m.statutory
    assert m.citation == cite("administrative-penalty-law", 58, 1, 1)
    assert str(m.citation) == "《行政处罚法》第五十八条第一款第（一）项"
    assert "涉及重大公共利益" in m.reasons
    # (二) needs both 重大权益 and a hearing
    assert evaluate(flags=["major_rights"]) == []
    [m] = evaluate(flags=["major_rights"], hearing_held=True)
    assert m.citation == cite("administrative-penalty-law", 58, 1, 2) and "经过听证程序" in m.reasons
    # (三) 疑难复杂 or 多个法律关系: one case
    [m] = evaluate(flags=["complex", "multiple_relations"])
    assert m.citation == cite("administrative-penalty-law", 58, 1, 3)
    assert m.reasons[:2] == ["案件情况疑难复杂", "涉及多个法律关系"]
    assert len(evaluate(flags=["public_interest", "multiple_relations"], hearing_held=True)) == 2
    # not a penalty: 第五十八条 does not apply
    assert evaluate(act_type="coercion", flags=["public_interest"]) == []
    # the API says which matches are the statute's own
    r = client.post(
        f"{API}/evaluate/major-review",
        {"agency_id": agency_b.pk, "act_type": "penalty", "flags": ["complex"]},
        "application/json",
    )
    [out] = r.json()
    assert out["statutory"] is True and out["item"] is None
    assert out["citation"] == "《行政处罚法》第五十八条第一款第（三）项"


def test_statutory_case_added_to_catalog_matches(officer_a, reviewer_a, head_a, agency_a):
    version = services.create_draft(officer_a, agency_a, Kind.MAJOR_REVIEW)
    services.add_item(
        officer_a,
        version,
        {
            "执法项目类别": "行政处罚",
            "审核的具体执法决定项目": "罚款",
            "行为类型": "行政处罚",
            "处罚种类": "罚款",
        },
    )
    publish_through(version, officer_a, reviewer_a, head_a)
    hits = services.evaluate_major_review(
        agency_a, act_type="penalty", penalty_kinds=["fine"], flags=["public_interest"]
    )
    assert [(m.row.seq if m.row else None) for m in hits] == [1, None]


# 3. no administrator stands in for the legal review or the head ---------------------------------------------------


def test_administrators_cannot_approve_return_or_publish(draft_a, officer_a, reviewer_a, head_a):
    superuser = User.objects.create_superuser("root", password="x-pass-123", role=Role.ADMIN)
    admin = User.objects.create_user("admin2", password="x-pass-123", role=Role.ADMIN)
    services.submit(officer_a, draft_a)
    for user in (superuser, admin, services.SYSTEM_USER):
        for step in (services.approve, services.return_for_revision):
            with pytest.raises(PermissionDenied) as exc:
                step(user, draft_a, opinion="同意")
            assert exc.value.code == "catalog_review_denied" and "118号" in exc.value.citation
    assert Event.objects.filter(event_type="access.denied", actor_id=superuser.pk).count() == 2
    services.approve(reviewer_a, draft_a, opinion="同意")
    for user in (superuser, admin, services.SYSTEM_USER):
        with pytest.raises(PermissionDenied) as exc:
            services.publish(user, draft_a)
        assert exc.value.code == "catalog_publish_denied"
    draft_a.refresh_from_db()
    assert draft_a.status == ListVersion.Status.APPROVED
    # a reviewer who is also a superuser is an administrator, not the agency's legal office
    assert not services.may(superuser, draft_a, "publish") and services.may(head_a, draft_a, "publish")


def test_draft_denial_is_recorded_as_create(agency_a, reviewer_a):
    with pytest.raises(PermissionDenied) as exc:
        services.create_draft(reviewer_a, agency_a, Kind.POWER)
    assert exc.value.code == "catalog_edit_denied" and "118号" in exc.value.citation
    event = Event.objects.get(event_type="access.denied", actor_id=reviewer_a.pk)
    assert event.subject_type == "catalog.listversion" and event.data["action"] == "create"


# 5. the console lets the service refuse (and record); uploads are bounded ---------------------------------------


def test_console_draft_refusal_reaches_the_ledger(client, supervisor_cj):
    client.force_login(supervisor_cj)
    response = client.post("/console/catalog/new/", {"kind": "power"}, follow=True)
    assert "只有本机关的执法人员或负责人可以编辑清单草稿" in response.content.decode()
    assert Event.objects.filter(event_type="access.denied", actor_id=supervisor_cj.pk).exists()
    assert not ListVersion.objects.exists()


def test_oversized_upload_is_refused_unread(client, draft_a, officer_a):
    big = SimpleUploadedFile("big.xlsx", b"0" * (services.MAX_UPLOAD_BYTES + 1))
    with pytest.raises(services.ImportFailed) as exc:
        services.import_excel(officer_a, draft_a, big)
    assert exc.value.code == "import_too_large"
    assert big.tell() == 0  # refused on its announced size, before any read
    client.force_login(officer_a)
    big.seek(0)
    response = client.post(f"/console/catalog/versions/{draft_a.pk}/import/", {"file": big})
    assert response.status_code == 400 and "文件超过10MB" in response.content.decode()
    big.seek(0)
    r = client.post(f"{API}/versions/{draft_a.pk}/import", {"file": big}, **bearer(officer_a))
    assert r.status_code == 400 and r.json()["error"]["code"] == "import_too_large"
    assert PowerItem.objects.filter(version=draft_a).count() == 1


def test_zip_bomb_is_refused_before_openpyxl(draft_a, officer_a):
    # given an "xlsx" of ~100 KB whose sheet inflates beyond the limit
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(excel.MAX_UNCOMPRESSED // len(chunk) + 1):
                member.write(chunk)
    data = buffer.getvalue()
    assert len(data) < services.MAX_UPLOAD_BYTES
    with pytest.raises(services.ImportFailed) as exc:
        services.import_excel(officer_a, draft_a, data, filename="bomb.xlsx")
    assert exc.value.code == "import_unreadable" and "解压后超过" in exc.value.message
    assert PowerItem.objects.filter(version=draft_a).count() == 1


# 6. integer cells fit the database column ------------------------------------------------------------------------


def test_absurd_integers_are_row_errors_and_import_nothing(draft_a, officer_a):
    headers = ["序号", "权力类型", "事项名称", "执法主体", "执法依据", "法定期限（日）"]
    rows = [
        [1, "行政许可", "食品经营许可", "本局", "x", 20],
        [2, "行政许可", "药品经营许可", "本局", "x", 10**15],
        [10**12, "行政许可", "特种设备许可", "本局", "x", None],
    ]
    with pytest.raises(services.ImportFailed) as exc:
        services.import_excel(officer_a, draft_a, xlsx(headers, rows))
    assert exc.value.details["rows"] == [
        {"row": 3, "column": "法定期限（日）", "message": "应为0至2147483647之间的整数"},
        {"row": 4, "column": "序号", "message": "应为1至2147483647之间的整数"},
    ]
    assert list(PowerItem.objects.filter(version=draft_a).values_list("name", flat=True)) == [
        POWER_ROW["事项名称"]
    ]
    with pytest.raises(ValidationFailed):
        services.add_item(officer_a, draft_a, POWER_ROW | {"序号": 0})
    # the largest value the column holds is accepted and stored
    item = services.add_item(
        officer_a, draft_a, POWER_ROW | {"事项名称": "另一事项", "法定期限（日）": 2147483647}
    )
    item.refresh_from_db()
    assert item.statutory_days == 2147483647


# 7. publication dates --------------------------------------------------------------------------------------------


def test_publish_in_the_past_is_refused(draft_a, officer_a, reviewer_a, head_a):
    services.submit(officer_a, draft_a)
    services.approve(reviewer_a, draft_a, opinion="同意")
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    with pytest.raises(ValidationFailed) as exc:
        services.publish(head_a, draft_a, effective_from=yesterday)
    assert exc.value.code == "catalog_effective_in_past" and "不能早于今日" in exc.value.message
    draft_a.refresh_from_db()
    assert draft_a.status == ListVersion.Status.APPROVED
    assert services.publish(head_a, draft_a).valid_from == timezone.localdate()


@pytest.mark.parametrize("text", ["2025-02-30", "2025/02/01", "明天", "2025-2-1"])
def test_console_invalid_date_is_a_form_error(client, draft_a, officer_a, reviewer_a, head_a, text):
    services.submit(officer_a, draft_a)
    services.approve(reviewer_a, draft_a, opinion="同意")
    client.force_login(head_a)
    url = f"/console/catalog/versions/{draft_a.pk}/"
    response = client.post(url + "publish/", {"effective_from": text}, follow=True)
    assert response.status_code == 200
    assert f"施行日期“{text}”不是有效日期" in response.content.decode()
    draft_a.refresh_from_db()
    assert draft_a.status == ListVersion.Status.APPROVED


# 8. the version history leaves out refused attempts --------------------------------------------------------------


def test_history_leaves_out_denied_attempts(client, draft_a, officer_a, officer_b):
    with pytest.raises(PermissionDenied):
        services.submit(officer_b, draft_a)
    assert Event.objects.filter(event_type="access.denied", subject_id=str(draft_a.pk)).exists()
    client.force_login(officer_a)
    page = client.get(f"/console/catalog/versions/{draft_a.pk}/").content.decode()
    assert "创建版本" in page and "officer_b" not in page


# 9. citations come from laws.services.cite -----------------------------------------------------------------------


def test_citations_resolve_through_cite(draft_a, officer_a):
    item = services.add_item(
        officer_a, draft_a, POWER_ROW | {"执法依据": "《中华人民共和国行政处罚法》第五十八条第一款第（二）项"}
    )
    assert list(item.citations.all()) == [cite("administrative-penalty-law", 58, 1, 2)]
    citations, errors = citations_for([CitationRef("no-such-law", 1)])
    assert citations == [] and errors == ["法律法规库中没有现行有效的“no-such-law”。"]


# 11. the API lets the service refuse an unknown kind -------------------------------------------------------------


def test_api_unknown_kind(client, officer_a, agency_a):
    r = client.post(
        f"{API}/drafts",
        {"agency_id": agency_a.pk, "kind": "nonsense"},
        "application/json",
        **bearer(officer_a),
    )
    assert r.status_code == 400 and r.json()["error"]["code"] == "catalog_unknown_kind"
