"""The sequencer under real concurrency: threads with their own connections, committing for real.

The checks run in a child process (concurrent_check.py) on a throw-away database of the same vendor: committed rows
of the append-only tables cannot be removed from the test database afterwards.
"""

import pytest

from zhifa.core.testing import run_on_scratch_database


@pytest.mark.django_db
def test_sequencer_under_concurrency(tmp_path):
    # checkpoints are signed by the appending threads, concurrently
    result = run_on_scratch_database(
        "zhifa.ledger.tests.concurrent_check", tmp_path, timeout=300, ZHIFA_CHECKPOINT_EVERY="50"
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-6000:]
    assert result.stdout.startswith("OK "), result.stdout
