"""applications: the caseworkers' queue's indexes (its sorts, over received applications;
the disqualified declarations)

Revision ID: c4e8a2f61d57
Revises: b7c2e9d41a33
Create Date: 2026-11-28 21:30:00

The queue sorts received applications (those with a case number) by submission time,
amount, title, or within one call by submission time. Without an index that fits, every
page sorted the whole table; a deep page sorted every row before it (issue 14). What a
reader is inhabil in (every queue page) read all of the caseworker's declarations to find
the few disqualified ones.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4e8a2f61d57'
down_revision = 'b7c2e9d41a33'
branch_labels = None
depends_on = None

RECEIVED = sa.text("case_number IS NOT NULL")
INDEXES = {
    # with the call and the rule count, for the fund and «vilkår» filters
    "ix_applications_received_submitted": ["submitted_at", "id", "call_id",
                                           "eligibility_failures"],
    "ix_applications_received_amount": ["amount_applied", "id"],
    "ix_applications_received_title": ["title", "id"],
    "ix_applications_received_call": ["call_id", "submitted_at", "id"],
}


def upgrade():
    for name, columns in INDEXES.items():
        op.create_index(name, "applications", columns, unique=False,
                        postgresql_where=RECEIVED, sqlite_where=RECEIVED)
    op.create_index("ix_conflict_declarations_disqualified", "conflict_declarations",
                    ["caseworker_id", "application_id"], unique=False,
                    postgresql_where=sa.text("disqualified IS TRUE"),
                    sqlite_where=sa.text("disqualified IS 1"))


def downgrade():
    op.drop_index("ix_conflict_declarations_disqualified", table_name="conflict_declarations")
    for name in INDEXES:
        op.drop_index(name, table_name="applications")
