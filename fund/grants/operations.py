"""State changes of the grants domain: the tilsagn made from a sent granting vedtak; its
acceptance or lapse; payment requests and payments; the final report; recovery and
repayments; and the register exports. Every change is audited."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from fund.applications.uploads import UploadRefused, open_stored, remove_stored, store
from fund.audit.operations import record
from fund.auth.models import User
from fund.core.formatting import format_nok
from fund.core.types import utcnow
from fund.decisions.deadlines import acceptance_deadline, oslo_date
from fund.decisions.models import Decision, DecisionKind, Letter
from fund.decisions.operations import member_addresses
from fund.extensions import db
from fund.grants import rules
from fund.grants.models import (
    DocumentKind,
    FinalReport,
    FinalReportCostLine,
    FinalReportMeasure,
    FinalReportState,
    Grant,
    GrantDocument,
    GrantError,
    GrantState,
    PaymentRequest,
    PaymentState,
)
from fund.grants.queries import (
    confirmed_measures_of,
    current_decision_of,
    final_report_of,
    grants_awaiting_final_report,
    money_of,
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

#: Bounds of the numbers in a final report (the columns are whole numbers).
REPORT_MAX_JOBS = 100_000
REPORT_MAX_KRONER = 1_000_000_000
REPORT_TEXT_MAX = 20_000


def grant_document_folder() -> Path:
    """Where the recipient's files for payments and final reports are kept."""
    return Path(current_app.instance_path) / "grant_documents"


#: Files stored by the transaction (removed if it rolls back), as applications do.
_REPORT_FILES = "grants.final_report_files"


def _forget_if_rolled_back(stored_name: str) -> None:
    db.session.info.setdefault(_REPORT_FILES, []).append(stored_name)


@event.listens_for(Session, "after_commit")
def _report_files_kept(session: Session) -> None:
    session.info.pop(_REPORT_FILES, None)


@event.listens_for(Session, "after_rollback")
def _report_files_dropped(session: Session) -> None:
    names = session.info.pop(_REPORT_FILES, [])
    if names:
        for name in names:
            remove_stored(grant_document_folder(), name)


def auditor_required(grant: Grant) -> bool:
    """Whether the accounts need an auditor's or authorised accountant's confirmation:
    the grant in force is at or above the call's threshold."""
    money = money_of(grant)
    return money.granted - money.returned >= grant.application.call.auditor_threshold


def _editable_report(grant: Grant) -> FinalReport:
    """The grant's report as the recipient may change it (made on first save)."""
    must_be(grant, GrantState.ACCEPTED, refusal=_(
        "Sluttrapporten kan bare skrives for et akseptert tilskudd som ikke er avsluttet."))
    report = final_report_of(grant)
    if report is None:
        report = FinalReport(grant=grant)
        db.session.add(report)
        db.session.flush()
    elif report.state not in (FinalReportState.DRAFT, FinalReportState.RETURNED):
        raise GrantError(_("Sluttrapporten er sendt inn og kan ikke endres nå."))
    return report


#: The fields of a final report the recipient writes directly.
REPORT_FIELDS = ("results", "accounts_comment", "knowledge_jobs", "other_jobs",
                 "co2e_tonnes", "co2e_method", "has_education_partners",
                 "education_partners", "has_international_cooperation", "international",
                 "funding_innovasjon_norge", "funding_forskningsradet", "funding_eu",
                 "funding_other")


_REPORT_TEXTS = ("results", "accounts_comment", "co2e_method", "education_partners",
                 "international")


