"""The database goes away in the middle of a state change: the connection drops at the
first write, at the second, … at the commit. Every time the person gets the Norwegian
«prøv igjen» page (503), every table, the letters folder and the outbox are exactly as
before, and the same request sent again afterwards goes through (the app recovers)."""

import io
import re
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from fund.applications.models import Application, ApplicationState
from fund.decisions.models import Appeal, AppealState, Decision
from fund.decisions.operations import register_appeal, stage_letters
from fund.extensions import db as _db
from fund.grants.models import PaymentRequest, PaymentState
from fund.review.models import Assessment, AssessmentState, ConflictDeclaration
from tests.decisions.conftest import PROPOSED_MEETING_DATE
from tests.faults.conftest import WRITES, changed_tables, state
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


def _draft(app):
    user = make_user("siri@example.no", name="Siri Søker")
    application = make_application(make_call(), make_organisation(user), user)
    _db.session.commit()
    client = app.test_client()
    login(client, user)
    return client, application


def save_draft(request, app):
    """The applicant saves a change to the draft (the form's many rows are rewritten)."""
    client, application = _draft(app)
    path = f"/soknader/{application.id}"
    data = browser_form(client.get(path).get_data(as_text=True), "application-form")
    data.update({"title": "Nytt navn på prosjektet", "save": "1"})

    def done():
        return _db.session.get(Application, application.id).title == "Nytt navn på prosjektet"
    return client, path, data, done


def submit(request, app):
    """The applicant submits: case number, snapshot, audit entry and the receipt mail."""
    client, application = _draft(app)
    path = f"/soknader/{application.id}/send-inn"
    html = client.get(path).get_data(as_text=True)
    data = {"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', html).group(1),
            "version": re.search(r'name="version" type="hidden" value="(\d+)"', html).group(1),
            "confirm": "y", "submit": "1"}

    def done():
        return _db.session.get(Application, application.id).state == \
            ApplicationState.SUBMITTED
    return client, path, data, done


def score(request, app):
    """A caseworker completes an assessment: a score and comment per criterion, the total."""
    application, caseworker, _other, _applicant = request.getfixturevalue("case")
    _db.session.add(ConflictDeclaration(application=application, caseworker=caseworker,
                                        disqualified=False))
    _db.session.commit()
    client = app.test_client()
    login(client, caseworker)
    path = f"/saksbehandling/soknader/{application.id}/vurdering"
    html = client.get(path).get_data(as_text=True)
    data = {"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', html).group(1),
            "version": re.search(r'name="version" type="hidden" value="(\d*)"', html).group(1),
            "overall_comment": "Et godt prosjekt.", "recommended_amount": "150000",
            "recommendation": "approve", "complete": "1"}
    for criterion in application.call.criteria:
        data[f"score-{criterion.id}"], data[f"comment-{criterion.id}"] = "4", "Begrunnet."

    def done():
        return _db.session.scalars(select(Assessment.state)).all() == \
            [AssessmentState.COMPLETED]
    return client, path, data, done


def record_decision(request, app):
    """A manager records the body's vedtak on an application (checked against the budget,
    de minimis at the day's rate)."""
    proposed = request.getfixturevalue("proposed")
    client = app.test_client()
    login(client, proposed.lene)
    call_path = f"/vedtak/utlysninger/{proposed.call.id}"
    client.post(call_path + "/moter", data={
        "csrf_token": csrf_token(client, call_path), "body": "formannskapet",
        "meeting_date": PROPOSED_MEETING_DATE.isoformat(),
        "political_case_number": "PS 45/27", "delegation_reference": "", "decided_text": ""})
    application = proposed.apps["A"]
    path = f"/vedtak/soknader/{application.id}"
    data = browser_form(client.get(path).get_data(as_text=True), "decision-form")

    def done():
        return _db.session.scalars(select(Decision).where(
            Decision.application_id == application.id)).first() is not None
    return client, path, data, done


def reverse_on_appeal(request, app):
    """The first instance reverses a vedtak after an appeal: a meeting, a new vedtak that
    replaces the old, the appeal handled, a new letter (a PDF in the letters folder) and
    its notices."""
    sent = request.getfixturevalue("sent")
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
            "meeting_date": date(2027, 6, 3).isoformat(), "political_case_number": "",
            "state_aid_basis": "de_minimis", "kdd_category": "1110"}

    def done():
        return _db.session.get(Appeal, appeal.id).state == AppealState.REVERSED
    return client, path + "/omgjor", data, done


