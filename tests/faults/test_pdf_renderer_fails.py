"""The PDF renderer raises in the middle of a state change that makes a document: the
person gets a Norwegian message (on the page, never a server error), and nothing is
half-done: every table as before (no letter row, no mail queued, no audit entry for what
did not happen), and no file left in the letters folder, also when the renderer failed on
the second or third letter of one action, after the first ones were written. Once the
renderer works again, the same action goes through."""

from datetime import UTC, datetime, timedelta

import time_machine
from sqlalchemy import select

from fund.applications.operations import submit
from fund.core.roles import Role
from fund.decisions.models import Letter, LetterKind
from fund.decisions.operations import register_appeal, stage_letters
from fund.extensions import db as _db
from fund.grants.models import PaymentRequest, PaymentState, Recovery
from fund.review.models import ConflictDeclaration, Innstilling, Outcome
from fund.review.operations import close_review, save_proposals
from tests.faults.conftest import NO_DOCUMENT, changed_tables, state
from tests.helpers import (
    browser_form,
    csrf_token,
    html_of,
    login,
    make_application,
    make_call,
    make_organisation,
    make_user,
)


def assert_nothing_kept(app, before):
    after = state(app)
    assert changed_tables(before[0], after[0]) == []
    assert after[1] == before[1], "a letter file was left behind"
    assert after[2:] == before[2:]


def test_staging_letters_with_the_renderer_failing_on_the_second_keeps_none(
        app, decided, pdf_fault):
    client = app.test_client()
    login(client, decided.lene)
    path = f"/vedtak/utlysninger/{decided.call.id}/brev"
    token = csrf_token(client, path)
    before = state(app)
    renderer = pdf_fault(at=2)
    response = client.post(path, data={"csrf_token": token}, follow_redirects=True)
    assert renderer.calls == 2  # the first letter was written before the second failed
    assert response.status_code == 200 and NO_DOCUMENT in html_of(response)
    assert "4 vedtak har ikke brev ennå." in html_of(response)
    assert_nothing_kept(app, before)
    pdf_fault.restore()
    response = client.post(path, data={"csrf_token": token}, follow_redirects=True)
    assert "4 vedtaksbrev er laget og venter på utsending." in html_of(response)
    assert len(_db.session.scalars(select(Letter)).all()) == 4


def test_sending_letters_with_the_renderer_failing_on_the_third_sends_none(
        app, decided, pdf_fault):
    with app.test_request_context():
        stage_letters(decided.call, decided.lene)
    _db.session.commit()
    client = app.test_client()
    login(client, decided.lene)
    path = f"/vedtak/utlysninger/{decided.call.id}/send"
    token = csrf_token(client, path)
    before = state(app)
    renderer = pdf_fault(at=3)
    response = client.post(path, data={"csrf_token": token}, follow_redirects=True)
    assert renderer.calls == 3
    assert response.status_code == 200 and NO_DOCUMENT in html_of(response)
    assert_nothing_kept(app, before)  # no letter sent, no notice released, drafts kept
    _db.session.expire_all()
    assert all(letter.sent_at is None for letter in _db.session.scalars(select(Letter)))
    pdf_fault.restore()
    response = client.post(path, data={"csrf_token": token}, follow_redirects=True)
    assert "4 vedtaksbrev er sendt." in html_of(response)


def test_a_reversal_on_appeal_whose_letter_cannot_be_written_is_not_made(app, sent, pdf_fault):
    with app.test_request_context():
        appeal = register_appeal(sent.apps["C"], sent.applicants["C"], "Vi klager.",
                                 now=datetime(2027, 5, 20, 10, 0, tzinfo=UTC))
    _db.session.commit()
    client = app.test_client()
    login(client, sent.lene)
    path = f"/vedtak/klager/{appeal.id}"
    data = {"csrf_token": csrf_token(client, path), "outcome": "granted", "amount": "150000",
            "reasons": "Innovasjonen er bedre enn først vurdert.", "conditions": "",
            "assessment": "Klagen fører fram.", "body": "kommunedirektor",
            "delegation_reference": "Delegeringsreglementet 4.2",
            "meeting_date": "2027-06-03", "political_case_number": "",
            "state_aid_basis": "de_minimis", "kdd_category": "1110"}
    before = state(app)
    pdf_fault(at=1)
    response = client.post(path + "/omgjor", data=data)
    assert response.status_code in (200, 400, 422) and NO_DOCUMENT in html_of(response)
    assert "Innovasjonen er bedre enn først vurdert." in html_of(response)  # form kept
    assert_nothing_kept(app, before)  # no meeting, no new vedtak, appeal still open
    pdf_fault.restore()
    assert client.post(path + "/omgjor", data=data).status_code == 302


