"""applications and review: exemption requests, archive reference, conflict grounds and substitutes

Revision ID: 901c0a5e0007
Revises: 8f1c0a5e0006
Create Date: 2026-11-28 06:02:00

- confidential_fields becomes exemption_requests (the applicant's request for exemption
  from public access, not a decision). Rows are copied; a request for the public summary
  is dropped (it is published and can never be exempt), and a CHECK now refuses one.
- cost_lines, financing_lines and attachments take exemption_reason (the applicant's
  request for that line or file; NULL: not asked).
- applications.archive_reference: the archive's saksnummer («Vår referanse»).
- access_requests and exemption_assessments: access requests (innsyn) and the
  municipality's own assessment per item.
- conflict_declarations: the grounds foster, cohabitant and advised are allowed;
  advised_applicant, revised_at and left_assignment are added. Stored values are kept:
  'spouse' now means married/engaged (§ 6 første ledd c); an old 'spouse' declaration may
  have meant samboer, which the old label named wrongly (still inhabil either way).
- assignments.substitute_for_id: the inhabil caseworker a substitute replaced (§ 9).
"""
import sqlalchemy as sa
from alembic import op

import fund.core.types  # noqa: F401 (custom column types)


# revision identifiers, used by Alembic.
revision = '901c0a5e0007'
down_revision = '8f1c0a5e0006'
branch_labels = None
depends_on = None

OLD_GROUNDS = ('party', 'family', 'spouse', 'guardian', 'board', 'member', 'other')
NEW_GROUNDS = ('party', 'family', 'spouse', 'foster', 'guardian', 'board', 'member',
               'cohabitant', 'advised', 'other')


def _grounds(values) -> str:
    return "ground IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def upgrade():
    op.create_table('exemption_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('field', sa.String(length=50), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.CheckConstraint("field <> 'summary'", name=op.f('ck_exemption_requests_summary_is_public')),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_exemption_requests_application_id_applications'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exemption_requests')),
    sa.UniqueConstraint('application_id', 'field', name=op.f('uq_exemption_requests_application_id_field'))
    )
    with op.batch_alter_table('exemption_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exemption_requests_application_id'), ['application_id'], unique=False)
    op.execute("""
        INSERT INTO exemption_requests (id, application_id, field, reason)
        SELECT id, application_id, field, reason FROM confidential_fields
        WHERE field <> 'summary'
    """)
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("SELECT setval(pg_get_serial_sequence('exemption_requests', 'id'), "
                   "COALESCE((SELECT MAX(id) FROM exemption_requests), 0) + 1, false)")
    with op.batch_alter_table('confidential_fields', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_confidential_fields_application_id'))
    op.drop_table('confidential_fields')

    for table in ('cost_lines', 'financing_lines', 'attachments'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('exemption_reason', sa.Text(), nullable=True))

    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('archive_reference', sa.String(length=20), nullable=True))

    op.create_table('access_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('requested_by', sa.String(length=200), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', fund.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_access_requests_application_id_applications'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_access_requests_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_access_requests'))
    )
    with op.batch_alter_table('access_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_access_requests_application_id'), ['application_id'], unique=False)

    op.create_table('exemption_assessments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('access_request_id', sa.Integer(), nullable=False),
    sa.Column('item_kind', sa.Enum('field', 'attachment', 'cost_line', 'financing_line', name='exemption_item_kind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('item_ref', sa.String(length=50), nullable=False),
    sa.Column('item_label', sa.String(length=500), nullable=False),
    sa.Column('applicant_requested', sa.Boolean(), nullable=False),
    sa.Column('outcome', sa.Enum('exempt', 'released', name='exemption_outcome', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('legal_basis', sa.String(length=300), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('assessed_by_id', sa.Integer(), nullable=False),
    sa.Column('assessed_at', fund.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("outcome <> 'exempt' OR legal_basis <> ''", name=op.f('ck_exemption_assessments_legal_basis_when_exempt')),
    sa.CheckConstraint("reason <> ''", name=op.f('ck_exemption_assessments_has_reason')),
    sa.ForeignKeyConstraint(['access_request_id'], ['access_requests.id'], name=op.f('fk_exemption_assessments_access_request_id_access_requests'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['assessed_by_id'], ['users.id'], name=op.f('fk_exemption_assessments_assessed_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exemption_assessments')),
    sa.UniqueConstraint('access_request_id', 'item_kind', 'item_ref', name=op.f('uq_exemption_assessments_access_request_id_item_kind_item_ref'))
    )
    with op.batch_alter_table('exemption_assessments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exemption_assessments_access_request_id'), ['access_request_id'], unique=False)

    with op.batch_alter_table('conflict_declarations', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_conflict_declarations_conflict_ground'), type_='check')
        batch_op.create_check_constraint('conflict_ground', _grounds(NEW_GROUNDS))
        batch_op.add_column(sa.Column('advised_applicant', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('revised_at', fund.core.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('left_assignment', sa.Boolean(), nullable=False, server_default=sa.false()))

    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('substitute_for_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_assignments_substitute_for_id_users'), 'users', ['substitute_for_id'], ['id'])


def downgrade():
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_assignments_substitute_for_id_users'), type_='foreignkey')
        batch_op.drop_column('substitute_for_id')

    # The new grounds are inhabil on other § 6 grounds; the old schema files them as 'other'.
    op.execute("UPDATE conflict_declarations SET ground = 'other' "
               "WHERE ground IN ('foster', 'cohabitant', 'advised')")
    with op.batch_alter_table('conflict_declarations', schema=None) as batch_op:
        batch_op.drop_column('left_assignment')
        batch_op.drop_column('revised_at')
        batch_op.drop_column('advised_applicant')
        batch_op.drop_constraint(batch_op.f('ck_conflict_declarations_conflict_ground'), type_='check')
        batch_op.create_check_constraint('conflict_ground', _grounds(OLD_GROUNDS))

    with op.batch_alter_table('exemption_assessments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exemption_assessments_access_request_id'))
    op.drop_table('exemption_assessments')
    with op.batch_alter_table('access_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_access_requests_application_id'))
    op.drop_table('access_requests')

    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.drop_column('archive_reference')
    for table in ('attachments', 'financing_lines', 'cost_lines'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('exemption_reason')

    op.create_table('confidential_fields',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('field', sa.String(length=50), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_confidential_fields_application_id_applications'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_confidential_fields')),
    sa.UniqueConstraint('application_id', 'field', name=op.f('uq_confidential_fields_application_id_field'))
    )
    with op.batch_alter_table('confidential_fields', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_confidential_fields_application_id'), ['application_id'], unique=False)
    op.execute("""
        INSERT INTO confidential_fields (id, application_id, field, reason)
        SELECT id, application_id, field, reason FROM exemption_requests
    """)
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("SELECT setval(pg_get_serial_sequence('confidential_fields', 'id'), "
                   "COALESCE((SELECT MAX(id) FROM confidential_fields), 0) + 1, false)")
    with op.batch_alter_table('exemption_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exemption_requests_application_id'))
    op.drop_table('exemption_requests')
