"""PostgreSQL: each event stores the entry's rendering of its own columns, held to them by a CHECK constraint.

`zhifa verify` hashes every entry; rendering it from the columns (to_char, to_json, concat) cost the server more per
event than the leaf hash costs Python. Now the text between "[index," and ',"alg",payload]' is rendered once, when the
event is inserted, into ledger_event.entry_columns:

- a BEFORE INSERT trigger fills it, however the row is inserted (the models do not know the column);
- the CHECK constraint ledger_event_entry_columns_check holds it equal to the rendering of the row's columns. That,
  not the trigger, is what verify relies on: with the constraint in place no row can hold another text, and a changed
  column fails the constraint unless entry_columns changes with it — which changes the hashed entry. verify reads the
  column only after finding the constraint present, validated and with the expression of
  `ledger.verify.pg_entry_columns_sql` (it renders from the columns otherwise, and reports the constraint).

Existing events are filled by one UPDATE, with the append-only trigger disabled for it inside this migration's
transaction. On a database that already holds many events plan a maintenance window: ADD COLUMN locks ledger_event
(ACCESS EXCLUSIVE) until the migration commits, so appends wait throughout; the UPDATE rewrites every row (the table
and its indexes grow by about their size until VACUUM, and as much WAL is written), then SET NOT NULL and the
constraint's validation each read the table again — about 40 s per million events in all on a 2-core machine.
SQLite is unchanged: its scan has no server process competing with the hashing for the cores.

The SQL below is this migration's own copy of `pg_entry_columns_sql()` (a migration must not change when the code
does); verify compares the live constraint with the code's expression, and the tests run verify on migrated tables.
"""

from django.db import migrations

COLUMNS_SQL = (
    "pg_catalog.concat({r}id, ',', COALESCE({r}actor_id::text, 'null'), ',', COALESCE({r}actor_agency_id::text, "
    "'null'), ',', COALESCE({r}case_id::text, 'null'), ',', pg_catalog.btrim(pg_catalog.to_json(ARRAY["
    "CASE WHEN {r}recorded_at OPERATOR(pg_catalog.>=) '0001-01-01 00:00:00+00'::pg_catalog.timestamptz "
    "THEN pg_catalog.to_char({r}recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') END, {r}actor_name, "
    "{r}actor_role, {r}event_type, {r}subject_type, {r}subject_id])::text, '[]'))"
)


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    run = schema_editor.execute
    run("ALTER TABLE ledger_event ADD COLUMN entry_columns text")
    run(
        "CREATE OR REPLACE FUNCTION zhifa_ledger_entry_columns() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN NEW.entry_columns := {COLUMNS_SQL.format(r='NEW.')}; RETURN NEW; END; $$",
        params=None,
    )
    run(
        "CREATE TRIGGER ledger_event_entry_columns BEFORE INSERT ON ledger_event "
        "FOR EACH ROW EXECUTE FUNCTION zhifa_ledger_entry_columns()"
    )
    run("ALTER TABLE ledger_event DISABLE TRIGGER ledger_event_append_only")
    run(f"UPDATE ledger_event SET entry_columns = {COLUMNS_SQL.format(r='')}")
    run("ALTER TABLE ledger_event ENABLE TRIGGER ledger_event_append_only")
    run("ALTER TABLE ledger_event ALTER COLUMN entry_columns SET NOT NULL")
    run(
        "ALTER TABLE ledger_event ADD CONSTRAINT ledger_event_entry_columns_check CHECK ((entry_columns COLLATE "
        f'pg_catalog."C") OPERATOR(pg_catalog.=) {COLUMNS_SQL.format(r="")})'
    )


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP TRIGGER IF EXISTS ledger_event_entry_columns ON ledger_event")
    schema_editor.execute("DROP FUNCTION IF EXISTS zhifa_ledger_entry_columns()")
    schema_editor.execute(
        "ALTER TABLE ledger_event DROP COLUMN IF EXISTS entry_columns"
    )  # and its constraint


class Migration(migrations.Migration):
    dependencies = [("ledger", "0004_leaf_without_fk_event_type_index")]
    operations = [migrations.RunPython(forward, backward)]
