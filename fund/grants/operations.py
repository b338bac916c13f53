"""State changes of the grants domain: the tilsagn made from a sent granting vedtak; its
acceptance or lapse; payment requests and payments; the final report; recovery and
repayments; and the register exports. Every change is audited."""

from datetime import date, datetime
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import event, select
from sqlalchemy.orm import Session
from stdnum.no import kontonr

from fund.applications.uploads import UploadRefused, open_stored, remove_stored, store
from fund.audit.operations import record
from fund.auth import brreg
from fund.auth.models import User, format_bank_account
from fund.core.formatting import format_date, format_nok
from fund.core.types import utcnow
from fund.decisions.deadlines import acceptance_deadline, oslo_date
from fund.decisions.models import Decision, DecisionKind, Letter
from fund.decisions.operations import member_addresses
from fund.extensions import db
from fund.grants import queries
from fund.grants.models import (
    AuthorityCheck,
    DocumentKind,
    Grant,
    GrantDocument,
    GrantError,
    GrantState,
    PaymentCostLine,
    PaymentRequest,
    PaymentState,
    RegisterExport,
    RegisterExportItem,
    RegisterKind,
)
from fund.grants.permissions import may_handle_payment, may_request_payment
from fund.mail.operations import queue_mail
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
_GRANT_FILES_STORED = "grants.stored_files"


def grant_document_folder() -> Path:
    """Where the recipients' payment and report documents are kept."""
    return Path(current_app.instance_path) / "grant_documents"


@event.listens_for(Session, "after_commit")
def _grant_files_after_commit(session: Session) -> None:
    session.info.pop(_GRANT_FILES_STORED, None)


@event.listens_for(Session, "after_rollback")
def _grant_files_after_rollback(session: Session) -> None:
    for stored_name in session.info.pop(_GRANT_FILES_STORED, []):
        remove_stored(grant_document_folder(), stored_name)


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
        db.session.info.setdefault(_GRANT_FILES_STORED, []).append(stored.stored_name)
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
    tell_members(grant, _("Anmodningen om utbetaling er mottatt"), "grant_payments_received",
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
        tell_members(grant, _("Anmodningen om utbetaling er sendt tilbake"),
                     "grant_payments_returned", payment=payment)
        return payment
    if grant.state != GrantState.ACCEPTED:
        raise GrantError(_("Tilskuddet er ikke lenger aktivt, og utbetalingen kan ikke "
                           "godkjennes."))
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
    tell_members(grant, _("Utbetalingen er godkjent") if action == "approve"
                 else _("Utbetalingen er godkjent med et lavere beløp"),
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
    payment.state, payment.amount_paid, payment.paid_on = \
        PaymentState.PAID, payment.amount_approved, paid_on
    payment.paid_recorded_by_id = user.id
    record("grant.payment_paid", grant.application, actor=user, grant=grant.id,
           payment=payment.id, amount=payment.amount_paid, paid_on=paid_on.isoformat(),
           bank_account=payment.bank_account, final=payment.is_final)
    tell_members(grant, _("Tilskuddet er utbetalt"), "grant_payments_paid", payment=payment,
                 account=format_bank_account(payment.bank_account))
    return payment


# --- Final report ---

# --- Recovery ---

# --- Registers ---


def export_to_stotteregisteret(actor: User, today: date, threshold_eur, deadline_days: int,
                               grantor: str) -> RegisterExport:
    """An export to Registeret for offentlig støtte of every de minimis grant listed and
    not yet reported (due or overdue). The file is made from the export's items and its
    sha256 kept, so the download later is the same file."""
    rows = [row for row in queries.stotteregister_rows(today, threshold_eur, deadline_days)
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
