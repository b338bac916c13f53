from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from fund.auth.queries import organisations_of
from fund.calls.forms import (
    JOINT,
    CallForm,
    ConfirmForm,
    CriteriaForm,
    ExtendForm,
    MeasuresForm,
)
from fund.calls.models import Call, Fund
from fund.calls.operations import (
    TERM_BOUNDS,
    archive_call,
    create_call,
    create_joint_call,
    extend_deadline,
    joint_calls,
    publish_call,
    publish_problems,
    set_open_measures,
    unpublish_call,
    update_call,
    update_criteria,
)
from fund.calls.permissions import can_manage_calls
from fund.calls.queries import (
    call_for_page,
    current_calls,
    manage_list,
    measures_for_call,
    plan_versions,
)
from fund.core.formatting import from_local, to_local_naive
from fund.core.http import commit, flash_errors, require
from fund.core.roles import Role
from fund.core.types import utcnow

bp = Blueprint("calls", __name__)


@bp.route("/")
def index():
    now = utcnow()
    calls = current_calls(now)
    open_calls = [c for c in calls if c.opens_at <= now]
    upcoming = sorted((c for c in calls if c.opens_at > now), key=lambda c: c.opens_at)
    return render_template("calls/index.html", open_calls=open_calls, upcoming=upcoming,
                           apply_by=_apply_by())


def _apply_by() -> str | None:
    """How «Søk nå» on an open call leads on for the current user: ``login`` (then back
    to the call), ``register`` (an applicant without an organisation registers one
    first), ``start`` (starts an application), or None (staff do not apply)."""
    if not current_user.is_authenticated:
        return "login"
    if current_user.role != Role.APPLICANT:
        return None
    return "start" if organisations_of(current_user) else "register"


def _call_or_404(call_id: int) -> Call:
    call = call_for_page(call_id)
    if call is None:
        abort(404)
    return call


@bp.route("/utlysninger/<int:call_id>")
def call(call_id):
    call = _call_or_404(call_id)
    if call.is_draft and not can_manage_calls(current_user):
        abort(404)  # a draft does not exist outside the managers' pages
    return render_template("calls/call.html", call=call, apply_by=_apply_by())


# The manager's pages ---------------------------------------------------------

@bp.route("/forvaltning/utlysninger")
@login_required
def manage():
    require(can_manage_calls(current_user))
    return render_template("calls/manage.html", calls=manage_list())


def _plan_choices(form: CallForm) -> dict:
    """Fill the plan choices; returns the plans by id."""
    plans = {str(p.id): p for p in plan_versions()}
    form.plan.choices = [SelectChoice(key, f"{p.title} ({p.period})")
                         for key, p in plans.items()]
    return plans


def _call_fields(form: CallForm, plans: dict) -> dict:
    return {
        "year": form.year.data,
        "title": form.title.data.strip(),
        "description": form.description.data or "",
        "opens_at": from_local(form.opens_at.data),
        "closes_at": from_local(form.closes_at.data),
        "max_grant": form.max_grant.data,
        "max_share_percent": form.max_share_percent.data,
        "plan": plans[form.plan.data],
        "expected_decision_on": form.expected_decision_on.data,
        "appeal_reserve": form.appeal_reserve.data or 0,
    } | {name: getattr(form, name).data for name in TERM_BOUNDS
         if getattr(form, name).data is not None}


@bp.route("/forvaltning/utlysninger/ny", methods=["GET", "POST"])
@login_required
def new_call():
    require(can_manage_calls(current_user))
    form = CallForm()
    plans = _plan_choices(form)
    if request.method == "GET":
        form.year.data = utcnow().year + 1
        form.max_share_percent.data = 50
    if form.validate_on_submit():
        fields = _call_fields(form, plans)
        actor = current_user._get_current_object()
        if form.fund.data == JOINT:
            created = commit(create_joint_call, budgets={
                Fund.NAERINGSFOND: form.budget.data, Fund.KLIMAFOND: form.klima_budget.data},
                actor=actor, into=form, success=_created, **fields)
        else:
            created = commit(_create_one, fund=Fund(form.fund.data), budget=form.budget.data,
                             actor=actor, into=form, success=_created, **fields)
        if created:
            return redirect(url_for("calls.criteria", call_id=created.value[0].id))
    return render_template("calls/call_form.html", form=form, call=None)


def _create_one(**fields) -> list[Call]:
    return [create_call(**fields)]


def _created(_calls) -> str:
    return _("Utlysningen er opprettet som et utkast som bare forvalterne ser. Se over "
             "kriteriene, og publiser utlysningen når den er klar.")


@bp.route("/forvaltning/utlysninger/<int:call_id>/rediger", methods=["GET", "POST"])
@login_required
def edit_call(call_id):
    require(can_manage_calls(current_user))
    call = _call_or_404(call_id)
    if not call.is_editable:
        flash(_("Utlysningen er åpnet og kan ikke lenger endres. Fristen kan forlenges."),
              "warning")
        return redirect(url_for("calls.manage_call", call_id=call.id))
    form = CallForm(obj=call, fund=call.fund.value, plan=str(call.plan_id),
                    opens_at=to_local_naive(call.opens_at),
                    closes_at=to_local_naive(call.closes_at))
    form.fund.choices = [c for c in form.fund.choices if c.value == call.fund.value]
    plans = _plan_choices(form)
    if form.validate_on_submit() and commit(
            update_call, call, actor=current_user._get_current_object(),
            budget=form.budget.data, into=form, success=_("Endringene er lagret."),
            **_call_fields(form, plans)):
        return redirect(url_for("calls.manage_call", call_id=call.id))
    return render_template("calls/call_form.html", form=form, call=call)


