"""The staff page of the plan-coverage report (issue 11), as the caseworkers and managers
use it, against the world of tests/reports/conftest.py (figures worked out by hand there).

For 2027 (N27 + K27, budget 1 500 000): area 1 = P, W, R, U; area 2 = P, L, K; the total =
P, W, R, L, U, K with P once, though it advances three measures in two areas."""

from html.parser import HTMLParser

from sqlalchemy import select

from fund.core.roles import Role
from fund.grants.labels import GRANT_STATE_LABELS
from fund.grants.models import Grant, GrantState
from fund.review.models import ConfirmedMeasure, ConflictDeclaration, ConflictGround, Outcome
from tests.helpers import count_queries, login, make_user
from tests.test_pages import audit

URL = "/rapporter/dekning"
NBSP = "\u00a0"


def kr(amount: str) -> str:
    return "kr" + NBSP + amount.replace(" ", NBSP)


class Cells(HTMLParser):
    """The text of every cell of every table row with an id, and of the elements with the
    ids asked for."""

    def __init__(self):
        super().__init__()
        self.rows: dict[str, list[str]] = {}
        self._row = None
        self._cell = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "tr":
            self._row = attrs.get("id") or f"row-{len(self.rows)}"
            self.rows[self._row] = []
        if tag in ("td", "th") and self._row is not None:
            self._cell = []
        if tag == "br" and self._cell is not None:
            self._cell.append(" ")

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.rows[self._row].append(" ".join("".join(self._cell).split()))
            self._cell = None
        if tag == "tr":
            self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data.replace(NBSP, "\x00"))


def rows_of(html: str) -> dict[str, list[str]]:
    parser = Cells()
    parser.feed(html)
    return {key: [c.replace("\x00", NBSP) for c in cells] for key, cells in parser.rows.items()}


def calls_of(html: str) -> list[list[str]]:
    """The rows of the table of the calls in the report (without its head)."""
    table = html[html.index('id="calls"'):]
    return [cells for cells in rows_of(table[:table.index("</table>")]).values() if cells][1:]


def page(client, query=""):
    response = client.get(URL + query)
    return response, response.get_data(as_text=True)


def test_a_caseworker_sees_the_hand_computed_figures_with_each_project_once(client, world):
    login(client, world.sara)
    response, html = page(client, "?aar=2027")
    assert response.status_code == 200
    rows = rows_of(html)
    assert "2022-2024" in html  # the plan version
    assert rows["total-row"][1:] == [  # received, grants, rejections, applied, granted,
        "5", "3", "1", kr("550 000"), kr("350 000"),  # paid, lapsed, share of 1 500 000
        kr("100 000"), kr("50 000"), "23,3" + NBSP + "%"]
    assert rows["node-1"][1:] == ["3", "1", "1", kr("370 000"), kr("200 000"), kr("100 000"),
                                  kr("0"), "13,3" + NBSP + "%"]
    assert rows["node-2"][1:] == ["3", "3", "0", kr("430 000"), kr("350 000"),
                                  kr("100 000"), kr("50 000"), "23,3" + NBSP + "%"]
    # P is in 1B-2, 1C-6 and 2C-1, once in each: the levels do not add up to the total
    assert rows["node-1B-2"][1:6] == ["2", "1", "1", kr("330 000"), kr("200 000")]
    assert rows["node-1C"][1:6] == ["2", "1", "0", kr("290 000"), kr("200 000")]
    assert rows["node-2C-2"][1:8] == ["1", "1", "0", kr("60 000"), kr("50 000"), kr("0"),
                                      kr("50 000")]
    # the calls and their budgets
    assert calls_of(html) == [["Klimafondet 2027", "Klimafond", "2027", kr("500 000")],
                              ["Næringsfondet 2027", "Næringsfond", "2027", kr("1 000 000")],
                              ["Samlet budsjett", kr("1 500 000")]]
    # the explanation of the counting
    assert "kan derfor ikke legges sammen" in html
    assert "blandes aldri" in html


def test_the_funded_projects_are_listed_under_each_strategy_once_and_linked(client, world,
                                                                           db):
    grants = dict(db.session.execute(select(Grant.application_id, Grant.id)).all())
    login(client, world.sara)
    _, html = page(client, "?aar=2027")
    under_2c = html[html.index('id="projects-2C"'):]
    under_2c = [cells for cells in rows_of(under_2c[:under_2c.index("</table>")]).values()
                if cells][1:]
    # P once, though it has 2C-1 and L twice its measures there; L lapsed, K offered
    assert [(c[0].split(" (")[0], c[1], c[2]) for c in under_2c] == [
        ("Prosjekt Pi AS", "Pi AS", kr("200 000")),
        ("Prosjekt Lambda AS", "Lambda AS", kr("50 000")),
        ("Prosjekt Kappa AS", "Kappa AS", kr("100 000"))]
    assert [c[3] for c in under_2c][1] == str(GRANT_STATE_LABELS[GrantState.LAPSED])
    p_link = f'href="/tilskudd/{grants[world.apps["P"].id]}">Prosjekt Pi AS</a>'
    assert html.count(p_link) == 3  # under 1B, 1C and 2C
    # the rejected and the withdrawn are not projects
    assert "Prosjekt Rho AS" not in html and "Prosjekt Wolfram AS" not in html
    # Y's letter is not sent, so there is no tilsagn to link to
    _, html = page(client, "?aar=2028")
    assert "Prosjekt Ypsilon AS <small>" in html and "Vedtak ikke sendt" in html


