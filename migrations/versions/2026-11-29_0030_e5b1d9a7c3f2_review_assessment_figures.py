"""review: each application's assessment figures, stored (assessment_figures)

Revision ID: e5b1d9a7c3f2
Revises: c4e8a2f61d57
Create Date: 2026-11-29 00:30:00

The ranking of a call aggregated every assessment of the call on every view: 0.5–0.6 s for
a call of 8,000 applications (issue 14). The app now keeps, per application, the sums its
median and mean are made of (fund.review.figures), in the flush that changes an
assessment or a declaration. This makes them for the assessments already there, with the
same arithmetic, frozen here as a migration must be.
"""
from decimal import Decimal

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e5b1d9a7c3f2'
down_revision = 'c4e8a2f61d57'
branch_labels = None
depends_on = None

GRANTS = {"approve", "approve_reduced"}


def _middle(values):
    ordered, n = sorted(values), len(values)
    middle = ordered[(n - 1) // 2: n // 2 + 1]
    return n, sum(middle), len(middle)


def _micro(value):
    if isinstance(value, float):
        return round(value * 10 ** 6)
    return int(Decimal(value).scaleb(6))


def upgrade():
    figures = op.create_table(
        'assessment_figures',
        sa.Column('application_id', sa.Integer(), nullable=False),
        sa.Column('assessments', sa.Integer(), nullable=False),
        sa.Column('kinds', sa.Integer(), nullable=False),
        sa.Column('rejects', sa.Integer(), nullable=False),
        sa.Column('score_count', sa.Integer(), nullable=False),
        sa.Column('score_middle_sum', sa.BigInteger(), nullable=False),
        sa.Column('score_middle_count', sa.Integer(), nullable=False),
        sa.Column('score_sum', sa.BigInteger(), nullable=False),
        sa.Column('score_lowest', sa.BigInteger(), nullable=False),
        sa.Column('score_highest', sa.BigInteger(), nullable=False),
        sa.Column('amount_count', sa.Integer(), nullable=False),
        sa.Column('amount_middle_sum', sa.BigInteger(), nullable=False),
        sa.Column('amount_middle_count', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['application_id'], ['applications.id'],
                                name=op.f('fk_assessment_figures_application_id_applications'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('application_id', name=op.f('pk_assessment_figures')),
    )
    populate(op.get_bind(), figures)


def populate(bind, figures):
    """The figures of every application from its assessments that count: completed, the
    author not declared inhabil (tests/review/test_stored_figures.py checks this against
    the app's own)."""
    rows = bind.execute(sa.text("""
        SELECT a.application_id, a.total_score, a.recommended_amount, a.recommendation
        FROM assessments a
        WHERE a.state = 'completed' AND NOT EXISTS (
            SELECT 1 FROM conflict_declarations d
            WHERE d.application_id = a.application_id AND d.caseworker_id = a.caseworker_id
              AND d.disqualified = :yes)
        ORDER BY a.application_id, a.id"""), {"yes": True})
    by_application = {}
    for row in rows:
        by_application.setdefault(row[0], []).append(row)
    values = []
    for application_id, found in by_application.items():
        totals = [_micro(total) for _a, total, _m, _r in found if total is not None]
        said = [r for _a, _t, _m, r in found if r is not None]
        amounts = [m for _a, _t, m, r in found if m is not None and r in GRANTS]
        score = _middle(totals)
        amount = _middle(amounts)
        values.append(dict(
            application_id=application_id, assessments=len(found), kinds=len(set(said)),
            rejects=said.count("reject"), score_count=score[0], score_middle_sum=score[1],
            score_middle_count=score[2], score_sum=sum(totals),
            score_lowest=min(totals, default=0), score_highest=max(totals, default=0),
            amount_count=amount[0], amount_middle_sum=amount[1],
            amount_middle_count=amount[2]))
    for start in range(0, len(values), 5000):
        bind.execute(figures.insert(), values[start:start + 5000])


def downgrade():
    op.drop_table('assessment_figures')
