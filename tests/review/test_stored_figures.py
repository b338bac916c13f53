"""The ranking's stored figures (``AssessmentFigures``, issue 14): kept in the flush that
changes an assessment or a declaration, so the ranking always equals the computation over
the live assessments; made again by the data generator, the CLI and the migration."""

import importlib.util
from decimal import Decimal
from pathlib import Path

from sqlalchemy import delete, select

from fund.core.roles import Role
from fund.core.types import utcnow
from fund.extensions import db as _db
from fund.review import figures
from fund.review.models import (
    Assessment,
    AssessmentFigures,
    AssessmentState,
    ConflictDeclaration,
    ConflictGround,
)
from fund.review.ranking import ranking
from fund.review.scoring import Recommendation
from tests.helpers import make_user
from tests.review.test_ranking_at_scale import python_figures, scored, sql_figures, varied
from tests.test_demo_bulk import generated

__all__ = ["generated", "varied"]  # fixtures


def same_as_live(app, call) -> None:
    with app.test_request_context():
        assert sql_figures(ranking(call)) == python_figures(call)


def stored() -> dict[int, tuple]:
    return {row.application_id: tuple(row) for row in _db.session.execute(
        select(AssessmentFigures.__table__))}


def test_the_stored_figures_follow_every_change(app, varied):
    """A caseworker completes, reopens and rescores; another becomes inhabil after
    assessing, and then not; an assessment is deleted: after each, the ranking is what the
    live assessments give, even before the commit."""
    c = varied
    a, b, g = c.apps["A"], c.apps["B"], c.apps["C"]
    same_as_live(app, c.call)
    newcomer = make_user("ny@example.no", Role.CASEWORKER, name="Ny Saksbehandler")
    scored(g, newcomer, Decimal("12.345678"), 10_000, Recommendation.REJECT)
    _db.session.flush()  # not committed: the ranking in the same transaction sees it
    same_as_live(app, c.call)
    _db.session.commit()
    reopened = _db.session.scalars(select(Assessment).where(
        Assessment.application_id == g.id, Assessment.caseworker_id == newcomer.id)).one()
    reopened.state, reopened.total_score, reopened.completed_at = \
        AssessmentState.DRAFT, None, None
    _db.session.commit()
    same_as_live(app, c.call)
    reopened.state, reopened.total_score, reopened.completed_at = \
        AssessmentState.COMPLETED, Decimal("99.5"), utcnow()
    reopened.recommendation, reopened.recommended_amount = Recommendation.APPROVE, 70_000
    _db.session.commit()
    same_as_live(app, c.call)
    declaration = ConflictDeclaration(application=g, caseworker=newcomer, disqualified=True,
                                      ground=ConflictGround.PARTY)
    _db.session.add(declaration)
    _db.session.commit()
    same_as_live(app, c.call)
    declaration.disqualified, declaration.ground = False, None
    _db.session.commit()
    same_as_live(app, c.call)
    _db.session.delete(_db.session.scalars(select(Assessment).where(
        Assessment.application_id == b.id)).first())
    _db.session.commit()
    same_as_live(app, c.call)
    # every author of Alpha's assessments becomes inhabil: nothing of it counts any more
    authors = set(_db.session.scalars(select(Assessment.caseworker_id).where(
        Assessment.application_id == a.id)))
    declared = set(_db.session.scalars(select(ConflictDeclaration.caseworker_id).where(
        ConflictDeclaration.application_id == a.id)))
    for author in authors - declared:
        _db.session.add(ConflictDeclaration(application=a, caseworker_id=author,
                                            disqualified=True, ground=ConflictGround.PARTY))
    _db.session.commit()
    same_as_live(app, c.call)
    assert a.id not in stored()


def test_generated_data_ranks_as_the_live_assessments(app, generated):
    """The generator writes past the ORM (COPY, executemany) and rebuilds the figures:
    every call ranks as the live computation does."""
    from fund.calls.models import Call
    calls = _db.session.scalars(select(Call)).all()
    assert stored()
    for call in calls:
        same_as_live(app, call)


def test_the_command_and_the_migration_make_the_same_figures(app, generated):
    before = stored()
    assert len(before) > 10
    _db.session.execute(delete(AssessmentFigures))
    _db.session.commit()
    result = app.test_cli_runner().invoke(args=["rebuild-figures"])
    assert result.exit_code == 0 and f"Tallene for {len(before)} søknader" in result.output
    assert stored() == before
    path = next(Path(__file__).parents[2].glob("migrations/versions/*_e5b1d9a7c3f2_*.py"))
    spec = importlib.util.spec_from_file_location("figures_migration", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    _db.session.execute(delete(AssessmentFigures))
    migration.populate(_db.session.connection(), AssessmentFigures.__table__)
    assert stored() == before


def test_figures_of_takes_the_middle_one_or_two():
    rows = [(1, Decimal("10"), 100, "approve"), (1, Decimal("30"), 300, "approve_reduced"),
            (1, Decimal("20"), None, "reject"), (1, None, 50, "reject"),
            (2, Decimal("0.000001"), 7, "approve"), (2, Decimal("0.000003"), 8, "approve")]
    one, two = figures.figures_of(rows)
    assert one == dict(application_id=1, assessments=4, kinds=3, rejects=2, score_count=3,
                       score_middle_sum=20_000_000, score_middle_count=1,
                       score_sum=60_000_000, score_lowest=10_000_000,
                       score_highest=30_000_000, amount_count=2, amount_middle_sum=400,
                       amount_middle_count=2)
    assert (two["score_middle_sum"], two["score_middle_count"], two["amount_middle_sum"]) \
        == (4, 2, 15)
