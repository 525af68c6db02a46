"""The whole 法制审核 loop in the console, in headless Chromium (issue 4 acceptance):

the officer (甲执法) writes the 决定书代拟稿 (150,000元 for an organisation: in scope by the catalog's row 1), attaches
the materials and submits; the reviewer (乙审核) finds a problem; the head's decision is refused; the officer changes
the draft, answers the problem and resubmits; the reviewer sees the change and agrees; the head decides on the case
page. Each person acts in their own browser context; the ledger must hold every step, in order.
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest

pytest.register_assert_rewrite("zhifa.core.browser")
pytest_plugins = ["zhifa.core.browser"]

from zhifa.cases.tests.test_browser import expect_message, fill, panel  # noqa: E402
from zhifa.core.browser import PHONE, login  # noqa: E402

BROWSER_SETUP = ("zhifa.reviews.tests.test_browser:prepare",)
SHANGHAI = ZoneInfo("Asia/Shanghai")

CATALOG_ROW = {
    "执法项目类别": "行政处罚",
    "审核的具体执法决定项目": "拟对公民处以1万元以上、对法人或者其他组织处以10万元以上的罚款",
    "应提交的审核资料": "案件调查终结报告、拟作出的处罚决定书、证据材料",
    "职权来源": "《中华人民共和国行政处罚法》第五十八条第一款第（四）项",
    "行为类型": "行政处罚",
    "处罚种类": "罚款",
    "对公民罚款达到（元）": 10000,
    "对法人或其他组织罚款达到（元）": 100000,
}


def prepare() -> dict:
    """In the server: a second officer, the 较大数额 standard, the catalog, and a case ready for its decision."""
    from types import SimpleNamespace

    from django.utils import timezone

    from zhifa.cases import services as cases
    from zhifa.cases.models import CaseOfficer
    from zhifa.cases.tests.test_lifecycle import publish_threshold
    from zhifa.catalog import services as catalog
    from zhifa.catalog.models import Kind
    from zhifa.catalog.services import large_amount_threshold
    from zhifa.core.testing import make_uscc
    from zhifa.files.services import store_bytes
    from zhifa.registry import services as registry
    from zhifa.registry.models import Agency, EnforcementDomain, User

    admin = User.objects.get(username="t_admin")
    market = Agency.objects.get(short_name="昌市监")
    domain = EnforcementDomain.objects.get(code="market")
    users = {u.username: u for u in User.objects.filter(username__in=["t_officer", "t_reviewer", "t_head"])}
    officer, reviewer, head = users["t_officer"], users["t_reviewer"], users["t_head"]
    today = timezone.localdate()
    o2 = registry.create_officer(user=admin, agency=market, name="己协办", domains=[domain])
    registry.issue_certificate(
        user=admin, officer=o2, number=f"R{o2.pk:06d}", domains=[domain], issuer="新疆维吾尔自治区人民政府",
        valid_from=today - dt.timedelta(days=100), valid_until=today + dt.timedelta(days=700),
        qualification="exam", exam_passed_on=today - dt.timedelta(days=200),
    )  # fmt: skip
    if large_amount_threshold(market.sector, market.jurisdiction) is None:
        publish_threshold(SimpleNamespace(officer=officer, reviewer=reviewer, head=head, market=market))
    version = catalog.create_draft(officer, market, Kind.MAJOR_REVIEW)
    catalog.add_item(officer, version, CATALOG_ROW)
    catalog.submit(officer, version)
    catalog.approve(reviewer, version, opinion="同意")
    catalog.publish(head, version)

    party = cases.register_party(officer, kind="organisation", name="昌吉市浏览器审核电缆有限公司",
                                 uscc=make_uscc(961), address="昌吉市北京南路61号")  # fmt: skip
    case = cases.create_case(
        officer, title="销售不合格电线电缆", source_type="inspection", source_description="日常检查发现",
        source_received_on=today - dt.timedelta(days=30), domain=domain, parties=[party],
    )  # fmt: skip
    cases.assign_officer(officer, case, officer.officer, CaseOfficer.Role.LEAD)
    cases.assign_officer(officer, case, o2, CaseOfficer.Role.ASSIST)
    cases.transition(officer, case, "start_verification")
    cases.transition(officer, case, "request_filing", opinion="建议立案")
    cases.transition(head, case, "approve_filing", filed_on=today - dt.timedelta(days=25))
    blob = store_bytes(b"inspection-report-" + str(case.pk).encode(), content_type="image/jpeg")
    cases.add_evidence(officer, case, kind="documentary", title="抽样检验报告", blob=blob, filename="report.jpg",
                       recorded_at=timezone.now() - dt.timedelta(days=20), place="当事人经营场所")  # fmt: skip
    cases.transition(
        officer, case, "submit_review", report="经调查，当事人销售导体电阻不合格的电线86卷，建议罚款。"
    )
    cases.transition(reviewer, case, "approve_review", opinion="同意")
    day = today - dt.timedelta(days=10)
    cases.transition(officer, case, "notify", served_on=day, facts="当事人销售不合格电线电缆",
                     proposed_kinds=["fine"], proposed_fine="150000")  # fmt: skip
    cases.transition(officer, case, "record_statement", kind="waiver", received_on=day)
    return {"case_id": case.pk}


def review_facts(case_id: int) -> dict:
    from zhifa.cases.models import Case
    from zhifa.ledger.models import Event
    from zhifa.reviews.models import Opinion

    events = Event.objects.filter(case_id=case_id).order_by("id")
    return {
        "state": Case.objects.get(pk=case_id).state,
        "events": [e.event_type for e in events],
        "document_kinds": [e.data.get("kind") for e in events if e.event_type == "document.issued"],
        "opinions": [
            (o.conclusion, o.document.number, o.document.sm3)
            for o in Opinion.objects.filter(case_id=case_id).order_by("pk")
        ],
        "opinion_digests": [
            e.data["document"]["sm3"] for e in events if e.event_type == "review.opinion_issued"
        ],
    }


@pytest.fixture(scope="module")
def data(zhifa_server):
    return zhifa_server.setup[BROWSER_SETUP[0]]


def post_panel(page, summary: str, button: str, message: str, values: dict | None = None, checks=()) -> None:
    form = panel(page, summary).locator("form").first
    for selector in checks:
        form.locator(selector).check()
    fill(form, values or {})
    with page.expect_navigation():
        form.get_by_role("button", name=button, exact=True).click()
    expect_message(page, message)


def test_submit_problems_resubmit_approve_decide(zhifa_server, new_context, data, tmp_path):
    server = zhifa_server
    case_id = data["case_id"]
    review_url = f"{server.url}/console/reviews/cases/{case_id}/"
    case_url = f"{server.url}/console/cases/{case_id}/"
    today = dt.datetime.now(SHANGHAI).date().isoformat()
    contexts = {name: new_context() for name in ("officer", "reviewer", "head")}
    for context, _watch in contexts.values():
        context.set_default_timeout(
            60_000
        )  # signing a 文书 (WeasyPrint's first render) is slow on a busy machine
    officer = login(contexts["officer"][0], server, "t_officer")
    reviewer = login(contexts["reviewer"][0], server, "t_reviewer")
    head = login(contexts["head"][0], server, "t_head")

    # the officer reaches the review from the case page and writes the draft
    officer.goto(case_url)
    officer.locator("main").get_by_role(
        "link", name="法制审核", exact=True
    ).click()  # the case page's link, not the nav
    assert officer.url == review_url
    post_panel(officer, "拟写代拟稿", "保存代拟稿", "代拟稿已保存",
               {"outcome": "penalty", "fine_amount": "150000", "facts": "当事人销售导体电阻不合格的电线86卷。",
                "basis": "《中华人民共和国产品质量法》第四十九条"},
               checks=["input[name='penalty_kinds'][value='fine']"])  # fmt: skip
    scope = officer.locator("#scope").inner_text()
    assert (
        "属于重大执法决定法制审核范围" in scope
        and "目录清单第1项" in scope
        and "第五十八条第一款第（四）项" in scope
    )

    # submitting without materials is refused, naming them
    form = panel(officer, "报送法制审核").locator("form")
    with officer.expect_navigation():
        form.get_by_role("button", name="报送", exact=True).click()
    error = officer.locator("ul.messages li.error").inner_text()
    assert "报送材料不齐全，缺少：调查终结报告、证据材料、陈述申辩笔录" in error

    post_panel(officer, "提交材料", "提交材料", "材料已提交。", {"kind": "investigation_report"},
               checks=["input[name='from_case_record']"])  # fmt: skip
    post_panel(officer, "提交材料", "提交材料", "材料已提交。", {"kind": "statement_record"},
               checks=["input[name='from_case_record']"])  # fmt: skip
    evidence = panel(officer, "提交材料").locator(
        "select[name='evidence_id'] option", has_text="抽样检验报告"
    )
    post_panel(officer, "提交材料", "提交材料", "材料已提交。",
               {"kind": "evidence", "evidence_id": evidence.get_attribute("value")})  # fmt: skip
    assert officer.locator("#requirements .badge.danger").count() == 0
    post_panel(officer, "报送法制审核", "报送", "已报送法制审核。")
    assert "审核中" in officer.locator("h1 .review-status").inner_text()

    # the reviewer finds it in the queue on the home page, and finds a problem of 法律适用与裁量
    reviewer.goto(f"{server.url}/console/")
    queue = reviewer.locator("section", has=reviewer.locator("h2", has_text="法制审核待办"))
    queue.get_by_role("link", name=re.compile("销售不合格电线电缆")).first.click()
    assert reviewer.url == review_url
    form = panel(reviewer, "出具审核意见").locator("form")
    form.locator("input[name='result_law'][value='problem']").check()
    fill(form, {"problems_law": "罚款数额未说明适用裁量基准的理由。", "conclusion": "problems",
                "summary": "裁量理由不充分，请修改后重新报送。"})  # fmt: skip
    with reviewer.expect_navigation():
        form.get_by_role("button", name="出具审核意见", exact=True).click()
    expect_message(reviewer, "审核意见已出具")
    assert "法制审核意见书" in reviewer.locator("#history").inner_text()

    # the head cannot decide: the review did not pass
    head.goto(case_url)
    form = panel(head, "作出决定").locator("form")
    fill(form, {"outcome": "penalty", "penalty_kinds": ["fine"], "fine_amount": "150000",
                "facts": "当事人销售导体电阻不合格的电线86卷。", "basis": "《中华人民共和国产品质量法》第四十九条",
                "decided_on": today})  # fmt: skip
    with head.expect_navigation():
        form.get_by_role("button", name="作出决定", exact=True).click()
    assert "审核未通过的不得作出决定" in head.locator("ul.messages li.error").inner_text()

    # the officer lowers the fine, answers the problem and resubmits
    officer.goto(review_url)
    post_panel(officer, "拟写代拟稿", "保存代拟稿", "代拟稿已保存",
               {"fine_amount": "120000", "change_note": "按裁量基准“一般处罚”档调整罚款数额"})  # fmt: skip
    answer = panel(officer, "报送法制审核").locator("textarea[name^='answer_']")
    answer.fill("已按裁量基准一般处罚档调整为12万元，并在代拟稿中说明理由。")
    post_panel(officer, "报送法制审核", "报送", "已报送法制审核。")

    # the reviewer sees what changed and agrees
    reviewer.goto(review_url)
    diff = reviewer.locator("#diff").inner_text()
    assert "第1版 → 第2版" in diff and "150000.00" in diff and "120000.00" in diff
    assert "已按裁量基准一般处罚档调整为12万元" in reviewer.locator("#answers").inner_text()
    form = panel(reviewer, "出具审核意见").locator("form")
    fill(form, {"conclusion": "approve", "summary": "事实清楚，证据确实充分，裁量适当，同意。"})
    with reviewer.expect_navigation():
        form.get_by_role("button", name="出具审核意见", exact=True).click()
    expect_message(reviewer, "审核意见已出具")
    assert "审核意见：同意" in reviewer.locator("h1").inner_text()

    # the head decides the approved content
    head.goto(case_url)
    form = panel(head, "作出决定").locator("form")
    fill(form, {"outcome": "penalty", "penalty_kinds": ["fine"], "fine_amount": "120000",
                "facts": "当事人销售导体电阻不合格的电线86卷。", "basis": "《中华人民共和国产品质量法》第四十九条",
                "decided_on": today})  # fmt: skip
    with head.expect_navigation():
        form.get_by_role("button", name="作出决定", exact=True).click()
    expect_message(head, "已办理：作出决定")
    assert head.locator("h1 .badge").inner_text() == "决定"

    # then the ledger holds the loop in order, with both opinions' digests
    facts = server.call("zhifa.reviews.tests.test_browser:review_facts", case_id=case_id)
    assert facts["state"] == "decided"
    events = facts["events"]
    assert events.count("review.submitted") == 2 and events.count("review.opinion_issued") == 2
    assert events.count("review.draft_saved") == 2 and events.count("review.material_added") == 3
    order = [events.index("review.draft_saved"), events.index("review.submitted"),
             events.index("review.opinion_issued"), len(events) - 1 - events[::-1].index("review.opinion_issued"),
             events.index("review.gate_passed"), events.index("case.decided")]  # fmt: skip
    assert order == sorted(order)
    assert facts["document_kinds"].count("legal_review_opinion") == 2
    assert [o[0] for o in facts["opinions"]] == ["problems", "approve"]
    assert facts["opinion_digests"] == [o[2] for o in facts["opinions"]]

    # the review page fits a phone
    phone = contexts["officer"][0].new_page()
    phone.set_viewport_size(PHONE)
    phone.goto(review_url)
    overflow = phone.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the review page is {overflow}px wider than a phone"
    for _context, watch in contexts.values():
        watch.assert_clean()
