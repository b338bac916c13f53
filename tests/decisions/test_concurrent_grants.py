"""Two managers recording grants at the same moment, against the served app over HTTP
(SQLite and PostgreSQL): the grants never exceed the budget, and every refusal states
what is left."""

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from fund.applications.models import ApplicationState
from fund.core.roles import Role
from fund.core.types import utcnow
from fund.decisions.models import Decision, DecisionBody, DecisionMeeting, ExchangeRate
from fund.review.models import Innstilling
from tests.helpers import make_application, make_call, make_organisation, make_user
from tests.served import at_once
from tests.test_concurrency import orgnr, unique


def test_two_managers_granting_at_once_never_exceed_the_budget(served):
    with served.database() as session:
        call = make_call(year=2080, budget=300_000, opens_in=timedelta(days=-30),
                         closes_in=timedelta(days=-1))
        managers = [make_user(unique("leder") + "@example.no", Role.MANAGER) for _ in range(2)]
        applications = []
        for _ in range(6):
            user = make_user(unique("soker") + "@example.no")
            org = make_organisation(user, orgnr=orgnr(), name=unique("Firma"),
                                    founded_on=date(2010, 1, 1))
            applications.append(make_application(
                call, org, user, amount_applied=100_000, state=ApplicationState.SUBMITTED,
                case_number=unique("NF-2080")[:20]))
        call.review_closed_at = utcnow()
        session.add(Innstilling(call_id=call.id, proposed_by_id=managers[0].id,
                                stored_name=unique("innstilling"), sha256="0" * 64))
        meeting = DecisionMeeting(call_id=call.id, body=DecisionBody.FORMANNSKAPET,
                                  meeting_date=date(2080, 6, 14), political_case_number="PS 1/80",
                                  recorded_by_id=managers[0].id)
        session.add(meeting)
        if session.get(ExchangeRate, date(2080, 6, 1)) is None:
            session.add(ExchangeRate(rate_date=date(2080, 6, 1), nok_per_eur=Decimal("11.5")))
        session.flush()
        emails = [m.email for m in managers]
        ids, meeting_id, call_id = [a.id for a in applications], meeting.id, call.id

    browsers = [served.browser().login(email) for email in emails]
    calls = []
    for index, application_id in enumerate(ids):
        browser = browsers[index % 2]
        path = f"/vedtak/soknader/{application_id}"
        fields = {"meeting": str(meeting_id), "outcome": "granted", "amount": "100000",
                  "reasons": "", "conditions": "", "state_aid_basis": "de_minimis",
                  "block_exemption_article": "", "kdd_category": "1110"}
        token = browser.csrf_token(path)
        calls.append(lambda b=browser, p=path, f=fields, t=token:
                     b.post(p, data={"csrf_token": t, **f}, allow_redirects=False))

    responses = at_once(calls)

    codes = sorted(r.status_code for r in responses)
    assert codes == [302, 302, 302, 422, 422, 422], [r.text[:300] for r in responses
                                                     if r.status_code not in (302, 422)]
    refused = [r.text.replace("\xa0", " ") for r in responses if r.status_code == 422]
    assert all("går over utlysningens budsjett. Det er kr 0 igjen å fordele." in text
               for text in refused)
    with served.database() as session:
        total = session.scalar(select(func.sum(Decision.amount)).join(
            Decision.application).where(Decision.application.has(call_id=call_id)))
    assert total == 300_000
