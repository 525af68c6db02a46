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


def forward(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        event = connection.introspection.get_constraints(cursor, "ledger_event")
        leaf = connection.introspection.get_constraints(cursor, "ledger_leaf")
    for name, info in event.items():
        if info["index"] and info["columns"] == ["event_type"] and name != "ledger_event_type_idx":
            schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")
    if connection.vendor == "postgresql":
        for name, info in leaf.items():
            if info["foreign_key"] and info["columns"] == ["event_id"]:
                schema_editor.execute(
                    f"ALTER TABLE ledger_leaf DROP CONSTRAINT {schema_editor.quote_name(name)}"
                )
    schema_editor.execute(
        'CREATE INDEX IF NOT EXISTS "ledger_event_type_idx" ON "ledger_event" ("event_type")'
    )


def backward(apps, schema_editor):
    schema_editor.execute('DROP INDEX IF EXISTS "ledger_event_type_idx"')
    schema_editor.execute('CREATE INDEX "ledger_event_event_type_fd64f0cb" ON "ledger_event" ("event_type")')
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            'CREATE INDEX "ledger_event_event_type_fd64f0cb_like" ON "ledger_event" '
            '("event_type" varchar_pattern_ops)'
        )
        schema_editor.execute(
            'ALTER TABLE "ledger_leaf" ADD CONSTRAINT "ledger_leaf_event_id_86a80af0_fk_ledger_event_id" '
            'FOREIGN KEY ("event_id") REFERENCES "ledger_event" ("id") DEFERRABLE INITIALLY DEFERRED'
        )


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
