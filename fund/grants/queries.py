"""What the grants domain reads."""

import csv
import hashlib
import io
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.orm import selectinload

from fund.applications.models import Application, CostLine
from fund.auth.models import Membership
from fund.core import sql
from fund.decisions.deadlines import add_working_days
from fund.decisions.labels import KDD_CATEGORIES
from fund.decisions.models import Decision, DecisionKind, Letter, StateAidBasis
from fund.extensions import db
from fund.grants import rules
from fund.grants.models import (
    AuthorityCheck,
    FinalReport,
    FinalReportState,
    Grant,
    GrantState,
    PaymentRequest,
    PaymentState,
    Recovery,
    RecoveryState,
    RegisterExport,
    RegisterExportItem,
    RegisterKind,
    Repayment,
)
from fund.plan.models import Measure
from fund.review.models import ConfirmedMeasure

# --- The grant and its money (shared) ---


def grant_of(application: Application) -> Grant | None:
    return db.session.execute(
        select(Grant).where(Grant.application_id == application.id)).scalar_one_or_none()


def own_grants(user, among: tuple[int, ...] | None = None) -> dict[int, Grant]:
    """The grants of the user's organisations (``among`` these applications only) by
    application id: one query for a whole list (kept for the request)."""
    return sql.by_application("own_grants", user, among, lambda: (
        select(Grant).join(Application, Application.id == Grant.application_id)
        .join(Membership, Membership.organisation_id == Application.organisation_id)
        .where(Membership.user_id == bindparam("reader"))))


def current_decision_of(grant: Grant) -> Decision | None:
    return db.session.execute(
        select(Decision).where(Decision.application_id == grant.application_id,
                               Decision.replaced_at.is_(None))).scalar_one_or_none()


def allocation_decision_of(grant: Grant) -> Decision | None:
    """The latest allocation vedtak (the tilsagn's, before any recovery)."""
    return db.session.execute(
        select(Decision).where(Decision.application_id == grant.application_id,
                               Decision.kind == DecisionKind.ALLOCATION)
        .order_by(Decision.id.desc()).limit(1)).scalar_one_or_none()


@dataclass
class Money:
    """A grant's money, in whole kroner."""

    granted: int  #: the amount in force (the current vedtak's), before anything returned
    returned: int  #: given back to the call (lapsed, or unspent at closing)
    paid: int  #: paid out
    pending: int  #: approved, not yet paid
    repaid: int  #: paid back by the recipient
    advance_percent: int

    @property
    def left_to_pay(self) -> int:
        return rules.payable(self.granted - self.returned, self.paid, self.pending)

    @property
    def advance_left(self) -> int:
        """What may still be paid before the final report."""
        ceiling = rules.advance_ceiling(self.granted - self.returned, self.advance_percent)
        return max(ceiling - self.paid - self.pending, 0)


def money_of(grant: Grant) -> Money:
    decision = current_decision_of(grant)
    paid, pending = db.session.execute(
        select(func.coalesce(func.sum(PaymentRequest.amount_paid), 0),
               func.coalesce(func.sum(PaymentRequest.amount_approved).filter(
                   PaymentRequest.state == PaymentState.APPROVED), 0))
        .where(PaymentRequest.grant_id == grant.id)).one()
    repaid = db.session.execute(
        select(func.coalesce(func.sum(Repayment.amount), 0))
        .where(Repayment.grant_id == grant.id)).scalar_one()
    return Money(granted=(decision.amount or 0) if decision is not None else 0,
                 returned=decision.returned_amount if decision is not None else 0,
                 paid=int(paid), pending=int(pending), repaid=int(repaid),
                 advance_percent=grant.application.call.advance_max_percent)


def grants_of_call(call_id: int) -> list[Grant]:
    return list(db.session.execute(
        select(Grant).join(Application, Application.id == Grant.application_id)
        .where(Application.call_id == call_id).order_by(Application.case_number)).scalars())


def open_grants_due(before: date) -> list[Grant]:
    """Offered grants whose acceptance deadline is before ``before`` (they lapse)."""
    return list(db.session.execute(
        select(Grant).where(Grant.state == GrantState.OFFERED,
                            Grant.acceptance_deadline < before).order_by(Grant.id)).scalars())

# --- Acceptance ---


