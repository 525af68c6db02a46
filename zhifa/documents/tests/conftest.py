import pytest

from zhifa.documents import kinds


@pytest.fixture
def decision_context():
    return kinds.sample_context(kinds.PENALTY_DECISION)
