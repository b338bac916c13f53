"""`flask demo --applications N`: generated applications in every state, consistent
enough that the pages, the next submission and the reports work on them."""

from collections import Counter

import pytest
from sqlalchemy import func, select

from fund.applications.models import (
    Application,
    ApplicationMeasure,
    ApplicationState,
    CaseNumberCounter,
    Submission,
)
from fund.auth.demo import DEMO_PASSWORD
from fund.auth.models import Membership, User
from fund.calls.models import Call, CallState, Fund
from fund.core.roles import Role
from fund.decisions.models import Decision, Letter
from fund.demo_bulk import MANY_EMAIL, generate
from fund.extensions import db as _db
from fund.grants.models import FinalReport, Grant, PaymentRequest
from fund.review.models import (
    Assessment,
    AssessmentState,
    Assignment,
    ConfirmedMeasure,
    CriterionScoreRow,
    Outcome,
)
from tests.helpers import login, make_user

STAFF = [("saksbehandler@demo.no", Role.CASEWORKER), ("saksbehandler2@demo.no", Role.CASEWORKER),
         ("leder@demo.no", Role.MANAGER)]


@pytest.fixture
def generated(app, db):
    """The demo's staff (the rest of ``flask demo`` is not needed) and 60 generated
    applications with 5 rush drafts."""
    for email, role in STAFF:
        make_user(email, role=role, password=DEMO_PASSWORD)
    with app.test_request_context():
        counts = generate(60, seed=1, rush=5)
    _db.session.commit()
    return counts


def _count(model, *where) -> int:
    return _db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_every_state_both_funds_reviews_decisions_and_payments(generated):
    states = Counter(_db.session.scalars(select(Application.state)))
    assert set(states) == set(ApplicationState)
    assert states[ApplicationState.DRAFT] > sum(states.values()) / 2  # 5 rush drafts too
    calls = _db.session.scalars(select(Call)).all()
    assert len(calls) == 10 and {c.fund for c in calls} == set(Fund)
    assert {c.state for c in calls} == {CallState.ARCHIVED, CallState.REVIEW_CLOSED,
                                        CallState.CLOSED, CallState.OPEN}
    assert {a.state for a in _db.session.scalars(select(Assessment))} == set(AssessmentState)
    assert _count(CriterionScoreRow) > _count(Assessment)
    assert _count(Assignment) and _count(ConfirmedMeasure) and _count(ApplicationMeasure)
    outcomes = set(_db.session.scalars(select(Decision.outcome)))
    assert {Outcome.GRANTED, Outcome.REJECTED} <= outcomes
    assert _count(Letter) and _count(Grant) and _count(PaymentRequest) and _count(FinalReport)
    # every application that reached the caseworkers has its submission and snapshot
    sent = _db.session.scalars(select(Application).where(
        Application.state != ApplicationState.DRAFT)).all()
    assert all(a.submissions and a.submissions[0].snapshot["case_number"] == a.case_number
               for a in sent)
    assert generated["applications"] == 65 and generated["submissions"] == len(sent)


def test_case_numbers_are_unique_and_the_next_submission_continues_them(generated):
    from fund.applications.operations import missing_for, submit
    numbers = list(_db.session.scalars(select(Application.case_number).where(
        Application.case_number.is_not(None))))
    assert len(numbers) == len(set(numbers))
    counters = dict(_db.session.execute(select(CaseNumberCounter.prefix,
                                               CaseNumberCounter.last_number)).all())
    for prefix, last in counters.items():
        given = [int(n.removeprefix(prefix)) for n in numbers if n.startswith(prefix)]
        assert sorted(given) == list(range(1, last + 1)), prefix
    # A rush applicant's draft is complete, and its submission takes the next number.
    rusher = _db.session.scalar(select(User).where(User.email == "rush0001@demo.no"))
    [draft] = _db.session.scalars(select(Application).join(
        Membership, Membership.organisation_id == Application.organisation_id)
        .where(Membership.user_id == rusher.id)).all()
    assert draft.is_draft and draft.call.is_open and missing_for(draft) == []
    submit(draft, rusher)
    _db.session.commit()
    prefix = draft.case_number[:8]
    assert draft.case_number == f"{prefix}{counters.get(prefix, 0) + 1:04d}"


def test_the_pages_answer_on_generated_data(generated, client, app):
    many = _db.session.scalar(select(User).where(User.email == MANY_EMAIL))
    mine = select(Membership.organisation_id).where(Membership.user_id == many.id)
    submitted = _db.session.scalar(select(Application.id).where(
        Application.organisation_id.in_(mine), Application.state != ApplicationState.DRAFT)
        .order_by(Application.id))
    draft = _db.session.scalar(select(Application.id).where(
        Application.organisation_id.in_(mine), Application.state == ApplicationState.DRAFT)
        .order_by(Application.id))
    biggest = _db.session.execute(select(Application.call_id).group_by(Application.call_id)
                                  .order_by(func.count().desc())).scalar()
    sara = _db.session.scalar(select(User.id).where(User.email == "saksbehandler@demo.no"))
    declared = _db.session.scalar(select(Assessment.application_id).where(
        Assessment.caseworker_id == sara).order_by(Assessment.id))  # habil, so not asked
    assert submitted and draft and declared
    login(client, MANY_EMAIL, DEMO_PASSWORD)
    for path in ("/soknader", f"/soknader/{draft}", f"/soknader/{submitted}/kvittering"):
        assert client.get(path).status_code == 200, path
    pdf = client.get(f"/soknader/{submitted}/kvittering.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    client = app.test_client()
    login(client, "saksbehandler@demo.no", DEMO_PASSWORD)
    for path in ("/saksbehandling/soknader", "/saksbehandling/soknader?mine=1",
                 f"/saksbehandling/soknader/{declared}",
                 f"/saksbehandling/utlysninger/{biggest}/rangering"):
        assert client.get(path).status_code == 200, path
    client = app.test_client()
    login(client, "leder@demo.no", DEMO_PASSWORD)
    assert client.get("/rapporter/dekning").status_code == 200


def test_the_command_adds_them_once(runner, monkeypatch):
    """The CLI, with the demo itself (slow, and tested in test_demo.py) left out."""
    monkeypatch.setattr("fund.demo.load_demo", lambda: [])
    for email, role in STAFF:
        make_user(email, role=role, password=DEMO_PASSWORD)
    _db.session.commit()
    result = runner.invoke(args=["demo", "--applications", "50"])
    assert result.exit_code == 0, result.output
    assert "Genererte 50 søknader" in result.output
    again = runner.invoke(args=["demo", "--applications", "50"])
    assert again.exit_code != 0 and "allerede genererte søknader" in again.output
    assert _count(Application) == 50
    assert _count(Submission) == _count(Application, Application.state != ApplicationState.DRAFT)
