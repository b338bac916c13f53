"""A person's rights over their data: the download of what is held about them (GDPR
art. 15 and 20), and closing their account (art. 17), where the archive rules (arkivlova,
arkivforskrifta) and the de minimis record (Reg. (EU) 2023/2831 art. 6(4)) keep the case
documents. The caller commits."""

import enum
import json
import secrets
import tempfile
import zipfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO

from flask import current_app, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, inspect, or_, select, true

from fund.applications.models import Application
from fund.applications.operations import delete_draft
from fund.applications.receipt import receipt_pdf
from fund.applications.uploads import download_name, upload_folder
from fund.audit.operations import record
from fund.auth.models import Claim, ClaimState, Invitation, Organisation, User, UserSession
from fund.auth.operations import end_all_sessions
from fund.core import files, throttle
from fund.core.errors import DomainError
from fund.core.pdf import documents_folder
from fund.core.types import utcnow
from fund.extensions import db
from fund.grants.operations import grant_document_folder
from fund.mail.models import OutboxMessage
from fund.mail.operations import outbox_file_name, outbox_folder, queue_mail
from fund.privacy import queries


class PrivacyError(DomainError):
    """Refused; the message is for the person."""


class ExportLimited(PrivacyError):
    """Too many downloads lately; answered with 429."""


class WrongPassword(PrivacyError):
    """The password given to confirm closing the account was wrong (it counts)."""


# The download ----------------------------------------------------------------------------------

#: Columns never in the download: who among the staff did what (their ids mean nothing to
#: the reader), the row's lock counter, and the random names files are stored under.
_LEFT_OUT = ("version", "stored_name", "password_hash", "token_hash", "notice_stored_name")
#: Internal case handling the applicant is not shown on their pages: the innstilling's
#: amount and KDD reporting code, the manager's sector check, the register check; the
#: first instance's assessment of an appeal; a caseworker's note on a repayment.
_INTERNAL = {
    "decisions": ("proposed_amount", "kdd_category", "excluded_sector_confirmed",
                  "register_checked_at", "meeting_id", "replaced_by_id"),
    "appeals": ("assessment", "handled_at"),
    "repayments": ("note",),
    "payment_requests": ("register_checked_at",),
    "users": ("is_demo", "active"),
    "organisations": ("verification_note",),
    "organisation_claims": ("decision_note",),
}


#: The zip's files and folders, as LESMEG.txt names them.
README_FILES = {
    "account": "konto.json", "organisations": "organisasjoner.json",
    "application": "soknader/<nr>/soknad.json",
    "folders": "soknader/<nr>/vedlegg/, brev/, tilskudd/",
    "receipt": "soknader/<nr>/kvittering-<n>.pdf", "mail": "epost.json, epost/",
    "files": "filer.json",
}


