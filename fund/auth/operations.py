"""Accounts and organisations: registration, login, tokens, membership. The caller commits."""

import enum
import hashlib
import secrets
from datetime import date, datetime
from functools import cache

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from fund.audit.operations import record
from fund.auth import brreg
from fund.auth.models import (
    Claim,
    ClaimState,
    Invitation,
    Membership,
    Organisation,
    User,
    UserSession,
    Verification,
    format_bank_account,
)
from fund.core import throttle
from fund.core.errors import DomainError
from fund.core.roles import Role
from fund.core.signals import answered_yes, organisation_has_grant
from fund.core.types import utcnow
from fund.extensions import db
from fund.mail.operations import external_url, queue_mail


class AccountError(DomainError):
    """Refused by the rules; the message is for the user."""


class LoginBlocked(AccountError):
    """Too many failed attempts; answered with 429."""


def find_user(email: str) -> User | None:
    return db.session.execute(
        select(User).where(User.email == email.strip().lower())).scalar_one_or_none()


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def make_token(user: User, purpose: str) -> str:
    payload = {"id": user.id, "email": user.email}
    if purpose == "reset":
        payload["pw"] = user.password_fingerprint
    return _serializer(purpose).dumps(payload)


def read_token(token: str, purpose: str) -> User:
    max_age = current_app.config["RESET_TOKEN_MAX_AGE" if purpose == "reset"
                                 else "EMAIL_TOKEN_MAX_AGE"]
    try:
        payload = _serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise AccountError(_("Lenken er utløpt. Be om en ny.")) from exc
    except BadSignature as exc:
        raise AccountError(_("Lenken er ugyldig. Be om en ny.")) from exc
    user = db.session.get(User, payload.get("id"))
    if user is None or user.email != payload.get("email") or (
            purpose == "reset" and payload.get("pw") != user.password_fingerprint):
        raise AccountError(_("Lenken er ugyldig eller allerede brukt. Be om en ny."))
    return user


class MailLimited(AccountError):
    """Too much mail asked for lately; answered with 429 and nothing sent."""


def may_send_mail(address: str, ip_address: str | None) -> bool:
    """Count a mail someone asks us to send (a link, a registration) against the limits per
    address and per client. Both are counted, so that neither can be run up unseen."""
    config = current_app.config
    window = config["MAIL_LIMIT_WINDOW"]
    per_address = throttle.hit("mail.address", address.strip().lower(),
                               config["MAIL_MAX_PER_ADDRESS"], window)
    per_client = throttle.hit("mail.client", ip_address or "-",
                              config["MAIL_MAX_PER_CLIENT"], window)
    return per_address and per_client


def _limit_mail(address: str, ip_address: str | None) -> None:
    if not may_send_mail(address, ip_address):
        record("mail.limited", address=address.strip().lower())
        raise MailLimited(_("Det er bedt om mange e-poster til denne adressen, eller fra "
                            "denne maskinen, den siste timen. Vent en time og prøv igjen."))


def send_verification(user: User) -> None:
    """The link that confirms the address. The mail has fixed text only: nothing the
    person registering typed goes to an address not yet shown to be theirs."""
    link = external_url("auth.verify_email", token=make_token(user, "verify"))
    queue_mail(user.email, _l("Bekreft e-postadressen din"), "verify_email",
               locale=user.mail_locale, link=link)


def register_user(email: str, name: str, password: str, phone: str | None = None,
                  ip_address: str | None = None, locale: str | None = None) -> User | None:
    """A new applicant account, with a confirmation link by mail. For an address that
    already has an account, that account's owner gets a mail instead, and the answer on
    the page is the same (no telling who has an account). Returns the new user, or None.

    ``locale`` is the language the person registered in: their mail is written in it."""
    email = email.strip().lower()
    _limit_mail(email, ip_address)
    if (owner := find_user(email)) is not None:  # in the owner's language, not the asker's
        queue_mail(email, _l("Du har allerede en konto"), "already_registered",
                   locale=owner.mail_locale, login=external_url("auth.login"),
                   reset=external_url("auth.forgot_password"))
        record("user.registration_repeated", email=email)
        return None
    user = User(email=email, name=name.strip(), phone=phone or None, role=Role.APPLICANT,
                locale=locale)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    record("user.registered", user, actor=user)
    send_verification(user)
    return user


