"""Reads of calls that views and other domains share."""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from fund.calls.models import Call, Criterion
from fund.extensions import db
from fund.plan.models import Area, Measure, Strategy


def current_calls(now: datetime) -> list[Call]:
    """Calls not yet past their deadline and not closed for review, soonest deadline first:
    the SQL twin of ``Call.state_at`` for PLANNED and OPEN."""
    return list(db.session.execute(
        select(Call).where(Call.closes_at > now, Call.review_closed_at.is_(None),
                           Call.archived_at.is_(None))
        .order_by(Call.closes_at, Call.fund)).scalars())


def open_calls(now: datetime) -> list[Call]:
    """Calls that take applications at ``now``."""
    return [call for call in current_calls(now) if call.opens_at <= now]


def call_for_page(call_id: int) -> Call | None:
    """A call with its criteria, their goals and its plan loaded."""
    return db.session.execute(
        select(Call).where(Call.id == call_id)
        .options(selectinload(Call.criteria).selectinload(Criterion.goals),
                 selectinload(Call.plan))).scalar_one_or_none()


def measures_open_to_applicants(call: Call) -> list[Measure]:
    """The measures an applicant to ``call`` may choose from."""
    return list(db.session.execute(
        select(Measure).join(Measure.strategy).join(Strategy.area)
        .where(Area.plan_id == call.plan_id)
        .order_by(Area.position, Strategy.position, Measure.position)).scalars())
