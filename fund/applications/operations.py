"""State changes of applications. Each writes the audit log; the caller commits."""

from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path
from types import SimpleNamespace

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm.attributes import set_committed_value

from fund.applications.diff import changes as snapshot_changes
from fund.applications.exemptions import refuse_public
from fund.applications.models import (
    Application,
    ApplicationError,
    ApplicationMeasure,
    ApplicationSDG,
    ApplicationState,
    Attachment,
    CaseNumberCounter,
    CostLine,
    DeMinimisAid,
    EligibilityWarning,
    ExemptionRequest,
    FinancingLine,
    InfoRequest,
    Submission,
    draft_warning_from,
)
from fund.applications.restore import restore_submitted
from fund.applications.rules import Problem, Settings, checklist, eligibility, missing
from fund.applications.uploads import (
    UploadRefused,
    open_stored,
    remove_stored,
    store,
    upload_folder,
)
from fund.audit.models import AuditEvent
from fund.audit.operations import record
from fund.auth.models import Organisation, User
from fund.calls.models import Call, Fund
from fund.calls.operations import review_closed_now
from fund.core import files
from fund.core.formatting import format_date, to_local
from fund.core.signals import application_submitted
from fund.core.sql import increment
from fund.core.types import utcnow
from fund.extensions import db
from fund.mail.operations import queue_mail
from fund.plan.models import Measure, Strategy

#: Saves by the same person within this window share one audit event.
SAVE_AUDIT_WINDOW = timedelta(minutes=10)


class StaleApplication(ApplicationError):
    """Someone saved a newer version since this form was opened."""


class LateSubmission(ApplicationError):
    pass


class NotReady(ApplicationError):
    """Something required is missing (formal completeness); eligibility rules never
    refuse a submission."""

    def __init__(self, problems: list[Problem]):
        super().__init__(_("Søknaden mangler noe før den kan sendes inn."))
        self.problems = problems


class ReplyMissing(ApplicationError):
    """An answer to an information request needs the applicant's reply."""


def start_application(call: Call, organisation: Organisation, user: User) -> Application:
    if not call.is_open:
        raise ApplicationError(_("Utlysningen er ikke åpen for søknader."))
    # Two drafts started at the same moment must not both slip under a limit.
    db.session.refresh(organisation, with_for_update=True)
    db.session.refresh(user, with_for_update=True)
    config = current_app.config
    limit = config["MAX_DRAFTS_PER_ORGANISATION_AND_CALL"]
    if _drafts(Application.organisation_id == organisation.id,
               Application.call_id == call.id) >= limit:
        raise ApplicationError(_(
            "%(organisation)s har allerede %(count)s utkast til denne utlysningen. Fortsett på "
            "et av dem, eller slett et du ikke trenger, før du starter et nytt.",
            organisation=organisation.name, count=limit))
    limit = config["MAX_DRAFTS_PER_USER"]
    if _drafts(Application.created_by_id == user.id) >= limit:
        raise ApplicationError(_(
            "Du har allerede startet %(count)s utkast som ikke er sendt inn. Send inn eller "
            "slett noen av dem før du starter flere.", count=limit))
    application = Application(call=call, organisation=organisation, created_by=user,
                              updated_by=user, state=ApplicationState.DRAFT,
                              contact_name=user.name,
                              contact_email=user.email, contact_phone=user.phone or "")
    db.session.add(application)
    record("application.created", application, actor=user, call=call.id,
           organisation=organisation.orgnr)
    return application


def _figures(application: Application) -> dict:
    """The application's figures as the audit log records them, old against new."""
    return {"amount_applied": application.amount_applied,
            "total_cost": application.total_cost,
            "total_financing": application.total_financing,
            "knowledge_jobs": application.knowledge_jobs,
            "other_jobs": application.other_jobs,
            "co2e_cut_tonnes": str(application.co2e_cut_tonnes)
            if application.co2e_cut_tonnes is not None else None,
            "starts_on": _iso(application.starts_on), "ends_on": _iso(application.ends_on)}


def _drafts(*where) -> int:
    return db.session.scalar(select(func.count(Application.id)).where(
        Application.state == ApplicationState.DRAFT, *where))


