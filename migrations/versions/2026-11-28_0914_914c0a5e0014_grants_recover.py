"""grants: recover (helper's model changes, if any)

Revision ID: 914c0a5e0014
Revises: 913c0a5e0013
Create Date: 2026-11-28 09:14:00
"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import fund.core.types  # noqa: F401 (custom column types)


# revision identifiers, used by Alembic.
revision = '914c0a5e0014'
down_revision = '913c0a5e0013'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
