"""The search service on the real database (SQLite FTS5 or PostgreSQL tsvector, whichever the run uses)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from zhifa.portal.search import services as s
from zhifa.portal.search.backends import COUNT_CAP

pytestmark = pytest.mark.django_db

D = dt.date
DEFAULT_DAY = D(2025, 3, 1)


def put(doc_id, text, *, title="", agency_id=1, path="/65/6523/652301/", category="penalty", on=DEFAULT_DAY,
        kinds=("fine",)):  # fmt: skip
    s.index_document(
        doc_id, agency_id=agency_id, jurisdiction_path=path, category=category, published_on=on,
        penalty_kinds=list(kinds), title=title or f"决定{doc_id}", text=text,
    )  # fmt: skip


def ids(q="", **kw):
    return s.search(q, **kw).ids


def test_two_character_query_finds_a_substring_inside_a_longer_word():
    put(1, "当事人销售进口鲟鱼子酱，未能提供检验检疫证明。")
    put(2, "当事人销售过期辣椒酱。")
    assert ids("子酱") == [1]
    assert ids("鲟鱼子酱") == [1]
    assert ids("鱼子") == [1]
    assert ids("酱子") == []  # bigram order matters


def test_phrase_needs_adjacent_bigrams():
    put(1, "食品安全")
    put(2, "食品经营，安全生产")  # both bigrams 食品 and 安全, but 品安 is missing
    assert ids("食品安全") == [1]
    assert sorted(ids("食品")) == [1, 2]


def test_single_character_query_at_start_middle_end_and_alone():
    put(1, "罚款五千元")  # 罚 starts a run
    put(2, "依法处罚")  # 罚 ends a run
    put(3, "罚")  # a run of one
    put(4, "金额5000元整")  # 元 after digits
    put(5, "警告")
    assert sorted(ids("罚")) == [1, 2, 3]
    assert sorted(ids("元")) == [1, 4]
    assert ids("告") == [5]
    assert ids("鲟") == []


def test_latin_and_digit_terms_are_words_case_and_width_insensitive():
    put(1, "不符合GB2760-2014的规定")
    put(2, "不符合GB2761-2017的规定")
    put(3, "罚款5000元")
    assert ids("GB2760") == [1]
    assert ids("gb2760") == [1]
    assert ids("ＧＢ２７６０") == [1]  # full-width
    assert ids("gb2760-2014") == [1]
    assert ids("GB") == []  # words match whole, not by prefix
    assert ids("5000元") == [3]
    assert ids("2017") == [2]


def test_multiple_terms_are_anded_and_punctuation_is_dropped():
    put(1, "昌吉市某食品店销售过期食品，罚款五千元。")
    put(2, "昌吉市某超市未明码标价，警告。")
    put(3, "阜康市某食品店销售过期食品，罚款。")
    assert sorted(ids("昌吉 食品")) == [1]
    assert sorted(ids("食品  罚款")) == [1, 3]
    assert sorted(ids("昌吉，")) == [1, 2]
    assert ids("，。！") == ids("") == [3, 2, 1]  # no term: everything, newest first (same date: id desc)
    assert ids("昌吉 警告 阜康") == []


def test_title_is_searched_too():
    put(1, "正文没有关键词", title="某某药店销售劣药案")
    assert ids("劣药") == [1]


def test_order_is_published_on_desc_then_id_desc():
    put(10, "食品 甲", on=D(2024, 1, 5))
    put(11, "食品 乙", on=D(2025, 6, 1))
    put(12, "食品 丙", on=D(2024, 1, 5))
    put(9, "食品 丁", on=D(2026, 1, 1))
    assert ids("食品") == [9, 11, 12, 10]
    assert ids() == [9, 11, 12, 10]


def test_filters_each_and_combined():
    put(
        1,
        "食品 违法",
        agency_id=7,
        path="/65/6523/652301/",
        category="penalty",
        on=D(2025, 1, 10),
        kinds=["fine"],
    )
    put(2, "食品 违法", agency_id=8, path="/65/6523/652302/", category="penalty", on=D(2025, 2, 10),
        kinds=["warning"])  # fmt: skip
    put(3, "食品 违法", agency_id=7, path="/65/6523/652301/", category="licence", on=D(2025, 3, 10), kinds=[])
    put(4, "食品 违法", agency_id=9, path="/65/6524/", category="penalty", on=D(2025, 4, 10),
        kinds=["fine", "confiscate_gains"])  # fmt: skip
    assert ids("食品", agency_id=7) == [3, 1]
    assert ids(agency_id=8) == [2]
    assert ids("食品", category="licence") == [3]
    assert ids("食品", penalty_kind="fine") == [4, 1]
    assert ids(penalty_kind="confiscate_gains") == [4]
    assert ids("食品", jurisdiction_path="/65/6523/") == [3, 2, 1]
    assert ids("食品", jurisdiction_path="/65/6523/652301/") == [3, 1]
    assert ids("食品", jurisdiction_path="/65/") == [4, 3, 2, 1]
    assert ids("食品", jurisdiction_path="/65/652") == []  # a code, not a string prefix
    assert ids("食品", date_from=D(2025, 2, 10)) == [4, 3, 2]
    assert ids("食品", date_to=D(2025, 2, 10)) == [2, 1]
    assert ids(date_from=D(2025, 2, 1), date_to=D(2025, 3, 10)) == [3, 2]
    assert ids("食品", date_from=D(2025, 3, 1), date_to=D(2025, 2, 1)) == []
    assert ids(
        "食品", agency_id=7, category="penalty", penalty_kind="fine", jurisdiction_path="/65/6523/"
    ) == [1]
    assert ids("违法", agency_id=7, date_from=D(2025, 2, 1)) == [3]


def test_pagination_boundaries():
    for i in range(1, 46):
        put(i, f"食品 第{i}号", on=D(2025, 1, 1) + dt.timedelta(days=i))
    first = s.search("食品", per_page=20)
    assert (first.total, first.total_capped, first.has_next, first.pages) == (45, False, True, 3)
    assert first.ids == list(range(45, 25, -1))
    second = s.search("食品", page=2, per_page=20)
    assert second.ids == list(range(25, 5, -1)) and second.has_next and second.total == 45
    third = s.search("食品", page=3, per_page=20)
    assert third.ids == [5, 4, 3, 2, 1] and not third.has_next and third.total == 45
    beyond = s.search("食品", page=4, per_page=20)
    assert beyond.ids == [] and not beyond.has_next and beyond.total == 45
    exact = s.search("食品", page=3, per_page=15)
    assert len(exact.ids) == 15 and not exact.has_next
    assert s.search("食品", per_page=45).has_next is False
    assert s.search("食品", per_page=44).has_next is True
    assert s.search("第1号").total == 1
    assert s.search("食品", per_page=1000).per_page == s.MAX_PER_PAGE


def test_total_is_capped(monkeypatch):
    from zhifa.portal.search import backends, services

    monkeypatch.setattr(backends, "COUNT_CAP", 5)
    monkeypatch.setattr(services, "COUNT_CAP", 5)
    for i in range(1, 9):
        put(i, "食品")
    page = s.search("食品", per_page=2)
    assert (page.total, page.total_capped, page.has_next) == (5, True, True)
    assert s.search("食品", per_page=2, page=3).has_next is False  # results beyond the cap are not paged
    assert s.search("食品", per_page=2, page=4).ids == []
    assert COUNT_CAP == 10_000


def test_remove_document_makes_it_disappear_at_once():
    put(1, "鲟鱼子酱")
    put(2, "鲟鱼子酱")
    assert ids("子酱") == [2, 1]
    s.remove_document(1)
    assert ids("子酱") == [2]
    assert ids() == [2]
    assert s.search("子酱").total == 1
    s.remove_document(1)  # no-op
    s.remove_document(999)


def test_index_document_replaces_text_filters_and_date():
    put(1, "鲟鱼子酱", agency_id=1, on=D(2024, 1, 1))
    put(2, "鲟鱼子酱", on=D(2025, 1, 1))
    put(1, "辣椒酱", agency_id=5, on=D(2026, 1, 1), kinds=["warning"])
    assert ids("子酱") == [2]
    assert ids("辣椒") == [1]
    assert ids(agency_id=1) == [2]
    assert ids(agency_id=5) == [1]
    assert ids(penalty_kind="warning") == [1]
    assert ids() == [1, 2]
    put(1, "辣椒酱", agency_id=5, on=D(2026, 1, 1), kinds=["warning"])  # same values again
    assert ids("辣椒") == [1]
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:  # the FTS5 integrity check passes after replace and delete
            s.remove_document(2)
            cursor.execute(
                "INSERT INTO portal_search_fts (portal_search_fts, rank) VALUES ('integrity-check', 0)"
            )


def test_rebuild_restores_the_same_results():
    put(1, "鲟鱼子酱", on=D(2024, 1, 1))
    put(2, "罚款五千元", agency_id=4)
    assert s.rebuild() == 2
    assert ids("子酱") == [1] and ids("罚") == [2] and ids(agency_id=4) == [2]


def test_index_document_refuses_bad_input():
    with pytest.raises(ValueError):
        put(0, "x")
    with pytest.raises(ValueError):
        put(1 << 32, "x")
    with pytest.raises(TypeError):
        s.index_document(
            1, agency_id=1, jurisdiction_path="", category="penalty",
            published_on=dt.datetime(2025, 1, 1), penalty_kinds=[], title="t", text="x",
        )  # fmt: skip


def test_indexing_joins_the_callers_transaction():
    from django.db import transaction

    put(1, "鲟鱼子酱")
    with pytest.raises(RuntimeError), transaction.atomic():
        s.remove_document(1)
        put(2, "鲟鱼子酱")
        raise RuntimeError("the caller's change fails")
    assert ids("子酱") == [1]


def test_query_syntax_characters_are_harmless():
    put(1, 'AND OR NOT 食品 "quoted" (x) * ^ :')
    for q in [
        '"',
        "*",
        "AND",
        "OR",
        "NOT",
        "食品 OR",
        "(x",
        "a:b",
        "'",
        "\\",
        "^",
        "-",
        "NEAR(a b)",
        "%",
        "_",
    ]:
        s.search(q)  # no syntax error from FTS5 or tsquery
    assert ids("and") == [1]
    assert ids("quoted") == [1]


def test_load_results_uses_the_registered_loader_in_id_order():
    put(1, "甲文本", title="甲")
    put(2, "乙文本", title="乙")
    own = s.load_results([2, 1])
    assert [r["title"] for r in own] == ["乙", "甲"] and own[0]["snippet_text"] == "乙文本"

    def loader(ids):
        return [{"id": i, "url": f"/decisions/{i}/", "title": f"公示{i}", "agency": "某局", "category": "penalty",
                 "published_on": D(2025, 1, 1), "snippet_text": "x"} for i in ids if i != 2]  # fmt: skip

    s.register_result_loader(loader)
    try:
        # the registered loader is authoritative: 2, which it does not return as public, is left out
        assert [r["title"] for r in s.load_results([2, 1])] == ["公示1"]
    finally:
        s.unregister_result_loader(loader)
    assert len(s.load_results([2, 1])) == 2
