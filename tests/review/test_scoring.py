"""Scoring is pure: a reviewer's weighted total, what blocks completing a review, how
the reviewers' totals are summed up, when they disagree, and where the budget line falls.
No database, no app."""

from decimal import Decimal

import pytest

from fund.review.scoring import (
    MAX_STEP,
    Aggregate,
    CriterionScore,
    RankRow,
    Recommendation,
    aggregate,
    budget_line_index,
    disagreement,
    incomplete,
    mean_tenth,
    median_amount,
    rank,
    to_display,
    to_stored,
    weighted_total,
)

#: The default rubric weights from DOMAIN.md ("A scoring rubric from the plan's goals").
NAERINGSFOND = [20, 15, 15, 15, 10, 5, 10, 10]
KLIMAFOND = [15, 35, 10, 5, 10, 5, 10, 10]

NA = "n/a"


def rubric(weights, scores):
    """Criteria with the given weights; ``NA`` marks a criterion not applicable."""
    return [CriterionScore(weight=w, score=None, not_applicable=True, allow_na=True)
            if s == NA else CriterionScore(weight=w, score=s)
            for w, s in zip(weights, scores, strict=True)]


# --- weighted total -----------------------------------------------------------------

@pytest.mark.parametrize(("weights", "scores", "expected"), [
    pytest.param(NAERINGSFOND, [5] * 8, Decimal(100), id="naeringsfond-all-fives-is-100"),
    pytest.param(KLIMAFOND, [5] * 8, Decimal(100), id="klimafond-all-fives-is-100"),
    pytest.param(NAERINGSFOND, [0] * 8, Decimal(0), id="naeringsfond-all-zeros-is-0"),
    # 20·4 + 15·3 + 15·5 + 15·2 + 10·4 + 5·1 + 10·3 + 10·4 = 345; 345 / (100·5) · 100 = 69
    pytest.param(NAERINGSFOND, [4, 3, 5, 2, 4, 1, 3, 4], Decimal(69), id="naeringsfond-mixed"),
    # 100 + 60 + 45 + 30 + 10 + 0 + 50 + 40 = 335 → 67
    pytest.param(NAERINGSFOND, [5, 4, 3, 2, 1, 0, 5, 4], Decimal(67), id="naeringsfond-mixed-2"),
    # 45 + 140 + 20 + 5 + 50 + 0 + 30 + 20 = 310 → 62
    pytest.param(KLIMAFOND, [3, 4, 2, 1, 5, 0, 3, 2], Decimal(62), id="klimafond-mixed"),
    # the weight-20 criterion N/A: (345 − 80) / (80·5) · 100 = 66.25, exactly
    pytest.param(NAERINGSFOND, [NA, 3, 5, 2, 4, 1, 3, 4], Decimal("66.25"),
                 id="naeringsfond-na-renormalised-exactly"),
    pytest.param([10], [3], Decimal(60), id="one-criterion"),
])
def test_a_weighted_total_is_on_a_0_to_100_scale(weights, scores, expected):
    assert weighted_total(rubric(weights, scores)) == expected


@pytest.mark.parametrize(("criteria", "display"), [
    # 1·1 / (400·5) · 100 = 0.05: half-up gives 0.1 (half-even would give 0.0)
    pytest.param([CriterionScore(1, 1), CriterionScore(399, 0)], "0.1", id="0.05-rounds-up"),
    # 1·1 / (80·5) · 100 = 0.25: half-up gives 0.3 (half-even would give 0.2)
    pytest.param([CriterionScore(1, 1), CriterionScore(79, 0)], "0.3", id="0.25-rounds-up"),
    # 20/3 = 6.666…
    pytest.param([CriterionScore(1, 1), CriterionScore(2, 0)], "6.7", id="a-third"),
    pytest.param(rubric(NAERINGSFOND, [NA, 3, 5, 2, 4, 1, 3, 4]), "66.3", id="66.25"),
    pytest.param(rubric(NAERINGSFOND, [5] * 8), "100.0", id="hundred"),
])
def test_the_display_value_is_rounded_once_half_up_to_one_decimal(criteria, display):
    assert str(to_display(weighted_total(criteria))) == display


