"""The plan the demo calls refer to, and its political priorities (``flask demo``)."""

from sqlalchemy import select

from fund.extensions import db
from fund.plan.loader import DATA_DIR, load_plan, read_plan_file
from fund.plan.models import PlanVersion
from fund.plan.operations import set_priorities

#: The political priority of each innsatsområde in the demo (percent of the fund).
DEMO_PRIORITIES = {"1": 30, "2": 30, "3": 15, "4": 10, "5": 15}


def demo_plan(created: list[str]) -> PlanVersion:
    plan = db.session.execute(select(PlanVersion).order_by(PlanVersion.id).limit(1)).scalar()
    if plan is None:
        plan, _ = load_plan(read_plan_file(DATA_DIR / "handlingsplan-2022-2024.yaml"))
        created.append(f"handlingsplan {plan.period}")
    return plan


def demo_priorities(plan: PlanVersion, created: list[str]) -> None:
    """Set the plan's political priorities, unless some are set already."""
    if any(area.priority_percent is not None for area in plan.areas):
        return
    set_priorities(plan, {area.id: DEMO_PRIORITIES[area.code] for area in plan.areas
                          if area.code in DEMO_PRIORITIES})
    created.append(f"politisk prioritering for {plan.period}")