def test_the_gaps_have_their_own_section(client, world):
    login(client, world.sara)
    _, html = page(client, "?aar=2027")
    gaps = html[html.index('id="gaps"'):html.index('id="effects-heading"')]
    # 1A-1 is opened by K27 and nobody advances it; strategy 1A has no project
    assert "1A-1:" in gaps
    assert "1A " in gaps
    # 1B-2 and 1C-6 have P; 2C-2 has only the lapsed L, which does not advance the plan
    assert "1B-2:" not in gaps and "1C-6:" not in gaps
    assert "1B " not in gaps and "2C " not in gaps


def test_expected_and_realised_effects_stand_apart(client, world):
    login(client, world.sara)
    _, html = page(client, "?aar=2027")
    table = html[html.index('id="effects-total"'):]
    table = table[:table.index("</table>")]
    rows = list(rows_of(table).values())
    by_name = {cells[0]: cells[1:] for cells in rows if cells}
    # expected: P and K (L lapsed); realised: P's approved final report only
    assert by_name["Kunnskapsintensive arbeidsplasser"] == ["4", "2"]
    assert by_name["Andre arbeidsplasser"] == ["2", "1"]
    assert by_name["Kutt i tonn CO2e per år"] == ["40,5 Metode: Målt forbruk.",
                                                   "5,25 Metode: Beregnet"]
    assert by_name["Prosjekter med internasjonalt samarbeid"] == ["0", "1"]
    assert by_name["Videre finansiering fra Innovasjon Norge"] == ["–", kr("500 000")]
    # K's submitted report is not realised
    assert by_name["Videre finansiering fra EU"] == ["–", kr("0")]
    assert "6" not in by_name["Kunnskapsintensive arbeidsplasser"]  # never 4 + 2


def test_the_charts_have_text_alternatives_and_the_same_numbers_in_a_table(client, world):
    login(client, world.sara)
    _, html = page(client, "?aar=2027")
    for chart in ("chart-money", "chart-coverage"):
        svg = html[html.index(f'id="{chart}"'):]
        svg = svg[:svg.index("</svg>")]
        assert 'role="img"' in svg and f'aria-labelledby="{chart}-title {chart}-desc"' in svg
        assert f'<title id="{chart}-title">' in svg and f'<desc id="{chart}-desc">' in svg
        assert 'viewBox="0 0 340' in svg and 'width="100%"' in svg
        assert "<script" not in svg
    money = html[html.index('id="chart-money"'):html.index('id="chart-money-data"')]
    data = rows_of(html[html.index('id="chart-money-data"'):])
    amounts = {cells[0].split(".")[0]: cells[1] for cells in data.values() if len(cells) == 2}
    assert amounts["1"] == kr("200 000") and amounts["2"] == kr("350 000")
    assert amounts["3"] == kr("0")
    for amount in (kr("200 000"), kr("350 000")):
        assert amount in money
    coverage = html[html.index('id="chart-coverage"'):html.index('id="chart-coverage-data"')]
    data = rows_of(html[html.index('id="chart-coverage-data"'):html.index('id="gaps"')])
    by_strategy = {cells[0].split(" ")[0]: cells[1:] for cells in data.values()
                   if len(cells) == 3}
    # 2C: 2C-1 has P and K; 2C-2 only the lapsed L
    assert by_strategy["2C"][0] == "1"
    assert by_strategy["1B"][0] == "1"
    total_2c = by_strategy["2C"][1]
    assert f"1 av {total_2c}" in coverage


def test_filtering_by_year_and_fund(client, world):
    login(client, world.sara)
    _, html = page(client, "?aar=2028")
    rows = rows_of(html)
    assert rows["total-row"][1:6] == ["1", "1", "0", kr("70 000"), kr("70 000")]
    assert "Prosjekt Ypsilon AS" in html and "Prosjekt Pi AS" not in html
    _, html = page(client, "?aar=2027&fond=klimafond")
    rows = rows_of(html)
    assert rows["total-row"][1:6] == ["1", "1", "0", kr("120 000"), kr("100 000")]
    assert [c[0] for c in calls_of(html)] == ["Klimafondet 2027", "Samlet budsjett"]
    _, html = page(client, "?aar=2027&aar=2028&fond=naeringsfond")
    rows = rows_of(html)
    # N27 (P, W, R, L, U) and N28 (Y)
    assert rows["total-row"][1:6] == ["5", "3", "1", kr("500 000"), kr("320 000")]
    _, html = page(client, f"?utlysning={world.calls['N28'].id}")
    assert rows_of(html)["total-row"][1:3] == ["1", "1"]


