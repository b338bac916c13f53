"""A call whose innstilling is laid forward: the review competition of tests/review
(four applications, budget 300 000), plus a withdrawn fifth, closed and proposed by Lene,
who has declared herself habil on all; and a NOK/EUR rate for the meeting date."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from fund.applications.models import ApplicationState
from fund.decisions.models import ExchangeRate
from fund.extensions import db as _db
from fund.review.models import ConflictDeclaration, Outcome
from fund.review.operations import close_review, propose_innstilling, save_proposals
from tests.helpers import make_application, make_organisation, make_user
from tests.review.conftest import competition  # noqa: F401 (a fixture)

MEETING_DATE = date(2027, 6, 14)


@pytest.fixture
def proposed(competition):  # noqa: F811
    call = competition.call
    quitter = make_user("quitter@example.no", name="Kim Trekker")
    competition.withdrawn = make_application(
        call, make_organisation(quitter, orgnr="912345645", name="Trukket AS"), quitter,
        title="Trukket prosjekt", state=ApplicationState.WITHDRAWN,
        case_number=f"NF-{call.year}-0005", submitted_at=call.opens_at + timedelta(hours=5))
    # Founding dates suggest the KDD category: Alfa is young (1310), the others are not.
    for letter, application in competition.apps.items():
        application.organisation.founded_on = date(2024, 1, 10) if letter == "A" \
            else date(2015, 3, 1)
    for application in competition.apps.values():
        _db.session.add(ConflictDeclaration(application=application,
                                            caseworker=competition.lene, disqualified=False))
    _db.session.commit()
    close_review(call, competition.lene)
    apps = competition.apps
    save_proposals(call, competition.lene, {
        apps["A"].id: (Outcome.GRANTED, 150_000, ""),
        apps["B"].id: (Outcome.PARTLY_GRANTED, 100_000, "Reisekostnadene er ikke tatt med."),
        apps["C"].id: (Outcome.REJECTED, None, "Lavere prioritert enn søknadene over."),
        apps["D"].id: (Outcome.DISMISSED, None, "Prosjektet var startet."),
    })
    propose_innstilling(call, competition.lene)
    _db.session.add(ExchangeRate(rate_date=MEETING_DATE - timedelta(days=3),
                                 nok_per_eur=Decimal("11.5"), source="Norges Bank"))
    _db.session.commit()
    return competition