def check_attachments_allowed(application: Application) -> None:
    """New files are refused in a plain draft once the call's deadline has passed (it can
    no longer be submitted); an answer to an information request may still add them."""
    if not application.is_editable:
        raise ApplicationError(_("Søknaden er sendt inn og kan ikke endres."))
    if application.is_late(utcnow()):
        raise ApplicationError(_(
            "Søknadsfristen gikk ut %(deadline)s, så du kan ikke legge ved flere filer. Det "
            "du har skrevet, er lagret.", deadline=_time(application.call.closes_at)))


def _audit_save(application: Application, user: User, changed: list[str],
                before: dict) -> None:
    """Log a save. A change of any figure is logged with its old and new value, every
    time. Saves of text by the same person within SAVE_AUDIT_WINDOW share one entry, as
    long as they touch no field the entry does not already name."""
    figures = {name: [before[name], value] for name, value in _figures(application).items()
               if before[name] != value}
    last = db.session.execute(
        select(AuditEvent).where(AuditEvent.object_type == "applications",
                                 AuditEvent.object_id == application.id)
        .order_by(AuditEvent.id.desc()).limit(1)).scalar_one_or_none()
    if not figures and last is not None and last.action == "application.saved" \
            and last.actor_id == user.id and last.at > utcnow() - SAVE_AUDIT_WINDOW \
            and set(changed) <= set(last.details.get("fields", [])):
        return
    record("application.saved", application, actor=user, fields=sorted(changed),
           **({"figures": figures} if figures else {}))


def save_draft(application: Application, user: User, version: int | None, *,
               fields: dict | None = None, strategies: list[Strategy] | None = None,
               measures: dict[int, str] | None = None, cost_lines: list[dict] | None = None,
               financing_lines: list[dict] | None = None, aid: list[dict] | None = None,
               sdgs: set[int] | None = None, exemptions: dict[str, str] | None = None,
               attachment_exemptions: dict[int, str | None] | None = None) -> None:
    """Store what the applicant has written. Nothing is required yet; parts that are
    None are left as they are. A save based on an older version is refused.

    ``exemptions``: the text fields the applicant asks to have exempt from public access,
    with the reasons (never the public summary); ``attachment_exemptions``: per
    attachment id, the reason asked, or None. Budget lines carry theirs in their rows."""
    if not application.is_editable:
        raise ApplicationError(_("Søknaden er sendt inn og kan ikke endres."))
    if version is not None and version != application.version:
        raise StaleApplication(_(
            "%(name)s lagret søknaden %(time)s, etter at du åpnet den. Endringene dine er "
            "ikke lagret, men står fortsatt i skjemaet under.",
            name=application.updated_by.name if application.updated_by else _("Noen"),
            time=_time(application.updated_at)))
    refuse_public(exemptions or {})
    before = _figures(application)
    changed = []
    for name, value in (fields or {}).items():
        if getattr(application, name) != value:
            setattr(application, name, value)
            changed.append(name)
    if strategies is not None and {s.id for s in strategies} != \
            {s.id for s in application.strategies}:
        application.strategies = strategies
        changed.append("strategies")
    if measures is not None:
        current = {m.measure_id: m for m in application.measures}
        if {k: v.how for k, v in current.items()} != measures:
            application.measures = [
                current.get(measure_id) or ApplicationMeasure(measure_id=measure_id)
                for measure_id in measures]
            for chosen in application.measures:
                chosen.how = measures[chosen.measure_id]
            changed.append("measures")
    for name, rows, model in (("cost_lines", cost_lines, CostLine),
                              ("financing_lines", financing_lines, FinancingLine),
                              ("aid_received", aid, DeMinimisAid)):
        if rows is not None and rows != [_line_dict(line, rows) for line in
                                         getattr(application, name)]:
            setattr(application, name, [model(**row) for row in rows])
            changed.append(name)
    if sdgs is not None and sdgs != set(application.sdgs):
        kept = {row.goal: row for row in application.sdg_rows if row.goal in sdgs}
        application.sdg_rows = [kept.get(goal) or ApplicationSDG(goal=goal)
                                for goal in sorted(sdgs)]
        changed.append("sdgs")
    if exemptions is not None and exemptions != {c.field: c.reason
                                                 for c in application.exemption_requests}:
        # rows are kept and updated in place: a new row for a field would be inserted
        # before the old one is deleted, against the one-row-per-field constraint
        kept = {row.field: row for row in application.exemption_requests
                if row.field in exemptions}
        application.exemption_requests = [kept.get(f) or ExemptionRequest(field=f)
                                          for f in exemptions]
        for row in application.exemption_requests:
            row.reason = exemptions[row.field]
        changed.append("exemption_requests")
    for attachment in application.attachments:
        if attachment_exemptions is not None and attachment.id in attachment_exemptions \
                and attachment.exemption_reason != attachment_exemptions[attachment.id]:
            attachment.exemption_reason = attachment_exemptions[attachment.id]
            if "attachment_exemptions" not in changed:
                changed.append("attachment_exemptions")
    if changed:
        application.updated_at = utcnow()
        application.updated_by = user
        _audit_save(application, user, changed, before)
        db.session.flush()


