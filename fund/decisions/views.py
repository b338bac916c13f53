"""Pages of the decisions domain. Part C (recording decisions, the rate table) writes in
its section, part D (letters, notification, appeals) in its own."""

from datetime import date

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from fund.core.hooks import template_hook
from fund.core.http import commit, flash_errors, require
from fund.core.types import utcnow
from fund.decisions import deminimis
from fund.decisions.forms import (
    AbstentionForm,
    DecisionForm,
    LinkedUndertakingsForm,
    MeetingForm,
    RateForm,
)
from fund.decisions.labels import (
    BODY_LABELS,
    KDD_CATEGORIES,
    OUTCOME_LABELS,
    PROPOSAL_LABELS,
    SECTOR_LABELS,
    STATE_AID_LABELS,
)
from fund.decisions.models import DecisionMeeting, ExchangeRate, StateAidBasis
from fund.decisions.operations import (
    add_abstention,
    budget_room,
    confirm_withdrawn,
    current_decision,
    decision_refusals,
    granted_total,
    record_decision,
    record_meeting,
    set_linked_undertakings,
    set_rate,
)
from fund.decisions.permissions import can_keep_rates, can_record_decisions
from fund.decisions.queries import (
    RECEIVED,
    all_rates,
    call_for_decisions,
    current_decisions,
    de_minimis_position,
    is_decided,
    linked_orgnrs,
    meetings,
    proposals,
    received_applications,
)
from fund.extensions import db
from fund.review.queries import hidden_application_ids, innstilling_of

#: Staff pages: recording vedtak, letters, appeals, exchange rates.
bp = Blueprint("decisions", __name__, url_prefix="/vedtak")
#: The applicant's pages: their decision, letter and appeal.
applicant_bp = Blueprint("decisions_applicant", __name__, url_prefix="/mine-vedtak")


# --- Recording decisions and the rate table (part C) ------------------------------------

def _actor():
    return current_user._get_current_object()


def _staff_call(call_id: int):
    require(can_record_decisions(current_user))
    return call_for_decisions(call_id) or abort(404)


def _staff_application(application_id: int):
    """A received application for a manager who may record decisions; 404 when there is
    none, or when the manager is inhabil in it (it does not exist for them)."""
    from fund.applications.models import Application
    require(can_record_decisions(current_user))
    application = db.session.get(Application, application_id)
    if application is None or application.state not in RECEIVED or \
            application.case_number is None or \
            application.id in hidden_application_ids(current_user, application.call):
        abort(404)
    return application


def _meeting_choices(call) -> list[SelectChoice]:
    return [SelectChoice(str(m.id), f"{BODY_LABELS[m.body]} {m.meeting_date.strftime('%d.%m.%Y')}"
             + (f" ({m.political_case_number})" if m.political_case_number else ""))
            for m in reversed(meetings(call))]


@bp.route("/utlysninger/<int:call_id>")
@login_required
def call_view(call_id):
    """The vedtak of a call: the body's meetings and inhabilitet, and the outcome of every
    received application, with those still lacking one."""
    call = _staff_call(call_id)
    refusals = decision_refusals(call, _actor())
    inhabil = bool(hidden_application_ids(current_user, call))
    received = [] if inhabil else received_applications(call)
    abstention_form = AbstentionForm()
    abstention_form.meeting.choices = _meeting_choices(call)
    abstention_form.application.choices = [
        SelectChoice(str(a.id), f"{a.case_number} {a.organisation.name}") for a in received]
    decisions = current_decisions(call)
    return render_template(
        "decisions/call.html", call=call, refusals=refusals, inhabil=inhabil,
        received=received, decisions=decisions, proposals=proposals(call),
        meetings=[] if inhabil else meetings(call), meeting_form=MeetingForm(),
        abstention_form=abstention_form, innstilling=innstilling_of(call),
        missing=[a for a in received if a.id not in decisions],
        decided=not inhabil and is_decided(call), granted=granted_total(call),
        room=budget_room(call), OUTCOME_LABELS=OUTCOME_LABELS, BODY_LABELS=BODY_LABELS,
        PROPOSAL_LABELS=PROPOSAL_LABELS)


@bp.route("/utlysninger/<int:call_id>/moter", methods=["POST"])
@login_required
def meeting_view(call_id):
    call = _staff_call(call_id)
    form = MeetingForm()
    if form.validate_on_submit():
        commit(record_meeting, call, _actor(), body=form.chosen_body,
               meeting_date=form.meeting_date.data,
               delegation_reference=form.delegation_reference.data or "",
               political_case_number=form.political_case_number.data or "",
               decided_text=form.decided_text.data or "",
               success=_("Møtet er registrert."))
    else:
        flash_errors(form)
    return redirect(url_for("decisions.call_view", call_id=call.id))


@bp.route("/utlysninger/<int:call_id>/inhabilitet", methods=["POST"])
@login_required
def abstention_view(call_id):
    from fund.applications.models import Application
    call = _staff_call(call_id)
    form = AbstentionForm()
    form.meeting.choices = _meeting_choices(call)
    form.application.choices = [SelectChoice(str(a.id), a.case_number)
                                for a in received_applications(call)]
    if form.validate_on_submit():
        meeting = db.session.get(DecisionMeeting, int(form.meeting.data))
        application = db.session.get(Application, int(form.application.data))
        commit(add_abstention, meeting, application, form.member_name.data,
               form.reason.data or "", _actor(), success=_("Inhabiliteten er registrert."))
    else:
        flash_errors(form)
    return redirect(url_for("decisions.call_view", call_id=call.id, _anchor="inhabilitet"))