def save_final_report(grant: Grant, actor: User, *, costs: dict[int, int | None] | None = None,
                      measures: dict[int, str] | None = None, auditor_files=(),
                      other_files=(), now: datetime | None = None,
                      **fields) -> tuple[FinalReport, list[str]]:
    """Save the recipient's final report as a draft (a returned one stays returned until
    it is submitted again): the texts and effects, the real cost of each approved cost
    line, how each confirmed measure was advanced, and files. Returns the report and a
    message for each file refused."""
    lock(grant)
    report = _editable_report(grant)
    unknown = set(fields) - set(REPORT_FIELDS)
    if unknown:
        raise ValueError(f"not a field of the final report: {sorted(unknown)}")
    for name, value in fields.items():
        if isinstance(value, int) and not isinstance(value, bool) and not (
                0 <= value <= (REPORT_MAX_JOBS if name.endswith("jobs") else REPORT_MAX_KRONER)):
            raise GrantError(_("Et tall i rapporten er utenfor det som kan tas imot."))
        if name in _REPORT_TEXTS:
            value = (value or "").strip()[:REPORT_TEXT_MAX]
        elif name.startswith("has_"):
            value = bool(value)
        setattr(report, name, value)
    lines = {line.id: line for line in grant.application.cost_lines}
    existing = {line.cost_line_id: line for line in report.cost_lines}
    for cost_line_id, amount in (costs or {}).items():
        if cost_line_id not in lines:
            continue
        if amount is not None and not 0 <= amount <= REPORT_MAX_KRONER:
            raise GrantError(_("Et beløp i regnskapet er utenfor det som kan tas imot."))
        if amount is None:
            if cost_line_id in existing:
                report.cost_lines.remove(existing[cost_line_id])
        elif cost_line_id in existing:
            existing[cost_line_id].amount = amount
        else:
            report.cost_lines.append(FinalReportCostLine(cost_line_id=cost_line_id,
                                                         amount=amount))
    confirmed = {measure.id for measure in confirmed_measures_of(grant.application)}
    written = {item.measure_id: item for item in report.measures}
    for measure_id, how in (measures or {}).items():
        if measure_id not in confirmed:
            continue
        how = (how or "").strip()[:REPORT_TEXT_MAX]
        if measure_id in written:
            written[measure_id].how = how
        else:
            report.measures.append(FinalReportMeasure(measure_id=measure_id, how=how))
    report.updated_at = now or utcnow()
    refused = []
    for kind, files in ((DocumentKind.AUDITOR, auditor_files), (DocumentKind.REPORT, other_files)):
        for file in [f for f in files or () if f and getattr(f, "filename", None)]:
            try:
                stored = store(file, grant_document_folder(),
                               current_app.config["UPLOAD_MAX_FILE"])
            except UploadRefused as exc:
                refused.append(str(exc))
                continue
            _forget_if_rolled_back(stored.stored_name)
            db.session.add(GrantDocument(
                grant_id=grant.id, final_report=report, kind=kind, filename=stored.filename,
                stored_name=stored.stored_name, content_type=stored.content_type,
                size=stored.size, sha256=stored.sha256, uploaded_by_id=actor.id))
            record("final_report.document_added", grant, actor=actor, report=report.id,
                   kind=str(kind), filename=stored.filename, sha256=stored.sha256)
    db.session.flush()
    record("final_report.saved", grant, actor=actor, report=report.id,
           state=str(report.state))
    return report, refused


def final_report_problems(report: FinalReport) -> list[str]:
    """What is missing before the report can be submitted, in the recipient's words."""
    grant = report.grant
    problems = []
    if not (report.results or "").strip():
        problems.append(_("Beskriv resultatene opp mot målene i søknaden."))
    reported = {line.cost_line_id for line in report.cost_lines}
    if any(line.id not in reported for line in grant.application.cost_lines):
        problems.append(_("Før opp de faktiske kostnadene på hver linje i budsjettet "
                          "(0 når det ikke var noen)."))
    if report.knowledge_jobs is None or report.other_jobs is None:
        problems.append(_("Oppgi antall arbeidsplasser (0 når det ikke ble noen)."))
    if report.has_education_partners and not report.education_partners.strip():
        problems.append(_("Skriv hvilke utdanningsinstitusjoner prosjektet samarbeidet med."))
    if report.has_international_cooperation and not report.international.strip():
        problems.append(_("Skriv hvem prosjektet samarbeidet med internasjonalt."))
    written = {item.measure_id for item in report.measures if item.how.strip()}
    for measure in confirmed_measures_of(grant.application):
        if measure.id not in written:
            problems.append(_("Beskriv hvordan prosjektet har fulgt opp tiltak %(code)s.",
                              code=measure.code))
    if auditor_required(grant) and not any(
            d.kind == DocumentKind.AUDITOR for d in report.documents):
        problems.append(_(
            "Tilskuddet er på %(threshold)s eller mer: legg ved bekreftelse av regnskapet "
            "fra revisor eller autorisert regnskapsfører.",
            threshold=format_nok(grant.application.call.auditor_threshold)))
    return problems


