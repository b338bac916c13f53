"""Pages of the decisions domain: recording the deciding body's vedtak and the rate table,
then the letters, their sending, and appeals (staff and applicant)."""

from datetime import date

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from markupsafe import Markup
from wtforms.fields.choices import SelectChoice

from fund.applications.models import Application
from fund.calls.models import Call
from fund.core.hooks import render_fragment
from fund.core.http import commit, flash_errors, require
from fund.core.pdf import pdf_response, read_document
from fund.core.signals import template_hook
from fund.core.types import utcnow
from fund.decisions import deminimis, queries
from fund.decisions.deadlines import appeal_deadline, appeal_in_time, oslo_date
from fund.decisions.forms import (
    AbstentionForm,
    AppealForm,
    AppealOutcomeForm,
    ConfirmForm,
    DecisionForm,
    ForwardForm,
    LinkedUndertakingsForm,
    MeetingForm,
    RateForm,
    ReverseForm,
)
from fund.decisions.labels import (
    APPEAL_STATE_LABELS,
    BODY_LABELS,
    KDD_CATEGORIES,
    OUTCOME_LABELS,
    PROPOSAL_LABELS,
    SECTOR_LABELS,
    STATE_AID_LABELS,
    outcome_label,
)
from fund.decisions.models import (
    Appeal,
    DecisionBody,
    DecisionMeeting,
    ExchangeRate,
    Letter,
    LetterKind,
    StateAidBasis,
)
from fund.decisions.operations import (
    add_abstention,
    confirm_withdrawn,
    decision_refusals,
    forward_appeal,
    record_appeal_outcome,
    record_decision,
    record_meeting,
    register_appeal,
    reverse_decision,
    send_letters,
    set_linked_undertakings,
    set_rate,
    stage_letters,
)
from fund.decisions.permissions import (
    can_handle_letters,
    can_keep_rates,
    can_record_decisions,
    may_handle_appeal,
    may_read_case_letters,
    may_see_decision,
    may_send_letters,
)
from fund.decisions.queries import (
    RECEIVED,
    all_decided,
    all_rates,
    budget_room,
    call_for_decisions,
    current_decision,
    current_decisions,
    de_minimis_position,
    granted_total,
    linked_orgnrs,
    meetings,
    proposals,
    received_applications,
    sent_letter,
)
from fund.extensions import db
from fund.review.models import Outcome
from fund.review.permissions import is_case_handler
from fund.review.queries import hidden_application_ids, innstilling_of

#: Staff pages: recording vedtak, letters, appeals, exchange rates.
bp = Blueprint("decisions", __name__, url_prefix="/vedtak")
#: The applicant's pages: their decision, letter and appeal.
applicant_bp = Blueprint("decisions_applicant", __name__, url_prefix="/mine-vedtak")
#: ``outcome_label(decision)`` in templates: a recovery vedtak reads «Tilskuddet er redusert».
bp.add_app_template_global(outcome_label, "outcome_label")


# --- Recording decisions and the rate table ------------------------------------

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
        decided=not inhabil and all_decided(received, decisions), granted=granted_total(call),
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
        may_keep_rates=can_keep_rates(current_user),
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
    received, decisions = received_applications(call), current_decisions(call)
    return render_template("decisions/_call_panel.html", call=call,
                           decided=all_decided(received, decisions),
                           missing=sum(1 for a in received if a.id not in decisions))


# --- Letters, notification and appeals -----------------------------------------


def _actor():
    return current_user._get_current_object()


def _call(call_id: int) -> Call:
    return db.session.get(Call, call_id) or abort(404)


def _pdf(letter: Letter):
    try:
        data = read_document(letter.stored_name)
    except FileNotFoundError:
        abort(404)
    kind = "vedtak" if letter.kind == LetterKind.DECISION else "forelopig-svar"
    return pdf_response(data, f"{kind}-{letter.application.case_number}-{letter.id}.pdf")


