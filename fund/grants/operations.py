"""State changes of the grants domain: the tilsagn made from a sent granting vedtak; its
acceptance or lapse; payment requests and payments; the final report; recovery and
repayments; and the register exports. Every change is audited."""

from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from fund.audit.operations import record
from fund.auth.models import User
from fund.calls.labels import FUND_LABELS
from fund.core.formatting import format_date, format_nok
from fund.core.pdf import render_pdf, store_document
from fund.core.types import utcnow
from fund.decisions import deminimis
from fund.decisions.deadlines import acceptance_deadline, next_working_day, oslo_date
from fund.decisions.letters import archive_reference, recovery_letter_facts
from fund.decisions.models import (
    Decision,
    DecisionBody,
    DecisionKind,
    DecisionMeeting,
    Letter,
)
from fund.decisions.operations import decide, member_addresses, stage_letter
from fund.extensions import db
from fund.grants import queries
from fund.grants.labels import RECOVERY_GROUND_LABELS
from fund.grants.models import (
    Grant,
    GrantError,
    GrantState,
    Recovery,
    RecoveryGround,
    RecoveryState,
    Repayment,
)
from fund.grants.permissions import (
    may_answer_recovery,
    may_make_recovery,
    may_record_repayment,
)
from fund.mail.operations import queue_mail
from fund.review.models import Outcome
from fund.review.queries import hidden_application_ids

# --- The tilsagn (shared) ---


def offer_grant(letter: Letter, notified_on: date, actor: User | None = None) -> Grant | None:
    """The tilsagn of a granting allocation vedtak, made when its letter is sent: the
    acceptance deadline runs from the notification (the letter states the same date).
    A later granting vedtak on the same application (a reversal on appeal) keeps the
    grant and its deadline; a grant that had lapsed or been revoked is offered anew."""
    decision: Decision | None = letter.decision
    if decision is None or decision.kind != DecisionKind.ALLOCATION or not decision.is_grant:
        return None
    application = decision.application
    grant = db.session.execute(select(Grant).where(
        Grant.application_id == application.id)).scalar_one_or_none()
    deadline = acceptance_deadline(notified_on, application.call.acceptance_weeks)
    if grant is not None and grant.state.is_open:
        return grant
    if grant is None:
        grant = Grant(application=application, acceptance_deadline=deadline)
        db.session.add(grant)
    else:
        grant.state, grant.acceptance_deadline, grant.lapsed_at = \
            GrantState.OFFERED, deadline, None
    db.session.flush()
    record("grant.offered", application, actor=actor, grant=grant.id,
           amount=decision.amount, acceptance_deadline=deadline.isoformat())
    return grant


def must_be(grant: Grant, *states: GrantState, refusal: str | None = None) -> None:
    if grant.state not in states:
        raise GrantError(refusal or _("Tilskuddet kan ikke endres slik nå."))


def tell_members(grant: Grant, subject: str, template: str, **context) -> list:
    """A mail to every member of the recipient organisation with a confirmed address."""
    application = grant.application
    return [queue_mail(address, subject, template, application=application, grant=grant,
                       **context)
            for address in member_addresses(application)]


def lock(grant: Grant) -> Grant:
    """One change to a grant at a time (payments, reports and recovery read its money)."""
    db.session.flush()
    db.session.refresh(grant, with_for_update=True)
    return grant


# --- Acceptance ---

# --- Payments ---

# --- Final report ---

# --- Recovery ---

#: The longest text kept in a notice, an answer, reasons or a note (about twenty pages).
RECOVERY_TEXT_MAX = 20_000


def _inhabil(user: User, grant: Grant) -> bool:
    return grant.application_id in hidden_application_ids(user, grant.application.call)


def _must_make_recovery(grant: Grant, manager: User) -> None:
    if not may_make_recovery(manager, _inhabil(manager, grant)):
        raise GrantError(_("Bare en fondsforvalter som ikke er inhabil i saken, kan redusere "
                           "eller kreve tilbake et tilskudd."))


def _text(text: str | None, missing: str) -> str:
    text = (text or "").strip()
    if not text:
        raise GrantError(missing)
    if len(text) > RECOVERY_TEXT_MAX:
        raise GrantError(_("Teksten kan være høyst %(max)s tegn.", max=RECOVERY_TEXT_MAX))
    return text


