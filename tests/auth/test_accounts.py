"""Accounts: registering and confirming the address, logging in and out, forgotten
passwords, the brake on password guessing, the admin's user page and the language."""

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest
import time_machine
from sqlalchemy import func, select

from fund.audit.models import AuditEvent
from fund.auth.models import User
from fund.core.roles import Role
from fund.extensions import db as _db
from fund.mail.models import OutboxMessage
from tests.helpers import PASSWORD, html_of, login, make_user, post_form

NEW_PASSWORD = "et-helt-nytt-passord-2027"


def register(client, email="kari@example.no", password=PASSWORD, again=None, name="Kari Nordmann"):
    return post_form(client, "/registrer", {
        "name": name, "email": email, "phone": "", "password": password,
        "password_again": password if again is None else again})


def try_login(client, email, password=PASSWORD, path="/logg-inn"):
    return post_form(client, path, {"email": email, "password": password})


def mails_to(address) -> list[OutboxMessage]:
    _db.session.expire_all()
    return _db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.to_address == address).order_by(OutboxMessage.id)).all()


def link_in(message: OutboxMessage, path: str) -> str:
    match = re.search(rf"http://fond\.test({path}/\S+)", message.body_text)
    assert match, message.body_text
    return match.group(1)


def stored_user(email) -> User | None:
    _db.session.expire_all()
    return _db.session.scalars(select(User).where(User.email == email)).one_or_none()


def audit(action, **where) -> list[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.action == action)
    for name, value in where.items():
        query = query.where(getattr(AuditEvent, name) == value)
    return _db.session.scalars(query.order_by(AuditEvent.id)).all()


def is_logged_in(client) -> bool:
    response = client.get("/min-side")
    assert response.status_code in (200, 302)
    return response.status_code == 200


def frozen_now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


# Registration and confirming the address ------------------------------------------------------

def test_a_new_applicant_registers_confirms_the_address_and_logs_in(client):
    response = register(client, email="Kari@Example.no")
    assert response.status_code == 200
    html = html_of(response)
    assert "Sjekk e-posten din" in html and "kari@example.no" in html

    user = stored_user("kari@example.no")
    assert user.role == Role.APPLICANT and user.name == "Kari Nordmann"
    assert user.email_verified_at is None
    assert user.password_hash.startswith("pbkdf2:") and PASSWORD not in user.password_hash
    assert audit("user.registered", object_id=user.id)

    [mail] = mails_to("kari@example.no")
    assert mail.subject == "Bekreft e-postadressen din"
    assert mail.body_text.startswith("Hei,") and "48 timer" in mail.body_text
    assert "Kari" not in mail.body_text  # nothing the registrant typed goes to the address
    link = link_in(mail, "/bekreft-epost")

    refused = try_login(client, "kari@example.no")
    assert refused.status_code == 200
    assert "Du må bekrefte e-postadressen din før du kan logge inn." in html_of(refused)
    assert not is_logged_in(client)

    confirmed = client.get(link)
    assert confirmed.status_code == 302 and confirmed.headers["Location"] == "/logg-inn"
    assert "E-postadressen er bekreftet. Du kan nå logge inn." in html_of(
        client.get("/logg-inn"))
    assert stored_user("kari@example.no").email_verified_at is not None
    assert audit("user.email_verified", object_id=user.id)

    assert login(client, "kari@example.no").headers["Location"] == "/min-side"
    page = html_of(client.get("/min-side"))
    assert "Kari Nordmann" in page and "Du har ikke registrert noen organisasjon ennå" in page


def test_the_password_needs_twelve_characters_and_the_same_twice(client):
    too_short = register(client, password="elleve-tegn")  # 11 characters
    html = html_of(too_short)
    assert too_short.status_code == 200 and "Passordet må ha minst 12 tegn." in html
    assert 'value="Kari Nordmann"' in html and 'value="kari@example.no"' in html
    assert "elleve-tegn" not in html  # a password is never echoed back

    mismatch = register(client, password=PASSWORD, again=PASSWORD + "x")
    assert "Passordene er ikke like." in html_of(mismatch)

    assert stored_user("kari@example.no") is None and mails_to("kari@example.no") == []

    twelve = register(client, password="tolv-tegn-ok")
    assert "Sjekk e-posten din" in html_of(twelve)
    assert stored_user("kari@example.no").check_password("tolv-tegn-ok")


