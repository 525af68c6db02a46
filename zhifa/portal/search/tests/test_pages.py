"""The public search page and the JSON API, as an anonymous visitor."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from zhifa.portal.search import services as s
from zhifa.portal.search.views import snippet

pytestmark = pytest.mark.django_db


@pytest.fixture
def docs(world):
    s.index_document(
        1, agency_id=world.market.pk, jurisdiction_path=world.market.jurisdiction.path, category="penalty",
        published_on=dt.date(2025, 5, 1), penalty_kinds=["fine"], title="某食品经营部销售鲟鱼子酱案",
        text="当事人销售无中文标签的进口鲟鱼子酱，违反《中华人民共和国食品安全法》第九十七条，罚款人民币五千元。",
    )  # fmt: skip
    s.index_document(
        2, agency_id=world.ecology.pk, jurisdiction_path=world.ecology.jurisdiction.path, category="penalty",
        published_on=dt.date(2025, 6, 1), penalty_kinds=["warning"], title="某化工有限公司超标排放案",
        text="当事人超标排放废水，给予警告。<script>alert(1)</script>",
    )  # fmt: skip
    return world


def test_empty_query_shows_the_hint_and_no_results(docs):
    response = Client().get("/search/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="search-hint"' in html and "search-summary" not in html
    assert "昌吉市市场监督管理局" in html  # the 执法主体 filter lists the bodies
    assert 'name="kind"' in html and "罚款" in html


def test_anonymous_search_renders_highlighted_results(docs):
    response = Client().get("/search/", {"q": "子酱"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "共找到 1 条" in html
    assert "<mark>子酱</mark>" in html
    assert "某食品经营部销售鲟鱼<mark>子酱</mark>案" in html
    assert "超标排放" not in html
    assert "昌吉市市场监督管理局" in html


def test_filters_and_escaping_on_the_page(docs):
    html = Client().get("/search/", {"q": "当事人", "kind": "warning"}).content.decode()
    assert "共找到 1 条" in html and "超标排放" in html and "子酱" not in html
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    html = Client().get("/search/", {"agency": str(docs.market.pk)}).content.decode()
    assert "共找到 1 条" in html and "子酱" in html
    html = (
        Client()
        .get("/search/", {"q": "当事人", "from": "2025-05-15", "to": "bad", "page": "x"})
        .content.decode()
    )
    assert "共找到 1 条" in html and "超标排放" in html
    html = Client().get("/search/", {"q": "不存在的词"}).content.decode()
    assert "没有找到" in html


def test_pagination_links(docs):
    for i in range(3, 30):
        s.index_document(
            i, agency_id=docs.market.pk, jurisdiction_path="", category="penalty",
            published_on=dt.date(2024, 1, 1), penalty_kinds=[], title=f"食品案{i}", text="当事人",
        )  # fmt: skip
    html = Client().get("/search/", {"q": "当事人"}).content.decode()
    assert "共找到 29 条" in html and "第 1 页 / 共 2 页" in html
    assert "?q=%E5%BD%93%E4%BA%8B%E4%BA%BA&page=2" in html and 'rel="prev"' not in html
    html = Client().get("/search/", {"q": "当事人", "page": "2"}).content.decode()
    assert 'rel="prev"' in html and 'rel="next"' not in html and "食品案3" in html


def test_json_api_is_public(docs):
    response = Client().get("/api/v1/portal/search/", {"q": "警告", "per_page": 5})
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 1 and body["total_capped"] is False and body["has_next"] is False
    assert [r["id"] for r in body["results"]] == [2]
    assert body["results"][0]["published_on"] == "2025-06-01"
    body = Client().get("/api/v1/portal/search/", {"jurisdiction_path": docs.market.jurisdiction.path}).json()
    assert [r["id"] for r in body["results"]] == [2, 1]
    assert Client().get("/api/v1/portal/search/", {"date_from": "nope"}).status_code == 422


def test_snippet_marks_every_match_in_a_window():
    text = "甲" * 200 + "食品安全" + "乙" * 10 + "ＧＢ２７６０"
    html = snippet(text, ["食品", "gb2760"], width=60)
    assert html.startswith("…") and "<mark>食品</mark>安全" in html
    assert "<mark>ＧＢ２７６０</mark>" in html  # matched on the normalised text, shown as written
    assert snippet("无匹配", ["食品"]) == "无匹配"
