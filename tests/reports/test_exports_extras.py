"""The report's extras (places, leverage, the fund per year) in the coverage files, against
the world of tests/reports/conftest.py, for 2027 (N27 + K27), with two additions made here:
Pi AS is at 2000 Lillestrøm (every other organisation has no postcode: «Utenfor kommunen
eller ukjent»), and other financing: P own funds 150 000, K other public 50 000, L own
funds 999 999 (never counts: L's tilsagn lapsed).

By hand: received (not withdrawn) in 2027 are P, R, L, U, X (N27) and K (K27); grants P
200 000, L 50 000, K 100 000.
- Lillestrøm: received 1, grants 1, 200 000; unknown: received 5, grants 2 (L, K), 150 000.
- Leverage: funded P and K, 2 projects, granted 300 000; other financing 200 000, so
  0.6667 per krone; no partners; no KDD category, so all 3 grants (350 000) are «andre».
- Fund per year: 2027 næringsfond held, not joint, 1 000 000, 5 applications; klimafond
  held, not joint, 500 000, 1 application."""

import io
from datetime import date

import pytest
from openpyxl import load_workbook

from fund.applications.models import FinancingKind, FinancingLine
from fund.extensions import db as _db
from fund.reports.coverage import CoverageFilter, coverage
from fund.reports.exports import coverage_csv, coverage_pdf, coverage_xlsx
from fund.reports.extras import UNKNOWN_PLACE, extras
from fund.reports.sheets import NOK_FORMAT
from tests.decisions.conftest import pdf_text
from tests.helpers import count_queries, login
from tests.reports.test_exports import URL, one, read_csv

Y2027 = CoverageFilter(years=(2027,))


@pytest.fixture
def world2(world):
    world.apps["P"].organisation.postcode = "2000"
    for name, kind, amount in (("P", FinancingKind.OWN_FUNDS, 150_000),
                               ("K", FinancingKind.OTHER_PUBLIC, 50_000),
                               ("L", FinancingKind.OWN_FUNDS, 999_999)):
        _db.session.add(FinancingLine(application_id=world.apps[name].id, kind=kind,
                                      amount=amount))
    _db.session.flush()
    return world


def files(app, world):
    with app.test_request_context():
        report, more = coverage(world.plan, Y2027), extras(world.plan, Y2027)
        return (coverage_csv(one(report, more)), coverage_xlsx(one(report, more)),
                pdf_text(coverage_pdf(one(report, more), date(2027, 12, 31))))


def test_the_xlsx_has_places_leverage_and_the_fund_per_year_as_numbers(app, world2):
    _, data, _ = files(app, world2)
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames[-4:] == ["Steder", "Utløst kapital", "Fondet per år",
                                    "Slik er tallene telt"]
    places = {row[0].value: row for row in book["Steder"].iter_rows(min_row=2)}
    assert [c.value for c in places["Lillestrøm"]] == ["Lillestrøm", 1, 1, 200_000, "2022-2024"]
    assert [c.value for c in places[UNKNOWN_PLACE]] == [UNKNOWN_PLACE, 5, 2, 150_000,
                                                        "2022-2024"]
    assert places["Strømmen"][1].value == 0  # a place without applications: zeros
    assert places["Lillestrøm"][3].number_format == NOK_FORMAT
    leverage = {row[0].value: row[1] for row in book["Utløst kapital"].iter_rows(min_row=2)}
    assert leverage["Prosjekter som har fått tilskudd (ikke bortfalt)"].value == 2
    assert leverage["Innvilget til dem (kr)"].value == 300_000
    assert leverage["Egne midler (kr)"].value == 150_000
    assert leverage["Annen offentlig støtte (kr)"].value == 50_000
    assert leverage["Annen finansiering i alt (kr)"].value == 200_000
    assert leverage["Annen finansiering i alt (kr)"].number_format == NOK_FORMAT
    ratio = leverage["Annen finansiering per innvilget krone"].value
    assert isinstance(ratio, float) and ratio == pytest.approx(0.6667)
    assert leverage["Samarbeidsprosjekter"].value == 0
    assert leverage["Tilsagn til andre"].value == 3
    assert leverage["Innvilget til andre (kr)"].value == 350_000
    years = [[c.value for c in row] for row in book["Fondet per år"].iter_rows(min_row=2)]
    assert years == [[2027, "Næringsfond", "Ja", "Nei", 1_000_000, 5, "2022-2024"],
                     [2027, "Klimafond", "Ja", "Nei", 500_000, 1, "2022-2024"]]
    assert book["Fondet per år"]["E2"].number_format == NOK_FORMAT


