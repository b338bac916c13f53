from flask import abort, render_template
from sqlalchemy import select

from fund.extensions import db
from fund.plan import bp
from fund.plan.loader import plan_query
from fund.plan.models import GoalKind, PlanVersion


@bp.route("/")
@bp.route("/<period>")
def show(period=None):
    query = plan_query()
    if period:
        query = query.where(PlanVersion.period == period)
    else:
        query = query.order_by(PlanVersion.starts_on.desc(), PlanVersion.id.desc()).limit(1)
    plan = db.session.execute(query).scalars().first()
    if plan is None:
        abort(404)
    others = db.session.execute(
        select(PlanVersion.period, PlanVersion.title).order_by(PlanVersion.period)).all()
    return render_template("plan/show.html", plan=plan, others=others,
                           main_goals=plan.goals_of(GoalKind.MAIN),
                           effect_goals=plan.goals_of(GoalKind.EFFECT))