def authority_confirmed(grant: Grant) -> bool:
    """Accepted by someone whose authority to bind the organisation is established: named
    in Enhetsregisteret or verified by a caseworker (not merely stated)."""
    return grant.state in (GrantState.ACCEPTED, GrantState.COMPLETED) and \
        grant.authority in (AuthorityCheck.REGISTER, AuthorityCheck.VERIFIED)


def awaits_authority_check(grant: Grant) -> bool:
    """Accepted on a stated authority that no caseworker has verified yet."""
    return grant.state == GrantState.ACCEPTED and grant.authority == AuthorityCheck.STATED


@dataclass
class Deadline:
    what: str  #: "acceptance" or "final_report"
    on: date


def next_deadline(grant: Grant) -> Deadline | None:
    """The acceptance deadline while the tilsagn is offered; the final report's once it
    is accepted (until the report is approved and the grant closed)."""
    if grant.state == GrantState.OFFERED:
        return Deadline("acceptance", grant.acceptance_deadline)
    if grant.state == GrantState.ACCEPTED and grant.final_report_due is not None:
        return Deadline("final_report", grant.final_report_due)
    return None


def tilsagn_letter(grant: Grant) -> Letter | None:
    """The sent letter of the vedtak that made the tilsagn."""
    decision = allocation_decision_of(grant)
    letter = decision.letter if decision is not None else None
    return letter if letter is not None and letter.is_sent else None


@dataclass
class GrantRow:
    """A grant in the staff list of a call."""

    grant: Grant
    granted: int  #: the amount in force less what went back to the call
    paid: int
    deadline: Deadline | None
    authority_to_verify: bool


def call_grant_rows(call_id: int, hidden: set[int]) -> list[GrantRow]:
    """The call's grants for staff, leaving out the applications in ``hidden`` (where the
    reader is inhabil): state, amount, paid, next deadline, and what waits for staff."""
    grants = [g for g in db.session.execute(
        select(Grant).join(Application, Application.id == Grant.application_id)
        .where(Application.call_id == call_id)
        .options(selectinload(Grant.application).selectinload(Application.organisation))
        .order_by(Application.case_number)).scalars() if g.application_id not in hidden]
    ids = [g.id for g in grants]
    paid = dict(db.session.execute(
        select(PaymentRequest.grant_id, func.coalesce(func.sum(PaymentRequest.amount_paid), 0))
        .where(PaymentRequest.grant_id.in_(ids)).group_by(PaymentRequest.grant_id)).all()) \
        if ids else {}
    decisions = {d.application_id: d for d in db.session.execute(
        select(Decision).where(Decision.application_id.in_([g.application_id for g in grants]),
                               Decision.replaced_at.is_(None))).scalars()} if ids else {}
    rows = []
    for grant in grants:
        decision = decisions.get(grant.application_id)
        granted = (decision.amount or 0) - decision.returned_amount if decision else 0
        rows.append(GrantRow(grant=grant, granted=granted, paid=int(paid.get(grant.id, 0)),
                             deadline=next_deadline(grant),
                             authority_to_verify=awaits_authority_check(grant)))
    return rows


def call_has_grants(call_id: int) -> bool:
    return db.session.execute(
        select(Grant.id).join(Application, Application.id == Grant.application_id)
        .where(Application.call_id == call_id).limit(1)).first() is not None


# --- Payments ---


def payments_of(grant: Grant) -> list[PaymentRequest]:
    """The grant's payment requests in order, with their documents (one query each)."""
    return list(db.session.execute(
        select(PaymentRequest).where(PaymentRequest.grant_id == grant.id)
        .options(selectinload(PaymentRequest.documents))
        .order_by(PaymentRequest.number)).scalars())


def open_payment(grant: Grant) -> PaymentRequest | None:
    """The request still open: waiting for the caseworker, or approved and not paid."""
    return db.session.execute(
        select(PaymentRequest).where(
            PaymentRequest.grant_id == grant.id,
            PaymentRequest.state.in_((PaymentState.SUBMITTED, PaymentState.APPROVED)))
        .order_by(PaymentRequest.number).limit(1)).scalar_one_or_none()


def payment_of(grant: Grant, payment_id: int) -> PaymentRequest | None:
    return next((p for p in grant.payments if p.id == payment_id), None)


