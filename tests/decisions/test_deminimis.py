"""The de minimis arithmetic of the decision date, the excluded sectors and the KDD
suggestion: pure functions, no database."""

from datetime import date
from decimal import Decimal

import pytest

from fund.decisions import deminimis
from fund.decisions.deminimis import Aid

RATE = Decimal("11.5")


@pytest.mark.parametrize("on, years, start", [
    (date(2027, 6, 14), 3, date(2024, 6, 14)),
    (date(2028, 2, 29), 3, date(2025, 2, 28)),  # no 29 February in 2025
    (date(2028, 2, 29), 4, date(2024, 2, 29)),
    (date(2027, 1, 1), 0, date(2027, 1, 1)),
])
def test_the_rolling_period_starts_the_same_date_years_before(on, years, start):
    assert deminimis.period_start(on, years) == start


@pytest.mark.parametrize("granted_on, counts", [
    (date(2024, 6, 13), False),  # the day before the period
    (date(2024, 6, 14), True),  # its first day
    (date(2027, 6, 14), True),  # the decision date itself
    (date(2027, 6, 15), False),  # after the decision: not yet conferred
])
def test_aid_counts_by_its_grant_date_within_the_period(granted_on, counts):
    on = date(2027, 6, 14)
    assert deminimis.in_period(granted_on, on, 3) is counts
    assert deminimis.counted_nok([Aid(granted_on, 1000), Aid(on, 5)], on, 3) == \
        (1005 if counts else 5)


@pytest.mark.parametrize("nok, rate, eur", [
    (115_000, Decimal("11.5"), Decimal("10000.00")),
    (100_000, Decimal("11.6235"), Decimal("8603.26")),  # 8603.2607…
    (1, Decimal("3"), Decimal("0.33")),
    (5, Decimal("1000"), Decimal("0.01")),  # 0.005, half up
    (0, RATE, Decimal("0.00")),
])
def test_kroner_are_euro_at_the_rate_to_the_cent(nok, rate, eur):
    assert deminimis.to_eur(nok, rate) == eur


@pytest.mark.parametrize("ceiling, rate, nok", [
    (300_000, Decimal("11.5"), 3_450_000),
    (300_000, Decimal("11.6235"), 3_487_050),
    (300_000, Decimal("11.62357"), 3_487_071),  # 3 487 071.0, exactly
    (300_000, Decimal("11.623574"), 3_487_072),  # 3 487 072.2 rounded down
])
def test_the_ceiling_in_kroner_is_rounded_down(ceiling, rate, nok):
    assert deminimis.ceiling_nok(ceiling, rate) == nok


@pytest.mark.parametrize("bad", [Decimal("0"), Decimal("-1")])
def test_a_rate_must_be_above_zero(bad):
    with pytest.raises(ValueError, match="above zero"):
        deminimis.to_eur(100, bad)
    with pytest.raises(ValueError, match="above zero"):
        deminimis.ceiling_nok(300_000, bad)


def test_a_rate_below_one_is_a_rate():
    """A currency worth more than the euro would have one (the rule is above zero)."""
    assert deminimis.to_eur(100, Decimal("0.5")) == Decimal("200.00")
    assert deminimis.ceiling_nok(300_000, Decimal("0.5")) == 150_000


def test_the_ceiling_is_rounded_down_never_to_the_nearest():
    assert deminimis.ceiling_nok(300_000, Decimal("11.000005")) == 3_300_001  # …001.5


def test_counted_aid_cannot_be_negative():
    with pytest.raises(ValueError, match="negative"):
        deminimis.headroom(-1, RATE, 300_000)
    assert deminimis.headroom(0, RATE, 300_000).ceiling_eur == 300_000


def test_a_single_krone_of_headroom_is_still_granted():
    room = deminimis.headroom(3_449_999, RATE, 300_000)
    cut = deminimis.apply_ceiling(200_000, room, cap=True)
    assert (cut.amount_nok, cut.capped, cut.refused) == (1, True, False)


@pytest.mark.parametrize("counted, amount, cap, granted, capped, refused", [
    (0, 200_000, False, 200_000, False, False),  # well within
    (3_250_000, 200_000, False, 200_000, False, False),  # exactly at the ceiling
    (3_250_001, 200_000, False, 200_000, False, True),  # one krone over: refused
    (3_250_001, 200_000, True, 199_999, True, False),  # … or cut to the headroom
    (3_450_000, 200_000, True, 200_000, False, True),  # nothing left to cut to
    (4_000_000, 100, True, 100, False, True),  # already over the ceiling
])
def test_a_grant_over_the_ceiling_is_cut_to_the_headroom_or_refused(
        counted, amount, cap, granted, capped, refused):
    room = deminimis.headroom(counted, RATE, 300_000)
    assert room.ceiling_nok == 3_450_000
    assert room.headroom_nok == max(3_450_000 - counted, 0)
    cut = deminimis.apply_ceiling(amount, room, cap)
    assert (cut.amount_nok, cut.capped, cut.refused) == (granted, capped, refused)


def test_counted_aid_is_shown_in_euro():
    room = deminimis.headroom(1_150_000, RATE, 300_000)
    assert room.counted_eur == Decimal("100000.00")
    with pytest.raises(ValueError):
        deminimis.headroom(-1, RATE, 300_000)


@pytest.mark.parametrize("code, flags", [
    ("03.211", ["fisheries"]),
    ("03.221", ["fisheries"]),
    ("01.110", ["agriculture"]),
    ("01.500", ["agriculture"]),
    ("10.200", ["fish_processing"]),
    ("10.110", ["agri_processing"]),
    ("11.010", ["agri_processing"]),
    ("02.100", []),  # forestry is not excluded
    ("62.010", []),
    ("30.110", []),  # «3…» is not «03»
    ("", []),
    (None, []),
])
def test_excluded_sectors_are_flagged_by_naeringskode(code, flags):
    assert deminimis.excluded_sectors(code) == flags


@pytest.mark.parametrize("founded_on, cooperation, category", [
    (date(2023, 6, 15), False, "1310"),  # younger than 5 years on the decision date
    (date(2022, 6, 15), False, "1110"),  # exactly 5 years: established
    (date(2022, 6, 14), False, "1110"),
    (date(2010, 1, 1), True, "1245"),  # a cooperation project, whatever the age
    (None, True, "1245"),
    (None, False, None),  # unknown age: the caseworker chooses
])
def test_the_kdd_category_is_suggested_from_age_and_project(founded_on, cooperation, category):
    assert deminimis.suggest_kdd(founded_on, date(2027, 6, 15), cooperation) == category
