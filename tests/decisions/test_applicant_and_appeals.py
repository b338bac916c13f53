"""The applicant sees the vedtak and the letter once it is sent, and appeals from their
page; the first instance reverses (a new vedtak and letter, paid from the reserve) or
sends the appeal on and records the appeal body's outcome."""

from datetime import UTC, date, datetime
from decimal import Decimal

import time_machine
from sqlalchemy import select

from fund.audit.models import AuditEvent
from fund.decisions.models import Appeal, AppealState, Decision, StateAidBasis
from fund.decisions.operations import register_appeal, send_letters, stage_letters
from fund.decisions.queries import reserve_of
from fund.extensions import db as _db
from fund.review.models import Outcome
from tests.decisions.conftest import letter_text, outbox, pdf_text
from tests.helpers import html_of, login, post_form


def page_of(client, application):
    return html_of(client.get(f"/soknader/{application.id}"))


def appeal_path(application):
    return f"/mine-vedtak/soknader/{application.id}/klage"


def test_before_sending_the_applicant_sees_no_decision(client, app, decided):
    with app.test_request_context():
        stage_letters(decided.call, decided.lene)
    _db.session.commit()
    login(client, decided.applicants["A"])
    page = page_of(client, decided.apps["A"])
    assert "Innvilget" not in page and "Vedtaksbrev" not in page
    assert '<span class="ds-tag" data-color="neutral">Sendt inn</span>' in page
    letter = decided.letter("A")
    assert client.get(f"/mine-vedtak/soknader/{decided.apps['A'].id}/brev/{letter.id}.pdf"
                      ).status_code == 404
    assert client.get(appeal_path(decided.apps["A"])).status_code == 302


def test_after_sending_the_applicant_sees_the_decision_and_downloads_the_letter(
        client, sent):
    login(client, sent.applicants["B"])
    application, letter = sent.apps["B"], sent.letter("B")
    page = page_of(client, application)
    assert "Delvis innvilget" in page and "inntil kr 90 000" in page
    # the status is the outcome now, not «Sendt inn»
    assert '<span class="ds-tag" data-color="success">Delvis innvilget</span>' in page
    assert ">Sendt inn</span>" not in page
    assert "Reisekostnadene på kr 60 000 er ikke godkjent" in page
    assert "Prosjektet skal være ferdig innen 31. desember 2027." in page
    assert "1. juni 2027" in page
    path = f"/mine-vedtak/soknader/{application.id}/brev/{letter.id}.pdf"
    assert path in page
    response = client.get(path)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "inntil kr 90 000" in pdf_text(response.data)
    dashboard = html_of(client.get("/soknader"))
    assert "Vedtak: Delvis innvilget, kr 90 000" in dashboard


def test_other_peoples_letters_and_appeals_are_404(client, sent):
    login(client, sent.applicants["A"])
    other, letter = sent.apps["B"], sent.letter("B")
    assert client.get(f"/mine-vedtak/soknader/{other.id}/brev/{letter.id}.pdf"
                      ).status_code == 404
    # their own application, someone else's letter
    assert client.get(f"/mine-vedtak/soknader/{sent.apps['A'].id}/brev/{letter.id}.pdf"
                      ).status_code == 404
    assert client.get(appeal_path(other)).status_code == 404
    assert post_form(client, appeal_path(other), {"text": "Jeg klager."},
                     form_page="/").status_code == 404
    assert client.get(f"/vedtak/brev/{letter.id}.pdf").status_code == 403


@time_machine.travel(datetime(2027, 6, 1, 20, 0, tzinfo=UTC), tick=True)
def test_an_appeal_in_time_is_received_and_confirmed_by_mail(client, sent):
    login(client, sent.applicants["C"])
    application = sent.apps["C"]
    form = html_of(client.get(appeal_path(application)))
    assert "Klagefristen er 1. juni 2027." in form
    response = post_form(client, appeal_path(application), {
        "text": "Vi klager på avslaget og ber om kr 100 000. Innovasjonen er undervurdert."})
    assert response.status_code == 302
    page = html_of(client.get(response.headers["Location"]))
    assert "Klagen er mottatt. Du får en bekreftelse på e-post." in page
    appeal = _db.session.execute(select(Appeal)).scalar_one()
    assert appeal.decision_id == sent.decisions["C"].id and appeal.state == AppealState.RECEIVED
    assert appeal.in_time is True and appeal.text.startswith("Vi klager på avslaget")
    assert "Mottatt" in page and "Klag på vedtaket" not in page
    mail = [m for m in outbox(sent.applicants["C"].email) if m.subject.startswith("Klagen")]
    assert len(mail) == 1 and "Vi har mottatt klagen" in mail[0].body_text
    assert _db.session.execute(select(AuditEvent).where(
        AuditEvent.action == "appeal.received")).scalar_one().actor_id == \
        sent.applicants["C"].id


