from django.db import migrations

# Database triggers that replace the catalogue revision token (practices/catalogue_cache.py) on every
# INSERT, UPDATE or DELETE of a table the cached public aggregates count, whoever writes: the ORM, a
# bulk .update(), raw SQL, a later migration, psql. The SQL is frozen here, like 0003/0004;
# practices.catalogue_cache.revision_triggers_install() holds the same definitions and restores them
# after every migrate (on SQLite, a migration that remakes a table drops that table's triggers).
COUNTED_TABLES = (
    "practices_category",
    "practices_province",
    "practices_city",
    "practices_sourcedocument",
    "practices_practice",
    "practices_practiceentry",
    "practices_casereport",
    "practices_casereport_cities",
    "practices_casereport_categories",
    "practices_relatedpractice",
    "practices_metric",
)

# SQLite: row triggers only; a new random token (32 hex digits), then the older aggregates go.
SQLITE_TRIGGER = """
CREATE TRIGGER IF NOT EXISTS catalogue_revision_{table}_{event} AFTER {event} ON {table}
BEGIN
    INSERT INTO practices_cataloguerevision (key, token, changed)
    VALUES (1, lower(hex(randomblob(16))), strftime('%Y-%m-%d %H:%M:%f', 'now'))
    ON CONFLICT (key) DO UPDATE SET token = excluded.token, changed = excluded.changed;
    DELETE FROM practices_catalogueaggregate
    WHERE token <> (SELECT token FROM practices_cataloguerevision WHERE key = 1);
END
"""
SQLITE_EVENTS = ("insert", "update", "delete")

# PostgreSQL: one statement trigger per table (a bulk statement replaces the token once).
POSTGRESQL_FUNCTION = """
CREATE OR REPLACE FUNCTION practices_catalogue_revision_bump() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    fresh varchar(32) := md5(random()::text || clock_timestamp()::text);
BEGIN
    INSERT INTO practices_cataloguerevision (key, token, changed) VALUES (1, fresh, now())
    ON CONFLICT (key) DO UPDATE SET token = EXCLUDED.token, changed = EXCLUDED.changed;
    DELETE FROM practices_catalogueaggregate WHERE token <> fresh;
    RETURN NULL;
END
$$
"""
POSTGRESQL_TRIGGER = """
CREATE TRIGGER catalogue_revision_bump
AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}
FOR EACH STATEMENT EXECUTE FUNCTION practices_catalogue_revision_bump()
"""


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for table in COUNTED_TABLES:
            for event in SQLITE_EVENTS:
                schema_editor.execute(SQLITE_TRIGGER.format(table=table, event=event))
    elif vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_FUNCTION)
        for table in COUNTED_TABLES:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS catalogue_revision_bump ON {table}")
            schema_editor.execute(POSTGRESQL_TRIGGER.format(table=table))


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for table in COUNTED_TABLES:
            for event in SQLITE_EVENTS:
                schema_editor.execute(f"DROP TRIGGER IF EXISTS catalogue_revision_{table}_{event}")
    elif vendor == "postgresql":
        for table in COUNTED_TABLES:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS catalogue_revision_bump ON {table}")
        schema_editor.execute("DROP FUNCTION IF EXISTS practices_catalogue_revision_bump()")


class Migration(migrations.Migration):

    dependencies = [
        ("practices", "0008_metric_kind_ratio_length"),
    ]

    operations = [
        migrations.RunPython(forward, backward, elidable=False),
    ]