def _must_be_notified(recovery: Recovery | None) -> Recovery:
    if recovery is None or recovery.state != RecoveryState.NOTIFIED:
        raise GrantError(_("Et tilskudd kan bare reduseres eller kreves tilbake etter et "
                           "forhåndsvarsel som ennå ikke er avgjort (forvaltningsloven "
                           "§ 16). Send forhåndsvarsel først."))
    return recovery


def recovery_notice_pdf(recovery: Recovery, letter_date: date) -> bytes:
    """The forhåndsvarsel as a PDF/A letter."""
    grant = recovery.grant
    application = grant.application
    money = queries.money_of(grant)
    return render_pdf(
        "pdf/recovery_notice.html", recovery=recovery, grant=grant, application=application,
        organisation=application.organisation, call=application.call,
        decision=queries.current_decision_of(grant), in_force=queries.in_force(money),
        paid=money.paid, repaid=money.repaid,
        ground_label=RECOVERY_GROUND_LABELS[recovery.ground],
        fund_label=FUND_LABELS[application.call.fund], letter_date=letter_date,
        reference=archive_reference(application))


def notify_recovery(grant: Grant, manager: User, ground: RecoveryGround, new_amount: int,
                    notice_text: str, now: datetime | None = None) -> Recovery:
    """The forhåndsvarsel (fvl § 16) that the grant is to be reduced to ``new_amount``
    (0: revoked), with what would then be repaid and a deadline to answer. Irreversible:
    the members are told at once, with the notice as a PDF on the grant page."""
    now = now or utcnow()
    _must_make_recovery(grant, manager)
    lock(grant)
    must_be(grant, GrantState.ACCEPTED, GrantState.COMPLETED, refusal=_(
        "Bare et akseptert eller avsluttet tilskudd kan reduseres eller kreves tilbake."))
    if queries.open_recovery(grant) is not None:
        raise GrantError(_("Det er allerede sendt et forhåndsvarsel som ikke er avgjort. "
                           "Fatt vedtak eller avslutt det før et nytt sendes."))
    if ground not in RecoveryGround:
        raise GrantError(_("Velg grunnlaget for tilbakekrevingen."))
    money = queries.money_of(grant)
    in_force = queries.in_force(money)
    if new_amount is None or new_amount < 0 or new_amount >= in_force:
        raise GrantError(_("Det nye beløpet må være lavere enn tilskuddet på %(amount)s og "
                           "ikke under null (0 trekker tilbake hele tilskuddet).",
                           amount=format_nok(in_force)))
    notice_text = _text(notice_text, _("Skriv hva kommunen vurderer å gjøre, og hvorfor."))
    days = current_app.config["RECOVERY_ANSWER_DAYS"]
    recovery = Recovery(
        grant=grant, ground=ground, new_amount=new_amount,
        reclaim_amount=max(money.paid - money.repaid - new_amount, 0),
        notice_text=notice_text, notice_sent_at=now, notice_sent_by_id=manager.id,
        answer_by=next_working_day(oslo_date(now) + timedelta(days=days)))
    db.session.add(recovery)
    db.session.flush()
    recovery.notice_stored_name, recovery.notice_sha256 = store_document(
        recovery_notice_pdf(recovery, oslo_date(now)))
    record("grant.recovery_notified", grant.application, actor=manager, grant=grant.id,
           recovery=recovery.id, ground=str(ground), amount_in_force=in_force,
           new_amount=new_amount, reclaim_amount=recovery.reclaim_amount,
           answer_by=recovery.answer_by.isoformat(), sha256=recovery.notice_sha256)
    tell_members(grant, _("Forhåndsvarsel om tilskuddet i sak %(case)s",
                          case=grant.application.case_number),
                 "grant_recovery_notice", recovery=recovery, in_force=in_force)
    return recovery


def answer_recovery(recovery: Recovery, member: User, text: str,
                    now: datetime | None = None) -> Recovery:
    """The recipient's answer to the forhåndsvarsel; it may come after the deadline as
    long as no vedtak is made (the municipality considers it all the same)."""
    now = now or utcnow()
    grant = recovery.grant
    if not may_answer_recovery(member, grant.application):
        raise GrantError(_("Bare medlemmer av organisasjonen som fikk tilskuddet, kan svare."))
    lock(grant)
    _must_be_notified(recovery)
    if recovery.answered_at is not None:
        raise GrantError(_("Forhåndsvarselet er allerede besvart. Skriv til kommunen med "
                           "søknadsnummeret om dere har mer å legge til."))
    recovery.answer = _text(text, _("Skriv svaret på forhåndsvarselet."))
    recovery.answered_at, recovery.answered_by_id = now, member.id
    record("grant.recovery_answered", grant.application, actor=member, grant=grant.id,
           recovery=recovery.id, late=oslo_date(now) > recovery.answer_by)
    tell_members(grant, _("Svaret på forhåndsvarselet er mottatt: %(case)s",
                          case=grant.application.case_number),
                 "grant_recovery_answered", recovery=recovery)
    return recovery


