"""The innstilling exports: CSV for Norwegian Excel, a typed XLSX workbook and the PDF
for the decision body, all from a RankingResult and the administration's proposals. No
database. The caseworkers' comments, disagreement flags and individual recommendations
never reach them; the sums never count a rejection."""

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
from fund.review.models import Outcome
from fund.review.ranking import ProposalLine, RankingResult, RankingRow

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


#: The administration's proposals: a partial grant, a grant, and a rejection (which is
#: never counted as an amount).
PROPOSALS = {
    3: ProposalLine(Outcome.PARTLY_GRANTED, 150_000,
                    "Sterk klimaeffekt. Reisekostnadene er ikke tatt med."),
    1: ProposalLine(Outcome.GRANTED, 200_000, ""),
    2: ProposalLine(Outcome.REJECTED, None,
                    "Rangert som nr. 3 av 3 og når ikke opp innenfor budsjettet."),
}

#: What must never reach an export: the caseworkers' comments (organinterne, offl § 14),
#: their disagreement and their individual recommendations.
INTERNAL = ["Godt prosjekt; men dyrt.", "Anbefaler redusert beløp.",
            "Sterk klimaeffekt og god forankring.", "Uenighet", "Spredning"]


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
    data = to_csv(result(), PROPOSALS)
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    text = data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))

    assert rows[0] == [
        "Rangering", "Søknadsnummer", "Søker", "Org.nr.", "Prosjekt", "Poeng (0–100)",
        "Søkt beløp", "Forslag", "Foreslått beløp", "Sum foreslått (løpende)",
        "Innenfor linjen (ja/nei)", "Strategisk forankring (vekt 20)",
        "Klima- og miljøeffekt (vekt 15)", "Begrunnelse"]
    assert len(rows) == 4 and all(len(r) == len(rows[0]) for r in rows)
    first, second, below = rows[1:]
    assert first == ["1", "NF-2027-0003", "Kjeller Grønn Energi AS", "912345688",
                     "Grønn logistikk i Lillestrøm", "82,5", "200000", "Innvilge delvis",
                     "150000", "150000", "ja", "4,3", "4,0",
                     "Sterk klimaeffekt. Reisekostnadene er ikke tatt med."]
    # Formula injection is neutralised.
    assert second[4] == "'=1+1 Formelprosjekt"
    assert second[7:11] == ["Innvilge", "200000", "350000", "ja"]
    # The rejection has no amount, and the running sum does not grow with it.
    assert below[0] == "3" and below[7:11] == ["Avslå", "", "350000", "nei"]
    assert below[11:13] == ["3,0", ""]
    assert below[13] == "Rangert som nr. 3 av 3 og når ikke opp innenfor budsjettet."
    assert not any(internal in text for internal in INTERNAL)
    assert "approve" not in text and "reject" not in text


def test_the_xlsx_has_typed_cells_and_the_line(request_context):
    workbook = load_workbook(io.BytesIO(to_xlsx(result(), PROPOSALS, generated_at=GENERATED)))
    assert workbook.sheetnames == ["Innstilling", "Om"]
    sheet = workbook["Innstilling"]
    header = [cell.value for cell in sheet[1]]
    assert header[:5] == ["Rangering", "Søknadsnummer", "Søker", "Org.nr.", "Prosjekt"]
    assert header[-3:] == ["Strategisk forankring (vekt 20)",
                           "Klima- og miljøeffekt (vekt 15)", "Begrunnelse"]
    assert sheet.max_row == 4
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:N4"
    assert sheet["A1"].font.bold

    amounts = [sheet.cell(2, column) for column in (7, 9, 10)]
    assert [cell.value for cell in amounts] == [200_000, 150_000, 150_000]
    assert all(type(cell.value) is int and cell.number_format == "#,##0" for cell in amounts)
    assert sheet["F2"].value == pytest.approx(82.5) and sheet["F2"].number_format == "0.0"
    assert sheet["L3"].value == pytest.approx(3.5) and sheet["M4"].value is None
    # Text that looks like a formula stays text.
    assert sheet["E3"].value == "'=1+1 Formelprosjekt" and sheet["E3"].data_type == "s"
    assert sheet["H4"].value == "Avslå" and sheet["I4"].value is None
    assert sheet["J4"].value == 350_000
    # The row below the line is grey and the line is drawn above it.
    assert sheet["K4"].value == "nei" and sheet["K3"].value == "ja"
    assert sheet["A4"].fill.fgColor.rgb == "FFE7E9EC" and sheet["A4"].border.top.style
    assert sheet["A3"].fill.fill_type is None and not sheet["A3"].border.top.style
    cells = [str(cell.value) for row in sheet.iter_rows() for cell in row]
    assert not any(internal in cell for cell in cells for internal in INTERNAL)

    about = {r[0]: r[1] for r in workbook["Om"].iter_rows(values_only=True)}
    assert about["Utlysning"] == "Klima- og næringsfond 2027"
    assert about["Fond"] == "Næringsfond"
    assert about["Budsjett"] == 400_000 and about["Søknader innenfor linjen"] == 2
    assert about["Sum foreslått innvilget"] == 350_000 and about["Foreslått innvilget"] == 2
    assert about["Gjenstår av budsjettet"] == 50_000
    assert about["Linjen flyttet manuelt (ja/nei)"] == "nei"
    assert about["Generert"] == datetime(2027, 5, 3, 10, 30)  # Oslo time, summer


