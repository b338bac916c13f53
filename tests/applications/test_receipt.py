"""The receipt is a real PDF of the application as submitted, read from the snapshot."""

import io
import subprocess
from types import SimpleNamespace

import pytest
from pypdf import PdfReader

from fund.applications.receipt import receipt_pdf

SNAPSHOT = {
    "case_number": "KF-2027-0007",
    "submission_number": 1,
    "submitted_at": "2027-01-18T13:05:00+00:00",
    "call": {"id": 3, "title": "Klimafondet", "fund": "klimafond", "year": 2027,
             "closes_at": "2027-01-20T22:59:00+00:00"},
    "organisation": {"orgnr": "912345688", "name": "Kjeller Grønn Energi AS", "org_form": "AS",
                     "address": "Instituttveien 18", "postcode": "2007", "city": "Kjeller",
                     "municipality_number": "3205", "bank_account": "12345678903",
                     "vat_registered": True},
    "contact": {"name": "Kari Nordmann", "email": "kari@kjellergronn.no",
                "phone": "+47 912 34 567"},
    "project_leader": "Per Hansen",
    "project": {
        "title": "Varmepumpe og solceller på næringsbygg i Kjeller",
        "summary": "Vi bygger om oppvarmingen av vårt næringsbygg fra fjernvarme med "
                   "oljekjel som spisslast til varmepumpe og solceller på taket.",
        "description": "Prosjektet har tre deler:\n1. Kartlegging av energibruken.\n"
                       "2. Installasjon av luft-vann-varmepumpe (120 kW).\n"
                       "3. Solcelleanlegg på 400 m² tak, med målinger i ett år.",
        "background": "Bygget fra 1987 bruker i dag 410 000 kWh i året.",
        "goals": "Halvere kjøpt energi og fase ut oljekjelen innen utgangen av 2027.",
        "anchoring": "Styret vedtok prosjektet 12. desember 2026.",
        "partners": "Kjeller Innovasjon og IFE bistår med målinger.",
        "starts_on": "2027-03-01",
        "ends_on": "2027-12-31",
        "milestones": "Mai: varmepumpe i drift.\nSeptember: solceller i drift.",
        "not_started": True,
        "additionality": "Uten tilskudd er tilbakebetalingstiden over 15 år, og styret "
                         "har bare vedtatt prosjektet med tilskudd.",
    },
    "effects": {"knowledge_jobs": 2, "other_jobs": 0,
                "competence": "Driftspersonalet får opplæring i styring av varmepumpen.",
                "education_partners": "",
                "international": ""},
    "climate": {"category": "emission_cut",
                "baseline": "Oljekjelen bruker 18 000 liter fyringsolje i året.",
                "co2e_cut_tonnes": "48.50",
                "method": "Fyringsolje: 2,67 kg CO₂e per liter (Miljødirektoratet)."},
    "strategies": [{"code": "1B", "title": "Innovasjon og industrielle satsinger"},
                   {"code": "2B", "title": "Økt innovasjonstakt i etablerte virksomheter"}],
    "measures": [
        {"code": "1B-3", "text": "Årlig utlysning av næringsfond, gjerne i samarbeid med "
                                 "klimafondet.",
         "how": "Prosjektet er et forbildeprosjekt for andre byggeiere."},
        {"code": "2B-1", "text": "Bedriftsbesøk for å motivere til innovasjon.",
         "how": "Målingene deles åpent med Kjeller Innovasjon."},
    ],
    "sdgs": [7, 13],
    "budget": {
        "cost_lines": [
            {"category": "equipment", "description": "Varmepumpe 120 kW", "amount": 180_000},
            {"category": "services", "description": "Installasjon og rørlegger",
             "amount": 95_000},
            {"category": "personnel", "description": "Prosjektledelse", "amount": 25_000},
        ],
        "financing_lines": [
            {"kind": "own_funds", "description": "Egenkapital", "hours": None,
             "hourly_rate": None, "amount": 110_000},
            {"kind": "own_work", "description": "Prosjektleder", "hours": 50,
             "hourly_rate": 800, "amount": 40_000},
        ],
        "amount_applied": 150_000,
        "total_cost": 300_000,
        "total_financing": 300_000,
        "share_applied_percent": "50.0",
    },
    "de_minimis": {"in_group": False, "group_details": "",
                   "aid": [{"grantor": "Enova SF", "granted_on": "2025-06-02",
                            "amount": 60_000}]},
    "confidential": {"background": "Energiforbruket viser vår produksjonskapasitet."},
    "attachments": [
        {"filename": "budsjett.xlsx", "content_type": "application/vnd.openxmlformats-"
         "officedocument.spreadsheetml.sheet", "size": 48_213,
         "sha256": "3f79bb7b435b05321651daefd374cdc681dc06faa65e374e38337b88ca046dea"},
        {"filename": "styrevedtak.pdf", "content_type": "application/pdf",
         "size": 1_532_118,
         "sha256": "a94a8fe5ccb19ba61c4c0873d391e987982fbbd3a94a8fe5ccb19ba61c4c0873"},
    ],
}


