"""The plan the demo calls refer to (``flask demo``)."""

from sqlalchemy import select

from fund.extensions import db
from fund.plan.loader import DATA_DIR, load_plan, read_plan_file
from fund.plan.models import PlanVersion


def demo_plan(created: list[str]) -> PlanVersion:
    plan = db.session.execute(select(PlanVersion).order_by(PlanVersion.id).limit(1)).scalar()
    if plan is None:
        plan, _ = load_plan(read_plan_file(DATA_DIR / "handlingsplan-2022-2024.yaml"))
        created.append(f"handlingsplan {plan.period}")
    return plan
