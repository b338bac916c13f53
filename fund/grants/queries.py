"""What the grants domain reads."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from fund.applications.models import Application
from fund.decisions.models import Decision, DecisionKind, Letter
from fund.extensions import db
from fund.grants import rules
from fund.grants.models import (
    AuthorityCheck,
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

# --- Final report ---

# --- Recovery ---

# --- Registers ---
