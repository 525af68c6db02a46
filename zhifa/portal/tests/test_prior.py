"""事前/事中 public pages: what an anonymous visitor sees of bodies, officers, lists, guides, flowcharts and
certificates — and what they must not see (drafts, personal identifiers)."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

import pytest
import segno
from django.test import Client
from django.utils import timezone

from zhifa.catalog import services as catalog
from zhifa.catalog.models import CatalogList, Kind, ListVersion, PowerItem
from zhifa.core.testing import World, make_uscc
from zhifa.portal.prior import flowchart, qr, queries
from zhifa.registry import services as registry
from zhifa.registry.models import Certificate, Officer
from zhifa.registry.validators import id_check_char

SVG_NS = "{http://www.w3.org/2000/svg}"
ID_NUMBER = "65230119850101123" + id_check_char("65230119850101123")
PHONE = "13912345678"
DRAFT_ITEM = "对草稿事项不得公开的行政处罚"


def power_row(name: str, procedure: str = "", **extra) -> dict:
    return {
        "权力类型": "行政处罚",
        "事项名称": name,
        "执法主体": "昌吉市市场监督管理局",
        "承办机构": "食品经营安全监督管理科",
        "执法依据": "《中华人民共和国行政处罚法》第二十八条",
        "实施程序": procedure,
        "办理时限": "自立案之日起九十日内作出处理决定",
        "救济渠道": "可以依法申请行政复议或者提起行政诉讼。",
        **extra,
    }


@dataclass
class PortalData:
    w: World
    v1: ListVersion
    v2: ListVersion
    draft: ListVersion
    draft_list: CatalogList
    guide_item: PowerItem
    draft_item: PowerItem
    private_officer: Officer
    certs: dict[str, Certificate]


def publish_lists(w: World) -> dict:
    """The market's 权责清单: v1 published then superseded by v2 (with a change reason), v3 a draft under review;
    the ecology branch's 随机抽查事项清单 exists only as a draft."""
    v1 = catalog.create_draft(w.officer, w.market, Kind.POWER)
    catalog.add_item(
        w.officer, v1, power_row("对生产经营不符合食品安全标准的食品的行政处罚", "立案—调查—决定")
    )
    catalog.submit(w.officer, v1)
    catalog.approve(w.reviewer, v1, opinion="同意")
    catalog.publish(w.head, v1)
    v2 = catalog.create_draft(
        w.officer, w.market, Kind.POWER, change_reason="《食品安全法》修订，新增许可事项"
    )
    guide = catalog.add_item(
        w.officer,
        v2,
        power_row(
            "食品经营许可",
            "申请—受理（当场或五日内一次告知补正）—审查—决定—十日内颁发证件",
            权力类型="行政许可",
            备注="申请材料：食品经营许可申请书、营业执照复印件",
        ),
    )
    catalog.submit(w.officer, v2)
    catalog.approve(w.reviewer, v2, opinion="同意")
    catalog.publish(w.head, v2)
    draft = catalog.create_draft(w.officer, w.market, Kind.POWER, change_reason="拟调整")
    draft_item = catalog.add_item(w.officer, draft, power_row(DRAFT_ITEM))
    catalog.submit(w.officer, draft)
    eco = catalog.create_draft(w.officer_b, w.ecology, Kind.RANDOM_INSPECTION)
    return {
        "v1": v1,
        "v2": v2,
        "draft": draft,
        "draft_list": eco.catalog_list,
        "guide_item": guide,
        "draft_item": draft_item,
    }


def certificates(w: World) -> tuple[Officer, dict[str, Certificate]]:
    """One market officer per certificate state; one of them with an ID and a phone number on record."""
    today = timezone.localdate()

    def issue(name, number, *, until, **officer_fields):
        o = registry.create_officer(
            user=w.admin, agency=w.market, name=name, domains=[w.market_domain], **officer_fields
        )
        c = registry.issue_certificate(
            user=w.admin, officer=o, number=number, domains=[w.market_domain], issuer="新疆维吾尔自治区人民政府",
            valid_from=today - dt.timedelta(days=800), valid_until=until, exam_passed_on=today - dt.timedelta(days=900),
        )  # fmt: skip
        return o, c

    private, valid = issue(
        "己隐私",
        "P000001",
        until=today + dt.timedelta(days=300),
        id_number=ID_NUMBER,
        phone=PHONE,
        post="执法一科",
    )
    _, expired = issue("庚过期", "P000002", until=today - dt.timedelta(days=1))
    _, suspended = issue("辛暂扣", "P000003", until=today + dt.timedelta(days=300))
    registry.change_certificate_status(
        user=w.admin, certificate=suspended, action="suspend", reason="调查期间暂扣"
    )
    _, revoked = issue("壬注销", "P000004", until=today + dt.timedelta(days=300))
    registry.change_certificate_status(
        user=w.admin, certificate=revoked, action="revoke", reason="调离执法岗位"
    )
    return private, {"valid": valid, "expired": expired, "suspended": suspended, "revoked": revoked}


