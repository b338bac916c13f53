"""plan: the political priority of each innsatsområde (percent of the fund)

Revision ID: 5e7a1c2b9d40
Revises: 931c0a5e0010
Create Date: 2026-11-28 12:05:00

For the yearly evaluation (LAW.md §5.2): the share of the fund the politicians want to go
to each innsatsområde, against the share that did. Blank (NULL) until a manager sets it.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5e7a1c2b9d40'
down_revision = '931c0a5e0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('plan_areas', schema=None) as batch_op:
        batch_op.add_column(sa.Column('priority_percent', sa.Integer(), nullable=True))
        batch_op.create_check_constraint(batch_op.f('ck_plan_areas_priority_is_percent'),
                                         'priority_percent BETWEEN 0 AND 100')


def downgrade():
    with op.batch_alter_table('plan_areas', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_plan_areas_priority_is_percent'), type_='check')
        batch_op.drop_column('priority_percent')