def resend_verification(email: str, ip_address: str | None) -> None:
    """A new confirmation link if an unconfirmed account has this address; the same
    answer either way."""
    _limit_mail(email, ip_address)
    user = find_user(email)
    if user is not None and user.email_verified_at is None:
        send_verification(user)


def log_in(email: str, password: str, ip_address: str | None,
           chosen_locale: str | None = None) -> tuple[User, str]:
    """Authenticate and start a server-side session: the user and the session's token.
    A language chosen before logging in (``chosen_locale``) is remembered for a person who
    has not chosen one before; a stored choice stays (it is changed by choosing again)."""
    user = authenticate(email, password, ip_address)
    if user.locale is None and chosen_locale:
        set_locale(user, chosen_locale)
    return user, start_session(user, ip_address)


def verify_email_token(token: str) -> User:
    """Confirm the address a verification link was sent to."""
    user = read_token(token, "verify")
    verify_email(user)
    return user


def verify_email(user: User) -> None:
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
        record("user.email_verified", user, actor=user)


def _login_limits(email: str, ip_address: str | None) -> list[tuple[str, str, int]]:
    """(scope, subject, limit) of each login limit. The tight one is per account and
    client, so that nobody can lock another person out from elsewhere; the loose
    per-account one stops guessing spread over many clients."""
    config = current_app.config
    client = ip_address or "-"
    return [("login.account-client", f"{email}|{client}",
             config["LOGIN_MAX_FAILURES_PER_EMAIL_AND_CLIENT"]),
            ("login.client", client, config["LOGIN_MAX_FAILURES_PER_IP"]),
            ("login.account", email, config["LOGIN_MAX_FAILURES_PER_EMAIL"])]


_dummy_hashes: dict[str, str] = {}


def _password_matches(user: User | None, password: str) -> bool:
    """Check the password; for an unknown address, check one anyway, so that the
    answer takes as long either way (no user enumeration by timing)."""
    if user is not None:
        return user.check_password(password)
    method = current_app.config["PASSWORD_HASH_METHOD"]
    if method not in _dummy_hashes:
        _dummy_hashes[method] = generate_password_hash(secrets.token_hex(8), method=method)
    check_password_hash(_dummy_hashes[method], password)
    return False


def authenticate(email: str, password: str, ip_address: str | None) -> User:
    """The user for these credentials, or AccountError. Each attempt is counted before
    the password is checked, in one atomic step per limit, so concurrent guesses cannot
    get past a limit; a successful login takes its attempts back."""
    email = email.strip().lower()
    window = current_app.config["LOGIN_FAILURE_WINDOW"]
    limits = _login_limits(email, ip_address)
    allowed = [throttle.hit(scope, subject, limit, window) for scope, subject, limit in limits]
    if not all(allowed):
        record("user.login_blocked", email=email)
        raise LoginBlocked(_("For mange mislykkede innloggingsforsøk. Vent 15 minutter og "
                             "prøv igjen, eller be om nytt passord."))
    user = find_user(email)
    if not _password_matches(user, password) or not user.active:
        record("user.login_failed", user, email=email)
        raise AccountError(_("Feil e-postadresse eller passord."))
    for scope, subject, _limit in limits:
        if scope == "login.client":
            throttle.undo(scope, subject)
        else:
            throttle.reset(scope, subject)
    if user.email_verified_at is None:
        raise AccountError(_("Du må bekrefte e-postadressen din før du kan logge inn. "
                             "Se etter e-posten fra oss, eller be om en ny lenke."))
    record("user.logged_in", user, actor=user)
    return user


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(user: User, ip_address: str | None) -> str:
    """A new server-side session; the returned token goes in the signed cookie."""
    token = secrets.token_urlsafe(32)
    db.session.add(UserSession(user=user, token_hash=_token_hash(token), ip_address=ip_address))
    return token