def test_a_not_applicable_criterion_is_left_out_and_the_other_weights_renormalised():
    scores = [4, 3, 5, 2, 4, NA, 3, 4]
    with_na = weighted_total(rubric(NAERINGSFOND, scores))
    # the same as scoring only the other seven criteria, whose weights sum to 95:
    # 340 / (95·5) · 100 = 71.578…
    others = [w for i, w in enumerate(NAERINGSFOND) if i != 5]
    assert with_na == weighted_total(rubric(others, [4, 3, 5, 2, 4, 3, 4]))
    assert to_display(with_na) == Decimal("71.6")
    # and not the same as scoring it 0, which gives 340 / 500 · 100 = 68
    assert with_na != weighted_total(rubric(NAERINGSFOND, [4, 3, 5, 2, 4, 0, 3, 4]))
    assert weighted_total(rubric(NAERINGSFOND, [4, 3, 5, 2, 4, 0, 3, 4])) == 68


@pytest.mark.parametrize(("extra", "expected"), [
    pytest.param(CriterionScore(weight=0, score=0), Decimal(100), id="weight-0-scored-0"),
    pytest.param(CriterionScore(weight=0, score=None), Decimal(100), id="weight-0-unscored"),
    pytest.param(CriterionScore(weight=10, score=None, required=False), Decimal(100),
                 id="optional-unscored-left-out"),
    pytest.param(CriterionScore(weight=10, score=None), Decimal(100),
                 id="required-unscored-left-out-of-the-total-so-far"),
    pytest.param(CriterionScore(weight=10, score=0), Decimal(100) * 100 / 110,
                 id="scored-0-counts"),
])
def test_only_scored_weighted_applicable_criteria_count(extra, expected):
    assert weighted_total(rubric(NAERINGSFOND, [5] * 8) + [extra]) == expected


@pytest.mark.parametrize("criteria", [
    pytest.param(rubric(NAERINGSFOND, [NA] * 8), id="all-na"),
    pytest.param([CriterionScore(20, None), CriterionScore(10, None, required=False)],
                 id="none-scored"),
    pytest.param([CriterionScore(0, 5), CriterionScore(0, 3)], id="only-weight-0"),
    pytest.param([], id="no-criteria"),
])
def test_there_is_no_total_when_nothing_counts(criteria):
    assert weighted_total(criteria) is None
    assert to_display(weighted_total(criteria)) is None


@pytest.mark.parametrize("criterion", [
    pytest.param(CriterionScore(10, MAX_STEP + 1), id="score-6"),
    pytest.param(CriterionScore(10, -1), id="score-minus-1"),
    pytest.param(CriterionScore(-5, 3), id="negative-weight"),
])
def test_a_total_over_an_invalid_score_or_weight_is_refused(criterion):
    with pytest.raises(ValueError):
        weighted_total([CriterionScore(10, 3), criterion])


# --- what blocks completing a review --------------------------------------------------

@pytest.mark.parametrize(("criteria", "blocking"), [
    pytest.param(rubric(NAERINGSFOND, [5] * 8), [], id="all-scored"),
    pytest.param([CriterionScore(10, 3), CriterionScore(10, None)], [1],
                 id="required-missing"),
    pytest.param([CriterionScore(10, None, required=False), CriterionScore(10, 3)], [],
                 id="optional-missing-is-fine"),
    pytest.param([CriterionScore(10, None, not_applicable=True, allow_na=True)], [],
                 id="na-where-allowed"),
    pytest.param([CriterionScore(10, 3), CriterionScore(10, None, not_applicable=True)], [1],
                 id="na-not-allowed"),
    pytest.param([CriterionScore(10, None, allow_na=True)], [0],
                 id="na-allowed-but-neither-marked-nor-scored"),
    pytest.param([CriterionScore(10, 6)], [0], id="score-6"),
    pytest.param([CriterionScore(10, -1)], [0], id="score-minus-1"),
    pytest.param([CriterionScore(10, 0), CriterionScore(10, 5)], [], id="0-and-5-are-fine"),
    pytest.param([CriterionScore(0, None)], [0], id="required-weight-0-still-required"),
    pytest.param([CriterionScore(10, None), CriterionScore(10, 4),
                  CriterionScore(10, 7, required=False),
                  CriterionScore(10, None, not_applicable=True)], [0, 2, 3],
                 id="several-in-order"),
])
def test_incomplete_lists_the_criteria_that_block_completion(criteria, blocking):
    assert incomplete(criteria) == blocking


# --- aggregating the reviewers' totals --------------------------------------------------

def d(*values):
    return [None if v is None else Decimal(v) for v in values]


