"""Accounts and organisations: registration, login, tokens, membership. The caller commits."""

import hashlib
import secrets
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select, update
from werkzeug.security import check_password_hash, generate_password_hash

from fund.audit.operations import record
from fund.auth.models import Membership, Organisation, Role, User, UserSession
from fund.core import throttle
from fund.core.types import utcnow
from fund.extensions import db
from fund.mail.operations import external_url, queue_mail


class AccountError(ValueError):
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


def send_verification(user: User) -> None:
    link = external_url("auth.verify_email", token=make_token(user, "verify"))
    queue_mail(user.email, _("Bekreft e-postadressen din"), "verify_email", user=user, link=link)


def register_user(email: str, name: str, password: str, phone: str | None = None) -> User:
    email = email.strip().lower()
    if find_user(email) is not None:
        raise AccountError(_("Det finnes allerede en konto med denne e-postadressen. "
                             "Logg inn, eller be om nytt passord."))
    user = User(email=email, name=name.strip(), phone=phone or None, role=Role.APPLICANT)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    record("user.registered", user, actor=user)
    send_verification(user)
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


def end_all_sessions(user: User) -> None:
    db.session.execute(update(UserSession).where(
        UserSession.user_id == user.id, UserSession.ended_at.is_(None)).values(ended_at=utcnow()))


def user_for_session(user_id: str, token: str | None) -> User | None:
    """The user of a live session: the token's session has not ended or grown too old,
    and the user is active and has not changed password since (``user_id`` carries the
    password fingerprint)."""
    user_id, _, fingerprint = user_id.partition(":")
    if not user_id.isdigit() or not token or len(user_id) > 12:
        return None
    oldest = utcnow() - current_app.config["SESSION_ABSOLUTE_LIFETIME"]
    user = db.session.execute(
        select(User).join(UserSession, UserSession.user_id == User.id).where(
            User.id == int(user_id), UserSession.token_hash == _token_hash(token),
            UserSession.ended_at.is_(None), UserSession.created_at > oldest)
    ).scalar_one_or_none()
    if user is None or not user.active or user.password_fingerprint != fingerprint:
        return None
    return user


def request_password_reset(email: str) -> None:
    """Send a reset link if the account exists; say nothing either way."""
    user = find_user(email)
    if user is None or not user.active:
        return
    link = external_url("auth.reset_password", token=make_token(user, "reset"))
    queue_mail(user.email, _("Nytt passord"), "reset_password", user=user, link=link)
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


def find_organisation(orgnr: str) -> Organisation | None:
    return db.session.execute(
        select(Organisation).where(Organisation.orgnr == orgnr)).scalar_one_or_none()


ORGANISATION_FIELDS = ("name", "org_form", "industry_code", "address", "postcode", "city",
                       "municipality_number", "bank_account", "vat_registered", "bankrupt",
                       "under_liquidation", "register_checked_at")


def create_organisation(orgnr: str, user: User, **fields) -> Organisation:
    if find_organisation(orgnr) is not None:
        raise AccountError(_("Organisasjonen er allerede registrert. Be en av dem som "
                             "representerer den om å legge deg til som medlem."))
    organisation = Organisation(orgnr=orgnr, **fields)
    organisation.memberships.append(Membership(user=user))
    db.session.add(organisation)
    record("organisation.created", organisation, actor=user, orgnr=orgnr, name=fields["name"])
    return organisation


def update_organisation(organisation: Organisation, actor, **fields) -> None:
    changes = {}
    for name, value in fields.items():
        old = getattr(organisation, name)
        if old != value:
            changes[name] = [old.isoformat() if isinstance(old, datetime) else old,
                             value.isoformat() if isinstance(value, datetime) else value]
            setattr(organisation, name, value)
    if changes:
        record("organisation.updated", organisation, actor=actor, changes=changes)


def add_member(organisation: Organisation, email: str, actor) -> User:
    user = find_user(email)
    if user is None or user.role != Role.APPLICANT:
        raise AccountError(_("Fant ingen søkerkonto med denne e-postadressen. Personen må "
                             "først registrere seg."))
    if any(m.user_id == user.id for m in organisation.memberships):
        raise AccountError(_("%(name)s er allerede medlem.", name=user.name))
    organisation.memberships.append(Membership(user=user))
    record("organisation.member_added", organisation, actor=actor, member=user.email)
    return user


def remove_member(organisation: Organisation, user: User, actor) -> None:
    membership = next((m for m in organisation.memberships if m.user_id == user.id), None)
    if membership is None:
        return
    if len(organisation.memberships) == 1:
        raise AccountError(_("Organisasjonen må ha minst ett medlem."))
    organisation.memberships.remove(membership)
    record("organisation.member_removed", organisation, actor=actor, member=user.email)
