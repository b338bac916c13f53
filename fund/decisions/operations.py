"""State changes of the decisions domain: recording a vedtak on an application."""

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, select

from fund.applications.models import Application, ApplicationState
from fund.audit.operations import record
from fund.auth.models import User
from fund.calls.models import Call
from fund.core.formatting import format_nok
from fund.core.types import utcnow
from fund.decisions.models import Decision, DecisionError, DecisionMeeting
from fund.extensions import db
from fund.review.models import Outcome, Proposal


def granted_total(call: Call, *, excluding: Decision | None = None) -> int:
    """Kroner granted in the call by current decisions (a replaced one is not counted)."""
    query = (select(func.coalesce(func.sum(Decision.amount), 0))
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


def decide(application: Application, meeting: DecisionMeeting | None, outcome: Outcome,
           amount: int | None, reasons: str, actor: User, *, conditions: str = "",
           decided_on: date | None = None, replacing: Decision | None = None) -> Decision:
    """Record the outcome of ``application``: a vedtak made in ``meeting``, or (for a
    withdrawn application) the confirmation that it was withdrawn.

    Refused when the application already has a current decision (unless this one
    replaces it), or when the grant would take the call over its budget; the refusal
    states the kroner left.
    """
    db.session.refresh(application.call, with_for_update=True)  # one decider at a time
    existing = current_decision(application)
    if existing is not None and existing is not replacing:
        raise DecisionError(_("Søknad %(case)s er allerede avgjort.",
                              case=application.case_number))
    withdrawn = application.state == ApplicationState.WITHDRAWN
    if withdrawn != (outcome == Outcome.WITHDRAWN):
        raise DecisionError(_("En trukket søknad avsluttes som trukket, og bare den."))
    if outcome.is_vedtak and meeting is None:
        raise DecisionError(_("Et vedtak må ha et vedtaksorgan og en møtedato."))
    if outcome.is_grant:
        if not amount or amount <= 0:
            raise DecisionError(_("Et tilskudd må ha et beløp over null."))
        room = budget_room(application.call, replacing=replacing)
        if amount > room:
            raise DecisionError(_(
                "Tilskuddet på %(amount)s går over utlysningens budsjett. Det er "
                "%(room)s igjen å fordele.", amount=format_nok(amount),
                room=format_nok(max(room, 0))))
    else:
        amount = None
    proposal = db.session.execute(
        select(Proposal).where(Proposal.application_id == application.id)
    ).scalar_one_or_none()
    now = utcnow()
    decision = Decision(
        application=application, meeting=meeting, outcome=outcome, amount=amount,
        proposed_amount=proposal.amount if proposal is not None else None,
        reasons=(reasons or "").strip(), conditions=(conditions or "").strip(),
        decided_on=decided_on or (meeting.meeting_date if meeting else now.date()),
        decided_by=actor)
    if replacing is not None:
        replacing.replaced_at = now
        db.session.flush()  # the old one stops being current before the new one is
    db.session.add(decision)
    db.session.flush()
    if replacing is not None:
        replacing.replaced_by = decision
    record("decision.made", application, actor=actor, outcome=str(outcome), amount=amount,
           proposed_amount=decision.proposed_amount, meeting=meeting.id if meeting else None,
           replaces=replacing.id if replacing else None)
    return decision
