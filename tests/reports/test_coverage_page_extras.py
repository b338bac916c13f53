"""The coverage page's sections beyond the plan tree (issue 11, LAW.md §5): the spread in
the municipality, the leverage and the fund itself as a measure (1B-3/2B-3), and the chart
of expected against realised effects, as a caseworker reads them, against the world of
tests/reports/conftest.py with postcodes, partners, other financing and KDD categories
added here.

Added (2027: N27 + K27, no joint call):
- P (granted 200 000, completed): 2000 Lillestrøm; partners «NMBU»; own funds 100 000 +
  other public 50 000; KDD 1310 (new firm) on its current decision.
- R (rejected): 2001 Lillestrøm.
- L (granted 50 000, lapsed): 2010 Strømmen; partners «Ja»; other private 999 000 (never
  counts: not funded); KDD 1110 (established).
- K (granted 100 000, offered): 0150 Oslo (outside); no partners; own work 50 000; no KDD.
- U (undecided), X (no measure): no postcode (unknown).
- W (withdrawn): 2010 Strømmen (never received).

By hand, for 2027:
- places: Lillestrøm received 2 (P, R), 1 grant, 200 000; Strømmen received 1 (L), 1 grant,
  50 000; outside or unknown received 3 (K, U, X), 1 grant, 100 000.
- leverage: funded P and K, 2 projects, 300 000 granted; other financing 150 000 + 50 000
  = 200 000; per krone 200 000 / 300 000 = 0,67; cooperation 1 (P).
- firms: new 1 grant 200 000 (P), established 1 grant 50 000 (L), other 1 grant 100 000 (K).
- the fund: 2027 næringsfond held, not joint, 1 000 000, received 5 (P, R, L, U, X);
  2027 klimafond held, 500 000, received 1 (K); size 2027 1 500 000.
- effects: knowledge jobs expected 3 + 1 = 4, realised 2; other jobs 2 and 1; tCO2e
  40,5 and 5,25."""

import pytest
from sqlalchemy import select

from fund.applications.models import FinancingKind, FinancingLine
from fund.auth.models import Organisation
from fund.core.roles import Role
from fund.decisions.models import Decision
from fund.grants.models import GrantState
from fund.review.models import ConflictDeclaration, ConflictGround, Outcome
from tests.helpers import count_queries, login, make_user
from tests.reports.test_coverage_page import kr, page, rows_of
from tests.test_pages import audit

POSTCODES = {"P": "2000", "R": "2001", "L": "2010", "K": "0150", "W": "2010"}
PARTNERS = {"P": "NMBU", "L": "Ja"}
FINANCING = {"P": [(FinancingKind.OWN_FUNDS, 100_000), (FinancingKind.OTHER_PUBLIC, 50_000)],
             "L": [(FinancingKind.OTHER_PRIVATE, 999_000)],
             "K": [(FinancingKind.OWN_WORK, 50_000)]}
KDD = {"P": "1310", "L": "1110"}


def current_decision(db, application):
    return db.session.execute(select(Decision).where(
        Decision.application_id == application.id, Decision.replaced_at.is_(None))).scalar_one()


@pytest.fixture
def spread(world, db):
    for key, application in world.apps.items():
        org = db.session.get(Organisation, application.organisation_id)
        org.postcode = POSTCODES.get(key)
        application.partners = PARTNERS.get(key, "")
        for kind, amount in FINANCING.get(key, []):
            db.session.add(FinancingLine(application_id=application.id, kind=kind,
                                         amount=amount))
        if key in KDD:
            current_decision(db, application).kdd_category = KDD[key]
    db.session.flush()
    return world


def table(html, table_id):
    part = html[html.index(f'id="{table_id}"'):]
    return {cells[0]: cells[1:] for cells in
            rows_of(part[:part.index("</table>")]).values() if cells}


def test_the_spread_in_the_municipality_by_place(client, spread):
    login(client, spread.sara)
    response, html = page(client, "?aar=2027")
    assert response.status_code == 200
    assert "Spredning i kommunen" in html
    places = table(html, "places-table")
    assert places["Lillestrøm"] == ["2", "1", kr("200 000")]
    assert places["Strømmen"] == ["1", "1", kr("50 000")]
    assert places["Utenfor kommunen eller ukjent"] == ["3", "1", kr("100 000")]
    assert places["Sørumsand"] == ["0", "0", kr("0")]  # every place shows, zeros too


def test_the_leverage_cooperation_and_new_against_established_firms(client, spread):
    login(client, spread.sara)
    _, html = page(client, "?aar=2027")
    assert "Utløst kapital og samarbeid" in html
    lev = table(html, "leverage-table")
    assert lev["Prosjekter med tilskudd"] == ["2"]
    assert lev["Innvilget til dem"] == [kr("300 000")]
    assert lev["Annen finansiering (utløst kapital)"] == [kr("200 000")]
    assert lev["Annen finansiering per innvilget krone"] == ["0,67"]
    assert lev["Samarbeidsprosjekter (med partnere)"] == ["1"]
    firms = table(html, "firms-table")
    assert firms["Nye foretak (1310)"] == ["1", kr("200 000")]
    assert firms["Etablerte foretak (1110)"] == ["1", kr("50 000")]
    assert firms["Annen eller ingen kategori"] == ["1", kr("100 000")]


