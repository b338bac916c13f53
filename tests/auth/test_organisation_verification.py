"""Staff verify an organisation's right to act on its page, saying what they checked, and
can take the verification back; caseworkers see which applicants are not verified."""

import pytest

from fund.applications.models import Application
from fund.core.roles import Role
from fund.extensions import db as _db
from tests.auth.test_organisations import audit, organisations
from tests.helpers import declare, html_of, login, make_organisation, make_user, post_form


@pytest.fixture
def caseworker(db):
    return make_user("saksbehandler@example.no", Role.CASEWORKER, name="Siri Saksbehandler")


def verify(client, organisation, note):
    base = f"/organisasjoner/{organisation.id}"
    return post_form(client, f"{base}/verifiser", {"verify-note": note}, form_page=base,
                     follow_redirects=True)


def unverify(client, organisation, note):
    base = f"/organisasjoner/{organisation.id}"
    return post_form(client, f"{base}/verifisering/fjern", {"unverify-note": note},
                     form_page=base, follow_redirects=True)


def test_a_caseworker_verifies_an_organisation_saying_what_was_checked(
        app, client, applicant, caseworker):
    organisation = make_organisation(applicant)
    login(client, caseworker)
    assert "Kjeller Grønn Energi AS" in html_of(client.get("/organisasjoner/oppfolging"))
    response = verify(client, organisation, "Firmaattest: Ola Nordmann er daglig leder.")
    html = html_of(response)
    assert "Organisasjonen er verifisert." in html
    assert "Firmaattest: Ola Nordmann er daglig leder." in html
    [stored] = organisations()
    assert stored.is_verified and stored.verified_how.value == "staff"
    assert stored.verified_by_id == caseworker.id
    [event] = audit("organisation.verified")
    assert event.actor_id == caseworker.id
    assert event.details == {"how": "staff",
                             "note": "Firmaattest: Ola Nordmann er daglig leder."}
    assert "Kjeller Grønn Energi AS" not in html_of(client.get("/organisasjoner/oppfolging"))

    member = app.test_client()
    login(member, applicant)
    page = html_of(member.get(f"/organisasjoner/{organisation.id}"))
    assert "Verifisert av kommunen" in page and "Ikke verifisert" not in page
    assert "Firmaattest" not in page  # the staff's note is for staff


def test_the_note_is_required(client, applicant, caseworker):
    organisation = make_organisation(applicant)
    login(client, caseworker)
    assert "Skriv hva du har sjekket." in html_of(verify(client, organisation, "  "))
    assert not organisations()[0].is_verified and audit("organisation.verified") == []


def test_a_verification_is_removed_with_a_reason_and_audited(client, applicant, caseworker):
    organisation = make_organisation(applicant)
    login(client, caseworker)
    verify(client, organisation, "Firmaattest sjekket.")
    assert "Skriv hvorfor." in html_of(unverify(client, organisation, ""))
    assert organisations()[0].is_verified
    html = html_of(unverify(client, organisation, "Daglig leder er byttet."))
    assert "Verifiseringen er fjernet." in html and "Ikke verifisert" in html
    [stored] = organisations()
    assert not stored.is_verified and stored.verified_by_id is None
    [removed] = audit("organisation.verification_removed")
    assert removed.actor_id == caseworker.id
    assert removed.details["note"] == "Daglig leder er byttet."
    assert removed.details["verification_note"] == "Firmaattest sjekket."
    assert "Organisasjonen er ikke verifisert." in html_of(
        unverify(client, organisation, "Igjen."))


def test_members_cannot_verify_their_own_organisation(client, applicant):
    organisation = make_organisation(applicant)
    login(client, applicant)
    base = f"/organisasjoner/{organisation.id}"
    assert "Verifiser organisasjonen" not in html_of(client.get(base))
    response = post_form(client, f"{base}/verifiser", {"verify-note": "Det er meg."},
                         form_page=base)
    assert response.status_code == 403
    assert not organisations()[0].is_verified


def test_caseworkers_see_which_applicants_are_not_verified(client, world):
    users, values, _specific = world
    organisation = users["a"].memberships[0].organisation
    login(client, users["cw"])
    received = html_of(client.get("/saksbehandling/soknader"))
    assert "Ikke verifisert" in received
    declare(client, _db.session.get(Application, values["application_id"]))
    case = f"/saksbehandling/soknader/{values['application_id']}"
    assert "Ikke verifisert" in html_of(client.get(case))

    verify(client, organisation, "Sjekket i Enhetsregisteret.")
    assert "Ikke verifisert" not in html_of(client.get("/saksbehandling/soknader"))
    assert "Ikke verifisert" not in html_of(client.get(case))
