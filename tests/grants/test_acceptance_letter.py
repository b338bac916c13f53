"""The tilsagnsbrev states what the recipient accepts (LAW.md §4.E item 12), read back
from the PDF with the real dates and amounts."""

import pytest

from fund.decisions.operations import send_letters, stage_letters
from fund.extensions import db as _db
from fund.grants.labels import RECOVERY_GROUND_LABELS
from tests.decisions.conftest import SENT_AT, letter_text


@pytest.fixture
def text(sent):
    return {key: letter_text(sent.letter(key)) for key in "ABC"}


def test_the_sent_grant_letter_states_amount_plan_period_and_acceptance_deadline(text):
    a = text["A"]
    assert "Formålet med tilskuddet er å gjennomføre prosjektet «Alfa varmepumpe»" in a
    assert "Tilskuddet er på inntil kr 150 000." in a
    assert "Det kan utgjøre høyst 50 % av de godkjente kostnadene." in a
    assert "Kjøp av tjenester: Konsulent kr 300 000" in a
    assert "Sum godkjente kostnader kr 300 000" in a
    assert "Egne midler kr 150 000" in a and "Søkt tilskudd fra fondet kr 150 000" in a
    assert "Prosjektperioden er 1. mars 2027–31. desember 2027. Prosjektet må være " \
        "gjennomført innen 31. desember 2027. Er det ikke gjennomført innen da, faller " \
        "tilsagnet bort" in a
    # Notified Tuesday 11 May 2027; four weeks: Tuesday 8 June 2027.
    assert "Du må akseptere tilsagnet og vilkårene senest 8. juni 2027." in a
    assert "Aksepterer du ikke innen fristen, faller tilsagnet bort" in a
    assert "fullmakt til å forplikte Alfa AS: daglig leder, styreleder, eller en med " \
        "signatur eller prokura" in a and "tilskuddssiden" in a


def test_the_letter_states_payment_report_reduction_inspection_and_clawback(text):
    a, b = text["A"], text["B"]
    assert "anmodning om utbetaling med dokumenterte kostnader" in a
    assert "Før sluttrapporten er godkjent, kan det utbetales høyst 50 % av tilskuddet, " \
        "det vil si kr 75 000. Resten utbetales når sluttrapporten er godkjent." in a
    assert "det vil si kr 45 000" in b  # 50 % of kr 90 000
    # The project ends 31 December 2027; 60 days later is 29 February 2028 (a leap year).
    assert "Sluttrapporten skal sendes inn senest 29. februar 2028, 60 dager etter at " \
        "prosjektperioden er slutt." in a
    auditor = "skal prosjektregnskapet være bekreftet av revisor eller autorisert regnskapsfører"
    assert f"Fordi tilskuddet er på kr 100 000 eller mer, {auditor}" in a
    assert auditor not in b  # kr 90 000 is under the threshold
    assert "reduseres tilskuddet forholdsmessig" in a
    assert "Kommunen har rett til å kontrollere at tilskuddet brukes etter forutsetningene" in a
    for label in RECOVERY_GROUND_LABELS.values():
        assert str(label) in a
    assert "Du får forhåndsvarsel og kan uttale deg" in a


def test_a_rejection_has_no_tilsagn_terms(text):
    c = text["C"]
    assert "Aksept av tilsagnet" not in c and "Sluttrapport" not in c
    assert "Uriktige eller mangelfulle opplysninger" not in c


def test_the_unsent_draft_counts_the_deadline_from_receipt_and_follows_the_call_settings(
        app, decided):
    call = decided.call
    call.acceptance_weeks, call.advance_max_percent = 3, 40
    call.auditor_threshold, call.final_report_days = 80_000, 90
    _db.session.commit()
    with app.test_request_context():
        stage_letters(call, decided.lene)
    _db.session.commit()
    draft = letter_text(decided.letter("B"))
    assert "innen 3 uker fra du mottok brevet" in draft and "senest 8. juni" not in draft
    assert "høyst 40 % av tilskuddet, det vil si kr 36 000" in draft
    assert "Fordi tilskuddet er på kr 80 000 eller mer" in draft
    # 31 December 2027 + 90 days = 30 March 2028.
    assert "senest 30. mars 2028, 90 dager etter" in draft
    with app.test_request_context():
        send_letters(call, decided.lene, now=SENT_AT)
    _db.session.commit()
    # Notified 11 May 2027; three weeks: 1 June 2027.
    assert "senest 1. juni 2027." in letter_text(decided.letter("B"))
