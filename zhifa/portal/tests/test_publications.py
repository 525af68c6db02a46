"""事后公示: creation from decisions, due dates, review and publication, scope rules, withdrawal, correction, expiry,
alerts, permissions (denied tests) and the public pages."""

# ruff: noqa: F811  (the `pw` fixture is imported from publications_support)
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from zhifa.cases import services as cases
from zhifa.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from zhifa.core.models import Alert
from zhifa.ledger.models import Event
from zhifa.portal import events, services
from zhifa.portal.models import Publication, PublicationVersion, Takedown
from zhifa.portal.tests.publications_support import CONSOLE_URLS, client_for, manual, pw  # noqa: F401
from zhifa.registry.models import Agency

pytestmark = pytest.mark.django_db


def _onsite(pw, *, party=None, fine="200", facts="占道经营"):
    """A 当场处罚 by the market agency's officers (the case platform's own flow)."""
    case = pw.new_case(procedure="simple", party=party or pw.person, title="占道经营")
    return cases.transition(
        pw.w.officer, case, "onsite_decide", penalty_kinds=["fine"], fine_amount=fine, facts=facts,
        basis="《某条例》第十条", decided_at=timezone.now(), place="昌吉市延安路", party_informed=True,
    )  # fmt: skip


def _not_market(world):
    # Scope rules are per sector: the market rule (总局令第45号) leaves 简易程序 out; another sector publishes it.
    Agency.objects.filter(pk=world.market.pk).update(sector="urban")
    world.market.refresh_from_db()


# --- due dates and alerts ------------------------------------------------------------------------------------


def test_penalty_decided_before_national_day_2026_is_due_seven_working_days_later(pw):
    # given a penalty decided on Wednesday 2026-09-30, the working day before 国庆节
    pub = manual(pw.w, decided_on=dt.date(2026, 9, 30))
    # then the 7-working-day window (国办发〔2018〕118号) skips the holiday, computed by hand from the calendar:
    # 10-01..10-07 国庆节 (not counted); 10-08 Thu = 1, 10-09 Fri = 2, 10-10 Sat (调休上班) = 3, 10-11 Sun rest,
    # 10-12 Mon = 4, 10-13 = 5, 10-14 = 6, 10-15 Thu = 7.
    assert pub.due_on == dt.date(2026, 10, 15)
    assert pub.rule_code == "publicity.penalty"
    assert "国庆" in pub.due_explanation and "7个工作日" in pub.due_explanation
    assert pub.status == Publication.Status.PENDING


def test_overdue_publication_raises_alert_and_publishing_late_raises_the_late_alert(pw):
    pub = manual(pw.w, decided_on=dt.date(2026, 9, 30))
    # when the daily job runs after the due date
    assert services.check_overdue(dt.date(2026, 10, 16)) == 1
    overdue = Alert.objects.open().get(key=services.overdue_key(pub))
    assert overdue.kind == "publication_overdue" and overdue.agency_id == pw.w.market.pk
    assert Alert.objects.visible_to(pw.w.supervisor).filter(pk=overdue.pk).exists()
    # when the reviewer publishes it (today, 2026-12 or later: late)
    services.approve(pw.w.reviewer, pub)
    pub.refresh_from_db()
    assert pub.late_working_days and pub.late_working_days > 0
    assert not Alert.objects.open().filter(key=services.overdue_key(pub)).exists()
    late = Alert.objects.open().get(key=services.late_key(pub))
    assert late.kind == "publication_late" and "逾期" in late.title
    assert Alert.objects.visible_to(pw.w.supervisor).filter(pk=late.pk).exists()


def test_publication_on_time_raises_no_alert(pw):
    pub = manual(pw.w)
    services.approve(pw.w.reviewer, pub)
    pub.refresh_from_db()
    assert pub.late_working_days is None
    assert not Alert.objects.filter(key__in=[services.late_key(pub), services.overdue_key(pub)]).exists()
    assert services.check_overdue() == 0


# --- creation from the case platform and the scope rules ---------------------------------------------------------


def test_market_onsite_penalty_is_not_published(pw):
    # 总局令第45号: 市场监管 publishes 普通程序 decisions only
    case = _onsite(pw)
    assert not Publication.objects.filter(case_id=case.pk).exists()


