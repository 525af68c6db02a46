"""Issue 5 item 8: a visitor types a two-character query into /search/ in headless Chromium and sees the match.

The server runs on its own throw-away SQLite database (zhifa.core.browser); the decisions are published there through
the publications app (BROWSER_SETUP), which indexes them as it does in production.
"""

from __future__ import annotations

import pytest

pytest.register_assert_rewrite("zhifa.core.browser")
pytest_plugins = ["zhifa.core.browser"]

from zhifa.core.browser import PHONE  # noqa: E402

BROWSER_SETUP = ("zhifa.portal.search.tests.test_browser:seed",)


def seed() -> dict:
    """Runs in the server's environment: three decisions published through the publications app (created, redacted,
    approved by the agency's reviewer), which puts them into the index as it does in production."""
    import datetime as dt

    from zhifa.portal import services as publications
    from zhifa.registry.models import Agency, User

    market = Agency.objects.get(short_name="昌市监")
    officer, reviewer = User.objects.get(username="t_officer"), User.objects.get(username="t_reviewer")
    texts = [
        (
            "销售进口鲟鱼子酱未标注中文标签",
            "某食品经营部",
            "当事人销售无中文标签的进口鲟鱼子酱。",
            ["fine"],
            "5000",
        ),
        ("销售过期辣椒酱", "某超市有限公司", "当事人销售超过保质期的辣椒酱。", ["warning"], None),
        ("未落实安全生产责任制", "某加油站有限公司", "当事人未落实安全生产责任制。", ["fine"], "20000"),
    ]
    ids = []
    for title, party, facts, kinds, fine in texts:
        pub = publications.create_publication(
            officer, category="penalty", agency=market, source_type="manual", decided_on=dt.date(2025, 4, 1),
            title=title, party_name=party, party_kind="organisation", facts=facts, basis="《某法》第十条",
            penalty_kinds=kinds, fine_amount=fine, document_number=f"昌市监罚〔2025〕{len(ids) + 1}号",
        )  # fmt: skip
        publications.approve(reviewer, pub)
        ids.append(pub.pk)
    return {"agency": market.pk, "ids": ids}


def test_two_character_query_in_the_browser(new_context, zhifa_server):
    context, watch = new_context(viewport=PHONE)
    page = context.new_page()
    page.goto(f"{zhifa_server.url}/search/")
    assert page.locator("#search-hint").is_visible()
    page.get_by_label("关键词").fill("子酱")
    page.get_by_role("button", name="检索").click()
    page.wait_for_load_state()
    assert "q=%E5%AD%90%E9%85%B1" in page.url
    assert "共找到 1 条" in page.locator("#search-summary").inner_text()
    results = page.locator("ol.results li")
    assert results.count() == 1
    assert "鲟鱼子酱" in results.first.inner_text()
    assert results.first.locator("mark").first.inner_text() == "子酱"
    assert "辣椒酱" not in page.content()

    # a second term narrows (AND); the filter keeps its value
    page.get_by_label("关键词").fill("当事人 警告")
    page.get_by_label("处罚种类").select_option("warning")
    page.get_by_role("button", name="检索").click()
    page.wait_for_load_state()
    assert "辣椒酱" in page.locator("ol.results").inner_text()
    assert page.locator("ol.results li").count() == 1
    assert page.get_by_label("处罚种类").input_value() == "warning"
    watch.assert_clean()