def test_junk_filters_give_a_message_not_an_error(client, world):
    login(client, world.sara)
    for query in ("?aar=tjue", "?aar=" + "9" * 5000, "?fond=pengebinge", "?plan=x",
                  "?plan=999999", "?utlysning=-1", "?utlysning=99999999999999",
                  "?" + "&".join(["aar=2027"] * 50), "?aar=%00", "?fond=%F0%9F%92%B0"):
        response, html = page(client, query)
        assert response.status_code == 200, query
        assert "ikke gyldig" in html or "for mange" in html or "hører ikke" in html, query
        assert audit(html) == [], query


def test_applicants_are_refused_and_the_anonymous_sent_to_log_in(client, world):
    response = client.get(URL)
    assert response.status_code == 302 and "/logg-inn" in response.headers["Location"]
    login(client, "pi.as@example.no")
    assert client.get(URL).status_code == 403


def test_staff_have_the_link_and_applicants_do_not(app, client, world):
    login(client, world.sara)
    assert f'href="{URL}">Rapporter</a>' in client.get("/").get_data(as_text=True)
    applicant = app.test_client()
    login(applicant, "pi.as@example.no")
    assert f'href="{URL}"' not in applicant.get("/min-side").get_data(as_text=True)


def test_an_inhabil_caseworker_is_refused_the_figures_that_include_the_case(client, world,
                                                                             db):
    ola = make_user("ola@example.no", Role.CASEWORKER, name="Ola Saksbehandler")
    db.session.add(ConflictDeclaration(application_id=world.apps["R"].id,
                                       caseworker_id=ola.id, disqualified=True,
                                       ground=ConflictGround.PARTY))
    db.session.flush()
    login(client, ola)
    response, html = page(client, "?aar=2027")
    assert response.status_code == 403
    assert "Du er inhabil i 1 sak i dette utvalget" in html
    assert "en annen saksbehandler eller leder" in html
    # nothing of the report: no figures, no projects
    assert 'id="total-row"' not in html and "Prosjekt Pi AS" not in html
    assert kr("550 000") not in html
    assert audit(html) == []
    # R is in N27: 2028 is another matter
    response, html = page(client, "?aar=2028")
    assert response.status_code == 200 and 'id="total-row"' in html


def test_a_manager_reads_the_page_and_it_passes_the_markup_audit(client, world):
    login(client, make_user("mona@example.no", Role.MANAGER, name="Mona Leder"))
    for query in ("", "?aar=2027", "?aar=2029"):
        response, html = page(client, query)
        assert response.status_code == 200
        assert audit(html) == [], query


def test_the_query_count_does_not_grow_with_the_applications(client, world, db):
    from tests.reports.conftest import application, confirm, decision, grant, paid

    def add_funded(first, n):
        for i in range(first, first + n):
            app = application(world.calls["N27"], f"Mer {i} AS", 10_000, knowledge_jobs=1)
            confirm(app, ["3B-1", "4B-3"], world.sara)
            decision(app, Outcome.GRANTED, world.sara, amount=10_000)
            paid(grant(app, GrantState.ACCEPTED), 1, 5_000)
        db.session.flush()

    login(client, world.sara)
    add_funded(0, 2)
    with count_queries() as few:
        _, html = page(client, "?aar=2027")
    assert html.count("Prosjekt Mer ") == 2 * 2  # under 3B and 4B
    add_funded(2, 6)
    with count_queries() as many:
        _, html = page(client, "?aar=2027")
    assert html.count("Prosjekt Mer ") == 8 * 2
    assert few.count == many.count
    assert db.session.query(ConfirmedMeasure).count() > 0


def test_a_chart_escapes_its_text_and_draws_nothing_for_zero():
    from fund.reports.charts import Bar, bar_chart

    svg = str(bar_chart("c", "Tittel <b>", "Beskrivelse & mer",
                        [Bar("A & B", 0, "kr 0"), Bar("C", 50, "kr 50"), Bar("D", 100, "kr 100")]))
    assert '<title id="c-title">Tittel &lt;b&gt;</title>' in svg
    assert '<desc id="c-desc">Beskrivelse &amp; mer</desc>' in svg
    assert ">A &amp; B</text>" in svg
    # one bar each for C and D, none for A; D is the full width, C half of it
    assert svg.count("<rect") == 2
    assert 'width="230.0"' in svg and 'width="115.0"' in svg



def test_the_page_links_its_files_with_the_same_selection(client, world):
    """The PDF, XLSX and CSV links carry the page's plan and filters, and the CSV they
    give has the page's total for that selection."""
    import csv
    import io
    import re
    login(client, world.sara)
    response, html = page(client, "?aar=2027&fond=klimafond")
    assert response.status_code == 200
    links = [link.replace("&amp;", "&") for link in re.findall(
        r'href="(/rapporter/dekning/eksport\.(?:pdf|xlsx|csv)[^"]*)"', html)]
    assert len(links) == 3
    for link in links:
        assert "aar=2027" in link and "fond=klimafond" in link and "plan=" in link
        assert client.get(link).status_code == 200
    [csv_link] = [link for link in links if ".csv" in link]
    text = client.get(csv_link).get_data().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert "120000" in rows[1] and "100000" in rows[1], rows[:2]
