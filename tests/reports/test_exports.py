"""The plan-coverage report's files (CSV, XLSX, PDF), against the hand-computed world of
tests/reports/conftest.py. In 2027 (N27 + K27, budget 1 500 000) the total is P, W, R, L,
U and K: received 5, withdrawn 1, grants 3 (P, L, K), rejections 1 (R), applied 550 000,
granted 350 000, paid 100 000 (P: 120 000 less 20 000), lapsed 50 000 (L), share 23.33 %.
Area 1 = P, W, R, U: applied 370 000 (W's 100 000 not received), granted 200 000."""

import csv
import gc
import io
from datetime import date

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from fund.calls.models import Fund
from fund.core.roles import Role
from fund.reports import freshness
from fund.reports.coverage import CoverageFilter, coverage
from fund.reports.exports import coverage_csv, coverage_pdf, coverage_xlsx
from fund.reports.selection import ReportPart, parse_selection
from fund.reports.sheets import FIGURE_FIELDS, NOK_FORMAT, PERCENT_FORMAT
from fund.review.models import ConflictDeclaration, ConflictGround
from tests.decisions.conftest import pdf_text
from tests.helpers import count_queries, login, make_user, real_pdfs

Y2027 = CoverageFilter(years=(2027,))
URL = "/rapporter/dekning/eksport"
#: Hand-computed (see the module's docstring): the CSV/XLSX figure columns, in order.
TOTAL = [5, 1, 3, 1, 550_000, 350_000, 100_000, 50_000, 1_500_000]
AREA_1 = [3, 1, 1, 1, 370_000, 200_000, 100_000, 0, 1_500_000]
AREA_2 = [3, 0, 3, 0, 430_000, 350_000, 100_000, 50_000, 1_500_000]
MEASURE_2C_2 = [1, 0, 1, 0, 60_000, 50_000, 0, 50_000, 1_500_000]


def read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 with a BOM, for Excel
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))


def csv_rows(data: bytes) -> dict[tuple[str, str], list[str]]:
    header, *body = read_csv(data)
    return {(row[0], row[1]): row for row in body}


def test_the_csv_has_a_header_and_one_row_per_node_with_whole_kroner(app, world):
    with app.test_request_context():
        report = coverage(world.plan, Y2027)
        data = coverage_csv(one(report))
    header, *body = read_csv(data)
    assert header == ["Nivå", "Kode", "Tittel", "Søknader mottatt", "Trukket", "Tilskudd",
                      "Avslag", "Søkt (kr)", "Innvilget (kr)", "Utbetalt (kr)", "Bortfalt (kr)",
                      "Budsjett (kr)", "Andel av budsjettet", "Planversjon"]
    assert len(body) == 1 + len(report.areas) + len(report.strategies) + len(report.measures)
    assert {row[-1] for row in body} == {"2022-2024"}
    rows = csv_rows(data)
    assert rows[("totalt", "")][3:-1] == [str(n) for n in TOTAL] + ["0,2333"]
    assert rows[("innsatsområde", "1")][3:-2] == [str(n) for n in AREA_1]
    assert rows[("tiltak", "2C-2")][3:-2] == [str(n) for n in MEASURE_2C_2]
    assert rows[("strategi", "1B")][3:12] == rows[("tiltak", "1B-2")][3:12]  # P, W, R
    # a measure no one applied to: zeros, not blanks
    assert rows[("tiltak", "4B-3")][3:11] == ["0"] * 8


def test_the_xlsx_has_a_sheet_per_level_with_numbers_formatted_as_kroner_and_percent(
        app, world):
    with app.test_request_context():
        data = coverage_xlsx(one(coverage(world.plan, Y2027)))
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["Innsatsområder", "Strategier", "Tiltak", "Prosjekter",
                               "Slik er tallene telt"]
    areas = book["Innsatsområder"]
    assert areas.freeze_panes == "A2" and all(cell.font.b for cell in areas[1])
    by_code = {row[0].value: row for row in areas.iter_rows(min_row=2)}
    area_1 = by_code["1"]
    assert [cell.value for cell in area_1[2:11]] == AREA_1
    assert all(isinstance(cell.value, int) for cell in area_1[2:11])
    assert [cell.number_format for cell in area_1[6:11]] == [NOK_FORMAT] * 5
    total = list(areas.iter_rows(min_row=areas.max_row))[0]
    assert total[1].value == "Totalt (hvert prosjekt én gang)"
    assert [cell.value for cell in total[2:11]] == TOTAL
    assert total[11].value == pytest.approx(0.2333) and total[11].number_format == \
        PERCENT_FORMAT
    measures = {row[1].value: row for row in book["Tiltak"].iter_rows(min_row=2)}
    assert [cell.value for cell in measures["2C-2"][5:14]] == MEASURE_2C_2
    assert measures["1A-1"][3].value == "Ja" and measures["1A-1"][4].value == "Ja"  # a gap
    projects = [[cell.value for cell in row] for row in book["Prosjekter"].iter_rows(min_row=2)]
    assert [(p[1], p[4], p[5], p[6]) for p in projects] == [
        ("Prosjekt Pi AS", 200_000, "Avsluttet", "1B-2, 1C-6, 2C-1"),
        ("Prosjekt Lambda AS", 50_000, "Bortfalt", "2C-1, 2C-2"),
        ("Prosjekt Kappa AS", 100_000, "Venter på aksept", "2C-1")]
    assert book["Prosjekter"]["E2"].number_format == NOK_FORMAT
    rule = [row[0].value for row in book["Slik er tallene telt"].iter_rows()]
    assert any("telles én gang på hvert nivå" in line for line in rule)


