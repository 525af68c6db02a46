"""The list workflow: draft → submit → approve | return → publish → superseded, and every refusal."""

import datetime as dt

import pytest
from django.utils import timezone

from zhifa.catalog import services
from zhifa.catalog.models import CatalogList, Kind, ListVersion, PowerItem
from zhifa.catalog.tests.helpers import POWER_ROW, publish_through
from zhifa.core.errors import Conflict, PermissionDenied, ValidationFailed
from zhifa.laws.models import Citation
from zhifa.ledger.models import Event

pytestmark = pytest.mark.django_db


def events_of(version):
    return list(
        Event.objects.filter(subject_type="catalog.listversion", subject_id=str(version.pk)).values_list(
            "event_type", flat=True
        )
    )


def test_happy_path_is_on_the_ledger(draft_a, officer_a, reviewer_a, head_a):
    # given a draft with one row whose basis cites the bundled 行政处罚法 and the (absent) 食品安全法
    item = PowerItem.objects.get(version=draft_a)
    assert item.seq == 1
    assert [str(c) for c in item.citations.all()] == ["《行政处罚法》第二十八条"]
    assert "食品安全法" in item.basis_text  # kept as published text
    # when it goes through review and publication
    services.submit(officer_a, draft_a)
    services.approve(reviewer_a, draft_a, opinion="经审核，事项及依据准确，同意发布。")
    today = timezone.localdate()
    services.publish(head_a, draft_a, effective_from=today)
    # then it is the current version, with who did what
    draft_a.refresh_from_db()
    assert draft_a.status == ListVersion.Status.PUBLISHED
    assert draft_a.catalog_list.current_version == draft_a
    assert (draft_a.submitted_by, draft_a.reviewed_by, draft_a.published_by) == (
        officer_a,
        reviewer_a,
        head_a,
    )
    assert draft_a.review_opinion.startswith("经审核")
    assert draft_a.valid_from == today
    assert events_of(draft_a) == [
        "catalog.version_created",
        "catalog.item_added",
        "catalog.version_submitted",
        "catalog.version_approved",
        "catalog.version_published",
    ]
    published = Event.objects.get(event_type="catalog.version_published")
    assert published.actor_id == head_a.pk and published.actor_agency_id == head_a.agency_id


def test_new_version_copies_items_and_supersedes_the_old_one(
    published_a, officer_a, reviewer_a, head_a, agency_a
):
    # given a published list, when an officer opens a new version
    v2 = services.create_draft(officer_a, agency_a, Kind.POWER)
    # then it copies the published rows (with their citations) and is based on the published version
    assert v2.number == 2 and v2.based_on == published_a
    copied = PowerItem.objects.get(version=v2)
    original = PowerItem.objects.get(version=published_a)
    assert copied.pk != original.pk and copied.name == original.name
    assert list(copied.citations.all()) == list(original.citations.all())
    # when the copy is edited, the published row is untouched (copy-on-write)
    services.update_item(officer_a, copied, {"备注": "依据2025年修订调整"})
    original.refresh_from_db()
    assert original.note == ""
    # and the new version cannot be submitted without a reason
    with pytest.raises(ValidationFailed) as exc:
        services.submit(officer_a, v2)
    assert exc.value.code == "catalog_change_reason_required"
    assert "118号" in exc.value.citation
    # when it is published with a reason, to take effect in 100 days
    start = timezone.localdate() + dt.timedelta(days=100)
    publish_through(
        v2, officer_a, reviewer_a, head_a, reason="《食品安全法》修正，调整处罚依据", effective_from=start
    )
    # then the old version stays in force until the new one starts, and is still readable
    published_a.refresh_from_db()
    assert published_a.status == ListVersion.Status.PUBLISHED
    assert published_a.valid_to == start
    assert PowerItem.objects.filter(version=published_a).count() == 1
    assert CatalogList.objects.get(pk=v2.catalog_list_id).current_version == v2
    assert "catalog.version_superseded" not in events_of(published_a)
    # and the version in force depends on the date
    assert services.published_version(agency_a, Kind.POWER) == published_a
    assert services.published_version(agency_a, Kind.POWER, start - dt.timedelta(days=1)) == published_a
    assert services.published_version(agency_a, Kind.POWER, start) == v2
    # when the day comes, the daily job marks the old version superseded (once)
    assert services.supersede_due(start - dt.timedelta(days=1)) == 0
    assert services.supersede_due(start) == 1 and services.supersede_due(start) == 0
    published_a.refresh_from_db()
    assert published_a.status == ListVersion.Status.SUPERSEDED
    assert events_of(published_a)[-1] == "catalog.version_superseded"


