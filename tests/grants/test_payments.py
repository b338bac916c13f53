"""Payments (utbetaling): the recipient asks with costs to date, documentation and a status
report; a case handler approves, reduces or returns; another person records it paid. Before
the final report at most the advance share (50 % in the fixture) is paid."""

import io
from datetime import date

import pytest
from sqlalchemy import select

from fund.audit.models import AuditEvent
from fund.core.formatting import format_date
from fund.core.types import utcnow
from fund.decisions.deadlines import oslo_date
from fund.extensions import db as _db
from fund.grants.models import PaymentRequest, PaymentState
from fund.mail.models import OutboxMessage
from tests.helpers import html_of, login, make_user, post_form

PDF = b"%PDF-1.4\n%%EOF\n"


def mails(to: str) -> list[OutboxMessage]:
    _db.session.expire_all()
    return list(_db.session.execute(select(OutboxMessage).where(
        OutboxMessage.to_address == to).order_by(OutboxMessage.id)).scalars())


def text(message: OutboxMessage) -> str:
    return message.body_text.replace("\xa0", " ")


def audit(action: str) -> list[AuditEvent]:
    return list(_db.session.execute(select(AuditEvent).where(
        AuditEvent.action == action).order_by(AuditEvent.id)).scalars())


def payments(grant) -> list[PaymentRequest]:
    _db.session.expire_all()
    return list(_db.session.execute(select(PaymentRequest).where(
        PaymentRequest.grant_id == grant.id).order_by(PaymentRequest.number)).scalars())


def as_user(app, user):
    client = app.test_client()
    login(client, user)
    return client


def ask(client, grant, amount="60 000", costs=("120000",), report="Forprosjektet er ferdig.",
        files=(("faktura.pdf", PDF),), follow=True):
    """The recipient's request form, posted as a browser would."""
    path = f"/mine-tilskudd/{grant.id}/utbetalinger/ny"
    data = {"amount": amount, "status_report": report,
            "files": [(io.BytesIO(content), name) for name, content in files]}
    for index, line in enumerate(grant.application.cost_lines):
        data[f"costs-{index}-cost_line_id"] = str(line.id)
        data[f"costs-{index}-amount"] = costs[index] if index < len(costs) else ""
    return post_form(client, path, data, content_type="multipart/form-data",
                     follow_redirects=follow)


def decide(client, payment, action, amount="", reasons=""):
    path = f"/tilskudd/utbetalinger/{payment.id}"
    return post_form(client, f"{path}/avgjor", {"action": action, "amount": amount,
                                                 "reasons": reasons},
                     form_page=path, follow_redirects=True)


def paid(client, payment, on: date | str):
    path = f"/tilskudd/utbetalinger/{payment.id}"
    return post_form(client, f"{path}/utbetalt",
                     {"paid_on": on.isoformat() if isinstance(on, date) else on},
                     form_page=path, follow_redirects=True)


@pytest.fixture
def alfa(app, accepted):
    """Alfa's member, logged in."""
    return as_user(app, accepted.applicants["A"])


