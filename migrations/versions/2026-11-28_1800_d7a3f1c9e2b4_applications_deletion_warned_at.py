"""applications: when the members were warned that a never-submitted draft is deleted

Revision ID: d7a3f1c9e2b4
Revises: a1d4e7f20b11
Create Date: 2026-11-28 18:00:00

Drafts never submitted are deleted some time after their call's deadline, and only after a
warning mail (``flask applications purge-drafts``); the column records that warning.
"""
from alembic import op
import sqlalchemy as sa

import fund.core.types  # noqa: F401 (custom column types)


# revision identifiers, used by Alembic.
revision = 'd7a3f1c9e2b4'
down_revision = 'a1d4e7f20b11'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deletion_warned_at',
                                      fund.core.types.UTCDateTime(timezone=True),
                                      nullable=True))


def downgrade():
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.drop_column('deletion_warned_at')
