"""Scoring is pure: weighted totals, N/A handling, aggregation and the budget line.

Plain functions over numbers — no database, no Flask. Arithmetic is done exactly with
:class:`fractions.Fraction` and results are handed back as :class:`decimal.Decimal`.
Values meant for display are rounded once, half-up, to one decimal (``to_display``,
``aggregate``, ``mean_tenth``); nothing is rounded on the way there. An assessment's total
is stored with ``STORED_PLACES`` decimals (``to_stored``): for any rubric whose weights sum
to less than 100 000, that is close enough that the one rounding for display gives the
same tenth as the exact fraction would. Money is whole kroner (``median_amount``).
"""

import enum
import math
import statistics
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal
from fractions import Fraction

#: The highest step on a criterion's scale (0 = not met … 5 = excellent).
MAX_STEP = 5
#: Totals are on a 0–100 scale.
SCALE = 100

#: How an assessment's total is stored (``Numeric(9, 6)``).
STORED_PLACES = Decimal("0.000001")

# Enough digits for any total on the 0–100 scale, independent of the caller's context.
_CONTEXT = Context(prec=28)


@dataclass(frozen=True)
class CriterionScore:
    """One criterion as one reviewer scored it."""

    weight: int
    score: int | None  #: 0..MAX_STEP, None while not scored
    not_applicable: bool = False
    required: bool = True
    allow_na: bool = False


def _to_decimal(value: Fraction) -> Decimal:
    """Exact when the fraction terminates in 28 significant digits (every total whose
    weights sum to a divisor of a power of ten, e.g. the default rubrics' 100)."""
    return _CONTEXT.divide(Decimal(value.numerator), Decimal(value.denominator))


def _round_tenth(value: Fraction) -> Decimal:
    """Round an exact value half-up (away from zero) to one decimal, once."""
    tenths = abs(value) * 10 + Fraction(1, 2)
    rounded = tenths.numerator // tenths.denominator
    return Decimal(-rounded if value < 0 else rounded).scaleb(-1)


