"""calls and plans: a draft state (unpublished until the manager or administrator publishes)

Revision ID: a1d4e7f20b11
Revises: 6f2b8d3c1a50
Create Date: 2026-11-28 16:00:00

A new call, and a plan uploaded at /plan/admin, is a draft until it is published. The calls
and plans that exist already were public: they are published as of when they were made.
"""
from alembic import op
import sqlalchemy as sa

import fund.core.types  # noqa: F401 (custom column types)


# revision identifiers, used by Alembic.
revision = 'a1d4e7f20b11'
down_revision = '6f2b8d3c1a50'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.add_column(sa.Column('published_at', fund.core.types.UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table('plan_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('published_at', fund.core.types.UTCDateTime(timezone=True), nullable=True))
    op.execute("UPDATE calls SET published_at = created_at")
    op.execute("UPDATE plan_versions SET published_at = loaded_at")


def downgrade():
    with op.batch_alter_table('plan_versions', schema=None) as batch_op:
        batch_op.drop_column('published_at')
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.drop_column('published_at')
