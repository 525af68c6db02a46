"""Redaction: the redactor's patterns, and the end-to-end guarantee that no ID number, phone number or unmasked
natural-person name reaches any public URL (pages, feeds, JSON, CSV, Excel, 双公示 and 企业信用 exports), checked
with independent scanners (publications_support.scan)."""

# ruff: noqa: F811  (the `pw` fixture is imported from publications_support)
from __future__ import annotations

import io
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zhifa.core.errors import PermissionDenied, ValidationFailed
from zhifa.portal import redaction, services
from zhifa.portal.models import RedactionRule
from zhifa.portal.tests.publications_support import manual, pw, scan  # noqa: F401

ADVERSARIAL = [
    "身份证号65230119900101002X",
    "身份证号码65230119900101002x（小写）",
    "身份证 652301 19900101 0021",
    "15位老身份证652301900101002",
    "手机138 0013 8000",
    "手机138-0013-8000",
    "手机+86 13800138000",
    "手机+86-138-0013-8000",
    "手机0086 13912345678",
    "座机0994-2345678",
    "座机(0994)2345678 转 8001",
    "座机（0994）23456789-8001",
    "座机0994 2345678",
    "联系电话：2345678",
    "银行账号6222 0200 1234 5678 901",
    "银行卡号6222020012345678",
]


def test_the_independent_scanner_finds_numbers_but_not_digit_runs_inside_hashes():
    # The scanner must be able to fail: every adversarial text, unredacted, is a finding.
    assert [text for text in ADVERSARIAL if not scan(text)] == []
    assert scan("当事人张三，身份证号652301199001011234") == ["id18:652301199001011234"]
    assert scan("联系人：张三", ["张三"]) == ["name:张三"]
    # A signature whose hex holds the digits of a landline (seen in CI) is not personal data …
    signature = "7fa" + "093482824283" + "c1" * 26
    assert scan(f'{{"signature": "{signature}"}}') == []
    # … but a number written next to a short hex-looking word still is.
    assert scan("电话 0994-2345678 备注 abc") == ["landline:09942345678"]


@pytest.mark.parametrize("text", ADVERSARIAL)
def test_number_formats_are_removed(text):
    out = redaction.redact(text, custom=[]).text
    assert scan(out) == [], out
    assert "***" in out


@pytest.mark.parametrize(
    ("name", "masked"),
    [("张三", "张某"), ("欧阳娜娜", "欧阳某"), ("司马光", "司马某"), ("王某某", "王某某"), ("李", "李某")],
)
def test_mask_name(name, masked):
    assert redaction.mask_name(name) == masked


def test_names_in_facts_are_masked_by_knowledge_and_by_context():
    known = redaction.Known.build(names=["张三", "欧阳娜娜"], natural=True)
    text = "当事人张三于2026年3月在店内销售过期食品，员工王五，男，称系欧阳娜娜安排；证人李小明在场。负责人称不知情。"
    out = redaction.redact(text, known, custom=[]).text
    for name in ("张三", "欧阳娜娜", "王五", "李小明"):
        assert name not in out, out
    assert "张某" in out and "欧阳某" in out and "王某" in out and "李某" in out
    assert "负责人称不知情" in out  # words after a label that are not names stay
    assert redaction.leaks(out, known, custom=[]) == []


def test_home_address_of_natural_person_is_removed_but_organisation_address_stays():
    person = redaction.Known.build(
        names=["张三"], addresses=["昌吉市延安路12号3号楼2单元501室"], natural=True
    )
    out = redaction.redact(
        "住址：昌吉市延安路12号3号楼2单元501室。另查，其现住昌吉市北京路8号。", person, custom=[]
    ).text
    assert "延安路12号" not in out and "北京路8号" not in out
    org = redaction.Known.build(natural=False)
    assert "北京南路1号" in redaction.redact("住所：昌吉市北京南路1号", org, custom=[]).text


def test_leaks_finds_what_remains():
    hits = redaction.leaks(
        "联系电话13800138000，住址：某路1号", redaction.Known.build(natural=True), custom=[]
    )
    assert {h.code for h in hits} >= {"mobile", "home_address"}


def test_organisation_codes_and_dates_are_not_mistaken_for_personal_data():
    text = "统一社会信用代码91652301MA78ABCD1X，罚款人民币5,000.00元，决定日期2026-09-30，文号昌市监罚〔2026〕12号。"
    assert redaction.redact(text, custom=[]).text == text