def decide_recovery(recovery: Recovery | None, manager: User, reasons: str,
                    body: DecisionBody, meeting_date: date, delegation_reference: str = "",
                    political_case_number: str = "",
                    now: datetime | None = None) -> Decision:
    """The recovery vedtak: a new vedtak that replaces the one in force, «delvis innvilget»
    with the new amount or «avslått» when revoked in full, with its letter staged to be
    sent with the call's other letters (then the appeal deadline runs as for any vedtak).
    Refused without a forhåndsvarsel, and before its deadline unless the recipient has
    answered. What was granted and is no longer goes back to the call's budget."""
    now = now or utcnow()
    recovery = _must_be_notified(recovery)
    grant = recovery.grant
    _must_make_recovery(grant, manager)
    lock(grant)
    _must_be_notified(recovery)  # as it is after the lock
    must_be(grant, GrantState.ACCEPTED, GrantState.COMPLETED, refusal=_(
        "Bare et akseptert eller avsluttet tilskudd kan reduseres eller kreves tilbake."))
    today = oslo_date(now)
    if recovery.answered_at is None and today <= recovery.answer_by:
        raise GrantError(_("Mottakeren har frist til %(date)s med å svare på "
                           "forhåndsvarselet. Vedtak kan fattes når svaret er kommet eller "
                           "fristen er ute.", date=format_date(recovery.answer_by)))
    reasons = _text(reasons, _("Skriv begrunnelsen for vedtaket (forvaltningsloven §§ 24–25), "
                               "også hva mottakeren svarte og hvordan det er vurdert."))
    if meeting_date is None or meeting_date > today \
            or meeting_date < oslo_date(recovery.notice_sent_at):
        raise GrantError(_("Vedtaksdatoen må være etter forhåndsvarselet og ikke fram i tid."))
    delegation_reference = (delegation_reference or "").strip()
    political_case_number = (political_case_number or "").strip()
    if body == DecisionBody.KOMMUNEDIREKTOR and not delegation_reference:
        raise GrantError(_("Oppgi delegeringsvedtaket kommunedirektøren treffer vedtak etter."))
    if body != DecisionBody.KOMMUNEDIREKTOR and not political_case_number:
        raise GrantError(_("Oppgi saksnummeret i det politiske organet, for eksempel "
                           "«PS 45/27»."))
    current = queries.current_decision_of(grant)
    money = queries.money_of(grant)
    if current is None or not current.is_grant \
            or recovery.new_amount >= queries.in_force(money):
        raise GrantError(_("Tilskuddet er allerede på %(amount)s eller lavere. Avslutt "
                           "forhåndsvarselet uten vedtak.",
                           amount=format_nok(recovery.new_amount)))
    application = grant.application
    meeting = DecisionMeeting(call=application.call, body=body, meeting_date=meeting_date,
                              delegation_reference=delegation_reference,
                              political_case_number=political_case_number,
                              recorded_by=manager)
    db.session.add(meeting)
    new_amount = recovery.new_amount
    decision = decide(application, meeting,
                      Outcome.PARTLY_GRANTED if new_amount else Outcome.REJECTED,
                      new_amount or None, reasons, manager, conditions=current.conditions,
                      decided_on=meeting_date, replacing=current)
    decision.kind = DecisionKind.RECOVERY
    decision.state_aid_basis = current.state_aid_basis
    decision.block_exemption_article = current.block_exemption_article
    decision.kdd_category = current.kdd_category
    decision.nok_per_eur = current.nok_per_eur
    decision.amount_eur = deminimis.to_eur(new_amount, current.nok_per_eur) \
        if new_amount and current.nok_per_eur else None
    recovery.state, recovery.decision, recovery.decided_at = \
        RecoveryState.DECIDED, decision, now
    recovery.reclaim_amount = max(money.paid - money.repaid - new_amount, 0)
    if not new_amount:
        grant.state = GrantState.REVOKED
    db.session.flush()
    record("grant.recovery_decided", application, actor=manager, grant=grant.id,
           recovery=recovery.id, decision=decision.id, replaces=current.id,
           new_amount=new_amount, reclaim_amount=recovery.reclaim_amount,
           answered=recovery.answered_at is not None, revoked=not new_amount)
    stage_letter(decision, manager)
    return decision


