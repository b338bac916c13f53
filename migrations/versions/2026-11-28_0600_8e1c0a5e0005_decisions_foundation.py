"""decisions: proposals, meetings, decisions, letters, appeals, exchange rates; call settings

Revision ID: 8e1c0a5e0005
Revises: 8d1c0a5e0004
Create Date: 2026-11-28 06:00:00
"""
import sqlalchemy as sa
from alembic import op

import fund.core.types  # noqa: F401 (custom column types)


# revision identifiers, used by Alembic.
revision = '8e1c0a5e0005'
down_revision = '8d1c0a5e0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('exchange_rates',
    sa.Column('rate_date', sa.Date(), nullable=False),
    sa.Column('nok_per_eur', sa.Numeric(precision=10, scale=4), nullable=False),
    sa.Column('source', sa.String(length=100), nullable=False),
    sa.Column('entered_by_id', sa.Integer(), nullable=True),
    sa.Column('entered_at', fund.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('nok_per_eur > 0', name=op.f('ck_exchange_rates_rate_positive')),
    sa.ForeignKeyConstraint(['entered_by_id'], ['users.id'], name=op.f('fk_exchange_rates_entered_by_id_users')),
    sa.PrimaryKeyConstraint('rate_date', name=op.f('pk_exchange_rates'))
    )
    op.create_table('decision_meetings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Enum('formannskapet', 'kommunedirektor', 'kommunestyret', name='decision_body', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('delegation_reference', sa.String(length=200), nullable=False),
    sa.Column('meeting_date', sa.Date(), nullable=False),
    sa.Column('political_case_number', sa.String(length=50), nullable=False),
    sa.Column('decided_text', sa.Text(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', fund.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['call_id'], ['calls.id'], name=op.f('fk_decision_meetings_call_id_calls')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_decision_meetings_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_decision_meetings'))
    )
    with op.batch_alter_table('decision_meetings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_decision_meetings_call_id'), ['call_id'], unique=False)

    op.create_table('innstillinger',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('proposed_by_id', sa.Integer(), nullable=False),
    sa.Column('proposed_at', fund.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('stored_name', sa.String(length=64), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['call_id'], ['calls.id'], name=op.f('fk_innstillinger_call_id_calls'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['proposed_by_id'], ['users.id'], name=op.f('fk_innstillinger_proposed_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_innstillinger')),
    sa.UniqueConstraint('call_id', name=op.f('uq_innstillinger_call_id')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_innstillinger_stored_name'))
    )
    op.create_table('body_abstentions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('member_name', sa.String(length=200), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_body_abstentions_application_id_applications')),
    sa.ForeignKeyConstraint(['meeting_id'], ['decision_meetings.id'], name=op.f('fk_body_abstentions_meeting_id_decision_meetings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_body_abstentions'))
    )
    with op.batch_alter_table('body_abstentions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_body_abstentions_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_body_abstentions_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.Enum('granted', 'partly_granted', 'rejected', 'dismissed', 'withdrawn', name='outcome', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('proposed_amount', sa.Integer(), nullable=True),
    sa.Column('amount', sa.Integer(), nullable=True),
    sa.Column('reasons', sa.Text(), nullable=False),
    sa.Column('conditions', sa.Text(), nullable=False),
    sa.Column('decided_on', sa.Date(), nullable=False),
    sa.Column('state_aid_basis', sa.Enum('none', 'de_minimis', 'block_exemption', name='state_aid_basis', native_enum=False, create_constraint=True, length=20), nullable=True),
    sa.Column('block_exemption_article', sa.String(length=100), nullable=False),
    sa.Column('kdd_category', sa.String(length=4), nullable=True),
    sa.Column('nok_per_eur', sa.Numeric(precision=10, scale=4), nullable=True),
    sa.Column('amount_eur', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('de_minimis_counted_nok', sa.Integer(), nullable=True),
    sa.Column('capped_to_headroom', sa.Boolean(), nullable=False),
    sa.Column('register_checked_at', fund.core.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', fund.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('replaced_at', fund.core.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('replaced_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("(outcome IN ('granted', 'partly_granted')) = (amount IS NOT NULL AND amount > 0)", name=op.f('ck_decisions_amount_iff_grant')),
    sa.CheckConstraint('amount IS NULL OR amount >= 0', name=op.f('ck_decisions_amount_not_negative')),
    sa.CheckConstraint('nok_per_eur IS NULL OR nok_per_eur > 0', name=op.f('ck_decisions_rate_positive')),
    sa.CheckConstraint('proposed_amount IS NULL OR proposed_amount >= 0', name=op.f('ck_decisions_proposed_amount_not_negative')),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_decisions_application_id_applications')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_decisions_decided_by_id_users')),
    sa.ForeignKeyConstraint(['meeting_id'], ['decision_meetings.id'], name=op.f('fk_decisions_meeting_id_decision_meetings')),
    sa.ForeignKeyConstraint(['replaced_by_id'], ['decisions.id'], name=op.f('fk_decisions_replaced_by_id_decisions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_decisions'))
    )
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_decisions_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_decisions_meeting_id'), ['meeting_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_decisions_outcome'), ['outcome'], unique=False)
        batch_op.create_index('uq_decisions_current', ['application_id'], unique=True, sqlite_where=sa.text('replaced_at IS NULL'), postgresql_where=sa.text('replaced_at IS NULL'))

    op.create_table('proposals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.Enum('granted', 'partly_granted', 'rejected', 'dismissed', 'withdrawn', name='outcome', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('amount', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('proposed_by_id', sa.Integer(), nullable=False),
    sa.Column('updated_at', fund.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(outcome IN ('granted', 'partly_granted')) = (amount IS NOT NULL AND amount > 0)", name=op.f('ck_proposals_amount_iff_grant')),
    sa.CheckConstraint("outcome <> 'withdrawn'", name=op.f('ck_proposals_proposal_is_a_vedtak')),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_proposals_application_id_applications'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['proposed_by_id'], ['users.id'], name=op.f('fk_proposals_proposed_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposals')),
    sa.UniqueConstraint('application_id', name=op.f('uq_proposals_application_id'))
    )
    op.create_table('appeals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('decision_id', sa.Integer(), nullable=False),
    sa.Column('received_at', fund.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('submitted_by_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('in_time', sa.Boolean(), nullable=False),
    sa.Column('state', sa.Enum('received', 'reversed', 'forwarded', 'concluded', name='appeal_state', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('handled_by_id', sa.Integer(), nullable=True),
    sa.Column('handled_at', fund.core.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('assessment', sa.Text(), nullable=False),
    sa.Column('new_decision_id', sa.Integer(), nullable=True),
    sa.Column('forwarded_at', fund.core.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('appeal_body', sa.String(length=200), nullable=False),
    sa.Column('appeal_body_outcome', sa.Text(), nullable=False),
    sa.Column('appeal_body_decided_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['decision_id'], ['decisions.id'], name=op.f('fk_appeals_decision_id_decisions')),
    sa.ForeignKeyConstraint(['handled_by_id'], ['users.id'], name=op.f('fk_appeals_handled_by_id_users')),
    sa.ForeignKeyConstraint(['new_decision_id'], ['decisions.id'], name=op.f('fk_appeals_new_decision_id_decisions')),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['users.id'], name=op.f('fk_appeals_submitted_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appeals'))
    )
    with op.batch_alter_table('appeals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_appeals_decision_id'), ['decision_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_appeals_state'), ['state'], unique=False)

    op.create_table('letters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('decision_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.Enum('decision', 'provisional', name='letter_kind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('stored_name', sa.String(length=64), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', fund.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('mail_id', sa.Integer(), nullable=True),
    sa.Column('sent_at', fund.core.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('sent_by_id', sa.Integer(), nullable=True),
    sa.Column('appeal_deadline', sa.Date(), nullable=True),
    sa.CheckConstraint('sent_at IS NOT NULL OR appeal_deadline IS NULL', name=op.f('ck_letters_deadline_after_sending')),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_letters_application_id_applications')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_letters_created_by_id_users')),
    sa.ForeignKeyConstraint(['decision_id'], ['decisions.id'], name=op.f('fk_letters_decision_id_decisions')),
    sa.ForeignKeyConstraint(['mail_id'], ['outbox_messages.id'], name=op.f('fk_letters_mail_id_outbox_messages'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['sent_by_id'], ['users.id'], name=op.f('fk_letters_sent_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_letters')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_letters_stored_name'))
    )
    with op.batch_alter_table('letters', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_letters_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_letters_decision_id'), ['decision_id'], unique=False)

    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expected_decision_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('appeal_reserve', sa.Integer(), nullable=False,
                                      server_default='0'))
        batch_op.create_check_constraint(
            'reserve_within_budget', 'appeal_reserve >= 0 AND appeal_reserve <= budget')



def downgrade():
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_calls_reserve_within_budget'), type_='check')
        batch_op.drop_column('appeal_reserve')
        batch_op.drop_column('expected_decision_on')

    with op.batch_alter_table('letters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_letters_decision_id'))
        batch_op.drop_index(batch_op.f('ix_letters_application_id'))

    op.drop_table('letters')
    with op.batch_alter_table('appeals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_appeals_state'))
        batch_op.drop_index(batch_op.f('ix_appeals_decision_id'))

    op.drop_table('appeals')
    op.drop_table('proposals')
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.drop_index('uq_decisions_current', sqlite_where=sa.text('replaced_at IS NULL'), postgresql_where=sa.text('replaced_at IS NULL'))
        batch_op.drop_index(batch_op.f('ix_decisions_outcome'))
        batch_op.drop_index(batch_op.f('ix_decisions_meeting_id'))
        batch_op.drop_index(batch_op.f('ix_decisions_application_id'))

    op.drop_table('decisions')
    with op.batch_alter_table('body_abstentions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_body_abstentions_meeting_id'))
        batch_op.drop_index(batch_op.f('ix_body_abstentions_application_id'))

    op.drop_table('body_abstentions')
    op.drop_table('innstillinger')
    with op.batch_alter_table('decision_meetings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_decision_meetings_call_id'))

    op.drop_table('decision_meetings')
    op.drop_table('exchange_rates')
