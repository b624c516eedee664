"""run_tally: the number of listed runs, kept by triggers

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 20:40:00

A list page showed ``count(*)`` of the listed runs on every request: 12 ms of a
sequential scan at 100k runs on PostgreSQL. The triggers keep the count exact in
the same transaction as any insert, delete or change of ``runs.listed`` (whatever
writes it: the services, a bulk insert, a cascade).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

SHARDS = 16

_PG_FUNCTION = f"""
CREATE FUNCTION refcore_run_tally() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    delta integer := 0;
    run_id text;
BEGIN
    IF TG_OP = 'INSERT' THEN
        run_id := NEW.id;
        IF NEW.listed THEN delta := 1; END IF;
    ELSIF TG_OP = 'DELETE' THEN
        run_id := OLD.id;
        IF OLD.listed THEN delta := -1; END IF;
    ELSE
        run_id := NEW.id;
        IF NEW.listed AND NOT OLD.listed THEN delta := 1;
        ELSIF OLD.listed AND NOT NEW.listed THEN delta := -1;
        END IF;
    END IF;
    IF delta <> 0 THEN
        UPDATE run_tally SET listed = listed + delta
        WHERE shard = (hashtext(run_id) & {SHARDS - 1});
    END IF;
    RETURN NULL;
END
$$
"""

_PG_TRIGGER = """
CREATE TRIGGER runs_tally AFTER INSERT OR DELETE OR UPDATE OF listed ON runs
FOR EACH ROW EXECUTE FUNCTION refcore_run_tally()
"""

_SQLITE_TRIGGERS = [
    """CREATE TRIGGER runs_tally_insert AFTER INSERT ON runs WHEN NEW.listed
    BEGIN UPDATE run_tally SET listed = listed + 1 WHERE shard = 0; END""",
    """CREATE TRIGGER runs_tally_delete AFTER DELETE ON runs WHEN OLD.listed
    BEGIN UPDATE run_tally SET listed = listed - 1 WHERE shard = 0; END""",
    """CREATE TRIGGER runs_tally_update AFTER UPDATE OF listed ON runs
    WHEN NEW.listed <> OLD.listed
    BEGIN UPDATE run_tally SET listed = listed + (CASE WHEN NEW.listed THEN 1 ELSE -1 END)
    WHERE shard = 0; END""",
]


def upgrade() -> None:
    tally = op.create_table(
        "run_tally",
        sa.Column("shard", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("listed", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("shard", name=op.f("pk_run_tally")),
    )
    op.bulk_insert(tally, [{"shard": i, "listed": 0} for i in range(SHARDS)])
    op.execute(
        "UPDATE run_tally SET listed = (SELECT count(*) FROM runs WHERE listed) WHERE shard = 0"
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_FUNCTION)
        op.execute(_PG_TRIGGER)
    else:
        for trigger in _SQLITE_TRIGGERS:
            op.execute(trigger)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER runs_tally ON runs")
        op.execute("DROP FUNCTION refcore_run_tally()")
    else:
        for name in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER runs_tally_{name}")
    op.drop_table("run_tally")
