"""Database triggers that refuse UPDATE and DELETE on the audit trail, whoever connects."""

from django.db import migrations

SQLITE = [
    """CREATE TRIGGER audit_auditrecord_no_update BEFORE UPDATE ON audit_auditrecord
       BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END""",
    """CREATE TRIGGER audit_auditrecord_no_delete BEFORE DELETE ON audit_auditrecord
       BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS audit_auditrecord_no_update",
    "DROP TRIGGER IF EXISTS audit_auditrecord_no_delete",
]
POSTGRES = [
    """CREATE OR REPLACE FUNCTION audit_auditrecord_refuse() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'audit records are append-only'; END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER audit_auditrecord_no_change BEFORE UPDATE OR DELETE ON audit_auditrecord
       FOR EACH ROW EXECUTE FUNCTION audit_auditrecord_refuse()""",
    """CREATE TRIGGER audit_auditrecord_no_truncate BEFORE TRUNCATE ON audit_auditrecord
       FOR EACH STATEMENT EXECUTE FUNCTION audit_auditrecord_refuse()""",
]
POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS audit_auditrecord_no_truncate ON audit_auditrecord",
    "DROP TRIGGER IF EXISTS audit_auditrecord_no_change ON audit_auditrecord",
    "DROP FUNCTION IF EXISTS audit_auditrecord_refuse()",
]


def forwards(apps, schema_editor):
    statements = POSTGRES if schema_editor.connection.vendor == "postgresql" else SQLITE
    for sql in statements:
        schema_editor.execute(sql)


def backwards(apps, schema_editor):
    statements = POSTGRES_REVERSE if schema_editor.connection.vendor == "postgresql" else SQLITE_REVERSE
    for sql in statements:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
