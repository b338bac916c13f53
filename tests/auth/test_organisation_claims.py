"""The dispute route: someone who represents an organisation registered by others makes a
claim; the members are told that a claim was made (and nothing more); staff decide it on
the organisation page, and everyone concerned hears the outcome."""

import pytest
from sqlalchemy import select

from fund.auth.models import Claim, ClaimState, Invitation
from fund.core.roles import Role
from fund.extensions import db as _db
from tests.auth.test_organisation_members import mails_to
from tests.auth.test_organisations import audit, member_emails, organisations
from tests.helpers import html_of, login, make_organisation, make_user, post_form

REASON = "Jeg er daglig leder (se Enhetsregisteret). Ring meg på 900 00 000."


@pytest.fixture
def impostor(db):
    return make_user("tidlig@example.no", name="Tore Tidlig")


@pytest.fixture
def real(db):
    """The real daglig leder, who comes second."""
    return make_user("kari@example.no", name="Kari Nordmann")


@pytest.fixture
def caseworker(db):
    return make_user("saksbehandler@example.no", Role.CASEWORKER, name="Siri Saksbehandler")


def claims() -> list[Claim]:
    _db.session.expire_all()
    return _db.session.scalars(select(Claim).order_by(Claim.id)).all()


def make_claim(client, orgnr="912345688", reason=REASON, **kwargs):
    return post_form(client, "/organisasjoner/krav", {"orgnr": orgnr, "reason": reason},
                     **kwargs)


def decide(client, organisation, claim, note="Sjekket firmaattesten.", **buttons):
    base = f"/organisasjoner/{organisation.id}"
    data = {f"claim-{claim.id}-note": note} | {f"claim-{claim.id}-{name}": value
                                                for name, value in buttons.items()}
    return post_form(client, f"{base}/krav/{claim.id}", data, form_page=base,
                     follow_redirects=True)


def test_a_claim_flows_from_the_dead_end_to_a_granted_organisation(
        app, client, impostor, real, caseworker):
    co_member = make_user("medhjelper@example.no", name="Mads Medhjelper")
    organisation = make_organisation(impostor, co_member, bank_account="12345678903")
    _db.session.add(Invitation(organisation=organisation, email="venn@example.no",
                               invited_by=impostor))
    _db.session.commit()
    base = f"/organisasjoner/{organisation.id}"

    # The real daglig leder tries to register the organisation and is offered a claim.
    login(client, real)
    response = post_form(client, "/organisasjoner/ny", {
        "orgnr": "912345688", "name": "Kjeller Grønn Energi AS", "submit": "1"})
    assert "Gjør krav på organisasjonen" in html_of(response)
    form = html_of(client.get("/organisasjoner/krav?orgnr=912345688"))
    assert 'value="912345688"' in form
    response = make_claim(client)
    assert response.headers["Location"] == "/min-side"
    mine = html_of(client.get("/min-side"))
    assert "Kravet er sendt." in mine and "Krav som venter på behandling" in mine
    [claim] = claims()
    assert (claim.state, claim.claimant_id, claim.reason) == (ClaimState.OPEN, real.id, REASON)

    # The members are told that a claim was made, and not by whom or why.
    for member in (impostor, co_member):
        [told] = mails_to(member.email)
        assert told.subject == "Noen har gjort krav på organisasjonen"
        assert "Kjeller Grønn Energi AS" in told.body_text
        for secret in ("Kari", real.email, "daglig leder (se", "900 00 000"):
            assert secret not in told.body_text
    impostors = app.test_client()
    login(impostors, impostor)
    page = html_of(impostors.get(base))
    assert "Noen har bedt kommunen om å få representere organisasjonen." in page
    assert "Kari" not in page and REASON not in page

    # Staff see it on their list and on the organisation page.
    staff = app.test_client()
    login(staff, caseworker)
    listing = html_of(staff.get("/organisasjoner/oppfolging"))
    assert "Kari Nordmann" in listing and f'{base}#krav' in listing
    page = html_of(staff.get(base))
    assert "Krav fra Kari Nordmann (kari@example.no)" in page and REASON in page

    # Granting needs the confirmation.
    refused = decide(staff, organisation, claim, grant="1")
    assert "Bekreft at du har sjekket retten til å representere organisasjonen" in html_of(
        refused)
    assert claims()[0].state == ClaimState.OPEN

    granted = decide(staff, organisation, claim, grant="1", confirm="y")
    assert "Kravet er innvilget." in html_of(granted)
    [stored] = organisations()
    assert member_emails(stored) == {real.email}
    assert [m.responsible for m in stored.memberships] == [True]
    assert stored.bank_account is None and stored.pending_bank_account is None
    assert stored.is_verified and stored.verified_by_id == caseworker.id
    assert stored.verification_note == "Sjekket firmaattesten."
    assert _db.session.scalars(select(Invitation)).all() == []
    [claim] = claims()
    assert claim.state == ClaimState.GRANTED and claim.decided_by_id == caseworker.id
    [event] = audit("organisation.claim_granted")
    assert event.actor_id == caseworker.id
    assert sorted(event.details["removed"]) == sorted([impostor.email, co_member.email])
    assert audit("organisation.bank_account_changed")[0].details["old"] == "12345678903"

    # Everyone concerned is told, with the note; the one removed is out.
    [to_real] = mails_to(real.email)
    assert "innvilget kravet ditt" in to_real.body_text
    assert "Sjekket firmaattesten." in to_real.body_text
    for member in (impostor, co_member):
        told = mails_to(member.email)[-1]
        assert "ikke lenger medlem" in told.body_text
        assert "Sjekket firmaattesten." in told.body_text
    assert impostors.get(base).status_code == 404
    assert client.get(base).status_code == 200


