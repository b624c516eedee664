"""draft guidelines published by the Foundation

Revision ID: 0009
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "guideline_drafts",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("published_by", sa.Integer(), nullable=True),
        sa.Column("published_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["published_by"],
            ["users.id"],
            name=op.f("fk_guideline_drafts_published_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_guideline_drafts")),
    )
    with op.batch_alter_table("guideline_drafts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_guideline_drafts_published_by"), ["published_by"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("guideline_drafts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_guideline_drafts_published_by"))
    op.drop_table("guideline_drafts")