def test_an_address_already_registered_gets_no_second_account_and_no_one_is_told(
        client, applicant):
    new = register(client, email="ny-person@example.no")
    response = register(client, email="SOKER@Example.NO", name="Eve Angriper")
    assert response.status_code == 200
    # The page is the same as for a new address: nobody learns who has an account. (The
    # CSRF token is signed with the time, so it differs when a second passes between.)
    def same(html):
        return re.sub(r'(name="csrf_token" value=")[^"]*', r"\1", html)
    assert same(html_of(response).replace("soker@example.no", "ny-person@example.no")) == \
        same(html_of(new))
    count = _db.session.scalar(select(func.count()).select_from(User).where(
        func.lower(User.email) == "soker@example.no"))
    assert count == 1
    assert stored_user("soker@example.no").check_password(PASSWORD)  # not overwritten
    # The owner is told, in fixed words, with the way in and the way to a new password.
    [mail] = mails_to("soker@example.no")
    assert mail.subject == "Du har allerede en konto"
    assert "http://fond.test/logg-inn" in mail.body_text
    assert "http://fond.test/glemt-passord" in mail.body_text
    assert "Eve" not in mail.body_text

    assert login(client, "Soker@EXAMPLE.no").headers["Location"] == "/min-side"


def test_a_confirmation_link_works_for_48_hours(client):
    start = frozen_now()
    with time_machine.travel(start, tick=False):
        register(client)
    link = link_in(mails_to("kari@example.no")[0], "/bekreft-epost")

    with time_machine.travel(start + timedelta(hours=48, minutes=1), tick=False):
        response = client.get(link)
        assert response.headers["Location"] == "/send-bekreftelse"
        assert "Lenken er utløpt. Be om en ny." in html_of(client.get("/send-bekreftelse"))
        assert stored_user("kari@example.no").email_verified_at is None

        # A new link can be asked for, and it works.
        post_form(client, "/send-bekreftelse", {"email": "kari@example.no"})
        fresh = link_in(mails_to("kari@example.no")[-1], "/bekreft-epost")
        assert client.get(fresh).headers["Location"] == "/logg-inn"
        assert login(client, "kari@example.no").status_code == 302

    with time_machine.travel(start + timedelta(hours=47, minutes=59), tick=False):
        assert client.get(link).headers["Location"] == "/logg-inn"


def test_a_tampered_or_foreign_link_does_not_confirm_the_address(client, applicant):
    register(client)
    link = link_in(mails_to("kari@example.no")[0], "/bekreft-epost")
    token = link.rsplit("/", 1)[1]
    tampered = token[:5] + ("A" if token[5] != "A" else "B") + token[6:]
    response = client.get(f"/bekreft-epost/{tampered}", follow_redirects=True)
    assert "Lenken er ugyldig. Be om en ny." in html_of(response)

    # A password-reset link is not a confirmation link, even for the same account.
    post_form(client, "/glemt-passord", {"email": "kari@example.no"})
    reset = link_in(mails_to("kari@example.no")[-1], "/nytt-passord")
    response = client.get("/bekreft-epost/" + reset.rsplit("/", 1)[1], follow_redirects=True)
    assert "Lenken er ugyldig" in html_of(response)

    assert stored_user("kari@example.no").email_verified_at is None


def test_resending_the_confirmation_says_the_same_for_every_address(client, applicant):
    register(client)
    known = post_form(client, "/send-bekreftelse", {"email": "kari@example.no"})
    confirmed = post_form(client, "/send-bekreftelse", {"email": applicant.email})
    unknown = post_form(client, "/send-bekreftelse", {"email": "ukjent@example.no"})
    assert known.headers["Location"] == confirmed.headers["Location"] == \
        unknown.headers["Location"] == "/logg-inn"
    assert len(mails_to("kari@example.no")) == 2
    assert mails_to(applicant.email) == [] and mails_to("ukjent@example.no") == []


