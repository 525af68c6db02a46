import pytest
from hypothesis import given
from hypothesis import strategies as st

from zhifa.core.errors import ValidationFailed
from zhifa.laws.models import Law
from zhifa.laws.parsing import cn_to_int, int_to_cn
from zhifa.laws.services import cite
from zhifa.ledger.models import Event


@given(st.integers(min_value=1, max_value=9999))
def test_chinese_numerals_round_trip(n):
    assert cn_to_int(int_to_cn(n)) == n


@pytest.mark.parametrize(
    ("text", "n"), [("十", 10), ("十五", 15), ("八十五", 85), ("一百零三", 103), ("一百一十", 110)]
)
def test_chinese_numerals(text, n):
    assert cn_to_int(text) == n
    assert int_to_cn(n) == text


@pytest.mark.django_db
def test_bundled_statutes_are_parsed_into_articles():
    # given the base data loaded after migrate
    penalty = Law.objects.get(code="administrative-penalty-law")
    # then every article is there, in order, with its chapter
    assert penalty.articles.count() == 86
    art85 = penalty.articles.get(number=85)
    assert "工作日" in art85.text
    assert art85.chapter.startswith("第八章")
    assert Law.objects.get(code="administrative-reconsideration-law").articles.count() == 90
    # and each import is on the ledger
    assert Event.objects.filter(event_type="laws.law_imported").count() == 4


@pytest.mark.django_db
def test_citation_text_and_unknown_article():
    c = cite("administrative-penalty-law", 51)
    assert str(c) == "《行政处罚法》第五十一条"
    assert "二百元" in c.quoted_text
    with pytest.raises(ValidationFailed):
        cite("administrative-penalty-law", 999)


@pytest.mark.django_db
def test_citation_quotes_paragraph_and_item():
    # 行政处罚法第九条 has one paragraph with six items; 第六十一条 has two paragraphs
    assert cite("administrative-penalty-law", 9, 1, 2).quoted_text.startswith("（二）罚款")
    assert cite("administrative-penalty-law", 9, 0, 0).quoted_text.count("\n") == 6
    second = cite("administrative-penalty-law", 61, 2).quoted_text
    assert second.startswith("当事人同意并签订确认书的")
    assert cite("administrative-penalty-law", 61, 5).quoted_text == ""  # no fifth paragraph
    assert str(cite("administrative-penalty-law", 9, 1, 2)) == "《行政处罚法》第九条第一款第（二）项"
