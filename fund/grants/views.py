"""Pages of the grants domain: the recipient's page per grant (acceptance, payment
requests, the final report, answers to a forhåndsvarsel), and the staff pages that follow
grants up (authority, payments, final report, recovery, repayments, register exports)."""

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from stdnum.no import kontonr

from fund.applications.labels import COST_CATEGORY_LABELS
from fund.applications.uploads import download_name
from fund.auth.models import User, format_bank_account
from fund.calls.models import Call
from fund.core.hooks import render_fragment
from fund.core.http import (
    commit,  # noqa: F401
    flash_errors,  # noqa: F401
    int_arg,  # noqa: F401
    require,  # noqa: F401
    writes,  # noqa: F401
)
from fund.core.pdf import pdf_response, read_document
from fund.core.signals import template_hook
from fund.core.types import utcnow
from fund.decisions.deadlines import oslo_date
from fund.decisions.labels import outcome_label
from fund.decisions.models import DecisionBody
from fund.extensions import db
from fund.grants import operations, queries
from fund.grants.forms import (
    AcceptGrantForm,
    FinalReportDecisionForm,
    FinalReportForm,
    PaidForm,
    PaymentDecisionForm,
    PaymentRequestForm,
    RecoveryAnswerForm,
    RecoveryDecisionForm,
    RecoveryDropForm,
    RecoveryNoticeForm,
    RegisterExportForm,
    RegisterReferenceForm,
    RepaymentForm,
    VerifyAuthorityForm,
)
from fund.grants.labels import (
    AUTHORITY_LABELS,
    FINAL_REPORT_STATE_LABELS,
    GRANT_STATE_LABELS,
    PAYMENT_STATE_LABELS,
    RECOVERY_GROUND_LABELS,
    RECOVERY_STATE_LABELS,
)
from fund.grants.models import (
    AuthorityCheck,
    FinalReport,
    FinalReportState,
    Grant,
    GrantDocument,
    GrantState,
    PaymentRequest,
    Recovery,
    RegisterExport,
    RegisterKind,
)
from fund.grants.operations import (
    REPORT_FIELDS,
    AuthorityRefused,
    GrantLapsed,
    accept_grant,
    answer_recovery,
    approve_final_report,
    auditor_required,
    decide_payment,
    decide_recovery,
    drop_recovery,
    final_report_problems,
    lapse_due,
    lapse_if_due,
    notify_recovery,
    payment_account_problem,
    payment_request_refusal,
    read_grant_document,
    record_paid,
    record_repayment,
    request_payment,
    return_final_report,
    save_final_report,
    settlement_of,
    submit_final_report,
    verify_authority,
)
from fund.grants.permissions import (
    can_list_call_grants,
    can_report_to_registers,
    is_recipient,
    may_accept_grant,
    may_decide_final_report,
    may_follow_grant,
    may_make_recovery,
    may_record_repayment,
    may_verify_authority,
    may_write_final_report,
)
from fund.review.permissions import is_case_handler
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

_PAGES = ("grants.staff_page", "grants_recipient.recipient_page")


@bp.before_request
@recipient_bp.before_request
def lapse_when_opened():
    """A grant page shows an overdue tilsagn as lapsed without waiting for the nightly
    ``flask grants lapse``: the lapse is made (by the system) before the page is read."""
    grant_id = (request.view_args or {}).get("grant_id")
    if request.endpoint not in _PAGES or grant_id is None \
            or not current_user.is_authenticated:
        return
    now = utcnow()
    grant = db.session.get(Grant, grant_id)
    if grant is None or not lapse_due(grant, now):
        return
    db.session.rollback()  # begin again as a writer (SQLite takes the write lock first)
    g.writes = True
    grant = db.session.get(Grant, grant_id)
    if lapse_if_due(grant, now):
        db.session.commit()


