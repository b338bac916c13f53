"""State changes of the decisions domain: recording a vedtak on an application; its
letter, notification and appeals."""

from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import event, func, select

from fund.applications.models import Application, ApplicationState
from fund.audit.operations import record
from fund.auth.models import User
from fund.calls.models import Call
from fund.core.formatting import format_nok
from fund.core.pdf import remove_document, store_document
from fund.core.types import utcnow
from fund.decisions.deadlines import (
    appeal_deadline,
    appeal_in_time,
    oslo_date,
    provisional_reply_due,
)
from fund.decisions.letters import decision_letter_pdf, provisional_reply_pdf
from fund.decisions.models import (
    Appeal,
    AppealState,
    Decision,
    DecisionBody,
    DecisionError,
    DecisionMeeting,
    Letter,
    LetterKind,
)
from fund.extensions import db
from fund.mail.operations import queue_mail, release
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
    if replacing is not None:
        replacing.replaced_at = now
        # The old one stops being current before the new one exists (flushed before the
        # new row is made: a pending row attached to the meeting would be flushed too).
        db.session.flush()
    decision = Decision(
        application=application, meeting=meeting, outcome=outcome, amount=amount,
        proposed_amount=proposal.amount if proposal is not None else None,
        reasons=(reasons or "").strip(), conditions=(conditions or "").strip(),
        decided_on=decided_on or (meeting.meeting_date if meeting else now.date()),
        decided_by=actor)
    db.session.add(decision)
    db.session.flush()
    if replacing is not None:
        replacing.replaced_by = decision
    record("decision.made", application, actor=actor, outcome=str(outcome), amount=amount,
           proposed_amount=decision.proposed_amount, meeting=meeting.id if meeting else None,
           replaces=replacing.id if replacing else None)
    return decision


# --- Letters, notification and appeals (part D) -----------------------------------------

#: The longest appeal text kept (about twenty pages).
APPEAL_TEXT_MAX = 20_000


def member_addresses(application: Application) -> list[str]:
    """Where notices about an application go: the applying organisation's members whose
    address is confirmed (never the contact address typed into the form)."""
    return sorted({m.user.email for m in application.organisation.memberships
                   if m.user.email_verified_at is not None and m.user.active})


def _store(data: bytes) -> tuple[str, str]:
    return store_document(data)


def stage_letter(decision: Decision, actor: User) -> Letter:
    """Write the vedtaksbrev for ``decision`` and stage its notices as draft mails; the
    manager reads it and sends it with the others (``send_letters``)."""
    if not decision.outcome.is_vedtak:
        raise DecisionError(_("En trukket søknad får ikke vedtaksbrev."))
    if not decision.is_current:
        raise DecisionError(_("Vedtaket er erstattet av et nytt og får ikke brev."))
    application = decision.application
    stored_name, digest = _store(decision_letter_pdf(decision, oslo_date(utcnow())))
    letter = Letter(application=application, decision=decision, kind=LetterKind.DECISION,
                    stored_name=stored_name, sha256=digest, created_by_id=actor.id)
    db.session.add(letter)
    notices = [queue_mail(address, _("Vedtak i sak %(case)s", case=application.case_number),
                          "decision_letter", draft=True, application=application)
               for address in member_addresses(application)]
    letter.notices = notices
    letter.mail = notices[0] if notices else None
    db.session.flush()
    record("letter.staged", application, actor=actor, letter=letter.id, decision=decision.id,
           sha256=digest, recipients=len(notices))
    return letter


def letters_to_stage(call: Call) -> list[Decision]:
    """The call's current vedtak that have no letter yet."""
    return list(db.session.execute(
        select(Decision).join(Application, Application.id == Decision.application_id)
        .where(Application.call_id == call.id, Decision.replaced_at.is_(None),
               Decision.outcome != Outcome.WITHDRAWN, ~Decision.letters.any())
        .order_by(Application.case_number)).scalars())


def stage_letters(call: Call, actor: User) -> list[Letter]:
    decisions = letters_to_stage(call)
    if not decisions:
        raise DecisionError(_("Alle vedtakene i utlysningen har allerede brev."))
    return [stage_letter(decision, actor) for decision in decisions]


def staged_letters(call: Call) -> list[Letter]:
    """Vedtaksbrev of the call written but not sent, for current decisions."""
    return list(db.session.execute(
        select(Letter).join(Application, Application.id == Letter.application_id)
        .join(Decision, Decision.id == Letter.decision_id)
        .where(Application.call_id == call.id, Letter.kind == LetterKind.DECISION,
               Letter.sent_at.is_(None), Decision.replaced_at.is_(None))
        .order_by(Application.case_number, Letter.id)).scalars())


