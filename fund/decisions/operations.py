"""State changes of the decisions domain: recording a vedtak on an application; its
letter, notification and appeals."""

from datetime import date, datetime, timedelta
from decimal import Decimal

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from fund.applications.models import Application, ApplicationState
from fund.audit.operations import record
from fund.auth import brreg
from fund.auth.models import Organisation, User
from fund.calls.models import Call
from fund.core import files
from fund.core.formatting import format_date, format_nok, format_number
from fund.core.pdf import remove_document, store_document
from fund.core.signals import decision_letter_sent
from fund.core.types import utcnow
from fund.decisions import deminimis
from fund.decisions.deadlines import (
    appeal_deadline,
    appeal_in_time,
    oslo_date,
    provisional_reply_due,
)
from fund.decisions.labels import KDD_CATEGORIES
from fund.decisions.letters import decision_letter_pdf, provisional_reply_pdf
from fund.decisions.models import (
    Appeal,
    AppealState,
    BodyAbstention,
    Decision,
    DecisionBody,
    DecisionError,
    DecisionMeeting,
    ExchangeRate,
    Letter,
    LetterKind,
    LinkedUndertaking,
    StateAidBasis,
)
from fund.decisions.queries import (
    budget_room,
    current_decision,
    de_minimis_position,
    letters_to_stage,
    open_appeal,
    rate_on,
    sent_letter,
    staged_letters,
)
from fund.extensions import db
from fund.mail.operations import queue_mail, release
from fund.review.models import Outcome, Proposal
from fund.review.operations import amount_problem
from fund.review.queries import hidden_application_ids, innstilling_of


def decide(application: Application, meeting: DecisionMeeting | None, outcome: Outcome,
           amount: int | None, reasons: str, actor: User, *, conditions: str = "",
           decided_on: date | None = None, replacing: Decision | None = None) -> Decision:
    """Record the outcome of ``application``: a vedtak made in ``meeting``, or (for a
    withdrawn application) the confirmation that it was withdrawn.

    Refused when the application already has a current decision (unless this one
    replaces it), or when the grant would take the call over its budget; the refusal
    states the kroner left.
    """
    db.session.flush()  # a refresh drops unflushed changes
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


# --- Letters, notification and appeals -----------------------------------------

#: The longest appeal text kept (about twenty pages).
APPEAL_TEXT_MAX = 20_000


def members(application: Application) -> list[User]:
    """Who notices about an application go to: the applying organisation's members whose
    address is confirmed (never the contact address typed into the form). Each gets them
    in their own language (``mail_locale``)."""
    return sorted((m.user for m in application.organisation.memberships
                   if m.user.email_verified_at is not None and m.user.active),
                  key=lambda user: user.email)


def _store(data: bytes) -> tuple[str, str]:
    """A letter's file, removed again if the transaction storing it rolls back (a later
    letter of the same action failing, the commit failing)."""
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
    notices = [queue_mail(user.email, _l("Vedtak i sak %(case)s", case=application.case_number),
                          "decision_letter", draft=True, locale=user.mail_locale,
                          application=application)
               for user in members(application)]
    letter.notices = notices
    letter.mail = notices[0] if notices else None
    db.session.flush()
    record("letter.staged", application, actor=actor, letter=letter.id, decision=decision.id,
           sha256=digest, recipients=len(notices))
    return letter


def stage_letters(call: Call, actor: User) -> list[Letter]:
    decisions = letters_to_stage(call)
    if not decisions:
        raise DecisionError(_("Alle vedtakene i utlysningen har allerede brev."))
    return [stage_letter(decision, actor) for decision in decisions]


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
        decision_letter_sent.send(letter, notified_on=notified_on, actor=actor)
    return letters


def _after_commit_remove(stored_name: str) -> None:
    """The draft's file goes once the sent copy is committed (a rollback keeps it)."""
    remove_document(stored_name)


@files.references("letters")
def _referenced_letters():
    return db.session.execute(select(Letter.stored_name)).scalars()


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
    for user in members(application):
        queue_mail(user.email, _l("Klagen er mottatt: %(case)s", case=application.case_number),
                   "appeal_received", locale=user.mail_locale, application=application,
                   appeal=appeal,
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
                     political_case_number: str = "",
                     state_aid_basis: StateAidBasis | None = None,
                     block_exemption_article: str = "", kdd_category: str | None = None,
                     cap_to_headroom: bool = False,
                     sector_confirmed: bool = False) -> Decision:
    """The first instance reverses its vedtak (fvl § 33 annet ledd): a new vedtak that
    replaces the appealed one, paid from the call's appeal reserve, with a new letter
    staged to be sent as the others are. A grant gets the same checks on its date as any
    vedtak (``record_decision``: register, sectors, de minimis at the day's rate)."""
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
    new = record_decision(application, meeting, actor, outcome=outcome, amount=amount,
                          reasons=reasons, conditions=conditions,
                          state_aid_basis=state_aid_basis,
                          block_exemption_article=block_exemption_article,
                          kdd_category=kdd_category, cap_to_headroom=cap_to_headroom,
                          sector_confirmed=sector_confirmed, replacing=old)
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
    for user in members(application):
        queue_mail(user.email, _l("Klagen er sendt til klageinstansen: %(case)s",
                                  case=application.case_number),
                   "appeal_forwarded", locale=user.mail_locale, application=application,
                   appeal=appeal)
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
    notices = [queue_mail(user.email, _l("Foreløpig svar: %(case)s",
                                         case=application.case_number),
                          "provisional_reply", locale=user.mail_locale, application=application,
                          reason=current_app.config["PROVISIONAL_REPLY_REASON"])
               for user in members(application)]
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
# --- Recording the body's decisions and the rate table -------------------------

