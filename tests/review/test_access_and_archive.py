"""On the case page the municipality records a request for access (innsyn) and its own
assessment per item (exempt with a legal basis, or released), whether or not the applicant
asked; and the archive's saksnummer, shown as «Vår referanse» next to the søknadsnummer."""

import io
from datetime import timedelta

from pypdf import PdfReader
from sqlalchemy import select

from fund.applications.models import ExemptionRequest
from fund.audit.models import AuditEvent
from fund.core.formatting import to_local
from fund.core.types import utcnow
from fund.extensions import db as _db
from fund.review.models import AccessRequest, ExemptionAssessment, ExemptionOutcome
from tests.helpers import declare, html_of, login, post_form
from tests.review.conftest import case_path, page


def opened(client, application, user):
    login(client, user)
    declare(client, application)
    return page(client, case_path(application))


def today() -> str:
    return to_local(utcnow()).date().isoformat()


def test_an_access_request_and_the_municipalitys_own_assessment(client, case):
    application, caseworker, _other, _applicant = case
    application.exemption_requests.append(ExemptionRequest(
        field="description", reason="Beskriver prisstrategien."))
    application.cost_lines[0].exemption_reason = "Konsulentens timepris."
    _db.session.commit()
    html = opened(client, application, caseworker)
    assert "Søker ber om unntak: Prosjektbeskrivelse – Beskriver prisstrategien." in html
    assert "Taushetsbelagt" not in html

    response = post_form(client, case_path(application, "/innsyn"), {
        "requested_by": "Romerikes Blad", "received_on": today()}, form_page=case_path(application))
    assert response.status_code == 302
    request = _db.session.scalars(select(AccessRequest)).one()
    assert request.requested_by == "Romerikes Blad" and request.recorded_by_id == caseworker.id

    path = case_path(application, f"/innsyn/{request.id}")
    # exempt needs a legal basis
    post_form(client, path, {"item": "field:description", "outcome": "exempt",
                             "legal_basis": "", "reason": "Konkurransesensitivt."},
              form_page=case_path(application))
    assert _db.session.scalars(select(ExemptionAssessment)).all() == []
    assert "Skriv hjemmelen for å unnta opplysningen" in page(client, case_path(application))

    post_form(client, path, {"item": "field:description", "outcome": "exempt",
                             "legal_basis": "offl. § 13 jf. fvl. § 13 første ledd nr. 2",
                             "reason": "Prisstrategien er konkurransesensitiv."},
              form_page=case_path(application))
    # the applicant asked nothing about the anchoring; fvl § 13 applies all the same
    post_form(client, path, {"item": "field:anchoring", "outcome": "released",
                             "legal_basis": "", "reason": "Et styrevedtak er ikke en "
                                                          "forretningshemmelighet."},
              form_page=case_path(application))
    line = application.cost_lines[0]
    post_form(client, path, {"item": f"cost_line:{line.id}", "outcome": "released",
                             "legal_basis": "x", "reason": "Kostnadsnivået er alminnelig kjent."},
              form_page=case_path(application))
    assessed = {a.item_ref: a for a in _db.session.scalars(select(ExemptionAssessment))}
    assert assessed["description"].outcome == ExemptionOutcome.EXEMPT
    assert assessed["description"].applicant_requested
    assert assessed["description"].assessed_by_id == caseworker.id
    assert not assessed["anchoring"].applicant_requested
    assert assessed["anchoring"].outcome == ExemptionOutcome.RELEASED
    assert assessed[str(line.id)].legal_basis == ""  # no basis kept for a release
    assert assessed[str(line.id)].item_label.startswith("Kostnadslinje: Kjøp av tjenester")
    logged = _db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "review.exemption_assessed").order_by(AuditEvent.id)).all()
    assert len(logged) == 3 and logged[0].details["outcome"] == "exempt"

    html = page(client, case_path(application))
    assert "Innsynskrav fra Romerikes Blad" in html
    assert "Unntas fra offentlighet" in html
    assert "offl. § 13 jf. fvl. § 13 første ledd nr. 2" in html
    assert "Prisstrategien er konkurransesensitiv." in html
    assert "Innsynskrav registrert" in html  # in the history

    # an item that is not in the application, or another application's request
    post_form(client, path, {"item": "field:summary", "outcome": "exempt",
                             "legal_basis": "offl. § 13", "reason": "Hemmelig."},
              form_page=case_path(application))
    assert len(_db.session.scalars(select(ExemptionAssessment)).all()) == 3
    assert "Opplysningen finnes ikke i søknaden." in page(client, case_path(application))


