"""Pages of the grants domain: the recipient's page per grant (acceptance, payment
requests, the final report, answers to a forhåndsvarsel), and the staff pages that follow
grants up (authority, payments, final report, recovery, repayments, register exports)."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from fund.core.http import commit, require  # noqa: F401
from fund.core.pdf import pdf_response, read_document
from fund.core.types import utcnow
from fund.decisions.deadlines import oslo_date
from fund.decisions.labels import outcome_label
from fund.decisions.models import DecisionBody
from fund.extensions import db
from fund.grants import queries
from fund.grants.forms import (
    RecoveryAnswerForm,
    RecoveryDecisionForm,
    RecoveryDropForm,
    RecoveryNoticeForm,
    RepaymentForm,
)
from fund.grants.labels import GRANT_STATE_LABELS, RECOVERY_GROUND_LABELS, RECOVERY_STATE_LABELS
from fund.grants.models import Grant, GrantState, Recovery
from fund.grants.operations import (
    answer_recovery,
    decide_recovery,
    drop_recovery,
    notify_recovery,
    record_repayment,
)
from fund.grants.permissions import (
    is_recipient,
    may_follow_grant,
    may_make_recovery,
    may_record_repayment,
)
from fund.review.queries import hidden_application_ids

#: Staff pages.
bp = Blueprint("grants", __name__, url_prefix="/tilskudd")
#: The recipient's pages.
recipient_bp = Blueprint("grants_recipient", __name__, url_prefix="/mine-tilskudd")


def _actor():
    return current_user._get_current_object()


def staff_grant(grant_id: int) -> Grant:
    """A grant for staff who may follow it; 404 when there is none or the reader is
    inhabil in its application."""
    grant = db.session.get(Grant, grant_id)
    if grant is None or not may_follow_grant(
            current_user, grant.application_id in hidden_application_ids(
                current_user, grant.application.call)):
        abort(404)
    return grant


def own_grant(grant_id: int) -> Grant:
    """A grant for a member of the recipient organisation; 404 for anyone else."""
    grant = db.session.get(Grant, grant_id)
    if grant is None or not is_recipient(current_user, grant.application):
        abort(404)
    return grant


# --- The grant pages (shared) ---
# Each section of the two grant pages (acceptance, payments, final report, recovery) is a
# partial template, templates/grants/recipient/_<section>.html and staff/_<section>.html,
# with a context function registered here: ``@recipient_section`` or ``@staff_section``
# on a function of the grant that returns the partial's variables (its forms, say).

_recipient_sections = []
_staff_sections = []


def recipient_section(function):
    _recipient_sections.append(function)
    return function


def staff_section(function):
    _staff_sections.append(function)
    return function


def _page_context(grant: Grant, sections) -> dict:
    context = {"grant": grant, "application": grant.application,
               "money": queries.money_of(grant),
               "decision": queries.current_decision_of(grant),
               "GRANT_STATE_LABELS": GRANT_STATE_LABELS}
    for section in sections:
        context.update(section(grant))
    return context


@recipient_bp.route("/<int:grant_id>")
@login_required
def recipient_page(grant_id):
    """The recipient's page for one grant: the letter, the acceptance, the payments made
    and pending, the next deadline and the final report."""
    grant = own_grant(grant_id)
    return render_template("grants/recipient.html",
                           **_page_context(grant, _recipient_sections))


@bp.route("/<int:grant_id>")
@login_required
def staff_page(grant_id):
    grant = staff_grant(grant_id)
    return render_template("grants/staff.html", **_page_context(grant, _staff_sections))

# --- The recipient's grant page ---

# --- Acceptance ---

# --- Payments ---

# --- Final report ---

# --- Recovery ---


def _recovery_of(grant: Grant, recovery_id: int) -> Recovery:
    recovery = queries.recovery_by_id(recovery_id)
    if recovery is None or recovery.grant_id != grant.id:
        abort(404)
    return recovery


def _recovery_context(grant: Grant) -> dict:
    """What both sides show: the recoveries, their vedtak and the repayments."""
    recoveries = list(grant.recoveries)
    return {"recoveries": recoveries, "open_recovery": queries.open_recovery(grant),
            "repaid_on": {r.id: queries.repaid_on(r) for r in recoveries},
            "RECOVERY_GROUND_LABELS": RECOVERY_GROUND_LABELS,
            "RECOVERY_STATE_LABELS": RECOVERY_STATE_LABELS, "outcome_label": outcome_label,
            "recovery_today": oslo_date(utcnow())}


@recipient_section
def recipient_recovery(grant: Grant) -> dict:
    return {**_recovery_context(grant), "answer_form": RecoveryAnswerForm(prefix="answer")}


@staff_section
def staff_recovery(grant: Grant) -> dict:
    open_recovery = queries.open_recovery(grant)
    money = queries.money_of(grant)
    return {**_recovery_context(grant),
            "may_make_recovery": may_make_recovery(current_user, False),
            "may_record_repayment": may_record_repayment(current_user, False),
            "recovery_may_notify": grant.state in (GrantState.ACCEPTED, GrantState.COMPLETED)
            and open_recovery is None,
            "recovery_in_force": queries.in_force(money),
            "repay_owed": money.paid - money.repaid,
            "notice_form": RecoveryNoticeForm(prefix="notice"),
            "recovery_decision_form": RecoveryDecisionForm(
                prefix="rdecide", meeting_date=oslo_date(utcnow())),
            "drop_form": RecoveryDropForm(prefix="rdrop"),
            "repayment_form": RepaymentForm(prefix="repay", received_on=oslo_date(utcnow()))}


def _staff_page_again(grant: Grant, **forms):
    """The staff page with a form's errors (400)."""
    context = _page_context(grant, _staff_sections)
    context.update(forms)
    return render_template("grants/staff.html", **context), 400