def submit_final_report(grant: Grant, actor: User, now: datetime | None = None) -> FinalReport:
    """Send the final report in (again, after a return). Refused while something is
    missing; the refusal lists what."""
    lock(grant)
    report = _editable_report(grant)
    db.session.refresh(report)
    problems = final_report_problems(report)
    if problems:
        raise GrantError(_("Sluttrapporten kan ikke sendes inn ennå: %(problems)s",
                           problems=" ".join(problems)))
    now = now or utcnow()
    report.state, report.submitted_at, report.submitted_by_id = \
        FinalReportState.SUBMITTED, now, actor.id
    report.updated_at = now
    record("final_report.submitted", grant, actor=actor, report=report.id,
           real_costs=sum(line.amount for line in report.cost_lines))
    tell_members(grant, _("Sluttrapporten er mottatt: %(title)s",
                          title=grant.application.title),
                 "grant_final_report_submitted", report=report)
    return report


def _decidable_report(report: FinalReport) -> FinalReport:
    lock(report.grant)
    db.session.refresh(report)
    if report.state != FinalReportState.SUBMITTED:
        raise GrantError(_("Sluttrapporten er ikke til behandling."))
    must_be(report.grant, GrantState.ACCEPTED)
    return report


def return_final_report(report: FinalReport, actor: User, reasons: str,
                        now: datetime | None = None) -> FinalReport:
    """Send the report back to the recipient with reasons; they edit and submit again."""
    report = _decidable_report(report)
    reasons = (reasons or "").strip()
    if not reasons:
        raise GrantError(_("Skriv hva som mangler eller må rettes, så mottakeren vet hva "
                           "de skal gjøre."))
    now = now or utcnow()
    report.state, report.reasons = FinalReportState.RETURNED, reasons[:REPORT_TEXT_MAX]
    report.decided_by_id, report.decided_at = actor.id, now
    record("final_report.returned", report.grant, actor=actor, report=report.id,
           reasons=report.reasons)
    tell_members(report.grant, _("Sluttrapporten er sendt tilbake: %(title)s",
                                 title=report.grant.application.title),
                 "grant_final_report_returned", report=report)
    return report


@dataclass
class Settlement:
    """What approving a final report gives, in whole kroner."""

    granted: int  #: the grant in force before the report
    approved_costs: int
    real_costs: int
    eligible: int  #: the grant reduced in proportion to the real costs
    paid: int  #: paid and approved for payment before the report
    final_payment: int  #: negative: more was paid than is due
    returned: int  #: goes back to the call

    @property
    def recovery_needed(self) -> int:
        return max(-self.final_payment, 0)


def settlement_of(report: FinalReport) -> Settlement:
    """The figures the approval of ``report`` gives (the staff page shows them first)."""
    grant = report.grant
    money = money_of(grant)
    in_force = money.granted - money.returned
    approved = sum(line.amount for line in grant.application.cost_lines)
    real = sum(line.amount for line in report.cost_lines)
    eligible = rules.eligible_amount(in_force, approved, real)
    paid = money.paid + money.pending
    return Settlement(granted=in_force, approved_costs=approved, real_costs=real,
                      eligible=eligible, paid=paid,
                      final_payment=rules.final_payment(eligible, paid),
                      returned=in_force - eligible)


