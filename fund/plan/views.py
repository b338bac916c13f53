from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select

from fund.audit.operations import record
from fund.core.forms import clean_text
from fund.core.http import require
from fund.extensions import db
from fund.plan.forms import MAX_PLAN_FILE, PlanUploadForm
from fund.plan.loader import PlanFileError, find_plan, load_plan, parse_plan
from fund.plan.models import Area, GoalKind, Measure, PlanVersion, Strategy
from fund.plan.permissions import can_manage_plans

bp = Blueprint("plan", __name__, url_prefix="/plan")


@bp.route("/")
@bp.route("/<period>")
def show(period=None):
    plan = find_plan(period)
    if plan is None:
        abort(404)
    others = db.session.execute(
        select(PlanVersion.period, PlanVersion.title).order_by(PlanVersion.period)).all()
    return render_template("plan/show.html", plan=plan, others=others,
                           main_goals=plan.goals_of(GoalKind.MAIN),
                           effect_goals=plan.goals_of(GoalKind.EFFECT))


@bp.route("/admin", methods=["GET", "POST"])
@login_required
def manage():
    require(can_manage_plans(current_user))
    form = PlanUploadForm()
    if form.validate_on_submit():
        raw = form.file.data.read(MAX_PLAN_FILE + 1)
        try:
            plan, changed = load_plan(parse_plan(raw.decode("utf-8")))
        except UnicodeDecodeError:
            form.file.errors.append(_("Filen må være en tekstfil (YAML) i UTF-8."))
        except PlanFileError as exc:
            db.session.rollback()
            form.file.errors.append(_("Filen har ikke riktig format: %(error)s", error=str(exc)))
        else:
            if changed:
                record("plan.loaded", plan, file=clean_text(form.file.data.filename)[:255])
            db.session.commit()
            flash(_("Handlingsplan %(period)s er lastet inn.", period=plan.period) if changed
                  else _("Handlingsplan %(period)s er uendret.", period=plan.period), "success")
            return redirect(url_for("plan.manage"))
    plans = db.session.execute(
        select(PlanVersion, func.count(Measure.id))
        .outerjoin(Area, Area.plan_id == PlanVersion.id)
        .outerjoin(Strategy, Strategy.area_id == Area.id)
        .outerjoin(Measure, Measure.strategy_id == Strategy.id)
        .group_by(PlanVersion.id).order_by(PlanVersion.period)).all()
    return render_template("plan/manage.html", form=form, plans=plans)
