"""decisions: letters, notification and appeals

Revision ID: 921c0a5e0009
Revises: 911c0a5e0008
Create Date: 2026-11-28 06:04:00
"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import fund.core.types  # noqa: F401 (custom column types)


# revision identifiers, used by Alembic.
revision = '921c0a5e0009'
down_revision = '911c0a5e0008'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