def test_the_pdf_is_a_tagged_pdf_a_with_cover_summary_tables_gaps_effects_and_projects(
        app, world):
    with app.test_request_context():
        data = coverage_pdf(one(coverage(world.plan, Y2027)), date(2027, 12, 31))
    reader = PdfReader(io.BytesIO(data))
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root and bool(root["/MarkInfo"]["/Marked"])
    assert root["/Lang"] == "nb"
    xmp = reader.xmp_metadata.stream.get_data()
    assert b'pdfaid:part="2"' in xmp and b'pdfaid:conformance="A"' in xmp
    text = pdf_text(data)
    assert "Dekning av handlingsplanen 2022-2024" in text
    assert "År: 2027" in text and "31. desember 2027" in text
    assert "Næringsfondet 2027" in text and "Klimafondet 2027" in text
    assert "Slik er tallene telt" in text and "telles én gang på hvert nivå" in text
    assert "Udekkede strategier og tiltak" in text and "1A-1" in text
    # effects side by side: P expects 3 knowledge jobs and realised 2; K expects 40,5 t
    assert "Forventet Realisert" in text
    assert "Kunnskapsintensive arbeidsplasser 4 2" in text  # P 3 + K 1 expected; P's report 2
    assert "Kutt i tonn CO2e per år 40,5 5,25" in text
    assert "Innovasjon Norge kr 500 000" in text
    assert "Vedlegg: prosjekter som har fått tilskudd" in text
    assert "Prosjekt Lambda AS" in text and "Bortfalt" in text


def test_the_same_figures_are_in_all_three_formats(app, world):
    """The three files come from one report; break a column in one and this fails."""
    with app.test_request_context():
        report = coverage(world.plan, Y2027)
        csv_data, xlsx_data = coverage_csv(one(report)), coverage_xlsx(one(report))
        pdf = pdf_text(coverage_pdf(one(report), date(2027, 12, 31)))
    rows = csv_rows(csv_data)
    areas = {row[0].value: [cell.value for cell in row]
             for row in load_workbook(io.BytesIO(xlsx_data))["Innsatsområder"]
             .iter_rows(min_row=2)}
    for area, expected in (("1", AREA_1), ("2", AREA_2)):
        node = next(a for a in report.areas if a.code == area)
        assert [getattr(node.figures, name) for name in FIGURE_FIELDS[:-1]] == expected
        assert [int(v) for v in rows[("innsatsområde", area)][3:12]] == expected
        assert areas[area][2:11] == expected
    # in the PDF: the summary's row and area 2's own row, in the columns' order
    assert ("Prosjekter med bekreftet tiltak 5 1 3 1 kr 550 000 kr 350 000 kr 100 000 "
            "kr 50 000 23,3 %") in pdf
    assert ("Innsatsområdet, hvert prosjekt én gang 3 0 3 0 kr 430 000 kr 350 000 "
            "kr 100 000 kr 50 000 23,3 %") in pdf


def test_the_files_run_no_queries_of_their_own(app, world):
    with app.test_request_context():
        report = coverage(world.plan, Y2027)
        with count_queries() as counted:
            coverage_csv(one(report))
            coverage_xlsx(one(report))
    assert counted.count == 0


def test_a_caseworker_downloads_the_three_files(client, world):
    login(client, world.sara)
    base = f"?plan={world.plan.id}&aar=2027"
    response = client.get(URL + ".csv" + base)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == \
        'attachment; filename="dekning-2022-2024-2027.csv"'
    assert [int(v) for v in csv_rows(response.data)[("totalt", "")][3:12]] == TOTAL
    response = client.get(URL + ".xlsx" + base + f"&fond=naeringsfond&utlysning="
                          f"{world.calls['N27'].id}")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == \
        'attachment; filename="dekning-2022-2024-2027-naeringsfond-utlysning' \
        f'{world.calls["N27"].id}.xlsx"'
    areas = load_workbook(io.BytesIO(response.data))["Innsatsområder"]
    assert areas.cell(row=areas.max_row, column=11).value == 1_000_000  # N27 alone
    response = client.get(URL + ".pdf" + base)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "År: 2027" in pdf_text(response.data)