def test_onsite_penalty_of_another_sector_becomes_a_pending_publication_with_a_snapshot(pw):
    _not_market(pw.w)
    case = _onsite(pw, facts="当事人李四在延安路占道经营，联系电话13800138000。")
    pub = Publication.objects.get(case_id=case.pk)
    assert (pub.category, pub.status, pub.procedure) == ("penalty", "pending", "simple")
    v = pub.versions.get()
    assert v.original["party_name"] == "李四" and v.original["party_id_number"]  # kept internally
    assert v.original["document_number"] and v.original["case_number"] == case.number
    assert v.fields["party_name"] == "李某" and "party_id_number" not in v.fields
    assert "13800138000" not in v.fields["facts"] and "李四" not in v.fields["facts"]
    assert {"mobile", "known_name"} <= {h["code"] for h in v.redaction}
    ev = Event.objects.get(event_type=events.CREATED, subject_id=str(pub.pk))
    assert ev.case_id == case.pk and ev.data["due_on"] == pub.due_on.isoformat()


def test_warning_only_market_decision_is_not_published_but_a_fine_is(pw):
    assert manual(pw.w, penalty_kinds=["warning"], fine_amount=None, content="警告") is None
    assert manual(pw.w, penalty_kinds=["warning", "fine"]) is not None


def test_seizure_becomes_a_coercion_publication_with_twenty_working_days(pw):
    case = pw.filed_case()
    av = pw.evidence(case)
    cases.transition(
        pw.w.officer, case, "seize", measure="seize", items="涉案食品10箱", started_on=timezone.localdate(),
        head_approved=True, av_evidence_id=av.pk, reason="防止证据损毁", legal_basis="《食品安全法》第一百一十条",
    )  # fmt: skip
    pub = Publication.objects.get(case_id=case.pk, category="coercion")
    assert pub.rule_code == "publicity.other" and "20个工作日" in pub.due_explanation


def test_manual_entry_needs_an_agency_officer_or_head(pw):
    with pytest.raises(PermissionDenied):
        manual(pw.w, user=pw.w.reviewer)
    with pytest.raises(PermissionDenied):
        manual(pw.w, user=pw.w.officer_b)  # ecology officer for the market agency
    pub = manual(pw.w, category="licensing", title="食品经营许可", penalty_kinds=[], content="准予许可")
    assert pub.rule_code == "publicity.licensing"


# --- review and publication (denied tests) ----------------------------------------------------------------------


def test_only_a_reviewer_of_the_agency_may_approve(pw):
    pub = manual(pw.w)
    for user in (pw.other_reviewer, pw.w.officer, pw.w.head, pw.w.supervisor, pw.w.admin):
        with pytest.raises((PermissionDenied, NotFound)):
            services.approve(user, pub)
    pub.refresh_from_db()
    assert pub.status == "pending"
    assert Event.objects.filter(event_type="access.denied", subject_type="portal.publication").count() >= 5
    services.approve(pw.w.reviewer, pub)
    pub.refresh_from_db()
    assert pub.status == "published" and pub.published_on == timezone.localdate()
    ev = Event.objects.get(event_type=events.PUBLISHED, subject_id=str(pub.pk))
    assert ev.actor_id == pw.w.reviewer.pk


def test_reviewer_edit_is_rechecked_by_the_redactor(pw):
    pub = manual(pw.w, facts="当事人销售过期食品。")
    with pytest.raises(ValidationFailed) as e:
        services.approve(pw.w.reviewer, pub, fields={"facts": "店员王五（电话0994-2345678）销售过期食品。"})
    assert e.value.code == "redaction_incomplete"
    assert Publication.objects.get(pk=pub.pk).status == "pending"
    services.approve(pw.w.reviewer, pub, fields={"facts": "店员销售过期食品，当事人负有管理责任。"})
    v = Publication.objects.get(pk=pub.pk).current
    assert v.reviewer_edited and v.fields["facts"].startswith("店员销售")


def test_anonymous_never_sees_pending_publications_or_originals(pw, client):
    pub = manual(pw.w, facts="当事人员工赵六（身份证号652301199001011234）销售过期食品。")
    assert client.get(f"/decisions/{pub.pk}/").status_code == 404
    assert client.get(f"/api/v1/portal/publications/{pub.pk}").status_code == 404
    assert str(pub.pk) not in client.get("/api/v1/portal/publications").content.decode()
    services.approve(pw.w.reviewer, pub)
    page = client.get(f"/decisions/{pub.pk}/").content.decode()
    assert "赵某" in page and "赵六" not in page and "652301199001011234" not in page
    assert "张三" not in page  # the legal representative is masked too
    api = client.get(f"/api/v1/portal/publications/{pub.pk}").json()
    assert "original" not in api and "赵六" not in str(api)