@dataclass
class BudgetLine:
    """One approved cost line with the costs to date a request states, and the costs
    stated in the request before it."""

    cost_line: CostLine
    approved: int
    to_date: int | None
    before: int | None


def budget_lines(grant: Grant, payment: PaymentRequest | None = None) -> list[BudgetLine]:
    """The approved budget line by line, with ``payment``'s costs to date next to it."""
    earlier = [p for p in grant.payments if payment is None or p.number < payment.number]
    previous = next((p for p in reversed(earlier) if p.state != PaymentState.RETURNED
                     and p.cost_lines), None)
    stated = {c.cost_line_id: c.amount for c in payment.cost_lines} if payment else {}
    before = {c.cost_line_id: c.amount for c in previous.cost_lines} if previous else {}
    return [BudgetLine(line, line.amount, stated.get(line.id), before.get(line.id))
            for line in grant.application.cost_lines]


# --- Final report ---


def final_report_of(grant: Grant) -> FinalReport | None:
    return db.session.execute(
        select(FinalReport).where(FinalReport.grant_id == grant.id)).scalar_one_or_none()


def final_report_by_id(report_id: int) -> FinalReport | None:
    return db.session.get(FinalReport, report_id)


def confirmed_measures_of(application: Application) -> list[Measure]:
    """The plan measures the caseworkers confirmed the project advances (not the
    applicant's own claim), in the plan's order."""
    return list(db.session.execute(
        select(Measure).join(ConfirmedMeasure, ConfirmedMeasure.measure_id == Measure.id)
        .where(ConfirmedMeasure.application_id == application.id)
        .order_by(Measure.strategy_id, Measure.position)).scalars())


def grants_awaiting_final_report() -> list[Grant]:
    """Accepted grants with a report deadline whose report is not submitted or approved
    (none yet, a draft, or returned)."""
    waiting = (FinalReportState.DRAFT, FinalReportState.RETURNED)
    return list(db.session.execute(
        select(Grant).outerjoin(FinalReport, FinalReport.grant_id == Grant.id)
        .where(Grant.state == GrantState.ACCEPTED, Grant.final_report_due.is_not(None),
               (FinalReport.id.is_(None)) | FinalReport.state.in_(waiting))
        .order_by(Grant.id)).scalars())


@dataclass
class ReportLine:
    """One line of the approved budget beside the real cost the report states."""

    cost_line: CostLine
    real: int | None

    @property
    def difference(self) -> int | None:
        return None if self.real is None else self.real - self.cost_line.amount


@dataclass
class ReportMeasure:
    measure: Measure
    planned: str  #: what the application said the project would do
    how: str  #: what the report says it did


def report_lines(grant: Grant, report: FinalReport | None) -> list[ReportLine]:
    real = {line.cost_line_id: line.amount for line in (report.cost_lines if report else [])}
    return [ReportLine(line, real.get(line.id)) for line in grant.application.cost_lines]


def report_measures(grant: Grant, report: FinalReport | None) -> list[ReportMeasure]:
    written = {item.measure_id: item.how for item in (report.measures if report else [])}
    planned = {item.measure_id: item.how for item in grant.application.measures}
    return [ReportMeasure(measure, planned.get(measure.id, ""), written.get(measure.id, ""))
            for measure in confirmed_measures_of(grant.application)]


def overpaid(grant: Grant) -> int:
    """After the final report: what was paid (or approved for paying) above the final
    grant and not paid back; a recovery vedtak is needed for it."""
    report = final_report_of(grant)
    if report is None or report.eligible_amount is None:
        return 0
    money = money_of(grant)
    return max(money.paid + money.pending - money.repaid - report.eligible_amount, 0)


def submitted_final_reports() -> list[FinalReport]:
    """Reports waiting for a caseworker, oldest first."""
    return list(db.session.execute(
        select(FinalReport).where(FinalReport.state == FinalReportState.SUBMITTED)
        .order_by(FinalReport.submitted_at)).scalars())


# --- Recovery ---


def in_force(money: Money) -> int:
    """The grant as it stands: the current vedtak's amount less what went back."""
    return money.granted - money.returned


def open_recovery(grant: Grant) -> Recovery | None:
    """The recovery in progress: notified, with no vedtak yet (one at a time)."""
    return db.session.execute(
        select(Recovery).where(Recovery.grant_id == grant.id,
                               Recovery.state == RecoveryState.NOTIFIED)
        .order_by(Recovery.id.desc()).limit(1)).scalar_one_or_none()


