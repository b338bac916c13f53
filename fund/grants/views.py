"""Pages of the grants domain: the recipient's page per grant (acceptance, payment
requests, the final report, answers to a forhåndsvarsel), and the staff pages that follow
grants up (authority, payments, final report, recovery, repayments, register exports)."""

from flask import (
    Blueprint,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from fund.auth.models import format_bank_account
from fund.calls.models import Call
from fund.core.http import commit, flash_errors, require  # noqa: F401
from fund.core.signals import template_hook
from fund.core.types import utcnow
from fund.extensions import db
from fund.grants import queries
from fund.grants.forms import AcceptGrantForm, VerifyAuthorityForm
from fund.grants.labels import AUTHORITY_LABELS, GRANT_STATE_LABELS
from fund.grants.models import AuthorityCheck, Grant
from fund.grants.operations import (
    AuthorityRefused,
    GrantLapsed,
    accept_grant,
    lapse_due,
    lapse_if_due,
    verify_authority,
)
from fund.grants.permissions import (
    can_list_call_grants,
    is_recipient,
    may_accept_grant,
    may_follow_grant,
    may_verify_authority,
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

# --- Final report ---

# --- Recovery ---

# --- Registers ---
