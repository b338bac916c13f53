"""Pages of the grants domain: the recipient's page per grant (acceptance, payment
requests, the final report, answers to a forhåndsvarsel), and the staff pages that follow
grants up (authority, payments, final report, recovery, repayments, register exports)."""

from flask import Blueprint, abort, render_template
from flask_login import current_user, login_required

from fund.core.http import require  # noqa: F401
from fund.extensions import db
from fund.grants import queries
from fund.grants.labels import GRANT_STATE_LABELS
from fund.grants.models import Grant
from fund.grants.permissions import is_recipient, may_follow_grant
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

# --- Registers ---
