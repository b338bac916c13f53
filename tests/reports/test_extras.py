"""The report beyond the plan tree: the spread across the municipality, the leverage and
the fund itself as a measure, checked against a small world worked out by hand.

Calls of plan 2022-2024 (no call in 2028):
- N27: næringsfond 2027, budget 1 000 000, joint with K27;
- K27: klimafond 2027, budget 500 000, joint with N27;
- N29: næringsfond 2029, budget 300 000.

Applications (organisation's postcode, applied → outcome, KDD, partners, other financing):
- A, N27, 2000 Lillestrøm, 200 000 → granted 150 000, accepted; 1310 (new firm);
  partners «NMBU»; own funds 100 000 + other public 50 000.
- B, N27, 2010 Strømmen, 100 000 → granted 100 000, offered; 1110 (established), though
  a replaced decision said 1310; own work 20 000.
- C, N27, 2001 Lillestrøm, 80 000 → rejected; partners; other private 999 000 (never
  counts: not funded).
- D, K27, 0150 Oslo (outside), 60 000 → granted 50 000, lapsed; no KDD category;
  own funds 70 000 (not funded: lapsed).
- E, K27, no postcode, 40 000 → withdrawn.
- F, N29, 1920 Sørumsand, 90 000 → granted 90 000, letter not sent (no tilsagn); 1330
  (other); partners only blanks; other private 30 000."""

from dataclasses import dataclass
from decimal import Decimal
from uuid import uuid4

import pytest

from fund.applications.models import ApplicationState, FinancingKind, FinancingLine
from fund.calls.models import Fund
from fund.core.roles import Role
from fund.extensions import db as _db
from fund.grants.models import GrantState
from fund.reports.coverage import CoverageFilter
from fund.reports.extras import (
    FirmGroup,
    FundYear,
    PlaceFigures,
    YearSize,
    extras,
    fund_years,
    leverage,
    place_figures,
    places,
    postcode_places,
)
from fund.review.models import Outcome
from tests.helpers import (
    count_queries,
    make_application,
    make_call,
    make_organisation,
    make_user,
    the_plan,
)
from tests.reports.conftest import decision, grant

_orgnrs = iter(range(912_500_000, 912_599_999, 7))


@dataclass
class World:
    calls: dict
    apps: dict
    sara: object


def app(call, name, postcode, applied, partners="", financing=(), **fields):
    user = make_user(f"{name.lower().replace(' ', '.')}@example.no", name=f"Søker {name}")
    org = make_organisation(user, orgnr=str(next(_orgnrs)), name=name, postcode=postcode)
    fields.setdefault("state", ApplicationState.SUBMITTED)
    application = make_application(call, org, user, complete=False, title=f"Prosjekt {name}",
                                   amount_applied=applied, partners=partners, **fields)
    for kind, amount in financing:
        _db.session.add(FinancingLine(application_id=application.id, kind=kind, amount=amount))
    return application


def granted(application, by, amount, kdd):
    decision(application, Outcome.GRANTED, by, amount=amount).kdd_category = kdd


@pytest.fixture
def world(db):
    sara = make_user("sara@example.no", Role.CASEWORKER, name="Sara Saksbehandler")
    joint = str(uuid4())
    calls = {
        "N27": make_call(Fund.NAERINGSFOND, year=2027, budget=1_000_000, joint_key=joint),
        "K27": make_call(Fund.KLIMAFOND, year=2027, budget=500_000, joint_key=joint),
        "N29": make_call(Fund.NAERINGSFOND, year=2029, budget=300_000),
    }
    n27, k27 = calls["N27"], calls["K27"]
    apps = {
        "A": app(n27, "Alfa AS", "2000", 200_000, partners="NMBU",
                 financing=[(FinancingKind.OWN_FUNDS, 100_000),
                            (FinancingKind.OTHER_PUBLIC, 50_000)]),
        "B": app(n27, "Beta AS", "2010", 100_000,
                 financing=[(FinancingKind.OWN_WORK, 20_000)]),
        "C": app(n27, "Gamma AS", "2001", 80_000, partners="Noen",
                 financing=[(FinancingKind.OTHER_PRIVATE, 999_000)]),
        "D": app(k27, "Delta AS", "0150", 60_000,
                 financing=[(FinancingKind.OWN_FUNDS, 70_000)]),
        "E": app(k27, "Epsilon AS", None, 40_000, state=ApplicationState.WITHDRAWN),
        "F": app(calls["N29"], "Phi AS", "1920", 90_000, partners="  \n ",
                 financing=[(FinancingKind.OTHER_PRIVATE, 30_000)]),
    }
    granted(apps["A"], sara, 150_000, "1310")
    grant(apps["A"], GrantState.ACCEPTED)
    # B was first decided as a new firm; the current decision corrects it
    decision(apps["B"], Outcome.GRANTED, sara, amount=100_000, replaced=True).kdd_category \
        = "1310"
    granted(apps["B"], sara, 100_000, "1110")
    grant(apps["B"], GrantState.OFFERED)
    decision(apps["C"], Outcome.REJECTED, sara)
    decision(apps["D"], Outcome.GRANTED, sara, amount=50_000, returned=50_000)
    grant(apps["D"], GrantState.LAPSED)
    decision(apps["E"], Outcome.WITHDRAWN, sara)
    granted(apps["F"], sara, 90_000, "1330")
    _db.session.flush()
    return World(calls=calls, apps=apps, sara=sara)


def by_place(rows):
    return {row.label: (row.received, row.grants, row.granted)
            for row in rows if row.received or row.grants}