def send_letters(request, app):
    """The manager sends the call's four staged letters: each written again with the
    appeal deadline (four new files), the notices released."""
    decided = request.getfixturevalue("decided")
    with app.test_request_context():
        stage_letters(decided.call, decided.lene)
    _db.session.commit()
    client = app.test_client()
    login(client, decided.lene)
    path = f"/vedtak/utlysninger/{decided.call.id}/send"
    data = {"csrf_token": csrf_token(client, path)}

    def done():
        return decided.letter("A").sent_at is not None
    return client, path, data, done


def approve_payment(request, app):
    """A case handler approves a payment request (the grant's money, the audit entry and
    the recipient's mail)."""
    accepted = request.getfixturevalue("accepted")
    grant = accepted.grants["A"]
    member = app.test_client()
    login(member, accepted.applicants["A"])
    ask = f"/mine-tilskudd/{grant.id}/utbetalinger/ny"
    form = {"csrf_token": csrf_token(member, ask), "amount": "60 000",
            "status_report": "Forprosjektet er ferdig.",
            "files": [(io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "faktura.pdf")]}
    for index, line in enumerate(grant.application.cost_lines):
        form[f"costs-{index}-cost_line_id"] = str(line.id)
        form[f"costs-{index}-amount"] = "120000" if index == 0 else ""
    assert member.post(ask, data=form, content_type="multipart/form-data").status_code == 302
    payment = _db.session.scalars(select(PaymentRequest)).one()
    client = app.test_client()
    login(client, accepted.sara)
    path = f"/tilskudd/utbetalinger/{payment.id}"
    data = {"csrf_token": csrf_token(client, path), "action": "approve", "amount": "",
            "reasons": ""}

    def done():
        return _db.session.get(PaymentRequest, payment.id).state == PaymentState.APPROVED
    return client, path + "/avgjor", data, done


#: Any statement at all.
ANY_STATEMENT = re.compile(r"\s*\S")

OPERATIONS = [save_draft, submit, score, record_decision, reverse_on_appeal, send_letters,
              approve_payment]


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: op.__name__)
def test_the_database_going_away_at_any_write_leaves_nothing_half_done(
        request, app, database_fault, operation):
    _every_fault_point(request, app, database_fault, operation, WRITES)


@pytest.mark.parametrize("operation", [submit, approve_payment], ids=lambda op: op.__name__)
def test_the_database_going_away_at_any_statement_leaves_nothing_half_done(
        request, app, database_fault, operation):
    """Reads too: the locks taken (SELECT … FOR UPDATE), the checks before the writes,
    the page's own queries."""
    assert _every_fault_point(request, app, database_fault, operation, ANY_STATEMENT), \
        "no statement after the commit was tried"


#: The page when the database went away before the commit, and after it.
NOT_KEPT = "Det du sendte, er ikke lagret. Vent litt og prøv igjen."
KEPT = "Det du sendte, er lagret, men siden kunne ikke vises"


def _every_fault_point(request, app, database_fault, operation, pattern):
    client, path, data, done = operation(request, app)
    before = state(app)
    attempts = 0
    while True:
        attempts += 1
        assert attempts < 500, "the operation never finished"
        database_fault.arm(attempts, pattern)
        response = client.post(path, data=data)
        if not database_fault.fired:
            break
        page = html_of(response)
        assert response.status_code == 503, (attempts, database_fault.statement, page[:2000])
        assert response.headers["Retry-After"] == "5"
        if KEPT in page:  # gone after the commit, while the answer was being made
            assert NOT_KEPT not in page
            assert done(), "the page says it was kept, but it was not"
            break
        assert NOT_KEPT in page, (attempts, database_fault.statement, page[:2000])
        after = state(app)
        assert after[1:] == before[1:], (attempts, database_fault.statement)
        assert changed_tables(before[0], after[0]) == [], (attempts, database_fault.statement)
    after_commit = database_fault.fired
    if not after_commit:
        # The same request, sent again once the database is back, goes through.
        assert response.status_code == 302, html_of(response)[:3000]
        assert done()
    assert attempts > 2, "the operation wrote once at most; the test tries nothing"
    assert client.get("/").status_code == 200  # and the app answers
    print(f"{operation.__name__}: {attempts - 1} "
          f"fault points before the commit, each left nothing behind"
          + ("; one after it: kept, and the page says so" if after_commit else ""))
    return after_commit
