"""users: closed_at (an account its owner closed, fund.privacy)

Revision ID: b7c2e9d41a33
Revises: d7a3f1c9e2b4
Create Date: 2026-11-28 18:00:00

A person may close their own account: their name and address are replaced, the account can
never log in again, and the case documents it took part in keep what the archive rules
require. ``closed_at`` says when.
"""
from alembic import op
import sqlalchemy as sa

import fund.core.types  # noqa: F401 (custom column types)


# revision identifiers, used by Alembic.
revision = 'b7c2e9d41a33'
down_revision = 'd7a3f1c9e2b4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('closed_at', fund.core.types.UTCDateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('closed_at')
