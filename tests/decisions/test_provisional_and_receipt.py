"""The receipt states the expected decision date (a call setting), and a case undecided
more than a month after submission gets a provisional reply, once."""

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from fund.applications.operations import submit
from fund.applications.receipt import receipt_pdf
from fund.audit.models import AuditEvent
from fund.decisions.models import Letter, LetterKind
from fund.decisions.operations import send_provisional_replies
from fund.extensions import db as _db
from tests.decisions.conftest import letter_text, outbox, pdf_text
from tests.helpers import (
    html_of,
    login,
    make_application,
    make_call,
    make_organisation,
    make_user,
    post_form,
)


def submitted_case(app, expected=date(2027, 5, 15)):
    applicant = make_user("p@example.no", name="Per Søker")
    org = make_organisation(applicant)
    call = make_call(expected_decision_on=expected)
    application = make_application(call, org, applicant)
    with app.test_request_context():
        submission = submit(application, applicant)
    application.submitted_at = datetime(2027, 1, 31, 12, 0, tzinfo=UTC)
    _db.session.commit()
    return application, applicant, submission


def test_the_receipt_page_pdf_and_mail_state_the_expected_decision_date(client, app, db):
    application, applicant, submission = submitted_case(app)
    login(client, applicant)
    page = html_of(client.get(f"/soknader/{application.id}/kvittering"))
    assert "Vi regner med å fatte vedtak innen 15. mai 2027." in page
    with app.test_request_context():
        text = pdf_text(receipt_pdf(application, application.submissions[-1]))
    assert "Vi regner med å fatte vedtak innen 15. mai 2027." in text
    mail = [m for m in outbox(applicant.email) if m.subject.startswith("Kvittering")]
    assert "Forventet vedtak: innen 15. mai 2027" in mail[0].body_text


def test_the_provisional_reply_is_sent_once_after_a_month(app, db):
    application, applicant, _submission = submitted_case(app)
    with app.test_request_context():
        assert send_provisional_replies(datetime(2027, 2, 28, 22, 59, tzinfo=UTC)) == []
        letters = send_provisional_replies(datetime(2027, 2, 28, 23, 0, tzinfo=UTC))
    _db.session.commit()
    assert [letter.application_id for letter in letters] == [application.id]
    letter = letters[0]
    assert letter.kind == LetterKind.PROVISIONAL_REPLY and letter.sent_at is not None
    text = letter_text(letter)
    assert "Foreløpig svar på søknaden din" in text
    assert "vurderes samlet og rangeres" in text  # why it takes time (a setting)
    assert "avgjort innen 15. mai 2027" in text  # when a decision can be expected
    mail = [m for m in outbox(applicant.email) if m.subject.startswith("Foreløpig svar")]
    assert len(mail) == 1 and "avgjort innen 15. mai 2027" in mail[0].body_text
    assert _db.session.execute(select(AuditEvent).where(
        AuditEvent.action == "letter.provisional_reply_sent")).scalar_one().actor_id is None
    with app.test_request_context():
        assert send_provisional_replies(datetime(2027, 4, 1, tzinfo=UTC)) == []  # once


def test_the_applicant_downloads_the_provisional_reply_from_their_page(client, app, db):
    application, applicant, _submission = submitted_case(app)
    with app.test_request_context():
        letter = send_provisional_replies(datetime(2027, 3, 5, tzinfo=UTC))[0]
    _db.session.commit()
    login(client, applicant)
    page = html_of(client.get(f"/soknader/{application.id}"))
    path = f"/mine-vedtak/soknader/{application.id}/brev/{letter.id}.pdf"
    assert "Foreløpig svar" in page and path in page
    assert client.get(path).status_code == 200


def test_a_decided_case_gets_no_provisional_reply(app, sent):
    with app.test_request_context():
        letters = send_provisional_replies(datetime(2027, 12, 1, tzinfo=UTC))
    assert letters == []


def test_the_command_sends_provisional_replies(app, db, runner):
    application, applicant, _submission = submitted_case(app, expected=None)
    application.submitted_at = datetime.now(UTC) - timedelta(days=40)
    _db.session.commit()
    result = runner.invoke(args=["decisions", "provisional-replies"])
    assert result.exit_code == 0 and "1 foreløpige svar sendt." in result.output
    letter = _db.session.execute(select(Letter)).scalar_one()
    assert "Vi kan ennå ikke si når søknaden blir avgjort." in letter_text(letter)


def test_the_manager_sets_the_expected_decision_date_and_the_reserve(client, app, db):
    from fund.core.roles import Role
    manager = make_user("leder@example.no", Role.MANAGER)
    call = make_call(opens_in=timedelta(days=10), closes_in=timedelta(days=40))
    _db.session.commit()
    login(client, manager)
    path = f"/forvaltning/utlysninger/{call.id}/rediger"
    html = html_of(client.get(path))
    assert 'name="expected_decision_on"' in html and 'name="appeal_reserve"' in html
    from fund.core.formatting import to_local_naive
    fields = {"fund": call.fund.value, "year": str(call.year), "title": call.title,
              "description": "", "plan": str(call.plan_id),
              "opens_at": to_local_naive(call.opens_at).strftime("%Y-%m-%dT%H:%M"),
              "closes_at": to_local_naive(call.closes_at).strftime("%Y-%m-%dT%H:%M"),
              "budget": "2000000", "max_grant": "200000", "max_share_percent": "50",
              "expected_decision_on": (call.closes_at + timedelta(days=60)).date().isoformat(),
              "appeal_reserve": "3000000"}
    response = post_form(client, path, fields)
    assert "Klagereserven kan ikke være større enn budsjettet." in html_of(response)
    response = post_form(client, path, fields | {"appeal_reserve": "150000"})
    assert response.status_code == 302, html_of(response)[:2000]
    _db.session.expire_all()
    assert call.appeal_reserve == 150_000
    assert call.expected_decision_on == (call.closes_at + timedelta(days=60)).date()
    page = html_of(client.get(f"/forvaltning/utlysninger/{call.id}"))
    assert "Klagereserve" in page and "kr 150 000" in page and "Forventet vedtak" in page