def test_a_rejected_claim_changes_nothing_and_both_sides_hear_it(
        app, client, impostor, real, caseworker):
    organisation = make_organisation(impostor, bank_account="12345678903")
    login(client, real)
    make_claim(client)
    [claim] = claims()
    staff = app.test_client()
    login(staff, caseworker)
    response = decide(staff, organisation, claim, note="Ikke dokumentert.", reject="1")
    assert "Kravet er avslått." in html_of(response)
    [stored] = organisations()
    assert member_emails(stored) == {impostor.email} and stored.bank_account == "12345678903"
    assert not stored.is_verified
    assert claims()[0].state == ClaimState.REJECTED
    assert "avslått kravet ditt" in mails_to(real.email)[-1].body_text
    assert "Ikke dokumentert." in mails_to(impostor.email)[-1].body_text
    assert len(audit("organisation.claim_rejected")) == 1
    # A decided claim is not decided again.
    again = decide(staff, organisation, claim, grant="1", confirm="y")
    assert "Kravet er allerede avgjort." in html_of(again)
    assert member_emails(stored) == {impostor.email}


def test_a_decision_needs_a_note(app, client, impostor, real, caseworker):
    organisation = make_organisation(impostor)
    login(client, real)
    make_claim(client)
    [claim] = claims()
    staff = app.test_client()
    login(staff, caseworker)
    response = decide(staff, organisation, claim, note="", reject="1")
    assert "Skriv en begrunnelse." in html_of(response)
    assert claims()[0].state == ClaimState.OPEN


@pytest.mark.parametrize("orgnr, message", [
    ("974760673", "Organisasjonen er ikke registrert her ennå."),
    ("912345687", "kontrollsifferet stemmer ikke"),
])
def test_a_claim_on_an_organisation_not_registered_is_pointed_elsewhere(
        client, real, orgnr, message):
    login(client, real)
    response = make_claim(client, orgnr=orgnr)
    assert response.status_code == 200 and message in html_of(response)
    assert claims() == []


def test_a_member_cannot_claim_their_own_organisation_and_one_open_claim_is_enough(
        app, client, impostor, real):
    make_organisation(impostor)
    members = app.test_client()
    login(members, impostor)
    assert "Du er allerede medlem av organisasjonen." in html_of(make_claim(members))
    login(client, real)
    make_claim(client)
    response = make_claim(client)
    assert "Du har allerede et krav på denne organisasjonen" in html_of(response)
    assert len(claims()) == 1
    assert len(mails_to(impostor.email)) == 1


def test_claims_are_rate_limited_and_members_are_not_flooded(app, client, impostor, real):
    make_organisation(impostor)
    for n, orgnr in enumerate(("912345696", "974760673", "923609016")):
        make_organisation(make_user(f"m{n}@example.no"), orgnr=orgnr, name=f"Org {n}")
    login(client, real)
    for orgnr in ("912345688", "912345696", "974760673"):
        assert make_claim(client, orgnr=orgnr).status_code == 302
    response = make_claim(client, orgnr="923609016")
    assert response.status_code == 429
    assert "Du har gjort mange krav den siste timen." in html_of(response)
    assert len(claims()) == 3 and mails_to("m2@example.no") == []


def test_staff_cannot_claim_and_applicants_cannot_decide(app, client, impostor, real,
                                                          caseworker):
    organisation = make_organisation(impostor)
    staff = app.test_client()
    login(staff, caseworker)
    assert staff.get("/organisasjoner/krav").status_code == 403
    login(client, real)
    make_claim(client)
    [claim] = claims()
    response = post_form(client, f"/organisasjoner/{organisation.id}/krav/{claim.id}",
                         {f"claim-{claim.id}-note": "Meg", f"claim-{claim.id}-grant": "1",
                          f"claim-{claim.id}-confirm": "y"}, form_page="/min-side")
    assert response.status_code == 403
    assert claims()[0].state == ClaimState.OPEN