def test_console_pages_for_staff(pw, settings):
    settings.ROOT_URLCONF = CONSOLE_URLS
    pub = manual(pw.w)
    home = client_for(pw.w.officer).get("/console/").content.decode()
    assert "待公示" in home and f"/console/portal/{pub.pk}/" in home
    assert "待公示" in client_for(pw.w.supervisor).get("/console/").content.decode()
    reviewer = client_for(pw.w.reviewer)
    page = reviewer.get(f"/console/portal/{pub.pk}/").content.decode()
    assert "审核通过并公示" in page and "原文（内部留存" in page
    fields = {k: pub.versions.get().fields[k] for k in services.TEXT_FIELDS}
    r = reviewer.post(f"/console/portal/{pub.pk}/", {"action": "approve", **fields})
    assert r.status_code == 302
    assert Publication.objects.get(pk=pub.pk).status == "published"
    # another agency's staff cannot open it in the console
    other = client_for(pw.other_reviewer).get(f"/console/portal/{pub.pk}/", follow=True)
    assert "审核通过并公示" not in other.content.decode()
    officer = client_for(pw.w.officer)
    assert officer.get("/console/portal/new/").status_code == 200
    r = officer.post("/console/portal/new/", {
        "category": "inspection", "title": "食品安全监督检查", "party_kind": "organisation",
        "party_name": "昌吉市某某超市", "facts": "未发现问题", "content": "检查合格", "decided_on": "2026-11-30",
    })  # fmt: skip
    assert r.status_code == 302
    assert Publication.objects.filter(category="inspection", status="pending").exists()


# --- withdrawal, correction and expiry -----------------------------------------------------------------------


def _published_onsite(pw):
    _not_market(pw.w)
    case = _onsite(pw)
    pub = Publication.objects.get(case_id=case.pk)
    services.approve(pw.w.reviewer, pub)
    return case, Publication.objects.get(pk=pub.pk)


def test_revoking_the_decision_withdraws_the_publication_everywhere(pw, client):
    case, pub = _published_onsite(pw)
    from zhifa.portal.search import services as search

    assert search.search("占道").ids == [pub.pk]
    assert f"/decisions/{pub.pk}/" in client.get("/decisions/").content.decode()
    reason = "复议机关认定事实不清，决定撤销（申请人李四）。"
    cases.transition(
        pw.w.head, case, "revise_decision", revision="revoked", revised_by="reconsideration",
        revised_on=timezone.localdate(), reason=reason,
    )  # fmt: skip
    pub.refresh_from_db()
    assert (
        pub.status == "withdrawn" and "李某" in pub.withdrawal_reason and "李四" not in pub.withdrawal_reason
    )
    t = Takedown.objects.get(publication=pub)
    assert t.revision_label == "撤销" and t.on_time and t.due_on >= timezone.localdate()
    assert "第四十八条第二款" in t.citation
    page = client.get(f"/decisions/{pub.pk}/").content.decode()
    assert "已撤回" in page and "复议机关认定事实不清" in page and "占道经营" not in page
    assert f"/decisions/{pub.pk}/" not in client.get("/decisions/").content.decode()
    assert f"/decisions/{pub.pk}/" not in client.get("/feeds/decisions.atom").content.decode()
    assert client.get(f"/api/v1/portal/publications/{pub.pk}").status_code == 410
    log = client.get("/takedowns/").content.decode()
    assert "复议机关认定事实不清" in log and "撤销" in log
    assert client.get("/api/v1/portal/takedowns").json()["items"][0]["publication_id"] == pub.pk
    assert search.search("占道").ids == []
    ev = Event.objects.get(event_type=events.WITHDRAWN, subject_id=str(pub.pk))
    assert ev.case_id == case.pk and ev.data["revision"] == "revoked"
    with pytest.raises(Conflict):  # revoked: no correction brings it back
        services.correct(pw.w.officer, pub, changes={"content": "罚款100元"}, reason="更正")


