"""Cheaper appends and integrations on PostgreSQL.

- event_type: one plain btree (Meta.indexes) instead of db_index=True, which on PostgreSQL also built a
  varchar_pattern_ops index for LIKE that no query uses;
- Leaf.event: no foreign-key constraint in the database (see the model).

Written by hand: Django's SQLite schema editor would rebuild ledger_event and ledger_leaf for these changes (copy,
DROP TABLE, rename), which drops the append-only triggers of migration 0003 with the old tables. Here the database
work is only index and constraint DDL: on SQLite the old event_type index is replaced, and the leaf's foreign key
stays in the table definition (SQLite cannot drop one without rebuilding the table; its check is cheap there).
"""

import django.db.models.deletion
from django.db import migrations, models


OLD_INDEX = "ledger_event_event_type_fd64f0cb"  # what db_index=True created (0001), on both vendors
NEW_INDEX = "ledger_event_type_idx"


def forward(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        event = connection.introspection.get_constraints(cursor, "ledger_event")
        leaf = connection.introspection.get_constraints(cursor, "ledger_leaf")
    if connection.vendor == "postgresql":
        # Renaming keeps the built index (no rebuild holding a lock on the table while appends wait); dropping the
        # LIKE index is instant. Only Django's own indexes are touched, never one an operator added.
        if f"{OLD_INDEX}_like" in event:
            schema_editor.execute(f'DROP INDEX IF EXISTS "{OLD_INDEX}_like"')
        if OLD_INDEX in event and NEW_INDEX not in event:
            schema_editor.execute(f'ALTER INDEX "{OLD_INDEX}" RENAME TO "{NEW_INDEX}"')
        for name, info in leaf.items():
            if info["foreign_key"] == ("ledger_event", "id") and info["columns"] == ["event_id"]:
                schema_editor.execute(
                    f"ALTER TABLE ledger_leaf DROP CONSTRAINT {schema_editor.quote_name(name)}"
                )
    elif OLD_INDEX in event:  # SQLite cannot rename an index
        schema_editor.execute(f'DROP INDEX IF EXISTS "{OLD_INDEX}"')
    schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{NEW_INDEX}" ON "ledger_event" ("event_type")')


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f'ALTER INDEX "{NEW_INDEX}" RENAME TO "{OLD_INDEX}"')
        schema_editor.execute(
            f'CREATE INDEX "{OLD_INDEX}_like" ON "ledger_event" ("event_type" varchar_pattern_ops)'
        )
        # NOT VALID, then VALIDATE: the check of the existing leaves does not lock out writes meanwhile
        schema_editor.execute(
            'ALTER TABLE "ledger_leaf" ADD CONSTRAINT "ledger_leaf_event_id_86a80af0_fk_ledger_event_id" '
            'FOREIGN KEY ("event_id") REFERENCES "ledger_event" ("id") DEFERRABLE INITIALLY DEFERRED NOT VALID'
        )
        schema_editor.execute(
            'ALTER TABLE "ledger_leaf" VALIDATE CONSTRAINT "ledger_leaf_event_id_86a80af0_fk_ledger_event_id"'
        )
    else:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{NEW_INDEX}"')
        schema_editor.execute(f'CREATE INDEX "{OLD_INDEX}" ON "ledger_event" ("event_type")')


class Migration(migrations.Migration):
    dependencies = [("ledger", "0003_triggers")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="event",
                    name="event_type",
                    field=models.CharField(max_length=64, verbose_name="事件类型"),
                ),
                migrations.AlterField(
                    model_name="leaf",
                    name="event",
                    field=models.OneToOneField(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="leaf",
                        to="ledger.event",
                        verbose_name="事件",
                    ),  # fmt: skip
                ),
                migrations.AddIndex(
                    model_name="event",
                    index=models.Index(fields=["event_type"], name="ledger_event_type_idx"),
                ),
            ],
            database_operations=[migrations.RunPython(forward, backward)],
        )
    ]