def test_a_request_within_the_advance_share_is_approved_and_paid(app, accepted, alfa):
    grant, member = accepted.grants["A"], accepted.applicants["A"]
    page = html_of(alfa.get(f"/mine-tilskudd/{grant.id}"))
    assert "Be om utbetaling" in page and "Nå kan dere be om inntil kr 75 000" in page
    form = html_of(alfa.get(f"/mine-tilskudd/{grant.id}/utbetalinger/ny"))
    assert "Konsulent" in form and "kr 300 000" in form  # the approved budget line

    page = html_of(ask(alfa, grant))
    assert "Anmodningen om utbetaling er sendt" in page
    [payment] = payments(grant)
    assert payment.state == PaymentState.SUBMITTED and payment.amount_requested == 60_000
    assert [c.amount for c in payment.cost_lines] == [120_000]
    assert payment.status_report == "Forprosjektet er ferdig."
    [document] = payment.documents
    assert document.filename == "faktura.pdf"
    assert mails(member.email)[-1].subject == "Anmodningen om utbetaling er mottatt"
    assert "kr 60 000" in text(mails(member.email)[-1])
    assert "Til behandling" in page and "Be om utbetaling</a>" not in page
    assert "ikke er ferdig behandlet" in page  # one open request at a time
    assert "ikke er ferdig behandlet" in html_of(ask(alfa, grant, amount="1000"))
    assert len(payments(grant)) == 1

    sara, lene = as_user(app, accepted.sara), as_user(app, accepted.lene)
    staff = html_of(sara.get(f"/tilskudd/utbetalinger/{payment.id}"))
    assert "kr 300 000" in staff and "kr 120 000" in staff  # costs next to the budget
    assert "1234.56.78903" in staff and "Kontrollsifferet stemmer (MOD11)" in staff
    assert "Forprosjektet er ferdig." in staff
    download = sara.get(f"/tilskudd/utbetalinger/{payment.id}/dokumenter/{document.id}")
    assert download.status_code == 200 and download.data == PDF
    assert "Anmodning 1" in html_of(sara.get(f"/tilskudd/{grant.id}"))

    assert "Anmodningen er behandlet" in html_of(decide(sara, payment, "approve"))
    [payment] = payments(grant)
    assert payment.state == PaymentState.APPROVED and payment.amount_approved == 60_000
    assert payment.bank_account == "12345678903" and payment.decided_by_id == accepted.sara.id
    approved = mails(member.email)[-1]
    assert approved.subject == "Utbetalingen er godkjent"
    assert "kr 60 000" in text(approved) and "1234.56.78903" in text(approved)

    today = oslo_date(utcnow())
    refused = html_of(paid(sara, payment, today))  # the same person who approved
    assert "Attestasjon og utbetaling skal gjøres av to forskjellige personer" in refused
    assert payments(grant)[0].state == PaymentState.APPROVED

    assert "Utbetalingen er registrert" in html_of(paid(lene, payment, today))
    [payment] = payments(grant)
    assert payment.state == PaymentState.PAID and payment.amount_paid == 60_000
    assert payment.paid_on == today and payment.paid_recorded_by_id == accepted.lene.id
    shown = f"kr 60 000 den {format_date(today)}"
    assert shown in html_of(alfa.get(f"/mine-tilskudd/{grant.id}"))
    assert shown in html_of(lene.get(f"/tilskudd/{grant.id}"))
    assert shown in html_of(lene.get(f"/tilskudd/utbetalinger/{payment.id}"))
    told = mails(member.email)[-1]
    assert told.subject == "Tilskuddet er utbetalt"
    assert "kr 60 000 av tilskuddet til «Alfa varmepumpe»" in text(told)
    assert format_date(today) in text(told)
    # What is left of the advance share: 75 000 less 60 000.
    assert "Nå kan dere be om inntil kr 15 000" in html_of(alfa.get(f"/mine-tilskudd/{grant.id}"))
    assert [len(audit(a)) for a in ("grant.payment_requested", "grant.payment_approved",
                                    "grant.payment_paid", "grant.document_read")] == [1, 1, 1, 1]
    assert audit("grant.payment_paid")[0].actor_id == accepted.lene.id


def test_an_early_final_payment_is_refused_with_what_can_be_asked_for_now(accepted, alfa):
    grant = accepted.grants["A"]
    page = html_of(ask(alfa, grant, amount="100000"))
    assert "sluttutbetaling før sluttrapporten" in page
    assert "resten utbetales når sluttrapporten er godkjent" in page
    assert "Nå kan dere be om inntil kr 75 000" in page
    assert payments(grant) == []


def test_overpayment_is_refused_for_the_recipient_and_for_the_caseworker(
        app, accepted, alfa):
    grant = accepted.grants["A"]
    page = html_of(ask(alfa, grant, amount="200000"))
    assert "mer enn det som er igjen av tilskuddet" in page and "kr 150 000 igjen" in page
    assert payments(grant) == []
    ask(alfa, grant, amount="60000")
    [payment] = payments(grant)
    # A recovery vedtak lowered the grant to 50 000 while the request waited.
    decision = accepted.decided.decisions["A"]
    decision.amount = 50_000
    _db.session.commit()
    sara = as_user(app, accepted.sara)
    page = html_of(decide(sara, payment, "approve"))
    assert "ville gi mer utbetalt enn tilskuddet" in page and "kr 50 000 igjen" in page
    assert payments(grant)[0].state == PaymentState.SUBMITTED