def test_changed_decision_is_withdrawn_then_corrected_keeping_history(pw, client):
    case, pub = _published_onsite(pw)
    cases.transition(
        pw.w.head, case, "revise_decision", revision="changed", revised_by="self",
        revised_on=timezone.localdate(), reason="罚款数额适用裁量基准有误，变更为100元。",
    )  # fmt: skip
    pub.refresh_from_db()
    assert pub.status == "withdrawn" and pub.correctable
    with pytest.raises(PermissionDenied):
        services.correct(pw.w.reviewer, pub, changes={"content": "罚款人民币100.00元"}, reason="变更")
    v2 = services.correct(pw.w.officer, pub, changes={"content": "罚款人民币100.00元"}, reason="决定已变更")
    assert v2.number == 2 and Publication.objects.get(pk=pub.pk).status == "pending"
    services.approve(pw.w.reviewer, pub)
    pub.refresh_from_db()
    assert pub.status == "published" and pub.current.number == 2
    assert pub.versions.get(number=1).status == PublicationVersion.Status.WITHDRAWN
    page = client.get(f"/decisions/{pub.pk}/").content.decode()
    assert "罚款人民币100.00元" in page and "撤回记录" in page and "数额适用裁量基准有误" in page
    assert Takedown.objects.filter(publication=pub).count() == 1


def test_correction_of_a_published_item_keeps_the_old_version_visible_until_approved(pw, client):
    pub = manual(pw.w)
    services.approve(pw.w.reviewer, pub)
    services.correct(pw.w.officer, pub, changes={"content": "罚款人民币6,000.00元"}, reason="笔误更正")
    assert "5,000.00" in client.get(f"/decisions/{pub.pk}/").content.decode()
    services.approve(pw.w.reviewer, pub)
    page = client.get(f"/decisions/{pub.pk}/").content.decode()
    assert "6,000.00" in page and "笔误更正" in page and "第1版内容（已被更正）" in page


def test_head_withdraws_by_hand_and_officer_may_not(pw):
    pub = manual(pw.w)
    services.approve(pw.w.reviewer, pub)
    with pytest.raises(PermissionDenied):
        services.withdraw(pw.w.officer, pub, reason="误发")
    services.withdraw(pw.w.head, pub, reason="误发，撤回。")
    assert Takedown.objects.get(publication=pub).revision_label == "撤回"


def test_small_fine_expires_after_three_months_and_leaves_the_portal(pw, client):
    pub = manual(pw.w, fine_amount=Decimal("500"), content="罚款人民币500.00元")
    big = manual(pw.w, fine_amount=Decimal("50000"), content="罚款人民币50,000.00元", source_id="big",
                 source_type="test")  # fmt: skip
    services.approve(pw.w.reviewer, pub)
    services.approve(pw.w.reviewer, big)
    pub.refresh_from_db()
    big.refresh_from_db()
    today = timezone.localdate()
    assert pub.expires_on == services.add_months(today, 3) and "三个月" in pub.expiry_citation
    assert big.expires_on == services.add_months(today, 36)
    assert services.expire_due(pub.expires_on) == 0  # the last day still shows
    assert services.expire_due(pub.expires_on + dt.timedelta(days=1)) == 1
    pub.refresh_from_db()
    assert pub.status == "expired"
    assert client.get(f"/decisions/{pub.pk}/").status_code == 404
    assert f"/decisions/{pub.pk}/" not in client.get("/feeds/decisions.atom").content.decode()
    assert Publication.objects.get(pk=big.pk).status == "published"
    assert Event.objects.filter(event_type=events.EXPIRED, subject_id=str(pub.pk)).exists()


def test_daily_task_runs_expiry_and_overdue(pw):
    from zhifa.portal.tasks import publications_daily_task

    manual(pw.w, decided_on=dt.date(2026, 9, 30))
    result = publications_daily_task.enqueue().return_value
    assert result == {"expired": 0, "overdue": 1}


# --- public pages --------------------------------------------------------------------------------------------


def test_decision_list_filters_paginates_and_costs_the_same_queries_for_any_page_size(
    pw, client, django_assert_max_num_queries
):
    for i in range(3):
        services.approve(pw.w.reviewer, manual(pw.w, source_type="test", source_id=f"a{i}"))
    with django_assert_max_num_queries(6) as few:
        assert client.get("/decisions/").status_code == 200
    for i in range(22):
        services.approve(pw.w.reviewer, manual(pw.w, source_type="test", source_id=f"b{i}"))
    with django_assert_max_num_queries(6) as many:
        page = client.get("/decisions/").content.decode()
    assert len(many.captured_queries) == len(few.captured_queries)
    assert "第 1 / 2 页" in page and page.count('class="card"') == 20
    assert "共 0 条" in client.get(f"/decisions/?agency={pw.w.ecology.pk}").content.decode()
    assert "共 25 条" in client.get("/decisions/?category=penalty").content.decode()
    assert "共 0 条" in client.get("/decisions/?category=licensing").content.decode()
    with django_assert_max_num_queries(4):
        client.get("/takedowns/")
    assert client.get("/open-data/").status_code == 200
