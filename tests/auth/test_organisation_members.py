"""Members of an organisation: a member invites an address, the invited person accepts
or declines after logging in, and nothing tells the member whether the address has an
account or whose it is. Responsible members remove others; anyone may leave."""

import re
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from fund.auth.models import Invitation, Membership
from fund.core.roles import Role
from fund.core.types import utcnow
from fund.extensions import db as _db
from fund.mail.models import OutboxMessage
from tests.auth.test_organisations import audit, member_emails
from tests.helpers import html_of, login, make_organisation, make_user, post_form


@pytest.fixture
def other(db):
    return make_user("annen@example.no", name="Anne Annen")


def mails_to(address) -> list[OutboxMessage]:
    _db.session.expire_all()
    return _db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.to_address == address).order_by(OutboxMessage.id)).all()


def invitations() -> list[Invitation]:
    _db.session.expire_all()
    return _db.session.scalars(select(Invitation).order_by(Invitation.id)).all()


def invite(client, organisation, email, follow=False):
    base = f"/organisasjoner/{organisation.id}"
    return post_form(client, f"{base}/invitasjoner", {"email": email}, form_page=base,
                     follow_redirects=follow)


def flash_of(html) -> str:
    return " ".join(re.findall(r'<div class="ds-alert flash"[^>]*>\s*<p class="ds-paragraph">'
                               r"(.*?)</p>", html, re.S))


def responsible_emails(organisation) -> set[str]:
    _db.session.expire_all()
    return {m.user.email for m in _db.session.scalars(select(Membership).where(
        Membership.organisation_id == organisation.id, Membership.responsible.is_(True)))}


# Invitations --------------------------------------------------------------------------------

def test_a_member_cannot_tell_whether_an_address_has_an_account(client, applicant, other):
    """L2/L4: the answer, the page and the mail are the same for a registered applicant, a
    caseworker and an address nobody has registered; the mail names no one."""
    caseworker = make_user("saksbehandler@example.no", Role.CASEWORKER, name="Siri S")
    organisation = make_organisation(applicant)
    login(client, applicant)
    seen = {}
    for email in (other.email, caseworker.email, "ingen-konto@example.no"):
        response = invite(client, organisation, email.upper())
        assert response.status_code == 302
        assert response.headers["Location"] == f"/organisasjoner/{organisation.id}#medlemmer"
        html = html_of(client.get(response.headers["Location"]))
        assert "Anne Annen" not in html and "Siri S" not in html
        seen[email] = (flash_of(html).replace(email, "ADDRESS"),
                       [(m.subject, m.body_text) for m in mails_to(email)])
    answers = list(seen.values())
    assert answers[0] == answers[1] == answers[2]
    message, [(subject, body)] = answers[0]
    assert message == ("Invitasjonen er sendt til ADDRESS. Når personen logger inn med denne "
                       "adressen, kan hen godta den på «Min side». Invitasjonen gjelder i 14 "
                       "dager.")
    assert subject == "Invitasjon til å søke tilskudd for en organisasjon"
    # Nothing anyone typed goes to an address not shown to be theirs.
    for name in ("Kjeller", "Ola Nordmann", applicant.email):
        assert name not in body and name not in subject
    assert "http://fond.test/logg-inn" in body and "http://fond.test/registrer" in body
    assert member_emails(organisation) == {applicant.email}  # nobody added without consent
    assert [i.email for i in invitations()] == [other.email, caseworker.email,
                                                "ingen-konto@example.no"]
    assert len(audit("organisation.member_invited")) == 3


def test_the_invited_applicant_sees_who_invited_them_and_accepts(app, client, applicant, other):
    organisation = make_organisation(applicant)
    base = f"/organisasjoner/{organisation.id}"
    login(client, applicant)
    invite(client, organisation, other.email)
    assert other.email in html_of(client.get(base))  # the address, waiting for an answer

    theirs = app.test_client()
    login(theirs, other)
    assert theirs.get(base).status_code == 404  # not a member until they accept
    mine = html_of(theirs.get("/min-side"))
    assert ("Ola Nordmann inviterer deg til å søke for Kjeller Grønn Energi AS "
            "(org.nr. 912 345 688).") in mine
    [invitation] = invitations()
    response = post_form(theirs, f"/invitasjoner/{invitation.id}/godta", {},
                         form_page="/min-side")
    assert response.headers["Location"] == base
    assert "Du er nå medlem av Kjeller Grønn Energi AS" in html_of(theirs.get(base))
    assert member_emails(organisation) == {applicant.email, other.email}
    assert responsible_emails(organisation) == {applicant.email}  # the founder only
    assert invitations() == []
    [added] = audit("organisation.member_added")
    assert added.actor_id == other.id
    assert added.details == {"member": other.email, "invited_by": applicant.email}
    assert "Kjeller Grønn Energi AS" in html_of(theirs.get("/min-side"))


