"""decisions: de minimis at the decision date, rates, state aid and KDD

Revision ID: 911c0a5e0008
Revises: 901c0a5e0007
Create Date: 2026-11-28 06:03:00
"""
import sqlalchemy as sa
from alembic import op

import fund.core.types  # noqa: F401 (custom column types)


# revision identifiers, used by Alembic.
revision = '911c0a5e0008'
down_revision = '901c0a5e0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('linked_undertakings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('orgnr', sa.String(length=9), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=False),
    sa.Column('added_at', fund.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_linked_undertakings_application_id_applications'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['added_by_id'], ['users.id'], name=op.f('fk_linked_undertakings_added_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_linked_undertakings')),
    sa.UniqueConstraint('application_id', 'orgnr', name=op.f('uq_linked_undertakings_application_id_orgnr'))
    )
    with op.batch_alter_table('linked_undertakings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_linked_undertakings_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_linked_undertakings_orgnr'), ['orgnr'], unique=False)

    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('excluded_sector_confirmed', sa.Boolean(), nullable=False, server_default=sa.false()))

    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('founded_on', sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.drop_column('founded_on')

    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.drop_column('excluded_sector_confirmed')

    with op.batch_alter_table('linked_undertakings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_linked_undertakings_orgnr'))
        batch_op.drop_index(batch_op.f('ix_linked_undertakings_application_id'))

    op.drop_table('linked_undertakings')