def end_session(token: str | None) -> None:
    if token:
        db.session.execute(update(UserSession).where(
            UserSession.token_hash == _token_hash(token), UserSession.ended_at.is_(None))
            .values(ended_at=utcnow()))


def log_out(user: User | None, token: str | None) -> None:
    """End the session (a copy of its cookie stops working too); audited for a user."""
    if user is not None:
        record("user.logged_out", user)
    end_session(token)


def set_locale(user: User, lang: str) -> None:
    """Remember the person's language for mail and later visits."""
    if user.locale != lang:
        record("user.locale_changed", user, old=user.locale, new=lang)
        user.locale = lang


def update_user(user: User, active: bool, role: Role, actor) -> None:
    """The administrator's change of an account: active or not, and its role."""
    set_active(user, active, actor)
    set_role(user, role, actor)


def end_all_sessions(user: User) -> None:
    db.session.execute(update(UserSession).where(
        UserSession.user_id == user.id, UserSession.ended_at.is_(None)).values(ended_at=utcnow()))


@cache
def _session_user_statement():
    """The user of a live session, by the bound ``user``, ``token_hash`` and ``oldest``
    (start): built once, for it runs before every signed-in page (issue 14)."""
    return select(User).join(UserSession, UserSession.user_id == User.id).where(
        User.id == bindparam("user"), UserSession.token_hash == bindparam("token_hash"),
        UserSession.ended_at.is_(None), UserSession.created_at > bindparam("oldest"))


def user_for_session(user_id: str, token: str | None) -> User | None:
    """The user of a live session: the token's session has not ended or grown too old,
    and the user is active and has not changed password since (``user_id`` carries the
    password fingerprint)."""
    user_id, _, fingerprint = user_id.partition(":")
    if not user_id.isdigit() or not token or len(user_id) > 12:
        return None
    oldest = utcnow() - current_app.config["SESSION_ABSOLUTE_LIFETIME"]
    user = db.session.execute(_session_user_statement(), {
        "user": int(user_id), "token_hash": _token_hash(token), "oldest": oldest,
    }).scalar_one_or_none()
    if user is None or not user.active or user.password_fingerprint != fingerprint:
        return None
    return user


def request_password_reset(email: str, ip_address: str | None = None) -> None:
    """Send a reset link if the account exists; say nothing either way."""
    _limit_mail(email, ip_address)
    user = find_user(email)
    if user is None or not user.active:
        return
    link = external_url("auth.reset_password", token=make_token(user, "reset"))
    queue_mail(user.email, _l("Nytt passord"), "reset_password", locale=user.mail_locale,
               link=link)
    record("user.password_reset_requested", user, actor=user)


def set_password(user: User, password: str, actor=None) -> None:
    user.set_password(password)
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()  # the link reached the mailbox
    end_all_sessions(user)
    # Whoever tried to lock the account out by guessing, its owner is back in.
    throttle.reset("login.account", user.email)
    record("user.password_changed", user, actor=actor or user)


def _is_last_admin(user: User) -> bool:
    """Whether no other active admin exists. The admins' rows stay locked until the
    change commits, so two admins demoting each other at once cannot both succeed."""
    if user.role != Role.ADMIN or not user.active:
        return False
    admins = db.session.scalars(select(User.id).where(
        User.role == Role.ADMIN, User.active.is_(True)).with_for_update()).all()
    return not any(admin != user.id for admin in admins)


def set_role(user: User, role: Role, actor) -> None:
    if user.role != role and _is_last_admin(user):
        raise AccountError(_("Det må finnes minst én aktiv administrator."))
    if user.role != role:
        record("user.role_changed", user, actor=actor, old=user.role.value, new=role.value)
        user.role = role