@recovery_letter_facts.connect
def recovery_facts(decision: Decision, **_kwargs) -> dict:
    """What the recovery vedtaksbrev tells of its forhåndsvarsel, the answer and the money
    (``fund.decisions.letters`` asks)."""
    recovery = queries.recovery_of_decision(decision)
    if recovery is None:
        return {}
    return {"ground": str(RECOVERY_GROUND_LABELS[recovery.ground]),
            "notice_sent_on": oslo_date(recovery.notice_sent_at),
            "answer_by": recovery.answer_by, "answer": recovery.answer,
            "answered_on": oslo_date(recovery.answered_at) if recovery.answered_at else None,
            "new_amount": recovery.new_amount, "reclaim_amount": recovery.reclaim_amount}


def drop_recovery(recovery: Recovery, manager: User, reason: str) -> Recovery:
    """The municipality does not go on: the forhåndsvarsel is closed without a vedtak,
    and the members are told."""
    grant = recovery.grant
    _must_make_recovery(grant, manager)
    lock(grant)
    _must_be_notified(recovery)
    recovery.dropped_reason = _text(reason, _("Skriv hvorfor saken avsluttes uten vedtak."))
    recovery.state = RecoveryState.DROPPED
    record("grant.recovery_dropped", grant.application, actor=manager, grant=grant.id,
           recovery=recovery.id)
    tell_members(grant, _("Saken om tilskuddet avsluttes uten vedtak: %(case)s",
                          case=grant.application.case_number),
                 "grant_recovery_dropped", recovery=recovery)
    return recovery


def record_repayment(grant: Grant, staff: User, amount: int, received_on: date,
                     note: str = "", now: datetime | None = None) -> Repayment:
    """Money the recipient paid back: never more than is paid out and not yet repaid;
    linked to the decided recovery still owed, if there is one. The members get a
    receipt."""
    now = now or utcnow()
    if not may_record_repayment(staff, _inhabil(staff, grant)):
        raise GrantError(_("Bare en saksbehandler eller fondsforvalter som ikke er inhabil i "
                           "saken, kan føre en tilbakebetaling."))
    lock(grant)
    money = queries.money_of(grant)
    owed = money.paid - money.repaid
    if amount is None or amount <= 0:
        raise GrantError(_("Beløpet må være over null."))
    if amount > owed:
        raise GrantError(_("Det kan ikke føres mer tilbake enn det som er utbetalt og ikke "
                           "betalt tilbake: %(owed)s.", owed=format_nok(max(owed, 0))))
    if received_on is None or received_on > oslo_date(now):
        raise GrantError(_("Datoen pengene kom inn, kan ikke være fram i tid."))
    if received_on < oslo_date(grant.offered_at):
        raise GrantError(_("Datoen pengene kom inn, kan ikke være før tilsagnet."))
    note = (note or "").strip()
    if len(note) > RECOVERY_TEXT_MAX:
        raise GrantError(_("Teksten kan være høyst %(max)s tegn.", max=RECOVERY_TEXT_MAX))
    recovery = queries.recovery_to_repay(grant)
    if recovery is not None and queries.repaid_on(recovery) >= recovery.reclaim_amount:
        recovery = None
    repayment = Repayment(grant=grant, recovery_id=recovery.id if recovery else None,
                          amount=amount, received_on=received_on, recorded_by_id=staff.id,
                          recorded_at=now, note=note)
    db.session.add(repayment)
    db.session.flush()
    record("grant.repayment_recorded", grant.application, actor=staff, grant=grant.id,
           repayment=repayment.id, amount=amount, received_on=received_on.isoformat(),
           recovery=repayment.recovery_id)
    tell_members(grant, _("Tilbakebetaling mottatt: %(case)s",
                          case=grant.application.case_number),
                 "grant_recovery_repayment", repayment=repayment,
                 repaid=money.repaid + amount)
    return repayment


# --- Registers ---

# --- Cron: lapse and reminders ---


def _unused(*_args: datetime) -> None:  # keeps the imports of the sections above honest
    utcnow()