@pytest.fixture
def pd(world) -> PortalData:
    lists = publish_lists(world)
    private, certs = certificates(world)
    for v in ("v1", "v2", "draft"):
        lists[v].refresh_from_db()
    return PortalData(w=world, private_officer=private, certs=certs, **lists)


@pytest.fixture
def anon():
    return Client()


def get(client, url, status=200):
    r = client.get(url)
    assert r.status_code == status, (url, r.status_code)
    return r.content.decode() if status == 200 else r


# ----------------------------------------------------------------------------------------------------------------
# Every page renders for anonymous visitors


def test_every_page_renders_for_anonymous_visitors_and_is_cacheable(pd, anon):
    w = pd.w
    urls = [
        "/",
        f"/j/{w.city.code}/",
        f"/j/{w.other_county.code}/",
        "/bodies/",
        "/bodies/?q=市场",
        f"/bodies/{w.market.pk}/",
        f"/bodies/{w.market.pk}/board/",
        "/officers/",
        f"/officers/?body={w.market.pk}&q=甲&valid=1",
        "/lists/",
        f"/lists/?kind=power&body={w.market.pk}",
        f"/lists/{pd.v2.catalog_list_id}/",
        f"/lists/versions/{pd.v1.pk}/",
        f"/lists/versions/{pd.v2.pk}/",
        f"/guides/{pd.guide_item.pk}/",
        "/procedures/",
        "/procedures/ordinary/",
        "/procedures/simple/",
        "/procedures/coercion/",
        "/certificates/check/",
        "/certificates/check/?no=P000001",
        "/c/P000001",
        "/certificates/P000001/card/",
        "/certificates/P000001/board/",
    ]
    for url in urls:
        r = anon.get(url)
        assert r.status_code == 200, url
        assert "public" in r["Cache-Control"], url
        html = r.content.decode()
        assert '<main id="main"' in html and "<h1" in html, url
        # no external resource: every src/href is local (or an in-page anchor)
        for ref in re.findall(r'(?:src|href)="([^"]+)"', html):
            assert not re.match(r"^(https?:)?//", ref) or ref.startswith("http://testserver/"), (url, ref)


def test_home_shows_the_jurisdiction_its_bodies_by_level_and_counts(pd, anon, settings):
    w = pd.w
    html = get(anon, "/")
    # the deepest jurisdiction holding every body: 昌吉回族自治州 (bodies in 昌吉市 and 阜康市)
    assert "<h1>昌吉回族自治州行政执法公示</h1>" in html
    assert "县/市/区级执法主体（4）" in html
    for agency in (w.market, w.ecology, w.other_market, w.justice):
        assert f'href="/bodies/{agency.pk}/"' in html
    # 3 officers of the world + the valid one here; expired/suspended/revoked do not count
    assert f'aria-label="{w.market.name}的执法人员（4人）"' in html
    assert f'aria-label="{w.market.name}的清单（1份）"' in html
    assert f'aria-label="{w.ecology.name}的清单（0份）"' in html  # a draft list is no published list

    settings.ZHIFA_PORTAL_JURISDICTION = w.city.code
    html = get(anon, "/")
    assert "<h1>昌吉市行政执法公示</h1>" in html
    assert w.other_market.name not in html


def test_body_page_shows_information_duties_basis_remedy_and_officers(pd, anon):
    w = pd.w
    html = get(anon, f"/bodies/{w.market.pk}/")
    assert w.market.uscc in html and "法定行政机关" in html
    assert "新疆维吾尔自治区" in html and "昌吉市" in html
    # duties from the published 权责清单 in force (v2), linking to the guides
    assert f'href="/guides/{pd.guide_item.pk}/"' in html and "食品经营许可" in html
    assert f"权责清单（第{pd.v2.number}版" in html
    # remedy channels as the case platform derives them for its 决定书
    assert "昌吉市人民政府" in html and "昌吉市人民法院" in html
    assert "甲执法" in html and "P000001" in html