def recovery_to_repay(grant: Grant) -> Recovery | None:
    """The latest decided recovery that reclaims money: repayments are linked to it."""
    return db.session.execute(
        select(Recovery).where(Recovery.grant_id == grant.id,
                               Recovery.state == RecoveryState.DECIDED,
                               Recovery.reclaim_amount > 0)
        .order_by(Recovery.id.desc()).limit(1)).scalar_one_or_none()


def recovery_of_decision(decision: Decision) -> Recovery | None:
    return db.session.execute(
        select(Recovery).where(Recovery.decision_id == decision.id)).scalar_one_or_none()


def recovery_by_id(recovery_id: int) -> Recovery | None:
    return db.session.get(Recovery, recovery_id)


def repaid_on(recovery: Recovery) -> int:
    """Kroner repaid against ``recovery``."""
    return int(db.session.execute(
        select(func.coalesce(func.sum(Repayment.amount), 0))
        .where(Repayment.recovery_id == recovery.id)).scalar_one())


# --- Registers ---


#: The register's words for what a kraftfond grant is and the law it is given under.
STOTTEREGISTER_INSTRUMENT = "Tilskudd"
STOTTEREGISTER_LEGAL_BASIS = "Forordning (EU) 2023/2831 (bagatellmessig støtte)"
#: The columns of the Støtteregisteret file. Fixed text, not translated: an export is
#: regenerated from its items and must give the same bytes (its sha256) in any language.
STOTTEREGISTER_COLUMNS = (
    "Organisasjonsnummer", "Mottaker", "Beløp NOK", "Beløp EUR", "Kurs NOK/EUR",
    "Tildelingsdato", "Støtteinstrument", "Rettsgrunnlag", "Formål", "Næringskode",
    "Støttegiver", "Saksnummer",
)
KDD_COLUMNS = ("Kategori", "Kategorinavn", "Antall tilsagn", "Tilsagn kr", "Utbetalt kr",
               "Bortfalt kr", "Tilbakeført kr")


class RegisterStatus:
    OVERDUE = "overdue"
    DUE = "due"
    REPORTED = "reported"


def register_status(today: date, due: date, reported: bool) -> str:
    """Where a grant stands with the register: reported by an export, or over or within
    its due date."""
    if reported:
        return RegisterStatus.REPORTED
    return RegisterStatus.OVERDUE if today > due else RegisterStatus.DUE


@dataclass
class RegisterRow:
    """A de minimis grant the register is to have: its vedtak, when it is due, and the
    export that reported it, if any."""

    decision: Decision
    grant: Grant | None
    granted_on: date  #: the grant date (the tilsagn's vedtak, before any recovery)
    due: date
    export: RegisterExport | None
    today: date

    @property
    def status(self) -> str:
        return register_status(self.today, self.due, self.export is not None)

    @property
    def days_overdue(self) -> int:
        return max((self.today - self.due).days, 0) if self.export is None else 0

    @property
    def amount_eur(self) -> Decimal | None:
        return eur_of(self.decision)


def eur_of(decision: Decision) -> Decimal | None:
    """The grant in euro: as the vedtak recorded it, or at its rate (a recovery vedtak
    may carry only the rate)."""
    if decision.amount_eur is not None:
        return Decimal(decision.amount_eur).quantize(Decimal("0.01"))
    if decision.nok_per_eur:
        return (Decimal(decision.amount or 0) / Decimal(decision.nok_per_eur)).quantize(
            Decimal("0.01"))
    return None


def _allocation_dates(application_ids) -> dict[int, date]:
    """The date of each application's latest allocation vedtak (the tilsagn's)."""
    if not application_ids:
        return {}
    return dict(db.session.execute(
        select(Decision.application_id, func.max(Decision.decided_on))
        .where(Decision.application_id.in_(application_ids),
               Decision.kind == DecisionKind.ALLOCATION)
        .group_by(Decision.application_id)).all())