def test_the_csv_has_rows_per_place_and_per_fund_and_year(app, world2):
    data, _, _ = files(app, world2)
    header, *body = read_csv(data)
    assert len(header) == 14 and header[-1] == "Planversjon"
    places = {row[2]: row for row in body if row[0] == "sted"}
    # Søknader mottatt, Trukket, Tilskudd, Avslag, Søkt, Innvilget; the rest blank; the plan version
    assert places["Lillestrøm"][3:] == ["1", "", "1", "", "", "200000", "", "", "", "",
                                        "2022-2024"]
    assert places[UNKNOWN_PLACE][3:9] == ["5", "", "2", "", "", "150000"]
    years = [row for row in body if row[0] == "fond_år"]
    assert [(r[1], r[2], r[3], r[11]) for r in years] == [
        ("2027", "Næringsfond", "5", "1000000"), ("2027", "Klimafond", "1", "500000")]
    assert body[0][0] == "totalt"  # the old rows come first, unchanged


def test_the_pdf_has_the_three_sections_before_the_appendix(app, world2):
    _, _, text = files(app, world2)
    places = text.index("Søknader og tilskudd per sted")
    assert places < text.index("Utløst kapital") < text.index("Fondet per år") \
        < text.index("Vedlegg: prosjekter som har fått tilskudd")
    assert "Lillestrøm 1 1 kr 200 000" in text
    assert f"{UNKNOWN_PLACE} 5 2 kr 150 000" in text
    assert "Annen finansiering i alt kr 200 000" in text
    assert "Annen finansiering per innvilget krone 0,67" in text
    assert "2027 Næringsfond Ja Nei kr 1 000 000 5" in text
    assert "2027 Klimafond Ja Nei kr 500 000 1" in text


def test_without_extras_the_files_are_as_before(app, world2):
    with app.test_request_context():
        report = coverage(world2.plan, Y2027)
        assert "Steder" not in load_workbook(io.BytesIO(coverage_xlsx(one(report)))).sheetnames
        assert all(row[0] not in ("sted", "fond_år") for row in read_csv(coverage_csv(one(report))))


def test_the_files_with_extras_run_no_queries_of_their_own(app, world2):
    with app.test_request_context():
        report, more = coverage(world2.plan, Y2027), extras(world2.plan, Y2027)
        with count_queries() as counted:
            coverage_csv(one(report, more))
            coverage_xlsx(one(report, more))
    assert counted.count == 0


def test_the_downloads_carry_the_extras_with_the_same_filter(client, world2):
    login(client, world2.sara)
    base = f"?plan={world2.plan.id}&aar=2027&fond=klimafond"
    body = read_csv(client.get(URL + ".csv" + base).data)[1:]
    assert [(r[1], r[2], r[3], r[11]) for r in body if r[0] == "fond_år"] == [
        ("2027", "Klimafond", "1", "500000")]
    places = {r[2]: r for r in body if r[0] == "sted"}
    assert places[UNKNOWN_PLACE][3] == "1" and places["Lillestrøm"][3] == "0"  # K only
    book = load_workbook(io.BytesIO(client.get(URL + ".xlsx" + base).data))
    assert book["Fondet per år"].max_row == 2
    assert "Utløst kapital" in pdf_text(client.get(URL + ".pdf" + base).data)
