"""applications: rules warn, information request deadlines and replies

Revision ID: 8f1c0a5e0006
Revises: 8e1c0a5e0005
Create Date: 2026-11-28 06:01:00
"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import fund.core.types  # noqa: F401 (custom column types)


# revision identifiers, used by Alembic.
revision = '8f1c0a5e0006'
down_revision = '8e1c0a5e0005'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