@pytest.mark.parametrize(("totals", "method", "value", "spread", "count"), [
    pytest.param(d("60", "70", "90"), Aggregate.MEDIAN, "70.0", "30.0", 3, id="median-odd"),
    pytest.param(d("90", "60", "70"), Aggregate.MEDIAN, "70.0", "30.0", 3,
                 id="median-odd-unsorted"),
    pytest.param(d("60", "70", "80", "95"), Aggregate.MEDIAN, "75.0", "35.0", 4,
                 id="median-even"),
    pytest.param(d("60.0", "70.1"), Aggregate.MEDIAN, "65.1", "10.1", 2,
                 id="median-even-65.05-half-up"),
    # rounding once: the median of 66.25 and 66.35 is 66.30 → 66.3 (rounding the totals
    # first would give 66.3 and 66.4, median 66.35 → 66.4)
    pytest.param(d("66.25", "66.35"), Aggregate.MEDIAN, "66.3", "0.1", 2,
                 id="median-rounds-once"),
    pytest.param(d("60", "70", "95"), Aggregate.MEAN, "75.0", "35.0", 3, id="mean"),
    pytest.param(d("10", "10", "11"), Aggregate.MEAN, "10.3", "1.0", 3, id="mean-a-third"),
    pytest.param(d("0.1", "0.2"), Aggregate.MEAN, "0.2", "0.1", 2, id="mean-0.15-half-up"),
    pytest.param(d("6.666666666666666666666666667", "3.333333333333333333333333333"),
                 Aggregate.MEAN, "5.0", "3.3", 2, id="mean-of-thirds"),
    pytest.param(d(None, "70", None), Aggregate.MEDIAN, "70.0", "0.0", 1,
                 id="one-total-spread-0"),
    pytest.param(d(None, "80", "60", None), Aggregate.MEAN, "70.0", "20.0", 2,
                 id="nones-ignored"),
    pytest.param(d("80", "60"), "mean", "70.0", "20.0", 2, id="method-as-string"),
    pytest.param([], Aggregate.MEDIAN, None, None, 0, id="no-totals"),
    pytest.param(d(None, None), Aggregate.MEAN, None, None, 0, id="only-nones"),
])
def test_aggregate_gives_value_spread_and_count(totals, method, value, spread, count):
    summary = aggregate(totals, method)
    assert (None if summary.value is None else str(summary.value)) == value
    assert (None if summary.spread is None else str(summary.spread)) == spread
    assert summary.count == count


def test_aggregate_refuses_an_unknown_method():
    with pytest.raises(ValueError):
        aggregate(d("60"), "mode")


# --- disagreement ---------------------------------------------------------------------------

A, AR, R = Recommendation.APPROVE, Recommendation.APPROVE_REDUCED, Recommendation.REJECT


@pytest.mark.parametrize(("recommendations", "spread", "expected"), [
    pytest.param([A, A, A], "5.0", False, id="agree-small-spread"),
    pytest.param([A, AR], "0.0", True, id="approve-vs-reduced-differs"),
    pytest.param([A, R], "0.0", True, id="approve-vs-reject"),
    pytest.param([AR, R], None, True, id="reduced-vs-reject-no-spread"),
    pytest.param([R], None, False, id="one-review"),
    pytest.param([], None, False, id="no-reviews"),
    pytest.param([A, A], "25.0", True, id="spread-above-threshold"),
    pytest.param([A, A], "20.0", False, id="spread-equal-to-threshold-is-not"),
    pytest.param([A, A], "20.1", True, id="spread-just-above"),
    pytest.param(["approve", "approve"], "19.9", False, id="strings"),
    pytest.param([A, None], None, False, id="unfinished-ignored"),
])
def test_disagreement(recommendations, spread, expected):
    spread = None if spread is None else Decimal(spread)
    assert disagreement(recommendations, spread, Decimal(20)) is expected


# --- ranking and the budget line ----------------------------------------------------------------

ROWS = [  # deliberately not in score order
    RankRow("C", Decimal("70.0"), 300),
    RankRow("A", Decimal("90.0"), 100),
    RankRow("D", Decimal("60.0"), 50),
    RankRow("B", Decimal("80.0"), 200),
]


def test_rows_are_ranked_by_score_with_a_running_total():
    ranked = rank(ROWS, budget=1000)
    assert [r.key for r in ranked] == ["A", "B", "C", "D"]
    assert [r.rank for r in ranked] == [1, 2, 3, 4]
    assert [r.running_total for r in ranked] == [100, 300, 600, 650]
    assert [r.amount for r in ranked] == [100, 200, 300, 50]
    assert ranked[0].score == Decimal("90.0")


