"""continuous compliance: cloud_alerts (each regression or lapse alert, claimed once)

Revision ID: 0017
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cloud_alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_key", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("cloud_id", sa.String(length=36), nullable=False),
        sa.Column("guideline", sa.String(length=64), nullable=False),
        sa.Column("target", sa.String(length=64), nullable=False),
        sa.Column("run_id", sa.String(length=36), nullable=True),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("email_status", sa.String(length=16), nullable=False),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.Column("webhook_status", sa.String(length=16), nullable=False),
        sa.Column("error", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name=op.f("fk_cloud_alerts_run_id_runs"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cloud_alerts")),
        sa.UniqueConstraint("event_key", name=op.f("uq_cloud_alerts_event_key")),
    )
    op.create_index(
        "ix_cloud_alerts_cloud_created", "cloud_alerts", ["cloud_id", "created_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_cloud_alerts_cloud_created", table_name="cloud_alerts")
    op.drop_table("cloud_alerts")