@bp.route("/utlysninger/<int:call_id>/brev", methods=["GET", "POST"])
@login_required
def letters(call_id):
    """The call's vedtak and their letters: stage the letters, read them, send them."""
    require(can_handle_letters(current_user))
    call = _call(call_id)
    page = queries.letters_page(call, current_user)
    may_send = may_send_letters(current_user, page.hidden > 0)
    if request.method == "POST":
        if not may_send:
            flash(_("Du er inhabil i en av søknadene i utlysningen og kan ikke lage eller "
                    "sende brevene."), "warning")
        elif ConfirmForm().validate_on_submit():
            commit(stage_letters, call, _actor(), success=lambda staged: ngettext(
                "%(num)s vedtaksbrev er laget og venter på utsending.",
                "%(num)s vedtaksbrev er laget og venter på utsending.", len(staged)))
        return redirect(url_for("decisions.letters", call_id=call.id))
    return render_template("decisions/letters.html", page=page, call=call, may_send=may_send,
                           form=ConfirmForm(), OUTCOME_LABELS=OUTCOME_LABELS,
                           APPEAL_STATE_LABELS=APPEAL_STATE_LABELS)


@bp.route("/utlysninger/<int:call_id>/send", methods=["GET", "POST"])
@login_required
def send(call_id):
    """Send every staged letter of the call in one action, after a confirmation."""
    require(can_handle_letters(current_user))
    call = _call(call_id)
    page = queries.letters_page(call, current_user)
    may_send = may_send_letters(current_user, page.hidden > 0)
    form = ConfirmForm()
    if request.method == "POST":
        if not may_send:
            flash(_("Du er inhabil i en av søknadene i utlysningen og kan ikke sende "
                    "brevene."), "warning")
        elif form.validate_on_submit() and commit(
                send_letters, call, _actor(), success=lambda sent: ngettext(
                    "%(num)s vedtaksbrev er sendt.", "%(num)s vedtaksbrev er sendt.",
                    len(sent))):
            return redirect(url_for("decisions.letters", call_id=call.id))
        return redirect(url_for("decisions.send", call_id=call.id))
    return render_template("decisions/send.html", call=call, page=page, may_send=may_send,
                           form=form, OUTCOME_LABELS=OUTCOME_LABELS,
                           deadline=appeal_deadline(oslo_date(utcnow())))


@bp.route("/brev/<int:letter_id>.pdf")
@login_required
def letter_pdf(letter_id):
    """A letter as staff read it (staged or sent); 404 for one who is inhabil."""
    require(is_case_handler(current_user))
    letter = queries.letter_by_id(letter_id) or abort(404)
    if not may_read_case_letters(current_user,
                                 queries.is_inhabil(current_user, letter.application)):
        abort(404)
    return _pdf(letter)


def _appeal(appeal_id: int) -> Appeal:
    require(is_case_handler(current_user))
    appeal = queries.appeal_by_id(appeal_id) or abort(404)
    if not may_read_case_letters(current_user,
                                 queries.is_inhabil(current_user, appeal.decision.application)):
        abort(404)
    return appeal


def _reverse_form(appeal: Appeal) -> ReverseForm:
    old = appeal.decision
    return ReverseForm(
        body=old.meeting.body.value if old.meeting else DecisionBody.KOMMUNEDIREKTOR.value,
        delegation_reference=old.meeting.delegation_reference if old.meeting else "",
        meeting_date=oslo_date(utcnow()), outcome=Outcome.GRANTED.value,
        amount=old.application.amount_applied, conditions=old.conditions,
        state_aid_basis=(old.state_aid_basis or StateAidBasis.DE_MINIMIS).value,
        block_exemption_article=old.block_exemption_article,
        kdd_category=old.kdd_category or deminimis.suggest_kdd(
            old.application.organisation.founded_on, oslo_date(utcnow()),
            bool((old.application.partners or "").strip())) or "")