@pytest.mark.parametrize(("budget", "within"), [
    pytest.param(300, ["A", "B"], id="running-total-equal-to-budget-is-within"),
    pytest.param(299, ["A"], id="crossing-by-one-krone"),
    # B brings the total to 300, C would cross (600); D (50) would still fit in 350,
    # but the line is strict: everything after the first crossing is below it
    pytest.param(350, ["A", "B"], id="strict-line-no-skipping-ahead"),
    pytest.param(649, ["A", "B", "C"], id="last-one-just-misses"),
    pytest.param(650, ["A", "B", "C", "D"], id="all-exactly"),
    pytest.param(99, [], id="first-one-too-dear"),
    pytest.param(0, [], id="no-budget"),
])
def test_the_budget_line(budget, within):
    ranked = rank(ROWS, budget=budget)
    assert [r.key for r in ranked if r.within_budget] == within
    assert budget_line_index(ranked) == len(within)


@pytest.mark.parametrize(("rows", "order"), [
    pytest.param([RankRow("X", Decimal(80), 1), RankRow("Y", Decimal(80), 1),
                  RankRow("Z", Decimal(90), 1), RankRow("W", Decimal(80), 1)],
                 ["Z", "X", "Y", "W"], id="ties-keep-input-order"),
    pytest.param([RankRow("W", Decimal(80), 1), RankRow("Y", Decimal(80), 1),
                  RankRow("X", Decimal(80), 1)],
                 ["W", "Y", "X"], id="ties-keep-reversed-input-order"),
    pytest.param([RankRow("N1", None, 1), RankRow("A", Decimal(50), 1),
                  RankRow("N2", None, 1), RankRow("B", Decimal(70), 1)],
                 ["B", "A", "N1", "N2"], id="none-scores-last-in-input-order"),
    pytest.param([RankRow("Z", Decimal(0), 1), RankRow("H", Decimal("100"), 1),
                  RankRow("M", Decimal("50.5"), 1), RankRow("L", Decimal("50.4"), 1)],
                 ["H", "M", "L", "Z"], id="decimals-and-extremes"),
])
def test_ranking_order(rows, order):
    ranked = rank(rows, budget=10**6)
    assert [r.key for r in ranked] == order
    assert [r.rank for r in ranked] == list(range(1, len(rows) + 1))


def test_an_unscored_application_is_never_within_the_automatic_line():
    rows = [RankRow("N", None, 10), RankRow("A", Decimal(50), 10)]
    ranked = rank(rows, budget=10**6)
    assert [(r.key, r.within_budget) for r in ranked] == [("A", True), ("N", False)]
    assert budget_line_index(ranked) == 1


@pytest.mark.parametrize(("budget", "line_after", "within"), [
    pytest.param(10**6, 0, [], id="override-0"),
    pytest.param(0, 4, ["A", "B", "C", "D"], id="override-len-regardless-of-budget"),
    pytest.param(10**6, 1, ["A"], id="override-below-budget"),
    pytest.param(300, 3, ["A", "B", "C"], id="override-above-budget"),
])
def test_a_manager_can_move_the_line(budget, line_after, within):
    ranked = rank(ROWS, budget=budget, line_after=line_after)
    assert [r.key for r in ranked if r.within_budget] == within
    assert budget_line_index(ranked) == line_after
    assert [r.running_total for r in ranked] == [100, 300, 600, 650]


def test_a_manual_line_may_include_unscored_applications():
    ranked = rank([RankRow("N", None, 10), RankRow("A", Decimal(50), 10)], budget=0,
                  line_after=2)
    assert all(r.within_budget for r in ranked)


@pytest.mark.parametrize(("rows", "budget", "line_after"), [
    pytest.param(ROWS, 1000, -1, id="line-after-negative"),
    pytest.param(ROWS, 1000, 5, id="line-after-beyond-len"),
    pytest.param([], 1000, 1, id="line-after-1-with-no-rows"),
    pytest.param(ROWS, -1, None, id="negative-budget"),
    pytest.param([RankRow("A", Decimal(50), -10)], 1000, None, id="negative-amount"),
])
def test_rank_refuses_invalid_input(rows, budget, line_after):
    with pytest.raises(ValueError):
        rank(rows, budget=budget, line_after=line_after)


def test_nothing_to_rank():
    assert rank([], budget=1000) == []
    assert rank([], budget=1000, line_after=0) == []
    assert budget_line_index([]) == 0


# --- one rounding policy --------------------------------------------------------------