def send_letters(call: Call, actor: User, now: datetime | None = None) -> list[Letter]:
    """Send every staged letter of the call in one action. Each letter is written again
    with the notification date and the appeal deadline (the copy the applicant gets is
    the one archived), its notices are released, and the deadline starts to run."""
    now = now or utcnow()
    db.session.refresh(call, with_for_update=True)  # one sender at a time
    letters = staged_letters(call)
    if not letters:
        raise DecisionError(_("Ingen brev venter på å bli sendt."))
    notified_on = oslo_date(now)
    deadline = appeal_deadline(notified_on)
    for letter in letters:
        draft_name, draft_digest = letter.stored_name, letter.sha256
        letter.stored_name, letter.sha256 = _store(
            decision_letter_pdf(letter.decision, notified_on, deadline))
        letter.sent_at, letter.sent_by_id, letter.appeal_deadline = now, actor.id, deadline
        released = release(letter.notices)
        record("letter.sent", letter.application, actor=actor, letter=letter.id,
               decision=letter.decision_id, sha256=letter.sha256, draft_sha256=draft_digest,
               appeal_deadline=deadline.isoformat(), notices=len(released))
        _after_commit_remove(draft_name)
    return letters


def _after_commit_remove(stored_name: str) -> None:
    """The draft's file goes once the sent copy is committed (a rollback keeps it)."""
    session = db.session()

    def remove(_session):
        remove_document(stored_name)

    event.listen(session, "after_commit", remove, once=True)


def sent_letter(decision: Decision) -> Letter | None:
    letter = decision.letter
    return letter if letter is not None and letter.is_sent else None


def open_appeal(decision: Decision) -> Appeal | None:
    """An appeal on ``decision`` that is still being handled."""
    return next((a for a in decision.appeals
                 if a.state in (AppealState.RECEIVED, AppealState.FORWARDED)), None)


def register_appeal(application: Application, user: User, text: str,
                    now: datetime | None = None) -> Appeal:
    """The applicant's klage on the current vedtak. Marked in time or late by the rule
    (``deadlines.appeal_in_time``); a late appeal is received and assessed all the same."""
    now = now or utcnow()
    decision = current_decision(application)
    letter = sent_letter(decision) if decision is not None else None
    if decision is None or not decision.outcome.is_vedtak or letter is None:
        raise DecisionError(_("Det er ikke sendt noe vedtak i saken ennå, så det er ingenting "
                              "å klage på."))
    if open_appeal(decision) is not None:
        raise DecisionError(_("Du har allerede klaget på dette vedtaket, og klagen er under "
                              "behandling."))
    text = (text or "").strip()
    if not text:
        raise DecisionError(_("Skriv hva du klager på og hvilken endring du ønsker."))
    if len(text) > APPEAL_TEXT_MAX:
        raise DecisionError(_("Klagen kan være høyst %(max)s tegn.", max=APPEAL_TEXT_MAX))
    appeal = Appeal(decision=decision, received_at=now, submitted_by_id=user.id, text=text,
                    in_time=appeal_in_time(now, letter.appeal_deadline))
    db.session.add(appeal)
    db.session.flush()
    record("appeal.received", application, actor=user, appeal=appeal.id,
           decision=decision.id, in_time=appeal.in_time)
    for address in member_addresses(application):
        queue_mail(address, _("Klagen er mottatt: %(case)s", case=application.case_number),
                   "appeal_received", application=application, appeal=appeal,
                   deadline=letter.appeal_deadline,
                   appeal_body=current_app.config["APPEAL_BODY"])
    return appeal


def _must_be_received(appeal: Appeal) -> None:
    if appeal.state != AppealState.RECEIVED:
        raise DecisionError(_("Klagen er allerede behandlet av kommunen."))


def reverse_decision(appeal: Appeal, actor: User, *, body: DecisionBody, meeting_date: date,
                     outcome: Outcome, amount: int | None, reasons: str,
                     assessment: str = "", conditions: str = "",
                     delegation_reference: str = "",
                     political_case_number: str = "") -> Decision:
    """The first instance reverses its vedtak (fvl § 33 annet ledd): a new vedtak that
    replaces the appealed one, paid from the call's appeal reserve, with a new letter
    staged to be sent as the others are."""
    _must_be_received(appeal)
    old = appeal.decision
    if not old.is_current:
        raise DecisionError(_("Vedtaket det er klaget på, er allerede erstattet."))
    if not outcome.is_vedtak:
        raise DecisionError(_("Velg utfallet av det nye vedtaket."))
    if outcome == old.outcome and (amount if outcome.is_grant else None) == old.amount:
        raise DecisionError(_("Det nye vedtaket er likt det gamle. Send heller klagen til "
                              "klageinstansen."))
    application = old.application
    meeting = DecisionMeeting(call=application.call, body=body, meeting_date=meeting_date,
                              delegation_reference=(delegation_reference or "").strip(),
                              political_case_number=(political_case_number or "").strip(),
                              recorded_by=actor)
    db.session.add(meeting)
    new = decide(application, meeting, outcome, amount, reasons, actor,
                 conditions=conditions, decided_on=meeting_date, replacing=old)
    if new.is_grant and old.is_grant:  # the state-aid footing of the same project
        new.state_aid_basis, new.kdd_category = old.state_aid_basis, old.kdd_category
        new.block_exemption_article = old.block_exemption_article
    appeal.state, appeal.new_decision = AppealState.REVERSED, new
    appeal.handled_by_id, appeal.handled_at = actor.id, utcnow()
    appeal.assessment = (assessment or "").strip()
    record("appeal.reversed", application, actor=actor, appeal=appeal.id, old=old.id,
           new=new.id, outcome=str(outcome), amount=new.amount)
    stage_letter(new, actor)
    return new


