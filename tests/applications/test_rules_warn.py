"""Rules warn; they do not block (LAW.md §0 point 1, §3.1). An application that breaks an
eligibility rule is still received, with the warnings explained to the applicant and
stored for the caseworker, who may propose avslag or avvisning."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from fund.applications.models import (
    Application,
    ApplicationState,
    DeMinimisAid,
    EligibilityWarning,
)
from fund.applications.rules import EligibilityRule
from fund.core.roles import Role
from fund.extensions import db as _db
from fund.mail.models import OutboxMessage
from tests.applications.test_journey import edit_path, fresh, submit, submit_form
from tests.applications.test_receipt import pdf_text
from tests.helpers import (
    declare,
    html_of,
    login,
    make_application,
    make_call,
    make_organisation,
    make_user,
)


@pytest.fixture
def setting(db):
    user = make_user("siri@example.no", name="Siri Søker")
    org = make_organisation(user)
    call = make_call(max_grant=200_000, max_share_percent=50)
    _db.session.commit()
    return user, org, call


def breaking_every_rule(call, org, user) -> Application:
    """Complete, but outside the municipality, started, and over the maximum amount, the
    maximum share and the de minimis ceiling."""
    org.municipality_number = "0301"
    application = make_application(call, org, user, amount_applied=250_000, not_started=False)
    application.cost_lines[0].amount = 400_000
    application.financing_lines[0].amount = 150_000
    application.aid_received = [DeMinimisAid(grantor="Innovasjon Norge",
                                             granted_on=date.today() - timedelta(days=100),
                                             amount=3_400_000)]
    _db.session.commit()
    return application


BROKEN = {EligibilityRule.MUNICIPALITY, EligibilityRule.STARTED, EligibilityRule.MAX_GRANT,
          EligibilityRule.MAX_SHARE, EligibilityRule.DE_MINIMIS}


def test_an_application_breaking_every_rule_is_submitted_with_the_warnings_explained(
        client, setting):
    user, org, call = setting
    application = breaking_every_rule(call, org, user)
    login(client, user)

    page = html_of(client.get(f"{edit_path(application)}/send-inn"))
    assert "Søknaden oppfyller kanskje ikke 5 av vilkårene" in page
    assert "Organisasjonen er ikke registrert i Lillestrøm" in page
    assert "høyere enn utlysningens største tilskudd (kr 200 000)" in page
    assert "Søknaden kan likevel sendes inn" in page and "klage" in page
    assert "lavere tilskudd (delvis innvilgelse)" in page  # what a partial grant can solve
    assert "Send inn søknaden</button>" in page

    response = submit(client, application)
    assert response.status_code == 302, html_of(response)[:2000]
    application = fresh(application)
    assert application.state == ApplicationState.SUBMITTED and application.case_number
    [submission] = application.submissions
    assert {w.rule for w in submission.warnings} == BROKEN
    assert application.eligibility_failures == 5
    assert {w["rule"] for w in submission.snapshot["eligibility_warnings"]} == BROKEN

    receipt = html_of(client.get(response.headers["Location"]))
    assert "Søknaden er mottatt" in receipt
    assert "Søknaden oppfyller kanskje ikke 5 av vilkårene" in receipt
    assert "Tilskudd gis bare til prosjekter som ikke er startet" in receipt
    mail = _db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.subject.contains(application.case_number))).one()
    assert "Søknaden oppfyller kanskje ikke 5 av vilkårene" in mail.body_text
    pdf = pdf_text(client.get(f"{edit_path(application)}/kvittering.pdf").data)
    assert "Merknader om vilkårene" in pdf and "bagatellmessig" in pdf


def test_what_is_missing_still_blocks_and_the_warnings_come_with_it(client, setting):
    user, org, call = setting
    application = make_application(call, org, user, title="", not_started=False)
    _db.session.commit()
    login(client, user)
    page = html_of(client.get(f"{edit_path(application)}/send-inn"))
    assert "Dette må være på plass før du kan sende inn (1 punkt)" in page
    assert "Gi prosjektet en tittel." in page
    assert "Søknaden oppfyller kanskje ikke ett av vilkårene" in page
    assert "Send inn søknaden</button>" not in page
    data = submit_form_anyway(client, application)
    client.post(f"{edit_path(application)}/send-inn", data=data)
    assert fresh(application).state == ApplicationState.DRAFT


def submit_form_anyway(client, application) -> dict:
    """The confirmation posted although the page offers no button (a stale tab)."""
    import re
    html = client.get(edit_path(application)).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    return {"csrf_token": token, "confirm": "y", "submit": "1",
            "version": str(fresh(application).version)}


def test_an_unknown_municipality_is_not_verified_rather_than_passed(client, setting):
    user, org, call = setting
    org.municipality_number = None
    application = make_application(call, org, user)
    _db.session.commit()
    login(client, user)
    page = html_of(client.get(f"{edit_path(application)}/send-inn"))
    assert "er ikke verifisert" in page
    assert "Saksbehandler sjekker adressen i Enhetsregisteret" in page
    assert submit(client, application).status_code == 302
    [warning] = fresh(application).submissions[0].warnings
    assert warning.rule == EligibilityRule.MUNICIPALITY_UNVERIFIED
    assert fresh(application).eligibility_failures == 1


def test_the_caseworker_sees_the_warnings_as_stored_even_after_the_data_changed(
        app, client, setting):
    user, org, call = setting
    application = breaking_every_rule(call, org, user)
    login(client, user)
    assert submit(client, application).status_code == 302
    org.municipality_number = "3205"  # the register says otherwise now
    caseworker = make_user("sb@example.no", Role.CASEWORKER, name="Sara Saksbehandler")
    _db.session.commit()

    office = app.test_client()
    login(office, caseworker)
    declare(office, application)
    page = html_of(office.get(f"/saksbehandling/soknader/{application.id}"))
    assert "Vilkår som kanskje ikke er oppfylt (5)" in page
    assert "Organisasjonen er ikke registrert i Lillestrøm" in page
    assert "Du kan foreslå avvisning" in page and "avslag" in page
    queue = html_of(office.get("/saksbehandling/soknader?vilkar=1"))
    assert application.case_number in queue
    assert len(_db.session.scalars(select(EligibilityWarning)).all()) == 5


def test_the_submit_page_says_all_is_well_when_nothing_is_broken(client, setting):
    user, org, call = setting
    application = make_application(call, org, user)
    _db.session.commit()
    login(client, user)
    page = html_of(client.get(f"{edit_path(application)}/send-inn"))
    assert "søknaden oppfyller vilkårene vi kan sjekke automatisk" in page
    assert "oppfyller kanskje ikke" not in page
    assert submit_form(client, application)["confirm"] == "y"
