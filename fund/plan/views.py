from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from fund.core.forms import Form
from fund.core.http import commit, flash_errors, require
from fund.plan.forms import MAX_PLAN_FILE, PlanUploadForm, build_priorities_form
from fund.plan.loader import find_plan
from fund.plan.models import GoalKind
from fund.plan.operations import delete_draft_plan, load_upload, publish_plan, set_priorities
from fund.plan.permissions import can_manage_plans, can_set_priorities
from fund.plan.queries import draft_plan, periods, plan_to_show, versions_with_measure_counts

bp = Blueprint("plan", __name__, url_prefix="/plan")


@bp.route("/")
@bp.route("/<period>")
def show(period=None):
    """The published plan (by default the one the open call uses); an administrator
    also sees a draft here, as a preview."""
    plan = plan_to_show(period, drafts=can_manage_plans(current_user))
    if plan is None:
        abort(404)
    return render_template("plan/show.html", plan=plan, others=periods(),
                           main_goals=plan.goals_of(GoalKind.MAIN),
                           effect_goals=plan.goals_of(GoalKind.EFFECT))


def _loaded(result) -> str:
    plan, changed = result
    if not changed:
        return _("Handlingsplan %(period)s er uendret.", period=plan.period)
    return _("Handlingsplan %(period)s er lastet inn som et utkast. Forhåndsvis den, og "
             "publiser den når den er klar. Til da viser nettstedet den publiserte planen.",
             period=plan.period)


@bp.route("/admin", methods=["GET", "POST"])
@login_required
def manage():
    require(can_manage_plans(current_user))
    form = PlanUploadForm()
    if form.validate_on_submit() and commit(
            load_upload, form.file.data.read(MAX_PLAN_FILE + 1), form.file.data.filename,
            into=form.file, success=_loaded):
        return redirect(url_for("plan.manage"))
    return render_template("plan/manage.html", form=form, plans=versions_with_measure_counts(),
                           confirm_form=Form())


def _draft_or_404(period: str):
    plan = draft_plan(period)
    if plan is None:
        abort(404)
    return plan


@bp.route("/<period>/publiser", methods=["GET", "POST"])
@login_required
def publish(period):
    """Publish a draft plan: a page that says what happens, then the administrator
    confirms."""
    require(can_manage_plans(current_user))
    plan = _draft_or_404(period)
    form = Form()
    if request.method == "POST":
        if not form.validate_on_submit():
            flash_errors(form)
        elif commit(publish_plan, plan, success=_("Handlingsplan %(period)s er publisert.",
                                                   period=plan.period)):
            return redirect(url_for("plan.manage"))
        return redirect(url_for("plan.publish", period=plan.period))
    return render_template("plan/confirm.html", plan=plan, form=form, action="publish",
                           shown=plan_to_show(None))


@bp.route("/<period>/slett", methods=["GET", "POST"])
@login_required
def delete(period):
    """Delete a draft plan, after a page that asks."""
    require(can_manage_plans(current_user))
    plan = _draft_or_404(period)
    form = Form()
    if request.method == "POST":
        if not form.validate_on_submit():
            flash_errors(form)
        elif commit(delete_draft_plan, plan, success=lambda deleted: _(
                "Utkastet til handlingsplan %(period)s er slettet.", period=deleted)):
            return redirect(url_for("plan.manage"))
        return redirect(url_for("plan.delete", period=plan.period))
    return render_template("plan/confirm.html", plan=plan, form=form, action="delete",
                           shown=None)


def _priorities_saved(changed) -> str:
    return _("Den politiske prioriteringen er lagret.") if changed \
        else _("Den politiske prioriteringen er uendret.")


@bp.route("/<period>/prioritering", methods=["GET", "POST"])
@login_required
def priorities(period):
    """The political priority of each innsatsområde: the share of the fund (percent) the
    politicians want to go to it, for the yearly evaluation (LAW.md §5.2)."""
    require(can_set_priorities(current_user))
    plan = find_plan(period, with_tree=False, drafts=True)
    if plan is None:
        abort(404)
    form = build_priorities_form(plan.areas)
    if form.validate_on_submit() and commit(set_priorities, plan, form.priorities(),
                                            into=form, success=_priorities_saved):
        return redirect(url_for("plan.priorities", period=plan.period))
    return render_template("plan/priorities.html", plan=plan, form=form,
                           fields=[(area, form[f"area-{area.id}"]) for area in plan.areas])
