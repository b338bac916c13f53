"""decisions: proposals, meetings, decisions, letters, appeals, exchange rates; call settings

Revision ID: 8e1c0a5e0005
Revises: 8d1c0a5e0004
Create Date: 2026-11-28 06:00:00
"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import fund.core.types  # noqa: F401 (custom column types)


# revision identifiers, used by Alembic.
revision = '8e1c0a5e0005'
down_revision = '8d1c0a5e0004'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
