"""State changes of the grants domain: the tilsagn made from a sent granting vedtak; its
acceptance or lapse; payment requests and payments; the final report; recovery and
repayments; and the register exports. Every change is audited."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from stdnum.no import kontonr

from fund.applications.uploads import UploadRefused, open_stored, store
from fund.audit.operations import record
from fund.auth import brreg
from fund.auth.models import User, format_bank_account
from fund.calls.labels import FUND_LABELS
from fund.core import files as stored_files
from fund.core.formatting import format_date, format_nok
from fund.core.pdf import RECORD_LOCALE, render_pdf, store_document
from fund.core.types import utcnow
from fund.decisions import deminimis
from fund.decisions.deadlines import acceptance_deadline, next_working_day, oslo_date
from fund.decisions.letters import archive_reference, recovery_letter_facts
from fund.decisions.models import Decision, DecisionBody, DecisionKind, DecisionMeeting, Letter
from fund.decisions.operations import decide, members, stage_letter
from fund.decisions.queries import is_inhabil
from fund.extensions import db
from fund.grants import queries, rules
from fund.grants.labels import RECOVERY_GROUND_LABELS
from fund.grants.models import (
    AuthorityCheck,
    DocumentKind,
    FinalReport,
    FinalReportCostLine,
    FinalReportMeasure,
    FinalReportState,
    Grant,
    GrantDocument,
    GrantError,
    GrantState,
    PaymentCostLine,
    PaymentRequest,
    PaymentState,
    Recovery,
    RecoveryGround,
    RecoveryState,
    RegisterExport,
    RegisterExportItem,
    RegisterKind,
    Repayment,
)
from fund.grants.permissions import (
    may_accept_grant,
    may_answer_recovery,
    may_handle_payment,
    may_make_recovery,
    may_record_repayment,
    may_request_payment,
    may_verify_authority,
)
from fund.grants.queries import (
    confirmed_measures_of,
    current_decision_of,
    final_report_of,
    grants_awaiting_final_report,
    money_of,
)
from fund.mail.operations import queue_mail
from fund.review.models import Outcome
from fund.review.queries import hidden_application_ids

# --- The tilsagn (shared) ---


def offer_grant(letter: Letter, notified_on: date, actor: User | None = None) -> Grant | None:
    """The tilsagn of a granting allocation vedtak, made when its letter is sent: the
    acceptance deadline runs from the notification (the letter states the same date).
    A later granting vedtak on the same application (a reversal on appeal) keeps the
    grant and its deadline. A grant revoked by a recovery vedtak that is reversed on
    appeal is accepted again (its acceptance stands); a lapsed grant is offered anew."""
    decision: Decision | None = letter.decision
    if decision is None or decision.kind != DecisionKind.ALLOCATION or not decision.is_grant:
        return None
    application = decision.application
    grant = db.session.execute(select(Grant).where(
        Grant.application_id == application.id)).scalar_one_or_none()
    deadline = acceptance_deadline(notified_on, application.call.acceptance_weeks)
    if grant is not None and grant.state.is_open:
        return grant
    if grant is not None and grant.state == GrantState.REVOKED and grant.accepted_at:
        # The recovery vedtak was reversed on appeal: the accepted tilsagn stands again.
        grant.state = GrantState.ACCEPTED
        record("grant.restored", application, actor=actor, grant=grant.id,
               amount=decision.amount)
        return grant
    offered_at = letter.sent_at or utcnow()
    if grant is None:
        grant = Grant(application=application, acceptance_deadline=deadline,
                      offered_at=offered_at)
        db.session.add(grant)
    else:
        grant.state, grant.acceptance_deadline, grant.lapsed_at, grant.offered_at = \
            GrantState.OFFERED, deadline, None, offered_at
    db.session.flush()
    record("grant.offered", application, actor=actor, grant=grant.id,
           amount=decision.amount, acceptance_deadline=deadline.isoformat())
    return grant


def must_be(grant: Grant, *states: GrantState, refusal: str | None = None) -> None:
    if grant.state not in states:
        raise GrantError(refusal or _("Tilskuddet kan ikke endres slik nå."))


def tell_members(grant: Grant, subject, template: str, **context) -> list:
    """A mail to every member of the recipient organisation with a confirmed address, in
    their own language (``subject`` is a ``lazy_gettext`` string)."""
    application = grant.application
    return [queue_mail(user.email, subject, template, locale=user.mail_locale,
                       application=application, grant=grant, **context)
            for user in members(application)]


def lock(grant: Grant) -> Grant:
    """One change to a grant at a time (payments, reports and recovery read its money).
    Everything the session read before the lock is expired, so that what the caller
    checks after it (the payment's, the report's or the recovery's state) is as the
    transaction that held the lock left it, not as it was read before waiting."""
    db.session.flush()
    db.session.expire_all()
    db.session.refresh(grant, with_for_update=True)
    return grant


# --- Acceptance ---

#: The roles an acceptor may state (without the register lookup), as stored.
ACCEPTOR_ROLES = ("daglig leder", "styreleder", "signaturberettiget", "prokurist")


class GrantLapsed(GrantError):
    """Refused because the acceptance deadline has passed: the grant lapsed just now,
    which is kept (the caller commits it although the acceptance was refused)."""


class AuthorityRefused(GrantError):
    """Refused because the register does not name the acceptor; the attempt is audited
    (the caller commits it)."""


@dataclass
class Acceptance:
    grant: Grant
    #: Why the authority could not be checked in the register (it was stated instead).
    register_note: str = ""


def lapse_due(grant: Grant, now: datetime) -> bool:
    """An offered grant whose acceptance deadline (an Oslo date) has passed."""
    return grant.state == GrantState.OFFERED and oslo_date(now) > grant.acceptance_deadline


def _lapse(grant: Grant, now: datetime) -> None:
    decision = queries.current_decision_of(grant)
    returned = (decision.amount or 0) if decision is not None else 0
    if decision is not None:
        decision.returned_amount = returned
    grant.state, grant.lapsed_at = GrantState.LAPSED, now
    record("grant.lapsed", grant.application, by_system=True, grant=grant.id,
           acceptance_deadline=grant.acceptance_deadline.isoformat(), returned=returned)
    tell_members(grant, _l("Tilsagnet har falt bort: %(case)s",
                           case=grant.application.case_number),
                 "grant_acceptance_lapsed", returned=returned)


def lapse_if_due(grant: Grant, now: datetime | None = None) -> bool:
    """Lapse ``grant`` if its acceptance deadline has passed: its money goes back to the
    call (the decision's ``returned_amount``), and the members are told. True if it did."""
    now = now or utcnow()
    if not lapse_due(grant, now):
        return False
    lock(grant)
    if not lapse_due(grant, now):  # accepted or lapsed meanwhile
        return False
    _lapse(grant, now)
    return True


def lapse_overdue(now: datetime | None = None) -> list[Grant]:
    """Lapse every offered grant whose acceptance deadline has passed (run daily)."""
    now = now or utcnow()
    return [grant for grant in queries.open_grants_due(oslo_date(now))
            if lapse_if_due(grant, now)]


def _check_authority(grant: Grant, user: User) -> tuple[AuthorityCheck, str, str, str]:
    """Enhetsregisteret's answer on ``user``: (check, name, role, note). REGISTER with the
    role holder's name and role; STATED (name and role empty) with a note when the
    register cannot answer. Refused when the register does not name the user."""
    organisation = grant.application.organisation
    try:
        holders = brreg.role_holders(organisation.orgnr)
    except brreg.RegisterUnavailable:
        return AuthorityCheck.STATED, "", "", _(
            "Enhetsregisteret svarer ikke nå, så rollen din ble ikke kontrollert der. "
            "Saksbehandleren kontrollerer at du kan forplikte organisasjonen.")
    if holders is None:
        return AuthorityCheck.STATED, "", "", _(
            "Organisasjonen ble ikke funnet i Enhetsregisteret, så rollen din ble ikke "
            "kontrollert der. Saksbehandleren kontrollerer at du kan forplikte "
            "organisasjonen.")
    holder = next((h for h in holders if brreg.is_named(user.name, h)), None)
    if holder is None:
        record("grant.acceptance_refused", grant.application, actor=user, grant=grant.id,
               reason="not_in_register")
        raise AuthorityRefused(_(
            "%(name)s står ikke i Enhetsregisteret med rolle som daglig leder, styreleder, "
            "signatur eller prokura for %(org)s. Tilsagnet må aksepteres av en som har en "
            "slik rolle.", name=user.name, org=organisation.name))
    return AuthorityCheck.REGISTER, holder.name, holder.role_description.lower(), ""


def accept_grant(grant: Grant, user: User, name: str, role: str,
                 now: datetime | None = None) -> Acceptance:
    """The recipient accepts the tilsagn and its conditions, by its deadline, through a
    person with authority to bind the organisation: checked in Enhetsregisteret when the
    lookup is on, else stated (name and role) for a caseworker to verify. The bank
    account is frozen into the grant, and the final report's deadline set."""
    now = now or utcnow()
    application = grant.application
    if not may_accept_grant(user, application):
        raise GrantError(_("Bare medlemmer av %(org)s kan akseptere tilsagnet.",
                           org=application.organisation.name))
    lock(grant)
    if lapse_due(grant, now):
        _lapse(grant, now)
        raise GrantLapsed(_(
            "Fristen for å akseptere tilsagnet var %(date)s. Tilsagnet har falt bort, og "
            "pengene går tilbake til utlysningen.",
            date=format_date(grant.acceptance_deadline)))
    if grant.state == GrantState.ACCEPTED:
        raise GrantError(_("Tilsagnet er allerede akseptert."))
    if grant.state == GrantState.LAPSED:
        raise GrantError(_("Tilsagnet har falt bort fordi det ikke ble akseptert innen "
                           "fristen %(date)s.", date=format_date(grant.acceptance_deadline)))
    must_be(grant, GrantState.OFFERED, refusal=_("Tilsagnet kan ikke aksepteres nå."))
    name, role = " ".join((name or "").split()), (role or "").strip()
    if not name or len(name) > 200:
        raise GrantError(_("Skriv det fulle navnet ditt (høyst 200 tegn)."))
    if role not in ACCEPTOR_ROLES:
        raise GrantError(_("Velg rollen din i organisasjonen."))
    account = application.organisation.bank_account or ""
    if not kontonr.is_valid(account):
        raise GrantError(_(
            "Organisasjonen må ha et gyldig kontonummer før tilsagnet kan aksepteres. Legg "
            "det inn på organisasjonssiden, og aksepter deretter."))
    check, note = AuthorityCheck.STATED, ""
    if current_app.config.get("BRREG_ENABLED"):
        check, register_name, register_role, note = _check_authority(grant, user)
        if check == AuthorityCheck.REGISTER:
            name, role = register_name, register_role
    call = application.call
    grant.state, grant.accepted_at, grant.accepted_by_id = GrantState.ACCEPTED, now, user.id
    grant.acceptor_name, grant.acceptor_role, grant.authority = name, role, check
    grant.bank_account = kontonr.compact(account)
    grant.final_report_due = (application.ends_on or oslo_date(now)) \
        + timedelta(days=call.final_report_days)
    record("grant.accepted", application, actor=user, grant=grant.id, acceptor=name,
           role=role, authority=str(check), bank_account=grant.bank_account,
           final_report_due=grant.final_report_due.isoformat())
    tell_members(grant, _l("Tilsagnet er akseptert: %(case)s", case=application.case_number),
                 "grant_acceptance_accepted")
    return Acceptance(grant, note)


def verify_authority(grant: Grant, caseworker: User, verified: bool, note: str = "",
                     now: datetime | None = None) -> Grant:
    """A caseworker checks the stated authority of the acceptor. Verified, payments may
    follow; not verified, the acceptance is undone (the grant is offered again, with the
    same deadline) and the members are told why."""
    now = now or utcnow()
    application = grant.application
    if not may_verify_authority(caseworker, is_inhabil(caseworker, application)):
        raise GrantError(_("Du kan ikke kontrollere fullmakten i denne saken."))
    lock(grant)
    if grant.state != GrantState.ACCEPTED or grant.authority != AuthorityCheck.STATED:
        raise GrantError(_("Fullmakten venter ikke på kontroll."))
    note = (note or "").strip()
    if verified:
        grant.authority = AuthorityCheck.VERIFIED
        grant.authority_verified_by_id, grant.authority_verified_at = caseworker.id, now
        record("grant.authority_verified", application, actor=caseworker, grant=grant.id,
               acceptor=grant.acceptor_name, role=grant.acceptor_role, note=note)
        return grant
    if not note:
        raise GrantError(_("Skriv hvorfor fullmakten ikke er godkjent. Begrunnelsen sendes "
                           "til organisasjonen."))
    if grant.payments:
        raise GrantError(_("Det er bedt om utbetaling på tilskuddet, så aksepten kan ikke "
                           "oppheves her."))
    acceptor = grant.acceptor_name
    record("grant.authority_rejected", application, actor=caseworker, grant=grant.id,
           acceptor=acceptor, role=grant.acceptor_role, note=note)
    grant.state, grant.accepted_at, grant.accepted_by_id = GrantState.OFFERED, None, None
    grant.acceptor_name, grant.acceptor_role, grant.authority = "", "", None
    grant.bank_account, grant.final_report_due = None, None
    tell_members(grant, _l("Aksepten av tilsagnet er ikke godkjent: %(case)s",
                           case=application.case_number),
                 "grant_acceptance_rejected", acceptor=acceptor, note=note,
                 expired=lapse_due(grant, now))
    return grant


# --- Payments ---
#
# A payment request (utbetalingsanmodning) carries the costs to date per approved cost
# line, documentation and a status report. Before the final report at most the call's
# advance share is paid; the rest (the final payment) is made by the final report's
# approval as an approved request of its own. A case handler approves, reduces or returns
# a request; another person records it as paid (attestation and payment are kept apart).

#: The largest amount in kroner a payment form takes (well above any grant).
PAYMENT_AMOUNT_MAX = 100_000_000
#: The longest status report or reasons kept (about twenty pages).
PAYMENT_TEXT_MAX = 20_000


def grant_document_folder() -> Path:
    """Where the recipients' payment and report documents are kept."""
    return Path(current_app.instance_path) / "grant_documents"


@stored_files.references("grant_documents")
def _referenced_documents():
    return db.session.execute(select(GrantDocument.stored_name)).scalars()


@stored_files.references("letters")
def _referenced_notices():
    return db.session.execute(select(Recovery.notice_stored_name)).scalars()


def store_grant_documents(grant: Grant, files, actor: User, kind: DocumentKind,
                          **owner) -> list[GrantDocument]:
    """Store uploaded files (werkzeug ``FileStorage``s) as the application's attachments
    are stored, as documents of ``owner`` (``payment=`` or ``final_report=``). A refused
    file refuses the whole change (its stored files go with the rollback)."""
    config = current_app.config
    folder, total, documents = grant_document_folder(), 0, []
    for file in files:
        try:
            stored = store(file, folder, config["UPLOAD_MAX_FILE"])
        except UploadRefused as exc:
            raise GrantError(str(exc)) from exc
        total += stored.size
        if total > config["UPLOAD_MAX_TOTAL"]:
            raise GrantError(_("Dokumentene kan til sammen være høyst %(mb)s MB.",
                               mb=config["UPLOAD_MAX_TOTAL"] // (1024 * 1024)))
        document = GrantDocument(grant_id=grant.id, kind=kind, filename=stored.filename,
                                 stored_name=stored.stored_name,
                                 content_type=stored.content_type, size=stored.size,
                                 sha256=stored.sha256, uploaded_by_id=actor.id, **owner)
        db.session.add(document)
        documents.append(document)
    return documents


def read_grant_document(document: GrantDocument, actor: User) -> Path:
    """The stored file's path, for the caller to send; the reading is logged. Who may
    read is the caller's question (``FileNotFoundError`` when the file is gone)."""
    path = open_stored(grant_document_folder(), document.stored_name)
    record("grant.document_read", document.payment or document.final_report, actor=actor,
           document=document.id)
    return path


def payment_request_refusal(grant: Grant) -> str | None:
    """Why the recipient cannot ask for a payment now; None when they can."""
    if grant.state != GrantState.ACCEPTED:
        return _("Utbetaling kan bare bes om når tilskuddet er akseptert og prosjektet "
                 "pågår.")
    if grant.authority == AuthorityCheck.STATED:
        return _("Kommunen har ikke kontrollert at %(name)s kunne akseptere tilskuddet på "
                 "vegne av organisasjonen. Du kan be om utbetaling når det er gjort.",
                 name=grant.acceptor_name or _("den som aksepterte"))
    if queries.open_payment(grant) is not None:
        return _("Dere har allerede en utbetalingsanmodning som ikke er ferdig behandlet "
                 "eller utbetalt. Vent til den er avgjort før dere sender en ny.")
    money = queries.money_of(grant)
    if money.advance_left <= 0:
        return _("Dere har fått utbetalt det som kan betales før sluttrapporten "
                 "(%(percent)s %% av tilskuddet). Resten utbetales når sluttrapporten er "
                 "godkjent.", percent=money.advance_percent)
    return None


def _whole_kroner(value, what: str, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise GrantError(_("%(what)s må være et helt antall kroner.", what=what))
    if value < minimum or value > PAYMENT_AMOUNT_MAX:
        raise GrantError(_("%(what)s må være mellom %(low)s og %(high)s.", what=what,
                           low=format_nok(minimum), high=format_nok(PAYMENT_AMOUNT_MAX)))
    return value


def request_payment(grant: Grant, user: User, costs_to_date: dict, amount: int,
                    status_report: str, files, now: datetime | None = None) -> PaymentRequest:
    """The recipient asks for a payment: the costs to date per approved cost line, the
    amount, a status report and the documentation. Before the final report no more than
    the advance share may be asked for."""
    now = now or utcnow()
    application = grant.application
    if not may_request_payment(user, application):
        raise GrantError(_("Bare medlemmer av %(name)s kan be om utbetaling.",
                           name=application.organisation.name))
    lock(grant)
    refusal = payment_request_refusal(grant)
    if refusal is not None:
        raise GrantError(refusal)
    money = queries.money_of(grant)
    lines = {line.id: line for line in application.cost_lines}
    costs = {}
    for line_id, value in (costs_to_date or {}).items():
        if line_id not in lines:
            raise GrantError(_("Kostnadene må føres på linjene i det godkjente budsjettet."))
        costs[line_id] = _whole_kroner(value, _("Kostnadene hittil"))
    amount = _whole_kroner(amount, _("Beløpet"), minimum=1)
    status_report = (status_report or "").strip()
    if not status_report:
        raise GrantError(_("Skriv en statusrapport: hva er gjort i prosjektet så langt?"))
    if len(status_report) > PAYMENT_TEXT_MAX:
        raise GrantError(_("Statusrapporten kan være høyst %(max)s tegn.",
                           max=PAYMENT_TEXT_MAX))
    if amount > money.left_to_pay:
        raise GrantError(_(
            "Beløpet %(amount)s er mer enn det som er igjen av tilskuddet. Det er "
            "%(left)s igjen å utbetale.", amount=format_nok(amount),
            left=format_nok(money.left_to_pay)))
    if amount > money.advance_left:
        raise GrantError(_(
            "Beløpet %(amount)s ville være en sluttutbetaling før sluttrapporten. Før "
            "sluttrapporten kan det utbetales inntil %(percent)s %% av tilskuddet; resten "
            "utbetales når sluttrapporten er godkjent. Nå kan dere be om inntil %(left)s.",
            amount=format_nok(amount), percent=money.advance_percent,
            left=format_nok(money.advance_left)))
    files = [file for file in files or [] if file and getattr(file, "filename", None)]
    if not files:
        raise GrantError(_("Legg ved dokumentasjon av kostnadene (for eksempel fakturaer "
                           "eller et regnskapsutdrag)."))
    number = max((p.number for p in grant.payments), default=0) + 1
    payment = PaymentRequest(grant=grant, number=number, submitted_by_id=user.id,
                             submitted_at=now, status_report=status_report,
                             amount_requested=amount,
                             bank_account=application.organisation.bank_account,
                             cost_lines=[PaymentCostLine(cost_line_id=line_id, amount=value)
                                         for line_id, value in sorted(costs.items())])
    db.session.add(payment)
    db.session.flush()
    documents = store_grant_documents(grant, files, user, DocumentKind.PAYMENT,
                                      payment_id=payment.id)
    record("grant.payment_requested", application, actor=user, grant=grant.id,
           payment=payment.id, number=number, amount=amount, costs_to_date=sum(costs.values()),
           documents=[d.sha256 for d in documents])
    tell_members(grant, _l("Anmodningen om utbetaling er mottatt"), "grant_payments_received",
                 payment=payment)
    return payment


def _payment_staff(payment: PaymentRequest, user: User) -> None:
    application = payment.grant.application
    if not may_handle_payment(user, application.id in hidden_application_ids(
            user, application.call)):
        raise GrantError(_("Du kan ikke behandle denne utbetalingen."))


def payment_account_problem(organisation) -> str | None:
    """What is wrong with the account a payment would go to; None when it can be used."""
    account = organisation.bank_account
    if not account:
        return _("%(name)s har ikke oppgitt kontonummer.", name=organisation.name)
    if not kontonr.is_valid(account):
        return _("Kontonummeret %(account)s er ikke gyldig: kontrollsifferet stemmer ikke "
                 "(MOD11). Be organisasjonen rette det.",
                 account=organisation.bank_account_display)
    return None


def _recheck_bankruptcy(organisation, now: datetime) -> datetime | None:
    """With the register lookup on, Enhetsregisteret's entry before each payment."""
    if not current_app.config.get("BRREG_ENABLED"):
        checked_at = None
    else:
        try:
            entry = brreg.lookup(organisation.orgnr)
        except brreg.RegisterUnavailable as exc:
            raise GrantError(_("Enhetsregisteret svarer ikke nå, og konkurs må sjekkes før "
                               "hver utbetaling. Prøv igjen om litt.")) from exc
        if entry is None:
            raise GrantError(_("%(name)s (org.nr. %(orgnr)s) finnes ikke lenger i "
                               "Enhetsregisteret. Utbetalingen kan ikke godkjennes.",
                               name=organisation.name, orgnr=organisation.orgnr))
        checked_at = now
        organisation.bankrupt, organisation.under_liquidation = \
            entry.bankrupt, entry.under_liquidation
        organisation.register_checked_at = now
    if organisation.bankrupt or organisation.under_liquidation:
        raise GrantError(_("%(name)s er konkurs eller under avvikling. Utbetalingen kan ikke "
                           "godkjennes; vurder tilbakekall av tilskuddet.",
                           name=organisation.name))
    return checked_at


PAYMENT_ACTIONS = ("approve", "reduce", "return")


def decide_payment(payment: PaymentRequest, caseworker: User, action: str,
                   amount: int | None = None, reasons: str = "",
                   now: datetime | None = None) -> PaymentRequest:
    """A case handler approves the request in full, reduces it (a lower amount, with
    reasons) or returns it (with reasons; the recipient may send a new one). Approval
    checks the account (MOD11) and, with the register on, bankruptcy, and never lets
    paid and approved money pass the grant."""
    now = now or utcnow()
    _payment_staff(payment, caseworker)
    grant = lock(payment.grant)
    if payment.state != PaymentState.SUBMITTED:
        raise GrantError(_("Anmodningen er allerede behandlet."))
    if action not in PAYMENT_ACTIONS:
        raise GrantError(_("Velg om anmodningen skal godkjennes, reduseres eller sendes "
                           "tilbake."))
    reasons = (reasons or "").strip()
    if len(reasons) > PAYMENT_TEXT_MAX:
        raise GrantError(_("Begrunnelsen kan være høyst %(max)s tegn.", max=PAYMENT_TEXT_MAX))
    application, organisation = grant.application, grant.application.organisation
    if action == "return":
        if not reasons:
            raise GrantError(_("Skriv hvorfor anmodningen sendes tilbake, så mottakeren vet "
                               "hva som må rettes."))
        payment.state, payment.decided_by_id, payment.decided_at = \
            PaymentState.RETURNED, caseworker.id, now
        payment.reasons = reasons
        record("grant.payment_returned", application, actor=caseworker, grant=grant.id,
               payment=payment.id, reasons=reasons)
        tell_members(grant, _l("Anmodningen om utbetaling er sendt tilbake"),
                     "grant_payments_returned", payment=payment)
        return payment
    if grant.state != GrantState.ACCEPTED:
        raise GrantError(_("Tilskuddet er ikke lenger aktivt, og utbetalingen kan ikke "
                           "godkjennes."))
    if queries.open_recovery(grant) is not None:
        raise GrantError(_("Mottakeren har fått forhåndsvarsel om at tilskuddet kan bli "
                           "redusert eller krevd tilbake. Utbetalinger venter til den saken er "
                           "avgjort eller avsluttet; send anmodningen tilbake om det haster."))
    if action == "approve":
        amount = payment.amount_requested
    else:
        amount = _whole_kroner(amount, _("Det godkjente beløpet"), minimum=1) \
            if amount is not None else None
        if amount is None or amount >= payment.amount_requested:
            raise GrantError(_("En reduksjon må ha et beløp lavere enn det det er bedt om "
                               "(%(requested)s).",
                               requested=format_nok(payment.amount_requested)))
        if not reasons:
            raise GrantError(_("Skriv hvorfor beløpet er redusert, for eksempel hvilke "
                               "kostnader som ikke er godkjent."))
    money = queries.money_of(grant)
    if amount > money.left_to_pay:
        raise GrantError(_(
            "%(amount)s ville gi mer utbetalt enn tilskuddet. Det er %(left)s igjen å "
            "utbetale av %(granted)s.", amount=format_nok(amount),
            left=format_nok(money.left_to_pay),
            granted=format_nok(money.granted - money.returned)))
    if not payment.is_final and amount > money.advance_left:
        raise GrantError(_(
            "%(amount)s er mer enn det som kan utbetales før sluttrapporten (%(percent)s %% "
            "av tilskuddet). Det kan godkjennes inntil %(left)s nå.",
            amount=format_nok(amount), percent=money.advance_percent,
            left=format_nok(money.advance_left)))
    problem = payment_account_problem(organisation)
    if problem:
        raise GrantError(problem)
    payment.register_checked_at = _recheck_bankruptcy(organisation, now)
    payment.state, payment.decided_by_id, payment.decided_at = \
        PaymentState.APPROVED, caseworker.id, now
    payment.amount_approved, payment.reasons = amount, reasons
    payment.bank_account = organisation.bank_account
    record("grant.payment_approved", application, actor=caseworker, grant=grant.id,
           payment=payment.id, requested=payment.amount_requested, approved=amount,
           reduced=amount < payment.amount_requested, reasons=reasons,
           bank_account=payment.bank_account,
           register_checked_at=payment.register_checked_at.isoformat()
           if payment.register_checked_at else None)
    tell_members(grant, _l("Utbetalingen er godkjent") if action == "approve"
                 else _l("Utbetalingen er godkjent med et lavere beløp"),
                 "grant_payments_approved", payment=payment,
                 account=format_bank_account(payment.bank_account))
    return payment


def record_paid(payment: PaymentRequest, user: User, paid_on: date,
                now: datetime | None = None) -> PaymentRequest:
    """Staff record an approved payment as paid, with its date. Whoever approved it may
    not also record it paid (attestation and payment are separate)."""
    now = now or utcnow()
    _payment_staff(payment, user)
    grant = lock(payment.grant)
    if payment.state != PaymentState.APPROVED:
        raise GrantError(_("Bare en godkjent utbetaling kan registreres som utbetalt."))
    if payment.decided_by_id == user.id:
        raise GrantError(_("Du godkjente denne utbetalingen og kan ikke også registrere den "
                           "som utbetalt. Attestasjon og utbetaling skal gjøres av to "
                           "forskjellige personer."))
    if not isinstance(paid_on, date):
        raise GrantError(_("Oppgi utbetalingsdatoen."))
    today = oslo_date(now)
    if paid_on > today:
        raise GrantError(_("Utbetalingsdatoen kan ikke være fram i tid (i dag er %(today)s).",
                           today=format_date(today)))
    if payment.decided_at is not None and paid_on < oslo_date(payment.decided_at):
        raise GrantError(_("Utbetalingsdatoen kan ikke være før utbetalingen ble godkjent "
                           "(%(date)s).", date=format_date(oslo_date(payment.decided_at))))
    if not payment.amount_approved or payment.amount_approved <= 0:
        raise GrantError(_("Utbetalingen har ikke noe godkjent beløp."))
    if grant.state not in (GrantState.ACCEPTED, GrantState.COMPLETED):
        raise GrantError(_("Tilskuddet er trukket tilbake eller har falt bort og er ikke "
                           "lenger i kraft. Utbetalingen kan ikke registreres som utbetalt."))
    payment.state, payment.amount_paid, payment.paid_on = \
        PaymentState.PAID, payment.amount_approved, paid_on
    payment.paid_recorded_by_id = user.id
    record("grant.payment_paid", grant.application, actor=user, grant=grant.id,
           payment=payment.id, amount=payment.amount_paid, paid_on=paid_on.isoformat(),
           bank_account=payment.bank_account, final=payment.is_final)
    tell_members(grant, _l("Tilskuddet er utbetalt"), "grant_payments_paid", payment=payment,
                 account=format_bank_account(payment.bank_account))
    return payment


# --- Final report ---

#: Bounds of the numbers in a final report (the columns are whole numbers).
REPORT_MAX_JOBS = 100_000
REPORT_MAX_KRONER = 1_000_000_000
REPORT_TEXT_MAX = 20_000


def auditor_required(grant: Grant) -> bool:
    """Whether the accounts need an auditor's or authorised accountant's confirmation:
    the grant in force is at or above the call's threshold."""
    money = money_of(grant)
    return money.granted - money.returned >= grant.application.call.auditor_threshold


def _editable_report(grant: Grant) -> FinalReport:
    """The grant's report as the recipient may change it (made on first save)."""
    must_be(grant, GrantState.ACCEPTED, refusal=_(
        "Sluttrapporten kan bare skrives for et akseptert tilskudd som ikke er avsluttet."))
    report = final_report_of(grant)
    if report is None:
        report = FinalReport(grant=grant)
        db.session.add(report)
        db.session.flush()
    elif report.state not in (FinalReportState.DRAFT, FinalReportState.RETURNED):
        raise GrantError(_("Sluttrapporten er sendt inn og kan ikke endres nå."))
    return report


#: The fields of a final report the recipient writes directly.
REPORT_FIELDS = ("results", "accounts_comment", "knowledge_jobs", "other_jobs",
                 "co2e_tonnes", "co2e_method", "has_education_partners",
                 "education_partners", "has_international_cooperation", "international",
                 "funding_innovasjon_norge", "funding_forskningsradet", "funding_eu",
                 "funding_other")


_REPORT_TEXTS = ("results", "accounts_comment", "co2e_method", "education_partners",
                 "international")


def save_final_report(grant: Grant, actor: User, *, costs: dict[int, int | None] | None = None,
                      measures: dict[int, str] | None = None, auditor_files=(),
                      other_files=(), now: datetime | None = None,
                      **fields) -> tuple[FinalReport, list[str]]:
    """Save the recipient's final report as a draft (a returned one stays returned until
    it is submitted again): the texts and effects, the real cost of each approved cost
    line, how each confirmed measure was advanced, and files. Returns the report and a
    message for each file refused."""
    lock(grant)
    report = _editable_report(grant)
    unknown = set(fields) - set(REPORT_FIELDS)
    if unknown:
        raise ValueError(f"not a field of the final report: {sorted(unknown)}")
    for name, value in fields.items():
        if isinstance(value, int) and not isinstance(value, bool) and not (
                0 <= value <= (REPORT_MAX_JOBS if name.endswith("jobs") else REPORT_MAX_KRONER)):
            raise GrantError(_("Et tall i rapporten er utenfor det som kan tas imot."))
        if name in _REPORT_TEXTS:
            value = (value or "").strip()[:REPORT_TEXT_MAX]
        elif name.startswith("has_"):
            value = bool(value)
        setattr(report, name, value)
    lines = {line.id: line for line in grant.application.cost_lines}
    existing = {line.cost_line_id: line for line in report.cost_lines}
    for cost_line_id, amount in (costs or {}).items():
        if cost_line_id not in lines:
            continue
        if amount is not None and not 0 <= amount <= REPORT_MAX_KRONER:
            raise GrantError(_("Et beløp i regnskapet er utenfor det som kan tas imot."))
        if amount is None:
            if cost_line_id in existing:
                report.cost_lines.remove(existing[cost_line_id])
        elif cost_line_id in existing:
            existing[cost_line_id].amount = amount
        else:
            report.cost_lines.append(FinalReportCostLine(cost_line_id=cost_line_id,
                                                         amount=amount))
    confirmed = {measure.id for measure in confirmed_measures_of(grant.application)}
    written = {item.measure_id: item for item in report.measures}
    for measure_id, how in (measures or {}).items():
        if measure_id not in confirmed:
            continue
        how = (how or "").strip()[:REPORT_TEXT_MAX]
        if measure_id in written:
            written[measure_id].how = how
        else:
            report.measures.append(FinalReportMeasure(measure_id=measure_id, how=how))
    report.updated_at = now or utcnow()
    refused = []
    for kind, files in ((DocumentKind.AUDITOR, auditor_files), (DocumentKind.REPORT, other_files)):
        for file in [f for f in files or () if f and getattr(f, "filename", None)]:
            try:
                stored = store(file, grant_document_folder(),
                               current_app.config["UPLOAD_MAX_FILE"])
            except UploadRefused as exc:
                refused.append(str(exc))
                continue
            db.session.add(GrantDocument(
                grant_id=grant.id, final_report=report, kind=kind, filename=stored.filename,
                stored_name=stored.stored_name, content_type=stored.content_type,
                size=stored.size, sha256=stored.sha256, uploaded_by_id=actor.id))
            record("final_report.document_added", grant, actor=actor, report=report.id,
                   kind=str(kind), filename=stored.filename, sha256=stored.sha256)
    db.session.flush()
    record("final_report.saved", grant, actor=actor, report=report.id,
           state=str(report.state))
    return report, refused


def final_report_problems(report: FinalReport) -> list[str]:
    """What is missing before the report can be submitted, in the recipient's words."""
    grant = report.grant
    problems = []
    if not (report.results or "").strip():
        problems.append(_("Beskriv resultatene opp mot målene i søknaden."))
    reported = {line.cost_line_id for line in report.cost_lines}
    if any(line.id not in reported for line in grant.application.cost_lines):
        problems.append(_("Før opp de faktiske kostnadene på hver linje i budsjettet "
                          "(0 når det ikke var noen)."))
    if report.knowledge_jobs is None or report.other_jobs is None:
        problems.append(_("Oppgi antall arbeidsplasser (0 når det ikke ble noen)."))
    if report.has_education_partners and not report.education_partners.strip():
        problems.append(_("Skriv hvilke utdanningsinstitusjoner prosjektet samarbeidet med."))
    if report.has_international_cooperation and not report.international.strip():
        problems.append(_("Skriv hvem prosjektet samarbeidet med internasjonalt."))
    written = {item.measure_id for item in report.measures if item.how.strip()}
    for measure in confirmed_measures_of(grant.application):
        if measure.id not in written:
            problems.append(_("Beskriv hvordan prosjektet har fulgt opp tiltak %(code)s.",
                              code=measure.code))
    if auditor_required(grant) and not any(
            d.kind == DocumentKind.AUDITOR for d in report.documents):
        problems.append(_(
            "Tilskuddet er på %(threshold)s eller mer: legg ved bekreftelse av regnskapet "
            "fra revisor eller autorisert regnskapsfører.",
            threshold=format_nok(grant.application.call.auditor_threshold)))
    return problems


def submit_final_report(grant: Grant, actor: User, now: datetime | None = None) -> FinalReport:
    """Send the final report in (again, after a return). Refused while something is
    missing; the refusal lists what."""
    lock(grant)
    report = _editable_report(grant)
    db.session.refresh(report)
    problems = final_report_problems(report)
    if problems:
        raise GrantError(_("Sluttrapporten kan ikke sendes inn ennå: %(problems)s",
                           problems=" ".join(problems)))
    now = now or utcnow()
    report.state, report.submitted_at, report.submitted_by_id = \
        FinalReportState.SUBMITTED, now, actor.id
    report.updated_at = now
    record("final_report.submitted", grant, actor=actor, report=report.id,
           real_costs=sum(line.amount for line in report.cost_lines))
    tell_members(grant, _l("Sluttrapporten er mottatt: %(title)s",
                           title=grant.application.title),
                 "grant_final_report_submitted", report=report)
    return report


def _decidable_report(report: FinalReport) -> FinalReport:
    lock(report.grant)
    db.session.refresh(report)
    if report.state != FinalReportState.SUBMITTED:
        raise GrantError(_("Sluttrapporten er ikke til behandling."))
    must_be(report.grant, GrantState.ACCEPTED)
    return report


def return_final_report(report: FinalReport, actor: User, reasons: str,
                        now: datetime | None = None) -> FinalReport:
    """Send the report back to the recipient with reasons; they edit and submit again."""
    report = _decidable_report(report)
    reasons = (reasons or "").strip()
    if not reasons:
        raise GrantError(_("Skriv hva som mangler eller må rettes, så mottakeren vet hva "
                           "de skal gjøre."))
    now = now or utcnow()
    report.state, report.reasons = FinalReportState.RETURNED, reasons[:REPORT_TEXT_MAX]
    report.decided_by_id, report.decided_at = actor.id, now
    record("final_report.returned", report.grant, actor=actor, report=report.id,
           reasons=report.reasons)
    tell_members(report.grant, _l("Sluttrapporten er sendt tilbake: %(title)s",
                                  title=report.grant.application.title),
                 "grant_final_report_returned", report=report)
    return report


@dataclass
class Settlement:
    """What approving a final report gives, in whole kroner."""

    granted: int  #: the grant in force before the report
    approved_costs: int
    real_costs: int
    eligible: int  #: the grant reduced in proportion to the real costs
    paid: int  #: paid and approved for payment before the report
    final_payment: int  #: negative: more was paid than is due
    returned: int  #: goes back to the call

    @property
    def recovery_needed(self) -> int:
        return max(-self.final_payment, 0)


def settlement_of(report: FinalReport) -> Settlement:
    """The figures the approval of ``report`` gives (the staff page shows them first)."""
    grant = report.grant
    money = money_of(grant)
    in_force = money.granted - money.returned
    approved = sum(line.amount for line in grant.application.cost_lines)
    real = sum(line.amount for line in report.cost_lines)
    eligible = rules.eligible_amount(in_force, approved, real)
    paid = money.paid + money.pending
    return Settlement(granted=in_force, approved_costs=approved, real_costs=real,
                      eligible=eligible, paid=paid,
                      final_payment=rules.final_payment(eligible, paid),
                      returned=in_force - eligible)


def approve_final_report(report: FinalReport, actor: User, remark: str = "",
                         now: datetime | None = None) -> Settlement:
    """Approve the final report: the grant is reduced in proportion to the real costs,
    the last payment is approved for paying (when anything is left), the grant is closed
    and the unspent money returns to the call. More paid than is due is stated as a
    recovery to make (a new vedtak, with forhåndsvarsel)."""
    report = _decidable_report(report)
    grant = report.grant
    if any(p.state == PaymentState.SUBMITTED for p in grant.payments):
        raise GrantError(_("En anmodning om utbetaling venter på behandling. Behandle den "
                           "før sluttrapporten godkjennes."))
    decision = current_decision_of(grant)
    if decision is None:
        raise GrantError(_("Tilskuddet har ikke noe gjeldende vedtak."))
    figures = settlement_of(report)
    now = now or utcnow()
    payment = None
    if figures.final_payment > 0:
        # The last payment is approved here: checked as decide_payment checks any other.
        organisation = grant.application.organisation
        problem = payment_account_problem(organisation)
        if problem:
            raise GrantError(problem)
        checked_at = _recheck_bankruptcy(organisation, now)
        number = max((p.number for p in grant.payments), default=0) + 1
        payment = PaymentRequest(
            grant=grant, number=number, is_final=True, state=PaymentState.APPROVED,
            submitted_at=now, amount_requested=figures.final_payment,
            amount_approved=figures.final_payment, decided_by_id=actor.id, decided_at=now,
            bank_account=organisation.bank_account, register_checked_at=checked_at,
            status_report=_("Sluttutbetaling etter godkjent sluttrapport."))
        db.session.add(payment)
    decision.returned_amount = (decision.returned_amount or 0) + figures.returned
    report.state, report.eligible_amount = FinalReportState.APPROVED, figures.eligible
    report.decided_by_id, report.decided_at = actor.id, now
    report.reasons = (remark or "").strip()[:REPORT_TEXT_MAX]
    grant.state, grant.completed_at = GrantState.COMPLETED, now
    db.session.flush()
    record("final_report.approved", grant, actor=actor, report=report.id,
           granted=figures.granted, approved_costs=figures.approved_costs,
           real_costs=figures.real_costs, eligible=figures.eligible, paid=figures.paid,
           final_payment=max(figures.final_payment, 0),
           payment=payment.id if payment is not None else None,
           returned_to_call=figures.returned, recovery_needed=figures.recovery_needed)
    record("grant.completed", grant, actor=actor, eligible=figures.eligible)
    tell_members(grant, _l("Sluttrapporten er godkjent: %(title)s",
                           title=grant.application.title),
                 "grant_final_report_approved", report=report, figures=figures)
    return figures


def _reminder_days(due: date) -> list[tuple[date, bool]]:
    """The days reminders go out, in order: (day, after the deadline)."""
    config = current_app.config
    before = sorted(config["FINAL_REPORT_REMINDER_DAYS_BEFORE"], reverse=True)
    after = config["FINAL_REPORT_REMINDER_DAYS_AFTER"]
    after = sorted(after if isinstance(after, (list, tuple)) else [after])
    return [(due - timedelta(days=d), False) for d in before] + \
        [(due + timedelta(days=d), True) for d in after]


def remind_final_reports(now: datetime | None = None) -> list[Grant]:
    """Remind the recipients of accepted grants whose final report is not in: some days
    before the deadline and some days after it, each reminder once. When a day was missed
    (cron did not run), the latest reminder due goes out and those before it are skipped."""
    now = now or utcnow()
    today = oslo_date(now)
    reminded = []
    for grant in grants_awaiting_final_report():
        days = _reminder_days(grant.final_report_due)
        due_now = [i for i, (day, _after) in enumerate(days) if day <= today]
        if not due_now or due_now[-1] < grant.reminders_sent:
            continue
        step = due_now[-1]
        overdue = days[step][1]
        grant.reminders_sent, grant.last_reminder_at = step + 1, now
        record("final_report.reminder_sent", grant, by_system=True, step=step + 1,
               overdue=overdue, due=grant.final_report_due.isoformat())
        tell_members(grant, _l("Påminnelse: sluttrapporten for %(title)s", title=(
            grant.application.title)), "grant_final_report_reminder", overdue=overdue,
            due=grant.final_report_due, days_left=(grant.final_report_due - today).days)
        reminded.append(grant)
    return reminded


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


def _recovers(money: "queries.Money", new_amount: int) -> bool:
    """Whether a recovery to ``new_amount`` changes anything: it lowers the grant, or it
    keeps it and reclaims what was paid above it (after a final report that lowered the
    grant below what was already paid)."""
    in_force = queries.in_force(money)
    return new_amount < in_force or (
        new_amount == in_force and money.paid - money.repaid > in_force)


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
        "pdf/recovery_notice.html", locale=RECORD_LOCALE, recovery=recovery, grant=grant,
        application=application,
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
    if new_amount is None or new_amount < 0 or not _recovers(money, new_amount):
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
    tell_members(grant, _l("Forhåndsvarsel om tilskuddet i sak %(case)s",
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
    tell_members(grant, _l("Svaret på forhåndsvarselet er mottatt: %(case)s",
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
            or not _recovers(money, recovery.new_amount):
        raise GrantError(_("Tilskuddet er allerede på %(amount)s eller lavere. Avslutt "
                           "forhåndsvarselet uten vedtak.",
                           amount=format_nok(recovery.new_amount)))
    unpaid = [p for p in grant.payments if p.state == PaymentState.APPROVED]
    if unpaid and money.paid - money.repaid + money.pending > recovery.new_amount:
        # Paid later, it would go out beyond the new amount and outside the reclaim.
        raise GrantError(_(
            "Utbetaling %(number)s på %(amount)s er godkjent, men ikke registrert som "
            "utbetalt. Registrer den som utbetalt før vedtaket fattes, så kommer den med i "
            "det som kreves tilbake.", number=unpaid[0].number,
            amount=format_nok(unpaid[0].amount_approved)))
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
    tell_members(grant, _l("Saken om tilskuddet avsluttes uten vedtak: %(case)s",
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
    tell_members(grant, _l("Tilbakebetaling mottatt: %(case)s",
                           case=grant.application.case_number),
                 "grant_recovery_repayment", repayment=repayment,
                 repaid=money.repaid + amount)
    return repayment


# --- Registers ---


def export_to_stotteregisteret(actor: User, today: date, threshold_eur, deadline_days: int,
                               grantor: str) -> RegisterExport:
    """An export to Registeret for offentlig støtte of every de minimis grant listed and
    not yet reported (due or overdue), but those the actor is inhabil in: another manager
    reports them. The file is made from the export's items and its sha256 kept, so the
    download later is the same file."""
    rows = [row for row in queries.stotteregister_rows(
        today, threshold_eur, deadline_days, hidden_application_ids(actor))
        if row.export is None]
    if not rows:
        raise GrantError(_("Ingen tilskudd venter på å bli rapportert til registeret."))
    decisions = [row.decision for row in rows]
    data = queries.stotteregister_csv(decisions, grantor)
    export = RegisterExport(kind=RegisterKind.STOTTEREGISTERET, created_by_id=actor.id,
                            sha256=queries.sha256_of(data), rows=len(decisions),
                            items=[RegisterExportItem(decision_id=d.id) for d in decisions])
    db.session.add(export)
    db.session.flush()
    record("register.exported", export, actor=actor, kind=export.kind.value,
           rows=export.rows, sha256=export.sha256,
           decisions=sorted(d.id for d in decisions),
           overdue=sum(1 for row in rows if row.days_overdue > 0))
    return export


def export_kdd(actor: User, report: "queries.KddReport") -> tuple[bytes, RegisterExport]:
    """The KDD file of a year's report (``queries.kdd_report``), recorded as an export:
    its sha256 and the vedtak it counted."""
    data = report.csv()
    decision_ids = report.total.decision_ids
    export = RegisterExport(kind=RegisterKind.KDD, year=report.year, created_by_id=actor.id,
                            sha256=queries.sha256_of(data), rows=len(report.lines),
                            items=[RegisterExportItem(decision_id=i) for i in decision_ids])
    db.session.add(export)
    db.session.flush()
    record("register.exported", export, actor=actor, kind=export.kind.value,
           year=report.year, rows=export.rows, sha256=export.sha256,
           grants=report.total.count, granted=report.total.granted, paid=report.total.paid)
    return data, export


def record_register_reference(export: RegisterExport, reference: str, actor: User) -> None:
    """The register's receipt or case reference for an export, once reported."""
    reference = (reference or "").strip()
    if not reference:
        raise GrantError(_("Skriv referansen registeret ga for rapporteringen."))
    if len(reference) > 100:
        raise GrantError(_("Referansen kan være på høyst 100 tegn."))
    if reference == export.reference:
        return
    previous, export.reference = export.reference, reference
    record("register.reference", export, actor=actor, kind=export.kind.value,
           reference=reference, previous=previous)

# --- Cron: lapse and reminders ---


def _unused(*_args: datetime) -> None:  # keeps the imports of the sections above honest
    utcnow()