def test_an_access_request_in_the_future_is_refused(client, case):
    application, caseworker, _other, _applicant = case
    opened(client, application, caseworker)
    tomorrow = (to_local(utcnow()).date() + timedelta(days=1)).isoformat()
    post_form(client, case_path(application, "/innsyn"), {
        "requested_by": "Ola", "received_on": tomorrow}, form_page=case_path(application))
    assert _db.session.scalars(select(AccessRequest)).all() == []
    assert "kan ikke være fram i tid" in page(client, case_path(application))


def test_the_archive_reference_is_our_reference(client, case):
    application, caseworker, _other, applicant = case
    html = opened(client, application, caseworker)
    assert "Søknadsnummer" in html and "Vår referanse" in html
    for wrong in ("NF-2027-0001", "2026-01234", "26/1234", "2026/"):
        post_form(client, case_path(application, "/var-referanse"),
                  {"archive_reference": wrong}, form_page=case_path(application))
        _db.session.expire_all()
        assert application.archive_reference is None, wrong
    assert "Vår referanse må være arkivets saksnummer på formen ÅÅÅÅ/nnnnn" in \
        page(client, case_path(application))
    post_form(client, case_path(application, "/var-referanse"),
              {"archive_reference": " 2026/01234 "}, form_page=case_path(application))
    _db.session.expire_all()
    assert application.archive_reference == "2026/01234"
    logged = _db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "review.archive_reference_set")).one()
    assert logged.details == {"old": None, "new": "2026/01234"}
    assert "2026/01234" in page(client, case_path(application))
    pdf = client.get(case_path(application, "/soknad.pdf")).data
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "Vår referanse 2026/01234" in text and "Søknadsnummer" in text

    applicant_client = client.application.test_client()
    login(applicant_client, applicant)
    mine = html_of(applicant_client.get(f"/soknader/{application.id}"))
    assert "Vår referanse 2026/01234" in mine and f"Søknadsnummer {application.case_number}" in mine


def test_only_case_handlers_who_may_open_the_case_record_these(app, client, case):
    application, caseworker, other, applicant = case
    _db.session.add(AccessRequest(application_id=application.id, requested_by="Ola",
                                  received_on=utcnow().date(), recorded_by_id=caseworker.id))
    _db.session.commit()
    request_id = _db.session.scalars(select(AccessRequest.id)).one()
    paths = ("/innsyn", f"/innsyn/{request_id}", "/var-referanse")
    login(client, applicant)
    token = client.get("/").get_data(as_text=True).split('name="csrf_token" value="')[1] \
        .split('"')[0]
    for path in paths:
        assert client.post(case_path(application, path),
                           data={"csrf_token": token}).status_code == 403, path
    inhabil = app.test_client()
    login(inhabil, other)
    declare(inhabil, application, disqualified=True, ground="party")
    token = inhabil.get("/").get_data(as_text=True).split('name="csrf_token" value="')[1] \
        .split('"')[0]
    for path in paths:
        assert inhabil.post(case_path(application, path), data={
            "csrf_token": token, "requested_by": "X", "received_on": today(),
            "archive_reference": "2026/00001"}).status_code == 404, path
    undeclared = app.test_client()
    login(undeclared, caseworker)
    token = undeclared.get("/").get_data(as_text=True).split('name="csrf_token" value="')[1] \
        .split('"')[0]
    response = undeclared.post(case_path(application, "/var-referanse"),
                               data={"csrf_token": token, "archive_reference": "2026/00001"})
    assert response.headers["Location"].endswith("/habilitet")
    # a request of another application's number answers 404
    declare(undeclared, application)
    assert post_form(undeclared, case_path(application, "/innsyn/999999"), {
        "item": "field:goals", "outcome": "released", "reason": "x"},
        form_page=case_path(application)).status_code == 404
    _db.session.expire_all()
    assert application.archive_reference is None
    assert _db.session.scalars(select(ExemptionAssessment)).all() == []