def forward_appeal(appeal: Appeal, actor: User, assessment: str,
                   now: datetime | None = None) -> Appeal:
    """The first instance keeps its vedtak and sends the appeal on to the appeal body
    (fvl § 33 fjerde ledd), with its assessment; the applicant is told."""
    _must_be_received(appeal)
    assessment = (assessment or "").strip()
    if not assessment:
        raise DecisionError(_("Skriv kommunens vurdering av klagen før den sendes videre."))
    now = now or utcnow()
    appeal.state, appeal.assessment = AppealState.FORWARDED, assessment
    appeal.forwarded_at, appeal.handled_at, appeal.handled_by_id = now, now, actor.id
    appeal.appeal_body = current_app.config["APPEAL_BODY"]
    application = appeal.decision.application
    record("appeal.forwarded", application, actor=actor, appeal=appeal.id,
           appeal_body=appeal.appeal_body)
    for address in member_addresses(application):
        queue_mail(address, _("Klagen er sendt til klageinstansen: %(case)s",
                              case=application.case_number),
                   "appeal_forwarded", application=application, appeal=appeal)
    return appeal


def record_appeal_outcome(appeal: Appeal, actor: User, outcome: str,
                          decided_on: date) -> Appeal:
    """What the appeal body decided, as its decision says."""
    if appeal.state != AppealState.FORWARDED:
        raise DecisionError(_("Klageinstansens avgjørelse kan bare føres for en klage som er "
                              "sendt dit."))
    outcome = (outcome or "").strip()
    if not outcome:
        raise DecisionError(_("Skriv hva klageinstansen kom fram til."))
    appeal.state, appeal.appeal_body_outcome = AppealState.CONCLUDED, outcome
    appeal.appeal_body_decided_on = decided_on
    record("appeal.concluded", appeal.decision.application, actor=actor, appeal=appeal.id,
           decided_on=decided_on.isoformat())
    return appeal


def provisional_reply_candidates(now: datetime) -> list[Application]:
    """Received applications with no decision and no provisional reply, submitted more
    than a month before ``now``."""
    undecided = ~select(Decision.id).where(Decision.application_id == Application.id,
                                           Decision.replaced_at.is_(None)).exists()
    replied = select(Letter.id).where(Letter.application_id == Application.id,
                                      Letter.kind == LetterKind.PROVISIONAL_REPLY).exists()
    rows = db.session.execute(select(Application).where(
        Application.state.in_((ApplicationState.SUBMITTED, ApplicationState.INFO_REQUESTED)),
        Application.submitted_at.is_not(None),
        Application.submitted_at < now - timedelta(days=27), undecided, ~replied)
        .order_by(Application.submitted_at, Application.id)).scalars()
    return [a for a in rows if provisional_reply_due(a.submitted_at, now)]


def send_provisional_reply(application: Application, now: datetime,
                           actor: User | None = None) -> Letter:
    stored_name, digest = _store(provisional_reply_pdf(application, oslo_date(now)))
    letter = Letter(application=application, kind=LetterKind.PROVISIONAL_REPLY,
                    stored_name=stored_name, sha256=digest, sent_at=now,
                    created_by_id=actor.id if actor else None,
                    sent_by_id=actor.id if actor else None)
    db.session.add(letter)
    notices = [queue_mail(address, _("Foreløpig svar: %(case)s", case=application.case_number),
                          "provisional_reply", application=application,
                          reason=current_app.config["PROVISIONAL_REPLY_REASON"])
               for address in member_addresses(application)]
    letter.notices = notices
    letter.mail = notices[0] if notices else None
    db.session.flush()
    record("letter.provisional_reply_sent", application, actor=actor, letter=letter.id,
           sha256=digest, expected_decision_on=application.call.expected_decision_on.isoformat()
           if application.call.expected_decision_on else None)
    return letter


def send_provisional_replies(now: datetime | None = None,
                             actor: User | None = None) -> list[Letter]:
    """A provisional reply, once, to every case undecided more than a month after it was
    submitted (fvl § 11a tredje ledd). Run daily from cron."""
    now = now or utcnow()
    return [send_provisional_reply(application, now, actor)
            for application in provisional_reply_candidates(now)]