def test_only_one_open_version(draft_a, officer_a, agency_a):
    with pytest.raises(Conflict):
        services.create_draft(officer_a, agency_a, Kind.POWER)


def test_submit_empty_list_is_refused(officer_a, agency_a):
    version = services.create_draft(officer_a, agency_a, Kind.AV_RECORD)
    with pytest.raises(ValidationFailed) as exc:
        services.submit(officer_a, version)
    assert exc.value.code == "catalog_empty"


def test_approve_by_non_reviewer_is_refused_and_recorded(draft_a, officer_a, head_a):
    services.submit(officer_a, draft_a)
    for user in (officer_a, head_a):
        with pytest.raises(PermissionDenied) as exc:
            services.approve(user, draft_a, opinion="同意")
        assert exc.value.code == "catalog_review_denied"
    draft_a.refresh_from_db()
    assert draft_a.status == ListVersion.Status.SUBMITTED
    denied = Event.objects.filter(event_type="access.denied", subject_id=str(draft_a.pk))
    assert {e.actor_id for e in denied} == {officer_a.pk, head_a.pk}
    assert all(e.data["action"] == "review" for e in denied)


def test_reviewer_of_another_agency_is_refused(draft_a, officer_a, reviewer_b):
    services.submit(officer_a, draft_a)
    with pytest.raises(PermissionDenied):
        services.approve(reviewer_b, draft_a, opinion="同意")
    with pytest.raises(PermissionDenied):
        services.return_for_revision(reviewer_b, draft_a, opinion="不同意")
    assert Event.objects.filter(event_type="access.denied", actor_id=reviewer_b.pk).count() == 2


def test_officer_of_another_agency_cannot_edit_or_create(draft_a, officer_b, agency_a):
    with pytest.raises(PermissionDenied):
        services.add_item(officer_b, draft_a, POWER_ROW)
    with pytest.raises(PermissionDenied):
        services.create_draft(officer_b, agency_a, Kind.MAJOR_REVIEW)
    assert not CatalogList.objects.filter(agency=agency_a, kind=Kind.MAJOR_REVIEW).exists()
    assert Event.objects.filter(event_type="access.denied", actor_id=officer_b.pk).count() == 2


def test_supervisor_and_reviewer_cannot_draft(agency_a, supervisor_cj, reviewer_a):
    for user in (supervisor_cj, reviewer_a):
        with pytest.raises(PermissionDenied):
            services.create_draft(user, agency_a, Kind.POWER)


def test_publish_before_approval_is_refused(draft_a, officer_a, head_a):
    with pytest.raises(Conflict) as exc:
        services.publish(head_a, draft_a)
    assert exc.value.code == "catalog_not_approved"
    services.submit(officer_a, draft_a)
    with pytest.raises(Conflict):
        services.publish(head_a, draft_a)
    assert not Event.objects.filter(event_type="catalog.version_published").exists()


def test_only_the_head_publishes(draft_a, officer_a, reviewer_a):
    services.submit(officer_a, draft_a)
    services.approve(reviewer_a, draft_a, opinion="同意")
    for user in (officer_a, reviewer_a):
        with pytest.raises(PermissionDenied) as exc:
            services.publish(user, draft_a)
        assert exc.value.code == "catalog_publish_denied"