def _value(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    return value


def columns(obj) -> dict:
    """The row's columns as plain JSON values (ISO dates, enums as their codes), less
    those the download leaves out."""
    table = obj.__tablename__
    internal = _INTERNAL.get(table, ())
    return {attr.key: _value(getattr(obj, attr.key))
            for attr in inspect(obj).mapper.column_attrs
            if attr.key not in _LEFT_OUT and attr.key not in internal
            and not attr.key.endswith("_by_id")}


def _folder_name(application: Application) -> str:
    return f"soknader/{application.case_number or f'utkast-{application.id}'}"


class _Zip:
    """A zip of JSON and files, written to a temporary file; files are streamed from
    disk, each under a readable name."""

    def __init__(self, file: IO[bytes]):
        self.zip = zipfile.ZipFile(file, "w", compression=zipfile.ZIP_DEFLATED)
        self.files: list[dict] = []

    def json(self, name: str, data) -> None:
        self.zip.writestr(name, json.dumps(data, ensure_ascii=False, indent=2, default=str))

    def stored(self, name: str, path: Path, sha256: str | None = None) -> str | None:
        """Add a stored file; None (and noted in the list) if it is gone from disk."""
        if not path.is_file():
            self.files.append({"file": name, "missing": True})
            return None
        self.zip.write(path, name)
        self.files.append({"file": name, "sha256": sha256})
        return name

    def data(self, name: str, data: bytes) -> str:
        self.zip.writestr(name, data)
        self.files.append({"file": name})
        return name

    def close(self) -> None:
        self.zip.close()


def write_export(user: User, file: IO[bytes]) -> dict:
    """Everything held about ``user`` as a zip into ``file``; returns counts for the
    audit entry."""
    data = queries.person_data(user)
    archive = _Zip(file)
    archive.zip.writestr("LESMEG.txt", render_template("privacy/readme.txt", user=user,
                                                       files=README_FILES))
    account = columns(user)
    account["logins"] = [{"at": _value(s.created_at), "ended_at": _value(s.ended_at),
                          "ip_address": s.ip_address} for s in data.sessions]
    archive.json("organisasjoner.json", [
        {**columns(m.organisation), "membership": columns(m)} for m in data.memberships])
    account["claims"] = [{**columns(c), "organisation": c.organisation.name}
                         for c in data.claims]
    account["invitations"] = [{**columns(i), "organisation": i.organisation.name}
                              for i in data.invitations]
    archive.json("konto.json", account)
    uploads, letters, grant_files = upload_folder(), documents_folder(), grant_document_folder()
    for application in data.applications:
        folder = _folder_name(application)
        archive.json(f"{folder}/soknad.json", _application(application, data, archive, folder,
                                                           uploads, letters, grant_files))
    mail = []
    for message in data.mail:
        entry = columns(message)
        entry["attachments"] = [archive.data(
            f"epost/{message.id}-{a.id}-{download_name(a.filename, a.content_type)}", a.data)
            for a in message.attachments]
        mail.append(entry)
    archive.json("epost.json", mail)
    archive.json("filer.json", archive.files)
    archive.close()
    return {"applications": len(data.applications), "mail": len(data.mail),
            "files": len(archive.files)}


def _application(application, data, archive, folder, uploads, letters, grant_files) -> dict:
    entry = columns(application)
    entry["call"] = {"title": application.call.title, "year": application.call.year,
                     "fund": application.call.fund.value}
    entry["strategies"] = [s.code for s in application.strategies]
    entry["measures"] = [{"measure": m.measure.code, "how": m.how} for m in application.measures]
    entry["sdgs"] = application.sdgs
    for name in ("cost_lines", "financing_lines", "aid_received", "exemption_requests",
                 "info_requests"):
        entry[name] = [columns(row) for row in getattr(application, name)]
    entry["attachments"] = [{**columns(a), "file": archive.stored(
        f"{folder}/vedlegg/{a.id}-{download_name(a.filename, a.content_type)}",
        uploads / a.stored_name, a.sha256)} for a in application.attachments]
    entry["submissions"] = []
    for submission in application.submissions:
        receipt = archive.data(f"{folder}/kvittering-{submission.number}.pdf",
                               receipt_pdf(application, submission))
        entry["submissions"].append({**columns(submission), "receipt": receipt,
                                     "warnings": [columns(w) for w in submission.warnings]})
    entry["decisions"] = [columns(d) for d in data.decisions.get(application.id, [])]
    entry["letters"] = [{**columns(letter), "file": archive.stored(
        f"{folder}/brev/{letter.id}-{letter.kind.value}.pdf", letters / letter.stored_name,
        letter.sha256)} for letter in data.letters.get(application.id, [])]
    entry["appeals"] = [columns(a) for a in data.appeals.get(application.id, [])]
    grant = data.grants.get(application.id)
    if grant is not None:
        entry["grant"] = _grant(grant, archive, folder, letters, grant_files)
    return entry


def _grant(grant, archive, folder, letters, grant_files) -> dict:
    def document(d):
        return {**columns(d), "file": archive.stored(
            f"{folder}/tilskudd/{d.id}-{download_name(d.filename, d.content_type)}",
            grant_files / d.stored_name, d.sha256)}

    entry = columns(grant)
    entry["payments"] = [{**columns(p), "cost_lines": [columns(c) for c in p.cost_lines],
                          "documents": [document(d) for d in p.documents]}
                         for p in grant.payments]
    report = grant.final_report
    entry["final_report"] = None if report is None else {
        **columns(report), "cost_lines": [columns(c) for c in report.cost_lines],
        "measures": [columns(m) for m in report.measures],
        "documents": [document(d) for d in report.documents]}
    entry["recoveries"] = [{**columns(r), "notice": archive.stored(
        f"{folder}/brev/forhandsvarsel-{r.id}.pdf", letters / r.notice_stored_name,
        r.notice_sha256) if r.notice_stored_name else None} for r in grant.recoveries]
    entry["repayments"] = [columns(r) for r in grant.repayments]
    return entry


def export_file(user: User) -> IO[bytes]:
    """The download, counted against the limit and audited: a temporary file (deleted
    when closed) positioned at its start."""
    config = current_app.config
    if not throttle.hit("privacy.export", str(user.id), config["PRIVACY_EXPORT_MAX"],
                        config["PRIVACY_EXPORT_WINDOW"]):
        record("user.data_export_limited", user, actor=user)
        raise ExportLimited(_("Du har lastet ned dataene dine mange ganger den siste timen. "
                              "Vent en time og prøv igjen."))
    file = tempfile.TemporaryFile()
    try:
        counts = write_export(user, file)
    except BaseException:
        file.close()
        raise
    file.seek(0)
    record("user.data_exported", user, actor=user, **counts)
    return file


def export_filename(now: datetime) -> str:
    return f"mine-data-{now:%Y-%m-%d}.zip"


# Closing the account ---------------------------------------------------------------------------

#: The address a closed account is given: unique, and never deliverable (RFC 2606).
CLOSED_DOMAIN = "konto-avsluttet.invalid"
#: The name a closed account is given (stored data, the same in every language).
CLOSED_NAME = "Slettet bruker"


def refusal(user: User) -> str | None:
    """Why the account cannot be closed by its owner, or None."""
    if user.is_staff:
        return _("Kontoer for ansatte i kommunen avsluttes av en administrator. Ta kontakt "
                 "med administratoren for søknadsportalen.")
    alone = [m.organisation_id for m in user.memberships
             if not any(o.user_id != user.id for o in m.organisation.memberships)]
    running = queries.running_case_organisations(alone)
    if running:
        return _("Du er det eneste medlemmet av %(names)s, som har en sak som ikke er "
                 "avsluttet. Inviter en annen person i organisasjonen til å ta over "
                 "(på organisasjonens side), eller trekk søknaden, før du avslutter kontoen.",
                 names=", ".join(o.name for o in running))
    return None


def close_account(user: User, password: str, ip_address: str | None) -> None:
    """Close the account, in one transaction: a confirmation queued to the address while it
    is still known, the name and address replaced, the password unusable, sessions and
    login history removed, memberships ended, the drafts nobody else can carry on deleted
    (their files once this commits), and the mail to the address that is no case record
    removed. Case documents stay."""
    config = current_app.config
    if not throttle.hit("privacy.close", str(user.id),
                        config["LOGIN_MAX_FAILURES_PER_EMAIL_AND_CLIENT"],
                        config["LOGIN_FAILURE_WINDOW"]):
        raise WrongPassword(_("For mange forsøk med feil passord. Vent 15 minutter og prøv "
                              "igjen. Kontoen er ikke avsluttet."))
    if not user.check_password(password):
        record("user.close_refused", user, actor=user, reason="password")
        raise WrongPassword(_("Passordet er feil. Kontoen er ikke avsluttet."))
    # Two members of one organisation closing at once must not both leave it with a case
    # and no member: its row is locked, and who is a member read again after the lock.
    organisation_ids = [m.organisation_id for m in user.memberships]
    if organisation_ids:
        db.session.execute(select(Organisation.id).where(
            Organisation.id.in_(organisation_ids)).with_for_update())
        for membership in user.memberships:
            db.session.expire(membership.organisation, ["memberships"])
    reason = refusal(user)
    if reason:
        raise PrivacyError(reason)
    address, now = user.email, utcnow()
    keep = queries.case_record_mail_ids(address)
    drafts = queries.drafts_left_alone(user)
    for draft in drafts:
        if draft.can_be_deleted:
            delete_draft(draft, user)
    organisations = [m.organisation for m in user.memberships]
    contacts = [draft for draft in queries.drafts_carried_on(user)
                if draft.contact_email.lower() == address.lower()]
    for draft in contacts:
        # The others carry the draft on; the person leaving is no longer its contact.
        draft.contact_name = draft.contact_email = draft.contact_phone = ""
    for membership in list(user.memberships):
        db.session.delete(membership)
    db.session.execute(delete(Invitation).where(or_(Invitation.email == address,
                                                    Invitation.invited_by_id == user.id)))
    db.session.execute(delete(Claim).where(Claim.claimant_id == user.id,
                                           Claim.state == ClaimState.OPEN))
    dropped = db.session.execute(select(OutboxMessage.id, OutboxMessage.created_at).where(
        func.lower(OutboxMessage.to_address) == address.lower(),
        OutboxMessage.id.not_in(keep) if keep else true())).all()
    if dropped:
        db.session.execute(delete(OutboxMessage).where(
            OutboxMessage.id.in_([message_id for message_id, _created in dropped])))
        for message_id, created in dropped:  # the file backend's copies, once committed
            files.remove_after_commit(outbox_folder(), outbox_file_name(message_id, created))
    db.session.flush()
    for organisation in organisations:
        db.session.expire(organisation, ["memberships"])
        if not organisation.memberships and not db.session.scalar(
                select(func.count(Application.id)).where(
                    Application.organisation_id == organisation.id)):
            record("organisation.deleted", organisation, actor=user, reason="account_closed")
            db.session.delete(organisation)
    queue_mail(address, _l("Kontoen din er avsluttet"), "account_closed",
               locale=user.mail_locale, name=user.name, drafts=len(drafts))
    end_all_sessions(user)
    db.session.execute(delete(UserSession).where(UserSession.user_id == user.id))
    for scope, subject in (("login.account", address), ("mail.address", address),
                           ("privacy.export", str(user.id)),
                           ("privacy.close", str(user.id)),
                           ("organisation.role_check", str(user.id)),
                           ("organisation.claim", str(user.id)),
                           ("organisation.invite", str(user.id))):
        throttle.reset(scope, subject)
    user.email = f"slettet-{user.id}@{CLOSED_DOMAIN}"
    user.name = CLOSED_NAME
    user.phone = None
    user.locale = None
    user.password_hash = "!" + secrets.token_hex(32)  # no password hash: nothing matches
    user.active = False
    user.closed_at = now
    # Nothing of the person goes into the log: the entry says which account, and how much.
    record("user.account_closed", user, actor=user, drafts_deleted=len(drafts),
           organisations_left=len(organisations), draft_contacts_cleared=len(contacts))