def set_active(user: User, active: bool, actor) -> None:
    if user.id == actor.id and not active:
        raise AccountError(_("Du kan ikke deaktivere din egen konto."))
    if not active and _is_last_admin(user):
        raise AccountError(_("Det må finnes minst én aktiv administrator."))
    if user.active != active:
        user.active = active
        record("user.activated" if active else "user.deactivated", user, actor=actor)


# Organisations ---------------------------------------------------------------------------------

class AlreadyRegistered(AccountError):
    """The org.nr is registered by others; the way on is an invitation or a claim."""


def find_organisation(orgnr: str) -> Organisation | None:
    return db.session.execute(
        select(Organisation).where(Organisation.orgnr == orgnr)).scalar_one_or_none()


def create_organisation(orgnr: str, user: User, **fields) -> Organisation:
    """A new, unverified organisation; the one who registers it is its responsible member."""
    if find_organisation(orgnr) is not None:
        raise AlreadyRegistered(_("Organisasjonen er allerede registrert av andre. Har du rett "
                                  "til å representere den, kan du be et av medlemmene om en "
                                  "invitasjon, eller gjøre krav på organisasjonen."))
    organisation = Organisation(orgnr=orgnr, **fields)
    organisation.memberships.append(Membership(user=user, responsible=True))
    db.session.add(organisation)
    record("organisation.created", organisation, actor=user, orgnr=orgnr, name=fields["name"])
    if organisation.bank_account:
        record("organisation.bank_account_changed", organisation, actor=user, old=None,
               new=organisation.bank_account)
    return organisation


def _membership(organisation: Organisation, user) -> Membership | None:
    return next((m for m in organisation.memberships if m.user_id == user.id), None)


def _tell_members(organisation: Organisation, subject, template: str, **context) -> None:
    """Mail every member with a confirmed address (their own account's, so the
    organisation's name and other members' names may be in it), in their own language
    (``subject`` is a ``lazy_gettext`` string)."""
    link = external_url("auth.organisation", organisation_id=organisation.id)
    for membership in organisation.memberships:
        user = membership.user
        if user.email_verified_at is not None and user.active:
            queue_mail(user.email, subject, template, locale=user.mail_locale,
                       organisation=organisation, link=link, **context)


class BankChange(enum.Enum):
    NONE = "none"
    CHANGED = "changed"
    #: Waits for staff approval: the organisation holds a grant.
    PENDING = "pending"


def update_organisation(organisation: Organisation, actor, **fields) -> BankChange:
    """Change the details; a new bank account is a change of its own (change_bank_account),
    made first, so that a refused one leaves everything as it was."""
    result = BankChange.NONE
    if "bank_account" in fields:
        result = change_bank_account(organisation, fields.pop("bank_account"), actor)
    changes = {}
    for name, value in fields.items():
        old = getattr(organisation, name)
        if old != value:
            changes[name] = [old.isoformat() if isinstance(old, datetime) else old,
                             value.isoformat() if isinstance(value, datetime) else value]
            setattr(organisation, name, value)
    if changes:
        record("organisation.updated", organisation, actor=actor, changes=changes)
    return result


def _clear_pending_bank_account(organisation: Organisation) -> None:
    organisation.pending_bank_account = None
    organisation.pending_bank_account_by = None
    organisation.pending_bank_account_at = None


