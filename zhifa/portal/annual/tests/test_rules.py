"""The 并处 rule: a decision counts once, in the column of its heaviest kind; the order is data."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zhifa.catalog.models import PenaltyKind
from zhifa.core.errors import ValidationFailed
from zhifa.portal.annual import counting
from zhifa.portal.annual.models import PenaltySeverity

DEFAULT = {str(k): v for k, v in counting.DEFAULT_SEVERITY.items()}

# (kinds, expected 表一 column) — domain.md §5 default order
CASES = [
    (["fine"], "fine"),
    (["warning"], "warning"),
    (["circulation"], "warning"),
    (["warning", "fine"], "fine"),
    (["fine", "warning"], "fine"),
    (["fine", "confiscate_gains"], "confiscate"),
    (["confiscate_property", "fine", "confiscate_gains"], "confiscate"),
    (["fine", "suspend_licence"], "suspend"),
    (["downgrade", "confiscate_gains"], "suspend"),
    (["fine", "restrict_business"], "restrict"),
    (["restrict_business", "suspend_business"], "close"),
    (["close", "fine", "warning"], "close"),
    (["restrict_practice"], "close"),
    (["revoke_licence", "close", "fine"], "revoke"),
    (["revoke_licence", "suspend_business", "confiscate_property", "fine"], "revoke"),
    (["detention", "fine"], "detention"),
    (["detention", "revoke_licence"], "detention"),
    (["other"], "other"),
    (["other", "warning"], "warning"),
    ([], "other"),
    (["unknown-kind"], "other"),
]


@pytest.mark.parametrize(("kinds", "column"), CASES)
def test_heaviest_category_table(kinds, column):
    assert counting.penalty_group(kinds, DEFAULT) == column


KINDS = [str(k) for k in PenaltyKind.values]
# The default order from domain.md §5, lightest first (其他 below 警告), groups of equal weight together.
LITERAL = [["other"], ["warning"], ["circulation"], ["fine"], ["confiscate_gains", "confiscate_property"],
           ["suspend_licence"], ["downgrade"], ["restrict_business"], ["suspend_business"],
           ["close", "restrict_practice"], ["revoke_licence"], ["detention"]]  # fmt: skip


@given(st.lists(st.sampled_from(KINDS), min_size=1, max_size=8), st.randoms())
def test_heaviest_category_property(kinds, rnd):
    column = counting.penalty_group(kinds, DEFAULT)
    # exactly one column, the one of the heaviest kind in the literal order
    level = max(next(i for i, g in enumerate(LITERAL) if k in g) for k in kinds)
    assert column in {counting.KIND_GROUP[k] for k in LITERAL[level]}
    # the stored order of the kinds does not matter
    shuffled = list(kinds)
    rnd.shuffle(shuffled)
    assert counting.penalty_group(shuffled, DEFAULT) == column
    # adding a lighter kind never moves the decision
    lighter = [k for g in LITERAL[:level] for k in g]
    if lighter:
        assert counting.penalty_group([*kinds, rnd.choice(lighter)], DEFAULT) == column


@pytest.mark.django_db
def test_order_is_data_with_citation_and_versioned():
    # the seeded default (after migrate) is the documented order, with its citation
    ranks = counting.severity_ranks(dt.date(2025, 12, 31))
    assert ranks == DEFAULT
    assert all("第九条" in r.citation for r in PenaltySeverity.objects.all())
    # a new version (e.g. a province ranking 罚款 above 吊销) changes the count from its date on, not before
    PenaltySeverity.objects.create(
        kind="fine", rank=105, valid_from=dt.date(2026, 1, 1), citation="某省统计口径"
    )
    assert (
        counting.penalty_group(["fine", "revoke_licence"], counting.severity_ranks(dt.date(2025, 12, 31)))
        == "revoke"
    )
    assert (
        counting.penalty_group(["fine", "revoke_licence"], counting.severity_ranks(dt.date(2026, 12, 31)))
        == "fine"
    )


@pytest.mark.django_db
def test_a_missing_rank_is_an_error_not_a_guess():
    PenaltySeverity.objects.filter(kind="detention").update(valid_to=dt.date(2024, 12, 31))
    with pytest.raises(ValidationFailed) as exc:
        counting.severity_ranks(dt.date(2025, 12, 31))
    assert exc.value.code == "annual_severity_missing" and "行政拘留" in exc.value.message