def test_the_invited_person_can_decline(app, client, applicant, other):
    organisation = make_organisation(applicant)
    login(client, applicant)
    invite(client, organisation, other.email)
    [invitation] = invitations()
    theirs = app.test_client()
    login(theirs, other)
    response = post_form(theirs, f"/invitasjoner/{invitation.id}/avsla", {},
                         form_page="/min-side")
    assert response.headers["Location"] == "/min-side"
    page = html_of(theirs.get("/min-side"))
    assert "Du har takket nei til invitasjonen." in page and "inviterer deg" not in page
    assert invitations() == [] and member_emails(organisation) == {applicant.email}
    assert len(audit("organisation.invitation_declined")) == 1


def test_nobody_else_can_answer_an_invitation(app, client, applicant, other):
    organisation = make_organisation(applicant)
    login(client, applicant)
    invite(client, organisation, "kollega@example.no")
    [invitation] = invitations()
    theirs = app.test_client()
    login(theirs, other)
    assert "inviterer deg" not in html_of(theirs.get("/min-side"))
    for action in ("godta", "avsla"):
        response = post_form(theirs, f"/invitasjoner/{invitation.id}/{action}", {},
                             form_page="/min-side")
        assert response.status_code == 404
    # The inviter cannot accept on the invited person's behalf either.
    response = post_form(client, f"/invitasjoner/{invitation.id}/godta", {},
                         form_page="/min-side")
    assert response.status_code == 404
    assert member_emails(organisation) == {applicant.email} and len(invitations()) == 1


def test_a_member_withdraws_an_invitation(app, client, applicant, other):
    organisation = make_organisation(applicant)
    base = f"/organisasjoner/{organisation.id}"
    login(client, applicant)
    invite(client, organisation, other.email)
    invitation_id = invitations()[0].id
    response = post_form(client, f"{base}/invitasjoner/{invitation_id}/trekk", {},
                         form_page=base)
    assert "Invitasjonen til annen@example.no er trukket tilbake." in html_of(
        client.get(response.headers["Location"]))
    assert invitations() == []
    theirs = app.test_client()
    login(theirs, other)
    assert "inviterer deg" not in html_of(theirs.get("/min-side"))
    assert post_form(theirs, f"/invitasjoner/{invitation_id}/godta", {},
                     form_page="/min-side").status_code == 404


def test_an_invitation_expires_after_fourteen_days(app, client, applicant, other):
    organisation = make_organisation(applicant)
    login(client, applicant)
    invite(client, organisation, other.email)
    [invitation] = invitations()
    theirs = app.test_client()
    with time_machine.travel(utcnow() + timedelta(days=14, minutes=1)):
        login(theirs, other)
        assert "inviterer deg" not in html_of(theirs.get("/min-side"))
        response = post_form(theirs, f"/invitasjoner/{invitation.id}/godta", {},
                             form_page="/min-side", follow_redirects=True)
        assert "Invitasjonen er utløpt. Be organisasjonen om en ny." in html_of(response)
    assert member_emails(organisation) == {applicant.email}


def test_inviting_a_member_again_is_pointed_out(client, applicant, other):
    organisation = make_organisation(applicant, other)
    login(client, applicant)
    response = invite(client, organisation, other.email, follow=True)
    assert "annen@example.no er allerede medlem." in html_of(response)
    assert mails_to(other.email) == [] and invitations() == []


def test_an_address_that_is_not_an_address_is_refused(client, applicant):
    organisation = make_organisation(applicant)
    login(client, applicant)
    response = invite(client, organisation, "ikke-en-adresse", follow=True)
    assert "E-postadressen ser ikke riktig ut" in html_of(response)
    assert invitations() == []