@recipient_section
def acceptance_section(grant: Grant) -> dict:
    form = g.get("accept_form")
    if form is None:
        form = AcceptGrantForm(formdata=None, acceptor_name=current_user.name)
    return {"acceptance_form": form, "acceptance_letter": queries.tilsagn_letter(grant),
            "acceptance_deadline": queries.next_deadline(grant),
            "acceptance_register_on": bool(current_app.config.get("BRREG_ENABLED")),
            "acceptance_account": format_bank_account(grant.bank_account),
            "AUTHORITY_LABELS": AUTHORITY_LABELS, "AuthorityCheck": AuthorityCheck}


@staff_section
def acceptance_staff_section(grant: Grant) -> dict:
    inhabil = grant.application_id in hidden_application_ids(current_user,
                                                              grant.application.call)
    return {"verify_form": g.get("verify_form") or VerifyAuthorityForm(formdata=None),
            "may_verify": may_verify_authority(current_user, inhabil)
            and queries.awaits_authority_check(grant),
            "acceptance_deadline": queries.next_deadline(grant),
            "acceptance_account": format_bank_account(grant.bank_account),
            "AUTHORITY_LABELS": AUTHORITY_LABELS, "AuthorityCheck": AuthorityCheck}


def _accepted_message(acceptance) -> str:
    if acceptance.grant.authority == AuthorityCheck.REGISTER:
        return _("Tilsagnet er akseptert. Rollen din er kontrollert mot Enhetsregisteret.")
    return _("Tilsagnet er akseptert. Saksbehandleren kontrollerer at du kan forplikte "
             "organisasjonen.") + (" " + acceptance.register_note
                                   if acceptance.register_note else "")


@recipient_bp.route("/<int:grant_id>/aksept", methods=["POST"])
@login_required
def accept(grant_id):
    """The recipient accepts the tilsagn."""
    grant = own_grant(grant_id)
    require(may_accept_grant(current_user, grant.application))
    form = AcceptGrantForm()
    if form.validate_on_submit():
        outcome = commit(accept_grant, grant, _actor(), form.acceptor_name.data,
                         form.acceptor_role.data, keep=(GrantLapsed, AuthorityRefused),
                         into=lambda exc: None if isinstance(exc, GrantLapsed) else form,
                         success=_accepted_message)
        if outcome or isinstance(outcome.error, GrantLapsed):
            return redirect(url_for("grants_recipient.recipient_page", grant_id=grant.id))
    g.accept_form = form
    grant = db.session.get(Grant, grant_id)
    return render_template("grants/recipient.html",
                           **_page_context(grant, _recipient_sections)), 422


@bp.route("/<int:grant_id>/fullmakt", methods=["POST"])
@login_required
def verify(grant_id):
    """A caseworker verifies (or rejects) the acceptor's stated authority."""
    grant = staff_grant(grant_id)
    require(may_verify_authority(current_user, False))
    form = VerifyAuthorityForm()
    if form.validate_on_submit():
        verified = form.verdict.data == "verified"
        if commit(verify_authority, grant, _actor(), verified, form.note.data or "",
                  into=form, success=_("Fullmakten er kontrollert.") if verified
                  else _("Aksepten er opphevet, og organisasjonen har fått beskjed.")):
            return redirect(url_for("grants.staff_page", grant_id=grant.id))
    g.verify_form = form
    grant = db.session.get(Grant, grant_id)
    return render_template("grants/staff.html",
                           **_page_context(grant, _staff_sections)), 422


@bp.route("/utlysninger/<int:call_id>")
@login_required
def call_grants(call_id):
    """A call's grants for staff: state, amount, paid, next deadline, and what waits."""
    require(can_list_call_grants(current_user))
    call = db.session.get(Call, call_id) or abort(404)
    rows = queries.call_grant_rows(call.id, hidden_application_ids(current_user, call))
    return render_template("grants/acceptance_call.html", call=call, rows=rows,
                           GRANT_STATE_LABELS=GRANT_STATE_LABELS)