def round_tenth_of(numerator: int, denominator: int) -> Decimal:
    """``numerator / denominator`` (both ≥ 0, the denominator > 0) rounded half-up to one
    decimal: the same figure as ``_round_tenth`` of the fraction, in integer arithmetic
    (a ranking rounds thousands of them)."""
    return Decimal((20 * numerator + denominator) // (2 * denominator)).scaleb(-1)


def to_display(value: Decimal | None) -> Decimal | None:
    """A total as shown and stored for people: one decimal, half-up (``71.58`` → ``71.6``,
    ``0.05`` → ``0.1``)."""
    return None if value is None else _round_tenth(Fraction(value))


def to_stored(value: Decimal | None) -> Decimal | None:
    """A total as the database keeps it: ``STORED_PLACES`` decimals, not rounded for
    display (``18.947368…`` → ``18.947368``, shown as ``18.9``)."""
    if value is None:
        return None
    return value.quantize(STORED_PLACES, rounding=ROUND_HALF_UP, context=_CONTEXT)


def mean_tenth(values: list[int] | list[Decimal]) -> Decimal | None:
    """The mean, rounded once for display like every score (a criterion's mean step in the
    ranking); None for no values."""
    if not values:
        return None
    return _round_tenth(statistics.mean(Fraction(value) for value in values))


def median_amount(amounts: list[int]) -> int | None:
    """The median of the recommended amounts in whole kroner. Between two middle amounts
    it is rounded down (floor): the proposal never exceeds what the middle pair averages.
    None for no amounts."""
    if not amounts:
        return None
    return math.floor(statistics.median(Fraction(amount) for amount in amounts))


def weighted_total(scores: list[CriterionScore]) -> Decimal | None:
    """The weighted total on a 0–100 scale, unrounded (see ``to_display``).

    ``sum(weight × score / 5) / sum(weight) × 100`` over the criteria that count: scored,
    not marked "not applicable" and with a weight above zero. N/A criteria are left out
    and the remaining weights renormalised — never counted as zero. Unscored criteria,
    required or not, are left out too: this is the total so far; whether the review may
    be completed is ``incomplete``'s question. None when nothing counts.

    Raises ValueError for a negative weight or a score outside 0..MAX_STEP, since a total
    over such a score means nothing.
    """
    weighted = 0
    weights = 0
    for criterion in scores:
        if criterion.weight < 0:
            raise ValueError(f"negative weight: {criterion.weight}")
        if criterion.not_applicable or criterion.score is None or criterion.weight == 0:
            continue
        if not 0 <= criterion.score <= MAX_STEP:
            raise ValueError(f"score outside 0..{MAX_STEP}: {criterion.score}")
        weighted += criterion.weight * criterion.score
        weights += criterion.weight
    if weights == 0:
        return None
    return _to_decimal(Fraction(weighted * SCALE, weights * MAX_STEP))


def incomplete(scores: list[CriterionScore]) -> list[int]:
    """Indexes (ascending) of the criteria that keep a review from being completed:

    - a required criterion with no score that is not marked N/A where N/A is allowed;
    - a criterion marked N/A that does not allow N/A;
    - a score outside 0..MAX_STEP.

    An unscored optional criterion is fine. A weight of 0 does not excuse a required
    criterion: required is what the rubric says.
    """
    blocking = []
    for index, criterion in enumerate(scores):
        if criterion.not_applicable:
            blocked = not criterion.allow_na
        else:
            blocked = criterion.required and criterion.score is None
        if criterion.score is not None and not 0 <= criterion.score <= MAX_STEP:
            blocked = True
        if blocked:
            blocking.append(index)
    return blocking


class Aggregate(enum.StrEnum):
    """How the reviewers' totals become one score for the application."""

    MEDIAN = "median"
    MEAN = "mean"


@dataclass(frozen=True)
class Summary:
    value: Decimal | None  #: median or mean, one decimal half-up; None without totals
    spread: Decimal | None  #: highest − lowest total, one decimal half-up; 0 for one total
    count: int  #: how many totals there were (Nones not counted)


def aggregate(totals: list[Decimal | None], method: Aggregate | str) -> Summary:
    """Median or mean of the reviewers' totals, and their spread.

    None (a review without a total) is ignored. Both the value and the spread are computed
    exactly from the given totals and rounded once, half-up, to one decimal. Raises
    ValueError for an unknown method.
    """
    method = Aggregate(method)
    exact = [Fraction(total) for total in totals if total is not None]
    if not exact:
        return Summary(value=None, spread=None, count=0)
    if method is Aggregate.MEDIAN:
        value = statistics.median(exact)
    else:
        value = statistics.mean(exact)
    return Summary(value=_round_tenth(Fraction(value)),
                   spread=_round_tenth(max(exact) - min(exact)),
                   count=len(exact))


class Recommendation(enum.StrEnum):
    APPROVE = "approve"
    APPROVE_REDUCED = "approve_reduced"
    REJECT = "reject"


def disagreement(recommendations: list[Recommendation | str], spread: Decimal | None,
                 threshold: Decimal) -> bool:
    """Whether the reviewers disagree enough to be flagged for the manager.

    True when the completed reviews' recommendations are not all the same — ANY
    difference counts, approve vs. approve_reduced included, since a reduced amount is a
    different decision about money — or when the spread is strictly greater than the
    threshold (a spread equal to the threshold is not a disagreement). Pass the spread
    from ``aggregate``: it is the rounded figure people see, so the flag agrees with the
    screen. Nones among the recommendations (reviews not completed) are ignored.
    """
    given = {Recommendation(r) for r in recommendations if r is not None}
    if len(given) > 1:
        return True
    return spread is not None and spread > threshold


@dataclass(frozen=True)
class RankRow:
    key: object  #: whatever identifies the row for the caller (an application id)
    score: Decimal | None  #: None when the application has no score yet
    amount: int  #: whole kroner applied for / proposed


@dataclass(frozen=True)
class Ranked:
    key: object
    rank: int  #: position 1..n; ties get consecutive ranks in input order
    score: Decimal | None
    amount: int
    running_total: int  #: this row's amount plus all rows ranked above it
    within_budget: bool  #: above the budget line


def rank(rows: list[RankRow], budget: int, line_after: int | None = None) -> list[Ranked]:
    """Rank rows by score, highest first, and draw the budget line.

    - Order: score descending, rows without a score last. Ties keep their input order
      (a stable sort), so the caller decides tie-breaking by the order it passes rows
      in (e.g. by submission time). Rank numbers are positions 1..n, never shared.
    - ``running_total`` is cumulative over all rows, also below the line.
    - The line is strict: rows are within the budget while the running total stays
      ≤ ``budget`` (equal is within). The first row that would cross it, and every row
      after — even a later, cheaper one that would still fit — is below the line.
      The automatic line also stops at the first row without a score: an unscored
      application is never funded by arithmetic.
    - ``line_after``, a manager's manual override: exactly the first ``line_after`` rows
      are within the line, regardless of budget and scores. ValueError unless
      0 ≤ line_after ≤ len(rows).

    Raises ValueError for a negative budget or a negative amount.
    """
    if budget < 0:
        raise ValueError(f"negative budget: {budget}")
    if line_after is not None and not 0 <= line_after <= len(rows):
        raise ValueError(f"line_after must be between 0 and {len(rows)}: {line_after}")
    for row in rows:
        if row.amount < 0:
            raise ValueError(f"negative amount for {row.key!r}: {row.amount}")

    ordered = sorted(rows, key=lambda row: (row.score is None,
                                            -row.score if row.score is not None else 0))
    ranked = []
    running_total = 0
    for position, row in enumerate(ordered, start=1):
        running_total += row.amount
        if line_after is not None:
            within = position <= line_after
        else:
            # Amounts are ≥ 0 and the running total counts every row, so once it has
            # crossed the budget it stays crossed: that is the strict line. Unscored rows
            # sort last, so they end the line too.
            within = row.score is not None and running_total <= budget
        ranked.append(Ranked(key=row.key, rank=position, score=row.score, amount=row.amount,
                             running_total=running_total, within_budget=within))
    return ranked


def budget_line_index(ranked: list[Ranked]) -> int:
    """How many rows are within the line; the line is drawn after that many rows."""
    return sum(1 for row in ranked if row.within_budget)