def change_bank_account(organisation: Organisation, account: str | None, actor) -> BankChange:
    """A member's new bank account takes effect at once, unless the organisation holds a
    grant: then it waits for staff approval (the money would follow it), whoever asks,
    staff too. Every member is told either way."""
    account = account or None
    db.session.refresh(organisation, with_for_update=True)  # not while staff decide on it
    if account == organisation.bank_account:
        return BankChange.NONE
    held = answered_yes(organisation_has_grant, organisation)
    if held and account is None:
        raise AccountError(_("Kontonummeret kan ikke fjernes når organisasjonen har fått "
                             "tilskudd. Skriv inn det nye kontonummeret, så godkjenner "
                             "kommunen det."))
    if held and account == organisation.pending_bank_account:
        return BankChange.PENDING  # already waiting
    config = current_app.config
    if not actor.is_staff and not throttle.hit(
            "organisation.bank_account", str(organisation.id),
            config["BANK_ACCOUNT_CHANGES_MAX"], config["MAIL_LIMIT_WINDOW"]):
        raise AccountError(_("Kontonummeret er endret mange ganger den siste timen. Vent en "
                             "time og prøv igjen, eller kontakt kommunen."))
    old = organisation.bank_account
    if held:
        organisation.pending_bank_account = account
        organisation.pending_bank_account_by = actor
        organisation.pending_bank_account_at = utcnow()
        record("organisation.bank_account_change_requested", organisation, actor=actor,
               old=old, new=account)
        _tell_members(organisation, _l("Nytt kontonummer venter på godkjenning"),
                      "organisation_bank_account", event="requested", actor=actor,
                      old=format_bank_account(old), new=format_bank_account(account))
        return BankChange.PENDING
    superseded = organisation.pending_bank_account
    organisation.bank_account = account
    _clear_pending_bank_account(organisation)
    record("organisation.bank_account_changed", organisation, actor=actor, old=old, new=account,
           **({"superseded_pending": superseded} if superseded else {}))
    _tell_members(organisation, _l("Kontonummeret er endret"), "organisation_bank_account",
                  event="changed", actor=actor, old=format_bank_account(old),
                  new=format_bank_account(account))
    return BankChange.CHANGED


def decide_bank_account(organisation: Organisation, approve: bool, actor, note: str = "") -> None:
    """Staff approve or reject the bank account waiting for approval: never the person who
    asked for it, nor a member of the organisation (the money would follow the account)."""
    db.session.refresh(organisation, with_for_update=True)  # as it is now, and held
    pending = organisation.pending_bank_account
    if not pending:
        raise AccountError(_("Ingen endring av kontonummeret venter på godkjenning."))
    requested_by = organisation.pending_bank_account_by
    if (requested_by is not None and requested_by.id == actor.id) or any(
            m.user_id == actor.id for m in organisation.memberships):
        raise AccountError(_("Du har bedt om endringen eller er medlem av organisasjonen, og "
                             "kan ikke godkjenne kontonummeret selv. En annen i kommunen må "
                             "gjøre det."))
    old = organisation.bank_account
    details = {"requested_by": requested_by.email if requested_by else None, "note": note}
    if approve:
        organisation.bank_account = pending
        record("organisation.bank_account_changed", organisation, actor=actor, old=old,
               new=pending, approved=True, **details)
    else:
        record("organisation.bank_account_change_rejected", organisation, actor=actor,
               rejected=pending, **details)
    _clear_pending_bank_account(organisation)
    _tell_members(organisation, _l("Kontonummeret er godkjent") if approve
                  else _l("Nytt kontonummer er avvist"), "organisation_bank_account",
                  event="approved" if approve else "rejected", actor=actor, note=note,
                  old=format_bank_account(old), new=format_bank_account(pending))


# The right to act for an organisation (verification) and claims on it ------------------

def _verify(organisation: Organisation, how: Verification, by: User, note: str) -> None:
    organisation.verified_at = utcnow()
    organisation.verified_how = how
    organisation.verified_by = by
    organisation.verification_note = note
    record("organisation.verified", organisation, actor=by, how=how.value, note=note)


def verify_organisation(organisation: Organisation, actor, note: str) -> None:
    """A staff member has checked the members' right to act, and says how."""
    if organisation.is_verified:
        raise AccountError(_("Organisasjonen er allerede verifisert."))
    _verify(organisation, Verification.STAFF, actor, note.strip())


