"""Business secrets are the applicant's request, not a decision: the applicant asks for an
exemption from public access («ber om unntak») for a text field, an attachment or a budget
line, with a reason; the public summary can never be asked for; and every page and PDF says
it is the applicant's request."""

import io
import re

import pytest
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from fund.applications.models import (
    Application,
    ApplicationError,
    ApplicationState,
    ExemptionRequest,
)
from fund.applications.operations import save_draft, submit
from fund.extensions import db as _db
from fund.mail.models import OutboxMessage
from tests.helpers import (
    attach,
    browser_form,
    html_of,
    login,
    make_application,
    make_call,
    make_organisation,
    make_user,
)


def fresh(application) -> Application:
    _db.session.expire_all()
    return _db.session.get(Application, application.id)


def pdf_text(data: bytes) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)


@pytest.fixture
def draft(db):
    user = make_user("siri@example.no", name="Siri Søker")
    org = make_organisation(user)
    application = make_application(make_call(), org, user)
    attach(application, user, filename="tilbud.pdf")
    _db.session.commit()
    return user, application


def save(client, application, data):
    path = f"/soknader/{application.id}"
    fields = browser_form(client.get(path).get_data(as_text=True), "application-form")
    fields.update(data)
    return client.post(path, data={**fields, "save": "1"})


def test_the_applicant_asks_for_exemptions_for_a_field_a_file_and_budget_lines(client, draft):
    user, application = draft
    attachment = application.attachments[0]
    login(client, user)
    form = html_of(client.get(f"/soknader/{application.id}"))
    assert "Be om unntak fra offentlighet?" in form and "Taushetsbelagt" not in form
    assert "skal unntas" not in form
    assert "Kommunen vurderer selv hva som kan unntas" in form
    response = save(client, application, {
        "exempt-description": "1", "exempt-reason-description": "Beskriver prisstrategien.",
        f"exempt-attachment-{attachment.id}": "1",
        f"exempt-reason-attachment-{attachment.id}": "Leverandørens priser.",
        "cost_lines-0-exempt": "y", "cost_lines-0-exempt_reason": "Konsulentens timepris.",
        "financing_lines-0-exempt": "y",
        "financing_lines-0-exempt_reason": "Eierens private midler."})
    assert response.status_code == 302
    application = fresh(application)
    assert application.exemption_reason("description") == "Beskriver prisstrategien."
    assert application.attachments[0].exemption_reason == "Leverandørens priser."
    assert application.cost_lines[0].exemption_reason == "Konsulentens timepris."
    assert application.financing_lines[0].exemption_reason == "Eierens private midler."
    # the form shows them again as asked
    form = html_of(client.get(f"/soknader/{application.id}"))
    assert 'value="Konsulentens timepris."' in form and "dere ber om unntak" in form

    # a line whose request is taken back keeps no reason
    response = save(client, application, {"cost_lines-0-exempt": ""})
    assert response.status_code == 302
    assert fresh(application).cost_lines[0].exemption_reason is None


def test_a_request_needs_a_reason(client, draft):
    user, application = draft
    login(client, user)
    html = html_of(save(client, application, {
        "exempt-goals": "1", "exempt-reason-goals": "",
        "cost_lines-0-exempt": "y", "cost_lines-0-exempt_reason": ""}))
    assert "Skriv hvorfor dere ber om unntak fra offentlighet for «Mål»." in html
    assert "Skriv hvorfor dere ber om unntak for linjen." in html
    application = fresh(application)
    assert application.exemption_requests == []
    assert application.cost_lines[0].exemption_reason is None


def test_the_public_summary_cannot_be_asked_for(app, client, draft):
    user, application = draft
    login(client, user)
    form = html_of(client.get(f"/soknader/{application.id}"))
    assert 'name="exempt-summary"' not in form  # nothing to tick
    assert "Sammendraget blir offentliggjort når tilskudd gis, og kan ikke unntas" in form
    # posted all the same (an old page, a crafted request): refused, in Norwegian
    html = html_of(save(client, application, {
        "exempt-summary": "1", "exempt-reason-summary": "Hemmelig.",
        "exempt-goals": "1", "exempt-reason-goals": "Inneholder kundeliste."}))
    assert "Sammendraget blir offentliggjort når tilskudd gis, og kan ikke unntas fra " \
           "offentlighet. Skriv forretningshemmeligheter i et annet felt" in html
    assert fresh(application).exemption_requests == []
    # the operation refuses it too, and the database as a last line
    with pytest.raises(ApplicationError, match="Sammendraget blir offentliggjort"):
        save_draft(fresh(application), user, None, exemptions={"summary": "Hemmelig."})
    _db.session.rollback()
    _db.session.add(ExemptionRequest(application_id=application.id, field="summary",
                                     reason="Hemmelig."))
    with pytest.raises(IntegrityError):
        _db.session.flush()
    _db.session.rollback()


def test_the_receipt_and_the_pages_say_it_is_the_applicants_request(app, client, draft):
    user, application = draft
    application.exemption_requests.append(ExemptionRequest(
        field="background", reason="Viser produksjonskapasiteten."))
    application.cost_lines[0].exemption_reason = "Konsulentens timepris."
    application.attachments[0].exemption_reason = "Leverandørens priser."
    application.archive_reference = None
    _db.session.commit()
    with app.test_request_context():
        submit(application, user)
    _db.session.commit()
    login(client, user)
    text = pdf_text(client.get(f"/soknader/{application.id}/kvittering.pdf").data)
    flat = re.sub(r"\s+", " ", text)
    assert "Taushetsbelagt" not in flat and "skal unntas" not in flat
    assert "Søker ber om unntak: Viser produksjonskapasiteten." in flat
    assert "Søker ber om unntak: Konsulentens timepris." in flat
    assert "Søker ber om unntak: Leverandørens priser." in flat
    assert "Det er en anmodning, ikke en avgjørelse" in flat
    assert "Søknadsnummer" in flat and "Saksnummer" not in flat

    page = html_of(client.get(f"/soknader/{application.id}"))
    assert "Søknadsnummer" in page and application.case_number in page
    assert "Søker ber om unntak: Vedlegg: tilbud.pdf – Leverandørens priser." in page
    assert "Søker ber om unntak: Bakgrunn – Viser produksjonskapasiteten." in page

    mail = _db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.subject.contains(application.case_number))).first()
    assert f"Søknadsnummer: {application.case_number}" in mail.body_text
    assert "aksnummer" not in mail.body_text.replace("Søknadsnummer", "")
    assert fresh(application).state == ApplicationState.SUBMITTED
