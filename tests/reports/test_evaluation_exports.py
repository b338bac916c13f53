"""The yearly evaluation in the files and on the page: the CSV rows, the XLSX sheets, the
page's partial and the PDF's partial show the numbers of the dataclasses, for the world
of tests/reports/conftest.py (figures by hand in tests/reports/test_evaluation.py), with
the political priorities 1: 40 %, 2: 30 % (3–5 not set) and Pi AS in næring 62 (J)."""

import io
from decimal import Decimal

import pytest
from flask import render_template_string
from openpyxl import Workbook, load_workbook

from fund.core.pdf import write_pdf
from fund.extensions import db as _db
from fund.reports.evaluation import evaluation
from fund.reports.evaluation_exports import (
    POINTS_FORMAT,
    effect_lines,
    evaluation_csv_rows,
    evaluation_sheets,
    year_lines,
)
from fund.reports.sheets import FIGURE_FIELDS, NOK_FORMAT, PERCENT_FORMAT
from tests.decisions.conftest import pdf_text
from tests.test_pages import audit

#: Where the figure columns start in a CSV row (after Nivå, Kode, Tittel).
FIRST = 3


def column(name: str) -> int:
    return FIRST + FIGURE_FIELDS.index(name)


@pytest.fixture
def result(app, world):
    for area in world.plan.areas:
        area.priority_percent = {"1": 40, "2": 30}.get(area.code)
    world.apps["P"].organisation.industry_code = "62.010"
    _db.session.flush()
    with app.test_request_context():
        yield evaluation(world.plan)


def rows_of(rows, level):
    return [row for row in rows if row[0] == level]


def test_the_csv_rows_have_the_figures_per_year_in_their_columns(result):
    rows = evaluation_csv_rows(result)
    assert {len(row) for row in rows} == {FIRST + len(FIGURE_FIELDS)}
    years = rows_of(rows, "evaluering_år")
    assert [(row[1], row[2]) for row in years] == [
        ("2027", "Næringsfond, Klimafond"), ("2028", "Næringsfond"), ("2029", "Næringsfond")]
    y27 = years[0]
    for name in FIGURE_FIELDS[:-1]:
        assert y27[column(name)] == getattr(result.years[0].figures, name), name
    assert (y27[column("received")], y27[column("granted")], y27[column("budget")]) == (
        6, 350_000, 1_500_000)
    assert y27[column("budget_share")] == "0,2333"  # 350 000 / 1 500 000


def test_the_csv_rows_keep_expected_and_realised_effects_apart(result):
    effects = {(row[1], row[2]): row[FIRST] for row in rows_of(evaluation_csv_rows(result),
                                                                 "evaluering_effekt")}
    assert len(effects) == 3 * len(effect_lines())
    assert effects[("2027", "Forventet: kunnskapsintensive arbeidsplasser")] == 4
    assert effects[("2027", "Realisert: kunnskapsintensive arbeidsplasser")] == 2
    assert effects[("2027", "Forventet: kutt i tonn CO2e per år")] == "40,50"
    assert effects[("2027", "Realisert: kutt i tonn CO2e per år")] == "5,25"
    assert effects[("2027", "Realisert: videre finansiering fra Innovasjon Norge (kr)")] \
        == 500_000
    assert effects[("2027", "5C-1: minst ett samarbeid med utdanningsinstitusjon")] == "Ja"
    assert effects[("2028", "5C-1: minst ett samarbeid med utdanningsinstitusjon")] == "Nei"


def test_the_csv_rows_have_each_area_share_against_the_priority(result):
    shares = rows_of(evaluation_csv_rows(result), "andel_område")
    assert len(shares) == 4 * len(result.area_shares)
    area1 = [row for row in shares if row[1] == "2027" and row[2].startswith("1. ")]
    granted, share, priority, difference = area1
    assert granted[column("granted")] == 200_000
    assert (share[FIRST], priority[FIRST], difference[FIRST]) == ("0,5714", 40, "17,1")
    blank = [row for row in shares if row[1] == "2027" and row[2].startswith("4. ")]
    assert (blank[2][FIRST], blank[3][FIRST]) == ("", "")  # not set: no difference
    assert {row[1] for row in shares} == {"2027", "2028", "2029", "alle år"}
    industries = rows_of(evaluation_csv_rows(result), "næring")
    assert [(row[1], row[column("grants")], row[column("granted")]) for row in industries] \
        == [("J", 1, 200_000), ("", 3, 220_000)]  # L, K and Y have no næringskode