def test_predecessor_and_successor_are_linked(world, anon):
    old = registry.create_agency(
        user=world.admin, name="昌吉市食品药品监督管理局", short_name="昌食药", uscc=make_uscc(77),
        jurisdiction=world.city,
    )  # fmt: skip
    registry.reorganise([old], world.market, reason="机构改革方案（演示）", user=world.admin)
    html = get(anon, f"/bodies/{world.market.pk}/")
    assert f'href="/bodies/{old.pk}/"' in html and "前身机构" in html
    html = get(anon, f"/bodies/{old.pk}/")
    assert "已合并/撤并" in html and f'href="/bodies/{world.market.pk}/"' in html


# ----------------------------------------------------------------------------------------------------------------
# Lists: only published versions


def test_lists_show_versions_with_change_reasons(pd, anon):
    html = get(anon, f"/lists/{pd.v2.catalog_list_id}/")
    assert "第1版" in html and "第2版" in html and "已被新版本替代" in html
    assert "《食品安全法》修订，新增许可事项" in html
    assert "第3版" not in html and "拟调整" not in html
    html = get(anon, f"/lists/versions/{pd.v2.pk}/")
    assert "与第1版相比" in html and "新增 1 项" in html and "食品经营许可" in html


def test_unpublished_lists_versions_and_items_are_not_public(pd, anon):
    # denied: a draft/submitted version, a list with only a draft, an item of a draft version
    get(anon, f"/lists/versions/{pd.draft.pk}/", status=404)
    get(anon, f"/lists/{pd.draft_list.pk}/", status=404)
    get(anon, f"/guides/{pd.draft_item.pk}/", status=404)
    for url in ("/lists/", f"/lists/{pd.v2.catalog_list_id}/", f"/bodies/{pd.w.market.pk}/", "/"):
        assert DRAFT_ITEM not in get(anon, url)
    assert "随机抽查事项清单" not in get(anon, f"/lists/?body={pd.w.ecology.pk}").split("<tbody>")[1]
    # the guide of an item of a superseded (public) version still answers, and says so
    old_item = PowerItem.objects.get(version=pd.v1)
    assert "已被新版本替代" in get(anon, f"/guides/{old_item.pk}/")


def test_guide_shows_basis_procedure_time_limit_remedy_and_materials(pd, anon):
    html = get(anon, f"/guides/{pd.guide_item.pk}/")
    for text in ("行政许可", "《中华人民共和国行政处罚法》第二十八条", "自立案之日起九十日内作出处理决定",
                 "可以依法申请行政复议或者提起行政诉讼。", "申请材料：食品经营许可申请书", "昌吉市人民政府"):  # fmt: skip
        assert text in html, text
    svg = re.search(r"<svg.*?</svg>", html, re.S).group(0)
    root = ET.fromstring(svg)
    texts = [t.text for t in root.iter(f"{SVG_NS}text")]
    for step in ("申请", "审查", "决定", "十日内颁发证件"):
        assert step in texts
    assert root.find(f"{SVG_NS}title").text == "食品经营许可流程图"


# ----------------------------------------------------------------------------------------------------------------
# Officers: the projection, nothing more


def test_roster_shows_public_fields_and_never_identifiers(pd, anon):
    w = pd.w
    assert pd.private_officer.id_number == ID_NUMBER and pd.private_officer.phone == PHONE
    pages = [
        "/officers/",
        "/officers/?q=己隐私",
        f"/bodies/{w.market.pk}/",
        f"/bodies/{w.market.pk}/board/",
        "/c/P000001",
        "/certificates/P000001/card/",
        "/certificates/P000001/board/",
    ]
    for url in pages:
        html = get(anon, url)
        assert "己隐私" in html, url
        assert ID_NUMBER not in html and ID_NUMBER[:14] not in html, url
        assert PHONE not in html, url
    # the roster's query does not even read the columns
    sql = str(queries.roster().query)
    assert "id_number" not in sql and '"phone"' not in sql and "legal_qualification_number" not in sql
    html = get(anon, "/officers/?q=己隐私")
    row = re.search(r"<tbody>(.*?)</tbody>", html, re.S).group(1)
    assert "P000001" in row and "市场监管" in row and w.market.name in row and "有效" in row


def test_roster_filters_by_body_name_and_number(pd, anon):
    w = pd.w
    html = get(anon, f"/officers/?body={w.ecology.pk}")
    assert "丁执法" in html and "甲执法" not in html
    html = get(anon, "/officers/?q=P00000")
    assert all(n in html for n in ("己隐私", "庚过期", "辛暂扣", "壬注销")) and "甲执法" not in html
    html = get(anon, "/officers/?q=P00000&valid=1")
    assert "己隐私" in html and "庚过期" not in html and "辛暂扣" not in html