def test_editing_a_published_or_submitted_version_is_refused(published_a, officer_a):
    item = PowerItem.objects.get(version=published_a)
    with pytest.raises(Conflict):
        services.update_item(officer_a, item, {"备注": "改"})
    with pytest.raises(Conflict):
        services.add_item(officer_a, published_a, POWER_ROW)
    with pytest.raises(Conflict):
        services.remove_item(officer_a, item)
    with pytest.raises(Conflict):
        services.set_change_reason(officer_a, published_a, "x")
    item.refresh_from_db()
    assert item.note == ""


def test_return_with_opinion_then_resubmit(draft_a, officer_a, reviewer_a):
    services.submit(officer_a, draft_a)
    with pytest.raises(ValidationFailed):
        services.return_for_revision(reviewer_a, draft_a, opinion="  ")
    services.return_for_revision(reviewer_a, draft_a, opinion="执法依据应引用到条款。")
    draft_a.refresh_from_db()
    assert draft_a.status == ListVersion.Status.RETURNED
    assert draft_a.review_opinion == "执法依据应引用到条款。"
    # a returned version is edited and resubmitted
    item = PowerItem.objects.get(version=draft_a)
    services.update_item(officer_a, item, {"执法依据": "《中华人民共和国行政处罚法》第二十八条第一款"})
    assert [str(c) for c in item.citations.all()] == ["《行政处罚法》第二十八条第一款"]
    services.submit(officer_a, draft_a)
    assert events_of(draft_a)[-3:] == [
        "catalog.version_returned",
        "catalog.item_changed",
        "catalog.version_submitted",
    ]


def test_invalid_item_is_refused_with_reasons(officer_a, agency_a):
    version = services.create_draft(officer_a, agency_a, Kind.POWER)
    bad = dict(POWER_ROW, 权力类型="行政审批", 执法依据="《中华人民共和国行政处罚法》第九百条")
    with pytest.raises(ValidationFailed) as exc:
        services.add_item(officer_a, version, bad)
    columns = {e["column"] for e in exc.value.details["errors"]}
    assert columns == {"权力类型", "执法依据"}
    assert "没有第九百条" in exc.value.message
    assert not PowerItem.objects.filter(version=version).exists()
    assert not Citation.objects.filter(article_number=900).exists()


def test_duplicate_seq_is_refused(draft_a, officer_a):
    with pytest.raises(ValidationFailed):
        services.add_item(officer_a, draft_a, dict(POWER_ROW, 序号=1, 事项名称="另一事项"))


def test_remove_item_is_on_the_ledger(draft_a, officer_a):
    item = PowerItem.objects.get(version=draft_a)
    services.remove_item(officer_a, item)
    assert not PowerItem.objects.filter(version=draft_a).exists()
    event = Event.objects.filter(event_type="catalog.item_removed").get()
    assert event.data["values"]["事项名称"] == POWER_ROW["事项名称"]


def test_diff_between_versions(published_a, officer_a, agency_a):
    v2 = services.create_draft(officer_a, agency_a, Kind.POWER, change_reason="职责调整")
    copied = PowerItem.objects.get(version=v2)
    services.update_item(officer_a, copied, {"承办机构": "综合执法大队"})
    services.add_item(
        officer_a,
        v2,
        {
            "权力类型": "行政检查",
            "事项名称": "食品生产经营监督检查",
            "执法主体": "昌吉市市场监督管理局",
            "执法依据": "《中华人民共和国食品安全法》第一百一十条",
        },
    )
    d = services.diff_versions(v2)
    assert d.base == published_a
    assert [i.name for i in d.added] == ["食品生产经营监督检查"]
    assert d.removed == []
    assert [(h, old, new) for h, old, new in d.changed[0].columns] == [
        ("承办机构", "食品经营安全监督管理科", "综合执法大队")
    ]
