"""The decisions domain's queries."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask import current_app
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import aliased, selectinload

from fund.applications.models import Application, ApplicationState
from fund.auth.models import Membership, Organisation, User
from fund.calls.models import Call
from fund.core import sql
from fund.decisions import deminimis
from fund.decisions.models import (
    Appeal,
    AppealState,
    Decision,
    DecisionMeeting,
    ExchangeRate,
    Letter,
    LetterKind,
    LinkedUndertaking,
    StateAidBasis,
)
from fund.extensions import db
from fund.review.models import Outcome, Proposal
from fund.review.queries import hidden_application_ids

# --- Budget, current decisions and letters (shared) ---

def granted_total(call: Call, *, excluding: Decision | None = None) -> int:
    """Kroner granted in the call by current decisions (a replaced one is not counted),
    less what went back to the call (a lapsed tilsagn, the unspent rest of a closed one)."""
    query = (select(func.coalesce(func.sum(Decision.amount - Decision.returned_amount), 0))
             .join(Application, Application.id == Decision.application_id)
             .where(Application.call_id == call.id, Decision.replaced_at.is_(None)))
    if excluding is not None:
        query = query.where(Decision.id != excluding.id)
    return int(db.session.execute(query).scalar_one())


def budget_room(call: Call, *, replacing: Decision | None = None) -> int:
    """Kroner left to grant. The fordelingsvedtak may use the budget less the appeal
    reserve; a new vedtak replacing one after an appeal may use the reserve too. The sum
    of grants never exceeds the budget either way."""
    reserve = 0 if replacing is not None else call.appeal_reserve
    return call.budget - reserve - granted_total(call, excluding=replacing)


def current_decision(application: Application) -> Decision | None:
    return db.session.execute(
        select(Decision).where(Decision.application_id == application.id,
                               Decision.replaced_at.is_(None))).scalar_one_or_none()


def letters_to_stage(call: Call) -> list[Decision]:
    """The call's current vedtak that have no letter yet."""
    return list(db.session.execute(
        select(Decision).join(Application, Application.id == Decision.application_id)
        .where(Application.call_id == call.id, Decision.replaced_at.is_(None),
               Decision.outcome != Outcome.WITHDRAWN, ~Decision.letters.any())
        .order_by(Application.case_number)).scalars())


def staged_letters(call: Call) -> list[Letter]:
    """Vedtaksbrev of the call written but not sent, for current decisions."""
    return list(db.session.execute(
        select(Letter).join(Application, Application.id == Letter.application_id)
        .join(Decision, Decision.id == Letter.decision_id)
        .where(Application.call_id == call.id, Letter.kind == LetterKind.DECISION,
               Letter.sent_at.is_(None), Decision.replaced_at.is_(None))
        .order_by(Application.case_number, Letter.id)).scalars())


def sent_letter(decision: Decision) -> Letter | None:
    letter = decision.letter
    return letter if letter is not None and letter.is_sent else None


def open_appeal(decision: Decision) -> Appeal | None:
    """An appeal on ``decision`` that is still being handled."""
    return next((a for a in decision.appeals
                 if a.state in (AppealState.RECEIVED, AppealState.FORWARDED)), None)


# --- Received applications, proposals, outcomes, de minimis ---

#: The states of a received application that must end in exactly one outcome.
RECEIVED = (ApplicationState.SUBMITTED, ApplicationState.INFO_REQUESTED,
            ApplicationState.WITHDRAWN)


def call_for_decisions(call_id: int) -> Call | None:
    return db.session.get(Call, call_id)


def received_applications(call: Call) -> list[Application]:
    """Every received application of the call (submitted, waiting for information, or
    withdrawn, with a case number), in case-number order."""
    return list(db.session.execute(
        select(Application).where(Application.call_id == call.id,
                                  Application.state.in_(RECEIVED),
                                  Application.case_number.is_not(None))
        .options(selectinload(Application.organisation))
        .order_by(Application.case_number)).scalars())


def current_decisions(call: Call) -> dict[int, Decision]:
    return {d.application_id: d for d in db.session.execute(
        select(Decision).join(Application, Application.id == Decision.application_id)
        .where(Application.call_id == call.id, Decision.replaced_at.is_(None))
        .options(selectinload(Decision.meeting))).scalars()}


def proposals(call: Call) -> dict[int, Proposal]:
    return {p.application_id: p for p in db.session.execute(
        select(Proposal).join(Application).where(Application.call_id == call.id)).scalars()}


def meetings(call: Call) -> list[DecisionMeeting]:
    return list(db.session.execute(
        select(DecisionMeeting).where(DecisionMeeting.call_id == call.id)
        .options(selectinload(DecisionMeeting.abstentions))
        .order_by(DecisionMeeting.meeting_date, DecisionMeeting.id)).scalars())