@bp.route("/forvaltning/utlysninger/<int:call_id>")
@login_required
def manage_call(call_id):
    require(can_manage_calls(current_user))
    call = _call_or_404(call_id)
    return render_template("calls/manage_call.html", call=call,
                           extend_form=ExtendForm(closes_at=to_local_naive(call.closes_at)),
                           confirm_form=ConfirmForm())


@bp.route("/forvaltning/utlysninger/<int:call_id>/publiser", methods=["GET", "POST"])
@login_required
def publish(call_id):
    """Publish a draft: a page that says what happens and what is missing, then the
    manager confirms."""
    require(can_manage_calls(current_user))
    call = _call_or_404(call_id)
    form = ConfirmForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            flash_errors(form)
        elif commit(publish_call, call, actor=current_user._get_current_object(),
                    success=lambda calls: _("Utlysningen er publisert.") if len(calls) == 1
                    else _("Begge utlysningene i den felles utlysningen er publisert.")):
            return redirect(url_for("calls.manage_call", call_id=call.id))
        return redirect(url_for("calls.publish", call_id=call.id))
    calls = joint_calls(call)
    problems = {each.id: publish_problems(each) for each in calls}
    return render_template("calls/publish.html", call=call, calls=calls, problems=problems,
                           ready=not any(problems.values()), form=form, now=utcnow())


@bp.route("/forvaltning/utlysninger/<int:call_id>/avpubliser", methods=["POST"])
@login_required
def unpublish(call_id):
    require(can_manage_calls(current_user))
    call = _call_or_404(call_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        commit(unpublish_call, call, actor=current_user._get_current_object(),
               success=_("Utlysningen er gjort om til et utkast og er ikke lenger synlig for "
                         "søkerne."))
    else:
        flash_errors(form)
    return redirect(url_for("calls.manage_call", call_id=call.id))


@bp.route("/forvaltning/utlysninger/<int:call_id>/frist", methods=["POST"])
@login_required
def extend(call_id):
    require(can_manage_calls(current_user))
    call = _call_or_404(call_id)
    form = ExtendForm()
    if form.validate_on_submit():
        commit(extend_deadline, call, from_local(form.closes_at.data),
               actor=current_user._get_current_object(),
               success=lambda calls: _("Fristen er forlenget.") if len(calls) == 1 else
               _("Fristen er forlenget for begge fondene i den felles utlysningen."))
    else:
        flash_errors(form)
    return redirect(url_for("calls.manage_call", call_id=call.id))


@bp.route("/forvaltning/utlysninger/<int:call_id>/arkiver", methods=["POST"])
@login_required
def archive(call_id):
    require(can_manage_calls(current_user))
    call = _call_or_404(call_id)
    if ConfirmForm().validate_on_submit():
        commit(archive_call, call, actor=current_user._get_current_object(),
               success=_("Utlysningen er arkivert."))
    return redirect(url_for("calls.manage_call", call_id=call.id))


@bp.route("/forvaltning/utlysninger/<int:call_id>/tiltak", methods=["GET", "POST"])
@login_required
def measures(call_id):
    """Which of the plan's measures this call's applicants may choose."""
    require(can_manage_calls(current_user))
    call = _call_or_404(call_id)
    rows = measures_for_call(call)
    form = MeasuresForm(measures=[m.code for m, is_open in rows if is_open])
    editable = call.is_editable
    if editable and form.validate_on_submit() and commit(
            set_open_measures, call, set(form.measures.data or ()),
            actor=current_user._get_current_object(), into=form,
            success=_("Tiltakene for utlysningen er lagret.")):
        return redirect(url_for("calls.measures", call_id=call.id))
    return render_template("calls/measures.html", call=call, rows=rows, form=form,
                           editable=editable)


@bp.route("/forvaltning/utlysninger/<int:call_id>/kriterier", methods=["GET", "POST"])
@login_required
def criteria(call_id):
    require(can_manage_calls(current_user))
    call = _call_or_404(call_id)
    if request.method == "GET":
        form = CriteriaForm(data={"rows": [
            {"id": str(c.id), "title": c.title, "description": c.description,
             "weight": c.weight, "required": c.required, "allow_na": c.allow_na}
            for c in call.criteria] + [{"weight": 0, "required": True}]})
    else:
        form = CriteriaForm()
    if not call.criteria_editable:
        return render_template("calls/criteria.html", call=call, form=None)
    if form.validate_on_submit():
        rows = [{"id": int(r.id.data) if (r.id.data or "").isdigit() else None,
                 "title": r.title.data or "", "description": r.description.data or "",
                 "weight": r.weight.data, "required": r.required.data,
                 "allow_na": r.allow_na.data, "delete": r.delete.data}
                for r in (entry.form for entry in form.rows)]
        if commit(update_criteria, call, rows, actor=current_user._get_current_object(),
                  into=form, success=_("Kriteriene er lagret.")):
            return redirect(url_for("calls.criteria", call_id=call.id))
    return render_template("calls/criteria.html", call=call, form=form)
