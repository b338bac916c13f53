"""The appeal deadline, an appeal in time or late, and when a provisional reply is owed:
pure rules over dates, around month ends, holidays and midnight in Oslo."""

from datetime import UTC, date, datetime

import pytest

from fund.decisions.deadlines import (
    add_months,
    appeal_deadline,
    appeal_in_time,
    easter_sunday,
    is_working_day,
    provisional_reply_due,
    public_holidays,
)


@pytest.mark.parametrize("notified, deadline", [
    (date(2027, 3, 1), date(2027, 3, 22)),  # Monday to Monday
    (date(2027, 1, 10), date(2027, 2, 1)),  # Sunday 31 January: Monday 1 February
    (date(2027, 2, 8), date(2027, 3, 1)),  # across the end of a short February
    (date(2028, 2, 8), date(2028, 2, 29)),  # a leap year's 29 February (a Tuesday)
    (date(2027, 4, 10), date(2027, 5, 3)),  # Saturday 1 May, Sunday 2 May: Monday 3 May
    (date(2027, 3, 8), date(2027, 3, 30)),  # 2. påskedag (29 March 2027): Tuesday
    (date(2027, 4, 26), date(2027, 5, 18)),  # 17 May 2027 (also 2. pinsedag): the 18th
    (date(2026, 12, 5), date(2026, 12, 28)),  # 2. juledag on a Saturday: Monday 28th
    (date(2027, 12, 11), date(2028, 1, 3)),  # 1 January 2028 is a Saturday: Monday 3rd
    (date(2027, 5, 11), date(2027, 6, 1)),
    (date(2027, 5, 15), date(2027, 6, 7)),  # sent on a Saturday: Saturday 5 June → Monday
])
def test_the_appeal_deadline_is_three_weeks_moved_past_weekends_and_holidays(
        notified, deadline):
    assert appeal_deadline(notified) == deadline


@pytest.mark.parametrize("year, easter", [
    (1818, date(1818, 3, 22)), (1943, date(1943, 4, 25)),  # the earliest and latest dates
    (2000, date(2000, 4, 23)), (2008, date(2008, 3, 23)), (2011, date(2011, 4, 24)),
    (2019, date(2019, 4, 21)), (2024, date(2024, 3, 31)), (2025, date(2025, 4, 20)),
    (2026, date(2026, 4, 5)), (2027, date(2027, 3, 28)), (2028, date(2028, 4, 16)),
    (2038, date(2038, 4, 25)), (2100, date(2100, 3, 28)), (2285, date(2285, 3, 22)),
    # the algorithm's exceptions (a full moon on 18 or 19 April)
    (1954, date(1954, 4, 18)), (1981, date(1981, 4, 19)), (2049, date(2049, 4, 18)),
    (2076, date(2076, 4, 19)),
])
def test_easter_is_computed(year, easter):
    assert easter_sunday(year) == easter


def test_the_public_holidays_of_a_year():
    assert sorted(public_holidays(2026)) == [
        date(2026, 1, 1), date(2026, 4, 2), date(2026, 4, 3), date(2026, 4, 5),
        date(2026, 4, 6), date(2026, 5, 1), date(2026, 5, 14), date(2026, 5, 17),
        date(2026, 5, 24), date(2026, 5, 25), date(2026, 12, 25), date(2026, 12, 26)]
    # 2027: 2. pinsedag falls on 17 May
    assert sorted(public_holidays(2027)) == [
        date(2027, 1, 1), date(2027, 3, 25), date(2027, 3, 26), date(2027, 3, 28),
        date(2027, 3, 29), date(2027, 5, 1), date(2027, 5, 6), date(2027, 5, 16),
        date(2027, 5, 17), date(2027, 12, 25), date(2027, 12, 26)]


@pytest.mark.parametrize("day, working", [
    (date(2027, 6, 4), True), (date(2027, 6, 5), False), (date(2027, 6, 6), False),
    (date(2027, 6, 7), True), (date(2027, 12, 24), True),  # julaften is a working day
])
def test_saturdays_sundays_and_holidays_are_not_working_days(day, working):
    assert is_working_day(day) is working


@pytest.mark.parametrize("received, in_time", [
    # Summer time (UTC+2): the deadline day ends at 22:00 UTC.
    (datetime(2027, 6, 1, 21, 59, 59, tzinfo=UTC), True),
    (datetime(2027, 6, 1, 22, 0, 0, tzinfo=UTC), False),
])
def test_an_appeal_is_in_time_until_midnight_in_oslo_in_summer(received, in_time):
    assert appeal_in_time(received, date(2027, 6, 1)) is in_time


@pytest.mark.parametrize("received, in_time", [
    # Winter time (UTC+1): the deadline day ends at 23:00 UTC.
    (datetime(2027, 2, 1, 22, 59, 59, tzinfo=UTC), True),
    (datetime(2027, 2, 1, 23, 0, 0, tzinfo=UTC), False),
])
def test_an_appeal_is_in_time_until_midnight_in_oslo_in_winter(received, in_time):
    assert appeal_in_time(received, date(2027, 2, 1)) is in_time


@pytest.mark.parametrize("day, months, expected", [
    (date(2027, 1, 31), 1, date(2027, 2, 28)),
    (date(2028, 1, 31), 1, date(2028, 2, 29)),
    (date(2027, 3, 31), 1, date(2027, 4, 30)),
    (date(2027, 12, 15), 1, date(2028, 1, 15)),
    (date(2027, 11, 30), 3, date(2028, 2, 29)),
    (date(2027, 11, 30), 1, date(2027, 12, 30)),  # into December
    (date(2027, 10, 31), 2, date(2027, 12, 31)),
])
def test_a_month_later_is_the_same_day_or_the_months_last(day, months, expected):
    assert add_months(day, months) == expected


@pytest.mark.parametrize("now, due", [
    (datetime(2027, 2, 28, 22, 59, tzinfo=UTC), False),  # still 28 February in Oslo
    (datetime(2027, 2, 28, 23, 0, tzinfo=UTC), True),  # 1 March in Oslo
])
def test_a_case_submitted_31_january_is_owed_a_reply_from_1_march(now, due):
    submitted = datetime(2027, 1, 31, 12, 0, tzinfo=UTC)
    assert provisional_reply_due(submitted, now) is due
