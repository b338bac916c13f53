"""reports: report_changes, the marks that keep the stored plan-coverage reports fresh

Revision ID: e5b9c3a7d210
Revises: e5b1d9a7c3f2
Create Date: 2026-11-29 00:45:00

Every flush that changes what the plan-coverage report reads adds a row here in the same
transaction; a report computed for one state of this table is used until it changes
(issue 14). One mark is written here so that reports stored before the upgrade are not
used.
"""
import uuid

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e5b9c3a7d210'
down_revision = 'e5b1d9a7c3f2'
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        'report_changes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token', sa.String(length=32), nullable=False),
        sa.Column('call_id', sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_report_changes')),
    )
    op.create_index(op.f('ix_report_changes_call_id'), 'report_changes', ['call_id'])
    op.bulk_insert(table, [{'token': uuid.uuid4().hex, 'call_id': None}])


def downgrade():
    op.drop_index(op.f('ix_report_changes_call_id'), table_name='report_changes')
    op.drop_table('report_changes')