def test_the_pdf_is_sent_before_the_worker_clears_up_after_it(client, world, monkeypatch):
    """The collector's one pass over a long document's garbage (a tenth of a second and
    more for the yearly report at 100,000 applications, issue 14) runs once the answer has
    been sent, not while the reader waits for it."""
    cleared = real_pdfs(monkeypatch)
    freshness.forget()
    login(client, world.sara)
    response = client.get(URL + ".pdf?aar=2028", buffered=False)
    try:
        assert response.status_code == 200 and response.get_data().startswith(b"%PDF")
        assert cleared == [] and not gc.isenabled()
    finally:
        response.close()
    assert cleared == [True] and gc.isenabled()


def test_without_a_plan_the_newest_plan_is_used_and_junk_is_ignored(client, world):
    login(client, world.sara)
    for query in ("", "?aar=abc&aar=99999&aar=%00&fond=x&utlysning=-1&plan=",
                  "?aar=" + "9" * 5000, "?fond=" + "k" * 500):
        response = client.get(URL + ".csv" + query)
        assert response.status_code == 200, query
        # no valid year: every call of the plan (budget 3 600 000)
        assert csv_rows(response.data)[("totalt", "")][11] == "3600000"
    for plan in ("999999", "1e9", "x" * 500):  # a plan version no call uses
        assert client.get(URL + ".csv?plan=" + plan).status_code == 404
    assert client.get(URL + ".pdf?plan=2147483648").status_code == 404  # too big: unknown


def test_the_filter_is_parsed_bounded(app, world):
    from werkzeug.datastructures import MultiDict
    with app.test_request_context():
        selection = parse_selection(MultiDict([
            ("aar", "2028"), ("aar", "2027"), ("aar", "2027"), ("aar", "1999"),
            ("fond", "klimafond"), ("utlysning", "٣"), ("plan", str(world.plan.id))]))
        flt = selection.filter
        assert flt.years == (2027, 2028) and flt.fund == Fund.KLIMAFOND
        assert flt.call_id is None and selection.plan_id == world.plan.id
        assert not selection.unknown_plan and len(selection.messages) == 2  # 1999, ٣
        many = parse_selection(MultiDict([("aar", str(2000 + n)) for n in range(100)]))
        assert many.filter.years is None and many.messages == ["Filteret har for mange år. "
                                                               "Alle år vises."]
        assert parse_selection(MultiDict([("plan", "7x")])).unknown_plan


def one(report, extras=None) -> list[ReportPart]:
    """The files of one plan version's report."""
    return [ReportPart(report, extras)]


def test_an_applicant_gets_no_file(client, world):
    applicant = make_user("ola@example.no")
    login(client, applicant)
    for extension in ("csv", "xlsx", "pdf"):
        assert client.get(f"{URL}.{extension}?aar=2027").status_code == 403


def test_a_caseworker_inhabil_in_an_application_of_the_filter_gets_no_file(
        client, world, db):
    """Tor is inhabil in R (N27): the 2027 totals would reveal R's case, 2028's do not."""
    tor = make_user("tor@example.no", Role.CASEWORKER, name="Tor Saksbehandler")
    db.session.add(ConflictDeclaration(application_id=world.apps["R"].id,
                                       caseworker_id=tor.id, disqualified=True,
                                       ground=ConflictGround.FAMILY))
    db.session.flush()
    login(client, tor)
    for extension in ("csv", "xlsx", "pdf"):
        response = client.get(f"{URL}.{extension}?aar=2027")
        assert response.status_code == 403
        assert "Du er inhabil i en søknad i utvalget" in response.get_data(as_text=True)
    assert client.get(f"{URL}.csv?aar=2027&fond=klimafond").status_code == 200
    response = client.get(f"{URL}.csv?aar=2028")
    assert response.status_code == 200
    assert csv_rows(response.data)[("totalt", "")][3] == "1"  # Y alone


def test_a_title_that_looks_like_a_formula_stays_text(app, world, db):
    world.apps["K"].title = '=HYPERLINK("http://example.com","Klikk")'
    db.session.flush()
    with app.test_request_context():
        data = coverage_xlsx(one(coverage(world.plan, Y2027)))
    cell = load_workbook(io.BytesIO(data))["Prosjekter"]["B4"]
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")


def test_a_long_list_of_projects_is_left_to_the_spreadsheet(app, world, monkeypatch):
    """A year at national scale has thousands of funded projects: the PDF says how many
    and where they are listed, and stays a few pages (issue 14)."""
    import fund.reports.exports
    with app.test_request_context():
        report = coverage(world.plan, Y2027)
        monkeypatch.setattr(fund.reports.exports, "APPENDIX_LIMIT", len(report.projects) - 1)
        text = " ".join(pdf_text(coverage_pdf(one(report), date(2027, 12, 31))).split())
    assert "Vedlegg: prosjekter som har fått tilskudd" in text
    assert f"{len(report.projects)} prosjekter har fått tilskudd i utvalget." in text
    assert "regnearket for det samme utvalget" in text and "Prosjekt Lambda AS" not in text
