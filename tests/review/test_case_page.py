"""The case page shows the whole application as it was sent in (what the caseworker scores
«Realistisk budsjett og finansiering» and the plan fit from), and staff get a PDF of the
application, not the applicant's receipt."""

import io
import re
from datetime import date

import pytest
from pypdf import PdfReader

from fund.applications.models import (
    ApplicationSDG,
    DeMinimisAid,
    ExemptionRequest,
    FinancingKind,
    FinancingLine,
)
from fund.applications.operations import submit
from fund.core.roles import Role
from fund.extensions import db as _db
from tests.helpers import (
    attach,
    declare,
    html_of,
    login,
    make_application,
    make_call,
    make_organisation,
    make_user,
)
from tests.review.conftest import case_path


@pytest.fixture
def case(app, db):
    """A submitted application with what the walk-through missed on the case page: own
    work on the financing side, earlier aid, effects, SDGs, partners and milestones, and
    a request to keep the goals and the own-work line from the public."""
    applicant = make_user("soker@example.no", name="Siri Søker")
    application = make_application(make_call(), make_organisation(applicant), applicant)
    attach(application, applicant)
    application.partners = "Kjeller Innovasjon bistår med målinger."
    application.milestones = "Mai: varmepumpe i drift."
    application.knowledge_jobs, application.other_jobs = 3, 1
    application.competence = "Driftspersonalet lærer å styre varmepumpen."
    application.financing_lines.append(FinancingLine(
        kind=FinancingKind.OWN_WORK, description="Prosjektleders timer", hours=50,
        hourly_rate=800, amount=40_000, exemption_reason="Timeprisen er forhandlet."))
    application.financing_lines[0].amount = 110_000
    application.aid_received.append(DeMinimisAid(grantor="Enova SF",
                                                 granted_on=date(2025, 6, 2), amount=60_000))
    application.sdg_rows.append(ApplicationSDG(goal=13))
    application.measures[0].how = "Forbildeprosjekt for andre byggeiere i Kjeller."
    application.exemption_requests.append(ExemptionRequest(
        field="goals", reason="Målene viser produksjonsplanen."))
    with app.test_request_context():
        submit(application, applicant)
    caseworker = make_user("sara@example.no", Role.CASEWORKER, name="Sara Saksbehandler")
    _db.session.commit()
    return application, caseworker, applicant


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text))


def test_the_case_page_shows_the_whole_application_as_sent_in(client, case):
    application, caseworker, applicant = case
    login(client, caseworker)
    declare(client, application)
    html = html_of(client.get(case_path(application)))
    text = flat(html)
    # the cost and financing lines, own work as hours × rate
    assert "Konsulent" in text and "kr 300 000" in text
    assert "Prosjektleders timer" in text and "50 × kr 800" in text and "kr 40 000" in text
    assert "Sum finansiering" in text
    # milestones, partners, effects, SDGs and the earlier (de minimis) aid
    assert "Mai: varmepumpe i drift." in text
    assert "Kjeller Innovasjon bistår med målinger." in text
    assert "Nye kunnskapsarbeidsplasser 3" in text
    assert "Driftspersonalet lærer å styre varmepumpen." in text
    assert "Stoppe klimaendringene" in text
    assert "Enova SF" in text and "kr 60 000" in text
    # the applicant's sentence on how the project contributes to the measure, in the
    # content and where the caseworker confirms the measures
    assert text.count("Forbildeprosjekt for andre byggeiere i Kjeller.") == 2
    # the requests for exemption are marked where they are made, as the receipt marks them
    assert "Søker ber om unntak: Målene viser produksjonsplanen." in text
    assert "Søker ber om unntak: Timeprisen er forhandlet." in text
    assert "Taushetsbelagt" not in text
    # the attachment as sent in links to its download
    attachment = application.attachments[0]
    assert f'href="/saksbehandling/soknader/{application.id}/vedlegg/{attachment.id}"' in html
    # the history reads in words, never the audit log's codes
    history = flat(html[html.index('id="historikk-h"'):])
    assert "Sendt inn" in history and "Habilitet erklært" in history
    assert not re.search(r"\b(application|review)\.[a-z_]+", history)
    # each table scrolls in its own labelled region on a phone
    tables = html.count('<table class="ds-table" data-border>\n')
    regions = re.findall(r'<div class="table-scroll" role="region" tabindex="0" '
                         r'aria-label="[^"]+">\s*<table', html)
    assert tables >= 4 and len(regions) == tables


def test_staff_get_the_application_as_a_pdf_not_the_receipt(client, case):
    application, caseworker, applicant = case
    login(client, caseworker)
    declare(client, application)
    response = client.get(case_path(application, "/soknad.pdf"))
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    text = flat("\n".join(p.extract_text() for p in reader.pages)).replace("\xa0", " ")
    assert reader.metadata.title == f"Søknad {application.case_number}"
    assert f"Søknad {application.case_number}: Grønn varmepumpe for Kjeller" in text
    assert "Kvittering" not in text and "Ta vare på" not in text
    assert "Vi har mottatt søknaden din" not in text
    assert "Prosjektleders timer" in text and "Enova SF" in text
    assert "Søker ber om unntak: Målene viser produksjonsplanen." in text

    # the applicant still gets the receipt
    applicant_client = client.application.test_client()
    login(applicant_client, applicant)
    receipt = applicant_client.get(f"/soknader/{application.id}/kvittering.pdf").data
    receipt_text = flat("\n".join(p.extract_text() for p in PdfReader(io.BytesIO(receipt)).pages))
    assert "Vi har mottatt søknaden din" in receipt_text and "Ta vare på" in receipt_text


def test_the_assessment_page_has_the_application_beside_the_rubric(client, case):
    application, caseworker, _applicant = case
    login(client, caseworker)
    declare(client, application)
    html = html_of(client.get(case_path(application, "/vurdering")))
    shown = html[html.index('id="soknaden"'):html.index("</details>")]
    text = flat(shown)
    assert "Søknaden slik den ble sendt inn" in text
    assert "Prosjektleders timer" in text and "50 × kr 800" in text and "Enova SF" in text
    assert "Forbildeprosjekt for andre byggeiere i Kjeller." in text
    assert html.index('id="soknaden"') < html.index('id="criteria"')  # read before scoring