def decision_refusals(call: Call, actor: User) -> list[str]:
    """Why ``actor`` may not record vedtak in ``call`` now; empty when they may."""
    if hidden_application_ids(actor, call):
        return [_("Du er inhabil i minst én søknad i utlysningen og kan ikke registrere "
                  "vedtakene. En annen fondsforvalter må gjøre det.")]
    if not call.review_closed:
        return [_("Behandlingen av utlysningen er ikke avsluttet. Vedtak registreres etter at "
                  "innstillingen er lagt fram.")]
    if innstilling_of(call) is None:
        return [_("Innstillingen er ikke lagt fram ennå. Legg den fram under «Forslag til "
                  "vedtak» før vedtakene registreres.")]
    return []


def _refuse_unless_allowed(call: Call, actor: User) -> None:
    reasons = decision_refusals(call, actor)
    if reasons:
        raise DecisionError(" ".join(reasons))


def record_meeting(call: Call, actor: User, *, body: DecisionBody, meeting_date: date,
                   delegation_reference: str = "", political_case_number: str = "",
                   decided_text: str = "") -> DecisionMeeting:
    """The deciding body's sitting on the call, as the møtebok records it."""
    _refuse_unless_allowed(call, actor)
    delegation_reference = (delegation_reference or "").strip()
    if body == DecisionBody.KOMMUNEDIREKTOR and not delegation_reference:
        raise DecisionError(_("Oppgi delegeringsvedtaket kommunedirektøren treffer vedtak "
                              "etter."))
    if body != DecisionBody.KOMMUNEDIREKTOR and not (political_case_number or "").strip():
        raise DecisionError(_("Oppgi saksnummeret i det politiske organet, for eksempel "
                              "«PS 45/27»."))
    meeting = DecisionMeeting(
        call_id=call.id, body=body, meeting_date=meeting_date,
        delegation_reference=delegation_reference,
        political_case_number=(political_case_number or "").strip(),
        decided_text=(decided_text or "").strip(), recorded_by_id=actor.id)
    db.session.add(meeting)
    db.session.flush()
    record("decision.meeting_recorded", call, actor=actor, meeting=meeting.id,
           body=str(body), meeting_date=meeting_date.isoformat(),
           political_case_number=meeting.political_case_number)
    return meeting


def add_abstention(meeting: DecisionMeeting, application: Application, member_name: str,
                   reason: str, actor: User) -> BodyAbstention:
    """A member of the body who stood down for one application (koml § 11-11)."""
    _refuse_unless_allowed(meeting.call, actor)
    member_name = (member_name or "").strip()
    if not member_name:
        raise DecisionError(_("Skriv navnet på medlemmet som fratrådte."))
    if application.call_id != meeting.call_id:
        raise DecisionError(_("Søknaden hører ikke til utlysningen."))
    abstention = BodyAbstention(meeting=meeting, application_id=application.id,
                                member_name=member_name, reason=(reason or "").strip())
    db.session.add(abstention)
    record("decision.abstention_recorded", application, actor=actor, meeting=meeting.id,
           member=member_name)
    return abstention


def set_linked_undertakings(application: Application, orgnrs: list[str],
                            actor: User) -> None:
    """The org.nrs of the undertakings that form one single undertaking with the
    applicant (art. 2(2)); their grants from this system count towards the ceiling."""
    _refuse_unless_allowed(application.call, actor)
    wanted = sorted(set(orgnrs) - {application.organisation.orgnr})
    current = {row.orgnr: row for row in db.session.execute(
        select(LinkedUndertaking).where(
            LinkedUndertaking.application_id == application.id)).scalars()}
    if sorted(current) == wanted:
        return
    for orgnr, row in current.items():
        if orgnr not in wanted:
            db.session.delete(row)
    db.session.add_all([LinkedUndertaking(application_id=application.id, orgnr=orgnr,
                                          added_by_id=actor.id)
                        for orgnr in wanted if orgnr not in current])
    record("decision.linked_undertakings", application, actor=actor, orgnrs=wanted)