def test_the_postcode_table_maps_the_municipalitys_places():
    table = postcode_places()
    assert table["2000"] == "Lillestrøm" and table["2010"] == "Strømmen"
    assert table["2007"] == table["2027"] == "Kjeller" and table["1900"] == "Fetsund"
    assert table["1920"] == "Sørumsand" and table["2016"] == "Frogner"
    assert "0150" not in table and "2005" not in table  # Oslo; Rælingen
    assert places()[:3] == ["Lillestrøm", "Strømmen", "Skjetten"]


def test_grants_by_place_count_outside_and_unknown_postcodes_together(world):
    rows = place_figures(the_plan())
    # every place of the table is listed, then «outside or unknown» last
    assert [row.place for row in rows] == [*places(), None]
    assert rows[-1].label == "Utenfor kommunen eller ukjent"
    assert by_place(rows) == {
        "Lillestrøm": (2, 1, 150_000),  # A granted, C rejected
        "Strømmen": (1, 1, 100_000),
        "Sørumsand": (1, 1, 90_000),
        # D in Oslo (a lapsed grant is still a grant); E without postcode is withdrawn
        "Utenfor kommunen eller ukjent": (1, 1, 50_000),
    }
    assert next(r for r in rows if r.place == "Kjeller") == PlaceFigures("Kjeller")


def test_grants_by_place_follow_the_filter(world):
    rows = place_figures(the_plan(), CoverageFilter(years=(2027,), fund=Fund.NAERINGSFOND))
    assert by_place(rows) == {"Lillestrøm": (2, 1, 150_000), "Strømmen": (1, 1, 100_000)}
    rows = place_figures(the_plan(), CoverageFilter(call_id=world.calls["K27"].id))
    assert by_place(rows) == {"Utenfor kommunen eller ukjent": (1, 1, 50_000)}


def test_leverage_is_other_financing_of_funded_projects_per_krone_granted(world):
    result = leverage(the_plan())
    # funded: A, B, F (D lapsed, C rejected)
    assert (result.projects, result.granted) == (3, 340_000)
    assert result.financing == {
        FinancingKind.OWN_FUNDS: 100_000, FinancingKind.OTHER_PUBLIC: 50_000,
        FinancingKind.OWN_WORK: 20_000, FinancingKind.OTHER_PRIVATE: 30_000}
    assert result.other_financing == 200_000
    assert result.per_krone == Decimal(200_000) / Decimal(340_000)
    # A names a partner; F's blanks are no partner; C is not funded
    assert result.cooperation == 1


def test_new_against_established_firms_by_the_current_decisions_kdd_category(world):
    result = leverage(the_plan())
    assert result.new_firms == FirmGroup(grants=1, granted=150_000)  # A
    assert result.established_firms == FirmGroup(grants=1, granted=100_000)  # B
    assert result.other_firms == FirmGroup(grants=2, granted=140_000)  # D (none), F (1330)


def test_leverage_without_grants_has_no_ratio(world):
    result = leverage(the_plan(), CoverageFilter(years=(2030,)))
    assert (result.projects, result.granted, result.per_krone) == (0, 0, None)
    assert result.new_firms == result.other_firms == FirmGroup()


def test_the_fund_per_year_shows_years_without_a_call_and_joint_calls(world):
    rows = fund_years(the_plan())
    assert rows == [
        FundYear(2027, Fund.NAERINGSFOND, calls=1, joint=True, budget=1_000_000, received=3),
        FundYear(2027, Fund.KLIMAFOND, calls=1, joint=True, budget=500_000, received=1),
        FundYear(2028, Fund.NAERINGSFOND), FundYear(2028, Fund.KLIMAFOND),
        FundYear(2029, Fund.NAERINGSFOND, calls=1, joint=False, budget=300_000, received=1),
        FundYear(2029, Fund.KLIMAFOND),
    ]
    assert [row.held for row in rows] == [True, True, False, False, True, False]
    report = extras(the_plan())
    assert report.sizes == [YearSize(2027, 1_500_000), YearSize(2028, 0),
                            YearSize(2029, 300_000)]
    only = fund_years(the_plan(), CoverageFilter(years=(2028, 2029), fund=Fund.NAERINGSFOND))
    assert only == [FundYear(2028, Fund.NAERINGSFOND),
                    FundYear(2029, Fund.NAERINGSFOND, calls=1, budget=300_000, received=1)]


def test_the_query_count_does_not_grow_with_the_applications(world, db):
    def add(first, n):
        for i in range(first, first + n):
            more = app(world.calls["N27"], f"Mer {i} AS", "2013", 10_000, partners="Ja",
                       financing=[(FinancingKind.OWN_FUNDS, 5_000)])
            granted(more, world.sara, 10_000, "1310")
            grant(more, GrantState.ACCEPTED)
        db.session.flush()

    plan = the_plan()
    add(0, 2)
    with count_queries() as two:
        report = extras(plan)
    assert by_place(report.places)["Skjetten"] == (2, 2, 20_000)
    add(2, 4)
    with count_queries() as six:
        report = extras(plan)
    assert by_place(report.places)["Skjetten"] == (6, 6, 60_000)
    assert report.leverage.cooperation == 7 and report.leverage.new_firms.grants == 7
    assert report.leverage.other_financing == 230_000
    assert two.count == six.count <= 6


def test_extras_for_one_year(world):
    report = extras(the_plan(), CoverageFilter(years=(2029,)))
    assert by_place(report.places) == {"Sørumsand": (1, 1, 90_000)}
    assert report.leverage.per_krone == Decimal(30_000) / Decimal(90_000)
    assert report.sizes == [YearSize(2029, 300_000)]