# Forgotten password ---------------------------------------------------------------------------

def _flash_after(client, response) -> str:
    html = html_of(client.get(response.headers["Location"]))
    return re.search(r'<div class="ds-alert flash".*?<p class="ds-paragraph">(.*?)</p>',
                     html, re.S).group(1)


def test_forgot_password_answers_the_same_for_known_and_unknown_addresses(client, applicant):
    unknown = post_form(client, "/glemt-passord", {"email": "ukjent@example.no"})
    unknown_message = _flash_after(client, unknown)
    known = post_form(client, "/glemt-passord", {"email": applicant.email.upper()})
    known_message = _flash_after(client, known)

    assert unknown.status_code == known.status_code == 302
    assert unknown.headers["Location"] == known.headers["Location"] == "/logg-inn"
    assert unknown_message == known_message
    assert "Hvis det finnes en konto med denne adressen" in known_message

    assert mails_to("ukjent@example.no") == []
    [mail] = mails_to(applicant.email)
    assert mail.subject == "Nytt passord" and "én time" in mail.body_text


def test_a_reset_link_sets_a_new_password_and_works_only_once(client, applicant):
    post_form(client, "/glemt-passord", {"email": applicant.email})
    link = link_in(mails_to(applicant.email)[0], "/nytt-passord")

    assert "Velg nytt passord" in html_of(client.get(link))
    short = post_form(client, link, {"password": "for-kort", "password_again": "for-kort"})
    assert "Passordet må ha minst 12 tegn." in html_of(short)

    response = post_form(client, link, {"password": NEW_PASSWORD,
                                        "password_again": NEW_PASSWORD})
    assert response.headers["Location"] == "/logg-inn"
    assert audit("user.password_changed", object_id=applicant.id)

    assert "Feil e-postadresse eller passord." in html_of(try_login(client, applicant.email))
    login(client, applicant, password=NEW_PASSWORD)

    again = client.get(link)
    assert again.headers["Location"] == "/glemt-passord"
    assert "Lenken er ugyldig eller allerede brukt." in html_of(client.get("/glemt-passord"))
    assert stored_user(applicant.email).check_password(NEW_PASSWORD)


def test_a_reset_link_expires_after_an_hour(client, applicant):
    start = frozen_now()
    with time_machine.travel(start, tick=False):
        post_form(client, "/glemt-passord", {"email": applicant.email})
    link = link_in(mails_to(applicant.email)[0], "/nytt-passord")

    with time_machine.travel(start + timedelta(minutes=61), tick=False):
        response = client.get(link, follow_redirects=True)
        assert "Lenken er utløpt. Be om en ny." in html_of(response)
        data = {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD}
        post_form(client, link, data, form_page="/glemt-passord")
        assert stored_user(applicant.email).check_password(PASSWORD)

    with time_machine.travel(start + timedelta(minutes=59), tick=False):
        assert client.get(link).status_code == 200


# Login: the brake on guessing, redirects, CSRF, logout ----------------------------------------

def test_five_failed_logins_block_the_address_for_fifteen_minutes(client, applicant):
    start = frozen_now()
    with time_machine.travel(start, tick=False):
        for _ in range(5):
            response = try_login(client, applicant.email, "feil-passord-1234")
            assert response.status_code == 200
            assert "Feil e-postadresse eller passord." in html_of(response)
        blocked = try_login(client, applicant.email)  # the right password, too late
        assert blocked.status_code == 429
        assert "For mange mislykkede innloggingsforsøk" in html_of(blocked)
        assert not is_logged_in(client)

    with time_machine.travel(start + timedelta(minutes=14), tick=False):
        assert try_login(client, applicant.email.upper()).status_code == 429

    with time_machine.travel(start + timedelta(minutes=15, seconds=1), tick=False):
        login(client, applicant)
        assert is_logged_in(client)

    failed = audit("user.login_failed")
    assert len(failed) == 5
    assert {(e.object_id, e.details["email"]) for e in failed} == {
        (applicant.id, applicant.email)}
    assert failed[0].ip_address == "127.0.0.1"
    assert len(audit("user.login_blocked")) == 2