def undecided(call: Call) -> list[Application]:
    """The received applications that still lack an outcome."""
    decided = current_decisions(call)
    return [a for a in received_applications(call) if a.id not in decided]


def all_decided(received: list[Application], decisions: dict[int, Decision]) -> bool:
    """Every received application has its outcome (and there is at least one), from the
    lists a page has already read."""
    return bool(received) and all(a.id in decisions for a in received)


# Exchange rates --------------------------------------------------------------------------

def rate_on(on: date) -> ExchangeRate | None:
    """The rate of the date, or the latest before it."""
    return db.session.execute(
        select(ExchangeRate).where(ExchangeRate.rate_date <= on)
        .order_by(ExchangeRate.rate_date.desc()).limit(1)).scalar_one_or_none()


def all_rates() -> list[ExchangeRate]:
    return list(db.session.execute(
        select(ExchangeRate).order_by(ExchangeRate.rate_date.desc())).scalars())


# De minimis on the decision date -----------------------------------------------------------

def linked_orgnrs(application: Application) -> list[str]:
    return list(db.session.execute(
        select(LinkedUndertaking.orgnr).where(
            LinkedUndertaking.application_id == application.id)
        .order_by(LinkedUndertaking.orgnr)).scalars())


def single_undertaking(application: Application) -> set[str]:
    """The org.nrs of the single undertaking: the applicant, the undertakings recorded as
    linked to this application, and those whose own applications name the applicant as
    linked."""
    own = application.organisation.orgnr
    named_by_others = select(Organisation.orgnr).join(
        Application, Application.organisation_id == Organisation.id).join(
        LinkedUndertaking, LinkedUndertaking.application_id == Application.id).where(
        LinkedUndertaking.orgnr == own)
    return {own, *linked_orgnrs(application),
            *db.session.execute(named_by_others).scalars()}


def own_grants(orgnrs: set[str], *, excluding: Application | None = None
               ) -> list[deminimis.Aid]:
    """This system's current de minimis grants to the undertakings ``orgnrs``, by
    decision date (the caller keeps those within the period)."""
    query = (select(Decision.decided_on, Decision.amount - Decision.returned_amount)
             .join(Application, Application.id == Decision.application_id)
             .join(Organisation, Organisation.id == Application.organisation_id)
             .where(Organisation.orgnr.in_(sorted(orgnrs)), Decision.replaced_at.is_(None),
                    Decision.amount.is_not(None),
                    Decision.state_aid_basis == StateAidBasis.DE_MINIMIS))
    if excluding is not None:
        query = query.where(Decision.application_id != excluding.id)
    return [deminimis.Aid(on, amount) for on, amount in db.session.execute(query) if amount]


@dataclass
class DeMinimisPosition:
    """The undertaking against the ceiling on a decision date, as the page shows it."""

    on: date
    years: int
    orgnrs: list[str]
    declared_nok: int  #: declared by the applicant (for the single undertaking)
    own_nok: int  #: granted by this system to the single undertaking
    rate: ExchangeRate | None
    room: deminimis.Headroom | None  #: None without a rate

    @property
    def counted_nok(self) -> int:
        return self.declared_nok + self.own_nok


def de_minimis_position(application: Application, on: date) -> DeMinimisPosition:
    years = current_app.config["DE_MINIMIS_YEARS"]
    declared = deminimis.counted_nok(
        (deminimis.Aid(aid.granted_on, aid.amount) for aid in application.aid_received),
        on, years)
    orgnrs = single_undertaking(application)
    own = deminimis.counted_nok(own_grants(orgnrs, excluding=application), on, years)
    rate = rate_on(on)
    room = deminimis.headroom(declared + own, Decimal(rate.nok_per_eur),
                              current_app.config["DE_MINIMIS_CEILING_EUR"]) \
        if rate is not None else None
    return DeMinimisPosition(on=on, years=years, orgnrs=sorted(orgnrs), declared_nok=declared,
                             own_nok=own, rate=rate, room=room)


# --- Letters, appeals and the reserve ---


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


def notified_decisions(user: User, among: tuple[int, ...] | None = None
                       ) -> dict[int, Decision]:
    """The current vedtak whose letter is sent, on applications of the user's
    organisations (``among`` these applications only), by application id: one query for
    a whole list (kept for the request)."""
    return sql.by_application("notified_decisions", user, among, lambda: (
        select(Decision).join(Letter, Letter.decision_id == Decision.id)
        .join(Application, Application.id == Decision.application_id)
        .join(Membership, Membership.organisation_id == Application.organisation_id)
        .where(Membership.user_id == bindparam("reader"), Decision.replaced_at.is_(None),
               Letter.sent_at.is_not(None))))