def test_roster_lists_a_renewed_officer_once(pd, anon):
    w = pd.w
    today = timezone.localdate()
    registry.issue_certificate(
        user=w.admin, officer=pd.certs["expired"].officer, number="P000009", domains=[w.market_domain],
        issuer="新疆维吾尔自治区人民政府", valid_from=today, valid_until=today + dt.timedelta(days=1000),
        exam_passed_on=today - dt.timedelta(days=10),
    )  # fmt: skip
    html = get(anon, "/officers/?q=庚过期")
    assert "P000009" in html and "P000002" not in html


def test_roster_and_body_page_make_a_fixed_number_of_queries(pd, anon, django_assert_max_num_queries):
    w = pd.w
    today = timezone.localdate()
    for i in range(25):
        o = registry.create_officer(
            user=w.admin, agency=w.market, name=f"测试{i:02d}", domains=[w.market_domain]
        )
        registry.issue_certificate(
            user=w.admin, officer=o, number=f"Q{i:05d}", domains=[w.market_domain], issuer="自治区人民政府",
            valid_from=today, valid_until=today + dt.timedelta(days=100), exam_passed_on=today,
        )  # fmt: skip
    with django_assert_max_num_queries(5):
        html = get(anon, "/officers/")
    assert "测试24" in html or "下一页" in html
    with django_assert_max_num_queries(14):
        html = get(anon, f"/bodies/{w.market.pk}/")
    assert "测试24" in html
    with django_assert_max_num_queries(8):
        get(anon, "/")
    with django_assert_max_num_queries(12):
        get(anon, f"/bodies/{w.market.pk}/board/")


# ----------------------------------------------------------------------------------------------------------------
# Certificate check


@pytest.mark.parametrize(
    "key, status, label",
    [
        ("valid", "valid", "有效"),
        ("expired", "expired", "已过期"),
        ("suspended", "suspended", "暂扣"),
        ("revoked", "revoked", "注销/吊销"),
    ],
)
def test_certificate_check_statuses(pd, anon, key, status, label):
    cert = pd.certs[key]
    cert.refresh_from_db()
    for url in (f"/certificates/check/?no={cert.number}", f"/c/{cert.number}", f"/c/{cert.number.lower()}"):
        html = get(anon, url)
        assert f'<span class="result-status" data-status="{status}">{label}</span>' in html, url
        assert cert.officer.name in html and pd.w.market.name in html and "市场监管" in html
    assert queries.check(cert.number).status == cert.effective_status()


def test_certificate_check_by_date_and_not_yet(pd):
    cert = pd.certs["valid"]
    assert queries.check(cert.number, today=cert.valid_until).status == "valid"
    assert queries.check(cert.number, today=cert.valid_until + dt.timedelta(days=1)).status == "expired"
    assert queries.check(cert.number, today=cert.valid_from - dt.timedelta(days=1)).status == "not_yet"


def test_unknown_certificate_says_so_and_nothing_else(pd, anon):
    html = get(anon, "/certificates/check/?no=NO-SUCH-1")
    assert 'data-status="unknown">查无此证</span>' in html
    body = html.split('<main id="main"')[1].split("</main>")[0]
    for leak in ("甲执法", "己隐私", pd.w.market.name, "市场监管", "有效期"):
        assert leak not in body, leak
    get(anon, "/certificates/NO-SUCH-1/card/", status=404)
    get(anon, "/certificates/NO-SUCH-1/board/", status=404)
    assert "data-status" not in get(anon, "/certificates/check/")  # the empty form checks nothing
    assert queries.check("x" * 500).status == "unknown"


