"""Reducing or reclaiming a grant (tilbakekreving) and repayments, as user stories.

A new vedtak to the recipient's disadvantage: a forhåndsvarsel with a deadline to answer
(fvl § 16), then a vedtak with reasons and the appeal right through the decisions
domain's letters and appeals. ``paid``: the accepted grants of tests/grants/conftest.py
with money paid out on 1 June 2027 (A: kr 75 000 of 150 000; B: kr 45 000 of 90 000).

The notices below are sent on Monday 14 June 2027; the deadline to answer is 14 days
later, Monday 28 June 2027."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from sqlalchemy import select

from fund.audit.models import AuditEvent
from fund.core.pdf import read_document
from fund.decisions.labels import outcome_label
from fund.decisions.models import Appeal, DecisionBody, DecisionKind
from fund.decisions.queries import budget_room, current_decision
from fund.extensions import db as _db
from fund.grants import operations
from fund.grants.models import (
    GrantError,
    GrantState,
    PaymentRequest,
    PaymentState,
    Recovery,
    RecoveryGround,
    RecoveryState,
    Repayment,
)
from fund.grants.queries import money_of, open_recovery
from fund.review.models import Outcome
from tests.decisions.conftest import outbox, pdf_text
from tests.helpers import html_of, login, post_form

#: Monday 14 June 2027, 12:00 in Oslo.
NOTICE_AT = datetime(2027, 6, 14, 10, 0, tzinfo=UTC)
ANSWER_BY = date(2027, 6, 28)
#: The day after the deadline to answer.
AFTER_DEADLINE = datetime(2027, 6, 29, 10, 0, tzinfo=UTC)
REASONS = "Midlene til markedsføring er brukt til drift. Svaret endrer ikke det."


@pytest.fixture
def paid(accepted, db):
    for key, amount in (("A", 75_000), ("B", 45_000)):
        grant = accepted.grants[key]
        db.session.add(PaymentRequest(
            grant=grant, number=1, state=PaymentState.PAID, amount_requested=amount,
            amount_approved=amount, amount_paid=amount, paid_on=date(2027, 6, 1),
            submitted_by_id=accepted.applicants[key].id, bank_account=grant.bank_account,
            decided_by_id=accepted.sara.id, paid_recorded_by_id=accepted.sara.id))
    db.session.commit()
    return accepted


def staff_path(grant):
    return f"/tilskudd/{grant.id}"


def own_path(grant):
    return f"/mine-tilskudd/{grant.id}"


def notify(paid, key="A", new_amount=50_000, now=NOTICE_AT, manager=None):
    recovery = operations.notify_recovery(
        paid.grants[key], manager or paid.lene, RecoveryGround.NOT_FOR_PURPOSE, new_amount,
        "Kostnadene til markedsføring er ikke dokumentert.", now=now)
    _db.session.commit()
    return recovery


def decide(recovery, manager, now=AFTER_DEADLINE, reasons=REASONS):
    decision = operations.decide_recovery(
        recovery, manager, reasons, DecisionBody.KOMMUNEDIREKTOR, now.date(),
        delegation_reference="Delegeringsreglementet pkt. 4.2", now=now)
    _db.session.commit()
    return decision


def notice_fields(ground="not_for_purpose", new_amount="50000",
                  text="Kostnadene til markedsføring er ikke dokumentert.", **extra):
    return {"notice-ground": ground, "notice-new_amount": new_amount,
            "notice-notice_text": text, **extra}


# --- The whole story ---


def test_notice_answer_and_vedtak_with_its_letter_and_the_recipients_page(paid, app):
    grant, call = paid.grants["A"], paid.apps["A"].call
    staff = app.test_client()
    recipient = app.test_client()
    with time_machine.travel(NOTICE_AT, tick=True):
        login(staff, paid.lene)
        page = html_of(staff.get(staff_path(grant)))
        assert "Send forhåndsvarsel" in page and "Tilskuddet er nå kr 150 000" in page
        # The first post only shows what will be sent: nothing is sent yet.
        shown = post_form(staff, f"{staff_path(grant)}/tilbakekreving", notice_fields(),
                          form_page=staff_path(grant))
        assert shown.status_code == 200
        text = html_of(shown)
        assert "Send forhåndsvarsel?" in text and "kan ikke trekkes tilbake" in text
        assert 'id="confirm-reclaim">kr 25 000' in text  # 75 000 paid, 50 000 kept
        assert _db.session.execute(select(Recovery)).first() is None
        assert outbox(paid.applicants["A"].email)[-1].subject.startswith("Vedtak")
        sent = post_form(staff, f"{staff_path(grant)}/tilbakekreving",
                         notice_fields(**{"notice-confirmed": "1"}),
                         form_page=staff_path(grant))
        assert sent.status_code == 302
        recovery = open_recovery(grant)
        assert recovery.answer_by == ANSWER_BY and recovery.reclaim_amount == 25_000
        mail = outbox(paid.applicants["A"].email)[-1]
        assert "Forhåndsvarsel" in mail.subject
        assert "28. juni 2027" in mail.body_text and f"/mine-tilskudd/{grant.id}" in mail.body_text
        notice = pdf_text(read_document(recovery.notice_stored_name))
        assert "redusere tilskuddet fra kr 150 000 til kr 50 000" in notice
        assert "betale tilbake kr 25 000" in notice
        assert "Fristen for å uttale deg er 28. juni 2027" in notice
        assert "forvaltningsloven § 18" in notice
        assert "Midlene er ikke brukt til formålet" in notice
        # Staff cannot start a second one while this is open.
        assert "Send forhåndsvarsel om" not in html_of(staff.get(staff_path(grant)))

        # The recipient reads the notice and answers.
        login(recipient, paid.applicants["A"])
        page = html_of(recipient.get(own_path(grant)))
        assert "Kostnadene til markedsføring er ikke dokumentert." in page
        assert "Send svaret" in page
        pdf = recipient.get(f"{own_path(grant)}/tilbakekreving/{recovery.id}/varsel.pdf")
        assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
        answered = post_form(recipient, f"{own_path(grant)}/tilbakekreving/{recovery.id}/svar",
                             {"answer-text": "Markedsføringen ble gjort av egne ansatte."},
                             form_page=own_path(grant))
        assert answered.status_code == 302
        assert "Svaret på forhåndsvarselet er mottatt" in \
            outbox(paid.applicants["A"].email)[-1].subject
        assert "Send svaret" not in html_of(recipient.get(own_path(grant)))

        # With the answer in, the manager decides the same day.
        staff_page = html_of(staff.get(staff_path(grant)))
        assert "Markedsføringen ble gjort av egne ansatte." in staff_page
        room_before = budget_room(call)
        decided = post_form(staff, f"{staff_path(grant)}/tilbakekreving/{recovery.id}/vedtak",
                            {"rdecide-reasons": REASONS, "rdecide-body": "kommunedirektor",
                             "rdecide-delegation_reference": "Delegeringsreglementet pkt. 4.2",
                             "rdecide-meeting_date": "2027-06-14"},
                            form_page=staff_path(grant))
        assert decided.status_code == 302, html_of(decided)[:3000]
        _db.session.expire_all()
        decision = current_decision(paid.apps["A"])
        assert decision.kind == DecisionKind.RECOVERY
        assert decision.outcome == Outcome.PARTLY_GRANTED
        assert decision.amount == 50_000 and decision.state_aid_basis is not None
        assert str(decision.amount_eur) == "4347.83"  # 50 000 / 11.5
        assert money_of(grant).granted == 50_000 and grant.state == GrantState.ACCEPTED
        assert budget_room(call) == room_before + 100_000
        # The letter is staged: the recipient sees no vedtak yet.
        assert "Du får vedtaksbrevet" in html_of(recipient.get(own_path(grant)))

    with time_machine.travel(datetime(2027, 6, 15, 8, 0, tzinfo=UTC), tick=True):
        login(staff, paid.lene)
        login(recipient, paid.applicants["A"])
        letters = html_of(staff.get(f"/vedtak/utlysninger/{call.id}/brev"))
        assert "Tilskuddet er redusert" in letters
        assert post_form(staff, f"/vedtak/utlysninger/{call.id}/send", {}).status_code == 302
        _db.session.expire_all()
        letter = decision.letter
        assert letter.is_sent and letter.appeal_deadline == date(2027, 7, 6)
        text = pdf_text(read_document(letter.stored_name))
        assert "Vedtak om reduksjon av tilskudd" in text
        assert "vedtaket av 10. mai 2027 om et tilskudd på kr 150 000" in text
        assert "forhåndsvarsel av 14. juni 2027" in text
        assert "Markedsføringen ble gjort av egne ansatte." in text
        assert REASONS in text
        assert "redusert til kr 50 000" in text
        assert "betale tilbake kr 25 000 innen 15. juli 2027" in text
        assert "Du kan klage på vedtaket" in text and "senest 6. juli 2027" in text
        assert "kommunens klagenemnd" in text
        page = html_of(recipient.get(own_path(grant)))
        assert "Tilskuddet er redusert" in page and "Les vedtaksbrevet" in page
        assert "Vedtak i sak" in outbox(paid.applicants["A"].email)[-1].subject
    actions = set(_db.session.execute(select(AuditEvent.action)).scalars())
    assert {"grant.recovery_notified", "grant.recovery_answered",
            "grant.recovery_decided"} <= actions


def test_the_recipient_appeals_the_recovery_vedtak_after_its_letter_is_sent(paid, app):
    recovery = notify(paid)
    decision = decide(recovery, paid.lene)
    client = app.test_client()
    application = paid.apps["A"]
    path = f"/mine-vedtak/soknader/{application.id}/klage"
    with time_machine.travel(datetime(2027, 6, 30, 8, 0, tzinfo=UTC), tick=True):
        login(client, paid.applicants["A"])
        # Not before the letter is sent: there is nothing notified to appeal.
        assert client.get(path).status_code == 302
        from fund.decisions.operations import send_letters
        with app.test_request_context():
            send_letters(application.call, paid.lene)
        _db.session.commit()
        form = html_of(client.get(path))
        assert "tilskuddet er redusert" in form
        assert post_form(client, path, {"text": "Kostnadene er dokumentert i vedlegg 3."}
                         ).status_code == 302
        appeal = _db.session.execute(select(Appeal)).scalar_one()
        assert appeal.decision_id == decision.id and appeal.in_time
        staff = app.test_client()
        login(staff, paid.lene)
        assert "Tilskuddet er redusert" in html_of(staff.get(f"/vedtak/klager/{appeal.id}"))


# --- Refusals ---


def test_a_clawback_without_advance_notice_is_refused(paid, app):
    grant = paid.grants["A"]
    with pytest.raises(GrantError, match="forhåndsvarsel"):
        decide(open_recovery(grant), paid.lene)  # none was sent
    recovery = notify(paid)
    operations.drop_recovery(recovery, paid.lene, "Dokumentasjonen kom.")
    _db.session.commit()
    with pytest.raises(GrantError, match="forhåndsvarsel"):
        decide(recovery, paid.lene)  # a dropped one
    _db.session.rollback()
    client = app.test_client()
    with time_machine.travel(AFTER_DEADLINE, tick=True):
        login(client, paid.lene)
        refused = post_form(client, f"{staff_path(grant)}/tilbakekreving/{recovery.id}/vedtak",
                            {"rdecide-reasons": REASONS, "rdecide-body": "kommunedirektor",
                             "rdecide-delegation_reference": "Pkt. 4.2",
                             "rdecide-meeting_date": "2027-06-29"},
                            form_page=staff_path(grant))
    assert refused.status_code == 400 and "Send forhåndsvarsel først" in html_of(refused)
    assert current_decision(paid.apps["A"]).kind == DecisionKind.ALLOCATION
    assert money_of(grant).granted == 150_000


def test_a_vedtak_before_the_deadline_to_answer_is_refused_without_an_answer(paid):
    recovery = notify(paid)
    on_deadline = datetime(2027, 6, 28, 20, 0, tzinfo=UTC)  # 22:00 in Oslo, still the 28th
    with pytest.raises(GrantError, match="frist til 28. juni 2027"):
        decide(recovery, paid.lene, now=on_deadline)
    _db.session.rollback()
    assert recovery.state == RecoveryState.NOTIFIED
    decision = decide(recovery, paid.lene, now=AFTER_DEADLINE)
    assert decision.amount == 50_000 and recovery.state == RecoveryState.DECIDED
    text = pdf_text(read_document(decision.letter.stored_name))
    assert "Vi har ikke mottatt noen uttalelse innen fristen." in text


def test_a_vedtak_needs_reasons(paid):
    recovery = notify(paid)
    with pytest.raises(GrantError, match="begrunnelsen"):
        decide(recovery, paid.lene, reasons="   ")


def test_the_notice_is_refused_unless_it_lowers_an_accepted_grant(paid):
    grant = paid.grants["A"]
    for amount in (150_000, 200_000, -1):
        with pytest.raises(GrantError, match="lavere enn tilskuddet på kr.150.000"):
            notify(paid, new_amount=amount)
        _db.session.rollback()
    grant.state = GrantState.OFFERED
    _db.session.commit()
    with pytest.raises(GrantError, match="akseptert eller avsluttet"):
        notify(paid)
    _db.session.rollback()
    grant.state = GrantState.ACCEPTED
    _db.session.commit()
    notify(paid)
    with pytest.raises(GrantError, match="allerede sendt et forhåndsvarsel"):
        notify(paid, new_amount=10_000)
    _db.session.rollback()
    assert len(grant.recoveries) == 1


def test_a_caseworker_cannot_send_a_notice(paid):
    with pytest.raises(GrantError, match="fondsforvalter"):
        notify(paid, manager=paid.sara)


# --- Revoking, reducing and the budget ---


def test_revoking_in_full_makes_the_grant_revoked_and_returns_the_money_to_the_call(paid, app):
    grant, call = paid.grants["B"], paid.apps["B"].call
    recovery = notify(paid, key="B", new_amount=0)
    assert recovery.reclaim_amount == 45_000
    notice = pdf_text(read_document(recovery.notice_stored_name))
    assert "trekke tilbake hele tilskuddet på kr 90 000" in notice
    room = budget_room(call)
    decision = decide(recovery, paid.lene)
    assert grant.state == GrantState.REVOKED
    assert decision.outcome == Outcome.REJECTED and decision.amount is None
    assert outcome_label(decision) == "Tilskuddet er trukket tilbake"
    assert budget_room(call) == room + 90_000
    assert money_of(grant).granted == 0
    text = pdf_text(read_document(decision.letter.stored_name))
    assert "trukket tilbake i sin helhet" in text and "betale tilbake kr 45 000" in text
    client = app.test_client()
    login(client, paid.lene)
    page = html_of(client.get(staff_path(grant)))
    assert "Trukket tilbake" in page and "Tilskuddet er trukket tilbake" in page


def test_a_reduction_frees_the_difference_in_the_calls_budget(paid):
    call = paid.apps["A"].call
    room = budget_room(call)
    recovery = notify(paid, new_amount=120_000)
    assert recovery.reclaim_amount == 0  # 75 000 paid is below the new amount
    assert budget_room(call) == room  # a notice changes nothing yet
    decide(recovery, paid.lene)
    assert budget_room(call) == room + 30_000
    assert money_of(paid.grants["A"]).left_to_pay == 45_000


def test_a_dropped_notice_tells_the_members_and_allows_a_new_one(paid):
    recovery = notify(paid)
    operations.drop_recovery(recovery, paid.lene, "Dokumentasjonen kom inn etter varselet.")
    _db.session.commit()
    mail = outbox(paid.applicants["A"].email)[-1]
    assert "uten vedtak" in mail.subject and "Dokumentasjonen kom inn" in mail.body_text
    assert recovery.state == RecoveryState.DROPPED
    assert money_of(paid.grants["A"]).granted == 150_000
    assert notify(paid, new_amount=100_000).state == RecoveryState.NOTIFIED


# --- Repayments ---


def test_a_repayment_is_recorded_with_a_receipt_and_overpaying_is_refused(paid, app):
    grant = paid.grants["B"]
    decide(notify(paid, key="B", new_amount=0), paid.lene)
    recovery = grant.recoveries[-1]
    client = app.test_client()
    with time_machine.travel(datetime(2027, 7, 10, 10, 0, tzinfo=UTC), tick=True):
        login(client, paid.sara)  # a caseworker records repayments
        page = html_of(client.get(staff_path(grant)))
        assert "Utbetalt og ikke betalt tilbake: kr 45 000" in page
        made = post_form(client, f"{staff_path(grant)}/tilbakebetalinger",
                         {"repay-amount": "30000", "repay-received_on": "2027-07-09",
                          "repay-note": "KID 1234"}, form_page=staff_path(grant))
        assert made.status_code == 302
        assert money_of(grant).repaid == 30_000
        repayment = _db.session.execute(select(Repayment)).scalar_one()
        assert repayment.recovery_id == recovery.id
        mail = outbox(paid.applicants["B"].email)[-1]
        assert "Tilbakebetaling mottatt" in mail.subject
        assert "kr\xa030\xa0000 i tilbakebetaling" in mail.body_text
        too_much = post_form(client, f"{staff_path(grant)}/tilbakebetalinger",
                             {"repay-amount": "15001", "repay-received_on": "2027-07-09"},
                             form_page=staff_path(grant))
        assert too_much.status_code == 400
        assert "mer tilbake enn det som er utbetalt" in html_of(too_much)
        assert "kr 15 000" in html_of(too_much)
        future = post_form(client, f"{staff_path(grant)}/tilbakebetalinger",
                           {"repay-amount": "100", "repay-received_on": "2027-08-01"},
                           form_page=staff_path(grant))
        assert future.status_code == 400 and "fram i tid" in html_of(future)
        for junk in ("abc", "-5", "0", "1e99", "99999999999999999999", "15000.5"):
            response = post_form(client, f"{staff_path(grant)}/tilbakebetalinger",
                                 {"repay-amount": junk, "repay-received_on": "2027-07-09"},
                                 form_page=staff_path(grant))
            assert response.status_code == 400, junk
        assert post_form(client, f"{staff_path(grant)}/tilbakebetalinger",
                         {"repay-amount": "15000", "repay-received_on": "juli"},
                         form_page=staff_path(grant)).status_code == 400
        recipient = app.test_client()
        login(recipient, paid.applicants["B"])
        assert "kr 30 000" in html_of(recipient.get(own_path(grant)))
    assert money_of(grant).repaid == 30_000


def test_a_repayment_without_a_recovery_is_not_linked_and_cannot_exceed_what_was_paid(paid):
    grant = paid.grants["A"]
    now = datetime(2027, 7, 1, 10, 0, tzinfo=UTC)
    repayment = operations.record_repayment(grant, paid.sara, 5_000, date(2027, 6, 30),
                                            "Ubrukte midler", now=now)
    _db.session.commit()
    assert repayment.recovery_id is None and money_of(grant).repaid == 5_000
    with pytest.raises(GrantError, match="kr.70.000"):
        operations.record_repayment(grant, paid.sara, 70_001, date(2027, 6, 30), now=now)


# --- Junk and access ---


def test_junk_in_the_notice_form_gives_400_and_sends_nothing(paid, app):
    grant = paid.grants["A"]
    client = app.test_client()
    login(client, paid.lene)
    path = f"{staff_path(grant)}/tilbakekreving"
    for fields in (notice_fields(new_amount="abc"), notice_fields(new_amount="-1"),
                   notice_fields(new_amount="99999999999999999999"),
                   notice_fields(ground="bribery"), notice_fields(text=""),
                   notice_fields(text="x" * 20_001),
                   notice_fields(new_amount="150000", **{"notice-confirmed": "1"})):
        response = post_form(client, path, fields, form_page=staff_path(grant))
        assert response.status_code == 400, fields
    assert "lavere enn tilskuddet på kr 150 000" in html_of(response)
    assert _db.session.execute(select(Recovery)).first() is None
    recovery = notify(paid)
    second = post_form(client, path, notice_fields(**{"notice-confirmed": "1"}),
                       form_page=staff_path(grant))
    assert second.status_code == 400 and "allerede sendt et forhåndsvarsel" in html_of(second)
    answer = f"{own_path(grant)}/tilbakekreving/{recovery.id}/svar"
    recipient = app.test_client()
    login(recipient, paid.applicants["A"])
    assert post_form(recipient, answer, {"answer-text": ""},
                     form_page=own_path(grant)).status_code == 400
    assert post_form(recipient, answer, {"answer-text": "a\x00b"},
                     form_page=own_path(grant)).status_code == 400
    assert post_form(recipient, answer, {"answer-text": "Vi er uenige."},
                     form_page=own_path(grant)).status_code == 302
    again = post_form(recipient, answer, {"answer-text": "Og en ting til."},
                      form_page=own_path(grant))
    assert again.status_code == 400 and "allerede besvart" in html_of(again)
    _db.session.expire_all()
    assert recovery.answer == "Vi er uenige."
    decision_path = f"{staff_path(grant)}/tilbakekreving/{recovery.id}/vedtak"
    with time_machine.travel(AFTER_DEADLINE, tick=True):
        login(client, paid.lene)
        for fields in ({"rdecide-reasons": REASONS, "rdecide-body": "kongen",
                        "rdecide-meeting_date": "2027-06-29"},
                       {"rdecide-reasons": REASONS, "rdecide-body": "kommunedirektor",
                        "rdecide-meeting_date": "i går"},
                       {"rdecide-reasons": REASONS, "rdecide-body": "kommunedirektor",
                        "rdecide-meeting_date": "2027-06-29"},  # no delegation
                       {"rdecide-reasons": REASONS, "rdecide-body": "formannskapet",
                        "rdecide-political_case_number": "PS 1/27",
                        "rdecide-meeting_date": "2027-07-30"}):  # in the future
            response = post_form(client, decision_path, fields, form_page=staff_path(grant))
            assert response.status_code == 400, fields
    assert recovery.state == RecoveryState.NOTIFIED
    assert client.post(f"{staff_path(grant)}/tilbakekreving/999999/vedtak").status_code \
        in (400, 404)


def test_an_inhabil_manager_gets_404_and_a_caseworker_may_not_decide(paid, app):
    grant = paid.grants["B"]  # Mona is inhabil in B
    recovery = notify(paid, key="B")
    with pytest.raises(GrantError):
        notify(paid, key="B", manager=paid.mona)
    _db.session.rollback()
    with pytest.raises(GrantError):
        operations.record_repayment(grant, paid.mona, 100, date(2027, 6, 30),
                                    now=AFTER_DEADLINE)
    _db.session.rollback()
    client = app.test_client()
    login(client, paid.mona)
    own_a = staff_path(paid.grants["A"])
    for path in (f"{staff_path(grant)}/tilbakekreving",
                 f"{staff_path(grant)}/tilbakekreving/{recovery.id}/vedtak",
                 f"{staff_path(grant)}/tilbakekreving/{recovery.id}/avslutt",
                 f"{staff_path(grant)}/tilbakebetalinger"):
        assert post_form(client, path, notice_fields(), form_page=own_a).status_code == 404
    assert client.get(f"{staff_path(grant)}/tilbakekreving/{recovery.id}/varsel.pdf"
                      ).status_code == 404
    # A recovery of another grant is 404 under this one.
    assert post_form(client, f"{own_a}/tilbakekreving/{recovery.id}/avslutt",
                     {"rdrop-reason": "x"}, form_page=own_a).status_code == 404
    caseworker = app.test_client()
    login(caseworker, paid.sara)
    assert post_form(caseworker, f"{staff_path(grant)}/tilbakekreving", notice_fields(),
                     form_page=staff_path(grant)).status_code == 403
    assert post_form(caseworker, f"{staff_path(grant)}/tilbakekreving/{recovery.id}/avslutt",
                     {"rdrop-reason": "x"}, form_page=staff_path(grant)).status_code == 403
    assert "Send forhåndsvarsel" not in html_of(caseworker.get(staff_path(paid.grants["A"])))
    assert recovery.state == RecoveryState.NOTIFIED


def test_people_outside_the_recipient_organisation_get_404(paid, app):
    recovery = notify(paid, key="B")
    grant = paid.grants["B"]
    client = app.test_client()
    login(client, paid.applicants["A"])
    assert client.get(f"{own_path(grant)}/tilbakekreving/{recovery.id}/varsel.pdf"
                      ).status_code == 404
    assert post_form(client, f"{own_path(grant)}/tilbakekreving/{recovery.id}/svar",
                     {"answer-text": "Vi svarer for Beta."},
                     form_page="/").status_code == 404
    # Their own grant, someone else's recovery.
    mine = paid.grants["A"]
    assert client.get(f"{own_path(mine)}/tilbakekreving/{recovery.id}/varsel.pdf"
                      ).status_code == 404
    assert client.get(f"{staff_path(grant)}/tilbakekreving/{recovery.id}/varsel.pdf"
                      ).status_code in (403, 404)
    with pytest.raises(GrantError, match="medlemmer"):
        operations.answer_recovery(recovery, paid.applicants["A"], "Vi svarer.", NOTICE_AT)
    _db.session.rollback()
    assert recovery.answered_at is None


def test_a_revocation_reversed_on_appeal_restores_the_accepted_grant(paid, app):
    from fund.decisions.operations import register_appeal, reverse_decision, send_letters
    grant, application = paid.grants["A"], paid.apps["A"]
    decide(notify(paid, new_amount=0), paid.lene)
    assert grant.state == GrantState.REVOKED and money_of(grant).granted == 0
    with app.test_request_context():
        send_letters(application.call, paid.lene, now=datetime(2027, 6, 30, 8, 0, tzinfo=UTC))
        appeal = register_appeal(application, paid.applicants["A"],
                                 "Prosjektet ble gjennomført; se regnskapet.",
                                 now=datetime(2027, 7, 2, 8, 0, tzinfo=UTC))
        reverse_decision(appeal, paid.lene, body=DecisionBody.KOMMUNEDIREKTOR,
                         meeting_date=date(2027, 7, 5), outcome=Outcome.GRANTED,
                         amount=150_000, reasons="Regnskapet viser at prosjektet er gjennomført.",
                         delegation_reference="Delegeringsreglementet pkt. 4.2",
                         state_aid_basis=current_decision(application).state_aid_basis,
                         kdd_category="1110")
        send_letters(application.call, paid.lene, now=datetime(2027, 7, 6, 8, 0, tzinfo=UTC))
    _db.session.commit()
    assert grant.state == GrantState.ACCEPTED
    assert money_of(grant).granted == 150_000 and money_of(grant).paid == 75_000
    assert "grant.restored" in set(_db.session.execute(select(AuditEvent.action)).scalars())


def test_no_payment_is_approved_while_a_forhandsvarsel_is_open(paid, app):
    """Money does not go out while the municipality considers reclaiming it; once the
    case is dropped, the request can be approved."""
    grant = paid.grants["A"]
    grant.application.call.advance_max_percent = 80  # kr 45 000 more may be paid now
    request = PaymentRequest(grant=grant, number=2, state=PaymentState.SUBMITTED,
                             amount_requested=10_000, submitted_by_id=paid.applicants["A"].id,
                             bank_account=grant.bank_account, status_report="Som planlagt.")
    _db.session.add(request)
    _db.session.commit()
    recovery = notify(paid)
    with app.test_request_context():
        with pytest.raises(GrantError, match="forhåndsvarsel"):
            operations.decide_payment(request, paid.sara, "approve", now=NOTICE_AT)
        _db.session.rollback()
        operations.drop_recovery(recovery, paid.lene, "Dokumentasjonen kom.")
        operations.decide_payment(request, paid.sara, "approve", now=NOTICE_AT)
    assert request.state == PaymentState.APPROVED and request.amount_approved == 10_000
