"""applications: «Mine søknader»'s index (issue 14)

Revision ID: f3a9c1d2b7e6
Revises: e5b1d7a20c94
Create Date: 2026-11-29 09:00:00

An organisation's applications in the dashboard's order: what waits for the applicant
first, then last changed first. A page read 1,205 rows and sorted them for the applicant
with the most; the first page reads 50 index entries now (page n, 50 × n). A member of
several organisations still has theirs sorted. The expression is the query's own text
(fund.applications.models.DASHBOARD_ORDER). PostgreSQL only: SQLite cannot reflect an
index on an expression (`flask db check` warns), and its databases are small.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f3a9c1d2b7e6'
down_revision = 'e5b1d7a20c94'
branch_labels = None
depends_on = None

ORDER = ("(CASE WHEN state = 'info_requested' THEN 0 WHEN state = 'draft' THEN 1 "
         "ELSE 2 END)")


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.create_index("ix_applications_dashboard", "applications",
                        ["organisation_id", sa.text(ORDER), sa.text("updated_at DESC"),
                         sa.text("id DESC")])


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_applications_dashboard", table_name="applications")
