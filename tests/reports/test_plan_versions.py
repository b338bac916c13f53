"""A report over several plan versions shows each version's tree separately (issue 11).

On top of the hand-computed world (plan 2022-2024, calls 2027–2029), a newer plan version
2025-2028 is used by one call, «Næringsfondet 2030», with one application Z: applied
180 000, granted 150 000, confirmed under the new plan's 1B-2 and 3A-1 (two areas).

Z is counted only in the new version's tree, and the old version's figures are those of
the world as before (2027–2029 with a confirmed measure: received P R L U K Y V = 7,
applied 250 + 80 + 60 + 40 + 120 + 70 + 90 = 710 000; grants P L K Y = 4, granted
200 + 50 + 100 + 70 = 420 000; one rejection, R)."""

import io
from datetime import date

from openpyxl import load_workbook
from sqlalchemy import select

from fund.calls.models import Fund
from fund.core.roles import Role
from fund.extensions import db as _db
from fund.plan.loader import DATA_DIR, load_plan, read_plan_file
from fund.plan.models import Area, Measure, Strategy
from fund.reports.selection import parse_selection, report_parts
from fund.review.models import ConfirmedMeasure, ConflictDeclaration, ConflictGround, Outcome
from tests.decisions.conftest import pdf_text
from tests.helpers import login, make_call, make_user
from tests.reports.conftest import application, decision
from tests.reports.test_coverage_page import kr, page, rows_of
from tests.reports.test_exports import URL, read_csv

OLD, NEW = "2022-2024", "2025-2028"


def new_plan():
    data = read_plan_file(DATA_DIR / "handlingsplan-2022-2024.yaml")
    data.update(period=NEW, title="Handlingsplan 2025–2028", starts_on="2025-01-01",
                ends_on="2028-12-31")
    plan, _ = load_plan(data)
    _db.session.flush()
    return plan


def measure_of(plan, code: str) -> Measure:
    return _db.session.execute(
        select(Measure).join(Strategy).join(Area)
        .where(Area.plan_id == plan.id, Measure.code == code)).scalar_one()


def with_new_version(world):
    plan = new_plan()
    call = make_call(Fund.NAERINGSFOND, year=2030, budget=3_000_000, plan=plan,
                     title="Næringsfondet 2030")
    z = application(call, "Zeta AS", 180_000)
    for code in ("1B-2", "3A-1"):
        _db.session.add(ConfirmedMeasure(application_id=z.id,
                                         measure_id=measure_of(plan, code).id,
                                         confirmed_by_id=world.sara.id))
    decision(z, Outcome.GRANTED, world.sara, amount=150_000)
    _db.session.flush()
    return plan, z


def test_the_page_shows_each_plan_versions_tree_under_its_own_heading(client, world):
    plan, _ = with_new_version(world)
    login(client, world.sara)
    response, html = page(client)
    assert response.status_code == 200
    # the newest version first, each with its own heading and link in the list
    new_at = html.index(f'id="p{plan.id}-version"')
    old_at = html.index(f'id="p{world.plan.id}-version"')
    assert html.index('id="versions"') < new_at < old_at
    assert "ulike versjoner av handlingsplanen" in html
    rows = rows_of(html)
    new_total = rows[f"p{plan.id}-total-row"][1:6]
    assert new_total == ["1", "1", "0", kr("180 000"), kr("150 000")]
    # two areas of the new plan, Z once in each and once in the total
    assert rows[f"p{plan.id}-node-1"][2] == "1" and rows[f"p{plan.id}-node-3"][2] == "1"
    old_total = rows[f"p{world.plan.id}-total-row"][1:6]
    assert old_total == ["7", "4", "1", kr("710 000"), kr("420 000")]
    # Z is not in the old version's tree, and the world's projects are not in the new one
    old_part = html[old_at:]
    assert "Prosjekt Zeta AS" not in old_part and "Prosjekt Zeta AS" in html[new_at:old_at]
    assert "Prosjekt Pi AS" not in html[new_at:old_at]
    # each part links its own files, and the list links a file of both
    assert f"eksport.pdf?plan={plan.id}" in html[new_at:old_at]
    assert f"eksport.pdf?plan={world.plan.id}" in old_part
    assert 'id="all-files"' in html
    # no element id twice
    ids = [chunk.split('"', 1)[0] for chunk in html.split(' id="')[1:]]
    assert len(ids) == len(set(ids))


def test_a_filter_within_one_version_shows_that_version_alone(client, world):
    plan, _ = with_new_version(world)
    login(client, world.sara)
    _, html = page(client, "?aar=2030")
    assert 'id="versions"' not in html and "total-row" in rows_of(html)
    assert rows_of(html)["total-row"][1:6] == ["1", "1", "0", kr("180 000"), kr("150 000")]
    assert f"{NEW} Handlingsplan 2025–2028" in html
    _, html = page(client, f"?plan={world.plan.id}")
    assert 'id="versions"' not in html and "Prosjekt Zeta AS" not in html
    assert rows_of(html)["total-row"][1:3] == ["7", "4"]
    # the call list names each call's plan version when the page shows several
    _, html = page(client)
    assert f"Næringsfondet 2030 (2030, plan {NEW})" in html
    # nothing matches: a message, no figures
    _, html = page(client, "?aar=2040")
    assert 'id="no-calls"' in html and "total-row" not in html


