"""What the grants domain reads."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from fund.applications.models import Application
from fund.decisions.models import Decision, DecisionKind
from fund.extensions import db
from fund.grants import rules
from fund.grants.models import (
    Grant,
    GrantState,
    PaymentRequest,
    PaymentState,
    Recovery,
    RecoveryState,
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

# --- Final report ---

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