def _recipient_page_again(grant: Grant, **forms):
    context = _page_context(grant, _recipient_sections)
    context.update(forms)
    return render_template("grants/recipient.html", **context), 400


def _to_staff_page(grant: Grant):
    return redirect(url_for("grants.staff_page", grant_id=grant.id, _anchor="recovery"))


@bp.route("/<int:grant_id>/tilbakekreving", methods=["POST"])
@login_required
def recovery_notice(grant_id):
    """The forhåndsvarsel: the first post shows what will be sent for confirmation (it
    cannot be taken back); the confirmed post sends it."""
    grant = staff_grant(grant_id)
    require(may_make_recovery(current_user, False))
    form = RecoveryNoticeForm(prefix="notice")
    if not form.validate_on_submit():
        return _staff_page_again(grant, notice_form=form)
    if form.confirmed.data != "1":
        money = queries.money_of(grant)
        return render_template(
            "grants/recovery_confirm.html", grant=grant, application=grant.application,
            form=form, in_force=queries.in_force(money),
            reclaim=max(money.paid - money.repaid - form.new_amount.data, 0),
            ground_label=RECOVERY_GROUND_LABELS[form.chosen_ground])
    if commit(notify_recovery, grant, _actor(), form.chosen_ground, form.new_amount.data,
              form.notice_text.data, into=form,
              success=_("Forhåndsvarselet er sendt til mottakeren.")):
        return _to_staff_page(grant)
    return _staff_page_again(grant, notice_form=form)


@bp.route("/<int:grant_id>/tilbakekreving/<int:recovery_id>/vedtak", methods=["POST"])
@login_required
def recovery_decision(grant_id, recovery_id):
    grant = staff_grant(grant_id)
    require(may_make_recovery(current_user, False))
    recovery = _recovery_of(grant, recovery_id)
    form = RecoveryDecisionForm(prefix="rdecide")
    if form.validate_on_submit() and commit(
            decide_recovery, recovery, _actor(), form.reasons.data,
            DecisionBody(form.body.data), form.meeting_date.data,
            form.delegation_reference.data or "", form.political_case_number.data or "",
            into=form, success=_("Vedtaket er fattet. Vedtaksbrevet venter på utsending "
                                 "sammen med utlysningens andre brev.")):
        return _to_staff_page(grant)
    return _staff_page_again(grant, recovery_decision_form=form)


@bp.route("/<int:grant_id>/tilbakekreving/<int:recovery_id>/avslutt", methods=["POST"])
@login_required
def recovery_drop(grant_id, recovery_id):
    grant = staff_grant(grant_id)
    require(may_make_recovery(current_user, False))
    recovery = _recovery_of(grant, recovery_id)
    form = RecoveryDropForm(prefix="rdrop")
    if form.validate_on_submit() and commit(
            drop_recovery, recovery, _actor(), form.reason.data, into=form,
            success=_("Saken er avsluttet uten vedtak, og mottakeren har fått beskjed.")):
        return _to_staff_page(grant)
    return _staff_page_again(grant, drop_form=form)


@bp.route("/<int:grant_id>/tilbakebetalinger", methods=["POST"])
@login_required
def repayment(grant_id):
    grant = staff_grant(grant_id)
    require(may_record_repayment(current_user, False))
    form = RepaymentForm(prefix="repay")
    if form.validate_on_submit() and commit(
            record_repayment, grant, _actor(), form.amount.data, form.received_on.data,
            form.note.data or "", into=form,
            success=_("Tilbakebetalingen er ført, og mottakeren har fått kvittering.")):
        return _to_staff_page(grant)
    return _staff_page_again(grant, repayment_form=form)


def _notice_pdf(recovery: Recovery):
    try:
        data = read_document(recovery.notice_stored_name or "")
    except FileNotFoundError:
        abort(404)
    return pdf_response(data, f"forhandsvarsel-{recovery.grant.application.case_number}"
                              f"-{recovery.id}.pdf")


@bp.route("/<int:grant_id>/tilbakekreving/<int:recovery_id>/varsel.pdf")
@login_required
def recovery_notice_pdf(grant_id, recovery_id):
    return _notice_pdf(_recovery_of(staff_grant(grant_id), recovery_id))


@recipient_bp.route("/<int:grant_id>/tilbakekreving/<int:recovery_id>/varsel.pdf")
@login_required
def own_recovery_notice_pdf(grant_id, recovery_id):
    return _notice_pdf(_recovery_of(own_grant(grant_id), recovery_id))


@recipient_bp.route("/<int:grant_id>/tilbakekreving/<int:recovery_id>/svar",
                    methods=["POST"])
@login_required
def recovery_answer(grant_id, recovery_id):
    grant = own_grant(grant_id)
    recovery = _recovery_of(grant, recovery_id)
    form = RecoveryAnswerForm(prefix="answer")
    if form.validate_on_submit() and commit(
            answer_recovery, recovery, _actor(), form.text.data, into=form,
            success=_("Svaret er sendt til kommunen.")):
        flash(_("Du får en bekreftelse på e-post."), "info")
        return redirect(url_for("grants_recipient.recipient_page", grant_id=grant.id,
                                _anchor="recovery"))
    return _recipient_page_again(grant, answer_form=form)


# --- Registers ---