def unverify_organisation(organisation: Organisation, actor, note: str) -> None:
    if not organisation.is_verified:
        raise AccountError(_("Organisasjonen er ikke verifisert."))
    record("organisation.verification_removed", organisation, actor=actor, note=note.strip(),
           how=organisation.verified_how.value if organisation.verified_how else None,
           verified_by=organisation.verified_by_id,
           verification_note=organisation.verification_note)
    organisation.verified_at = None
    organisation.verified_how = None
    organisation.verified_by = None
    organisation.verification_note = ""


class RoleCheckBlocked(AccountError):
    """Too many attempts at confirming a role; answered with 429."""


def confirm_register_role(organisation: Organisation, user: User,
                          birth_date: date) -> brreg.RoleHolder:
    """Verify the organisation for a member named in Enhetsregisteret as daglig leder,
    styrets leder, or with signature or prokura: the account's name must be the role
    holder's, and the member must know the holder's birth date. That member becomes
    responsible. Each attempt counts (the caller commits failed ones too)."""
    if organisation.is_verified:
        raise AccountError(_("Organisasjonen er allerede verifisert."))
    config = current_app.config
    if not throttle.hit("organisation.role_check", str(user.id),
                        config["ROLE_CHECK_MAX_ATTEMPTS"], config["ROLE_CHECK_WINDOW"]):
        record("organisation.role_check_blocked", organisation, actor=user)
        raise RoleCheckBlocked(_("Du har prøvd for mange ganger. Vent et døgn og prøv igjen, "
                                 "eller be kommunen om å verifisere organisasjonen."))
    try:
        holders = brreg.role_holders(organisation.orgnr)
    except brreg.RegisterUnavailable as exc:
        throttle.undo("organisation.role_check", str(user.id))  # not the member's fault
        raise AccountError(_("Enhetsregisteret svarer ikke akkurat nå. Prøv igjen senere, "
                             "eller be kommunen om å verifisere organisasjonen.")) from exc
    if holders is None:
        record("organisation.role_check_failed", organisation, actor=user, reason="unknown")
        raise AccountError(_("Fant ikke organisasjonsnummeret i Enhetsregisteret. Be kommunen "
                             "om å verifisere organisasjonen."))
    named = [holder for holder in holders if brreg.is_named(user.name, holder)]
    if not named:
        record("organisation.role_check_failed", organisation, actor=user, reason="name")
        raise AccountError(_(
            "Navnet på kontoen din (%(name)s) står ikke i Enhetsregisteret som daglig leder, "
            "styrets leder, med signaturrett eller med prokura for organisasjonen. Be "
            "kommunen om å "
            "verifisere organisasjonen.", name=user.name))
    holder = next((h for h in named if h.birth_date == birth_date), None)
    if holder is None:
        record("organisation.role_check_failed", organisation, actor=user, reason="birth_date")
        raise AccountError(_("Fødselsdatoen stemmer ikke med Enhetsregisteret."))
    _membership(organisation, user).responsible = True
    _verify(organisation, Verification.REGISTER_ROLE, user,
            f"Enhetsregisteret: {holder.role_description} ({holder.role}), {holder.name}")
    return holder


def make_claim(orgnr: str, claimant: User, reason: str, ip_address: str | None) -> Claim:
    """Someone says they represent an organisation others registered; staff decide. The
    members are told that a claim was made, and nothing the claimant wrote."""
    organisation = find_organisation(orgnr)
    if organisation is None:
        raise AccountError(_("Organisasjonen er ikke registrert her ennå. Du kan registrere "
                             "den selv."))
    if _membership(organisation, claimant) is not None:
        raise AccountError(_("Du er allerede medlem av organisasjonen."))
    if db.session.execute(select(Claim.id).where(
            Claim.organisation_id == organisation.id, Claim.claimant_id == claimant.id,
            Claim.state == ClaimState.OPEN)).first() is not None:
        raise AccountError(_("Du har allerede et krav på denne organisasjonen som venter på "
                             "behandling."))
    config = current_app.config
    if not throttle.hit("organisation.claim", str(claimant.id), config["MAIL_MAX_PER_ADDRESS"],
                        config["MAIL_LIMIT_WINDOW"]):
        raise MailLimited(_("Du har gjort mange krav den siste timen. Vent en time og prøv "
                            "igjen."))
    claim = Claim(organisation=organisation, claimant=claimant, reason=reason.strip())
    db.session.add(claim)
    db.session.flush()
    told = []
    link = external_url("auth.organisation", organisation_id=organisation.id)
    for membership in organisation.memberships:
        user = membership.user
        if user.email_verified_at is not None and user.active \
                and may_send_mail(user.email, ip_address):
            queue_mail(user.email, _l("Noen har gjort krav på organisasjonen"),
                       "organisation_claimed", locale=user.mail_locale,
                       organisation=organisation, link=link)
            told.append(user.email)
    record("organisation.claimed", organisation, actor=claimant, claim=claim.id, told=told)
    return claim