def _check_register(organisation: Organisation) -> datetime | None:
    """The bankruptcy and address check on the decision date: always the stored flags;
    with the register lookup on, Enhetsregisteret's entry first (which updates them).
    Returns when the register was checked, or None when the lookup is off."""
    checked_at = None
    if current_app.config.get("BRREG_ENABLED"):
        try:
            entry = brreg.lookup(organisation.orgnr)
        except brreg.RegisterUnavailable as exc:
            raise DecisionError(_(
                "Enhetsregisteret svarer ikke nå, og konkurs og adresse må sjekkes på "
                "vedtaksdatoen før et tilskudd. Prøv igjen om litt.")) from exc
        if entry is None:
            raise DecisionError(_("%(name)s (org.nr. %(orgnr)s) finnes ikke i "
                                  "Enhetsregisteret og kan ikke få tilskudd.",
                                  name=organisation.name, orgnr=organisation.orgnr))
        checked_at = utcnow()
        organisation.bankrupt, organisation.under_liquidation = \
            entry.bankrupt, entry.under_liquidation
        organisation.address, organisation.postcode, organisation.city = \
            entry.address, entry.postcode, entry.city
        organisation.municipality_number = entry.municipality_number
        organisation.industry_code = entry.industry_code or organisation.industry_code
        organisation.founded_on = entry.founded_on or organisation.founded_on
        organisation.register_checked_at = checked_at
    if organisation.bankrupt or organisation.under_liquidation:
        raise DecisionError(_("%(name)s er konkurs eller under avvikling og kan ikke få "
                              "tilskudd. Avslå søknaden med den begrunnelsen.",
                              name=organisation.name))
    return checked_at


def grant_problem(outcome: Outcome, amount: int | None, reasons: str, applied: int) -> str | None:
    """What is wrong with an outcome and its amount, for the manager; None when sound."""
    problem = amount_problem(outcome, amount, applied)
    if problem:
        return problem
    if outcome in (Outcome.PARTLY_GRANTED, Outcome.REJECTED, Outcome.DISMISSED) \
            and not reasons.strip():
        return _("Skriv begrunnelsen for vedtaket (forvaltningsloven §§ 24–25): for delvis "
                 "innvilget hva som ikke er innvilget og hvorfor.")
    return None


