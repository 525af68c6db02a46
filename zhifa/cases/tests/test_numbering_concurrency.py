"""案号 (立案) and 文号 (issued documents) under real concurrency: distinct and gapless, with rollbacks mixed in.

The race runs in a child process (numbering_check.py) on a throw-away database of the test run's vendor: the
threads must commit for real, and committed rows of the append-only ledger cannot be removed from the test database
afterwards (so `transaction=True` is impossible). SQLite: a temporary file (writers queue, BEGIN IMMEDIATE);
PostgreSQL: a fresh database on the same server, created and dropped here.
"""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[3]


def _run(database_url: str, tmp_path) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="zhifa.settings",
        DATABASE_URL=database_url,
        ZHIFA_VAR_DIR=str(tmp_path / "var"),
        ZHIFA_TASKS_BACKEND="django_tasks.backends.immediate.ImmediateBackend",
        ZHIFA_LEDGER_INTEGRATION="commit",
    )
    return subprocess.run(
        [sys.executable, "-m", "zhifa.cases.tests.numbering_check"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.mark.django_db
def test_case_and_document_numbers_are_distinct_and_gapless_under_concurrency(tmp_path):
    if connection.vendor == "sqlite":
        result = _run(f"sqlite:///{tmp_path / 'numbering.sqlite3'}", tmp_path)
    else:
        import psycopg

        s = connection.settings_dict
        name = f"zhifa_numbering_{uuid.uuid4().hex[:12]}"
        auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
        server = f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}"
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f"CREATE DATABASE {name}")
        try:
            result = _run(f"{server}/{name}", tmp_path)
        finally:
            with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
                admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-6000:]
    assert result.stdout.startswith("OK "), result.stdout
