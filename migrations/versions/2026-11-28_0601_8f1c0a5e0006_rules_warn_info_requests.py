"""applications: rules warn, information request deadlines and replies

Revision ID: 8f1c0a5e0006
Revises: 8e1c0a5e0005
Create Date: 2026-11-28 06:01:00

- eligibility_warnings: the eligibility rules each submission broke (or could not check),
  with the message the applicant saw. Submissions made before keep none (the count in
  applications.eligibility_failures stays as it was).
- info_requests: answer_by (the last day to answer; existing requests get 14 days from
  the day they were made), reply, answered_by_id, submission_id (the answering
  submission; existing answered requests get the first submission made at or after the
  answer), expired_at, and CHECKs that a request is answered or expired, never both, and
  that an answer has its submission.
"""
from datetime import timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

import fund.core.types  # noqa: F401 (custom column types)


# revision identifiers, used by Alembic.
revision = '8f1c0a5e0006'
down_revision = '8e1c0a5e0005'
branch_labels = None
depends_on = None

RULES = ('orgnr', 'municipality', 'municipality_unknown', 'bankrupt', 'started', 'max_grant',
         'max_share', 'de_minimis')
#: Days to answer given to requests made before the deadline existed.
DAYS_TO_ANSWER = 14


def upgrade():
    op.create_table('eligibility_warnings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('rule', sa.Enum(*RULES, name='eligibility_rule', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'], name=op.f('fk_eligibility_warnings_submission_id_submissions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_eligibility_warnings')),
    sa.UniqueConstraint('submission_id', 'rule', name=op.f('uq_eligibility_warnings_submission_id_rule'))
    )
    with op.batch_alter_table('eligibility_warnings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_eligibility_warnings_submission_id'), ['submission_id'], unique=False)

    with op.batch_alter_table('info_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('answer_by', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('reply', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('answered_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('submission_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('expired_at', fund.core.types.UTCDateTime(timezone=True), nullable=True))

    _fill_existing_requests()

    with op.batch_alter_table('info_requests', schema=None) as batch_op:
        batch_op.alter_column('answer_by', existing_type=sa.Date(), nullable=False)
        batch_op.alter_column('reply', existing_type=sa.Text(), server_default=None)
        batch_op.create_index(batch_op.f('ix_info_requests_answer_by'), ['answer_by'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_info_requests_answered_by_id_users'), 'users', ['answered_by_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_info_requests_submission_id_submissions'), 'submissions', ['submission_id'], ['id'], ondelete='SET NULL')
        batch_op.create_check_constraint('answered_or_expired', 'answered_at IS NULL OR expired_at IS NULL')
        batch_op.create_check_constraint('answer_has_submission', 'answered_at IS NULL OR submission_id IS NOT NULL')


def _fill_existing_requests():
    """The deadline, in Oslo days, and the answering submission of requests made before."""
    conn = op.get_bind()
    requests = sa.table('info_requests', sa.column('id', sa.Integer()),
                        sa.column('application_id', sa.Integer()),
                        sa.column('requested_at', fund.core.types.UTCDateTime(timezone=True)),
                        sa.column('answered_at', fund.core.types.UTCDateTime(timezone=True)),
                        sa.column('answer_by', sa.Date()),
                        sa.column('submission_id', sa.Integer()))
    submissions = sa.table('submissions', sa.column('id', sa.Integer()),
                           sa.column('application_id', sa.Integer()),
                           sa.column('submitted_at', fund.core.types.UTCDateTime(timezone=True)))
    oslo = ZoneInfo('Europe/Oslo')
    for row in conn.execute(sa.select(requests)).all():
        values = {'answer_by': row.requested_at.astimezone(oslo).date()
                  + timedelta(days=DAYS_TO_ANSWER)}
        if row.answered_at is not None:
            values['submission_id'] = conn.execute(
                sa.select(submissions.c.id).where(
                    submissions.c.application_id == row.application_id,
                    submissions.c.submitted_at >= row.answered_at)
                .order_by(submissions.c.submitted_at).limit(1)).scalar()
            if values['submission_id'] is None:  # cannot be: the answer made one
                values['submission_id'] = conn.execute(
                    sa.select(sa.func.max(submissions.c.id)).where(
                        submissions.c.application_id == row.application_id)).scalar()
        conn.execute(requests.update().where(requests.c.id == row.id).values(**values))


def downgrade():
    with op.batch_alter_table('info_requests', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_info_requests_answer_has_submission'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_info_requests_answered_or_expired'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_info_requests_submission_id_submissions'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_info_requests_answered_by_id_users'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_info_requests_answer_by'))
        batch_op.drop_column('expired_at')
        batch_op.drop_column('submission_id')
        batch_op.drop_column('answered_by_id')
        batch_op.drop_column('reply')
        batch_op.drop_column('answer_by')

    with op.batch_alter_table('eligibility_warnings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_eligibility_warnings_submission_id'))

    op.drop_table('eligibility_warnings')