def approve_final_report(report: FinalReport, actor: User, remark: str = "",
                         now: datetime | None = None) -> Settlement:
    """Approve the final report: the grant is reduced in proportion to the real costs,
    the last payment is approved for paying (when anything is left), the grant is closed
    and the unspent money returns to the call. More paid than is due is stated as a
    recovery to make (a new vedtak, with forhåndsvarsel)."""
    report = _decidable_report(report)
    grant = report.grant
    if any(p.state == PaymentState.SUBMITTED for p in grant.payments):
        raise GrantError(_("En anmodning om utbetaling venter på behandling. Behandle den "
                           "før sluttrapporten godkjennes."))
    decision = current_decision_of(grant)
    if decision is None:
        raise GrantError(_("Tilskuddet har ikke noe gjeldende vedtak."))
    figures = settlement_of(report)
    now = now or utcnow()
    payment = None
    if figures.final_payment > 0:
        number = max((p.number for p in grant.payments), default=0) + 1
        payment = PaymentRequest(
            grant=grant, number=number, is_final=True, state=PaymentState.APPROVED,
            submitted_at=now, amount_requested=figures.final_payment,
            amount_approved=figures.final_payment, decided_by_id=actor.id, decided_at=now,
            bank_account=grant.application.organisation.bank_account,
            status_report=_("Sluttutbetaling etter godkjent sluttrapport."))
        db.session.add(payment)
    decision.returned_amount = (decision.returned_amount or 0) + figures.returned
    report.state, report.eligible_amount = FinalReportState.APPROVED, figures.eligible
    report.decided_by_id, report.decided_at = actor.id, now
    report.reasons = (remark or "").strip()[:REPORT_TEXT_MAX]
    grant.state, grant.completed_at = GrantState.COMPLETED, now
    db.session.flush()
    record("final_report.approved", grant, actor=actor, report=report.id,
           granted=figures.granted, approved_costs=figures.approved_costs,
           real_costs=figures.real_costs, eligible=figures.eligible, paid=figures.paid,
           final_payment=max(figures.final_payment, 0),
           payment=payment.id if payment is not None else None,
           returned_to_call=figures.returned, recovery_needed=figures.recovery_needed)
    record("grant.completed", grant, actor=actor, eligible=figures.eligible)
    tell_members(grant, _("Sluttrapporten er godkjent: %(title)s",
                          title=grant.application.title),
                 "grant_final_report_approved", report=report, figures=figures)
    return figures


def read_report_document(document: GrantDocument, actor: User) -> Path:
    """The stored file of a final report's document, for the caller to send; the reading
    is logged. Raises ``FileNotFoundError`` if the file is gone."""
    path = open_stored(grant_document_folder(), document.stored_name)
    record("final_report.document_read", document.final_report.grant, actor=actor,
           document=document.id)
    return path


def _reminder_days(due: date) -> list[tuple[date, bool]]:
    """The days reminders go out, in order: (day, after the deadline)."""
    config = current_app.config
    before = sorted(config["FINAL_REPORT_REMINDER_DAYS_BEFORE"], reverse=True)
    after = config["FINAL_REPORT_REMINDER_DAYS_AFTER"]
    after = sorted(after if isinstance(after, (list, tuple)) else [after])
    return [(due - timedelta(days=d), False) for d in before] + \
        [(due + timedelta(days=d), True) for d in after]


def remind_final_reports(now: datetime | None = None) -> list[Grant]:
    """Remind the recipients of accepted grants whose final report is not in: some days
    before the deadline and some days after it, each reminder once. When a day was missed
    (cron did not run), the latest reminder due goes out and those before it are skipped."""
    now = now or utcnow()
    today = oslo_date(now)
    reminded = []
    for grant in grants_awaiting_final_report():
        days = _reminder_days(grant.final_report_due)
        due_now = [i for i, (day, _after) in enumerate(days) if day <= today]
        if not due_now or due_now[-1] < grant.reminders_sent:
            continue
        step = due_now[-1]
        overdue = days[step][1]
        grant.reminders_sent, grant.last_reminder_at = step + 1, now
        record("final_report.reminder_sent", grant, by_system=True, step=step + 1,
               overdue=overdue, due=grant.final_report_due.isoformat())
        tell_members(grant, _("Påminnelse: sluttrapporten for %(title)s", title=(
            grant.application.title)), "grant_final_report_reminder", overdue=overdue,
            due=grant.final_report_due, days_left=(grant.final_report_due - today).days)
        reminded.append(grant)
    return reminded


# --- Recovery ---

# --- Registers ---

# --- Cron: lapse and reminders ---


def _unused(*_args: datetime) -> None:  # keeps the imports of the sections above honest
    utcnow()
