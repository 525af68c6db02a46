"""Database triggers of the ledger, on SQLite and PostgreSQL.

Append-only: events, leaves and checkpoints refuse UPDATE and DELETE. SQLite: BEFORE UPDATE / BEFORE DELETE triggers
that RAISE(ABORT). PostgreSQL: one plpgsql function raising an exception, used by BEFORE UPDATE OR DELETE row
triggers and by a BEFORE TRUNCATE statement trigger (TRUNCATE would otherwise empty a table without firing row
triggers). Consequence for tests: Django's flush (DELETE on SQLite, TRUNCATE on PostgreSQL) fails on these tables,
so tests use the default transaction-rollback isolation (`@pytest.mark.django_db`), not `transaction=True`.

Queue: AFTER INSERT on ledger_event, the new event's id goes into ledger_pending, however the row was inserted.
"""

from django.db import migrations

APPEND_ONLY = ("ledger_event", "ledger_leaf", "ledger_checkpoint")
MESSAGE = "zhifa ledger: %s is append-only (全过程记录不可修改或删除)"


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for table in APPEND_ONLY:
            for op in ("UPDATE", "DELETE"):
                schema_editor.execute(
                    f"CREATE TRIGGER IF NOT EXISTS {table}_no_{op.lower()} BEFORE {op} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE % table}'); END;"
                )
        schema_editor.execute(
            "CREATE TRIGGER IF NOT EXISTS ledger_event_enqueue AFTER INSERT ON ledger_event "
            "BEGIN INSERT INTO ledger_pending (event_id) VALUES (NEW.id); END;"
        )
    elif vendor == "postgresql":
        schema_editor.execute(
            """
            CREATE OR REPLACE FUNCTION zhifa_ledger_append_only() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'zhifa ledger: % is append-only (全过程记录不可修改或删除): % refused',
                    TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
            END;
            $$;
            """,
            params=None,  # the body's % are plpgsql placeholders, not driver parameters
        )
        for table in APPEND_ONLY:
            schema_editor.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION zhifa_ledger_append_only();"
            )
            schema_editor.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION zhifa_ledger_append_only();"
            )
        # A statement-level trigger with a transition table: one INSERT per statement, however many rows.
        schema_editor.execute(
            """
            CREATE OR REPLACE FUNCTION zhifa_ledger_enqueue() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                INSERT INTO ledger_pending (event_id) SELECT id FROM new_events;
                RETURN NULL;
            END;
            $$;
            """,
            params=None,
        )
        schema_editor.execute(
            "CREATE TRIGGER ledger_event_enqueue AFTER INSERT ON ledger_event "
            "REFERENCING NEW TABLE AS new_events FOR EACH STATEMENT EXECUTE FUNCTION zhifa_ledger_enqueue();"
        )
    else:
        raise RuntimeError(f"no ledger triggers for database vendor {vendor!r}")


def uninstall(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS ledger_event_enqueue")
        for table in APPEND_ONLY:
            for op in ("update", "delete"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_{op}")
    elif vendor == "postgresql":
        schema_editor.execute("DROP TRIGGER IF EXISTS ledger_event_enqueue ON ledger_event")
        for table in APPEND_ONLY:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        schema_editor.execute("DROP FUNCTION IF EXISTS zhifa_ledger_append_only()")
        schema_editor.execute("DROP FUNCTION IF EXISTS zhifa_ledger_enqueue()")


class Migration(migrations.Migration):
    dependencies = [("ledger", "0002_head")]
    operations = [migrations.RunPython(install, uninstall)]