def test_no_grants_no_ratio(client, spread):
    login(client, spread.sara)
    # 2029: V's grant was revoked by a recovery vedtak
    _, html = page(client, "?aar=2029")
    assert table(html, "leverage-table")["Annen finansiering per innvilget krone"] == ["–"]


def test_the_fund_as_a_measure_per_year_and_fund_and_its_size(client, spread):
    login(client, spread.sara)
    _, html = page(client, "?aar=2027")
    assert "Fondet som tiltak (1B-3/2B-3)" in html
    years = table(html, "fund-years")
    assert years["2027 Næringsfond"] == ["Ja", "Nei", kr("1 000 000"), "5"]
    assert years["2027 Klimafond"] == ["Ja", "Nei", kr("500 000"), "1"]
    assert table(html, "fund-sizes") == {"År": ["Budsjett"], "2027": [kr("1 500 000")]}
    # every year from the first call to the last: 2028 had no klimafond call
    _, html = page(client, "")
    years = table(html, "fund-years")
    assert years["2028 Klimafond"] == ["Nei", "–", kr("0"), "0"]
    assert years["2028 Næringsfond"] == ["Ja", "Nei", kr("2 000 000"), "1"]
    assert years["2029 Næringsfond"] == ["Ja", "Nei", kr("100 000"), "1"]
    sizes = table(html, "fund-sizes")
    assert sizes["2027"] == [kr("1 500 000")] and sizes["2028"] == [kr("2 000 000")]
    assert sizes["2029"] == [kr("100 000")]
    # the fund filter keeps one fund
    _, html = page(client, "?aar=2027&fond=klimafond")
    assert list(table(html, "fund-years"))[1:] == ["2027 Klimafond"]


def test_the_effects_chart_has_a_text_alternative_and_the_same_numbers(client, spread):
    login(client, spread.sara)
    _, html = page(client, "?aar=2027")
    svg = html[html.index('id="chart-effects"'):]
    svg = svg[:svg.index("</svg>")]
    assert 'role="img"' in svg
    assert 'aria-labelledby="chart-effects-title chart-effects-desc"' in svg
    assert "<title id=\"chart-effects-title\">Effekter: forventet og realisert</title>" in svg
    assert "<desc id=\"chart-effects-desc\">" in svg
    assert svg.count("<rect") == 6  # a pair per effect, every value above zero
    assert "Forventet: 4<" in svg and "Realisert: 2<" in svg
    assert "Forventet: 40,5<" in svg and "Realisert: 5,25<" in svg
    data = table(html, "chart-effects-data")
    assert data["Kunnskapsintensive arbeidsplasser"] == ["4", "2"]
    assert data["Andre arbeidsplasser"] == ["2", "1"]
    assert data["Kutt i tonn CO2e per år"] == ["40,5", "5,25"]


def test_the_page_passes_the_markup_audit(client, spread):
    login(client, make_user("mona@example.no", Role.MANAGER, name="Mona Leder"))
    for query in ("", "?aar=2027", "?aar=2029"):
        response, html = page(client, query)
        assert response.status_code == 200
        assert audit(html) == [], query


def test_an_inhabil_caseworker_sees_none_of_the_extras(client, spread, db):
    ola = make_user("ola@example.no", Role.CASEWORKER, name="Ola Saksbehandler")
    db.session.add(ConflictDeclaration(application_id=spread.apps["R"].id,
                                       caseworker_id=ola.id, disqualified=True,
                                       ground=ConflictGround.PARTY))
    db.session.flush()
    login(client, ola)
    response, html = page(client, "?aar=2027")
    assert response.status_code == 403
    for part in ('id="places-table"', 'id="leverage-table"', 'id="fund-years"',
                 'id="chart-effects"'):
        assert part not in html


def test_the_query_count_does_not_grow_with_the_applications(client, spread, db):
    from tests.reports.conftest import application, confirm, decision, grant

    def add_funded(first, n):
        for i in range(first, first + n):
            app = application(spread.calls["N27"], f"Mer {i} AS", 10_000, knowledge_jobs=1,
                              partners="Ja")
            db.session.get(Organisation, app.organisation_id).postcode = "2013"
            db.session.add(FinancingLine(application_id=app.id,
                                         kind=FinancingKind.OWN_FUNDS, amount=1_000))
            confirm(app, ["3B-1"], spread.sara)
            decision(app, Outcome.GRANTED, spread.sara, amount=10_000).kdd_category = "1310"
            grant(app, GrantState.ACCEPTED)
        db.session.flush()

    login(client, spread.sara)
    add_funded(0, 2)
    with count_queries() as few:
        _, html = page(client, "?aar=2027")
    assert table(html, "leverage-table")["Prosjekter med tilskudd"] == ["4"]
    add_funded(2, 6)
    with count_queries() as many:
        _, html = page(client, "?aar=2027")
    assert table(html, "leverage-table")["Prosjekter med tilskudd"] == ["10"]
    assert table(html, "firms-table")["Nye foretak (1310)"] == ["9", kr("280 000")]
    assert few.count == many.count
