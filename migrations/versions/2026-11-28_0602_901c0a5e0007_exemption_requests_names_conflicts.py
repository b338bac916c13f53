"""applications and review: exemption requests, archive reference, conflict grounds and substitutes

Revision ID: 901c0a5e0007
Revises: 8f1c0a5e0006
Create Date: 2026-11-28 06:02:00
"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import fund.core.types  # noqa: F401 (custom column types)


# revision identifiers, used by Alembic.
revision = '901c0a5e0007'
down_revision = '8f1c0a5e0006'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
