"""runs: the community list's index covers its order; run_reports.summary

Revision ID: 0018
Revises: 0016

A list page is ``WHERE listed ORDER BY created_at DESC, id DESC OFFSET n LIMIT 20``.
With ``id`` in the index the page's ids are an index-only scan in the list's own order
(no sort of equal timestamps, no table rows read for the rows skipped), and
``repositories.runs_page`` then reads the page's 20 rows by primary key: at 1,000,000
runs on PostgreSQL a page half way down took 386 ms of SQL, now ~80 ms. The index
replaces ``ix_runs_listed_created`` (listed, created_at), of which it is an extension.

``run_reports.summary``: the stored report's ``summary`` object, so a list page reads
20 of them (~200 bytes each) instead of 20 bodies (~125 KB each, 2.7 MB to detoast
and send: 10 ms of a 33 ms page). Rows stored before it have none; a list reads
their body as before.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_runs_listed_created_id", "runs", ["listed", "created_at", "id"])
    op.drop_index("ix_runs_listed_created", table_name="runs")
    summary = sa.Column("summary", sa.Text(), nullable=True)
    if op.get_bind().dialect.name == "sqlite":
        # before the body: SQLite reads a row's columns in order, so a column after a
        # 125 KB body is reached by walking the body's overflow pages (a list page read
        # 2-4 MB for 20 summaries); PostgreSQL keeps a long body out of line (TOAST)
        with op.batch_alter_table("run_reports", recreate="always") as batch_op:
            batch_op.add_column(summary, insert_before="body")
    else:
        op.add_column("run_reports", summary)


def downgrade() -> None:
    with op.batch_alter_table("run_reports") as batch_op:
        batch_op.drop_column("summary")
    op.create_index("ix_runs_listed_created", "runs", ["listed", "created_at"])
    op.drop_index("ix_runs_listed_created_id", table_name="runs")
