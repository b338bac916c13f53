"""Pages of the grants domain: the recipient's page per grant (acceptance, payment
requests, the final report, answers to a forhåndsvarsel), and the staff pages that follow
grants up (authority, payments, final report, recovery, repayments, register exports)."""

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from fund.applications.uploads import download_name
from fund.auth.models import User
from fund.core.http import (
    commit,
    flash_errors,
    require,  # noqa: F401
)
from fund.extensions import db
from fund.grants import queries
from fund.grants.forms import FinalReportDecisionForm, FinalReportForm
from fund.grants.labels import FINAL_REPORT_STATE_LABELS, GRANT_STATE_LABELS
from fund.grants.models import FinalReport, FinalReportState, Grant, GrantDocument, GrantState
from fund.grants.operations import (
    REPORT_FIELDS,
    approve_final_report,
    auditor_required,
    final_report_problems,
    read_report_document,
    return_final_report,
    save_final_report,
    settlement_of,
    submit_final_report,
)
from fund.grants.permissions import (
    is_recipient,
    may_decide_final_report,
    may_follow_grant,
    may_write_final_report,
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


@recipient_section
def _final_report_recipient(grant: Grant) -> dict:
    return {"final_report": queries.final_report_of(grant),
            "FINAL_REPORT_STATE_LABELS": FINAL_REPORT_STATE_LABELS,
            "final_report_open": grant.state == GrantState.ACCEPTED}


@staff_section
def _final_report_staff(grant: Grant) -> dict:
    return {"final_report": queries.final_report_of(grant),
            "FINAL_REPORT_STATE_LABELS": FINAL_REPORT_STATE_LABELS}


def _report_form(grant: Grant, report: FinalReport | None, posted: bool) -> FinalReportForm:
    application = grant.application
    measures = queries.confirmed_measures_of(application)
    if posted:
        return FinalReportForm.for_report(application.cost_lines, measures)
    data = {}
    if report is not None:
        data = {name: getattr(report, name) for name in REPORT_FIELDS}
        data |= {f"cost_{line.cost_line_id}": line.amount for line in report.cost_lines}
        data |= {f"measure_{item.measure_id}": item.how for item in report.measures}
    return FinalReportForm.for_report(application.cost_lines, measures, formdata=None,
                                      data=data)


def _render_report_form(grant, report, form, file_errors=(), status=200):
    editable = grant.state == GrantState.ACCEPTED and (
        report is None or report.state in (FinalReportState.DRAFT, FinalReportState.RETURNED))
    return render_template(
        "grants/final_report_form.html", grant=grant, application=grant.application,
        report=report, form=form, editable=editable, file_errors=list(file_errors),
        lines=queries.report_lines(grant, report),
        measures=queries.report_measures(grant, report),
        auditor_required=auditor_required(grant),
        threshold=grant.application.call.auditor_threshold,
        problems=final_report_problems(report) if report is not None and editable else [],
        FINAL_REPORT_STATE_LABELS=FINAL_REPORT_STATE_LABELS), status


@recipient_bp.route("/<int:grant_id>/sluttrapport", methods=["GET", "POST"])
@login_required
def final_report_form(grant_id):
    """The recipient writes the final report: saved as a draft, then sent in."""
    grant = own_grant(grant_id)
    require(may_write_final_report(current_user, grant.application))
    report = queries.final_report_of(grant)
    if request.method == "GET":
        return _render_report_form(grant, report, _report_form(grant, report, False))[0]
    form = _report_form(grant, report, True)
    form.validate()
    if form.csrf_token.errors:
        return _render_report_form(grant, report, form, status=400)
    saved = commit(save_final_report, grant, _actor(), costs=form.costs(),
                   measures=form.measure_texts(), auditor_files=form.auditor_files.data,
                   other_files=form.other_files.data, **form.field_values(), into=form)
    report = queries.final_report_of(grant)
    if not saved:
        return _render_report_form(grant, report, form, status=422)
    file_errors = saved.value[1]
    field_errors = any(field.errors for field in form)
    if field_errors or file_errors:
        flash(_("Det du skrev er lagret, bortsett fra feltene som er merket."), "warning")
        return _render_report_form(grant, report, form, file_errors, status=422)
    if request.form.get("action") == "send":
        sent = commit(submit_final_report, grant, _actor(), into=form,
                      success=_("Sluttrapporten er sendt inn. Du får en bekreftelse på "
                                "e-post."))
        if not sent:
            report = queries.final_report_of(grant)
            return _render_report_form(grant, report, form, status=422)
        return redirect(url_for("grants_recipient.recipient_page", grant_id=grant.id,
                                _anchor="sluttrapport"))
    flash(_("Utkastet til sluttrapport er lagret."), "success")
    return redirect(url_for("grants_recipient.final_report_form", grant_id=grant.id))


def _report_document(report: FinalReport, document_id: int) -> GrantDocument:
    document = db.session.get(GrantDocument, document_id)
    if document is None or document.final_report_id != report.id:
        abort(404)
    return document


def _send_document(document: GrantDocument):
    try:
        path = read_report_document(document, _actor())
    except FileNotFoundError:
        abort(404)
    db.session.commit()
    return send_file(path, mimetype=document.content_type, as_attachment=True,
                     download_name=download_name(document.filename, document.content_type),
                     max_age=0)


@recipient_bp.route("/<int:grant_id>/sluttrapport/dokumenter/<int:document_id>")
@login_required
def final_report_document(grant_id, document_id):
    grant = own_grant(grant_id)
    report = queries.final_report_of(grant) or abort(404)
    return _send_document(_report_document(report, document_id))


def _staff_report(report_id: int) -> FinalReport:
    """A final report for staff who may follow its grant (404 when inhabil)."""
    report = queries.final_report_by_id(report_id) or abort(404)
    staff_grant(report.grant_id)
    return report


@bp.route("/sluttrapporter/<int:report_id>")
@login_required
def final_report_view(report_id):
    """The report beside the application: budget and accounts, expected and realised
    effects, the confirmed measures; and the approval's figures before it is made."""
    report = _staff_report(report_id)
    grant = report.grant
    approved = report.state == FinalReportState.APPROVED
    figures = settlement_of(report)
    return render_template(
        "grants/final_report_staff.html", grant=grant, application=grant.application,
        report=report, lines=queries.report_lines(grant, report),
        measures=queries.report_measures(grant, report), figures=figures,
        recovery_needed=queries.overpaid(grant) if approved else figures.recovery_needed,
        submitted_by=db.session.get(User, report.submitted_by_id)
        if report.submitted_by_id else None,
        auditor_required=auditor_required(grant), form=FinalReportDecisionForm(),
        may_decide=report.state == FinalReportState.SUBMITTED,
        FINAL_REPORT_STATE_LABELS=FINAL_REPORT_STATE_LABELS)


def _decide_report(report_id: int, operation, success: str):
    report = _staff_report(report_id)
    require(may_decide_final_report(current_user, False))
    form = FinalReportDecisionForm()
    if form.validate_on_submit():
        commit(operation, report, _actor(), form.reasons.data or "", success=success)
    else:
        flash_errors(form)
    return redirect(url_for("grants.final_report_view", report_id=report.id))


@bp.route("/sluttrapporter/<int:report_id>/godkjenn", methods=["POST"])
@login_required
def final_report_approve(report_id):
    return _decide_report(report_id, approve_final_report,
                          _("Sluttrapporten er godkjent, og tilskuddet er avsluttet."))


@bp.route("/sluttrapporter/<int:report_id>/send-tilbake", methods=["POST"])
@login_required
def final_report_return(report_id):
    return _decide_report(report_id, return_final_report,
                          _("Sluttrapporten er sendt tilbake til mottakeren."))


@bp.route("/sluttrapporter/<int:report_id>/dokumenter/<int:document_id>")
@login_required
def final_report_staff_document(report_id, document_id):
    report = _staff_report(report_id)
    return _send_document(_report_document(report, document_id))


# --- Recovery ---

# --- Registers ---
