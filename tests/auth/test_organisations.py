"""Organisations: an applicant registers the business they apply for, checked against
the numbers' control digits and, when it answers, Enhetsregisteret; members add each
other; nobody else sees it except the municipality's staff."""

import json
import re
import socket
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import time_machine
from sqlalchemy import func, select

from fund.audit.models import AuditEvent
from fund.auth.models import Membership, Organisation
from fund.core.roles import Role
from fund.extensions import db as _db
from tests.helpers import html_of, login, make_organisation, make_user, post_form

KJELLER = {
    "orgnr": "912 345 688", "name": "Kjeller Grønn Energi AS", "org_form": "AS",
    "industry_code": "35.113", "address": "Gunnar Randers vei 19", "postcode": "2007",
    "city": "Kjeller", "municipality_number": "3205", "bank_account": "1234.56.78903",
    "vat_registered": "y",
}


@pytest.fixture
def other(db):
    return make_user("annen@example.no", name="Anne Annen")


@pytest.fixture
def caseworker(db):
    return make_user("saksbehandler@example.no", Role.CASEWORKER, name="Siri Saksbehandler")


def organisations(orgnr=None) -> list[Organisation]:
    _db.session.expire_all()
    query = select(Organisation)
    if orgnr:
        query = query.where(Organisation.orgnr == orgnr)
    return _db.session.scalars(query.order_by(Organisation.id)).all()


def member_emails(organisation) -> set[str]:
    _db.session.expire_all()
    return {m.user.email for m in _db.session.scalars(select(Membership).where(
        Membership.organisation_id == organisation.id))}


def audit(action) -> list[AuditEvent]:
    return _db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def register_organisation(client, **fields):
    return post_form(client, "/organisasjoner/ny", KJELLER | fields | {"submit": "1"})


def input_value(html, name) -> str | None:
    match = re.search(rf'<input[^>]*name="{name}"[^>]*>', html)
    assert match, f"no input {name}"
    value = re.search(r'value="([^"]*)"', match.group(0))
    return value.group(1) if value else None


# Registering an organisation ------------------------------------------------------------------

def test_an_applicant_registers_their_organisation_and_becomes_its_responsible_member(
        client, applicant):
    login(client, applicant)
    response = register_organisation(client)
    assert response.status_code == 302, html_of(response)[:2000]

    [organisation] = organisations()
    assert response.headers["Location"] == f"/organisasjoner/{organisation.id}?ny=1"
    assert organisation.orgnr == "912345688"  # typed with spaces
    assert organisation.bank_account == "12345678903"  # typed with dots
    assert organisation.name == "Kjeller Grønn Energi AS" and organisation.vat_registered
    assert organisation.municipality_number == "3205"
    assert organisation.register_checked_at is None and not organisation.bankrupt
    assert member_emails(organisation) == {applicant.email}
    assert [m.responsible for m in organisation.memberships] == [True]
    assert not organisation.is_verified  # until the right to act for it is proven

    [created] = audit("organisation.created")
    assert created.actor_id == applicant.id and created.object_id == organisation.id
    assert created.details == {"orgnr": "912345688", "name": "Kjeller Grønn Energi AS"}
    [account] = audit("organisation.bank_account_changed")  # who gave which account
    assert account.actor_id == applicant.id
    assert account.details == {"old": None, "new": "12345678903"}

    page = html_of(client.get(response.headers["Location"]))
    assert "Organisasjonen er registrert." in page
    assert "912 345 688" in page and "1234.56.78903" in page
    assert "ikke i Lillestrøm" not in page
    assert "Ikke verifisert" in page
    mine = html_of(client.get("/min-side"))
    assert "Kjeller Grønn Energi AS" in mine and "Ikke verifisert" in mine


def test_after_registering_the_organisation_the_next_step_leads_to_apply_now(
        client, applicant):
    from tests.helpers import make_call
    call = make_call(title="Næringsfondet 2027")
    _db.session.commit()
    login(client, applicant)
    response = register_organisation(client)
    page = html_of(client.get(response.headers["Location"]))
    assert "Organisasjonen er registrert." in page
    assert "Neste steg: søk om tilskudd" in page
    calls_link = re.search(r'<a class="ds-button" href="([^"]+)">Se åpne utlysninger', page)
    assert calls_link.group(1) == "/#open-heading"
    front = html_of(client.get("/"))
    assert "Næringsfondet 2027" in front
    assert f'href="/utlysninger/{call.id}/soknad">Søk nå' in front
    # The step is shown once, after registering; the organisation's page is itself again.
    [organisation] = organisations()
    assert "Neste steg" not in html_of(client.get(f"/organisasjoner/{organisation.id}"))


