"""A full 普通程序 penalty case from 案源 to 归档 through the console, in headless Chromium (issue 3 acceptance).

Three people act, each in their own browser context and login: the officer (甲执法) registers the case, the head
(丙负责) approves filing, decides and closes, the reviewer (乙审核) approves the case review. Every step goes through
the case page's own forms (next-action panels, officer assignment, evidence upload); the timeline on the page must
list the case's ledger events in ledger order. The server runs on its own throw-away SQLite database
(zhifa.core.browser); this module adds a second certified officer and the 较大数额 standard there.
"""

from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

pytest.register_assert_rewrite("zhifa.core.browser")
pytest_plugins = ["zhifa.core.browser"]

from zhifa.core.browser import PHONE, login  # noqa: E402

BROWSER_SETUP = ("zhifa.cases.tests.test_browser:prepare",)  # run once in the server's setup process
SHANGHAI = ZoneInfo("Asia/Shanghai")
OFFICER2 = "戊协办"


# ----------------------------------------------------------------------------------------------------------------
# Run inside the server's environment (ZhifaServer.call)


def prepare() -> dict:
    """A second certified market officer (a case needs two) and the published 较大数额 standard (告知 needs it)."""
    from django.utils import timezone

    from zhifa.cases.tests.test_lifecycle import publish_threshold
    from zhifa.core.roles import Role
    from zhifa.core.testing import make_uscc
    from zhifa.registry import services as registry
    from zhifa.registry.models import Agency, EnforcementDomain, User

    admin = User.objects.get(username="t_admin")
    market = Agency.objects.get(short_name="昌市监")
    domain = EnforcementDomain.objects.get(code="market")
    today = timezone.localdate()
    o2 = registry.create_officer(user=admin, agency=market, name=OFFICER2, domains=[domain])
    registry.issue_certificate(
        user=admin, officer=o2, number=f"B{o2.pk:06d}", domains=[domain], issuer="新疆维吾尔自治区人民政府",
        valid_from=today - dt.timedelta(days=100), valid_until=today + dt.timedelta(days=700),
        qualification="exam", exam_passed_on=today - dt.timedelta(days=200),
    )  # fmt: skip
    registry.create_user(
        username="b_officer2", password="Pass-1234!", role=Role.OFFICER, user=admin, agency=market, officer=o2,
        display_name=OFFICER2,
    )  # fmt: skip
    users = {u.username: u for u in User.objects.filter(username__in=["t_officer", "t_reviewer", "t_head"])}
    publish_threshold(
        SimpleNamespace(
            officer=users["t_officer"], reviewer=users["t_reviewer"], head=users["t_head"], market=market
        )
    )
    return {"uscc": make_uscc(950)}


def case_facts(case_id: int) -> dict:
    """What the ledger and the case row say, read on the server's database."""
    from zhifa.cases import services
    from zhifa.cases.events import ACCESS_EVENTS
    from zhifa.cases.models import Case
    from zhifa.ledger.models import Event

    case = Case.objects.get(pk=case_id)
    return {
        "state": case.state,
        "number": case.number,
        "timeline": [e["label"] for e in services.timeline(case)],
        "event_types": [e["event_type"] for e in services.timeline(case)],
        "access_events": Event.objects.filter(case_id=case_id, event_type__in=ACCESS_EVENTS).count(),
        "channels": sorted(
            {
                e.data.get("channel")
                for e in Event.objects.filter(case_id=case_id, event_type__startswith="case.")
                if isinstance(e.data, dict) and e.data.get("channel")
            }
        ),
    }


# ----------------------------------------------------------------------------------------------------------------
# Page helpers


def expect_message(page, text: str) -> None:
    """After a form post the page shows the outcome; a refusal (error message) fails with its Chinese text."""
    messages = page.locator("ul.messages li")
    errors = page.locator("ul.messages li.error")
    if errors.count():
        pytest.fail(f"refused instead of “{text}”: {errors.all_inner_texts()}")
    assert text in " ".join(messages.all_inner_texts()), (text, messages.all_inner_texts())


def panel(page, summary: str):
    """The <details> panel of the case page whose summary is exactly `summary`, opened."""
    details = page.locator("details").filter(has=page.locator(f"summary:text-is('{summary}')"))
    assert details.count() == 1, f"no single panel “{summary}” on {page.url}"
    if details.get_attribute("open") is None:
        details.locator("summary").click()
    return details


