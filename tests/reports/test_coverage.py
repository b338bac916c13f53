"""The plan-coverage report's figures, against the world of tests/reports/conftest.py,
worked out by hand there and here."""

from decimal import Decimal

from fund.calls.models import Fund
from fund.grants.models import GrantState
from fund.reports.coverage import CoverageFilter, Figures, coverage
from tests.helpers import count_queries

Y2027 = CoverageFilter(years=(2027,))
BUDGET_2027 = 1_500_000  # N27 + K27


def node(report, code):
    for area in report.areas:
        if area.code == code:
            return area
        for strategy in area.strategies:
            if strategy.code == code:
                return strategy
            for measure in strategy.measures:
                if measure.code == code:
                    return measure
    raise KeyError(code)


def test_a_project_with_three_measures_in_two_areas_is_counted_once_in_each_total(world):
    """P advances 1B-2, 1C-6 (area 1) and 2C-1 (area 2): once in each measure, strategy,
    area and the total, so the areas do not add up to the total."""
    report = coverage(world.plan, Y2027)
    assert report.budget == BUDGET_2027
    # area 1 = P, W, R, U
    assert node(report, "1").figures == Figures(
        received=3, withdrawn=1, grants=1, rejections=1, applied=370_000, granted=200_000,
        paid=100_000, lapsed=0, budget=BUDGET_2027)
    # area 2 = P, L, K
    assert node(report, "2").figures == Figures(
        received=3, withdrawn=0, grants=3, rejections=0, applied=430_000, granted=350_000,
        paid=100_000, lapsed=50_000, budget=BUDGET_2027)
    # the total = P, W, R, L, U, K: P once, though it is in both areas
    assert report.total == Figures(
        received=5, withdrawn=1, grants=3, rejections=1, applied=550_000, granted=350_000,
        paid=100_000, lapsed=50_000, budget=BUDGET_2027)
    assert report.total.budget_share == Decimal(350_000) / Decimal(1_500_000)
    assert node(report, "1").figures.received + node(report, "2").figures.received == 6
    # strategies 1B (P, W, R), 1C (P, U) and 2C (P, L, K; L has two of its measures)
    assert node(report, "1B").figures == node(report, "1B-2").figures
    assert node(report, "1C").figures == Figures(
        received=2, grants=1, applied=290_000, granted=200_000, paid=100_000,
        budget=BUDGET_2027)
    assert node(report, "2C").figures == node(report, "2").figures
    assert node(report, "2C-1").figures == node(report, "2C").figures
    # the projects are listed once under the strategy, in case-number order
    assert [p.title for p in node(report, "2C").projects] == [
        "Prosjekt Pi AS", "Prosjekt Lambda AS", "Prosjekt Kappa AS"]
    assert [p.title for p in report.projects] == [
        "Prosjekt Pi AS", "Prosjekt Lambda AS", "Prosjekt Kappa AS"]


def test_withdrawn_rejected_and_lapsed_each_count_where_they_belong_and_nowhere_else(world):
    report = coverage(world.plan, Y2027)
    # 1B-2 = P (granted), W (withdrawn), R (rejected); the draft with 1B-2 is not counted
    # and P's replaced rejection is not a rejection
    assert node(report, "1B-2").figures == Figures(
        received=2, withdrawn=1, grants=1, rejections=1, applied=330_000, granted=200_000,
        paid=100_000, lapsed=0, budget=BUDGET_2027)
    # 2C-2 = L alone: a grant, its money granted and lapsed, nothing paid
    assert node(report, "2C-2").figures == Figures(
        received=1, grants=1, applied=60_000, granted=50_000, lapsed=50_000,
        budget=BUDGET_2027)
    # the rejected and the withdrawn are not projects; the lapsed one is, as lapsed
    assert [(p.title, p.grant_state) for p in node(report, "1B-2").projects] == [
        ("Prosjekt Pi AS", GrantState.COMPLETED)]
    assert [(p.title, p.amount, p.grant_state) for p in node(report, "2C-2").projects] == [
        ("Prosjekt Lambda AS", 50_000, GrantState.LAPSED)]
    # X has no confirmed measure: only among all the calls' applications
    assert report.all_applications.received == report.total.received + 1
    assert report.all_applications.applied == report.total.applied + 30_000


def test_gaps_are_open_measures_and_strategies_no_funded_project_advances(world):
    report = coverage(world.plan, Y2027)
    # the whole tree of the plan, in plan order, with or without projects
    assert [a.code for a in report.areas] == ["1", "2", "3", "4", "5"]
    assert [m.code for m in node(report, "1B").measures] == ["1B-1", "1B-2", "1B-3", "1B-4"]
    assert node(report, "1B-3").is_fund and not node(report, "1B-3").open
    gaps = [m.code for m in report.gap_measures]
    # 3A-1 has no project (R's own claim of it is not confirmed); 2C-2's only project
    # lapsed; 1A-1 is opened by K27; 1B-2, 1C-6 and 2C-1 are advanced
    assert {"3A-1", "2C-2", "1A-1"} <= set(gaps)
    assert not {"1B-2", "1C-6", "2C-1", "1B-3", "1A-2"} & set(gaps)
    assert node(report, "3A-1").figures == Figures(budget=BUDGET_2027)
    assert node(report, "3A-1").projects == []
    assert [s.code for s in report.gap_strategies] == [
        "1A", "2A", "2B", "3A", "3B", "3C", "4A", "4B", "4C", "5A", "5B", "5C"]
    # in the klimafond alone, K27 closes 3A-1, and P no longer funds 1B-2
    klima = coverage(world.plan, CoverageFilter(fund=Fund.KLIMAFOND))
    klima_gaps = {m.code for m in klima.gap_measures}
    assert "3A-1" not in klima_gaps
    assert {"1A-1", "1B-2", "2C-2"} <= klima_gaps
    assert "1B" in {s.code for s in klima.gap_strategies}