def _first_exports(kind: RegisterKind, decision_ids) -> dict[int, RegisterExport]:
    """For each decision, the first export of ``kind`` that held it."""
    if not decision_ids:
        return {}
    first: dict[int, RegisterExport] = {}
    for decision_id, export in db.session.execute(
            select(RegisterExportItem.decision_id, RegisterExport)
            .join(RegisterExport, RegisterExport.id == RegisterExportItem.export_id)
            .where(RegisterExport.kind == kind,
                   RegisterExportItem.decision_id.in_(decision_ids))
            .order_by(RegisterExport.created_at, RegisterExport.id)).all():
        first.setdefault(decision_id, export)
    return first


def _register_decisions(threshold_eur):
    """The vedtak the register is to have: current de minimis grants at or above the
    threshold (0: every one), and those without a euro amount (they cannot be shown to
    be below it)."""
    query = select(Decision).where(Decision.replaced_at.is_(None),
                                   Decision.state_aid_basis == StateAidBasis.DE_MINIMIS,
                                   Decision.amount > 0)
    threshold = Decimal(threshold_eur or 0)
    if threshold > 0:
        query = query.where(or_(Decision.amount_eur >= threshold,
                                Decision.amount_eur.is_(None)))
    return query


def stotteregister_rows(today: date, threshold_eur, deadline_days: int,
                        hidden: set[int] | frozenset = frozenset()) -> list[RegisterRow]:
    """Every current de minimis grant at or above the threshold (0: every one), with its
    due date (``deadline_days`` working days after the vedtak) and the export that
    reported it: the overdue first (the longest overdue first), then the due, then the
    reported (newest export first). A grant without a euro amount is listed whatever the
    threshold: it cannot be shown to be below it. The applications in ``hidden`` (where
    the reader is inhabil) are left out."""
    decisions = [d for d in db.session.execute(
        _register_decisions(threshold_eur).options(*_ROW_LOADS)
        .order_by(Decision.decided_on, Decision.id)).scalars()
        if d.application_id not in hidden]
    return sorted(_register_rows(decisions, today, deadline_days), key=_row_order)


#: Each register row's application and organisation, loaded with it (the page prints both).
_ROW_LOADS = (selectinload(Decision.application).selectinload(Application.organisation),)
_STATUS_ORDER = {RegisterStatus.OVERDUE: 0, RegisterStatus.DUE: 1, RegisterStatus.REPORTED: 2}


def _order(status: str, due: date, exported_at, decision_id: int) -> tuple:
    """The register's order: the overdue (longest overdue first), the due (nearest
    first), then the reported (newest export first)."""
    if exported_at is not None:
        return (_STATUS_ORDER[status], -exported_at.timestamp(), decision_id)
    return (_STATUS_ORDER[status], due.toordinal(), decision_id)


def _row_order(row: RegisterRow) -> tuple:
    return _order(row.status, row.due, row.export.created_at if row.export else None,
                  row.decision.id)


def _register_rows(decisions: list[Decision], today: date,
                   deadline_days: int) -> list[RegisterRow]:
    application_ids = [d.application_id for d in decisions]
    granted_on = _allocation_dates(application_ids)
    exports = _first_exports(RegisterKind.STOTTEREGISTERET, [d.id for d in decisions])
    grants = {g.application_id: g for g in db.session.execute(
        select(Grant).where(Grant.application_id.in_(application_ids))).scalars()} \
        if application_ids else {}
    due = _due_dates(deadline_days)
    return [RegisterRow(decision=d, grant=grants.get(d.application_id),
                        granted_on=granted_on.get(d.application_id, d.decided_on),
                        due=due(d.decided_on), export=exports.get(d.id), today=today)
            for d in decisions]


