"""applications: structured effects, explicit states

Revision ID: 8b1c0a5e0002
Revises: 8a1c0a5e0001
Create Date: 2026-11-28 03:00:00

Education partners and international cooperation become yes/no questions with the
partners named in the existing text; rows that name partners today answer yes. The
database now ties the draft state to the absence of a case number and a submission time,
refuses negative attachment sizes, and indexes the caseworkers' queue (call, state,
submitted_at).
"""
from alembic import op
import sqlalchemy as sa

import fund.core.types  # noqa: F401 (custom column types)


# revision identifiers, used by Alembic.
revision = '8b1c0a5e0002'
down_revision = '8a1c0a5e0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('has_education_partners', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('has_international_cooperation', sa.Boolean(),
                                      nullable=False, server_default=sa.false()))

    applications = sa.table('applications',
                            sa.column('education_partners', sa.Text()),
                            sa.column('international', sa.Text()),
                            sa.column('has_education_partners', sa.Boolean()),
                            sa.column('has_international_cooperation', sa.Boolean()))
    op.execute(applications.update()
               .where(sa.func.trim(applications.c.education_partners) != '')
               .values(has_education_partners=True))
    op.execute(applications.update()
               .where(sa.func.trim(applications.c.international) != '')
               .values(has_international_cooperation=True))

    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.create_check_constraint(
            'case_number_iff_submitted', "(state = 'draft') = (case_number IS NULL)")
        batch_op.create_check_constraint(
            'submitted_at_iff_submitted', "(state = 'draft') = (submitted_at IS NULL)")
        batch_op.create_index('ix_applications_call_state_submitted',
                              ['call_id', 'state', 'submitted_at'], unique=False)

    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.create_check_constraint('size_not_negative', 'size >= 0')


def downgrade():
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_attachments_size_not_negative'), type_='check')

    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.drop_index('ix_applications_call_state_submitted')
        batch_op.drop_constraint(op.f('ck_applications_submitted_at_iff_submitted'),
                                 type_='check')
        batch_op.drop_constraint(op.f('ck_applications_case_number_iff_submitted'),
                                 type_='check')
        batch_op.drop_column('has_international_cooperation')
        batch_op.drop_column('has_education_partners')