def decide_claim(claim: Claim, grant: bool, actor, note: str) -> None:
    """Granting makes the claimant the organisation's only (and responsible) member,
    clears its bank account and verifies it; rejecting changes nothing. The claimant and
    the members are told, with the note."""
    if claim.state != ClaimState.OPEN:
        raise AccountError(_("Kravet er allerede avgjort."))
    organisation = claim.organisation
    claimant = claim.claimant
    note = note.strip()
    former = [m.user for m in organisation.memberships if m.user_id != claimant.id]
    claim.state = ClaimState.GRANTED if grant else ClaimState.REJECTED
    claim.decided_at = utcnow()
    claim.decided_by = actor
    claim.decision_note = note
    if grant:
        membership = _membership(organisation, claimant)
        if membership is None:
            membership = Membership(user=claimant)
            organisation.memberships.append(membership)
        membership.responsible = True
        for other in [m for m in organisation.memberships if m is not membership]:
            organisation.memberships.remove(other)
            record("organisation.member_removed", organisation, actor=actor,
                   member=other.user.email, claim=claim.id)
        db.session.execute(delete(Invitation).where(
            Invitation.organisation_id == organisation.id))
        old_account = organisation.bank_account
        pending = organisation.pending_bank_account
        organisation.bank_account = None
        _clear_pending_bank_account(organisation)
        if old_account or pending:
            record("organisation.bank_account_changed", organisation, actor=actor,
                   old=old_account, new=None, claim=claim.id,
                   **({"superseded_pending": pending} if pending else {}))
        record("organisation.claim_granted", organisation, actor=actor, claim=claim.id,
               claimant=claimant.email, removed=[u.email for u in former], note=note)
        if organisation.is_verified:
            record("organisation.verification_removed", organisation, actor=actor,
                   claim=claim.id, verified_by=organisation.verified_by_id,
                   verification_note=organisation.verification_note)
        _verify(organisation, Verification.STAFF, actor, note)
    else:
        record("organisation.claim_rejected", organisation, actor=actor, claim=claim.id,
               claimant=claimant.email, note=note)
    subject = _l("Kravet på organisasjonen er avgjort")
    link = external_url("auth.my_page")
    for user in [claimant, *former]:
        if user.email_verified_at is not None and user.active:
            queue_mail(user.email, subject, "organisation_claim_decided",
                       locale=user.mail_locale, organisation=organisation, granted=grant,
                       to_claimant=user is claimant, note=note, link=link)


# Members and invitations ---------------------------------------------------------------

def invitation_is_open(invitation: Invitation) -> bool:
    return invitation.created_at > utcnow() - current_app.config["INVITATION_MAX_AGE"]


