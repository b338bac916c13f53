"""A call whose deadline has passed, with four applications from four organisations
competing for one budget, assessed by two caseworkers; and readers of its ranking."""

import re
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest

from fund.applications.models import Application, ApplicationState
from fund.applications.operations import submit
from fund.auth.models import User
from fund.calls.models import Call
from fund.core.roles import Role
from fund.core.types import utcnow
from fund.extensions import db as _db
from fund.review.models import Assessment, AssessmentState, CriterionScoreRow, ReviewSettings
from fund.review.scoring import Recommendation
from tests.helpers import (
    attach,
    html_of,
    make_application,
    make_call,
    make_organisation,
    make_user,
)

#: title, orgnr, organisation, amount applied, Sverre's score, recommended amount.
#: Budget 300 000: A, B and C fit (280 000), D is below the line.
APPLICATIONS = {
    "A": ("Alfa", "912345602", "Alfa AS", 150_000, Decimal("90.0"), 100_000),
    "B": ("Beta", "912345610", "Beta AS", 120_000, Decimal("87.5"), 100_000),
    "C": ("Gamma", "912345629", "Gamma AS", 90_000, Decimal("70.0"), 80_000),
    "D": ("Delta", "912345637", "Delta AS", 60_000, Decimal("60.0"), 50_000),
}


@dataclass
class Competition:
    call: Call
    apps: dict[str, Application]
    sara: User  #: caseworker
    sverre: User  #: caseworker who has assessed them all
    lene: User  #: manager
    mona: User  #: another manager

    def ranking_path(self, rest="rangering") -> str:
        return f"/saksbehandling/utlysninger/{self.call.id}/{rest}"


def assess(application, user, total, amount, comment="", state=AssessmentState.COMPLETED,
           criterion_score=4, recommendation=Recommendation.APPROVE) -> Assessment:
    """An assessment stored as the assessment page would store it."""
    assessment = Assessment(
        application=application, caseworker=user, state=state,
        total_score=total if state == AssessmentState.COMPLETED else None,
        recommendation=recommendation, recommended_amount=amount, overall_comment=comment,
        completed_at=utcnow() if state == AssessmentState.COMPLETED else None,
        scores=[CriterionScoreRow(criterion_id=c.id, score=criterion_score)
                for c in application.call.criteria])
    _db.session.add(assessment)
    _db.session.commit()
    return assessment


def stored_settings(call) -> ReviewSettings:
    """The call's review settings row as stored (created with the defaults if none)."""
    row = _db.session.get(ReviewSettings, call.id, populate_existing=True)
    if row is None:
        row = ReviewSettings.defaults(call.id)
        _db.session.add(row)
    return row


@pytest.fixture
def competition(db):
    call = make_call(budget=300_000, opens_in=timedelta(days=-30), closes_in=timedelta(days=-1))
    sverre = make_user("sverre@example.no", Role.CASEWORKER, name="Sverre Saksbehandler")
    apps = {}
    for number, (letter, (title, orgnr, name, amount, _score, _recommended)) in enumerate(
            APPLICATIONS.items(), start=1):
        applicant = make_user(f"{letter.lower()}@example.no", name=f"Søker {letter}")
        org = make_organisation(applicant, orgnr=orgnr, name=name, verified_at=utcnow())
        application = make_application(
            call, org, applicant, title=title, amount_applied=amount,
            state=ApplicationState.SUBMITTED, case_number=f"NF-{call.year}-{number:04d}",
            submitted_at=call.opens_at + timedelta(hours=number))
        application.financing_lines[0].amount = 300_000 - amount
        apps[letter] = application
    _db.session.commit()
    for letter, (*_rest, score, recommended) in APPLICATIONS.items():
        assess(apps[letter], sverre, score, recommended,
               comment=f"Sverres begrunnelse for {APPLICATIONS[letter][0]}.")
    return Competition(
        call=call, apps=apps, sverre=sverre,
        sara=make_user("sara@example.no", Role.CASEWORKER, name="Sara Saksbehandler"),
        lene=make_user("lene@example.no", Role.MANAGER, name="Lene Leder"),
        mona=make_user("mona@example.no", Role.MANAGER, name="Mona Forvalter"))


_ROW = re.compile(r'<tr class="[^"]*">\s*<td>(\d+)</td>\s*<td class="nowrap"><a[^>]*>'
                  r'([^<]+)</a></td>.*?<td class="num">([^<]*)</td>\s*</tr>', re.S)


def ranked_rows(html: str) -> list[tuple[int, str, str]]:
    """(rank, case number, running sum) for each ranked row of the ranking page."""
    return [(int(rank), case, total) for rank, case, total in _ROW.findall(html)]


def page(client, path) -> str:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return html_of(response)


@pytest.fixture
def case(app, db):
    """A submitted application with a real attachment, two caseworkers and the applicant."""
    applicant = make_user("soker@example.no", name="Siri Søker")
    org = make_organisation(applicant)
    call = make_call()
    application = make_application(call, org, applicant)
    attach(application, applicant)
    with app.test_request_context():
        submit(application, applicant)
    caseworker = make_user("sara@example.no", Role.CASEWORKER, name="Sara Saksbehandler")
    other = make_user("sverre@example.no", Role.CASEWORKER, name="Sverre Saksbehandler")
    _db.session.commit()
    return application, caseworker, other, applicant


def case_path(application, rest="") -> str:
    return f"/saksbehandling/soknader/{application.id}{rest}"