def test_the_files_keep_the_versions_apart(app, client, world):
    plan, _ = with_new_version(world)
    login(client, world.sara)
    response = client.get(URL + ".csv")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == \
        f'attachment; filename="dekning-{NEW}-{OLD}.csv"'
    header, *body = read_csv(response.data)
    totals = {row[-1]: row for row in body if row[0] == "totalt"}
    assert totals[NEW][3:9] == ["1", "0", "1", "0", "180000", "150000"]
    assert totals[OLD][3:9] == ["7", "1", "4", "1", "710000", "420000"]
    assert [row[-1] for row in body].index(OLD) > [row[-1] for row in body].index(NEW)

    book = load_workbook(io.BytesIO(client.get(URL + ".xlsx").data))
    areas = [[c.value for c in row] for row in book["Innsatsområder"].iter_rows(min_row=2)]
    assert {row[-1] for row in areas} == {NEW, OLD}
    total_rows = {row[-1]: row for row in areas if not row[0]}
    assert total_rows[NEW][2:8] == [1, 0, 1, 0, 180_000, 150_000]
    leverage = book["Utløst kapital"]
    assert [c.value for c in leverage[1]] == ["Tall", f"Planversjon {NEW}",
                                              f"Planversjon {OLD}"]

    text = pdf_text(client.get(URL + ".pdf").data)
    assert text.index(f"Planversjon {NEW}: Handlingsplan 2025–2028") \
        < text.index(f"Planversjon {OLD}:")
    assert "ulike versjoner av handlingsplanen" in text
    # one version only: the file of that version alone
    response = client.get(URL + f".csv?plan={world.plan.id}")
    assert {row[-1] for row in read_csv(response.data)[1:]} == {OLD}


def test_the_pdf_prints_the_three_charts_with_their_numbers(app, world):
    with app.test_request_context():
        from werkzeug.datastructures import MultiDict

        from fund.reports.exports import coverage_pdf
        parts = report_parts(parse_selection(MultiDict([("aar", "2027")])))
        text = pdf_text(coverage_pdf(parts, date(2027, 12, 31)))
    assert "Figurer" in text
    assert "Tallene i figuren: innvilget beløp per innsatsområde" in text
    assert "Tallene i figuren: forventet (fra søknadene)" in text
    # the charts' own text: a label shortened to fit (the table has it whole), and the
    # paired bars' names with their values
    assert "1. Fremtidsrettede virksomheter inne…" in text
    assert "Forventet: 4" in text and "Realisert: 2" in text


def test_an_inhabil_caseworker_is_refused_when_any_version_holds_the_case(client, world, db):
    _, z = with_new_version(world)
    ola = make_user("ola@example.no", Role.CASEWORKER, name="Ola Saksbehandler")
    db.session.add(ConflictDeclaration(application_id=z.id, caseworker_id=ola.id,
                                       disqualified=True, ground=ConflictGround.PARTY))
    db.session.flush()
    login(client, ola)
    response, html = page(client)
    assert response.status_code == 403 and "Prosjekt Zeta AS" not in html
    assert client.get(URL + ".csv").status_code == 403
    response, html = page(client, f"?plan={world.plan.id}")
    assert response.status_code == 200 and "Prosjekt Zeta AS" not in html


def test_the_yearly_evaluation_is_on_the_page_and_in_every_file(client, world):
    """The before/after table per call year (LAW.md §5.2), for 2027: six received (P R L U
    K X; W is withdrawn), kr 350 000 granted (P 200 000, L 50 000, K 100 000)."""
    login(client, world.sara)
    _, html = page(client, "?aar=2027")
    rows = rows_of(html)
    assert rows["evaluation-received"][1:] == ["6"]
    assert rows["evaluation-granted"][1:] == [kr("350 000")]
    assert 'id="evaluation-shares"' in html and 'id="evaluation-method"' in html

    header, *body = read_csv(client.get(URL + ".csv?aar=2027").data)
    year = next(row for row in body if row[0] == "evaluering_år")
    assert year[1] == "2027" and year[header.index("Søknader mottatt")] == "6"
    assert year[header.index("Innvilget (kr)")] == "350000" and year[-1] == OLD

    book = load_workbook(io.BytesIO(client.get(URL + ".xlsx?aar=2027").data))
    sheet = [[c.value for c in row] for row in book["Evaluering per år"].iter_rows()]
    by_head = dict(zip(sheet[0], sheet[1], strict=True))
    assert (by_head["År"], by_head["Søknader mottatt"], by_head["Innvilget (kr)"]) == \
        (2027, 6, 350_000)

    text = pdf_text(client.get(URL + ".pdf?aar=2027").data)
    assert "Årlig evaluering av næringsstrategien" in text
    assert "Før og etter: tall per utlysningsår" in text
