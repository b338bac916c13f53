"""What the grants domain reads."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from fund.applications.models import Application, CostLine
from fund.decisions.models import Decision, DecisionKind
from fund.extensions import db
from fund.grants import rules
from fund.grants.models import (
    Grant,
    GrantState,
    PaymentRequest,
    PaymentState,
    Repayment,
)

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

# --- Recovery ---

# --- Registers ---
