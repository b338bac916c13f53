"""State changes of the grants domain: the tilsagn made from a sent granting vedtak; its
acceptance or lapse; payment requests and payments; the final report; recovery and
repayments; and the register exports. Every change is audited."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from stdnum.no import kontonr

from fund.audit.operations import record
from fund.auth import brreg
from fund.auth.models import User
from fund.core.formatting import format_date
from fund.core.types import utcnow
from fund.decisions.deadlines import acceptance_deadline, oslo_date
from fund.decisions.models import Decision, DecisionKind, Letter
from fund.decisions.operations import member_addresses
from fund.decisions.queries import is_inhabil
from fund.extensions import db
from fund.grants import queries
from fund.grants.models import AuthorityCheck, Grant, GrantError, GrantState
from fund.grants.permissions import may_accept_grant, may_verify_authority
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

#: The roles an acceptor may state (without the register lookup), as stored.
ACCEPTOR_ROLES = ("daglig leder", "styreleder", "signaturberettiget", "prokurist")


class GrantLapsed(GrantError):
    """Refused because the acceptance deadline has passed: the grant lapsed just now,
    which is kept (the caller commits it although the acceptance was refused)."""


class AuthorityRefused(GrantError):
    """Refused because the register does not name the acceptor; the attempt is audited
    (the caller commits it)."""


@dataclass
class Acceptance:
    grant: Grant
    #: Why the authority could not be checked in the register (it was stated instead).
    register_note: str = ""


def lapse_due(grant: Grant, now: datetime) -> bool:
    """An offered grant whose acceptance deadline (an Oslo date) has passed."""
    return grant.state == GrantState.OFFERED and oslo_date(now) > grant.acceptance_deadline


def _lapse(grant: Grant, now: datetime) -> None:
    decision = queries.current_decision_of(grant)
    returned = (decision.amount or 0) if decision is not None else 0
    if decision is not None:
        decision.returned_amount = returned
    grant.state, grant.lapsed_at = GrantState.LAPSED, now
    record("grant.lapsed", grant.application, by_system=True, grant=grant.id,
           acceptance_deadline=grant.acceptance_deadline.isoformat(), returned=returned)
    tell_members(grant, _("Tilsagnet har falt bort: %(case)s",
                          case=grant.application.case_number),
                 "grant_acceptance_lapsed", returned=returned)


def lapse_if_due(grant: Grant, now: datetime | None = None) -> bool:
    """Lapse ``grant`` if its acceptance deadline has passed: its money goes back to the
    call (the decision's ``returned_amount``), and the members are told. True if it did."""
    now = now or utcnow()
    if not lapse_due(grant, now):
        return False
    lock(grant)
    if not lapse_due(grant, now):  # accepted or lapsed meanwhile
        return False
    _lapse(grant, now)
    return True


def lapse_overdue(now: datetime | None = None) -> list[Grant]:
    """Lapse every offered grant whose acceptance deadline has passed (run daily)."""
    now = now or utcnow()
    return [grant for grant in queries.open_grants_due(oslo_date(now))
            if lapse_if_due(grant, now)]


def _check_authority(grant: Grant, user: User) -> tuple[AuthorityCheck, str, str, str]:
    """Enhetsregisteret's answer on ``user``: (check, name, role, note). REGISTER with the
    role holder's name and role; STATED (name and role empty) with a note when the
    register cannot answer. Refused when the register does not name the user."""
    organisation = grant.application.organisation
    try:
        holders = brreg.role_holders(organisation.orgnr)
    except brreg.RegisterUnavailable:
        return AuthorityCheck.STATED, "", "", _(
            "Enhetsregisteret svarer ikke nå, så rollen din ble ikke kontrollert der. "
            "Saksbehandleren kontrollerer at du kan forplikte organisasjonen.")
    if holders is None:
        return AuthorityCheck.STATED, "", "", _(
            "Organisasjonen ble ikke funnet i Enhetsregisteret, så rollen din ble ikke "
            "kontrollert der. Saksbehandleren kontrollerer at du kan forplikte "
            "organisasjonen.")
    holder = next((h for h in holders if brreg.is_named(user.name, h)), None)
    if holder is None:
        record("grant.acceptance_refused", grant.application, actor=user, grant=grant.id,
               reason="not_in_register")
        raise AuthorityRefused(_(
            "%(name)s står ikke i Enhetsregisteret med rolle som daglig leder, styreleder, "
            "signatur eller prokura for %(org)s. Tilsagnet må aksepteres av en som har en "
            "slik rolle.", name=user.name, org=organisation.name))
    return AuthorityCheck.REGISTER, holder.name, holder.role_description.lower(), ""


def accept_grant(grant: Grant, user: User, name: str, role: str,
                 now: datetime | None = None) -> Acceptance:
    """The recipient accepts the tilsagn and its conditions, by its deadline, through a
    person with authority to bind the organisation: checked in Enhetsregisteret when the
    lookup is on, else stated (name and role) for a caseworker to verify. The bank
    account is frozen into the grant, and the final report's deadline set."""
    now = now or utcnow()
    application = grant.application
    if not may_accept_grant(user, application):
        raise GrantError(_("Bare medlemmer av %(org)s kan akseptere tilsagnet.",
                           org=application.organisation.name))
    lock(grant)
    if lapse_due(grant, now):
        _lapse(grant, now)
        raise GrantLapsed(_(
            "Fristen for å akseptere tilsagnet var %(date)s. Tilsagnet har falt bort, og "
            "pengene går tilbake til utlysningen.",
            date=format_date(grant.acceptance_deadline)))
    if grant.state == GrantState.ACCEPTED:
        raise GrantError(_("Tilsagnet er allerede akseptert."))
    if grant.state == GrantState.LAPSED:
        raise GrantError(_("Tilsagnet har falt bort fordi det ikke ble akseptert innen "
                           "fristen %(date)s.", date=format_date(grant.acceptance_deadline)))
    must_be(grant, GrantState.OFFERED, refusal=_("Tilsagnet kan ikke aksepteres nå."))
    name, role = " ".join((name or "").split()), (role or "").strip()
    if not name or len(name) > 200:
        raise GrantError(_("Skriv det fulle navnet ditt (høyst 200 tegn)."))
    if role not in ACCEPTOR_ROLES:
        raise GrantError(_("Velg rollen din i organisasjonen."))
    account = application.organisation.bank_account or ""
    if not kontonr.is_valid(account):
        raise GrantError(_(
            "Organisasjonen må ha et gyldig kontonummer før tilsagnet kan aksepteres. Legg "
            "det inn på organisasjonssiden, og aksepter deretter."))
    check, note = AuthorityCheck.STATED, ""
    if current_app.config.get("BRREG_ENABLED"):
        check, register_name, register_role, note = _check_authority(grant, user)
        if check == AuthorityCheck.REGISTER:
            name, role = register_name, register_role
    call = application.call
    grant.state, grant.accepted_at, grant.accepted_by_id = GrantState.ACCEPTED, now, user.id
    grant.acceptor_name, grant.acceptor_role, grant.authority = name, role, check
    grant.bank_account = kontonr.compact(account)
    grant.final_report_due = (application.ends_on or oslo_date(now)) \
        + timedelta(days=call.final_report_days)
    record("grant.accepted", application, actor=user, grant=grant.id, acceptor=name,
           role=role, authority=str(check), bank_account=grant.bank_account,
           final_report_due=grant.final_report_due.isoformat())
    tell_members(grant, _("Tilsagnet er akseptert: %(case)s", case=application.case_number),
                 "grant_acceptance_accepted")
    return Acceptance(grant, note)


def verify_authority(grant: Grant, caseworker: User, verified: bool, note: str = "",
                     now: datetime | None = None) -> Grant:
    """A caseworker checks the stated authority of the acceptor. Verified, payments may
    follow; not verified, the acceptance is undone (the grant is offered again, with the
    same deadline) and the members are told why."""
    now = now or utcnow()
    application = grant.application
    if not may_verify_authority(caseworker, is_inhabil(caseworker, application)):
        raise GrantError(_("Du kan ikke kontrollere fullmakten i denne saken."))
    lock(grant)
    if grant.state != GrantState.ACCEPTED or grant.authority != AuthorityCheck.STATED:
        raise GrantError(_("Fullmakten venter ikke på kontroll."))
    note = (note or "").strip()
    if verified:
        grant.authority = AuthorityCheck.VERIFIED
        grant.authority_verified_by_id, grant.authority_verified_at = caseworker.id, now
        record("grant.authority_verified", application, actor=caseworker, grant=grant.id,
               acceptor=grant.acceptor_name, role=grant.acceptor_role, note=note)
        return grant
    if not note:
        raise GrantError(_("Skriv hvorfor fullmakten ikke er godkjent. Begrunnelsen sendes "
                           "til organisasjonen."))
    if grant.payments:
        raise GrantError(_("Det er bedt om utbetaling på tilskuddet, så aksepten kan ikke "
                           "oppheves her."))
    acceptor = grant.acceptor_name
    record("grant.authority_rejected", application, actor=caseworker, grant=grant.id,
           acceptor=acceptor, role=grant.acceptor_role, note=note)
    grant.state, grant.accepted_at, grant.accepted_by_id = GrantState.OFFERED, None, None
    grant.acceptor_name, grant.acceptor_role, grant.authority = "", "", None
    grant.bank_account, grant.final_report_due = None, None
    tell_members(grant, _("Aksepten av tilsagnet er ikke godkjent: %(case)s",
                          case=application.case_number),
                 "grant_acceptance_rejected", acceptor=acceptor, note=note,
                 expired=lapse_due(grant, now))
    return grant


# --- Payments ---

# --- Final report ---

# --- Recovery ---

# --- Registers ---

# --- Cron: lapse and reminders ---


def _unused(*_args: datetime) -> None:  # keeps the imports of the sections above honest
    utcnow()
