"""export_jobs: long innstilling exports made outside the request (issue 14)

Revision ID: e5b1d7a20c94
Revises: e5b9c3a7d210
Create Date: 2026-11-29 01:00:00

The innstilling of a large call takes longer to lay out than gunicorn lets a request run
(a 500 for the manager). Such an export is a job: queued by the request, made by a thread
of the worker or by `flask --app fund exports run`, and downloaded once done.
"""
from alembic import op
import sqlalchemy as sa

import fund.core.types  # noqa: F401 (custom column types)


# revision identifiers, used by Alembic.
revision = 'e5b1d7a20c94'
down_revision = 'e5b9c3a7d210'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'export_jobs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('call_id', sa.Integer(), nullable=False),
        sa.Column('requested_by_id', sa.Integer(), nullable=False),
        sa.Column('locale', sa.String(length=10), nullable=False),
        sa.Column('state', sa.Enum('queued', 'running', 'done', 'failed', name='export_state',
                                   native_enum=False, create_constraint=True, length=20),
                  nullable=False),
        sa.Column('progress', sa.Integer(), nullable=False),
        sa.Column('message', sa.Text(), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('rows', sa.Integer(), nullable=True),
        sa.Column('stored_name', sa.String(length=64), nullable=True),
        sa.Column('sha256', sa.String(length=64), nullable=True),
        sa.Column('created_at', fund.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('started_at', fund.core.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column('finished_at', fund.core.types.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint('progress BETWEEN 0 AND 100', name=op.f('ck_export_jobs_progress_is_per_cent')),
        sa.ForeignKeyConstraint(['call_id'], ['calls.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('stored_name'),
    )
    with op.batch_alter_table('export_jobs') as batch_op:
        batch_op.create_index('ix_export_jobs_call_id', ['call_id'], unique=False)
        batch_op.create_index('ix_export_jobs_requested_by_id', ['requested_by_id'],
                              unique=False)
        batch_op.create_index('ix_export_jobs_state_created', ['state', 'created_at'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('export_jobs') as batch_op:
        batch_op.drop_index('ix_export_jobs_state_created')
        batch_op.drop_index('ix_export_jobs_requested_by_id')
        batch_op.drop_index('ix_export_jobs_call_id')
    op.drop_table('export_jobs')
