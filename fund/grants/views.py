"""Pages of the grants domain: the recipient's page per grant (acceptance, payment
requests, the final report, answers to a forhåndsvarsel), and the staff pages that follow
grants up (authority, payments, final report, recovery, repayments, register exports)."""

from flask import Blueprint, abort
from flask_login import current_user

from fund.core.http import require  # noqa: F401
from fund.extensions import db
from fund.grants import queries
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


_ = queries  # the sections below use it

# --- The recipient's grant page ---

# --- Acceptance ---

# --- Payments ---

# --- Final report ---

# --- Recovery ---

# --- Registers ---