#: The næringsfond rubric with "International" (weight 5) not applicable: weights sum to 95,
#: so a total is 20·p/95 for the weighted points p = Σ weight·score, 0 ≤ p ≤ 475.
NA_WEIGHT_SUM = sum(NAERINGSFOND) - 5


def _points_rubric(points: int) -> list[CriterionScore]:
    """Criteria with weights summing to 95 whose weighted points are ``points``."""
    return [CriterionScore(weight=1, score=min(5, max(0, points - 5 * i)))
            for i in range(NA_WEIGHT_SUM)]


@pytest.mark.parametrize("points", [
    pytest.param(90, id="18.947-shown-as-18.9"),  # was stored 18.95, shown 19.0
    *(pytest.param(p, id=f"p{p}") for p in range(0, 5 * NA_WEIGHT_SUM + 1, 7)),
])
def test_a_stored_total_is_shown_as_the_exact_total_rounded_once(points):
    """The §4 mismatch: with the default næringsfond rubric and one criterion N/A, 5.3 %
    of score combinations showed a different one-decimal total than the exact one. The
    stored total now rounds to the same tenth as the exact fraction, as one assessment
    and through the median and mean of several."""
    exact = weighted_total(_points_rubric(points))
    stored = to_stored(exact)
    assert aggregate([stored], Aggregate.MEDIAN).value == to_display(exact)
    assert aggregate([stored, stored], Aggregate.MEAN).value == to_display(exact)


def test_every_total_of_the_default_rubric_with_one_na_is_shown_as_its_exact_value():
    mismatches = [points for points in range(5 * NA_WEIGHT_SUM + 1)
                  if aggregate([to_stored(weighted_total(_points_rubric(points)))],
                               Aggregate.MEDIAN).value
                  != to_display(weighted_total(_points_rubric(points)))]
    assert mismatches == []
    assert str(to_display(weighted_total(_points_rubric(90)))) == "18.9"


@pytest.mark.parametrize(("amounts", "expected"), [
    pytest.param([100_000], 100_000, id="one"),
    pytest.param([100_000, 100_001], 100_000, id="half-a-krone-rounds-down"),
    pytest.param([10, 20, 31], 20, id="odd"),
    pytest.param([], None, id="none"),
])
def test_the_median_recommended_amount_is_whole_kroner_rounded_down(amounts, expected):
    assert median_amount(amounts) == expected


@pytest.mark.parametrize(("values", "expected"), [
    pytest.param([3, 4, 3, 3], "3.3", id="3.25-half-up"),
    pytest.param([1, 2, 2], "1.7", id="a-third"),
    pytest.param([], None, id="none"),
])
def test_a_criterion_mean_is_rounded_once_half_up(values, expected):
    result = mean_tenth(values)
    assert (str(result) if result is not None else None) == expected


@pytest.mark.parametrize("value, shown", [
    (Decimal("-0.05"), Decimal("-0.1")), (Decimal("-71.58"), Decimal("-71.6")),
    (Decimal("-0.04"), Decimal("0.0")),
])
def test_rounding_is_half_away_from_zero_for_negative_values_too(value, shown):
    assert to_display(value) == shown


def test_zero_is_shown_without_a_sign():
    assert str(to_display(Decimal("0"))) == "0.0" and str(to_display(Decimal("0.04"))) == "0.0"


def test_a_row_applying_for_nothing_is_ranked_and_bad_input_is_named():
    ranked = rank([RankRow("a", Decimal("50"), 0)], budget=0)
    assert [(r.key, r.within_budget) for r in ranked] == [("a", True)]
    with pytest.raises(ValueError, match="negative amount for 'b': -1"):
        rank([RankRow("b", None, -1)], budget=0)
    with pytest.raises(ValueError, match="negative budget: -1"):
        rank([], budget=-1)
    with pytest.raises(ValueError, match="line_after must be between 0 and 0: 1"):
        rank([], budget=0, line_after=1)
    with pytest.raises(ValueError, match="negative weight: -1"):
        weighted_total([CriterionScore(weight=-1, score=3)])
    with pytest.raises(ValueError, match="score outside 0..5: 6"):
        weighted_total([CriterionScore(weight=1, score=6)])


@pytest.mark.parametrize("exact, stored", [
    (Decimal("18.9473685"), Decimal("18.947369")),  # half up, not to the even digit
    (Decimal("18.9473675"), Decimal("18.947368")),
    (Decimal("18.94736849"), Decimal("18.947368")),
])
def test_a_total_is_stored_to_six_places_rounding_half_up(exact, stored):
    assert to_stored(exact) == stored
