"""The certificate check by QR link, in headless Chromium on a phone-sized screen (issue 5, browser tests).

An anonymous visitor opens an officer's printable certificate card, follows the QR code's link (what a phone's
camera opens) and sees the result page saying the certificate is 有效. The portal pages on the way load nothing
from outside 127.0.0.1: every other request is aborted and recorded by the page watch, and none may be attempted.
"""

from __future__ import annotations

import pytest

pytest.register_assert_rewrite("zhifa.core.browser")
pytest_plugins = ["zhifa.core.browser"]

from zhifa.core.browser import PHONE  # noqa: E402

BROWSER_SETUP = ("zhifa.portal.tests.test_prior_browser:prepare",)


def prepare() -> dict:
    """Runs in the server's setup process: the world's market officer and their certificate number."""
    from zhifa.registry.models import Certificate

    cert = Certificate.objects.select_related("officer__agency").get(officer__name="甲执法")
    return {"number": cert.number, "name": cert.officer.name, "agency": cert.officer.agency.name,
            "agency_id": cert.officer.agency_id}  # fmt: skip


def test_certificate_card_qr_link_opens_the_valid_result(new_context, zhifa_server):
    facts = zhifa_server.setup["zhifa.portal.tests.test_prior_browser:prepare"]
    context, watch = new_context(viewport=PHONE)
    page = context.new_page()
    page.goto(f"{zhifa_server.url}/certificates/{facts['number']}/card/")
    card = page.locator("article.idcard").first
    assert facts["name"] in card.inner_text()
    qr_link = card.locator("a.qr-link")
    target = qr_link.get_attribute("href")
    assert target == f"{zhifa_server.url}/c/{facts['number']}"
    assert qr_link.locator("svg.qr[role=img] title").text_content() == f"执法证{facts['number']}查询二维码"
    assert page.locator("a.check-link").inner_text() == target  # the URL is printed as text too

    qr_link.click()
    page.wait_for_url(target)
    status = page.locator(".result-status")
    assert status.inner_text() == "有效"
    assert status.get_attribute("data-status") == "valid"
    result = page.locator(".check-result").inner_text()
    assert facts["name"] in result and facts["agency"] in result and "市场监管" in result

    # the check form answers a typed number too; an unknown number says so
    page.get_by_label("执法证号").fill("NO-SUCH-NUMBER")
    page.get_by_role("button", name="查询").click()
    assert page.locator(".result-status").inner_text() == "查无此证"

    # the other public pages on a phone: no external resource, no error
    for path in ("/", f"/bodies/{facts['agency_id']}/", "/officers/", "/lists/", "/procedures/ordinary/"):
        page.goto(zhifa_server.url + path)
        assert page.locator("h1").count() == 1, path
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), path
    watch.assert_clean()
    assert watch.external_requests == []
