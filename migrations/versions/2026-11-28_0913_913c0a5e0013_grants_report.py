"""grants: report (helper's model changes, if any)

Revision ID: 913c0a5e0013
Revises: 912c0a5e0012
Create Date: 2026-11-28 09:13:00
"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import fund.core.types  # noqa: F401 (custom column types)


# revision identifiers, used by Alembic.
revision = '913c0a5e0013'
down_revision = '912c0a5e0012'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
