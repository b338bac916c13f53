"""review: settings off the call, exact scores, stored eligibility results

Revision ID: 8c1c0a5e0003
Revises: 8b1c0a5e0002
Create Date: 2026-11-28 03:00:00
"""
from alembic import op
import sqlalchemy as sa

import fund.core.types  # noqa: F401 (custom column types)


# revision identifiers, used by Alembic.
revision = '8c1c0a5e0003'
down_revision = '8b1c0a5e0002'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