def _render_appeal(appeal, reverse_form=None, forward_form=None, outcome_form=None,
                   status=200):
    application = appeal.decision.application
    return render_template(
        "decisions/appeal.html", appeal=appeal, application=application,
        may_handle=may_handle_appeal(current_user, False),
        reverse_form=reverse_form or _reverse_form(appeal),
        forward_form=forward_form or ForwardForm(),
        outcome_form=outcome_form or AppealOutcomeForm(),
        reserve=queries.reserve_of(application.call), OUTCOME_LABELS=OUTCOME_LABELS,
        APPEAL_STATE_LABELS=APPEAL_STATE_LABELS), status


@bp.route("/klager/<int:appeal_id>")
@login_required
def appeal(appeal_id):
    return _render_appeal(_appeal(appeal_id))[0]


@bp.route("/klager/<int:appeal_id>/omgjor", methods=["POST"])
@login_required
def reverse(appeal_id):
    appeal = _appeal(appeal_id)
    require(can_handle_letters(current_user))
    form = ReverseForm()
    if form.validate_on_submit() and commit(
            reverse_decision, appeal, _actor(), into=form, body=DecisionBody(form.body.data),
            meeting_date=form.meeting_date.data, outcome=Outcome(form.outcome.data),
            amount=form.amount.data, reasons=form.reasons.data,
            conditions=form.conditions.data or "", assessment=form.assessment.data or "",
            delegation_reference=form.delegation_reference.data or "",
            political_case_number=form.political_case_number.data or "",
            state_aid_basis=form.chosen_basis,
            block_exemption_article=form.block_exemption_article.data or "",
            kdd_category=form.kdd_category.data or None,
            cap_to_headroom=form.cap_to_headroom.data,
            sector_confirmed=form.sector_confirmed.data,
            success=_("Vedtaket er omgjort. Det nye vedtaksbrevet venter på utsending.")):
        return redirect(url_for("decisions.appeal", appeal_id=appeal.id))
    return _render_appeal(appeal, reverse_form=form, status=400)


@bp.route("/klager/<int:appeal_id>/oversend", methods=["POST"])
@login_required
def forward(appeal_id):
    appeal = _appeal(appeal_id)
    require(can_handle_letters(current_user))
    form = ForwardForm()
    if form.validate_on_submit() and commit(
            forward_appeal, appeal, _actor(), form.assessment.data, into=form,
            success=_("Klagen er sendt til klageinstansen, og søkeren har fått beskjed.")):
        return redirect(url_for("decisions.appeal", appeal_id=appeal.id))
    return _render_appeal(appeal, forward_form=form, status=400)


@bp.route("/klager/<int:appeal_id>/klageinstans", methods=["POST"])
@login_required
def appeal_outcome(appeal_id):
    appeal = _appeal(appeal_id)
    require(can_handle_letters(current_user))
    form = AppealOutcomeForm()
    if form.validate_on_submit() and commit(
            record_appeal_outcome, appeal, _actor(), form.outcome.data, form.decided_on.data,
            into=form, success=_("Klageinstansens avgjørelse er ført.")):
        return redirect(url_for("decisions.appeal", appeal_id=appeal.id))
    return _render_appeal(appeal, outcome_form=form, status=400)


# The applicant's side ----------------------------------------------------------------------

def _own_application(application_id: int) -> Application:
    application = db.session.get(Application, application_id)
    if application is None or not may_see_decision(current_user, application):
        abort(404)
    return application


@applicant_bp.route("/soknader/<int:application_id>/brev/<int:letter_id>.pdf")
@login_required
def own_letter_pdf(application_id, letter_id):
    """A letter sent to the applicant; nothing before it is sent, 404 for others."""
    application = _own_application(application_id)
    letter = queries.letter_by_id(letter_id)
    if letter is None or letter.application_id != application.id or not letter.is_sent:
        abort(404)
    return _pdf(letter)


