# Full-text search for cases (issue 10). The GIN index and the backfill are PostgreSQL-only:
# SQLite has no tsvector, and there selectors.case_search matches plainly instead.

import django.contrib.postgres.search
from django.db import migrations

# Same document as services.case_search_document_refresh builds (kept here as text so the migration
# does not depend on today's services).
FILL = """
UPDATE incidents_case c SET search_document =
    setweight(to_tsvector('english', c.reference || ' ' || c.title), 'A')
    || setweight(to_tsvector('english', c.summary), 'B')
    || setweight(to_tsvector('english', coalesce(
        (SELECT string_agg(description, ' ') FROM incidents_concern WHERE case_id = c.id), '')
        || ' ' || coalesce((SELECT string_agg(text, ' ') FROM incidents_statement WHERE case_id = c.id), '')), 'C')
"""


def create_search_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FILL)
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS incidents_case_search_gin ON incidents_case USING gin (search_document)")


def drop_search_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS incidents_case_search_gin")


class Migration(migrations.Migration):

    dependencies = [
        ('incidents', '0009_notifications'),
    ]

    operations = [
        migrations.AddField(
            model_name='case',
            name='search_document',
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        migrations.RunPython(create_search_index, drop_search_index),
    ]