@template_hook.connect_via("call_manage_panels")
def grants_call_panel(_name, call, **_context):
    if not can_list_call_grants(current_user) or not queries.call_has_grants(call.id):
        return None
    return render_template("grants/acceptance_call_panel.html", call=call)


@template_hook.connect_via("application_page_panels")
def grants_applicant_panel(_name, application, **_context):
    if not is_recipient(current_user, application):
        return None
    grant = queries.grant_of(application)
    if grant is None:
        return None
    return render_template("grants/acceptance_panel.html", grant=grant,
                           deadline=queries.next_deadline(grant),
                           url=url_for("grants_recipient.recipient_page", grant_id=grant.id),
                           GRANT_STATE_LABELS=GRANT_STATE_LABELS)


@template_hook.connect_via("application_dashboard_rows")
def grants_dashboard_rows(_name, rows, **_context):
    """«Mine søknader»: the way on from a granted application to its grant page (the
    page's grants read once for all its rows)."""
    if not current_user.is_authenticated:
        return None
    grants = queries.own_grants(current_user, among=tuple(a.id for a in rows))
    return {a.id: render_fragment("grants/dashboard_row.html", grant=grants[a.id],
                                  deadline=queries.next_deadline(grants[a.id]),
                                  GRANT_STATE_LABELS=GRANT_STATE_LABELS)
            for a in rows if a.id in grants}


@template_hook.connect_via("case_page_panels")
def grants_case_panel(_name, application, **_context):
    if not is_case_handler(current_user):
        return None
    grant = queries.grant_of(application)
    if grant is None or not may_follow_grant(
            current_user, application.id in hidden_application_ids(current_user,
                                                                    application.call)):
        return None
    return render_template("grants/acceptance_panel.html", grant=grant,
                           deadline=queries.next_deadline(grant),
                           url=url_for("grants.staff_page", grant_id=grant.id),
                           staff=True, to_verify=queries.awaits_authority_check(grant),
                           GRANT_STATE_LABELS=GRANT_STATE_LABELS)


# --- Payments ---


@recipient_section
def recipient_payments(grant: Grant) -> dict:
    return {"payment_list": queries.payments_of(grant),
            "payment_refusal": payment_request_refusal(grant),
            "PAYMENT_STATE_LABELS": PAYMENT_STATE_LABELS}


@staff_section
def staff_payments(grant: Grant) -> dict:
    return {"payment_list": queries.payments_of(grant),
            "PAYMENT_STATE_LABELS": PAYMENT_STATE_LABELS}


@recipient_bp.route("/<int:grant_id>/utbetalinger/ny", methods=["GET", "POST"])
@login_required
def payment_request(grant_id):
    """The recipient asks for a payment: costs to date per approved line, the amount, a
    status report and the documentation."""
    grant = own_grant(grant_id)
    money = queries.money_of(grant)
    form = PaymentRequestForm()
    lines = {line.id: line for line in grant.application.cost_lines}
    if not form.is_submitted():
        for line in lines.values():
            form.costs.append_entry({"cost_line_id": line.id})
    refusal = payment_request_refusal(grant)
    if form.validate_on_submit():
        done = commit(request_payment, grant, _actor(), form.costs_to_date(), form.amount.data,
                      form.status_report.data, form.files.data, into=form,
                      success=_("Anmodningen om utbetaling er sendt. Alle medlemmene har fått "
                                "beskjed på e-post."))
        if done:
            return redirect(url_for("grants_recipient.recipient_page", grant_id=grant.id,
                                    _anchor="payments"))
    rows = [(entry, lines.get(entry.form.cost_line_id.data)) for entry in form.costs]
    return render_template("grants/payments_request.html", grant=grant,
                           application=grant.application, money=money, form=form,
                           rows=[(e, line) for e, line in rows if line is not None],
                           refusal=refusal, COST_CATEGORY_LABELS=COST_CATEGORY_LABELS)


