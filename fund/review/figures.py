"""Each application's assessment figures, stored (``AssessmentFigures``), so that the
ranking of a call with thousands of applications reads one narrow row per application
instead of aggregating every assessment on every view.

The figures are made again, for the applications concerned, in the very flush that adds,
changes or removes an assessment or a conflict declaration (``after_flush``), on the
flush's own connection: whoever reads them next, in the same transaction or after its
commit, reads what the live computation gives. ``rebuild`` makes them all again, for
loads that write past the ORM (the data generator's COPY) and the CLI."""

from collections.abc import Iterable
from itertools import chain

import click
from flask.cli import with_appcontext
from sqlalchemy import delete, event, insert, select
from sqlalchemy.orm import Session

from fund.applications.models import Application
from fund.extensions import db
from fund.review import scoring
from fund.review.models import (
    Assessment,
    AssessmentFigures,
    AssessmentState,
    ConflictDeclaration,
    assessment_counts,
)

#: Totals are kept in millionths (``scoring.STORED_PLACES`` decimals), so every mean and
#: median is an exact ratio of integers.
MICRO = 10 ** 6
#: The recommendations that come with an amount: a grant, in full or reduced.
GRANTS = frozenset({scoring.Recommendation.APPROVE, scoring.Recommendation.APPROVE_REDUCED})
#: Applications refreshed per statement.
_CHUNK = 500


def micro(value) -> int:
    """A stored total in millionths (PostgreSQL hands back a Decimal, SQLite a float,
    whose six stored decimals are what counts)."""
    if isinstance(value, float):
        return round(value * MICRO)
    return int(value.scaleb(6))


def _middle(values: list[int]) -> tuple[int, int, int]:
    """How many values, and the sum and number of the middle one or two in order (their
    mean is the median)."""
    ordered, n = sorted(values), len(values)
    middle = ordered[(n - 1) // 2: n // 2 + 1]
    return n, sum(middle), len(middle)


def figures_of(assessments: Iterable) -> list[dict]:
    """The rows of ``AssessmentFigures`` for counted assessments, given as
    ``(application_id, total_score, recommended_amount, recommendation)`` in
    application order."""
    by_application: dict[int, list] = {}
    for row in assessments:
        by_application.setdefault(row[0], []).append(row)
    result = []
    for application_id, rows in by_application.items():
        totals = [micro(total) for _id, total, _amount, _said in rows if total is not None]
        said = [scoring.Recommendation(r) for _id, _total, _amount, r in rows if r is not None]
        amounts = [amount for _id, _total, amount, r in rows if amount is not None
                   and r is not None and scoring.Recommendation(r) in GRANTS]
        score_count, score_middle_sum, score_middle_count = _middle(totals)
        amount_count, amount_middle_sum, amount_middle_count = _middle(amounts)
        result.append(dict(
            application_id=application_id, assessments=len(rows), kinds=len(set(said)),
            rejects=said.count(scoring.Recommendation.REJECT),
            score_count=score_count, score_middle_sum=score_middle_sum,
            score_middle_count=score_middle_count, score_sum=sum(totals),
            score_lowest=min(totals, default=0), score_highest=max(totals, default=0),
            amount_count=amount_count, amount_middle_sum=amount_middle_sum,
            amount_middle_count=amount_middle_count))
    return result


def _counted(*where):
    return (select(Assessment.application_id, Assessment.total_score,
                   Assessment.recommended_amount, Assessment.recommendation)
            .where(Assessment.state == AssessmentState.COMPLETED, assessment_counts(), *where)
            .order_by(Assessment.application_id, Assessment.id))


def refresh(connection, application_ids: Iterable[int]) -> None:
    """Make the figures of these applications again from their assessments.

    The applications' rows are locked first (in id order; FOR NO KEY UPDATE, which the
    key-share lock of a new assessment's foreign key does not block; SQLite's writers
    take turns anyway): two caseworkers who complete an assessment of the same application at once
    would otherwise each count only their own, and the second to commit would leave
    figures without the first's. Waiting for the lock, the second reads the first's
    committed assessment (each statement of a READ COMMITTED transaction sees what is
    committed when it starts)."""
    ids = sorted(set(application_ids))
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start:start + _CHUNK]
        connection.execute(select(Application.id).where(Application.id.in_(chunk))
                           .order_by(Application.id).with_for_update(key_share=True))
        rows = figures_of(connection.execute(
            _counted(Assessment.application_id.in_(chunk))))
        connection.execute(delete(AssessmentFigures).where(
            AssessmentFigures.application_id.in_(chunk)))
        if rows:
            connection.execute(insert(AssessmentFigures), rows)


def rebuild(connection) -> int:
    """Make every application's figures again; how many applications have any."""
    rows = figures_of(connection.execute(_counted()))
    connection.execute(delete(AssessmentFigures))
    for start in range(0, len(rows), 5000):
        connection.execute(insert(AssessmentFigures), rows[start:start + 5000])
    return len(rows)


def _refresh_touched(session: Session, _context) -> None:
    """After a flush: the figures of the applications whose assessments or declarations
    it wrote (new, changed or deleted)."""
    ids = {obj.application_id for obj in chain(session.new, session.dirty, session.deleted)
           if isinstance(obj, Assessment | ConflictDeclaration)}
    ids.discard(None)
    if ids:
        refresh(session.connection(), ids)


def install() -> None:
    if not event.contains(Session, "after_flush", _refresh_touched):
        event.listen(Session, "after_flush", _refresh_touched)


install()


@click.command("rebuild-figures")
@with_appcontext
def rebuild_figures_command() -> None:
    """Make every application's stored assessment figures again (after a bulk load)."""
    count = rebuild(db.session.connection())
    db.session.commit()
    click.echo(f"Tallene for {count} søknader med vurderinger er laget på nytt.")
