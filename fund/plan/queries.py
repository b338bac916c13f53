"""Reads of the plan that views share."""

from sqlalchemy import case, func, select

from fund.core.signals import plan_versions_in_current_calls
from fund.core.types import utcnow
from fund.extensions import db
from fund.plan.loader import find_plan
from fund.plan.models import Area, Measure, PlanVersion, Strategy


def periods() -> list[tuple[str, str]]:
    """Every published period with its title, in order."""
    return list(db.session.execute(
        select(PlanVersion.period, PlanVersion.title)
        .where(PlanVersion.published_at.is_not(None)).order_by(PlanVersion.period)).all())


def plan_to_show(period: str | None, drafts: bool = False) -> PlanVersion | None:
    """The plan a page shows, with its tree: that of ``period`` (a draft only if
    ``drafts``: the administrator's preview), or by default the one applicants need: the
    plan of the call open now (else of the next call to open), else the newest published
    plan."""
    if period:
        return find_plan(period, drafts=drafts)
    for _receiver, plan_ids in plan_versions_in_current_calls.send(utcnow()):
        for plan_id in plan_ids or ():
            period_of = db.session.scalar(select(PlanVersion.period).where(
                PlanVersion.id == plan_id, PlanVersion.published_at.is_not(None)))
            if period_of:
                return find_plan(period_of)
    return find_plan()


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


def draft_plan(period: str) -> PlanVersion | None:
    """The unpublished plan of ``period``, if there is one."""
    return db.session.execute(select(PlanVersion).where(
        PlanVersion.period == period, PlanVersion.published_at.is_(None))).scalar_one_or_none()