def test_the_xlsx_sheets_have_numbers_with_formats(result):
    book = Workbook()
    book.remove(book.active)
    evaluation_sheets(book, [result])
    book = load_workbook(io.BytesIO(_saved(book)))
    assert book.sheetnames == ["Evaluering per år", "Andel per innsatsområde",
                               "Næringer (SN2007)", "Metode for evalueringen"]

    years = book["Evaluering per år"]
    headers = [cell.value for cell in years[1]]
    context = [f"{what}{label}" for label in (
        "Plassering i NHO Kommune-NM", "Sysselsatte i kunnskapsintensive næringer (SSB, 3205)",
        "Andel innbyggere med høyere utdanning (SSB, 3205)")
        for what in ("Utenfor systemet: ", "Kilde: ", "Merknad: ")]
    assert headers == ["År", *(line.label for line in year_lines()), *context, "Planversjon"]
    y27 = {header: cell for header, cell in zip(headers, years[2], strict=True)}
    assert y27["Planversjon"].value == "2022-2024"
    assert y27["År"].value == 2027
    assert (y27["Søknader mottatt"].value, y27["Innvilget (kr)"].value) == (6, 350_000)
    assert y27["Innvilget (kr)"].number_format == NOK_FORMAT
    assert y27["Andel av budsjettet"].value == pytest.approx(0.2333)
    assert y27["Andel av budsjettet"].number_format == PERCENT_FORMAT
    assert y27["Forventet: kutt i tonn CO2e per år"].value == 40.5
    assert y27["Realisert: kutt i tonn CO2e per år"].value == 5.25
    assert y27["5C-1: minst ett samarbeid med utdanningsinstitusjon"].value == "Ja"
    for row, cells in zip(result.years, years.iter_rows(min_row=2), strict=True):
        assert cells[headers.index("Utbetalt (kr)")].value == row.figures.paid
        assert cells[headers.index("Realisert: godkjente sluttrapporter")].value == \
            row.effects.realised.reports

    shares = list(book["Andel per innsatsområde"].iter_rows(min_row=2, values_only=True))
    assert len(shares) == len(result.area_shares)
    assert shares[0] == (  # 2027, area 1
        "2027", "1", result.area_shares[0].title, 200_000, 350_000,
        pytest.approx(0.5714), pytest.approx(0.40), pytest.approx(17.1), "2022-2024")
    sheet = book["Andel per innsatsområde"]
    assert [sheet[c].number_format for c in ("D2", "E2", "F2", "G2")] == [
        NOK_FORMAT, NOK_FORMAT, PERCENT_FORMAT, PERCENT_FORMAT]
    assert sheet["H2"].number_format == POINTS_FORMAT
    assert [row[3] for row in shares if row[0] == "alle år"][:2] == [270_000, 350_000]

    industries = list(book["Næringer (SN2007)"].iter_rows(min_row=2, values_only=True))
    assert industries[0] == ("J", "J Informasjon og kommunikasjon", 1, 1, 200_000,
                             "2022-2024")
    method = [row[0] for row in book["Metode for evalueringen"].iter_rows(values_only=True)]
    assert method[1:] == result.method


def _saved(book) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


PAGE = """{% extends "base.html" %}{% block content %}<h1>Dekning</h1>
{% include "reports/coverage_evaluation.html" %}{% endblock %}"""


def test_the_page_partial_shows_the_tables_accessibly(app, world, result):
    with app.test_request_context():
        html = render_template_string(PAGE, evaluation=result)
    assert audit(html) == []
    assert html.count("<caption>") == 3 and html.count('class="table-scroll"') == 3
    assert '<th scope="col" class="num">2027</th>' in html
    assert '<tr id="evaluation-granted"><th scope="row">Innvilget</th>' \
        '<td class="num">kr\u00a0350\u00a0000</td><td class="num">kr\u00a070\u00a0000</td>' \
        '<td class="num">kr\u00a00</td></tr>' in html
    assert '<tr id="evaluation-target-5c1"><th scope="row">Målet er nådd</th>' \
        '<td class="num">Ja</td><td class="num">Nei</td><td class="num">Nei</td></tr>' in html
    row = html[html.index('id="evaluation-share-2027-1"'):]
    row = row[:row.index("</tr>")]
    assert "kr\u00a0200\u00a0000" in row and "57,1\u00a0%" in row and "40\u00a0%" in row \
        and "+17,1" in row
    row = html[html.index('id="evaluation-share-2027-4"'):]
    assert "ikke satt" in row[:row.index("</tr>")]
    assert "J Informasjon og kommunikasjon" in html
    assert "«Bekreftet tiltak»" in html


def test_the_pdf_partial_has_the_same_numbers(app, world, result):
    page = """{% extends "pdf/_base.html" %}{% block content %}
    {% include "pdf/_coverage_evaluation.html" %}{% endblock %}"""
    with app.test_request_context():
        text = pdf_text(write_pdf(render_template_string(page, evaluation=result)))
    assert "Årlig evaluering av næringsstrategien" in text
    assert "Innvilget kr 350 000 kr 70 000 kr 0" in text
    assert "Målet er nådd Ja Nei Nei" in text
    assert "Metode for CO2e 2027, forventet: Målt forbruk.; realisert: Beregnet" in text
    assert "57,1 % 40 % +17,1" in text
    assert "J Informasjon og kommunikasjon 1 1 kr 200 000" in text
    assert Decimal("57.1") == result.area_shares[0].share_percent
