"""Append-only, enforced by the database: triggers refuse UPDATE and DELETE on the events and checkpoints tables.

SQLite: BEFORE UPDATE / BEFORE DELETE triggers that RAISE(ABORT).
PostgreSQL: one plpgsql function raising an exception, used by BEFORE UPDATE OR DELETE row triggers and by a
BEFORE TRUNCATE statement trigger (TRUNCATE would otherwise empty the log without firing row triggers).
Consequence for tests: Django's flush (DELETE on SQLite, TRUNCATE on PostgreSQL) fails on these tables, so tests use
the default transaction-rollback isolation (`@pytest.mark.django_db`), not `transaction=True`.
"""

from django.db import migrations

TABLES = ("ledger_event", "ledger_checkpoint")
MESSAGE = "zhifa ledger: %s is append-only (全过程记录不可修改或删除)"


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in TABLES:
        message = MESSAGE % table
        if vendor == "sqlite":
            for op in ("UPDATE", "DELETE"):
                schema_editor.execute(
                    f"CREATE TRIGGER IF NOT EXISTS {table}_no_{op.lower()} BEFORE {op} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{message}'); END;"
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
            schema_editor.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION zhifa_ledger_append_only();"
            )
            schema_editor.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION zhifa_ledger_append_only();"
            )
        else:
            raise RuntimeError(f"no append-only triggers for database vendor {vendor!r}")


def uninstall(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in TABLES:
        if vendor == "sqlite":
            for op in ("update", "delete"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_{op}")
        elif vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
    if vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS zhifa_ledger_append_only()")


class Migration(migrations.Migration):
    dependencies = [("ledger", "0003_checkpoint")]
    operations = [migrations.RunPython(install, uninstall)]
