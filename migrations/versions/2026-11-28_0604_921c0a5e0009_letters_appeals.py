"""decisions: letters, notification and appeals

Revision ID: 921c0a5e0009
Revises: 911c0a5e0008
Create Date: 2026-11-28 06:04:00
"""
import sqlalchemy as sa
from alembic import op

import fund.core.types  # noqa: F401 (custom column types)


# revision identifiers, used by Alembic.
revision = '921c0a5e0009'
down_revision = '911c0a5e0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('letter_notices',
    sa.Column('letter_id', sa.Integer(), nullable=False),
    sa.Column('mail_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['letter_id'], ['letters.id'], name=op.f('fk_letter_notices_letter_id_letters'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['mail_id'], ['outbox_messages.id'], name=op.f('fk_letter_notices_mail_id_outbox_messages'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('letter_id', 'mail_id', name=op.f('pk_letter_notices'))
    )
    with op.batch_alter_table('letter_notices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_letter_notices_mail_id'), ['mail_id'], unique=False)


def downgrade():
    with op.batch_alter_table('letter_notices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_letter_notices_mail_id'))
    op.drop_table('letter_notices')
