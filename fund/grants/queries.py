"""What the grants domain reads."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from fund.applications.models import Application, CostLine
from fund.decisions.models import Decision, DecisionKind
from fund.extensions import db
from fund.grants import rules
from fund.grants.models import (
    FinalReport,
    FinalReportState,
    Grant,
    GrantState,
    PaymentRequest,
    PaymentState,
    Repayment,
)
from fund.plan.models import Measure
from fund.review.models import ConfirmedMeasure

# --- The grant and its money (shared) ---


def grant_of(application: Application) -> Grant | None:
    return db.session.execute(
        select(Grant).where(Grant.application_id == application.id)).scalar_one_or_none()


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

# --- Payments ---

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

# --- Registers ---
