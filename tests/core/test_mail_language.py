"""Mail is written in the recipient's language, whoever's request sends it.

A person's language is the one they chose (``User.locale``: the language switch, the
language they registered in, or one chosen before logging in); the subject and the body
are both written in it, also when a caseworker reading the pages in the other language
triggers the mail, and also from cron (no request at all)."""

import pytest
from sqlalchemy import select

from fund.applications.models import Application
from fund.auth.models import User
from fund.core.roles import Role
from fund.extensions import db as _db
from fund.mail.models import OutboxMessage
from fund.mail.operations import queue_mail
from tests.applications.test_journey import submit
from tests.helpers import (
    declare,
    login,
    make_application,
    make_call,
    make_organisation,
    make_user,
    post_form,
)


def stored_locale(user) -> str | None:
    _db.session.expire_all()
    return _db.session.get(User, user.id).locale


def choose_language(client, lang: str) -> None:
    post_form(client, "/sprak", {"lang": lang, "next": "/"}, form_page="/")


def mail_to(address: str) -> list[OutboxMessage]:
    _db.session.expire_all()
    return _db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.to_address == address).order_by(OutboxMessage.id)).all()


def case_number(application) -> str:
    _db.session.expire_all()
    return _db.session.get(Application, application.id).case_number


@pytest.fixture
def organisation(db):
    """Emma reads English, Kari never chose (Norwegian, the default), Nils chose
    Norwegian; all three are members of one organisation with a draft application."""
    emma = make_user("emma@example.no", name="Emma English")
    emma.locale = "en"
    kari = make_user("kari@example.no", name="Kari Kollega")
    nils = make_user("nils@example.no", name="Nils Norsk")
    nils.locale = "nb"
    org = make_organisation(kari, emma, nils)
    application = make_application(make_call(), org, kari)
    _db.session.commit()
    return emma, kari, nils, application


def test_the_receipt_is_in_each_members_own_language(client, organisation):
    emma, kari, nils, application = organisation
    login(client, kari)  # Kari submits, reading the pages in Norwegian
    assert submit(client, application).status_code == 302
    case = case_number(application)

    [english] = mail_to(emma.email)
    assert english.subject.startswith(f"Receipt: {case}")
    assert english.body_text.startswith("Hello,")
    assert "We have received the application" in english.body_text
    assert "Vi har mottatt" not in english.body_text
    for person in (kari, nils):
        [norwegian] = mail_to(person.email)
        assert norwegian.subject.startswith(f"Kvittering: {case}")
        assert norwegian.body_text.startswith("Hei,")
        assert "Vi har mottatt søknaden" in norwegian.body_text


def test_an_english_page_does_not_make_norwegian_mail_english(client, organisation):
    emma, kari, nils, application = organisation
    choose_language(client, "en")  # chosen before logging in: Kari's choice from now on
    login(client, kari)
    assert "Apply for grants" in client.get("/").get_data(as_text=True)
    assert stored_locale(kari) == "en"
    submit(client, application)
    case = case_number(application)
    [nils_mail] = mail_to(nils.email)
    assert nils_mail.subject.startswith(f"Kvittering: {case}")
    assert nils_mail.body_text.startswith("Hei,")
    [kari_mail] = mail_to(kari.email)
    assert kari_mail.subject.startswith(f"Receipt: {case}")


@pytest.mark.parametrize("caseworker_language", ["nb", "en"])
def test_the_information_request_follows_the_applicant_not_the_caseworker(
        app, client, organisation, caseworker_language):
    emma, kari, nils, application = organisation
    login(client, kari)
    submit(client, application)
    office = app.test_client()
    caseworker = make_user("sara@example.no", Role.CASEWORKER)
    caseworker.locale = caseworker_language
    _db.session.commit()
    login(office, caseworker)  # reading the pages in their own language
    assert ("Apply for grants" in office.get("/").get_data(as_text=True)) == (
        caseworker_language == "en")
    declare(office, application)
    case_page = f"/saksbehandling/soknader/{application.id}"
    assert post_form(office, f"{case_page}/be-om-opplysninger",
                     {"message": "Send styrevedtaket."}, form_page=case_page).status_code == 302
    case = case_number(application)

    english = mail_to(emma.email)[-1]
    assert english.subject == f"We need more information: {case}"
    assert english.body_text.startswith("Hello,") and "Send styrevedtaket." in english.body_text
    for person in (kari, nils):
        norwegian = mail_to(person.email)[-1]
        assert norwegian.subject == f"Vi trenger flere opplysninger: {case}"
        assert norwegian.body_text.startswith("Hei,")
    assert mail_to(caseworker.email) == []


def test_the_login_picks_the_stored_language(app, db):
    person = make_user("emma@example.no")
    person.locale = "en"
    _db.session.commit()
    client = app.test_client()
    assert "Søk tilskudd" in client.get("/").get_data(as_text=True)  # before: Norwegian
    login(client, person)
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="en"' in html and "Apply for grants" in html
    # A choice made before logging in does not overwrite a stored one.
    other = app.test_client()
    choose_language(other, "nb")
    login(other, person)
    assert stored_locale(person) == "en"


def test_registering_in_english_gives_an_english_confirmation_mail(client, db):
    choose_language(client, "en")
    response = post_form(client, "/registrer", {
        "email": "new@example.no", "name": "New Person", "phone": "",
        "password": "et langt passord 123", "password_again": "et langt passord 123"},
        form_page="/registrer")
    assert response.status_code == 200
    _db.session.expire_all()
    person = _db.session.scalars(select(User).where(User.email == "new@example.no")).one()
    assert person.locale == "en"
    [mail] = mail_to("new@example.no")
    assert mail.subject == "Confirm your email address"


def test_mail_without_a_request_is_written_in_the_given_language(app, db):
    """From cron there is no request, so no language but the recipient's."""
    from flask_babel import lazy_gettext as _l
    user = make_user("emma@example.no")
    for locale, subject, greeting in (("en", "You already have an account", "Hello,"),
                                      ("nb", "Du har allerede en konto", "Hei,")):
        message = queue_mail(user.email, _l("Du har allerede en konto"), "already_registered",
                             locale=locale, login="http://fond.test/logg-inn",
                             reset="http://fond.test/glemt-passord")
        assert message.subject == subject
        assert message.body_text.startswith(greeting)


def test_every_mail_names_its_language_and_has_a_lazy_subject():
    """Each ``queue_mail`` in the code passes the recipient's ``locale``, and no subject is
    translated before it (``_()`` would fix it in the sender's language): a mail added
    later cannot forget."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "fund"
    senders = {"queue_mail", "tell_members", "_tell_members"}
    found, calls = [], 0
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id in senders):
                continue
            calls += 1
            where = f"{path.relative_to(root.parent)}:{node.lineno}"
            if node.func.id == "queue_mail" and "locale" not in {k.arg for k in node.keywords}:
                found.append(f"{where}: no locale=")
            subject = node.args[1] if len(node.args) > 1 else None
            eager = [n for n in ast.walk(subject) if isinstance(n, ast.Call)
                     and isinstance(n.func, ast.Name) and n.func.id in ("_", "gettext")] \
                if subject is not None else []
            if eager:
                found.append(f"{where}: subject translated with _() (use _l())")
    assert calls > 30 and found == []