def test_a_request_needs_documents_a_status_report_and_verified_authority(accepted, alfa):
    grant = accepted.grants["A"]
    assert "Legg ved dokumentasjon" in html_of(ask(alfa, grant, files=()))
    assert "Skriv en statusrapport" in html_of(ask(alfa, grant, report="  "))
    assert "ikke en PDF, Word" in html_of(ask(alfa, grant, files=(("x.pdf", b"MZ..."),)))
    grant.authority = grant.authority.STATED
    _db.session.commit()
    page = html_of(alfa.get(f"/mine-tilskudd/{grant.id}/utbetalinger/ny"))
    assert "ikke kontrollert at" in page and 'id="payment-form"' not in page
    assert "ikke kontrollert at" in html_of(ask(alfa, grant))
    assert payments(grant) == []


def test_reduce_needs_a_lower_amount_and_reasons(app, accepted, alfa):
    grant, member = accepted.grants["A"], accepted.applicants["A"]
    ask(alfa, grant)
    [payment] = payments(grant)
    sara = as_user(app, accepted.sara)
    assert "Skriv hvorfor beløpet er redusert" in html_of(decide(sara, payment, "reduce",
                                                                  amount="40000"))
    assert "lavere enn det det er bedt om (kr 60 000)" in html_of(
        decide(sara, payment, "reduce", amount="60000", reasons="For mye."))
    assert payments(grant)[0].state == PaymentState.SUBMITTED
    decide(sara, payment, "reduce", amount="40 000",
           reasons="Fakturaen på kr 40 000 gjelder drift, ikke prosjektet.")
    [payment] = payments(grant)
    assert payment.state == PaymentState.APPROVED and payment.amount_approved == 40_000
    mail = mails(member.email)[-1]
    assert mail.subject == "Utbetalingen er godkjent med et lavere beløp"
    assert "godkjent med kr 40 000. Dere ba om kr 60 000" in text(mail)
    assert "gjelder drift, ikke prosjektet" in text(mail)


def test_a_returned_request_can_be_followed_by_a_new_one(app, accepted, alfa):
    grant, member = accepted.grants["A"], accepted.applicants["A"]
    ask(alfa, grant)
    [payment] = payments(grant)
    sara = as_user(app, accepted.sara)
    assert "Skriv hvorfor anmodningen sendes tilbake" in html_of(decide(sara, payment, "return"))
    decide(sara, payment, "return", reasons="Fakturaene mangler.")
    [payment] = payments(grant)
    assert payment.state == PaymentState.RETURNED and payment.amount_approved is None
    mail = mails(member.email)[-1]
    assert mail.subject == "Anmodningen om utbetaling er sendt tilbake"
    assert "Fakturaene mangler." in text(mail)
    page = html_of(alfa.get(f"/mine-tilskudd/{grant.id}"))
    assert "Sendt tilbake" in page and "Fakturaene mangler." in page
    assert "Be om utbetaling" in page
    assert "Anmodningen om utbetaling er sendt" in html_of(ask(alfa, grant, amount="50000"))
    assert [(p.number, p.state) for p in payments(grant)] == [
        (1, PaymentState.RETURNED), (2, PaymentState.SUBMITTED)]
    assert len(audit("grant.payment_returned")) == 1


def test_an_invalid_account_refuses_approval(app, accepted, alfa):
    grant = accepted.grants["A"]
    ask(alfa, grant)
    [payment] = payments(grant)
    grant.application.organisation.bank_account = "12345678901"  # check digit wrong
    _db.session.commit()
    sara = as_user(app, accepted.sara)
    assert "Kontrollsifferet stemmer ikke (MOD11)" in html_of(
        sara.get(f"/tilskudd/utbetalinger/{payment.id}"))
    page = html_of(decide(sara, payment, "approve"))
    assert "kontrollsifferet stemmer ikke (MOD11)" in page
    assert payments(grant)[0].state == PaymentState.SUBMITTED


def test_with_the_register_on_bankruptcy_is_checked_before_each_approval(
        app, accepted, monkeypatch):
    from fund.auth import brreg
    from tests.decisions.test_recording import _entry
    monkeypatch.setitem(app.config, "BRREG_ENABLED", True)
    a, b = accepted.grants["A"], accepted.grants["B"]
    for key in ("A", "B"):
        ask(as_user(app, accepted.applicants[key]), accepted.grants[key], amount="40000")
    bankrupt = b.application.organisation.orgnr
    asked = []

    def lookup(orgnr):
        asked.append(orgnr)
        return _entry(orgnr, bankrupt=orgnr == bankrupt)

    monkeypatch.setattr(brreg, "lookup", lookup)
    sara = as_user(app, accepted.sara)
    decide(sara, payments(a)[0], "approve")
    [payment] = payments(a)
    assert payment.state == PaymentState.APPROVED and payment.register_checked_at is not None
    page = html_of(decide(sara, payments(b)[0], "approve"))
    assert "Beta AS er konkurs eller under avvikling" in page
    assert payments(b)[0].state == PaymentState.SUBMITTED
    assert asked == [a.application.organisation.orgnr, bankrupt]

    def unavailable(orgnr):
        raise brreg.RegisterUnavailable("timeout")

    monkeypatch.setattr(brreg, "lookup", unavailable)
    assert "Enhetsregisteret svarer ikke nå" in html_of(decide(sara, payments(b)[0], "approve"))


