"""grants: registers (helper's model changes, if any)

Revision ID: 915c0a5e0015
Revises: 914c0a5e0014
Create Date: 2026-11-28 09:15:00
"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import fund.core.types  # noqa: F401 (custom column types)


# revision identifiers, used by Alembic.
revision = '915c0a5e0015'
down_revision = '914c0a5e0014'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
