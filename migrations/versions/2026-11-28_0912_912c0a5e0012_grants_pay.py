"""grants: pay (helper's model changes, if any)

Revision ID: 912c0a5e0012
Revises: 911c0a5e0011
Create Date: 2026-11-28 09:12:00
"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import fund.core.types  # noqa: F401 (custom column types)


# revision identifiers, used by Alembic.
revision = '912c0a5e0012'
down_revision = '911c0a5e0011'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