def _prefilled(application, proposal, meeting_choices, on: date) -> DecisionForm:
    """The decision form as the proposal and the decision date suggest it."""
    organisation = application.organisation
    return DecisionForm(
        formdata=None, meeting=meeting_choices[0].value if meeting_choices else None,
        outcome=proposal.outcome.value if proposal is not None else None,
        amount=proposal.amount if proposal is not None else None,
        reasons=proposal.reason if proposal is not None else "",
        state_aid_basis=StateAidBasis.DE_MINIMIS.value,
        kdd_category=deminimis.suggest_kdd(organisation.founded_on, on,
                                           bool((application.partners or "").strip())) or "")


@bp.route("/soknader/<int:application_id>", methods=["GET", "POST"])
@login_required
def decide_view(application_id):
    """The vedtak on one application, prefilled from the innstilling's proposal, with the
    checks of the decision date: de minimis, excluded sectors, the register."""
    application = _staff_application(application_id)
    call = application.call
    refusals = decision_refusals(call, _actor())
    choices = _meeting_choices(call)
    proposal = proposals(call).get(application.id)
    latest = meetings(call)[-1] if choices else None
    on = latest.meeting_date if latest is not None else utcnow().date()
    if request.method == "POST":
        form = DecisionForm()
        form.meeting.choices = choices
        if form.validate_on_submit():
            meeting = db.session.get(DecisionMeeting, int(form.meeting.data))
            on = meeting.meeting_date
            if commit(record_decision, application, meeting, _actor(),
                      outcome=form.chosen_outcome, amount=form.amount.data,
                      reasons=form.reasons.data or "", conditions=form.conditions.data or "",
                      state_aid_basis=form.chosen_basis,
                      block_exemption_article=form.block_exemption_article.data or "",
                      kdd_category=form.kdd_category.data or None,
                      cap_to_headroom=form.cap_to_headroom.data,
                      sector_confirmed=form.sector_confirmed.data, into=form,
                      success=_("Vedtaket på %(case)s er registrert.",
                                case=application.case_number)):
                return redirect(url_for("decisions.call_view", call_id=call.id))
    else:
        form = _prefilled(application, proposal, choices, on)
        form.meeting.choices = choices
    organisation = application.organisation
    status = 422 if request.method == "POST" else 200
    return render_template(
        "decisions/decide.html", application=application, call=call, form=form,
        refusals=refusals, proposal=proposal, decision=current_decision(application),
        position=de_minimis_position(application, on), on=on,
        sectors=[SECTOR_LABELS[s] for s in deminimis.excluded_sectors(
            organisation.industry_code)],
        kdd_suggestion=deminimis.suggest_kdd(organisation.founded_on, on,
                                             bool((application.partners or "").strip())),
        linked_form=LinkedUndertakingsForm(orgnrs="\n".join(linked_orgnrs(application))),
        register_on=bool(current_app.config.get("BRREG_ENABLED")), room=budget_room(call),
        OUTCOME_LABELS=OUTCOME_LABELS, PROPOSAL_LABELS=PROPOSAL_LABELS,
        STATE_AID_LABELS=STATE_AID_LABELS, KDD_CATEGORIES=KDD_CATEGORIES), status


@bp.route("/soknader/<int:application_id>/foretak", methods=["POST"])
@login_required
def linked_view(application_id):
    application = _staff_application(application_id)
    form = LinkedUndertakingsForm()
    if form.validate_on_submit():
        commit(set_linked_undertakings, application, form.numbers(), _actor(),
               success=_("Foretakene er lagret."))
    else:
        flash_errors(form)
    return redirect(url_for("decisions.decide_view", application_id=application.id,
                            _anchor="bagatellmessig"))


@bp.route("/soknader/<int:application_id>/trukket", methods=["POST"])
@login_required
def withdrawn_view(application_id):
    from fund.review.forms import ConfirmForm
    application = _staff_application(application_id)
    if ConfirmForm().validate_on_submit():
        commit(confirm_withdrawn, application, _actor(),
               success=_("%(case)s er bekreftet trukket.", case=application.case_number))
    return redirect(url_for("decisions.call_view", call_id=application.call_id))


@bp.route("/valutakurser", methods=["GET", "POST"])
@login_required
def rates_view():
    """The NOK/EUR rates a decision converts de minimis aid at: list, add and correct
    (adding a date that has a rate corrects it)."""
    require(can_keep_rates(current_user))
    form = RateForm()
    if form.validate_on_submit():
        existed = db.session.get(ExchangeRate, form.rate_date.data) is not None
        if commit(set_rate, form.rate_date.data, form.nok_per_eur.data,
                  form.source.data or "", _actor(), into=form,
                  success=_("Kursen er rettet.") if existed else _("Kursen er lagt inn.")):
            return redirect(url_for("decisions.rates_view"))
    elif request.method == "GET" and request.args.get("dato"):
        try:
            chosen = date.fromisoformat(request.args["dato"][:10])
        except ValueError:
            chosen = None
        rate = db.session.get(ExchangeRate, chosen) if chosen else None
        if rate is not None:
            form = RateForm(formdata=None, rate_date=rate.rate_date,
                            nok_per_eur=rate.nok_per_eur, source=rate.source)
    return render_template("decisions/rates.html", form=form, rates=all_rates()), \
        422 if form.errors else 200


@template_hook.connect_via("call_manage_panels")
def decisions_panel(_name, call, **_context):
    if not can_record_decisions(current_user) or not call.review_closed:
        return None
    return render_template("decisions/_call_panel.html", call=call,
                           decided=is_decided(call), missing=len(received_applications(call))
                           - len(current_decisions(call)))


# --- Letters, notification and appeals (part D) -----------------------------------------
