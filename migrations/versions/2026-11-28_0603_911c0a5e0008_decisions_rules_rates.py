"""decisions: de minimis at the decision date, rates, state aid and KDD

Revision ID: 911c0a5e0008
Revises: 901c0a5e0007
Create Date: 2026-11-28 06:03:00
"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import fund.core.types  # noqa: F401 (custom column types)


# revision identifiers, used by Alembic.
revision = '911c0a5e0008'
down_revision = '901c0a5e0007'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
