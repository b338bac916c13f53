"""Accepting a tilsagn: in time by someone who may bind the organisation, or not at all.

The ``granted`` grants (A: Alfa AS, kr 150 000; B: Beta AS, kr 90 000) wait for acceptance
until Tuesday 8 June 2027, Oslo time."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from sqlalchemy import select

from fund.audit.models import AuditEvent
from fund.auth import brreg
from fund.decisions.queries import budget_room
from fund.extensions import db as _db
from fund.grants.models import AuthorityCheck, GrantError, GrantState
from fund.grants.operations import accept_grant, lapse_overdue, verify_authority
from fund.grants.queries import authority_confirmed
from tests.decisions.conftest import outbox
from tests.grants.conftest import ACCEPT_BY
from tests.helpers import csrf_token, html_of, login, make_user, post_form

#: The last second of the acceptance deadline in Oslo (summer time, UTC+2), and the next.
LAST_SECOND = datetime(2027, 6, 8, 21, 59, 59, tzinfo=UTC)
TOO_LATE = datetime(2027, 6, 8, 22, 0, 0, tzinfo=UTC)
IN_TIME = datetime(2027, 5, 20, 10, 0, tzinfo=UTC)
ACCOUNT = "12345678903"


@pytest.fixture
def banked(granted, db):
    """``granted`` with valid bank accounts on both organisations."""
    for grant in granted.grants.values():
        grant.application.organisation.bank_account = ACCOUNT
    db.session.commit()
    return granted


def page(client, grant):
    return html_of(client.get(f"/mine-tilskudd/{grant.id}"))


def accept(client, grant, name="Søker A", role="daglig leder", confirm=True):
    data = {"acceptor_name": name, "acceptor_role": role}
    if confirm:
        data["confirm"] = "y"
    return post_form(client, f"/mine-tilskudd/{grant.id}/aksept", data,
                     form_page=f"/mine-tilskudd/{grant.id}")


def events(action):
    return list(_db.session.execute(select(AuditEvent).where(
        AuditEvent.action == action).order_by(AuditEvent.id)).scalars())


def test_the_recipient_sees_the_letter_the_deadline_and_what_accepting_means(banked, client):
    grant = banked.grants["A"]
    login(client, banked.applicants["A"])
    html = page(client, grant)
    letter = banked.decided.letter("A")
    assert f"/mine-vedtak/soknader/{grant.application_id}/brev/{letter.id}.pdf" in html
    assert "Neste frist" in html and "Aksept av tilsagnet: 8. juni 2027" in html
    assert "forplikter du Alfa AS til å gjennomføre prosjektet" in html
    assert "Saksbehandleren kontrollerer det du oppgir" in html
    assert client.get(f"/mine-vedtak/soknader/{grant.application_id}/brev/{letter.id}.pdf"
                      ).status_code == 200


def test_a_member_accepts_in_time_with_a_stated_role_and_the_account_is_frozen(
        banked, client):
    grant = banked.grants["A"]
    with time_machine.travel(IN_TIME, tick=False):
        login(client, banked.applicants["A"])
        response = accept(client, grant, name="Søker A", role="daglig leder")
        assert response.status_code == 302
        html = page(client, grant)
    assert "Tilsagnet er akseptert. Saksbehandleren kontrollerer" in html
    assert "av Søker A (daglig leder)" in html
    assert "Oppgitt av den som aksepterte, ikke kontrollert ennå" in html
    assert "1234.56.78903" in html
    assert "Sluttrapport: 29. februar 2028" in html  # 31 Dec 2027 + 60 days
    _db.session.refresh(grant)
    assert grant.state == GrantState.ACCEPTED and grant.authority == AuthorityCheck.STATED
    assert grant.accepted_by_id == banked.applicants["A"].id
    assert grant.accepted_at == IN_TIME and grant.bank_account == ACCOUNT
    assert grant.final_report_due == date(2028, 2, 29)
    assert not authority_confirmed(grant)  # no payment before a caseworker verifies
    mails = outbox(banked.applicants["A"].email)
    assert mails[-1].subject.startswith("Tilsagnet er akseptert")
    assert "Søker A (daglig leder) har akseptert tilsagnet" in mails[-1].body_text
    assert "senest 29. februar 2028" in mails[-1].body_text
    [event] = events("grant.accepted")
    assert event.actor_id == banked.applicants["A"].id and event.details["authority"] == "stated"
    # Accepting twice is refused; the organisation's later account does not follow.
    with time_machine.travel(IN_TIME, tick=False):
        again = accept(client, grant)
    assert again.status_code == 422 or "allerede akseptert" in html_of(again)


def test_the_acceptance_needs_the_confirmation_a_role_and_a_valid_account(granted, client):
    grant = granted.grants["B"]
    login(client, granted.applicants["B"])
    response = accept(client, grant, name="Søker B", confirm=False)
    assert response.status_code == 422
    assert "Kryss av for at du har lest brevet" in html_of(response)
    response = accept(client, grant, name="Søker B", role="vaktmester")
    assert response.status_code == 422 and "Not a valid choice" not in html_of(response)
    response = accept(client, grant, name="Søker B")  # Beta AS has no account yet
    assert response.status_code == 422
    assert "må ha et gyldig kontonummer før tilsagnet kan aksepteres" in html_of(response)
    organisation = grant.application.organisation
    organisation.bank_account = "12345678900"  # wrong check digit
    _db.session.commit()
    assert "gyldig kontonummer" in html_of(accept(client, grant, name="Søker B"))
    _db.session.refresh(grant)
    assert grant.state == GrantState.OFFERED and grant.accepted_at is None


def test_after_the_deadline_the_acceptance_is_refused_and_the_money_goes_back(banked, client):
    grant = banked.grants["B"]
    call = grant.application.call
    room = budget_room(call)
    with time_machine.travel(LAST_SECOND, tick=False):  # the form is opened in time…
        login(client, banked.applicants["B"])
        token = csrf_token(client, f"/mine-tilskudd/{grant.id}")
    with time_machine.travel(TOO_LATE, tick=False):  # …and sent a second too late
        response = client.post(f"/mine-tilskudd/{grant.id}/aksept", data={
            "csrf_token": token, "acceptor_name": "Søker B", "acceptor_role": "daglig leder",
            "confirm": "y"})
        assert response.status_code == 302
        html = page(client, grant)
    assert "Fristen for å akseptere tilsagnet var 8. juni 2027" in html
    assert "Tilsagnet har falt bort" in html and "Bortfalt" in html
    _db.session.expire_all()
    assert grant.state == GrantState.LAPSED and grant.lapsed_at == TOO_LATE
    decision = banked.decided.decisions["B"]
    assert decision.returned_amount == 90_000
    assert budget_room(call) == room + 90_000
    assert outbox(banked.applicants["B"].email)[-1].subject.startswith("Tilsagnet har falt bort")
    [event] = events("grant.lapsed")
    assert event.actor_id is None and event.details["returned"] == 90_000


def test_the_last_second_of_the_deadline_day_in_oslo_is_in_time(banked, db):
    a, b = banked.grants["A"], banked.grants["B"]
    accept_grant(a, banked.applicants["A"], "Søker A", "styreleder", now=LAST_SECOND)
    assert a.state == GrantState.ACCEPTED
    with pytest.raises(GrantError, match="Fristen for å akseptere"):
        accept_grant(b, banked.applicants["B"], "Søker B", "styreleder", now=TOO_LATE)
    assert b.state == GrantState.LAPSED


def test_only_a_member_of_the_recipient_may_accept(banked, db):
    grant = banked.grants["A"]
    with pytest.raises(GrantError, match="Bare medlemmer av Alfa AS"):
        accept_grant(grant, banked.applicants["B"], "Søker B", "daglig leder", now=IN_TIME)
    assert grant.state == GrantState.OFFERED


def _holder(first, last, role="DAGL", description="Daglig leder"):
    return brreg.RoleHolder(role=role, role_description=description, first_name=first,
                            middle_name="", last_name=last, birth_date=date(1980, 1, 1))


@pytest.fixture
def register(app, monkeypatch):
    """Enhetsregisteret switched on, answering with the holders set on the returned list
    (or raising when it holds an exception)."""
    answer = []
    monkeypatch.setitem(app.config, "BRREG_ENABLED", True)

    def role_holders(orgnr):
        if answer and isinstance(answer[0], Exception):
            raise answer[0]
        return list(answer)

    monkeypatch.setattr(brreg, "role_holders", role_holders)
    return answer


def test_with_the_register_on_someone_without_a_role_cannot_accept(banked, client, register):
    register.append(_holder("Kari", "Nordmann"))
    grant = banked.grants["A"]
    with time_machine.travel(IN_TIME, tick=False):
        login(client, banked.applicants["A"])  # «Søker A» is not in the register
        response = accept(client, grant, name="Kari Nordmann")
    assert response.status_code == 422
    assert "Søker A står ikke i Enhetsregisteret med rolle som daglig leder, styreleder, " \
        "signatur eller prokura for Alfa AS" in html_of(response)
    _db.session.expire_all()
    assert grant.state == GrantState.OFFERED
    [event] = events("grant.acceptance_refused")  # the attempt is kept on record
    assert event.actor_id == banked.applicants["A"].id


def test_with_the_register_on_a_named_role_holder_accepts_as_checked(banked, client, register):
    register.append(_holder("Søker", "A", role="PROK", description="Prokura"))
    grant = banked.grants["A"]
    with time_machine.travel(IN_TIME, tick=False):
        login(client, banked.applicants["A"])
        assert "Vi kontrollerer navnet på kontoen din mot registeret" in page(client, grant)
        assert accept(client, grant, name="Hvem som helst", role="prokurist").status_code == 302
        html = page(client, grant)
    assert "Rollen din er kontrollert mot Enhetsregisteret" in html
    assert "Kontrollert mot Enhetsregisteret" in html and "av Søker A (prokura)" in html
    _db.session.expire_all()
    assert grant.authority == AuthorityCheck.REGISTER and authority_confirmed(grant)


def test_when_the_register_is_down_the_role_is_stated_and_the_page_says_so(
        banked, client, register):
    register.append(brreg.RegisterUnavailable("timeout"))
    grant = banked.grants["A"]
    with time_machine.travel(IN_TIME, tick=False):
        login(client, banked.applicants["A"])
        accept(client, grant, name="Søker A", role="daglig leder")
        html = page(client, grant)
    assert "Enhetsregisteret svarer ikke nå, så rollen din ble ikke kontrollert der" in html
    _db.session.expire_all()
    assert grant.authority == AuthorityCheck.STATED


def _accepted_stated(banked):
    grant = banked.grants["A"]
    accept_grant(grant, banked.applicants["A"], "Søker A", "signaturberettiget", now=IN_TIME)
    _db.session.commit()
    return grant


def verify(client, grant, verdict, note=""):
    return post_form(client, f"/tilskudd/{grant.id}/fullmakt",
                     {"verdict": verdict, "note": note}, form_page=f"/tilskudd/{grant.id}")


def test_a_caseworker_verifies_a_stated_authority(banked, client):
    grant = _accepted_stated(banked)
    login(client, banked.sara)
    html = html_of(client.get(f"/tilskudd/{grant.id}"))
    assert "Søker A oppga å være signaturberettiget i Alfa AS" in html
    response = verify(client, grant, "verified", "Sjekket signaturregelen i vedtektene.")
    assert response.status_code == 302
    html = html_of(client.get(f"/tilskudd/{grant.id}"))
    assert "Fullmakten er kontrollert." in html and "Kontrollert av saksbehandler" in html
    assert "Sara Saksbehandler" in html and "Kontroller fullmakten" not in html
    _db.session.expire_all()
    assert grant.authority == AuthorityCheck.VERIFIED and authority_confirmed(grant)
    assert grant.authority_verified_by_id == banked.sara.id
    assert events("grant.authority_verified")[0].actor_id == banked.sara.id


def test_a_rejected_authority_undoes_the_acceptance_and_the_members_are_told_why(
        banked, client):
    grant = _accepted_stated(banked)
    login(client, banked.sara)
    response = verify(client, grant, "rejected")
    assert response.status_code == 422 and "Skriv hvorfor fullmakten ikke er godkjent" in \
        html_of(response)
    response = verify(client, grant, "rejected", "Søker A har ikke signatur alene.")
    assert response.status_code == 302
    _db.session.expire_all()
    assert grant.state == GrantState.OFFERED and grant.accepted_at is None
    assert grant.authority is None and grant.bank_account is None
    assert grant.acceptance_deadline == ACCEPT_BY  # unchanged
    mail = outbox(banked.applicants["A"].email)[-1]
    assert mail.subject.startswith("Aksepten av tilsagnet er ikke godkjent")
    assert "Søker A har ikke signatur alene." in mail.body_text
    assert "senest 8. juni 2027" in mail.body_text
    with time_machine.travel(IN_TIME, tick=False):
        client = client.application.test_client()
        login(client, banked.applicants["A"])
        assert "Aksepter tilsagnet" in page(client, grant)  # may accept again


def test_an_inhabil_manager_cannot_verify_and_gets_404(granted, db):
    granted.grants["B"].application.organisation.bank_account = ACCOUNT
    accept_grant(granted.grants["B"], granted.applicants["B"], "Søker B", "daglig leder",
                 now=IN_TIME)
    with pytest.raises(GrantError):
        verify_authority(granted.grants["B"], granted.mona, True)  # inhabil in B
    with pytest.raises(GrantError):
        verify_authority(granted.grants["B"], granted.applicants["B"], True)
    verify_authority(granted.grants["B"], granted.lene, True)
    assert granted.grants["B"].authority == AuthorityCheck.VERIFIED


def test_the_nightly_lapse_returns_the_money_and_tells_every_member(banked, app, db):
    a, b = banked.grants["A"], banked.grants["B"]
    member = make_user("medlem@example.no", name="Mia Medlem")
    from fund.auth.models import Membership
    db.session.add(Membership(user=member, organisation=b.application.organisation))
    accept_grant(a, banked.applicants["A"], "Søker A", "daglig leder", now=IN_TIME)
    db.session.commit()
    room = budget_room(b.application.call)
    runner = app.test_cli_runner()
    with time_machine.travel(LAST_SECOND, tick=False):
        assert "0 tilsagn falt bort." in runner.invoke(args=["grants", "lapse"]).output
    with time_machine.travel(TOO_LATE, tick=False):
        result = runner.invoke(args=["grants", "lapse"])
    assert result.exit_code == 0 and "1 tilsagn falt bort." in result.output
    db.session.expire_all()
    assert a.state == GrantState.ACCEPTED and b.state == GrantState.LAPSED
    assert budget_room(b.application.call) == room + 90_000
    for address in (banked.applicants["B"].email, member.email):
        [mail] = [m for m in outbox(address) if m.subject.startswith("Tilsagnet har falt")]
        assert "ble ikke akseptert innen fristen 8. juni 2027" in mail.body_text
        assert "kr 90 000" in mail.body_text.replace("\xa0", " ")
    assert outbox(banked.applicants["A"].email)[-1].subject.startswith("Tilsagnet er akseptert")
    [event] = events("grant.lapsed")
    assert event.actor_id is None
    assert lapse_overdue(TOO_LATE) == []  # nothing lapses twice


def test_opening_the_page_after_the_deadline_shows_the_grant_lapsed(banked, client):
    grant = banked.grants["A"]
    with time_machine.travel(TOO_LATE, tick=False):
        login(client, banked.sara)
        html = html_of(client.get(f"/tilskudd/{grant.id}"))
    assert "Bortfalt" in html and "kr 150 000" in html
    _db.session.expire_all()
    assert grant.state == GrantState.LAPSED
    assert banked.decided.decisions["A"].returned_amount == 150_000
    [event] = events("grant.lapsed")
    assert event.actor_id is None  # the system did it, not Sara


def test_other_people_get_404_and_forms_need_the_csrf_token(banked, app, client):
    grant = banked.grants["A"]
    login(client, banked.applicants["B"])
    assert client.get(f"/mine-tilskudd/{grant.id}").status_code == 404
    token = csrf_token(client, "/")
    assert client.post(f"/mine-tilskudd/{grant.id}/aksept", data={
        "csrf_token": token, "acceptor_name": "Søker B", "acceptor_role": "daglig leder",
        "confirm": "y"}).status_code == 404
    assert client.post(f"/tilskudd/{grant.id}/fullmakt", data={
        "csrf_token": token, "verdict": "verified"}).status_code in (403, 404)
    client = app.test_client()
    login(client, banked.applicants["A"])
    response = client.post(f"/mine-tilskudd/{grant.id}/aksept", data={
        "acceptor_name": "Søker A", "acceptor_role": "daglig leder", "confirm": "y"})
    assert response.status_code in (400, 422)
    _db.session.expire_all()
    assert grant.state == GrantState.OFFERED
    client = app.test_client()
    login(client, banked.mona)  # inhabil in B
    assert client.post(f"/tilskudd/{banked.grants['B'].id}/fullmakt", data={
        "csrf_token": csrf_token(client, "/"), "verdict": "verified"}).status_code == 404
    assert client.get(f"/tilskudd/utlysninger/{grant.application.call_id}").status_code == 200


def test_staff_list_the_calls_grants_with_what_waits_for_them(banked, app, client):
    call = banked.apps["A"].call
    _accepted_stated(banked)
    login(client, banked.lene)
    manage = html_of(client.get(f"/forvaltning/utlysninger/{call.id}"))
    assert f"/tilskudd/utlysninger/{call.id}" in manage
    html = html_of(client.get(f"/tilskudd/utlysninger/{call.id}"))
    assert "Alfa AS" in html and "Beta AS" in html and "kr 150 000" in html
    assert "Akseptert" in html and "Sluttrapport 29. februar 2028" in html
    assert "Venter på aksept" in html and "Aksept 8. juni 2027" in html
    assert html.count("Kontroller fullmakten") == 1
    client = app.test_client()
    login(client, banked.mona)  # inhabil in B: B is not listed
    html = html_of(client.get(f"/tilskudd/utlysninger/{call.id}"))
    assert "Alfa AS" in html and "Beta AS" not in html
    client = app.test_client()
    login(client, banked.applicants["A"])
    assert client.get(f"/tilskudd/utlysninger/{call.id}").status_code == 403


def test_the_application_and_case_pages_link_to_the_grant(banked, app, client):
    grant = banked.grants["A"]
    login(client, banked.applicants["A"])
    html = html_of(client.get(f"/soknader/{grant.application_id}"))
    assert f"/mine-tilskudd/{grant.id}" in html and "frist for aksept 8. juni 2027" in html
    from fund.review.models import ConflictDeclaration
    _db.session.add(ConflictDeclaration(application=grant.application, caseworker=banked.sara,
                                        disqualified=False))
    _db.session.commit()
    client = app.test_client()
    login(client, banked.sara)
    html = html_of(client.get(f"/saksbehandling/soknader/{grant.application_id}"))
    assert f"/tilskudd/{grant.id}" in html


def test_the_acceptance_pages_are_accessible(banked, app, client):
    from tests.test_pages import audit
    grant = banked.grants["A"]
    login(client, banked.applicants["A"])
    for path in (f"/mine-tilskudd/{grant.id}", f"/soknader/{grant.application_id}"):
        assert audit(html_of(client.get(path))) == [], path
    refused = accept(client, grant, confirm=False)
    assert audit(html_of(refused)) == [] and 'href="#confirm"' in html_of(refused)
    _accepted_stated(banked)
    client = app.test_client()
    login(client, banked.lene)
    call_id = grant.application.call_id
    for path in (f"/tilskudd/{grant.id}", f"/tilskudd/utlysninger/{call_id}",
                 f"/forvaltning/utlysninger/{call_id}"):
        assert audit(html_of(client.get(path))) == [], path
    assert audit(html_of(verify(client, grant, ""))) == []
