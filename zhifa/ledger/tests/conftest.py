import pytest
from django.db import connection

from zhifa.ledger.models import Event
from zhifa.ledger.services import SYSTEM, Actor, append_many, integrate
from zhifa.ledger.verify import _SCAN_SETTINGS, ENTRY_COLUMNS_CHECK

# PostgreSQL: what verify sets on its session (and must put back)
VERIFY_SETTINGS = sorted({"search_path", "lock_timeout", *_SCAN_SETTINGS})


def pg_settings_now() -> dict[str, str]:
    """PostgreSQL: the session's values of VERIFY_SETTINGS (in pg_settings' units: work_mem in kB, times in ms)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, setting FROM pg_catalog.pg_settings WHERE name = ANY(%s)", [VERIFY_SETTINGS]
        )
        return dict(cursor.fetchall())


def drop_append_only_triggers(table: str) -> None:
    """What an attacker with DDL rights does first (inside the test's transaction, so it is rolled back)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"DROP TRIGGER {table}_no_update")
            cursor.execute(f"DROP TRIGGER {table}_no_delete")
        else:
            cursor.execute(f"DROP TRIGGER {table}_append_only ON {table}")


def drop_entry_columns_check() -> None:
    """PostgreSQL: what an attacker must drop, too, before changing an event's columns (see migration 0005)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE ledger_event DROP CONSTRAINT {ENTRY_COLUMNS_CHECK}")


@pytest.fixture
def events(db):
    """Twelve integrated events from two actors on top of whatever the migrations seeded.

    (Inside a test's transaction nothing commits, so on-commit integration never runs: tests integrate explicitly.)
    """
    officer = Actor(id=7, name="张三", role="officer", agency_id=3)
    first = append_many(
        [("test.created", ("test.thing", i), {"n": i, "名称": f"事项{i}"}, 100 + i) for i in range(6)],
        actor=officer,
    )
    second = append_many(
        [("test.checked", ("test.thing", i), {"ok": True}, None) for i in range(6)], actor=SYSTEM
    )
    integrate()
    ids = [e.id for e in first + second]
    return list(Event.objects.filter(id__in=ids).select_related("leaf").order_by("id"))


@pytest.fixture
def key_path(tmp_path, settings):
    settings.ZHIFA_LEDGER_KEY_PATH = tmp_path / "keys" / "platform.pem"
    return settings.ZHIFA_LEDGER_KEY_PATH