@pytest.fixture(scope="module")
def pdf(app):
    submission = SimpleNamespace(number=1, snapshot=SNAPSHOT)
    with app.test_request_context():
        return receipt_pdf(SimpleNamespace(), submission)


def pdf_text(data: bytes) -> str:
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return text.replace("\u00a0", " ").replace("\u202f", " ")


def test_the_receipt_shows_the_application_as_submitted(pdf):
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf)

    assert "Vi har mottatt søknaden din" in text
    assert "KF-2027-0007" in text
    assert "Varmepumpe og solceller på næringsbygg i Kjeller" in text
    assert "18. januar 2027 kl. 14:05" in text  # UTC 13:05 is 14:05 in Oslo in winter
    assert "912 345 688" in text and "1234.56.78903" in text
    assert "kr 150 000" in text and "kr 300 000" in text and "50 %" in text
    assert "50 × kr 800" in text
    assert "1B-3" in text and "2B-1" in text
    assert "Målingene deles åpent med Kjeller Innovasjon." in text
    assert "Stoppe klimaendringene" in text
    assert "48,5 tonn CO₂-ekvivalenter per år" in text
    assert "Enova SF" in text and "kr 60 000" in text
    assert "styrevedtak.pdf" in text and "a94a8fe5ccb1" in text
    assert "a94a8fe5ccb19" not in text  # only the first 12 characters of the checksum
    assert "Søker ber om unntak fra offentlighet" in text and "Taushetsbelagt" not in text
    assert "Søker ber om unntak: Energiforbruket" in text
    assert "Energiforbruket viser vår produksjonskapasitet." in text
    assert "Kvittering fra Lillestrøm kommune – mottatt 18. januar 2027 kl. 14:05" in text


def test_every_page_is_a4_and_numbered(pdf):
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) >= 2
    for number, page in enumerate(reader.pages, start=1):
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert (round(width), round(height)) == (595, 842)  # A4 in points
        assert f"Side {number} av {len(reader.pages)}" in page.extract_text()


def test_the_first_page_renders_to_an_image(pdf, tmp_path):
    (tmp_path / "receipt.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1",
                    str(tmp_path / "receipt.pdf"), str(tmp_path / "page")], check=True)
    [png] = tmp_path.glob("page*.png")
    assert png.read_bytes().startswith(b"\x89PNG")


def sparse_snapshot() -> dict:
    """A næringsfond application with the least a submission can have, and a second
    submission (after an information request)."""
    return {
        **SNAPSHOT,
        "case_number": "NF-2027-0042",
        "submission_number": 2,
        "call": {**SNAPSHOT["call"], "fund": "naeringsfond", "title": "Næringsfondet"},
        "organisation": {**SNAPSHOT["organisation"], "org_form": None, "address": None,
                         "postcode": None, "city": None, "bank_account": None},
        "project": {**SNAPSHOT["project"], "title": "<b>Bygg & Co</b>", "background": "",
                    "starts_on": None, "ends_on": None, "not_started": False},
        "effects": {"knowledge_jobs": None, "other_jobs": None, "competence": "",
                    "education_partners": "", "international": ""},
        "climate": None, "strategies": [], "measures": [], "sdgs": [],
        "budget": {"cost_lines": [], "financing_lines": [], "amount_applied": None,
                   "total_cost": 0, "total_financing": 0, "share_applied_percent": None},
        "de_minimis": {"in_group": True, "group_details": "Eies 60 % av Holding AS.",
                       "aid": []},
        "confidential": {}, "attachments": [],
    }


def test_a_sparse_second_submission_renders_without_the_klimafond_section(app):
    with app.test_request_context():
        pdf = receipt_pdf(SimpleNamespace(), SimpleNamespace(snapshot=sparse_snapshot()))
    text = pdf_text(pdf)

    assert "NF-2027-0042" in text and "innsending nr. 2" in text
    assert "<b>Bygg & Co</b>" in text  # the applicant's text, shown as text
    assert "Forventet utslippskutt" not in text
    assert "Eies 60 % av Holding AS." in text
    assert "Ingen vedlegg." in text and "Ingen bagatellmessig støtte oppgitt." in text
    assert "Taushetsbelagt" not in text and "ber om unntak" not in text
