"""The innstilling exports: CSV for Norwegian Excel, a typed XLSX workbook and the PDF
for the decision body, all from a RankingResult. No database."""

import csv
import dataclasses
import io
from datetime import UTC, datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from fund.calls.models import Fund
from fund.review.innstilling import neutralise, to_csv, to_pdf, to_xlsx
from fund.review.ranking import RankingResult, RankingRow

GENERATED = datetime(2027, 5, 3, 8, 30, tzinfo=UTC)

CALL = SimpleNamespace(
    title="Klima- og næringsfond 2027", fund=Fund.NAERINGSFOND, year=2027, budget=400_000,
    closes_at=datetime(2027, 1, 20, 22, 59, tzinfo=UTC),
    plan=SimpleNamespace(title="Handlingsplan for næringsstrategien 2022–2024"))
CRITERIA = [SimpleNamespace(id=11, title="Strategisk forankring", weight=20),
            SimpleNamespace(id=12, title="Klima- og miljøeffekt", weight=15)]


def row(**values) -> RankingRow:
    defaults = dict(application_id=1, case_number="", title="", organisation="",
                    orgnr="912345688", amount_applied=0, recommended_amount=0,
                    score=None, spread=None, assessments=0, disagreement=False,
                    criterion_scores={11: None, 12: None}, recommendations=[],
                    justification="")
    return RankingRow(**(defaults | values))


ROWS = [
    row(application_id=3, case_number="NF-2027-0003", title="Grønn logistikk i Lillestrøm",
        organisation="Kjeller Grønn Energi AS", amount_applied=200_000,
        recommended_amount=150_000, score=Decimal("82.5"), spread=Decimal("10.0"),
        assessments=3, criterion_scores={11: Decimal("4.3"), 12: Decimal("4.0")},
        recommendations=["approve_reduced", "approve_reduced", "approve_reduced"],
        justification="Sterk klimaeffekt og god forankring.", rank=1, running_total=150_000,
        within_budget=True),
    row(application_id=1, case_number="NF-2027-0001", title="=1+1 Formelprosjekt",
        organisation="Bjørns Bakeri", orgnr="912345696", amount_applied=200_000,
        recommended_amount=200_000, score=Decimal("71.6"), spread=Decimal("25.0"),
        assessments=2, disagreement=True,
        criterion_scores={11: Decimal("3.5"), 12: Decimal("3")},
        recommendations=["approve", "reject"],
        justification="Godt prosjekt; men dyrt.\nAnbefaler redusert beløp.", rank=2,
        running_total=350_000, within_budget=True),
    row(application_id=2, case_number="NF-2027-0002", title="Solceller på Strømmen",
        organisation="Strømmen Sol AS", amount_applied=120_000, recommended_amount=100_000,
        score=Decimal("60.0"), spread=Decimal("0.0"), assessments=1,
        criterion_scores={11: Decimal("3"), 12: None}, recommendations=["approve"],
        justification="@SUM(A1) er ikke en formel her.", rank=3, running_total=450_000,
        within_budget=False),
]


def result(**changes) -> RankingResult:
    values = dict(call=CALL, criteria=CRITERIA, rows=[dataclasses.replace(r) for r in ROWS],
                  budget=400_000, line=2, manual_line=False, reason="")
    return RankingResult(**(values | changes))


@pytest.fixture
def request_context(app):
    with app.test_request_context():
        yield


def test_the_formula_guard():
    assert neutralise("=1+1") == "'=1+1"
    assert neutralise("+47 900 00 000") == "'+47 900 00 000"
    assert neutralise("-5") == "'-5" and neutralise("@SUM(A1)") == "'@SUM(A1)"
    assert neutralise("Vanlig tekst = trygg") == "Vanlig tekst = trygg"


def test_the_csv_is_for_norwegian_excel(request_context):
    data = to_csv(result())
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))

    assert rows[0] == [
        "Rangering", "Søknadsnummer", "Søker", "Org.nr.", "Prosjekt", "Poeng (0–100)",
        "Spredning", "Antall vurderinger", "Uenighet (ja/nei)", "Søkt beløp",
        "Anbefalt beløp", "Sum anbefalt (løpende)", "Innenfor budsjett (ja/nei)",
        "Strategisk forankring (vekt 20)", "Klima- og miljøeffekt (vekt 15)", "Begrunnelse"]
    assert len(rows) == 4 and all(len(r) == len(rows[0]) for r in rows)
    first, second, below = rows[1:]
    assert first == ["1", "NF-2027-0003", "Kjeller Grønn Energi AS", "912345688",
                     "Grønn logistikk i Lillestrøm", "82,5", "10,0", "3", "nei", "200000",
                     "150000", "150000", "ja", "4,3", "4,0",
                     "Sterk klimaeffekt og god forankring."]
    # Formula injection is neutralised; a semicolon and a newline survive in one cell.
    assert second[4] == "'=1+1 Formelprosjekt"
    assert second[8] == "ja" and second[12] == "ja"
    assert second[15] == "Godt prosjekt; men dyrt.\nAnbefaler redusert beløp."
    # Below the line, with an empty cell for a criterion nobody scored.
    assert below[0] == "3" and below[11] == "450000" and below[12] == "nei"
    assert below[13:15] == ["3,0", ""]
    assert below[15] == "'@SUM(A1) er ikke en formel her."


