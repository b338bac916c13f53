"""Organisations under double clicks and two staff at once, against the served app on
SQLite and PostgreSQL: no server error, and nothing done twice."""

from sqlalchemy import func, select

from fund.audit.models import AuditEvent
from fund.auth.models import Claim, ClaimState, Invitation, Membership
from fund.core.roles import Role
from tests.helpers import make_organisation, make_user
from tests.served import at_once
from tests.test_concurrency import orgnr, unique


def test_accepting_an_invitation_twice_at_once_makes_one_membership(served):
    with served.database() as session:
        founder = make_user(unique("grunnlegger") + "@example.no")
        invited = make_user(unique("invitert") + "@example.no")
        organisation = make_organisation(founder, orgnr=orgnr(), name=unique("Firma"))
        invitation = Invitation(organisation=organisation, email=invited.email,
                                invited_by=founder)
        session.add(invitation)
        session.flush()
        ids = organisation.id, invitation.id, invited.email
    organisation_id, invitation_id, email = ids
    browsers = [served.browser().login(email) for _ in range(2)]
    calls = [lambda b=b: b.post_form(f"/invitasjoner/{invitation_id}/godta", {},
                                     form_page="/min-side") for b in browsers]

    responses = at_once(calls)

    assert sorted(r.status_code for r in responses) == [302, 404], \
        [r.text[:300] for r in responses]
    with served.database() as session:
        members = session.scalar(select(func.count()).select_from(Membership).where(
            Membership.organisation_id == organisation_id))
        left = session.scalar(select(func.count()).select_from(Invitation).where(
            Invitation.id == invitation_id))
    assert (members, left) == (2, 0)


def test_two_staff_granting_one_claim_at_once_grant_it_once(served):
    with served.database() as session:
        holder = make_user(unique("tidlig") + "@example.no")
        claimant = make_user(unique("krav") + "@example.no")
        staff = [make_user(unique("saksbehandler") + "@example.no", Role.CASEWORKER)
                 for _ in range(2)]
        organisation = make_organisation(holder, orgnr=orgnr(), name=unique("Firma"))
        claim = Claim(organisation=organisation, claimant=claimant, reason="Daglig leder.")
        session.add(claim)
        session.flush()
        organisation_id, claim_id = organisation.id, claim.id
        emails = [s.email for s in staff]
    base = f"/organisasjoner/{organisation_id}"
    browsers = [served.browser().login(email) for email in emails]
    data = {f"claim-{claim_id}-note": "Firmaattest.", f"claim-{claim_id}-confirm": "y",
            f"claim-{claim_id}-grant": "1"}
    calls = [lambda b=b: b.post_form(f"{base}/krav/{claim_id}", data, form_page=base)
             for b in browsers]

    responses = at_once(calls)

    assert [r.status_code for r in responses] == [302, 302], [r.text[:300] for r in responses]
    flashes = [browser.get(base).text for browser in browsers]
    assert sum("Kravet er innvilget." in page for page in flashes) == 1
    assert sum("Kravet er allerede avgjort." in page for page in flashes) == 1
    with served.database() as session:
        state = session.scalar(select(Claim.state).where(Claim.id == claim_id))
        granted = session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "organisation.claim_granted",
            AuditEvent.object_id == organisation_id))
    assert (state, granted) == (ClaimState.GRANTED, 1)