def test_certificate_check_makes_few_queries(pd, anon, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        get(anon, "/c/P000001")  # certificate with officer and agency; its domains
    with django_assert_max_num_queries(2):
        get(anon, "/c/NOPE")  # exact, then upper case


# ----------------------------------------------------------------------------------------------------------------
# QR codes


def test_card_qr_encodes_the_check_url_and_the_page_shows_it(pd, anon, settings):
    url = "http://testserver/c/P000001"
    html = get(anon, "/certificates/P000001/card/")
    assert str(qr.svg(url, label="执法证P000001查询二维码")) in html
    assert f'href="{url}"' in html and f">{url}</a>" in html
    # the SVG drawn is segno's symbol of exactly that URL: its module path equals segno's own rendering
    code = segno.make(url, error="m", micro=False)
    assert code.error in ("M", "Q", "H")  # at least 15% recovery (segno raises the level when it fits)
    drawn = re.search(r'<a class="qr-link"[^>]*>.*?class="qrline"[^>]*d="([^"]+)"', html, re.S).group(1)
    assert f'd="{drawn}"' in code.svg_inline(scale=1, border=4)
    assert drawn not in segno.make(url + "x", error="m", micro=False).svg_inline(scale=1, border=4)
    # the QR target is the check page of that certificate
    assert 'data-status="valid">有效</span>' in get(anon, url.removeprefix("http://testserver"))

    settings.ZHIFA_PORTAL_URL = "https://zhifa.example.gov.cn/"
    html = get(anon, "/certificates/P000001/card/")
    assert 'href="https://zhifa.example.gov.cn/c/P000001"' in html
    assert str(qr.svg("https://zhifa.example.gov.cn/c/P000001", label="执法证P000001查询二维码")) in html


def test_body_board_has_a_qr_per_officer_on_post(pd, anon):
    html = get(anon, f"/bodies/{pd.w.market.pk}/board/")
    links = re.findall(r'<a class="qr-link" href="([^"]+)"', html)
    valid = sorted(
        c.number
        for c in Certificate.objects.filter(officer__agency=pd.w.market)
        if c.effective_status() == "valid"
    )
    assert sorted(u.rsplit("/", 1)[1] for u in links) == valid
    assert "庚过期" not in html and "辛暂扣" not in html and "壬注销" not in html
    assert "执法一科" in html  # the post
    assert html.count("<svg") == len(valid)


# ----------------------------------------------------------------------------------------------------------------
# Flowcharts


EXPECTED_STATES = {
    "ordinary": {
        "registered", "verifying", "filing_review", "not_filed", "investigating", "case_review", "review_passed",
        "notified", "hearing", "collective", "decided", "executing", "closed", "archived",
    },
    "simple": {"registered", "executing", "closed", "archived"},
    "coercion": {"registered", "verifying", "filing_review", "not_filed", "investigating", "closed", "archived"},
}  # fmt: skip


@pytest.mark.parametrize("procedure", ["ordinary", "simple", "coercion"])
def test_flowchart_svg_is_valid_xml_with_the_declared_states(db, anon, procedure):
    from zhifa.cases.models import State
    from zhifa.cases.transitions import TRANSITIONS

    r = anon.get(f"/procedures/{procedure}.svg")
    assert r.status_code == 200 and r["Content-Type"] == "image/svg+xml"
    root = ET.fromstring(r.content)
    assert root.tag == f"{SVG_NS}svg" and root.get("role") == "img"
    assert root.find(f"{SVG_NS}title").text.endswith("流程图") and root.find(f"{SVG_NS}desc").text
    states = {g.get("data-state") for g in root.iter(f"{SVG_NS}g") if g.get("class") == "state"}
    assert states == EXPECTED_STATES[procedure]
    texts = {t.text for t in root.iter(f"{SVG_NS}text")}
    labels = dict(State.choices)
    for s in states:
        assert labels[s] in texts or any(labels[s].startswith(t) for t in texts), s
    # every arrow joins drawn states, and every state-changing transition of the procedure is drawn
    drawn = set()
    for path in root.iter(f"{SVG_NS}path"):
        if path.get("class") == "edge":
            assert path.get("data-to") in states
            for src in path.get("data-from").split():
                assert src in states
                drawn.add((src, path.get("data-to")))
    expected = {
        (str(s), str(t.target))
        for t in TRANSITIONS.values()
        if procedure in t.procedures and t.target
        for s in t.sources
        if s in states and t.target != s
    }
    assert drawn == expected
    # the page embeds the same SVG inline, with a text alternative
    html = get(anon, f"/procedures/{procedure}/")
    assert flowchart.render_svg(flowchart.procedure_chart(procedure)) in html
    assert "文字说明" in html


def test_procedure_steps_parse_the_published_text():
    assert flowchart.procedure_steps("申请—受理—审查—决定") == ["申请", "受理", "审查", "决定"]
    assert flowchart.procedure_steps("1.申请；2.受理\n3、决定") == ["申请", "受理", "决定"]
    assert flowchart.procedure_steps("立案->调查→决定") == ["立案", "调查", "决定"]
    assert flowchart.procedure_steps("") == []


def test_flowchart_escapes_text():
    chart = flowchart.steps_chart("x", "<流程&图>", ["a<b", "c&d"])
    root = ET.fromstring(flowchart.render_svg(chart))
    assert root.find(f"{SVG_NS}title").text == "<流程&图>"


def test_unknown_pages_are_404(db, anon):
    get(anon, "/procedures/other/", status=404)
    get(anon, "/procedures/other.svg", status=404)
    get(anon, "/bodies/999999/", status=404)
    get(anon, "/lists/999999/", status=404)
    get(anon, "/j/000000/", status=404)