def invite(organisation: Organisation, email: str, actor, ip_address: str | None) -> Invitation:
    """Invite an address to join. The answer and the mail are the same whether or not the
    address has an account, and the mail names neither the organisation nor the one who
    invites (the address is not shown to be anyone's yet): the invited person sees those
    after logging in, and accepts or declines."""
    email = email.strip().lower()
    if any(m.user.email == email for m in organisation.memberships):
        raise AccountError(_("%(email)s er allerede medlem.", email=email))
    config = current_app.config
    if not throttle.hit("organisation.invite", str(actor.id),
                        config["INVITATIONS_MAX_PER_MEMBER"], config["MAIL_LIMIT_WINDOW"]) \
            or not may_send_mail(email, ip_address):
        raise MailLimited(_("Du har sendt mange invitasjoner, eller vi har sendt mange "
                            "e-poster til denne adressen, den siste timen. Vent en time og "
                            "prøv igjen."))
    query = select(Invitation).where(Invitation.organisation_id == organisation.id,
                                     Invitation.email == email)
    invitation = db.session.execute(query).scalar_one_or_none()
    if invitation is None:
        try:
            with db.session.begin_nested():
                invitation = Invitation(organisation=organisation, email=email,
                                        invited_by=actor)
                db.session.add(invitation)
        except IntegrityError:  # invited at the same moment by someone else
            invitation = db.session.execute(query).scalar_one()
    invitation.invited_by = actor
    invitation.created_at = utcnow()  # invited again: open for a new period
    record("organisation.member_invited", organisation, actor=actor, email=email)
    # In the language of the account the address has; without one, the inviter's.
    invited = find_user(email)
    queue_mail(email, _l("Invitasjon til å søke tilskudd for en organisasjon"),
               "organisation_invitation", locale=invited.mail_locale if invited else None,
               login=external_url("auth.login"),
               register=external_url("auth.register"))
    return invitation


def withdraw_invitation(invitation: Invitation, actor) -> None:
    record("organisation.invitation_withdrawn", invitation.organisation, actor=actor,
           email=invitation.email)
    db.session.delete(invitation)


def accept_invitation(invitation: Invitation, user: User) -> Organisation:
    organisation = invitation.organisation
    if not invitation_is_open(invitation):
        raise AccountError(_("Invitasjonen er utløpt. Be organisasjonen om en ny."))
    if _membership(organisation, user) is None:
        organisation.memberships.append(Membership(user=user))
        record("organisation.member_added", organisation, actor=user, member=user.email,
               invited_by=invitation.invited_by.email)
    db.session.delete(invitation)
    return organisation


def decline_invitation(invitation: Invitation, user: User) -> None:
    record("organisation.invitation_declined", invitation.organisation, actor=user,
           email=invitation.email)
    db.session.delete(invitation)


def remove_member(organisation: Organisation, user: User, actor) -> None:
    """Anyone may leave; a responsible member may remove others. The organisation keeps
    at least one member, and a responsible one while it has members."""
    membership = _membership(organisation, user)
    if membership is None:
        return
    leaving = user.id == actor.id
    actor_membership = _membership(organisation, actor)
    if not leaving and not (actor_membership and actor_membership.responsible):
        raise AccountError(_("Bare ansvarlige medlemmer kan fjerne andre medlemmer."))
    if len(organisation.memberships) == 1:
        raise AccountError(_("Organisasjonen må ha minst ett medlem."))
    if membership.responsible and not any(
            m.responsible for m in organisation.memberships if m is not membership):
        raise AccountError(_("Du er den eneste ansvarlige for organisasjonen. Gjør et annet "
                             "medlem ansvarlig før du går ut."))
    organisation.memberships.remove(membership)
    record("organisation.member_removed", organisation, actor=actor, member=user.email)


def make_responsible(organisation: Organisation, user: User, actor) -> None:
    """A responsible member shares the responsibility with another member."""
    actor_membership = _membership(organisation, actor)
    if not (actor_membership and actor_membership.responsible):
        raise AccountError(_("Bare ansvarlige medlemmer kan gjøre andre ansvarlige."))
    membership = _membership(organisation, user)
    if membership is None:
        return
    if membership.responsible:
        raise AccountError(_("%(name)s er allerede ansvarlig.", name=user.name))
    membership.responsible = True
    record("organisation.member_made_responsible", organisation, actor=actor,
           member=user.email)
