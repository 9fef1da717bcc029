"""Database triggers that refuse UPDATE, DELETE and TRUNCATE on the audit trail, whoever connects.

On PostgreSQL one update passes: the chain's sequencer filling in ``seq``, ``prev_hash`` and
``hash`` of a record that has none of them yet, changing nothing else. A chained record can
never change again, and an unchained one only by being chained.
"""

SQLITE_INSTALL = [
    """CREATE TRIGGER IF NOT EXISTS audit_auditrecord_no_update BEFORE UPDATE ON audit_auditrecord
       BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END""",
    """CREATE TRIGGER IF NOT EXISTS audit_auditrecord_no_delete BEFORE DELETE ON audit_auditrecord
       BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END""",
]
SQLITE_REMOVE = [
    "DROP TRIGGER IF EXISTS audit_auditrecord_no_update",
    "DROP TRIGGER IF EXISTS audit_auditrecord_no_delete",
]
POSTGRES_INSTALL = [
    """CREATE OR REPLACE FUNCTION audit_auditrecord_refuse() RETURNS trigger AS $$
       BEGIN
         IF TG_OP = 'UPDATE' THEN
           IF OLD.seq IS NULL AND OLD.prev_hash IS NULL AND OLD.hash IS NULL
              AND NEW.seq IS NOT NULL AND NEW.prev_hash IS NOT NULL AND NEW.hash IS NOT NULL
              AND to_jsonb(NEW) - ARRAY['seq', 'prev_hash', 'hash']
                  = to_jsonb(OLD) - ARRAY['seq', 'prev_hash', 'hash'] THEN
             RETURN NEW;
           END IF;
         END IF;
         RAISE EXCEPTION 'audit records are append-only';
       END; $$ LANGUAGE plpgsql""",
    """CREATE OR REPLACE TRIGGER audit_auditrecord_no_change BEFORE UPDATE OR DELETE ON audit_auditrecord
       FOR EACH ROW EXECUTE FUNCTION audit_auditrecord_refuse()""",
    """CREATE OR REPLACE TRIGGER audit_auditrecord_no_truncate BEFORE TRUNCATE ON audit_auditrecord
       FOR EACH STATEMENT EXECUTE FUNCTION audit_auditrecord_refuse()""",
]
POSTGRES_REMOVE = [
    "DROP TRIGGER IF EXISTS audit_auditrecord_no_truncate ON audit_auditrecord",
    "DROP TRIGGER IF EXISTS audit_auditrecord_no_change ON audit_auditrecord",
    "DROP FUNCTION IF EXISTS audit_auditrecord_refuse()",
]


def _run(connection, statements) -> None:
    with connection.cursor() as cur:
        for sql in statements:
            cur.execute(sql)


def install(connection) -> None:
    _run(connection, POSTGRES_INSTALL if connection.vendor == "postgresql" else SQLITE_INSTALL)


def remove(connection) -> None:
    """Only for emptying a test database between tests; the application never calls it."""
    _run(connection, POSTGRES_REMOVE if connection.vendor == "postgresql" else SQLITE_REMOVE)