def _staff_payment(payment_id: int) -> PaymentRequest:
    payment = db.session.get(PaymentRequest, payment_id)
    if payment is None:
        abort(404)
    staff_grant(payment.grant_id)
    return payment


@bp.route("/utbetalinger/<int:payment_id>")
@login_required
def payment_page(payment_id):
    payment = _staff_payment(payment_id)
    return _render_payment(payment, PaymentDecisionForm(formdata=None), _paid_form())


def _paid_form() -> PaidForm:
    return PaidForm(formdata=None, paid_on=oslo_date(utcnow()))


def _render_payment(payment: PaymentRequest, decision_form, paid_form):
    grant = payment.grant
    organisation = grant.application.organisation
    return render_template(
        "grants/payments_staff.html", payment=payment, grant=grant,
        application=grant.application, organisation=organisation,
        money=queries.money_of(grant), lines=queries.budget_lines(grant, payment),
        account_valid=kontonr.is_valid(organisation.bank_account or ""),
        payment_account=format_bank_account(payment.bank_account),
        pending_valid=kontonr.is_valid(organisation.pending_bank_account or ""),
        account_problem=payment_account_problem(organisation),
        decision_form=decision_form, paid_form=paid_form,
        PAYMENT_STATE_LABELS=PAYMENT_STATE_LABELS, COST_CATEGORY_LABELS=COST_CATEGORY_LABELS)


@bp.route("/utbetalinger/<int:payment_id>/avgjor", methods=["POST"])
@login_required
def payment_decide(payment_id):
    payment = _staff_payment(payment_id)
    form = PaymentDecisionForm()
    if form.validate_on_submit():
        done = commit(decide_payment, payment, _actor(), form.action.data, form.amount.data,
                      form.reasons.data or "", into=form,
                      success=_("Anmodningen er behandlet, og mottakeren har fått beskjed."))
        if done:
            return redirect(url_for("grants.payment_page", payment_id=payment.id))
    return _render_payment(payment, form, _paid_form())


@bp.route("/utbetalinger/<int:payment_id>/utbetalt", methods=["POST"])
@login_required
def payment_paid(payment_id):
    payment = _staff_payment(payment_id)
    form = PaidForm()
    if form.validate_on_submit():
        done = commit(record_paid, payment, _actor(), form.paid_on.data, into=form,
                      success=_("Utbetalingen er registrert, og mottakeren har fått beskjed."))
        if done:
            return redirect(url_for("grants.payment_page", payment_id=payment.id))
    return _render_payment(payment, PaymentDecisionForm(formdata=None), form)


def _payment_document(payment: PaymentRequest, document_id: int) -> GrantDocument:
    document = db.session.get(GrantDocument, document_id)
    if document is None or document.payment_id != payment.id:
        abort(404)
    return document


def _send_document(document: GrantDocument):
    """A recipient's file, sent as an attachment; the reading is logged."""
    try:
        path = read_grant_document(document, _actor())
    except FileNotFoundError:
        abort(404)
    db.session.commit()
    return send_file(path, mimetype=document.content_type, as_attachment=True,
                     download_name=download_name(document.filename, document.content_type),
                     max_age=0)


@bp.route("/utbetalinger/<int:payment_id>/dokumenter/<int:document_id>")
@writes  # the download is logged
@login_required
def payment_document(payment_id, document_id):
    return _send_document(_payment_document(_staff_payment(payment_id), document_id))


@recipient_bp.route("/<int:grant_id>/utbetalinger/<int:payment_id>/dokumenter/<int:document_id>")
@writes  # the download is logged
@login_required
def own_payment_document(grant_id, payment_id, document_id):
    grant = own_grant(grant_id)
    payment = queries.payment_of(grant, payment_id) or abort(404)
    return _send_document(_payment_document(payment, document_id))

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
        if not form.confirm_correct.data:
            form.confirm_correct.errors = [_(
                "Bekreft at opplysningene er riktige før du sender inn. Utkastet er lagret; "
                "etter innsending kan du ikke endre rapporten uten at kommunen sender den "
                "tilbake.")]
            return _render_report_form(grant, report, form, status=422)
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


