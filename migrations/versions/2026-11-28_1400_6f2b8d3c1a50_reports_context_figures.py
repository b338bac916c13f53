"""reports: context figures entered by hand (NHO Kommune-NM, SSB) for the evaluation

Revision ID: 6f2b8d3c1a50
Revises: 5e7a1c2b9d40
Create Date: 2026-11-28 14:00:00

For the yearly evaluation (LAW.md §5.2, «External (municipality level)»): one figure per
year and kind, with its source, entered by a fondsforvalter.
"""
from alembic import op
import sqlalchemy as sa

import fund.core.types  # noqa: F401 (custom column types)


# revision identifiers, used by Alembic.
revision = '6f2b8d3c1a50'
down_revision = '5e7a1c2b9d40'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('context_figures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('nho_kommune_nm', 'ssb_knowledge_jobs', 'ssb_higher_education', name='context_kind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('value', sa.Numeric(precision=10, scale=1), nullable=False),
    sa.Column('source', sa.String(length=200), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', fund.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('year BETWEEN 2000 AND 2100', name=op.f('ck_context_figures_year_in_range')),
    sa.CheckConstraint('value >= 0', name=op.f('ck_context_figures_value_not_negative')),
    sa.CheckConstraint("kind <> 'nho_kommune_nm' OR value >= 1", name=op.f('ck_context_figures_rank_from_one')),
    sa.CheckConstraint("kind <> 'ssb_higher_education' OR value <= 100", name=op.f('ck_context_figures_percent_at_most_100')),
    sa.CheckConstraint("trim(source) <> ''", name=op.f('ck_context_figures_source_given')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_context_figures_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_context_figures')),
    sa.UniqueConstraint('year', 'kind', name=op.f('uq_context_figures_year_kind'))
    )


def downgrade():
    op.drop_table('context_figures')