def fill(form, values: dict) -> None:
    for name, value in values.items():
        field = form.locator(f"[name='{name}']")
        tag = field.evaluate("e => e.tagName.toLowerCase() + ':' + (e.type || '')")
        if tag.startswith("select"):
            field.select_option(**value) if isinstance(value, dict) else field.select_option(value)
        elif tag == "input:checkbox":
            field.set_checked(bool(value))
        elif tag == "input:file":
            field.set_input_files(value)
        else:
            field.fill(str(value))


def act(page, label: str, **values) -> None:
    """Take a next action from the case page's panel `label` and check it was done."""
    form = panel(page, label).locator("form")
    fill(form, values)
    with page.expect_navigation():
        form.get_by_role("button", name=label, exact=True).click()
    expect_message(page, f"已办理：{label}")


def local_now(minutes_ago: int = 0) -> str:
    return (dt.datetime.now(SHANGHAI) - dt.timedelta(minutes=minutes_ago)).strftime("%Y-%m-%dT%H:%M")


def state_badge(page) -> str:
    return page.locator("h1 .badge").inner_text()


# ----------------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def data(zhifa_server):
    return zhifa_server.setup[BROWSER_SETUP[0]]


def test_ordinary_case_from_source_to_archive_in_the_console(zhifa_server, new_context, data, tmp_path):
    server = zhifa_server
    today = dt.datetime.now(SHANGHAI).date().isoformat()

    officer_ctx, officer_watch = new_context()
    head_ctx, head_watch = new_context()
    reviewer_ctx, reviewer_watch = new_context()
    officer = login(officer_ctx, server, "t_officer")
    head = login(head_ctx, server, "t_head")
    reviewer = login(reviewer_ctx, server, "t_reviewer")

    # given the officer registers a case with a new party through the 登记案源 form
    officer.goto(f"{server.url}/console/cases/")
    officer.get_by_role("link", name="登记案源").click()
    fill(
        officer.locator("form.card"),
        {
            "title": "销售超过保质期的食品",
            "procedure": "ordinary",
            "source_type": "complaint",
            "source_description": "12315平台转办投诉",
            "party_kind": "organisation",
            "party_name": "昌吉市浏览器测试食品有限公司",
            "party_uscc": data["uscc"],
            "party_address": "昌吉市北京南路9号",
        },
    )
    with officer.expect_navigation():
        officer.get_by_role("button", name="登记", exact=True).click()
    expect_message(officer, "案源已登记。")
    case_id = int(re.search(r"/console/cases/(\d+)/", officer.url).group(1))
    case_url = f"{server.url}/console/cases/{case_id}/"
    assert state_badge(officer) == "案源登记"
    assert "昌吉市浏览器测试食品有限公司" in officer.locator("h2:text-is('当事人') + ul").inner_text()

    # a second officer is assigned from the case page (第四十二条: at least two)
    form = panel(officer, "指派执法人员").locator("form")
    fill(form, {"officer_id": {"label": OFFICER2}, "role": "assist"})
    with officer.expect_navigation():
        form.get_by_role("button", name="指派").click()
    expect_message(officer, "已指派执法人员。")

    act(officer, "开始核查", note="当日赴现场核查")
    act(officer, "提请立案审批", opinion="涉嫌违反《食品安全法》第三十四条，建议立案")
    assert state_badge(officer) == "立案审批"
    # the officer cannot approve filing: the panel is not offered
    assert officer.locator("summary:text-is('批准立案')").count() == 0

    # the head approves filing in their own session
    head.goto(case_url)
    act(head, "批准立案", filed_on=today, opinion="同意立案")
    assert state_badge(head) == "调查取证"
    assert re.search(r"昌市监立〔\d{4}〕\d+号", head.locator("h1").inner_text())

    # evidence: a small video of the interview uploaded through the console form
    video = tmp_path / "询问录像.mp4"
    video.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"browser-test-interview" * 50)
    officer.goto(case_url)
    form = panel(officer, "登记证据").locator("form")
    fill(
        form,
        {
            "kind": "audiovisual",
            "title": "询问同步录音录像",
            "recorded_at": local_now(60),
            "device": "DSJ-001",
            "place": "执法办案场所",
            "step": "case_room_interview",
            "file": str(video),
        },
    )
    with officer.expect_navigation():
        form.get_by_role("button", name="上传").click()
    expect_message(officer, "证据已登记。")
    evidence_row = officer.locator("li", has_text="询问同步录音录像").first
    assert "SM3" in evidence_row.inner_text()
    with officer.expect_download() as download:
        evidence_row.get_by_role("link", name="下载").click()
    assert download.value.path().read_bytes() == video.read_bytes()
    av_option = panel(officer, "询问/检查笔录").locator(
        "select[name='av_evidence_id'] option", has_text="询问同步录音录像"
    )
    av_id = av_option.get_attribute("value")

    act(officer, "询问/检查笔录", person="张三（法定代表人）", held_at=local_now(50), place="执法办案场所",
        in_case_room=True, record="问：是否销售过期食品？答：是。", av_evidence_id=av_id)  # fmt: skip
    act(officer, "调查终结，提交审核", report="事实清楚，证据确凿，建议罚款五千元")
    assert state_badge(officer) == "案件审核"

    reviewer.goto(case_url)
    act(reviewer, "审核通过", opinion="事实清楚，证据确实充分，适用依据正确")

    officer.goto(case_url)
    act(officer, "事先告知", served_on=today, facts="当事人销售超过保质期的食品",
        proposed_kinds=["fine"], proposed_fine="5000")  # fmt: skip
    act(officer, "记录陈述申辩/放弃", kind="waiver", received_on=today, content="当事人书面放弃陈述、申辩")
    assert state_badge(officer) == "告知（陈述申辩）"

    head.goto(case_url)
    act(head, "作出决定", outcome="penalty", penalty_kinds=["fine"], fine_amount="5000",
        facts="当事人销售超过保质期的食品", basis="《食品安全法》第一百二十四条", decided_on=today)  # fmt: skip
    assert state_badge(head) == "决定"

    officer.goto(case_url)
    act(officer, "送达决定书", method="direct", served_on=today, recipient="张三")
    act(officer, "登记缴款", paid_on=today, amount="5000", receipt="No.0001")
    head.goto(case_url)
    act(head, "结案", closed_on=today, summary="罚款已缴清，结案")
    officer.goto(case_url)
    act(officer, "归档", archived_on=today)
    assert state_badge(officer) == "归档"
    assert officer.locator("text=当前没有您可以办理的环节。").count() == 1

    # then the page's timeline is the ledger's, in ledger order
    facts = server.call("zhifa.cases.tests.test_browser:case_facts", case_id=case_id)
    assert facts["state"] == "archived"
    shown = officer.locator("h2:text-is('全过程记录') + ul li").all_inner_texts()
    assert len(shown) == len(facts["timeline"]) > 0
    for text, label in zip(shown, facts["timeline"], strict=True):
        assert label in text, (text, label)
    for step in ("案源登记", "指派执法人员", "开始核查", "提请立案审批", "批准立案", "登记证据", "询问/检查笔录",
                 "调查终结，提交审核", "审核通过", "事先告知", "记录陈述申辩/放弃", "作出决定", "送达决定书",
                 "登记缴款", "结案", "归档"):  # fmt: skip
        assert step in facts["timeline"], step
    assert (
        facts["timeline"].index("批准立案")
        < facts["timeline"].index("作出决定")
        < facts["timeline"].index("归档")
    )
    assert facts["channels"] == ["console"]
    assert facts["access_events"] > 0  # every page view and the download are 调阅 events on the ledger

    # on a phone (390x844): the case list, the 登记案源 form and the archived case page fit the screen
    phone = officer_ctx.new_page()
    phone.set_viewport_size(PHONE)
    for name, url in (
        ("list", f"{server.url}/console/cases/?scope=all"),
        ("form", f"{server.url}/console/cases/new/"),
        ("case", case_url),
    ):
        phone.goto(url)
        shot = tmp_path / f"phone-{name}.png"
        phone.screenshot(path=str(shot), full_page=True)
        overflow = phone.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{url} is {overflow}px wider than a 390px phone screen ({shot})"
    assert phone.locator("h2:text-is('全过程记录') + ul li").count() == len(facts["timeline"])

    for watch in (officer_watch, head_watch, reviewer_watch):
        watch.assert_clean()


def test_page_watch_reports_external_requests_and_errors(zhifa_server, new_context):
    # given a watched context on the login page
    context, watch = new_context()
    page = context.new_page()
    page.goto(f"{zhifa_server.url}/console/login/")
    watch.assert_clean()
    # when the page asks a host other than the server for something, logs an error and throws
    page.evaluate(
        """() => {
            const img = document.createElement("img");
            img.src = "http://assets.example.invalid/x.png";
            document.body.append(img);
            console.error("boom");
            setTimeout(() => { throw new Error("uncaught"); }, 0);
        }"""
    )
    page.wait_for_timeout(300)
    # then the watch has all three, the external request was never sent, and assert_clean fails
    assert watch.external_requests == ["http://assets.example.invalid/x.png"]
    assert any("boom" in m for m in watch.console_errors)
    assert any("uncaught" in m for m in watch.page_errors)
    with pytest.raises(AssertionError, match="requests leaving 127.0.0.1"):
        watch.assert_clean()