def test_appeals_are_marked_in_time_or_late_by_the_deadline_day_in_oslo(app, sent):
    with app.test_request_context():
        in_time = register_appeal(sent.apps["C"], sent.applicants["C"], "Vi klager.",
                                  now=datetime(2027, 6, 1, 21, 59, tzinfo=UTC))
        late = register_appeal(sent.apps["D"], sent.applicants["D"], "Vi klager.",
                               now=datetime(2027, 6, 1, 22, 0, tzinfo=UTC))
    assert in_time.in_time is True and late.in_time is False
    mail = [m for m in outbox(sent.applicants["D"].email) if m.subject.startswith("Klagen")]
    assert "etter klagefristen" in mail[0].body_text and "vurdert" in mail[0].body_text


@time_machine.travel(datetime(2027, 6, 2, 6, 0, tzinfo=UTC), tick=True)
def test_a_late_appeal_is_still_received_and_the_page_says_so(client, sent):
    login(client, sent.applicants["D"])
    form = html_of(client.get(appeal_path(sent.apps["D"])))
    assert "Klagefristen gikk ut 1. juni 2027. Du kan likevel klage" in form
    response = post_form(client, appeal_path(sent.apps["D"]), {"text": "Vi har adresse her."})
    page = html_of(client.get(response.headers["Location"]))
    assert "etter klagefristen. Den blir likevel vurdert" in page
    assert "kom etter klagefristen, blir likevel vurdert" in page
    assert _db.session.execute(select(Appeal)).scalar_one().in_time is False


def test_an_empty_appeal_is_refused_with_a_message(client, sent):
    login(client, sent.applicants["C"])
    response = post_form(client, appeal_path(sent.apps["C"]), {"text": "   "})
    assert response.status_code == 200
    assert "Skriv hva du klager på" in html_of(response)
    assert _db.session.execute(select(Appeal)).first() is None


def test_an_appeal_without_csrf_is_refused(client, sent):
    login(client, sent.applicants["C"])
    response = client.post(appeal_path(sent.apps["C"]), data={"text": "Vi klager."})
    assert response.status_code == 400
    assert _db.session.execute(select(Appeal)).first() is None


def _appeal(app, sent, key="C", text="Vi klager på avslaget."):
    with app.test_request_context():
        appeal = register_appeal(sent.apps[key], sent.applicants[key], text,
                                 now=datetime(2027, 5, 20, 10, 0, tzinfo=UTC))
    _db.session.commit()
    return appeal


def test_the_first_instance_reverses_with_a_new_vedtak_and_letter_from_the_reserve(
        client, app, sent):
    appeal = _appeal(app, sent)
    assert reserve_of(sent.call).left == 500_000 - 240_000
    login(client, sent.lene)
    path = f"/vedtak/klager/{appeal.id}"
    page = html_of(client.get(path))
    assert "Vi klager på avslaget." in page and "innen fristen" in page
    assert "Klagereserve" in page and "kr 100 000" in page
    response = post_form(client, f"{path}/omgjor", {
        "outcome": "granted", "amount": "150000", "reasons": "Innovasjonen er bedre enn "
        "først vurdert.", "conditions": "", "assessment": "Klagen fører fram.",
        "body": "kommunedirektor", "delegation_reference": "Delegeringsreglementet 4.2",
        "meeting_date": "2027-06-03", "political_case_number": "",
        "state_aid_basis": "de_minimis", "kdd_category": "1110"}, form_page=path)
    assert response.status_code == 302, html_of(response)[:3000]
    _db.session.expire_all()
    old = sent.decisions["C"]
    new = _db.session.execute(select(Decision).where(
        Decision.application_id == sent.apps["C"].id, Decision.replaced_at.is_(None))
    ).scalar_one()
    assert old.replaced_at is not None and old.replaced_by_id == new.id
    assert new.outcome == Outcome.GRANTED and new.amount == 150_000
    # checked on its own date like any grant: de minimis at the spring's rate, KDD
    assert new.decided_on == date(2027, 6, 3) and new.nok_per_eur == Decimal("11.5")
    assert new.state_aid_basis == StateAidBasis.DE_MINIMIS and new.kdd_category == "1110"
    appeal = _db.session.get(Appeal, appeal.id)
    assert appeal.state == AppealState.REVERSED and appeal.new_decision_id == new.id
    # the reserve paid for it: 240 000 + 150 000 granted, 110 000 of the fordeling's room
    # was free, and the reserve keeps the whole budget in reach
    reserve = reserve_of(sent.call)
    assert reserve.used == 150_000 and reserve.left == 500_000 - 390_000
    # the new letter is staged and sent the same way
    letter = new.letter
    assert letter is not None and letter.sent_at is None
    with app.test_request_context():
        send_letters(sent.call, sent.lene, now=datetime(2027, 6, 4, 8, 0, tzinfo=UTC))
    _db.session.commit()
    text = letter_text(new.letter)
    assert "Søknaden er innvilget." in text and "inntil kr 150 000" in text
    assert "erstatter vedtaket av 10. mai 2027" in text
    assert "Innovasjonen er bedre enn først vurdert." in text
    assert "senest 25. juni 2027" in text
    client2 = app.test_client()
    login(client2, sent.applicants["C"])
    page = page_of(client2, sent.apps["C"])
    assert "Innvilget" in page and "inntil kr 150 000" in page and "Omgjort av kommunen" in page


