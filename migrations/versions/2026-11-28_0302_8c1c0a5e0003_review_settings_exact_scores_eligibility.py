"""review: settings off the call, exact scores, stored eligibility results

Revision ID: 8c1c0a5e0003
Revises: 8b1c0a5e0002
Create Date: 2026-11-28 03:00:00

- review_settings (one row per call) takes the call's score_aggregate, blind_review,
  disagreement_threshold, funding_line and funding_line_reason; every call's values are
  copied, then the columns are dropped from calls.
- assessments.total_score keeps the exact weighted total (six decimals, was two), and
  CHECKs tie the state to completed_at, total_score and recommendation.
- applications.eligibility_failures (indexed): the rules broken at submission. Existing
  submitted applications keep NULL (unknown): the rules are Python over the application,
  its organisation and the configuration, not SQL; they are counted at their next
  submission.
- criteria UNIQUE (call_id, position) is not added: calls.operations.update_criteria
  renumbers the kept criteria before the removed ones are deleted, in one flush, and the
  constraint would refuse removing a criterion.
"""
from alembic import op
import sqlalchemy as sa

import fund.core.types  # noqa: F401 (custom column types)


# revision identifiers, used by Alembic.
revision = '8c1c0a5e0003'
down_revision = '8b1c0a5e0002'
branch_labels = None
depends_on = None

SETTINGS = ('score_aggregate', 'blind_review', 'disagreement_threshold', 'funding_line',
            'funding_line_reason')


def _aggregate():
    return sa.Enum('median', 'mean', name='score_aggregate', native_enum=False,
                   create_constraint=True, length=20)


def upgrade():
    op.create_table('review_settings',
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('score_aggregate', _aggregate(), nullable=False),
    sa.Column('blind_review', sa.Boolean(), nullable=False),
    sa.Column('disagreement_threshold', sa.Integer(), nullable=False),
    sa.Column('funding_line', sa.Integer(), nullable=True),
    sa.Column('funding_line_reason', sa.Text(), nullable=False),
    sa.CheckConstraint('disagreement_threshold BETWEEN 0 AND 100', name=op.f('ck_review_settings_threshold_is_points')),
    sa.CheckConstraint('funding_line IS NULL OR funding_line >= 0', name=op.f('ck_review_settings_funding_line_not_negative')),
    sa.CheckConstraint("funding_line IS NULL OR funding_line_reason <> ''", name=op.f('ck_review_settings_funding_line_has_reason')),
    sa.ForeignKeyConstraint(['call_id'], ['calls.id'], name=op.f('fk_review_settings_call_id_calls'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('call_id', name=op.f('pk_review_settings'))
    )
    # A manual line without a reason could not be saved through the page; should one
    # exist, it keeps the line with a placeholder reason rather than failing the upgrade.
    op.execute("""
        INSERT INTO review_settings (call_id, score_aggregate, blind_review,
                                     disagreement_threshold, funding_line, funding_line_reason)
        SELECT id, score_aggregate, blind_review,
               CASE WHEN disagreement_threshold < 0 THEN 0
                    WHEN disagreement_threshold > 100 THEN 100
                    ELSE disagreement_threshold END,
               CASE WHEN funding_line < 0 THEN NULL ELSE funding_line END,
               CASE WHEN funding_line >= 0 AND funding_line_reason = '' THEN '-'
                    WHEN funding_line IS NULL OR funding_line < 0 THEN ''
                    ELSE funding_line_reason END
        FROM calls
    """)
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_calls_score_aggregate'), type_='check')
        for name in reversed(SETTINGS):
            batch_op.drop_column(name)

    with op.batch_alter_table('assessments', schema=None) as batch_op:
        batch_op.alter_column('total_score', existing_type=sa.Numeric(precision=5, scale=2),
                              type_=sa.Numeric(precision=9, scale=6), existing_nullable=True)
        batch_op.create_check_constraint(
            'completed_at_iff_completed', "(state = 'completed') = (completed_at IS NOT NULL)")
        batch_op.create_check_constraint(
            'total_only_when_completed', "state = 'completed' OR total_score IS NULL")
        batch_op.create_check_constraint(
            'recommendation_when_completed',
            "state <> 'completed' OR recommendation IS NOT NULL")

    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('eligibility_failures', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_applications_eligibility_failures'),
                              ['eligibility_failures'], unique=False)


def downgrade():
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_applications_eligibility_failures'))
        batch_op.drop_column('eligibility_failures')

    with op.batch_alter_table('assessments', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_assessments_recommendation_when_completed'),
                                 type_='check')
        batch_op.drop_constraint(batch_op.f('ck_assessments_total_only_when_completed'),
                                 type_='check')
        batch_op.drop_constraint(batch_op.f('ck_assessments_completed_at_iff_completed'),
                                 type_='check')
        batch_op.alter_column('total_score', existing_type=sa.Numeric(precision=9, scale=6),
                              type_=sa.Numeric(precision=5, scale=2), existing_nullable=True)

    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.add_column(sa.Column('score_aggregate', _aggregate(), nullable=False,
                                      server_default='median'))
        batch_op.add_column(sa.Column('blind_review', sa.Boolean(), nullable=False,
                                      server_default=sa.true()))
        batch_op.add_column(sa.Column('disagreement_threshold', sa.Integer(), nullable=False,
                                      server_default='20'))
        batch_op.add_column(sa.Column('funding_line', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('funding_line_reason', sa.Text(), nullable=False,
                                      server_default=''))
    for name in SETTINGS:
        op.execute(f"UPDATE calls SET {name} = (SELECT review_settings.{name} "
                   f"FROM review_settings WHERE review_settings.call_id = calls.id) "
                   f"WHERE id IN (SELECT call_id FROM review_settings)")
    op.drop_table('review_settings')