def test_an_address_outside_lillestrom_is_pointed_out(client, applicant):
    login(client, applicant)
    response = register_organisation(client, municipality_number="0301", city="Oslo")
    page = html_of(client.get(response.headers["Location"]))
    assert "Organisasjonens adresse er ikke i Lillestrøm" in page


@pytest.mark.parametrize("field, typed, message", [
    ("orgnr", "912345687", "Organisasjonsnummeret er ikke gyldig. Sjekk om du har skrevet "
                           "feil – kontrollsifferet stemmer ikke."),
    ("orgnr", "91234568", "Organisasjonsnummeret må ha 9 siffer."),
    ("orgnr", "912 345 68B", "Organisasjonsnummeret kan bare inneholde siffer."),
    ("bank_account", "1234.56.78904", "Kontonummeret er ikke gyldig. Sjekk om du har skrevet "
                                      "feil – kontrollsifferet stemmer ikke."),
    ("bank_account", "1234.56.7890", "Kontonummeret må ha 11 siffer."),
    ("bank_account", "1234566", "Kontonummeret må ha 11 siffer."),  # stdnum allows 7
    ("postcode", "207", "Postnummeret har 4 siffer."),
])
def test_a_typo_in_a_number_is_explained_and_nothing_is_saved(client, applicant, field, typed,
                                                              message):
    login(client, applicant)
    response = register_organisation(client, **{field: typed})
    assert response.status_code == 200
    html = html_of(response)
    assert message in html
    assert f'href="#{field}"' in html  # the error summary links to the field
    assert input_value(html, field) == typed
    assert input_value(html, "name") == "Kjeller Grønn Energi AS"
    assert organisations() == [] and audit("organisation.created") == []


def test_a_name_is_required(client, applicant):
    login(client, applicant)
    response = register_organisation(client, name="")
    assert "Skriv inn organisasjonens navn." in html_of(response)
    assert organisations() == []


def test_an_organisation_already_registered_offers_an_invitation_or_a_claim(
        client, applicant, other):
    existing = make_organisation(other)
    login(client, applicant)
    response = register_organisation(client, orgnr="912345688", name="Et annet navn")
    assert response.status_code == 200
    html = html_of(response)
    assert ("Organisasjonen er allerede registrert av andre. Har du rett til å representere "
            "den, kan du be et av medlemmene om en invitasjon, eller gjøre krav på "
            "organisasjonen.") in html
    assert 'href="/organisasjoner/krav?orgnr=912345688"' in html
    assert "Gjør krav på organisasjonen" in html
    assert member_emails(existing) == {other.email}
    assert len(organisations()) == 1 and organisations()[0].name == "Kjeller Grønn Energi AS"


def test_only_applicants_register_organisations(client, caseworker):
    login(client, caseworker)
    assert client.get("/organisasjoner/ny").status_code == 403


# Who sees what --------------------------------------------------------------------------------

