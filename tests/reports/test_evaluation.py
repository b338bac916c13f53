"""The yearly evaluation (LAW.md §5.2) against the world of tests/reports/conftest.py,
worked out by hand from its docstring.

Every received (or withdrawn) application of a year's calls counts in that year's row,
with a confirmed measure or not; the draft never does (it has no case number).
- 2027 (N27 næringsfond 1 000 000 + K27 klimafond 500 000): P, W, R, L, U, X, K.
- 2028 (N28 næringsfond 2 000 000): Y.
- 2029 (N29 næringsfond 100 000): V."""

from decimal import Decimal

import pytest

from fund.calls.models import Fund
from fund.extensions import db as _db
from fund.grants.models import GrantState
from fund.plan.models import Area
from fund.reports.coverage import CoverageFilter, Figures, coverage
from fund.reports.evaluation import (
    AreaShare,
    IndustryRow,
    YearRow,
    division_sections,
    evaluation,
    method_text,
    sections,
)
from fund.reports.models import ContextFigure, ContextKind
from tests.helpers import count_queries


def year(result, number):
    return next(row for row in result.years if row.year == number)


def share(result, number, code) -> AreaShare:
    return next(s for s in result.area_shares if s.year == number and s.code == code)


def set_priorities(plan, **percent):
    for area in plan.areas:
        area.priority_percent = percent.get(f"a{area.code}")
    _db.session.flush()


def test_each_call_year_has_its_calls_budget_and_every_received_application(world):
    result = evaluation(world.plan)
    # no filter: every year from the first call to the last
    assert [row.year for row in result.years] == [2027, 2028, 2029]

    y27 = year(result, 2027)
    assert (y27.calls, y27.funds, y27.held) == (2, (Fund.NAERINGSFOND, Fund.KLIMAFOND), True)
    assert y27.figures == Figures(
        received=6,  # P, R, L, U, X, K (W withdrawn; the draft never counts)
        withdrawn=1,  # W
        grants=3,  # P (on appeal), L (lapsed, still a grant), K
        rejections=1,  # R (P's rejection was replaced)
        applied=580_000,  # 250 000 + 80 000 + 60 000 + 40 000 + 30 000 + 120 000
        granted=350_000,  # P 200 000 + L 50 000 + K 100 000
        paid=100_000,  # P: 70 000 + 50 000 - 20 000 repaid
        lapsed=50_000,  # L's returned 50 000
        budget=1_500_000)  # N27 1 000 000 + K27 500 000
    # the same as coverage's all_applications for 2027
    assert y27.figures == coverage(world.plan, CoverageFilter(years=(2027,))).all_applications

    y28 = year(result, 2028)
    assert (y28.calls, y28.funds) == (1, (Fund.NAERINGSFOND,))
    # Y: granted 70 000, the letter not sent yet, nothing paid
    assert y28.figures == Figures(received=1, grants=1, applied=70_000, granted=70_000,
                                  budget=2_000_000)

    # V: granted 90 000, then revoked by a recovery vedtak and the 30 000 paid repaid:
    # neither a grant nor a rejection, and 30 000 - 30 000 = 0 paid
    y29 = year(result, 2029)
    assert y29.figures == Figures(received=1, applied=90_000, budget=100_000)


def test_expected_and_realised_effects_per_year_are_kept_apart(world):
    result = evaluation(world.plan)
    y27 = year(result, 2027)
    expected, realised = y27.effects.expected, y27.effects.realised
    # funded in 2027: P and K (L lapsed, its 10 knowledge jobs never count)
    assert expected.projects == 2
    assert (expected.knowledge_jobs, expected.other_jobs) == (4, 2)  # P 3 + K 1; P 2 + K 0
    assert expected.co2e_tonnes == Decimal("40.5")  # K only
    assert expected.co2e_methods == ("Målt forbruk.",)
    assert (expected.education_partners, expected.international) == (1, 0)  # P; none
    # realised: P's approved final report only (K's is submitted, not approved)
    assert realised.reports == 1
    assert (realised.knowledge_jobs, realised.other_jobs) == (2, 1)
    assert realised.co2e_tonnes == Decimal("5.25")
    assert realised.co2e_methods == ("Beregnet",)
    assert (realised.education_partners, realised.international) == (1, 1)
    assert (realised.funding_innovasjon_norge, realised.funding_forskningsradet,
            realised.funding_eu, realised.funding_other) == (500_000, 0, 0, 0)
    # 5C-1: P, funded, has education partners, so the target is met in 2027
    assert y27.education_cooperations == 1 and y27.target_5c1_met

    # 2028: Y is funded (no tilsagn yet) but expects nothing and has no education partner
    y28 = year(result, 2028)
    assert y28.effects.expected.projects == 1
    assert y28.effects.expected.knowledge_jobs == 0
    assert y28.effects.realised.reports == 0
    assert (y28.education_cooperations, y28.target_5c1_met) == (0, False)

    # 2029: V's 5 expected jobs never count (revoked: not funded)
    y29 = year(result, 2029)
    assert y29.effects.expected.projects == y29.effects.expected.knowledge_jobs == 0
    assert not y29.target_5c1_met