def test_the_innstilling_is_not_laid_forward_when_its_pdf_fails(app, competition, pdf_fault):
    call, apps, lene = competition.call, competition.apps, competition.lene
    for application in apps.values():
        _db.session.add(ConflictDeclaration(application=application, caseworker=lene,
                                            disqualified=False))
    _db.session.commit()
    close_review(call, lene)
    save_proposals(call, lene, {
        apps["A"].id: (Outcome.GRANTED, 150_000, ""),
        apps["B"].id: (Outcome.PARTLY_GRANTED, 100_000, "Reisekostnadene er ikke tatt med."),
        apps["C"].id: (Outcome.REJECTED, None, "Lavere prioritert enn søknadene over."),
        apps["D"].id: (Outcome.DISMISSED, None, "Prosjektet var startet."),
    })
    _db.session.commit()
    client = app.test_client()
    login(client, lene)
    path = competition.ranking_path("forslag")
    form = browser_form(html_of(client.get(path)), "proposals-form")
    form["action"] = "propose"
    before = state(app)
    pdf_fault(at=1)
    response = client.post(path, data=form, follow_redirects=True)
    assert response.status_code == 200 and NO_DOCUMENT in html_of(response)
    assert_nothing_kept(app, before)
    assert _db.session.scalars(select(Innstilling)).all() == []
    pdf_fault.restore()
    response = client.post(path, data=form, follow_redirects=True)
    assert "Innstillingen er lagt fram" in html_of(response)


def test_a_forhandsvarsel_and_a_recovery_vedtak_whose_pdf_fails_are_not_made(
        app, accepted, pdf_fault):
    grant = accepted.grants["A"]
    _db.session.add(PaymentRequest(
        grant=grant, number=1, state=PaymentState.PAID, amount_requested=75_000,
        amount_approved=75_000, amount_paid=75_000, paid_on=datetime(2027, 6, 1).date(),
        submitted_by_id=accepted.applicants["A"].id, bank_account=grant.bank_account,
        decided_by_id=accepted.sara.id, paid_recorded_by_id=accepted.sara.id))
    _db.session.commit()
    with time_machine.travel(datetime(2027, 6, 14, 10, 0, tzinfo=UTC), tick=True):
        client = app.test_client()
        login(client, accepted.lene)
        page = f"/tilskudd/{grant.id}"
        data = {"csrf_token": csrf_token(client, page), "notice-ground": "not_for_purpose",
                "notice-new_amount": "50000", "notice-confirmed": "1",
                "notice-notice_text": "Kostnadene til markedsføring er ikke dokumentert."}
        before = state(app)
        pdf_fault(at=1)
        response = client.post(f"{page}/tilbakekreving", data=data)
        assert response.status_code in (200, 400, 422) and NO_DOCUMENT in html_of(response)
        assert_nothing_kept(app, before)  # no recovery, no mail to the recipient
        pdf_fault.restore()
        assert client.post(f"{page}/tilbakekreving", data=data).status_code == 302
        recovery = _db.session.scalars(select(Recovery)).one()
    # After the deadline to answer, the recovery vedtak: its letter cannot be written.
    with time_machine.travel(datetime(2027, 6, 29, 10, 0, tzinfo=UTC), tick=True):
        client = app.test_client()  # a new day, a new login
        login(client, accepted.lene)
        path = f"{page}/tilbakekreving/{recovery.id}/vedtak"
        data = {"csrf_token": csrf_token(client, page), "rdecide-body": "kommunedirektor",
                "rdecide-reasons": "Midlene er brukt til drift.",
                "rdecide-delegation_reference": "Delegeringsreglementet pkt. 4.2",
                "rdecide-meeting_date": "2027-06-29"}
        before = state(app)
        pdf_fault(at=1)
        response = client.post(path, data=data)
        assert response.status_code in (200, 400, 422) and NO_DOCUMENT in html_of(response)
        assert_nothing_kept(app, before)  # no vedtak, the grant's money as it was
        pdf_fault.restore()
        assert client.post(path, data=data).status_code == 302