def test_realised_effects_from_the_approved_final_report_are_kept_apart(world):
    report = coverage(world.plan, Y2027)
    effects = report.total_effects
    # expected: the funded projects P and K (L lapsed; its 10 jobs never count)
    assert effects.expected.projects == 2
    assert (effects.expected.knowledge_jobs, effects.expected.other_jobs) == (4, 2)
    assert effects.expected.co2e_tonnes == Decimal("40.5")
    assert effects.expected.co2e_methods == ("Målt forbruk.",)
    assert (effects.expected.education_partners, effects.expected.international) == (1, 0)
    # realised: P's approved report only (K's is submitted, not approved)
    assert effects.realised.reports == 1
    assert (effects.realised.knowledge_jobs, effects.realised.other_jobs) == (2, 1)
    assert effects.realised.co2e_tonnes == Decimal("5.25")
    assert effects.realised.co2e_methods == ("Beregnet",)
    assert (effects.realised.education_partners, effects.realised.international) == (1, 1)
    assert effects.realised.funding_innovasjon_norge == 500_000
    assert (effects.realised.funding_forskningsradet, effects.realised.funding_eu,
            effects.realised.funding_other) == (0, 0, 0)
    # per area: area 1 has P only; area 2 has P and K
    area1, area2 = node(report, "1").effects, node(report, "2").effects
    assert (area1.expected.projects, area1.expected.knowledge_jobs) == (1, 3)
    assert area1.expected.co2e_tonnes == Decimal("0")
    assert (area2.expected.projects, area2.expected.knowledge_jobs) == (2, 4)
    assert area1.realised.reports == area2.realised.reports == 1
    assert node(report, "3A-1").effects.realised.reports == 0


def test_filters_by_year_and_fund(world):
    y2028 = coverage(world.plan, CoverageFilter(years=(2028,)))
    assert [c.title for c in y2028.calls] == ["Næringsfondet 2028"]
    assert y2028.total == Figures(received=1, grants=1, applied=70_000, granted=70_000,
                                  budget=2_000_000)
    assert y2028.total.budget_share == Decimal("0.035")
    # Y's letter is not sent yet: a project without a tilsagn
    assert [(p.title, p.grant_state) for p in node(y2028, "1B-2").projects] == [
        ("Prosjekt Ypsilon AS", None)]

    klima = coverage(world.plan, CoverageFilter(fund=Fund.KLIMAFOND))
    assert klima.total == Figures(received=1, grants=1, applied=120_000, granted=100_000,
                                  budget=500_000)
    assert node(klima, "1").figures == Figures(budget=500_000)

    both = coverage(world.plan, CoverageFilter(years=(2027, 2028), fund=Fund.NAERINGSFOND))
    # P, W, R, L, U (N27) and Y (N28)
    assert both.budget == 3_000_000
    assert (both.total.received, both.total.withdrawn, both.total.grants,
            both.total.granted) == (5, 1, 3, 320_000)

    one_call = coverage(world.plan, CoverageFilter(call_id=world.calls["K27"].id))
    assert one_call.total == klima.total
    assert coverage(world.plan).total.received == 7


def test_a_grant_revoked_by_a_recovery_vedtak_is_neither_a_grant_nor_a_rejection(world):
    report = coverage(world.plan, CoverageFilter(years=(2029,)))
    assert node(report, "4B-3").figures == node(report, "4").figures == report.total == \
        Figures(received=1, applied=90_000, budget=100_000)
    assert report.projects == []
    assert report.total_effects.expected.projects == 0
    assert "4B-3" in {m.code for m in report.gap_measures}


def test_the_query_count_does_not_grow_with_the_applications(world, db):
    from tests.reports.conftest import application, confirm, decision, grant, paid

    def add_funded(first, n):
        for i in range(first, first + n):
            app = application(world.calls["N27"], f"Mer {i} AS", 10_000, knowledge_jobs=1,
                              co2e_method=f"Metode {i}")
            confirm(app, ["3B-1", "4B-3"], world.sara)
            decision(app, Outcome.GRANTED, world.sara, amount=10_000)
            paid(grant(app, GrantState.ACCEPTED), 1, 5_000)
        db.session.flush()

    from fund.review.models import Outcome
    plan = world.plan
    add_funded(0, 2)
    with count_queries() as two:
        report = coverage(plan, Y2027)
    assert node(report, "3B-1").figures.grants == 2
    add_funded(2, 4)
    with count_queries() as six:
        report = coverage(plan, Y2027)
    assert node(report, "3B-1").figures.grants == 6
    assert node(report, "3").figures.paid == 30_000
    assert len(node(report, "3B").projects) == 6
    assert two.count == six.count <= 6