def test_only_funded_projects_count_towards_5c1(world):
    from fund.grants.models import FinalReport, FinalReportState, Grant
    world.apps["L"].has_education_partners = True
    world.apps["P"].has_education_partners = False
    # V's final report was approved before its grant was revoked by the recovery vedtak
    v_grant = _db.session.query(Grant).filter_by(application_id=world.apps["V"].id).one()
    _db.session.add(FinalReport(grant_id=v_grant.id, state=FinalReportState.APPROVED,
                                has_education_partners=True))
    _db.session.flush()
    result = evaluation(world.plan)
    y27 = year(result, 2027)
    # L lapsed: not funded. P still counts through its approved final report.
    assert y27.effects.expected.education_partners == 0
    assert y27.education_cooperations == 1 and y27.target_5c1_met
    # V's report is realised, but V is no longer funded: 5C-1 is not met in 2029
    y29 = year(result, 2029)
    assert y29.effects.realised.education_partners == 1
    assert (y29.education_cooperations, y29.target_5c1_met) == (0, False)


def test_the_share_per_area_is_set_against_the_political_priority(world):
    set_priorities(world.plan, a1=40, a2=30, a3=10, a5=20)  # 4 not set
    result = evaluation(world.plan)
    assert result.priorities_set
    assert [y for y, _ in result.shares_by_year] == [2027, 2028, 2029, None]

    # 2027: projects with a confirmed measure that got money: P 200 000 (areas 1 and 2),
    # L 50 000 (area 2, two measures, once) and K 100 000 (area 2): total 350 000
    a1 = share(result, 2027, "1")
    assert (a1.granted, a1.total_granted, a1.priority_percent) == (200_000, 350_000, 40)
    assert a1.share == Decimal(200_000) / Decimal(350_000)
    assert a1.share_percent == Decimal("57.1")  # 57.142…
    assert a1.difference_points == Decimal("17.1")  # 57.1 - 40
    a2 = share(result, 2027, "2")
    assert (a2.granted, a2.share_percent, a2.difference_points) == (
        350_000, Decimal("100.0"), Decimal("70.0"))  # P + L + K; 100 - 30
    a3 = share(result, 2027, "3")
    assert (a3.granted, a3.share_percent, a3.difference_points) == (
        0, Decimal("0.0"), Decimal("-10.0"))
    a4 = share(result, 2027, "4")
    assert (a4.share_percent, a4.priority_percent, a4.difference_points) == (
        Decimal("0.0"), None, None)
    # P is in two areas: the shares add up to more than 100 %
    assert sum(s.share_percent for _, shares in result.shares_by_year[:1]
               for s in shares) == Decimal("157.1")

    # 2028: Y 70 000 in area 1 only
    assert share(result, 2028, "1").share_percent == Decimal("100.0")
    assert share(result, 2028, "2").granted == 0
    # 2029: nothing granted (V revoked): no share, so no difference
    assert share(result, 2029, "1").total_granted == 0
    assert share(result, 2029, "1").share is None
    assert share(result, 2029, "1").difference_points is None

    # all the years: 350 000 + 70 000 = 420 000; area 1 has P and Y: 270 000 = 64.285… %;
    # area 2 has 350 000 = 83.333… %
    all1, all2 = share(result, None, "1"), share(result, None, "2")
    assert (all1.granted, all1.total_granted, all1.share_percent) == (
        270_000, 420_000, Decimal("64.3"))
    assert (all2.granted, all2.share_percent, all2.difference_points) == (
        350_000, Decimal("83.3"), Decimal("53.3"))


def test_without_priorities_every_difference_is_blank(world):
    result = evaluation(world.plan)
    assert not result.priorities_set
    assert {s.difference_points for s in result.area_shares} == {None}
    assert [s.code for s in result.area_shares if s.year == 2027] == ["1", "2", "3", "4", "5"]