@settings(max_examples=60, deadline=None)
@given(
    st.integers(min_value=130, max_value=199).filter(lambda n: n // 10 in (13, 14, 15, 16, 17, 18, 19)),
    st.integers(min_value=0, max_value=99_999_999),
    st.sampled_from(["", " ", "-", "－"]),
    st.sampled_from(["", "+86 ", "+86-", "0086"]),
)
def test_any_mobile_number_with_any_separator_is_removed(prefix, rest, sep, country):
    digits = f"{prefix}{rest:08d}"
    number = country + sep.join([digits[:3], digits[3:7], digits[7:]])
    out = redaction.redact(f"联系人手机{number}。", custom=[]).text
    assert digits not in re.sub(r"\D", "", out)


@pytest.mark.django_db
def test_admin_rules_are_applied_and_refused_when_invalid(world):
    rule = RedactionRule(name="车牌号", pattern=r"新[A-Z][A-Z0-9]{5}", natural_only=False)
    with pytest.raises(PermissionDenied):
        services.save_redaction_rule(world.officer, rule)
    with pytest.raises(ValidationFailed):
        services.save_redaction_rule(world.admin, RedactionRule(name="坏", pattern="("))
    with pytest.raises(ValidationFailed):
        services.save_redaction_rule(world.admin, RedactionRule(name="空", pattern="x*"))
    services.save_redaction_rule(world.admin, rule)
    assert redaction.redact("驾驶新B12345车辆").text == "驾驶***车辆"


# --- end to end: every public URL, adversarial corpus ------------------------------------------------------------

PERSONS = ["张三丰", "欧阳娜娜", "王五", "李小明", "赵六", "司马青衫"]
CORPUS = [
    dict(party_name="张三丰", party_kind="natural", party_id_number="65230119900101002X",
         party_address="昌吉市延安路12号3号楼2单元501室", legal_representative="",
         facts="当事人张三丰（身份证号65230119900101002X，手机138 0013 8000）于其住所昌吉市延安路12号3号楼2单元501室"
               "无证经营，员工王五，男，在场。"),
    dict(party_name="昌吉市某某餐饮有限公司", party_kind="organisation", legal_representative="欧阳娜娜",
         facts="经查，法定代表人欧阳娜娜（电话0994-2345678，(0994)2345678 转 8001）指使员工李小明销售过期食品，"
               "证人赵六，女，1990年出生，身份证652301900101002，联系电话+86 13800138000、138-0013-8000。"),
    dict(party_name="昌吉市司马青衫小吃店", party_kind="individual_business", legal_representative="司马青衫",
         natural_names=["司马青衫"],
         facts="经营者司马青衫使用银行账号6222 0200 1234 5678 901收取货款，另用手机0086 13912345678联系。",
         basis="《某条例》第十条（举报人电话0994 2345678）"),
]  # fmt: skip


def _xlsx_text(data: bytes) -> str:
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(data), read_only=True)
    return "\n".join(
        str(c) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row if c
    )


@pytest.mark.django_db
def test_no_personal_data_on_any_public_url(pw, client):
    pubs = []
    for i, spec in enumerate(CORPUS):
        pub = manual(pw.w, source_type="test", source_id=f"adv{i}", **spec)
        services.approve(pw.w.reviewer, pub)
        pubs.append(pub)
    withdrawn = manual(pw.w, source_type="test", source_id="adv-w", **CORPUS[0])
    services.approve(pw.w.reviewer, withdrawn)
    services.withdraw(pw.w.head, withdrawn, reason="误发（当事人张三丰，手机13800138000）")
    market, cat = pw.w.market.pk, "penalty"
    urls = [
        "/decisions/", f"/decisions/?agency={market}", "/takedowns/", "/open-data/",
        *[f"/decisions/{p.pk}/" for p in [*pubs, withdrawn]],
        "/feeds/decisions.atom", f"/feeds/agency/{market}.atom", f"/feeds/category/{cat}.atom",
        "/api/v1/portal/publications", f"/api/v1/portal/agencies/{market}/publications",
        f"/api/v1/portal/categories/{cat}/publications", "/api/v1/portal/takedowns",
        *[f"/api/v1/portal/publications/{p.pk}" for p in [*pubs, withdrawn]],
        *[f"/open-data/{layout}.csv" for layout in ("standard", "shuanggongshi", "gsxt")],
    ]  # fmt: skip
    seen = 0
    for url in urls:
        r = client.get(url)
        assert r.status_code in (200, 410), url
        body = b"".join(r.streaming_content) if r.streaming else r.content
        text = body.decode("utf-8-sig")
        assert scan(text, PERSONS) == [], url
        seen += text.count("某")
    for layout in ("standard", "shuanggongshi", "gsxt"):
        r = client.get(f"/open-data/{layout}.xlsx")
        text = _xlsx_text(r.content)
        assert scan(text, PERSONS) == [], layout
        assert "罚款" in text and ("昌吉市某某餐饮有限公司" in text or layout == "gsxt")
    assert seen > 10  # the masked names are there (the pages are not simply empty)
    detail = client.get(f"/decisions/{pubs[0].pk}/").content.decode()
    assert "张某" in detail and "***" in detail


@pytest.mark.django_db
def test_shuanggongshi_export_has_the_layout_and_no_identity_of_natural_persons(pw, client):
    from zhifa.portal.exports import GSXT, SHUANGGONGSHI

    for i, spec in enumerate(CORPUS):
        services.approve(pw.w.reviewer, manual(pw.w, source_type="test", source_id=f"s{i}", **spec))
    rows = list(
        __import__("csv").reader(
            io.StringIO(
                b"".join(client.get("/open-data/shuanggongshi.csv").streaming_content).decode("utf-8-sig")
            )
        )
    )
    assert rows[0] == SHUANGGONGSHI and len(rows) == 4
    by_name = {r[0]: dict(zip(SHUANGGONGSHI, r, strict=True)) for r in rows[1:]}
    person = by_name["张某"]
    assert person["行政相对人类别"] == "自然人" and person["证件号码"] == "" and person["证件类型"] == ""
    org = by_name["昌吉市某某餐饮有限公司"]
    assert org["法定代表人"] == "欧阳某" and org["罚款金额（万元）"] == "0.500000"
    assert org["处罚机关"] == pw.w.market.name and org["处罚机关统一社会信用代码"] == pw.w.market.uscc
    gsxt = list(__import__("csv").reader(io.StringIO(
        b"".join(client.get("/open-data/gsxt.csv").streaming_content).decode("utf-8-sig"))))  # fmt: skip
    assert (
        gsxt[0]
        == GSXT
        == ["决定书文号", "违法行为类型", "行政处罚内容", "决定机关名称", "处罚决定日期", "公示日期"]
    )


def test_common_words_after_labels_are_not_taken_for_names():
    text = "当事人应当在十五日内缴纳罚款，负责人于是签字确认。"
    assert redaction.redact(text, custom=[]).text == text
