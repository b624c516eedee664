"""continuous compliance: registered clouds, their jobs, runs.registered_cloud_id

Revision ID: 0014
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "registered_clouds",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("product_version_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("auth_url", sa.String(length=255), nullable=False),
        sa.Column("credentials", sa.Text(), nullable=False),
        sa.Column("credentials_mask", sa.Text(), nullable=False),
        sa.Column("tests", sa.Text(), nullable=False),
        sa.Column("schedule", sa.String(length=64), nullable=False),
        sa.Column("options", sa.Text(), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("next_run_at", sa.DateTime(), nullable=True),
        sa.Column("lease_job_id", sa.String(length=36), nullable=True),
        sa.Column("lease_expires_at", sa.DateTime(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_registered_clouds_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["product_version_id"],
            ["product_versions.id"],
            name=op.f("fk_registered_clouds_product_version_id_product_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registered_clouds")),
        sa.UniqueConstraint(
            "product_version_id", "name", name=op.f("uq_registered_clouds_product_version_id_name")
        ),
    )
    op.create_index(
        op.f("ix_registered_clouds_product_version_id"),
        "registered_clouds",
        ["product_version_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_registered_clouds_next_run_at"), "registered_clouds", ["next_run_at"], unique=False
    )
    op.create_table(
        "cloud_jobs",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("registered_cloud_id", sa.String(length=36), nullable=False),
        sa.Column("guideline", sa.String(length=64), nullable=False),
        sa.Column("target", sa.String(length=64), nullable=False),
        sa.Column("trigger", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("scheduled_for", sa.DateTime(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(), nullable=True),
        sa.Column("duration_seconds", sa.Float(), nullable=True),
        sa.Column("worker", sa.String(length=255), nullable=True),
        sa.Column("task_id", sa.String(length=64), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("log", sa.Text(), nullable=True),
        sa.Column("meets", sa.Boolean(), nullable=True),
        sa.Column("run_id", sa.String(length=36), nullable=True),
        sa.Column("requested_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["registered_cloud_id"],
            ["registered_clouds.id"],
            name=op.f("fk_cloud_jobs_registered_cloud_id_registered_clouds"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["requested_by"],
            ["users.id"],
            name=op.f("fk_cloud_jobs_requested_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name=op.f("fk_cloud_jobs_run_id_runs"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cloud_jobs")),
    )
    op.create_index(
        "ix_cloud_jobs_cloud_created",
        "cloud_jobs",
        ["registered_cloud_id", "created_at"],
        unique=False,
    )
    op.create_index("ix_cloud_jobs_state", "cloud_jobs", ["state"], unique=False)
    # a plain ADD COLUMN: batch mode would copy ``runs`` on SQLite and lose its tally
    # triggers (migration 0003). No foreign key: SQLite cannot add one to a table (and
    # reflects an inline one without its name); deleting a cloud clears the column itself
    # (refcore.services.clouds.delete_cloud).
    op.add_column("runs", sa.Column("registered_cloud_id", sa.String(length=36), nullable=True))
    op.create_index(
        op.f("ix_runs_registered_cloud_id"), "runs", ["registered_cloud_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_runs_registered_cloud_id"), table_name="runs")
    op.drop_column("runs", "registered_cloud_id")  # SQLite >= 3.35 drops it in place
    op.drop_index("ix_cloud_jobs_state", table_name="cloud_jobs")
    op.drop_index("ix_cloud_jobs_cloud_created", table_name="cloud_jobs")
    op.drop_table("cloud_jobs")
    op.drop_index(op.f("ix_registered_clouds_next_run_at"), table_name="registered_clouds")
    op.drop_index(op.f("ix_registered_clouds_product_version_id"), table_name="registered_clouds")
    op.drop_table("registered_clouds")