def test_a_successful_login_clears_earlier_failures(app, client, applicant):
    for _ in range(4):
        try_login(client, applicant.email, "feil-passord-1234")
    login(client, applicant)
    other = app.test_client()
    for _ in range(4):
        assert try_login(other, applicant.email, "feil-passord-1234").status_code == 200
    assert login(other, applicant).status_code == 302


def test_failures_for_an_unknown_address_count_too(client):
    for _ in range(5):
        try_login(client, "ukjent@example.no", "feil-passord-1234")
    assert try_login(client, "ukjent@example.no").status_code == 429
    failed = audit("user.login_failed")
    assert len(failed) == 5 and failed[0].object_id is None
    assert failed[0].details["email"] == "ukjent@example.no"


def test_one_client_guessing_at_many_addresses_is_stopped_after_twenty(client, applicant):
    for n in range(20):
        response = try_login(client, f"gjetning{n}@example.no", "feil-passord-1234")
        assert response.status_code == 200
    response = try_login(client, applicant.email)
    assert response.status_code == 429
    assert "For mange mislykkede innloggingsforsøk" in html_of(response)


@pytest.mark.parametrize("target", [
    "https://angriper.example/min-side", "//angriper.example/", "/\\angriper.example",
    "javascript:alert(1)",
])
def test_login_ignores_a_next_address_outside_the_site(client, applicant, target):
    response = try_login(client, applicant.email, path=f"/logg-inn?next={quote(target, safe='')}")
    assert response.status_code == 302 and response.headers["Location"] == "/min-side"


def test_login_returns_to_the_page_that_asked_for_it(client, applicant):
    asked = client.get("/organisasjoner/ny")
    assert asked.status_code == 302
    login_path = asked.headers["Location"]
    assert login_path.startswith("/logg-inn?next=")
    assert "Logg inn for å se denne siden." in html_of(client.get(login_path))
    response = try_login(client, applicant.email, path=login_path)
    assert response.headers["Location"] == "/organisasjoner/ny"
    assert "Registrer organisasjon" in html_of(client.get("/organisasjoner/ny"))


@pytest.mark.parametrize(("role", "start", "heading"), [
    (Role.APPLICANT, "/min-side", "Min side"),
    (Role.CASEWORKER, "/saksbehandling/soknader", "Innkomne søknader"),
    (Role.MANAGER, "/forvaltning/utlysninger", "Utlysninger"),
    (Role.ADMIN, "/admin/brukere", "Brukere"),
])
def test_each_role_lands_on_its_own_start_page_after_login(client, db, role, start, heading):
    user = make_user(f"{role.value}@example.no", role)
    response = login(client, user)
    assert response.headers["Location"] == start
    assert f">{heading}</h1>" in html_of(client.get(start))


def test_a_caseworker_asked_to_log_in_from_a_page_returns_to_it(client, db):
    caseworker = make_user("sb@example.no", Role.CASEWORKER)
    response = try_login(client, caseworker.email, path="/logg-inn?next=/min-side")
    assert response.headers["Location"] == "/min-side"


