"""plan: measures open to applicants (per version and per call), immutable versions

Revision ID: 8a1c0a5e0001
Revises: 66ba03f5410c
Create Date: 2026-11-28 03:00:00
"""
from alembic import op
import sqlalchemy as sa

import fund.core.types  # noqa: F401 (custom column types)


# revision identifiers, used by Alembic.
revision = '8a1c0a5e0001'
down_revision = '66ba03f5410c'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