JUNK = ["abc", "99999999999999999999", "-5", "1e9", "12,5", "100000001", "\x00", "7.5"]


def test_junk_and_huge_numbers_in_the_request_give_a_norwegian_message(accepted, alfa):
    grant = accepted.grants["A"]
    tries = [{"amount": junk} for junk in [*JUNK, "0"]] + \
        [{"amount": "1000", "costs": (junk,)} for junk in JUNK]
    for fields in tries:
        response = ask(alfa, grant, **fields)
        assert response.status_code == 200, fields
        assert any(message in html_of(response) for message in (
            "Skriv beløpet i hele kroner", "Beløpet må være mellom")), fields
    assert payments(grant) == []


def test_junk_in_the_staff_forms_gives_a_norwegian_message(app, accepted, alfa):
    grant = accepted.grants["A"]
    ask(alfa, grant)
    [payment] = payments(grant)
    sara = as_user(app, accepted.sara)
    for amount in ("abc", "99999999999999999999", "-1"):
        response = decide(sara, payment, "reduce", amount=amount, reasons="For mye.")
        assert response.status_code == 200
        assert any(m in html_of(response) for m in ("Skriv beløpet i hele kroner",
                                                    "Beløpet må være mellom"))
    response = decide(sara, payment, "pay-everything")
    assert response.status_code == 200 and "Rett opp dette" in html_of(response)
    assert payments(grant)[0].state == PaymentState.SUBMITTED
    decide(sara, payment, "approve")
    lene = as_user(app, accepted.lene)
    for day in ("i morgen", "2027-13-45", "99999-01-01"):
        response = paid(lene, payment, day)
        assert response.status_code == 200 and "Rett opp dette" in html_of(response)
    response = paid(lene, payment, date(2099, 1, 1))
    assert "kan ikke være fram i tid" in html_of(response)
    assert payments(grant)[0].state == PaymentState.APPROVED


def test_inhabil_staff_and_other_organisations_get_404(app, accepted):
    b = accepted.grants["B"]
    beta = as_user(app, accepted.applicants["B"])
    ask(beta, b, amount="40000")
    [payment] = payments(b)
    [document] = payment.documents
    staff_paths = [f"/tilskudd/utbetalinger/{payment.id}",
                   f"/tilskudd/utbetalinger/{payment.id}/dokumenter/{document.id}"]
    own_path = f"/mine-tilskudd/{b.id}/utbetalinger/{payment.id}/dokumenter/{document.id}"
    assert beta.get(own_path).data == PDF
    mona = as_user(app, accepted.mona)  # inhabil in B
    for path in staff_paths:
        assert mona.get(path).status_code == 404
    assert decide(mona, payment, "approve").status_code == 404
    assert payments(b)[0].state == PaymentState.SUBMITTED
    alfa = as_user(app, accepted.applicants["A"])
    assert alfa.get(own_path).status_code == 404
    assert alfa.get(f"/mine-tilskudd/{b.id}/utbetalinger/ny").status_code == 404
    for path in staff_paths:
        assert alfa.get(path).status_code in (403, 404)
    stranger = as_user(app, make_user("ukjent@example.no"))
    assert stranger.get(own_path).status_code == 404