def register_overview(today: date, threshold_eur, deadline_days: int,
                      hidden: set[int] | frozenset = frozenset(),
                      shown: int = 100) -> dict[str, tuple[list[RegisterRow], int]]:
    """The register's page: for each status, its first ``shown`` rows in the order of
    ``stotteregister_rows`` and how many there are in all. Every grant is read as its
    id, day and first export only; only the rows shown are loaded whole (issue 14: ten
    thousand grants read whole took 1.6 s)."""
    first_export = (
        select(RegisterExportItem.decision_id,
               func.min(RegisterExport.created_at).label("at"))
        .join(RegisterExport, RegisterExport.id == RegisterExportItem.export_id)
        .where(RegisterExport.kind == RegisterKind.STOTTEREGISTERET)
        .group_by(RegisterExportItem.decision_id).subquery())
    found = db.session.execute(
        _register_decisions(threshold_eur).with_only_columns(
            Decision.id, Decision.application_id, Decision.decided_on, first_export.c.at)
        .outerjoin(first_export, first_export.c.decision_id == Decision.id)).all()
    due = _due_dates(deadline_days)
    keyed: dict[str, list[tuple]] = {status: [] for status in _STATUS_ORDER}
    for decision_id, application_id, decided_on, exported_at in found:
        if application_id in hidden:
            continue
        day = due(decided_on)
        status = register_status(today, day, exported_at is not None)
        keyed[status].append((_order(status, day, exported_at, decision_id), decision_id))
    chosen = {status: [decision_id for _key, decision_id in sorted(items)[:shown]]
              for status, items in keyed.items()}
    ids = [decision_id for shown_ids in chosen.values() for decision_id in shown_ids]
    decisions = list(db.session.execute(
        select(Decision).where(Decision.id.in_(ids)).options(*_ROW_LOADS)).scalars()) \
        if ids else []
    rows = {row.decision.id: row for row in _register_rows(decisions, today, deadline_days)}
    return {status: ([rows[i] for i in chosen[status]], len(keyed[status]))
            for status in _STATUS_ORDER}


def _due_dates(deadline_days: int):
    """The register's due date of a vedtak made on a given day, worked out once a day."""
    known: dict[date, date] = {}

    def due(decided_on: date) -> date:
        if decided_on not in known:
            known[decided_on] = add_working_days(decided_on, deadline_days)
        return known[decided_on]
    return due


def stotteregister_record(decision: Decision, granted_on: date, grantor: str) -> list[str]:
    """One grant as the register asks for it (LAW.md §4.J item 20)."""
    application = decision.application
    organisation = application.organisation
    eur = eur_of(decision)
    return [
        organisation.orgnr,
        organisation.name,
        str(decision.amount),
        f"{eur:.2f}" if eur is not None else "",
        f"{Decimal(decision.nok_per_eur):.4f}" if decision.nok_per_eur else "",
        granted_on.isoformat(),
        STOTTEREGISTER_INSTRUMENT,
        STOTTEREGISTER_LEGAL_BASIS,
        application.title or application.summary,
        organisation.industry_code or "",
        grantor,
        application.case_number or "",
    ]


def to_csv(header, records) -> bytes:
    """Semicolon-separated UTF-8 with a byte order mark, as Excel in Norway reads it."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(records)
    return out.getvalue().encode("utf-8-sig")


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def stotteregister_csv(decisions: list[Decision], grantor: str) -> bytes:
    """The file for the register: one line per vedtak, in case-number order."""
    decisions = sorted(decisions, key=lambda d: (d.application.case_number or "", d.id))
    granted_on = _allocation_dates([d.application_id for d in decisions])
    return to_csv(STOTTEREGISTER_COLUMNS, [
        stotteregister_record(d, granted_on.get(d.application_id, d.decided_on), grantor)
        for d in decisions])


def export_csv(export: RegisterExport, grantor: str) -> bytes:
    """A Støtteregisteret export's file, made again from its items: the same bytes as
    when it was made as long as the data behind it is kept (``fund.grants.retention``)."""
    return stotteregister_csv([item.decision for item in export.items], grantor)


def register_exports(kind: RegisterKind, year: int | None = None) -> list[RegisterExport]:
    query = select(RegisterExport).where(RegisterExport.kind == kind)
    if year is not None:
        query = query.where(RegisterExport.year == year)
    return list(db.session.execute(
        query.order_by(RegisterExport.created_at.desc(), RegisterExport.id.desc())).scalars())


@dataclass
class KddLine:
    """One KDD category's sums for a tilsagn year, in whole kroner."""

    category: str  #: the code, or "" for grants without one
    label: str
    count: int = 0
    granted: int = 0
    paid: int = 0
    lapsed: int = 0
    returned: int = 0
    decision_ids: list[int] = field(default_factory=list)

    def record(self) -> list[str]:
        return [self.category, self.label, str(self.count), str(self.granted),
                str(self.paid), str(self.lapsed), str(self.returned)]