def _line_dict(line, rows) -> dict:
    keys = rows[0].keys() if rows else ()
    return {key: getattr(line, key) for key in keys}


def _time(moment: datetime) -> str:
    from fund.core.formatting import format_datetime
    return format_datetime(moment)


def delete_draft(application: Application, user: User | None, **details) -> None:
    """Delete a draft that was never submitted; its files go once the deletion commits.
    ``user`` None: the system deletes it (``purge_draft``); ``details`` go to the audit
    entry."""
    if not application.can_be_deleted:
        raise ApplicationError(_("Bare utkast som aldri er sendt inn kan slettes."))
    record("application.deleted", application, actor=user, by_system=user is None,
           title=application.title, **details)
    for attachment in application.attachments:
        _remove_after_commit(attachment.stored_name)
    db.session.delete(application)


# Drafts never submitted ----------------------------------------------------------------------
#
# Once its call's deadline has passed, a draft can never be sent. It is kept
# DRAFT_KEEP_AFTER_CLOSE after the deadline, so that the applicant can take out what they
# wrote, and then deleted, after a warning mail DRAFT_DELETION_NOTICE before. Drafts of a
# call still open are never deleted: the applicant may still send them, and every call has a
# deadline, so every draft comes to this in time.

def _draft_locked(application_id: int) -> Application | None:
    return db.session.execute(
        select(Application).where(Application.id == application_id)
        .with_for_update().execution_options(populate_existing=True)).scalar_one_or_none()


def draft_warning_due(application: Application, now: datetime) -> bool:
    """A draft never submitted, its call closed, its members not yet warned (for this
    deadline), and the day of the warning come."""
    return application.can_be_deleted and application.call.closes_at <= now \
        and application.deletion_warning is None \
        and _today(now) >= draft_warning_from(application.call.closes_at)


def draft_deletion_due(application: Application, now: datetime) -> bool:
    """A draft never submitted whose members were warned, and whose day of deletion (at
    least DRAFT_DELETION_NOTICE after the warning) has come."""
    return application.can_be_deleted and application.call.closes_at <= now \
        and application.deletion_on is not None and _today(now) >= application.deletion_on


def warn_draft_deletion(application_id: int, now: datetime) -> Application | None:
    """Tell the members of a draft never submitted, once, that it will be deleted and
    when, with a link to it; record that they were told. None when no warning is due."""
    application = _draft_locked(application_id)
    if application is None or not draft_warning_due(application, now):
        return None
    # Not through the ORM's unit of work: that would raise the version, and a form the
    # applicant has open would be refused as stale on its next save.
    table = Application.__table__
    db.session.execute(table.update().where(table.c.id == application.id)
                       .values(deletion_warned_at=now))
    set_committed_value(application, "deletion_warned_at", now)
    deletion_on = application.deletion_on
    members = _members(application)
    record("application.deletion_warned", application, by_system=True,
           deletion_on=deletion_on.isoformat(),
           closes_at=application.call.closes_at.isoformat(),
           recipients=[user.id for user in members])
    for user in members:
        queue_mail(user.email, _l("Utkastet «%(title)s» blir slettet",
                                  title=application.title or _l("Uten tittel")),
                   "application_draft_deletion", locale=user.mail_locale,
                   application=application, deletion_on=deletion_on)
    return application