def test_provisional_replies_with_the_renderer_failing_send_none(app, db, runner, pdf_fault):
    call = make_call()
    for number in (1, 2):
        applicant = make_user(f"p{number}@example.no", name=f"Per {number}")
        org = make_organisation(applicant, orgnr=("912345602", "912345610")[number - 1],
                                name=f"Per {number} AS")
        application = make_application(call, org, applicant)
        with app.test_request_context():
            submit(application, applicant)
        application.submitted_at = datetime.now(UTC) - timedelta(days=40)
    _db.session.commit()
    before = state(app)
    pdf_fault(at=2)
    result = runner.invoke(args=["decisions", "provisional-replies"])
    assert result.exit_code != 0 and NO_DOCUMENT in result.output
    assert_nothing_kept(app, before)  # the first reply's letter and mail are gone too
    pdf_fault.restore()
    result = runner.invoke(args=["decisions", "provisional-replies"])
    assert result.exit_code == 0 and "2 foreløpige svar sendt." in result.output
    assert len(_db.session.scalars(select(Letter).where(
        Letter.kind == LetterKind.PROVISIONAL_REPLY)).all()) == 2


def test_a_receipt_that_cannot_be_rendered_gives_a_norwegian_page_and_the_case_stays(
        app, client, db, pdf_fault):
    """The receipt is made when asked for, from the stored snapshot: a submission never
    waits for the renderer (fvl § 11 a: the case is received when it is submitted), and
    a failed rendering is a page asking to try again, the submission untouched."""
    user = make_user("siri@example.no", name="Siri Søker")
    application = make_application(make_call(), make_organisation(user), user)
    with app.test_request_context():
        submit(application, user)
    _db.session.commit()
    staff = make_user("sara@example.no", Role.CASEWORKER, name="Sara Saksbehandler")
    _db.session.add(ConflictDeclaration(application=application, caseworker=staff,
                                        disqualified=False))
    _db.session.commit()
    login(client, user)
    before = state(app)
    pdf_fault(at=1)
    response = client.get(f"/soknader/{application.id}/kvittering.pdf")
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    assert NO_DOCUMENT in html_of(response) and "Siri Søker" in html_of(response)
    assert_nothing_kept(app, before)
    pdf_fault.restore()
    response = client.get(f"/soknader/{application.id}/kvittering.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    caseworker = app.test_client()
    login(caseworker, staff)
    pdf_fault(at=1)
    response = caseworker.get(f"/saksbehandling/soknader/{application.id}/soknad.pdf")
    assert response.status_code == 503 and NO_DOCUMENT in html_of(response)


def test_drafts_of_letters_whose_sending_failed_survive_a_later_commit(app, decided, pdf_fault):
    """Sending writes each letter anew and removes the staged draft's file once that is
    committed. When the sending fails and is rolled back, the drafts are still the
    letters, and their files stay, also when the same session commits something else."""
    from fund.core.pdf import DocumentFailed, read_document
    from fund.decisions.operations import send_letters
    with app.test_request_context():
        stage_letters(decided.call, decided.lene)
        _db.session.commit()
        drafts = [letter.stored_name for letter in _db.session.scalars(select(Letter))]
        pdf_fault(at=3)
        try:
            send_letters(decided.call, decided.lene)
        except DocumentFailed:
            _db.session.rollback()
        else:  # pragma: no cover
            raise AssertionError("the renderer did not fail")
        decided.call.title = "Næringsfondet 2027"  # another change, committed
        _db.session.commit()
        for stored_name in drafts:
            assert read_document(stored_name).startswith(b"%PDF")


def test_a_draft_innstilling_that_cannot_be_rendered_is_not_logged_as_exported(
        app, client, competition, pdf_fault):
    from fund.audit.models import AuditEvent
    login(client, competition.lene)
    path = competition.ranking_path("innstilling.pdf")
    before = state(app)
    pdf_fault(at=1)
    response = client.get(path)
    assert response.status_code == 503 and NO_DOCUMENT in html_of(response)
    assert_nothing_kept(app, before)  # no «innstilling exported» in the audit log
    pdf_fault.restore()
    assert client.get(path).status_code == 200
    assert _db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "call.innstilling_exported")).one()
