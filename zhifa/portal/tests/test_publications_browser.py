"""Public pages of the publications in headless Chromium (issue 5): a decision page, a withdrawn decision's page and
the takedown log, on a desktop and on a phone, with no external request and no console error."""

from __future__ import annotations

import pytest

pytest.register_assert_rewrite("zhifa.core.browser")
pytest_plugins = ["zhifa.core.browser"]

from zhifa.core.browser import PHONE  # noqa: E402

BROWSER_SETUP = ("zhifa.portal.tests.test_publications_browser:prepare",)
REASON = "复议机关认为认定事实不清，决定撤销该处罚决定。"


def prepare() -> dict:
    """Two published penalties of the market agency (one with a natural person), one then withdrawn."""
    from zhifa.portal import services
    from zhifa.registry.models import Agency, User

    users = {u.username: u for u in User.objects.filter(username__in=["t_officer", "t_reviewer", "t_head"])}
    market = Agency.objects.get(short_name="昌市监")
    common = {"category": "penalty", "procedure": "ordinary", "act": "decide", "penalty_kinds": ["fine"],
              "basis": "《中华人民共和国食品安全法》第一百二十四条"}  # fmt: skip
    import datetime as dt

    from django.utils import timezone

    day = timezone.localdate() - dt.timedelta(days=1)
    shown = services.create_publication(
        users["t_officer"], agency=market, source_type="browser", source_id="1", decided_on=day,
        title="销售过期食品", party_name="张三丰", party_kind="natural", party_id_number="65230119900101002X",
        facts="当事人张三丰（手机138 0013 8000）在其摊位销售超过保质期的食品。", content="罚款人民币2,000.00元",
        fine_amount="2000", document_number="昌市监罚〔2026〕88号", **common,
    )  # fmt: skip
    gone = services.create_publication(
        users["t_officer"], agency=market, source_type="browser", source_id="2", decided_on=day,
        title="未按规定公示食品经营许可", party_name="昌吉市某某超市有限公司", party_kind="organisation",
        facts="当事人未在经营场所显著位置悬挂食品经营许可证。", content="罚款人民币3,000.00元", fine_amount="3000",
        document_number="昌市监罚〔2026〕89号", **common,
    )  # fmt: skip
    for pub in (shown, gone):
        services.approve(users["t_reviewer"], pub)
    services.withdraw(users["t_head"], gone, reason=REASON)
    return {"shown": shown.pk, "gone": gone.pk}


@pytest.fixture(scope="module")
def data(zhifa_server):
    return zhifa_server.setup[BROWSER_SETUP[0]]


def test_decision_withdrawn_decision_and_takedown_log(zhifa_server, new_context, data, tmp_path):
    base = zhifa_server.url
    context, watch = new_context()
    page = context.new_page()

    # the list shows the published decision and not the withdrawn one
    page.goto(f"{base}/decisions/")
    assert page.locator(f"a[href='/decisions/{data['shown']}/']").count() == 1
    assert page.locator(f"a[href='/decisions/{data['gone']}/']").count() == 0

    # a decision page: redacted (masked name, no phone, no ID), with its fields
    page.locator(f"a[href='/decisions/{data['shown']}/']").click()
    assert page.locator("h1").inner_text().startswith("销售过期食品")
    text = page.locator("main").inner_text()
    assert "张某" in text and "昌市监罚〔2026〕88号" in text and "罚款人民币2,000.00元" in text
    assert "张三丰" not in text and "138" not in text and "65230119900101002X" not in text

    # a withdrawn decision's page: 已撤回 with reason and date, no content
    page.goto(f"{base}/decisions/{data['gone']}/")
    assert "已撤回" in page.locator("h1").inner_text()
    assert page.locator(".withdrawal-reason").inner_text() == REASON
    main = page.locator("main").inner_text()
    assert "悬挂食品经营许可证" not in main and "3,000.00" not in main

    # the takedown log lists it and links to the withdrawn page
    page.goto(f"{base}/takedowns/")
    row = page.locator("tbody tr").filter(has_text=REASON)
    assert row.count() == 1
    row.locator("a").click()
    assert page.url.endswith(f"/decisions/{data['gone']}/")

    # on a phone the three pages fit the screen
    phone = context.new_page()
    phone.set_viewport_size(PHONE)
    for name, path in (("decision", f"/decisions/{data['shown']}/"), ("withdrawn", f"/decisions/{data['gone']}/"),
                       ("takedowns", "/takedowns/"), ("list", "/decisions/")):  # fmt: skip
        phone.goto(base + path)
        shot = tmp_path / f"phone-{name}.png"
        phone.screenshot(path=str(shot), full_page=True)
        overflow = phone.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{path} is {overflow}px wider than a 390px phone screen ({shot})"
    watch.assert_clean()
