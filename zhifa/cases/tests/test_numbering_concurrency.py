"""案号 (立案) and 文号 (issued documents) under real concurrency: distinct and gapless, with rollbacks mixed in.

The race runs in a child process (numbering_check.py) on a throw-away database of the test run's vendor: the
threads must commit for real, and committed rows of the append-only ledger cannot be removed from the test database
afterwards (so `transaction=True` is impossible). SQLite: a temporary file (writers queue, BEGIN IMMEDIATE);
PostgreSQL: a fresh database on the same server, created and dropped here.
"""

import pytest

from zhifa.core.testing import run_on_scratch_database


@pytest.mark.django_db
def test_case_and_document_numbers_are_distinct_and_gapless_under_concurrency(tmp_path):
    result = run_on_scratch_database(
        "zhifa.cases.tests.numbering_check", tmp_path, ZHIFA_LEDGER_INTEGRATION="commit"
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-6000:]
    assert result.stdout.startswith("OK "), result.stdout
