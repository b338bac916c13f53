"""The decisions domain's queries."""

from dataclasses import dataclass

from flask import g
from sqlalchemy import func, select
from sqlalchemy.orm import aliased, selectinload

from fund.applications.models import Application
from fund.auth.models import Membership, User
from fund.calls.models import Call
from fund.decisions.models import Appeal, Decision, Letter
from fund.decisions.operations import (
    current_decision,
    granted_total,
    letters_to_stage,
    open_appeal,
    sent_letter,
    staged_letters,
)
from fund.extensions import db
from fund.review.models import Outcome
from fund.review.queries import hidden_application_ids

# --- Part C ---


# --- Part D ---


@dataclass
class Reserve:
    """What a successful appeal can be paid from: the call's appeal reserve, what
    reversals have used of it, and what is left of the budget to grant."""

    reserve: int
    used: int
    left: int


def reserve_of(call: Call) -> Reserve:
    """``used``: what reversals added over the vedtak they replaced (a reversal granting
    less frees money); ``left``: the budget less every current grant, which is what
    ``decide(..., replacing=…)`` may still grant."""
    old = aliased(Decision)
    added = db.session.execute(
        select(func.coalesce(func.sum(func.coalesce(Decision.amount, 0)
                                      - func.coalesce(old.amount, 0)), 0))
        .select_from(Decision).join(old, old.replaced_by_id == Decision.id)
        .join(Application, Application.id == Decision.application_id)
        .where(Application.call_id == call.id, Decision.replaced_at.is_(None))).scalar_one()
    return Reserve(reserve=call.appeal_reserve, used=max(int(added), 0),
                   left=call.budget - granted_total(call))


@dataclass
class LettersPage:
    call: Call
    decisions: list[Decision]  #: current vedtak the reader may see, with letters
    to_stage: int  #: current vedtak without a letter
    staged: list[Letter]
    appeals: list[Appeal]
    hidden: int  #: applications of the call the reader is inhabil in
    reserve: Reserve


def letters_page(call: Call, user: User) -> LettersPage:
    hidden = hidden_application_ids(user, call)
    decisions = [d for d in db.session.execute(
        select(Decision).join(Application, Application.id == Decision.application_id)
        .where(Application.call_id == call.id, Decision.replaced_at.is_(None),
               Decision.outcome != Outcome.WITHDRAWN)
        .options(selectinload(Decision.letters), selectinload(Decision.application),
                 selectinload(Decision.meeting))
        .order_by(Application.case_number)).scalars() if d.application_id not in hidden]
    appeals = [a for a in db.session.execute(
        select(Appeal).join(Decision, Decision.id == Appeal.decision_id)
        .join(Application, Application.id == Decision.application_id)
        .where(Application.call_id == call.id)
        .options(selectinload(Appeal.decision).selectinload(Decision.application))
        .order_by(Appeal.received_at)).scalars() if a.decision.application_id not in hidden]
    return LettersPage(
        call=call, decisions=decisions, to_stage=len(letters_to_stage(call)),
        staged=[letter for letter in staged_letters(call)
                if letter.application_id not in hidden],
        appeals=appeals, hidden=len(hidden), reserve=reserve_of(call))


def letter_by_id(letter_id: int) -> Letter | None:
    return db.session.get(Letter, letter_id)


def appeal_by_id(appeal_id: int) -> Appeal | None:
    return db.session.get(Appeal, appeal_id)


def is_inhabil(user: User, application: Application) -> bool:
    return application.id in hidden_application_ids(user, application.call)


@dataclass
class ApplicantView:
    """What the applicant sees of the outcome: the current vedtak once its letter is
    sent, the letters sent to them, and their appeals."""

    decision: Decision | None
    letters: list[Letter]
    appeals: list[Appeal]
    can_appeal: bool


def applicant_view(application: Application) -> ApplicantView:
    decision = current_decision(application)
    letters = list(db.session.execute(
        select(Letter).where(Letter.application_id == application.id,
                             Letter.sent_at.is_not(None))
        .order_by(Letter.sent_at, Letter.id)).scalars())
    if decision is not None and sent_letter(decision) is None:
        decision = None  # not notified yet: nothing is shown
    appeals = list(db.session.execute(
        select(Appeal).join(Decision, Decision.id == Appeal.decision_id)
        .where(Decision.application_id == application.id)
        .order_by(Appeal.received_at)).scalars())
    can_appeal = decision is not None and decision.outcome.is_vedtak \
        and open_appeal(decision) is None
    return ApplicantView(decision=decision, letters=letters, appeals=appeals,
                         can_appeal=can_appeal)


def case_view(application: Application) -> tuple[list[Decision], list[Letter], list[Appeal]]:
    """Every decision on the application (the replaced ones too), its letters and appeals,
    for the case page."""
    decisions = list(db.session.execute(
        select(Decision).where(Decision.application_id == application.id)
        .order_by(Decision.id)).scalars())
    letters = list(db.session.execute(
        select(Letter).where(Letter.application_id == application.id)
        .order_by(Letter.id)).scalars())
    appeals = [a for d in decisions for a in d.appeals]
    return decisions, letters, appeals


def notified_decisions(user: User) -> dict[int, Decision]:
    """The current vedtak whose letter is sent, on applications of the user's
    organisations, by application id: one query for a whole list (kept for the request)."""
    cache = g.setdefault("notified_decisions", {})
    if user.id not in cache:
        rows = db.session.execute(
            select(Decision).join(Letter, Letter.decision_id == Decision.id)
            .join(Application, Application.id == Decision.application_id)
            .join(Membership, Membership.organisation_id == Application.organisation_id)
            .where(Membership.user_id == user.id, Decision.replaced_at.is_(None),
                   Letter.sent_at.is_not(None))).scalars()
        cache[user.id] = {decision.application_id: decision for decision in rows}
    return cache[user.id]
