"""certification: runs.signed, sections declarations, requests, certificates, audit log

The audit log is append-only in the database too: triggers refuse UPDATE and DELETE on
SQLite and PostgreSQL alike.

Revision ID: 0012
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0010"
branch_labels = None
depends_on = None

_MESSAGE = "audit_log is append-only"


def upgrade() -> None:
    # a plain ADD COLUMN: batch mode would copy ``runs`` on SQLite and lose its tally
    # triggers (migration 0003)
    op.add_column(
        "runs", sa.Column("signed", sa.Boolean(), server_default=sa.false(), nullable=False)
    )
    op.create_table(
        "section_declarations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_version_id", sa.String(length=36), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("declared_by", sa.Integer(), nullable=True),
        sa.Column("declared_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["declared_by"],
            ["users.id"],
            name=op.f("fk_section_declarations_declared_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["product_version_id"],
            ["product_versions.id"],
            name=op.f("fk_section_declarations_product_version_id_product_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_section_declarations")),
        sa.UniqueConstraint(
            "product_version_id",
            "number",
            name=op.f("uq_section_declarations_product_version_id_number"),
        ),
    )
    with op.batch_alter_table("section_declarations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_section_declarations_product_version_id"),
            ["product_version_id"],
            unique=False,
        )
    op.create_table(
        "certification_requests",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("product_version_id", sa.String(length=36), nullable=False),
        sa.Column("program", sa.String(length=64), nullable=False),
        sa.Column("guideline", sa.String(length=64), nullable=False),
        sa.Column("run_ids", sa.Text(), nullable=False),
        sa.Column("declaration_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("checks", sa.Text(), nullable=False),
        sa.Column("verdict", sa.Text(), nullable=False),
        sa.Column("requested_by", sa.Integer(), nullable=True),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("override", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["declaration_id"],
            ["section_declarations.id"],
            name=op.f("fk_certification_requests_declaration_id_section_declarations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"],
            ["users.id"],
            name=op.f("fk_certification_requests_decided_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["product_version_id"],
            ["product_versions.id"],
            name=op.f("fk_certification_requests_product_version_id_product_versions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["requested_by"],
            ["users.id"],
            name=op.f("fk_certification_requests_requested_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certification_requests")),
    )
    with op.batch_alter_table("certification_requests", schema=None) as batch_op:
        batch_op.create_index(
            "ix_certification_requests_state_requested", ["state", "requested_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_certification_requests_product_version_id"),
            ["product_version_id"],
            unique=False,
        )
    op.create_table(
        "certificates",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("request_id", sa.String(length=36), nullable=False),
        sa.Column("product_version_id", sa.String(length=36), nullable=False),
        sa.Column("program", sa.String(length=64), nullable=False),
        sa.Column("guideline", sa.String(length=64), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.Column("issued_by", sa.Integer(), nullable=True),
        sa.Column("valid_until", sa.DateTime(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_by", sa.Integer(), nullable=True),
        sa.Column("revoke_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["issued_by"],
            ["users.id"],
            name=op.f("fk_certificates_issued_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["product_version_id"],
            ["product_versions.id"],
            name=op.f("fk_certificates_product_version_id_product_versions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["certification_requests.id"],
            name=op.f("fk_certificates_request_id_certification_requests"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["revoked_by"],
            ["users.id"],
            name=op.f("fk_certificates_revoked_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificates")),
        sa.UniqueConstraint("request_id", name=op.f("uq_certificates_request_id")),
    )
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_certificates_product_version_id"), ["product_version_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_certificates_program"), ["program"], unique=False)
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=255), nullable=True),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("object_type", sa.String(length=32), nullable=False),
        sa.Column("object_id", sa.String(length=64), nullable=False),
        sa.Column("org_id", sa.String(length=36), nullable=True),
        sa.Column("before", sa.Text(), nullable=True),
        sa.Column("after", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index("ix_audit_log_object", ["object_type", "object_id"], unique=False)
        batch_op.create_index("ix_audit_log_org", ["org_id"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION audit_log_append_only() RETURNS trigger AS $$ BEGIN "
            f"RAISE EXCEPTION '{_MESSAGE}'; END; $$ LANGUAGE plpgsql"
        )
        op.execute(
            "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
            "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()"
        )
        op.execute(
            "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()"
        )
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_log_no_{verb.lower()} BEFORE {verb} ON audit_log "
                f"BEGIN SELECT RAISE(ABORT, '{_MESSAGE}'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TABLE audit_log")
        op.execute("DROP FUNCTION audit_log_append_only()")
    else:
        op.drop_table("audit_log")
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_certificates_program"))
        batch_op.drop_index(batch_op.f("ix_certificates_product_version_id"))
    op.drop_table("certificates")
    with op.batch_alter_table("certification_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_certification_requests_product_version_id"))
        batch_op.drop_index("ix_certification_requests_state_requested")
    op.drop_table("certification_requests")
    with op.batch_alter_table("section_declarations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_section_declarations_product_version_id"))
    op.drop_table("section_declarations")
    op.drop_column("runs", "signed")  # SQLite >= 3.35 drops it in place, triggers kept
