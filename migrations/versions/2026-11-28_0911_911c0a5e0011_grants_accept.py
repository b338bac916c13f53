"""grants: accept (helper's model changes, if any)

Revision ID: 911c0a5e0011
Revises: 931c0a5e0010
Create Date: 2026-11-28 09:11:00
"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import fund.core.types  # noqa: F401 (custom column types)


# revision identifiers, used by Alembic.
revision = '911c0a5e0011'
down_revision = '931c0a5e0010'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