@dataclass
class KddReport:
    year: int
    lines: list[KddLine]

    @property
    def total(self) -> KddLine:
        total = KddLine(category="", label="Sum")
        for line in self.lines:
            total.count += line.count
            total.granted += line.granted
            total.paid += line.paid
            total.lapsed += line.lapsed
            total.returned += line.returned
            total.decision_ids += line.decision_ids
        return total

    def csv(self) -> bytes:
        return to_csv(KDD_COLUMNS, [line.record() for line in self.lines]
                      + [self.total.record()])


def kdd_report(year: int, no_category: str = "") -> KddReport:
    """The KDD sums per primærkategori for the tilsagn year (the year of the tilsagn's
    allocation vedtak): the number of grants, the granted amount (the current vedtak's),
    what is paid (payments less repayments), what lapsed (tilsagn not accepted) and what
    else went back to the call (unspent at closing). Every category is listed, with the
    grants without a category last when there are any."""
    current = list(db.session.execute(
        select(Decision).where(Decision.replaced_at.is_(None), Decision.amount > 0)
        .order_by(Decision.id)).scalars())
    allocations: dict[int, Decision] = {}
    if current:
        for decision in db.session.execute(
                select(Decision).where(Decision.application_id.in_(
                    [d.application_id for d in current]),
                    Decision.kind == DecisionKind.ALLOCATION)
                .order_by(Decision.decided_on, Decision.id)).scalars():
            allocations[decision.application_id] = decision
    in_year = [d for d in current
               if allocations.get(d.application_id, d).decided_on.year == year]
    application_ids = [d.application_id for d in in_year]
    grants = {g.application_id: g for g in db.session.execute(
        select(Grant).where(Grant.application_id.in_(application_ids))).scalars()} \
        if application_ids else {}
    grant_ids = [g.id for g in grants.values()]
    paid = dict(db.session.execute(
        select(PaymentRequest.grant_id, func.sum(PaymentRequest.amount_paid))
        .where(PaymentRequest.grant_id.in_(grant_ids), PaymentRequest.amount_paid.is_not(None))
        .group_by(PaymentRequest.grant_id)).all()) if grant_ids else {}
    repaid = dict(db.session.execute(
        select(Repayment.grant_id, func.sum(Repayment.amount))
        .where(Repayment.grant_id.in_(grant_ids))
        .group_by(Repayment.grant_id)).all()) if grant_ids else {}
    lines = {code: KddLine(category=code, label=str(label))
             for code, label in KDD_CATEGORIES.items()}
    for decision in in_year:
        code = decision.kdd_category or allocations.get(
            decision.application_id, decision).kdd_category or ""
        if code not in lines:
            lines[code] = KddLine(category=code, label=no_category or code)
        line, grant = lines[code], grants.get(decision.application_id)
        line.count += 1
        line.granted += decision.amount or 0
        line.decision_ids.append(decision.id)
        if grant is not None:
            line.paid += int(paid.get(grant.id) or 0) - int(repaid.get(grant.id) or 0)
        if grant is not None and grant.state == GrantState.LAPSED:
            line.lapsed += decision.returned_amount
        else:
            line.returned += decision.returned_amount
    return KddReport(year=year, lines=list(lines.values()))


def register_counts(today: date, threshold_eur, deadline_days: int,
                    hidden: set[int] | frozenset = frozenset()) -> dict[str, int]:
    """How many de minimis grants are overdue, due and reported for the register
    (leaving out the applications in ``hidden``), as ``stotteregister_rows`` sorts them:
    counted in the database by the day of the vedtak (the call page shows them; reading
    every grant's rows made it take seconds at 100,000 applications)."""
    counts = {RegisterStatus.OVERDUE: 0, RegisterStatus.DUE: 0, RegisterStatus.REPORTED: 0}
    reported = select(RegisterExportItem.id).join(RegisterExport).where(
        RegisterExport.kind == RegisterKind.STOTTEREGISTERET,
        RegisterExportItem.decision_id == Decision.id).exists()
    query = _register_decisions(threshold_eur).with_only_columns(
        Decision.decided_on, reported, func.count()).group_by(Decision.decided_on, reported)
    if hidden:
        query = query.where(Decision.application_id.not_in(sorted(hidden)))
    due = _due_dates(deadline_days)
    for decided_on, was_reported, count in db.session.execute(query):
        counts[register_status(today, due(decided_on), was_reported)] += count
    return counts