@recipient_bp.route("/<int:grant_id>/sluttrapport/dokumenter/<int:document_id>")
@writes  # the download is logged
@login_required
def final_report_document(grant_id, document_id):
    grant = own_grant(grant_id)
    report = queries.final_report_of(grant) or abort(404)
    return _send_document(_report_document(report, document_id))


def _staff_report(report_id: int) -> FinalReport:
    """A final report for staff who may follow its grant (404 when inhabil), once it has
    been sent in: a draft is the recipient's own until then."""
    report = queries.final_report_by_id(report_id) or abort(404)
    staff_grant(report.grant_id)
    if report.state == FinalReportState.DRAFT:
        abort(404)
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


def _decide_report(report_id: int, operation, success: str, confirmed: bool = False):
    report = _staff_report(report_id)
    require(may_decide_final_report(current_user, False))
    form = FinalReportDecisionForm()
    if not form.validate_on_submit():
        flash_errors(form)
    elif operation is approve_final_report and not (confirmed or form.confirm.data):
        flash(_("Bekreft at du har kontrollert regnskapet før du godkjenner sluttrapporten. "
                "Godkjenningen avslutter tilskuddet og kan ikke angres."), "danger")
    else:
        commit(operation, report, _actor(), form.reasons.data or "", success=success)
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
@writes  # the download is logged
@login_required
def final_report_staff_document(report_id, document_id):
    report = _staff_report(report_id)
    return _send_document(_report_document(report, document_id))


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


def _register_settings() -> dict:
    config = current_app.config
    return {"threshold": config["STOTTEREGISTER_THRESHOLD_EUR"],
            "deadline_days": config["STOTTEREGISTER_DEADLINE_WORKING_DAYS"],
            "grantor": config["STOTTEREGISTER_GRANTOR"]}


def _today():
    return oslo_date(utcnow())


def _register_total() -> int:
    """How many grants the register is to have, the reader's inhabil ones too."""
    settings = _register_settings()
    return sum(queries.register_counts(_today(), settings["threshold"],
                                       settings["deadline_days"]).values())


def _csv_response(data: bytes, filename: str) -> Response:
    return Response(data, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "no-store"})


@bp.route("/registre/stotteregisteret")
@login_required
def stotteregister():
    """The de minimis grants Registeret for offentlig støtte is to have: overdue first,
    then due, then reported, and the exports made."""
    require(can_report_to_registers(current_user))
    hidden = hidden_application_ids(current_user)
    overview = _register_overview(hidden)
    visible = sum(total for _rows, total in overview.values())
    return render_template(
        "grants/registers_stotteregister.html", overview=overview, shown=REGISTER_SHOWN,
        settings=_register_settings(),
        hidden_count=_register_total() - visible if hidden else 0,
        exports=queries.register_exports(RegisterKind.STOTTEREGISTERET),
        GRANT_STATE_LABELS=GRANT_STATE_LABELS)


def _register_overview(hidden):
    settings = _register_settings()
    return queries.register_overview(_today(), settings["threshold"],
                                     settings["deadline_days"], hidden, REGISTER_SHOWN)


#: The rows each part of the register's page lists (issue 14: every grant ever reported
#: was a page of megabytes after some years). The export takes every unreported grant,
#: and each export's file holds what it reported.
REGISTER_SHOWN = 100


