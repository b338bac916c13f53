"""The money rules of a grant, by hand-computed examples."""

import pytest

from fund.grants import rules


@pytest.mark.parametrize(("granted", "percent", "ceiling"), [
    (150_000, 50, 75_000), (90_000, 50, 45_000), (99_999, 50, 49_999), (100_000, 0, 0),
    (100_000, 100, 100_000), (33_333, 33, 10_999)])
def test_the_advance_is_the_share_of_the_grant_rounded_down(granted, percent, ceiling):
    assert rules.advance_ceiling(granted, percent) == ceiling


@pytest.mark.parametrize(("granted", "approved", "real", "eligible"), [
    (90_000, 300_000, 240_000, 72_000),  # 80 % of the costs: 80 % of the grant
    (90_000, 300_000, 300_000, 90_000),  # as budgeted
    (90_000, 300_000, 400_000, 90_000),  # higher costs never raise the grant
    (90_000, 300_000, 0, 0),  # nothing spent
    (100_000, 300_000, 100_001, 33_333),  # rounded down to whole kroner
    (90_000, 0, 10_000, 90_000),  # no approved budget to compare with
    (90_000, 300_000, -5, 0),  # a negative cost counts as none
    (90_000, 300_000, 299_999, 89_999),
    (90_000, 0, -1, 90_000),  # no budget: never a division by nothing
    (90_000, 1, 0, 0),  # a budget of one krone, nothing spent
    (90_000, 100, 0, 0)])  # nothing spent is nothing, not a krone's share
def test_the_grant_is_reduced_in_proportion_to_lower_real_costs(granted, approved, real,
                                                                 eligible):
    assert rules.eligible_amount(granted, approved, real) == eligible


def test_the_final_payment_is_what_is_due_less_what_is_paid_and_may_be_negative():
    assert rules.final_payment(72_000, 45_000) == 27_000
    assert rules.final_payment(72_000, 72_000) == 0
    assert rules.final_payment(72_000, 90_000) == -18_000


@pytest.mark.parametrize(("granted", "paid", "pending", "left"), [
    (150_000, 75_000, 0, 75_000), (150_000, 75_000, 25_000, 50_000),
    (150_000, 150_000, 0, 0), (150_000, 160_000, 0, 0)])
def test_what_is_left_to_pay_is_never_below_nothing(granted, paid, pending, left):
    assert rules.payable(granted, paid, pending) == left