def test_an_account_change_after_acceptance_waits_for_staff_and_is_not_paid_to(
        app, accepted, alfa):
    """A member changes the organisation's account after acceptance: the change is pending,
    every member is told, the payment goes to the approved account; once staff approve the
    change, the next payment shows the new account."""
    from fund.auth.models import Membership
    from tests.auth.test_organisations import KJELLER
    grant, member = accepted.grants["A"], accepted.applicants["A"]
    organisation = grant.application.organisation
    other = make_user("kollega@example.no", name="Kari Kollega")
    organisation.memberships.append(Membership(user=other))
    _db.session.commit()
    old, new = "12345678903", "86011117947"
    ask(alfa, grant, amount="30000")
    [payment] = payments(grant)

    details = KJELLER | {"orgnr": organisation.orgnr, "name": organisation.name,
                         "bank_account": "8601.11.17947", "submit": "1"}
    page = html_of(post_form(alfa, f"/organisasjoner/{organisation.id}/rediger", details,
                             follow_redirects=True))
    assert "venter på godkjenning" in page
    _db.session.expire_all()
    assert organisation.bank_account == old and organisation.pending_bank_account == new
    for person in (member, other):
        assert mails(person.email)[-1].subject == "Nytt kontonummer venter på godkjenning"

    sara, lene = as_user(app, accepted.sara), as_user(app, accepted.lene)
    staff = html_of(sara.get(f"/tilskudd/utbetalinger/{payment.id}"))
    assert "Nytt kontonummer venter på godkjenning" in staff and "8601.11.17947" in staff
    assert "utbetalingen går til det godkjente kontonummeret" in staff
    decide(sara, payment, "approve")
    paid(lene, payment, oslo_date(utcnow()))
    [payment] = payments(grant)
    assert payment.state == PaymentState.PAID and payment.bank_account == old
    assert "til konto 1234.56.78903" in text(mails(member.email)[-1])

    base = f"/organisasjoner/{organisation.id}"
    post_form(sara, f"{base}/kontonummer", {"bank-approve": "1", "bank-confirm": "y"},
              form_page=base, follow_redirects=True)
    _db.session.expire_all()
    assert organisation.bank_account == new and organisation.pending_bank_account is None
    for person in (member, other):
        assert mails(person.email)[-1].subject == "Kontonummeret er godkjent"

    ask(alfa, grant, amount="20000")
    second = payments(grant)[1]
    staff = html_of(sara.get(f"/tilskudd/utbetalinger/{second.id}"))
    assert "8601.11.17947" in staff and "Nytt kontonummer venter" not in staff
    decide(sara, second, "approve")
    assert payments(grant)[1].bank_account == new
    assert "8601.11.17947" in html_of(sara.get(f"/tilskudd/utbetalinger/{second.id}"))
    assert "til konto 8601.11.17947" in text(mails(member.email)[-1])


def test_the_final_payment_released_by_the_final_report_is_recorded_as_paid(
        app, accepted, alfa):
    """The final report's approval makes the last payment as an approved request; it is
    recorded paid like any other, by someone other than who approved it."""
    grant, member = accepted.grants["A"], accepted.applicants["A"]
    final = PaymentRequest(grant=grant, number=1, is_final=True, state=PaymentState.APPROVED,
                           amount_requested=150_000, amount_approved=150_000,
                           bank_account="12345678903", decided_by_id=accepted.sara.id,
                           decided_at=utcnow())
    _db.session.add(final)
    _db.session.commit()
    assert "ikke er ferdig behandlet" in html_of(alfa.get(f"/mine-tilskudd/{grant.id}"))
    refused = paid(as_user(app, accepted.sara), final, oslo_date(utcnow()))
    assert "to forskjellige personer" in html_of(refused)
    paid(as_user(app, accepted.lene), final, oslo_date(utcnow()))
    [final] = payments(grant)
    assert final.state == PaymentState.PAID and final.amount_paid == 150_000
    mail = mails(member.email)[-1]
    assert "kr 150 000" in text(mail) and "sluttutbetalingen" in text(mail)
    assert "sluttutbetaling" in html_of(alfa.get(f"/mine-tilskudd/{grant.id}"))


def test_the_payment_pages_have_accessible_structure(app, accepted, alfa):
    from tests.test_pages import audit as page_problems
    grant = accepted.grants["A"]
    problems = page_problems(alfa.get(f"/mine-tilskudd/{grant.id}/utbetalinger/ny").text)
    problems += page_problems(html_of(ask(alfa, grant, amount="abc")))
    ask(alfa, grant)
    [payment] = payments(grant)
    sara = as_user(app, accepted.sara)
    path = f"/tilskudd/utbetalinger/{payment.id}"
    problems += page_problems(sara.get(path).text)
    problems += page_problems(html_of(decide(sara, payment, "reduce", amount="x")))
    decide(sara, payment, "approve")
    problems += page_problems(sara.get(path).text)
    problems += page_problems(alfa.get(f"/mine-tilskudd/{grant.id}").text)
    problems += page_problems(sara.get(f"/tilskudd/{grant.id}").text)
    assert problems == []