def test_the_xlsx_has_typed_cells_and_the_line(request_context):
    workbook = load_workbook(io.BytesIO(to_xlsx(result(), generated_at=GENERATED)))
    assert workbook.sheetnames == ["Innstilling", "Om"]
    sheet = workbook["Innstilling"]
    header = [cell.value for cell in sheet[1]]
    assert header[:5] == ["Rangering", "Søknadsnummer", "Søker", "Org.nr.", "Prosjekt"]
    assert header[-3:] == ["Strategisk forankring (vekt 20)",
                           "Klima- og miljøeffekt (vekt 15)", "Begrunnelse"]
    assert sheet.max_row == 4
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:P4"
    assert sheet["A1"].font.bold

    amounts = [sheet.cell(2, column) for column in (10, 11, 12)]
    assert [cell.value for cell in amounts] == [200_000, 150_000, 150_000]
    assert all(type(cell.value) is int and cell.number_format == "#,##0" for cell in amounts)
    assert sheet["F2"].value == pytest.approx(82.5) and sheet["F2"].number_format == "0.0"
    assert sheet["N3"].value == pytest.approx(3.5) and sheet["O4"].value is None
    # Text that looks like a formula stays text.
    assert sheet["E3"].value == "'=1+1 Formelprosjekt" and sheet["E3"].data_type == "s"
    assert sheet["P3"].value == "Godt prosjekt; men dyrt.\nAnbefaler redusert beløp."
    # The row below the line is grey and the line is drawn above it.
    assert sheet["M4"].value == "nei" and sheet["M3"].value == "ja"
    assert sheet["A4"].fill.fgColor.rgb == "FFE7E9EC" and sheet["A4"].border.top.style
    assert sheet["A3"].fill.fill_type is None and not sheet["A3"].border.top.style

    about = {r[0]: r[1] for r in workbook["Om"].iter_rows(values_only=True)}
    assert about["Utlysning"] == "Klima- og næringsfond 2027"
    assert about["Fond"] == "Næringsfond"
    assert about["Budsjett"] == 400_000 and about["Søknader innenfor linjen"] == 2
    assert about["Linjen flyttet manuelt (ja/nei)"] == "nei"
    assert about["Generert"] == datetime(2027, 5, 3, 10, 30)  # Oslo time, summer


def test_the_xlsx_tells_about_a_manual_line(request_context):
    data = to_xlsx(result(manual_line=True, reason="=Vedtatt ramme i formannskapet",
                          line=1), generated_at=GENERATED)
    about = {r[0]: r[1] for r in load_workbook(io.BytesIO(data))["Om"].iter_rows(
        values_only=True)}
    assert about["Linjen flyttet manuelt (ja/nei)"] == "ja"
    assert about["Begrunnelse for flyttingen"] == "'=Vedtatt ramme i formannskapet"


def pdf_text(data: bytes) -> str:
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    # a line may break after a dash, depending on the fonts installed
    return text.replace("\u00a0", " ").replace("\u202f", " ").replace("–\n", "–")


@pytest.fixture(scope="module")
def pdf(app):
    with app.test_request_context():
        return to_pdf(result(), generated_at=GENERATED)


def test_the_pdf_is_a_document_for_the_decision_body(pdf):
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf)
    assert "Innstilling: Klima- og næringsfond 2027" in text
    assert "enkeltvedtak" in text and "forvaltningsloven" in text
    assert "Næringsfond" in text and "20. januar 2027 kl. 23:59" in text
    assert "Handlingsplan for næringsstrategien 2022–2024" in text
    assert "NF-2027-0003" in text and "912 345 696" in text
    assert "kr 150 000" in text and "kr 400 000" in text and "kr 450 000" in text
    assert "kr 50 000" in text  # remaining of the budget
    assert "Budsjettet er brukt opp her" in text
    assert "Strategisk forankring" in text and "4,3" in text and "71,6" in text
    assert "Godt prosjekt; men dyrt." in text
    assert "Uenighet" in text
    assert "Side 1 av" in text


def test_the_pdf_shows_a_manually_moved_line(app):
    with app.test_request_context():
        data = to_pdf(result(manual_line=True, reason="Formannskapet prioriterer klima.",
                             line=2), generated_at=GENERATED)
    text = pdf_text(data)
    assert "Linjen er flyttet manuelt: Formannskapet prioriterer klima." in text
    assert "Budsjettet er brukt opp her" not in text


def test_the_pdf_in_english(app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        data = to_pdf(result(), generated_at=GENERATED)
        header = to_csv(result()).decode("utf-8-sig").splitlines()[0]
    text = pdf_text(data)
    assert "Recommendation: Klima- og næringsfond 2027" in text
    assert "The budget runs out here" in text and "Page 1 of" in text
    assert "Budsjettet er brukt opp her" not in text
    assert header.startswith("Ranking;Case number;Applicant;")


@pytest.mark.parametrize("kind", ["csv", "xlsx", "pdf"])
def test_the_downloaded_file_has_a_plain_ascii_name(client, competition, kind):
    """The name the manager's browser saves the export under: year and fund, no «æøå»."""
    from tests.helpers import login
    login(client, competition.lene)
    response = client.get(competition.ranking_path(f"innstilling.{kind}"))
    assert response.status_code == 200
    disposition = response.headers["Content-Disposition"]
    name = disposition.split('filename="')[1].rstrip('"')
    assert name == f"innstilling-{competition.call.year}-naeringsfond.{kind}"
    assert name.isascii() and disposition.startswith("inline" if kind == "pdf" else "attachment")


@pytest.mark.parametrize("withheld", [dict(hidden=1), dict(line=None)])
def test_an_incomplete_innstilling_is_never_exported(request_context, withheld):
    """Views refuse readers from whom rows are withheld; the exports refuse as well."""
    for export in (to_csv, to_xlsx, to_pdf):
        with pytest.raises(ValueError):
            export(result(**withheld))