def purge_draft(application_id: int, now: datetime) -> Application | None:
    """Delete a draft never submitted whose day of deletion has come (its members warned
    long enough before), with its measure links, budget lines and attachments; the files
    go once this commits. None when no deletion is due."""
    application = _draft_locked(application_id)
    if application is None or not draft_deletion_due(application, now):
        return None
    delete_draft(application, None, reason="draft_expired", call=application.call_id,
                 organisation=application.organisation.orgnr,
                 closes_at=application.call.closes_at.isoformat(),
                 warned_at=application.deletion_warned_at.isoformat(),
                 attachments=[a.filename for a in application.attachments])
    db.session.flush()
    return application


# Attachments ---------------------------------------------------------------------------------
#
# Files live outside the database, so they follow its transaction (fund.core.files): a
# file stored by a transaction that does not commit is removed, and a file is removed from
# disk only once the transaction that dropped its row has committed.

def _remove_after_commit(stored_name: str) -> None:
    files.remove_after_commit(upload_folder(), stored_name)


@files.references("uploads")
def _referenced_uploads():
    return db.session.execute(select(Attachment.stored_name)).scalars()


def add_attachments(application: Application, files, actor: User) -> tuple[list[Attachment],
                                                                           list[str]]:
    """Store the uploaded files (werkzeug ``FileStorage``s) and attach them, within the
    size quota. Returns the new attachments and a message for each file refused (one
    message for all when the application takes no more files)."""
    files = [file for file in files or [] if file and file.filename]
    if not files:
        return [], []
    try:
        check_attachments_allowed(application)
    except ApplicationError as exc:
        return [], [str(exc)]
    config = current_app.config
    total = sum(a.size for a in application.attachments)
    added, refused = [], []
    for file in files:
        try:
            stored = store(file, upload_folder(), config["UPLOAD_MAX_FILE"])
        except UploadRefused as exc:
            refused.append(str(exc))
            continue
        if total + stored.size > config["UPLOAD_MAX_TOTAL"]:
            remove_stored(upload_folder(), stored.stored_name)
            refused.append(_(
                "«%(name)s» ble ikke lagt ved: vedleggene kan til sammen være høyst %(mb)s MB.",
                name=stored.filename, mb=config["UPLOAD_MAX_TOTAL"] // (1024 * 1024)))
            continue
        total += stored.size
        attachment = Attachment(filename=stored.filename, stored_name=stored.stored_name,
                                content_type=stored.content_type, size=stored.size,
                                sha256=stored.sha256, uploaded_by_id=actor.id)
        application.attachments.append(attachment)
        record("application.attachment_added", application, actor=actor,
               filename=stored.filename, sha256=stored.sha256)
        added.append(attachment)
    return added, refused


def remove_attachment(application: Application, attachment: Attachment, actor: User) -> None:
    """Take a file off an application the applicant may still change; the file itself
    goes once this commits."""
    if not application.is_editable:
        raise ApplicationError(_("Søknaden er sendt inn og kan ikke endres."))
    if application.awaits_information and was_submitted(application, attachment):
        # the original submission stays the basis (LAW.md §3.7): a file sent in is kept
        raise ApplicationError(_("Vedlegg som er sendt inn, kan ikke fjernes. Last opp en ny "
                                 "versjon og forklar i svaret."))
    application.attachments.remove(attachment)
    _remove_after_commit(attachment.stored_name)
    record("application.attachment_removed", application, actor=actor,
           filename=attachment.filename)


def was_submitted(application: Application, attachment: Attachment) -> bool:
    """The file was part of the last submission (the same content under the same name)."""
    if not application.submissions:
        return False
    return any(row["sha256"] == attachment.sha256 and row["filename"] == attachment.filename
               for row in application.submissions[-1].snapshot.get("attachments", []))


def read_attachment(application: Application, attachment: Attachment, actor: User) -> Path:
    """The stored file's path, for the caller to send; the reading is logged. Raises
    ``FileNotFoundError`` if the file is gone. Who may read is the caller's question."""
    path = open_stored(upload_folder(), attachment.stored_name)
    record("application.attachment_read", application, actor=actor, attachment=attachment.id)
    return path


def rule_settings() -> tuple[Settings, date]:
    """What every check of the rules runs with: the settings, and today in Oslo."""
    from fund.core.formatting import to_local
    return Settings.from_config(current_app.config), to_local(utcnow()).date()


def problems_for(application: Application) -> list[Problem]:
    """What is missing and the eligibility warnings, as the submit page lists them."""
    return checklist(application, *rule_settings())


def missing_for(application: Application) -> list[Problem]:
    """What is missing before the application can be submitted: the only refusals."""
    return missing(application)


def eligibility_problems(application: Application) -> list[Problem]:
    """The eligibility rules the application breaks today, or that cannot be checked:
    warnings for the applicant and the caseworker, never a refusal."""
    return eligibility(application, *rule_settings())


def _next_case_number(application: Application) -> str:
    """``NF-2027-0042``: the next number under the fund and year's prefix, taken from a
    counter row that stays locked until this submission commits (no two alike, no gaps)."""
    prefix = f"{'KF' if application.call.fund == Fund.KLIMAFOND else 'NF'}-" \
             f"{application.call.year}-"
    number = increment(CaseNumberCounter, {"prefix": prefix}, "last_number")
    return f"{prefix}{number:04d}"


def submit(application: Application, user: User, reply: str | None = None,
           arrived: datetime | None = None) -> Submission:
    """Freeze the application as submitted, give it a case number, send a receipt.

    ``arrived``: when the request reached the site (``http.arrived_at``), which the
    deadline is judged at and the submission is stamped with; by default now.
    Refused after the call's deadline, to the second, unless it answers a caseworker's
    request for information (then ``reply``, the applicant's answer, is required, and the
    request's own deadline applies). Refused while something required is missing; the
    eligibility rules only warn: the ones broken are stored with the submission, for the
    caseworker. The draft is kept either way.
    """
    if not application.is_editable:
        raise ApplicationError(_("Søknaden er allerede sendt inn."))
    answering = application.open_info_request
    now = arrived or utcnow()
    if application.is_late(now):
        raise LateSubmission(_(
            "Søknadsfristen gikk ut %(deadline)s. Søknaden kan ikke sendes inn lenger, men "
            "utkastet ditt er lagret.", deadline=_time(application.call.closes_at)))
    if answering is not None and answering.is_overdue(now):
        raise LateSubmission(_(
            "Fristen for å svare gikk ut %(date)s. Søknaden behandles på grunnlag av "
            "opplysningene kommunen har. Ta kontakt med saksbehandler hvis du har noe å "
            "legge til.", date=format_date(answering.answer_by)))
    reply = (reply or "").strip()
    if answering is not None and not reply:
        raise ReplyMissing(_("Skriv svaret ditt til saksbehandler."))
    problems = missing_for(application)
    if problems:
        raise NotReady(problems)
    if application.case_number is None:
        application.case_number = _next_case_number(application)
    if application.submitted_at is None:
        application.submitted_at = now
    application.move_to(ApplicationState.SUBMITTED, _("Søknaden er allerede sendt inn."))
    warnings = eligibility_problems(application)
    application.eligibility_failures = len(warnings)
    submission = Submission(number=len(application.submissions) + 1, submitted_at=now,
                            submitted_by_id=user.id, snapshot={},
                            warnings=[EligibilityWarning(rule=p.code, message=p.message)
                                      for p in warnings])
    application.submissions.append(submission)
    db.session.flush()
    submission.snapshot = snapshot(application, submission)
    record("application.submitted", application, actor=user,
           case_number=application.case_number, submission=submission.number,
           answers_request=answering.id if answering else None,
           eligibility_warnings=[p.code.value for p in warnings])
    if answering is not None:
        _answer(application, answering, submission, user, reply, now)
    _send_receipt(application, submission)
    application_submitted.send(application, actor=user, submission=submission,
                               answered=answering)
    return submission


def _answer(application: Application, request: InfoRequest, submission: Submission,
            user: User, reply: str, now: datetime) -> None:
    """The submission answers the open request: the reply is kept with it, and the answer
    is logged as its own entry, naming the fields that changed since the submission
    before."""
    request.answered_at, request.reply = now, reply
    request.answered_by, request.submission = user, submission
    previous = application.submissions[-2] if len(application.submissions) > 1 else None
    changed = [change.label for change in snapshot_changes(previous.snapshot,
                                                           submission.snapshot)] \
        if previous is not None else []
    record("application.info_request_answered", application, actor=user,
           request=request.id, submission=submission.number, changed=changed)


def _send_receipt(application: Application, submission: Submission) -> None:
    # A link, not the PDF: it holds business secrets and the bank account (GDPR art. 32).
    for user in _members(application):
        queue_mail(user.email, _l("Kvittering: %(case)s %(title)s",
                                  case=application.case_number, title=application.title),
                   "application_receipt", locale=user.mail_locale, application=application,
                   submission=submission)


def _members(application: Application) -> list[User]:
    """Who mail about an application goes to: the applying organisation's members whose
    address is confirmed, never the contact e-mail typed into the form (unconfirmed). Each
    gets it in their own language (``mail_locale``)."""
    return sorted((m.user for m in application.organisation.memberships
                   if m.user.email_verified_at is not None and m.user.active),
                  key=lambda user: user.email)


def withdraw(application: Application, user: User, reason: str) -> None:
    """Withdraw a submitted application; ``reason`` (required) goes to the audit entry,
    which the caseworkers see in the case history, and to the confirmation mail."""
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("Skriv hvorfor dere trekker søknaden."))
    if review_closed_now(application.call):
        raise ApplicationError(_("Behandlingen av utlysningen er avsluttet, og søknaden kan "
                                 "ikke lenger trekkes."))
    application.move_to(ApplicationState.WITHDRAWN, _("Søknaden kan ikke trekkes nå."))
    record("application.withdrawn", application, actor=user, reason=reason)
    queue_mail(user.email, _l("Søknad %(case)s er trukket", case=application.case_number),
               "application_withdrawn", locale=user.mail_locale, application=application,
               reason=reason)


def days_to_answer_default() -> date:
    """The answer date a new request suggests: INFO_REQUEST_DAYS_TO_ANSWER from today."""
    return _today() + timedelta(days=current_app.config["INFO_REQUEST_DAYS_TO_ANSWER"])


def _today(now: datetime | None = None) -> date:
    return to_local(now or utcnow()).date()


def request_info(application: Application, caseworker: User, message: str,
                 answer_by: date | None = None) -> InfoRequest:
    """Ask the applicant for more (forvaltningsloven § 17), to be answered by
    ``answer_by`` (a day after today; the default INFO_REQUEST_DAYS_TO_ANSWER from now).
    The application goes back to the applicant until the answer, or the day after
    ``answer_by`` (``expire_info_requests``)."""
    if review_closed_now(application.call):
        raise ApplicationError(_("Behandlingen av utlysningen er avsluttet, og det kan ikke "
                                 "lenger bes om flere opplysninger."))
    if not application.can_request_info:
        raise ApplicationError(_("Du kan bare be om opplysninger i en innsendt søknad."))
    message = (message or "").strip()
    if not message:
        raise ApplicationError(_("Skriv hva søkeren må sende."))
    today = _today()
    answer_by = answer_by or days_to_answer_default()
    if answer_by <= today:
        raise ApplicationError(_("Svarfristen må være etter i dag."))
    longest = current_app.config["INFO_REQUEST_MAX_DAYS_TO_ANSWER"]
    if answer_by > today + timedelta(days=longest):
        raise ApplicationError(_("Svarfristen kan være høyst %(days)s dager fram i tid.",
                                 days=longest))
    request = InfoRequest(requested_by=caseworker, message=message, answer_by=answer_by)
    application.info_requests.append(request)
    application.move_to(ApplicationState.INFO_REQUESTED)
    record("application.info_requested", application, actor=caseworker, message=message,
           answer_by=answer_by.isoformat())
    for user in _members(application):
        queue_mail(user.email, _l("Vi trenger flere opplysninger: %(case)s",
                                  case=application.case_number),
                   "application_info_requested", locale=user.mail_locale,
                   application=application, info_request=request)
    return request


@cache
def _overdue_statement(of_application: bool):
    """The ids of open requests whose last day is before the bound ``today`` (of the
    application bound as ``application``): built once, for the check runs before every
    queue and case page (issue 14)."""
    query = select(InfoRequest.id).join(Application).where(
        InfoRequest.answered_at.is_(None), InfoRequest.expired_at.is_(None),
        InfoRequest.answer_by < bindparam("today"),
        Application.state == ApplicationState.INFO_REQUESTED)
    if of_application:
        query = query.where(Application.id == bindparam("application"))
    return query.order_by(InfoRequest.id)


#: ``app.extensions``' key: the day a look for overdue requests (of every application)
#: found none.
_NONE_OVERDUE_ON = "fund.none_overdue_on"


def overdue_info_requests(now: datetime, application_id: int | None = None) -> list[int]:
    """The ids of open requests whose last day to answer has passed at ``now``.

    Once a look finds none, none can fall due before the next day: a request's last day
    is after the day it is made (``request_info``), and a day is overdue only once it has
    passed. So the process does not look again that day; the staff pages that look
    before they read (the queue, a case, the ranking, the closing) skip a statement
    (issue 14). A restore is made with the app stopped (README), so its processes start
    afresh; a request put back in time by hand while the app runs waits for the next day
    or the nightly ``expire-requests``."""
    today = _today(now)
    if current_app.extensions.get(_NONE_OVERDUE_ON) == today:
        return []
    params = {"today": today}
    if application_id is not None:
        params["application"] = application_id
    found = list(db.session.execute(_overdue_statement(application_id is not None),
                                    params).scalars())
    if not found and application_id is None:
        current_app.extensions[_NONE_OVERDUE_ON] = today
    return found


def forget_overdue_look(app) -> None:
    """Look for overdue requests again, even today: for a database replaced under the
    running app (each test's, rolled back after it)."""
    app.extensions.pop(_NONE_OVERDUE_ON, None)


def expire_info_requests(now: datetime, application_id: int | None = None) -> list[InfoRequest]:
    """Requests not answered by their last day expire: each application goes back to the
    caseworkers as received (SUBMITTED) and is handled on what the municipality has: the
    live application is put back to the last submission (``restore_submitted``; files
    uploaded since are removed once this commits), the audit log names the changes the
    applicant saved but did not send in, now discarded, and the applicant's members are
    told by mail. Run by ``flask applications expire-requests``
    (cron) and before staff read the queue, a case, the ranking or the closing."""
    ids = overdue_info_requests(now, application_id)
    if not ids:
        return []
    requests = db.session.execute(
        select(InfoRequest).where(InfoRequest.id.in_(ids), InfoRequest.answered_at.is_(None),
                                  InfoRequest.expired_at.is_(None))
        .order_by(InfoRequest.id).with_for_update()).scalars().all()
    expired = []
    for request in requests:
        application = request.application
        if application.state != ApplicationState.INFO_REQUESTED:
            continue
        request.expired_at = now
        changes = unsent_changes(application, now)
        last = application.submissions[-1] if application.submissions else None
        removed = restore_submitted(application, last.snapshot) if last is not None else []
        for attachment in removed:
            _remove_after_commit(attachment.stored_name)
        application.move_to(ApplicationState.SUBMITTED)
        record("application.info_request_expired", application, by_system=True,
               request=request.id, answer_by=request.answer_by.isoformat(),
               unsent_changes=changes, discarded=last is not None,
               restored_submission=last.number if last is not None else None,
               removed_attachments=[a.filename for a in removed])
        for user in _members(application):
            queue_mail(user.email, _l("Fristen for å svare er ute: %(case)s",
                                      case=application.case_number),
                       "application_info_request_expired", locale=user.mail_locale,
                       application=application, info_request=request)
        expired.append(request)
    db.session.flush()
    return expired


def unsent_changes(application: Application, now: datetime) -> list[str]:
    """The fields the applicant changed since the last submission without sending them
    in (their labels)."""
    if not application.submissions:
        return []
    warnings = [SimpleNamespace(rule=p.code, message=p.message)
                for p in eligibility_problems(application)]
    live = snapshot(application, SimpleNamespace(number=0, submitted_at=now, warnings=warnings))
    return [change.label for change in snapshot_changes(application.submissions[-1].snapshot,
                                                        live)]


def snapshot(application: Application, submission: Submission) -> dict:
    """The whole application as plain JSON, frozen at submission."""
    org = application.organisation
    climate = None
    if application.call.fund == Fund.KLIMAFOND:
        climate = {"category": application.climate_category.value
                   if application.climate_category else None,
                   "baseline": application.climate_baseline,
                   "co2e_cut_tonnes": str(application.co2e_cut_tonnes)
                   if application.co2e_cut_tonnes is not None else None,
                   "method": application.co2e_method}
    measures = sorted(application.measures, key=lambda m: _measure_sort_key(m.measure))
    return {
        "case_number": application.case_number,
        "submission_number": submission.number,
        "submitted_at": submission.submitted_at.isoformat(),
        "call": {"id": application.call.id, "title": application.call.title,
                 "fund": application.call.fund.value, "year": application.call.year,
                 "closes_at": application.call.closes_at.isoformat(),
                 "expected_decision_on": _iso(application.call.expected_decision_on)},
        "organisation": {"orgnr": org.orgnr, "name": org.name, "org_form": org.org_form,
                         "address": org.address, "postcode": org.postcode, "city": org.city,
                         "municipality_number": org.municipality_number,
                         "bank_account": org.bank_account,
                         "vat_registered": org.vat_registered},
        "contact": {"name": application.contact_name, "email": application.contact_email,
                    "phone": application.contact_phone},
        "project_leader": application.project_leader,
        "project": {name: getattr(application, name) for name in (
            "title", "summary", "description", "background", "goals", "anchoring", "partners",
            "milestones", "not_started", "additionality")} | {
            "starts_on": _iso(application.starts_on), "ends_on": _iso(application.ends_on)},
        "effects": {name: getattr(application, name) for name in (
            "knowledge_jobs", "other_jobs", "competence", "has_education_partners",
            "education_partners", "has_international_cooperation", "international")},
        "climate": climate,
        "strategies": [{"code": s.code, "title": s.title} for s in application.strategies],
        "measures": [{"code": m.measure.code, "text": m.measure.text, "how": m.how}
                     for m in measures],
        "sdgs": application.sdgs,
        "budget": {
            "cost_lines": [{"category": c.category.value, "description": c.description,
                            "amount": c.amount, "exemption_reason": c.exemption_reason}
                           for c in application.cost_lines],
            "financing_lines": [{"kind": f.kind.value, "description": f.description,
                                 "hours": f.hours, "hourly_rate": f.hourly_rate,
                                 "amount": f.amount, "exemption_reason": f.exemption_reason}
                                for f in application.financing_lines],
            "amount_applied": application.amount_applied,
            "total_cost": application.total_cost,
            "total_financing": application.total_financing,
            "share_applied_percent": str(application.share_applied_percent)
            if application.share_applied_percent is not None else None,
        },
        "de_minimis": {"in_group": application.in_group,
                       "group_details": application.group_details,
                       "aid": [{"grantor": a.grantor, "granted_on": a.granted_on.isoformat(),
                                "amount": a.amount} for a in application.aid_received]},
        # The applicant's requests for exemption from public access, by text field (budget
        # lines and attachments carry theirs as ``exemption_reason``).
        "exemption_requests": {c.field: c.reason for c in application.exemption_requests},
        "attachments": [{"filename": a.filename, "content_type": a.content_type,
                         "size": a.size, "sha256": a.sha256,
                         "exemption_reason": a.exemption_reason}
                        for a in application.attachments],
        # what the applicant was warned of (the rules broken, or not verifiable)
        "eligibility_warnings": [{"rule": w.rule.value, "message": w.message}
                                 for w in getattr(submission, "warnings", None) or []],
    }


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def _measure_sort_key(measure: Measure):
    strategy, _, number = measure.code.partition("-")
    return strategy, int(number) if number.isdigit() else 0
