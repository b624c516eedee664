"""signed uploads (replays refused) and key owners (a key never changes account)

Revision ID: 0011
Revises: 0013
"""

from __future__ import annotations

import base64
import binascii
import hashlib

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0013"
branch_labels = None
depends_on = None


def _fingerprint(pubkey: str) -> str | None:
    try:
        return hashlib.sha256(base64.b64decode(pubkey, validate=True)).hexdigest()
    except (binascii.Error, ValueError):
        return None


def upgrade() -> None:
    op.create_table(
        "key_owners",
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_key_owners_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("fingerprint", name=op.f("pk_key_owners")),
    )
    op.create_index(op.f("ix_key_owners_user_id"), "key_owners", ["user_id"], unique=False)
    op.create_table(
        "signed_uploads",
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("run_id", sa.String(length=36), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name=op.f("fk_signed_uploads_run_id_runs"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("digest", name=op.f("pk_signed_uploads")),
    )
    op.create_index(op.f("ix_signed_uploads_run_id"), "signed_uploads", ["run_id"], unique=False)
    # every key registered so far stays with the account that registered it first
    bind = op.get_bind()
    keys = sa.table(
        "pubkeys", sa.column("pubkey", sa.Text), sa.column("user_id", sa.Integer), sa.column("created_at", sa.DateTime)
    )
    owners: dict[str, dict[str, object]] = {}
    for pubkey, user_id, created_at in bind.execute(
        sa.select(keys.c.pubkey, keys.c.user_id, keys.c.created_at).order_by(keys.c.created_at)
    ):
        found = _fingerprint(pubkey)
        if found and found not in owners:
            owners[found] = {"fingerprint": found, "user_id": user_id, "created_at": created_at}
    if owners:
        table = sa.table(
            "key_owners",
            sa.column("fingerprint", sa.String),
            sa.column("user_id", sa.Integer),
            sa.column("created_at", sa.DateTime),
        )
        op.bulk_insert(table, list(owners.values()))


def downgrade() -> None:
    op.drop_index(op.f("ix_signed_uploads_run_id"), table_name="signed_uploads")
    op.drop_table("signed_uploads")
    op.drop_index(op.f("ix_key_owners_user_id"), table_name="key_owners")
    op.drop_table("key_owners")