@applicant_bp.route("/soknader/<int:application_id>/klage", methods=["GET", "POST"])
@login_required
def appeal_form(application_id):
    """The applicant's klage on the sent vedtak."""
    application = _own_application(application_id)
    view = queries.applicant_view(application)
    if not view.can_appeal:
        flash(_("Det er ikke noe vedtak å klage på nå.") if view.decision is None else
              _("Du har allerede klaget på dette vedtaket, og klagen er under behandling."),
              "info")
        return redirect(url_for("applications.edit", application_id=application.id))
    form = AppealForm()
    if form.validate_on_submit():
        made = commit(register_appeal, application, _actor(), form.text.data, into=form)
        if made:
            flash(_("Klagen er mottatt. Du får en bekreftelse på e-post.") if made.value.in_time
                  else _("Klagen er mottatt, men etter klagefristen. Den blir likevel "
                         "vurdert. Du får en bekreftelse på e-post."),
                  "success" if made.value.in_time else "warning")
            return redirect(url_for("applications.edit", application_id=application.id))
    letter = sent_letter(view.decision)
    late = not appeal_in_time(utcnow(), letter.appeal_deadline)
    return render_template("decisions/appeal_form.html", application=application, form=form,
                           decision=view.decision, letter=letter, late=late,
                           OUTCOME_LABELS=OUTCOME_LABELS,
                           appeal_body=current_app.config["APPEAL_BODY"])


# Panels in other domains' pages -------------------------------------------------------------

@template_hook.connect_via("application_page_panels")
def applicant_panel(_name, application, **_context):
    if not may_see_decision(current_user, application):
        return None
    view = queries.applicant_view(application)
    if not view.letters and not view.appeals:
        return None
    return render_template("decisions/_applicant_panel.html", application=application,
                           view=view, OUTCOME_LABELS=OUTCOME_LABELS,
                           APPEAL_STATE_LABELS=APPEAL_STATE_LABELS)


@template_hook.connect_via("application_status")
def applicant_status(_name, application, **_context):
    """Once the vedtak is sent, the application's status is its outcome."""
    if not current_user.is_authenticated:
        return None
    decision = queries.notified_decisions(current_user).get(application.id)
    if decision is None:
        return None
    return Markup('<span class="ds-tag" data-color="{}">{}</span>').format(
        "success" if decision.is_grant else "neutral", outcome_label(decision))


@template_hook.connect_via("application_dashboard_rows")
def dashboard_rows(_name, rows, **_context):
    """«Mine søknader»: the vedtak under each application it is sent for (the user's
    own notified decisions on the page's applications, read once for all)."""
    if not current_user.is_authenticated:
        return None
    decisions = queries.notified_decisions(current_user, among=tuple(a.id for a in rows))
    return {a.id: render_fragment("decisions/_dashboard_row.html", application=a,
                                  decision=decisions[a.id], OUTCOME_LABELS=OUTCOME_LABELS)
            for a in rows if a.id in decisions}


@template_hook.connect_via("case_page_panels")
def case_panel(_name, application, **_context):
    if not is_case_handler(current_user) or not may_read_case_letters(
            current_user, queries.is_inhabil(current_user, application)):
        return None
    decisions, case_letters, appeals = queries.case_view(application)
    if not decisions:
        return None
    return render_template("decisions/_case_panel.html", application=application,
                           decisions=decisions, letters=case_letters, appeals=appeals,
                           OUTCOME_LABELS=OUTCOME_LABELS,
                           APPEAL_STATE_LABELS=APPEAL_STATE_LABELS)


@template_hook.connect_via("call_manage_panels")
def call_panel(_name, call, **_context):
    if not can_handle_letters(current_user) or call.review_closed_at is None:
        return None
    return render_template("decisions/_letters_panel.html", call=call,
                           reserve=queries.reserve_of(call))