def test_invitations_are_limited_per_member(app, client, applicant, monkeypatch):
    monkeypatch.setitem(app.config, "INVITATIONS_MAX_PER_MEMBER", 2)
    organisation = make_organisation(applicant)
    login(client, applicant)
    invite(client, organisation, "en@example.no")
    invite(client, organisation, "to@example.no")
    response = invite(client, organisation, "tre@example.no", follow=True)
    assert "Du har sendt mange invitasjoner" in html_of(response)
    assert mails_to("tre@example.no") == []
    assert [i.email for i in invitations()] == ["en@example.no", "to@example.no"]


def test_invitations_are_limited_per_address(app, client, applicant, other):
    """One address cannot be flooded by members of many organisations together."""
    first = make_organisation(applicant)
    second = make_organisation(other, orgnr="912345696", name="Bjørns Bakeri")
    login(client, applicant)
    theirs = app.test_client()
    login(theirs, other)
    for _round in range(2):
        invite(client, first, "offer@example.no")
        invite(theirs, second, "offer@example.no")
    assert len(mails_to("offer@example.no")) == 3  # MAIL_MAX_PER_ADDRESS
    response = invite(theirs, second, "offer@example.no", follow=True)
    assert "Vent en time og prøv igjen." in html_of(response)
    assert len(mails_to("offer@example.no")) == 3


# Removing members and leaving -----------------------------------------------------------------

def test_a_member_who_is_not_responsible_cannot_remove_the_founder(client, applicant, other):
    organisation = make_organisation(applicant, other)  # the applicant registered it
    base = f"/organisasjoner/{organisation.id}"
    login(client, other)
    page = html_of(client.get(base))
    assert "Gå ut av organisasjonen" in page and ">Fjern<" not in page
    response = post_form(client, f"{base}/medlemmer/{applicant.id}/fjern", {},
                         form_page=base, follow_redirects=True)
    assert "Bare ansvarlige medlemmer kan fjerne andre medlemmer." in html_of(response)
    assert member_emails(organisation) == {applicant.email, other.email}
    assert audit("organisation.member_removed") == []
    response = post_form(client, f"{base}/medlemmer/{other.id}/ansvarlig", {},
                         form_page=base, follow_redirects=True)
    assert "Bare ansvarlige medlemmer kan gjøre andre ansvarlige." in html_of(response)
    assert responsible_emails(organisation) == {applicant.email}


def test_the_responsible_member_removes_another(app, client, applicant, other):
    organisation = make_organisation(applicant, other)
    base = f"/organisasjoner/{organisation.id}"
    login(client, applicant)
    response = post_form(client, f"{base}/medlemmer/{other.id}/fjern", {}, form_page=base)
    assert "Anne Annen er fjernet." in html_of(client.get(response.headers["Location"]))
    assert member_emails(organisation) == {applicant.email}
    [removed] = audit("organisation.member_removed")
    assert removed.actor_id == applicant.id and removed.details == {"member": other.email}


def test_the_last_responsible_member_cannot_leave_while_others_remain(client, applicant, other):
    organisation = make_organisation(applicant, other)
    base = f"/organisasjoner/{organisation.id}"
    login(client, applicant)
    response = post_form(client, f"{base}/medlemmer/{applicant.id}/fjern", {},
                         form_page=base, follow_redirects=True)
    assert "Du er den eneste ansvarlige for organisasjonen." in html_of(response)
    assert member_emails(organisation) == {applicant.email, other.email}

    response = post_form(client, f"{base}/medlemmer/{other.id}/ansvarlig", {},
                         form_page=base, follow_redirects=True)
    assert "Anne Annen er nå ansvarlig for organisasjonen." in html_of(response)
    assert responsible_emails(organisation) == {applicant.email, other.email}
    [made] = audit("organisation.member_made_responsible")
    assert made.actor_id == applicant.id and made.details == {"member": other.email}

    response = post_form(client, f"{base}/medlemmer/{applicant.id}/fjern", {}, form_page=base)
    assert response.headers["Location"] == "/min-side"
    assert member_emails(organisation) == {other.email}
    assert "Du er ikke lenger medlem av Kjeller Grønn Energi AS." in html_of(
        client.get("/min-side"))
