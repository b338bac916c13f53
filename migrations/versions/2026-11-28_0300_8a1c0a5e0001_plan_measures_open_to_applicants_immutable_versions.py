"""plan: measures open to applicants (per version and per call), immutable versions

Revision ID: 8a1c0a5e0001
Revises: 66ba03f5410c
Create Date: 2026-11-28 03:00:00

Each plan measure says whether applicants may choose it and whether it is the fund's own
yearly call; a call can open or close measures for itself (``call_measures``). Loaded
plans keep every measure closed (another period's file can be loaded again while no call
uses it). Those of period 2022-2024 get the flags of the plan file in the package.
The outbox gets a draft state: stored, not sent until released.
"""
from alembic import op
import sqlalchemy as sa

import fund.core.types  # noqa: F401 (custom column types)


# revision identifiers, used by Alembic.
revision = '8a1c0a5e0001'
down_revision = '66ba03f5410c'
branch_labels = None
depends_on = None

MAIL_STATES = ('pending', 'sent', 'failed')
FUND_2022 = ('1B-3', '2B-3')
OPEN_2022 = ('1B-2', '1C-6', '2A-3', '2C-1', '2C-2', '3A-1', '3B-1', '3B-2', '3C-1', '3C-2',
             '4B-3', '5C-2')


def _mail_state(*values):
    return sa.Enum(*values, name='mail_state', native_enum=False, create_constraint=True,
                   length=20)


def upgrade():
    with op.batch_alter_table('plan_measures', schema=None) as batch_op:
        batch_op.add_column(sa.Column('open_to_applicants', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('is_fund', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.create_check_constraint(batch_op.f('ck_plan_measures_fund_not_open'), 'NOT (is_fund AND open_to_applicants)')

    # The flags of the plan file fund/plan/data/handlingsplan-2022-2024.yaml, so that the
    # loaded plan (which calls may already use, and which then cannot change) matches it.
    for column, codes in (('is_fund', FUND_2022), ('open_to_applicants', OPEN_2022)):
        op.execute(
            f"UPDATE plan_measures SET {column} = true WHERE code IN ({', '.join(repr(c) for c in codes)})"
            " AND strategy_id IN (SELECT plan_strategies.id FROM plan_strategies"
            " JOIN plan_areas ON plan_areas.id = plan_strategies.area_id"
            " JOIN plan_versions ON plan_versions.id = plan_areas.plan_id"
            " WHERE plan_versions.period = '2022-2024')")

    op.create_table('call_measures',
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('measure_id', sa.Integer(), nullable=False),
    sa.Column('open', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['call_id'], ['calls.id'], name=op.f('fk_call_measures_call_id_calls'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['measure_id'], ['plan_measures.id'], name=op.f('fk_call_measures_measure_id_plan_measures')),
    sa.PrimaryKeyConstraint('call_id', 'measure_id', name=op.f('pk_call_measures'))
    )
    with op.batch_alter_table('call_measures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_call_measures_measure_id'), ['measure_id'], unique=False)

    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.alter_column('state', existing_type=_mail_state(*MAIL_STATES),
                              type_=_mail_state('draft', *MAIL_STATES), existing_nullable=False)


def downgrade():
    op.execute("DELETE FROM outbox_messages WHERE state = 'draft'")
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.alter_column('state', existing_type=_mail_state('draft', *MAIL_STATES),
                              type_=_mail_state(*MAIL_STATES), existing_nullable=False)

    with op.batch_alter_table('call_measures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_call_measures_measure_id'))

    op.drop_table('call_measures')
    with op.batch_alter_table('plan_measures', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_plan_measures_fund_not_open'), type_='check')
        batch_op.drop_column('is_fund')
        batch_op.drop_column('open_to_applicants')