@bp.route("/registre/stotteregisteret/eksport", methods=["GET", "POST"])
@login_required
def stotteregister_export():
    """«Lag eksport»: asks first, listing what goes in the file."""
    require(can_report_to_registers(current_user))
    form = RegisterExportForm()
    if form.validate_on_submit():
        settings = _register_settings()
        outcome = commit(operations.export_to_stotteregisteret, _actor(), _today(),
                         settings["threshold"], settings["deadline_days"],
                         settings["grantor"],
                         success=lambda export: _(
                             "Eksporten er laget med %(num)s tilskudd. Last ned filen og "
                             "rapporter den til registeret.", num=export.rows))
        if outcome:
            return redirect(url_for("grants.stotteregister", _anchor="exports"))
        return redirect(url_for("grants.stotteregister"))
    flash_errors(form)
    overview = _register_overview(hidden_application_ids(current_user))
    (overdue, overdue_total), (due, due_total) = (overview[queries.RegisterStatus.OVERDUE],
                                                  overview[queries.RegisterStatus.DUE])
    return render_template("grants/registers_export.html", form=form,
                           unreported=(overdue + due)[:REGISTER_SHOWN],
                           total=overdue_total + due_total, settings=_register_settings())


def _export(export_id: int) -> RegisterExport:
    """An export; 404 for a Støtteregisteret export holding a grant the reader is
    inhabil in (its file names the grant)."""
    export = db.session.get(RegisterExport, export_id) or abort(404)
    if export.kind == RegisterKind.STOTTEREGISTERET:
        hidden = hidden_application_ids(current_user)
        if any(item.decision.application_id in hidden for item in export.items):
            abort(404)
    return export


@bp.route("/registre/eksporter/<int:export_id>.csv")
@login_required
def export_file(export_id):
    """A Støtteregisteret export's file, made again from its items."""
    require(can_report_to_registers(current_user))
    export = _export(export_id)
    if export.kind != RegisterKind.STOTTEREGISTERET:
        abort(404)
    data = queries.export_csv(export, _register_settings()["grantor"])
    return _csv_response(data, f"stotteregisteret-{export.id}.csv")


@bp.route("/registre/eksporter/<int:export_id>/referanse", methods=["POST"])
@login_required
def export_reference(export_id):
    require(can_report_to_registers(current_user))
    export = _export(export_id)
    form = RegisterReferenceForm()
    if form.validate_on_submit():
        commit(operations.record_register_reference, export, form.reference.data, _actor(),
               success=_("Referansen er lagret."))
    else:
        flash_errors(form)
    if export.kind == RegisterKind.KDD:
        return redirect(url_for("grants.kdd", aar=export.year, _anchor="exports"))
    return redirect(url_for("grants.stotteregister", _anchor="exports"))


def _kdd_year() -> int:
    return int_arg("aar", default=_today().year, minimum=2000, maximum=2100)


@bp.route("/registre/kdd")
@login_required
def kdd():
    """The KDD sums per category for one tilsagn year, and the downloads made."""
    require(can_report_to_registers(current_user))
    year = _kdd_year()
    return render_template(
        "grants/registers_kdd.html", year=year,
        report=queries.kdd_report(year, no_category=_("Uten kategori")),
        exports=queries.register_exports(RegisterKind.KDD, year))


@bp.route("/registre/kdd.csv")
@login_required
@writes
def kdd_file():
    """The KDD file of a year; each download is recorded as an export."""
    require(can_report_to_registers(current_user))
    report = queries.kdd_report(_kdd_year(), no_category=_("Uten kategori"))
    outcome = commit(operations.export_kdd, _actor(), report)
    if not outcome:
        return redirect(url_for("grants.kdd", aar=report.year))
    data, _export_row = outcome.value
    return _csv_response(data, f"kdd-{report.year}.csv")


@template_hook.connect_via("call_manage_panels")
def registers_panel(_name, call, **_context):
    """The manager's way to the register pages, with what is overdue and due."""
    if not can_report_to_registers(current_user):
        return None
    settings = _register_settings()
    counts = queries.register_counts(_today(), settings["threshold"],
                                     settings["deadline_days"],
                                     hidden_application_ids(current_user))
    return render_template("grants/registers_panel.html", counts=counts, call=call,
                           kdd_year=call.year)
