"""The pages the law requires: the accessibility statement (forskrift om universell
utforming av IKT) and the privacy notice (GDPR art. 13), linked from every page's footer
with the fund's contact and a word on appeals."""

import pytest

from fund.extensions import db as _db
from tests.helpers import html_of, login, make_call
from tests.test_pages import audit


def footer(html: str) -> str:
    return html.split('<footer class="site-footer">')[1].split("</footer>")[0]


@pytest.mark.parametrize("path", ["/tilgjengelighet", "/personvern"])
def test_anyone_can_read_the_pages_the_law_requires(client, applicant, path):
    anonymous = client.get(path)
    assert anonymous.status_code == 200 and audit(html_of(anonymous)) == []
    login(client, applicant)
    signed_in = client.get(path)
    assert signed_in.status_code == 200 and audit(html_of(signed_in)) == []


def test_every_page_links_both_pages_and_the_funds_contact_in_its_footer(client, applicant):
    call = make_call()
    _db.session.commit()
    pages = ["/", f"/utlysninger/{call.id}", "/logg-inn", "/tilskudd-tildelt"]
    for path in pages:
        bottom = footer(html_of(client.get(path)))
        assert 'href="/tilgjengelighet"' in bottom and 'href="/personvern"' in bottom, path
        assert "mailto:naeringsfond@lillestrom.kommune.no" in bottom, path
        assert "Vedtak kan påklages; fristen og hvordan står i vedtaksbrevet." in bottom, path
    login(client, applicant)
    bottom = footer(html_of(client.get("/min-side")))
    assert 'href="/tilgjengelighet"' in bottom and 'href="/personvern"' in bottom


def test_the_call_page_names_the_funds_contact(app, client, db, monkeypatch):
    monkeypatch.setitem(app.config, "FUND_CONTACT_EMAIL", "tilskudd@lillestrom.kommune.no")
    call = make_call()
    _db.session.commit()
    html = html_of(client.get(f"/utlysninger/{call.id}"))
    body = html.split('<main id="main"')[1].split("</main>")[0]
    assert 'href="mailto:tilskudd@lillestrom.kommune.no"' in body
    assert "Vedtak kan påklages" in body


def test_the_public_list_of_grants_links_the_privacy_notice(client, db):
    html = html_of(client.get("/tilskudd-tildelt"))
    privacy = html.split('id="privacy"')[1].split("</p>")[0]
    assert 'href="/personvern#mottakere"' in privacy


def test_the_privacy_notice_names_controller_bases_recipients_retention_rights_and_officer(
        app, client, db, monkeypatch):
    monkeypatch.setitem(app.config, "LETTERHEAD_ADDRESS", "Postboks 1, 2001 Lillestrøm")
    monkeypatch.setitem(app.config, "LETTERHEAD_ORG_NUMBER", "123 456 789")
    html = html_of(client.get("/personvern"))
    controller = html.split('id="controller"')[1].split("</p>")[0]
    assert "Lillestrøm kommune er behandlingsansvarlig" in controller
    assert "Postboks 1, 2001 Lillestrøm" in controller and "123 456 789" in controller
    for legal_basis in ("artikkel 6 nr. 1 bokstav e", "artikkel 6 nr. 1 bokstav c",
                        "forvaltningsloven", "offentleglova", "arkivlova"):
        assert legal_basis in html, legal_basis
    for recipient in ("innsyn etter offentleglova", "navn og organisasjonsnummer",
                      "Registeret for offentlig støtte", "Brønnøysund", "Arkivverket",
                      "økonomisystem"):
        assert recipient in html, recipient
    for right in ("innsyn i opplysningene", "retting", "sletting", "begrensning",
                  "protestere", "klage til Datatilsynet"):
        assert right in html, right
    assert "oppbevares i 10 år" in html
    officer = html.split('id="officer"')[1].split("</p>")[0]
    assert "personvernombudet i Lillestrøm kommune" in officer
    assert 'href="mailto:personvernombud@lillestrom.kommune.no"' in officer


def test_the_privacy_notice_follows_the_settings(app, client, db, monkeypatch):
    monkeypatch.setitem(app.config, "DE_MINIMIS_RETENTION_YEARS", 12)
    monkeypatch.setitem(app.config, "PRIVACY_OFFICER_CONTACT", "personvernombudet i IKA")
    monkeypatch.setitem(app.config, "PRIVACY_OFFICER_EMAIL", "ombud@example.no")
    html = html_of(client.get("/personvern"))
    assert "oppbevares i 12 år" in html and "oppbevares i 10 år" not in html
    assert "personvernombudet i IKA" in html and "mailto:ombud@example.no" in html


def test_the_accessibility_statement_states_standard_status_breaches_and_feedback(
        app, client, db, monkeypatch):
    monkeypatch.setitem(app.config, "ACCESSIBILITY_FEEDBACK_EMAIL", "uu@lillestrom.kommune.no")
    html = html_of(client.get("/tilgjengelighet"))
    assert "WCAG 2.1 nivå A og AA" in html and "innloggede sider" in html
    assert "delvis i samsvar" in html and "axe-core" in html and "320" in html
    assert "200 % forstørrelse" in html and "tastaturet alene" in html
    assert "ikke prøvd med skjermleser" in html
    breaches = html.split('id="brudd"')[1].split("</ul>")[0]
    assert breaches.count("<li>") == 4 and "PDF/UA" in breaches
    assert "tabulatortasten" not in breaches  # every table region a tab stop: fixed
    assert 'href="mailto:uu@lillestrom.kommune.no"' in html
    assert 'href="https://www.uutilsynet.no/"' in html and "Digitaliseringsdirektoratet" in html
    assert "sist oppdatert 28. november 2026" in html