def test_the_xlsx_tells_about_a_manual_line(request_context):
    data = to_xlsx(result(manual_line=True, reason="=Vedtatt ramme i formannskapet",
                          line=1), PROPOSALS, generated_at=GENERATED)
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
        return to_pdf(result(), PROPOSALS, generated_at=GENERATED)


def test_the_pdf_is_a_document_for_the_decision_body(pdf):
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf)
    assert "Innstilling: Klima- og næringsfond 2027" in text
    assert "enkeltvedtak" in text and "forvaltningsloven" in text
    assert "Næringsfond" in text and "20. januar 2027 kl. 23:59" in text
    assert "Handlingsplan for næringsstrategien 2022–2024" in text
    assert "NF-2027-0003" in text and "912 345 696" in text
    assert "kr 150 000" in text and "kr 400 000" in text and "kr 350 000" in text
    assert "kr 50 000" in text  # remaining of the budget: the rejection is not counted
    assert "kr 450 000" not in text
    assert "Budsjettet er brukt opp her" in text
    assert "Strategisk forankring" in text and "4,3" in text and "71,6" in text
    assert "Sterk klimaeffekt. Reisekostnadene er ikke tatt med." in text
    assert not any(internal in text for internal in INTERNAL)
    assert "Utkast" not in text
    assert "Side 1 av" in text


def test_the_pdf_ends_in_a_numbered_proposal_per_applicant(pdf):
    text = " ".join(pdf_text(pdf).split())
    proposal = text[text.rindex("Forslag til vedtak"):]
    assert "1. Søknad NF-2027-0003 fra Kjeller Grønn Energi AS, «Grønn logistikk i " \
           "Lillestrøm», innvilges delvis med kr 150 000 (søkt kr 200 000)." in proposal
    assert "2. Søknad NF-2027-0001 fra Bjørns Bakeri, «=1+1 Formelprosjekt», innvilges " \
           "med kr 200 000." in proposal
    assert "3. Søknad NF-2027-0002 fra Strømmen Sol AS, «Solceller på Strømmen», " \
           "avslås." in proposal
    assert "Til sammen innvilges 2 søknader med kr 350 000 av budsjettet på kr 400 000." \
        in proposal


def test_a_draft_says_so_and_a_dismissal_is_worded_as_one(app):
    proposals = PROPOSALS | {2: ProposalLine(Outcome.DISMISSED, None, "Søkt etter fristen.")}
    with app.test_request_context():
        data = to_pdf(result(), proposals, generated_at=GENERATED, draft=True)
    text = " ".join(pdf_text(data).split())
    assert "Utkast: forslagene er ikke lagt fram ennå" in text
    assert "«Solceller på Strømmen», avvises." in text


def test_the_pdf_shows_a_manually_moved_line(app):
    with app.test_request_context():
        data = to_pdf(result(manual_line=True, reason="Formannskapet prioriterer klima.",
                             line=2), PROPOSALS, generated_at=GENERATED)
    text = pdf_text(data)
    assert "Linjen er flyttet manuelt: Formannskapet prioriterer klima." in text
    assert "Budsjettet er brukt opp her" not in text


def test_the_pdf_in_english(app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        data = to_pdf(result(), PROPOSALS, generated_at=GENERATED)
        header = to_csv(result(), PROPOSALS).decode("utf-8-sig").splitlines()[0]
    text = pdf_text(data)
    assert "Recommendation: Klima- og næringsfond 2027" in text
    assert "The budget runs out here" in text and "Page 1 of" in text
    assert "Budsjettet er brukt opp her" not in text
    assert header.startswith("Ranking;Application number;Applicant;")


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
            export(result(**withheld), PROPOSALS)


def test_an_innstilling_without_a_proposal_for_every_row_is_never_exported(request_context):
    for export in (to_csv, to_xlsx, to_pdf):
        with pytest.raises(ValueError):
            export(result(), {3: PROPOSALS[3]})
