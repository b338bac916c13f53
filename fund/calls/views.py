from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms.fields.choices import SelectChoice

from fund.calls.forms import (
    JOINT,
    CallForm,
    ConfirmForm,
    CriteriaForm,
    ExtendForm,
)
from fund.calls.models import Call, CallState, Fund
from fund.calls.operations import (
    CallError,
    archive_call,
    create_call,
    create_joint_call,
    extend_deadline,
    update_call,
    update_criteria,
)
from fund.calls.permissions import can_manage_calls
from fund.calls.queries import call_for_page, current_calls
from fund.core.formatting import from_local, to_local_naive
from fund.core.http import flash_errors, require
from fund.core.types import utcnow
from fund.extensions import db
from fund.plan.models import PlanVersion

bp = Blueprint("calls", __name__)


@bp.route("/")
def index():
    now = utcnow()
    calls = current_calls(now)
    open_calls = [c for c in calls if c.opens_at <= now]
    upcoming = sorted((c for c in calls if c.opens_at > now), key=lambda c: c.opens_at)
    return render_template("calls/index.html", open_calls=open_calls, upcoming=upcoming)


def _call_or_404(call_id: int) -> Call:
    call = call_for_page(call_id)
    if call is None:
        abort(404)
    return call


@bp.route("/utlysninger/<int:call_id>")
def call(call_id):
    return render_template("calls/call.html", call=_call_or_404(call_id))


# The manager's pages ---------------------------------------------------------

@bp.route("/forvaltning/utlysninger")
@login_required
def manage():
    require(can_manage_calls(current_user))
    calls = db.session.execute(
        select(Call).options(selectinload(Call.plan))
        .order_by(Call.year.desc(), Call.opens_at.desc(), Call.fund)).scalars().all()
    return render_template("calls/manage.html", calls=calls)


def _plan_choices(form: CallForm) -> None:
    plans = db.session.execute(
        select(PlanVersion).order_by(PlanVersion.starts_on.desc(), PlanVersion.id.desc())
    ).scalars().all()
    form.plan.choices = [SelectChoice(str(p.id), f"{p.title} ({p.period})") for p in plans]


def _call_fields(form: CallForm) -> dict:
    return {
        "year": form.year.data,
        "title": form.title.data.strip(),
        "description": form.description.data or "",
        "opens_at": from_local(form.opens_at.data),
        "closes_at": from_local(form.closes_at.data),
        "max_grant": form.max_grant.data,
        "max_share_percent": form.max_share_percent.data,
        "plan": db.session.get(PlanVersion, int(form.plan.data)),
    }


@bp.route("/forvaltning/utlysninger/ny", methods=["GET", "POST"])
@login_required
def new_call():
    require(can_manage_calls(current_user))
    form = CallForm()
    _plan_choices(form)
    if request.method == "GET":
        form.year.data = utcnow().year + 1
        form.max_share_percent.data = 50
    if form.validate_on_submit():
        fields = _call_fields(form)
        actor = current_user._get_current_object()
        try:
            if form.fund.data == JOINT:
                calls = create_joint_call(
                    budgets={Fund.NAERINGSFOND: form.budget.data,
                             Fund.KLIMAFOND: form.klima_budget.data}, actor=actor, **fields)
            else:
                calls = [create_call(fund=Fund(form.fund.data), budget=form.budget.data,
                                     actor=actor, **fields)]
        except CallError as exc:
            db.session.rollback()
            form.form_errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("Utlysningen er opprettet. Se over kriteriene før den åpner."), "success")
            return redirect(url_for("calls.criteria", call_id=calls[0].id))
    return render_template("calls/call_form.html", form=form, call=None)


@bp.route("/forvaltning/utlysninger/<int:call_id>/rediger", methods=["GET", "POST"])
@login_required
def edit_call(call_id):
    require(can_manage_calls(current_user))
    call = _call_or_404(call_id)
    if call.state != CallState.PLANNED:
        flash(_("Utlysningen er åpnet og kan ikke lenger endres. Fristen kan forlenges."),
              "warning")
        return redirect(url_for("calls.manage_call", call_id=call.id))
    form = CallForm(obj=call, fund=call.fund.value, plan=str(call.plan_id),
                    opens_at=to_local_naive(call.opens_at),
                    closes_at=to_local_naive(call.closes_at))
    form.fund.choices = [c for c in form.fund.choices if c.value == call.fund.value]
    _plan_choices(form)
    if form.validate_on_submit():
        try:
            update_call(call, actor=current_user._get_current_object(), budget=form.budget.data,
                        **_call_fields(form))
        except CallError as exc:
            db.session.rollback()
            form.form_errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("Endringene er lagret."), "success")
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


def _act(call_id, operation, message):
    require(can_manage_calls(current_user))
    call = _call_or_404(call_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            operation(call, actor=current_user._get_current_object())
        except CallError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
        else:
            db.session.commit()
            flash(message, "success")
    return redirect(url_for("calls.manage_call", call_id=call.id))


@bp.route("/forvaltning/utlysninger/<int:call_id>/frist", methods=["POST"])
@login_required
def extend(call_id):
    require(can_manage_calls(current_user))
    call = _call_or_404(call_id)
    form = ExtendForm()
    if form.validate_on_submit():
        try:
            calls = extend_deadline(call, from_local(form.closes_at.data),
                                    actor=current_user._get_current_object())
        except CallError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
        else:
            db.session.commit()
            flash(_("Fristen er forlenget.") if len(calls) == 1 else
                  _("Fristen er forlenget for begge fondene i den felles utlysningen."),
                  "success")
    else:
        flash_errors(form)
    return redirect(url_for("calls.manage_call", call_id=call.id))


@bp.route("/forvaltning/utlysninger/<int:call_id>/arkiver", methods=["POST"])
@login_required
def archive(call_id):
    return _act(call_id, archive_call, _("Utlysningen er arkivert."))


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
        try:
            update_criteria(call, rows, actor=current_user._get_current_object())
        except CallError as exc:
            db.session.rollback()
            form.form_errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("Kriteriene er lagret."), "success")
            return redirect(url_for("calls.criteria", call_id=call.id))
    return render_template("calls/criteria.html", call=call, form=form)