def test_a_login_without_csrf_token_is_refused(client, applicant):
    client.get("/logg-inn")
    response = client.post("/logg-inn", data={"email": applicant.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "Skjemaet var utløpt eller ugyldig" in html_of(response)
    assert not is_logged_in(client)
    assert audit("user.logged_in") == []


def test_logging_out_takes_a_post(client, applicant):
    login(client, applicant)
    assert client.get("/logg-ut").status_code == 405
    assert is_logged_in(client)
    response = post_form(client, "/logg-ut", {}, form_page="/min-side")
    assert response.status_code == 302
    assert "Du er logget ut." in html_of(client.get(response.headers["Location"]))
    assert not is_logged_in(client)
    assert audit("user.logged_out", object_id=applicant.id)


# The administrator's user page ----------------------------------------------------------------

@pytest.fixture
def admin(db):
    return make_user("admin@example.no", Role.ADMIN, name="Ada Admin")


def edit_user(client, user, role, active=True):
    data = {"role": role} | ({"active": "y"} if active else {})
    return post_form(client, f"/admin/brukere/{user.id}", data)


def test_an_admin_finds_an_account_by_name_or_address_a_page_at_a_time(
        client, admin, monkeypatch):
    """Every account at once was hundreds of kilobytes at national scale (issue 14): the
    list comes a page at a time, and a search on part of a name or an address, in any
    case, finds the account; a % or _ in the search is taken as itself."""
    for number in range(5):
        make_user(f"person{number}@example.no", name=f"Person {number} Hansen")
    make_user("per_cent@example.no", name="Kari 100% Nordmann")
    monkeypatch.setattr("fund.auth.queries.USERS_PAGE_SIZE", 3)
    login(client, admin)
    seen, path = [], "/admin/brukere"
    while path:
        html = html_of(client.get(path))
        assert "7 kontoer." in html
        seen += re.findall(r'href="/admin/brukere/\d+">([^<]+)</a>', html)
        found = re.search(r'href="([^"]+)">Neste side', html)
        path = found[1].replace("&amp;", "&") if found else None
    assert len(seen) == 7 and len(set(seen)) == 7 and "Ada Admin" in seen
    html = html_of(client.get("/admin/brukere?q=HANSEN"))
    assert "5 kontoer passer med «HANSEN»." in html and "Neste side" in html
    html = html_of(client.get("/admin/brukere?q=person3@"))
    assert re.findall(r'href="/admin/brukere/\d+">([^<]+)</a>', html) == ["Person 3 Hansen"]
    for literal, name in (("100%", "Kari 100% Nordmann"), ("per_", "Kari 100% Nordmann")):
        html = html_of(client.get(f"/admin/brukere?q={literal.replace('%', '%25')}"))
        assert re.findall(r'href="/admin/brukere/\d+">([^<]+)</a>', html) == [name], literal
    html = html_of(client.get("/admin/brukere?q=ingen-slik"))
    assert "Ingen kontoer passer med søket." in html


def test_an_admin_changes_a_role_and_deactivates_an_account(app, client, admin, applicant):
    login(client, admin)
    assert applicant.email in html_of(client.get("/admin/brukere"))

    response = edit_user(client, applicant, "caseworker")
    assert response.headers["Location"] == "/admin/brukere"
    assert stored_user(applicant.email).role == Role.CASEWORKER
    [changed] = audit("user.role_changed", object_id=applicant.id)
    assert changed.actor_id == admin.id
    assert changed.details == {"old": "applicant", "new": "caseworker"}

    edit_user(client, applicant, "caseworker", active=False)
    assert stored_user(applicant.email).active is False
    [deactivated] = audit("user.deactivated", object_id=applicant.id)
    assert deactivated.actor_id == admin.id
    assert "Deaktivert" in html_of(client.get("/admin/brukere"))

    refused = try_login(app.test_client(), applicant.email)
    assert refused.status_code == 200
    assert "Feil e-postadresse eller passord." in html_of(refused)

    edit_user(client, applicant, "caseworker", active=True)
    assert audit("user.activated", object_id=applicant.id)
    login(app.test_client(), applicant)


def test_a_deactivated_user_is_logged_out_at_once(app, client, admin, applicant):
    login(client, applicant)
    admin_client = app.test_client()
    login(admin_client, admin)
    edit_user(admin_client, applicant, "applicant", active=False)
    response = client.get("/min-side")
    assert response.status_code == 302 and response.headers["Location"].startswith("/logg-inn")


def test_an_admin_cannot_deactivate_themself_and_nothing_is_half_saved(client, admin):
    login(client, admin)
    response = edit_user(client, admin, "manager", active=False)
    assert response.status_code == 200
    assert "Du kan ikke deaktivere din egen konto." in html_of(response)
    user = stored_user(admin.email)
    assert user.active and user.role == Role.ADMIN
    assert audit("user.deactivated") == [] and audit("user.role_changed") == []


@pytest.mark.parametrize("role", [Role.APPLICANT, Role.CASEWORKER, Role.MANAGER])
def test_only_admins_reach_the_user_pages(client, applicant, role):
    user = make_user(f"{role.value}@example.no", role)
    login(client, user)
    assert client.get("/admin/brukere").status_code == 403
    assert client.get(f"/admin/brukere/{applicant.id}").status_code == 403
    response = post_form(client, f"/admin/brukere/{user.id}", {"role": "admin", "active": "y"},
                         form_page="/min-side")
    assert response.status_code == 403
    assert stored_user(user.email).role == role


# Language -------------------------------------------------------------------------------------

def page_language(client, path="/") -> str:
    return re.search(r'<html lang="([^"]+)"', html_of(client.get(path))).group(1)


def test_the_language_switch_changes_the_page_language(client):
    assert page_language(client) == "nb"
    response = post_form(client, "/sprak", {"lang": "en", "next": "/plan/"},
                         form_page="/")
    assert response.status_code == 302 and response.headers["Location"] == "/plan/"
    assert page_language(client) == "en"
    assert page_language(client, "/logg-inn") == "en"

    post_form(client, "/sprak", {"lang": "xx", "next": "https://angriper.example/"},
              form_page="/")
    assert page_language(client) == "en"
    response = post_form(client, "/sprak", {"lang": "nb", "next": "https://angriper.example/"},
                         form_page="/")
    assert response.headers["Location"] == "/"
    assert page_language(client) == "nb"


def test_the_language_switch_needs_the_csrf_token(client):
    client.get("/")
    response = client.post("/sprak", data={"lang": "en", "next": "/"})
    assert response.status_code == 400
    assert page_language(client) == "nb"


def test_a_language_chosen_before_login_is_kept_after_login(client, applicant):
    post_form(client, "/sprak", {"lang": "en", "next": "/"}, form_page="/")
    login(client, applicant)
    assert page_language(client, "/min-side") == "en"


def test_a_logged_in_users_language_is_remembered_for_the_next_login(app, client, applicant):
    login(client, applicant)
    post_form(client, "/sprak", {"lang": "en", "next": "/min-side"}, form_page="/min-side")
    assert stored_user(applicant.email).locale == "en"

    assert audit("user.locale_changed") != []

    elsewhere = app.test_client()
    assert page_language(elsewhere, "/logg-inn") == "nb"
    login(elsewhere, applicant)
    assert page_language(elsewhere, "/min-side") == "en"
    post_form(elsewhere, "/logg-ut", {}, form_page="/min-side")
    assert page_language(elsewhere, "/") == "en"  # logging out keeps the language


def test_the_last_active_admin_cannot_be_demoted_or_deactivated(client, admin):
    other = make_user("admin2@example.no", Role.ADMIN, name="Annen Admin")
    _db.session.commit()
    login(client, other)
    assert edit_user(client, admin, "manager", active=True).status_code == 302
    response = edit_user(client, other, "caseworker", active=True)
    assert "Det må finnes minst én aktiv administrator." in html_of(response)
    assert stored_user(other.email).role == Role.ADMIN


def test_a_new_password_ends_sessions_on_other_devices(app, client, applicant):
    other_device = app.test_client()
    login(other_device, applicant)
    assert other_device.get("/min-side").status_code == 200
    from fund.auth.operations import make_token
    with app.test_request_context():
        token = make_token(applicant, "reset")
    response = post_form(client, f"/nytt-passord/{token}",
                         {"password": "et-helt-nytt-passord", "password_again":
                          "et-helt-nytt-passord"})
    assert response.status_code == 302
    response = other_device.get("/min-side")
    assert response.status_code == 302 and "/logg-inn" in response.headers["Location"]


def test_production_hashes_passwords_with_scrypt():
    from fund import config
    assert config.PASSWORD_HASH_METHOD == "scrypt"  # the tests use a cheap method instead
