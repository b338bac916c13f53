"""applications: structured effects, explicit states

Revision ID: 8b1c0a5e0002
Revises: 8a1c0a5e0001
Create Date: 2026-11-28 03:00:00
"""
from alembic import op
import sqlalchemy as sa

import fund.core.types  # noqa: F401 (custom column types)


# revision identifiers, used by Alembic.
revision = '8b1c0a5e0002'
down_revision = '8a1c0a5e0001'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