def test_funded_firms_by_industry_follow_the_first_two_digits_of_the_code(world):
    codes = {"P": "62.010", "L": "62.090", "K": "35.113", "R": " 10.710\t", "U": "04.000",
             "X": "abc", "W": "35.111"}
    for name, code in codes.items():
        world.apps[name].organisation.industry_code = code
    _db.session.flush()
    result = evaluation(world.plan, CoverageFilter(years=(2027, 2028)))
    assert result.industries == [
        # R (industri, the code typed with blanks around it) was rejected: received only
        IndustryRow("C", "Industri", received=1),
        # K granted 100 000; W (35.111) was withdrawn, so not received
        IndustryRow("D", "Elektrisitets-, gass-, damp- og varmtvannsforsyning", received=1,
                    grants=1, granted=100_000),
        # P 200 000 and L 50 000 (lapsed, still a grant)
        IndustryRow("J", "Informasjon og kommunikasjon", received=2, grants=2,
                    granted=250_000),
        # U (04 is no SN2007 næring), X (junk) and Y (no code, 2028): unknown
        IndustryRow(None, None, received=3, grants=1, granted=70_000),
    ]


def test_the_section_table_covers_every_used_division_once():
    assert list(sections()) == list("ABCDEFGHIJKLMNOPQRSTU")
    divisions = division_sections()
    assert (divisions["01"], divisions["33"], divisions["35"], divisions["99"]) == (
        "A", "C", "D", "U")
    assert "04" not in divisions and "34" not in divisions and "00" not in divisions
    assert len(divisions) == 88


def test_filters_by_year_and_fund_and_shows_a_year_without_a_call(world):
    klima = evaluation(world.plan, CoverageFilter(years=(2026, 2027), fund=Fund.KLIMAFOND))
    assert [row.year for row in klima.years] == [2026, 2027]
    assert year(klima, 2026) == YearRow(year=2026)
    assert not year(klima, 2026).held
    assert year(klima, 2027).funds == (Fund.KLIMAFOND,)
    # K alone: received, granted 100 000 of 120 000 applied
    assert year(klima, 2027).figures == Figures(received=1, grants=1, applied=120_000,
                                                granted=100_000, budget=500_000)
    assert share(klima, 2027, "2").share_percent == Decimal("100.0")
    assert share(klima, 2027, "1").granted == 0

    one_call = evaluation(world.plan, CoverageFilter(call_id=world.calls["N28"].id))
    assert [row.year for row in one_call.years] == [2028]


def test_the_method_says_what_a_confirmed_measure_is_and_that_shares_overlap(app, world):
    text = " ".join(method_text())
    assert "«Bekreftet tiltak»" in text and "saksbehandler" in text
    assert "ikke nødvendigvis til 100 %" in text
    assert "5C-1" in text


@pytest.mark.parametrize("more", [2, 6])
def test_the_query_count_does_not_grow_with_the_applications(world, db, more):
    from fund.review.models import Outcome
    from tests.reports.conftest import application, confirm, decision, grant, paid

    for i in range(more):
        app = application(world.calls["N28"], f"Mer {i} AS", 10_000, knowledge_jobs=1,
                          co2e_method=f"Metode {i}")
        app.organisation.industry_code = "62.010"
        confirm(app, ["3B-1", "4B-3"], world.sara)
        decision(app, Outcome.GRANTED, world.sara, amount=10_000)
        paid(grant(app, GrantState.ACCEPTED), 1, 5_000)
    for number in range(2027, 2027 + more):  # figures from outside the system, too
        for kind in ContextKind:
            db.session.add(ContextFigure(year=number, kind=kind, value=Decimal(10 + number % 10),
                                         source="SSB", recorded_by_id=world.sara.id))
    db.session.flush()
    plan = world.plan
    with count_queries() as counted:
        result = evaluation(plan)
    assert year(result, 2028).figures.grants == 1 + more
    assert share(result, 2028, "3").granted == 10_000 * more
    assert result.context[0].values[1].value == 18
    # six for the figures from the applications, one for the figures from outside
    assert counted.count == 7


def test_the_priorities_come_from_the_areas(world):
    area = _db.session.get(Area, share(evaluation(world.plan), 2027, "5").area_id)
    area.priority_percent = 15
    _db.session.flush()
    assert share(evaluation(world.plan), None, "5").priority_percent == 15
