"""calls: a call is archived only after its review is closed

Revision ID: 8d1c0a5e0004
Revises: 8c1c0a5e0003
Create Date: 2026-11-28 04:30:00
"""
from alembic import op

import fund.core.types  # noqa: F401 (custom column types)


# revision identifiers, used by Alembic.
revision = '8d1c0a5e0004'
down_revision = '8c1c0a5e0003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.create_check_constraint(
            'archived_after_review_closed',
            'archived_at IS NULL OR review_closed_at IS NOT NULL')


def downgrade():
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_calls_archived_after_review_closed'), type_='check')
