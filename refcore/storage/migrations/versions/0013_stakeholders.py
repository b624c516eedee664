"""stakeholders: teams, their areas and members, initiatives, commitments, the Foundation's mapping edits, draft notices

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('affiliation_edits',
    sa.Column('domain', sa.String(length=255), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('organisation', sa.String(length=128), nullable=True),
    sa.Column('set_by', sa.Integer(), nullable=True),
    sa.Column('set_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['set_by'], ['users.id'], name=op.f('fk_affiliation_edits_set_by_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('domain', name=op.f('pk_affiliation_edits'))
    )
    op.create_table('draft_notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('draft_id', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('capabilities', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('error', sa.String(length=255), nullable=True),
    sa.Column('sent_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_draft_notices_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_draft_notices'))
    )
    with op.batch_alter_table('draft_notices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_draft_notices_draft_id'), ['draft_id'], unique=False)

    op.create_table('section_path_edits',
    sa.Column('project', sa.String(length=64), nullable=False),
    sa.Column('section', sa.String(length=128), nullable=False),
    sa.Column('patterns', sa.Text(), nullable=False),
    sa.Column('set_by', sa.Integer(), nullable=True),
    sa.Column('set_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['set_by'], ['users.id'], name=op.f('fk_section_path_edits_set_by_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('project', 'section', name=op.f('pk_section_path_edits'))
    )
    op.create_table('stakeholder_teams',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=32), nullable=False),
    sa.Column('organisation', sa.String(length=128), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('contact', sa.String(length=255), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_stakeholder_teams_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stakeholder_teams'))
    )
    with op.batch_alter_table('stakeholder_teams', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stakeholder_teams_user_id'), ['user_id'], unique=False)

    op.create_table('initiatives',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('project', sa.String(length=64), nullable=False),
    sa.Column('subject', sa.String(length=128), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['team_id'], ['stakeholder_teams.id'], name=op.f('fk_initiatives_team_id_stakeholder_teams'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_initiatives'))
    )
    with op.batch_alter_table('initiatives', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_initiatives_subject'), ['subject'], unique=False)

    op.create_table('stakeholder_areas',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('project', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.ForeignKeyConstraint(['team_id'], ['stakeholder_teams.id'], name=op.f('fk_stakeholder_areas_team_id_stakeholder_teams'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stakeholder_areas')),
    sa.UniqueConstraint('team_id', 'kind', 'project', 'name', name=op.f('uq_stakeholder_areas_team_id_kind_project_name'))
    )
    with op.batch_alter_table('stakeholder_areas', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stakeholder_areas_project'), ['project'], unique=False)

    op.create_table('stakeholder_members',
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('contributor', sa.String(length=12), nullable=False),
    sa.Column('confirmed', sa.Boolean(), nullable=False),
    sa.Column('added_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['team_id'], ['stakeholder_teams.id'], name=op.f('fk_stakeholder_members_team_id_stakeholder_teams'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('team_id', 'contributor', name=op.f('pk_stakeholder_members'))
    )
    with op.batch_alter_table('stakeholder_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stakeholder_members_contributor'), ['contributor'], unique=False)

    op.create_table('commitments',
    sa.Column('initiative_id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('headcount', sa.Integer(), nullable=False),
    sa.Column('review_hours', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['initiative_id'], ['initiatives.id'], name=op.f('fk_commitments_initiative_id_initiatives'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['team_id'], ['stakeholder_teams.id'], name=op.f('fk_commitments_team_id_stakeholder_teams'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('initiative_id', 'team_id', name=op.f('pk_commitments'))
    )


def downgrade() -> None:
    op.drop_table('commitments')
    with op.batch_alter_table('stakeholder_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stakeholder_members_contributor'))

    op.drop_table('stakeholder_members')
    with op.batch_alter_table('stakeholder_areas', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stakeholder_areas_project'))

    op.drop_table('stakeholder_areas')
    with op.batch_alter_table('initiatives', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_initiatives_subject'))

    op.drop_table('initiatives')
    with op.batch_alter_table('stakeholder_teams', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stakeholder_teams_user_id'))

    op.drop_table('stakeholder_teams')
    op.drop_table('section_path_edits')
    with op.batch_alter_table('draft_notices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_draft_notices_draft_id'))

    op.drop_table('draft_notices')
    op.drop_table('affiliation_edits')
