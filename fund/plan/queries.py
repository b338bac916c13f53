"""Reads of the plan that views share."""

from sqlalchemy import case, func, select

from fund.extensions import db
from fund.plan.models import Area, Measure, PlanVersion, Strategy


def periods() -> list[tuple[str, str]]:
    """Every loaded period with its title, in order."""
    return list(db.session.execute(
        select(PlanVersion.period, PlanVersion.title).order_by(PlanVersion.period)).all())


def versions_with_measure_counts() -> list[tuple[PlanVersion, int, int]]:
    """Every loaded plan version with how many measures it has, and how many of them are
    open to applicants, for the admin page."""
    return list(db.session.execute(
        select(PlanVersion, func.count(Measure.id),
               func.count(case((Measure.open_to_applicants, Measure.id))))
        .outerjoin(Area, Area.plan_id == PlanVersion.id)
        .outerjoin(Strategy, Strategy.area_id == Area.id)
        .outerjoin(Measure, Measure.strategy_id == Strategy.id)
        .group_by(PlanVersion.id).order_by(PlanVersion.period)).all())
