"""run_tests.attempts: every outcome of a test that ran more than once (re-runs)

Revision ID: 0016
Revises: 0017
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("run_tests", sa.Column("attempts", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("run_tests", "attempts")
