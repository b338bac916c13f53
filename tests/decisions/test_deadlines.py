"""The appeal deadline, an appeal in time or late, and when a provisional reply is owed:
pure rules over dates, around month ends, holidays and midnight in Oslo."""

from datetime import UTC, date, datetime

import pytest

from fund.decisions.deadlines import (
    add_months,
    appeal_deadline,
    appeal_in_time,
    easter_sunday,
    provisional_reply_due,
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
])
def test_the_appeal_deadline_is_three_weeks_moved_past_weekends_and_holidays(
        notified, deadline):
    assert appeal_deadline(notified) == deadline


def test_easter_is_computed():
    assert [easter_sunday(y) for y in (2024, 2026, 2027, 2028)] == [
        date(2024, 3, 31), date(2026, 4, 5), date(2027, 3, 28), date(2028, 4, 16)]


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