def test_another_applicant_is_told_the_organisation_does_not_exist(client, applicant, other):
    organisation = make_organisation(applicant)
    base = f"/organisasjoner/{organisation.id}"
    login(client, other)

    nonexistent = client.get("/organisasjoner/999999")
    assert nonexistent.status_code == 404
    for path in (base, f"{base}/rediger"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "Vi finner ikke siden du leter etter." in html_of(response)
    posts = [(f"{base}/rediger", KJELLER | {"name": "Overtatt AS", "submit": "1"}),
             (f"{base}/invitasjoner", {"email": other.email}),
             (f"{base}/medlemmer/{applicant.id}/fjern", {}),
             (f"{base}/medlemmer/{other.id}/ansvarlig", {}),
             (f"{base}/bekreft-rolle", {"birth_date": "17.05.1980"})]
    for path, data in posts:
        response = post_form(client, path, data, form_page="/organisasjoner/ny")
        assert response.status_code == 404, path

    assert member_emails(organisation) == {applicant.email}
    assert organisations()[0].name == "Kjeller Grønn Energi AS"
    assert "Kjeller Grønn Energi AS" not in html_of(client.get("/min-side"))


def test_a_caseworker_sees_the_organisation_but_cannot_change_it(client, applicant, caseworker):
    organisation = make_organisation(applicant)
    base = f"/organisasjoner/{organisation.id}"
    login(client, caseworker)

    page = client.get(base)
    assert page.status_code == 200
    html = html_of(page)
    assert "Kjeller Grønn Energi AS" in html and applicant.email in html
    assert "Endre opplysningene" not in html and "Send invitasjon" not in html
    assert client.get(f"{base}/rediger").status_code == 404
    response = post_form(client, f"{base}/invitasjoner", {"email": caseworker.email},
                         form_page=base)
    assert response.status_code == 404
    assert member_emails(organisation) == {applicant.email}


def test_a_member_edits_the_details_but_not_the_organisation_number(client, applicant):
    organisation = make_organisation(applicant)
    login(client, applicant)
    path = f"/organisasjoner/{organisation.id}/rediger"
    assert 'value="Kjeller Grønn Energi AS"' in html_of(client.get(path))
    response = post_form(client, path, KJELLER | {
        "orgnr": "974760673", "bank_account": "8601 11 17947", "submit": "1"})
    assert response.headers["Location"] == f"/organisasjoner/{organisation.id}"
    [stored] = organisations()
    assert stored.orgnr == "912345688" and stored.bank_account == "86011117947"
    [updated] = audit("organisation.updated")
    assert updated.actor_id == applicant.id
    assert "bank_account" not in updated.details["changes"]  # a change of its own:
    [changed] = audit("organisation.bank_account_changed")
    assert changed.actor_id == applicant.id
    assert changed.details == {"old": None, "new": "86011117947"}


# Members (invitations and removal: see test_organisation_members.py) ------------------------

def test_the_last_member_cannot_be_removed_but_others_can(app, client, applicant, other):
    organisation = make_organisation(applicant)
    base = f"/organisasjoner/{organisation.id}"
    login(client, applicant)

    response = post_form(client, f"{base}/medlemmer/{applicant.id}/fjern", {}, form_page=base)
    assert response.headers["Location"] == f"{base}#medlemmer"
    assert "Organisasjonen må ha minst ett medlem." in html_of(client.get(base))
    assert member_emails(organisation) == {applicant.email}

    _db.session.add(Membership(organisation=organisation, user=other))
    _db.session.commit()
    response = post_form(client, f"{base}/medlemmer/{other.id}/fjern", {}, form_page=base)
    assert "Anne Annen er fjernet." in html_of(client.get(response.headers["Location"]))
    assert member_emails(organisation) == {applicant.email}
    assert audit("organisation.member_removed")[0].details == {"member": other.email}

    theirs = app.test_client()
    login(theirs, other)
    assert theirs.get(base).status_code == 404


def test_a_member_can_leave_when_someone_else_stays(client, applicant, other):
    organisation = make_organisation(applicant, other)
    base = f"/organisasjoner/{organisation.id}"
    login(client, other)
    response = post_form(client, f"{base}/medlemmer/{other.id}/fjern", {}, form_page=base)
    assert response.headers["Location"] == "/min-side"
    assert member_emails(organisation) == {applicant.email}
    assert client.get(base).status_code == 404


# Enhetsregisteret -----------------------------------------------------------------------------

def _address(*lines, postnummer, poststed, kommune, kommunenummer):
    return {"land": "Norge", "landkode": "NO", "postnummer": postnummer, "poststed": poststed,
            "adresse": list(lines), "kommune": kommune, "kommunenummer": kommunenummer}


def _entity(orgnr, navn, form=("AS", "Aksjeselskap"),
            naering=("35.113", "Produksjon av elektrisitet fra vindkraft"), **flags):
    return {
        "organisasjonsnummer": orgnr, "navn": navn,
        "organisasjonsform": {"kode": form[0], "beskrivelse": form[1], "_links": {"self": {
            "href": f"https://data.brreg.no/enhetsregisteret/api/organisasjonsformer/{form[0]}"}}},
        "registreringsdatoEnhetsregisteret": "2013-08-14",
        "registrertIMvaregisteret": True,
        "naeringskode1": {"kode": naering[0], "beskrivelse": naering[1]},
        "antallAnsatte": 12, "harRegistrertAntallAnsatte": True,
        "forretningsadresse": _address("Gunnar Randers vei 19", "Bygg 7", postnummer="2007",
                                       poststed="KJELLER", kommune="LILLESTRØM",
                                       kommunenummer="3205"),
        "institusjonellSektorkode": {"kode": "2100",
                                     "beskrivelse": "Private aksjeselskaper mv."},
        "registrertIForetaksregisteret": True, "registrertIStiftelsesregisteret": False,
        "registrertIFrivillighetsregisteret": False,
        "konkurs": False, "underAvvikling": False,
        "underTvangsavviklingEllerTvangsopplosning": False,
        "maalform": "Bokmål",
        "_links": {"self": {"href": f"https://data.brreg.no/enhetsregisteret/api/enheter/{orgnr}"}},
    } | flags


ENHETER = {
    "912345688": _entity("912345688", "KJELLER GRØNN ENERGI AS"),
    "921354002": _entity("921354002", "STRØMMEN SYKKEL OG SKI AS", konkurs=True,
                         konkursdato="2025-03-03"),
    "971200006": _entity("971200006", "LILLESTRØM SNEKKERI AS",
                         underTvangsavviklingEllerTvangsopplosning=True,
                         tvangsopplostPgaManglendeRegnskapDato="2025-01-10"),
}
UNDERENHETER = {
    "913579003": {
        "organisasjonsnummer": "913579003", "navn": "KJELLER GRØNN ENERGI AS AVD SKEDSMOKORSET",
        "overordnetEnhet": "912345688",
        "organisasjonsform": {"kode": "BEDR", "beskrivelse": "Underenhet til næringsdrivende "
                                                             "og offentlig forvaltning"},
        "naeringskode1": {"kode": "43.210", "beskrivelse": "Elektrisk installasjonsarbeid"},
        "antallAnsatte": 4, "oppstartsdato": "2019-05-01",
        "beliggenhetsadresse": _address("Trondheimsvegen 120", postnummer="2020",
                                        poststed="SKEDSMOKORSET", kommune="LILLESTRØM",
                                        kommunenummer="3205"),
        "_links": {"self": {
            "href": "https://data.brreg.no/enhetsregisteret/api/underenheter/913579003"}},
    },
}
def _person(fornavn, etternavn, born, mellomnavn=None, **flags):
    navn = {"fornavn": fornavn, "etternavn": etternavn} | (
        {"mellomnavn": mellomnavn} if mellomnavn else {})
    return {"fodselsdato": born, "navn": navn, "erDoed": False} | flags


def _role(kode, beskrivelse, person=None, fratraadt=False, **more):
    return {"type": {"kode": kode, "beskrivelse": beskrivelse},
            **({"person": person} if person else {}), "fratraadt": fratraadt,
            "rekkefolge": 0} | more


def _group(kode, beskrivelse, *roles):
    return {"type": {"kode": kode, "beskrivelse": beskrivelse}, "sistEndret": "2024-03-01",
            "roller": list(roles)}


#: Enhetsregisteret's roles, as /enheter/{orgnr}/roller answers them.
ROLLER = {
    "912345688": {"rollegrupper": [
        _group("DAGL", "Daglig leder/ adm.direktør",
               _role("DAGL", "Daglig leder/ adm.direktør",
                     _person("Kari", "Nordmann", "1980-05-17"))),
        _group("STYR", "Styre",
               _role("LEDE", "Styrets leder",
                     _person("Per Olav", "Berg", "1961-02-03", mellomnavn="Hansen")),
               _role("MEDL", "Styremedlem", _person("Anne", "Annen", "1990-10-10")),
               _role("MEDL", "Styremedlem", _person("Siv", "Død", "1950-01-01", erDoed=True))),
        _group("PROK", "Prokura",
               _role("PROK", "Prokura", _person("Ola", "Nordmann", "1975-01-01"),
                     fratraadt=True)),
        _group("REVI", "Revisor",
               _role("REVI", "Revisor", enhet={"organisasjonsnummer": "974760673",
                                               "navn": ["REVISJON AS"]})),
    ]},
    "974760673": {"rollegrupper": "ikke en liste"},  # not the shape the register documents
}
UNKNOWN = "998877008"
BROKEN = "810000007"  # the register answers 500 for this one


class _Brreg(BaseHTTPRequestHandler):
    def do_GET(self):
        self.server.paths.append(self.path)
        match = re.fullmatch(r"/enhetsregisteret/api/(enheter|underenheter)/(\d{9})(/roller)?",
                             self.path)
        kind, orgnr, roles = match.groups() if match else (None, None, None)
        if orgnr == BROKEN:
            return self._send(500, {"status": 500, "error": "Internal Server Error"})
        if roles:
            kind = "roller" if kind == "enheter" else None
        data = {"enheter": ENHETER, "underenheter": UNDERENHETER, "roller": ROLLER
                }.get(kind, {}).get(orgnr)
        if data is None:
            return self._send(404, {
                "timestamp": "2026-01-05T10:00:00.000+00:00", "status": 404,
                "error": "Not Found", "path": self.path})
        self._send(200, data)

    def _send(self, status, body):
        payload = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json;charset=UTF-8")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def brreg(app, monkeypatch):
    """A stand-in for data.brreg.no on a local port, switched on in the app."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Brreg)
    server.paths = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setitem(app.config, "BRREG_ENABLED", True)
    monkeypatch.setitem(app.config, "BRREG_BASE_URL",
                        f"http://127.0.0.1:{server.server_port}/enhetsregisteret/api")
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def look_up(client, orgnr, path="/organisasjoner/ny"):
    return post_form(client, path, {"orgnr": orgnr, "lookup": "1"})


def form_values(html) -> dict:
    return {name: input_value(html, name) for name in (
        "orgnr", "name", "org_form", "industry_code", "address", "postcode", "city",
        "municipality_number")}


def test_without_the_register_there_is_no_lookup_button(client, applicant):
    login(client, applicant)
    assert 'name="lookup"' not in html_of(client.get("/organisasjoner/ny"))


def test_the_lookup_fills_the_form_and_saving_records_the_check(client, applicant, brreg):
    login(client, applicant)
    assert 'name="lookup"' in html_of(client.get("/organisasjoner/ny"))
    moment = datetime.now(UTC).replace(microsecond=0)  # forward only: the session is signed
    with time_machine.travel(moment, tick=False):
        response = look_up(client, "912 345 688")
    assert response.status_code == 200
    html = html_of(response)
    assert brreg.paths == ["/enhetsregisteret/api/enheter/912345688"]
    assert "Opplysningene er hentet fra Enhetsregisteret. Sjekk dem og lagre." in html
    assert "konkurs" not in html
    values = form_values(html)
    assert values == {
        "orgnr": "912345688", "name": "KJELLER GRØNN ENERGI AS", "org_form": "AS",
        "industry_code": "35.113", "address": "Gunnar Randers vei 19, Bygg 7",
        "postcode": "2007", "city": "KJELLER", "municipality_number": "3205"}
    assert re.search(r'<input[^>]*checked[^>]*name="vat_registered"', html)  # from the register
    assert organisations() == []  # looking up saves nothing

    with time_machine.travel(moment + timedelta(minutes=2), tick=False):
        response = post_form(client, "/organisasjoner/ny", values | {
            "bank_account": "1234.56.78903", "vat_registered": "y", "submit": "1"})
        assert response.status_code == 302
        page = html_of(client.get(response.headers["Location"]))
    assert "Sjekket mot Enhetsregisteret" in page
    [organisation] = organisations()
    assert organisation.name == "KJELLER GRØNN ENERGI AS"
    assert organisation.address == "Gunnar Randers vei 19, Bygg 7"
    assert organisation.register_checked_at == moment
    assert organisation.bankrupt is False and organisation.under_liquidation is False
    assert organisation.vat_registered is True


@pytest.mark.parametrize("orgnr, bankrupt, under_liquidation", [
    ("921354002", True, False),
    ("971200006", False, True),
])
def test_a_bankrupt_or_dissolving_organisation_is_flagged(client, applicant, brreg, orgnr,
                                                         bankrupt, under_liquidation):
    login(client, applicant)
    html = html_of(look_up(client, orgnr))
    assert "Merk: Enhetsregisteret oppgir at organisasjonen er konkurs eller under " \
           "avvikling." in html
    response = post_form(client, "/organisasjoner/ny", form_values(html) | {"submit": "1"})
    [organisation] = organisations()
    assert (organisation.bankrupt, organisation.under_liquidation) == (
        bankrupt, under_liquidation)
    page = html_of(client.get(response.headers["Location"]))
    assert "Den kan ikke få tilskudd." in page


def test_register_flags_apply_only_to_the_number_that_was_looked_up(client, applicant, brreg):
    login(client, applicant)
    html = html_of(look_up(client, "921354002"))
    response = register_organisation(client, orgnr="912345688",
                                     name=input_value(html, "name"))
    assert response.status_code == 302
    [organisation] = organisations()
    assert organisation.bankrupt is False and organisation.register_checked_at is None


def test_an_unknown_number_is_reported_and_a_sub_unit_is_found(client, applicant, brreg):
    login(client, applicant)
    html = html_of(look_up(client, UNKNOWN))
    assert "Fant ikke organisasjonsnummeret i Enhetsregisteret." in html
    assert brreg.paths == [f"/enhetsregisteret/api/enheter/{UNKNOWN}",
                           f"/enhetsregisteret/api/underenheter/{UNKNOWN}"]
    assert input_value(html, "orgnr") == UNKNOWN

    values = form_values(html_of(look_up(client, "913579003")))
    assert values == {
        "orgnr": "913579003", "name": "KJELLER GRØNN ENERGI AS AVD SKEDSMOKORSET",
        "org_form": "BEDR", "industry_code": "43.210", "address": "Trondheimsvegen 120",
        "postcode": "2020", "city": "SKEDSMOKORSET", "municipality_number": "3205"}


def test_a_lookup_with_a_typo_does_not_ask_the_register(client, applicant, brreg):
    login(client, applicant)
    html = html_of(look_up(client, "912345687"))
    assert "kontrollsifferet stemmer ikke" in html
    assert brreg.paths == []


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("trouble", ["unreachable", "server error"])
def test_when_the_register_does_not_answer_the_form_is_filled_by_hand(
        app, client, applicant, brreg, monkeypatch, trouble):
    if trouble == "unreachable":
        monkeypatch.setitem(app.config, "BRREG_BASE_URL",
                            f"http://127.0.0.1:{_closed_port()}/enhetsregisteret/api")
    orgnr = "912345688" if trouble == "unreachable" else BROKEN
    login(client, applicant)
    response = look_up(client, orgnr)
    assert response.status_code == 200
    html = html_of(response)
    assert "Enhetsregisteret svarer ikke akkurat nå. Fyll ut opplysningene selv." in html
    assert input_value(html, "orgnr") == orgnr and input_value(html, "name") in (None, "")

    response = register_organisation(client, orgnr=orgnr)
    assert response.status_code == 302
    [organisation] = organisations()
    assert organisation.orgnr == orgnr and organisation.name == "Kjeller Grønn Energi AS"
    assert organisation.register_checked_at is None


def test_a_member_refreshes_the_details_from_the_register(client, applicant, brreg):
    organisation = make_organisation(applicant, name="Gammelt navn AS")
    path = f"/organisasjoner/{organisation.id}/rediger"
    login(client, applicant)
    html = html_of(post_form(client, path, {"lookup": "1"}))
    assert input_value(html, "name") == "KJELLER GRØNN ENERGI AS"
    response = post_form(client, path, form_values(html) | {"submit": "1"})
    assert response.headers["Location"] == f"/organisasjoner/{organisation.id}"
    [stored] = organisations()
    assert stored.name == "KJELLER GRØNN ENERGI AS" and stored.register_checked_at is not None
    count = _db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "organisation.updated"))
    assert count == 1


# Proving the right to act with a role in Enhetsregisteret ---------------------------------------

def confirm_role(client, organisation, birth_date):
    base = f"/organisasjoner/{organisation.id}"
    return post_form(client, f"{base}/bekreft-rolle", {"birth_date": birth_date}, form_page=base)


@pytest.fixture
def kari(db):
    """The daglig leder in the stand-in register, with an account in her own name."""
    return make_user("kari@example.no", name="Kari  NORDMANN")


def test_the_daglig_leder_confirms_her_role_and_the_organisation_is_verified(
        client, brreg, kari, other):
    organisation = make_organisation(other, kari)  # Anne registered it; Kari joined
    base = f"/organisasjoner/{organisation.id}"
    login(client, kari)
    page = html_of(client.get(base))
    assert "Ikke verifisert" in page and "Bekreft med rollen din i Enhetsregisteret" in page
    form = html_of(client.get(f"{base}/bekreft-rolle"))
    assert "Kari  NORDMANN" in form and "daglig leder" in form

    response = confirm_role(client, organisation, "17.05.1980")
    assert response.headers["Location"] == f"{base}#verifisering"
    assert brreg.paths[-1] == "/enhetsregisteret/api/enheter/912345688/roller"
    page = html_of(client.get(base))
    assert "Organisasjonen er verifisert: du står i Enhetsregisteret med daglig leder." in page
    assert "Ikke verifisert" not in page
    assert "Ikke verifisert" not in html_of(client.get("/min-side"))

    [stored] = organisations()
    assert stored.is_verified and stored.verified_how.value == "register_role"
    assert stored.verified_by_id == kari.id
    assert "Daglig leder" in stored.verification_note and "DAGL" in stored.verification_note
    responsible = {m.user.email: m.responsible for m in stored.memberships}
    assert responsible == {other.email: True, kari.email: True}  # Kari is responsible now
    [verified] = audit("organisation.verified")
    assert verified.actor_id == kari.id and verified.details["how"] == "register_role"
    assert "17.05.1980" not in str(verified.details) and "1980-05-17" not in str(verified.details)


@pytest.mark.parametrize("name, birth_date, message", [
    ("Kari Nordmann", "18.05.1980", "Fødselsdatoen stemmer ikke med Enhetsregisteret."),
    ("Kari Nordmann", "1980-05-18", "Fødselsdatoen stemmer ikke med Enhetsregisteret."),
    # A board member is not one who may act for it alone; a prokurist who resigned neither.
    ("Anne Annen", "10.10.1990", "står ikke i Enhetsregisteret som daglig leder"),
    ("Ola Nordmann", "01.01.1975", "står ikke i Enhetsregisteret som daglig leder"),
    ("Kari Hansen", "17.05.1980", "står ikke i Enhetsregisteret som daglig leder"),
])
def test_a_wrong_person_or_birth_date_is_refused_and_nothing_changes(
        client, brreg, name, birth_date, message):
    member = make_user("medlem@example.no", name=name)
    organisation = make_organisation(member)
    login(client, member)
    response = confirm_role(client, organisation, birth_date)
    assert response.status_code == 200
    assert message in html_of(response)
    [stored] = organisations()
    assert not stored.is_verified
    assert len(audit("organisation.role_check_failed")) == 1
    assert audit("organisation.verified") == []


def test_the_styreleder_may_leave_out_a_middle_name(client, brreg):
    member = make_user("per@example.no", name="Per Berg")
    organisation = make_organisation(member)
    login(client, member)
    confirm_role(client, organisation, "03.02.1961")
    assert organisations()[0].verified_how.value == "register_role"


def test_a_sub_unit_is_confirmed_with_the_roles_of_its_main_unit(client, brreg, kari):
    organisation = make_organisation(kari, orgnr="913579003")
    login(client, kari)
    confirm_role(client, organisation, "17.05.1980")
    assert brreg.paths == ["/enhetsregisteret/api/enheter/913579003/roller",
                           "/enhetsregisteret/api/underenheter/913579003",
                           "/enhetsregisteret/api/enheter/912345688/roller"]
    assert organisations()[0].is_verified


def test_guessing_the_birth_date_is_stopped_after_five_attempts(client, brreg, kari):
    organisation = make_organisation(kari)
    login(client, kari)
    for day in range(1, 6):
        response = confirm_role(client, organisation, f"{day:02}.01.1980")
        assert "Fødselsdatoen stemmer ikke" in html_of(response)
    response = confirm_role(client, organisation, "17.05.1980")  # right, but too late
    assert response.status_code == 429
    assert "Du har prøvd for mange ganger." in html_of(response)
    assert not organisations()[0].is_verified
    assert len(audit("organisation.role_check_blocked")) == 1


@pytest.mark.parametrize("trouble", ["unreachable", "server error"])
def test_when_the_register_does_not_answer_the_attempt_does_not_count(
        app, client, brreg, kari, monkeypatch, trouble):
    orgnr = "912345688"
    if trouble == "unreachable":
        monkeypatch.setitem(app.config, "BRREG_BASE_URL",
                            f"http://127.0.0.1:{_closed_port()}/enhetsregisteret/api")
    else:
        orgnr = BROKEN
    organisation = make_organisation(kari, orgnr=orgnr)
    login(client, kari)
    monkeypatch.setitem(app.config, "ROLE_CHECK_MAX_ATTEMPTS", 1)
    for _attempt in range(2):
        response = confirm_role(client, organisation, "17.05.1980")
        assert response.status_code == 200
        assert "Enhetsregisteret svarer ikke akkurat nå" in html_of(response)
    assert not organisations()[0].is_verified


@pytest.mark.parametrize("orgnr, message", [
    (UNKNOWN, "Fant ikke organisasjonsnummeret i Enhetsregisteret. Be kommunen om å "
              "verifisere organisasjonen."),
    ("974760673", "Enhetsregisteret svarer ikke akkurat nå"),
])
def test_an_unknown_number_or_a_strange_answer_is_explained(client, brreg, kari, orgnr,
                                                            message):
    organisation = make_organisation(kari, orgnr=orgnr)
    login(client, kari)
    response = confirm_role(client, organisation, "17.05.1980")
    assert response.status_code == 200 and message in html_of(response)
    assert not organisations()[0].is_verified


def test_junk_in_the_organisation_forms_gives_a_message_not_an_error(app, client, brreg, kari):
    from fund.auth.models import Claim, Invitation
    staff = make_user("saksbehandler@example.no", Role.CASEWORKER)
    organisation = make_organisation(kari, bank_account="12345678903",
                                     pending_bank_account="86011117947")
    claim = Claim(organisation=organisation, claimant=make_user("krav@example.no"), reason="x")
    invitation = Invitation(organisation=organisation, email="kari@example.no",
                            invited_by=kari)
    _db.session.add_all([claim, invitation])
    _db.session.commit()
    base = f"/organisasjoner/{organisation.id}"
    junk = ["", " ", "x" * 5000, "\u0000", "1e309", "31.02.1980", "1980-13-45",
            "<script>alert(1)</script>", "ÆØÅ\u202e", "-1"]
    names = ["email", "orgnr", "reason", "birth_date", "verify-note", "unverify-note",
             f"claim-{claim.id}-note", f"claim-{claim.id}-confirm", f"claim-{claim.id}-reject",
             "bank-note", "bank-confirm", "bank-reject"]
    paths = {kari: [f"{base}/invitasjoner", f"{base}/bekreft-rolle", "/organisasjoner/krav"],
             staff: [f"{base}/verifiser", f"{base}/verifisering/fjern",
                     f"{base}/krav/{claim.id}", f"{base}/kontonummer",
                     "/organisasjoner/oppfolging?side=" + "9" * 30]}
    errors = []
    for user, user_paths in paths.items():
        browser = app.test_client()
        login(browser, user)
        token = re.search(r'name="csrf_token" value="([^"]+)"',
                          html_of(browser.get("/min-side"))).group(1)
        for path in user_paths:
            for value in junk:
                if "?" in path:
                    response = browser.get(path)
                else:
                    response = browser.post(path, data={n: value for n in names}
                                            | {"csrf_token": token})
                if response.status_code >= 500:
                    errors.append(f"{path} {value[:20]!r}: {response.status_code}")
    assert errors == []


def test_without_the_register_the_member_is_sent_to_the_municipality(client, kari):
    organisation = make_organisation(kari)
    base = f"/organisasjoner/{organisation.id}"
    login(client, kari)
    assert "Bekreft med rollen din" not in html_of(client.get(base))
    response = client.get(f"{base}/bekreft-rolle")
    assert response.headers["Location"] == f"{base}#verifisering"
    assert "Be kommunen om å verifisere organisasjonen." in html_of(client.get(base))


def test_an_organisation_already_verified_is_not_confirmed_again(client, brreg, kari):
    organisation = make_organisation(kari)
    organisation.verified_at = datetime.now(UTC)
    _db.session.commit()
    login(client, kari)
    response = confirm_role(client, organisation, "17.05.1980")
    assert response.status_code == 302
    assert brreg.paths == []


@pytest.mark.parametrize("account_name, matches", [
    ("Per Olav Hansen Berg", True),
    ("per  olav   BERG", True),
    ("Per Berg", True),
    ("Olav Berg", True),  # goes by his second given name
    ("Hansen Berg", True),
    ("Per Olav Hansen-Berg", True),
    ("Per Nordmann", False),
    ("Per Berg Hansen", False),
    ("Per Olav Kristian Berg", False),  # a name the register does not have
    ("Berg", False),
    ("Berg Per", False),
    ("", False),
])
def test_an_account_name_matches_a_role_holder_sensibly(account_name, matches):
    from fund.auth.brreg import RoleHolder, is_named
    holder = RoleHolder(role="LEDE", role_description="Styrets leder", first_name="Per Olav",
                        middle_name="Hansen", last_name="Berg", birth_date=None)
    assert is_named(account_name, holder) is matches