def test_a_reversal_beyond_the_budget_is_refused_with_the_room_left(client, app, sent):
    appeal = _appeal(app, sent)
    sent.call.budget = 340_000  # 240 000 granted: 100 000 left, the reserve included
    _db.session.commit()
    login(client, sent.lene)
    path = f"/vedtak/klager/{appeal.id}"
    response = post_form(client, f"{path}/omgjor", {
        "outcome": "granted", "amount": "150000", "reasons": "For mye.",
        "body": "kommunedirektor", "delegation_reference": "Delegeringsreglementet 4.2",
        "meeting_date": "2027-06-03", "state_aid_basis": "de_minimis",
        "kdd_category": "1110"}, form_page=path)
    assert response.status_code == 400
    assert "Det er kr 100 000 igjen å fordele." in html_of(response)
    assert _db.session.get(Appeal, appeal.id).state == AppealState.RECEIVED


def test_forwarding_and_the_appeal_bodys_outcome(client, app, sent):
    appeal = _appeal(app, sent)
    login(client, sent.lene)
    path = f"/vedtak/klager/{appeal.id}"
    response = post_form(client, f"{path}/oversend", {"assessment": ""}, form_page=path)
    assert response.status_code == 400 and "Skriv kommunens vurdering" in html_of(response)
    response = post_form(client, f"{path}/oversend", {
        "assessment": "Avslaget står: søknaden er rangert etter kriteriene."}, form_page=path)
    assert response.status_code == 302
    _db.session.expire_all()
    appeal = _db.session.get(Appeal, appeal.id)
    assert appeal.state == AppealState.FORWARDED and appeal.forwarded_at is not None
    assert appeal.appeal_body == "kommunens klagenemnd"
    mail = [m for m in outbox(sent.applicants["C"].email) if "klageinstansen" in m.subject]
    assert len(mail) == 1 and "Avslaget står" in mail[0].body_text
    response = post_form(client, f"{path}/klageinstans", {
        "outcome": "Klagen ble ikke tatt til følge.", "decided_on": "2027-08-20"},
        form_page=path)
    assert response.status_code == 302
    _db.session.expire_all()
    appeal = _db.session.get(Appeal, appeal.id)
    assert appeal.state == AppealState.CONCLUDED
    assert appeal.appeal_body_decided_on == date(2027, 8, 20)
    assert sent.decisions["C"].replaced_at is None  # the vedtak stands
    page = html_of(client.get(path))
    assert "Avgjort av klageinstansen" in page and "Klagen ble ikke tatt til følge." in page
    actions = set(_db.session.execute(select(AuditEvent.action)).scalars())
    assert {"appeal.forwarded", "appeal.concluded"} <= actions


def test_staff_see_appeals_on_the_letters_page_and_the_case_page(client, app, sent):
    appeal = _appeal(app, sent)
    login(client, sent.lene)
    page = html_of(client.get(f"/vedtak/utlysninger/{sent.call.id}/brev"))
    assert f"/vedtak/klager/{appeal.id}" in page
    manage = html_of(client.get(f"/forvaltning/utlysninger/{sent.call.id}"))
    assert "Klagereserve" in manage and "Igjen av budsjettet til klager" in manage
    from tests.helpers import declare
    declare(client, sent.apps["C"])
    case = html_of(client.get(f"/saksbehandling/soknader/{sent.apps['C'].id}"))
    assert f"/vedtak/klager/{appeal.id}" in case and "Vedtaksbrev" in case


def test_appeal_pages_are_for_staff_and_handling_for_a_habil_manager(app, db, sent):
    appeal = _appeal(app, sent, key="B")  # Mona is inhabil in B
    path = f"/vedtak/klager/{appeal.id}"
    caseworker = app.test_client()
    login(caseworker, sent.sara)
    assert caseworker.get(path).status_code == 200
    assert post_form(caseworker, f"{path}/oversend", {"assessment": "x"},
                     form_page="/").status_code == 403
    mona = app.test_client()
    login(mona, sent.mona)
    assert mona.get(path).status_code == 404
    assert post_form(mona, f"{path}/oversend", {"assessment": "x"},
                     form_page="/").status_code == 404
    applicant = app.test_client()
    login(applicant, sent.applicants["B"])
    assert applicant.get(path).status_code == 403
    assert _db.session.get(Appeal, appeal.id).state == AppealState.RECEIVED


def test_a_granting_vedtak_makes_the_organisation_a_grant_holder(app, sent):
    """The bank account of a grant holder changes only with the municipality's approval
    (auth asks ``organisation_has_grant``): a vedtak that grants money makes one."""
    from fund.core.signals import answered_yes, organisation_has_grant
    from fund.decisions.operations import decide

    gamma = sent.apps["C"].organisation
    assert not answered_yes(organisation_has_grant, gamma)  # rejected, below the line
    with app.test_request_context():
        decide(sent.apps["C"], sent.meeting, Outcome.GRANTED, 150_000, "Omgjort.", sent.lene,
               replacing=sent.decisions["C"])
    assert answered_yes(organisation_has_grant, gamma)