def record_decision(application: Application, meeting: DecisionMeeting, actor: User, *,
                    outcome: Outcome, amount: int | None, reasons: str,
                    conditions: str = "", state_aid_basis: StateAidBasis | None = None,
                    block_exemption_article: str = "", kdd_category: str | None = None,
                    cap_to_headroom: bool = False,
                    sector_confirmed: bool = False,
                    replacing: Decision | None = None) -> Decision:
    """The body's vedtak on one application, with the checks of the decision date: the
    register (konkurs, address), excluded sectors, and de minimis at that date's rate,
    with the grant cut to the headroom when the manager chooses so. The budget and the
    one-current-decision rule are ``decide``'s. ``replacing``: the vedtak a reversal after
    an appeal replaces (its grant is not counted twice, and the appeal reserve may pay)."""
    call = application.call
    db.session.flush()  # a refresh would drop unflushed changes to the call
    db.session.refresh(call, with_for_update=True)  # one decider at a time
    _refuse_unless_allowed(call, actor)
    if meeting.call_id != call.id:
        raise DecisionError(_("Møtet hører ikke til utlysningen."), field="meeting")
    if not outcome.is_vedtak:
        raise DecisionError(_("En trukket søknad bekreftes som trukket, uten vedtak."))
    reasons, conditions = (reasons or "").strip(), (conditions or "").strip()
    applied = application.amount_applied or 0
    problem = grant_problem(outcome, amount, reasons, applied)
    if problem:
        raise DecisionError(problem)
    on = meeting.meeting_date
    checked_at, rate, counted, capped = None, None, None, False
    sector_confirmed = bool(sector_confirmed)
    if outcome.is_grant:
        if state_aid_basis is None:
            raise DecisionError(_("Velg grunnlaget for støtten: ikke offentlig støtte, "
                                  "bagatellmessig støtte eller gruppeunntak."),
                                field="state_aid_basis")
        block_exemption_article = (block_exemption_article or "").strip()
        if state_aid_basis == StateAidBasis.BLOCK_EXEMPTION and not block_exemption_article:
            raise DecisionError(_("Oppgi artikkelen i gruppeunntaket (GBER) støtten gis etter."),
                                field="block_exemption_article")
        if kdd_category not in KDD_CATEGORIES:
            raise DecisionError(_("Velg KDD-kategorien for tilskuddet."), field="kdd_category")
        checked_at = _check_register(application.organisation)
        sectors = deminimis.excluded_sectors(application.organisation.industry_code)
        if state_aid_basis == StateAidBasis.DE_MINIMIS:
            if sectors and not sector_confirmed:
                raise DecisionError(_(
                    "Næringskoden %(code)s er i en sektor forordningen om bagatellmessig "
                    "støtte ikke gjelder for. Bekreft at støtten ikke går til den "
                    "virksomheten, eller velg et annet grunnlag.",
                    code=application.organisation.industry_code), field="sector_confirmed")
            position = de_minimis_position(application, on)
            if position.room is None:
                raise DecisionError(_(
                    "Det finnes ingen valutakurs (kroner per euro) for %(date)s eller "
                    "tidligere, og bagatellmessig støtte regnes om til euro etter kursen på "
                    "vedtaksdatoen. Be en administrator legge inn kursen under «Valutakurser».",
                    date=format_date(on)))
            rate, counted = position.rate.nok_per_eur, position.counted_nok
            cut = deminimis.apply_ceiling(amount, position.room, cap_to_headroom)
            if cut.refused:
                raise DecisionError(_(
                    "Tilskuddet på %(amount)s går over taket for bagatellmessig støtte. "
                    "Foretaket har fått %(counted)s de siste %(years)s årene; taket er "
                    "%(ceiling)s (%(eur)s euro etter kursen %(rate)s), så handlingsrommet "
                    "er %(room)s.", amount=format_nok(amount),
                    counted=format_nok(position.counted_nok), years=position.years,
                    ceiling=format_nok(position.room.ceiling_nok),
                    eur=format_number(position.room.ceiling_eur),
                    rate=format_number(rate), room=format_nok(position.room.headroom_nok)))
            if cut.capped:
                amount, capped, outcome = cut.amount_nok, True, Outcome.PARTLY_GRANTED
                reasons = (reasons + "\n\n" if reasons else "") + _(
                    "Tilskuddet er satt ned til %(amount)s, som er det som er igjen under "
                    "taket for bagatellmessig støtte (%(eur)s euro over %(years)s år).",
                    amount=format_nok(amount), eur=format_number(position.room.ceiling_eur),
                    years=position.years)
        else:
            sector_confirmed = False
            known = rate_on(on)
            rate = known.nok_per_eur if known is not None else None
    decision = decide(application, meeting, outcome, amount, reasons, actor,
                      conditions=conditions, decided_on=on, replacing=replacing)
    if outcome.is_grant:
        decision.state_aid_basis = state_aid_basis
        decision.block_exemption_article = block_exemption_article \
            if state_aid_basis == StateAidBasis.BLOCK_EXEMPTION else ""
        decision.kdd_category = kdd_category
        decision.nok_per_eur = rate
        decision.amount_eur = deminimis.to_eur(amount, rate) if rate is not None else None
        decision.de_minimis_counted_nok = counted
        decision.capped_to_headroom = capped
        decision.excluded_sector_confirmed = sector_confirmed
        decision.register_checked_at = checked_at
        record("decision.grant_checked", application, actor=actor,
               state_aid_basis=str(state_aid_basis), kdd_category=kdd_category,
               nok_per_eur=str(rate) if rate is not None else None,
               de_minimis_counted_nok=counted, capped_to_headroom=capped,
               excluded_sector_confirmed=sector_confirmed,
               register_checked=checked_at is not None)
    db.session.flush()
    return decision


def confirm_withdrawn(application: Application, actor: User) -> Decision:
    """A withdrawn application ends as trukket: no vedtak, confirmed."""
    _refuse_unless_allowed(application.call, actor)
    return decide(application, None, Outcome.WITHDRAWN, None, "", actor)


def set_rate(rate_date: date, nok_per_eur: Decimal, source: str, actor: User | None
             ) -> ExchangeRate:
    """Add the NOK/EUR rate of a date, or correct it; a decision keeps the rate it used."""
    if nok_per_eur <= 0:
        raise DecisionError(_("Kursen må være over null."))
    source = (source or "").strip()
    rate = db.session.get(ExchangeRate, rate_date)
    if rate is None:
        rate = ExchangeRate(rate_date=rate_date, nok_per_eur=nok_per_eur, source=source,
                            entered_by_id=actor.id if actor else None)
        db.session.add(rate)
        db.session.flush()
        record("decision.rate_added", None, actor=actor, rate_date=rate_date.isoformat(),
               nok_per_eur=str(nok_per_eur), source=source)
        return rate
    old = str(rate.nok_per_eur)
    rate.nok_per_eur, rate.source = nok_per_eur, source
    rate.entered_by_id, rate.entered_at = (actor.id if actor else None), utcnow()
    record("decision.rate_corrected", None, actor=actor, rate_date=rate_date.isoformat(),
           old=old, new=str(nok_per_eur), source=source)
    return rate
